"""`linml recommend tune`: grid search by cross-validation from the command line."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from linml.cli.main import app

runner = CliRunner()


@pytest.fixture
def ratings_csv(tmp_path):
    """Rank-2 ratings with little noise (60 users x 20 items x 10 ratings)."""
    from linml.datasets.ratings import make_low_rank_ratings

    users, items, ratings = make_low_rank_ratings(
        60, 20, rank=2, ratings_per_user=10, noise=0.1, random_state=0
    )
    path = tmp_path / "ratings.csv"
    lines = ["userId,movieId,rating"] + [
        f"{u},{i},{r:.4f}" for u, i, r in zip(users, items, ratings, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


BASE = ["--folds", "3", "--n-iter", "4"]


def _tune(path, *args):
    return runner.invoke(app, ["recommend", "tune", str(path), *BASE, *args])


def test_table_shows_every_setting_best_first(ratings_csv):
    result = _tune(ratings_csv, "--grid", "rank=1,2", "--grid", "reg=0.05,1000")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "ALS: 4 settings × 3 folds (rmse, lower is better)" in " ".join(out.split())
    rows = [line for line in out.splitlines() if line.startswith("│")]
    assert "rmse (mean ± std)" in out and len(rows) == 4 and all(" ± " in r for r in rows)
    assert rows[0].split("│")[1].strip() == "1"  # rank 1 first
    assert "best: rank=2, reg=0.05 (rmse " in out
    assert result.stderr == ""


def test_best_row_is_highlighted(ratings_csv, monkeypatch):
    import io

    from rich.console import Console

    from linml.cli import cmd_recommend_tune

    buffer = io.StringIO()
    monkeypatch.setattr(
        cmd_recommend_tune, "console", Console(file=buffer, force_terminal=True, width=200)
    )
    result = _tune(ratings_csv, "--grid", "reg=0.05,1000", "--rank", "2")
    assert result.exit_code == 0, result.output
    rows = [line for line in buffer.getvalue().splitlines() if line.startswith("│")]
    assert len(rows) == 2
    bold_green = "\x1b[1;32m"
    assert bold_green in rows[0] and bold_green not in rows[1]


def test_json_is_one_object_with_every_setting(ratings_csv):
    result = _tune(
        ratings_csv, "--grid", "rank=1,2", "--grid", "n-iter=2,4", "--metric", "rmse",
        "--metric", "ndcg@5", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["command"] == "recommend tune" and data["estimator"] == "ALS"
    assert data["metric"] == "rmse" and data["metrics"] == ["rmse", "ndcg@5"]
    assert data["folds"] == 3 and data["n_settings"] == 4 and data["lower_is_better"]
    results = data["results"]
    assert [r["rank"] for r in results] == sorted(r["rank"] for r in results)
    assert {tuple(sorted(r["params"].items())) for r in results} == {
        (("n_iter", n), ("rank", k)) for n in (2, 4) for k in (1, 2)
    }
    best = results[0]
    assert best["params"] == data["best_params"]
    assert best["scores"]["rmse"]["mean"] == pytest.approx(data["best_score"], abs=1e-12)
    assert min(r["scores"]["rmse"]["mean"] for r in results) == pytest.approx(data["best_score"])
    assert data["out"] is None


def test_save_writes_the_refitted_best_model(ratings_csv, tmp_path):
    from linml.io import load

    out = tmp_path / "best.npz"
    result = _tune(ratings_csv, "--grid", "rank=1,2", "--save", str(out), "--json")
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.stderr
    data = json.loads(result.stdout)
    model = load(out)
    assert type(model).__name__ == "ALS"
    assert model.rank == data["best_params"]["rank"] and model.n_users_ == 60
    assert data["out"] == str(out)


def test_implicit_model_with_a_ranking_metric(tmp_path):
    from linml.datasets.ratings import make_implicit_feedback

    users, items, counts = make_implicit_feedback(
        50, 20, rank=2, interactions_per_user=6, random_state=0
    )
    path = tmp_path / "plays.csv"
    lines = ["user,item,count"] + [f"{u},{i},{c}" for u, i, c in zip(users, items, counts)]
    path.write_text("\n".join(lines) + "\n")
    args = ["--model", "implicit", "--grid", "rank=2,3", "--metric", "precision@5", "--json"]
    result = _tune(path, *args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["estimator"] == "ImplicitALS" and not data["lower_is_better"]
    assert data["n_settings"] == 2
    best = max(r["scores"]["precision@5"]["mean"] for r in data["results"])
    assert data["best_score"] == pytest.approx(best)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--grid", "rank"], "error: --grid 'rank' must look like name=v1,v2,…"),
        (["--grid", "rank=8,,16"], "error: --grid 'rank=8,,16' must look like name=v1,v2,…"),
        (["--grid", "=1,2"], "must look like name=v1,v2"),
        (["--grid", "rnak=1,2"], "error: --grid 'rnak=1,2': no parameter 'rnak'; the parameters"),
        (["--grid", "rank=1", "--grid", "rank=2"], "--grid names 'rank' twice"),
        ([], "error: give at least one --grid name=v1,v2,…"),
        (["--grid", "rank=1", "--metric", "rmsee"], "error: unknown metric 'rmsee'"),
        (["--grid", "reg=-1"], "reg=-1 must be a number in [0, inf)"),
        (
            ["--grid", "rank=1", "--model", "implicit", "--metric", "rmse", "--rating-col", "none"],
            "ImplicitALS scores preferences, not ratings",
        ),
    ],
)
def test_bad_arguments_are_one_line_exit_2(ratings_csv, args, message):
    result = _tune(ratings_csv, *args)
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert message in line and "Traceback" not in result.output
    assert result.stdout == ""


def test_bad_save_path_fails_before_any_work(tmp_path):
    target = tmp_path / "no" / "dir" / "best.npz"
    result = runner.invoke(
        app, ["recommend", "tune", str(tmp_path / "missing.csv"), "--save", str(target)]
    )
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_tune_is_listed_under_recommend():
    result = runner.invoke(app, ["recommend", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "tune" in result.stdout
    result = runner.invoke(app, ["recommend", "tune", "--help"], env={"COLUMNS": "200"})
    text = " ".join(result.stdout.replace("│", " ").split())
    assert "--grid" in text and "--metric" in text and "--save" in text and "--folds" in text
