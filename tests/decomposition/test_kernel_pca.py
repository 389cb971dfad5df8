"""KernelPCA: scikit-learn oracles per kernel and solver, PCA equivalence, Mercer, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.datasets import make_moons
from sklearn.decomposition import KernelPCA as SkKernelPCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from linml import LinmlInputError, NumericalWarning
from linml.decomposition import PCA, KernelPCA
from linml.io import load, save

KERNELS = {
    "linear": {},
    "poly": {"gamma": 0.3, "degree": 3, "coef0": 1.0},
    "rbf": {"gamma": 0.2},
    "sigmoid": {"gamma": 0.05, "coef0": 0.1},
    "cosine": {},
}


def _data(n=60, p=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, p)), rng.standard_normal((9, p))


def _align(A, B):
    """Flip the columns of A to B's signs (eigenvectors are defined up to sign)."""
    signs = np.sign(np.sum(A * B, axis=0))
    signs[signs == 0] = 1
    return A * signs


@parametrize_with_checks(
    [
        KernelPCA(),
        KernelPCA(n_components=2, kernel="rbf", eigen_solver="randomized", random_state=0),
    ]
)
def test_sklearn_api_checks(estimator, check):
    check(estimator)


# ---------------------------------------------------------------------------- oracles
@pytest.mark.parametrize("solver", ["dense", "arpack", "randomized"])
@pytest.mark.parametrize("kernel", list(KERNELS))
def test_matches_sklearn(kernel, solver):
    """Eigenvalues, training embedding, new-point transform and pre-images, per kernel and solver."""
    X, X_new = _data()
    kw = KERNELS[kernel]
    ours = KernelPCA(
        4, kernel=kernel, eigen_solver=solver, fit_inverse_transform=True, random_state=0, **kw
    )
    ref = SkKernelPCA(4, kernel=kernel, eigen_solver="dense", fit_inverse_transform=True, **kw)
    Z = ours.fit_transform(X)
    Z_ref = ref.fit_transform(X)
    scale = np.abs(Z_ref).max()
    np.testing.assert_allclose(ours.eigenvalues_, ref.eigenvalues_, rtol=1e-9)
    # deterministic signs on both sides (largest-|.| entry positive); align anyway for ties
    np.testing.assert_allclose(_align(Z, Z_ref), Z_ref, atol=1e-8 * scale)
    T = _align(ours.transform(X_new), ref.transform(X_new))
    np.testing.assert_allclose(T, ref.transform(X_new), atol=1e-8 * scale)
    np.testing.assert_allclose(
        ours.inverse_transform(ours.transform(X_new)),
        ref.inverse_transform(ref.transform(X_new)),
        atol=1e-7 * np.abs(X_new).max(),
    )


def test_precomputed_matches_sklearn():
    X, X_new = _data()
    K, K_new = X @ X.T + 1.0, X_new @ X.T + 1.0
    ours = KernelPCA(3, kernel="precomputed").fit(K)
    ref = SkKernelPCA(3, kernel="precomputed").fit(K)
    np.testing.assert_allclose(ours.eigenvalues_, ref.eigenvalues_, rtol=1e-10)
    np.testing.assert_allclose(
        _align(ours.transform(K_new), ref.transform(K_new)), ref.transform(K_new), atol=1e-9
    )
    assert ours.mercer_["passed"]


def test_n_components_none_keeps_nonzero_eigenvalues_like_sklearn():
    X, _X_new = _data(n=30, p=4)
    ours = KernelPCA(kernel="linear").fit(X)
    ref = SkKernelPCA(kernel="linear").fit(X)
    assert ours.n_components_ == ref.eigenvalues_.size == 4  # rank of centered X
    np.testing.assert_allclose(ours.eigenvalues_, ref.eigenvalues_, rtol=1e-10)


def test_moons_large_randomized_solver_matches_dense():
    """n = 600 > 300 with k = 2: 'auto' picks the randomized block Krylov solver."""
    X, _ = make_moons(600, noise=0.1, random_state=0)
    auto = KernelPCA(2, kernel="rbf", gamma=10.0, random_state=0)
    Z = auto.fit_transform(X)
    assert auto.eigen_solver_ == "randomized" and auto.n_iter_ >= 2
    dense = KernelPCA(2, kernel="rbf", gamma=10.0, eigen_solver="dense")
    Z_dense = dense.fit_transform(X)
    np.testing.assert_allclose(auto.eigenvalues_, dense.eigenvalues_, rtol=1e-10)
    np.testing.assert_allclose(_align(Z, Z_dense), Z_dense, atol=1e-6 * np.abs(Z_dense).max())
    ref = SkKernelPCA(2, kernel="rbf", gamma=10.0, eigen_solver="arpack", random_state=0)
    np.testing.assert_allclose(auto.eigenvalues_, ref.fit(X).eigenvalues_, rtol=1e-10)


