"""BPR: learns planted preferences (held-out AUC), loss goes down, reproducibility, the
FactorRecommender API (recommend, predict, explain, fold-in, save/load), sklearn contract and
bad input."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone

from linml.diagnose import explain as explain_model
from linml.exceptions import LinmlInputError, NumericalWarning
from linml.io import load, save
from linml.recommend import BPR, ColdStartWarning, Interactions, leave_k_out_split, ranking_scores


def planted(n_users=240, n_items=60, per_user=10, groups=4, seed=0):
    """Four groups of users; group g draws 9 of its 10 items from item block g (15 items)."""
    rng = np.random.default_rng(seed)
    size = n_items // groups
    users, items = [], []
    for u in range(n_users):
        block = np.arange(size) + size * (u % groups)
        liked = rng.choice(block, per_user - 1, replace=False)
        other = rng.choice(np.setdiff1d(np.arange(n_items), liked), 1)
        users += [u] * per_user
        items += np.concatenate([liked, other]).tolist()
    return Interactions.from_arrays(users, items)


def heldout_auc(model, train, test):
    """Mean over test users of P(score of a held-out item > score of an unobserved item)."""
    S = model.user_factors_ @ model.item_factors_.T + model.item_bias_  # (n_users, n_items)
    tr, te = train.matrix.toarray() > 0, test.matrix.toarray() > 0
    aucs = []
    for u in np.flatnonzero(te.any(axis=1)):
        pos = S[u, te[u]]
        neg = S[u, ~(tr[u] | te[u])]
        aucs.append(np.mean(pos[:, None] > neg[None, :]))
    return float(np.mean(aucs))


@pytest.fixture(scope="module")
def split():
    return leave_k_out_split(planted(), k=2, random_state=0)


@pytest.fixture(scope="module")
def fitted(split):
    train, _ = split
    return BPR(rank=8, n_epochs=30, learning_rate=0.1, parallel=False, random_state=0).fit(train)


def test_learns_planted_preferences(split, fitted):
    """Held-out AUC well above 0.5 after training, and far above the untrained factors'."""
    train, test = split
    untrained = BPR(rank=8, n_epochs=1, learning_rate=1e-9, parallel=False, random_state=0)
    auc0 = heldout_auc(untrained.fit(train), train, test)
    auc = heldout_auc(fitted, train, test)
    assert auc > 0.8
    assert auc > auc0 + 0.25
    assert fitted.auc_trace_[0] < 0.65 < 0.8 < fitted.auc_trace_[-1]
    # the group's block dominates the top of the list
    top, _ = fitted.recommend(0, n=5)  # user 0 is in group 0: items 0..14
    assert np.mean(top < 15) >= 0.8


def test_loss_decreases_on_average(fitted):
    trace = np.array(fitted.loss_trace_)
    assert trace[-5:].mean() < 0.6 * trace[:5].mean()
    assert trace[0] == pytest.approx(np.log(2.0), abs=0.1)  # small random factors: x_uij ~ 0


@pytest.mark.parametrize("sampling", ["uniform", "popularity"])
def test_parallel_and_sampling_modes_learn(split, sampling):
    train, test = split
    model = BPR(rank=8, n_epochs=40, learning_rate=0.1, sampling=sampling, random_state=0)
    assert heldout_auc(model.fit(train), train, test) > 0.75


def test_serial_mode_is_reproducible_bit_for_bit(split, fitted):
    train, _ = split
    again = BPR(rank=8, n_epochs=30, learning_rate=0.1, parallel=False, random_state=0).fit(train)
    # the claim is bitwise reproducibility, so the tolerance is zero
    np.testing.assert_allclose(again.user_factors_, fitted.user_factors_, rtol=0, atol=0)
    np.testing.assert_allclose(again.item_bias_, fitted.item_bias_, rtol=0, atol=0)
    other = BPR(rank=8, n_epochs=30, learning_rate=0.1, parallel=False, random_state=1).fit(train)
    assert np.abs(other.item_factors_ - fitted.item_factors_).max() > 1e-3


def test_tol_stops_early(split):
    train, _ = split
    model = BPR(rank=4, n_epochs=200, tol=0.05, parallel=False, random_state=0).fit(train)
    assert 2 <= model.n_epochs_ < 200 == model.n_epochs
    assert len(model.loss_trace_) == model.n_epochs_
    last, prev = model.loss_trace_[-1], model.loss_trace_[-2]
    assert abs(prev - last) <= 0.05 * prev


def test_predict_recommend_and_dtypes(split, fitted):
    train, _ = split
    users, items = np.array([0, 1, 5]), np.array([3, 40, 59])
    expected = (
        np.einsum("nk,nk->n", fitted.user_factors_[users], fitted.item_factors_[items])
        + fitted.item_bias_[items]
    )
    np.testing.assert_allclose(fitted.predict(users, items), expected, rtol=1e-6)
    ids, scores = fitted.recommend(3, n=6)
    seen = set(train.matrix[3].indices.tolist())
    assert not seen & set(ids.tolist())
    assert np.all(np.diff(scores) <= 0)
    np.testing.assert_allclose(scores, fitted.predict([3] * 6, ids), rtol=1e-6)
    assert fitted.user_factors_.dtype == np.float32
    f64 = BPR(rank=3, n_epochs=2, dtype="float64", random_state=0).fit(train)
    assert f64.item_factors_.dtype == np.float64 and f64.item_bias_.dtype == np.float64


