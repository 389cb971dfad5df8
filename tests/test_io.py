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


def _meta(n_features=1, **overrides):
    """Metadata of a well-formed linml file: a LinearRegression over ``n_features`` inputs.

    Its arrays (``coef_`` of length ``n_features``) are written beside it by the caller.
    """
    meta = {
        "format_version": FORMAT_VERSION,
        "linml_version": "0.1.0",
        "module": "linml.linear_model.linear_regression",
        "class": "LinearRegression",
        "params": {},
        "state": {"n_features_in_": n_features, "intercept_": 0.0},
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
    path = _write_npz(tmp_path / "m.npz", _meta(500), coef_=np.arange(500.0))
    raw = path.read_bytes()
    assert isinstance(load(path), object)  # the intact file loads
    path.write_bytes(raw[: int(len(raw) * keep_fraction)])
    with pytest.raises(LinmlInputError, match="cannot load"):
        load(path)


def test_corrupted_compressed_bytes_raise_input_error(tmp_path):
    """Regression: zlib.error from a damaged deflate stream escaped as a raw traceback."""
    path = _write_npz(tmp_path / "m.npz", _meta(2000), coef_=np.arange(2000.0))
    raw = bytearray(path.read_bytes())
    for i in range(200, 260):  # inside the first member's compressed data
        raw[i] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(LinmlInputError, match="not a linml model, or a damaged one"):
        load(path)


def test_not_an_archive_raises_input_error(tmp_path):
    path = tmp_path / "m.npz"
    path.write_text("this is not a zip file")
    with pytest.raises(LinmlInputError, match="not a linml model, or a damaged one"):
        load(path)


def test_foreign_npz_without_metadata_is_refused(tmp_path):
    path = tmp_path / "foreign.npz"
    np.savez(path, a=np.arange(3), b=np.eye(2))
    with pytest.raises(LinmlInputError, match="not a linml model"):
        load(path)


def test_pickled_object_array_is_never_unpickled(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, __linml__=np.array([{"module": "os"}], dtype=object))
    with pytest.raises(LinmlInputError, match="not a linml model, or a damaged one"):
        load(path)


@pytest.mark.parametrize(
    ("module", "cls"),
    [("os", "system"), ("builtins", "eval"), ("subprocess", "Popen"), ("numpy", "ndarray")],
)
def test_metadata_naming_a_class_outside_linml_is_refused(tmp_path, module, cls):
    path = _write_npz(tmp_path / "m.npz", _meta(module=module, **{"class": cls}))
    with pytest.raises(LinmlInputError, match="not a linml estimator class"):
        load(path)


@pytest.mark.parametrize(
    ("module", "cls"),
    [
        ("linml.io", "np"),  # a module object, outside the model packages
        ("linml.io", "load"),  # a function
        ("linml.no_such_module", "Thing"),
        ("linml._base", "LinmlEstimator"),  # an estimator base, but not a model package
        ("linml.cli.main", "app"),  # importing it would run the CLI's module code
        ("linml.report.tour", "Tour"),
        ("linml.linear_model.ridge", "NoSuchClass"),
        ("linml.linear_model.ridge", "np"),  # an attribute, not an exported estimator
        ("linml.linear_model.lasso", "Ridge"),  # exported, but not defined there
        ("linml.linear_model", "Ridge"),  # the package, not the defining module
        ("linml.linear_model.ridge", "os.system"),  # not an identifier
        (["linml.linear_model.ridge"], "Ridge"),  # not a string
    ],
)
def test_metadata_naming_a_non_estimator_inside_linml_is_refused(tmp_path, module, cls):
    path = _write_npz(tmp_path / "m.npz", _meta(module=module, **{"class": cls}))
    with pytest.raises(LinmlInputError, match="not a linml estimator class"):
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
    with pytest.raises(
        LinmlInputError, match="'no_such_param' is not a parameter of LinearRegression"
    ):
        load(path)


def test_hand_written_linml_file_loads(tmp_path):
    """The format is documented enough to write by hand: arrays become fitted attributes."""
    state = {
        "n_features_in_": 2,
        "intercept_": 0.5,
        "rank_": 2,
        "names_": {"__ndarray__": [1.5, 2.5], "dtype": "float32"},
    }
    path = _write_npz(tmp_path / "m.npz", _meta(state=state), coef_=np.array([1.0, 2.0]))
    model = load(path)
    np.testing.assert_array_equal(model.coef_, [1.0, 2.0])
    np.testing.assert_array_equal(model.predict(np.array([[1.0, 1.0]])), [3.5])
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


# ---------------------------------------------------------------------------- hostile files (issue 17)
def _zip_members(path, members, compression=zipfile.ZIP_DEFLATED):
    """Write ``{name: bytes}`` as a zip archive, exactly as given (no numpy in between)."""
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _npy_bytes(array=None, *, header=None, data=b""):
    """An ``.npy`` member: ``array`` saved by numpy, or a hand-written ``header`` + ``data``."""
    buffer = _io.BytesIO()
    if array is not None:
        np.save(buffer, array, allow_pickle=False)
    else:
        np.lib.format.write_array_header_1_0(buffer, header)
        buffer.write(data)
    return buffer.getvalue()


def _meta_bytes(meta):
    return _npy_bytes(np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))


