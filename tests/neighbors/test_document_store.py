"""DocumentStore (UTF-8 bytes + offsets) and DocumentSearch's format 2: no padding, lazy reads,
format 1 still loads, a damaged file is refused with a clear message."""

from __future__ import annotations

import io as _io
import json
import os
import pickle
import zipfile

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from linml.exceptions import LinmlInputError
from linml.neighbors import LSA, DocumentSearch
from linml.neighbors._document_store import (
    DocumentStore,
    StoredMember,
    check_offsets,
    decode_all,
    encode_texts,
)

DOCS = [
    "cats purr and sleep all day",
    "dogs bark and run in the park",
    "kittens are young cats that purr",
    "puppies are young dogs that bark",
    "stocks and bonds fell sharply today",
    "bond markets rallied as stocks rose",
]
UNICODE_DOCS = [
    "naïve café crème brûlée",
    "Straße über Ärger — „Zitat“",
    "ζῷον λόγον ἔχον, καλημέρα",
    "日本語の文書を検索する",
    "emoji 🐈 cats 🐕 dogs 👩‍👩‍👧 family",
    "combining e\u0301 and zero\u200bwidth",
]


# ---------------------------------------------------------------------------- the store
@given(st.lists(st.text(), max_size=20))
def test_store_round_trips_any_text_and_counts_characters(texts):
    """Oracle: the list itself; n_characters equals len(str) (UTF-8 lead bytes counted)."""
    store = DocumentStore.from_texts(texts)
    assert len(store) == len(texts)
    assert list(store) == texts
    assert store == texts
    assert [store.n_characters(i) for i in range(len(texts))] == [len(t) for t in texts]
    assert store.n_bytes == sum(len(t.encode("utf-8")) for t in texts)


def test_store_is_the_size_of_the_text_not_of_the_longest_document():
    texts = ["x" * 100_000] + ["short"] * 1000
    data, offsets = encode_texts(texts)
    assert data.dtype == np.uint8 and offsets.dtype == np.int64
    assert data.nbytes == 100_000 + 5 * 1000
    assert offsets.shape == (1002,) and offsets[0] == 0 and offsets[-1] == data.nbytes
    padded = np.array(texts, dtype=str).nbytes  # what format 1 stored: 4 B × longest × n
    assert padded > 1000 * data.nbytes


def test_store_indexing_and_slicing_follow_list_semantics():
    store = DocumentStore.from_texts(UNICODE_DOCS)
    assert store[-1] == UNICODE_DOCS[-1]
    assert store[1:4] == UNICODE_DOCS[1:4]
    with pytest.raises(IndexError, match="document 6 is out of range"):
        store[6]
    assert store != UNICODE_DOCS[:-1]
    assert "6 documents" in repr(store)


@pytest.mark.parametrize(
    ("offsets", "n_bytes", "match"),
    [
        ([1, 3], 3, "from 1 to 3, not 0 to 3"),
        ([0, 2], 3, "from 0 to 2, not 0 to 3"),
        ([0, 3, 2, 3], 3, "offsets decrease"),
    ],
)
def test_check_offsets_names_what_is_wrong(offsets, n_bytes, match):
    assert match in check_offsets(np.array(offsets, dtype=np.int64), n_bytes)
    assert check_offsets(np.array([0, 1, 3]), 3) is None


def test_decode_all_refuses_bytes_that_are_not_utf8():
    data = np.frombuffer(b"ok\xff\xfe", dtype=np.uint8)
    with pytest.raises(LinmlInputError, match=r"vocabulary\[1\] is not UTF-8 text"):
        decode_all(data, np.array([0, 2, 4]), "vocabulary")
    assert decode_all(data, np.array([0, 2]), "x")[0] == "ok"


# ---------------------------------------------------------------------------- format 2
def _members(path):
    with np.load(path) as npz:
        return {k: npz[k] for k in npz.files}


