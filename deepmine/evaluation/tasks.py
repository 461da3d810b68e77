"""Tasks: what the user wants done, with its metrics, its split and its candidate models."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from deepmine.errors import DeepmineError


@dataclass(frozen=True)
class Candidate:
    """A model that a task can fit: a factory taking the seed, and whether it is deep or traditional."""

    name: str
    kind: str  # "deep" or "traditional"
    factory: Callable[[int], object]
    description: str = ""
    # fitted when no models are named; the others (the slowest) only when named or with models="all"
    default: bool = True


@dataclass
class Task:
    """One data-mining task; ``compare`` and the CLI learn everything task-specific from here."""

    name: str
    metrics: tuple[str, ...]
    primary: str
    stratify: bool
    candidates: dict[str, Candidate] = field(default_factory=dict)
    unsupervised: bool = False
    # what the target is ("classification": labels, "regression": numbers; unsupervised tasks have none)
    target_kind: str | None = None
    # "table": features are the table's columns; "text": one text column is the input;
    # "interactions": (user, item[, rating][, time]) rows; "series": time series (cases to classify,
    # or one series to forecast); "images": image files, arrays or pixel tables; "graph": a network
    input: str = "table"

    @property
    def classifies(self) -> bool:
        return self.target_kind == "classification"

    def register(self, candidate: Candidate) -> Candidate:
        self.candidates[candidate.name] = candidate
        return candidate

    def select(self, names) -> list[Candidate]:
        """The candidates to fit: the defaults for None, every one for "all", else those named (a list or a
        comma-separated string, in which "default" and "all" stand for those sets)."""
        if names is None:
            names = ["default"]
        if isinstance(names, str):
            names = [n.strip() for n in names.split(",") if n.strip()]
        sets = {"default": [n for n, c in self.candidates.items() if c.default], "all": list(self.candidates)}
        names = list(dict.fromkeys(m for n in names for m in sets.get(n, [n])))
        unknown = [n for n in names if n not in self.candidates]
        if unknown:
            raise DeepmineError(
                f"unknown model(s) {', '.join(map(repr, unknown))} for {self.name}; "
                f"choose from: {', '.join(self.candidates)}"
            )
        return [self.candidates[n] for n in names]


TASKS: dict[str, Task] = {}


def register_task(task: Task) -> Task:
    TASKS[task.name] = task
    return task


def get_task(name: str) -> Task:
    _register_builtin()
    if name not in TASKS:
        raise DeepmineError(f"unknown task {name!r}; choose from: {', '.join(TASKS)}")
    return TASKS[name]


def _onehot(model):
    from sklearn.pipeline import make_pipeline

    from deepmine.data.preprocess import TabularPreprocessor

    return make_pipeline(TabularPreprocessor(encoding="onehot"), model)


def _ordinal(model):
    # Trees split on integer codes directly; one-hot would only make them slower.
    from sklearn.pipeline import make_pipeline

    from deepmine.data.preprocess import TabularPreprocessor

    return make_pipeline(TabularPreprocessor(encoding="codes", scale=False), model)


_registered = False


def _register_builtin() -> None:
    """The tasks of the foundation; later task packages register theirs the same way."""
    global _registered
    if _registered:
        return
    _registered = True
    from sklearn.dummy import DummyClassifier, DummyRegressor
    from sklearn.ensemble import (HistGradientBoostingClassifier, HistGradientBoostingRegressor,
                                  RandomForestClassifier, RandomForestRegressor)
    from sklearn.linear_model import LogisticRegression, RidgeCV

    from deepmine.evaluation.metrics import CLASSIFICATION_METRICS, REGRESSION_METRICS
    from deepmine.tabular import (BoostedTreesClassifier, BoostedTreesRegressor, DeepClassifier, DeepRegressor,
                                  LinearNeuron, LogisticNeuron, RealMLPClassifier, RealMLPRegressor, TabMClassifier,
                                  TabMRegressor)

    clf = register_task(Task("classification", CLASSIFICATION_METRICS, "accuracy", stratify=True,
                                 target_kind="classification"))
    clf.register(Candidate("deep_mlp", "deep", lambda s: DeepClassifier(random_state=s),
                           "multi-layer perceptron with categorical embeddings"))
    clf.register(Candidate("logistic_neuron", "deep", lambda s: LogisticNeuron(random_state=s),
                           "one layer of sigmoid/softmax neurons trained by gradient descent"))
    clf.register(Candidate("majority", "traditional", lambda s: _onehot(DummyClassifier(strategy="prior")),
                           "always the most frequent class"))
    clf.register(Candidate("logistic_regression", "traditional",
                           lambda s: _onehot(LogisticRegression(max_iter=2000)), "L2 logistic regression (lbfgs)"))
    clf.register(Candidate("random_forest", "traditional",
                           lambda s: _ordinal(RandomForestClassifier(n_estimators=200, n_jobs=-1, random_state=s)),
                           "random forest, 200 trees"))
    clf.register(Candidate("hist_gradient_boosting", "traditional",
                           lambda s: _ordinal(HistGradientBoostingClassifier(random_state=s)),
                           "histogram gradient boosting (LightGBM-style)"))
    _register_table_state_of_the_art(clf, RealMLPClassifier, TabMClassifier, BoostedTreesClassifier)

    _register_anomaly()
    _register_clustering()
    _register_text_classification()
    _register_topics()
    _register_recommendation()
    _register_series()
    _register_images()
    _register_graph()

    reg = register_task(Task("regression", REGRESSION_METRICS, "r2", stratify=False, target_kind="regression"))
    reg.register(Candidate("deep_mlp", "deep", lambda s: DeepRegressor(random_state=s),
                           "multi-layer perceptron with categorical embeddings"))
    reg.register(Candidate("linear_neuron", "deep", lambda s: LinearNeuron(random_state=s),
                           "one linear neuron trained by gradient descent on MSE"))
    reg.register(Candidate("mean", "traditional", lambda s: _onehot(DummyRegressor()), "always the training mean"))
    reg.register(Candidate("ridge", "traditional", lambda s: _onehot(RidgeCV(alphas=np.logspace(-3, 3, 13))),
                           "ridge regression, alpha by generalised cross-validation"))
    reg.register(Candidate("random_forest", "traditional",
                           lambda s: _ordinal(RandomForestRegressor(n_estimators=100, min_samples_leaf=2, n_jobs=-1,
                                                                    random_state=s)),
                           "random forest, 100 trees"))
    reg.register(Candidate("hist_gradient_boosting", "traditional",
                           lambda s: _ordinal(HistGradientBoostingRegressor(random_state=s)),
                           "histogram gradient boosting (LightGBM-style)"))
    _register_table_state_of_the_art(reg, RealMLPRegressor, TabMRegressor, BoostedTreesRegressor)


def _register_table_state_of_the_art(task: Task, realmlp, tabm, boosted) -> None:
    """RealMLP and LightGBM join every run; TabM, XGBoost and CatBoost (slower, or close to LightGBM) join
    when named or with models="all". The boosters take the table as it is: their own handling of
    categories and missing values, so no Pipeline in front."""
    task.register(Candidate("realmlp", "deep", lambda s: realmlp(random_state=s),
                            "RealMLP-TD (Holzmüller et al. 2024): robust scaling, periodic embeddings, NTK MLP"))
    task.register(Candidate("tabm", "deep", lambda s: tabm(random_state=s),
                            "TabM (Gorishniy et al. 2025): 32 weight-sharing MLPs over piecewise-linear "
                            "embeddings", default=False))
    task.register(Candidate("lightgbm", "traditional", lambda s: boosted("lightgbm", random_state=s),
                            "LightGBM, early-stopped on an inner validation part"))
    task.register(Candidate("xgboost", "traditional", lambda s: boosted("xgboost", random_state=s),
                            "XGBoost (hist), early-stopped on an inner validation part", default=False))
    task.register(Candidate("catboost", "traditional", lambda s: boosted("catboost", random_state=s),
                            "CatBoost, early-stopped on an inner validation part", default=False))


def _register_anomaly() -> None:
    from deepmine import anomaly

    from deepmine.evaluation.anomaly_metrics import ANOMALY_METRICS

    task = register_task(Task("anomaly", tuple(ANOMALY_METRICS), "roc_auc", stratify=True, unsupervised=True))
    task.register(Candidate("autoencoder", "deep", lambda s: anomaly.AutoencoderDetector(random_state=s),
                            "dense autoencoder; score = reconstruction error"))
    task.register(Candidate("vae", "deep", lambda s: anomaly.VAEDetector(random_state=s),
                            "variational autoencoder; score = reconstruction error from the mean code"))
    task.register(Candidate("deep_svdd", "deep", lambda s: anomaly.DeepSVDD(random_state=s),
                            "Deep SVDD (Ruff et al. 2018); score = squared distance to a fixed centre (the mean initial code)"))
    task.register(Candidate("isolation_forest", "traditional",
                            lambda s: anomaly.IsolationForestDetector(random_state=s), "Isolation Forest"))
    task.register(Candidate("lof", "traditional", lambda s: anomaly.LOFDetector(), "local outlier factor (novelty)"))
    task.register(Candidate("one_class_svm", "traditional", lambda s: anomaly.OneClassSVMDetector(),
                            "one-class SVM, RBF kernel"))
    task.register(Candidate("robust_covariance", "traditional",
                            lambda s: anomaly.RobustCovarianceDetector(random_state=s),
                            "robust Mahalanobis distance (MCD; robust z-scores when the covariance is singular)"))


def _register_clustering() -> None:
    from deepmine import cluster

    task = register_task(Task("clustering", ("nmi", "ari", "accuracy", "silhouette", "davies_bouldin",
                                             "calinski_harabasz"), "nmi", stratify=False, unsupervised=True))
    task.register(Candidate("autoencoder_kmeans", "deep", lambda s: cluster.AutoencoderKMeans(random_state=s),
                            "k-means on the code of a dense autoencoder"))
    task.register(Candidate("dec", "deep", lambda s: cluster.DEC(random_state=s),
                            "Deep Embedded Clustering (Xie et al. 2016)"))
    task.register(Candidate("idec", "deep", lambda s: cluster.DEC(idec=True, random_state=s),
                            "DEC that keeps the reconstruction loss (Guo et al. 2017)"))
    task.register(Candidate("kmeans", "traditional",
                            lambda s: cluster.TraditionalClusterer("kmeans", random_state=s), "k-means"))
    task.register(Candidate("gmm", "traditional",
                            lambda s: cluster.TraditionalClusterer("gmm", random_state=s), "Gaussian mixture"))
    task.register(Candidate("agglomerative", "traditional",
                            lambda s: cluster.TraditionalClusterer("agglomerative", random_state=s),
                            "agglomerative clustering, Ward linkage"))


def _register_text_classification() -> None:
    from deepmine.evaluation.metrics import CLASSIFICATION_METRICS
    from deepmine.text import baselines, classifiers

    task = register_task(Task("text_classification", CLASSIFICATION_METRICS, "accuracy", stratify=True,
                              target_kind="classification", input="text"))
    task.register(Candidate("rnn", "deep", lambda s: classifiers.RNNTextClassifier(random_state=s),
                            "embeddings -> bidirectional LSTM -> max pooling"))
    task.register(Candidate("cnn", "deep", lambda s: classifiers.CNNTextClassifier(random_state=s),
                            "Kim's CNN: convolutions of widths 3, 4, 5 over word embeddings"))
    task.register(Candidate("minilm_frozen", "deep", lambda s: classifiers.TransformerClassifier(random_state=s),
                            "frozen all-MiniLM-L6-v2 sentence embeddings + MLP head"))
    task.register(Candidate("minilm_finetuned", "deep",
                            lambda s: classifiers.TransformerClassifier(finetune=True, random_state=s),
                            "all-MiniLM-L6-v2 with its top layers fine-tuned"))
    task.register(Candidate("tfidf_logistic", "traditional", lambda s: baselines.TfidfClassifier(random_state=s),
                            "TF-IDF (words and pairs) + logistic regression"))
    task.register(Candidate("tfidf_svm", "traditional",
                            lambda s: baselines.TfidfClassifier("linear_svm", random_state=s),
                            "TF-IDF + linear SVM (Platt-calibrated)"))
    task.register(Candidate("naive_bayes", "traditional",
                            lambda s: baselines.TfidfClassifier("naive_bayes", random_state=s),
                            "TF-IDF + multinomial naive Bayes"))
    task.register(Candidate("vader_lexicon", "traditional", lambda s: baselines.LexiconSentimentClassifier(),
                            "VADER sentiment lexicon scores + logistic calibration"))


def _register_topics() -> None:
    from deepmine.text.topics import TopicModel

    task = register_task(Task("topics", ("coherence", "diversity", "nmi", "ari"), "coherence", stratify=False,
                              unsupervised=True, input="text"))
    task.register(Candidate("embedding_topics", "deep", lambda s: TopicModel("embedding", random_state=s),
                            "MiniLM sentence embeddings -> k-means -> class-based TF-IDF words (BERTopic-style)"))
    task.register(Candidate("lda", "traditional", lambda s: TopicModel("lda", random_state=s),
                            "latent Dirichlet allocation on word counts"))
    task.register(Candidate("nmf", "traditional", lambda s: TopicModel("nmf", random_state=s),
                            "non-negative matrix factorisation of TF-IDF"))


def _register_recommendation() -> None:
    from deepmine import recommend

    task = register_task(Task("recommendation", ("rmse", "mae", "hr@10", "ndcg@10", "precision@10", "recall@10",
                                                 "map@10", "coverage"), "rmse", stratify=False,
                              input="interactions"))
    task.register(Candidate("matrix_factorization", "deep", lambda s: recommend.MatrixFactorization(random_state=s),
                            "user and item embeddings + biases, mini-batch gradient descent (MSE or BPR)"))
    task.register(Candidate("hybrid_mf", "deep",
                            lambda s: recommend.HybridMF(lr=0.01, lr_schedule="onecycle", max_epochs=15,
                                                         early_stopping=None, random_state=s),
                            "matrix factorisation whose item vectors add their tags' (genres') vectors"))
    task.register(Candidate("neumf", "deep", lambda s: recommend.NeuMF(random_state=s),
                            "NeuMF (He et al. 2017): GMF and MLP towers"))
    task.register(Candidate("popularity", "traditional", lambda s: recommend.Popularity(),
                            "most interacted-with items; item mean rating shrunk to the global mean"))
    task.register(Candidate("bias_baseline", "traditional", lambda s: recommend.BiasBaseline(),
                            "global mean + regularised user and item biases"))
    task.register(Candidate("item_knn", "traditional", lambda s: recommend.ItemKNN(),
                            "item-item cosine neighbours (k=50)"))
    task.register(Candidate("als", "traditional", lambda s: recommend.ALSMatrixFactorization(random_state=s),
                            "matrix factorisation by alternating least squares"))


def _register_series() -> None:
    from deepmine.evaluation.forecasting import forecasting_candidates
    from deepmine.evaluation.metrics import CLASSIFICATION_METRICS
    from deepmine.evaluation.series_classification import series_classification_candidates

    task = register_task(Task("series_classification", CLASSIFICATION_METRICS, "accuracy", stratify=True,
                              target_kind="classification", input="series"))
    for candidate in series_classification_candidates():
        task.register(candidate)
    task = register_task(Task("forecasting", ("mase", "smape", "rmse", "interval_coverage"), "mase", stratify=False,
                              target_kind="forecast", input="series"))
    for candidate in forecasting_candidates():
        task.register(candidate)


def _register_images() -> None:
    from deepmine.evaluation.image_classification import image_classification_candidates
    from deepmine.evaluation.metrics import CLASSIFICATION_METRICS

    task = register_task(Task("image_classification", CLASSIFICATION_METRICS, "accuracy", stratify=True,
                              target_kind="classification", input="images"))
    for candidate in image_classification_candidates():
        task.register(candidate)


def _register_graph() -> None:
    from deepmine import graph

    task = register_task(Task("communities", ("nmi", "ari", "modularity", "conductance", "n_communities"), "nmi",
                              stratify=False, unsupervised=True, input="graph"))
    for name, embedding, method, text in (
            ("node2vec_kmeans", "node2vec", "kmeans", "k-means on node2vec vectors (biased walks, q=0.5)"),
            ("node2vec_gmm", "node2vec", "gmm", "Gaussian mixture on node2vec vectors"),
            ("deepwalk_kmeans", "deepwalk", "kmeans", "k-means on DeepWalk vectors (uniform walks)")):
        task.register(Candidate(name, "deep", lambda s, e=embedding, m=method: graph.EmbeddingCommunities(
            e, m, random_state=s), text))
    task.register(Candidate("louvain", "traditional", lambda s: graph.LouvainCommunities(random_state=s),
                            "Louvain modularity maximisation"))
    task.register(Candidate("label_propagation", "traditional",
                            lambda s: graph.LabelPropagationCommunities(random_state=s), "asynchronous label propagation"))
    task.register(Candidate("greedy_modularity", "traditional", lambda s: graph.GreedyModularityCommunities(),
                            "greedy agglomerative modularity (Clauset-Newman-Moore)"))
    task.register(Candidate("spectral", "traditional", lambda s: graph.SpectralCommunities(random_state=s),
                            "spectral clustering of the adjacency"))

    def links():
        from deepmine.graph import links

        return links

    task = register_task(Task("link_prediction", ("roc_auc", "average_precision"), "roc_auc", stratify=False,
                              unsupervised=True, input="graph"))
    for name, embedding, scoring, text in (
            ("node2vec_hadamard", "node2vec", "hadamard", "logistic regression on node2vec vector products"),
            ("node2vec_cosine", "node2vec", "cosine", "cosine similarity of node2vec vectors"),
            ("deepwalk_cosine", "deepwalk", "cosine", "cosine similarity of DeepWalk vectors")):
        task.register(Candidate(name, "deep", lambda s, e=embedding, c=scoring: links().EmbeddingLinkPredictor(
            e, c, random_state=s), text))
    task.register(Candidate("common_neighbours", "traditional", lambda s: links().CommonNeighbours(),
                            "number of shared neighbours"))
    task.register(Candidate("adamic_adar", "traditional", lambda s: links().AdamicAdar(),
                            "shared neighbours weighted by 1/log(degree)"))
    task.register(Candidate("jaccard", "traditional", lambda s: links().JaccardCoefficient(),
                            "shared over all neighbours"))
    task.register(Candidate("preferential_attachment", "traditional", lambda s: links().PreferentialAttachment(),
                            "product of the degrees"))
