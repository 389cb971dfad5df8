"""``linml pca``: principal components of a table — the explained-variance table, a scree plot, scores."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from linml.cli._common import console, fail, friendly_errors


def _parse_components(text: str | None) -> int | float | None:
    """'3' → 3 components; '0.95' → keep 95% of the variance; None → all."""
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        fail(f"--components {text!r} must be an integer K or a fraction in (0, 1] such as 0.95.")
    if not 0 < value <= 1:
        fail(
            f"--components {text!r} is a fraction of the variance to keep, so it must be in "
            "(0, 1]; pass an integer for a number of components."
        )
    return value


def register(app: typer.Typer) -> None:
    @app.command()
    @friendly_errors
    def pca(
        file: Path = typer.Argument(..., help="CSV, TSV, Parquet or NPZ table; numeric columns."),
        components: str = typer.Option(
            None, "--components", "-k", help="K components, or a fraction such as 0.95."
        ),
        whiten: bool = typer.Option(False, "--whiten", help="Scale scores to unit variance."),
        standardize: bool = typer.Option(
            False,
            "--standardize",
            help="Scale columns to unit variance first (PCA on correlations).",
        ),
        drop: list[str] = typer.Option(None, "--drop", help="Columns to ignore (e.g. a label)."),
        plot: Path = typer.Option(None, "--plot", help="Write a scree plot PNG here."),
        out: Path = typer.Option(None, "--out", help="Write the scores (PC1..PCk) as CSV here."),
    ) -> None:
        """Principal components of the rows of FILE: how much variance each axis explains.

        Example: [bold]linml pca digits.csv --components 0.95 --standardize --plot scree.png[/]
        """
        import numpy as np
        import pandas as pd

        from linml.datasets import load_table, table_to_xy
        from linml.decomposition import PCA
        from linml.io import atomic_write

        n_components = _parse_components(components)
        df = load_table(file)
        missing = [c for c in drop or [] if c not in df.columns]
        if missing:
            fail(f"--drop column(s) {', '.join(missing)} not found in {file}.")
        X, _, names = table_to_xy(df.drop(columns=list(drop or [])))
        if standardize:
            std = X.std(axis=0)
            constant = [names[j] for j in np.flatnonzero(std == 0)]
            if constant:
                fail(
                    f"--standardize divides by each column's standard deviation, but column(s) "
                    f"{', '.join(map(repr, constant[:5]))} are constant; --drop them."
                )
            X = (X - X.mean(axis=0)) / std
        model = PCA(n_components, whiten=whiten).fit(X)
        # the table lists the whole spectrum, the kept components first
        full = model if n_components is None else PCA().fit(X)
        k = model.n_components_
        table = Table(
            title=f"PCA of {X.shape[0]} rows × {X.shape[1]} columns ({model.solver_} solver)"
        )
        for col in ("component", "variance", "ratio", "cumulative"):
            table.add_column(col, justify="right")
        cumulative = np.cumsum(full.explained_variance_ratio_)
        for i, (var, ratio) in enumerate(
            zip(full.explained_variance_, full.explained_variance_ratio_)
        ):
            style = None if i < k else "dim"
            table.add_row(
                f"PC{i + 1}", f"{var:.4g}", f"{ratio:.4f}", f"{cumulative[i]:.4f}", style=style
            )
        console.print(table)
        console.print(
            f"kept {k} component(s): {100 * cumulative[k - 1]:.2f}% of the variance"
            + (" (columns standardized)" if standardize else "")
        )
        if out is not None:
            scores = pd.DataFrame(model.transform(X), columns=[f"PC{i + 1}" for i in range(k)])
            with atomic_write(out, "w") as handle:
                scores.to_csv(handle, index=False)
            console.print(f"wrote {out}")
        if plot is not None:
            from linml.report.figures import new_figure, png_bytes

            fig, ax = new_figure(width=6.0)
            idx = np.arange(1, full.explained_variance_ratio_.size + 1)
            ax.bar(idx, full.explained_variance_ratio_, color="tab:blue", label="ratio")
            ax.plot(idx, cumulative, "o-", color="tab:orange", ms=3, label="cumulative")
            ax.axvline(k + 0.5, color="gray", ls="--", lw=1, label=f"kept: {k}")
            ax.set(xlabel="component", ylabel="explained variance ratio", ylim=(0, 1.05))
            ax.set_title(f"Scree plot: {file.name}")
            ax.legend(loc="center right")
            data = png_bytes(fig)
            with atomic_write(plot) as handle:
                handle.write(data)
            console.print(f"wrote {plot}")
