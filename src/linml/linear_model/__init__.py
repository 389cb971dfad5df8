"""linml.linear_model."""
