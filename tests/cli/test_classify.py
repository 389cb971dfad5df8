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
