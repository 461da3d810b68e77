"""The task registry: every built-in task with its candidate models, and :func:`register_task` for more.

The tasks' classes live with their families (``table``, ``unsupervised``, ``recommendation``, ``series``,
``forecasting``, ``series_anomaly``, ``images``, ``graph``); this module builds one of each with its candidates, on
first use.
"""

from __future__ import annotations

import numpy as np

from deepmine.errors import DeepmineError
from deepmine.evaluation.candidates import Candidate
from deepmine.evaluation.forecasting import ForecastingTask, forecasting_candidates
from deepmine.evaluation.series_anomaly import SeriesAnomalyTask, series_anomaly_candidates
from deepmine.evaluation.graph import CommunitiesTask, LinkPredictionTask
from deepmine.evaluation.images import ImageClassificationTask, image_classification_candidates
from deepmine.evaluation.recommendation import RecommendationTask
from deepmine.evaluation.series import SeriesClassificationTask, series_classification_candidates
from deepmine.evaluation.table import TableTask
from deepmine.evaluation.task import Task
from deepmine.evaluation.unsupervised import AnomalyTask, ClusteringTask, TopicsTask

# -- search spaces (what a budget tunes; see deepmine.evaluation.tuning) ---------------------------------------
MLP_SPACE = {"lr": ("log", 3e-4, 1e-2), "hidden": ("layers", (32, 512), (1, 4)), "dropout": ("float", 0.0, 0.5),
             "weight_decay": ("log", 1e-6, 1e-2)}
NEURON_SPACE = {"lr": ("log", 1e-3, 1e-1), "weight_decay": ("log", 1e-6, 1e-2)}
# after pytabkit's RealMLP-HPO space (Holzmüller et al. 2024, appendix C)
REALMLP_SPACE = {"lr": ("log", 2e-2, 3e-1), "dropout": ("choice", [0.0, 0.15, 0.3]),
                 "weight_decay": ("choice", [0.0, 0.02]),
                 "hidden": ("choice", [(256, 256, 256), (64, 64, 64, 64, 64), (512,)])}
# after the TabM paper's space (Gorishniy et al. 2025, appendix), with blocks at most 512 wide
TABM_SPACE = {"lr": ("log", 1e-4, 5e-3), "weight_decay": ("choice", [0.0, 1e-4, 1e-3, 1e-2, 1e-1]),
              "n_blocks": ("int", 1, 4), "d_block": ("log_int", 64, 512), "dropout": ("choice", [0.0, 0.1, 0.2, 0.3]),
              "n_bins": ("log_int", 2, 128)}
LOGISTIC_SPACE = {"C": ("log", 1e-3, 1e2)}
FOREST_SPACE = {"max_features": ("choice", ["sqrt", 0.5, 1.0]), "min_samples_leaf": ("log_int", 1, 20),
                "max_depth": ("choice", [None, 8, 16, 32])}
HGB_SPACE = {"learning_rate": ("log", 1e-2, 3e-1), "max_leaf_nodes": ("log_int", 8, 128),
             "min_samples_leaf": ("log_int", 2, 100), "l2_regularization": ("log", 1e-4, 10.0)}
# the boosters' own parameters ("params.x" sets key x of their ``params`` dict); early stopping sets the trees
BOOSTER_SPACES = {
    "lightgbm": {"learning_rate": ("log", 1e-2, 2e-1), "params.num_leaves": ("log_int", 8, 256),
                 "params.min_child_samples": ("log_int", 2, 100), "params.reg_lambda": ("log", 1e-3, 10.0),
                 "params.colsample_bytree": ("float", 0.4, 1.0), "params.subsample": ("float", 0.5, 1.0),
                 "params.subsample_freq": ("choice", [1])},
    "xgboost": {"learning_rate": ("log", 1e-2, 2e-1), "params.max_depth": ("int", 2, 10),
                "params.min_child_weight": ("log", 1e-1, 20.0), "params.reg_lambda": ("log", 1e-3, 10.0),
                "params.colsample_bytree": ("float", 0.4, 1.0), "params.subsample": ("float", 0.5, 1.0)},
    "catboost": {"learning_rate": ("log", 1e-2, 2e-1), "params.depth": ("int", 3, 9),
                 "params.l2_leaf_reg": ("log", 1.0, 30.0)},
}
# text classification. The networks train with Adam, whose weight_decay is an L2 penalty (0, their default,
# is none); the ranges are centred on each network's default
RNN_TEXT_SPACE = {"lr": ("log", 5e-4, 8e-3), "dropout": ("float", 0.0, 0.5), "hidden": ("log_int", 64, 256),
                  "weight_decay": ("choice", [0.0, 1e-6, 1e-5, 1e-4])}
