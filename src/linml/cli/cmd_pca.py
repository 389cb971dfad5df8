"""``linml pca``: principal components of a table — the explained-variance table, a scree plot, scores."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from linml.cli import _common as ui
from linml.cli import _table

#: the library's suggestions, said in pca's flags
HINTS = ui.Hints(flags={"n_components": "--components"})


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
        ui.fail(f"--components {text!r} must be an integer K or a fraction in (0, 1] such as 0.95.")
    if not 0 < value <= 1:
        ui.fail(
            f"--components {text!r} is a fraction of the variance to keep, so it must be in "
            "(0, 1]; pass an integer for a number of components."
        )
    return value


def _stream_pca(
    stream: _table.ParquetStream, n_components: int | float | None, whiten: bool, quiet: bool
) -> tuple[object, object, int]:
    """``(model, full, n_blocks)``: PCA(n_components) and, when that keeps fewer, PCA() (the
    whole spectrum for the table), both updated by ``partial_fit`` block by block."""
    from linml.decomposition import PCA

    model = PCA(n_components, whiten=whiten)
    full = model if n_components is None else PCA()
    n_seen = n_blocks = 0
    for X_b, _ in stream.blocks():
        message = f"streaming PCA: {n_blocks} blocks done, {n_seen:,} of {stream.n_rows:,} rows …"
        with ui.progress(message, quiet=quiet):
            model.partial_fit(X_b)
            if full is not model:
                full.partial_fit(X_b)
        n_seen += X_b.shape[0]
        n_blocks += 1
    return model, full, n_blocks


def register(app: typer.Typer) -> None:
    @app.command()
    @ui.friendly_errors(hints=HINTS)
    @ui.grouped
    def pca(
        file: Path = typer.Argument(
            ...,
            help="CSV, TSV, Parquet or NPZ table; or a directory / quoted glob of Parquet files, "
            "streamed block by block.",
        ),
        components: str = typer.Option(
            None, "--components", "-k", help="K components, or a fraction such as 0.95."
        ),
        whiten: bool = typer.Option(False, "--whiten", help="Scale scores to unit variance."),
        standardize: bool = typer.Option(
            False,
            "--standardize",
            help="Scale columns to unit variance first (PCA on correlations).",
        ),
        columns: _table.Columns = _table.Columns,
        reading: _table.Reading = _table.Reading,
        save: Path = _table.SAVE,
        plot: Path = typer.Option(
            None,
            "--plot",
            help=f"Write a scree plot here; format by extension: {', '.join(ui.PLOT_FORMATS)}.",
        ),
        out: Path = typer.Option(None, "--out", help="Write the scores (PC1..PCk) as CSV here."),
        block_rows: int = _table.BLOCK_ROWS,
        as_json: bool = ui.json_option(),
        quiet: bool = ui.quiet_option(),
    ) -> None:
        """Principal components of the rows of FILE: how much variance each axis explains.

        The table lists the whole spectrum, the first 20 components when there are more
        (all, with the kept components' loadings: --json). Text columns are one-hot encoded,
        identifiers dropped, missing cells imputed (--missing); --save keeps the preprocessing
        with the fitted PCA, so `linml predict` gives the scores of new rows.

        A directory or quoted glob of Parquet files ('data/*.parquet') is streamed: read in
        blocks of --block-rows with bounded memory and fitted by PCA.partial_fit (numeric
        columns only; the covariance is merged exactly, so the result equals one fit).

        Example: [bold]linml pca digits.csv --components 0.95 --standardize --plot scree.png[/]
        """
        n_components = _parse_components(components)
        ui.check_output_path(out, "--out")
        ui.check_output_path(plot, "--plot", ui.PLOT_FORMATS)
        ui.check_output_path(save, "--save", (".npz",))

        import numpy as np
        import pandas as pd

        from linml.decomposition import PCA
        from linml.io import atomic_write

        streamed = _table.is_streamed(file)
        if streamed:
            refusal = _table.in_memory_refusal(columns, standardize=standardize, out=out, save=save)
            if refusal:
                ui.fail(refusal)
            stream = _table.parquet_stream(
                file, None, drop=columns.drop, features=columns.features, block_rows=block_rows
            )
            model, full, n_blocks = _stream_pca(stream, n_components, whiten, quiet or as_json)
            names = list(stream.features)
            n_rows, n_features = int(model.n_samples_seen_), len(names)
            ui.say(
                f"streamed {n_rows} rows in {n_blocks} blocks from {len(stream.files)} file(s)",
                as_json=as_json,
            )
        else:
            prep = _table.prepared(
                _table.read(file, reading),
                None,
                task=None,
                columns=columns,
                standardize=standardize,
            )
            if not as_json:
                _table.print_roles(prep, ui.console)
            pipeline = prep.pipeline(PCA(n_components, whiten=whiten))
            with ui.progress(ui.fitting("PCA", prep.X.shape), quiet=quiet or as_json):
                pipeline.fit(prep.X)
                model = pipeline[-1]
                X = pipeline[0].transform(prep.X).to_numpy(dtype=np.float64)
                # the table lists the whole spectrum, the kept components first
                full = model if n_components is None else PCA().fit(X)
            names = [str(c) for c in pipeline[0].get_feature_names_out()]
            n_rows, n_features = X.shape
            _table.save(pipeline, save, as_json=as_json)
        k = model.n_components_
        cumulative = np.cumsum(full.explained_variance_ratio_)
        if out is not None:
            scores = pd.DataFrame(
                model.transform(X), columns=[f"PC{i + 1}" for i in range(k)], index=prep.X.index
            )
            with atomic_write(out, "w") as handle:
                scores.reset_index(names=prep.X.index.name or "row").to_csv(handle, index=False)
            ui.say(f"wrote {out}", as_json=as_json)
        if plot is not None:
            from linml.report.figures import new_figure

            fig, ax = new_figure(width=6.0)
            idx = np.arange(1, full.explained_variance_ratio_.size + 1)
            ax.bar(idx, full.explained_variance_ratio_, color="tab:blue", label="ratio")
            ax.plot(idx, cumulative, "o-", color="tab:orange", ms=3, label="cumulative")
            ax.axvline(k + 0.5, color="gray", ls="--", lw=1, label=f"kept: {k}")
            ax.set(xlabel="component", ylabel="explained variance ratio", ylim=(0, 1.05))
            ax.set_title(f"Scree plot: {file.name}")
            ax.legend(loc="center right")
            ui.write_plot(fig, plot, as_json=as_json)

        if as_json:
            ui.emit_json(
                {
                    "command": "pca",
                    "file": str(file),
                    "n_samples": n_rows,
                    "n_features": n_features,
                    "features": names,
                    "standardized": standardize,
                    "columns": None if streamed else prep.to_dict(),
                    **({"streamed": {"rows": n_rows, "blocks": n_blocks}} if streamed else {}),
                    "whiten": whiten,
                    "solver": model.solver_,
                    "n_components": int(k),
                    "kept_variance_ratio": float(cumulative[k - 1]),
                    "explained_variance": full.explained_variance_,
                    "explained_variance_ratio": full.explained_variance_ratio_,
                    "cumulative_variance_ratio": cumulative,
                    "singular_values": full.singular_values_,
                    "components": model.components_,
                    "mean": model.mean_,
                }
            )
            return
        table = Table(title=f"PCA of {n_rows} rows × {n_features} columns ({model.solver_} solver)")
        for col in ("component", "variance", "ratio", "cumulative"):
            table.add_column(col, justify="right")
        total = full.explained_variance_ratio_.size
        for i in range(min(total, ui.MAX_ROWS)):
            table.add_row(
                f"PC{i + 1}",
                f"{full.explained_variance_[i]:.4g}",
                f"{full.explained_variance_ratio_[i]:.4f}",
                f"{cumulative[i]:.4f}",
                style=None if i < k else "dim",
            )
        ui.console.print(table)
        ui.print_more(total - ui.MAX_ROWS, "--json")
        ui.console.print(
            f"kept {k} component(s): {100 * cumulative[k - 1]:.2f}% of the variance"
            + (" (columns standardized)" if standardize else ""),
            highlight=False,
        )