def test_explained_variance_ratio_sums_to_one_with_all_components():
    X, _ = _data(n=40)
    kpca = KernelPCA(kernel="rbf", gamma=0.5).fit(X)
    np.testing.assert_allclose(kpca.explained_variance_ratio_.sum(), 1.0, rtol=1e-10)
    np.testing.assert_allclose(kpca.total_variance_ * 40, kpca.eigenvalues_.sum(), rtol=1e-10)


# ---------------------------------------------------------------------------- properties
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(5, 30), st.integers(2, 6)),
        elements=st.floats(-100, 100, allow_nan=False, width=64),
    ),
    st.integers(1, 2),
)
def test_linear_kernel_scores_equal_pca_scores(X, k):
    """With K = X Xᵀ, kernel PCA's scores are PCA's scores (up to sign)."""
    Xc = X - X.mean(axis=0)
    S = np.linalg.svd(Xc, compute_uv=False)
    # skip degenerate spectra: equal or vanishing singular values make the axes ambiguous
    if S[0] < 1e-6 or (S[k - 1] - S[k] if k < S.size else S[k - 1]) < 1e-3 * S[0]:
        return
    Z_kpca = KernelPCA(k, kernel="linear").fit_transform(X)
    Z_pca = PCA(k).fit_transform(X)
    np.testing.assert_allclose(_align(Z_kpca, Z_pca), Z_pca, atol=1e-7 * S[0])


@given(st.integers(0, 2**16), st.sampled_from(["rbf", "poly", "cosine"]))
def test_eigenvectors_orthonormal_and_training_transform_consistent(seed, kernel):
    X, _ = _data(n=25, seed=seed)
    kpca = KernelPCA(5, kernel=kernel, gamma=0.3)
    Z = kpca.fit_transform(X)
    A = kpca.eigenvectors_
    np.testing.assert_allclose(A.T @ A, np.eye(A.shape[1]), atol=1e-10)
    np.testing.assert_allclose(kpca.transform(X), Z, atol=1e-8 * max(1.0, np.abs(Z).max()))


def test_float32_in_float32_out():
    X, X_new = _data()
    kpca = KernelPCA(3, kernel="rbf", gamma=0.2).fit(X.astype(np.float32))
    Z = kpca.transform(X_new.astype(np.float32))
    assert Z.dtype == np.float32 and kpca.eigenvalues_.dtype == np.float32
    ref = KernelPCA(3, kernel="rbf", gamma=0.2).fit(X)
    np.testing.assert_allclose(kpca.eigenvalues_, ref.eigenvalues_, rtol=1e-4)


# ---------------------------------------------------------------------------- Mercer
def test_callable_kernel_failing_mercer_warns_with_smallest_eigenvalue():
    X, _ = _data(n=20)

    def negative_distance(A, B):  # −‖a − b‖ is conditionally, not positively, definite
        return -np.sqrt(((A[:, None, :] - B[None, :, :]) ** 2).sum(-1))

    with pytest.warns(
        NumericalWarning, match=r"not positive semi-definite \(smallest eigenvalue -\d"
    ):
        kpca = KernelPCA(3, kernel=negative_distance).fit(X)
    assert not kpca.mercer_["passed"] and kpca.mercer_["min_eigenvalue"] < 0
    assert "FAILS" in str(kpca._explain())


def test_callable_psd_kernel_passes_silently():
    X, X_new = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericalWarning)
        kpca = KernelPCA(3, kernel=lambda A, B: (A @ B.T + 1.0) ** 2).fit(X)
    ref = KernelPCA(3, kernel="poly", gamma=1.0, degree=2, coef0=1.0).fit(X)
    assert kpca.mercer_["passed"]
    np.testing.assert_allclose(kpca.transform(X_new), ref.transform(X_new), atol=1e-8)


def test_precomputed_non_psd_warns():
    K = np.array([[1.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0]])  # eigenvalue −1
    with pytest.warns(NumericalWarning, match="smallest eigenvalue -1"):
        KernelPCA(1, kernel="precomputed").fit(K)


# ---------------------------------------------------------------------------- convergence
def test_randomized_solver_warns_when_capped():
    X, _ = make_moons(400, noise=0.1, random_state=0)
    with pytest.warns(ConvergenceWarning, match="max_iter=1 block"):
        KernelPCA(2, kernel="rbf", gamma=15.0, eigen_solver="randomized", max_iter=1).fit(X)


