"""linml.neural."""
