"""Run every benchmark script with ``--quick`` (reduced sizes) and report time and pass/fail.

Discovers ``benchmarks/*.py`` except ``_common.py`` and this file, runs each as its own
subprocess (``python SCRIPT --quick``, with ``LINML_BENCH_QUICK=1`` in its environment) under a
per-script timeout, and prints one line per script — wall time, ``ok`` / ``FAIL (rc)`` /
``TIMEOUT`` — and the total. A quick run must record nothing: each script's ``record()`` is
pointed (``LINML_BENCH_RESULTS``) at a scratch copy of ``RESULTS.md``, so the real file is never
touched, and a script that wrote the copy anyway is reported as ``FAIL (recorded in --quick)``.
The exit code is 1 when any script failed or timed out, else 0.

Thread settings are each script's own (most limit BLAS, OpenMP and torch to one thread with
threadpoolctl and say so in their output); this runner only adds ``LINML_BENCH_QUICK=1``.

Run: .venv/bin/python benchmarks/run_all.py [--timeout S] [--only NAME ...] [--skip NAME ...]
     [--verbose] [--log-dir DIR]   (issue 19 budget: the whole quick run in < 10 minutes on 2 cores)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOT_BENCHMARKS = {"_common.py", "run_all.py"}


def discover(only: list[str] | None = None, skip: list[str] | None = None) -> list[Path]:
    """The benchmark scripts of this folder, sorted by name; ``only`` / ``skip`` take stems."""
    scripts = sorted(p for p in HERE.glob("*.py") if p.name not in NOT_BENCHMARKS)
    if only:
        scripts = [p for p in scripts if p.stem in only]
    if skip:
        scripts = [p for p in scripts if p.stem not in skip]
    return scripts


def run_one(
    script: Path, timeout: float, verbose: bool, log_dir: Path | None = None
) -> tuple[str, float, str]:
    """Run ``script --quick``; return (status, wall seconds, last lines of its output).

    With ``log_dir``, the script's whole output is also written to ``log_dir/NAME.log``.
    """
    scratch_dir = Path(tempfile.mkdtemp(prefix="run_all_"))
    scratch = scratch_dir / "RESULTS.md"
    if (HERE / "RESULTS.md").exists():
        shutil.copyfile(HERE / "RESULTS.md", scratch)
    before = scratch.read_bytes() if scratch.exists() else None
    env = dict(
        os.environ, LINML_BENCH_QUICK="1", MPLBACKEND="Agg", LINML_BENCH_RESULTS=str(scratch)
    )
    start = time.perf_counter()
    try:
        return _run(script, timeout, verbose, log_dir, env, start, scratch, before)
    finally:
        shutil.rmtree(scratch_dir, ignore_errors=True)


def _run(
    script: Path,
    timeout: float,
    verbose: bool,
    log_dir: Path | None,
    env: dict[str, str],
    start: float,
    scratch: Path,
    before: bytes | None,
) -> tuple[str, float, str]:
    """The subprocess of :func:`run_one`; ``before`` is the scratch RESULTS.md's bytes."""
    try:
        proc = subprocess.run(
            [sys.executable, str(script), "--quick"],
            cwd=HERE.parent,
            env=env,
            capture_output=not verbose,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as e:
        out = e.stdout or ""
        out = out.decode(errors="replace") if isinstance(out, bytes) else out
        if log_dir is not None and not verbose:
            (log_dir / f"{script.stem}.log").write_text(out)
        return "TIMEOUT", time.perf_counter() - start, out[-2000:]
    wall = time.perf_counter() - start
    tail = "" if verbose else (proc.stdout + proc.stderr)[-2000:]
    if log_dir is not None and not verbose:
        (log_dir / f"{script.stem}.log").write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        return f"FAIL ({proc.returncode})", wall, tail
    after = scratch.read_bytes() if scratch.exists() else None
    if after != before:  # record() was called in quick mode (the real RESULTS.md is untouched)
        return "FAIL (recorded in --quick)", wall, tail
    return "ok", wall, tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds per script")
    parser.add_argument("--only", nargs="*", default=None, help="run only these script stems")
    parser.add_argument("--skip", nargs="*", default=None, help="skip these script stems")
    parser.add_argument("--verbose", action="store_true", help="stream each script's output")
    parser.add_argument("--log-dir", type=Path, default=None, help="write NAME.log per script")
    args = parser.parse_args(argv)
    if args.log_dir is not None:
        args.log_dir.mkdir(parents=True, exist_ok=True)
    scripts = discover(args.only, args.skip)
    print(
        f"{len(scripts)} benchmark scripts, --quick, timeout {args.timeout:.0f} s each", flush=True
    )
    total = time.perf_counter()
    failed = []
    for script in scripts:
        status, wall, tail = run_one(script, args.timeout, args.verbose, args.log_dir)
        print(f"{script.name:32s} {wall:7.1f} s  {status}", flush=True)
        if status != "ok":
            failed.append(script.name)
            if tail:
                print("  | " + "\n  | ".join(tail.rstrip().splitlines()[-15:]), flush=True)
    total = time.perf_counter() - total
    print(f"{'total':32s} {total:7.1f} s  {len(scripts) - len(failed)}/{len(scripts)} ok")
    if failed:
        print("failed:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