# Kim (2014): 100 maps per width, dropout 0.5; Zhang & Wallace (2017) find 100 to 600 maps work well
CNN_TEXT_SPACE = {"lr": ("log", 2.5e-4, 4e-3), "dropout": ("float", 0.2, 0.7), "filters": ("log_int", 50, 200),
                  "weight_decay": ("choice", [0.0, 1e-6, 1e-5, 1e-4])}
# the frozen encoder's head: lr "auto" is 1e-3 there; AdamW's decoupled weight decay, 0.01 by default
MINILM_HEAD_SPACE = {"lr": ("log", 2.5e-4, 4e-3), "dropout": ("float", 0.0, 0.3),
                     "weight_decay": ("log", 1e-3, 1e-1), "hidden": ("choice", [(), (128,), (256,), (512,)])}
# fine-tuning: lr "auto" is 5e-5, as in BERT's grid (Devlin et al. 2019: 2e-5 to 5e-5, dropout 0.1, decay 0.01),
# reaching higher for the few epochs and top layers trained here
MINILM_FINETUNE_SPACE = {"lr": ("log", 1e-5, 2.5e-4), "dropout": ("float", 0.0, 0.3),
                         "weight_decay": ("log", 1e-3, 1e-1)}
TFIDF_C_SPACE = {"C": ("log", 1e-2, 1e2)}  # logistic regression's and the linear SVM's C, 1 by default
NAIVE_BAYES_SPACE = {"alpha": ("log", 1e-3, 10.0)}  # MultinomialNB's additive smoothing, 0.1 by default


# graph embeddings for link prediction, tuned on edges held out of the training graph (after the node2vec
# paper's sweeps: p and q in {0.25 .. 4}, dimensions, walk length and context size)
DEEPWALK_SPACE = {"dimensions": ("choice", [32, 64, 128]), "walk_length": ("choice", [20, 40, 80]),
                  "window": ("int", 3, 10)}
NODE2VEC_SPACE = {**DEEPWALK_SPACE, "p": ("log", 0.25, 4.0), "q": ("log", 0.25, 4.0)}
# the graph autoencoders' training (after the paper's settings: lr 0.01, 32 and 16 units)
GAE_SPACE = {"lr": ("log", 3e-3, 3e-2), "hidden": ("choice", [16, 32, 64]), "dimensions": ("choice", [8, 16, 32]),
             "dropout": ("float", 0.0, 0.3)}

# anomaly detectors, tuned on labelled rows they were not fitted on (ROC-AUC)
AUTOENCODER_SPACE = {"lr": ("log", 3e-4, 3e-3), "code_dim": ("choice", [2, 4, 8, 16]),
                     "hidden": ("choice", [(64, 32), (32, 16), (128, 64), (256, 128)]),
                     "dropout": ("float", 0.0, 0.3), "weight_decay": ("choice", [0.0, 1e-5, 1e-4])}
