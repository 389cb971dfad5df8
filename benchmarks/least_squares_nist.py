"""Certified digits on NIST's StRD linear least-squares problems: linml against its peers.

NIST's Statistical Reference Datasets (https://www.itl.nist.gov/div898/strd/) certify the
least-squares estimates of 11 linear problems to 15 significant digits. For each, every
solver fits the model as NIST states it (polynomials: the powers of x as columns; an
intercept where the model has ``B0``) and the table shows the correct significant digits
of the *worst* coefficient, ``min_j −log10(|b̂_j − b_j| / |b_j|)`` (McCullough 1998's LRE,
capped at 15). Peers: numpy ``lstsq`` (``gelsd`` on the design with a ones column),
scikit-learn ``LinearRegression`` (centered ``gelsd``), statsmodels ``OLS`` (pinv) when
installed (``bench`` extra). Time per fit is the best of 5, interleaved.

Goal (issue 12): linml's default ≥ 7 digits on every problem and ≥ 9 on all but Filip.

Run: .venv/bin/python benchmarks/least_squares_nist.py [--quick]  (--quick: 2 timings per fit, not recorded)
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.linear_model.nist_strd

import sklearn
import sklearn.linear_model as sk
from _common import blas_summary, markdown_table, quick, record

from linml.linear_model import LinearRegression
from tests.linear_model.nist_strd import NAMES, load, lre

try:
    import statsmodels as sm_pkg
    import statsmodels.api as sm
except ImportError:  # optional peer
    sm = None


def _design(prob):
    return np.column_stack([np.ones(len(prob.y)), prob.X]) if prob.intercept else prob.X


def solvers():
    """name → fit(prob) returning the estimates in NIST's order."""

    def linml(solver):
        def fit(prob):
            m = LinearRegression(solver=solver, fit_intercept=prob.intercept).fit(prob.X, prob.y)
            return prob.coefficients(m.coef_, m.intercept_)

        return fit

    def numpy_lstsq(prob):
        return np.linalg.lstsq(_design(prob), prob.y, rcond=None)[0]

    def scikit_learn(prob):
        m = sk.LinearRegression(fit_intercept=prob.intercept).fit(prob.X, prob.y)
        return prob.coefficients(m.coef_, m.intercept_)

    out = {
        "linml auto": linml("auto"),
        "linml qr": linml("qr"),
        "linml svd": linml("svd"),
        "numpy lstsq": numpy_lstsq,
        "scikit-learn": scikit_learn,
    }
    if sm is not None:
        out["statsmodels OLS"] = lambda prob: np.asarray(sm.OLS(prob.y, _design(prob)).fit().params)
    return out


def main() -> None:
    fits = solvers()
    rows, times = [], {k: [] for k in fits}
    for name in NAMES:
        prob = load(name)
        row = [name, f"{prob.X.shape[0]}×{len(prob.beta)}"]
        for label, fit in fits.items():
            best = np.inf
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for _ in range(2 if quick() else 5):  # interleaved across solvers by problem
                    t = time.perf_counter()
                    est = fit(prob)
                    best = min(best, time.perf_counter() - t)
            times[label].append(best)
            row.append(f"{lre(est, prob.beta):.1f}")
        m = LinearRegression(fit_intercept=prob.intercept).fit(prob.X, prob.y)
        row.append(m.solver_ + (f" + {m.n_iter_ - 1} refinement" if m.n_iter_ > 1 else ""))
        rows.append(row)
    header = ["problem", "n×params", *fits, "linml auto route"]
    rows.append(
        ["median time per fit (ms)", "", *(f"{1e3 * np.median(times[k]):.2f}" for k in fits), ""]
    )
    table = markdown_table(header, rows)
    print(blas_summary())
    print(table)
    versions = f"numpy {np.__version__}, scikit-learn {sklearn.__version__}"
    if sm is not None:
        versions += f", statsmodels {sm_pkg.__version__}"
    body = (
        "Correct significant digits of the worst coefficient (LRE, capped at 15) on the 11 "
        "NIST StRD linear problems (tests/data/nist; Longley from statsmodels' copy of the "
        f"data, checked against NIST's certified values). {versions}; default threads. Goal: "
        "linml's default ≥ 7 on every problem and ≥ 9 on all but Filip.\n\n" + table
    )
    if quick():
        print("--quick: not recorded in RESULTS.md")
        return
    record("least_squares_nist", "NIST StRD linear least squares: certified digits", body)


if __name__ == "__main__":
    main()
