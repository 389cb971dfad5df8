"""Tour chapter: attention — the attention matrix of a small sequence, and O(n·d) memory by chunks."""

from __future__ import annotations

import tracemalloc

import numpy as np
from threadpoolctl import threadpool_limits

from linml.neural import attention_weights, chunked_attention, scaled_dot_product_attention
from linml.report.figures import new_figure
from linml.report.tour import Chapter, ChapterResult

TOKENS = "the cat sat on the mat and the cat ate".split()
LENGTHS = (256, 512, 1024, 2048)
D = 64
CHUNK = 128


def _peak_bytes(fn, *args, **kwargs) -> int:
    """Peak bytes NumPy allocated while running ``fn`` (tracemalloc sees NumPy's buffers)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        fn(*args, **kwargs)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def run() -> ChapterResult:
    with threadpool_limits(1, user_api="blas"):
        return _run()


def _run() -> ChapterResult:
    result = ChapterResult(
        text="<p>Attention is two matrix products and a row softmax: "
        "<code>O = softmax(Q Kᵀ/√d) V</code>. Row i of the n×n matrix "
        "<code>P = softmax(Q Kᵀ/√d)</code> says how much query i reads from each key; every "
        "output row is a convex combination of the rows of V. The plain forward stores P "
        "(n² numbers); the streaming forward walks over key blocks keeping a running max, "
        "denominator and weighted sum per query, so memory is O(n·d) — the same numbers.</p>"
    )
    # a toy sequence: embeddings = token identity + a little noise; the query of a token
    # matches the keys of the same token, so P shows "where else does my word occur"
    rng = np.random.default_rng(0)
    vocab = sorted(set(TOKENS))
    E = rng.standard_normal((len(vocab), 16))
    X = np.array([E[vocab.index(t)] for t in TOKENS]) + 0.1 * rng.standard_normal((len(TOKENS), 16))
    Q = K = 2.0 * X
    P = attention_weights(Q, K)
    Pc = attention_weights(Q, K, causal=True)
    same = np.array([[a == b for b in TOKENS] for a in TOKENS])
    share = float(np.mean([P[i, same[i]].sum() for i in range(len(TOKENS))]))
    result.check(
        "each token attends to the occurrences of the same word (rows of P sum to 1)",
        f"mean weight on same-word keys {share:.2f}; row sums within "
        f"{np.max(np.abs(P.sum(axis=1) - 1)):.0e} of 1",
        "mean weight > 0.9 and every |row sum − 1| ≤ 1e-12",
        share > 0.9 and np.max(np.abs(P.sum(axis=1) - 1)) <= 1e-12,
    )
    # plain = naive formula, chunked = plain
    Qr, Kr, Vr = (rng.standard_normal((4, 300, D)) for _ in range(3))
    mask = rng.random((300, 300)) < 0.7
    plain = scaled_dot_product_attention(Qr, Kr, Vr, mask=mask, causal=True)
    S = np.einsum("bid,bjd->bij", Qr, Kr) / np.sqrt(D)
    S = np.where(mask & np.tril(np.ones((300, 300), bool)), S, -np.inf)
    naive = np.exp(S - S.max(axis=-1, keepdims=True))
    naive = (naive / naive.sum(axis=-1, keepdims=True)) @ Vr
    chunked = chunked_attention(Qr, Kr, Vr, mask=mask, causal=True, chunk_size=64)
    result.check(
        "softmax(QKᵀ/√d)V equals the naive formula; the chunked forward equals the plain one",
        f"|plain − naive| ≤ {np.max(np.abs(plain - naive)):.1e}, "
        f"|chunked − plain| ≤ {np.max(np.abs(chunked - plain)):.1e} (mask + causal)",
        "both max differences < 1e-6",
        np.max(np.abs(plain - naive)) < 1e-6 and np.max(np.abs(chunked - plain)) < 1e-6,
    )
    mem_plain, mem_chunk = [], []
    for n in LENGTHS:
        Qn, Kn, Vn = (rng.standard_normal((n, D)).astype(np.float32) for _ in range(3))
        mem_plain.append(_peak_bytes(scaled_dot_product_attention, Qn, Kn, Vn))
        mem_chunk.append(_peak_bytes(chunked_attention, Qn, Kn, Vn, chunk_size=CHUNK))
    logn = np.log(LENGTHS)
    slope_plain = float(np.polyfit(logn, np.log(mem_plain), 1)[0])
    slope_chunk = float(np.polyfit(logn, np.log(mem_chunk), 1)[0])
    result.check(
        "peak memory grows like n² for the plain forward, at most like n for the chunked one "
        "(O(n·d) plus one fixed block of scores)",
        f"log-log slopes {slope_plain:.2f} (plain) and {slope_chunk:.2f} (chunked, blocks of "
        f"{CHUNK}); at n = {LENGTHS[-1]}: {mem_plain[-1] / 2**20:.1f} MiB vs "
        f"{mem_chunk[-1] / 2**20:.2f} MiB",
        "plain slope in (1.8, 2.2), chunked slope ≤ 1.1; chunked < 1/10 of plain at the largest n",
        1.8 < slope_plain < 2.2 and slope_chunk <= 1.1 and mem_chunk[-1] < mem_plain[-1] / 10,
    )
    fig, axes = new_figure(2, width=5, height=4.5)
    for ax, M, title in ((axes[0], P, "P = softmax(QKᵀ/√d)"), (axes[1], Pc, "causal")):
        im = ax.imshow(M, cmap="viridis", vmin=0, vmax=1)
        ax.set_xticks(range(len(TOKENS)), TOKENS, rotation=90)
        ax.set_yticks(range(len(TOKENS)), TOKENS)
        ax.set(title=title, xlabel="key", ylabel="query")
    fig.colorbar(im, ax=list(axes), shrink=0.8, label="attention weight P[query, key]")
    result.figure("Attention matrices of a 10-token sentence (rows: queries, columns: keys)", fig)
    fig, ax = new_figure(width=5.5, height=4)
    ax.loglog(LENGTHS, np.array(mem_plain) / 2**20, "o-", label="plain (stores P)")
    ax.loglog(LENGTHS, np.array(mem_chunk) / 2**20, "s-", label=f"chunked ({CHUNK}×{CHUNK} blocks)")
    ax.set(xlabel="sequence length n", ylabel="peak MiB (float32, d = 64)", title="Memory vs n")
    ax.legend()
    result.figure("Peak memory of the attention forward against sequence length", fig)
    return result


CHAPTER = Chapter(
    slug="attention",
    title="Attention",
    order=62,
    run=run,
    summary="An attention matrix as a heat map, and the streaming forward's O(n·d) memory.",
)
