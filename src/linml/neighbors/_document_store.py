"""Documents as one UTF-8 byte buffer plus offsets, read lazily from a saved index.

A fixed-width unicode array (``np.array(documents, dtype=str)``) pads every document to the
longest one at 4 bytes a character: 7,951 paragraphs with one line of 137,664 characters take
``7,951 × 137,664 × 4 B = 4.4 GB``. Here document ``i`` is
``data[offsets[i]:offsets[i + 1]].decode("utf-8")``, with ``data`` the concatenated UTF-8 bytes
(uint8, as long as the text) and ``offsets`` int64 of length ``n + 1`` (``offsets[0] = 0``,
``offsets[n] = len(data)``): the store is the size of the text, plus 8 bytes a document.

Lazy reading from a saved index. ``np.savez`` stores members uncompressed (``ZIP_STORED``),
so the bytes of ``document_bytes.npy`` sit contiguously in the file at a fixed position: the
zip local header's end plus the ``.npy`` header. :func:`open_stored_member` finds that
position (checking the local header's name and the ``.npy`` header against what
:func:`linml.io.open_npz` validated) and :class:`DocumentStore` then reads one document's
slice with ``os.pread`` when it is asked for. Why not ``np.memmap``: a mapped file that is
truncated in place (``cp new.npz index.npz``) kills the process with SIGBUS on the next
access, while a read returns short and becomes a :class:`~linml.exceptions.LinmlInputError`;
the open descriptor keeps reading the file that was loaded even after ``save`` atomically
replaces it. Why not a second file beside the index: one file is what users copy.
"""

from __future__ import annotations

import hashlib
import os
import threading
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np

from linml.exceptions import LinmlInputError

__all__ = ["DocumentStore", "StoredMember", "decode_all", "encode_texts", "open_stored_member"]

#: bytes read at a time when hashing a stored member
_CHUNK = 2**20
#: errors a damaged or foreign file raises while its members are located
_READ_ERRORS = (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile, zipfile.LargeZipFile)


