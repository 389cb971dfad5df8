"""Renderings of diagnose reports and model explanations: Rich tables, plain text, JSON.

The report dataclasses come from :mod:`linml.diagnose.report`; nothing there (or in
:mod:`linml.diagnose.findings`) imports this module.

>>> import numpy as np
>>> from linml.diagnose import data
>>> text = to_text(data(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])))
>>> "well-conditioned" in text
True
"""

from __future__ import annotations

import io
import math
from dataclasses import asdict
from typing import Any

import numpy as np
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from linml._base import Explanation, _format_value
from linml.diagnose.report import DataReportBase

__all__ = ["data_report_renderable", "explanation_renderable", "render", "report_dict", "to_text"]

_STYLE = {"ok": "bold green", "warn": "bold yellow", "bad": "bold red"}
_MAX_ROWS = 12  # rows per table before "… and k more"


def _num(value: float | None, digits: int = 4) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and math.isinf(value):
        return "∞"
    return f"{value:.{digits}g}"


def _spectrum(S: np.ndarray | None) -> str:
    if S is None or S.size == 0:
        return "—"
    shown = ", ".join(f"{s:.3g}" for s in S[:4])
    if S.size > 6:
        shown += ", …, " + ", ".join(f"{s:.3g}" for s in S[-2:])
    elif S.size > 4:
        shown += ", " + ", ".join(f"{s:.3g}" for s in S[4:])
    return shown


def _more(table: Table, total: int, columns: int) -> None:
    if total > _MAX_ROWS:
        table.add_row(f"[dim]… and {total - _MAX_ROWS} more[/]", *[""] * (columns - 1))


def data_report_renderable(report: DataReportBase) -> Group:
    """The report as a Rich group: verdict panel, linear algebra, findings, suggestions."""
    parts: list[Any] = []
    style = _STYLE[report.severity]
    head = Text()
    head.append(f"{report.n_samples} rows × {report.n_features} columns ({report.dtype})\n")
    head.append("verdict: ", style="bold")
    head.append(report.verdict, style=style)
    parts.append(Panel(head, title="linml diagnose", border_style=style.split()[-1]))

    la = Table(title="linear algebra", show_header=True, header_style="bold")
    la.add_column("quantity")
    la.add_column("value", justify="right")
    la.add_column("meaning")
    if report.rank is None:
        la.add_row("—", "—", "no finite block to analyse")
    else:
        full = min(report.n_samples_used, report.n_features_used)
        rank_style = "green" if report.rank >= full else "red"
        la.add_row(
            "rank",
            f"[{rank_style}]{report.rank}[/] / {full}",
            f"singular values > tol = {_num(report.rank_tol, 3)} (σmax·max(n,p)·eps)",
        )
        if report.rank_at_target is not None:
            la.add_row(
                "rank at target",
                str(report.rank_at_target),
                f"standardized σ > σmax/{report.condition_target:g}",
            )
        la.add_row(
            "effective rank", _num(report.effective_rank, 3), "exp(entropy) of standardized σ"
        )
        la.add_row("condition number (raw)", _num(report.condition_number), "σmax/σmin of X")
        cz = report.standardized_condition_number
        ok = cz is not None and math.isfinite(cz) and cz <= report.condition_target
        la.add_row(
            "condition number (standardized)",
            f"[{'green' if ok else 'red'}]{_num(cz)}[/]",
            f"σmax/σmin of (X−mean)/std; target ≤ {report.condition_target:g}",
        )
        la.add_row("singular values (raw)", _spectrum(report.singular_values), "")
        if report.scale_ratio is not None and report.scale_columns is not None:
            hi, lo = report.scale_columns
            la.add_row("scale disparity", f"{report.scale_ratio:.3g}×", f"std {hi!r} / std {lo!r}")
        if report.ridge_lambda is not None:
            la.add_row(
                "ridge λ for target",
                _num(report.ridge_lambda),
                "(σmax² − t²σmin²)/(t² − 1) on standardized X",
            )
        if report.max_condition_index is not None:
            eta = report.max_condition_index
            ok = math.isfinite(eta) and eta < report.condition_index_threshold
            la.add_row(
                "largest condition index (BKW)",
                f"[{'green' if ok else 'red'}]{_num(eta)}[/]",
                "σmax/σ of [1, X] scaled to unit column length (not centered)",
            )
        if report.vif:
            top = max(report.vif.values(), key=lambda v: -1.0 if math.isnan(v) else v)
            ok = top < report.vif_threshold
            la.add_row(
                "largest VIF",
                f"[{'green' if ok else 'red'}]{_num(top)}[/]",
                f"1/(1 − R²) of a column on the others; flagged ≥ {report.vif_threshold:g}",
            )
    parts.append(la)

    if report.issues:
        findings = Table(title="findings", show_header=True, header_style="bold")
        findings.add_column("", width=2)
        findings.add_column("finding")
        for kind, text in report.issues[:_MAX_ROWS]:
            mark = "✗" if kind == "bad" else "!"
            findings.add_row(f"[{_STYLE[kind]}]{mark}[/]", Text(text))
        _more(findings, len(report.issues), 2)
        parts.append(findings)

    if report.collinear_groups:
        groups = Table(title="collinear groups (near-null combinations)", header_style="bold")
        groups.add_column("relation")
        groups.add_column("residual", justify="right")
        for rel in report.collinear_groups[:_MAX_ROWS]:
            groups.add_row(Text(rel.relation), f"{rel.residual:.2g}")
        _more(groups, len(report.collinear_groups), 2)
        parts.append(groups)

    flagged = {
        name: v for name, v in report.vif.items() if not math.isnan(v) and v >= report.vif_threshold
    }
    if flagged:
        t = Table(
            title=f"variance inflation factors ≥ {report.vif_threshold:g} (VIF = 1/(1 − R²))",
            header_style="bold",
        )
        t.add_column("column")
        t.add_column("VIF", justify="right")
        t.add_column("R² on the others", justify="right")
        items = sorted(flagged.items(), key=lambda kv: -kv[1])
        for name, v in items[:_MAX_ROWS]:
            t.add_row(Text(name), _num(v), "1" if math.isinf(v) else f"{1 - 1 / v:.4f}")
        _more(t, len(items), 3)
        parts.append(t)

    if report.dependencies:
        t = Table(
            title=(
                f"near-dependencies (Belsley–Kuh–Welsch: condition index ≥ "
                f"{report.condition_index_threshold:g} with ≥ 2 variance proportions ≥ "
                f"{report.proportion_threshold:g})"
            ),
            header_style="bold",
        )
        t.add_column("index", justify="right")
        t.add_column("proportions")
        t.add_column("relation (least squares on the involved columns)")
        t.add_column("R²", justify="right")
        for dep in report.dependencies[:_MAX_ROWS]:
            props = ", ".join(f"{c} {p:.2f}" for c, p in dep.proportions.items())
            t.add_row(_num(dep.index, 3), Text(props), Text(dep.relation), f"{dep.r_squared:.4f}")
        _more(t, len(report.dependencies), 4)
        parts.append(t)

    if report.nonfinite is not None:
        nf = report.nonfinite
        t = Table(title="non-finite values", header_style="bold")
        t.add_column("column")
        t.add_column("NaN/inf", justify="right")
        items = list(nf.columns.items())
        for name, count in items[:_MAX_ROWS]:
            t.add_row(Text(name), str(count))
        _more(t, len(items), 2)
        parts.append(t)
        first = ", ".join(f"(row {i}, {c!r})" for i, c in nf.first_positions)
        parts.append(Text(f"first at {first}", style="yellow"))

    if report.target is not None:
        tg = report.target
        t = Table(title=f"target y ({tg.kind})", header_style="bold")
        t.add_column("quantity")
        t.add_column("value", justify="right")
        miss_style = "red" if tg.n_missing else "green"
        t.add_row("missing / non-finite", f"[{miss_style}]{tg.n_missing}[/]")
        if tg.n_classes is not None:
            shown = ", ".join(map(str, tg.classes[:_MAX_ROWS]))
            t.add_row("classes", f"{tg.n_classes} ({shown})" if shown else str(tg.n_classes))
        for name, r in tg.correlations[:5]:
            t.add_row(Text(f"corr(y, {name})"), f"{r:+.3f}")
        parts.append(t)

    if report.suggestions:
        s = Table(title="suggestions", show_header=False)
        s.add_column("", width=2)
        s.add_column("suggestion")
        for sug in report.suggestions[:_MAX_ROWS]:
            s.add_row("→", Text(sug.message))
        _more(s, len(report.suggestions), 2)
        parts.append(s)
    for note in report.notes:
        parts.append(Text(f"note: {note}", style="dim"))
    return Group(*parts)


