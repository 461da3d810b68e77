"""Figures for the report: matplotlib drawn off-screen and inlined as SVG, so the page needs no files."""

from __future__ import annotations

import base64
import io
import re
from contextlib import contextmanager

from deepmine.errors import require

# deep models in one colour, traditional ones in another, everywhere in the report
KIND_COLOURS = {"deep": "#c44e52", "traditional": "#4c72b0"}


def pyplot():
    matplotlib = require("matplotlib", "report")
    matplotlib.use("Agg", force=False)
    # text as <text>, not glyph outlines: a third of the size, and the page can be searched
    matplotlib.rcParams["svg.fonttype"] = "none"
    import matplotlib.pyplot as plt

    return plt


@contextmanager
def figure(width: float = 6.4, height: float = 4.0):
    """A matplotlib figure and axes, closed afterwards: ``with figure() as (fig, ax): ...``."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(width, height))
    try:
        yield fig, ax
    finally:
        plt.close(fig)


def svg(fig) -> str:
    """The figure as an inline ``<svg>`` element (no XML header, ids made unique per figure)."""
    buffer = io.StringIO()
    fig.tight_layout()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    # matplotlib numbers clip paths and glyphs from 1 in every file: several figures inlined in one
    # page would then share ids; a per-figure prefix keeps them apart
    prefix = f"f{next(_counter)}"
    text = re.sub(r'id="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', text)
    text = re.sub(r'url\(#([^)]+)\)', lambda m: f"url(#{prefix}-{m.group(1)})", text)
    text = re.sub(r'xlink:href="#([^"]+)"', lambda m: f'xlink:href="#{prefix}-{m.group(1)}"', text)
    return text


def png_data_uri(path) -> str:
    """A PNG file as a ``data:`` URI for an ``<img>`` (pictures a run already wrote, e.g. network.png)."""
    data = base64.b64encode(open(path, "rb").read()).decode("ascii")
    return f"data:image/png;base64,{data}"


def _count():
    n = 0
    while True:
        n += 1
        yield n


_counter = _count()

__all__ = ["KIND_COLOURS", "figure", "png_data_uri", "pyplot", "svg"]
