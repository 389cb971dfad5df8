"""Pure-NumPy twins of the numba kernels in linml.recommend._kernels (the test oracles)."""

from __future__ import annotations

import numpy as np


def ridge_rows_ref(indptr, indices, data, Y, row_offset, col_offset, reg_diag, row_weight):
    """x_u = solve(Y_u^T Y_u + w_u diag(reg), Y_u^T (r_u - row_offset[u] - col_offset[items]))."""
    n_rows, k = indptr.shape[0] - 1, Y.shape[1]
    X = np.zeros((n_rows, k))
    for u in range(n_rows):
        items = indices[indptr[u] : indptr[u + 1]]
        Yu = Y[items].astype(np.float64)
        t = data[indptr[u] : indptr[u + 1]] - row_offset[u] - col_offset[items]
        A = Yu.T @ Yu + row_weight[u] * np.diag(reg_diag)
        X[u] = np.linalg.solve(A, Yu.T @ t)
    return X


def implicit_rows_ref(indptr, indices, conf, Y, reg):
    """x_u = solve(Y^T C_u Y + reg I, Y^T C_u p_u) with the full dense C_u (no trick)."""
    n_rows, k = indptr.shape[0] - 1, Y.shape[1]
    n_items = Y.shape[0]
    X = np.zeros((n_rows, k))
    Y = Y.astype(np.float64)
    for u in range(n_rows):
        c = np.ones(n_items)
        p = np.zeros(n_items)
        items = indices[indptr[u] : indptr[u + 1]]
        c[items] = conf[indptr[u] : indptr[u + 1]]
        p[items] = 1.0
        A = Y.T @ (c[:, None] * Y) + reg * np.eye(k)
        X[u] = np.linalg.solve(A, Y.T @ (c * p))
    return X


def cg_ref(A, b, x0, steps):
    """Plain conjugate gradient on A x = b from x0, ``steps`` steps."""
    x = x0.astype(np.float64).copy()
    r = b - A @ x
    p = r.copy()
    rs = r @ r
    for _ in range(steps):
        if rs <= 0:
            break
        Ap = A @ p
        step = rs / (p @ Ap)
        x += step * p
        r -= step * Ap
        rs_new = r @ r
        p = r + rs_new / rs * p
        rs = rs_new
    return x


def als_objective_ref(model, R, user_features=None, item_features=None):
    """The ALS objective L of a fitted model, from dense arrays (R: scipy.sparse, observed)."""
    coo = R.tocoo()
    pred = model.predict(model.user_ids_[coo.row], model.item_ids_[coo.col])
    e = coo.data - pred
    n_u = np.diff(R.tocsr().indptr)
    n_i = np.diff(R.tocsc().indptr)
    a = getattr(model, "reg_exponent", 1.0)
    w_u = np.maximum(n_u, 1) ** a if model.weighted_reg else np.ones_like(n_u)
    w_i = np.maximum(n_i, 1) ** a if model.weighted_reg else np.ones_like(n_i)
    pen = w_u @ ((model.user_factors_**2).sum(1) + model.user_bias_**2)
    pen += w_i @ ((model.item_factors_**2).sum(1) + model.item_bias_**2)
    for coef in (model.user_feature_coef_, model.item_feature_coef_):
        if coef is not None:
            pen += coef @ coef
    return e @ e + model.reg * pen


def plain_als_ref(R, mask, k, lam, n_sweeps, seed=0):
    """Textbook ALS on the observed cells (``mask``) of a dense R: no biases, unweighted λ,
    exact solves, user step then item step from N(0, 1) factors. Returns P Q^T.

    min sum_{mask} (r_ui - p_u^T q_i)^2 + λ (|P|_F^2 + |Q|_F^2)
    """
    rng = np.random.default_rng(seed)
    P = rng.standard_normal((R.shape[0], k))
    Q = rng.standard_normal((R.shape[1], k))
    eye = lam * np.eye(k)
    for _ in range(n_sweeps):
        for u in range(R.shape[0]):
            Qu = Q[mask[u]]
            P[u] = np.linalg.solve(Qu.T @ Qu + eye, Qu.T @ R[u, mask[u]])
        for i in range(R.shape[1]):
            Pi = P[mask[:, i]]
            Q[i] = np.linalg.solve(Pi.T @ Pi + eye, Pi.T @ R[mask[:, i], i])
    return P @ Q.T


def completion_problem(seed=0, n_users=100, n_items=50, rank=5, noise=0.1, observed=0.2):
    """True rank-``rank`` matrix T = U V^T (N(0, 1) factors), R = T + noise, a random mask of
    ``observed`` cells. Returns (T, R, mask)."""
    rng = np.random.default_rng(seed)
    T = rng.standard_normal((n_users, rank)) @ rng.standard_normal((n_items, rank)).T
    R = T + noise * rng.standard_normal(T.shape)
    mask = rng.random(T.shape) < observed
    return T, R, mask
