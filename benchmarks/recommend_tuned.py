"""Tuned explicit recommenders: linml ALS vs Surprise SVD and SVD++, each tuned on the same budget.

Run: .venv/bin/python benchmarks/recommend_tuned.py [--quick] [--out PATH]

Two data sets, both generated in this process:

* ``uniform``: ``make_low_rank_ratings`` as in benchmarks/recommend.py (rank-16 truth, noise
  0.8, 50 ratings per user, uniformly random cells), at 5000 users x 1250 items (250k
  ratings) instead of 20000 x 5000 (1M).
* ``long-tail``: ``make_long_tail_ratings`` in the MovieLens-100k shape: 943 users x 1682
  items, about 95k ratings, 20 to 740 per user (median 65), Zipf item popularity, integer
  stars 1..5.

Why so small: Surprise's SVD++ costs ``O(sum_u n_u^2 k)`` per epoch (every rating revisits
the user's whole implicit set): one fit at k=20 took 0.6 µs per unit of ``sum_u n_u^2`` on
an idle core and 2-3 times that on the shared 2-core machine this was written on (load
around 7), where a 1M-rating set (``sum_u n_u^2`` = 5e7) costs about a minute per SVD++ fit
and the 30 fits per data set of the protocol below would not fit the 15 minutes the whole
run is allowed. ``--quick`` (under a minute): 600 x 200 and a 150 x 300 long-tail set.

Protocol, the same for the three models: 5 folds over all ratings (``kfold_split``,
seed 0). The grid search runs once, by 3-fold CV on the training part of outer fold 0;
the chosen setting is then fitted on each of the 5 outer training parts and scored on the
held-out fold (RMSE mean ± std over the 5 folds). The test fold of outer fold 0 is never
seen in tuning; folds 1-4 overlap the tuning data (the same, slight, optimism for all
three models). Predictions of all models are clipped to the rating range, as Surprise's
``predict`` does.

Timing: the fits of the chosen settings on the 5 outer folds are the repetitions, run
interleaved per fold (linml at default threads, Surprise SVD, linml with BLAS at 1 thread
(threadpoolctl; numba at its default, the setting benchmarks/recommend.py uses), SVD++,
linml with numba and BLAS at 1 thread), after one untimed linml fit (numba compile).
Ratios are per fold, then min / median / max. Surprise is single-threaded Cython.

Grids (6 settings each; everything else passed explicitly, see GRID_* and FIXED_* below):
linml ALS rank x reg (row penalty reg·n^0.5, ``reg_exponent=0.5``, with ``early_stopping``
on 10% of each training part: a scan of 42 settings on outer fold 0 found both lower the
long-tail RMSE — 0.926 converged ALS-WR, 0.908 early-stopped, 0.905 with the exponent — and
change nothing on the uniform set, whose curve is still falling at 15 sweeps; 3 reg values,
since ALS is sensitive to reg and SGD to rank) with the CG solver (3 steps; the same RMSE
as Cholesky here at a quarter of the time), Surprise SVD
and SVD++ n_factors x reg_all at their default learning rates (0.005 / 0.007) and 20
epochs. The same inner folds serve all three, and every model is selected on the RMSE of
its clipped predictions, by a plain loop; linml's
``linml.recommend.model_selection.GridSearchCV(cv=<the fold list>)`` is run on the same
folds as a cross-check (it scores unclipped predictions; the report gives its agreement and
its choice). linml runs the search at 1 thread (its timings are not the result; parallel
regions on a shared machine only add noise).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import os
import platform
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numba
import numpy as np
import pandas as pd
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import blas_summary, markdown_table, summary_line

from linml.datasets.ratings import make_long_tail_ratings, make_low_rank_ratings
from linml.recommend import ALS, Interactions, kfold_split, rmse

GRID_LINML = {"rank": [10, 20], "reg": [0.5, 1.0, 1.5]}
FIXED_LINML = {
    "n_iter": 15,
    "solver": "cg",
    "cg_steps": 3,
    "dtype": "float64",
    "reg_exponent": 0.5,
    "early_stopping": True,
    "random_state": 0,
}
GRID_SURPRISE = {"n_factors": [10, 20, 40], "reg_all": [0.02, 0.05]}
FIXED_SURPRISE = {"n_epochs": 20, "random_state": 0}  # lr_all: the library default
FIXED_SVDPP = {"cache_ratings": True}  # same fit, about 25% faster (measured here)
OUTER_FOLDS, INNER_FOLDS = 5, 3


def datasets(quick: bool) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, tuple]]:
    """name -> (users, items, ratings, rating range)."""
    if quick:
        uni = make_low_rank_ratings(
            600, 200, rank=16, ratings_per_user=30, noise=0.8, random_state=0
        )
        lt = make_long_tail_ratings(150, 300, median_per_user=25, max_per_user=120, random_state=0)
    else:
        uni = make_low_rank_ratings(
            5000, 1250, rank=16, ratings_per_user=50, noise=0.8, random_state=0
        )
        lt = make_long_tail_ratings(943, 1682, median_per_user=65, max_per_user=740, random_state=0)
    return {
        "uniform": (*uni, (float(uni[2].min()), float(uni[2].max()))),
        "long-tail": (*lt, (1.0, 5.0)),
    }


# ----------------------------------------------------------------- the three models
class LinmlModel:
    name = "linml ALS"

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params

    def fit(self, train: Interactions, _trainset: Any) -> float:
        self.model = ALS(**FIXED_LINML, **self.params)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # non-convergence notes on tiny inner folds
            self.model.fit(train)
        return time.perf_counter() - start

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # users/items without training ratings
            return self.model.predict(users, items)


class SurpriseModel:
    def __init__(self, cls: Any, params: dict[str, Any]) -> None:
        self.cls = cls
        self.params = params | (FIXED_SVDPP if cls.__name__ == "SVDpp" else {})
        self.name = "Surprise " + cls.__name__.replace("pp", "++")

    def fit(self, _train: Interactions, trainset: Any) -> float:
        self.algo = self.cls(**FIXED_SURPRISE, **self.params)
        self.trainset = trainset
        start = time.perf_counter()
        self.algo.fit(trainset)
        return time.perf_counter() - start

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Surprise's estimate, vectorized (checked against ``algo.predict`` on a sample)."""
        ts, algo = self.trainset, self.algo
        uin = np.array([ts._raw2inner_id_users.get(u, -1) for u in users.tolist()])
        iin = np.array([ts._raw2inner_id_items.get(i, -1) for i in items.tolist()])
        ku, ki = uin >= 0, iin >= 0
        u0, i0 = np.where(ku, uin, 0), np.where(ki, iin, 0)
        user_vec = np.asarray(algo.pu)[u0]  # (n, k)
        if hasattr(algo, "yj"):
            # SVD++: p_u + |N(u)|^(-1/2) sum_{j in N(u)} y_j
            user_vec = user_vec + (implicit_matrix(ts) @ np.asarray(algo.yj))[u0]
        dot = np.einsum("nk,nk->n", user_vec, np.asarray(algo.qi)[i0])
        est = (
            ts.global_mean
            + np.where(ku, np.asarray(algo.bu)[u0], 0.0)
            + np.where(ki, np.asarray(algo.bi)[i0], 0.0)
            + np.where(ku & ki, dot, 0.0)
        )
        return est


