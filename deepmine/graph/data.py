"""Networks as deepmine reads them: an undirected weighted graph from an edge table or a networkx graph.

Every graph model takes a :class:`Graph`, or anything :func:`as_graph` turns into one: a table of
edges (a DataFrame, a CSV/Parquet/JSON-lines path, a SQL URL, ``dataset:NAME``) or a networkx graph.
The graph is undirected: a directed input is symmetrised (the weights of u->v and v->u summed) with
a notice, repeated edges are merged the same way, self-loops are dropped and isolated nodes kept.
"""

from __future__ import annotations

import difflib
import warnings
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np
import pandas as pd
import scipy.sparse as sp

from deepmine.errors import ColumnError, DataError, DataWarning, UnknownNodeError


def _notice(message: str) -> None:
    warnings.warn(message, DataWarning, stacklevel=4)


def _python(values) -> list:
    """Node labels as plain Python values (numpy scalars become int/float/str), so they save as JSON."""
    out = []
    for v in values:
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        out.append(v)
    return out


@dataclass(frozen=True, eq=False)
class Graph:
    """An undirected graph: node labels and a symmetric sparse adjacency of non-negative weights.

    ``adjacency[i, j]`` is the weight of the edge between ``nodes[i]`` and ``nodes[j]`` (1 for an
    unweighted graph); the diagonal is empty. ``info`` records what reading the input changed.
    """

    nodes: list
    adjacency: sp.csr_matrix = field(repr=False)
    weighted: bool = False
    info: dict = field(default_factory=dict, repr=False)

    @property
    def n_nodes(self) -> int:
        return len(self.nodes)

    @property
    def n_edges(self) -> int:
        return int(self.adjacency.nnz // 2)

    @property
    def degrees(self) -> np.ndarray:
        """The number of neighbours of each node."""
        return np.diff(self.adjacency.indptr)

    @property
    def strengths(self) -> np.ndarray:
        """The total edge weight at each node (the degree of an unweighted graph)."""
        return np.asarray(self.adjacency.sum(axis=1)).ravel()

    @property
    def isolated(self) -> list:
        """The nodes without an edge."""
        return [self.nodes[i] for i in np.flatnonzero(self.degrees == 0)]

    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(u, v, weight)`` of each edge once, as node positions with ``u < v``."""
        upper = sp.triu(self.adjacency, k=1).tocoo()
        return upper.row.astype(np.int64), upper.col.astype(np.int64), upper.data.astype(np.float64)

    def positions(self, nodes: Iterable) -> np.ndarray:
        """The positions of ``nodes`` in :attr:`nodes`; an unknown node raises UnknownNodeError."""
        if "_lookup" not in self.info:
            self.info["_lookup"] = node_lookup(self.nodes)
        return find_nodes(self.info["_lookup"], nodes, self.nodes)

    def with_edges(self, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> "Graph":
        """The same nodes with only the edges ``(u, v, w)`` (each given once)."""
        return Graph(self.nodes, _symmetric(u, v, w, self.n_nodes), self.weighted,
                     {k: v_ for k, v_ in self.info.items() if k != "_lookup"})

    def to_networkx(self):
        """The graph as a ``networkx.Graph`` (edge weights under "weight")."""
        import networkx as nx

        graph = nx.Graph()
        graph.add_nodes_from(self.nodes)
        u, v, w = self.edges()
        graph.add_weighted_edges_from((self.nodes[a], self.nodes[b], float(c)) for a, b, c in zip(u, v, w))
        return graph

    def summary(self) -> dict:
        """Counts a report shows: nodes, edges, isolated nodes, density, and what reading changed."""
        n = self.n_nodes
        return {"nodes": n, "edges": self.n_edges, "isolated_nodes": len(self.isolated), "weighted": self.weighted,
                "density": float(2 * self.n_edges / (n * (n - 1))) if n > 1 else 0.0,
                **{k: v for k, v in self.info.items() if not k.startswith("_")}}


def node_lookup(nodes: list) -> dict:
    """Position of each node, found by its label or, failing that, by its label as text (CSV files
    read node ids as numbers where a user may type them as text, and the other way round)."""
    lookup = {str(node): i for i, node in enumerate(nodes)}
    lookup.update({node: i for i, node in enumerate(nodes)})
    return lookup


def find_nodes(lookup: dict, query: Iterable, nodes: list) -> np.ndarray:
    """The positions of the nodes ``query`` (see :func:`node_lookup`); an unknown one raises UnknownNodeError."""
    out = []
    for node in query:
        pos = lookup.get(node) if isinstance(node, (str, int, float, np.generic)) else None
        if pos is None:
            pos = lookup.get(str(node))
        if pos is None:
            raise UnknownNodeError(unknown_node_message(node, nodes))
        out.append(pos)
    return np.asarray(out, dtype=np.int64)


def unknown_node_message(node, nodes: list) -> str:
    names = [str(n) for n in nodes]
    close = difflib.get_close_matches(str(node), names, n=3)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else f" (it has {len(nodes)} nodes)"
    return f"node {node!r} is not in the graph{hint}"


def _symmetric(u: np.ndarray, v: np.ndarray, w: np.ndarray, n: int) -> sp.csr_matrix:
    upper = sp.coo_matrix((w, (u, v)), shape=(n, n)).tocsr()
    upper.sum_duplicates()
    adjacency = (upper + upper.T).tocsr()
    adjacency.sort_indices()
    return adjacency


def as_graph(data: Any, source: str | None = None, target: str | None = None, weight: str | bool | None = None,
             nodes: Iterable | None = None, table: str | None = None, query: str | None = None) -> Graph:
    """Read ``data`` as an undirected :class:`Graph`.

    Parameters
    ----------
    data : Graph, networkx graph, DataFrame of edges, or a path / SQL URL / ``dataset:NAME`` of one.
    source, target : the edge table's two endpoint columns; by default "source" and "target", or the
        first two columns when the table has neither.
    weight : the column (table) or edge attribute (networkx) of non-negative edge weights; by default
        "weight" when there is one, ``False`` to ignore weights.
    nodes : nodes to include, in this order before the others, e.g. ones without edges (they are kept
        and reported as isolated).
    table, query : for a SQL URL, the table to read or the query to run.
    """
    if isinstance(data, Graph):
        return data
    if _is_networkx(data):
        return _from_networkx(data, weight, nodes)
    from deepmine.data.read import read_table

    frame = read_table(data, table=table, query=query)
    return from_edge_table(frame, source, target, weight, nodes)


def _is_networkx(data) -> bool:
    return type(data).__module__.startswith("networkx.") and hasattr(data, "edges") and hasattr(data, "nodes")


def _from_networkx(graph, weight, nodes) -> Graph:
    directed = graph.is_directed()
    key = "weight" if weight is None else weight
    rows = list(graph.edges(data=True))
    use_weight = bool(key) and bool(rows) and all(key in d for _, _, d in rows)
    if weight not in (None, False) and not use_weight:
        raise ColumnError(f"not every edge of the graph has the attribute {weight!r}; name another with weight= or "
                          f"pass weight=False")
    frame = pd.DataFrame({"source": [a for a, _, _ in rows], "target": [b for _, b, _ in rows]}, dtype=object)
    if use_weight:
        frame["weight"] = [d[key] for _, _, d in rows]
    extra = list(graph.nodes) + list(nodes or [])
    out = from_edge_table(frame, "source", "target", "weight" if use_weight else False, extra, directed=directed)
    return out


def from_edge_table(frame: pd.DataFrame, source: str | None = None, target: str | None = None,
                    weight: str | bool | None = None, nodes: Iterable | None = None,
                    directed: bool | None = None) -> Graph:
    """A :class:`Graph` from a table with one row per edge (see :func:`as_graph`)."""
    if not isinstance(frame, pd.DataFrame) or frame.shape[1] < 2:
        raise DataError("an edge list needs at least two columns, the source and the target node of each edge")
    source, target = _endpoint_columns(frame, source, target)
    if weight is None:
        weight = "weight" if "weight" in frame.columns and "weight" not in (source, target) else False
    elif weight is not False and weight not in frame.columns:
        raise ColumnError(f"weight column {weight!r} is not in the edge table; the columns are: "
                          f"{', '.join(map(str, frame.columns))}")
    info: dict[str, Any] = {"source": source, "target": target, "weight": weight or None}
    ends = frame[[source, target]]
    missing = ends.isna().any(axis=1).to_numpy()
    if missing.all():
        raise DataError(f"every edge has a missing {source!r} or {target!r}; the edge list is empty")
    if missing.any():
        _notice(f"{int(missing.sum())} edge(s) with a missing {source!r} or {target!r} were dropped")
        frame = frame.loc[~missing]
    w = _weights(frame, weight) if weight else np.ones(len(frame))
    extra = pd.Series(list(nodes or []), dtype=object)
    # the given nodes first, so a networkx graph keeps its node order
    labels, uniques = pd.factorize(pd.concat([extra, frame[source], frame[target]], ignore_index=True), sort=False)
    labels = labels[len(extra):]
    node_list = _python(uniques)
    if len(set(map(str, node_list))) < len(node_list):
        raise DataError("some nodes differ only in type (e.g. the number 1 and the text '1'); give every node id in "
                        "one type")
    m = len(frame)
    u, v = labels[:m].astype(np.int64), labels[m:2 * m].astype(np.int64)
    loops = u == v
    if loops.any():
        info["self_loops_dropped"] = int(loops.sum())
        _notice(f"{int(loops.sum())} self-loop(s) (an edge from a node to itself) were dropped; the nodes are kept")
    zero = (w == 0) & ~loops
    if zero.any():
        info["zero_weight_edges_dropped"] = int(zero.sum())
        _notice(f"{int(zero.sum())} edge(s) of weight 0 were dropped (weight 0 means no edge)")
    keep = ~loops & ~zero
    u, v, w = u[keep], v[keep], w[keep]
    if not len(u):
        raise DataError(f"the graph has no edges (from {m} row(s): self-loops and weight-0 edges are not edges); "
                        f"give an edge list with edges between different nodes")
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    pairs = pd.DataFrame({"lo": lo, "hi": hi, "forward": u < v})
    grouped = pairs.groupby(["lo", "hi"], sort=False)["forward"].agg(["size", "nunique"])
    both_ways = int((grouped["nunique"] > 1).sum())
    repeated = int(len(u) - len(grouped))
    if directed or both_ways:
        info["symmetrised"] = True
        _notice(f"the graph is treated as undirected: {both_ways} pair(s) of nodes are linked both ways and their "
                f"edges were merged" + (" (weights summed)" if weight else ""))
    if repeated - both_ways > 0:
        info["duplicate_edges_merged"] = int(repeated - both_ways)
        _notice(f"{repeated - both_ways} repeated edge(s) were merged" + (" (weights summed)" if weight else ""))
    n = len(node_list)
    adjacency = _symmetric(lo, hi, w, n)
    if not weight:
        adjacency.data[:] = 1.0
    graph = Graph(node_list, adjacency, bool(weight), info)
    isolated = graph.isolated
    if isolated:
        info["isolated_nodes"] = len(isolated)
        shown = ", ".join(map(repr, isolated[:5])) + (", ..." if len(isolated) > 5 else "")
        _notice(f"{len(isolated)} isolated node(s) without edges were kept: {shown}")
    return graph


def _endpoint_columns(frame: pd.DataFrame, source, target) -> tuple[Any, Any]:
    columns = list(frame.columns)
    if source is None and target is None and not {"source", "target"} <= set(columns):
        if len(columns) in (2, 3):
            return columns[0], columns[1]
        raise ColumnError(f"name the edge table's endpoint columns with source= and target= (--source, --target); "
                          f"the columns are: {', '.join(map(str, columns))}")
    source = "source" if source is None else source
    target = "target" if target is None else target
    for col, role in ((source, "source"), (target, "target")):
        if col not in columns:
            raise ColumnError(f"{role} column {col!r} is not in the edge table; the columns are: "
                              f"{', '.join(map(str, columns))}")
    if source == target:
        raise ColumnError(f"the source and target columns are the same ({source!r}); name two different columns")
    return source, target


def _weights(frame: pd.DataFrame, column) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() & frame[column].notna()
    if bad.any():
        raise DataError(f"weight column {column!r} holds values that are not numbers (e.g. "
                        f"{frame[column][bad].iloc[0]!r}); give numeric weights or pass weight=False (no --weight)")
    w = values.to_numpy(dtype=float)
    if np.isnan(w).any():
        raise DataError(f"{int(np.isnan(w).sum())} edge(s) have no weight in {column!r}; fill them in or drop the "
                        f"weights (weight=False)")
    if not np.isfinite(w).all():
        raise DataError(f"weight column {column!r} holds infinite values; give finite weights")
    if (w < 0).any():
        raise DataError(f"weight column {column!r} holds {int((w < 0).sum())} negative weight(s) (e.g. "
                        f"{w[w < 0][0]:g}); community detection and random walks need weights of at least 0")
    return w


def node_labels(truth: Any, graph: Graph, data: Any = None) -> np.ndarray:
    """Ground-truth communities as integer codes, one per node of ``graph`` (-1 where a node has none).

    ``truth`` is a table of (node, community) — a DataFrame with two columns, or the columns "node"
    and "community"; a path, URL or ``dataset:NAME`` of one — a Series indexed by node, a dict, a
    sequence with one community per node in graph order, or the name of a node attribute of the
    networkx graph ``data``.
    """
    if isinstance(truth, str) and _is_networkx(data):
        attrs = dict(data.nodes(data=truth))
        if any(v is not None for v in attrs.values()):
            truth = pd.Series(attrs)
    if isinstance(truth, (str, bytes)) or hasattr(truth, "__fspath__"):
        from deepmine.data.read import read_table

        truth = read_table(truth)
    if isinstance(truth, pd.DataFrame):
        truth = _truth_series(truth)
    if isinstance(truth, dict):
        truth = pd.Series(truth)
    if not isinstance(truth, pd.Series):
        values = np.asarray(truth, dtype=object)
        if values.ndim != 1 or len(values) != graph.n_nodes:
            raise DataError(f"the ground truth must give one community per node ({graph.n_nodes}); it has shape "
                            f"{values.shape}. Give a table of node and community instead")
        truth = pd.Series(values, index=pd.Index(graph.nodes, dtype=object))
    truth = truth[truth.notna()]
    lookup = node_lookup(graph.nodes)
    pos = [lookup.get(k, lookup.get(str(k))) for k in _python(truth.index)]
    known = np.array([p is not None for p in pos], dtype=bool)
    if not known.any():
        raise DataError(f"none of the {len(truth)} nodes of the ground truth is in the graph (e.g. "
                        f"{truth.index[0]!r}); check that both name nodes the same way")
    codes, _ = pd.factorize(truth.astype(str).to_numpy()[known])
    out = np.full(graph.n_nodes, -1, dtype=np.int64)
    out[np.asarray([p for p in pos if p is not None], dtype=np.int64)] = codes
    unknown, unlabelled = int((~known).sum()), int((out < 0).sum())
    if unknown:
        _notice(f"{unknown} node(s) of the ground truth are not in the graph and were ignored")
    if unlabelled:
        _notice(f"{unlabelled} node(s) have no ground-truth community; NMI and ARI are computed on the others")
    return out


def _truth_series(frame: pd.DataFrame) -> pd.Series:
    if {"node", "community"} <= set(frame.columns):
        node, community = "node", "community"
    elif frame.shape[1] == 2:
        node, community = frame.columns
    else:
        raise ColumnError(f"a ground-truth table needs two columns (node, community) or columns named 'node' and "
                          f"'community'; it has: {', '.join(map(str, frame.columns))}")
    if frame[node].duplicated().any():
        dup = frame[node][frame[node].duplicated()].iloc[0]
        raise DataError(f"node {dup!r} appears more than once in the ground truth; give each node one community")
    return pd.Series(frame[community].to_numpy(), index=pd.Index(frame[node].to_numpy(), dtype=object))


__all__ = ["Graph", "as_graph", "find_nodes", "from_edge_table", "node_labels", "node_lookup"]