SVDD_SPACE = {"lr": ("log", 3e-4, 3e-3), "code_dim": ("choice", [8, 16, 32, 64]),
              "hidden": ("choice", [(128, 64), (64, 32), (256, 128)]), "weight_decay": ("log", 1e-7, 1e-4)}


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

    clf = register_task(TableTask("classification", CLASSIFICATION_METRICS, "accuracy", stratify=True,
                                 target_kind="classification"))
    clf.register(Candidate("deep_mlp", "deep", lambda s: DeepClassifier(random_state=s),
                           "multi-layer perceptron with categorical embeddings", space=MLP_SPACE))
    clf.register(Candidate("logistic_neuron", "deep", lambda s: LogisticNeuron(random_state=s),
                           "one layer of sigmoid/softmax neurons trained by gradient descent", space=NEURON_SPACE))
    clf.register(Candidate("majority", "traditional", lambda s: _onehot(DummyClassifier(strategy="prior")),
                           "always the most frequent class"))
    clf.register(Candidate("logistic_regression", "traditional",
                           lambda s: _onehot(LogisticRegression(max_iter=2000)), "L2 logistic regression (lbfgs)",
                           space=LOGISTIC_SPACE))
    clf.register(Candidate("random_forest", "traditional",
                           lambda s: _ordinal(RandomForestClassifier(n_estimators=200, n_jobs=-1, random_state=s)),
                           "random forest, 200 trees", space=FOREST_SPACE))
    clf.register(Candidate("hist_gradient_boosting", "traditional",
                           lambda s: _ordinal(HistGradientBoostingClassifier(random_state=s)),
                           "histogram gradient boosting (LightGBM-style)", space=HGB_SPACE))
    _register_table_state_of_the_art(clf, RealMLPClassifier, TabMClassifier, BoostedTreesClassifier)

    _register_anomaly()
    _register_clustering()
    _register_text_classification()
    _register_topics()
    _register_recommendation()
    _register_series()
    _register_images()
    _register_graph()

    reg = register_task(TableTask("regression", REGRESSION_METRICS, "r2", stratify=False, target_kind="regression"))
    reg.register(Candidate("deep_mlp", "deep", lambda s: DeepRegressor(random_state=s),
                           "multi-layer perceptron with categorical embeddings", space=MLP_SPACE))
    reg.register(Candidate("linear_neuron", "deep", lambda s: LinearNeuron(random_state=s),
                           "one linear neuron trained by gradient descent on MSE", space=NEURON_SPACE))
    reg.register(Candidate("mean", "traditional", lambda s: _onehot(DummyRegressor()), "always the training mean"))
    reg.register(Candidate("ridge", "traditional", lambda s: _onehot(RidgeCV(alphas=np.logspace(-3, 3, 13))),
                           "ridge regression, alpha by generalised cross-validation"))
    reg.register(Candidate("random_forest", "traditional",
                           lambda s: _ordinal(RandomForestRegressor(n_estimators=100, min_samples_leaf=2, n_jobs=-1,
                                                                    random_state=s)),
                           "random forest, 100 trees", space=FOREST_SPACE))
    reg.register(Candidate("hist_gradient_boosting", "traditional",
                           lambda s: _ordinal(HistGradientBoostingRegressor(random_state=s)),
                           "histogram gradient boosting (LightGBM-style)", space=HGB_SPACE))
    _register_table_state_of_the_art(reg, RealMLPRegressor, TabMRegressor, BoostedTreesRegressor)


def _register_table_state_of_the_art(task: Task, realmlp, tabm, boosted) -> None:
    """RealMLP and LightGBM join every run; TabM, XGBoost and CatBoost (slower, or close to LightGBM) join
    when named or with models="all". The boosters take the table as it is: their own handling of
    categories and missing values, so no Pipeline in front."""
    task.register(Candidate("realmlp", "deep", lambda s: realmlp(random_state=s),
                            "RealMLP-TD (Holzmüller et al. 2024): robust scaling, periodic embeddings, NTK MLP",
                            space=REALMLP_SPACE))
    task.register(Candidate("tabm", "deep", lambda s: tabm(random_state=s),
                            "TabM (Gorishniy et al. 2025): 32 weight-sharing MLPs over piecewise-linear "
                            "embeddings", default=False, space=TABM_SPACE))
    task.register(Candidate("lightgbm", "traditional", lambda s: boosted("lightgbm", random_state=s),
                            "LightGBM, early-stopped on an inner validation part",
                            space=BOOSTER_SPACES["lightgbm"]))
    task.register(Candidate("xgboost", "traditional", lambda s: boosted("xgboost", random_state=s),
                            "XGBoost (hist), early-stopped on an inner validation part", default=False,
                            space=BOOSTER_SPACES["xgboost"]))
    task.register(Candidate("catboost", "traditional", lambda s: boosted("catboost", random_state=s),
                            "CatBoost, early-stopped on an inner validation part", default=False,
                            space=BOOSTER_SPACES["catboost"]))


