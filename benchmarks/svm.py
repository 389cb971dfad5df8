"""Benchmark: linml SVC (numba SMO) vs scikit-learn SVC (libsvm) over a grid, one process.

Grid (issue 19): three shapes of ``make_classification`` data (10 informative features,
random_state=0) — tall 8000×20, square-ish 3000×300, wide 800×3000 — plus the digits
(standardized, 10 classes), × two settings, RBF C = 1 and RBF C = 10 (gamma='scale', tol=1e-3,
cache 200 MB on both sides; 80/20 stratified split). linml and scikit-learn fit alternately
(A B A B …), 5 rounds after one untimed warm-up each; the ratio t_linml / t_sklearn is taken
per round and reported as median (min–max). Both solvers are single-threaded SMO (libsvm has
no threads); BLAS is limited to one thread (threadpoolctl) on both sides so linml's kernel
rows (a BLAS gemv each) get no extra core. Same quality: held-out accuracies within 0.5
percentage points.

Run: .venv/bin/python benchmarks/svm.py [--quick]
(``--quick``: a quarter of the rows, printed, not recorded)
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits, make_classification
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC as SkSVC
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    blas_summary,
    fmt_ratio,
    interleaved,
    markdown_table,
    quick,
    ratio_stats,
    record,
    summary_line,
)

from linml.svm import SVC

ROUNDS = 5
SETTINGS = {"C=1": 1.0, "C=10": 10.0}


def datasets(small: bool = False):
    """(label, X, y) per shape; ``small`` divides the rows by 4."""
    div = 4 if small else 1
    for label, n, p in (("tall", 8000, 20), ("square", 3000, 300), ("wide", 800, 3000)):
        n //= div
        X, y = make_classification(n, p, n_informative=10, random_state=0)
        yield f"{label} {n}×{p}", X, y
    X, y = load_digits(return_X_y=True)
    yield "digits 1797×64 (10 classes)", StandardScaler().fit_transform(X), y


HEADER = [
    "data (RBF, gamma=scale)",
    "setting",
    "linml s (median)",
    "sklearn s (median)",
    "ratio median (min–max)",
    "SMO iterations linml / sklearn",
    "support vectors linml / sklearn",
    "held-out accuracy linml / sklearn",
]


def main() -> None:
    print("BLAS:", blas_summary())
    rows, cells = [], {}
    with threadpool_limits(1):
        SVC().fit(np.random.default_rng(0).standard_normal((40, 3)), np.arange(40) % 2)  # compile
        for name, X, y in datasets(quick()):
            X_tr, X_te, y_tr, y_te = train_test_split(
                X, y, test_size=0.2, random_state=0, stratify=y
            )
            for setting, C in SETTINGS.items():
                params = dict(kernel="rbf", C=C, gamma="scale", tol=1e-3, cache_size=200)
                times, fitted = interleaved(
                    {
                        "linml": lambda p=params, X=X_tr, y=y_tr: SVC(**p).fit(X, y),
                        "sklearn": lambda p=params, X=X_tr, y=y_tr: SkSVC(**p).fit(X, y),
                    },
                    repeat=ROUNDS,
                )
                ours, peer = fitted["linml"], fitted["sklearn"]
                acc_ours = float(np.mean(ours.predict(X_te) == y_te))
                acc_peer = float(np.mean(peer.predict(X_te) == y_te))
                same = abs(acc_ours - acc_peer) <= 0.005
                stats = ratio_stats(times["linml"], times["sklearn"])
                cells[f"{name.split(' (')[0]}, {setting}"] = stats[1]
                rows.append(
                    [
                        name,
                        setting,
                        f"{statistics.median(times['linml']):.3f}",
                        f"{statistics.median(times['sklearn']):.3f}",
                        fmt_ratio(stats),
                        f"{int(ours.n_iter_.sum())} / {int(np.sum(peer.n_iter_))}",
                        f"{ours.support_.size} / {peer.support_.size}",
                        f"{acc_ours:.4f} / {acc_peer:.4f}" + ("" if same else " (DIFFERS)"),
                    ]
                )
                print(markdown_table(HEADER, rows[-1:]).splitlines()[-1], flush=True)
    table = markdown_table(HEADER, rows)
    print(table)
    body = (
        "linml `SVC` (numba SMO: WSS2, float32 LRU row cache, shrinking) against scikit-learn "
        "`SVC` (libsvm) in one process, same data and parameters (RBF, gamma='scale', "
        "tol=1e-3, cache 200 MB), 80/20 stratified split. Grid: tall / square / wide "
        "`make_classification` shapes and digits × C ∈ {1, 10}; "
        f"{ROUNDS} interleaved rounds (linml, sklearn, linml, …) after one untimed warm-up "
        "each, ratio per round, median (min–max). Threads: both single-threaded SMO, BLAS "
        "limited to 1 thread on both sides (threadpoolctl). Target ratio ≤ 1.0. "
        "scikit-learn does not report kernel evaluations.\n\n" + table
    )
    summary = summary_line(
        "SVC RBF, tall/square/wide + digits × C=1/10", "scikit-learn (libsvm)", cells, "≤ 1.0"
    )
    body += "\n\n" + summary
    if quick():
        print(summary)
        print("--quick: not recorded in RESULTS.md")
        return
    record("svm", "Kernel SVM (SVC) vs scikit-learn SVC", body)


if __name__ == "__main__":
    main()
