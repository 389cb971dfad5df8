"""What every command shares: tidy warnings, escaped markup, output paths checked first,
plot formats by extension, suggestions in flags, help that lists the choices."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from linml.cli._common import Hints, reword
from linml.cli.main import app

runner = CliRunner()


@pytest.fixture
def collinear_csv(tmp_path):
    """c = a + b up to 1e-7: κ(X) ≈ 1e7, so the normal equations (cholesky) warn."""
    rng = np.random.default_rng(0)
    a, b, e, noise = rng.standard_normal((4, 100))
    path = tmp_path / "collinear.csv"
    pd.DataFrame({"a": a, "b": b, "c": a + b + 1e-7 * e, "y": a + noise}).to_csv(path, index=False)
    return path


# ---------------------------------------------------------------------------- warnings
def test_a_warning_is_one_line_with_the_flag_to_use(collinear_csv):
    result = runner.invoke(app, ["regress", str(collinear_csv), "-t", "y", "--solver", "cholesky"])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("warning: LinearRegression(solver='cholesky'): κ(X) ≈")
    assert "Use --solver qr or svd" in lines[0]  # not solver='qr'
    assert "NumericalWarning" not in lines[0] and ".py:" not in result.stderr
    assert "warning" not in result.stdout


def test_non_convergence_warns_in_one_line(tmp_path):
    from sklearn.datasets import load_diabetes

    path = tmp_path / "d.csv"
    load_diabetes(as_frame=True).frame.to_csv(path, index=False)
    args = ["regress", str(path), "-t", "target", "-m", "lasso", "--alpha", "0.01"]
    result = runner.invoke(app, [*args, "--max-iter", "1"])
    assert result.exit_code == 0, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith("warning: Lasso: coordinate descent stopped at max_iter=1")
    assert "increase --max-iter" in line and "--standardize" in line
    assert "warnings.warn" not in result.stderr


# ---------------------------------------------------------------------------- rewording
@pytest.mark.parametrize(
    ("message", "hints", "expected"),
    [
        (
            "duplicate interaction for user 1, item 2 (3 duplicates in all); "
            "choose duplicates='last', 'mean' or 'sum'.",
            Hints({"duplicates": "--duplicates"}),
            "duplicate interaction for user 1, item 2 (3 duplicates in all); "
            "choose --duplicates last, mean or sum.",
        ),
        (
            "n_components=7 must be <= min(n_samples, n_features)=4 (n_samples=150, "
            "n_features=4); lower n_components or pass a fraction such as 0.95 to keep it.",
            Hints({"n_components": "--components"}),
            "n_components=7 must be <= min(n_samples, n_features)=4 (n_samples=150, "
            "n_features=4); lower --components or pass a fraction such as 0.95 to keep it.",
        ),
        (
            "ALS: 3 systems failed; increase reg (now 0.1).",
            Hints({"reg": "--reg"}),
            "ALS: 3 systems failed; increase --reg (now 0.1).",
        ),
        ("nothing to say here.", None, "nothing to say here."),
    ],
)
def test_reword_turns_python_suggestions_into_flags(message, hints, expected):
    assert reword(message, hints) == expected


def test_duplicate_ratings_error_names_the_flag(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("userId,movieId,rating\n1,2,3\n1,2,4\n2,3,5\n")
    result = runner.invoke(app, ["recommend", "fit", str(path), "--out", str(tmp_path / "m.npz")])
    assert result.exit_code == 2
    assert "choose --duplicates last, mean or sum" in result.stderr
    assert "duplicates='last'" not in result.output


def test_missing_rating_column_error_names_the_flag(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("userId,movieId\n1,2\n")
    result = runner.invoke(app, ["recommend", "fit", str(bad), "--out", str(tmp_path / "m.npz")])
    assert result.exit_code == 2 and "Name it with --rating-col" in result.output


def test_regress_suggestions_name_flags(collinear_csv):
    result = runner.invoke(app, ["regress", str(collinear_csv), "-t", "y"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "--model ridge --alpha" in text and "Ridge(alpha" not in text
    assert "(--standardize)" in text and "StandardScaler" not in text


# ---------------------------------------------------------------------------- markup
def test_bracketed_text_is_printed_as_is(tmp_path):
    """`pip install 'linml[embed]'` lost '[embed]' when a document went into a Rich table."""
    docs = tmp_path / "docs.txt"
    docs.write_text("pip install 'linml[embed]' today\n[bold]cats[/bold] purr\ndogs bark\n")
    index = tmp_path / "[v1] docs.npz"
    built = runner.invoke(
        app, ["search", "build", str(docs), "--out", str(index), "--components", "2"]
    )
    assert built.exit_code == 0, built.output
    assert f"wrote {index}" in " ".join(built.output.split())
    result = runner.invoke(app, ["search", "query", str(index), "[embed]", "-k", "3"])
    assert result.exit_code == 0, result.output
    assert "pip install 'linml[embed]' today" in result.stdout
    assert "[bold]cats[/bold] purr" in result.stdout
    assert "top 3 for '[embed]'" in result.stdout


def test_bracketed_column_names_and_classes_survive(tmp_path):
    rng = np.random.default_rng(0)
    x, noise = rng.standard_normal((2, 60))
    frame = pd.DataFrame({"[x]": x, "noise": noise, "label": np.where(x > 0, "[hi]", "[lo]")})
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    result = runner.invoke(app, ["classify", str(path), "-t", "label"])
    assert result.exit_code == 0, result.output
    assert "[hi]" in result.stdout and "[lo]" in result.stdout
    numeric = tmp_path / "n.csv"
    frame.drop(columns="label").to_csv(numeric, index=False)
    result = runner.invoke(app, ["regress", str(numeric), "-t", "noise"])
    assert result.exit_code == 0, result.output
    assert "│ [x] " in result.stdout


# ---------------------------------------------------------------------------- output paths
@pytest.mark.parametrize(
    ("command", "option"),
    [
        (["regress", "{data}", "-t", "y"], "--out"),
        (["regress", "{data}", "-t", "y"], "--coef-out"),
        (["cluster", "{data}"], "--out"),
        (["cluster", "{data}"], "--plot"),
        (["pca", "{data}"], "--out"),
        (["pca", "{data}"], "--plot"),
        (["diagnose", "{data}"], "--report"),
        (["recommend", "fit", "{data}"], "--out"),
        (["search", "build", "{docs}"], "--out"),
    ],
)
def test_bad_output_directory_fails_before_any_work(tmp_path, command, option):
    """The input does not even exist: the output path is refused first, in one line."""
    docs = tmp_path / "docs.txt"
    docs.write_text("a b\nc d\n")
    paths = {"data": str(tmp_path / "missing.csv"), "docs": str(docs)}
    target = tmp_path / "no" / "such" / "dir" / "out.png"
    args = [a.format(**paths) for a in command] + [option, str(target)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {option} '{target}': directory")
    assert "does not exist" in line and "Errno" not in line
    assert list(tmp_path.iterdir()) == [docs]


def test_output_path_that_is_a_directory_is_refused(tmp_path):
    result = runner.invoke(app, ["pca", str(tmp_path / "x.csv"), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert f"--out '{tmp_path}' is a directory" in result.stderr


def test_output_under_a_file_is_refused(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("")
    result = runner.invoke(app, ["pca", str(blocker), "--out", str(blocker / "s.csv")])
    assert result.exit_code == 2 and "is not a directory" in result.stderr


# ---------------------------------------------------------------------------- plots
@pytest.fixture
def points_csv(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "points.csv"
    pd.DataFrame(rng.standard_normal((40, 3)), columns=["a", "b", "c"]).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("command", [["pca"], ["cluster", "-k", "2", "--method", "kmeans"]])
@pytest.mark.parametrize(
    ("suffix", "magic"), [(".svg", b"<?xml"), (".pdf", b"%PDF"), (".png", b"\x89PNG")]
)
def test_plot_writes_the_format_its_extension_names(points_csv, tmp_path, command, suffix, magic):
    plot = tmp_path / f"plot{suffix}"
    result = runner.invoke(app, [command[0], str(points_csv), *command[1:], "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    assert plot.read_bytes().startswith(magic)
    if suffix == ".svg":
        assert b"<svg" in plot.read_bytes()[:2000]


@pytest.mark.parametrize("command", ["pca", "cluster"])
def test_plot_with_another_extension_is_refused(points_csv, tmp_path, command):
    plot = tmp_path / "x.gif"
    result = runner.invoke(app, [command, str(points_csv), "--plot", str(plot)])
    assert result.exit_code == 2
    assert "--plot" in result.stderr and "'.gif'" in result.stderr
    assert ".png, .svg or .pdf" in result.stderr
    assert not plot.exists() and result.stdout == ""


# ---------------------------------------------------------------------------- help
def test_help_lists_the_real_choices():
    from linml.cli._models import CLASSIFIERS, REGRESSORS

    def help_of(*args):
        result = runner.invoke(app, [*args, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        return " ".join(result.stdout.replace("│", " ").split())

    text = help_of("regress")
    assert all(name in text for name in REGRESSORS)
    assert "auto|qr|cholesky|svd|gd" in text and "--coef-out" in text and "--standardize" in text
    text = help_of("classify")
    assert all(name in text for name in CLASSIFIERS)
    assert "rbf, linear, poly, sigmoid" in text and "--learning-rate" in text
    text = help_of("cluster")
    assert "spectral or kmeans" in text and "nearest_neighbors or rbf" in text
    text = help_of("recommend", "eval")
    assert "cholesky or cg" in text and "error, last, mean, sum" in text and "--at" in text
    text = help_of("search", "build")
    assert "lsa or minilm" in text and "cosine, l2, ip" in text


def test_help_choices_match_the_library():
    from linml.cli import _models, cmd_recommend, cmd_search
    from linml.linear_model import linear_regression, ridge
    from linml.neighbors import embedding_index
    from linml.recommend import interactions
    from linml.svm import svc

    assert _models.OLS_SOLVERS == linear_regression.SOLVERS
    assert _models.RIDGE_SOLVERS == ridge.SOLVERS
    assert set(_models.SVC_KERNELS) == set(svc._NAMED_KERNELS)
    assert cmd_recommend.DUPLICATES == interactions.DUPLICATE_POLICIES
    assert cmd_search.METRICS == embedding_index.METRICS


# ---------------------------------------------------------------------------- progress
def test_no_spinner_when_stderr_is_not_a_terminal(points_csv):
    """Tests and pipes get no progress; --quiet is accepted everywhere a fit runs."""
    for args in (["pca", str(points_csv)], ["pca", str(points_csv), "--quiet"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert result.stderr == ""


def test_spinner_on_a_terminal_unless_quiet(monkeypatch, capsys):
    from linml.cli import _common

    monkeypatch.setattr(_common, "_stderr_is_terminal", lambda: True)
    shown = []
    monkeypatch.setattr(
        _common.err_console, "status", lambda message, **kw: shown.append(message) or _Null()
    )
    with _common.progress("fitting ols on 10×2 …"):
        pass
    with _common.progress("fitting ols on 10×2 …", quiet=True):
        pass
    assert shown == ["fitting ols on 10×2 …"]


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
