"""Safe persistence: NPZ (``allow_pickle=False``) plus JSON metadata; never pickle.

A saved model is one ``.npz`` file holding the fitted arrays and a ``__linml__`` entry with
JSON metadata: format version, linml version, the estimator's class (restricted to classes
defined inside linml), its ``get_params()`` and its non-array fitted state. Loading imports
only ``linml.*`` modules and never executes code from the file.

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
import io as _io
import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from linml.exceptions import LinmlInputError

FORMAT_VERSION = 1
_META_KEY = "__linml__"

__all__ = ["FORMAT_VERSION", "atomic_write", "load", "save"]


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
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    # mkstemp creates 0600; give the result the permissions a plain open() would (0666 & ~umask)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


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


def _from_jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        if "__ndarray__" in value:
            return np.asarray(value["__ndarray__"], dtype=value["dtype"])
        if "__tuple__" in value:
            return tuple(_from_jsonable(v) for v in value["__tuple__"])
        return {k: _from_jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_jsonable(v) for v in value]
    return value


def save(model: Any, path: str | os.PathLike[str]) -> None:
    """Save a fitted linml estimator to ``path`` (an ``.npz`` file), atomically.

    Parameters
    ----------
    model : LinmlEstimator
        A fitted estimator defined in linml.
    path : str or PathLike
        Destination; written to a temporary file first and renamed.
    """
    from linml import __version__

    cls = type(model)
    if not cls.__module__.startswith("linml.") or not hasattr(model, "_get_state"):
        raise TypeError(
            f"save() stores linml estimators only; got {cls.__module__}.{cls.__name__}."
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
    buffer = _io.BytesIO()
    np.savez_compressed(buffer, **payload)
    with atomic_write(path) as handle:
        handle.write(buffer.getvalue())


def load(path: str | os.PathLike[str]) -> Any:
    """Load an estimator saved by :func:`save`; never unpickles, never runs file contents.

    Raises
    ------
    LinmlInputError
        If the file is missing, not an NPZ archive, not written by linml, of a newer
        format, or names a class outside linml.
    """
    path = Path(path)
    if not path.is_file():
        raise LinmlInputError(f"cannot load {str(path)!r}: no such file.")
    try:
        with np.load(path, allow_pickle=False) as npz:
            if _META_KEY not in npz.files:
                raise LinmlInputError(
                    f"{str(path)!r} is an NPZ file but not a linml model (no {_META_KEY} entry)."
                )
            meta = json.loads(npz[_META_KEY].tobytes().decode("utf-8"))
            arrays = {k: npz[k] for k in npz.files if k != _META_KEY}
    except LinmlInputError:
        raise
    # zlib.error: corrupted compressed bytes inside an otherwise well-formed archive
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, KeyError) as e:
        raise LinmlInputError(
            f"cannot load {str(path)!r}: not a readable linml model ({e})."
        ) from e
    if not isinstance(meta, dict) or {"module", "class", "params", "state"} - set(meta):
        raise LinmlInputError(
            f"cannot load {str(path)!r}: its metadata is incomplete or corrupted."
        )
    version = meta.get("format_version", 0)
    if isinstance(version, bool) or not isinstance(version, int):
        raise LinmlInputError(
            f"cannot load {str(path)!r}: format version {version!r} is not an integer."
        )
    if version > FORMAT_VERSION:
        raise LinmlInputError(
            f"{str(path)!r} has format version {meta['format_version']}, newer than this linml "
            f"reads ({FORMAT_VERSION}); upgrade linml."
        )
    module_name, class_name = str(meta["module"]), str(meta["class"])
    if not module_name.startswith("linml.") or not class_name.isidentifier():
        raise LinmlInputError(f"cannot load {str(path)!r}: it names a class outside linml.")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as e:
        raise LinmlInputError(
            f"cannot load {str(path)!r}: unknown linml class {module_name}.{class_name}."
        ) from e
    from sklearn.base import BaseEstimator

    if not (
        isinstance(cls, type) and issubclass(cls, BaseEstimator) and hasattr(cls, "_set_state")
    ):
        raise LinmlInputError(f"cannot load {str(path)!r}: {class_name} is not a linml estimator.")
    try:
        model = cls(**_from_jsonable(meta["params"]))
        model._set_state(arrays, _from_jsonable(meta["state"]))
    except (TypeError, ValueError, KeyError) as e:
        raise LinmlInputError(
            f"cannot load {str(path)!r}: state does not fit {class_name} ({e})."
        ) from e
    return model
