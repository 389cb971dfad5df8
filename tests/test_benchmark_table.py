"""README speed table: generated from the summary lines of benchmarks/RESULTS.md (issue 19)."""

import statistics
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import build_readme  # noqa: E402
from _common import format_summary, summary_line  # noqa: E402

CELLS = {"200000×200": 0.141, "2000×2000": 1.014, "500×5000": 0.6}


def test_speed_table_is_what_results_md_implies():
    """The table between the markers equals the one built from RESULTS.md: one source."""
    overview = build_readme.OVERVIEW.read_text()
    table = build_readme.speed_table(build_readme.RESULTS.read_text())
    assert build_readme.with_speed_table(overview, table) == overview, (
        "docs/sections/10-overview.md's speed table is stale: run scripts/build_readme.py"
    )


def test_summary_line_carries_median_and_worst_cell():
    """median = statistics.median of the cell ratios; worst = the largest ratio and its label."""
    line = summary_line("LinearRegression", "scikit-learn", CELLS, "≤ 1.0")
    med = statistics.median(CELLS.values())
    assert line == (
        f"<!-- summary: LinearRegression | scikit-learn | {med:.2f} | 1.01 (2000×2000) | ≤ 1.0 -->"
    )


def test_summary_lines_round_trip_through_the_table():
    """Lines written by summary_line come back as rows, in file order, with section and date."""
    results = (
        "# Benchmark results\n\n<!-- begin:alpha -->\n## A\n\nMeasured 2026-01-02 on x86_64.\n\n"
        "| t |\n|---|\n\n"
        + summary_line("fit A", "peer A", CELLS, "≤ 1.0")
        + "\n<!-- end:alpha -->\n\n<!-- begin:beta -->\n## B\n\n"
        + format_summary("fit B", "peer B", "0.50", "0.70 (tall)", "—")
        + "\n<!-- end:beta -->\n"
    )
    rows = build_readme.summaries(results)
    assert [(r["workload"], r["section"], r["date"]) for r in rows] == [
        ("fit A", "alpha", "2026-01-02"),
        ("fit B", "beta", ""),
    ]
    table = build_readme.speed_table(results).splitlines()
    assert table[0] == build_readme.TABLE_HEADER
    assert table[2] == "| fit A | peer A | 0.60 | 1.01 (2000×2000) | ≤ 1.0 | `alpha` 2026-01-02 |"
    assert table[3] == "| fit B | peer B | 0.50 | 0.70 (tall) | — | `beta` |"


def test_with_speed_table_replaces_only_between_markers():
    text = f"head\n{build_readme.TABLE_BEGIN}\nold\n{build_readme.TABLE_END}\ntail\n"
    new = build_readme.with_speed_table(text, "| new |")
    assert new == f"head\n{build_readme.TABLE_BEGIN}\n| new |\n{build_readme.TABLE_END}\ntail\n"
    with pytest.raises(ValueError, match="speed-table markers"):
        build_readme.with_speed_table("no markers", "| new |")


@pytest.mark.parametrize("bad", ["a | b", "a --> b", "a\nb"])
def test_summary_fields_refuse_separators(bad):
    with pytest.raises(ValueError, match="may not contain"):
        format_summary(bad, "peer", "1.00", "1.00 (x)", "≤ 1.0")


def test_summary_line_needs_cells():
    with pytest.raises(ValueError, match="cells is empty"):
        summary_line("fit", "peer", {}, "≤ 1.0")


def test_summary_with_wrong_field_count_is_refused():
    results = "<!-- begin:x -->\n<!-- summary: a | b | c -->\n<!-- end:x -->\n"
    with pytest.raises(ValueError, match="5 fields"):
        build_readme.summaries(results)


def test_run_all_discovers_every_benchmark_but_the_helpers():
    import run_all

    names = {p.name for p in run_all.discover()}
    assert "_common.py" not in names and "run_all.py" not in names
    assert {"svm.py", "least_squares.py"} <= names
    assert [p.stem for p in run_all.discover(only=["svm", "neural"])] == ["neural", "svm"]
    assert "svm" not in {p.stem for p in run_all.discover(skip=["svm"])}


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("import sys; assert sys.argv[1:] == ['--quick']", "ok"),
        ("raise SystemExit(3)", "FAIL (3)"),
        ("import time; time.sleep(30)", "TIMEOUT"),
    ],
)
def test_run_one_reports_pass_fail_and_timeout(tmp_path, code, status):
    import run_all

    script = tmp_path / "fake_bench.py"
    script.write_text(code + "\n")
    got, wall, _ = run_all.run_one(script, timeout=3.0, verbose=False, log_dir=tmp_path)
    assert got == status
    assert wall < 10
    assert (tmp_path / "fake_bench.log").exists()


def test_run_one_keeps_quick_runs_out_of_results_md(tmp_path):
    """A script that calls record() in --quick writes a scratch copy and is reported as failed."""
    import run_all

    results = ROOT / "benchmarks" / "RESULTS.md"
    before = results.read_text()
    script = tmp_path / "records_anyway.py"
    script.write_text(
        f"import sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r})\n"
        "from _common import record\n"
        "record('run_all_probe', 'probe', 'written in --quick')\n"
    )
    status, _, _ = run_all.run_one(script, timeout=60.0, verbose=False)
    assert status == "FAIL (recorded in --quick)"
    assert "run_all_probe" not in results.read_text()
    assert "run_all_probe" not in before