def report_dict(report: DataReportBase) -> dict[str, Any]:
    """The report in plain Python types (``inf``/``nan`` become ``None``), for ``json.dumps``."""
    out = _plain(asdict(report))
    out["severity"] = report.severity
    out["verdict"] = report.verdict
    return out


def _plain(value: Any) -> Any:
    """Recursively turn numpy types, tuples and non-finite floats into JSON-safe values."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def explanation_renderable(expl: Explanation) -> Group:
    """An :class:`~linml._base.Explanation` as a Rich group: facts table, verdict, suggestions."""
    table = Table(title=expl.title, header_style="bold", title_style="bold")
    table.add_column("fact")
    table.add_column("value", justify="right")
    table.add_column("meaning")
    for fact in expl.facts:
        table.add_row(Text(fact.name), Text(_format_value(fact.value)), Text(fact.meaning))
    parts: list[Any] = [table]
    if expl.verdict:
        verdict = Text("verdict: ", style="bold")
        verdict.append(expl.verdict, style=_verdict_style(expl.verdict))
        parts.append(verdict)
    for suggestion in expl.suggestions:
        parts.append(Text(f"→ {suggestion}"))
    return Group(*parts)


def _verdict_style(verdict: str) -> str:
    low = verdict.lower().replace("non-singular", "").replace("nonsingular", "")
    if any(w in low for w in ("deficient", "singular", "ill-conditioned", "diverg", "not conv")):
        return "bold red"
    if any(w in low for w in ("warn", "large", "close", "unstable")):
        return "bold yellow"
    return "bold green"


def render(obj: Any, console: Console | None = None) -> None:
    """Print a data report or an :class:`~linml._base.Explanation` with Rich."""
    console = console if console is not None else Console()
    if isinstance(obj, Explanation):
        console.print(explanation_renderable(obj))
    else:
        console.print(data_report_renderable(obj))


def to_text(obj: Any, width: int = 100) -> str:
    """Plain text (no colour codes) of what :func:`render` prints."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False)
    render(obj, console)
    return buffer.getvalue().rstrip()