def implicit_matrix(ts: Any) -> sp.csr_matrix:
    """(n_users, n_items) CSR with |N(u)|^(-1/2) on each rated cell of the Surprise trainset."""
    lengths = np.array([len(ts.ur[u]) for u in range(ts.n_users)])
    cols = np.fromiter((j for u in range(ts.n_users) for j, _ in ts.ur[u]), np.int64)
    indptr = np.concatenate(([0], np.cumsum(lengths)))
    vals = np.repeat(1.0 / np.sqrt(np.maximum(lengths, 1)), lengths)
    return sp.csr_matrix((vals, cols, indptr), shape=(ts.n_users, ts.n_items))


def surprise_trainset(train: Interactions, lo_hi: tuple) -> Any:
    from surprise import Dataset, Reader

    u, i, r = train.to_triples()
    frame = pd.DataFrame({"u": u, "i": i, "r": r})
    return Dataset.load_from_df(frame, Reader(rating_scale=lo_hi)).build_full_trainset()


def score(model: Any, test: Interactions, lo_hi: tuple) -> float:
    u, i, r = test.to_triples()
    return rmse(r, np.clip(model.predict(u, i), *lo_hi))


def check_vectorized_predict(model: SurpriseModel, test: Interactions) -> None:
    """Our vectorized Surprise prediction equals ``algo.predict`` (its clipping included)."""
    u, i, _ = test.to_triples()
    pick = np.random.default_rng(0).choice(u.size, size=min(200, u.size), replace=False)
    ours = np.clip(model.predict(u[pick], i[pick]), *model.trainset.rating_scale)
    theirs = np.array([model.algo.predict(a, b).est for a, b in zip(u[pick], i[pick], strict=True)])
    if not np.allclose(ours, theirs, atol=1e-9):
        raise AssertionError(f"vectorized {model.name} prediction differs from algo.predict")