def test_explain_parts_add_up_to_the_score(fitted):
    """baseline + sum of item contributions = p_u . q_i + b_i exactly."""
    for user, item in [(0, 5), (7, 41)]:
        ex = fitted.explain(user, item)
        assert ex.score == pytest.approx(float(fitted.predict([user], [item])[0]), rel=1e-5)
        assert ex.baseline + ex.contributions["contribution"].sum() == pytest.approx(
            ex.score, rel=1e-9, abs=1e-9
        )
        assert len(ex.contributions) == int(np.diff(fitted.seen_indptr_)[user])
    text = str(explain_model(fitted))
    assert "singular values of P Q^T" in text and "sampled training AUC" in text


def test_fold_in_new_user(fitted):
    """A new user with items of block 1 is folded in and gets block-1 recommendations."""
    liked = [15, 17, 18, 20, 22, 25, 27]
    p = fitted.fold_in(liked)
    np.testing.assert_allclose(fitted.fold_in(liked), p, rtol=0, atol=0)  # fixed seed
    ids, _ = fitted.recommend("new", n=5, ratings=(liked, [1.0] * len(liked)))
    assert np.mean((ids >= 15) & (ids < 30)) >= 0.8 and not set(ids.tolist()) & set(liked)
    ex = fitted.explain("new", 36, ratings=liked)
    expected = float(fitted.item_factors_[36] @ p + fitted.item_bias_[36])
    assert ex.score == pytest.approx(expected, rel=1e-5)


def test_ranking_scores_and_cold_users(split):
    train, test = split
    # a user with no training data keeps zero factors and is ranked by popularity
    cold = train.take(train.rows != 4)
    model = BPR(rank=4, n_epochs=5, parallel=False, random_state=0).fit(cold)
    np.testing.assert_allclose(model.user_factors_[4], 0.0, atol=0)
    with pytest.warns(ColdStartWarning, match="1 user"):
        scores = ranking_scores(model, train, test, k=5)
    assert 0.0 <= scores["precision@5"] <= 1.0


def test_contract_and_persistence(tmp_path, fitted):
    params = fitted.get_params()
    assert params["rank"] == 8 and params["parallel"] is False
    c = clone(fitted)
    assert c.get_params() == params and not hasattr(c, "user_factors_")
    path = tmp_path / "bpr.npz"
    save(fitted, path)
    back = load(path)
    np.testing.assert_allclose(back.predict([0, 1], [2, 3]), fitted.predict([0, 1], [2, 3]))
    assert back.loss_trace_ == pytest.approx(fitted.loss_trace_, rel=1e-12)
    np.testing.assert_array_equal(back.recommend(2, n=4)[0], fitted.recommend(2, n=4)[0])


def test_bad_input():
    X = sp.csr_matrix(np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]))
    with pytest.raises(LinmlInputError, match=r"learning_rate=-0\.1 must be"):
        BPR(learning_rate=-0.1).fit(X)
    with pytest.raises(LinmlInputError, match="rank=0 must be an integer"):
        BPR(rank=0).fit(X)
    with pytest.raises(LinmlInputError, match="sampling='hard' must be one of"):
        BPR(sampling="hard").fit(X)
    with pytest.raises(LinmlInputError, match="reg=-1 must be"):
        BPR(reg=-1).fit(X)
    with pytest.raises(LinmlInputError, match="empty"):
        BPR().fit(sp.csr_matrix((3, 4)))
    with pytest.raises(LinmlInputError, match=r"values must be >= 0; found -2\.0"):
        BPR().fit(sp.csr_matrix(np.array([[1.0, -2.0, 0.0]])))
    with pytest.raises(LinmlInputError, match="interacted with all 2 items"):
        BPR().fit(sp.csr_matrix(np.ones((3, 2))))
    model = BPR(rank=2, n_epochs=2, random_state=0).fit(X)
    with pytest.raises(LinmlInputError, match="unknown user id 9"):
        model.recommend(9)
    with pytest.raises(LinmlInputError, match="must pair up"):
        model.predict([0, 1], [0])


def test_divergence_warns_and_stops(split):
    """learning_rate * reg = 10 makes every step multiply the factors by about -9: the loss
    overflows, and the fit says so with a NumericalWarning instead of returning silently."""
    train, _ = split
    with pytest.warns(NumericalWarning, match="lower learning_rate"):
        model = BPR(rank=4, learning_rate=1e3, n_epochs=20, parallel=False, random_state=0)
        model.fit(train)
    assert model.n_epochs_ < 20 and not np.isfinite(model.loss_trace_[-1])


def test_verbose_logs_each_epoch(split, caplog):
    train, _ = split
    with caplog.at_level(logging.INFO, logger="linml.recommend"):
        BPR(rank=2, n_epochs=3, parallel=False, verbose=True, random_state=0).fit(train)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("BPR epoch")]
    assert len(lines) == 3 and "auc" in lines[-1]


def test_predict_unknown_fallback(fitted):
    """An unknown user scores the item bias (p = 0); an unknown item scores 0 (q = 0, b = 0)."""
    with pytest.warns(ColdStartWarning, match="1 unknown user"):
        s_user = fitted.predict([999, 0], [3, 3], unknown="fallback")
    with pytest.warns(ColdStartWarning, match="1 unknown item"):
        s_item = fitted.predict([0, 0], [999, 3], unknown="fallback")
    known = float(fitted.predict([0], [3])[0])
    np.testing.assert_allclose(s_user, [float(fitted.item_bias_[3]), known], rtol=1e-7, atol=0)
    np.testing.assert_allclose(s_item, [0.0, known], rtol=1e-7, atol=0)
    with pytest.raises(LinmlInputError, match="unknown user id 'ghost'"):
        fitted.predict(["ghost"], [3])
    with pytest.raises(LinmlInputError, match="unknown='maybe' must be"):
        fitted.predict([0], [3], unknown="maybe")
