"""linml.linalg."""
