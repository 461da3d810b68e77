"""Traditional text classifiers: TF-IDF with logistic regression, a linear SVM or naive Bayes, and a sentiment lexicon.

They take the same input as the deep text classifiers (a list/Series of strings or a DataFrame with
the text column) and use scikit-learn's own estimators inside.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from deepmine.base import store_params
from deepmine.errors import ParameterError, check_class_labels, check_fitted, require
from deepmine.text.prepare import TOKEN_PATTERN, as_texts

TFIDF_MODELS = ("logistic", "linear_svm", "naive_bayes")


class _TextClassifierBase(ClassifierMixin, BaseEstimator):
    """Texts in, one fitted scikit-learn estimator (``model_``) inside."""

    def _texts(self, X) -> list[str]:
        return as_texts(X, self.text_column)

    def _check_fitted(self) -> None:
        check_fitted(self, "model_")

    def _features(self, texts):  # pragma: no cover - abstract
        raise NotImplementedError

    def predict(self, X) -> np.ndarray:
        self._check_fitted()
        return self.model_.predict(self._features(self._texts(X)))

    def predict_proba(self, X) -> np.ndarray:
        self._check_fitted()
        return self.model_.predict_proba(self._features(self._texts(X)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags


class TfidfClassifier(_TextClassifierBase):
    """TF-IDF features (words and, by default, word pairs) with a linear classifier: the classic text baseline.

    Parameters
    ----------
    model : {"logistic", "linear_svm", "naive_bayes"}
        Logistic regression; a linear SVM (its scores calibrated to probabilities by Platt scaling
        with 3-fold cross-validation); or multinomial naive Bayes (on the TF-IDF weights).
    ngram_range : (int, int)
        Word n-grams used as features.
    min_df : int or float
        Ignore terms in fewer documents than this.
    max_features : int or None
    C : float
        Inverse regularisation strength (logistic, linear_svm); ``alpha`` for naive Bayes smoothing.
    stop_words : None, "english" or a list
    text_column : str or None
    random_state : int or None

    Attributes
    ----------
    terms_ : the vocabulary (words and word pairs), idf_ : their inverse document frequencies,
    model_ : the fitted scikit-learn classifier, classes_.
    """

    def __init__(self, model="logistic", ngram_range=(1, 2), min_df=2, max_features=100000, C=1.0, alpha=0.1,
                 stop_words=None, text_column=None, random_state=None):
        store_params(self, locals())

    def _vectorizer(self):
        """The fitted TF-IDF vectorizer, rebuilt from ``terms_`` and ``idf_`` (cached, never saved)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        cached = self.__dict__.get("_vectorizer_cache")
        if cached is None or cached[0] is not self.terms_:
            vec = TfidfVectorizer(token_pattern=TOKEN_PATTERN, ngram_range=tuple(self.ngram_range),
                                  stop_words=self.stop_words, sublinear_tf=True, dtype=np.float32,
                                  vocabulary={t: i for i, t in enumerate(self.terms_.tolist())})
            vec._validate_vocabulary()
            vec.idf_ = self.idf_
            cached = self.__dict__["_vectorizer_cache"] = (self.terms_, vec)
        return cached[1]

    def _features(self, texts):
        return self._vectorizer().transform(texts)

    def __getstate__(self):
        # the vectorizer's term dictionary is rebuilt from terms_: saving it as a dict would be slow
        state = super().__getstate__()
        state.pop("_vectorizer_cache", None)
        return state

    def fit(self, X, y):
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.naive_bayes import MultinomialNB
        from sklearn.svm import LinearSVC

        if self.model not in TFIDF_MODELS:
            raise ParameterError(f"model must be one of {', '.join(map(repr, TFIDF_MODELS))}, got {self.model!r}")
        texts = self._texts(X)
        y = check_class_labels(y, len(texts), "text")
        vectorizer = TfidfVectorizer(token_pattern=TOKEN_PATTERN, ngram_range=tuple(self.ngram_range),
                                     min_df=self.min_df, max_features=self.max_features,
                                     stop_words=self.stop_words, sublinear_tf=True, dtype=np.float32)
        try:
            features = vectorizer.fit_transform(texts)
        except ValueError as exc:  # scikit-learn's "empty vocabulary; perhaps the documents only contain stop words"
            from deepmine.errors import DataError

            raise DataError(f"the vocabulary is empty after min_df={self.min_df} and the stop words ({exc}); "
                            f"lower min_df or give more text") from None
        # the vocabulary as one array of strings (saved as a block) and the inverse document frequencies
        self.terms_ = vectorizer.get_feature_names_out().astype(str)
        self.idf_ = vectorizer.idf_.astype(np.float64)
        if self.model == "logistic":
            model = LogisticRegression(C=self.C, max_iter=2000, random_state=self.random_state)
        elif self.model == "linear_svm":
            model = CalibratedClassifierCV(LinearSVC(C=self.C, random_state=self.random_state), cv=3)
        else:
            model = MultinomialNB(alpha=self.alpha)
        self.model_ = model.fit(features, y)
        self.classes_ = self.model_.classes_
        return self


@lru_cache(maxsize=1)
def _vader():
    module = require("vaderSentiment.vaderSentiment", "text")
    return module.SentimentIntensityAnalyzer()


def lexicon_scores(texts) -> np.ndarray:
    """VADER's negative, neutral, positive and compound scores of each text, shape (n, 4)."""
    analyzer = _vader()
    rows = [analyzer.polarity_scores(t) for t in texts]
    return np.array([[r["neg"], r["neu"], r["pos"], r["compound"]] for r in rows], dtype=np.float64)


class LexiconSentimentClassifier(_TextClassifierBase):
    """Sentiment from a word list, no learning of words: VADER's lexicon and rules score each text.

    VADER (Hutto and Gilbert, 2014) gives every text negative, neutral, positive and compound
    scores from about 7,500 rated words and rules for negation, intensifiers and punctuation. A
    logistic regression on those four numbers maps them to your labels (which label is the
    positive one, and where the threshold lies), so the lexicon works with any label names.

    Parameters
    ----------
    C : float
        Inverse regularisation of the calibrating logistic regression.
    text_column : str or None
    """

    def __init__(self, C=1.0, text_column=None):
        store_params(self, locals())

    def _features(self, texts):
        return lexicon_scores(texts)

    def fit(self, X, y):
        from sklearn.linear_model import LogisticRegression

        texts = self._texts(X)
        y = check_class_labels(y, len(texts), "text")
        self.model_ = LogisticRegression(C=self.C, max_iter=1000).fit(self._features(texts), y)
        self.classes_ = self.model_.classes_
        return self
