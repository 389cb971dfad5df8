"""Matplotlib helpers: always the non-interactive Agg backend, figures to PNG bytes."""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")  # no screen here or in CI; must precede pyplot

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

__all__ = ["Figure", "figure_bytes", "new_figure", "plt", "png_base64", "png_bytes"]


def new_figure(ncols: int = 1, nrows: int = 1, *, width: float = 5.0, height: float = 4.0, **kw):
    """A figure with an ``nrows × ncols`` grid of axes, sized ``width × height`` per panel."""
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
