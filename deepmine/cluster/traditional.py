"""TraditionalClusterer: scikit-learn's k-means, Gaussian mixture and agglomerative clustering on deepmine's preprocessing."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.utils.validation import _check_feature_names, _check_n_features

from deepmine.base import store_params
from deepmine.cluster._common import (apply_scaling, candidate_ks, check_not_constant, choose_k,
                                      fit_scaling, nearest)
from deepmine.data.preprocess import TabularPreprocessor, check_features
from deepmine.errors import ColumnError, DataError, ParameterError, check_fitted

METHODS = ("kmeans", "gmm", "agglomerative")


class TraditionalClusterer(ClusterMixin, TransformerMixin, BaseEstimator):
    """The classical clusterers with the deep ones' surface: k-means, a Gaussian mixture or agglomerative.

    The table goes through :class:`~deepmine.data.preprocess.TabularPreprocessor` (median imputation
    with missing indicators, standardisation, one-hot categories), so DataFrames with categories and
    gaps work, then through the same ``scaling`` as the deep clusterers; scikit-learn's own
    ``KMeans``, ``GaussianMixture`` or ``AgglomerativeClustering`` does the clustering (``estimator_``).

    Parameters
    ----------
    method : {"kmeans", "gmm", "agglomerative"}
    n_clusters : int >= 2 or "auto"
        "auto" fits every k in ``k_range`` and keeps the best: the lowest BIC for "gmm", the highest
        silhouette (on the scaled features, on a fixed sample of 5000 rows above that) otherwise.
        ``n_clusters_`` is the k used, ``k_scores_`` the score of each k tried, ``k_criterion_``
        says which score.
    k_range : (int, int)
        The smallest and largest k that "auto" tries (capped at the number of rows - 1).
    scaling : {"auto", "standard", "global"}
        As for the deep clusterers: "global" keeps the relative spread of columns in one unit (pixels);
        "auto" uses it for tables of at least 16 numeric columns without gaps sharing one minimum.
    covariance_type : {"full", "tied", "diag", "spherical"}
        The mixture's covariance ("gmm" only).
    linkage : {"ward", "complete", "average", "single"}
        The merge rule ("agglomerative" only).
    roles : dict or None
        Column roles that override inference, e.g. ``{"zip": "categorical", "notes": "drop"}``.
    random_state : int, RandomState or None
        Seed of k-means' and the mixture's initialisation.

    Notes
    -----
    ``transform`` returns the preprocessed, scaled features: the space where the clusters were found
    and where ``cluster_centers_`` (k-means centres, mixture means, agglomerative cluster means) live.
    Agglomerative clustering has no ``predict`` of its own; here a new row goes to the cluster with
    the nearest mean. Constant columns are kept (they are zero after centring and move no distance);
    a table whose columns are all constant is refused.
    """

    def __init__(self, method="kmeans", n_clusters=8, k_range=(2, 10), scaling="auto", covariance_type="full",
                 linkage="ward", roles=None, random_state=None):
        store_params(self, locals())

    def _cluster(self, Z: np.ndarray, k: int):
        from sklearn.cluster import AgglomerativeClustering, KMeans
        from sklearn.mixture import GaussianMixture

        if self.method == "kmeans":
            model = KMeans(n_clusters=k, n_init=10, random_state=self.random_state).fit(Z)
            return model, model.labels_
        if self.method == "gmm":
            model = GaussianMixture(n_components=k, covariance_type=self.covariance_type, reg_covar=1e-4,
                                    random_state=self.random_state).fit(Z)
            return model, model.predict(Z)
        model = AgglomerativeClustering(n_clusters=k, linkage=self.linkage).fit(Z)
        return model, model.labels_

    def fit(self, X, y=None):
        """Cluster the rows of ``X``; ``y`` is ignored."""
        if self.method not in METHODS:
            raise ParameterError(f"method must be one of {', '.join(map(repr, METHODS))}, got {self.method!r}")
        X = check_features(X)
        _check_feature_names(self, X, reset=True)
        _check_n_features(self, X, reset=True)
        if len(X) == 0:
            raise DataError("the table has no rows; give at least one row to fit on")
        ks = candidate_ks(self.n_clusters, self.k_range, len(X))
        self.preprocessor_ = TabularPreprocessor(roles=self.roles, encoding="onehot").fit(X)
        Z = self.preprocessor_.transform(X)
        check_not_constant(Z)
        self.scaling_, self.input_scale_ = fit_scaling(self.scaling, self.preprocessor_, Z)
        Z = apply_scaling(Z, self.preprocessor_, self.scaling_, self.input_scale_)
        self.k_criterion_ = "bic" if self.method == "gmm" else "silhouette"
        if self.method == "gmm":
            # float64 and a small ridge on the covariances (the features have unit scale) keep components
            # invertible on near-constant columns such as blank border pixels
            Z = Z.astype(np.float64)
        seed = self.random_state if isinstance(self.random_state, (int, np.integer)) else 0
        self.n_clusters_, self.k_scores_, self.estimator_, labels = choose_k(
            Z, ks, lambda k: self._cluster(Z, k), self.k_criterion_, seed)
        self.labels_ = np.asarray(labels, dtype=np.int64)
        if self.method == "kmeans":
            self.cluster_centers_ = self.estimator_.cluster_centers_
        elif self.method == "gmm":
            self.cluster_centers_ = self.estimator_.means_
        else:
            self.cluster_centers_ = np.vstack([Z[self.labels_ == j].mean(axis=0) for j in range(self.n_clusters_)])
        return self

    def _check_fitted(self) -> None:
        check_fitted(self, "estimator_")

    def transform(self, X) -> np.ndarray:
        """The preprocessed, scaled features of ``X``: the space of ``cluster_centers_``."""
        self._check_fitted()
        X = check_features(X)
        if isinstance(X, pd.DataFrame) and hasattr(self, "feature_names_in_"):
            missing = [c for c in self.feature_names_in_ if c not in X.columns]
            if missing:
                raise ColumnError(f"The feature names should match those that were passed during fit: the data lacks "
                                  f"{', '.join(map(repr, missing))}; add those columns (missing values are allowed)")
            X = X[list(self.feature_names_in_)]
        _check_feature_names(self, X, reset=False)
        _check_n_features(self, X, reset=False)
        return apply_scaling(self.preprocessor_.transform(X), self.preprocessor_, self.scaling_, self.input_scale_)

    def predict(self, X) -> np.ndarray:
        """The cluster of each row: k-means' nearest centre, the mixture's most probable component, or
        for agglomerative the nearest cluster mean."""
        Z = self.transform(X)
        if self.method == "agglomerative":
            return nearest(Z.astype(np.float64), self.cluster_centers_)
        if self.method == "gmm":
            Z = Z.astype(np.float64)
        return np.asarray(self.estimator_.predict(Z), dtype=np.int64)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = []  # the preprocessor always gives float32
        tags.non_deterministic = self.random_state is None and self.method != "agglomerative"
        return tags
