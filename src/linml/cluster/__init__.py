"""linml.cluster."""
