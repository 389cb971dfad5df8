"""Benchmark: linml SVC (numba SMO) vs scikit-learn SVC (libsvm), RBF kernel, one process.

Datasets: make_classification 10000×50 and 20000×20 (random_state=0), and digits
(standardized); 80/20 stratified split; C=1, gamma='scale', tol=1e-3, cache 200 MB for both.
Both solvers are single-threaded SMO (libsvm has no threads); BLAS is limited to one thread
via threadpoolctl so the numba kernel rows (a BLAS gemv each) are not given extra cores.

Run: .venv/bin/python benchmarks/svm.py [--quick]
(``--quick``: 2000×50, 4000×20 and digits, printed, not recorded)
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits, make_classification
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC as SkSVC
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import best_time, blas_summary, markdown_table, quick, record, summary_line

from linml.svm import SVC


def datasets(small: bool = False):
    n_a, n_b = (2000, 4000) if small else (10000, 20000)
    X, y = make_classification(n_a, 50, n_informative=10, random_state=0)
    yield f"make_classification {n_a}×50", X, y, 1
    X, y = make_classification(n_b, 20, n_informative=10, random_state=0)
    yield f"make_classification {n_b}×20", X, y, 1
    X, y = load_digits(return_X_y=True)
    yield "digits 1797×64 (10 classes)", StandardScaler().fit_transform(X), y, 15


def _fitter(cls, params, X, y):
    return lambda: cls(**params).fit(X, y)


def main() -> None:
    print("BLAS:", blas_summary())
    rows = []
    with threadpool_limits(1):
        SVC().fit(np.random.default_rng(0).standard_normal((40, 3)), np.arange(40) % 2)  # compile
        for name, X, y, repeat in datasets(quick()):
            X_tr, X_te, y_tr, y_te = train_test_split(
                X, y, test_size=0.2, random_state=0, stratify=y
            )
            params = dict(kernel="rbf", C=1.0, gamma="scale", tol=1e-3, cache_size=200)
            t_ours, ours = best_time(_fitter(SVC, params, X_tr, y_tr), repeat, warmup=0)
            t_peer, peer = best_time(_fitter(SkSVC, params, X_tr, y_tr), repeat, warmup=0)
            acc_ours = float(np.mean(ours.predict(X_te) == y_te))
            acc_peer = float(np.mean(peer.predict(X_te) == y_te))
            same = abs(acc_ours - acc_peer) <= 0.003
            rows.append(
                [
                    name,
                    f"{t_ours:.2f}",
                    f"{t_peer:.2f}",
                    f"{t_ours / t_peer:.2f}",
                    f"{int(ours.n_iter_.sum())} / {int(np.sum(peer.n_iter_))}",
                    f"{ours.n_kernel_evals_:.3g}",
                    f"{ours.support_.size} / {peer.support_.size}",
                    f"{acc_ours:.4f} / {acc_peer:.4f}" + ("" if same else " (DIFFERS)"),
                ]
            )
            print(rows[-1], flush=True)
    header = [
        "data (RBF, C=1, gamma=scale)",
        "linml fit s",
        "sklearn fit s",
        "ratio linml/sklearn",
        "SMO iterations linml / sklearn",
        "kernel evals (linml)",
        "support vectors linml / sklearn",
        "held-out accuracy linml / sklearn",
    ]
    table = markdown_table(header, rows)
    print(table)
    body = (
        "linml `SVC` (numba SMO: WSS2, float32 LRU row cache, shrinking) against scikit-learn "
        "`SVC` (libsvm) in one process, same data and parameters (tol=1e-3, cache 200 MB), "
        "80/20 stratified split; fit time is the best of the runs shown in the script "
        "(1 for the large sets, 15 for digits, whose fit takes ~30 ms). BLAS limited to 1 thread (libsvm is "
        "single-threaded). Target ratio ≤ 1.0. scikit-learn does not report kernel "
        "evaluations.\n\n" + table
    )
    summary = summary_line(
        "SVC RBF, "
        + " / ".join(r[0].split(" (")[0].replace("make_classification ", "") for r in rows),
        "scikit-learn (libsvm)",
        {r[0].split(" (")[0].replace("make_classification ", ""): float(r[3]) for r in rows},
        "≤ 1.0",
    )
    body += "\n\n" + summary
    if quick():
        print(summary)
        print("--quick: not recorded in RESULTS.md")
        return
    record("svm", "Kernel SVM (SVC) vs scikit-learn SVC", body)


if __name__ == "__main__":
    main()
