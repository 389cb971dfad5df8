"""Tour chapter: a network is matmuls — an MLP on the digits, written only with matrix products."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from linml.neural import MLPClassifier, build_mlp, check_layer_gradients
from linml.report.figures import new_figure
from linml.report.tour import Chapter, ChapterResult


def run() -> ChapterResult:
    # small matrices: one BLAS thread beats waking (and, on a busy machine, waiting for) several
    with threadpool_limits(1, user_api="blas"):
        return _run()


def _run() -> ChapterResult:
    result = ChapterResult(
        text="<p>A multi-layer perceptron is <code>H₁ = relu(X W₁ᵀ + b₁)</code>, "
        "<code>Z = H₁ W₂ᵀ + b₂</code>, a softmax and a cross-entropy. Backpropagation is the "
        "same products transposed: <code>∂L/∂W₂ = Gᵀ H₁</code>, <code>∂L/∂H₁ = G W₂</code>, "
        "masked by the ReLU, <code>∂L/∂W₁ = G₁ᵀ X</code> — nothing but GEMMs and element-wise "
        "masks, here on the 8×8 digits.</p>"
    )
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier((128,), epochs=100, random_state=0).fit(Xtr, ytr)
    accuracy = clf.score(Xte, yte)
    result.check(
        "an MLP (64→128→10, ReLU, Adam) classifies the digits; stratified 80/20 split",
        f"test accuracy {accuracy:.4f} after {clf.n_iter_} epochs",
        "≥ 0.97",
        accuracy >= 0.97,
    )
    # the fitted model's output is literally two matrix products and a max(·, 0)
    W1, W2 = clf.coefs_
    b1, b2 = clf.intercepts_
    Z = np.maximum(Xte @ W1.T + b1, 0) @ W2.T + b2
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    gap = float(np.max(np.abs(P - clf.predict_proba(Xte))))
    result.check(
        "predict_proba is softmax(relu(X W₁ᵀ + b₁) W₂ᵀ + b₂), written out by hand",
        f"max |difference| = {gap:.1e}",
        "round-off (< 1e-12)",
        gap < 1e-12,
    )
    # backprop is exact: the network's gradient matches central differences (float64)
    net = build_mlp(64, (16,), 10, dtype=np.float64, random_state=0)
    net[0].input_grad = True
    errors = check_layer_gradients(net, Xtr[:8])
    worst = max(errors.values())
    result.check(
        "hand-written backprop equals central differences on every weight",
        f"largest relative error {worst:.1e} over {len(errors)} arrays",
        "< 1e-6",
        worst < 1e-6,
    )
    flops = 2 * (64 * 128 + 128 * 10)
    result.text += (
        f"<p>One sample costs {flops:,} flops forward and about twice that backward; the whole "
        f"training ran {clf.n_iter_} epochs of {len(ytr)} samples in float32; the softmax "
        "cross-entropy is fused with a log-sum-exp, so it stays finite for any logits.</p>"
    )
    fig, ax = new_figure(width=5.5, height=4)
    ax.plot(np.arange(1, clf.n_iter_ + 1), clf.loss_curve_, color="tab:blue")
    ax.set(yscale="log", xlabel="epoch", ylabel="mean cross-entropy (train)", title="Loss curve")
    result.figure("Training loss per epoch (Adam, batch 128)", fig)
    fig, axes = new_figure(8, 2, width=1.2, height=1.2)
    order = np.argsort(-np.linalg.norm(W1, axis=1))[:16]
    for ax, row in zip(axes.ravel(), order, strict=True):
        ax.imshow(W1[row].reshape(8, 8), cmap="RdBu_r")
        ax.set_axis_off()
    result.figure(
        "The 16 largest rows of W₁ as 8×8 images: the templates the first layer matches", fig
    )
    return result


CHAPTER = Chapter(
    slug="neural_matmuls",
    title="A network is matmuls",
    order=60,
    run=run,
    summary="An MLP on the digits with only matrix products: ≥97% accuracy, and backprop checked.",
)