def test_randomized_solver_handles_low_rank_kernels():
    """Linear kernel of 3 features: the Krylov space becomes invariant after one product."""
    X, _X_new = _data(n=400, p=3)
    ours = KernelPCA(2, eigen_solver="randomized", random_state=0).fit(X)
    ref = SkKernelPCA(2, eigen_solver="dense").fit(X)
    np.testing.assert_allclose(ours.eigenvalues_, ref.eigenvalues_, rtol=1e-10)
    assert ours.n_iter_ <= 3


@pytest.mark.parametrize("n", [3, 8, 10, 23])
def test_randomized_solver_on_tiny_n_is_exact(n):
    """Regression: with n <= 2b the basis fills before a restart could help (it once looped)."""
    X, _ = _data(n=n, p=4)
    ours = KernelPCA(2, kernel="rbf", gamma=0.5, eigen_solver="randomized", random_state=0)
    ref = KernelPCA(2, kernel="rbf", gamma=0.5, eigen_solver="dense")
    np.testing.assert_allclose(ours.fit(X).eigenvalues_, ref.fit(X).eigenvalues_, rtol=1e-10)


# ---------------------------------------------------------------------------- bad input
def test_precomputed_kernel_of_wrong_shape():
    X, _ = _data()
    with pytest.raises(
        LinmlInputError, match=r"square training kernel matrix K.*got shape \(60, 5\)"
    ):
        KernelPCA(2, kernel="precomputed").fit(X)
    kpca = KernelPCA(2, kernel="precomputed").fit(X @ X.T)
    with pytest.raises(LinmlInputError, match=r"shape \(n_new, 60\); got shape \(4, 59\)"):
        kpca.transform(np.ones((4, 59)))


def test_n_components_larger_than_n_samples():
    X, _ = _data(n=10)
    with pytest.raises(LinmlInputError, match="n_components=11 must be <= n_samples=10"):
        KernelPCA(11, kernel="rbf").fit(X)


def test_nan_is_located():
    X, _ = _data()
    X[7, 1] = np.nan
    with pytest.raises(LinmlInputError, match="NaN at row 7, column 1"):
        KernelPCA(2).fit(X)


def test_inverse_transform_needs_the_preimage_map():
    X, _ = _data()
    kpca = KernelPCA(2).fit(X)
    with pytest.raises(LinmlInputError, match="fit_inverse_transform=True"):
        kpca.inverse_transform(np.zeros((1, 2)))
    with pytest.raises(LinmlInputError, match="kernel='precomputed'"):
        KernelPCA(2, kernel="precomputed", fit_inverse_transform=True).fit(X @ X.T)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"kernel": "laplace"}, "kernel='laplace' must be one of"),
        ({"eigen_solver": "lobpcg"}, "eigen_solver='lobpcg'"),
        ({"alpha": 0.0}, r"alpha=0.0 must be a number in \(0, inf\)"),
        ({"gamma": -1.0}, "gamma=-1.0"),
    ],
)
def test_bad_parameters(params, match):
    X, _ = _data()
    with pytest.raises(LinmlInputError, match=match):
        KernelPCA(2, **params).fit(X)


# ---------------------------------------------------------------------------- io, explain
def test_save_load_round_trip(tmp_path):
    X, X_new = _data()
    kpca = KernelPCA(3, kernel="rbf", gamma=0.2, fit_inverse_transform=True).fit(X)
    path = tmp_path / "kpca.npz"
    save(kpca, path)
    loaded = load(path)
    np.testing.assert_allclose(loaded.transform(X_new), kpca.transform(X_new))
    np.testing.assert_allclose(
        loaded.inverse_transform(kpca.transform(X_new)),
        kpca.inverse_transform(kpca.transform(X_new)),
    )


def test_explain_reports_spectrum_share_mercer_and_rank():
    X, _ = make_moons(200, noise=0.1, random_state=0)
    kpca = KernelPCA(4, kernel="rbf", gamma=10.0).fit(X)
    exp = kpca._explain()
    facts = {f.name: f.value for f in exp.facts}
    np.testing.assert_allclose(facts["eigenvalues_"], kpca.eigenvalues_)
    assert 0 < facts["variance kept"] < 1
    assert "PSD by construction" in facts["Mercer"]
    assert 1 <= facts["effective rank (kept)"] <= 4
    assert "feature space" in exp.verdict


# ------------------------------------------------------------- extreme scales (issue 17)
#: (scale of X, gamma) where γ‖x − y‖² is O(1) although X's squares over/underflow
RBF_EDGES = [
    pytest.param(1.0, 0.2, id="plain"),
    pytest.param(1e-150, 2e299, id="x1e-150"),
    pytest.param(1e-160, 1e308, id="x1e-160"),
    pytest.param(1e155, 2e-311, id="x1e155"),
    pytest.param(1e160, 2e-321, id="x1e160-subnormal-gamma"),
    pytest.param(1.0, 1e308, id="huge-gamma"),
]