def _write(path, members, meta, *, compressed=False):
    payload = dict(members)
    payload["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    buffer = _io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **payload)
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture
def saved(tmp_path):
    search = DocumentSearch(n_components=3, random_state=0).fit(DOCS)
    path = tmp_path / "docs.npz"
    search.save(path)
    members = _members(path)
    return search, path, members, json.loads(members.pop("meta").tobytes().decode())


def test_format_2_round_trip_reads_documents_from_the_file(saved):
    search, path, _, meta = saved
    assert meta["format"] == 2
    with zipfile.ZipFile(path) as zf:  # stored, so document bytes can be read in place
        assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_STORED}
    loaded = DocumentSearch.load(path)
    assert isinstance(loaded.documents_._data, StoredMember)  # not read into memory
    assert loaded.documents_ == DOCS
    for text in ("stock markets", "young cats purr", 3):
        ours, theirs = loaded.query(text, k=3), search.query(text, k=3)
        assert [h[0] for h in ours] == [h[0] for h in theirs]
        assert [h[2] for h in ours] == [h[2] for h in theirs]
        np.testing.assert_allclose([h[1] for h in ours], [h[1] for h in theirs], atol=1e-6)
    np.testing.assert_array_equal(loaded._model.components_, search._model.components_)
    assert list(loaded._model.vocabulary_) == list(search._model.vocabulary_)


def test_a_loaded_index_saves_again_identically(saved, tmp_path):
    _, path, members, meta = saved
    DocumentSearch.load(path).save(tmp_path / "again.npz")
    again = _members(tmp_path / "again.npz")
    assert json.loads(again.pop("meta").tobytes().decode()) == meta
    for key, value in members.items():
        np.testing.assert_array_equal(again[key], value)


def test_unicode_documents_survive_the_byte_offset_store(tmp_path):
    docs = UNICODE_DOCS + DOCS
    search = DocumentSearch(n_components=11, random_state=0).fit(docs)  # rank 11 of 12
    search.save(tmp_path / "u.npz")
    loaded = DocumentSearch.load(tmp_path / "u.npz")
    assert list(loaded.documents_) == docs
    hit = loaded.query("emoji family", k=1)[0]
    assert hit[0] == 4 and hit[2] == UNICODE_DOCS[4]
    assert all(text == docs[i] for i, _, text in loaded.query("café Straße 日本語の文書を検索する"))
    assert loaded.documents_.n_characters(4) == len(UNICODE_DOCS[4])


def test_old_format_1_file_still_loads(saved, tmp_path):
    """Format 1 as linml wrote it: fixed-width unicode documents/vocabulary, deflated."""
    search, _, _, _ = saved
    lsa = search._model
    members = {
        "documents": np.array(DOCS, dtype=str),
        "vectors": search.index_._X,
        "vocabulary": np.array(list(lsa.vocabulary_), dtype=str),
        "idf": lsa.idf_.astype(np.float64),
        "components": lsa.components_.astype(np.float64),
        "singular_values": lsa.singular_values_.astype(np.float64),
    }
    params = {k: v for k, v in lsa.get_params().items() if k not in ("max_features", "dtype")}
    meta = {
        "kind": "linml.DocumentSearch",
        "format": 1,
        "embedder": "lsa",
        "n_components": 3,
        "lsa_params": params,
    }
    path = _write(tmp_path / "old.npz", members, meta, compressed=True)
    loaded = DocumentSearch.load(path)
    assert loaded.documents_ == DOCS
    assert loaded._model.vocabulary_.dtype == object
    assert [h[0] for h in loaded.query("stock markets", k=3)] == [
        h[0] for h in search.query("stock markets", k=3)
    ]
    loaded.save(tmp_path / "upgraded.npz")  # and it upgrades to format 2
    assert DocumentSearch.load(tmp_path / "upgraded.npz").documents_ == DOCS


