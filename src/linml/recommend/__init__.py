"""linml.recommend."""
