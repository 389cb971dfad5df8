"""PCA: oracle tests against scikit-learn, invariants, streaming, bad input, estimator checks."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA as SkPCA
from sklearn.utils.estimator_checks import parametrize_with_checks

from linml import LinmlInputError, NumericalWarning
from linml.decomposition import PCA
from linml.io import load, save

SOLVER_PAIRS = [
    ("svd", "full"),
    ("covariance_eigh", "covariance_eigh"),
    ("randomized", "randomized"),
]


def _low_rank_data(n=300, p=20, rank=5, noise=0.05, seed=0, dtype=np.float64):
    """Data with a clear spectral gap after ``rank`` components (randomized solvers converge)."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, rank)) * np.linspace(5, 1, rank)
    X = A @ rng.normal(size=(rank, p)) + noise * rng.normal(size=(n, p)) + 3.0
    return X.astype(dtype)


def _align(A, B):
    """Flip the rows of B to A's signs (eigenvectors are defined up to sign)."""
    signs = np.sign(np.sum(A * B, axis=1, keepdims=True))
    return B * signs


@parametrize_with_checks([PCA()])
def test_sklearn_api_checks(estimator, check):
    check(estimator)


# ---------------------------------------------------------------------------- oracles
@pytest.mark.parametrize(("solver", "sk_solver"), SOLVER_PAIRS)
def test_matches_sklearn_for_every_solver(solver, sk_solver):
    X = _low_rank_data()
    ours = PCA(n_components=5, solver=solver, random_state=0).fit(X)
    ref = SkPCA(n_components=5, svd_solver=sk_solver, random_state=0).fit(X)
    assert ours.solver_ == solver
    np.testing.assert_allclose(
        ours.components_, _align(ours.components_, ref.components_), atol=1e-6
    )
    np.testing.assert_allclose(ours.explained_variance_, ref.explained_variance_, rtol=1e-8)
    np.testing.assert_allclose(
        ours.explained_variance_ratio_, ref.explained_variance_ratio_, rtol=1e-8
    )
    np.testing.assert_allclose(ours.singular_values_, ref.singular_values_, rtol=1e-8)
    np.testing.assert_allclose(ours.noise_variance_, ref.noise_variance_, rtol=1e-8)
    Z, Z_ref = ours.transform(X), ref.transform(X)
    np.testing.assert_allclose(Z, Z_ref * np.sign(np.sum(Z * Z_ref, axis=0)), atol=1e-6)


def test_signs_match_sklearn_exactly_on_digits():
    """Both fix the largest-|.| entry of each component positive, so no alignment is needed."""
    X = load_digits().data
    ours, ref = PCA(8, solver="svd").fit(X), SkPCA(8, svd_solver="full").fit(X)
    np.testing.assert_allclose(ours.components_, ref.components_, atol=1e-10)


def test_fraction_picks_same_k_as_sklearn_on_digits():
    X = load_digits().data
    ours, ref = PCA(0.95).fit(X), SkPCA(0.95).fit(X)
    assert ours.n_components_ == ref.n_components_ == 29
    assert np.sum(ours.explained_variance_ratio_) > 0.95
    assert np.sum(ours.explained_variance_ratio_[:-1]) <= 0.95


@pytest.mark.parametrize("solver", ["svd", "covariance_eigh"])
def test_score_matches_sklearn(solver):
    X = _low_rank_data(noise=0.3)
    X_new = _low_rank_data(noise=0.3, seed=1)
    ours = PCA(3, solver=solver).fit(X)
    ref = SkPCA(3, svd_solver="full" if solver == "svd" else solver).fit(X)
    np.testing.assert_allclose(ours.score_samples(X_new), ref.score_samples(X_new), rtol=1e-9)
    np.testing.assert_allclose(ours.score(X_new), ref.score(X_new), rtol=1e-9)
    np.testing.assert_allclose(ours.get_covariance(), ref.get_covariance(), atol=1e-10)
    np.testing.assert_allclose(ours.get_precision(), ref.get_precision(), atol=1e-8)


def test_precision_is_inverse_of_covariance_without_inverting():
    pca = PCA(4).fit(_low_rank_data(noise=0.2))
    np.testing.assert_allclose(pca.get_covariance() @ pca.get_precision(), np.eye(20), atol=1e-9)


def test_score_with_all_components_is_full_gaussian_loglik():
    from scipy.stats import multivariate_normal

    X = np.random.default_rng(3).normal(size=(200, 3)) @ np.array(
        [[2, 0, 0], [1, 1, 0], [0, 0.5, 1]]
    )
    pca = PCA().fit(X)
    ref = multivariate_normal(X.mean(0), np.cov(X, rowvar=False)).logpdf(X)
    np.testing.assert_allclose(pca.score_samples(X), ref, rtol=1e-10)


