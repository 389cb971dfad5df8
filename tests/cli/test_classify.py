"""`linml classify`: held-out accuracy and support vectors for SVC; one-line errors (exit 2)."""

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from linml.cli._models import CLASSIFIERS
from linml.cli.main import app
from linml.svm import SVC

runner = CliRunner()


def _value(output, name):
    line = next(line for line in output.splitlines() if name in line)
    return line.split("│")[-2].strip()


def test_svc_reports_accuracy_and_support_vectors(wine_csv):
    result = runner.invoke(
        app, ["classify", str(wine_csv), "--target", "target", "--model", "svc", "--C", "1"]
    )
    assert result.exit_code == 0, result.output
    assert float(_value(result.output, "held-out accuracy")) > 0.93
    assert int(_value(result.output, "support vectors")) > 0
    assert _value(result.output, "train / test samples") == "133 / 45"


@pytest.mark.parametrize("kernel,gamma", [("linear", None), ("rbf", "0.05"), ("poly", "auto")])
def test_kernel_and_gamma_options(wine_csv, kernel, gamma):
    args = ["classify", str(wine_csv), "-t", "target", "-m", "svc", "--kernel", kernel]
    args += ["--seed", "3"]
    args += ["--gamma", gamma] if gamma else []
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert float(_value(result.output, "held-out accuracy")) > 0.85


def test_registry_builds_svc_from_generic_options():
    est = CLASSIFIERS["svc"].build({"kernel": "linear", "C": 2.0, "gamma": "0.5", "hidden": "8"})
    assert isinstance(est, SVC)
    assert (est.kernel, est.C, est.gamma) == ("linear", 2.0, 0.5)


@pytest.mark.parametrize(
    "extra,message",
    [
        (["--model", "forest"], "unknown --model 'forest'"),
        (["--test-size", "1.5"], "--test-size=1.5 must be in (0, 1)"),
        (["--C", "-1"], "C=-1.0 must be a number in (0, inf)"),
        (["--model", "svc", "--gamma", "inf"], "gamma=inf must be a finite number > 0"),
        (["--model", "svc", "--gamma", "wide"], "gamma='wide' must be"),
        (["--model", "svc", "--kernel", "laplace"], "kernel='laplace'"),
        (["--kernel", "rbf"], "--kernel applies to --model svc, not 'logistic'"),
        (["--model", "lda", "--C", "2"], "--C applies to --model logistic or svc, not 'lda'"),
    ],
)
def test_bad_options_fail_in_one_line(wine_csv, extra, message):
    result = runner.invoke(app, ["classify", str(wine_csv), "--target", "target", *extra])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_missing_target_and_one_class(tmp_path, wine_csv):
    result = runner.invoke(app, ["classify", str(wine_csv), "--target", "label"])
    assert result.exit_code == 2 and "target column 'label' not found" in result.output
    path = tmp_path / "one.csv"
    pd.DataFrame({"a": np.arange(6.0), "y": 1}).to_csv(path, index=False)
    result = runner.invoke(app, ["classify", str(path), "--target", "y"])
    assert result.exit_code == 2 and "one class only" in result.output


def test_default_model_is_logistic(wine_csv):
    """Issue 14: logistic regression is the default first model of classify."""
    result = runner.invoke(app, ["classify", str(wine_csv), "--target", "target"])
    assert result.exit_code == 0, result.output
    assert "linml classify — logistic" in result.output
    assert float(_value(result.output, "held-out accuracy")) > 0.93


