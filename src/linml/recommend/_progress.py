"""A rich progress bar shown only when ``verbose`` (library code never prints otherwise).

The bar goes to stderr, so that stdout stays clean for results (``--json``, pipes).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def progress_bar(verbose: bool | int, title: str, total: int) -> Iterator[Callable[[str], None]]:
    """Yield ``advance(text)``: one step of ``total``, with ``text`` as the description."""
    if not verbose:
        yield lambda text: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]" + title),
        BarColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        transient=True,
        console=Console(stderr=True),
    ) as progress:
        task = progress.add_task("", total=total)

        def advance(text: str) -> None:
            progress.update(task, advance=1, description=text)

        yield advance