def test_whiten_gives_unit_variance_scores_and_inverts():
    X = _low_rank_data()
    pca = PCA(5, whiten=True).fit(X)
    Z = pca.transform(X)
    np.testing.assert_allclose(np.var(Z, axis=0, ddof=1), np.ones(5), rtol=1e-8)
    ref = SkPCA(5, whiten=True).fit(X).transform(X)
    np.testing.assert_allclose(np.abs(Z), np.abs(ref), atol=1e-8)
    np.testing.assert_allclose(pca.inverse_transform(Z), pca.inverse_transform(pca.transform(X)))


def test_inverse_transform_with_all_components_reconstructs():
    X = _low_rank_data(p=6)
    pca = PCA().fit(X)
    np.testing.assert_allclose(pca.inverse_transform(pca.transform(X)), X, atol=1e-10)


@pytest.mark.parametrize(
    ("n", "p", "k", "expected"),
    [
        (1000, 10, 3, "covariance_eigh"),
        (100, 50, 3, "svd"),
        (300, 600, 10, "randomized"),
        (300, 600, 0.9, "svd"),
    ],
)
def test_auto_rule_by_shape(n, p, k, expected):
    X = np.random.default_rng(0).normal(size=(n, p))
    assert PCA(k, random_state=0).fit(X).solver_ == expected


@pytest.mark.parametrize("solver", ["svd", "covariance_eigh", "randomized"])
def test_float32_preserved(solver):
    X = _low_rank_data(dtype=np.float32)
    pca = PCA(5, solver=solver, random_state=0).fit(X)
    assert pca.components_.dtype == np.float32
    assert pca.transform(X).dtype == np.float32
    ref = PCA(5, solver=solver, random_state=0).fit(X.astype(np.float64))
    np.testing.assert_allclose(pca.explained_variance_, ref.explained_variance_, rtol=1e-3)


def test_huge_offset_does_not_cancel():
    """XᵀX − n μμᵀ would lose every digit at an offset of 1e8; the blocked path keeps them."""
    X = _low_rank_data()
    ref = PCA(5, solver="covariance_eigh").fit(X)
    shifted = PCA(5, solver="covariance_eigh").fit(X + 1e8)
    np.testing.assert_allclose(shifted.explained_variance_, ref.explained_variance_, rtol=1e-6)


# ---------------------------------------------------------------------------- properties
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(5, 40),
    p=st.integers(1, 8),
    solver=st.sampled_from(["svd", "covariance_eigh"]),
)
def test_components_orthonormal_and_variance_sums_to_total(seed, n, p, solver):
    X = np.random.default_rng(seed).normal(size=(n, p)) * np.arange(1, p + 1)
    pca = PCA(solver=solver).fit(X)
    V = pca.components_
    np.testing.assert_allclose(V @ V.T, np.eye(V.shape[0]), atol=1e-8)
    total = np.var(X, axis=0, ddof=1).sum()
    np.testing.assert_allclose(pca.explained_variance_.sum(), total, rtol=1e-8)
    np.testing.assert_allclose(pca.explained_variance_ratio_.sum(), 1.0, rtol=1e-8)


