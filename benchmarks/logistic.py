"""Logistic regression: linml's LogisticRegression (solver='auto') against scikit-learn's.

Six problems, timed in one process on the same generated data (float64, intercept, C = 1):
tall 200 000 × 100, mid 20 000 × 1000 and wide 2000 × 20 000, each with 2 and 10 classes.
Features are AR(1)-correlated (ρ = 0.5 between neighbouring columns, unit variance) — mildly
ill-conditioned like real tables, not the easy i.i.d. case; labels are drawn from the model
(``η = Xβ + noise``, ``β`` scaled so the classes overlap).

The peer is scikit-learn's fastest solver for the shape: one untimed calibration fit of each
candidate — ``newton-cholesky`` and ``lbfgs`` when its Newton system is small
(``K'(p + 1) ≤ 1000``), else ``lbfgs`` only — picks it. Then linml and the peer run
interleaved (A B A B …, 5 repetitions each); the table gives min / median / max seconds and
the ratio of medians (< 1: linml faster).

Quality: both stop at ``tol = 1e-8`` on the gradient of the weight-averaged objective (the
same ``gtol`` scale) and their objectives ``Σ log-loss + ‖B‖²/(2C)``, computed by one common
function, must agree to 1e-8 relative. BLAS and OpenMP (scikit-learn's Cython loss) are
limited to 1 thread (threadpoolctl) on both sides: the machine is shared and 2-thread timings
under load are noisy.

Run: .venv/bin/python benchmarks/logistic.py  (all six rows; records RESULTS.md)
     .venv/bin/python benchmarks/logistic.py --only 200000x100:10 --only 20000x1000
     (just those rows — ``NxP`` for both class counts, ``NxP:K`` for one; printed, not recorded)
     .venv/bin/python benchmarks/logistic.py --quick
     (10 000 × 30, 2000 × 100, 300 × 1000, 2 repetitions; printed, not recorded)
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sklearn
import sklearn.linear_model as sk
from _common import blas_summary, markdown_table, quick, record, summary_line
from threadpoolctl import threadpool_info, threadpool_limits

from linml.linear_model import LogisticRegression
from linml.linear_model._logistic import LogisticProblem, linear_predictor, loss_and_probabilities

SHAPES = [(200_000, 100), (20_000, 1000), (2000, 20_000)]
QUICK_SHAPES = [(10_000, 30), (2000, 100), (300, 1000)]  # --quick: tall, mid, wide, small
CLASSES = [2, 10]
REPEAT = 5
TOL = 1e-8
C = 1.0


def make_data(n: int, p: int, n_classes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """AR(1) features (ρ = 0.5) and labels from a logistic / softmax model with noise."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    rho = 0.5
    for j in range(1, p):  # x_j = ρ x_{j−1} + sqrt(1 − ρ²) z_j: unit variance, corr ρ^|i−j|
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho * rho) * X[:, j]
    K = 1 if n_classes == 2 else n_classes
    B = rng.standard_normal((p, K)) * (2.0 / np.sqrt(p))
    eta = X @ B
    if K == 1:
        y = (eta[:, 0] + rng.logistic(size=n) > 0).astype(np.int64)
    else:
        y = np.argmax(eta + rng.gumbel(size=eta.shape), axis=1)
    return X, y


def objective(X: np.ndarray, y: np.ndarray, coef: np.ndarray, intercept: np.ndarray) -> float:
    """``Σ_i ℓ_i + ‖B‖²/(2C)`` from any (coef_, intercept_) — the common quality yardstick."""
    K = np.unique(y).size
    prob = LogisticProblem(
        X=X, y=np.searchsorted(np.unique(y), y), s=np.ones(y.size), n_classes=K,
        lam=1.0 / C, fit_intercept=True,
    )  # fmt: skip
    Theta = np.column_stack([coef, intercept])
    loss, _ = loss_and_probabilities(prob, linear_predictor(prob, Theta))
    return loss + 0.5 / C * float(np.sum(coef**2))


def _timed(fit):
    t = time.perf_counter()
    model = fit()
    return time.perf_counter() - t, model


