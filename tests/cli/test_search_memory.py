"""`linml search` on documents with very long lines: no padding, results capped to a snippet."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from linml.cli.cmd_search import SNIPPET_CHARS, snippet
from linml.cli.main import app

runner = CliRunner()

SHORT = [
    "cats purr and sleep",
    "dogs bark and run",
    "kittens are young cats",
    "puppies are young dogs",
    "stocks and bonds fell",
    "bond markets rallied",
]


def _huge_line(n_chars: int, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    words = np.array(["license", "patent", "warranty", "copyright", "software", "notice"])
    return " ".join(rng.choice(words, size=n_chars // 5))[:n_chars]


@pytest.fixture(scope="module")
def huge_index(tmp_path_factory):
    """A corpus with one 1 MiB line, built by the CLI."""
    tmp = tmp_path_factory.mktemp("huge")
    huge = _huge_line(2**20)
    lines = [*SHORT, huge, "a patent license and a warranty notice"]
    docs = tmp / "docs.txt"
    docs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp / "docs.npz"
    r = runner.invoke(app, ["search", "build", str(docs), "--out", str(out), "--components", "4"])
    assert r.exit_code == 0, r.output
    return out, docs, huge


def test_one_megabyte_line_index_is_not_padded(huge_index):
    out, docs, _ = huge_index
    # format 1 padded 8 documents to 1 MiB × 4 B each (32 MiB); now about the text's size
    assert out.stat().st_size < docs.stat().st_size + 200_000


def test_query_output_is_capped_to_a_snippet(huge_index):
    out, _, huge = huge_index
    r = runner.invoke(app, ["search", "query", str(out), "patent warranty", "-k", "2"])
    assert r.exit_code == 0, r.output
    assert f"({len(huge):,} characters)" in " ".join(r.stdout.split())
    assert len(r.stdout) < 4 * SNIPPET_CHARS + 2000  # not the megabyte
    assert huge[:40] in " ".join(r.stdout.split())


def test_full_prints_the_whole_document(huge_index):
    out, _, huge = huge_index
    r = runner.invoke(app, ["search", "query", str(out), "patent warranty", "-k", "2", "--full"])
    assert r.exit_code == 0, r.output
    assert huge in r.stdout
    assert f"{len(huge):,} characters" in r.stdout and "…" not in r.stdout


def test_json_carries_the_snippet_unless_full(huge_index):
    out, _, huge = huge_index
    r = runner.invoke(app, ["search", "query", str(out), "patent warranty", "-k", "2", "--json"])
    assert r.exit_code == 0, r.output
    payload = json.loads(r.stdout)
    assert payload["full"] is False
    assert [set(hit) for hit in payload["results"]] == [{"id", "score", "document"}] * 2
    big = next(hit for hit in payload["results"] if hit["document"].startswith(huge[:40]))
    assert big["document"] == snippet(huge)
    assert big["document"].endswith(f"… ({len(huge):,} characters)")
    args = ["search", "query", str(out), "patent warranty", "-k", "2", "--json", "--full"]
    payload = json.loads(runner.invoke(app, args).stdout)
    assert payload["full"] is True
    assert huge in [hit["document"] for hit in payload["results"]]


def test_short_documents_print_whole_and_on_one_line(tmp_path):
    docs = tmp_path / "d.txt"
    docs.write_text("\n".join(SHORT) + "\n")
    out = tmp_path / "d.npz"
    runner.invoke(app, ["search", "build", str(docs), "--out", str(out), "--components", "3"])
    r = runner.invoke(app, ["search", "query", str(out), "young cats", "-k", "1", "--json"])
    assert json.loads(r.stdout)["results"][0]["document"] == "kittens are young cats"


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("tabs\tand\nnew  lines", "tabs and new lines"),
        ("x" * SNIPPET_CHARS, "x" * SNIPPET_CHARS),
        ("x" * (SNIPPET_CHARS + 1), "x" * SNIPPET_CHARS + f"… ({SNIPPET_CHARS + 1:,} characters)"),
        ("🐈" * 400, "🐈" * SNIPPET_CHARS + "… (400 characters)"),
    ],
)
def test_snippet_cuts_at_the_limit_in_characters(document, expected):
    assert snippet(document) == expected


def _peak_rss_mb(args: list[str]) -> float:
    """Peak RSS (MB) of the command run as a child of a fresh helper process."""
    helper = (
        "import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], check=True, capture_output=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n"  # Linux: kB
    )
    r = subprocess.run([sys.executable, "-c", helper, *args], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return float(r.stdout)


@pytest.mark.slow
def test_build_and_query_of_a_long_line_corpus_stay_small(tmp_path):
    """Regression (7,951 license paragraphs, one 137,664-character line): 4.6 GB RSS before."""
    lines = [f"paragraph {i} of the mit license text" for i in range(4000)]
    lines += [_huge_line(137_664, seed=s) for s in range(3)]
    docs = tmp_path / "lic.txt"
    docs.write_text("\n".join(lines) + "\n")
    out = tmp_path / "lic.npz"
    linml = str(Path(sys.executable).with_name("linml"))
    build = _peak_rss_mb([linml, "search", "build", str(docs), "--out", str(out)])
    query = _peak_rss_mb([linml, "search", "query", str(out), "patent warranty"])
    assert build < 500 and query < 400  # import floor ≈ 250 MB of the query's
