"""Certified digits on NIST's StRD linear least-squares problems, with the default solver.

Goal (issue 12): every problem at ≥ 7 correct significant digits (log relative error of the
worst coefficient, McCullough 1998) and ≥ 9 on all but Filip — the degree-10 polynomial
whose raw design looks rank 10 of 11 until its columns are equilibrated.
"""

from __future__ import annotations

import warnings

import pytest

from linml.exceptions import NumericalWarning
from linml.linalg import lstsq_refined
from linml.linear_model import LinearRegression
from tests.linear_model.nist_strd import NAMES, load, lre

#: Minimum correct digits of the worst coefficient.
GOAL = {name: (7.0 if name == "Filip" else 9.0) for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_default_solver_meets_the_certified_digits(name):
    prob = load(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericalWarning)  # full rank: no fallback, no warning
        model = LinearRegression(fit_intercept=prob.intercept).fit(prob.X, prob.y)
    digits = lre(prob.coefficients(model.coef_, model.intercept_), prob.beta)
    assert digits >= GOAL[name], f"{name}: {digits:.1f} digits ({model.solver_})"
    assert model.rank_ == prob.X.shape[1]  # never truncated silently


def test_filip_is_full_rank_once_equilibrated():
    """Regression (issue 12): auto took SVD, cut σ_min and solved a different problem."""
    prob = load("Filip")
    model = LinearRegression().fit(prob.X, prob.y)
    assert model.solver_ == "qr" and model.n_iter_ > 1  # refined
    assert model.condition_number_ > 1e14  # raw κ: columns 1 … 1e9 apart
    assert 1e8 < model.scaled_condition_number_ < 1e11  # what decides the digits
    text = str(model._explain())
    assert "iterative refinement" in text and "unit norm" in text


@pytest.mark.parametrize("name", ["Pontius", "Longley", "Wampler1", "Wampler4", "Wampler5"])
def test_qr_and_normal_routes_agree_to_the_certified_digits(name):
    """Both refined routes reach the goal on their own (QR and refined normal equations)."""
    prob = load(name)
    for method in ("qr", "normal"):
        res = lstsq_refined(prob.X, prob.y, fit_intercept=prob.intercept, method=method)
        digits = lre(prob.coefficients(res.coef[:, 0], res.intercept[0]), prob.beta)
        assert digits >= GOAL[name], f"{name} {method}: {digits:.1f}"