def test_a_recompressed_format_2_file_loads_into_memory(saved, tmp_path):
    _, _, members, meta = saved
    path = _write(tmp_path / "deflated.npz", members, meta, compressed=True)
    loaded = DocumentSearch.load(path)
    assert isinstance(loaded.documents_._data, np.ndarray) and loaded.documents_ == DOCS


def _flip_document_byte(m, meta):
    m["document_bytes"] = m["document_bytes"].copy()
    m["document_bytes"][3] ^= 0x20


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (_flip_document_byte, "checksum mismatch — its documents were modified"),
        (lambda m, meta: meta.pop("documents_sha256"), "checksum mismatch"),
        (lambda m, meta: meta.update(format=0), "format 0 is not one linml wrote"),
        (lambda m, meta: meta.update(format=3), "newer linml"),
        (lambda m, meta: m.pop("document_offsets"), "lacks member 'document_offsets'"),
        (lambda m, meta: m.update(documents=np.array(DOCS)), "unexpected member 'documents'"),
        (
            lambda m, meta: m.update(document_offsets=m["document_offsets"][:-1]),
            "6 document offsets for 6 vectors",
        ),
        (
            lambda m, meta: m.update(document_offsets=m["document_offsets"].astype(np.int32)),
            "document_offsets are int32",
        ),
        (
            lambda m, meta: m.update(document_bytes=m["document_bytes"].astype(np.int16)),
            "document_bytes are int16",
        ),
        (
            lambda m, meta: m["document_offsets"].__setitem__(-1, 10**6),
            "document offsets run from 0 to 1000000",
        ),
        (
            lambda m, meta: m["document_offsets"].__setitem__(2, 0),
            "document offsets decrease",
        ),
        (
            lambda m, meta: m.update(vocabulary_offsets=m["vocabulary_offsets"][:-1]),
            "vocabulary terms for components of",
        ),
        (
            lambda m, meta: m["vocabulary_offsets"].__setitem__(1, 10**6),
            "vocabulary offsets decrease",
        ),
        (
            lambda m, meta: m.update(vocabulary_bytes=np.zeros(3, dtype=np.float32)),
            "vocabulary_bytes are float32",
        ),
        (
            lambda m, meta: m["vocabulary_bytes"].__setitem__(0, 0xFF),
            r"vocabulary\[0\] is not UTF-8 text",
        ),
        (
            lambda m, meta: (
                m["vocabulary_bytes"].__setitem__(
                    slice(None), np.frombuffer(b"a" * len(m["vocabulary_bytes"]), dtype=np.uint8)
                )
                or m.update(vocabulary_offsets=np.arange(len(m["vocabulary_offsets"])))
            ),
            "vocabulary offsets run from 0 to",
        ),
        (lambda m, meta: m["components"].__setitem__((0, 0), np.nan), "NaN or infinity"),
    ],
)
def test_a_tampered_or_damaged_file_is_refused_clearly(saved, tmp_path, edit, match):
    _, _, members, meta = saved
    edit(members, meta)
    with pytest.raises(LinmlInputError, match=match):
        DocumentSearch.load(_write(tmp_path / "bad.npz", members, meta))


def test_repeated_vocabulary_term_is_refused(saved, tmp_path):
    _, _, members, meta = saved
    terms = ["same"] * (len(members["vocabulary_offsets"]) - 1)
    members["vocabulary_bytes"], members["vocabulary_offsets"] = encode_texts(terms)
    with pytest.raises(LinmlInputError, match="the vocabulary repeats a term"):
        DocumentSearch.load(_write(tmp_path / "rep.npz", members, meta))


