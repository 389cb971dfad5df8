"""Tests for linml.io: safe NPZ + JSON persistence and atomic writes."""

from __future__ import annotations

import io as _io
import json
import os
import zipfile

import numpy as np
import pytest

from linml.exceptions import LinmlInputError
from linml.io import FORMAT_VERSION, atomic_write, load, save


def _write_npz(path, meta=None, compressed=True, **arrays):
    """Write an NPZ file by hand; ``meta`` (a dict, or raw bytes) becomes the __linml__ entry."""
    payload = dict(arrays)
    if meta is not None:
        raw = meta if isinstance(meta, bytes) else json.dumps(meta).encode("utf-8")
        payload["__linml__"] = np.frombuffer(raw, dtype=np.uint8)
    buffer = _io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **payload)
    path.write_bytes(buffer.getvalue())
    return path


def _meta(**overrides):
    """Metadata of a well-formed linml file naming a real linml estimator class."""
    meta = {
        "format_version": FORMAT_VERSION,
        "linml_version": "0.1.0",
        "module": "linml._base",
        "class": "LinmlEstimator",
        "params": {},
        "state": {},
    }
    meta.update(overrides)
    return meta


@pytest.fixture
def fitted_ols():
    """A fitted linml estimator (LinearRegression) and the data it saw."""
    from linml.linear_model import LinearRegression

    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 + 0.01 * rng.standard_normal(40)
    return LinearRegression().fit(X, y), X


# ---------------------------------------------------------------------------- round trip
def test_round_trip_restores_params_state_and_predictions(tmp_path, fitted_ols):
    model, X = fitted_ols
    path = tmp_path / "ols.npz"
    save(model, path)
    loaded = load(path)
    assert type(loaded) is type(model)
    assert loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    for key, value in vars(model).items():
        if key.endswith("_") and not key.startswith("_") and isinstance(value, np.ndarray):
            np.testing.assert_array_equal(getattr(loaded, key), value, err_msg=key)


def test_saved_file_is_plain_npz_without_pickles(tmp_path, fitted_ols):
    """The archive loads with allow_pickle=False: no entry is an object array."""
    model, _ = fitted_ols
    path = tmp_path / "ols.npz"
    save(model, path)
    with np.load(path, allow_pickle=False) as npz:
        assert "__linml__" in npz.files
        meta = json.loads(npz["__linml__"].tobytes().decode("utf-8"))
        for key in npz.files:
            assert npz[key].dtype != object
    assert meta["format_version"] == FORMAT_VERSION
    assert meta["module"].startswith("linml.")


def test_save_refuses_objects_defined_outside_linml(tmp_path):
    from sklearn.linear_model import LinearRegression as SkOLS

    model = SkOLS().fit(np.eye(3), np.arange(3.0))
    with pytest.raises(TypeError, match="linml estimators only"):
        save(model, tmp_path / "sk.npz")
    assert not (tmp_path / "sk.npz").exists()


# ---------------------------------------------------------------------------- bad files
def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(LinmlInputError, match="no such file"):
        load(tmp_path / "absent.npz")


@pytest.mark.parametrize("keep_fraction", [0.0, 0.1, 0.5, 0.9, 0.99])
def test_truncated_file_raises_input_error(tmp_path, keep_fraction):
    path = _write_npz(tmp_path / "m.npz", _meta(), coef_=np.arange(500.0))
    raw = path.read_bytes()
    assert isinstance(load(path), object)  # the intact file loads
    path.write_bytes(raw[: int(len(raw) * keep_fraction)])
    with pytest.raises(LinmlInputError, match="cannot load"):
        load(path)


def test_corrupted_compressed_bytes_raise_input_error(tmp_path):
    """Regression: zlib.error from a damaged deflate stream escaped as a raw traceback."""
    path = _write_npz(tmp_path / "m.npz", _meta(), coef_=np.arange(2000.0))
    raw = bytearray(path.read_bytes())
    for i in range(200, 260):  # inside the first member's compressed data
        raw[i] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(LinmlInputError, match="not a readable linml model"):
        load(path)


def test_not_an_archive_raises_input_error(tmp_path):
    path = tmp_path / "m.npz"
    path.write_text("this is not a zip file")
    with pytest.raises(LinmlInputError, match="not a readable linml model"):
        load(path)


def test_foreign_npz_without_metadata_is_refused(tmp_path):
    path = tmp_path / "foreign.npz"
    np.savez(path, a=np.arange(3), b=np.eye(2))
    with pytest.raises(LinmlInputError, match="not a linml model"):
        load(path)


def test_pickled_object_array_is_never_unpickled(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, __linml__=np.array([{"module": "os"}], dtype=object))
    with pytest.raises(LinmlInputError, match="not a readable linml model"):
        load(path)