@pytest.mark.parametrize(("scale", "gamma"), RBF_EDGES)
def test_rbf_gram_at_float64_edges_matches_safe_reference(scale, gamma):
    """Issue 17: KernelPCA's own in-place rbf Gram (one fused GEMM) overflowed to NaN
    (2γ·X = inf for γ = 1e308; ‖x‖² = inf for X·1e160): it now rescales and matches
    exp(−γ‖xᵢ − xⱼ‖²) computed safely to 1e-12, with its row means."""
    from linml.decomposition.kernel_pca import _rbf_gram
    from tests.linalg.test_kernels import safe_rbf_reference

    X = np.random.default_rng(0).normal(size=(25, 3)) * scale
    Q = np.random.default_rng(1).normal(size=(25, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        K, KQ, means = _rbf_gram(X, gamma, Q, 1e-3)  # 1e-3 MB: several row blocks
    ref = safe_rbf_reference(X, gamma)
    np.testing.assert_allclose(K, ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(KQ, ref @ Q, rtol=0, atol=1e-11)
    np.testing.assert_allclose(means, ref.mean(axis=1), rtol=0, atol=1e-12)


@pytest.mark.parametrize("solver", ["dense", "randomized"])
@pytest.mark.parametrize(("scale", "gamma"), RBF_EDGES[1:5])
def test_rbf_fit_at_float64_edges_equals_precomputed_safe_kernel(solver, scale, gamma):
    """Issue 17: KernelPCA(rbf) on X·1e160 (γ matched) refused X, and on X·1e-160 with
    γ = 1e308 blamed NaN on 'A'; it now gives the embedding of the safely computed kernel
    (fit, transform) — finite, and no NumPy warning."""
    from tests.linalg.test_kernels import safe_rbf_reference

    X = np.random.default_rng(0).normal(size=(40, 3)) * scale
    K_ref = safe_rbf_reference(X, gamma)
    ref = KernelPCA(3, kernel="precomputed").fit(K_ref)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = KernelPCA(3, kernel="rbf", gamma=gamma, eigen_solver=solver, random_state=0)
        Z = model.fit_transform(X)
        T = model.transform(X[:7])
    # K is exact to ~1e-16 absolute; at X·1e-160 K ≈ 1 − 1e-12·D, so λ ~ 1e-10 has only that
    np.testing.assert_allclose(model.eigenvalues_, ref.eigenvalues_, rtol=1e-9, atol=1e-14)
    Z_ref = ref.transform(K_ref)
    np.testing.assert_allclose(_align(Z, Z_ref), Z_ref, atol=1e-8)
    np.testing.assert_allclose(_align(T, Z_ref[:7]), Z_ref[:7], atol=1e-8)


@pytest.mark.parametrize(
    ("scale", "match"), [(1e200, "is the identity"), (1e-170, r"is constant \(all ones\)")]
)
def test_rbf_kernel_out_of_scale_warns(scale, match):
    """Issue 17: X·1e200 (or X·1e-170) with gamma = 1/p makes every off-diagonal kernel value
    round to 0 (or 1): finite, but empty of information — a NumericalWarning says so."""
    X = np.random.default_rng(0).normal(size=(20, 3)) * scale
    with pytest.warns(NumericalWarning, match=match):
        Z = KernelPCA(2, kernel="rbf").fit_transform(X)
    assert np.isfinite(Z).all()


@pytest.mark.parametrize("p", [5, 200])  # the fused augmented GEMM, and the SYRK route
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scale", [1.0, 2.0**70])  # 2^70: squares overflow, the scaled route
def test_rbf_gram_routes_match_sklearn_kernel(p, dtype, scale):
    from sklearn.metrics.pairwise import rbf_kernel

    from linml.decomposition import kernel_pca as kp

    rng = np.random.default_rng(p)
    X = rng.standard_normal((700, p)).astype(dtype)
    Q = rng.standard_normal((700, 4)).astype(dtype)
    gamma = np.float64(1.0 / p)  # a NumPy scalar, as the estimator passes it
    ref = rbf_kernel(X.astype(np.float64), gamma=gamma)
    X = X * dtype(scale)
    K, KQ, means = kp._rbf_gram(X, gamma / scale**2, Q, 0.5)  # 0.5 MB: several row blocks
    tol = 1e-13 if dtype == np.float64 else 2e-5
    assert K.dtype == dtype
    np.testing.assert_allclose(K, ref, atol=tol)
    np.testing.assert_array_equal(np.diag(K), 1.0)
    np.testing.assert_allclose(KQ, K.astype(np.float64) @ Q, atol=50 * tol)
    np.testing.assert_allclose(means, ref.mean(axis=1), atol=tol)
