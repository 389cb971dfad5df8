"""linml.neighbors."""
