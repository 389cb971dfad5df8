"""linml.diagnose."""
