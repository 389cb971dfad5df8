"""`linml cluster`: labels, files written, one-line errors."""

import numpy as np
import pandas as pd
from sklearn.datasets import make_moons
from sklearn.metrics import adjusted_rand_score
from typer.testing import CliRunner

from linml.cli.main import app

runner = CliRunner()


def _moons_csv(tmp_path):
    X, y = make_moons(200, noise=0.05, random_state=0)
    path = tmp_path / "moons.csv"
    pd.DataFrame({"x": X[:, 0], "y": X[:, 1], "label": y}).to_csv(path, index=False)
    return path, y


def test_spectral_writes_labels_and_plot(tmp_path):
    path, y = _moons_csv(tmp_path)
    out, png = tmp_path / "labels.csv", tmp_path / "plot.png"
    result = runner.invoke(
        app,
        [
            "cluster",
            str(path),
            "--k",
            "2",
            "--drop",
            "label",
            "--out",
            str(out),
            "--plot",
            str(png),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "eigengap" in result.output
    labels = pd.read_csv(out)["cluster"].to_numpy()
    assert adjusted_rand_score(y, labels) >= 0.99
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_kmeans_method(tmp_path):
    path, _ = _moons_csv(tmp_path)
    result = runner.invoke(app, ["cluster", str(path), "--k", "2", "--method", "kmeans"])
    assert result.exit_code == 0, result.output


def test_errors_are_one_line_exit_2(tmp_path):
    path, _ = _moons_csv(tmp_path)
    out = tmp_path / "never.csv"
    cases = [
        (["cluster", str(tmp_path / "missing.csv")], "no such file"),
        (["cluster", str(path), "--method", "dbscan"], "must be 'spectral' or 'kmeans'"),
        (["cluster", str(path), "--drop", "zzz"], "--drop column(s) 'zzz' not found"),
        (["cluster", str(path), "--k", "500", "--out", str(out)], "n_clusters=500 must be <="),
    ]
    for args, message in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output
        assert "Traceback" not in result.output
    assert not out.exists()
    np.testing.assert_equal(sorted(p.name for p in tmp_path.iterdir()), ["moons.csv"])
