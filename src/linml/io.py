"""Safe persistence: NPZ (``allow_pickle=False``) plus JSON metadata; never pickle.

A saved model is one ``.npz`` file holding the fitted arrays and a ``__linml__`` entry with
JSON metadata: format version, linml version, the estimator's class, its ``get_params()``
and its non-array fitted state.

Loading treats the file as hostile until proven otherwise, and every linml loader
(:func:`load`, ``EmbeddingIndex.load``, ``DocumentSearch.load``) goes through one reader,
:func:`open_npz`, which checks *before decompressing any array*:

* the archive's structure: every member a plain ``<name>.npy``, stored or deflated (no
  encryption, no other codec), no duplicate or unknown members;
* each member's ``.npy`` header: a plain numeric, boolean or text dtype (never an object
  array), and a declared ``shape × itemsize`` equal to the member's stored size;
* the total size all arrays would take once loaded against ``max_load_mb`` (default
  :data:`DEFAULT_MAX_LOAD_MB`), and each large member's compression ratio against
  ``max_compression_ratio`` (default :data:`DEFAULT_MAX_COMPRESSION_RATIO`) — a deflate
  bomb is refused from its directory entry, before one byte is inflated;
* the JSON metadata's size and nesting depth.

:func:`load` then imports nothing named by the file beyond the estimator's own package: the
class must be exported by one of linml's model packages (:data:`MODEL_PACKAGES`) and be a
:class:`~linml._base.LinmlEstimator`. The restored state is validated generically (names,
finiteness, lengths against ``n_features_in_`` and the other sizes it declares) and the model
is probed once on a zero input, so a file that does not fit its class fails here, with one
:class:`~linml.exceptions.LinmlInputError`, rather than at the first ``predict``.

**Pipelines.** :func:`save` also takes a fitted scikit-learn ``Pipeline`` whose last step is a
linml estimator and whose other steps are built, nested in any way, from the allow-list
:data:`PIPELINE_STEPS` (``Pipeline``, ``ColumnTransformer``, ``SimpleImputer``,
``MissingIndicator``, ``OneHotEncoder``, ``StandardScaler``), linml's own
``linml.tabular.TRANSFORMERS`` (``Coerce``, ``DateParts``) and the strings ``"passthrough"`` /
``"drop"`` — what ``linml.tabular.prepare(...).pipeline(estimator)`` builds. Such a file (format
version 2, ``"kind": "pipeline"``) is the same one ``.npz``: each step is stored as its class
name and its ``__dict__`` in tagged JSON (``{"__t__": "est", "cls": …, "d": {…}}``; other
tags: ``float`` for non-finite floats, ``tuple``, ``dict`` with its key types, ``slice``,
``dtype``, ``sctype`` and ``pytype`` (a NumPy or builtin type such as ``OneHotEncoder``'s
``dtype=float``), ``scalar``, ``array``, ``text`` and ``index`` (a pandas ``Index`` of column
names: its values, dtype and name)), every array as a member ``p0``, ``p1``, …, object arrays
of ``str``, ``int``, ``bool``, ``float``, ``None`` and ``NaN`` (categories, imputer
statistics, feature names) as a text member plus a ``uint8`` mask of each element's type, and
the estimator through the same path as a lone estimator (members ``m__<name>``, metadata under
``"estimator"``). Anything else is refused at save, naming where it is. :func:`load` builds only allow-listed classes
(``cls.__new__`` then the saved attributes; no constructor, no other module imported),
refuses attribute names that would shadow a method, unknown tags and unreferenced members,
checks that the preprocessing's output feeds the estimator (``get_feature_names_out`` and one
all-missing row, where every step accepts one) and warns once when the file was written by
another scikit-learn version.

>>> import numpy as np, tempfile, os
>>> from linml.io import save, load
>>> from linml.linear_model import LinearRegression
>>> X = np.array([[0.0], [1.0], [2.0]]); y = np.array([1.0, 3.0, 5.0])
>>> path = os.path.join(tempfile.mkdtemp(), "ols.npz")
>>> save(LinearRegression().fit(X, y), path)
>>> model = load(path)
>>> np.round(model.predict(np.array([[3.0]])), 6)
array([7.])
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import io as _io
import json
import math
import os
import re
import sys
import tempfile
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from linml.exceptions import LinmlInputError

FORMAT_VERSION = 1
_META_KEY = "__linml__"

DEFAULT_MAX_LOAD_MB = 1024.0
"""Default bound on what a loaded file may allocate: its arrays plus its parsed metadata."""
DEFAULT_MAX_COMPRESSION_RATIO = 100.0
"""Default bound on uncompressed/compressed size of a member over 1 MiB (deflate bombs)."""
_RATIO_FLOOR_BYTES = 2**20  # small members compress freely (a zero vector is ~1000:1)
_JSON_EXPANSION = 8  # parsed JSON takes up to ~8x its text (pointers, float objects)
_MAX_JSON_DEPTH = 64  # saved params/state nest a few levels; 100,000 is an attack
_ARRAY_KINDS = "biufcU"  # bool, ints, floats, complex, text; never object/void/datetime

MODEL_PACKAGES = (
    "linear_model",
    "decomposition",
    "discriminant_analysis",
    "svm",
    "recommend",
    "neural",
    "cluster",
    "graph",
    "neighbors",
)
"""The linml packages whose exported estimator classes :func:`load` may instantiate."""
_MODULE_RE = re.compile(rf"^linml\.({'|'.join(MODEL_PACKAGES)})(\.[a-z_][a-z0-9_]*)+$")

__all__ = [
    "DEFAULT_MAX_COMPRESSION_RATIO",
    "DEFAULT_MAX_LOAD_MB",
    "FORMAT_VERSION",
    "MODEL_PACKAGES",
    "PIPELINE_STEPS",
    "atomic_write",
    "load",
    "open_npz",
    "save",
]


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "wb") -> Iterator[Any]:
    """Open a temporary file beside ``path``; rename it onto ``path`` only on success.

    A failure inside the ``with`` block removes the temporary file and leaves any existing
    ``path`` untouched, so no half-written output is ever left behind.
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.exists():
        raise LinmlInputError(
            f"cannot write {str(target)!r}: directory {str(directory)!r} does not exist."
        )
    if target.is_dir():
        raise LinmlInputError(
            f"cannot write {str(target)!r}: it is a directory; give a file name inside it."
        )
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as e:  # name the destination, never the temporary file
        raise _os_error(e, target) from None
    # mkstemp creates 0600; give the result the permissions a plain open() would (0666 & ~umask)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.replace(tmp, target)
        except OSError as e:
            raise _os_error(e, target) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _os_error(e: OSError, target: Path) -> OSError:
    """``e`` re-made to name ``target`` (not the temporary file beside it)."""
    if isinstance(e, IsADirectoryError):
        return LinmlInputError(
            f"cannot write {str(target)!r}: it is a directory; give a file name inside it."
        )
    return type(e)(e.errno, f"cannot write {str(target)!r}: {e.strerror}")


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, tuple):
        return {"__tuple__": [_jsonable(v) for v in value]}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(
        f"parameter value {value!r} of type {type(value).__name__} cannot be saved safely "
        "(only numbers, strings, lists, dicts, tuples and arrays are)."
    )


def _json_dtype(name: Any) -> np.dtype:
    """The dtype an ``__ndarray__`` entry names: plain numbers, booleans or text only."""
    dtype = np.dtype(str(name))
    if dtype.kind not in _ARRAY_KINDS or dtype.fields is not None or dtype.shape != ():
        raise ValueError(f"dtype {str(name)!r} is not a plain numeric or text dtype")
    return dtype


def _from_jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        if "__ndarray__" in value:
            return np.asarray(value["__ndarray__"], dtype=_json_dtype(value.get("dtype")))
        if "__tuple__" in value:
            return tuple(_from_jsonable(v) for v in value["__tuple__"])
        return {k: _from_jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_jsonable(v) for v in value]
    return value


