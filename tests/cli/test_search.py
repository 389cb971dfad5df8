"""`linml search build|query` on documents and on vectors."""

import numpy as np
from typer.testing import CliRunner

from linml.cli.main import app

runner = CliRunner()

# Documents 4 and 5 share "bond": were they disjoint, each would be its own singular vector with
# σ = 1 (a tie), and which of the two a rank-3 SVD keeps would decide the test.
DOCS = "cats purr and sleep\ndogs bark and run\nkittens are young cats\npuppies are young dogs\nstocks and bond prices fell\nbond markets rallied\n"


def test_documents_build_and_query(tmp_path):
    (tmp_path / "docs.txt").write_text(DOCS)
    out = tmp_path / "docs.npz"
    r = runner.invoke(
        app, ["search", "build", str(tmp_path / "docs.txt"), "--out", str(out), "--components", "3"]
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["search", "query", str(out), "young cats", "-k", "1"])
    assert r.exit_code == 0, r.output
    assert "kittens are young cats" in r.output
    r = runner.invoke(app, ["search", "query", str(out), "4", "-k", "1"])
    assert "bond markets rallied" in r.output


def test_vectors_build_and_query(tmp_path):
    rng = np.random.default_rng(0)
    V = rng.normal(size=(30, 4))
    V[7] = V[3] * 2.0  # same direction as 3
    np.save(tmp_path / "v.npy", V)
    out = tmp_path / "v.npz"
    assert (
        runner.invoke(
            app, ["search", "build", str(tmp_path / "v.npy"), "--out", str(out)]
        ).exit_code
        == 0
    )
    r = runner.invoke(app, ["search", "query", str(out), "3", "-k", "1"])
    assert r.exit_code == 0, r.output
    assert "│  7 │ 1.0000" in r.output


def test_errors_are_one_line(tmp_path):
    (tmp_path / "empty.txt").write_text("\n\n")
    (tmp_path / "bad.npz").write_bytes(b"xx")
    cases = [
        (
            ["search", "build", str(tmp_path / "nope.txt"), "--out", str(tmp_path / "o.npz")],
            "no such file",
        ),
        (
            ["search", "build", str(tmp_path / "empty.txt"), "--out", str(tmp_path / "o.npz")],
            "holds no documents",
        ),
        (["search", "query", str(tmp_path / "bad.npz"), "x"], "is not a linml search index"),
    ]
    for args, message in cases:
        r = runner.invoke(app, args)
        assert r.exit_code == 2, (args, r.output)
        assert message in r.output and "Traceback" not in r.output
    assert not (tmp_path / "o.npz").exists()


def test_max_load_mb_refuses_a_file_larger_than_the_bound(tmp_path):
    np.save(tmp_path / "v.npy", np.random.default_rng(0).normal(size=(2000, 64)))
    out = tmp_path / "v.npz"
    runner.invoke(app, ["search", "build", str(tmp_path / "v.npy"), "--out", str(out)])
    r = runner.invoke(app, ["search", "query", str(out), "3", "--max-load-mb", "0.1"])
    assert r.exit_code == 2 and "over --max-load-mb 0.1; pass a larger --max-load-mb" in r.output
    assert (
        runner.invoke(app, ["search", "query", str(out), "3", "--max-load-mb", "10"]).exit_code == 0
    )


def test_query_starting_with_a_dash_goes_after_double_dash(tmp_path):
    docs = tmp_path / "d.txt"
    docs.write_text("cats are nice\ndogs bark loud\n-minus sign text\nbirds fly high\n")
    out = tmp_path / "d.npz"
    runner.invoke(app, ["search", "build", str(docs), "--out", str(out), "--components", "2"])
    ok = runner.invoke(app, ["search", "query", str(out), "-k", "1", "--", "-minus"])
    assert ok.exit_code == 0, ok.output
    assert "-minus sign text" in ok.output
    bad = runner.invoke(app, ["search", "query", str(out), "-minus"])
    assert bad.exit_code == 2 and "goes after '--'" in bad.output
