"""The 'Classification is reweighted least squares' tour chapter reproduces its claims."""

import warnings

import numpy as np

from linml import NumericalWarning
from linml.report.chapters.logistic import CHAPTER, _irls_step, _separable_plane
from tests.report._chapter import run_reproduced


def test_chapter_claims_reproduced():
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericalWarning)  # the chapter catches its own warnings
        result = run_reproduced(CHAPTER)
    assert len(result.claims) == 5
    assert len(result.figures) == 3
    assert "NumericalWarning: LogisticRegression(penalty=None)" in result.text
    assert CHAPTER.order == 15 and CHAPTER.slug == "logistic"


def test_irls_step_is_the_newton_step():
    """The chapter's lstsq solve equals θ − H⁻¹∇f (written out here), penalty included."""
    X, y = _separable_plane()
    Xt = np.column_stack([X, np.ones(len(y))])
    theta, lam = np.array([0.3, -0.2, 0.1]), 0.5
    p = 1.0 / (1.0 + np.exp(-Xt @ theta))
    pen = lam * np.diag([1.0, 1.0, 0.0])  # the intercept is not penalized
    H = Xt.T @ ((p * (1 - p))[:, None] * Xt) + pen  # X̃ᵀWX̃ + λĨ
    g = Xt.T @ (p - y) + pen @ theta  # ∇f
    np.testing.assert_allclose(_irls_step(Xt, y, theta, lam), theta - np.linalg.solve(H, g),
                               rtol=1e-12, atol=1e-14)  # fmt: skip
