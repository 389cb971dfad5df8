"""numba parallel kernels called from many Python threads (issue 17, item 2).

Under numba's ``workqueue`` threading layer (what numba uses where neither TBB nor an
OpenMP runtime is installed) two concurrent parallel launches abort the process
("Concurrent access has been detected", exit 134). ``EmbeddingIndex.search`` from 8
threads did exactly that; launches now go through :func:`linml._numba.launch`, which
serializes them unless the layer is thread-safe.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from linml import _numba

_SEARCH_FROM_THREADS = """
import threading
import numba
import numpy as np
from linml.neighbors import EmbeddingIndex

rng = np.random.default_rng(0)
index = EmbeddingIndex().add(rng.normal(size=(2000, 16)))
Q = rng.normal(size=(64, 16))
expected = index.search(Q, k=5).indices
wrong = []

def work():
    for _ in range(20):
        if not np.array_equal(index.search(Q, k=5).indices, expected):
            wrong.append(1)

threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
try:  # the exact scan runs nogil kernels on Python threads: maybe no parallel launch at all
    layer = numba.threading_layer()
except ValueError:
    layer = None
assert layer in (None, "workqueue"), layer
assert not wrong, f"{len(wrong)} searches returned wrong neighbours"
print("ok")
"""


def _run_under_workqueue(script: str) -> None:
    """Run ``script`` in a fresh interpreter under the workqueue layer; it must print "ok"."""
    env = {**os.environ, "NUMBA_THREADING_LAYER": "workqueue"}
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "ok"


def test_search_from_8_threads_under_workqueue():
    """Issue 17.2: 8 threads searching at once under workqueue finish, correct, exit 0."""
    _run_under_workqueue(_SEARCH_FROM_THREADS)


_ALS_FROM_THREADS = """
import threading
import numba
import numpy as np
from linml.recommend import ALS, ImplicitALS

rng = np.random.default_rng(0)
cells = rng.choice(60 * 40, 600, replace=False)  # distinct (user, item) pairs
users, items = cells // 40, cells % 40
ratings = rng.integers(1, 6, 600).astype(float)
ref = ALS(rank=4, n_iter=3, random_state=0).fit((users, items, ratings)).predict(users, items)
errors = []

def work(cls):
    try:
        for _ in range(3):
            kw = {"rank": 4}
            m = cls(**kw, n_iter=3, random_state=0).fit((users, items, ratings))
            if cls is ALS and not np.allclose(m.predict(users, items), ref, rtol=1e-10):
                errors.append("different result")
    except Exception as e:  # noqa: BLE001 - reported below
        errors.append(repr(e))

threads = [threading.Thread(target=work, args=(c,)) for c in (ALS, ImplicitALS) * 4]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert numba.threading_layer() == "workqueue", numba.threading_layer()
assert not errors, errors[:3]
print("ok")
"""


def test_als_fits_from_8_threads_under_workqueue():
    """Issue 17.2: the recommenders' parallel kernels go through launch too."""
    _run_under_workqueue(_ALS_FROM_THREADS)


def test_launch_returns_the_kernel_result_and_learns_the_layer():
    """After one launch the layer is known; launch passes arguments and results through."""
    from linml.neighbors._kernels import topk_merge

    S = np.array([[3.0, 1.0, 2.0]])
    top_val = np.full((1, 2), -np.inf)
    top_idx = np.full((1, 2), -1, dtype=np.int64)
    assert _numba.launch(topk_merge, S, np.zeros(3), 0, top_val, top_idx) is None
    np.testing.assert_array_equal(top_idx, [[0, 2]])
    assert isinstance(_numba.threading_layer_is_thread_safe(), bool)


@pytest.mark.parametrize("layer, safe", [("tbb", True), ("omp", True), ("workqueue", False)])
def test_thread_safety_by_layer(monkeypatch, layer, safe):
    monkeypatch.setattr(_numba.numba, "threading_layer", lambda: layer)
    assert _numba.threading_layer_is_thread_safe() is safe
