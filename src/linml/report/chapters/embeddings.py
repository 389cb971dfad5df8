"""Tour chapter: geometry of embeddings — cosine vs L2, and analogies as vector arithmetic."""

from __future__ import annotations

import numpy as np

from linml.datasets import load_word_vectors
from linml.linalg import svd
from linml.neighbors import EmbeddingIndex
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
        "100%, ~1e-15",
        same == 1.0 and identity < 1e-12,
    )
    fig, ax = new_figure()
    for (x, y), name, color in zip(V, names, ["tab:blue", "tab:orange", "tab:green"]):
        ax.annotate("", (x, y), (0, 0), arrowprops={"arrowstyle": "->", "color": color, "lw": 2})
        ax.text(x, y, " " + name, color=color)
    ax.annotate("", q[0], (0, 0), arrowprops={"arrowstyle": "->", "color": "k", "lw": 2})
    ax.text(*q[0], " query", color="k")
    ax.set(xlim=(-0.2, 4.8), ylim=(-0.2, 1.2), title="L2 sees the length, cosine only the angle")
    result.figure("Nearest neighbour by L2 (a) and by cosine (b) of the same query", fig)


def _analogies(result: ChapterResult) -> None:
    words, vectors, relations = load_word_vectors()
    index = EmbeddingIndex("cosine").add(vectors, ids=words)
    king = index.most_similar(positive=["king", "woman"], negative=["man"], k=3)
    result.check(
        "king − man + woman ≈ queen (MiniLM word vectors, 3CosAdd, query words excluded)",
        ", ".join(f"{w} ({s:.2f})" for w, s in king),
        "queen first",
        king[0][0] == "queen",
    )
    rows = []
    total_ok = total = 0
    for name, pairs in relations.items():
        ok = n = 0
        for a, b in pairs:
            for c, d in pairs:
                if (a, b) == (c, d):
                    continue
                top = index.most_similar(positive=[b, c], negative=[a], k=1)[0][0]
                ok += top == d
                n += 1
        rows.append((name, ok / n, n))
        total_ok, total = total_ok + ok, total + n
    result.check(
        "vector offsets encode relations: b − a + c ≈ d over five relation types",
        f"{total_ok}/{total} analogies right ({total_ok / total:.0%}) among {len(words)} words",
        "> 80%",
        total_ok / total > 0.8,
    )
    result.text += (
        "<p>Analogy accuracy per relation (all ordered pairs of pairs, nearest of "
        f"{len(words)} words): "
        + "; ".join(f"{name} {acc:.0%} of {n}" for name, acc, n in rows)
        + ".</p>"
    )
    # the gender offsets, projected on the top-2 principal directions of the pair words
    pairs = relations["gender"][:8]
    P = np.array([index.get([w])[0] for pair in pairs for w in pair], dtype=np.float64)
    mean = P.mean(axis=0)
    _, _, Vt = svd(P - mean)
    Z = (P - mean) @ Vt[:2].T
    fig, ax = new_figure(width=6, height=5)
    for i, (a, b) in enumerate(pairs):
        za, zb = Z[2 * i], Z[2 * i + 1]
        ax.annotate("", zb, za, arrowprops={"arrowstyle": "->", "color": "tab:red", "alpha": 0.7})
        ax.text(*za, a, fontsize=9)
        ax.text(*zb, b, fontsize=9, color="tab:red")
    ax.set(title="male → female offsets are nearly parallel", xlabel="PC1", ylabel="PC2")
    result.figure("Gender pairs projected on their top-2 principal directions", fig)


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
