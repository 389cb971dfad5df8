"""`linml recommend fit|top|eval`."""

from __future__ import annotations

from typer.testing import CliRunner

from linml.cli.main import app

runner = CliRunner()


def _ratings(tmp_path):
    path = tmp_path / "ratings.csv"
    lines = ["userId,movieId,rating,timestamp"]
    for u in range(12):
        for i in range(8):
            if (u + i) % 3:
                lines.append(f"{u},{100 + i},{1 + (u * i) % 5},{u * 10 + i}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_fit_then_top(tmp_path):
    model = tmp_path / "model.npz"
    result = runner.invoke(
        app,
        [
            "recommend",
            "fit",
            str(_ratings(tmp_path)),
            "--rank",
            "3",
            "--n-iter",
            "3",
            "--out",
            str(model),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "train RMSE" in result.output and model.exists()
    result = runner.invoke(app, ["recommend", "top", str(model), "--user", "4", "-n", "2"])
    assert result.exit_code == 0, result.output
    assert "top 2 for user 4" in result.output


def test_unknown_user_is_one_line_exit_2(tmp_path):
    model = tmp_path / "model.npz"
    runner.invoke(
        app,
        [
            "recommend",
            "fit",
            str(_ratings(tmp_path)),
            "--rank",
            "2",
            "--n-iter",
            "2",
            "--out",
            str(model),
        ],
    )
    result = runner.invoke(app, ["recommend", "top", str(model), "--user", "999"])
    assert result.exit_code == 2
    assert "unknown user id 999" in result.output and "Traceback" not in result.output


def test_fit_default_generated_implicit(tmp_path):
    model = tmp_path / "imp.npz"
    result = runner.invoke(
        app,
        [
            "recommend",
            "fit",
            "--model",
            "implicit",
            "--rank",
            "4",
            "--n-iter",
            "2",
            "--out",
            str(model),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "final loss" in result.output


def test_eval(tmp_path):
    result = runner.invoke(
        app,
        [
            "recommend",
            "eval",
            str(_ratings(tmp_path)),
            "--folds",
            "3",
            "--rank",
            "2",
            "--n-iter",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "rmse" in result.output and "3-fold" in result.output


def test_bad_inputs(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("userId,movieId\n1,2\n")
    result = runner.invoke(app, ["recommend", "fit", str(bad), "--out", str(tmp_path / "m.npz")])
    assert result.exit_code == 2 and "no rating column found" in result.output
    assert not (tmp_path / "m.npz").exists()
    result = runner.invoke(
        app,
        [
            "recommend",
            "fit",
            str(_ratings(tmp_path)),
            "--rank",
            "0",
            "--out",
            str(tmp_path / "m.npz"),
        ],
    )
    assert result.exit_code == 2 and "rank=0" in result.output
    result = runner.invoke(app, ["recommend", "top", str(tmp_path / "nope.npz"), "--user", "1"])
    assert result.exit_code == 2 and "no such file" in result.output


def test_eval_rank_and_cut_off_are_separate_options(tmp_path):
    """`-k` meant the cut-off in eval and the rank elsewhere; now --rank and --at."""
    import json

    args = ["recommend", "eval", "--model", "implicit", "--rank", "8", "--at", "5"]
    result = runner.invoke(app, [*args, "--folds", "2", "--n-iter", "2", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["rank"], data["at"]) == (8, 5)
    assert {"precision@5", "recall@5", "ndcg@5"} <= set(data["scores"])
    for old in (["eval", "-k", "5"], ["fit", "-k", "3", "--out", str(tmp_path / "m.npz")]):
        result = runner.invoke(app, ["recommend", *old])
        assert result.exit_code == 2 and "No such option: -k" in result.output


def test_fit_takes_save_like_every_fitting_command(tmp_path):
    model = tmp_path / "m.npz"
    args = ["recommend", "fit", str(_ratings(tmp_path)), "--rank", "2", "--n-iter", "2"]
    result = runner.invoke(app, [*args, "--save", str(model)])
    assert result.exit_code == 0, result.output
    assert model.exists()