# ---------------------------------------------------------------------------- the safe reader
# Everything reading an untrusted archive can raise; each becomes one LinmlInputError.
_READ_ERRORS = (
    zipfile.BadZipFile,  # bad directory, bad CRC-32, name mismatch
    zlib.error,  # damaged deflate stream
    EOFError,  # stream ends early
    OSError,
    ValueError,  # bad .npy magic/header, bad UTF-8, bad JSON
    RuntimeError,  # an encrypted member; an unknown compression method (a subclass)
    OverflowError,
    KeyError,
    IndexError,
    TypeError,
    RecursionError,  # JSON nested beyond the interpreter's stack
)
_MEMBER_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class _Member:
    """One ``.npy`` member as its headers declare it; nothing past the header is inflated."""

    info: zipfile.ZipInfo
    dtype: np.dtype
    shape: tuple[int, ...]
    fortran_order: bool
    offset: int  # bytes of .npy magic + header before the data

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize  # Python ints: no overflow


def _mb(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:,.1f} MB"


def _check_limit(name: str, value: Any, low: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= low:
        raise LinmlInputError(f"{name}={value!r} must be a number >= {low:g}.")
    return float(value)


class NpzReader:
    """An NPZ archive whose structure, headers and sizes :func:`open_npz` has checked.

    ``keys`` lists the members (``.npy`` suffix dropped); :meth:`array` and :meth:`json`
    inflate one member each; :meth:`error` builds the ``LinmlInputError`` a caller raises
    when the contents do not fit what it expects.
    """

    def __init__(self, zf: zipfile.ZipFile, path: Path, what: str, members: dict[str, _Member]):
        self._zf, self.path, self.what, self._members = zf, path, what, members

    def __enter__(self) -> NpzReader:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self._zf.close()

    @property
    def keys(self) -> list[str]:
        return list(self._members)

    def header(self, key: str) -> tuple[np.dtype, tuple[int, ...]]:
        """Declared ``(dtype, shape)`` of member ``key``, read from its header only."""
        m = self._members[key]
        return m.dtype, m.shape

    def error(self, reason: str) -> LinmlInputError:
        return LinmlInputError(f"cannot load {str(self.path)!r}: {reason}")

    def array(self, key: str) -> np.ndarray:
        """Inflate member ``key`` (its size was bounded and its CRC-32 is checked)."""
        if key not in self._members:
            raise self.error(f"not {self.what} (no {key!r} member).")
        m = self._members[key]
        out = np.empty(m.nbytes, dtype=np.uint8)
        view = memoryview(out)
        try:
            with self._zf.open(m.info) as fp:
                fp.read(m.offset)
                pos = 0
                while pos < m.nbytes:
                    chunk = fp.read(min(2**20, m.nbytes - pos))
                    if not chunk:
                        raise EOFError(f"member {key!r} ends early")
                    view[pos : pos + len(chunk)] = chunk
                    pos += len(chunk)
                if fp.read(1):  # reading to the end also checks the CRC-32
                    raise ValueError(f"member {key!r} runs past its declared shape")
        except _READ_ERRORS as e:
            raise self.error(
                f"not a {self.what}, or a damaged one ({type(e).__name__}: {e})."
            ) from e
        flat = out.view(m.dtype)
        if m.fortran_order:
            return flat.reshape(m.shape[::-1]).T
        return flat.reshape(m.shape)

    def json(self, key: str) -> Any:
        """Member ``key`` as JSON text (UTF-8 bytes in a uint8 vector), parsed and depth-checked."""
        dtype, shape = self.header(key) if key in self._members else (None, None)
        if dtype != np.uint8 or len(shape) != 1:
            raise self.error(
                f"not a {self.what}, or a damaged one (its {key!r} metadata is not JSON text)."
            )
        raw = self.array(key).tobytes()
        try:
            value = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError) as e:
            raise self.error(
                f"not a {self.what}, or a damaged one (its {key!r} metadata is not valid JSON: "
                f"{type(e).__name__}: {str(e)[:200]})."
            ) from e
        stack = [(value, 1)]
        while stack:  # iterative: depth is what is being checked
            item, depth = stack.pop()
            if depth > _MAX_JSON_DEPTH:
                raise self.error(
                    f"not a {self.what}, or a damaged one (its {key!r} metadata nests deeper than "
                    f"{_MAX_JSON_DEPTH} levels)."
                )
            if isinstance(item, dict):
                stack.extend((v, depth + 1) for v in item.values())
            elif isinstance(item, list):
                stack.extend((v, depth + 1) for v in item)
        return value


def _read_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[Any, ...]:
    from numpy.lib import format as npy

    with zf.open(info) as fp:
        version = npy.read_magic(fp)
        if version == (1, 0):
            shape, fortran_order, dtype = npy.read_array_header_1_0(fp)
        elif version == (2, 0):
            shape, fortran_order, dtype = npy.read_array_header_2_0(fp)
        else:
            raise ValueError(f".npy format version {version} is not supported")
        return shape, fortran_order, dtype, fp.tell()


def open_npz(
    path: str | os.PathLike[str],
    *,
    what: str,
    allowed: Callable[[str], bool] | Iterable[str],
    json_keys: Iterable[str] = (),
    max_load_mb: float | None = DEFAULT_MAX_LOAD_MB,
    max_compression_ratio: float | None = DEFAULT_MAX_COMPRESSION_RATIO,
) -> NpzReader:
    """Open an untrusted NPZ file after checking everything that can be checked uninflated.

    Parameters
    ----------
    path : str or PathLike
    what : str
        What the file should be, for messages (``"linml model"``).
    allowed : set of member names, or a predicate on a name
        Any other member is refused.
    json_keys : member names holding JSON text
        Counted at ``8×`` their size toward ``max_load_mb`` (parsed JSON outgrows its text).
    max_load_mb : float or None, default=DEFAULT_MAX_LOAD_MB
        (None: the default.) Refuse a file whose arrays (by their declared shapes) would take more than this.
    max_compression_ratio : float or None, default=DEFAULT_MAX_COMPRESSION_RATIO
        (None: the default.) Refuse a member over 1 MiB that inflates more than this many times (a zip bomb).

    Raises
    ------
    LinmlInputError
        For a missing file, a bare ``.npy``, a damaged archive, an unknown, duplicate,
        encrypted or object-array member, a header that disagrees with the stored size, or
        a file over the limits (the message names the limit to raise).
    """
    if max_load_mb is None:
        max_load_mb = DEFAULT_MAX_LOAD_MB
    if max_compression_ratio is None:
        max_compression_ratio = DEFAULT_MAX_COMPRESSION_RATIO
    max_load_mb = _check_limit("max_load_mb", max_load_mb, 0)
    max_compression_ratio = _check_limit("max_compression_ratio", max_compression_ratio, 1)
    limit = max_load_mb * 2**20
    path = Path(path)
    is_allowed = allowed if callable(allowed) else frozenset(allowed).__contains__
    json_keys = frozenset(json_keys)

    def error(reason: str) -> LinmlInputError:
        return LinmlInputError(f"cannot load {str(path)!r}: {reason}")

    if not path.is_file():
        raise error("no such file.")
    magic = b""
    try:
        with open(path, "rb") as handle:
            magic = handle.read(6)
        zf = zipfile.ZipFile(path)
    except _READ_ERRORS as e:
        if magic[:2] == b"PK":  # a zip archive whose directory is damaged or cut short
            raise error(f"not a {what}, or a damaged one (not an NPZ archive: {e}).") from e
        hint = (
            " It is a bare .npy array (numpy.save); linml files hold several arrays."
            if magic == b"\x93NUMPY"
            else ""
        )
        raise error(
            f"not a {what}, or a damaged one: it is not a {what} file (not a zip archive).{hint}"
        ) from None
    try:
        members = _check_members(
            zf, what, error, is_allowed, json_keys, limit, max_compression_ratio
        )
    except BaseException:
        zf.close()
        raise
    return NpzReader(zf, path, what, members)


