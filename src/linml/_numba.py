"""Launching numba ``parallel=True`` kernels safely from several Python threads.

numba fixes its threading layer at the first parallel launch in the process: ``tbb`` if
TBB is installed, else ``omp`` (libgomp / Intel OpenMP), else its built-in ``workqueue``
(or whatever ``NUMBA_THREADING_LAYER`` names). ``tbb`` and ``omp`` accept launches from
many Python threads at once; ``workqueue`` does not — a second concurrent launch aborts the
whole process ("Concurrent access has been detected", SIGABRT, exit 134), which is what a
web server or a thread pool calling ``EmbeddingIndex.search`` hit.

Choosing the layer ourselves would not help where only ``workqueue`` exists, and would
override a user's ``NUMBA_THREADING_LAYER``. Instead every parallel kernel is launched
through :func:`launch`: until the layer is known, and for good if it turns out not to be
thread-safe, launches take one process-wide lock (the kernels still use every core each;
only launches from different Python threads queue). With ``tbb``/``omp`` the lock is
skipped after the first launch, so the common case costs one attribute read.
"""

from __future__ import annotations

import threading
from typing import Any

import numba

__all__ = ["launch", "threading_layer_is_thread_safe"]

_THREAD_SAFE_LAYERS = frozenset({"tbb", "omp"})
_launch_lock = threading.Lock()
_layer_thread_safe: bool | None = None  # None: no parallel launch in this process yet


def threading_layer_is_thread_safe() -> bool | None:
    """Whether numba's active threading layer accepts concurrent launches (None: not chosen yet)."""
    try:
        return numba.threading_layer() in _THREAD_SAFE_LAYERS
    except ValueError:  # raised until some parallel kernel has run
        return None


def launch(kernel: Any, *args: Any) -> Any:
    """``kernel(*args)`` for a numba ``parallel=True`` kernel, serialized across Python threads
    while the threading layer is unknown or not thread-safe (``workqueue``)."""
    global _layer_thread_safe
    if _layer_thread_safe:
        return kernel(*args)
    with _launch_lock:
        result = kernel(*args)
        _layer_thread_safe = threading_layer_is_thread_safe()
    return result
