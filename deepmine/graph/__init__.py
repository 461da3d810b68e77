"""Networks: node embeddings (DeepWalk, node2vec, graph autoencoders), community detection and link prediction,
deep beside the traditional graph algorithms."""

from deepmine.graph.communities import (EmbeddingCommunities, GreedyModularityCommunities,
                                        LabelPropagationCommunities, LouvainCommunities, SpectralCommunities)
from deepmine.graph.data import Graph, as_graph, node_labels
from deepmine.graph.embedding import DeepWalk, Node2Vec
from deepmine.graph.gnn import GAE, VGAE
from deepmine.graph.links import (AdamicAdar, CommonNeighbours, EmbeddingLinkPredictor, JaccardCoefficient,
                                  PreferentialAttachment, split_edges)

__all__ = ["AdamicAdar", "CommonNeighbours", "DeepWalk", "EmbeddingCommunities", "EmbeddingLinkPredictor", "GAE", "Graph",
           "GreedyModularityCommunities", "JaccardCoefficient", "LabelPropagationCommunities", "LouvainCommunities",
           "Node2Vec", "PreferentialAttachment", "SpectralCommunities", "VGAE", "as_graph", "node_labels",
           "split_edges"]
