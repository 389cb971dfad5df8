"""Tour chapter: low-rank images — Eckart–Young on a photograph, one SVD per colour channel."""

from __future__ import annotations

import numpy as np

from linml.linalg import low_rank_approx, randomized_svd, svd
from linml.report.figures import new_figure
from linml.report.tour import Chapter, ChapterResult

RANKS = (1, 5, 20, 50)


def _load_photo() -> np.ndarray:
    """scikit-learn's bundled 'china.jpg', 2× downsampled (2×2 block means), floats in [0, 1]."""
    from sklearn.datasets import load_sample_image

    img = load_sample_image("china.jpg").astype(np.float64) / 255.0  # (427, 640, 3)
    h, w = (img.shape[0] // 2) * 2, (img.shape[1] // 2) * 2
    # (h/2, 2, w/2, 2, 3) → mean over each 2×2 block
    return img[:h, :w].reshape(h // 2, 2, w // 2, 2, 3).mean(axis=(1, 3))


def run() -> ChapterResult:
    result = ChapterResult(
        text="<p>Eckart–Young–Mirsky: the best rank-<i>k</i> approximation of a matrix in the "
        "Frobenius (and spectral) norm is its truncated SVD, and its error is set by the "
        "discarded singular values: ‖X − X<sub>k</sub>‖<sub>F</sub> = √(Σ<sub>i>k</sub> "
        "σ<sub>i</sub>²). A photograph is three matrices (R, G, B); keeping <i>k</i> singular "
        "triplets per channel stores <i>k(m + n + 1)</i> numbers instead of <i>mn</i>.</p>"
    )
    img = _load_photo()
    m, n, _ = img.shape
    factors = [svd(img[:, :, c]) for c in range(3)]  # one SVD per channel: U (m, r), S, Vt
    total = float(np.sum(img**2))
    grid = np.linspace(10, min(m, n), 12).astype(int)
    ks = np.unique(np.concatenate([np.arange(1, 6), grid, RANKS]))
    measured, bound = [], []
    for k in ks:
        err2 = 0.0
        for c, (U, S, Vt) in enumerate(factors):
            approx = (U[:, :k] * S[:k]) @ Vt[:k]  # U_k diag(S_k) Vt_k
            err2 += float(np.sum((img[:, :, c] - approx) ** 2))
        measured.append(np.sqrt(err2 / total))
        bound.append(np.sqrt(sum(float(np.sum(S[k:] ** 2)) for _, S, _ in factors) / total))
    measured, bound = np.array(measured), np.array(bound)
    worst = float(np.max(np.abs(measured - bound)))
    result.check(
        "the measured error of the truncated SVD equals the Eckart–Young value √(σₖ₊₁² + σₖ₊₂² + …)",
        f"max |measured − bound| = {worst:.1e} over {ks.size} ranks (relative errors)",
        "< 1e-10",
        worst < 1e-10,
    )

    # no rank-k approximation beats the truncated SVD: randomized SVD with no power iterations
    k = 20
    channel = img[:, :, 0]
    best = low_rank_approx(channel, k)
    U, S, Vt = randomized_svd(channel, k, n_oversamples=5, n_iter=0, random_state=0)
    rand_err = float(np.linalg.norm(channel - (U * S) @ Vt))
    result.check(
        "a different rank-20 approximation (randomized SVD, no power iterations) is no better",
        f"randomized {rand_err:.4f} ≥ optimal {best.frobenius_error:.4f}",
        "randomized ≥ optimal − 1e-9 (round-off)",
        rand_err >= best.frobenius_error - 1e-9,
    )
    storage = {k: k * (m + n + 1) / (m * n) for k in RANKS}
    err_at = dict(zip(ks.tolist(), measured.tolist()))
    k_show = 50
    result.check(
        f"rank {k_show} keeps the picture recognisable with a fraction of the numbers",
        f"storage {100 * storage[k_show]:.1f}% of the pixels, relative error "
        f"{100 * err_at[k_show]:.1f}%",
        "storage < 50%, error < 10%",
        storage[k_show] < 0.5 and err_at[k_show] < 0.10,
    )

    fig, axes = new_figure(len(RANKS) + 1, width=3.2, height=2.6)
    axes[0].imshow(img)
    axes[0].set_title(f"original {m}×{n}")
    for ax, k in zip(axes[1:], RANKS):
        approx = np.stack([(U[:, :k] * S[:k]) @ Vt[:k] for U, S, Vt in factors], axis=2)
        ax.imshow(np.clip(approx, 0, 1))
        ax.set_title(f"k = {k}: {100 * storage[k]:.1f}% storage")
    for ax in axes:
        ax.axis("off")
    result.figure("The photograph at ranks 1, 5, 20 and 50 per channel", fig)

    fig, ax = new_figure(width=6.0)
    ax.plot(ks, measured, "o", ms=4, label="measured ‖X − X_k‖_F / ‖X‖_F")
    ax.plot(ks, bound, "-", label=r"Eckart–Young $\sqrt{\sum_{i>k}\sigma_i^2}\,/\,\|X\|_F$")
    ax.plot(ks, ks * (m + n + 1) / (m * n), "--", label="storage k(m + n + 1) / mn")
    ax.set(xlabel="rank k per channel", ylabel="fraction", ylim=(0, 1.05))
    ax.set_title("Error and storage against k")
    ax.legend()
    result.figure("Relative error (measured and Eckart–Young) and storage against k", fig)
    return result


CHAPTER = Chapter(
    slug="low_rank_images",
    title="Low-rank images",
    order=33,
    run=run,
    summary="Truncated SVD compresses a photograph; its error is exactly the discarded spectrum.",
)
