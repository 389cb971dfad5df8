"""``linml cluster``: spectral clustering (or k-means, for contrast) of a table's rows."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from linml.cli._common import console, fail, friendly_errors


def register(app: typer.Typer) -> None:
    @app.command()
    @friendly_errors
    def cluster(
        file: Path = typer.Argument(..., help="CSV, TSV, Parquet or NPZ table; numeric columns."),
        k: int = typer.Option(3, "--k", "-k", help="Number of clusters."),
        method: str = typer.Option("spectral", help="spectral or kmeans."),
        affinity: str = typer.Option(
            "nearest_neighbors", help="rbf or nearest_neighbors (spectral only)."
        ),
        gamma: float = typer.Option(1.0, help="RBF width (affinity rbf)."),
        n_neighbors: int = typer.Option(10, help="Neighbours of the k-NN graph."),
        drop: list[str] = typer.Option(None, "--drop", help="Columns to ignore (e.g. a label)."),
        standardize: bool = typer.Option(False, help="Scale columns to unit variance first."),
        seed: int = typer.Option(0, help="Random seed."),
        out: Path = typer.Option(None, "--out", help="Write the input with a 'cluster' column."),
        plot: Path = typer.Option(None, "--plot", help="PNG scatter of the first two columns."),
    ) -> None:
        """Cluster the rows of FILE by the spectrum of their similarity graph.

        Example: [bold]linml cluster points.csv --k 2 --method spectral --out labels.csv[/]
        """
        import numpy as np
        from sklearn.cluster import KMeans

        from linml.cluster import SpectralClustering
        from linml.datasets import load_table, table_to_xy
        from linml.io import atomic_write

        if method not in ("spectral", "kmeans"):
            fail(f"--method {method!r} must be 'spectral' or 'kmeans'.")
        df = load_table(file)
        missing = [c for c in drop or [] if c not in df.columns]
        if missing:
            fail(f"--drop column(s) {', '.join(missing)} not found in {file}.")
        X, _, names = table_to_xy(df.drop(columns=list(drop or [])))
        if standardize:
            std = X.std(axis=0)
            X = (X - X.mean(axis=0)) / np.where(std > 0, std, 1.0)
        if method == "spectral":
            model = SpectralClustering(
                k, affinity=affinity, gamma=gamma, n_neighbors=n_neighbors, random_state=seed
            ).fit(X)
        else:
            model = KMeans(k, n_init=10, random_state=seed).fit(X)
        labels = model.labels_
        table = Table(title=f"{method} clustering of {X.shape[0]} rows × {X.shape[1]} columns")
        table.add_column("cluster", justify="right")
        table.add_column("size", justify="right")
        for c, size in enumerate(np.bincount(labels, minlength=k)):
            table.add_row(str(c), str(size))
        console.print(table)
        if method == "spectral":
            w = model.eigenvalues_
            console.print(
                "smallest eigenvalues of L_sym: "
                + ", ".join(f"{v:.3g}" for v in w)
                + (f"  (eigengap λ{k + 1} − λ{k} = {w[k] - w[k - 1]:.3g})" if w.size > k else "")
            )
        if out is not None:
            with atomic_write(out, "w") as handle:
                df.assign(cluster=labels).to_csv(handle, index=False)
            console.print(f"wrote {out}")
        if plot is not None:
            from linml.report.figures import new_figure, png_bytes

            fig, ax = new_figure()
            ax.scatter(
                X[:, 0],
                X[:, 1] if X.shape[1] > 1 else np.zeros(len(X)),
                c=labels,
                s=8,
                cmap="tab10",
            )
            ax.set(
                xlabel=names[0], ylabel=names[1] if len(names) > 1 else "", title=f"{method}, k={k}"
            )
            data = png_bytes(fig)
            with atomic_write(plot) as handle:
                handle.write(data)
            console.print(f"wrote {plot}")
