"""Kernel support vector classifier: the soft-margin dual solved by SMO.

For two classes with labels ``y_t ∈ {+1, −1}`` the classifier is
``f(x) = Σ_t α_t y_t k(x_t, x) − ρ`` where ``α`` solves the dual

    max_α  Σ_t α_t − ½ Σ_s Σ_t α_s α_t y_s y_t k(x_s, x_t)
    s.t.   0 ≤ α_t ≤ C_t,   Σ_t α_t y_t = 0

(``C_t = C · class_weight[y_t] · sample_weight_t``). Samples with ``α_t > 0`` are the
support vectors; those with ``0 < α_t < C_t`` lie exactly on the margin ``y_t f(x_t) = 1``
and fix ``ρ``. With the linear kernel ``w = Σ_t α_t y_t x_t`` and the margin is ``2 / ‖w‖``.

More than two classes are handled one-vs-one: one binary machine per pair of classes,
prediction by voting — the layout of ``dual_coef_``/``intercept_`` follows LIBSVM and
scikit-learn so the fitted numbers are directly comparable.
"""

from __future__ import annotations

import logging
import math
from typing import Any, ClassVar

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from linml._base import Explanation, LinmlEstimator
from linml._validation import (
    Interval,
    Options,
    check_finite,
    check_random_state,
    validate_data,
)
from linml.exceptions import LinmlInputError, NumericalWarning
from linml.linalg._scaling import check_squares_finite
from linml.linalg.kernels import mercer_check, pairwise_kernel, resolve_gamma
from linml.svm import _kernels

__all__ = ["SVC"]

logger = logging.getLogger(__name__)

_NAMED_KERNELS = ("linear", "poly", "rbf", "sigmoid")
_MERCER_MAX_ROWS = 1500  # Mercer check on a principal submatrix: O(m³) eigvalsh stays cheap
_PLATT_FOLDS = 5
_MIN_PROB = 1e-7  # LIBSVM's clip of pairwise probabilities away from 0 and 1


# ---------------------------------------------------------------------------- solver
_WORK_PER_CALL = 2**24  # ≈ 17M element operations per solver call: ~10–100 ms of work


def _default_max_iter(n: int) -> int:
    """SMO iterations allowed per binary problem when ``max_iter=-1``: ``max(10⁷, 100 n)``.

    LIBSVM needs O(n) iterations on well-posed problems (a few n at C ≤ 10³ on scaled
    features); tens of millions mean the dual is nearly degenerate (huge C on classes that
    overlap), where each extra decade of C costs about a decade of iterations for a
    solution that barely moves. One iteration costs O(n), so the budget is also a time cap.
    """
    return max(10_000_000, 100 * n)


