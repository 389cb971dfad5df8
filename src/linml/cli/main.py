"""Entry point of the ``linml`` command (Typer + Rich).

Each ``linml/cli/cmd_*.py`` module defines ``register(app)`` adding its commands; they are
discovered here, so an area adds a command without touching this file.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from typing import Any

import typer
from rich.markup import escape
from typer.core import TyperGroup

import linml
from linml import cli as _cli_pkg
from linml.cli._common import err_console

try:  # typer ≥ 0.22 vendors click
    from typer._click.exceptions import ClickException, NoSuchOption, UsageError
except ImportError:  # pragma: no cover - older typer depends on click itself
    from click.exceptions import ClickException, NoSuchOption, UsageError


class _OneLineErrors(TyperGroup):
    """Usage errors (unknown option or command, bad option value) as one line, exit 2.

    Click's standalone mode draws a five-line box; the rest of the CLI reports errors as
    ``error: …`` on one line (``cli._common.fail``), so usage errors do too, with a pointer
    to the command's ``--help``.
    """

    def main(
        self,
        args: Any = None,
        prog_name: Any = None,
        complete_var: Any = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except ClickException as e:
            hint = ""
            if isinstance(e, UsageError) and e.ctx is not None:
                hint = f" (see '{e.ctx.command_path} --help')"
                if isinstance(e, NoSuchOption) and not e.option_name.startswith("--"):
                    # '-minus' as a query is read as options -m -i …: say how to pass it
                    hint = (
                        f"; a value that starts with '-' goes after '--', e.g. "
                        f"{e.ctx.command_path} … -- {e.option_name}…{hint}"
                    )
            if e.format_message().strip():  # empty: no arguments at all, help already shown
                err_console.print(
                    f"[bold red]error:[/] {escape(e.format_message())}{escape(hint)}",
                    highlight=False,
                    soft_wrap=True,
                )
            if standalone_mode:
                sys.exit(e.exit_code)
            raise
        except typer.Abort:
            err_console.print("[bold red]error:[/] aborted", highlight=False)
            if standalone_mode:
                sys.exit(1)
            raise
        if standalone_mode:
            sys.exit(rv if isinstance(rv, int) else 0)  # typer.Exit(code) comes back as rv
        return rv


app = typer.Typer(
    name="linml",
    cls=_OneLineErrors,
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
