"""SpectralClustering: non-convex clusters, agreement with scikit-learn, the API contract."""

import importlib

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.cluster import SpectralClustering as SkSpectral
from sklearn.datasets import make_blobs, make_circles, make_moons
from sklearn.metrics import adjusted_rand_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from linml import NumericalWarning
from linml.cluster import SpectralClustering
from linml.graph import rbf_affinity

MOONS = make_moons(300, noise=0.05, random_state=0)
CIRCLES = make_circles(300, noise=0.05, factor=0.4, random_state=0)


@parametrize_with_checks([SpectralClustering(n_clusters=3, random_state=0)])
def test_sklearn_api(estimator, check):
    check(estimator)


@pytest.mark.parametrize(("data", "name"), [(MOONS, "moons"), (CIRCLES, "circles")])
@pytest.mark.parametrize(
    "params", [{"affinity": "nearest_neighbors"}, {"affinity": "rbf", "gamma": 20.0}]
)
def test_separates_where_kmeans_fails(data, name, params):
    X, y = data
    labels = SpectralClustering(2, random_state=0, **params).fit(X).labels_
    assert adjusted_rand_score(y, labels) >= 0.99
    kmeans = KMeans(2, n_init=10, random_state=0).fit(X).labels_
    assert adjusted_rand_score(y, kmeans) < 0.5, f"k-means should fail on {name}"


@pytest.mark.parametrize("affinity", ["nearest_neighbors", "rbf"])
def test_agrees_with_sklearn(affinity):
    X, _ = make_blobs(400, centers=4, cluster_std=1.0, random_state=3)
    params = {"affinity": affinity, "gamma": 0.5, "n_neighbors": 15, "random_state": 0}
    ours = SpectralClustering(4, **params).fit(X)
    theirs = SkSpectral(4, **params).fit(X)
    assert adjusted_rand_score(ours.labels_, theirs.labels_) >= 0.99


def test_precomputed_equals_rbf():
    X, _ = MOONS
    a = SpectralClustering(2, affinity="rbf", gamma=20.0, random_state=0).fit(X)
    b = SpectralClustering(2, affinity="precomputed", random_state=0).fit(rbf_affinity(X, 20.0))
    assert adjusted_rand_score(a.labels_, b.labels_) == 1.0


@pytest.mark.parametrize("affinity", ["nearest_neighbors", "rbf"])
def test_large_graph_paths_use_lanczos(monkeypatch, affinity):
    # above DENSE_LIMIT: shift-invert for sparse graphs, Lanczos on D^-1/2 A D^-1/2 for dense
    module = importlib.import_module("linml.graph.laplacian")
    monkeypatch.setattr(module, "DENSE_LIMIT", 100)
    X, y = MOONS
    labels = SpectralClustering(2, affinity=affinity, gamma=20.0, random_state=0).fit(X).labels_
    assert adjusted_rand_score(y, labels) >= 0.99


def test_eigengap_and_explain():
    X, _ = make_blobs(200, centers=3, cluster_std=0.3, random_state=0)
    with pytest.warns(NumericalWarning, match="3 connected components"):
        model = SpectralClustering(3, affinity="nearest_neighbors", random_state=0).fit(X)
    w = model.eigenvalues_
    assert np.all(np.diff(w) >= -1e-12)
    assert w[3] > 5 * w[2]
    assert "well separated" in str(model._explain())


def test_disconnected_graph_warns():
    X = np.vstack([np.zeros((10, 2)), np.full((10, 2), 100.0)]) + np.random.default_rng(0).normal(
        scale=0.01, size=(20, 2)
    )
    with pytest.warns(NumericalWarning, match="2 connected components"):
        SpectralClustering(2, affinity="nearest_neighbors", n_neighbors=3, random_state=0).fit(X)


def test_bad_input():
    X, _ = MOONS
    with pytest.raises(ValueError, match="n_clusters=400 must be <= n_samples=300"):
        SpectralClustering(400).fit(X)
    with pytest.raises(ValueError, match="affinity='cosine' must be one of"):
        SpectralClustering(2, affinity="cosine").fit(X)
    with pytest.raises(ValueError, match="must be square"):
        SpectralClustering(2, affinity="precomputed").fit(np.ones((5, 4)))
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN at row 3, column 1"):
        SpectralClustering(2).fit(bad)


def test_n_neighbors_above_n_samples_raises():
    """Issue 17: n_neighbors=1000 on 40 points was silently clamped to 39 (a complete graph)."""
    X, _ = make_blobs(40, centers=2, random_state=0)
    model = SpectralClustering(2, affinity="nearest_neighbors", n_neighbors=1000)
    with pytest.raises(ValueError, match=r"n_neighbors=1000 must be < n_samples=40"):
        model.fit(X)


@pytest.mark.parametrize("scale", [1e307, 1e-310])
def test_knn_affinity_labels_invariant_under_extreme_scale(scale):
    """Issue 17: the k-NN graph is scale-invariant; X·1e307 crashed inside scikit-learn."""
    X, _ = make_moons(60, noise=0.05, random_state=0)
    model = SpectralClustering(2, affinity="nearest_neighbors", n_neighbors=8, random_state=0)
    ref = model.fit(X).labels_
    got = model.fit(X * scale).labels_
    assert adjusted_rand_score(ref, got) == 1.0
