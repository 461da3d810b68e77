"""Text mining: preparation, word representations, text classifiers, topics and semantic search."""

from deepmine.text.baselines import LexiconSentimentClassifier, TfidfClassifier
from deepmine.text.classifiers import CNNTextClassifier, RNNTextClassifier, TransformerClassifier
from deepmine.text.ppmi import PPMIEmbedding
from deepmine.text.prepare import SequenceEncoder, Tokenizer, Vocabulary, as_texts
from deepmine.text.retrieval_metrics import retrieval_scores
from deepmine.text.search import SearchIndex
from deepmine.text.topic_metrics import evaluate_topics, topic_coherence, topic_diversity
from deepmine.text.topics import TopicModel
from deepmine.text.vector_evaluation import evaluate_analogies, evaluate_similarity
from deepmine.text.word2vec import Word2Vec

__all__ = ["CNNTextClassifier", "LexiconSentimentClassifier", "PPMIEmbedding", "RNNTextClassifier", "SearchIndex",
           "SequenceEncoder", "TfidfClassifier", "Tokenizer", "TopicModel", "TransformerClassifier", "Vocabulary",
           "Word2Vec", "as_texts", "evaluate_analogies", "evaluate_similarity", "evaluate_topics", "retrieval_scores",
           "topic_coherence", "topic_diversity"]
