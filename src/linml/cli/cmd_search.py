"""``linml search build|query``: exact similarity search over documents or vectors."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from linml.cli import _common as ui

EMBEDDERS = ("lsa", "minilm")
#: characters of a document a result shows unless --full
SNIPPET_CHARS = 300
#: vector metrics of EmbeddingIndex (the library's ``METRICS``)
METRICS = ("cosine", "l2", "ip")

search_app = typer.Typer(
    help="Exact similarity search: build an index from documents or vectors, then query it.",
    no_args_is_help=True,
)


def _kind(path: Path) -> str:
    """The ``kind`` a search index's metadata declares, read through linml's safe NPZ reader."""
    from linml.exceptions import LinmlInputError
    from linml.io import open_npz

    if not path.is_file():
        ui.fail(f"no such file: {path}")
    try:
        with open_npz(path, what="linml search index", allowed=lambda key: True) as npz:
            meta = npz.json("meta") if "meta" in npz.keys else None
    except LinmlInputError as e:
        reason = str(e).removeprefix(f"cannot load {str(path)!r}: ")
        ui.fail(f"{path} is not a linml search index ({reason})")
    if not isinstance(meta, dict):
        ui.fail(f"{path} is not a linml search index.")
    return str(meta.get("kind", ""))


@search_app.command("build")
@ui.friendly_errors
def build(
    source: Path = typer.Argument(..., help="DOCS.txt (one document per line) or VECTORS.npy."),
    out: Path = typer.Option(..., "--out", "-o", help="Index file to write (.npz)."),
    embedder: str = typer.Option(
        "lsa",
        help=f"For documents: {' or '.join(EMBEDDERS)} (minilm needs the 'embed' extra).",
    ),
    components: int = typer.Option(100, help="LSA rank."),
    metric: str = typer.Option(
        "cosine", help=f"For vectors: {', '.join(METRICS)} (inner product)."
    ),
    seed: int = typer.Option(0, help="Random seed (LSA)."),
) -> None:
    """Build an index. Example: [bold]linml search build docs.txt --out docs.npz[/]"""
    if not source.is_file():
        ui.fail(f"no such file: {source}")
    ui.check_output_path(out, "--out")

    import numpy as np

    from linml.neighbors import DocumentSearch, EmbeddingIndex

    if source.suffix == ".npy":
        try:
            vectors = np.load(source, allow_pickle=False)
        except ValueError as e:
            ui.fail(f"cannot read {source}: {e}")
        EmbeddingIndex(metric).add(vectors.astype(np.float32)).save(out)
        ui.say(
            f"indexed {vectors.shape[0]} vectors of dimension {vectors.shape[1]} ({metric}); wrote {out}"
        )
        return
    try:
        lines = [line.strip() for line in source.read_text(encoding="utf-8").splitlines()]
    except UnicodeDecodeError as e:
        ui.fail(f"cannot read {source} as UTF-8 text: {e}")
    docs = [line for line in lines if line]
    if not docs:
        ui.fail(f"{source} holds no documents (one per non-empty line).")
    search = DocumentSearch(embedder, n_components=components, random_state=seed).fit(docs)
    search.save(out)
    ui.say(
        f"indexed {len(docs)} documents ({embedder}, {search.index_.dim} dimensions); wrote {out}"
    )


def snippet(document: str, limit: int = SNIPPET_CHARS) -> str:
    """The first ``limit`` characters of ``document`` on one line, with its length if cut.

    >>> snippet("a  b\\nc")
    'a b c'
    >>> snippet("word " * 100, limit=12)
    'word word wo… (500 characters)'
    >>> snippet("naïve 🙂 " * 2, limit=7)
    'naïve 🙂… (16 characters)'
    """
    if len(document) <= limit:
        return " ".join(document.split())
    return f"{' '.join(document[:limit].split())}… ({len(document):,} characters)"


@search_app.command("query")
@ui.friendly_errors
def query(
    index: Path = typer.Argument(..., help="Index written by `linml search build`."),
    text: str = typer.Argument(..., help="Query text, or the id (row number) of an indexed item."),
    k: int = typer.Option(5, "-k", help="Number of results."),
    full: bool = typer.Option(
        False,
        "--full",
        help=f"Print each document in full (default: its first {SNIPPET_CHARS} characters).",
    ),
    max_load_mb: float = ui.max_load_option(),
    as_json: bool = ui.json_option(),
) -> None:
    """Top-k most similar items. Example: [bold]linml search query docs.npz "young cats" -k 3[/]

    A document result shows its first 300 characters on one line, then
    "… (N characters)"; --full prints it whole. --json carries the same text.
    """
    from linml.neighbors import DocumentSearch, EmbeddingIndex

    kind = _kind(index)
    results: list[dict[str, object]] = []
    lengths: list[int] = []  # characters of each document hit
    if kind == "linml.DocumentSearch":
        search = DocumentSearch.load(index, max_load_mb=max_load_mb)
        hits = search.query(int(text) if text.isdigit() else text, k=k)
        lengths = [len(doc) for _, _, doc in hits]
        results = [
            {"id": int(i), "score": float(s), "document": doc if full else snippet(doc)}
            for i, s, doc in hits
        ]
    elif kind == "linml.EmbeddingIndex":
        ix = EmbeddingIndex.load(index, max_load_mb=max_load_mb)
        if not text.lstrip("-").isdigit():
            ui.fail("a vector index is queried by the id (row number) of an indexed vector.")
        item = int(text)
        result = ix.search(ix.get([item]), k=min(k, len(ix) - 1), exclude=[[item]])
        results = [{"id": i, "score": float(s)} for i, s in zip(result.ids[0], result.scores[0])]
    else:
        ui.fail(f"{index} is not a linml search index.")
    if as_json:
        ui.emit_json(
            {
                "command": "search query",
                "index": str(index),
                "kind": "documents" if kind == "linml.DocumentSearch" else "vectors",
                "query": text,
                "k": k,
                "full": full,
                "results": results,
            }
        )
        return
    if full and kind == "linml.DocumentSearch":
        # whole documents do not go in a table: a header line per hit, then the text as is
        ui.console.print(ui.escape(f"top {k} for {text!r}"), highlight=False, soft_wrap=True)
        for hit, n_chars in zip(results, lengths):
            ui.console.print(
                ui.escape(f"── id {hit['id']} · score {hit['score']:.4f} · {n_chars:,} characters"),
                highlight=False,
                soft_wrap=True,
            )
            ui.console.print(str(hit["document"]), markup=False, highlight=False, soft_wrap=True)
        return
    table = Table(title=ui.escape(f"top {k} for {text!r}"))
    table.add_column("id", justify="right")
    table.add_column("score", justify="right")
    if kind == "linml.DocumentSearch":
        table.add_column("document")
    for hit in results:
        row = [ui.escape(str(hit["id"])), f"{hit['score']:.4f}"]
        if "document" in hit:
            row.append(ui.escape(str(hit["document"])))
        table.add_row(*row)
    ui.console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(search_app, name="search")
