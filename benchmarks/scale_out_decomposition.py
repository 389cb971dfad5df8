"""linml PCA / TruncatedSVD / LDA on a dask array vs dask-ml (PCA, TruncatedSVD) and
scikit-learn's in-memory LDA.

Same process, the same persisted dask array (8 row blocks), dask's threaded scheduler,
interleaved A B A B after one untimed warm-up, 5 repetitions; prints the ratio
peer time / linml time (min / median / max) and the quality difference of the two answers.
Run: ``.venv/bin/python benchmarks/scale_out_decomposition.py [--quick]`` (``--quick``: two small
shapes, 2 repetitions). Prints the table and its README summary lines (linml / peer), records nothing.
"""

from __future__ import annotations

import time

import dask
import dask.array as da
import numpy as np
from _common import blas_summary, markdown_table, quick, summary_line
from dask_ml.decomposition import PCA as DmPCA
from dask_ml.decomposition import TruncatedSVD as DmTSVD
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis as SkLDA
from threadpoolctl import threadpool_info

from linml.decomposition import PCA, TruncatedSVD
from linml.discriminant_analysis import LinearDiscriminantAnalysis as LDA

SHAPES = [(200_000, 20), (200_000, 50), (100_000, 200)]
REPEAT = 5
QUICK_SHAPES, QUICK_REPEAT = [(10_000, 20), (5_000, 100)], 2


def _cases(X, y, Xd, yd):
    return {
        "PCA(10) vs dask-ml PCA tsqr": (
            lambda: PCA(10).fit(Xd),
            lambda: DmPCA(10, svd_solver="tsqr").fit(Xd),
            lambda a, b: np.abs(a.explained_variance_ / b.explained_variance_ - 1).max(),
        ),
        "TruncatedSVD(5) vs dask-ml TSVD tsqr": (
            lambda: TruncatedSVD(5).fit(Xd),
            lambda: DmTSVD(5, algorithm="tsqr").fit(Xd),
            lambda a, b: np.abs(a.singular_values_ / b.singular_values_ - 1).max(),
        ),
        "LDA dask vs sklearn LDA (numpy)": (
            lambda: LDA().fit(Xd, yd),
            lambda: SkLDA().fit(X, y),
            lambda a, b: float(np.mean(a.predict(X) != b.predict(X))),
        ),
    }


def main() -> None:
    print(blas_summary())
    print([(d["internal_api"], d["num_threads"]) for d in threadpool_info()])
    print("dask scheduler:", dask.config.get("scheduler", "threads (default)"))
    rng = np.random.default_rng(0)
    rows = []
    cells: dict[str, dict[str, float]] = {}  # case -> shape -> median linml / peer
    shapes, repeat = (QUICK_SHAPES, QUICK_REPEAT) if quick() else (SHAPES, REPEAT)
    for n, p in shapes:
        X = rng.normal(size=(n, p)) @ rng.normal(size=(p, p)) / np.sqrt(p) + 3.0
        y = (X[:, 0] + 0.5 * rng.normal(size=n) > 3.0).astype(int)
        Xd = da.from_array(X, chunks=(n // 8, p)).persist()
        yd = da.from_array(y, chunks=(n // 8,)).persist()
        for name, (ours, peer, quality) in _cases(X, y, Xd, yd).items():
            a, b = ours(), peer()  # warm-up, untimed
            t_ours, t_peer = [], []
            for _ in range(repeat):
                t = time.perf_counter()
                ours()
                t_ours.append(time.perf_counter() - t)
                t = time.perf_counter()
                peer()
                t_peer.append(time.perf_counter() - t)
            r = np.array(t_peer) / np.array(t_ours)
            cells.setdefault(name, {})[f"{n}×{p}"] = float(np.median(1.0 / r))
            rows.append(
                [
                    f"{n}×{p}",
                    name,
                    f"{np.median(t_ours) * 1e3:.0f}",
                    f"{np.median(t_peer) * 1e3:.0f}",
                    f"{r.min():.2f} / {np.median(r):.2f} / {r.max():.2f}",
                    f"{quality(a, b):.1e}",
                ]
            )
    header = ["shape", "case", "linml ms (median)", "peer ms (median)"]
    header += ["peer/linml min / median / max", "quality diff"]
    print(markdown_table(header, rows))
    for name, by_shape in cells.items():  # README rows: ratio linml / peer, lower is better
        ours, _, peer = name.partition(" vs ")
        ours = ours.removesuffix(" dask")  # "LDA dask" -> "LDA" (on dask below)
        print(summary_line(f"{ours} on dask, " + " / ".join(by_shape), peer, by_shape, "—"))


if __name__ == "__main__":
    main()