# ----------------------------------------------------------------------- protocol
@contextlib.contextmanager
def blas_one_thread() -> Iterator[None]:
    """BLAS limited to 1 thread (threadpoolctl), numba at its default."""
    with threadpool_limits(1, user_api="blas"):
        yield


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """numba and every BLAS/OpenMP pool limited to 1 thread (threadpoolctl) inside."""
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        with threadpool_limits(1):
            yield
    finally:
        numba.set_num_threads(before)


#: the linml thread settings timed on the outer folds: run -> (label, context manager)
LINML_THREADS = {
    "linml": ("linml ALS, default threads", contextlib.nullcontext),
    "linml-blas1": ("linml ALS, BLAS 1 thread", blas_one_thread),
    "linml-1t": ("linml ALS, 1 thread", one_thread),
}


def search_linml(
    settings: list[dict[str, Any]], inner: list[tuple[Interactions, Interactions]], lo_hi: tuple
) -> tuple[np.ndarray, str]:
    """(n_settings, n_folds) validation RMSE of ALS with clipped predictions (as for Surprise),
    by a plain loop; cross-checked against linml's GridSearchCV (unclipped RMSE) on the same
    folds when that module is importable."""
    clipped = np.zeros((len(settings), len(inner)))
    raw = np.zeros_like(clipped)
    for f, (tr, va) in enumerate(inner):
        u, i, r = va.to_triples()
        for s, params in enumerate(settings):
            model = LinmlModel(params)
            model.fit(tr, None)
            pred = model.predict(u, i)
            clipped[s, f] = rmse(r, np.clip(pred, *lo_hi))
            raw[s, f] = rmse(r, pred)
    try:
        from linml.recommend.model_selection import GridSearchCV
    except ImportError:
        return clipped, "a plain loop (linml.recommend.model_selection not importable)"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            search = GridSearchCV(
                ALS(**FIXED_LINML), GRID_LINML, cv=inner, metric="rmse", refit=False
            ).fit()
        res = search.cv_results_
        index = [res["params"].index(p) for p in settings]
        theirs = np.column_stack(
            [np.asarray(res[f"split{j}_test_rmse"])[index] for j in range(len(inner))]
        )
    except Exception as e:  # a module mid-change must not sink the benchmark; say so
        return clipped, f"a plain loop (GridSearchCV failed: {type(e).__name__}: {e})"
    best_theirs = settings[int(np.argmin(theirs.mean(axis=1)))]
    best_clipped = settings[int(np.argmin(clipped.mean(axis=1)))]
    return clipped, (
        "a plain loop scoring clipped predictions; linml's GridSearchCV on the same folds "
        f"(unclipped RMSE) agrees with the loop's unclipped RMSE to "
        f"{np.abs(theirs - raw).max():.1e} and chooses {fmt_params(best_theirs)} "
        f"(the clipped loop: {fmt_params(best_clipped)})"
    )