@pytest.fixture
def saved_ridge(tmp_path):
    """A Ridge on 20×3 saved to disk, its arrays and metadata for rewriting, and its data."""
    from linml.linear_model import Ridge

    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 3))
    model = Ridge(alpha=0.5).fit(X, X @ np.array([1.0, -1.0, 2.0]))
    path = tmp_path / "ridge.npz"
    save(model, path)
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files if k != "__linml__"}
        meta = json.loads(npz["__linml__"].tobytes().decode())
    return path, arrays, meta, model, X


def _rewrite(path, arrays, meta):
    _write_npz(path, meta, **arrays)
    return path


def test_huge_declared_shape_is_refused_before_allocating(tmp_path, saved_ridge):
    """Regression (issue 17): a member declaring shape (2**40,) raised MemoryError (8 TiB)."""
    _, _, meta, _, _ = saved_ridge
    header = {"descr": "<f8", "fortran_order": False, "shape": (2**40,)}
    path = _zip_members(
        tmp_path / "huge.npz",
        {
            "__linml__.npy": _meta_bytes(meta),
            "coef_.npy": _npy_bytes(header=header, data=b"\0" * 8),
        },
    )
    with pytest.raises(LinmlInputError, match=r"\(1099511627776,\).*MB, over max_load_mb=1024"):
        load(path)


def test_deflate_bomb_is_refused_from_the_directory(tmp_path, saved_ridge):
    """Regression (issue 17): a small file inflating to hundreds of MB was inflated in full."""
    import time
    import tracemalloc

    _, _, meta, _, _ = saved_ridge
    path = tmp_path / "bomb.npz"
    n = 200 * 2**20 // 8  # 200 MB of float64 zeros
    header = {"descr": "<f8", "fortran_order": False, "shape": (n,)}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("__linml__.npy", _meta_bytes(meta))
        with zf.open("coef_.npy", "w", force_zip64=True) as member:
            member.write(_npy_bytes(header=header))
            zeros = bytes(2**20)
            for _ in range(200):
                member.write(zeros)
    assert path.stat().st_size < 2**20  # the bomb is small on disk
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(
        LinmlInputError, match=r"over max_compression_ratio=100\) — a decompression bomb"
    ):
        load(path)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert elapsed < 1.0
    assert peak < 8 * 2**20


def test_total_size_over_max_load_mb_is_refused_and_the_limit_overridable(saved_ridge):
    path, _, _, model, X = saved_ridge
    with pytest.raises(LinmlInputError, match=r"over max_load_mb=0\.0001; pass a larger"):
        load(path, max_load_mb=0.0001)
    np.testing.assert_array_equal(load(path, max_load_mb=1).predict(X), model.predict(X))


@pytest.mark.parametrize("bad", [0, -1, "big", True, float("nan")])
def test_load_limits_must_be_positive_numbers(saved_ridge, bad):
    path = saved_ridge[0]
    with pytest.raises(LinmlInputError, match="max_load_mb="):
        load(path, max_load_mb=bad)


def test_bare_npy_file_is_a_clear_error(tmp_path):
    """Regression (issue 17): io.load('x.npy') raised TypeError."""
    path = tmp_path / "x.npy"
    np.save(path, np.arange(3.0))
    with pytest.raises(LinmlInputError, match=r"bare \.npy array"):
        load(path)


