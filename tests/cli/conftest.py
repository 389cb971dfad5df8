"""Shared fixtures of the command-line tests."""

import pytest
from sklearn.datasets import load_wine


@pytest.fixture
def wine_csv(tmp_path):
    """scikit-learn's wine table as a CSV with a 'target' column."""
    path = tmp_path / "wine.csv"
    load_wine(as_frame=True).frame.to_csv(path, index=False)
    return path
