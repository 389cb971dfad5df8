"""Shared CLI plumbing: how every ``linml`` command speaks.

* errors: one line ``error: …`` on stderr, exit status 2 (:func:`fail`, :func:`friendly_errors`);
* warnings: one line ``warning: …`` on stderr, no source dump (:func:`tidy_warnings`);
* suggestions in library messages reworded to the flags of the command (:func:`reword`);
* ``--json``: one JSON object on stdout and nothing else (:func:`emit_json`);
* output paths (``--out``, ``--plot``…) checked before any work (:func:`check_output_path`);
* a progress spinner on a terminal, silenced by ``--quiet`` (:func:`progress`);
* options several commands share, declared once as an :class:`OptionGroup` (:func:`grouped`).

Every piece of dynamic text printed through Rich is escaped (``escape``): a path such as
``data[2024].csv`` or a hint such as ``pip install 'linml[embed]'`` is not markup.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import inspect
import json
import math
import os
import re
import sys
import typing
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])

EXIT_USAGE = 2

#: rows a wide table shows before "… and N more" (coefficients, components, clusters)
MAX_ROWS = 20

__all__ = [
    "EXIT_USAGE",
    "MAX_ROWS",
    "PLOT_FORMATS",
    "Hints",
    "OptionGroup",
    "check_output_path",
    "console",
    "emit_json",
    "err_console",
    "escape",
    "fail",
    "fitting",
    "friendly_errors",
    "grouped",
    "json_option",
    "jsonable",
    "max_load_option",
    "plot_format",
    "print_more",
    "progress",
    "quiet_option",
    "reword",
    "reword_explanation",
    "say",
    "tidy_warnings",
    "write_plot",
]


def fail(message: str) -> NoReturn:
    """Print ``error: message`` on one line to stderr and exit with status 2."""
    # escape: a path like 'data[2024].csv' must not be read as Rich markup
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_USAGE)


def say(message: str, *, as_json: bool = False) -> None:
    """A short note such as ``wrote FILE``: on stdout, or on stderr when stdout carries JSON."""
    target = err_console if as_json else console
    target.print(escape(message), highlight=False, soft_wrap=True)


# ---------------------------------------------------------------------------- rewording
@dataclass(frozen=True)
class Hints:
    """How a command rewords the library's suggestions into its own flags.

    ``flags`` maps a library parameter name to the command-line flag that sets it
    (``{"learning_rate": "--learning-rate"}``); inside a suggestion ("use …", "raise …",
    "choose …") ``name='value'`` becomes ``--flag value`` and a bare ``name`` becomes
    ``--flag``. ``phrases`` are ``(regex, replacement)`` pairs applied first, for what has no
    ``name=value`` shape (``StandardScaler`` → ``--standardize``, ``Ridge(alpha=…)``).
    """

    flags: Mapping[str, str] = field(default_factory=dict)
    phrases: Sequence[tuple[str, str | Callable[[re.Match[str]], str]]] = ()


# a suggestion runs from its verb to the end of the clause (a '.' before a space ends it;
# '0.95' and 'e.g' do not)
_SUGGESTION = re.compile(
    r"\b(?:[Uu]se|[Tt]ry|[Cc]hoose|[Rr]aise|[Ll]ower|[Ii]ncrease|[Aa]dd|[Pp]ass|[Ww]iden|"
    r"[Ee]xtend)\b(?:[^.;]|\.(?=\S))*"
)
_ASSIGNMENT = re.compile(r"(?<![-\w])(\w+)=('?)([\w.+-]+)\2")


#: suggestions about options every loading command shares (``--max-load-mb``)
_EVERY_COMMAND = (
    (r"over max_load_mb=([\d.eE+-]+)", r"over --max-load-mb \1"),
    (r"a larger max_load_mb=?", "a larger --max-load-mb"),
)


def reword(message: str, hints: Hints | None) -> str:
    """``message`` with its Python-syntax suggestions rewritten as the command's flags.

    >>> h = Hints({"duplicates": "--duplicates"})
    >>> reword("duplicate rating; choose duplicates='last', 'mean' or 'sum'.", h)
    'duplicate rating; choose --duplicates last, mean or sum.'
    """
    for pattern, replacement in _EVERY_COMMAND:
        message = re.sub(pattern, replacement, message)
    if hints is None:
        return message
    for pattern, replacement in hints.phrases:
        message = re.sub(pattern, replacement, message)
    flags = hints.flags
    bare = re.compile(
        r"(?<![-\w'])(" + "|".join(map(re.escape, sorted(flags, key=len, reverse=True))) + r")\b"
        r"(?![=(])"
    )

    def in_suggestion(match: re.Match[str]) -> str:
        text = match.group(0)
        new = _ASSIGNMENT.sub(
            lambda m: f"{flags[m[1]]} {m[3]}" if m[1] in flags else m[0],
            text,
        )
        if new != text:  # the alternatives after it: "or 'qr'" → "or qr"
            new = re.sub(r"'([\w.+-]+)'", r"\1", new)
        if flags:
            new = bare.sub(lambda m: flags[m[1]] if len(m[1]) > 1 else m[0], new)
        return new

    return _SUGGESTION.sub(in_suggestion, message)


# ---------------------------------------------------------------------------- warnings
@contextlib.contextmanager
def tidy_warnings(hints: Hints | None = None) -> Iterator[None]:
    """Show each warning as one line ``warning: <message>`` on stderr, for the block's duration.

    Python's default shows the warning's source file and line; a command-line user needs
    only the message (reworded to the command's flags). Filters are left as they are (so
    ``-W ignore`` and ``warnings.simplefilter`` still decide what is shown), and restored
    with ``showwarning`` on exit.
    """

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: Any = None,
        line: str | None = None,
    ) -> None:
        text = reword(" ".join(str(message).split()), hints)
        err_console.print(f"[yellow]warning:[/] {escape(text)}", highlight=False, soft_wrap=True)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


# ---------------------------------------------------------------------------- errors
def _one_line(e: BaseException) -> str:
    """The message of a library error as one line (no errno prefix, no repr of a key)."""
    if isinstance(e, FileNotFoundError) and e.filename:
        return f"no such file: {e.filename}"
    if isinstance(e, OSError) and e.strerror:
        reason = e.strerror[:1].lower() + e.strerror[1:]
        return f"cannot use {e.filename}: {reason}" if e.filename else reason
    message = str(e).strip()
    if isinstance(e, KeyError) and len(e.args) == 1:  # str(KeyError) is the key's repr
        message = str(e.args[0])
    message = message or type(e).__name__
    return message.splitlines()[0] if "\n" in message else message


def friendly_errors(func: F | None = None, *, hints: Hints | None = None) -> Any:
    """Run a command with tidy warnings; turn library input errors into one line, exit 2.

    Use bare (``@friendly_errors``) or with the command's :class:`Hints`
    (``@friendly_errors(hints=...)``), which reword the suggestions of errors and warnings.
    """
    if func is None:
        return functools.partial(friendly_errors, hints=hints)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with tidy_warnings(hints):
                return func(*args, **kwargs)
        except typer.Exit:
            raise
        except (ValueError, TypeError, OSError, KeyError) as e:
            fail(reword(_one_line(e), hints))
        except KeyboardInterrupt:  # pragma: no cover - interactive
            err_console.print("interrupted")
            sys.exit(130)

    return wrapper


# ---------------------------------------------------------------------------- output paths
def check_output_path(
    path: Path | None, option: str, suffixes: Sequence[str] | None = None
) -> None:
    """Refuse, before any work, an output path that cannot be written.

    The parent directory must exist and be a writable directory, the path must not be a
    directory, and with ``suffixes`` (e.g. ``(".png", ".svg", ".pdf")``) its extension must
    be one of them. The error is one line naming ``option`` and the path.
    """
    if path is None:
        return
    shown = repr(str(path))
    if path.is_dir():
        fail(f"{option} {shown} is a directory; give a file name inside it.")
    if suffixes is not None and path.suffix.lower() not in suffixes:
        what = f"extension {path.suffix!r}" if path.suffix else "no extension"
        listed = (
            ", ".join(suffixes[:-1]) + f" or {suffixes[-1]}" if len(suffixes) > 1 else suffixes[0]
        )
        fail(f"{option} {shown} has {what}; use {listed}.")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        fail(f"{option} {shown}: directory {str(parent)!r} does not exist; create it first.")
    if not parent.is_dir():
        fail(f"{option} {shown}: {str(parent)!r} is not a directory.")
    if not os.access(parent, os.W_OK | os.X_OK):
        fail(f"{option} {shown}: directory {str(parent)!r} is not writable.")


#: what ``--plot`` writes, by the file's extension (matplotlib's savefig formats)
PLOT_FORMATS = (".png", ".svg", ".pdf")


def plot_format(path: Path) -> str:
    """The matplotlib format a ``--plot`` path names (``'svg'`` for ``scree.svg``)."""
    return path.suffix.lower().lstrip(".")


def write_plot(fig: Any, path: Path, *, as_json: bool) -> None:
    """``--plot``: write ``fig`` to ``path`` atomically, in the format its extension names,
    and say ``wrote PATH``."""
    from linml.io import atomic_write
    from linml.report.figures import figure_bytes

    data = figure_bytes(fig, plot_format(path))
    with atomic_write(path) as handle:
        handle.write(data)
    say(f"wrote {path}", as_json=as_json)


# ---------------------------------------------------------------------------- JSON
def jsonable(value: Any) -> Any:
    """``value`` as plain JSON types: NumPy scalars and arrays unpacked, NaN/inf → ``None``."""
    import numpy as np

    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if hasattr(value, "to_dict"):
        return jsonable(value.to_dict())
    return str(value)


def emit_json(obj: Mapping[str, Any]) -> None:
    """Print ``obj`` as one JSON object on stdout (NaN and inf become ``null``)."""
    text = json.dumps(jsonable(obj), indent=2, allow_nan=False, ensure_ascii=False)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def json_option() -> Any:
    """The ``--json`` flag every reporting command takes."""
    return typer.Option(
        False,
        "--json",
        help="Print one JSON object on stdout (no tables); notes such as 'wrote FILE' go "
        "to stderr.",
    )


def max_load_option() -> Any:
    """The ``--max-load-mb`` flag of every command that loads a saved model or index."""
    from linml.io import DEFAULT_MAX_LOAD_MB

    return typer.Option(
        DEFAULT_MAX_LOAD_MB,
        "--max-load-mb",
        help="Refuse a saved file whose arrays would take more than this many MB once loaded "
        "(checked before anything is decompressed).",
    )


def quiet_option() -> Any:
    """The ``--quiet`` flag of the commands with a progress spinner."""
    return typer.Option(
        False, "--quiet", "-q", help="No progress spinner (shown only when stderr is a terminal)."
    )


# ---------------------------------------------------------------------------- option groups
class OptionGroup:
    """Base of a dataclass of options several commands share, declared once.

    Each field is one option: its annotation is the option's type, its default the
    ``typer.Option`` that declares it (exactly as a command parameter would be written). A
    command takes the group as one parameter whose default is the class, e.g.
    ``columns: _table.Columns = _table.Columns``, and is decorated with :func:`grouped`.
    """


def grouped(command: F) -> F:
    """Spell each :class:`OptionGroup` parameter of ``command`` out as its options.

    The signature Typer reads has the group's fields in the group parameter's place, so the
    flags, their order in ``--help`` and their parsing are those of the written-out
    parameters; ``command`` is called with the values gathered into one group instance.
    """
    signature = inspect.signature(command)
    groups: dict[str, type[OptionGroup]] = {}
    params: list[inspect.Parameter] = []
    annotations: dict[str, Any] = {}
    for param in signature.parameters.values():
        group = param.default
        if not (isinstance(group, type) and issubclass(group, OptionGroup)):
            params.append(param)
            annotations[param.name] = command.__annotations__.get(param.name, param.annotation)
            continue
        groups[param.name] = group
        types = typing.get_type_hints(group)
        for f in dataclasses.fields(group):
            params.append(
                inspect.Parameter(f.name, param.kind, default=f.default, annotation=types[f.name])
            )
            annotations[f.name] = types[f.name]
    if "return" in command.__annotations__:
        annotations["return"] = command.__annotations__["return"]

    @functools.wraps(command)
    def run(**values: Any) -> Any:
        for name, group in groups.items():
            values[name] = group(**{f.name: values.pop(f.name) for f in dataclasses.fields(group)})
        return command(**values)

    run.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    run.__annotations__ = annotations
    return run  # type: ignore[return-value]


# ---------------------------------------------------------------------------- progress
def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # closed or replaced stream
        return False


@contextlib.contextmanager
def progress(message: str, *, quiet: bool = False) -> Iterator[None]:
    """A spinner with ``message`` on stderr while the block runs, when stderr is a terminal.

    Nothing is shown with ``quiet`` or when stderr is not a terminal (a pipe, a file, tests).
    """
    if quiet or not _stderr_is_terminal():
        yield
        return
    with err_console.status(escape(message), spinner="dots"):
        yield


def fitting(name: str, shape: tuple[int, ...]) -> str:
    """The spinner's text: ``fitting ridge on 442×10 …``."""
    return f"fitting {name} on {'×'.join(str(int(s)) for s in shape)} …"


def print_more(hidden: int, hint: str) -> None:
    """The line under a table cut at :data:`MAX_ROWS` rows: ``… and N more (full table: …)``."""
    if hidden > 0:
        console.print(escape(f"… and {hidden} more (full table: {hint})"), highlight=False)


def reword_explanation(expl: Any, hints: Hints | None) -> Any:
    """``explain(model)`` with its verdict, suggestions and fact meanings in the command's flags."""
    expl.verdict = reword(expl.verdict, hints)
    expl.suggestions = [reword(s, hints) for s in expl.suggestions]
    for fact in expl.facts:
        fact.meaning = reword(fact.meaning, hints)
    return expl