@pytest.mark.parametrize("field", ["state", "params"])
@pytest.mark.parametrize("value", [[1], "x", 3, None])
def test_metadata_state_that_is_not_a_mapping_is_a_clear_error(saved_ridge, field, value):
    """Regression (issue 17): metadata state=[1] raised AttributeError."""
    path, arrays, meta, _, _ = saved_ridge
    meta[field] = value
    with pytest.raises(LinmlInputError, match=f"metadata {field} is .*, not a mapping"):
        load(_rewrite(path, arrays, meta))


@pytest.mark.parametrize("depth", [100, 100_000])
def test_deeply_nested_json_is_a_clear_error(tmp_path, depth):
    """Regression (issue 17): 100,000-deep JSON metadata raised RecursionError."""
    path = _write_npz(tmp_path / "deep.npz", b"[" * depth + b"]" * depth)
    with pytest.raises(LinmlInputError, match=r"not valid JSON|nests deeper than 64"):
        load(path)


@pytest.mark.filterwarnings("ignore:MLPRegressor")
def test_missing_weight_array_is_a_clear_error(tmp_path):
    """Regression (issue 17): an MLP file without one weight matrix raised IndexError."""
    from linml.neural import MLPRegressor

    X = np.random.default_rng(0).standard_normal((20, 3))
    path = tmp_path / "mlp.npz"
    save(MLPRegressor(hidden_layer_sizes=(4,), random_state=0).fit(X, X[:, 0]), path)
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files if k != "__linml__"}
        meta = json.loads(npz["__linml__"].tobytes().decode())
    for drop in [["coef_1"], ["intercept_0"], ["coef_0", "coef_1", "intercept_0", "intercept_1"]]:
        kept = {k: v for k, v in arrays.items() if k not in drop}
        with pytest.raises(LinmlInputError, match="state does not fit MLPRegressor"):
            load(_rewrite(path, kept, meta))
    wrong = dict(arrays, intercept_0=np.zeros(1, dtype=arrays["intercept_0"].dtype))
    with pytest.raises(LinmlInputError, match=r"intercept_0 has shape \(1,\)"):
        load(_rewrite(path, wrong, meta))


@pytest.mark.parametrize(
    ("replace", "match"),
    [
        ({"coef_": np.ones(2)}, r"coef_ has shape \(2,\) but n_features_in_=3"),
        ({"coef_": np.ones((3, 4))}, r"coef_ has shape \(3, 4\) but n_features_in_=3"),
        ({"coef_": np.ones((3, 3))}, None),  # three targets: a valid Ridge
        ({"coef_": np.array([1.0, np.nan, 0.0])}, "coef_ holds NaN or infinity"),
        ({"coef_": np.array([1, 2, 3], dtype=np.uint8)}, None),  # numeric: loads
        ({"coef_": np.array(["a", "b", "c"])}, "coef_ must be a numeric array"),
        ({"extra_": np.ones(1)}, None),  # an extra fitted array is just an attribute
        ({"predict": np.ones(1)}, "'predict' is not a fitted attribute name"),
    ],
)
def test_state_that_does_not_fit_the_class_fails_at_load(saved_ridge, replace, match):
    """Regression (issue 17): a coef_ of the wrong length loaded and failed at predict."""
    path, arrays, meta, _, X = saved_ridge
    path = _rewrite(path, dict(arrays, **replace), meta)
    if match is None:
        assert load(path).predict(X).shape[0] == 20
    else:
        with pytest.raises(LinmlInputError, match=match):
            load(path)


@pytest.mark.parametrize(
    ("state", "match"),
    [
        ({"n_features_in_": "3"}, "n_features_in_='3' must be a non-negative integer"),
        ({"n_features_in_": 4}, r"coef_ has shape \(3,\) but n_features_in_=4"),
        ({"intercept_": float("nan")}, "is not finite"),
        ({"coef_": "abc"}, "'coef_' is both an array and metadata"),
        ({"mean_": "abc"}, "mean_ must be a numeric array"),
        ({"names_": {"__ndarray__": [1], "dtype": "O"}}, "not a plain numeric"),
        ({"names_": {"__ndarray__": [1], "dtype": "(100000,100000)f8"}}, "state does not fit"),
        ({"__class__": 1}, "not a fitted attribute name"),
    ],
)
def test_metadata_state_that_does_not_fit_fails_at_load(saved_ridge, state, match):
    path, arrays, meta, _, _ = saved_ridge
    meta["state"].update(state)
    with pytest.raises(LinmlInputError, match=match):
        load(_rewrite(path, arrays, meta))


