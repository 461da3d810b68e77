"""Networks from installed packages (networkx): edge tables, and the ground-truth communities where known.

Each loader returns an edge table (``source``, ``target`` and, for weighted graphs, ``weight``), the
form a network exported from a database or a spreadsheet usually takes. :func:`truth` gives a
graph's known communities as a (node, community) table, which ``compare("communities", ...)`` uses
by itself for ``dataset:NAME``.
"""

from __future__ import annotations

import pandas as pd

from deepmine.errors import DataError, require

# The LFR benchmark graphs (Lancichinetti, Fortunato & Radicchi 2008) as the literature draws them:
# 1,000 nodes, degree exponent 3, community-size exponent 1.5, mean degree 20, at most 50,
# communities of 20 to 100 nodes; mu is the share of each node's edges that leave its community.
LFR_MIXING = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)


def _edges(graph, weight: str | None = None) -> pd.DataFrame:
    rows = list(graph.edges(data=True))
    frame = pd.DataFrame({"source": [u for u, _, _ in rows], "target": [v for _, v, _ in rows]})
    if weight:
        frame["weight"] = [float(d[weight]) for _, _, d in rows]
    return frame


def karate() -> pd.DataFrame:
    nx = require("networkx", "graph")
    return _edges(nx.karate_club_graph())


def les_miserables() -> pd.DataFrame:
    nx = require("networkx", "graph")
    return _edges(nx.les_miserables_graph(), weight="weight")


def florentine_families() -> pd.DataFrame:
    nx = require("networkx", "graph")
    return _edges(nx.florentine_families_graph())


def lfr_graph(mu: float, n: int = 1000, seed: int = 0):
    """An LFR benchmark graph with mixing ``mu`` (networkx), self-loops removed, and its communities."""
    nx = require("networkx", "graph")
    from networkx.generators.community import LFR_benchmark_graph

    try:
        graph = LFR_benchmark_graph(n, 3, 1.5, mu, average_degree=20, max_degree=50, min_community=20,
                                    max_community=100, seed=seed)
    except nx.ExceededMaxIterations as exc:
        raise DataError(f"networkx could not draw an LFR graph with n={n}, mu={mu}, seed={seed} ({exc}); try "
                        f"another seed or size") from exc
    graph.remove_edges_from(list(nx.selfloop_edges(graph)))
    communities = pd.DataFrame({"node": list(graph.nodes),
                                "community": [min(graph.nodes[v]["community"]) for v in graph.nodes]})
    return graph, communities


def _lfr(mu: float):
    return lambda: _edges(lfr_graph(mu)[0])


def truth(name: str) -> pd.DataFrame | None:
    """The ground-truth communities of the graph dataset ``name`` as a (node, community) table, or None."""
    nx = require("networkx", "graph")
    if name == "karate":
        graph = nx.karate_club_graph()
        return pd.DataFrame({"node": list(graph.nodes), "community": [graph.nodes[v]["club"] for v in graph.nodes]})
    for mu in LFR_MIXING:
        if name == lfr_name(mu):
            return lfr_graph(mu)[1]
    return None


def lfr_name(mu: float) -> str:
    return f"lfr_mu{int(round(mu * 10)):02d}"
