"""Shared CLI plumbing: one-line errors with exit code 2, consoles, table loading."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])

EXIT_USAGE = 2


def fail(message: str) -> None:
    """Print ``error: message`` on one line to stderr and exit with status 2."""
    # escape: a path like 'data[2024].csv' must not be read as Rich markup
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_USAGE)


def friendly_errors(func: F) -> F:
    """Turn the library's input errors into one line on stderr and exit status 2 (no traceback)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except (ValueError, TypeError, OSError, KeyError) as e:
            message = str(e).strip()
            if isinstance(e, KeyError) and len(e.args) == 1:  # str(KeyError) is the key's repr
                message = str(e.args[0])
            message = message or type(e).__name__
            if isinstance(e, FileNotFoundError) and e.filename:
                message = f"no such file: {e.filename}"
            fail(message.splitlines()[0] if "\n" in message else message)
        except KeyboardInterrupt:  # pragma: no cover - interactive
            err_console.print("interrupted")
            sys.exit(130)

    return wrapper  # type: ignore[return-value]