def _check_members(zf, what, error, is_allowed, json_keys, limit, max_ratio) -> dict[str, _Member]:
    raise_hint = "pass a larger max_load_mb= if you trust this file"
    infos: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in zf.infolist():
        name = info.filename
        key = name[:-4] if name.endswith(".npy") else name
        if not name.endswith(".npy") or not _MEMBER_RE.match(key) or not is_allowed(key):
            raise error(f"not {what}: it holds an unknown member {name!r}.")
        if key in infos:
            raise error(f"not a {what}, or a damaged one: member {name!r} appears twice.")
        if info.flag_bits & 0x1:
            raise error(f"not a {what}, or a damaged one: member {name!r} is encrypted.")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise error(
                f"not a {what}, or a damaged one: member {name!r} uses compression method "
                f"{info.compress_type} (linml writes stored or deflated members only)."
            )
        size = info.file_size
        if size > _RATIO_FLOOR_BYTES and size > max_ratio * max(info.compress_size, 1):
            raise error(
                f"member {name!r} would inflate {info.compress_size:,} bytes to {_mb(size)} "
                f"({size / max(info.compress_size, 1):,.0f}:1, over max_compression_ratio="
                f"{max_ratio:g}) — a decompression bomb? Pass a larger max_compression_ratio= "
                "if you trust this file."
            )
        total += size * (_JSON_EXPANSION if key in json_keys else 1)
        infos[key] = info
    if total > limit:
        raise error(
            f"it would take {_mb(total)} once loaded, over max_load_mb={limit / 2**20:g}; "
            f"{raise_hint}."
        )
    members: dict[str, _Member] = {}
    for key, info in infos.items():
        try:
            shape, fortran_order, dtype, offset = _read_header(zf, info)
        except _READ_ERRORS as e:
            raise error(f"not a {what}, or a damaged one ({type(e).__name__}: {e}).") from e
        if dtype.kind not in _ARRAY_KINDS or dtype.fields is not None or dtype.itemsize == 0:
            kind = "an object array (pickled Python objects)" if dtype.hasobject else str(dtype)
            raise error(
                f"not a {what}, or a damaged one: member {key!r} is {kind}; linml loads plain numeric "
                "and text arrays only and never unpickles."
            )
        member = _Member(info, dtype, tuple(int(s) for s in shape), bool(fortran_order), offset)
        if member.nbytes > limit:
            raise error(
                f"member {key!r} declares shape {member.shape} of {dtype} = "
                f"{_mb(member.nbytes)}, over max_load_mb={limit / 2**20:g}; {raise_hint}."
            )
        if member.nbytes + offset != info.file_size:
            raise error(
                f"not a {what}, or a damaged one: member {key!r} declares shape {member.shape} of "
                f"{dtype} ({member.nbytes:,} bytes) but stores {info.file_size - offset:,} "
                "(truncated or corrupted)."
            )
        members[key] = member
    return members


def save(model: Any, path: str | os.PathLike[str]) -> None:
    """Save a fitted linml estimator, or a pipeline ending in one, to ``path`` (``.npz``), atomically.

    Parameters
    ----------
    model : LinmlEstimator or sklearn.pipeline.Pipeline
        A fitted estimator defined in linml, or a fitted ``Pipeline`` whose last step is one
        and whose other steps are built from :data:`PIPELINE_STEPS` and
        ``linml.tabular.TRANSFORMERS`` (what ``linml.tabular.prepare(...).pipeline(est)``
        builds), nested in any way.
    path : str or PathLike
        Destination file; written to a temporary file first and renamed.

    Raises
    ------
    TypeError
        ``model`` is neither a linml estimator nor a scikit-learn ``Pipeline``.
    LinmlInputError
        ``path`` is a directory, its directory does not exist, or a pipeline holds a step or
        an attribute value outside the allow-list (the message names where it is).

    Examples
    --------
    >>> import os, tempfile, pandas as pd
    >>> from linml.linear_model import Ridge
    >>> from linml.tabular import prepare
    >>> df = pd.DataFrame({"x": [1.0, None, 3.0, 4.0], "c": ["a", "b", "a", None],
    ...                    "y": [1.0, 2.0, 3.0, 4.0]})
    >>> prep = prepare(df, "y", task="regress")
    >>> model = prep.pipeline(Ridge()).fit(prep.X, prep.y)
    >>> path = os.path.join(tempfile.mkdtemp(), "ridge.npz")
    >>> save(model, path)
    >>> back = load(path)
    >>> bool((back.predict(df) == model.predict(df)).all())
    True
    """
    from linml import __version__

    if Path(path).is_dir():
        raise LinmlInputError(
            f"cannot save to {str(path)!r}: it is a directory; give a file name such as model.npz."
        )
    cls = type(model)
    if cls.__module__.startswith("sklearn.") and cls.__name__ == "Pipeline":
        _save_pipeline(model, path)
        return
    if not cls.__module__.startswith("linml.") or not hasattr(model, "_get_state"):
        raise TypeError(
            f"save() stores linml estimators only (alone or as the last step of a scikit-learn "
            f"Pipeline); got {cls.__module__}.{cls.__name__}."
        )
    arrays, state_meta = model._get_state()
    for key in arrays:
        if key == _META_KEY or arrays[key].dtype == object:
            raise TypeError(f"state array {key!r} cannot be saved safely.")
    meta = {
        "format_version": FORMAT_VERSION,
        "linml_version": __version__,
        "module": cls.__module__,
        "class": cls.__name__,
        "params": _jsonable(model.get_params(deep=False)),
        "state": _jsonable(state_meta),
    }
    payload = dict(arrays)
    payload[_META_KEY] = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
    _write_npz(payload, path)


# ---------------------------------------------------------------------------- pipelines
_PIPELINE_FORMAT_VERSION = 2  # a pipeline file; an estimator file stays FORMAT_VERSION
_PIPELINE_ARRAY_RE = re.compile(r"^p[0-9]{1,7}$")  # the preprocessing's arrays: p0, p1, …
_MODEL_PREFIX = "m__"  # the final estimator's state arrays: m__coef_, …
PIPELINE_STEPS = (
    "sklearn.pipeline.Pipeline",
    "sklearn.compose.ColumnTransformer",
    "sklearn.impute.SimpleImputer",
    "sklearn.impute.MissingIndicator",
    "sklearn.preprocessing.OneHotEncoder",
    "sklearn.preprocessing.StandardScaler",
)
"""scikit-learn classes a saved pipeline may hold (besides linml.tabular.TRANSFORMERS)."""
_TAGS = ("float", "tuple", "dict", "slice", "dtype", "sctype", "scalar", "array", "text")
_TAGS += ("est", "passthrough", "model", "index", "pytype")
# An object array's mask: what each element was (its text holds the str, or the number's
# digits); codes only ever get appended, so files written earlier keep their meaning.
_TEXT_STR, _TEXT_NONE, _TEXT_NAN, _TEXT_INT, _TEXT_INT64 = 0, 1, 2, 3, 4
_TEXT_BOOL, _TEXT_NPBOOL, _TEXT_FLOAT, _TEXT_FLOAT64 = 5, 6, 7, 8
_TEXT_MAX = _TEXT_FLOAT64
_INT_TEXT_RE = re.compile(r"^-?[0-9]{1,20}$")
_FLOAT_TEXT_RE = re.compile(r"^-?(inf|[0-9]+(\.[0-9]*)?(e[-+]?[0-9]+)?)$")  # repr(float)
_PYTYPES = {"bool": bool, "int": int, "float": float, "str": str}  # e.g. OneHotEncoder(dtype=float)
# pandas Index dtypes a file may name: its text dtypes, and the plain numeric ones
_INDEX_TEXT_DTYPES = ("object", "str", "string")
# The one FunctionTransformer a pipeline may hold: the identity a fitted ColumnTransformer
# puts in place of "passthrough". It is written under its own tag, never by class name.
_PASSTHROUGH_PARAMS = {
    "func": None,
    "inverse_func": None,
    "validate": False,
    "accept_sparse": True,
    "check_inverse": False,
    "feature_names_out": "one-to-one",
    "kw_args": None,
    "inv_kw_args": None,
}
_PASSTHROUGH_FITTED = frozenset({"_sklearn_output_config", "feature_names_in_", "n_features_in_"})