def _register_anomaly() -> None:
    from deepmine import anomaly

    from deepmine.evaluation.anomaly_metrics import ANOMALY_METRICS

    task = register_task(AnomalyTask("anomaly", tuple(ANOMALY_METRICS), "roc_auc", stratify=True, unsupervised=True))
    task.register(Candidate("autoencoder", "deep", lambda s: anomaly.AutoencoderDetector(random_state=s),
                            "dense autoencoder; score = reconstruction error", space=AUTOENCODER_SPACE))
    task.register(Candidate("vae", "deep", lambda s: anomaly.VAEDetector(random_state=s),
                            "variational autoencoder; score = reconstruction error from the mean code",
                            space={**AUTOENCODER_SPACE, "beta": ("log", 0.25, 4.0)}))
    task.register(Candidate("deep_svdd", "deep", lambda s: anomaly.DeepSVDD(random_state=s),
                            "Deep SVDD (Ruff et al. 2018); score = squared distance to a fixed centre (the mean initial "
                            "code)", space=SVDD_SPACE))
    task.register(Candidate("isolation_forest", "traditional",
                            lambda s: anomaly.IsolationForestDetector(random_state=s), "Isolation Forest",
                            space={"max_samples": ("choice", ["auto", 0.25, 0.5, 1.0]),
                                   "max_features": ("float", 0.5, 1.0)}))
    task.register(Candidate("lof", "traditional", lambda s: anomaly.LOFDetector(), "local outlier factor (novelty)",
                            space={"n_neighbors": ("log_int", 5, 100)}))
    task.register(Candidate("one_class_svm", "traditional", lambda s: anomaly.OneClassSVMDetector(),
                            "one-class SVM, RBF kernel", space={"nu": ("log", 0.01, 0.5)}))
    task.register(Candidate("robust_covariance", "traditional",
                            lambda s: anomaly.RobustCovarianceDetector(random_state=s),
                            "robust Mahalanobis distance (MCD; robust z-scores when the covariance is singular)",
                            space={"support_fraction": ("choice", [None, 0.6, 0.75, 0.9])}))


