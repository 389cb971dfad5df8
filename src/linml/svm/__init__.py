"""linml.svm."""