class _Refused(ValueError):
    """A value a pipeline file may not hold (at save) or a malformed entry (at load)."""


def _step_class(name: Any) -> type | None:
    """The class an allow-listed name stands for; no other module is ever imported."""
    if not isinstance(name, str):
        return None
    if name in PIPELINE_STEPS:
        module, _, attr = name.rpartition(".")
        return getattr(importlib.import_module(module), attr)
    module, _, attr = name.rpartition(".")
    if module == "linml.tabular":  # imported only when a file names one of its classes
        try:
            tabular = importlib.import_module("linml.tabular")
        except ImportError:
            return None
        if attr in getattr(tabular, "TRANSFORMERS", ()):
            return getattr(tabular, attr)
    return None


def _step_names() -> dict[type, str]:
    try:
        import linml.tabular

        tabular = tuple(f"linml.tabular.{t}" for t in linml.tabular.TRANSFORMERS)
    except (ImportError, AttributeError):  # the sklearn steps still save without it
        tabular = ()
    return {_step_class(n): n for n in (*PIPELINE_STEPS, *tabular)}


def _is_identity(attrs: dict[str, Any]) -> bool:
    """Whether FunctionTransformer attributes are those of the ``"passthrough"`` identity."""
    return set(attrs) <= set(_PASSTHROUGH_PARAMS) | _PASSTHROUGH_FITTED and all(
        k in attrs and type(attrs[k]) is type(v) and attrs[k] == v
        for k, v in _PASSTHROUGH_PARAMS.items()
    )


def _is_passthrough(value: Any) -> bool:
    from sklearn.preprocessing import FunctionTransformer

    return type(value) is FunctionTransformer and _is_identity(vars(value))


def _text_element(e: Any) -> int | None:
    """The mask code of one object-array element (None: a type a file cannot hold)."""
    if isinstance(e, float) and math.isnan(e):
        return _TEXT_NAN
    codes = {
        str: _TEXT_STR,
        int: _TEXT_INT,
        np.int64: _TEXT_INT64,
        type(None): _TEXT_NONE,
        bool: _TEXT_BOOL,  # SimpleImputer(strategy="most_frequent") on a bool column
        np.bool_: _TEXT_NPBOOL,
        float: _TEXT_FLOAT,
        np.float64: _TEXT_FLOAT64,
    }
    return codes.get(type(e))


def _element_text(e: Any, code: int) -> str:
    if code == _TEXT_STR:
        return e
    if code in (_TEXT_FLOAT, _TEXT_FLOAT64):
        return repr(float(e))  # shortest text that reads back to the same double
    if code in (_TEXT_BOOL, _TEXT_NPBOOL):
        return str(bool(e))
    return str(e) if code in (_TEXT_INT, _TEXT_INT64) else ""


def _text_value(t: str, m: int, where: str) -> Any:
    """The object-array element that mask code ``m`` and text ``t`` stand for."""
    if m == _TEXT_STR:
        return t
    if m in (_TEXT_NONE, _TEXT_NAN):
        return None if m == _TEXT_NONE else float("nan")
    if m in (_TEXT_INT, _TEXT_INT64):
        if not _INT_TEXT_RE.match(t) or not -(2**63) <= int(t) < 2**63:
            raise _Refused(f"{where}: an element {t[:40]!r} is not an integer")
        return int(t) if m == _TEXT_INT else np.int64(t)
    if m in (_TEXT_BOOL, _TEXT_NPBOOL):
        if t not in ("True", "False"):
            raise _Refused(f"{where}: an element {t[:40]!r} is not a boolean")
        return (t == "True") if m == _TEXT_BOOL else np.bool_(t == "True")
    if not _FLOAT_TEXT_RE.match(t):
        raise _Refused(f"{where}: an element {t[:40]!r} is not a number")
    return float(t) if m == _TEXT_FLOAT else np.float64(t)


