"""linml.graph."""
