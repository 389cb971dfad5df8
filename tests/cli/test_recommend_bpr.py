"""`linml recommend fit|top|eval|tune --model bpr`."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from linml.cli.main import app
from linml.io import load
from linml.recommend import BPR

runner = CliRunner()


def test_bpr_fit_top_and_json(tmp_path):
    model = tmp_path / "bpr.npz"
    args = ["recommend", "fit", "--model", "bpr", "--rank", "4", "--n-iter", "3"]
    result = runner.invoke(app, [*args, "--out", str(model), "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["estimator"] == "BPR" and info["n_iter"] == 3
    assert info["train_rmse"] is None and info["final_loss"] > 0
    fitted = load(model)
    assert isinstance(fitted, BPR) and fitted.n_epochs == 3 and fitted.rank == 4
    result = runner.invoke(app, ["recommend", "top", str(model), "--user", "0", "-n", "3"])
    assert result.exit_code == 0, result.output


def test_bpr_defaults_are_bpr_defaults():
    from linml.cli.cmd_recommend import _build

    bpr = _build("bpr", 8, None, None, 2.0, None, 0)
    assert (bpr.n_epochs, bpr.reg) == (100, 0.01)
    als = _build("als", 8, None, None, 2.0, None, 0)
    assert (als.n_iter, als.reg) == (15, 0.1)


def test_bpr_eval_reports_ranking_metrics():
    args = ["recommend", "eval", "--model", "bpr", "--rank", "4", "--n-iter", "2"]
    result = runner.invoke(app, [*args, "--folds", "2", "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)["scores"]
    assert "precision@10" in scores and "rmse" not in scores


def test_unknown_model_names_bpr():
    result = runner.invoke(app, ["recommend", "fit", "--model", "svd", "--out", "x.npz"])
    assert result.exit_code == 2
    assert "als, implicit, bpr" in result.output