@pytest.mark.parametrize(
    ("module", "cls"),
    [("os", "system"), ("builtins", "eval"), ("subprocess", "Popen"), ("numpy", "ndarray")],
)
def test_metadata_naming_a_class_outside_linml_is_refused(tmp_path, module, cls):
    path = _write_npz(tmp_path / "m.npz", _meta(module=module, **{"class": cls}))
    with pytest.raises(LinmlInputError, match="outside linml"):
        load(path)


@pytest.mark.parametrize(
    ("module", "cls", "match"),
    [
        ("linml.io", "np", "not a linml estimator"),  # a module object, not a class
        ("linml.io", "load", "not a linml estimator"),  # a function
        ("linml.no_such_module", "Thing", "unknown linml class"),
        ("linml._base", "NoSuchClass", "unknown linml class"),
        ("linml._base", "os.system", "outside linml"),  # not an identifier
    ],
)
def test_metadata_naming_a_non_estimator_inside_linml_is_refused(tmp_path, module, cls, match):
    path = _write_npz(tmp_path / "m.npz", _meta(module=module, **{"class": cls}))
    with pytest.raises(LinmlInputError, match=match):
        load(path)


def test_newer_format_version_is_a_clear_error(tmp_path):
    path = _write_npz(tmp_path / "m.npz", _meta(format_version=FORMAT_VERSION + 1))
    with pytest.raises(LinmlInputError, match=r"newer than this linml reads.*upgrade linml"):
        load(path)


def test_non_integer_format_version_is_a_clear_error(tmp_path):
    """Regression: a string version raised a bare TypeError from the comparison."""
    path = _write_npz(tmp_path / "m.npz", _meta(format_version="2"))
    with pytest.raises(LinmlInputError, match="not an integer"):
        load(path)


@pytest.mark.parametrize(
    "meta",
    [b"not json at all", b"[1, 2, 3]", b'{"module": "linml._base"}', b"\xff\xfe\x00"],
)
def test_malformed_metadata_is_a_clear_error(tmp_path, meta):
    path = _write_npz(tmp_path / "m.npz", meta)
    with pytest.raises(LinmlInputError, match="cannot load"):
        load(path)


def test_params_that_do_not_fit_the_class_are_a_clear_error(tmp_path):
    path = _write_npz(tmp_path / "m.npz", _meta(params={"no_such_param": 1}))
    with pytest.raises(LinmlInputError, match="state does not fit LinmlEstimator"):
        load(path)


def test_hand_written_linml_file_loads(tmp_path):
    """The format is documented enough to write by hand: arrays become fitted attributes."""
    path = _write_npz(
        tmp_path / "m.npz",
        _meta(state={"rank_": 2, "names_": {"__ndarray__": [1.5, 2.5], "dtype": "float32"}}),
        coef_=np.array([1.0, 2.0]),
    )
    model = load(path)
    np.testing.assert_array_equal(model.coef_, [1.0, 2.0])
    assert model.rank_ == 2
    assert model.names_.dtype == np.float32


# ---------------------------------------------------------------------------- atomic_write
def _leftovers(directory):
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_atomic_write_replaces_the_file_on_success(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")
    with atomic_write(target, "w") as handle:
        handle.write("new")
        assert target.read_text() == "old"  # not visible until the block succeeds
    assert target.read_text() == "new"
    assert _leftovers(tmp_path) == []


def test_atomic_write_keeps_existing_file_when_the_block_raises(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"precious")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_write(target) as handle:
            handle.write(b"half written")
            raise RuntimeError("boom")
    assert target.read_bytes() == b"precious"
    assert _leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]


def test_atomic_write_creates_nothing_when_the_block_raises(tmp_path):
    target = tmp_path / "new.bin"
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(target) as handle:
            handle.write(b"x")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_into_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(LinmlInputError, match="does not exist"):
        with atomic_write(tmp_path / "nope" / "out.bin") as handle:
            handle.write(b"x")


def test_save_failure_keeps_existing_model_file(tmp_path, fitted_ols):
    """A model whose state cannot be saved does not destroy the file already at the path."""
    model, _ = fitted_ols
    path = tmp_path / "ols.npz"
    save(model, path)
    before = path.read_bytes()
    model.bad_attribute_ = object()  # not an array nor a JSON scalar
    with pytest.raises(TypeError, match="cannot be saved safely"):
        save(model, path)
    assert path.read_bytes() == before
    assert _leftovers(tmp_path) == []
    assert zipfile.is_zipfile(path)


def test_atomic_write_relative_path_in_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with atomic_write("plain.txt", "w") as handle:
        handle.write("ok")
    assert (tmp_path / "plain.txt").read_text() == "ok"
    assert os.listdir(tmp_path) == ["plain.txt"]


def test_atomic_write_gives_normal_permissions(tmp_path):
    """Regression: mkstemp's 0600 leaked into outputs (e.g. `linml diagnose --json`)."""
    import os

    from linml.io import atomic_write

    umask = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "out.txt", "w") as handle:
            handle.write("x")
    finally:
        os.umask(umask)
    assert (tmp_path / "out.txt").stat().st_mode & 0o777 == 0o644
