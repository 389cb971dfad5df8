"""Shared benchmark plumbing: BLAS info, timing, and recording a section of RESULTS.md.

Each benchmark script times linml against its peer in the same process on the same data,
checks both reach the same quality, prints a ratio table and calls :func:`record`, which
replaces the script's own section of ``benchmarks/RESULTS.md`` (between markers), so
scripts never overwrite each other.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_info

# run_all.py points LINML_BENCH_RESULTS at a scratch copy, so a --quick run that still calls
# record() can never overwrite a full run's section (unset: the real file, as always)
RESULTS = Path(os.environ.get("LINML_BENCH_RESULTS") or Path(__file__).with_name("RESULTS.md"))


def blas_summary() -> str:
    """One line per thread pool: library, internal API, version, kernel, threads."""
    lines = []
    for pool in threadpool_info():
        lines.append(
            f"{pool.get('internal_api')} {pool.get('version')} "
            f"({pool.get('architecture', '?')}, {pool.get('num_threads')} threads, "
            f"{Path(pool.get('filepath', '')).name})"
        )
    coretype = os.environ.get("OPENBLAS_CORETYPE", "unset")
    return "; ".join(lines) + f"; OPENBLAS_CORETYPE={coretype}"


def best_time(fn: Callable[[], Any], repeat: int = 3, warmup: int = 1) -> tuple[float, Any]:
    """Best wall time of ``repeat`` calls (after ``warmup`` untimed calls) and the last result."""
    result = None
    for _ in range(warmup):
        result = fn()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def quick() -> bool:
    """True when the script was started with ``--quick`` (reduced sizes, for run_all.py)."""
    return "--quick" in sys.argv[1:] or os.environ.get("LINML_BENCH_QUICK") == "1"


def interleaved(
    fns: dict[str, Callable[[], Any]], repeat: int = 5, warmup: int = 1
) -> tuple[dict[str, list[float]], dict[str, Any]]:
    """Time the callables in turn (A B C A B C …), ``repeat`` rounds after ``warmup``.

    Interleaving spreads a change in machine load over every side alike, so the per-round
    ratios stay fair on a shared machine. Returns the wall times per name (one per round)
    and each callable's last result.
    """
    results: dict[str, Any] = {}
    for _ in range(warmup):
        for name, fn in fns.items():
            results[name] = fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            results[name] = fn()
            times[name].append(time.perf_counter() - start)
    return times, results


def ratio_stats(mine: Sequence[float], peer: Sequence[float]) -> tuple[float, float, float]:
    """(min, median, max) of the per-round time ratios mine[i] / peer[i]."""
    ratios = [a / b for a, b in zip(mine, peer, strict=True)]
    return min(ratios), statistics.median(ratios), max(ratios)


def fmt_ratio(stats: tuple[float, float, float]) -> str:
    """``median (min–max)`` of a ratio triple, two decimals."""
    lo, med, hi = stats
    return f"{med:.2f} ({lo:.2f}–{hi:.2f})"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def fmt(v: Any) -> str:
        return f"{v:.4g}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def record(name: str, title: str, body: str) -> None:
    """Replace (or append) the section ``name`` of RESULTS.md with ``body``, dated and with BLAS info."""
    stamp = _dt.date.today().isoformat()
    section = (
        f"<!-- begin:{name} -->\n## {title}\n\n"
        f"Measured {stamp} on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}. BLAS: {blas_summary()}\n\n{body.strip()}\n"
        f"<!-- end:{name} -->"
    )
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n\n"
    begin, end = f"<!-- begin:{name} -->", f"<!-- end:{name} -->"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + section + tail
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    RESULTS.write_text(text)


SUMMARY_FIELDS = ("workload", "peer", "median", "worst", "target")


def summary_line(workload: str, peer: str, cells: dict[str, float], target: str) -> str:
    """One README speed-table row, as an HTML comment a ``record()`` body can carry.

    ``cells`` maps each grid cell's label to its time ratio ``r = t_linml / t_peer`` (below 1:
    linml faster); the line carries ``median(r)`` over the cells and the worst cell
    ``argmax(r)`` with its label::

        <!-- summary: workload | peer | median | worst (cell) | target -->

    ``scripts/build_readme.py`` collects every such line of ``RESULTS.md`` into the speed table
    of ``docs/sections/10-overview.md``. Fields may not contain ``|`` or ``-->``.

    Parameters
    ----------
    workload : str
        What was timed, e.g. ``"LinearRegression / Ridge, tall + square"``.
    peer : str
        The peer library, e.g. ``"scikit-learn"``.
    cells : dict of str to float
        Cell label → ratio linml / peer (one number per cell, e.g. the median of its rounds).
    target : str
        The issue's target for the ratio, e.g. ``"≤ 1.0"``.

    Returns
    -------
    str
        The comment line, without a trailing newline.
    """
    if not cells:
        raise ValueError("cells is empty: a summary needs at least one cell ratio")
    label, worst = max(cells.items(), key=lambda kv: kv[1])
    median = statistics.median(cells.values())
    return format_summary(workload, peer, f"{median:.2f}", f"{worst:.2f} ({label})", target)


def format_summary(workload: str, peer: str, median: str, worst: str, target: str) -> str:
    """``<!-- summary: workload | peer | median | worst | target -->`` from ready-made strings."""
    fields = (workload, peer, median, worst, target)
    for name, value in zip(SUMMARY_FIELDS, fields, strict=True):
        if "|" in value or "-->" in value or "\n" in value:
            raise ValueError(
                f"summary field {name}={value!r} may not contain '|', '-->' or a newline"
            )
    return "<!-- summary: " + " | ".join(v.strip() for v in fields) + " -->"
