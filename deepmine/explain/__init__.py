"""Why did the model say that: importance, per-prediction explanations, effects and calibration for every model.

- :func:`explain` — per-row contributions: integrated gradients for deepmine's networks, Kernel SHAP
  (the shap package) for any other model; an :class:`Attribution` with a tidy ``table``.
- :func:`permutation_importance` — the held-out score lost when a column is shuffled (any model);
  :func:`gradient_importance` — mean |integrated gradient| per original column (deep models).
- :func:`partial_dependence` — partial dependence and ICE curves of one feature.
- :mod:`deepmine.explain.calibration` — reliability curves, expected calibration error, and
  :class:`CalibratedClassifier` (temperature scaling, isotonic or Platt).
"""

from deepmine.explain.attribution import Attribution
from deepmine.explain.calibration import (CalibratedClassifier, calibration_report, expected_calibration_error,
                                          reliability_curve)
from deepmine.explain.effects import partial_dependence
from deepmine.explain.explain import explain
from deepmine.explain.gradients import gradient_importance, integrated_gradients
from deepmine.explain.importance import permutation_importance

__all__ = ["Attribution", "CalibratedClassifier", "calibration_report", "explain", "expected_calibration_error",
           "gradient_importance", "integrated_gradients", "partial_dependence", "permutation_importance",
           "reliability_curve"]
