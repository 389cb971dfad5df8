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


def _random_ratings(tmp_path, n_users=300, n_items=80, per_user=25):
    """Uniformly random ratings on 1…5: no signal, variance 2, so RMSE ≈ sqrt(2) ≈ 1.41."""
    import numpy as np

    rng = np.random.default_rng(0)
    lines = ["user,item,rating"]
    for u in range(n_users):
        for i in rng.choice(n_items, per_user, replace=False):
            lines.append(f"{u},{i},{rng.integers(1, 6)}")
    path = tmp_path / "random.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _fit_json(tmp_path, ratings, *extra):
    import json

    out = tmp_path / "m.npz"
    args = ["recommend", "fit", str(ratings), "--out", str(out), "--json", *extra]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), out


def test_fit_reports_held_out_rmse_beside_baselines(tmp_path):
    """Random ratings: the baselines sit at the noise level sqrt(2) and the model is no better."""
    info, out = _fit_json(
        tmp_path, _random_ratings(tmp_path), "--rank", "2", "--n-iter", "5", "--reg", "0.1"
    )
    assert info["holdout"] == 0.1 and info["n_holdout"] == 750  # round(0.1 * 7500)
    base = info["baseline_rmse"]
    assert abs(base["global_mean"] - 2**0.5) < 0.08
    assert abs(base["biases"] - 2**0.5) < 0.1
    assert info["holdout_rmse"] > 0.98 * min(base.values())  # nothing beyond the noise
    assert info["refit"] == "all ratings" and out.exists()
    from linml.io import load

    assert load(out).seen_values_.shape[0] == 7500  # the saved model saw every rating


def test_fit_held_out_text_and_signal(tmp_path):
    """On the generated low-rank default the factors beat the bias-only baseline."""
    out = tmp_path / "m.npz"
    args = ["recommend", "fit", "--rank", "8", "--n-iter", "6", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    for text in ("held-out RMSE (10% = 6000 ratings)", "baseline: global mean", "refitted on all"):
        assert text in result.output
    assert "below the bias-only baseline" in result.output


def test_fit_holdout_zero_disables_and_bad_holdout_fails(tmp_path):
    info, _ = _fit_json(tmp_path, _ratings(tmp_path), "--rank", "2", "--holdout", "0")
    assert info["holdout_rmse"] is None and info["refit"] is None
    assert info["n_iter"] >= 1 and isinstance(info["converged"], bool)
    result = runner.invoke(
        app, ["recommend", "fit", str(_ratings(tmp_path)), "--holdout", "1.5", "-o", "m.npz"]
    )
    assert result.exit_code == 2 and "--holdout 1.5 must be in [0, 1)" in result.output


def test_fit_progress_flags(tmp_path, monkeypatch):
    from linml.cli import cmd_recommend

    assert cmd_recommend._show_progress(None, quiet=False, as_json=False) is False  # no tty
    monkeypatch.setattr(cmd_recommend, "_stderr_is_terminal", lambda: True)
    assert cmd_recommend._show_progress(None, quiet=False, as_json=False) is True
    assert cmd_recommend._show_progress(False, quiet=False, as_json=False) is False
    assert cmd_recommend._show_progress(True, quiet=True, as_json=False) is False
    assert cmd_recommend._show_progress(True, quiet=False, as_json=True) is False
    out = tmp_path / "m.npz"
    args = ["recommend", "fit", str(_ratings(tmp_path)), "--rank", "2", "--n-iter", "3"]
    result = runner.invoke(app, [*args, "--progress", "--out", str(out)])
    assert result.exit_code == 0, result.output
    from linml.io import load

    assert load(out).verbose is False  # the saved model does not print
    result = runner.invoke(app, ["recommend", "eval", *args[2:], "--folds", "2", "--progress"])
    assert result.exit_code == 0 and "rmse" in result.output, result.output


def test_top_for_a_user_who_rated_everything(tmp_path):
    """A user with no unseen item gets an empty list, not -inf scores."""
    path = tmp_path / "full.csv"
    lines = ["userId,movieId,rating"] + [
        f"{u},{i},{1 + (u + i) % 5}" for u in range(4) for i in range(3)
    ]
    path.write_text("\n".join(lines) + "\n")
    model = tmp_path / "m.npz"
    result = runner.invoke(
        app, ["recommend", "fit", str(path), "--rank", "1", "--holdout", "0", "--out", str(model)]
    )
    assert result.exit_code == 0, result.output
    import json

    result = runner.invoke(app, ["recommend", "top", str(model), "--user", "1", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["results"] == []
    result = runner.invoke(app, ["recommend", "top", str(model), "--user", "1"])
    assert "inf" not in result.output and "top 0 for user 1" in result.output
    assert "only 0 unrated item(s) left" in result.output


def test_fit_early_stopping_and_reg_exponent(tmp_path):
    import json

    from linml.io import load

    model = tmp_path / "model.npz"
    args = ["recommend", "fit", str(_ratings(tmp_path)), "--rank", "2", "--out", str(model)]
    result = runner.invoke(app, [*args, "--early-stopping", "--reg-exponent", "0.5", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["early_stopping_curve"] and info["n_iter"] >= 1
    fitted = load(model)
    assert fitted.early_stopping and fitted.reg_exponent == 0.5
    assert fitted.best_n_iter_ == info["n_iter"]
    text = runner.invoke(app, [*args, "--early-stopping"]).output
    assert "early stopping: best of" in text
    bad = runner.invoke(app, [*args, "--model", "bpr", "--early-stopping"])
    assert bad.exit_code == 2
    assert "--early-stopping applies to --model als" in bad.output