def _table_rows(output, title):
    """The body rows (cells) of the Rich table whose title contains ``title``."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if title in line)
    rows = []
    for line in lines[start:]:
        if line.startswith("└"):
            break
        if line.startswith("│"):
            rows.append([cell.strip() for cell in line.strip("│").split("│")])
    return rows


def test_confusion_matrix_per_class_table_and_baseline(wine_csv):
    result = runner.invoke(app, ["classify", str(wine_csv), "--target", "target"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "true \\ predicted" in out  # rows are the true class, columns the predicted one
    matrix = _table_rows(out, "confusion matrix")
    assert [row[0] for row in matrix] == ["0", "1", "2"]  # rows labelled with the classes
    counts = np.array([[int(c) for c in row[1:]] for row in matrix])
    assert counts.sum() == 45 and np.trace(counts) >= 42
    per_class = _table_rows(out, "per class")
    assert [row[0] for row in per_class] == ["0", "1", "2"]
    assert sum(int(row[4]) for row in per_class) == 45  # support
    # stratified split of wine (59/71/48): class 1 is the majority, 18 of 45 test rows
    assert float(_value(out, "baseline accuracy (always '1')")) == pytest.approx(18 / 45, abs=1e-4)
    assert 0 < float(_value(out, "held-out log loss")) < 0.3
    assert float(_value(out, "held-out balanced accuracy")) > 0.9


def test_metrics_match_sklearn(wine_csv):
    import json

    from sklearn.metrics import balanced_accuracy_score, confusion_matrix, log_loss
    from sklearn.model_selection import train_test_split

    result = runner.invoke(app, ["classify", str(wine_csv), "-t", "target", "-m", "lda", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    from linml.discriminant_analysis import LinearDiscriminantAnalysis

    frame = pd.read_csv(wine_csv)
    X, y = frame.drop(columns="target").to_numpy(), frame["target"].to_numpy()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    mu, sd = X_tr.mean(axis=0), X_tr.std(axis=0)
    model = LinearDiscriminantAnalysis().fit((X_tr - mu) / sd, y_tr)
    Z = (X_te - mu) / sd
    pred = model.predict(Z)
    assert data["confusion_matrix"]["matrix"] == confusion_matrix(y_te, pred).tolist()
    assert data["scores"]["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(y_te, pred))
    assert data["scores"]["log_loss"] == pytest.approx(log_loss(y_te, model.predict_proba(Z)))


@pytest.mark.parametrize(
    ("y", "refused"),
    [
        (np.linspace(0.0, 1.0, 120), True),  # non-integer, > 10 distinct
        (np.round(np.linspace(0.0, 1.0, 120), 1), True),  # 11 distinct tenths
        (np.round(np.linspace(0.0, 4.0, 120)) / 4, False),  # 5 distinct quarters: classes
        (np.arange(120) * 7, True),  # integers, 120 distinct of 120 rows
        (np.arange(120) % 10, False),  # digits 0..9
        (np.arange(120) % 60, False),  # 60 distinct integers, half the rows exactly
    ],
)
def test_float_target_is_refused(tmp_path, y, refused):
    from linml.tabular import looks_continuous

    assert looks_continuous(y) is refused
    path = tmp_path / "t.csv"
    rng = np.random.default_rng(0)
    pd.DataFrame({"a": rng.standard_normal(120), "y": y}).to_csv(path, index=False)
    result = runner.invoke(app, ["classify", str(path), "--target", "y"])
    if refused:
        assert result.exit_code == 2
        assert "looks continuous" in result.stderr and "linml regress" in result.stderr
        assert result.stdout == ""
    else:
        assert "looks continuous" not in result.output


def test_looks_continuous_ignores_strings_and_missing_values():
    from linml.tabular import looks_continuous

    assert not looks_continuous(np.array([f"c{i}" for i in range(200)], dtype=object))
    assert not looks_continuous(np.array([0.0, 1.0, np.nan] * 30))
    assert looks_continuous(np.r_[np.linspace(0, 1, 30), np.nan])


def test_learning_rate_reaches_the_mlp():
    est = CLASSIFIERS["mlp"].build({"learning_rate": 0.05})
    assert est.learning_rate == 0.05
    assert CLASSIFIERS["logistic"].build({"max_iter": 7}).max_iter == 7
    assert CLASSIFIERS["svc"].build({"max_iter": 9}).max_iter == 9


def test_learning_rate_applies_to_mlp_only(wine_csv):
    result = runner.invoke(app, ["classify", str(wine_csv), "-t", "target", "--learning-rate", "1"])
    assert result.exit_code == 2
    assert "--learning-rate applies to --model mlp, not 'logistic'" in result.stderr
