"""``linml tour``: run the chapters, write the HTML page, print a Rich summary."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from linml.cli import _common as ui


def register(app: typer.Typer) -> None:
    @app.command()
    @ui.friendly_errors
    def tour(
        out: Path = typer.Option(Path("linml-tour"), "--out", "-o", help="Output directory."),
        chapter: list[str] = typer.Option(
            None, "--chapter", "-c", help="Run only these chapters (slug); repeatable."
        ),
        list_only: bool = typer.Option(False, "--list", help="List the chapters and exit."),
    ) -> None:
        """Reproduce the claims of linear-algebra-in-ML on embedded data; write OUT/index.html.

        Example: [bold]linml tour --out linml-tour[/]
        """
        from linml.report.tour import discover_chapters, render_html, run_tour

        chapters = discover_chapters()
        if list_only:
            for c in chapters:
                ui.console.print(ui.escape(f"{c.slug:24s} {c.title}"), highlight=False)
            return
        if chapter:
            known = {c.slug for c in chapters}
            unknown = [s for s in chapter if s not in known]
            if unknown:
                ui.fail(f"unknown chapter(s) {', '.join(unknown)}; see `linml tour --list`.")
            chapters = [c for c in chapters if c.slug in set(chapter)]
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=ui.console,
            transient=True,
        ) as progress:
            task = progress.add_task("tour", total=len(chapters))
            results = run_tour(
                chapters,
                on_start=lambda c: progress.update(task, description=ui.escape(c.title)),
                on_done=lambda c, r: progress.advance(task),
            )
            progress.update(task, description="writing HTML")
            path = render_html(results, out)
        table = Table(title="linml tour")
        table.add_column("chapter")
        table.add_column("claims", justify="right")
        table.add_column("verdict")
        table.add_column("time", justify="right")
        for c, r in results:
            ok = sum(x.passed for x in r.claims)
            verdict = (
                "[green]reproduced[/]"
                if r.passed
                else f"[red]{ui.escape(r.error or 'not reproduced')}[/]"
            )
            table.add_row(ui.escape(c.title), f"{ok}/{len(r.claims)}", verdict, f"{r.seconds:.1f}s")
        ui.console.print(table)
        ui.say(f"wrote {path}")