@given(seed=st.integers(0, 10_000), n_chunks=st.integers(1, 6), shift=st.floats(-1e3, 1e3))
def test_partial_fit_over_chunks_equals_fit(seed, n_chunks, shift):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(120, 6)) @ rng.normal(size=(6, 6)) + shift
    one_shot = PCA(4, solver="covariance_eigh").fit(X)
    streamed = PCA(4)
    for chunk in np.array_split(X, n_chunks):
        streamed.partial_fit(chunk)
    assert streamed.n_samples_seen_ == 120
    assert streamed.solver_ == "covariance_eigh"
    np.testing.assert_allclose(streamed.mean_, one_shot.mean_, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(
        streamed.explained_variance_, one_shot.explained_variance_, rtol=1e-8
    )
    np.testing.assert_allclose(
        streamed.components_, _align(streamed.components_, one_shot.components_), atol=1e-7
    )


def test_partial_fit_matches_sklearn_full_fit():
    X = load_digits().data
    streamed = PCA(10)
    for chunk in np.array_split(X, 7):
        streamed.partial_fit(chunk)
    ref = SkPCA(10, svd_solver="full").fit(X)
    np.testing.assert_allclose(streamed.explained_variance_, ref.explained_variance_, rtol=1e-8)


# ---------------------------------------------------------------------------- bad input
def test_too_many_components_message():
    X = np.random.default_rng(0).normal(size=(10, 4))
    with pytest.raises(
        LinmlInputError, match=r"n_components=7 must be <= min\(n_samples, n_features\)=4"
    ):
        PCA(7).fit(X)


@pytest.mark.parametrize("bad", [1.5, -0.2, 0.0])
def test_fraction_outside_unit_interval(bad):
    X = np.random.default_rng(0).normal(size=(10, 4))
    with pytest.raises(LinmlInputError, match=rf"n_components={bad}.*\(0, 1\]"):
        PCA(bad).fit(X)


def test_randomized_needs_integer_components():
    with pytest.raises(LinmlInputError, match=r"solver='randomized'.*pass an int"):
        PCA(0.9, solver="randomized").fit(np.random.default_rng(0).normal(size=(20, 5)))


def test_nan_is_located():
    X = np.random.default_rng(0).normal(size=(10, 4))
    X[3, 2] = np.nan
    with pytest.raises(LinmlInputError, match="NaN at row 3, column 2"):
        PCA(2).fit(X)


def test_partial_fit_rejects_non_streaming_solver():
    with pytest.raises(LinmlInputError, match=r"partial_fit.*solver='auto' or 'covariance_eigh'"):
        PCA(2, solver="svd").partial_fit(np.ones((5, 3)))


def test_rank_deficient_density_warns():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2)) @ rng.normal(size=(2, 4))  # rank 2 in 4-D
    pca = PCA(2).fit(X)
    with pytest.warns(NumericalWarning, match="degenerate"):
        pca.score_samples(X)


# ---------------------------------------------------------------------------- persistence & explain
def test_save_load_round_trip(tmp_path):
    X = _low_rank_data()
    pca = PCA(3).fit(X)
    path = tmp_path / "pca.npz"
    save(pca, path)
    again = load(path)
    np.testing.assert_array_equal(again.transform(X), pca.transform(X))
    assert again.solver_ == pca.solver_
    again.partial_fit(X[:10])  # streaming continues from the saved statistics


def test_explain_mentions_spectrum_and_kept_share():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        text = str(PCA(0.9).fit(load_digits().data)._explain())
    assert "explained_variance_ratio_" in text and "effective rank" in text
    assert "keep" in text and "%" in text


@pytest.mark.parametrize("solver", ["covariance_eigh", "svd", "randomized"])
def test_tiny_scale_gives_the_unscaled_axes(solver):
    """Issue 17: PCA(X·1e-310) returned zero components and 0/0 variance ratios."""
    X = np.random.default_rng(0).normal(size=(40, 4)) * [3.0, 2.0, 1.0, 0.5]
    ref = PCA(3, solver=solver, random_state=0).fit(X)
    got = PCA(3, solver=solver, random_state=0).fit(X * 2.0**-1030)
    np.testing.assert_allclose(got.components_, ref.components_, atol=1e-10)
    np.testing.assert_allclose(got.explained_variance_ratio_, ref.explained_variance_ratio_)
    np.testing.assert_allclose(np.ldexp(got.singular_values_, 1030), ref.singular_values_)


@pytest.mark.parametrize("solver", ["covariance_eigh", "svd", "randomized"])
@pytest.mark.parametrize("scale", [1e-170, 1e-20, 1e-310, 1e150])
def test_whitening_is_scale_invariant(solver, scale):
    """Issue 17: PCA(whiten=True) on X·1e-170 divided by sqrt(λ) with λ ∝ X² underflowed to
    0 (then floored at an absolute eps, wrong already at X·1e-20): the whitened scores must
    be those of X itself, and inverse_transform must give X·scale back."""
    X = np.random.default_rng(0).normal(size=(40, 4)) * [3.0, 2.0, 1.0, 0.5]
    ref = PCA(3, whiten=True, solver=solver, random_state=0).fit(X)
    got = PCA(3, whiten=True, solver=solver, random_state=0).fit(X * scale)
    Z_ref, Z = ref.transform(X), got.transform(X * scale)
    assert np.isfinite(Z).all()
    np.testing.assert_allclose(Z, Z_ref, rtol=1e-10, atol=1e-10 * np.abs(Z_ref).max())
    back = got.inverse_transform(Z) / scale
    np.testing.assert_allclose(back, ref.inverse_transform(Z_ref), rtol=1e-10, atol=1e-10)


def test_overflowing_variance_raises():
    """Issue 17: PCA(X·1e307) gave inf/NaN variance ratios; explained_variance_ ∝ s² overflows."""
    X = np.random.default_rng(0).normal(size=(40, 4)) * 1e307
    with pytest.raises(LinmlInputError, match=r"explained_variance_.*overflows float64; rescale X"):
        PCA(2, solver="svd").fit(X)
