"""Random walks on a graph, the "sentences" DeepWalk and node2vec learn node vectors from.

All walks advance one step together (numpy over every walk at once), so a thousand-node graph's
ten thousand walks take a fraction of a second. A step picks a neighbour in proportion to the edge
weight; node2vec's second-order bias (return parameter p, in-out parameter q; Grover & Leskovec 2016)
is applied by rejection: a proposed neighbour x of the current node is kept with probability
alpha(x) / max(alpha), where alpha is 1/p for going back, 1 for a neighbour of the previous node and
1/q for moving further away. That draws exactly from node2vec's distribution without the memory of
its precomputed alias tables (one per edge).
"""

from __future__ import annotations

import numpy as np

from deepmine.graph.data import Graph


def random_walks(graph: Graph, num_walks: int, walk_length: int, p: float = 1.0, q: float = 1.0,
                 random_state: np.random.Generator | int | None = None) -> np.ndarray:
    """``num_walks`` walks of ``walk_length`` nodes from every node, as positions, shape (n * num_walks, length).

    Walks from all nodes are shuffled together. A walk that reaches a node without neighbours (an
    isolated node) stays there.
    """
    rng = np.random.default_rng(random_state)
    adjacency = graph.adjacency
    n = graph.n_nodes
    indptr, indices = adjacency.indptr.astype(np.int64), adjacency.indices.astype(np.int64)
    degree = np.diff(indptr)
    weighted = graph.weighted and not np.allclose(adjacency.data, adjacency.data[0] if adjacency.nnz else 1.0)
    if weighted:
        cumulative = np.cumsum(adjacency.data, dtype=np.float64)
        row_start = np.concatenate([[0.0], cumulative])[indptr[:-1]]
        row_total = np.asarray(adjacency.sum(axis=1)).ravel()
    biased = not (p == 1 and q == 1)
    if biased:  # sorted keys u * n + v of every edge, to ask "is x a neighbour of the previous node?"
        keys = np.repeat(np.arange(n, dtype=np.int64), degree) * n + indices
        alpha_max = max(1.0 / p, 1.0, 1.0 / q)

    def propose(current: np.ndarray) -> np.ndarray:
        if weighted:
            point = row_start[current] + rng.random(len(current)) * row_total[current]
            pos = np.searchsorted(cumulative, point, side="right")
            pos = np.clip(pos, indptr[current], indptr[current + 1] - 1)
        else:
            pos = indptr[current] + (rng.random(len(current)) * degree[current]).astype(np.int64)
        return indices[pos]

    starts = np.tile(np.arange(n, dtype=np.int64), num_walks)
    rng.shuffle(starts)
    walks = np.empty((len(starts), walk_length), dtype=np.int64)
    walks[:, 0] = starts
    moving = degree[starts] > 0
    current, previous = starts, None
    for step in range(1, walk_length):
        nxt = current.copy()
        todo = np.flatnonzero(moving)
        while len(todo):
            proposal = propose(current[todo])
            if previous is None or not biased:
                nxt[todo] = proposal
                break
            back = previous[todo]
            query = back * n + proposal
            hit = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
            alpha = np.where(proposal == back, 1.0 / p, np.where(keys[hit] == query, 1.0, 1.0 / q))
            accept = rng.random(len(todo)) * alpha_max < alpha
            nxt[todo[accept]] = proposal[accept]
            todo = todo[~accept]
        previous, current = current, nxt
        walks[:, step] = current
    return walks


__all__ = ["random_walks"]
