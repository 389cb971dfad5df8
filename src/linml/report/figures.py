"""Matplotlib helpers: always the non-interactive Agg backend, figures to PNG bytes."""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")  # no screen here or in CI; must precede pyplot

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

__all__ = [
    "Figure",
    "figure_bytes",
    "figure_problems",
    "new_figure",
    "plt",
    "png_base64",
    "png_bytes",
]

#: the smallest font (points) a figure may use: 7 pt is about 10 px at the page's 100 dpi
MIN_FONT_PT = 7.0


def new_figure(ncols: int = 1, nrows: int = 1, *, width: float = 5.0, height: float = 4.0, **kw):
    """A figure with an ``nrows × ncols`` grid of axes, sized ``width × height`` per panel.

    The layout is matplotlib's constrained layout (``layout="constrained"``): labels, titles
    and colorbars get room of their own instead of running into the neighbouring panel.
    """
    kw.setdefault("layout", "constrained")
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), **kw)
    return fig, axes


def figure_bytes(fig: Figure, format: str = "png", dpi: int = 100) -> bytes:
    """Render ``fig`` as ``format`` (``'png'``, ``'svg'``, ``'pdf'``…) bytes and close it."""
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format=format, dpi=dpi, bbox_inches="tight")
    finally:
        plt.close(fig)
    return buffer.getvalue()


def png_bytes(fig: Figure, dpi: int = 100) -> bytes:
    """Render ``fig`` to PNG bytes and close it (figures are not kept alive)."""
    return figure_bytes(fig, "png", dpi)


def png_base64(fig: Figure, dpi: int = 100) -> str:
    """``fig`` as a base64 PNG string, for embedding in HTML (``data:image/png;base64,...``)."""
    return base64.b64encode(png_bytes(fig, dpi)).decode("ascii")


def _has_data(ax) -> bool:
    return bool(ax.lines or ax.collections or ax.patches or ax.images or ax.texts)


def figure_problems(fig: Figure) -> list[str]:
    """What a careful reader would object to in ``fig``, one line each (empty: none found).

    Checked, per axes that is drawn with its frame (``ax.axison``) and shows data:

    * an x and a y label (and a z label in 3-D) — units or the symbol the text uses;
    * colorbars carry a label;
    * every text, tick label and legend entry is at least ``MIN_FONT_PT`` points;
    * every text placed in data or axes coordinates lies inside its axes (a label that
      spills outside collides with the neighbouring panel or is cut off);
    * no two 2-D panels (with their labels, ticks and titles) overlap.

    Image panels (``imshow`` without ticks, or with the frame turned off) need no labels.
    """
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    problems: list[str] = []
    for i, ax in enumerate(fig.axes):
        name = f"axes {i} ({ax.get_title() or ax.get_label() or 'untitled'})"
        if ax.get_label() == "<colorbar>":
            if not (ax.get_ylabel() or ax.get_xlabel()):
                problems.append(f"{name}: colorbar without a label")
            continue
        three_d = hasattr(ax, "get_zlabel")
        image_panel = bool(ax.images) and not (len(ax.get_xticks()) or len(ax.get_yticks()))
        if (not ax.axison and not three_d) or not _has_data(ax) or image_panel:
            continue
        if not ax.get_xlabel():
            problems.append(f"{name}: no x label")
        if not ax.get_ylabel():
            problems.append(f"{name}: no y label")
        if three_d and not ax.get_zlabel():
            problems.append(f"{name}: no z label")
        texts = list(ax.texts)
        legend = ax.get_legend()
        if legend is not None:
            texts += list(legend.get_texts())
        ticks = [t for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_text()]
        for t in texts + ticks:
            if t.get_visible() and t.get_text() and t.get_fontsize() < MIN_FONT_PT:
                problems.append(
                    f"{name}: text {t.get_text()[:30]!r} at {t.get_fontsize():.1f} pt "
                    f"(< {MIN_FONT_PT:g})"
                )
                break
        box = ax.get_window_extent(renderer)
        for t in ax.texts:
            if not t.get_visible() or not t.get_text() or three_d:
                continue
            ext = t.get_window_extent(renderer)
            slack = 2.0  # pixels
            if (
                ext.x0 < box.x0 - slack
                or ext.x1 > box.x1 + slack
                or ext.y0 < box.y0 - slack
                or ext.y1 > box.y1 + slack
            ):
                problems.append(f"{name}: text {t.get_text()[:30]!r} extends outside the axes")
    flat = [a for a in fig.axes if not hasattr(a, "get_zlabel") and a.get_visible()]
    boxes = [a.get_tightbbox(renderer) for a in flat]
    for i in range(len(flat)):
        for j in range(i + 1, len(flat)):
            a, b = boxes[i], boxes[j]
            if a is None or b is None:
                continue
            w = min(a.x1, b.x1) - max(a.x0, b.x0)
            h = min(a.y1, b.y1) - max(a.y0, b.y0)
            if w > 2 and h > 2:  # pixels of overlap
                problems.append(
                    f"axes {fig.axes.index(flat[i])} and {fig.axes.index(flat[j])} overlap "
                    f"({w:.0f} × {h:.0f} px)"
                )
    return problems