def grid(spec: dict[str, list]) -> list[dict[str, Any]]:
    keys = list(spec)
    return [dict(zip(keys, vals, strict=True)) for vals in itertools.product(*spec.values())]


def make_model(kind: str, params: dict[str, Any]) -> Any:
    from surprise import SVD, SVDpp

    if kind == "linml":
        return LinmlModel(params)
    return SurpriseModel(SVD if kind == "svd" else SVDpp, params)


def run_dataset(name: str, data: tuple, quick: bool, log: list[str]) -> dict[str, Any]:
    users, items, ratings, lo_hi = data
    inter = Interactions.from_arrays(users, items, ratings)
    counts = np.diff(inter.matrix.indptr)
    msg = (
        f"{name}: {inter.nnz} ratings, {inter.n_users} users x {inter.n_items} items, "
        f"per user min/median/max {counts.min()}/{int(np.median(counts))}/{counts.max()}, "
        f"sum n_u^2 = {float((counts.astype(float) ** 2).sum()):.3g}"
    )
    print(msg, flush=True)
    log.append(msg)
    outer = list(kfold_split(inter, OUTER_FOLDS, random_state=0))
    grids = {
        "linml": grid(GRID_LINML),
        "svd": grid(GRID_SURPRISE),
        "svdpp": grid(GRID_SURPRISE),
    }
    # numba compile, untimed
    LinmlModel({"rank": 4, "reg": 0.1}).fit(outer[0][0], None)

    # 1. grid search: 3-fold CV on the training part of outer fold 0, same folds for all.
    # linml runs at 1 thread here: on a shared machine parallel numba regions wait for
    # preempted threads, and the search's timings are not the measured result.
    inner = list(kfold_split(outer[0][0], INNER_FOLDS, random_state=1))
    cv: dict[str, np.ndarray] = {k: np.zeros((len(g), INNER_FOLDS)) for k, g in grids.items()}
    start_search = time.perf_counter()
    with one_thread():
        cv["linml"], how = search_linml(grids["linml"], inner, lo_hi)
    log.append(f"{name}: linml grid search by {how}")
    print(f"  linml search by {how} ({time.perf_counter() - start_search:.0f} s)", flush=True)
    for f, (tr, va) in enumerate(inner):
        ts = surprise_trainset(tr, lo_hi)
        for kind in ("svd", "svdpp"):
            for s, params in enumerate(grids[kind]):
                model = make_model(kind, params)
                model.fit(tr, ts)
                cv[kind][s, f] = score(model, va, lo_hi)
        print(f"  inner fold {f} done ({time.perf_counter() - start_search:.0f} s)", flush=True)
    chosen = {k: grids[k][int(np.argmin(cv[k].mean(axis=1)))] for k in grids}
    for k in grids:
        for s, params in enumerate(grids[k]):
            print(f"  cv {k} {params}: {cv[k][s].mean():.4f}")
    print(f"  chosen: {chosen}", flush=True)

    # 2. the chosen settings on the 5 outer folds, interleaved; fold = timing repetition
    runs = ("linml", "svd", "linml-blas1", "svdpp", "linml-1t")
    err = {r: [] for r in runs}
    secs = {r: [] for r in runs}
    default_threads = numba.get_num_threads()
    for f, (tr, te) in enumerate(outer):
        ts = surprise_trainset(tr, lo_hi)
        for run in runs:
            kind = "linml" if run.startswith("linml") else run
            model = make_model(kind, chosen[kind])
            with LINML_THREADS.get(run, (None, contextlib.nullcontext))[1]():
                seconds = model.fit(tr, ts)
            secs[run].append(seconds)
            err[run].append(score(model, te, lo_hi))
            if f == 0 and kind != "linml":
                check_vectorized_predict(model, te)
        print(
            f"  outer fold {f}: "
            + ", ".join(f"{r} {secs[r][-1]:.2f} s rmse {err[r][-1]:.4f}" for r in runs),
            flush=True,
        )
    return {
        "name": name,
        "nnz": inter.nnz,
        "shape": inter.shape,
        "chosen": chosen,
        "cv": cv,
        "err": {r: np.array(v) for r, v in err.items()},
        "secs": {r: np.array(v) for r, v in secs.items()},
        "search_s": time.perf_counter() - start_search,
        "threads": default_threads,
    }


