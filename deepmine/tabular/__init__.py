"""Deep tabular models (an MLP, RealMLP, TabM), the review's one-neuron views of logistic and linear regression,
and the gradient-boosted trees they are measured against (LightGBM, XGBoost, CatBoost)."""

from deepmine.tabular.boosters import BoostedTreesClassifier, BoostedTreesRegressor
from deepmine.tabular.classifier import DeepClassifier, LogisticNeuron
from deepmine.tabular.realmlp import RealMLPClassifier, RealMLPRegressor
from deepmine.tabular.regressor import DeepRegressor, LinearNeuron
from deepmine.tabular.tabm import TabMClassifier, TabMRegressor

__all__ = ["BoostedTreesClassifier", "BoostedTreesRegressor", "DeepClassifier", "DeepRegressor", "LinearNeuron", "LogisticNeuron", "RealMLPClassifier", "RealMLPRegressor",
           "TabMClassifier", "TabMRegressor"]