class _PipelineWriter:
    """Tagged JSON for a pipeline's objects; arrays go to NPZ members ``p0, p1, …``."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.names = _step_names()
        self.arrays: dict[str, np.ndarray] = {}

    def member(self, array: np.ndarray) -> str:
        name = f"p{len(self.arrays)}"
        self.arrays[name] = array
        return name

    def encode(self, v: Any, where: str) -> Any:
        if v is None or type(v) in (bool, int, str):
            return v
        if type(v) is float:
            return v if math.isfinite(v) else {"__t__": "float", "v": repr(v)}
        if type(v) is list:
            return [self.encode(x, f"{where}[{i}]") for i, x in enumerate(v)]
        if type(v) is tuple:
            return {
                "__t__": "tuple",
                "v": [self.encode(x, f"{where}[{i}]") for i, x in enumerate(v)],
            }
        if type(v) is dict:
            keys = list(v)
            for k in keys:
                if type(k) not in (str, int):
                    raise _Refused(f"{where} has a key {k!r} of type {type(k).__name__}")
            return {
                "__t__": "dict",
                "k": keys,
                "v": [self.encode(v[k], f"{where}[{k!r}]") for k in keys],
            }
        if type(v) is slice:
            parts = (v.start, v.stop, v.step)
            if any(p is not None and type(p) is not int for p in parts):
                raise _Refused(f"{where} is a slice of non-integers")
            return {"__t__": "slice", "v": list(parts)}
        if isinstance(v, np.dtype):
            return {"__t__": "dtype", "v": str(_pipeline_dtype(str(v), where))}
        if isinstance(v, type) and issubclass(v, np.generic):
            return {"__t__": "sctype", "v": str(_pipeline_dtype(np.dtype(v).name, where, "biufc"))}
        if isinstance(v, type) and _PYTYPES.get(v.__name__) is v:
            return {"__t__": "pytype", "v": v.__name__}
        if isinstance(v, np.generic):
            dtype = _pipeline_dtype(str(v.dtype), where, "biufcU")
            return {"__t__": "scalar", "dtype": str(dtype), "v": self.encode(v.item(), where)}
        if type(v) is np.ndarray:
            return self.encode_array(v, where)
        if v is self.model:
            return {"__t__": "model"}
        if type(v) in self.names:
            return self.encode_object(v, self.names[type(v)], where)
        if _is_passthrough(v):
            return {"__t__": "passthrough", "d": self.encode_attrs(v, where)}
        pandas = sys.modules.get("pandas")  # an Index exists only if pandas is imported
        if pandas is not None and type(v) in (pandas.Index, pandas.RangeIndex):
            return self.encode_index(v, where)
        t = type(v)
        if hasattr(v, "get_params") and hasattr(v, "fit"):
            steps = ", ".join(n.rpartition(".")[2] for n in self.names.values())
            raise _Refused(
                f"{where} is {t.__module__}.{t.__qualname__}, which a linml pipeline file "
                f"cannot hold (allowed steps: {steps}, 'passthrough', 'drop', and a linml "
                "estimator as the last step)"
            )
        raise _Refused(
            f"{where} is {t.__module__}.{t.__qualname__}, a type a linml pipeline file cannot "
            "hold (it holds None, numbers, strings, lists, tuples, dicts, slices, dtypes, NumPy "
            "scalars and arrays of numbers or text, and pandas Index objects)"
        )

    def encode_index(self, v: Any, where: str) -> Any:
        dtype = str(v.dtype)
        if dtype not in _INDEX_TEXT_DTYPES:
            dtype = str(_pipeline_dtype(dtype, where, "biuf"))
        values = np.asarray(v, dtype=object) if dtype in _INDEX_TEXT_DTYPES else v.to_numpy()
        return {
            "__t__": "index",
            "v": self.encode_array(values, f"{where} values"),
            "dtype": dtype,
            "name": self.encode(v.name, f"{where}.name"),
        }

    def encode_array(self, v: np.ndarray, where: str) -> Any:
        if v.dtype.kind in _ARRAY_KINDS and v.dtype.fields is None and v.dtype.itemsize:
            return {"__t__": "array", "v": self.member(v)}
        if v.dtype != object:
            raise _Refused(f"{where} is an array of {v.dtype}, not numbers or text")
        flat = v.ravel(order="C").tolist()
        mask = np.array([_text_element(e) for e in flat], dtype=object)
        if any(m is None for m in mask):
            bad = next(e for e, m in zip(flat, mask, strict=True) if m is None)
            raise _Refused(
                f"{where} is an object array holding {type(bad).__name__} "
                "(only str, int, None, NaN)"
            )
        for e, m in zip(flat, mask, strict=True):
            if m == _TEXT_STR and e.endswith("\x00"):  # NumPy text drops trailing NULs
                raise _Refused(f"{where} holds a string ending in a NUL character")
        texts = np.array(
            [_element_text(e, m) for e, m in zip(flat, mask, strict=True)] or [""],
            dtype=np.str_,
        )
        texts = texts[: len(flat)].reshape(v.shape)
        return {
            "__t__": "text",
            "v": self.member(texts),
            "mask": self.member(mask.astype(np.uint8).reshape(v.shape)),
        }

    def encode_attrs(self, obj: Any, where: str) -> dict[str, Any]:
        return {k: self.encode(x, f"{where}.{k}") for k, x in vars(obj).items()}

    def encode_object(self, obj: Any, name: str, where: str) -> Any:
        return {"__t__": "est", "cls": name, "d": self.encode_attrs(obj, where)}


def _pipeline_dtype(name: Any, where: str, kinds: str = _ARRAY_KINDS + "O") -> np.dtype:
    try:
        dtype = np.dtype(name) if isinstance(name, str) else None
    except TypeError:
        dtype = None
    if dtype is None or dtype.kind not in kinds or dtype.fields is not None or dtype.shape != ():
        raise _Refused(f"{where} names dtype {str(name)[:40]!r}, not a plain one")
    return dtype


class _PipelineReader:
    """Objects from tagged JSON; only allow-listed classes, each built without ``__init__``."""

    def __init__(self, arrays: dict[str, np.ndarray], model: Any) -> None:
        self.arrays, self.model = arrays, model
        self.used: set[str] = set()
        self.models = 0

    def member(self, name: Any, where: str) -> np.ndarray:
        if not isinstance(name, str) or name not in self.arrays:
            raise _Refused(f"{where} names a missing array member {str(name)[:40]!r}")
        if name in self.used:
            raise _Refused(f"{where} reuses array member {name!r}")
        self.used.add(name)
        return self.arrays[name]

    def decode(self, v: Any, where: str) -> Any:
        if v is None or type(v) in (bool, int, float, str):
            return v
        if type(v) is list:
            return [self.decode(x, f"{where}[{i}]") for i, x in enumerate(v)]
        if type(v) is not dict:
            raise _Refused(f"{where} is {type(v).__name__}")
        tag = v.get("__t__")
        if tag not in _TAGS:
            raise _Refused(f"{where} has an unknown tag {str(tag)[:40]!r}")
        fields = {"__t__", "v", "dtype"} if tag == "scalar" else {"__t__", "v"}
        fields = {"__t__", "v", "dtype", "name"} if tag == "index" else fields
        fields = {"dict": {"__t__", "k", "v"}, "text": {"__t__", "v", "mask"}}.get(tag, fields)
        fields = {"est": {"__t__", "cls", "d"}, "passthrough": {"__t__", "d"}}.get(tag, fields)
        if tag == "model":
            fields = {"__t__"}
        if set(v) != fields:
            raise _Refused(f"{where}: a {tag!r} entry must have exactly {sorted(fields)}")
        return getattr(self, f"_{tag}")(v, where)

    def _float(self, v: dict, where: str) -> float:
        if v["v"] not in ("nan", "inf", "-inf"):
            raise _Refused(f"{where} is not a non-finite float")
        return float(v["v"])

    def _tuple(self, v: dict, where: str) -> tuple:
        if type(v["v"]) is not list:
            raise _Refused(f"{where} is not a list of items")
        return tuple(self.decode(x, f"{where}[{i}]") for i, x in enumerate(v["v"]))

    def _dict(self, v: dict, where: str) -> dict:
        keys, values = v["k"], v["v"]
        if type(keys) is not list or type(values) is not list or len(keys) != len(values):
            raise _Refused(f"{where} needs as many keys as values")
        if any(type(k) not in (str, int) for k in keys) or len(set(keys)) != len(keys):
            raise _Refused(f"{where} has keys that are not unique strings or integers")
        return {k: self.decode(x, f"{where}[{k!r}]") for k, x in zip(keys, values, strict=True)}

    def _slice(self, v: dict, where: str) -> slice:
        parts = v["v"]
        if type(parts) is not list or len(parts) != 3:
            raise _Refused(f"{where} is not a slice")
        if any(p is not None and type(p) is not int for p in parts):
            raise _Refused(f"{where} is a slice of non-integers")
        return slice(*parts)

    def _dtype(self, v: dict, where: str) -> np.dtype:
        return _pipeline_dtype(v["v"], where)

    def _sctype(self, v: dict, where: str) -> type:
        return _pipeline_dtype(v["v"], where, "biufc").type

    def _pytype(self, v: dict, where: str) -> type:
        if not isinstance(v["v"], str) or v["v"] not in _PYTYPES:
            raise _Refused(f"{where} names type {str(v['v'])[:40]!r}, not bool, int, float or str")
        return _PYTYPES[v["v"]]

    def _index(self, v: dict, where: str) -> Any:
        import pandas as pd

        dtype = v["dtype"]
        if dtype not in _INDEX_TEXT_DTYPES:
            dtype = _pipeline_dtype(dtype, where, "biuf")
        values = self.decode(v["v"], f"{where} values")
        name = self.decode(v["name"], f"{where}.name")
        if type(values) is not np.ndarray or values.ndim != 1:
            raise _Refused(f"{where}: an index needs a 1-D array of values")
        if name is not None and type(name) not in (str, int):
            raise _Refused(f"{where}: an index name must be a string or an integer")
        return pd.Index(values, dtype=dtype, name=name)

    def _scalar(self, v: dict, where: str) -> np.generic:
        dtype = _pipeline_dtype(v["dtype"], where, "biufcU")
        value = self.decode(v["v"], where)
        if type(value) not in (bool, int, float, str):
            raise _Refused(f"{where} is not a scalar")
        return np.array(value, dtype=dtype)[()]

    def _array(self, v: dict, where: str) -> np.ndarray:
        return self.member(v["v"], where)

    def _text(self, v: dict, where: str) -> np.ndarray:
        texts, mask = self.member(v["v"], where), self.member(v["mask"], where)
        if texts.dtype.kind != "U" or mask.dtype != np.uint8 or texts.shape != mask.shape:
            raise _Refused(f"{where}: a text array needs text and a uint8 mask of one shape")
        if mask.size and mask.max() > _TEXT_MAX:
            raise _Refused(f"{where}: its mask holds codes other than 0 to {_TEXT_MAX}")
        out = np.empty(texts.shape, dtype=object)
        flat = out.reshape(-1)  # a view: out is new and contiguous
        pairs = zip(texts.reshape(-1).tolist(), mask.reshape(-1).tolist(), strict=True)
        for i, (t, m) in enumerate(pairs):
            flat[i] = _text_value(t, m, f"{where}[{i}]")
        return out

    def _attrs(self, cls: type, d: Any, where: str) -> dict[str, Any]:
        if type(d) is not dict:
            raise _Refused(f"{where} has no attribute mapping")
        for key in d:
            static = inspect.getattr_static(cls, key, None)
            if (
                not key.isidentifier()
                or key.startswith("__")
                or callable(static)
                or hasattr(type(static), "__get__")  # a property or other descriptor
            ):
                raise _Refused(f"{where}: {key[:40]!r} is not a fitted attribute of {cls.__name__}")
        attrs = {k: self.decode(x, f"{where}.{k}") for k, x in d.items()}
        config = attrs.get("_sklearn_output_config", {})
        if (
            type(config) is not dict
            or not set(config) <= {"transform"}
            or not all(v in ("default", "pandas") for v in config.values())
        ):  # anything else (polars) would import another library at transform time
            raise _Refused(f"{where}: output config {str(config)[:60]} is not default or pandas")
        for key in ("n_jobs", "verbose"):
            if attrs.get(key) is not None and type(attrs[key]) not in (bool, int):
                raise _Refused(f"{where}.{key} must be an integer")
        return attrs

    def _est(self, v: dict, where: str) -> Any:
        cls = _step_class(v["cls"])
        if cls is None:
            raise _Refused(
                f"{where} names {str(v['cls'])[:100]}, which is not an allowed pipeline step "
                f"(allowed: {', '.join(PIPELINE_STEPS)}, linml.tabular.{{Coerce, DateParts}})"
            )
        obj = cls.__new__(cls)
        obj.__dict__.update(self._attrs(cls, v["d"], where))
        return obj

    def _passthrough(self, v: dict, where: str) -> Any:
        from sklearn.preprocessing import FunctionTransformer

        attrs = self._attrs(FunctionTransformer, v["d"], where)
        if not _is_identity(attrs):
            raise _Refused(f"{where} is not the identity a 'passthrough' column set becomes")
        obj = FunctionTransformer.__new__(FunctionTransformer)
        obj.__dict__.update(attrs)
        return obj

    def _model(self, v: dict, where: str) -> Any:
        self.models += 1
        return self.model


def _walk(obj: Any, seen: set[int] | None = None) -> Iterator[Any]:
    """Every estimator object inside ``obj`` (itself included), through lists/tuples/dicts."""
    seen = set() if seen is None else seen
    stack = [obj]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif hasattr(item, "__dict__") and not isinstance(item, type):
            yield item
            stack.extend(vars(item).values())


def _save_pipeline(pipeline: Any, path: str | os.PathLike[str]) -> None:
    import sklearn
    from sklearn.pipeline import Pipeline

    from linml import __version__

    steps = getattr(pipeline, "steps", None)
    if type(pipeline) is not Pipeline or not isinstance(steps, list) or not steps:
        raise LinmlInputError("save(): the pipeline has no steps.")
    model = steps[-1][1]
    mcls = type(model)
    if not mcls.__module__.startswith("linml.") or not hasattr(model, "_get_state"):
        raise LinmlInputError(
            f"save(): the pipeline's last step {steps[-1][0]!r} is "
            f"{mcls.__module__}.{mcls.__qualname__}; it must be a linml estimator."
        )
    writer = _PipelineWriter(model)
    try:
        tree = writer.encode_object(pipeline, "sklearn.pipeline.Pipeline", "Pipeline")
    except _Refused as e:
        raise LinmlInputError(f"cannot save the pipeline: {e}.") from None
    arrays, state_meta = model._get_state()
    for key in arrays:
        if not _STATE_NAME_RE.match(key) or arrays[key].dtype == object:
            raise TypeError(f"state array {key!r} cannot be saved safely.")
    meta = {
        "format_version": _PIPELINE_FORMAT_VERSION,
        "kind": "pipeline",
        "linml_version": __version__,
        "sklearn_version": sklearn.__version__,
        "pipeline": tree,
        "estimator": {
            "module": mcls.__module__,
            "class": mcls.__name__,
            "params": _jsonable(model.get_params(deep=False)),
            "state": _jsonable(state_meta),
        },
    }
    payload = {**writer.arrays, **{_MODEL_PREFIX + k: v for k, v in arrays.items()}}
    payload[_META_KEY] = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
    _write_npz(payload, path)


def _write_npz(payload: dict[str, np.ndarray], path: str | os.PathLike[str]) -> None:
    buffer = _io.BytesIO()
    np.savez_compressed(buffer, **payload)
    with atomic_write(path) as handle:
        handle.write(buffer.getvalue())


def _probe_pipeline(pipeline: Any, model: Any) -> str | None:
    """Why the restored preprocessing does not feed its estimator (None when it does)."""
    import pandas as pd

    prep = pipeline[:-1]
    n_out = getattr(model, "n_features_in_", None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            names = prep.get_feature_names_out() if hasattr(prep, "get_feature_names_out") else None
        except Exception as e:  # any failure here means damaged state
            return f"get_feature_names_out() fails ({type(e).__name__}: {str(e)[:200]})"
        if names is not None and isinstance(n_out, int) and len(names) != n_out:
            return f"the preprocessing gives {len(names)} columns but the estimator takes {n_out}"
        # One all-missing row, where every step accepts it (an imputer or encoder that
        # ignores unknowns): the columns it gives must be the ones the estimator takes.
        first = pipeline.steps[0][1]
        n_in = getattr(first, "n_features_in_", None)
        if not isinstance(n_in, int) or n_in < 1 or not _takes_missing(prep):
            return None
        columns = getattr(first, "feature_names_in_", None)
        row: Any = np.full((1, n_in), np.nan)
        if columns is not None:
            row = pd.DataFrame(row.astype(object), columns=list(columns))
        try:
            width = np.shape(prep.transform(row))
        except Exception as e:  # any failure here means damaged state
            return f"it fails on an all-missing row ({type(e).__name__}: {str(e)[:200]})"
    if len(width) != 2 or width[0] != 1 or (isinstance(n_out, int) and width[1] != n_out):
        return f"the preprocessing gives shape {width} but the estimator takes {n_out} columns"
    return None


def _takes_missing(prep: Any) -> bool:
    from sklearn.impute import MissingIndicator
    from sklearn.preprocessing import OneHotEncoder

    for obj in _walk(prep):
        if not hasattr(obj, "n_features_in_"):  # an unfitted template (ColumnTransformer's)
            continue
        if isinstance(obj, OneHotEncoder) and getattr(obj, "handle_unknown", "") == "error":
            return False
        if isinstance(obj, MissingIndicator) and getattr(obj, "error_on_new", False):
            features = getattr(obj, "features_", None)
            if features is None or len(features) != getattr(obj, "n_features_in_", -1):
                return False
    return True


def _load_pipeline(meta: dict[str, Any], npz: NpzReader) -> Any:
    """The pipeline a pipeline file holds; ``npz`` is still open."""
    import sklearn
    from sklearn.pipeline import Pipeline

    for key in ("pipeline", "estimator"):
        if key not in meta:
            raise npz.error(f"its pipeline metadata is incomplete (no {key!r}).")
    for key in npz.keys:
        if key != _META_KEY and not _PIPELINE_ARRAY_RE.match(key):
            if not (key.startswith(_MODEL_PREFIX) and _STATE_NAME_RE.match(key[3:])):
                raise npz.error(f"not a linml pipeline: it holds an unknown member {key!r}.")
    model_keys = [k for k in npz.keys if k.startswith(_MODEL_PREFIX)]
    cls, params, state = _check_metadata(meta["estimator"], npz, [k[3:] for k in model_keys])
    arrays = {k[3:]: npz.array(k) for k in model_keys}
    model = _restore_estimator(cls, params, state, arrays, npz)
    saved = meta.get("sklearn_version")
    if saved != sklearn.__version__:
        warnings.warn(
            f"{str(npz.path)!r} was saved with scikit-learn {str(saved)[:40]} and is loaded with "
            f"{sklearn.__version__}; refit it if its predictions look wrong.",
            UserWarning,
            stacklevel=3,
        )
    reader = _PipelineReader(
        {k: npz.array(k) for k in npz.keys if _PIPELINE_ARRAY_RE.match(k)}, model
    )
    try:
        pipeline = reader.decode(meta["pipeline"], "pipeline")
        if type(pipeline) is not Pipeline:
            raise _Refused("pipeline is not a sklearn.pipeline.Pipeline")
        steps = getattr(pipeline, "steps", None)
        if (
            not isinstance(steps, list)
            or not steps
            or not all(isinstance(s, tuple) and len(s) == 2 and type(s[0]) is str for s in steps)
        ):
            raise _Refused("pipeline.steps is not a list of (name, step) pairs")
        if reader.models != 1 or steps[-1][1] is not model:
            raise _Refused("the linml estimator must appear once, as the pipeline's last step")
        unused = sorted(set(reader.arrays) - reader.used)
        if unused:
            raise _Refused(f"array member {unused[0]!r} is not used")
    except (_Refused, RecursionError, *_STATE_ERRORS) as e:
        raise npz.error(f"its pipeline metadata is malformed: {str(e)[:300]}.") from None
    reason = _probe_pipeline(pipeline, model)
    if reason is not None:
        raise npz.error(f"the pipeline does not fit together: {reason}.")
    return pipeline


# ---------------------------------------------------------------------------- load
_STATE_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# Arrays that are histories or diagnostics may legitimately hold inf/NaN (a diverged fold).
_DIAGNOSTIC_SUFFIXES = ("_path_", "_trace_", "_curve_", "cv_values_", "cv_scores_")
# Arrays whose last axis is the input features, by the names linml's estimators use.
_FEATURE_LAST = (
    "coef_",
    "components_",
    "mean_",
    "xbar_",
    "means_",
    "scale_",
    "var_",
    "support_vectors_",
    "fit_X_",
    "X_fit_",
    "scatter_",
    "whitening_matrix_",
)
# Arrays that index one set of rows: present members of a group share their first axis.
_SAME_ROWS = (
    ("fit_X_", "fit_y_", "y_codes_"),
    ("support_", "support_vectors_"),
    ("X_fit_", "eigenvectors_", "K_fit_rows_"),
    ("embedding_", "labels_", "affinity_matrix_"),
    ("classes_", "priors_", "means_"),
    ("components_", "singular_values_", "explained_variance_", "explained_variance_ratio_"),
    ("user_ids_", "user_offset_", "user_factors_", "user_bias_"),
    ("item_ids_", "item_offset_", "item_factors_", "item_bias_"),
    ("seen_indices_", "seen_values_"),
)
_SIZES = ("n_features_in_", "n_users_", "n_items_", "n_components_", "n_outputs_", "n_layers_")
_LAYER_RE = re.compile(r"^(coef|intercept)_(\d+)$")
# Estimator methods a loaded model is probed with, on a zero input, in this order.
_PROBES = ("predict", "transform", "decision_function")
# Errors a model's own constructor / _set_state / probe raise on state that does not fit.
_STATE_ERRORS = (
    TypeError,
    ValueError,
    KeyError,
    IndexError,
    AttributeError,
    ZeroDivisionError,
    OverflowError,
    FloatingPointError,
)


def _allowed_class(module_name: Any, class_name: Any) -> type | None:
    """The estimator class a file names, if linml's allow-list permits it; else None.

    Only ``linml.<model package>`` is imported (never the module the file names), and the
    class must be exported by that package, defined in ``module_name`` and be a
    :class:`~linml._base.LinmlEstimator`.
    """
    from linml._base import LinmlEstimator

    if not isinstance(module_name, str) or not isinstance(class_name, str):
        return None
    match = _MODULE_RE.match(module_name)
    if match is None or not class_name.isidentifier():
        return None
    package = importlib.import_module(f"linml.{match.group(1)}")
    if class_name not in getattr(package, "__all__", ()):
        return None
    cls = getattr(package, class_name, None)
    if not (
        isinstance(cls, type) and issubclass(cls, LinmlEstimator) and cls.__module__ == module_name
    ):
        return None
    return cls


def _check_version(meta: dict[str, Any], npz: NpzReader, newest: int) -> None:
    version = meta.get("format_version", 0)
    if isinstance(version, bool) or not isinstance(version, int):
        raise npz.error(f"format version {str(version)[:40]!r} is not an integer.")
    if version > newest:
        raise LinmlInputError(
            f"{str(npz.path)!r} has format version {version}, newer than this linml "
            f"reads ({newest}); upgrade linml."
        )


def _check_metadata(
    meta: Any, npz: NpzReader, array_keys: Iterable[str] | None = None
) -> tuple[type, dict[str, Any], dict[str, Any]]:
    """Class, params and (decoded) non-array state from the metadata; no array is read yet."""
    if not isinstance(meta, dict) or {"module", "class", "params", "state"} - set(meta):
        raise npz.error("its metadata is incomplete or corrupted.")
    if array_keys is None:
        _check_version(meta, npz, FORMAT_VERSION)
        array_keys = [k for k in npz.keys if k != _META_KEY]
    array_keys = list(array_keys)
    module_name, class_name = meta["module"], meta["class"]
    cls = _allowed_class(module_name, class_name)
    if cls is None:
        raise npz.error(
            f"it names {str(module_name)[:100]}.{str(class_name)[:100]}, which is not a linml "
            "estimator class (only estimators exported by linml."
            f"{{{','.join(MODEL_PACKAGES)}}} load)."
        )
    name = cls.__name__
    params, state = meta["params"], meta["state"]
    for label, value in (("params", params), ("state", state)):
        if not isinstance(value, dict):
            raise npz.error(f"its metadata {label} is {type(value).__name__}, not a mapping.")
    unknown = sorted(set(params) - set(cls._get_param_names()))
    if unknown:
        raise npz.error(
            f"state does not fit {name}: {unknown[0]!r} is not a parameter of {name} "
            f"(it takes {', '.join(cls._get_param_names()) or 'none'})."
        )
    both = sorted(set(state) & set(array_keys))
    if both:
        raise npz.error(f"state does not fit {name}: {both[0]!r} is both an array and metadata.")
    for key in [*state, *array_keys]:
        if not _STATE_NAME_RE.match(key) or hasattr(cls, key):
            raise npz.error(f"state does not fit {name}: {key!r} is not a fitted attribute name.")
    try:
        return cls, _from_jsonable(params), _from_jsonable(state)
    except _STATE_ERRORS as e:
        raise npz.error(f"state does not fit {name} ({e}).") from e


def _rows(value: Any) -> int | None:
    return value.shape[0] if isinstance(value, np.ndarray) and value.ndim >= 1 else None


def _check_csr(values: dict[str, Any], prefix: str, n_rows: Any, n_cols: Any) -> str | None:
    """Why a CSR triplet ``<prefix>indptr_/indices_`` is unusable (None if it is sound)."""
    indptr, indices = values.get(f"{prefix}indptr_"), values.get(f"{prefix}indices_")
    if indptr is None and indices is None:
        return None
    for key, v in ((f"{prefix}indptr_", indptr), (f"{prefix}indices_", indices)):
        if not isinstance(v, np.ndarray) or v.ndim != 1 or v.dtype.kind not in "iu":
            return f"{key} must be a 1-D integer array"
    if not isinstance(n_rows, int) or not isinstance(n_cols, int):
        return f"the shape of {prefix}matrix is not declared"
    if indptr.shape != (n_rows + 1,) or indptr[0] != 0 or indptr[-1] != indices.shape[0]:
        return f"{prefix}indptr_ must run from 0 to {indices.shape[0]} over {n_rows + 1} entries"
    if np.any(np.diff(indptr) < 0):
        return f"{prefix}indptr_ must be non-decreasing"
    if indices.size and (indices.min() < 0 or indices.max() >= n_cols):
        return f"{prefix}indices_ must lie in [0, {n_cols})"
    return None


def _check_layers(values: dict[str, Any], n_features: Any) -> str | None:
    """Why ``coef_<i>/intercept_<i>`` do not chain into a network (None if they do)."""
    layers: dict[str, dict[int, Any]] = {"coef": {}, "intercept": {}}
    for key, v in values.items():
        match = _LAYER_RE.match(key)
        if match:
            layers[match.group(1)][int(match.group(2))] = v
    if not layers["coef"] and not layers["intercept"]:
        return None
    n = len(layers["coef"])
    if n == 0 or set(layers["coef"]) != set(range(n)) or set(layers["intercept"]) != set(range(n)):
        return (
            f"weights coef_0..coef_{n - 1} and intercept_0..intercept_{n - 1} must all be present"
        )
    fan_in = n_features
    for i in range(n):
        W, b = layers["coef"][i], layers["intercept"][i]
        if not (isinstance(W, np.ndarray) and W.ndim == 2 and isinstance(b, np.ndarray)):
            return f"coef_{i} must be a matrix and intercept_{i} a vector"
        if fan_in is not None and W.shape[1] != fan_in:
            return f"coef_{i} has {W.shape[1]} inputs but the layer below gives {fan_in}"
        if b.shape != (W.shape[0],):
            return f"intercept_{i} has shape {b.shape} but coef_{i} has {W.shape[0]} outputs"
        fan_in = W.shape[0]
    return None


def _check_state(values: dict[str, Any]) -> str | None:
    """Why restored state cannot be a fitted model, judged from the attributes' names."""
    for key, v in values.items():
        if (
            isinstance(v, np.ndarray)
            and v.dtype.kind in "fc"
            and not key.endswith(_DIAGNOSTIC_SUFFIXES)
        ):
            if not np.isfinite(v).all():
                return f"{key} holds NaN or infinity"
    for key in _SIZES:
        v = values.get(key)
        if key in values and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
            return f"{key}={v!r} must be a non-negative integer"
    n_features = values.get("n_features_in_")
    if n_features is not None:
        for key in _FEATURE_LAST:
            if values.get(key) is not None:  # None: not computed (PCA's scatter_)
                v = values[key]
                if not isinstance(v, np.ndarray) or v.dtype.kind not in "biufc" or v.ndim < 1:
                    return f"{key} must be a numeric array"
                if v.shape[-1] != n_features:
                    return f"{key} has shape {v.shape} but n_features_in_={n_features}"
        names = values.get("feature_names_in_")
        if isinstance(names, dict):  # an object array in the metadata (``_get_state``)
            names = names.get("__object_array__")
        try:
            shape = None if names is None else np.shape(names)
        except ValueError:  # a ragged list
            shape = ("ragged",)
        if shape is not None and shape != (n_features,):
            return f"feature_names_in_ has shape {shape} but n_features_in_={n_features}"
    for group in _SAME_ROWS:
        present = [k for k in group if k in values and values[k] is not None]
        rows = {k: _rows(values[k]) for k in present}
        if len(set(rows.values())) > 1:
            return "lengths disagree: " + ", ".join(f"{k} has {r}" for k, r in rows.items())
    for prefix, size in (("user_", "n_users_"), ("item_", "n_items_")):
        if size in values:
            for key in (f"{prefix}ids_", f"{prefix}factors_", f"{prefix}bias_"):
                if key in values and _rows(values[key]) != values[size]:
                    return f"{key} has {_rows(values[key])} rows but {size}={values[size]}"
    uf, itf = values.get("user_factors_"), values.get("item_factors_")
    if isinstance(uf, np.ndarray) and isinstance(itf, np.ndarray):
        if uf.ndim != 2 or itf.ndim != 2 or uf.shape[1] != itf.shape[1]:
            return f"user_factors_ {uf.shape} and item_factors_ {itf.shape} must share a rank"
    codes, classes = values.get("y_codes_"), values.get("classes_")
    if isinstance(codes, np.ndarray) and isinstance(classes, np.ndarray) and codes.size:
        if codes.dtype.kind not in "iu" or codes.min() < 0 or codes.max() >= len(classes):
            return f"y_codes_ must index classes_ (0..{len(classes) - 1})"
    dual, sv = values.get("dual_coef_"), values.get("support_vectors_")
    if isinstance(dual, np.ndarray) and isinstance(sv, np.ndarray):
        if dual.ndim != 2 or dual.shape[1] != sv.shape[0]:
            return (
                f"dual_coef_ {dual.shape} must have one column per support vector ({sv.shape[0]})"
            )
    shape = values.get("affinity_shape_")
    n_rows, n_cols = shape if isinstance(shape, list) and len(shape) == 2 else (None, None)
    return (
        _check_csr(values, "seen_", values.get("n_users_"), values.get("n_items_"))
        or _check_csr(values, "affinity_", n_rows, n_cols)
        or _check_layers(values, n_features)
    )


