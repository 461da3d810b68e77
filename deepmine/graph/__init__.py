"""Networks: node embeddings (DeepWalk, node2vec), community detection and link prediction,
deep beside the traditional graph algorithms."""

from deepmine.graph.communities import (EmbeddingCommunities, GreedyModularityCommunities,
                                        LabelPropagationCommunities, LouvainCommunities, SpectralCommunities)
from deepmine.graph.data import Graph, as_graph, node_labels
from deepmine.graph.embedding import DeepWalk, Node2Vec
from deepmine.graph.links import (AdamicAdar, CommonNeighbours, EmbeddingLinkPredictor, JaccardCoefficient,
                                  PreferentialAttachment, split_edges)

__all__ = ["AdamicAdar", "CommonNeighbours", "DeepWalk", "EmbeddingCommunities", "EmbeddingLinkPredictor", "Graph",
           "GreedyModularityCommunities", "JaccardCoefficient", "LabelPropagationCommunities", "LouvainCommunities",
           "Node2Vec", "PreferentialAttachment", "SpectralCommunities", "as_graph", "node_labels", "split_edges"]
