"""`linml classify --model logistic`: the registry entry, --C, and the command on a CSV."""

import pytest
from typer.testing import CliRunner

from linml.cli._models import CLASSIFIERS
from linml.cli.main import app
from linml.linear_model import LogisticRegression
from tests.cli.test_classify import _value

runner = CliRunner()


def test_registry_builds_logistic_with_C():
    est = CLASSIFIERS["logistic"].build({"C": 0.5, "kernel": "rbf", "hidden": "8"})
    assert isinstance(est, LogisticRegression) and est.C == 0.5
    assert CLASSIFIERS["logistic"].build({}).C == 1.0


@pytest.mark.parametrize("C", [None, "0.1"])
def test_classify_with_logistic_reports_accuracy(wine_csv, C):
    args = ["classify", str(wine_csv), "--target", "target", "--model", "logistic"]
    args += ["--C", C] if C else []
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "logistic" in result.output
    assert float(_value(result.output, "held-out accuracy")) > 0.9
    assert _value(result.output, "classes") == "3"


def test_bad_C_fails_in_one_line(wine_csv):
    result = runner.invoke(
        app, ["classify", str(wine_csv), "-t", "target", "--model", "logistic", "--C", "-1"]
    )
    assert result.exit_code == 2
    assert "C=-1.0 must be a number in (0, inf)" in " ".join(result.output.split())
    assert "Traceback" not in result.output
