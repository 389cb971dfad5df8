"""Entry point of the ``linml`` command (Typer + Rich).

Each ``linml/cli/cmd_*.py`` module defines ``register(app)`` adding its commands; they are
discovered here, so an area adds a command without touching this file.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

import linml
from linml import cli as _cli_pkg

app = typer.Typer(
    name="linml",
    help="Machine learning as the linear algebra it is. Try `linml tour`.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"linml {linml.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Machine learning as the linear algebra it is."""


def _register_commands() -> None:
    for info in sorted(pkgutil.iter_modules(_cli_pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("cmd_"):
            module = importlib.import_module(f"linml.cli.{info.name}")
            module.register(app)


_register_commands()


def main() -> None:
    """Run the command line (the ``linml`` console script)."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
