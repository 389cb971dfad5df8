"""linml.discriminant_analysis."""
