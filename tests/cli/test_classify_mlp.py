"""`linml classify --model mlp`: the registry entry, its option parsing, and the command."""

import warnings

import pytest
from sklearn.exceptions import ConvergenceWarning
from typer.testing import CliRunner

from linml.cli._models import CLASSIFIERS
from linml.cli.main import app
from linml.exceptions import LinmlInputError
from linml.neural import MLPClassifier
from tests.cli.test_classify import _value

runner = CliRunner()


def test_registry_parses_hidden_epochs_and_seed():
    est = CLASSIFIERS["mlp"].build({"hidden": "256, 128", "epochs": 7, "seed": 3, "C": 1.0})
    assert isinstance(est, MLPClassifier)
    assert (est.hidden_layer_sizes, est.epochs, est.random_state) == ((256, 128), 7, 3)
    assert CLASSIFIERS["mlp"].build({}).hidden_layer_sizes == MLPClassifier().hidden_layer_sizes


@pytest.mark.parametrize("hidden", ["a,b", "0", ",", "64,-1"])
def test_registry_rejects_bad_hidden_sizes(hidden):
    with pytest.raises(LinmlInputError, match="--hidden"):
        CLASSIFIERS["mlp"].build({"hidden": hidden})


def test_classify_with_mlp_reports_accuracy(wine_csv):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = runner.invoke(
            app,
            [
                "classify",
                str(wine_csv),
                "-t",
                "target",
                "--model",
                "mlp",
                "--hidden",
                "32,16",
                "--epochs",
                "200",
            ],
        )
    assert result.exit_code == 0, result.output
    assert float(_value(result.output, "held-out accuracy")) > 0.9


def test_classify_with_bad_hidden_fails_in_one_line(wine_csv):
    result = runner.invoke(
        app, ["classify", str(wine_csv), "-t", "target", "--model", "mlp", "--hidden", "big"]
    )
    assert result.exit_code == 2
    assert "--hidden='big' must be comma-separated" in result.output
    assert "Traceback" not in result.output
