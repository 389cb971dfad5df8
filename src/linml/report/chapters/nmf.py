"""Tour chapter: non-negative matrix factorization — parts of digits, topics of Python's docs."""

from __future__ import annotations

import html
import importlib
import inspect
import warnings

import numpy as np

from linml.decomposition import NMF, PCA
from linml.linalg import randomized_svd
from linml.report.figures import new_figure
from linml.report.tour import Chapter, ChapterResult

#: Standard-library modules whose docstrings form the text corpus (fixed list, fixed order).
STDLIB_MODULES = (
    "abc", "argparse", "array", "ast", "asyncio", "base64", "bisect", "bz2", "calendar",
    "cmath", "codecs", "collections", "concurrent.futures", "configparser", "contextlib",
    "copy", "csv", "dataclasses", "datetime", "decimal", "difflib", "dis", "email.message",
    "email.utils", "enum", "fnmatch", "fractions", "ftplib", "functools", "getpass",
    "gettext", "glob", "gzip", "hashlib", "heapq", "hmac", "html", "html.parser",
    "http.client", "http.cookies", "http.server", "imaplib", "inspect", "io", "ipaddress",
    "itertools", "json", "locale", "logging", "logging.handlers", "lzma", "mailbox", "math",
    "mimetypes", "numbers", "operator", "os", "pathlib", "pickle", "pkgutil", "platform",
    "poplib", "pprint", "queue", "random", "re", "sched", "secrets", "select", "selectors",
    "shelve", "shlex", "shutil", "signal", "smtplib", "socket", "socketserver", "sqlite3",
    "ssl", "statistics", "string", "struct", "subprocess", "sys", "sysconfig", "tarfile",
    "tempfile", "textwrap", "threading", "time", "timeit", "tokenize", "trace", "traceback",
    "types", "typing", "unittest", "urllib.parse", "urllib.request", "uuid", "warnings",
    "weakref", "xml.dom.minidom", "xml.etree.ElementTree", "zipfile", "zlib",
)  # fmt: skip


def stdlib_docstrings(modules: tuple[str, ...] = STDLIB_MODULES, min_words: int = 8) -> list[str]:
    """Docstrings of the listed modules and of the public classes/functions they define.

    Deterministic: modules in the given order, members sorted by name; a member counts when
    its ``__module__`` is the module itself (or its C accelerator, ``_name``), so re-exports
    are not counted twice; identical and short (< ``min_words`` words) docstrings are dropped.
    """
    docs: list[str] = []
    seen: set[str] = set()
    with warnings.catch_warnings():  # touching e.g. typing.io warns DeprecationWarning
        warnings.simplefilter("ignore", DeprecationWarning)
        for name in modules:
            module = importlib.import_module(name)
            short = name.rsplit(".", 1)[-1]
            owners = {name, short, f"_{short}"}
            members = [getattr(module, a) for a in sorted(dir(module)) if not a.startswith("_")]
            for obj in [module, *members]:
                if obj is not module and not (
                    (inspect.isclass(obj) or inspect.isroutine(obj))
                    and getattr(obj, "__module__", None) in owners
                ):
                    continue
                doc = inspect.getdoc(obj)
                if not doc or len(doc.split()) < min_words or doc in seen:
                    continue
                seen.add(doc)
                docs.append(doc)
    return docs