def bench(n: int, p: int, n_classes: int, repeat: int = REPEAT) -> list:
    X, y = make_data(n, p, n_classes)
    K = 1 if n_classes == 2 else n_classes
    ours = lambda: LogisticRegression(C=C, tol=TOL, max_iter=10000).fit(X, y)  # noqa: E731
    candidates = ["newton-cholesky", "lbfgs"] if K * (p + 1) <= 1000 else ["lbfgs"]
    calib = {}
    for solver in candidates:  # untimed: which sklearn solver is fastest here
        peer = lambda s=solver: sk.LogisticRegression(  # noqa: E731
            C=C, solver=s, tol=TOL, max_iter=10000
        ).fit(X, y)
        calib[solver] = (_timed(peer)[0], peer)
    peer_name = min(calib, key=lambda s: calib[s][0])
    peer = calib[peer_name][1]
    ours()  # warm-up
    t_ours, t_peer = [], []
    for _ in range(repeat):  # interleaved A B A B
        dt, m_ours = _timed(ours)
        t_ours.append(dt)
        dt, m_peer = _timed(peer)
        t_peer.append(dt)
    f_ours = objective(X, y, m_ours.coef_, m_ours.intercept_)
    f_peer = objective(X, y, m_peer.coef_, m_peer.intercept_)
    rel = abs(f_ours - f_peer) / abs(f_peer)
    ratio = float(np.median(t_ours) / np.median(t_peer))
    calib_txt = ", ".join(f"{s} {calib[s][0]:.2f}s" for s in candidates)
    row = [
        f"{n}×{p}",
        n_classes,
        f"{m_ours.solver_} ({m_ours.n_iter_} it)",
        f"{min(t_ours):.3f} / {np.median(t_ours):.3f} / {max(t_ours):.3f}",
        f"{peer_name} ({int(np.max(m_peer.n_iter_))} it)",
        f"{min(t_peer):.3f} / {np.median(t_peer):.3f} / {max(t_peer):.3f}",
        round(ratio, 3),
        f"{'yes' if rel < 1e-8 else 'NO'} (Δf/f {rel:.1e})",
        calib_txt,
    ]
    print(markdown_table(HEADER, [row]).splitlines()[-1], flush=True)
    return row


HEADER = [
    "shape",
    "classes",
    "linml route",
    "linml s (min / med / max)",
    "sklearn peer",
    "sklearn s (min / med / max)",
    "ratio (median)",
    "same log-loss (1e-8)",
    "sklearn calibration",
]


def _selected(only: list[str] | None) -> list[tuple[int, int, int]]:
    """The (n, p, classes) rows to run: all, or those named by ``--only NxP[:K]``."""
    rows = [(n, p, k) for n, p in (QUICK_SHAPES if quick() else SHAPES) for k in CLASSES]
    if not only:
        return rows
    keep = []
    for spec in only:
        shape, _, k = spec.partition(":")
        n, _, p = shape.lower().replace("×", "x").partition("x")
        match = [r for r in rows if r[:2] == (int(n), int(p)) and (not k or r[2] == int(k))]
        if not match:
            raise SystemExit(f"--only {spec!r} names no row; rows: {rows}")
        keep += [r for r in match if r not in keep]
    return keep


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        action="append",
        metavar="NxP[:K]",
        help="run only this row (repeatable); the results are printed, not recorded",
    )
    parser.add_argument("--repeat", type=int, default=REPEAT, help="timed runs per side")
    parser.add_argument(
        "--quick", action="store_true", help="small shapes, 2 repetitions; printed, not recorded"
    )
    args = parser.parse_args()
    args.quick = args.quick or quick()  # LINML_BENCH_QUICK=1 too
    if args.quick and args.repeat == REPEAT:
        args.repeat = 2
    print("BLAS:", blas_summary())
    # all pools to 1 thread: BLAS, and the OpenMP loops of scikit-learn's Cython loss
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        print("threadpoolctl:", threadpool_info())
        print(markdown_table(HEADER, []))
        rows = [bench(n, p, k, args.repeat) for n, p, k in _selected(args.only)]
    table = markdown_table(HEADER, rows)
    print()
    print(table)
    summary = summary_line(
        "LogisticRegression, "
        + " / ".join(dict.fromkeys(r[0] for r in rows))
        + ", 2 and 10 classes",
        "scikit-learn",
        {f"{r[0]}, {r[1]} classes": r[6] for r in rows},
        "—",
    )
    print(summary)
    if args.only or args.repeat != REPEAT or args.quick:
        print("(partial or quick run: not recorded in RESULTS.md)")
        return
    body = (
        f"linml LogisticRegression(solver='auto') vs scikit-learn {sklearn.__version__}'s fastest "
        "solver for the shape (picked by one untimed calibration fit of each candidate), same "
        "process and data, float64, intercept, C = 1, tol = 1e-8 on both (gradient of the "
        "weight-averaged objective), BLAS and OpenMP limited to 1 thread. AR(1)-correlated features "
        f"(ρ = 0.5). Interleaved A B, {REPEAT} repetitions each, after one warm-up; ratio = "
        "median linml / median sklearn (< 1: linml faster). Quality: objectives agree to 1e-8 "
        "relative.\n\n" + table + "\n\n" + summary
    )
    record("logistic", "Logistic regression (LogisticRegression)", body)


if __name__ == "__main__":
    main()
