"""A picture of a network with its nodes coloured by community (matplotlib, written as PNG)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from deepmine.errors import ParameterError, require
from deepmine.graph.data import Graph
from deepmine.report.figures import pyplot

# Above this many nodes a force-directed layout takes minutes and the picture is a blot.
MAX_DRAWN_NODES = 5000


def draw_communities(graph: Graph, labels, path, title: str | None = None, random_state: int = 0,
                     labels_shown: int = 60) -> Path:
    """Draw ``graph`` with a seeded spring layout, each node coloured by ``labels[i]``; write ``path`` (PNG).

    Node names are written on graphs of at most ``labels_shown`` nodes. A graph larger than
    5,000 nodes is refused (ParameterError): draw a subgraph instead.
    """
    if graph.n_nodes > MAX_DRAWN_NODES:
        raise ParameterError(f"the graph has {graph.n_nodes} nodes, too many to draw (at most {MAX_DRAWN_NODES}); "
                             f"draw a subgraph")
    nx = require("networkx", "graph")
    plt = pyplot()
    import matplotlib

    labels = np.asarray(labels)
    g = nx.from_scipy_sparse_array(graph.adjacency)
    pos = nx.spring_layout(g, seed=random_state, k=1.5 / np.sqrt(max(graph.n_nodes, 1)),
                           iterations=50 if graph.n_nodes > 500 else 100)
    palette = 10 if labels.max() < 10 else 20
    cmap = matplotlib.colormaps[f"tab{palette}"]
    colours = [cmap(int(c) % palette) for c in labels]
    size = 7 if graph.n_nodes > 300 else 9
    fig, ax = plt.subplots(figsize=(size, size), dpi=110)
    try:
        nx.draw_networkx_edges(g, pos, ax=ax, alpha=0.15 if graph.n_edges > 1000 else 0.35, width=0.5)
        nx.draw_networkx_nodes(g, pos, ax=ax, node_color=colours, node_size=max(8, 3000 // max(graph.n_nodes, 1)),
                               linewidths=0.3, edgecolors="white")
        if graph.n_nodes <= labels_shown:
            nx.draw_networkx_labels(g, pos, labels={i: str(n) for i, n in enumerate(graph.nodes)}, ax=ax,
                                    font_size=7)
        ax.set_title(title or f"{graph.n_nodes} nodes, {int(labels.max()) + 1} communities", fontsize=10)
        ax.set_axis_off()
        fig.tight_layout()
        path = Path(path)
        fig.savefig(path, format="png")
    finally:
        plt.close(fig)
    return path


__all__ = ["draw_communities"]