def test_a_truncated_or_rewritten_file_is_refused(saved, tmp_path):
    _, path, _, _ = saved
    raw = path.read_bytes()
    for keep in (len(raw) // 3, len(raw) - 30):
        cut = tmp_path / "cut.npz"
        cut.write_bytes(raw[:keep])
        with pytest.raises(LinmlInputError, match="not a linml document index, or a damaged one"):
            DocumentSearch.load(cut)


def test_an_index_modified_in_place_after_loading_raises_on_read(saved, tmp_path):
    _, path, _, _ = saved
    copy = tmp_path / "live.npz"
    copy.write_bytes(path.read_bytes())
    loaded = DocumentSearch.load(copy)
    with open(copy, "r+b") as handle:  # an in-place rewrite (cp over it), not linml's rename
        handle.truncate(100)
    os.utime(copy, ns=(1, 1))
    with pytest.raises(LinmlInputError, match="modified in place after it was loaded"):
        loaded.query("stocks", k=1)


def test_atomic_replacement_keeps_serving_the_loaded_file(saved, tmp_path):
    """save() renames a new file over the old one; a loaded index keeps its own file open."""
    _, path, _, _ = saved
    loaded = DocumentSearch.load(path)
    DocumentSearch(n_components=2, random_state=0).fit(["other text", "more words"]).save(path)
    assert loaded.documents_ == DOCS


def test_a_loaded_index_pickles_by_reopening_its_file(saved, tmp_path):
    """multiprocessing / joblib copy a loaded search: the copy reopens the same file."""
    _, path, _, _ = saved
    loaded = DocumentSearch.load(path)
    copy = pickle.loads(pickle.dumps(loaded))
    assert copy.documents_ == DOCS and copy.query("stocks", k=2) == loaded.query("stocks", k=2)
    blob = pickle.dumps(loaded)
    os.utime(path, ns=(1, 1))  # the file is not the one that was loaded any more
    with pytest.raises(LinmlInputError, match="changed since it was loaded"):
        pickle.loads(blob)


# ---------------------------------------------------------------------------- one huge line
def test_one_megabyte_line_builds_queries_and_saves_without_padding(tmp_path):
    rng = np.random.default_rng(0)
    words = np.array(["license", "patent", "warranty", "copyright", "software", "notice"])
    huge = " ".join(rng.choice(words, size=130_000))[: 2**20]  # 1 MiB on one line
    docs = [*DOCS, huge, "a patent license and a warranty notice"]
    search = DocumentSearch(n_components=4, random_state=0).fit(docs)
    path = tmp_path / "big.npz"
    search.save(path)
    text_bytes = sum(len(d.encode()) for d in docs)
    assert path.stat().st_size < text_bytes + 200_000  # format 1: 8 × 1 MiB × 4 B = 32 MiB
    loaded = DocumentSearch.load(path)
    hits = loaded.query("patent warranty", k=2)
    assert {h[0] for h in hits} == {6, 7}
    assert [h[2] for h in hits if h[0] == 6] == [huge]


def test_lsa_vocabulary_is_not_padded_to_its_longest_term():
    long_word = "z" * 50_000  # a base64 blob in a long line is one "word"
    lsa = LSA(n_components=2, random_state=0).fit([*DOCS, f"cats {long_word}"])
    assert lsa.vocabulary_.dtype == object and long_word in set(lsa.vocabulary_)
    assert lsa.components_.dtype == np.float64  # the default precision is unchanged


def test_lsa_float32_and_max_features():
    lsa = LSA(n_components=2, dtype="float32", max_features=5, random_state=0).fit(DOCS)
    assert lsa.components_.dtype == np.float32 and lsa.components_.shape == (2, 5)
    assert lsa.transform(["cats purr"]).dtype == np.float32
    ref = LSA(n_components=2, random_state=0).fit(DOCS)
    # float32 vs float64 singular values: same factorization to float32 round-off
    full = LSA(n_components=2, dtype="float32", random_state=0).fit(DOCS)
    np.testing.assert_allclose(full.singular_values_, ref.singular_values_, rtol=1e-5)
    with pytest.raises(LinmlInputError, match="dtype"):
        LSA(dtype="float16").fit(DOCS)
    with pytest.raises(LinmlInputError, match="max_features"):
        LSA(max_features=0).fit(DOCS)
