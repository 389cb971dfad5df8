"""Shared fixtures and tolerances for the linml test suite."""

from __future__ import annotations

import os

import matplotlib
import numpy as np
import pytest
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")

# A CI profile: bounded examples, no deadline (numba compiles on first call).
settings.register_profile(
    "linml", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
# CI (.ci/run) draws the same examples every run, so a red build is reproducible and never
# a one-off draw; local runs keep exploring new examples.
settings.register_profile("ci", parent=settings.get_profile("linml"), derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "linml"))

# dtype-aware tolerances, declared once
RTOL = {np.float64: 1e-8, np.float32: 1e-4}


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _close_figures():
    """Tour chapters keep their figures until rendered; tests never render them all."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(scope="session")
def dask_client():
    """A real ``distributed.LocalCluster`` (2 worker processes, 1 thread each), started once per
    test process; the Dask tests that need a cluster take it, quick ones use
    ``dask.config.set(scheduler="synchronous")``. Skipped when the ``dask`` extra is absent."""
    pytest.importorskip("dask.array")
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs="ERROR",
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()
