"""A map of words: query words and their nearest neighbours projected to 2-D and drawn.

Each query word and its ``topn`` neighbours form a group with one colour; a word that
is a neighbour of several queries is drawn once, in the first group that has it.
Points are the unit vectors (cosine geometry) projected by PCA or t-SNE. The picture
is drawn with matplotlib (the ``plot`` extra) without pyplot, and written atomically.
"""

import importlib.util
import os
from dataclasses import dataclass

import numpy as np

from . import projection
from ..errors import UsageError, W2vnsError
from ..io.atomic import atomic_output

FORMATS = ("png", "svg", "pdf")
METHODS = ("pca", "tsne")
DPI = 150
FIGURE_INCHES = (10, 8)
QUERY_SIZE, NEIGHBOUR_SIZE = 80, 24
LABEL_POINTS = 8
LABEL_OFFSET = (4, 3)  # points right of and above the marker
QUERY_LABEL_BOX = dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none",
                       alpha=0.8)  # query labels stay readable over their neighbours'
PALETTE = "tab10"
LARGE_PALETTE = "tab20"
INSTALL_HINT = "pip install 'w2vns[plot]'"
MAX_TSNE_POINTS = 2000  # exact t-SNE is O(n^2) per iteration: beyond this, minutes


class PlotDependencyError(W2vnsError):
    """matplotlib is not installed."""


@dataclass
class WordMap:
    """The words of a map, their group (index of the query word) and 2-D coordinates."""

    words: list
    groups: np.ndarray
    queries: list
    coords: np.ndarray
    method: str


def matplotlib_installed():
    return importlib.util.find_spec("matplotlib") is not None


def check_matplotlib():
    if not matplotlib_installed():
        raise PlotDependencyError(f"w2vns plot needs matplotlib. Install it with: "
                                  f"{INSTALL_HINT}")


def picture_format(path):
    """png, svg or pdf from the extension of ``path``; a usage error otherwise."""
    suffix = os.path.splitext(path)[1].lower().lstrip(".")
    if suffix not in FORMATS:
        raise UsageError(f"cannot tell the picture format of '{path}'. Name it "
                         f"{', '.join('.' + f for f in FORMATS)}.")
    return suffix


def word_map(kv, queries, topn, method="pca", seed=0):
    """The groups of ``queries`` (known words of Embeddings ``kv``) and their projection."""
    if method not in METHODS:
        raise UsageError(f"projection must be one of {', '.join(METHODS)}, got '{method}'.")
    neighbours = kv.similar_batch([[kv.index(q)] for q in queries], topn)
    order = {}
    for group, query in enumerate(queries):
        order.setdefault(query, group)  # a query word always belongs to its own group
    for group, found in enumerate(neighbours):
        for word, _ in found:
            order.setdefault(word, group)
    words = list(order)
    if method == "tsne" and len(words) > MAX_TSNE_POINTS:
        raise UsageError(f"--tsne draws at most {MAX_TSNE_POINTS:,} words, asked for "
                         f"{len(words):,}. Lower -n or use PCA.")
    rows = kv.unit[[kv.index(w) for w in words]]
    coords = projection.tsne(rows, seed) if method == "tsne" else projection.pca(rows)
    return WordMap(words, np.array(list(order.values())), list(queries), coords, method)


def draw(wmap, path, title=None):
    """Draw the map into ``path`` (.png, .svg or .pdf), atomically."""
    check_matplotlib()
    fmt = picture_format(path)
    from matplotlib import colormaps, rc_context
    from matplotlib.figure import Figure

    figure = Figure(figsize=FIGURE_INCHES)
    axes = figure.add_subplot()
    queries = wmap.queries
    colours = colormaps[PALETTE if len(queries) <= 10 else LARGE_PALETTE]
    is_query = np.array([w in set(queries) for w in wmap.words])
    for group, query in enumerate(queries):
        colour = colours(group % colours.N)
        members = wmap.groups == group
        for mask, size, label in ((members & ~is_query, NEIGHBOUR_SIZE, None),
                                  (members & is_query, QUERY_SIZE, query)):
            xy = wmap.coords[mask]
            axes.scatter(xy[:, 0], xy[:, 1], s=size, color=colour, label=label,
                         edgecolors="black" if label else "none", linewidths=0.6)
    for word, (x, y), query in zip(wmap.words, wmap.coords, is_query):
        axes.annotate(word, (x, y), xytext=LABEL_OFFSET, textcoords="offset points",
                      fontsize=LABEL_POINTS + (2 if query else 0),
                      fontweight="bold" if query else "normal", zorder=3 if query else 2,
                      bbox=QUERY_LABEL_BOX if query else None)
    axes.legend(title="query", loc="best", fontsize=LABEL_POINTS)
    axes.set_title(title or f"{', '.join(queries)} and their neighbours "
                            f"({'t-SNE' if wmap.method == 'tsne' else 'PCA'})")
    axes.set_xticks([])
    axes.set_yticks([])
    figure.tight_layout()
    with atomic_output(path, "wb") as handle, rc_context({"svg.fonttype": "none"}):
        figure.savefig(handle, format=fmt, dpi=DPI)  # SVG labels stay text