def _probe(model: Any) -> None:
    """Run the loaded model once on zeros: state that does not fit fails here, not later."""
    n_features = getattr(model, "n_features_in_", None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if isinstance(n_features, int) and n_features >= 1:
            method = next((getattr(model, m) for m in _PROBES if hasattr(model, m)), None)
            if method is None:
                return
            out = np.asarray(method(np.zeros((2, n_features))))
            label = f"{method.__name__}() on a zero input"
        elif hasattr(model, "recommend") and getattr(model, "n_users_", 0):
            out = np.asarray(model.recommend(model.user_ids_[0], n=1, exclude_seen=False)[1])
            out = np.broadcast_to(out, (2,))
            label = "recommend() for the first user"
        else:
            return
    if out.shape[:1] != (2,):
        raise LinmlInputError(f"{label} gives shape {out.shape}")
    if out.dtype.kind in "fc" and not np.isfinite(out).all():
        raise LinmlInputError(f"{label} is not finite")


def load(
    path: str | os.PathLike[str],
    *,
    max_load_mb: float = DEFAULT_MAX_LOAD_MB,
    max_compression_ratio: float = DEFAULT_MAX_COMPRESSION_RATIO,
) -> Any:
    """Load an estimator saved by :func:`save`; never unpickles, never runs file contents.

    Parameters
    ----------
    path : str or PathLike
    max_load_mb : float, default=DEFAULT_MAX_LOAD_MB (1024)
        Refuse a file whose arrays would take more memory than this once loaded.
    max_compression_ratio : float, default=DEFAULT_MAX_COMPRESSION_RATIO (100)
        Refuse a member over 1 MiB that inflates more than this (a decompression bomb).

    Raises
    ------
    LinmlInputError
        If the file is missing, damaged, not written by linml, of a newer format, over the
        limits, names a class outside linml's model packages (:data:`MODEL_PACKAGES`), or
        holds state that does not fit its class (wrong shapes, NaN, missing arrays).
    """
    with open_npz(
        path,
        what="linml model",
        allowed=lambda key: key == _META_KEY or bool(_STATE_NAME_RE.match(key)),
        json_keys=(_META_KEY,),
        max_load_mb=max_load_mb,
        max_compression_ratio=max_compression_ratio,
    ) as npz:
        if _META_KEY not in npz.keys:
            raise npz.error(f"it is an NPZ file but not a linml model (no {_META_KEY} entry).")
        meta = npz.json(_META_KEY)
        if isinstance(meta, dict) and meta.get("kind") == "pipeline":
            _check_version(meta, npz, _PIPELINE_FORMAT_VERSION)
            return _load_pipeline(meta, npz)
        cls, params, state = _check_metadata(meta, npz)
        arrays = {key: npz.array(key) for key in npz.keys if key != _META_KEY}
    return _restore_estimator(cls, params, state, arrays, npz)


def _restore_estimator(
    cls: type, params: dict[str, Any], state: dict[str, Any], arrays: dict[str, Any], npz: NpzReader
) -> Any:
    """The estimator ``cls`` with this state, validated and probed once."""
    name = cls.__name__
    reason = _check_state({**state, **arrays})
    if reason is not None:
        raise npz.error(f"state does not fit {name}: {reason}.")
    try:
        model = cls(**params)
        model._check_params()
        model._set_state(arrays, state)
        _probe(model)
    except _STATE_ERRORS as e:  # LinmlInputError is a ValueError
        raise npz.error(f"state does not fit {name} ({type(e).__name__}: {e}).") from e
    return model
