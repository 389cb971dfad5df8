"""Shared pieces of the coordinate-descent estimators (_path): input validation."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from linml.linear_model import ElasticNet, Lasso, LassoCV
from linml.linear_model._path import validate_cd_data


@pytest.mark.parametrize("multi_output", [True, False])
def test_validate_cd_data_layouts(multi_output):
    """Dense X comes back Fortran-ordered float, sparse X as CSC; y as validated."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 4))
    y = rng.standard_normal((20, 2)) if multi_output else rng.standard_normal(20)
    Xv, yv = validate_cd_data(ElasticNet(), X, y, multi_output=multi_output)
    assert Xv.flags.f_contiguous and Xv.dtype == np.float64
    assert yv.shape == y.shape
    Xs, _ = validate_cd_data(ElasticNet(), sp.csr_matrix(X), y, multi_output=multi_output)
    assert sp.issparse(Xs) and Xs.format == "csc"


def test_validate_cd_data_nonfinite():
    """NaN in y or in sparse X is refused here; NaN in dense X is left to prepare_targets."""
    X = np.ones((5, 2))
    y = np.arange(5.0)
    y_bad = y.copy()
    y_bad[3] = np.nan
    with pytest.raises(ValueError, match="y"):
        validate_cd_data(ElasticNet(), X, y_bad, multi_output=True)
    Xs = sp.csc_matrix(np.eye(5, 2))
    Xs.data[0] = np.inf
    with pytest.raises(ValueError, match="X"):
        validate_cd_data(ElasticNet(), Xs, y, multi_output=True)
    X_nan = X.copy()
    X_nan[1, 1] = np.nan
    Xv, _ = validate_cd_data(ElasticNet(), X_nan, y, multi_output=True)
    assert np.isnan(Xv[1, 1])


@pytest.mark.parametrize("cls", [Lasso, LassoCV])
def test_lasso_stores_only_its_parameters(cls):
    """Lasso/LassoCV build on the elastic net's __init__ but hold no l1_ratio attribute."""
    model = cls(max_iter=7)
    assert "l1_ratio" not in vars(model)
    assert set(vars(model)) == set(model.get_params())
    assert model.max_iter == 7
