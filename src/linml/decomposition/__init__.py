"""linml.decomposition."""