def _solve_pair(
    X: np.ndarray | None,
    K_full: np.ndarray | None,
    rows: np.ndarray,
    signs: np.ndarray,
    C_rows: np.ndarray,
    kernel_id: int,
    gamma: float,
    coef0: float,
    degree: float,
    tol: float,
    shrinking: bool,
    max_iter: int,
    cache_size: float,
) -> tuple[np.ndarray, float, int, int, int]:
    """One binary dual on the samples ``rows`` with labels ``signs`` (±1): (α, ρ, iters, evals, status)."""
    n = rows.shape[0]
    if kernel_id == _kernels.PRECOMPUTED:
        X_sub = np.empty((n, 0))
        x_sq = np.zeros(n)
        K = K_full
        perm = rows.astype(np.int64)
    else:
        X_sub = np.ascontiguousarray(X[rows], dtype=np.float64)  # a copy: the solver permutes it
        x_sq = np.einsum("ij,ij->i", X_sub, X_sub)  # ‖x_t‖² for rbf distances
        K = np.zeros((1, 1))
        perm = np.arange(n, dtype=np.int64)
    # Q rows cached in float32: as many rows of length n as cache_size MB hold (≥ 2)
    n_slots = int(max(2, min(n, cache_size * 2**20 // (4 * max(n, 1)))))
    y_pm = signs.astype(np.float64)  # copies: the solver permutes them in place
    C_t = C_rows.astype(np.float64)
    kernel = (X_sub, x_sq, K, perm, kernel_id, float(gamma), float(coef0), float(degree))
    state = _kernels.smo_init(kernel, y_pm, n_slots)
    budget = int(max_iter) if max_iter > 0 else _default_max_iter(n)
    # the solver returns every _WORK_PER_CALL units of work, so Ctrl-C (KeyboardInterrupt)
    # is honoured within ~0.1 s; its state lives in arrays, so the chunks add up to exactly
    # the steps of one unbroken run
    status = _kernels.PAUSED
    while status == _kernels.PAUSED:
        status = _kernels.smo_run(
            kernel, y_pm, C_t, float(tol), bool(shrinking), budget, _WORK_PER_CALL, state
        )
    alpha, rho, n_iter, n_evals = _kernels.smo_finish(kernel, y_pm, state)
    return alpha, float(rho), int(n_iter), int(n_evals), int(status)


# ---------------------------------------------------------------------------- Platt
def _platt_fit(f: np.ndarray, t_pos: np.ndarray) -> tuple[float, float]:
    """Fit ``P(+1 | f) = 1 / (1 + exp(A f + B))`` to decision values by Newton's method.

    Platt (1999) with the regularized targets and the backtracking Newton iteration of
    Lin, Lin & Weng (2007), "A note on Platt's probabilistic outputs": minimize the
    cross-entropy ``Σ −t log p − (1 − t) log(1 − p)`` over (A, B) with targets
    ``t = (N₊ + 1)/(N₊ + 2)`` for positives and ``1/(N₋ + 2)`` for negatives.
    """
    n_pos = float(np.count_nonzero(t_pos))
    n_neg = float(t_pos.size - n_pos)
    t = np.where(t_pos, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))

    def objective(A: float, B: float) -> float:
        z = A * f + B  # −log p = log(1 + e^z), −log(1 − p) = log(1 + e^{−z})
        return float(np.sum(t * np.logaddexp(0.0, z) + (1.0 - t) * np.logaddexp(0.0, -z)))

    A, B = 0.0, math.log((n_neg + 1.0) / (n_pos + 1.0))
    fval = objective(A, B)
    for _ in range(100):
        z = A * f + B
        p = 0.5 * (1.0 - np.tanh(0.5 * z))  # 1 / (1 + e^z), overflow-free
        w = p * (1.0 - p)
        # gradient and Hessian of the objective in (A, B); sigma on the diagonal keeps H ≻ 0
        g = np.array([np.dot(f, t - p), np.sum(t - p)])
        if np.all(np.abs(g) < 1e-5):
            break
        H = np.array([[np.dot(f * f, w), np.dot(f, w)], [np.dot(f, w), np.sum(w)]])
        H += 1e-12 * np.eye(2)
        step = -np.linalg.solve(H, g)  # Newton direction: H d = −g
        slope = float(g @ step)
        size = 1.0
        while size >= 1e-10:
            A_new, B_new = A + size * step[0], B + size * step[1]
            f_new = objective(A_new, B_new)
            if f_new < fval + 1e-4 * size * slope:  # Armijo sufficient decrease
                A, B, fval = A_new, B_new, f_new
                break
            size /= 2.0
        else:
            break  # line search failed: keep the best (A, B) found
    return float(A), float(B)


def _platt_predict(f: np.ndarray, A: float, B: float) -> np.ndarray:
    """``1 / (1 + exp(A f + B))`` without overflow."""
    return 0.5 * (1.0 - np.tanh(0.5 * (A * f + B)))


def _couple_pairwise(R: np.ndarray) -> np.ndarray:
    """Class probabilities from pairwise ones: Wu, Lin & Weng (2004), method 2.

    ``R[:, a, b] ≈ P(a | a or b)``. The probabilities ``p`` minimize
    ``Σ_a Σ_{b≠a} (R_ba p_a − R_ab p_b)² = pᵀ Q p`` subject to ``Σ p = 1``, with
    ``Q_aa = Σ_{b≠a} R_ba²`` and ``Q_ab = −R_ba R_ab``; the KKT conditions are the
    (k+1)-square linear system ``[[Q, 1], [1ᵀ, 0]] [p; μ] = [0; 1]``, solved per sample.
    """
    n, k, _ = R.shape  # (n_samples, k, k)
    Q = -np.swapaxes(R, 1, 2) * R  # Q_ab = −R_ba R_ab   (n, k, k)
    diag = np.einsum("nba,nba->na", R, R) - np.einsum("naa,naa->na", R, R)  # Σ_{b≠a} R_ba²
    idx = np.arange(k)
    Q[:, idx, idx] = diag
    M = np.zeros((n, k + 1, k + 1))  # KKT matrix per sample
    M[:, :k, :k] = Q
    M[:, :k, k] = 1.0
    M[:, k, :k] = 1.0
    rhs = np.zeros((n, k + 1, 1))
    rhs[:, k, 0] = 1.0
    P = np.linalg.solve(M, rhs)[:, :k, 0]
    # the exact solution is ≥ 0 (Wu et al., Thm. 2); clip round-off and renormalize
    np.clip(P, 0.0, None, out=P)
    return P / P.sum(axis=1, keepdims=True)


# ---------------------------------------------------------------------------- estimator
class SVC(ClassifierMixin, LinmlEstimator):
    """Kernel support vector classifier (C-SVC) trained by SMO with second-order working sets.

    Solves, for each pair of classes, ``min_α ½ αᵀQα − Σα`` with ``Q[s, t] = y_s y_t k(x_s, x_t)``
    subject to ``0 ≤ α_t ≤ C_t`` and ``yᵀα = 0``, and predicts with
    ``f(x) = Σ_t α_t y_t k(x_t, x) − ρ``.

    Parameters
    ----------
    C : float, default=1.0
        Box bound on each ``α_t`` (times ``class_weight`` and ``sample_weight``): the price
        of a margin violation. Must be finite and > 0.
    kernel : {'rbf', 'linear', 'poly', 'sigmoid', 'precomputed'} or callable, default='rbf'
        ``k(x, z)``; see :mod:`linml.linalg.kernels`. A callable takes ``(X, Z)`` and returns
        the ``(len(X), len(Z))`` kernel matrix. Callable and precomputed kernels are checked
        for Mercer's condition on the training Gram matrix (a warning names the eigenvalue).
    degree : int, default=3
        Degree of the ``poly`` kernel.
    gamma : {'scale', 'auto'} or float, default='scale'
        Kernel scale: ``'scale'`` = ``1 / (p · X.var())``, ``'auto'`` = ``1 / p``.
    coef0 : float, default=0.0
        Offset of ``poly`` and ``sigmoid``.
    shrinking : bool, default=True
        Temporarily remove variables that are settled at a bound (faster, same answer).
    probability : bool, default=False
        Fit Platt sigmoids on 5-fold cross-validated decision values, enabling
        :meth:`predict_proba` (5× the training time).
    tol : float, default=1e-3
        Stop when the maximal KKT violation ``m(α) − M(α)`` falls below ``tol``.
    cache_size : float, default=200
        Megabytes of kernel rows kept (float32, least-recently-used).
    class_weight : dict, 'balanced' or None
        Multiplies ``C`` per class.
    verbose : bool, default=False
        Log per-pair solver statistics (``logging``, level INFO).
    max_iter : int, default=-1
        Cap on SMO iterations per binary problem; -1 for the default budget
        ``max(10⁷, 100·n)`` (n: samples in the pair), far above what a well-posed problem
        needs. Hitting the cap warns ``ConvergenceWarning`` and keeps the last iterate.
    decision_function_shape : {'ovr', 'ovo'}, default='ovr'
        ``'ovo'``: one column per pair of classes; ``'ovr'``: votes per class plus a
        tie-breaking confidence in (−1/3, 1/3), as scikit-learn.
    break_ties : bool, default=False
        With ``'ovr'`` and more than two classes, predict the argmax of the ovr decision
        function instead of the first class with most votes.
    random_state : int, RandomState or None
        Shuffles the folds of the Platt cross-validation.

    Attributes
    ----------
    classes_ : ndarray (n_classes,)
    support_ : ndarray (n_SV,) — indices of the support vectors, grouped by class
    support_vectors_ : ndarray (n_SV, p) — empty for a precomputed kernel
    n_support_ : ndarray (n_classes,) — support vectors per class
    dual_coef_ : ndarray (n_classes − 1, n_SV) — ``α_t y_t`` in LIBSVM's one-vs-one layout
    intercept_ : ndarray (n_classes·(n_classes − 1)/2,) — ``−ρ`` per pair
    coef_ : ndarray (n_pairs, p) — ``w = Σ α_t y_t x_t``, linear kernel only
    n_iter_ : ndarray (n_pairs,) — SMO iterations per pair
    n_kernel_evals_ : int — kernel entries computed by the solver (all pairs)
    n_bounded_ : int — support vectors at the upper bound ``α_t = C_t`` in some pair
    fit_status_ : int — 0 converged, 1 some pair stopped at ``max_iter``
    gamma_ : float — the resolved kernel scale
    mercer_min_eigenvalue_ : float or None — smallest eigenvalue of the (sub)Gram matrix
        for callable/precomputed kernels
    probA_, probB_ : ndarray (n_pairs,) — Platt parameters (empty without ``probability``)

    Notes
    -----
    The solver (:mod:`linml.svm._kernels`) picks the pair ``(i, j)`` by the second-order
    rule of Fan, Chen & Lin (2005): ``i`` maximizes the violation ``−y_i G_i`` over
    ``I_up``, ``j`` maximizes the guaranteed decrease ``b²/a`` with
    ``a = K_ii + K_jj − 2K_ij``, then solves the two-variable subproblem in closed form.
    With the same tolerance it takes the same steps as LIBSVM, so the support vectors and
    decision values agree with scikit-learn's ``SVC``.

    Examples
    --------
    >>> import numpy as np
    >>> from linml.svm import SVC
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [2.0, 0.0], [2.0, 1.0]])
    >>> y = np.array([0, 0, 1, 1])
    >>> clf = SVC(kernel="linear", C=10.0).fit(X, y)
    >>> clf.predict([[0.4, 0.5], [1.6, 0.5]]).tolist()
    [0, 1]
    >>> bool(np.allclose(np.abs(clf.decision_function(clf.support_vectors_)), 1.0))
    True
    >>> np.round(clf.coef_, 6), np.round(clf.intercept_, 6)
    (array([[1., 0.]]), array([-1.]))
    """

    _param_spec: ClassVar[dict[str, list[Any]]] = {
        "C": [Interval(float, 0, None, closed="neither")],
        "kernel": [Options((*_NAMED_KERNELS, "precomputed")), callable],
        "degree": [Interval(int, 0, None)],
        "coef0": [Interval(float, None, None)],
        "shrinking": [bool],
        "probability": [bool],
        "tol": [Interval(float, 0, None, closed="neither")],
        "cache_size": [Interval(float, 0, None, closed="neither")],
        "class_weight": [dict, Options(("balanced",)), None],
        "verbose": [bool, Interval(int, 0, None)],
        "max_iter": [Interval(int, 1, None), Options((-1,))],
        "decision_function_shape": [Options(("ovo", "ovr"))],
        "break_ties": [bool],
        "random_state": [None, Interval(int, 0, 2**32 - 1), np.random.RandomState],
    }

    def __init__(
        self,
        C: float = 1.0,
        kernel: Any = "rbf",
        degree: int = 3,
        gamma: Any = "scale",
        coef0: float = 0.0,
        shrinking: bool = True,
        probability: bool = False,
        tol: float = 1e-3,
        cache_size: float = 200,
        class_weight: Any = None,
        verbose: bool = False,
        max_iter: int = -1,
        decision_function_shape: str = "ovr",
        break_ties: bool = False,
        random_state: Any = None,
    ) -> None:
        self.C = C
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.shrinking = shrinking
        self.probability = probability
        self.tol = tol
        self.cache_size = cache_size
        self.class_weight = class_weight
        self.verbose = verbose
        self.max_iter = max_iter
        self.decision_function_shape = decision_function_shape
        self.break_ties = break_ties
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.pairwise = isinstance(self.kernel, str) and self.kernel == "precomputed"
        return tags

    # ------------------------------------------------------------------ fit
    def _check_svc_params(self) -> None:
        self._check_params()
        if not math.isfinite(self.C):
            raise LinmlInputError(
                f"SVC: C={self.C!r} must be finite; for a (nearly) hard margin use a large "
                "finite C such as 1e6."
            )
        if isinstance(self.gamma, str) and self.gamma not in ("scale", "auto"):
            raise LinmlInputError(
                f"SVC: gamma={self.gamma!r} must be 'scale', 'auto' or a finite number > 0."
            )

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> SVC:
        """Fit one binary SVM per pair of classes.

        Parameters
        ----------
        X : array-like of shape (n, p), or (n, n) Gram matrix for ``kernel='precomputed'``
        y : array-like of shape (n,)
        sample_weight : array-like of shape (n,), optional
            Multiplies ``C`` per sample; samples of weight 0 are removed.

        Returns
        -------
        self
        """
        self._check_svc_params()
        precomputed = isinstance(self.kernel, str) and self.kernel == "precomputed"
        X, y = validate_data(self, X, y, dtype=np.float64, order="C")
        if not precomputed:
            # the kernel needs ‖x‖², xᵀy and (gamma='scale') X.var(): squares must stay normal.
            # Rescaling here would change support_vectors_ and the meaning of C and gamma.
            check_squares_finite(X, "SVC", tiny=True)
        check_classification_targets(y)
        if precomputed and X.shape[0] != X.shape[1]:
            raise LinmlInputError(
                f"SVC(kernel='precomputed'): X must be the square Gram matrix k(X_train, "
                f"X_train) of shape (n_samples, n_samples); got shape {X.shape}."
            )
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        n_classes = self.classes_.shape[0]
        if n_classes < 2:
            raise LinmlInputError(
                f"SVC needs samples of at least 2 classes; y has only one class "
                f"({self.classes_[0]!r}). Check the target column or the split."
            )
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        cw = compute_class_weight(self.class_weight, classes=self.classes_, y=y)
        C_all = self.C * cw[y_idx] * sw  # per-sample box bound C_t
        # resolved (and checked: finite, > 0) for every kernel, used by poly/rbf/sigmoid
        self.gamma_ = resolve_gamma(self.gamma, X)

        keep = C_all > 0  # zero weight: the sample cannot enter the solution; drop it (LIBSVM)
        kept_classes = np.unique(y_idx[keep])
        if kept_classes.shape[0] < 2:
            raise LinmlInputError(
                "Invalid input - all samples with positive weights belong to the same class "
                f"({self.classes_[kept_classes[0]]!r}); SVC needs two classes with weight > 0."
            )

        K_full, X_work, kernel_id = self._training_kernel(X, precomputed)
        pairs = [(a, b) for a in range(n_classes) for b in range(a + 1, n_classes)]
        alphas, rhos, n_iter, n_evals, status = [], [], [], 0, 0
        rows_of = [np.flatnonzero((y_idx == c) & keep) for c in range(n_classes)]
        for a, b in pairs:
            rows = np.concatenate([rows_of[a], rows_of[b]])  # class a first, as LIBSVM groups
            signs = np.where(y_idx[rows] == a, 1.0, -1.0)
            alpha, rho, it, ev, st = self._solve(
                X_work, K_full, rows, signs, C_all[rows], kernel_id
            )
            alphas.append((rows, alpha))
            rhos.append(rho)
            n_iter.append(it)
            n_evals += ev
            status = max(status, st)
            if self.verbose:
                logger.info(
                    "SVC pair (%s, %s): %d samples, %d iterations, %d kernel evaluations, "
                    "%d support vectors",
                    self.classes_[a],
                    self.classes_[b],
                    rows.size,
                    it,
                    ev,
                    int(np.count_nonzero(alpha)),
                )
        if status:
            import warnings

            budget = (
                f"max_iter={self.max_iter}"
                if self.max_iter > 0
                else "max_iter=-1, the default budget max(1e7, 100·n) iterations"
            )
            warnings.warn(
                f"SVC: SMO stopped at {budget} before the KKT violation fell below "
                f"tol={self.tol} (C={self.C:g}). The dual is nearly degenerate: lower C "
                "(a huge C on overlapping classes mostly buys iterations), scale the "
                "features (e.g. StandardScaler), or raise max_iter.",
                ConvergenceWarning,
                stacklevel=2,
            )
        self._store_solution(X, y_idx, C_all, pairs, alphas, rhos, precomputed)
        self.n_iter_ = np.asarray(n_iter, dtype=np.int32)
        self.n_kernel_evals_ = int(n_evals)
        self.fit_status_ = int(status)
        if self.probability:
            self._fit_platt(X_work, K_full, y_idx, C_all, keep, pairs, kernel_id)
        else:
            self.probA_ = np.empty(0)
            self.probB_ = np.empty(0)
        return self

    def _solve(self, X_work, K_full, rows, signs, C_rows, kernel_id):
        return _solve_pair(
            X_work,
            K_full,
            rows,
            signs,
            C_rows,
            kernel_id,
            self.gamma_,
            self.coef0,
            self.degree,
            self.tol,
            self.shrinking,
            self.max_iter,
            self.cache_size,
        )

    def _training_kernel(self, X: np.ndarray, precomputed: bool):
        """(K_full, X_work, kernel_id): the solver computes named kernels itself, row by row."""
        self.mercer_min_eigenvalue_ = None
        if not precomputed and not callable(self.kernel):
            return None, X, _kernels.KERNEL_IDS[self.kernel]
        K = X if precomputed else pairwise_kernel(X, kernel=self.kernel)
        K = np.ascontiguousarray(K, dtype=np.float64)
        # Mercer on a principal submatrix: a negative eigenvalue there proves K is indefinite
        n = K.shape[0]
        rows = np.arange(n)
        if n > _MERCER_MAX_ROWS:
            rows = np.sort(np.random.default_rng(0).choice(n, _MERCER_MAX_ROWS, replace=False))
        result = mercer_check(K[np.ix_(rows, rows)])
        self.mercer_min_eigenvalue_ = result.min_eigenvalue
        if not result.passed:
            import warnings

            warnings.warn(
                f"SVC: the {'precomputed' if precomputed else 'callable'} kernel is not positive "
                f"semi-definite on the training data (smallest eigenvalue "
                f"{result.min_eigenvalue:.3g} < -{result.tol:.3g}); the dual is not convex, so "
                "SMO returns a stationary point, not necessarily the maximum-margin solution.",
                NumericalWarning,
                stacklevel=3,
            )
        return K, X, _kernels.PRECOMPUTED

    def _store_solution(self, X, y_idx, C_all, pairs, alphas, rhos, precomputed) -> None:
        """Lay the pairwise solutions out as LIBSVM/scikit-learn do."""
        n_classes = self.classes_.shape[0]
        is_sv = np.zeros(X.shape[0], dtype=bool)
        at_bound = np.zeros(X.shape[0], dtype=bool)
        for rows, alpha in alphas:
            is_sv[rows[alpha > 0]] = True
            at_bound[rows[alpha >= C_all[rows]]] = True
        # support vectors grouped by class, ascending index inside a class
        support = np.concatenate([np.flatnonzero(is_sv & (y_idx == c)) for c in range(n_classes)])
        position = np.full(X.shape[0], -1)
        position[support] = np.arange(support.size)
        dual = np.zeros((n_classes - 1, support.size))
        for (
            (a, b),
            (rows, alpha),
        ) in zip(pairs, alphas, strict=True):
            nz = alpha > 0
            cls = y_idx[rows[nz]]
            pos = position[rows[nz]]
            coef = alpha[nz] * np.where(cls == a, 1.0, -1.0)  # α_t y_t
            # LIBSVM layout: class-a SVs keep the pair's coefficient in row b−1, class-b in row a
            dual[np.where(cls == a, b - 1, a), pos] = coef
        intercept = -np.asarray(rhos, dtype=np.float64)
        if n_classes == 2:
            # scikit-learn's sign convention: f > 0 means classes_[1]
            dual, intercept = -dual, -intercept
        self.support_ = support.astype(np.int32)
        self.support_vectors_ = np.empty((0, 0)) if precomputed else X[support]
        self.n_support_ = np.bincount(y_idx[support], minlength=n_classes).astype(np.int32)
        self.dual_coef_ = dual
        self.intercept_ = intercept
        self.n_bounded_ = int(np.count_nonzero(at_bound & is_sv))

    # ------------------------------------------------------------------ Platt
    def _fit_platt(self, X_work, K_full, y_idx, C_all, keep, pairs, kernel_id) -> None:
        """Cross-validated decision values per pair → Platt sigmoid (A, B) per pair."""
        rng = check_random_state(self.random_state)
        A_all, B_all = [], []
        for a, b in pairs:
            rows = np.concatenate([np.flatnonzero((y_idx == c) & keep) for c in (a, b)])
            signs = np.where(y_idx[rows] == a, 1.0, -1.0)
            order = rng.permutation(rows.size)
            f = np.empty(rows.size)
            for fold in range(_PLATT_FOLDS):
                lo = fold * rows.size // _PLATT_FOLDS
                hi = (fold + 1) * rows.size // _PLATT_FOLDS
                test, train = order[lo:hi], np.concatenate([order[:lo], order[hi:]])
                s_train = signs[train]
                if np.all(s_train > 0) or np.all(s_train < 0):
                    f[test] = s_train[0] if s_train.size else 0.0  # one class: constant
                    continue
                alpha, rho, *_ = self._solve(
                    X_work, K_full, rows[train], s_train, C_all[rows[train]], kernel_id
                )
                nz = alpha > 0
                K_test = self._kernel_rows(X_work, K_full, rows[test], rows[train][nz])
                f[test] = K_test @ (alpha[nz] * s_train[nz]) - rho
            A, B = _platt_fit(f, signs > 0)
            A_all.append(A)
            B_all.append(B)
        self.probA_ = np.asarray(A_all)
        self.probB_ = np.asarray(B_all)

    def _kernel_rows(self, X_work, K_full, rows, cols) -> np.ndarray:
        """k(x_rows, x_cols) from the training data (or the training Gram matrix)."""
        if K_full is not None:
            return K_full[np.ix_(rows, cols)]
        return self._kernel(X_work[rows], X_work[cols])

    # ------------------------------------------------------------------ predict
    def _kernel(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        if callable(self.kernel):
            return pairwise_kernel(A, B, kernel=self.kernel)
        return pairwise_kernel(
            A, B, kernel=self.kernel, gamma=self.gamma_, degree=self.degree, coef0=self.coef0
        )

    def _test_kernel(self, X: Any) -> np.ndarray:
        """k(X, support vectors), shape (n_test, n_SV)."""
        check_is_fitted(self)
        precomputed = isinstance(self.kernel, str) and self.kernel == "precomputed"
        if precomputed:
            shape = getattr(X, "shape", None)
            if shape is not None and len(shape) == 2 and shape[1] != self.n_features_in_:
                check_finite(X)  # a NaN is the more basic complaint
                raise LinmlInputError(
                    f"X has {shape[1]} features, but SVC is expecting {self.n_features_in_} "
                    f"features as input: with kernel='precomputed', X must be k(X_test, "
                    f"X_train) of shape (n_test, {self.n_features_in_}), one column per "
                    f"training sample; got shape {tuple(shape)}."
                )
        X = validate_data(self, X, reset=False, dtype=np.float64)
        if precomputed:
            return X[:, self.support_]
        check_squares_finite(X, "SVC")  # ‖x‖² of a test row would overflow the kernel
        return self._kernel(X, self.support_vectors_)

    def _pair_weights(self) -> np.ndarray:
        """W (n_SV, n_pairs) with W[t, pair] = α_t y_t of support vector t in that pair."""
        n_classes = self.classes_.shape[0]
        sv_class = np.repeat(np.arange(n_classes), self.n_support_)
        pairs = [(a, b) for a in range(n_classes) for b in range(a + 1, n_classes)]
        W = np.zeros((sv_class.size, len(pairs)))
        for p, (a, b) in enumerate(pairs):
            in_a, in_b = sv_class == a, sv_class == b
            W[in_a, p] = self.dual_coef_[b - 1, in_a]
            W[in_b, p] = self.dual_coef_[a, in_b]
        return W

    def _decision_ovo(self, X: Any) -> np.ndarray:
        """Raw pairwise decision values (n, n_pairs); > 0 votes for the pair's first class."""
        K = self._test_kernel(X)
        return K @ self._pair_weights() + self.intercept_

    def decision_function(self, X: Any) -> np.ndarray:
        """Signed distance-like scores ``f(x) = Σ α_t y_t k(x_t, x) + intercept``.

        Returns
        -------
        ndarray of shape (n,) for two classes (> 0 means ``classes_[1]``), else
        (n, n_pairs) for ``'ovo'`` or (n, n_classes) for ``'ovr'``.
        """
        dec = self._decision_ovo(X)
        if self.classes_.shape[0] == 2:
            return dec[:, 0]
        if self.decision_function_shape == "ovo":
            return dec
        return _ovr_from_ovo(dec, self.classes_.shape[0])

    def predict(self, X: Any) -> np.ndarray:
        """Class labels: the sign of ``f`` for two classes, one-vs-one voting otherwise."""
        dec = self._decision_ovo(X)
        n_classes = self.classes_.shape[0]
        if n_classes == 2:
            return self.classes_[(dec[:, 0] > 0).astype(int)]
        if self.break_ties and self.decision_function_shape == "ovr":
            return self.classes_[np.argmax(_ovr_from_ovo(dec, n_classes), axis=1)]
        votes = np.zeros((dec.shape[0], n_classes), dtype=np.int64)
        p = 0
        for a in range(n_classes):
            for b in range(a + 1, n_classes):
                positive = dec[:, p] > 0
                votes[:, a] += positive
                votes[:, b] += ~positive
                p += 1
        return self.classes_[np.argmax(votes, axis=1)]  # ties: the lowest class index

    def _check_proba(self) -> bool:
        if not self.probability:
            raise AttributeError(
                "predict_proba is not available when probability=False; refit with "
                "SVC(probability=True)."
            )
        return True

    @available_if(_check_proba)
    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities: Platt sigmoids per pair, coupled by Wu, Lin & Weng (2004).

        Returns
        -------
        ndarray of shape (n, n_classes), rows summing to 1.
        """
        dec = self._decision_ovo(X)
        n_classes = self.classes_.shape[0]
        if n_classes == 2:
            dec = -dec  # back to the pairwise convention of the Platt fit: > 0 means classes_[0]
        R = np.zeros((dec.shape[0], n_classes, n_classes))  # R[:, a, b] = P(a | a or b)
        p = 0
        for a in range(n_classes):
            for b in range(a + 1, n_classes):
                r = _platt_predict(dec[:, p], self.probA_[p], self.probB_[p])
                r = np.clip(r, _MIN_PROB, 1.0 - _MIN_PROB)
                R[:, a, b], R[:, b, a] = r, 1.0 - r
                p += 1
        if n_classes == 2:
            return np.column_stack([R[:, 0, 1], R[:, 1, 0]])
        return _couple_pairwise(R)

    @available_if(_check_proba)
    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`."""
        return np.log(self.predict_proba(X))

    @property
    def coef_(self) -> np.ndarray:
        """``w = Σ_t α_t y_t x_t`` per pair of classes (linear kernel only), shape (n_pairs, p)."""
        if not (isinstance(self.kernel, str) and self.kernel == "linear"):
            raise AttributeError("coef_ is only available when using a linear kernel")
        check_is_fitted(self)
        return self._pair_weights().T @ self.support_vectors_

    # ------------------------------------------------------------------ explain
    def _explain(self) -> Explanation:
        check_is_fitted(self)
        n_sv = int(self.support_.size)
        exp = Explanation(title=f"SVC (kernel={self.kernel!r}, C={self.C:g})")
        exp.add("classes", self.classes_.shape[0])
        exp.add(
            "support vectors",
            n_sv,
            "training samples with α > 0: the only ones the decision function uses",
        )
        exp.add("support vectors per class", self.n_support_)
        exp.add(
            "bounded support vectors",
            self.n_bounded_,
            "α = C: inside the margin or misclassified (margin violations paid at price C)",
        )
        exp.add(
            "free support vectors",
            n_sv - self.n_bounded_,
            "0 < α < C: exactly on the margin y f(x) = 1; they fix the intercept",
        )
        exp.add("SMO iterations per pair", self.n_iter_)
        exp.add("kernel evaluations", self.n_kernel_evals_)
        if isinstance(self.kernel, str) and self.kernel == "linear":
            w_norm = np.linalg.norm(self.coef_, axis=1)
            exp.add("margin width 2/‖w‖", 2.0 / w_norm, "per pair of classes, in input units")
        if not (isinstance(self.kernel, str) and self.kernel == "precomputed") and n_sv:
            sv = self.support_vectors_[: min(n_sv, 1000)]
            K = self._kernel(sv, sv)
            result = mercer_check(K)
            # symmetrize: round-off makes K slightly asymmetric and eigvalsh reads one triangle
            lam = np.linalg.eigvalsh((K + K.T) / 2.0)[::-1]  # descending
            rank = int(np.count_nonzero(lam > result.tol))
            cond = lam[0] / lam[-1] if lam[-1] > result.tol else np.inf
            exp.add(
                "Gram matrix on support vectors: eigenvalues",
                np.array([lam[-1], lam[0]]),
                "smallest and largest; a negative smallest one breaks Mercer's condition",
            )
            exp.add(
                "Gram numerical rank",
                f"{rank} of {sv.shape[0]}",
                "below full: the support vectors are linearly dependent in feature space "
                "(always so for the linear kernel with more support vectors than features)",
            )
            exp.add(
                "Gram condition number",
                float(cond),
                "λ_max/λ_min; large or inf: nearly dependent support vectors in feature space",
            )
            exp.verdict = result.verdict
        if self.mercer_min_eigenvalue_ is not None:
            exp.add("Mercer check on the training Gram matrix", self.mercer_min_eigenvalue_)
        if self.n_bounded_ > 0.5 * max(n_sv, 1):
            exp.suggestions.append(
                "most support vectors sit at the bound C: the classes overlap in feature "
                "space; try a larger C or a more flexible kernel (larger gamma)."
            )
        if self.fit_status_:
            exp.suggestions.append("SMO hit max_iter: raise max_iter or standardize X.")
        return exp


def _ovr_from_ovo(dec: np.ndarray, n_classes: int) -> np.ndarray:
    """One-vs-rest scores from one-vs-one decisions: votes + confidence in (−1/3, 1/3).

    Each pair (a, b) gives a vote to a when ``dec > 0`` (else to b) and adds ``dec`` to a's
    and ``−dec`` to b's summed confidence ``s``; the score is ``votes + s / (3 (|s| + 1))``,
    so confidences only break ties between equal vote counts (scikit-learn's transform).
    """
    votes = np.zeros((dec.shape[0], n_classes))
    conf = np.zeros((dec.shape[0], n_classes))
    p = 0
    for a in range(n_classes):
        for b in range(a + 1, n_classes):
            wins_a = dec[:, p] >= 0
            votes[:, a] += wins_a
            votes[:, b] += ~wins_a
            conf[:, a] += dec[:, p]
            conf[:, b] -= dec[:, p]
            p += 1
    return votes + conf / (3.0 * (np.abs(conf) + 1.0))
