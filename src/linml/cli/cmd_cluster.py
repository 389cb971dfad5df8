"""``linml cluster``: spectral clustering (or k-means, for contrast) of a table's rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from linml.cli import _common as ui
from linml.cli import _table

METHODS = ("spectral", "kmeans")
AFFINITIES = ("nearest_neighbors", "rbf")

#: the library's suggestions, said in cluster's flags
HINTS = ui.Hints(
    flags={"n_neighbors": "--n-neighbors", "gamma": "--gamma", "n_clusters": "-k"},
    phrases=(
        (r"\s*\((?:e\.g\. )?(?:sklearn )?StandardScaler(?: in a Pipeline)?\)", " (--standardize)"),
        (r"\bstandardize X\b", "pass --standardize"),
    ),
)


def register(app: typer.Typer) -> None:
    @app.command()
    @ui.friendly_errors(hints=HINTS)
    @ui.grouped
    def cluster(
        file: Path = typer.Argument(..., help="CSV, TSV, Parquet or NPZ table."),
        k: int = typer.Option(3, "--k", "-k", help="Number of clusters."),
        method: str = typer.Option("spectral", help=f"{' or '.join(METHODS)}."),
        affinity: str = typer.Option(
            "nearest_neighbors",
            help=f"Similarity graph, spectral only: {' or '.join(AFFINITIES)}.",
        ),
        gamma: float = typer.Option(1.0, help="RBF width (affinity rbf): exp(−gamma‖xᵢ − xⱼ‖²)."),
        n_neighbors: int = typer.Option(10, help="Neighbours of the k-NN graph."),
        columns: _table.Columns = _table.Columns,
        reading: _table.Reading = _table.Reading,
        save: Path = _table.SAVE,
        standardize: bool = typer.Option(False, help="Scale columns to unit variance first."),
        seed: int = typer.Option(0, help="Random seed."),
        out: Path = typer.Option(None, "--out", help="Write the input with a 'cluster' column."),
        plot: Path = typer.Option(
            None,
            "--plot",
            help=f"Scatter of the first two columns; format by extension: {', '.join(ui.PLOT_FORMATS)}.",
        ),
        as_json: bool = ui.json_option(),
        quiet: bool = ui.quiet_option(),
    ) -> None:
        """Cluster the rows of FILE by the spectrum of their similarity graph.

        More than 20 clusters: the 20 largest are listed (all: --json). Text columns are
        one-hot encoded, identifiers dropped, missing cells imputed (--missing). --save keeps the
        preprocessing with an out-of-sample rule for `linml predict`: kmeans assigns a new row to
        its nearest centroid; spectral clustering (which has no formula for a new point) to the
        majority cluster of its --n-neighbors nearest training rows.

        Example: [bold]linml cluster points.csv --k 2 --method spectral --out labels.csv[/]
        """
        if method not in METHODS:
            ui.fail(f"--method {method!r} must be 'spectral' or 'kmeans'.")
        ui.check_output_path(out, "--out")
        ui.check_output_path(plot, "--plot", ui.PLOT_FORMATS)
        ui.check_output_path(save, "--save", (".npz",))

        import numpy as np
        from sklearn.base import clone

        from linml.io import atomic_write

        df = _table.read(file, reading)
        prep = _table.prepared(df, None, task=None, columns=columns, standardize=standardize)
        if not as_json:
            _table.print_roles(prep, ui.console)
        transform = clone(prep.preprocessor)
        frame = transform.fit_transform(prep.X)
        names = [str(c) for c in frame.columns]
        X = frame.to_numpy(dtype=np.float64)
        with ui.progress(ui.fitting(method, X.shape), quiet=quiet or as_json):
            if method == "spectral":
                from linml.cluster import SpectralClustering

                model = SpectralClustering(
                    k, affinity=affinity, gamma=gamma, n_neighbors=n_neighbors, random_state=seed
                ).fit(X)
            else:
                from sklearn.cluster import KMeans

                model = KMeans(k, n_init=10, random_state=seed).fit(X)
        labels = model.labels_
        if save is not None:
            rule = _out_of_sample_rule(transform, frame, model, method, labels, n_neighbors)
            _table.save(rule, save, as_json=as_json)
        sizes = np.bincount(labels, minlength=k)
        eigenvalues = model.eigenvalues_ if method == "spectral" else None
        eigengap = (
            float(eigenvalues[k] - eigenvalues[k - 1])
            if eigenvalues is not None and eigenvalues.size > k
            else None
        )
        if out is not None:
            with atomic_write(out, "w") as handle:
                df.loc[prep.X.index].assign(cluster=labels).to_csv(handle, index=False)
            ui.say(f"wrote {out}", as_json=as_json)
        if plot is not None:
            from linml.report.figures import new_figure

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
            ui.write_plot(fig, plot, as_json=as_json)

        if as_json:
            ui.emit_json(
                {
                    "command": "cluster",
                    "file": str(file),
                    "method": method,
                    "affinity": affinity if method == "spectral" else None,
                    "k": k,
                    "n_samples": X.shape[0],
                    "n_features": X.shape[1],
                    "features": names,
                    "standardized": standardize,
                    "columns": prep.to_dict(),
                    "cluster_sizes": sizes,
                    "eigenvalues": eigenvalues,
                    "eigengap": eigengap,
                    "inertia": float(model.inertia_) if method == "kmeans" else None,
                }
            )
            return
        table = Table(title=f"{method} clustering of {X.shape[0]} rows × {X.shape[1]} columns")
        table.add_column("cluster", justify="right")
        table.add_column("size", justify="right")
        wide = k > ui.MAX_ROWS
        order = np.argsort(-sizes, kind="stable")[: ui.MAX_ROWS] if wide else range(k)
        for c in order:
            table.add_row(str(c), str(sizes[c]))
        ui.console.print(table)
        if wide:
            ui.print_more(k - ui.MAX_ROWS, "--json")
        if eigenvalues is not None:
            ui.console.print(
                ui.escape(
                    "smallest eigenvalues of L_sym: "
                    + ", ".join(f"{v:.3g}" for v in eigenvalues)
                    + (
                        f"  (eigengap λ{k + 1} − λ{k} = {eigengap:.3g})"
                        if eigengap is not None
                        else ""
                    )
                )
            )


def _out_of_sample_rule(
    transform: Any, frame: Any, model: Any, method: str, labels: Any, k: int
) -> Any:
    """Preprocessing + a rule that labels new rows, as one pipeline (what ``--save`` writes).

    kmeans: nearest centroid (a 1-NN classifier on the centroids, labelled 0…k−1) — exactly
    ``KMeans.predict``. Spectral: a k-NN vote among the training rows (k = ``--n-neighbors``),
    the graph the clustering was built on.
    """
    import numpy as np
    import pandas as pd
    from sklearn.pipeline import Pipeline

    from linml.neighbors import KNeighborsClassifier

    if method == "kmeans":
        centers = pd.DataFrame(model.cluster_centers_, columns=frame.columns)
        rule = KNeighborsClassifier(n_neighbors=1).fit(centers, np.arange(len(centers)))
    else:
        rule = KNeighborsClassifier(n_neighbors=min(k, len(frame))).fit(frame, labels)
    return Pipeline([("prep", transform), ("model", rule)])
