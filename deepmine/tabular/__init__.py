"""Deep tabular models and the review's one-neuron views of logistic and linear regression."""

from deepmine.tabular.classifier import DeepClassifier, LogisticNeuron
from deepmine.tabular.regressor import DeepRegressor, LinearNeuron

__all__ = ["DeepClassifier", "DeepRegressor", "LinearNeuron", "LogisticNeuron"]
