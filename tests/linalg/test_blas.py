"""Tests for linml.linalg._blas: one BLAS thread for small GEMMs, no limit for large ones."""

from __future__ import annotations

from threadpoolctl import threadpool_info

from linml.linalg._blas import SMALL_GEMM_FLOPS, gemm_thread_limit


def _blas_threads() -> list[int]:
    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


def test_small_gemms_run_on_one_thread_then_the_setting_comes_back():
    """Below the threshold BLAS runs one thread inside the block; leaving it restores it."""
    before = _blas_threads()
    with gemm_thread_limit(SMALL_GEMM_FLOPS / 2):
        assert all(n == 1 for n in _blas_threads())
    assert _blas_threads() == before


def test_large_gemms_keep_the_thread_setting():
    """At or above the threshold nothing is limited."""
    before = _blas_threads()
    with gemm_thread_limit(SMALL_GEMM_FLOPS):
        assert _blas_threads() == before