def encode_texts(texts: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
    """``(data, offsets)``: the texts' UTF-8 bytes concatenated, and where each one starts.

    ``data`` is uint8 of length ``Σ len(utf8(t))``; ``offsets`` is int64 of length ``n + 1``
    with ``offsets[i + 1] − offsets[i] = len(utf8(texts[i]))``.

    >>> data, offsets = encode_texts(["ab", "é", ""])
    >>> data.tobytes(), offsets.tolist()
    (b'ab\\xc3\\xa9', [0, 2, 4, 4])
    """
    encoded = [t.encode("utf-8") for t in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    # one buffer, built once: join, then view as uint8 (no second copy of the corpus)
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    return data, offsets


def check_offsets(offsets: np.ndarray, n_bytes: int) -> str | None:
    """Why ``offsets`` do not cut ``n_bytes`` bytes into documents (None if they do)."""
    if offsets.ndim != 1 or len(offsets) < 1:
        return f"offsets of shape {offsets.shape}"
    if offsets[0] != 0 or offsets[-1] != n_bytes:
        return f"offsets run from {offsets[0]} to {offsets[-1]}, not 0 to {n_bytes}"
    if len(offsets) > 1 and (np.diff(offsets) < 0).any():
        return "offsets decrease"
    return None


def decode_all(data: np.ndarray, offsets: np.ndarray, what: str) -> np.ndarray:
    """Every text of an in-memory ``(data, offsets)`` pair, as an object array of ``str``.

    An object array (not ``dtype=str``), so a single long term does not pad every other one.
    """
    raw = data.tobytes()
    out = np.empty(len(offsets) - 1, dtype=object)
    try:
        for i in range(len(out)):
            out[i] = raw[offsets[i] : offsets[i + 1]].decode("utf-8")
    except UnicodeDecodeError as e:
        raise LinmlInputError(f"{what}[{i}] is not UTF-8 text ({e}).") from e
    return out


class StoredMember:
    """Where an uncompressed ``.npy`` member's data lies in its archive, and a reader for it."""

    def __init__(self, path: Path, start: int, n_bytes: int) -> None:
        self.path, self.start, self.n_bytes = path, start, n_bytes
        self._file = open(path, "rb")  # held open for lazy reads; closed by close() or GC
        st = os.fstat(self._file.fileno())
        self._stamp = (st.st_size, st.st_mtime_ns)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._file.close()

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # an open file does not pickle: a copy (multiprocessing, joblib) reopens the path and
        # refuses a file that is no longer the one that was loaded
        return _reopen, (self.path, self.start, self.n_bytes, self._stamp)

    def __del__(self) -> None:
        file = getattr(self, "_file", None)
        if file is not None:
            file.close()

    def read(self, begin: int, end: int) -> bytes:
        """Bytes ``[begin, end)`` of the member's data; a changed or cut file raises."""
        if self._file.closed:
            raise LinmlInputError(f"the index {str(self.path)!r} was closed; load it again.")
        st = os.fstat(self._file.fileno())
        if (st.st_size, st.st_mtime_ns) != self._stamp:
            raise LinmlInputError(
                f"the index {str(self.path)!r} was modified in place after it was loaded; "
                "load it again."
            )
        n = end - begin
        if hasattr(os, "pread"):
            parts, got = [], 0
            while got < n:  # one pread returns at most ~2 GiB on Linux
                part = os.pread(self._file.fileno(), n - got, self.start + begin + got)
                if not part:
                    break
                parts.append(part)
                got += len(part)
            raw = b"".join(parts) if len(parts) != 1 else parts[0]
        else:  # pragma: no cover - Windows: no pread; seek + read under a lock
            with self._lock:
                self._file.seek(self.start + begin)
                raw = self._file.read(n)
        if len(raw) != n:
            raise LinmlInputError(
                f"the index {str(self.path)!r} ends early (truncated after it was loaded?)."
            )
        return raw

    def sha256(self) -> str:
        """SHA-256 of the member's data, read in 1 MiB chunks (nothing kept)."""
        h = hashlib.sha256()
        for begin in range(0, self.n_bytes, _CHUNK):
            h.update(self.read(begin, min(begin + _CHUNK, self.n_bytes)))
        return h.hexdigest()


def _reopen(path: Path, start: int, n_bytes: int, stamp: tuple[int, int]) -> StoredMember:
    member = StoredMember(path, start, n_bytes)
    if member._stamp != stamp:
        member.close()
        raise LinmlInputError(
            f"the index {str(path)!r} changed since it was loaded; load it again."
        )
    return member


def open_stored_member(path: str | os.PathLike[str], key: str, dtype: np.dtype, shape: tuple):
    """The :class:`StoredMember` for ``key`` of an archive already checked by ``open_npz``.

    Returns None when the member is compressed (an archive recompressed by some tool): the
    caller then inflates it instead. Raises ``ValueError`` (or ``OSError`` …) when the local
    header or the ``.npy`` header disagrees with the validated ``dtype`` and ``shape``.
    """
    from numpy.lib import format as npy

    path = Path(path)
    name = f"{key}.npy"
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    if info.compress_type != zipfile.ZIP_STORED:
        return None
    with open(path, "rb") as fp:
        fp.seek(info.header_offset)
        local = fp.read(30)  # the zip local file header's fixed part (APPNOTE 4.3.7)
        if len(local) != 30 or local[:4] != b"PK\x03\x04":
            raise ValueError(f"member {name!r} has no local header")
        name_len = int.from_bytes(local[26:28], "little")
        extra_len = int.from_bytes(local[28:30], "little")
        if fp.read(name_len) != name.encode():
            raise ValueError(f"member {name!r}'s local header names another file")
        fp.seek(extra_len, os.SEEK_CUR)
        version = npy.read_magic(fp)
        if version == (1, 0):
            header = npy.read_array_header_1_0(fp)
        elif version == (2, 0):
            header = npy.read_array_header_2_0(fp)
        else:
            raise ValueError(f".npy format version {version} is not supported")
        if (tuple(header[0]), header[2]) != (tuple(shape), np.dtype(dtype)):
            raise ValueError(f"member {name!r}'s local .npy header disagrees with its directory")
        start = fp.tell()
    n_bytes = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
    if start + n_bytes > path.stat().st_size:
        raise ValueError(f"member {name!r} runs past the end of the file")
    return StoredMember(path, start, n_bytes)


class DocumentStore(Sequence[str]):
    """A read-only sequence of documents held as UTF-8 bytes plus int64 offsets.

    ``store[i]`` is ``data[offsets[i]:offsets[i + 1]].decode("utf-8")``; ``data`` is either
    in memory (a uint8 array) or a :class:`StoredMember` of a saved index, read one document
    at a time. It compares equal to any sequence of the same strings.

    Parameters
    ----------
    data : ndarray of uint8, shape (n_bytes,), or StoredMember
    offsets : ndarray of int64, shape (n + 1,)

    Examples
    --------
    >>> store = DocumentStore.from_texts(["naïve café", "🙂 ok"])
    >>> len(store), store[1], store.n_characters(0), store.n_bytes
    (2, '🙂 ok', 10, 19)
    >>> store == ["naïve café", "🙂 ok"]
    True
    """

    def __init__(self, data: np.ndarray | StoredMember, offsets: np.ndarray) -> None:
        self._data = data
        self._offsets = offsets

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> DocumentStore:
        """Encode ``texts`` (each a ``str``) into one buffer."""
        return cls(*encode_texts(texts))

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @property
    def offsets(self) -> np.ndarray:
        return self._offsets

    @property
    def n_bytes(self) -> int:
        """UTF-8 bytes of all documents together."""
        return int(self._offsets[-1])

    def raw(self, i: int) -> bytes:
        """Document ``i``'s UTF-8 bytes."""
        begin, end = int(self._offsets[i]), int(self._offsets[i + 1])
        if isinstance(self._data, StoredMember):
            return self._data.read(begin, end)
        return self._data[begin:end].tobytes()

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        i = int(i)
        if not -n <= i < n:
            raise IndexError(f"document {i} is out of range (0..{n - 1})")
        i %= n
        try:
            return self.raw(i).decode("utf-8")
        except UnicodeDecodeError as e:
            raise LinmlInputError(f"document {i} is not UTF-8 text (a damaged index?): {e}") from e

    def n_characters(self, i: int) -> int:
        """Characters of document ``i``: its bytes that do not continue a UTF-8 sequence."""
        raw = np.frombuffer(self.raw(i), dtype=np.uint8)
        return int(np.count_nonzero((raw & 0xC0) != 0x80))  # continuation bytes are 10xxxxxx

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(data, offsets)`` in memory (a stored one is read once, whole)."""
        if isinstance(self._data, StoredMember):
            data = np.frombuffer(self._data.read(0, self._data.n_bytes), dtype=np.uint8)
            return data, self._offsets
        return self._data, self._offsets

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]  # mutable-looking sequence: not hashable

    def __repr__(self) -> str:
        where = "file" if isinstance(self._data, StoredMember) else "memory"
        return f"DocumentStore({len(self)} documents, {self.n_bytes:,} bytes in {where})"