def _register_clustering() -> None:
    from deepmine import cluster

    task = register_task(ClusteringTask("clustering", ("nmi", "ari", "accuracy", "silhouette", "davies_bouldin",
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

    task = register_task(TableTask("text_classification", CLASSIFICATION_METRICS, "accuracy", stratify=True,
                              target_kind="classification", input="text"))
    task.register(Candidate("rnn", "deep", lambda s: classifiers.RNNTextClassifier(random_state=s),
                            "embeddings -> bidirectional LSTM -> max pooling", space=RNN_TEXT_SPACE))
    task.register(Candidate("cnn", "deep", lambda s: classifiers.CNNTextClassifier(random_state=s),
                            "Kim's CNN: convolutions of widths 3, 4, 5 over word embeddings", space=CNN_TEXT_SPACE))
    task.register(Candidate("minilm_frozen", "deep", lambda s: classifiers.TransformerClassifier(random_state=s),
                            "frozen all-MiniLM-L6-v2 sentence embeddings + MLP head", space=MINILM_HEAD_SPACE))
    task.register(Candidate("minilm_finetuned", "deep",
                            lambda s: classifiers.TransformerClassifier(finetune=True, random_state=s),
                            "all-MiniLM-L6-v2 with its top layers fine-tuned", space=MINILM_FINETUNE_SPACE))
    task.register(Candidate("tfidf_logistic", "traditional", lambda s: baselines.TfidfClassifier(random_state=s),
                            "TF-IDF (words and pairs) + logistic regression", space=TFIDF_C_SPACE))
    task.register(Candidate("tfidf_svm", "traditional",
                            lambda s: baselines.TfidfClassifier("linear_svm", random_state=s),
                            "TF-IDF + linear SVM (Platt-calibrated)", space=TFIDF_C_SPACE))
    task.register(Candidate("naive_bayes", "traditional",
                            lambda s: baselines.TfidfClassifier("naive_bayes", random_state=s),
                            "TF-IDF + multinomial naive Bayes", space=NAIVE_BAYES_SPACE))
    # no space: its only parameter is the C of a logistic regression on four lexicon scores
    task.register(Candidate("vader_lexicon", "traditional", lambda s: baselines.LexiconSentimentClassifier(),
                            "VADER sentiment lexicon scores + logistic calibration"))


def _register_topics() -> None:
    from deepmine.text.topics import TopicModel

    task = register_task(TopicsTask("topics", ("coherence", "diversity", "nmi", "ari"), "coherence", stratify=False,
                              unsupervised=True, input="text"))
    task.register(Candidate("bertopic", "deep", lambda s: TopicModel("bertopic", random_state=s),
                            "BERTopic's pipeline: MiniLM embeddings -> UMAP -> HDBSCAN (outliers in no topic) -> "
                            "class-based TF-IDF words, similar topics merged down to n_topics"))
    task.register(Candidate("embedding_topics", "deep", lambda s: TopicModel("embedding", random_state=s),
                            "MiniLM sentence embeddings -> k-means -> class-based TF-IDF words"))
    task.register(Candidate("lda", "traditional", lambda s: TopicModel("lda", random_state=s),
                            "latent Dirichlet allocation on word counts"))
    task.register(Candidate("nmf", "traditional", lambda s: TopicModel("nmf", random_state=s),
                            "non-negative matrix factorisation of TF-IDF"))


def _register_recommendation() -> None:
    from deepmine import recommend

    task = register_task(RecommendationTask("recommendation", ("rmse", "mae", "hr@10", "ndcg@10", "precision@10", "recall@10",
                                                 "map@10", "coverage"), "rmse", stratify=False,
                              input="interactions"))
    task.register(Candidate("matrix_factorization", "deep", lambda s: recommend.MatrixFactorization(random_state=s),
                            "user and item embeddings + biases, mini-batch gradient descent (MSE or BPR)",
                            space={"lr": ("log", 1e-3, 2e-2), "factors": ("choice", [16, 32, 64, 128]),
                                   "weight_decay": ("log", 1e-3, 1.0)}))
    task.register(Candidate("hybrid_mf", "deep",
                            lambda s: recommend.HybridMF(lr=0.01, lr_schedule="onecycle", max_epochs=15,
                                                         early_stopping=None, random_state=s),
                            "matrix factorisation whose item vectors add their tags' (genres') vectors",
                            space={"lr": ("log", 3e-3, 3e-2), "factors": ("choice", [32, 64, 128]),
                                   "weight_decay": ("log", 1e-2, 1.0)}))
    task.register(Candidate("neumf", "deep", lambda s: recommend.NeuMF(random_state=s),
                            "NeuMF (He et al. 2017): GMF and MLP towers",
                            space={"lr": ("log", 3e-4, 3e-3), "factors": ("choice", [8, 16, 32]),
                                   "dropout": ("float", 0.0, 0.3), "weight_decay": ("log", 1e-6, 1e-3)}))
    task.register(Candidate("popularity", "traditional", lambda s: recommend.Popularity(),
                            "most interacted-with items; item mean rating shrunk to the global mean",
                            space={"shrink": ("log", 1.0, 100.0)}))
    task.register(Candidate("bias_baseline", "traditional", lambda s: recommend.BiasBaseline(),
                            "global mean + regularised user and item biases",
                            space={"reg_user": ("log", 1.0, 50.0), "reg_item": ("log", 1.0, 50.0)}))
    task.register(Candidate("item_knn", "traditional", lambda s: recommend.ItemKNN(),
                            "item-item cosine neighbours (k=50)",
                            space={"k": ("log_int", 10, 200), "shrink": ("log", 1.0, 100.0)}))
    task.register(Candidate("als", "traditional", lambda s: recommend.ALSMatrixFactorization(random_state=s),
                            "matrix factorisation by alternating least squares",
                            space={"factors": ("choice", [20, 50, 100]), "reg": ("log", 1e-3, 1.0),
                                   "alpha": ("log", 1.0, 100.0)}))


def _register_series() -> None:
    from deepmine.evaluation.metrics import CLASSIFICATION_METRICS

    task = register_task(SeriesClassificationTask("series_classification", CLASSIFICATION_METRICS, "accuracy", stratify=True,
                              target_kind="classification", input="series"))
    for candidate in series_classification_candidates():
        task.register(candidate)
    task = register_task(ForecastingTask("forecasting", ("mase", "smape", "rmse", "interval_coverage"), "mase", stratify=False,
                              target_kind="forecast", input="series"))
    for candidate in forecasting_candidates():
        task.register(candidate)
    from deepmine.evaluation.series_anomaly_metrics import SERIES_ANOMALY_METRICS

    task = register_task(SeriesAnomalyTask("series_anomaly", SERIES_ANOMALY_METRICS, "roc_auc", stratify=False,
                                           unsupervised=True, input="series"))
    for candidate in series_anomaly_candidates():
        task.register(candidate)


def _register_images() -> None:
    from deepmine.evaluation.metrics import CLASSIFICATION_METRICS

    task = register_task(ImageClassificationTask("image_classification", CLASSIFICATION_METRICS, "accuracy", stratify=True,
                              target_kind="classification", input="images"))
    for candidate in image_classification_candidates():
        task.register(candidate)


def _register_graph() -> None:
    from deepmine import graph

    task = register_task(CommunitiesTask("communities", ("nmi", "ari", "modularity", "conductance", "n_communities"), "nmi",
                              stratify=False, unsupervised=True, input="graph"))
    for name, embedding, method, text in (
            ("node2vec_kmeans", "node2vec", "kmeans", "k-means on node2vec vectors (biased walks, q=0.5)"),
            ("node2vec_gmm", "node2vec", "gmm", "Gaussian mixture on node2vec vectors"),
            ("deepwalk_kmeans", "deepwalk", "kmeans", "k-means on DeepWalk vectors (uniform walks)")):
        task.register(Candidate(name, "deep", lambda s, e=embedding, m=method: graph.EmbeddingCommunities(
            e, m, random_state=s), text))
    task.register(Candidate("gae_kmeans", "deep", lambda s: graph.EmbeddingCommunities(
        graph.GAE(), "kmeans", random_state=s), "k-means on graph autoencoder vectors (a two-layer GCN)"))
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

    task = register_task(LinkPredictionTask("link_prediction", ("roc_auc", "average_precision"), "roc_auc", stratify=False,
                              unsupervised=True, input="graph"))
    for name, embedding, scoring, text in (
            ("node2vec_hadamard", "node2vec", "hadamard", "logistic regression on node2vec vector products"),
            ("node2vec_cosine", "node2vec", "cosine", "cosine similarity of node2vec vectors"),
            ("deepwalk_cosine", "deepwalk", "cosine", "cosine similarity of DeepWalk vectors")):
        # the embedding as an estimator (its defaults, as the name gives), so a budget can tune its walks
        task.register(Candidate(name, "deep", lambda s, e=embedding, c=scoring: links().EmbeddingLinkPredictor(
            graph.Node2Vec() if e == "node2vec" else graph.DeepWalk(), c, random_state=s), text,
            space=NODE2VEC_SPACE if embedding == "node2vec" else DEEPWALK_SPACE))
    for name, model, text in (("gae_dot", "GAE", "graph autoencoder (two-layer GCN, inner-product decoder)"),
                              ("vgae_dot", "VGAE", "variational graph autoencoder")):
        task.register(Candidate(name, "deep", lambda s, m=model: links().EmbeddingLinkPredictor(
            getattr(graph, m)(), "dot", random_state=s), text, space=GAE_SPACE))
    task.register(Candidate("common_neighbours", "traditional", lambda s: links().CommonNeighbours(),
                            "number of shared neighbours"))
    task.register(Candidate("adamic_adar", "traditional", lambda s: links().AdamicAdar(),
                            "shared neighbours weighted by 1/log(degree)"))
    task.register(Candidate("jaccard", "traditional", lambda s: links().JaccardCoefficient(),
                            "shared over all neighbours"))
    task.register(Candidate("preferential_attachment", "traditional", lambda s: links().PreferentialAttachment(),
                            "product of the degrees"))


__all__ = ["TASKS", "get_task", "register_task"]
