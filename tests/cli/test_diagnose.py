"""`linml diagnose`: report on a CSV/Parquet table, JSON output, one-line errors with exit 2."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from linml.cli.main import app

runner = CliRunner()


@pytest.fixture
def table(tmp_path):
    """A CSV with a planted collinearity (x3 = 2·x1 − x2), a duplicate, a constant and y."""
    rng = np.random.default_rng(0)
    x1, x2, noise = rng.standard_normal((3, 60))
    df = pd.DataFrame(
        {
            "x1": x1,
            "x2": x2,
            "x3": 2 * x1 - x2 + 1e-9 * rng.standard_normal(60),
            "x1_again": x1,
            "one": 1.0,
            "price": 3 * x1 + 0.1 * noise,
        }
    )
    path = tmp_path / "data.csv"
    df.to_csv(path, index=False)
    return path


def _no_traceback(result):
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output


def test_diagnose_prints_the_report(table):
    result = runner.invoke(app, ["diagnose", str(table), "--target", "price"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "60 rows × 5 columns" in out
    assert "x3 ≈ 2·x1 - x2" in out
    assert "exact duplicate columns 'x1', 'x1_again'" in out
    assert "constant column(s) 'one'" in out
    assert "target y (numeric)" in out
    # the ridge suggestion is the command that fits it, not Python syntax
    assert "Ridge(alpha=" not in out
    assert "--model ridge --alpha" in " ".join(out.replace("│", " ").split())


def test_diagnose_writes_json(table, tmp_path):
    out = tmp_path / "report.json"
    result = runner.invoke(app, ["diagnose", str(table), "--target", "price", "--report", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output.replace("\n", "")
    report = json.loads(out.read_text())
    assert report["feature_names"] == ["x1", "x2", "x3", "x1_again", "one"]
    assert report["target_column"] == "price"
    assert report["severity"] == "bad"
    assert report["duplicate_groups"] == [["x1", "x1_again"]]
    assert report["constant_columns"] == ["one"]
    groups = {g["dependent"]: g for g in report["collinear_groups"]}
    np.testing.assert_allclose(groups["x3"]["coefficients"]["x1"], 2.0, rtol=1e-6)
    np.testing.assert_allclose(groups["x3"]["coefficients"]["x2"], -1.0, rtol=1e-6)
    assert report["target"]["correlations"][0][0] in ("x1", "x1_again")
    assert report["rank"] == 4  # x3 is collinear only up to 1e-9 noise
    assert report["rank_at_target"] == 2  # standardized x1, x2, x3, x1_again


def test_condition_target_option_changes_the_verdict(tmp_path):
    """cond(Z) is between 10 and 1e3; VIF and BKW (which flag c at their defaults, see
    test_vif_and_bkw_thresholds_are_options) are switched off to isolate --condition-target."""
    rng = np.random.default_rng(1)
    a, b, e = rng.standard_normal((3, 200))
    path = tmp_path / "mild.csv"
    pd.DataFrame({"a": a, "b": b, "c": a + b + 0.01 * e}).to_csv(path, index=False)
    off = ["--vif-threshold", "1e12", "--index-threshold", "1e12"]
    loose = runner.invoke(app, ["diagnose", str(path), *off, "--report", str(tmp_path / "l.json")])
    strict = runner.invoke(
        app,
        [
            "diagnose",
            str(path),
            *off,
            "--condition-target",
            "10",
            "--report",
            str(tmp_path / "s.json"),
        ],
    )
    assert loose.exit_code == strict.exit_code == 0
    assert json.loads((tmp_path / "l.json").read_text())["severity"] == "ok"
    strict_report = json.loads((tmp_path / "s.json").read_text())
    assert strict_report["severity"] == "warn"
    assert strict_report["ridge_lambda"] > 0


def test_nan_cells_are_reported_not_fatal(tmp_path):
    path = tmp_path / "holes.csv"
    path.write_text("a,b\n1,2\n2,\n3,7\n4,1\n5,9\n")
    result = runner.invoke(app, ["diagnose", str(path)])
    assert result.exit_code == 0, result.output
    assert "(line 3, 'b')" in result.output  # row 1 sits on file line 3 (line 1: header)
    assert "finite block only" in result.output


def test_parquet_input(tmp_path):
    path = tmp_path / "t.parquet"
    pd.DataFrame({"u": [1.0, 2.0, 3.0, 4.0], "v": [0.0, 1.0, 0.0, 2.0]}).to_parquet(path)
    result = runner.invoke(app, ["diagnose", str(path)])
    assert result.exit_code == 0, result.output
    assert "well-conditioned" in result.output


def test_text_column_is_encoded_or_left_out_on_request(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text("a,city,b,y\n1,Oslo,3,0\n2,Rome,1,1\n3,Oslo,4,0\n4,Lima,1,1\n")
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["diagnose", str(path), "--target", "y", "--report", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert report["feature_names"] == ["a", "city_Lima", "city_Oslo", "city_Rome", "b"]
    assert any("one-hot encoded 'city'" in note for note in report["notes"])
    ok = runner.invoke(
        app, ["diagnose", str(path), "--target", "y", "--drop-non-numeric", "--report", str(out)]
    )
    assert ok.exit_code == 0, ok.output
    report = json.loads(out.read_text())
    assert report["feature_names"] == ["a", "b"]
    assert report["dropped_non_numeric"] == ["city"]
    assert "left out: 'city'" in ok.output
    dropped = runner.invoke(app, ["diagnose", str(path), "-t", "y", "--drop", "city", "--json"])
    assert json.loads(dropped.stdout)["feature_names"] == ["a", "b"]
    bad = runner.invoke(app, ["diagnose", str(path), "--drop", "town"])
    assert bad.exit_code == 2 and "column(s) 'town' not found" in bad.output


def test_categorical_target_is_accepted(tmp_path):
    path = tmp_path / "cls.csv"
    path.write_text("a,b,label\n1,3,cat\n2,1,dog\n3,4,cat\n4,1,emu\n")
    result = runner.invoke(app, ["diagnose", str(path), "--target", "label"])
    assert result.exit_code == 0, result.output
    assert "target y (categorical)" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv"], "no such file"),
        (["{table}", "--target", "nope"], "target column 'nope' not found"),
        (["{table}", "--condition-target", "0.5"], "condition_target=0.5 must be a number > 1"),
        (["{table}", "--near-duplicate-tol", "2"], "near_duplicate_tol=2.0"),
        (["{bad_ext}"], "unknown file type '.xyz'"),
        (["{empty}"], "holds no data"),
    ],
)
def test_bad_input_is_one_line_exit_2_without_partial_json(tmp_path, table, args, message):
    (tmp_path / "f.xyz").write_text("a\n1\n")
    (tmp_path / "empty.csv").write_text("")
    paths = {"table": table, "bad_ext": tmp_path / "f.xyz", "empty": tmp_path / "empty.csv"}
    args = [a.format(**paths) for a in args]
    if args[0] == "missing.csv":
        args[0] = str(tmp_path / "missing.csv")
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["diagnose", *args, "--report", str(out)])
    assert result.exit_code == 2, result.output
    assert message in result.output
    _no_traceback(result)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_existing_json_survives_a_failed_run(tmp_path):
    out = tmp_path / "r.json"
    out.write_text('{"previous": true}')
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3\n4,5,6\n")
    result = runner.invoke(app, ["diagnose", str(bad), "--report", str(out)])
    assert "line 4: 3 fields where the header has 2" in result.output
    assert result.exit_code == 2
    assert json.loads(out.read_text()) == {"previous": True}


def test_report_into_missing_directory_is_one_line_error(table, tmp_path):
    result = runner.invoke(
        app, ["diagnose", str(table), "--report", str(tmp_path / "no" / "r.json")]
    )
    assert result.exit_code == 2
    assert "--report" in result.output and "does not exist" in result.output
    assert "Errno" not in result.output
    _no_traceback(result)


def test_json_flag_prints_one_object_on_stdout(table, tmp_path):
    out = tmp_path / "r.json"
    result = runner.invoke(
        app, ["diagnose", str(table), "--target", "price", "--json", "--report", str(out)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["command"] == "diagnose"
    assert report["feature_names"] == ["x1", "x2", "x3", "x1_again", "one"]
    assert report["severity"] == "bad" and report["target_column"] == "price"
    assert f"wrote {out}" in result.stderr.replace("\n", "")
    saved = json.loads(out.read_text())
    assert saved["duplicate_groups"] == report["duplicate_groups"] == [["x1", "x1_again"]]
    ridge = [s for s in report["suggestions"] if s["action"] == "ridge"]
    assert ridge and "--model ridge --alpha" in ridge[0]["message"]


def test_help_has_an_example():
    result = runner.invoke(app, ["diagnose", "--help"])
    assert result.exit_code == 0
    assert "linml diagnose data.csv --target price" in result.output


# ---------------------------------------------------------------------------- issue 12
def _longley_csv(tmp_path):
    from pathlib import Path

    raw = np.loadtxt(
        Path(__file__).parents[1] / "data" / "nist" / "Longley.csv", delimiter=",", skiprows=1
    )
    cols = ["GNPDEFL", "GNP", "UNEMP", "ARMED", "POP", "YEAR"]
    df = pd.DataFrame(raw[:, 1:], columns=cols)
    df["TOTEMP"] = raw[:, 0]
    path = tmp_path / "longley.csv"
    df.to_csv(path, index=False)
    return path


def test_longley_names_the_dependency_with_vif_and_condition_index(tmp_path):
    """Acceptance of issue 12: Longley was reported with no collinearity."""
    out = tmp_path / "r.json"
    result = runner.invoke(
        app, ["diagnose", str(_longley_csv(tmp_path)), "--target", "TOTEMP", "--report", str(out)]
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.replace("│", " ").split())  # undo Rich's boxes and wrapping
    for expected in (
        "4.328e+04",  # largest condition index (BKW); table cells wrap at 80 columns
        "GNP 1789 0.9994",  # VIF table: column, VIF, R² on the others
        "near-dependency YEAR ≈",
        "POP ≈ 631.2·GNPDEFL",
        "Belsley–Kuh–Welsch: condition index ≥ 30 with ≥ 2 variance proportions ≥ 0.5",
    ):
        assert expected in text, expected
    report = json.loads(out.read_text())
    assert report["verdict"].startswith(
        "variance inflation: VIF ≥ 10 for 'GNP' (1789), 'YEAR' (759), 'POP' (399.2)"
    )
    assert {"GNP", "UNEMP", "YEAR"} <= set(report["dependencies"][0]["columns"])
    assert any("near-dependency YEAR ≈" in text for _, text in report["issues"])
    assert report["severity"] == "warn"


def _star98_like(tmp_path, seed=0):
    """Interaction columns and a pair whose standardized relation z0 + z1 − 0.12·z2 ≈ 0
    made collinear_groups drop the dependent from its own group (the star98 IndexError)."""
    rng = np.random.default_rng(seed)
    a, e, d, c, f = rng.standard_normal((5, 303))
    df = pd.DataFrame(
        {"A": a, "B": -a + 0.12 * e, "C": e + 1e-3 * d, "D": c, "E": f, "D_E": c * f, "A_D": a * c}
    )
    path = tmp_path / "star98_like.csv"
    df.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("target", ["10", "20", "30", "50", "1000"])
def test_star98_like_table_never_tracebacks_at_any_condition_target(tmp_path, target):
    result = runner.invoke(
        app, ["diagnose", str(_star98_like(tmp_path)), "--condition-target", target]
    )
    assert result.exit_code in (0, 2), result.output  # an uncaught exception exits 1
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--vif-threshold", "1"], "vif_threshold=1.0 must be a number > 1"),
        (["--index-threshold", "0.5"], "condition_index_threshold=0.5 must be a number > 1"),
        (["--proportion-threshold", "2"], r"proportion_threshold=2.0 must be a number in (0, 1]"),
    ],
)
def test_bad_bkw_options_are_one_line_exit_2(table, args, message):
    result = runner.invoke(app, ["diagnose", str(table), *args])
    assert result.exit_code == 2
    assert message in result.output
    _no_traceback(result)


def test_vif_and_bkw_thresholds_are_options(tmp_path):
    rng = np.random.default_rng(1)
    a, b, e = rng.standard_normal((3, 200))
    path = tmp_path / "mild.csv"
    pd.DataFrame({"a": a, "b": b, "c": a + b + 0.01 * e}).to_csv(path, index=False)
    result = runner.invoke(app, ["diagnose", str(path), "--report", str(tmp_path / "d.json")])
    assert result.exit_code == 0
    report = json.loads((tmp_path / "d.json").read_text())
    assert report["severity"] == "warn" and report["dependencies"]
    assert "VIF ≥ 10" in report["verdict"]