def _digits_part(result: ChapterResult) -> None:
    from sklearn.datasets import load_digits

    X = load_digits().data  # (1797, 64), pixel intensities 0..16
    k = 16
    nmf = NMF(k, max_iter=300, random_state=0)
    W = nmf.fit_transform(X)
    H = nmf.components_
    pca = PCA(k).fit(X)
    S = np.linalg.svd(X, compute_uv=False)
    svd_error = float(np.sqrt(np.sum(S[k:] ** 2)))  # Eckart–Young: the best rank-k error

    result.check(
        "NMF factors are non-negative: every part and every weight is >= 0",
        f"min W = {W.min():.3g}, min H = {H.min():.3g}",
        ">= 0",
        W.min() >= 0 and H.min() >= 0,
    )
    zeros_H = float(np.mean(H == 0))
    negative_pca = float(np.mean(pca.components_ < 0))
    result.check(
        "NMF parts are localized (many pixels exactly 0), PCA axes are dense and signed",
        f"NMF parts: {100 * zeros_H:.0f}% zero pixels; PCA axes: {100 * negative_pca:.0f}% "
        "negative pixels",
        "NMF >= 30% zeros; PCA >= 25% negative",
        zeros_H >= 0.30 and negative_pca >= 0.25,
    )
    ratio = nmf.reconstruction_err_ / svd_error
    result.check(
        "non-negativity costs accuracy, but little: NMF's rank-16 error is at least the "
        "truncated SVD's (Eckart–Young) and within 25% of it",
        f"‖X − WH‖ / ‖X − X₁₆‖ = {ratio:.3f}",
        "1 − 1e-9 ≤ ratio ≤ 1.25 (1e-9: round-off)",
        1.0 - 1e-9 <= ratio <= 1.25,
    )
    fig, axes = new_figure(8, 4, width=1.1, height=1.1)
    for i in range(k):
        ax = axes[2 * (i // 8), i % 8]
        ax.imshow(H[i].reshape(8, 8), cmap="Greys", vmin=0)
        ax = axes[2 * (i // 8) + 1, i % 8]
        lim = np.abs(pca.components_[i]).max()
        ax.imshow(pca.components_[i].reshape(8, 8), cmap="RdBu_r", vmin=-lim, vmax=lim)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 0].set_ylabel("NMF")
    axes[1, 0].set_ylabel("PCA")
    axes[2, 0].set_ylabel("NMF")
    axes[3, 0].set_ylabel("PCA")
    result.figure(
        "Digits: the 16 NMF parts (rows 1 and 3, grey: all ≥ 0) are strokes; the 16 PCA axes "
        "(rows 2 and 4, red/blue: signed) are global patterns",
        fig,
    )


def _topics_part(result: ChapterResult) -> str:
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = stdlib_docstrings()
    vectorizer = TfidfVectorizer(
        stop_words="english",
        min_df=3,
        max_df=0.3,
        token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z]{2,}\b",
        sublinear_tf=True,
    )
    X = vectorizer.fit_transform(docs)  # (documents, terms), sparse, rows of unit norm
    terms = np.asarray(vectorizer.get_feature_names_out())
    k, top = 10, 8
    nmf = NMF(k, max_iter=200, random_state=0)
    W = nmf.fit_transform(X)
    H = nmf.components_
    _, _, Vt = randomized_svd(X, k, n_iter=7, random_state=0)

    nmf_topics = [terms[np.argsort(h)[::-1][:top]] for h in H]
    svd_topics = [np.argsort(np.abs(v))[::-1][:top] for v in Vt]
    result.check(
        f"a real text corpus ships with Python: the docstrings of {len(STDLIB_MODULES)} "
        "standard-library modules and their public classes and functions",
        f"{X.shape[0]} documents × {X.shape[1]} terms (TF-IDF), {X.nnz} non-zeros",
        ">= 500 documents",
        X.shape[0] >= 500,
    )
    signed = float(np.mean([np.mean(Vt[j, idx] < 0) for j, idx in enumerate(svd_topics) if j]))
    result.check(
        "truncated-SVD factors beyond the first mix signs: their strongest words carry both "
        "+ and − weights, so a 'topic' is a contrast, not a list",
        f"{100 * signed:.0f}% of the top-{top} words of SVD factors 2..{k} have negative weight",
        ">= 25%",
        signed >= 0.25,
    )
    overlaps = [
        len(set(a) & set(b)) / len(set(a) | set(b))
        for i, a in enumerate(nmf_topics)
        for b in nmf_topics[i + 1 :]
    ]
    result.check(
        "NMF topics are additive and distinct: the top words of different topics barely overlap",
        f"mean Jaccard overlap of top-{top} word sets: {np.mean(overlaps):.3f}; "
        f"min H = {H.min():.1f}",
        "< 0.05 and H >= 0",
        np.mean(overlaps) < 0.05 and H.min() >= 0,
    )
    loads = W / np.maximum(W.max(axis=1, keepdims=True), np.finfo(float).tiny)
    n_active = np.sum(loads > 0.25, axis=1)[W.max(axis=1) > 0]
    result.check(
        "each docstring is explained by few topics (W is sparse)",
        f"median topics above 25% of a document's strongest: {np.median(n_active):.0f}; "
        f"{100 * nmf.zero_fraction_W_:.0f}% of W exactly 0",
        "median <= 2",
        np.median(n_active) <= 2,
    )

    n_bars = 30
    strongest = np.argsort(np.abs(Vt[1]))[::-1][:n_bars]  # term indices, strongest first
    weights = Vt[1][strongest]
    fig, ax = new_figure(width=6.5, height=0.22 * n_bars + 1.2)
    rows = np.arange(n_bars)[::-1]  # strongest at the top
    ax.barh(rows, weights, color=np.where(weights >= 0, "tab:blue", "tab:red"))
    ax.set_yticks(rows, terms[strongest], fontsize=8)
    ax.axvline(0.0, color="0.3", lw=0.8)
    ax.set(
        xlabel="weight in SVD factor 2 (blue +, red −)",
        ylabel=f"the {n_bars} terms of largest |weight|",
        title="A truncated-SVD factor is signed: + and − words contrast",
    )
    result.figure("Weights of the second truncated-SVD factor of the TF-IDF matrix", fig)

    rows = []
    for j in range(k):
        svd_words = " ".join(
            ("+" if Vt[j, i] > 0 else "−") + html.escape(terms[i]) for i in svd_topics[j]
        )
        rows.append(
            f"<tr><td>{j + 1}</td><td>{html.escape(' '.join(nmf_topics[j]))}</td>"
            f"<td>{svd_words}</td></tr>"
        )
    return (
        "<p>Topics of the standard library's docstrings (TF-IDF, k = 10): NMF's parts are "
        "lists of words that occur together; truncated SVD's factors are signed contrasts.</p>"
        "<table><tr><th>#</th><th>NMF topic (top words)</th><th>SVD factor (top |weight|, "
        "signed)</th></tr>" + "".join(rows) + "</table>"
    )


def run() -> ChapterResult:
    result = ChapterResult(
        text="<p>NMF factors a non-negative matrix as <i>X ≈ W H</i> with <i>W, H ≥ 0</i>. "
        "Nothing can cancel, so each row of <i>X</i> is built by <em>adding</em> parts — strokes "
        "of a digit, words of a topic — where PCA and truncated SVD subtract as freely as they "
        "add. The price is a non-convex problem, solved here by HALS: exact coordinate "
        "minimization, one column of <i>W</i> (then of <i>H</i>) at a time.</p>"
    )
    _digits_part(result)
    result.text += _topics_part(result)
    return result


CHAPTER = Chapter(
    slug="nmf",
    title="NMF: parts and topics",
    order=34,
    run=run,
    summary="Non-negative factors of the digits are strokes; of Python's own docstrings, topics "
    "— against the signed factors of PCA and truncated SVD.",
)