def fmt_params(p: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in p.items())


def ratio_text(a: np.ndarray, b: np.ndarray) -> str:
    q = a / b
    return f"{q.min():.3f} / {np.median(q):.3f} / {q.max():.3f}"


def readme_summaries(ratios: str) -> list[str]:
    """README rows from the fit-time ratio table: per peer, the median ratio of each cell."""
    rows = [
        [c.strip() for c in line.strip().strip("|").split(" | ")]
        for line in ratios.splitlines()[2:]
        if line.startswith("|")
    ]
    data = " / ".join(dict.fromkeys(r[0] for r in rows))
    threads = len(LINML_THREADS)
    return [
        summary_line(
            f"tuned ALS, {data}, {threads} thread settings",
            peer,
            {
                f"{r[0]}, {r[1].replace('linml ALS, ', '')}": float(r[3].split("/")[1])
                for r in rows
                if r[2] == peer
            },
            target,
        )
        for peer, target in (("Surprise SVD", "≤ 0.3"), ("Surprise SVD++", "≤ 0.1"))
    ]


def report(results: list[dict[str, Any]]) -> tuple[str, str, list[str]]:
    header = [
        "data",
        "model",
        "grid (6 settings)",
        "chosen",
        "CV RMSE (3-fold)",
        "held-out RMSE ± std (5 folds)",
        "fit s, median of 5 [min, max]",
    ]
    rows, ratio_rows, verdicts = [], [], []
    labels = {run: (label, GRID_LINML) for run, (label, _) in LINML_THREADS.items()}
    labels |= {"svd": ("Surprise SVD", GRID_SURPRISE), "svdpp": ("Surprise SVD++", GRID_SURPRISE)}
    for res in results:
        for run, (label, spec) in labels.items():
            kind = "linml" if run.startswith("linml") else run
            s = grid(spec).index(res["chosen"][kind])
            e, t = res["err"][run], res["secs"][run]
            rows.append(
                [
                    res["name"],
                    label,
                    " x ".join(f"{k} {v}" for k, v in spec.items()),
                    fmt_params(res["chosen"][kind]),
                    f"{res['cv'][kind][s].mean():.4f}",
                    f"{e.mean():.4f} ± {e.std(ddof=1):.4f}",
                    f"{np.median(t):.3f} [{t.min():.3f}, {t.max():.3f}]",
                ]
            )
        e_l = res["err"]["linml"].mean()
        for run, name, limit in (("svdpp", "SVD++", 0.1), ("svd", "SVD", 0.3)):
            e_p = res["err"][run].mean()
            for mine, (tag, _) in LINML_THREADS.items():
                q = res["secs"][mine] / res["secs"][run]
                ok_time = float(np.median(q)) <= limit
                ok_rmse = e_l < e_p if run == "svdpp" else True
                target = (
                    f"lower RMSE than SVD++ at <= {limit}x its fit time"
                    if run == "svdpp"
                    else f"<= {limit}x Surprise SVD's fit time"
                )
                ratio_rows.append(
                    [
                        res["name"],
                        tag,
                        f"Surprise {name}",
                        ratio_text(res["secs"][mine], res["secs"][run]),
                        f"{e_l:.4f} vs {e_p:.4f}",
                        target + ": " + ("**met**" if ok_time and ok_rmse else "**not met**"),
                    ]
                )
                verdicts.append(
                    f"{res['name']}, {tag}: {target}: "
                    + ("**met**" if ok_time and ok_rmse else "**not met**")
                    + f" (RMSE {e_l:.4f} vs {name} {e_p:.4f}; median time ratio "
                    f"{float(np.median(q)):.3f})"
                )
    ratio_header = [
        "data",
        "linml threads",
        "peer",
        "fit time ratio linml/peer, min / median / max of 5",
        "RMSE linml vs peer",
        "target",
    ]
    return markdown_table(header, rows), markdown_table(ratio_header, ratio_rows), verdicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data (under a minute)")
    parser.add_argument(
        "--out",
        default=None,
        help="markdown section (default /tmp/results/recbench.md; --quick: none)",
    )
    args = parser.parse_args()
    start = time.perf_counter()
    import surprise

    info = blas_summary()
    print(info)
    threads = (
        f"linml: numba {numba.get_num_threads()} threads (layer chosen at first launch), BLAS "
        "at its default; 'BLAS 1 thread' rows: threadpoolctl.threadpool_limits(1, "
        "user_api='blas') around fit; '1 thread' rows: that and numba.set_num_threads(1). "
        "Surprise "
        f"{surprise.__version__}: single-threaded Cython (no thread setting)."
    )
    print(threads)
    log: list[str] = []
    results = [run_dataset(n, d, args.quick, log) for n, d in datasets(args.quick).items()]
    table, ratios, verdicts = report(results)
    log += [f"{res['name']}: search + 5 folds took {res['search_s']:.0f} s" for res in results]
    layer = numba.threading_layer()
    wall = time.perf_counter() - start
    print(table)
    print(ratios)
    body = (
        f"## Tuned recommenders: linml ALS vs Surprise SVD / SVD++ (recommend_tuned.py"
        f"{' --quick' if args.quick else ''})\n\n"
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"{os.cpu_count()} cores shared with other jobs (timings are noisy), Python "
        f"{platform.python_version()}, numba threading layer {layer}. Whole run {wall:.0f} s.\n\n"
        f"threadpoolctl: {info}\n\nThreads: {threads}\n\n"
        "Data: " + "; ".join(log) + ".\n\n"
        f"Parameters passed explicitly: linml ALS {fmt_params(FIXED_LINML)} plus the grid's "
        "rank and reg; every ALS parameter as fitted (defaults included): "
        f"{fmt_params({k: v for k, v in ALS(**FIXED_LINML).get_params().items() if k not in GRID_LINML})}. "
        f"Surprise SVD/SVD++: {fmt_params(FIXED_SURPRISE)} plus n_factors and reg_all "
        f"(SVD++ also {fmt_params(FIXED_SVDPP)}, the faster identical fit); "
        "learning rates, init_std_dev=0.1 and the rest at Surprise's defaults (lr_all 0.005 "
        "for SVD, 0.007 for SVD++).\n\n"
        "Protocol: grid search by 3-fold CV on the training part of outer fold 0; the "
        "chosen setting fitted on the 5 outer folds (RMSE mean ± std, ddof=1); the 5 folds "
        "are the 5 interleaved timing repetitions (after an untimed warm-up fit).\n\n"
        + table
        + "\n\nFit-time ratios (per fold, so each ratio pairs two fits run back to back) and "
        "the targets:\n\n"
        + ratios
        + "\n\nTargets in words:\n\n"
        + "\n".join(f"- {v}" for v in verdicts)
        + "\n\n"
        + "\n".join(readme_summaries(ratios))
        + "\n"
    )
    if args.out is None and args.quick:  # a quick run never overwrites the full run's section
        print(f"--quick: not writing the markdown section ({wall:.0f} s; pass --out to keep it)")
        return
    out = Path(args.out or "/tmp/results/recbench.md")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(body)
    print(f"wrote {out} ({wall:.0f} s)")


if __name__ == "__main__":
    main()
