"""Deep tabular models (an MLP, RealMLP, TabM) and the review's one-neuron views of logistic and linear regression."""

from deepmine.tabular.classifier import DeepClassifier, LogisticNeuron
from deepmine.tabular.realmlp import RealMLPClassifier, RealMLPRegressor
from deepmine.tabular.regressor import DeepRegressor, LinearNeuron
from deepmine.tabular.tabm import TabMClassifier, TabMRegressor

__all__ = ["DeepClassifier", "DeepRegressor", "LinearNeuron", "LogisticNeuron", "RealMLPClassifier", "RealMLPRegressor",
           "TabMClassifier", "TabMRegressor"]
