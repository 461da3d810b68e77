"""Graphs the network tests share."""

import networkx as nx
import pytest

from deepmine.graph.data import as_graph
from deepmine.graph.links import split_edges


@pytest.fixture(scope="module")
def planted():
    """Four planted communities of 25 nodes (edges inside with probability 0.5, across 0.02)."""
    return as_graph(nx.planted_partition_graph(4, 25, 0.5, 0.02, seed=0), weight=False)


@pytest.fixture(scope="module")
def planted_split(planted):
    return split_edges(planted, test_size=0.1, random_state=0)
