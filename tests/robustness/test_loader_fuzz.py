"""Every linml loader, fed every truncation and every single-byte flip of a saved file.

Contract (issue 17): a damaged file either loads into an object equal to the original (a flip
in a byte nothing reads, e.g. a timestamp, is harmless) or raises ``LinmlInputError`` —
never ``BadZipFile``, ``zlib.error``, ``MemoryError``, ``TypeError``, ``AttributeError``…
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile

import numpy as np
import pytest
from typer.testing import CliRunner

from linml.exceptions import LinmlInputError
from linml.io import load, save

DOCS = [
    "cats purr and sleep",
    "dogs bark and run",
    "kittens are young cats",
    "puppies are young dogs",
    "stocks and bonds fell",
    "bond markets rallied",
]
MAX_CASES = 500  # per file and mutation: every k-th byte, k = ceil(size / MAX_CASES)


def _ridge():
    from linml.linear_model import Ridge

    X = np.random.default_rng(0).standard_normal((20, 3))
    model = Ridge(alpha=0.5).fit(X, X @ np.array([1.0, -1.0, 2.0]))

    def same(back):
        np.testing.assert_array_equal(back.predict(X), model.predict(X))
        assert back.get_params() == model.get_params()
        arrays, meta = model._get_state()
        back_arrays, back_meta = back._get_state()
        assert back_meta == meta
        assert sorted(back_arrays) == sorted(arrays)
        for key, value in arrays.items():
            np.testing.assert_array_equal(back_arrays[key], value)

    return (lambda path: save(model, path)), load, same


def _index():
    from linml.neighbors import EmbeddingIndex

    rng = np.random.default_rng(1)
    index = EmbeddingIndex("l2").add(rng.standard_normal((10, 4)), ids=[f"w{i}" for i in range(10)])
    Q = rng.standard_normal((3, 4))

    def same(back):
        a, b = index.search(Q, 4), back.search(Q, 4)
        np.testing.assert_array_equal(back.ids, index.ids)
        np.testing.assert_array_equal(a.ids, b.ids)
        np.testing.assert_array_equal(a.scores, b.scores)
        assert back.metric == index.metric

    return index.save, EmbeddingIndex.load, same


def _documents():
    from linml.neighbors import DocumentSearch

    search = DocumentSearch(n_components=2, random_state=0).fit(DOCS)

    expected = search.query("young cats", k=3)

    def same(back):
        assert back.documents_ == search.documents_
        np.testing.assert_array_equal(back.index_._X, search.index_._X)
        for key in ("vocabulary_", "idf_", "components_", "singular_values_"):
            np.testing.assert_array_equal(getattr(back._model, key), getattr(search._model, key))
        assert back.query("young cats", k=3) == expected

    return search.save, DocumentSearch.load, same


def _pipeline():
    import pandas as pd

    from linml.linear_model import LogisticRegression
    from linml.tabular import prepare

    rng = np.random.default_rng(2)
    n = 30
    df = pd.DataFrame(
        {
            "x": np.where(rng.random(n) < 0.2, np.nan, rng.standard_normal(n)),
            "c": rng.choice(np.array(["a", "b", None], dtype=object), n),
            "d": pd.date_range("2022-01-01", periods=n, freq="3D").strftime("%Y-%m-%d"),
            "y": rng.choice(["no", "yes"], n),
        }
    )
    prep = prepare(df, "y", task="classify")
    model = prep.pipeline(LogisticRegression()).fit(prep.X, prep.y)

    def same(back):
        np.testing.assert_array_equal(back.predict_proba(prep.X), model.predict_proba(prep.X))
        assert list(back[:-1].get_feature_names_out()) == list(model[:-1].get_feature_names_out())

    return (lambda path: save(model, path)), load, same


ARTIFACTS = {
    "ridge": _ridge,
    "embedding_index": _index,
    "document_search": _documents,
    "pipeline": _pipeline,
}


@pytest.fixture(scope="module", params=sorted(ARTIFACTS))
def artifact(request, tmp_path_factory):
    """(name, original bytes, loader, equality check) for one saved object, built once."""
    write, loader, same = ARTIFACTS[request.param]()
    path = tmp_path_factory.mktemp(request.param) / "saved.npz"
    write(path)
    same(loader(path))  # the intact file round-trips
    return request.param, path.read_bytes(), loader, same


@pytest.fixture
def scratch(tmp_path):
    """A directory for the damaged copies: RAM-backed where there is one (thousands of writes)."""
    if os.access("/dev/shm", os.W_OK):
        directory = tempfile.mkdtemp(prefix="linml-fuzz-", dir="/dev/shm")
        yield directory
        shutil.rmtree(directory, ignore_errors=True)
    else:
        yield str(tmp_path)


def _mutations(raw: bytes, kind: str):
    step = math.ceil(len(raw) / MAX_CASES)
    if kind == "truncate":
        for n in range(0, len(raw), step):
            yield n, raw[:n]
    else:
        for i in range(0, len(raw), step):
            flipped = bytearray(raw)
            flipped[i] ^= 0xFF
            yield i, bytes(flipped)


@pytest.mark.parametrize("kind", ["truncate", "flip"])
def test_damaged_file_loads_equal_or_raises_input_error(artifact, kind, scratch):
    name, raw, loader, same = artifact
    path = os.path.join(scratch, "damaged.npz")
    escaped, tally = [], {"refused": 0, "loaded equal": 0}
    for position, data in _mutations(raw, kind):
        with open(path, "wb") as handle:
            handle.write(data)
        try:
            back = loader(path)
        except LinmlInputError:
            tally["refused"] += 1
            continue
        except Exception as e:  # the bug under test: anything else escaping
            escaped.append((position, f"{type(e).__name__}: {e}"[:160]))
            continue
        try:
            same(back)
        except AssertionError as e:
            escaped.append((position, f"loaded but differs: {str(e)[:120]}"))
            continue
        tally["loaded equal"] += 1
    assert not escaped, f"{name} {kind}: {len(escaped)} escaped, e.g. {escaped[:5]} ({tally})"
    if kind == "truncate":
        assert tally["loaded equal"] == 0  # no strict prefix of an archive is complete


def test_cli_query_on_a_truncated_index_prints_one_line_and_exits_2(tmp_path):
    """Regression (issue 17): `linml search query truncated.npz cat` printed a 58-line traceback."""
    from linml.cli.main import app
    from linml.neighbors import DocumentSearch

    path = tmp_path / "docs.npz"
    DocumentSearch(n_components=2, random_state=0).fit(DOCS).save(path)
    raw = path.read_bytes()
    runner = CliRunner()
    for keep in (len(raw) // 2, len(raw) - 10, 30):
        truncated = tmp_path / "truncated.npz"
        truncated.write_bytes(raw[:keep])
        result = runner.invoke(app, ["search", "query", str(truncated), "cat"])
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:"), result.output
        assert "not a linml search index" in lines[0]