@pytest.mark.parametrize("name", ["../evil.npy", "notes.txt", "coef_.npy/x.npy", "__init__.npy"])
def test_unknown_members_are_refused(tmp_path, saved_ridge, name):
    _, arrays, meta, _, _ = saved_ridge
    members = {"__linml__.npy": _meta_bytes(meta)}
    members |= {f"{k}.npy": _npy_bytes(v) for k, v in arrays.items()}
    members[name] = _npy_bytes(np.ones(1))
    with pytest.raises(LinmlInputError, match=r"unknown member|not a fitted attribute name"):
        load(_zip_members(tmp_path / "m.npz", members))


def test_duplicate_and_inconsistent_members_are_refused(tmp_path, saved_ridge):
    _, arrays, meta, _, _ = saved_ridge
    base = {"__linml__.npy": _meta_bytes(meta)} | {
        f"{k}.npy": _npy_bytes(v) for k, v in arrays.items()
    }
    short = _npy_bytes(
        header={"descr": "<f8", "fortran_order": False, "shape": (3,)}, data=b"\0" * 8
    )
    with pytest.raises(LinmlInputError, match=r"declares shape \(3,\).*but stores 8"):
        load(_zip_members(tmp_path / "short.npz", base | {"coef_.npy": short}))
    with pytest.raises(LinmlInputError, match="compression method"):
        load(_zip_members(tmp_path / "bz.npz", base, compression=zipfile.ZIP_BZIP2))


_SUBPROCESS_PROBE = """
import sys
from linml.exceptions import LinmlInputError
from linml.io import load
before = set(sys.modules)
for path in sys.argv[1:]:
    try:
        load(path)
    except LinmlInputError as e:
        print("refused:", e)
print("imported:", sorted(m for m in set(sys.modules) - before if m.startswith("linml.")))
"""


def test_loading_never_imports_modules_outside_the_allow_list(tmp_path):
    """Regression (issue 17): a file naming linml.cli.main made load() import it."""
    import subprocess
    import sys

    named = [
        ("linml.cli.main", "app"),
        ("linml.report.tour", "Tour"),
        ("linml.cli._common", "fail"),
    ]
    paths = [
        str(_write_npz(tmp_path / f"m{i}.npz", _meta(module=module, **{"class": cls})))
        for i, (module, cls) in enumerate(named)
    ]
    result = subprocess.run(
        [sys.executable, "-c", _SUBPROCESS_PROBE, *paths],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert result.stdout.count("not a linml estimator class") == len(named), result.stdout
    imported = result.stdout.split("imported:")[1]
    assert "linml.cli" not in imported and "linml.report" not in imported, imported


def test_every_model_package_estimator_round_trips(tmp_path):
    """The allow-list and the state checks accept what save() writes, for each kind of model."""
    from linml import cluster, decomposition, discriminant_analysis, linear_model, neighbors, svm
    from linml.recommend import ALS

    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 3))
    y, yc = X @ np.array([1.0, 2.0, 3.0]), (X[:, 0] > 0).astype(int)
    models = [
        linear_model.Lasso(alpha=0.1).fit(X, y),
        decomposition.PCA(2).fit(X),
        decomposition.KernelPCA(2).fit(X),
        discriminant_analysis.LinearDiscriminantAnalysis().fit(X, yc),
        svm.SVC().fit(X, yc),
        cluster.SpectralClustering(2, random_state=0).fit(X),
        neighbors.KNeighborsClassifier(3).fit(X, yc),
        ALS(rank=2, n_iter=2, random_state=0).fit(
            (["a", "b", "a"], ["x", "y", "y"], [1.0, 2.0, 3.0])
        ),
    ]
    for model in models:
        save(model, tmp_path / "m.npz")
        back = load(tmp_path / "m.npz")
        arrays, _ = model._get_state()
        back_arrays, _ = back._get_state()
        assert sorted(back_arrays) == sorted(arrays), type(model).__name__
        for key, value in arrays.items():
            np.testing.assert_array_equal(back_arrays[key], value, err_msg=key)
