"""explain(model, rows): per-prediction contributions from the right method for the model.

Deep models that deepmine can differentiate (tabular networks, the RNN / CNN text classifiers, the
image CNNs) are explained by integrated gradients, exact up to the integration error; every other
model, traditional or not, by Kernel SHAP on the original columns. Both return an
:class:`~deepmine.explain.Attribution` whose ``table`` is tidy (row, feature, value, contribution)
and whose ``base_value`` is where the contributions start.
"""

from __future__ import annotations

from deepmine.errors import ParameterError
from deepmine.explain.attribution import Attribution
from deepmine.explain.columns import check_fitted_model

METHODS = ("auto", "integrated_gradients", "kernel_shap")


def gradient_explainable(model) -> bool:
    """Whether integrated gradients can explain ``model``: deepmine's tabular networks, the RNN / CNN
    text classifiers and the image CNNs."""
    from deepmine.explain.gradients import supports_gradients

    return supports_gradients(model)


def explain(model, rows, method: str = "auto", target=None, background=None, **options) -> Attribution:
    """Explain ``model``'s predictions for ``rows``.

    Parameters
    ----------
    model : a fitted deepmine model or any scikit-learn estimator that takes the table
    rows : the inputs to explain, as the model takes them (a DataFrame; texts; images)
    method : "auto" (integrated gradients where possible, else Kernel SHAP), "integrated_gradients"
        or "kernel_shap"
    target : for classifiers, the class whose probability is explained: one class, or one per row
        (default: the second of two classes; of more, each row's predicted class, whichever method)
    background : Kernel SHAP's reference rows (default: ``rows``); integrated gradients takes a
        ``baseline`` option instead
    options : passed to the method (``steps`` for integrated gradients; ``nsamples``,
        ``background_size`` for Kernel SHAP)
    """
    if method not in METHODS:
        raise ParameterError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    check_fitted_model(model)
    if method == "auto":
        method = "integrated_gradients" if gradient_explainable(model) else "kernel_shap"
    if method == "integrated_gradients":
        from deepmine.explain.gradients import integrated_gradients

        attribution = integrated_gradients(model, rows, target=target, **options)
        attribution.method = "integrated_gradients"
        return attribution
    from deepmine.explain.shapley import kernel_shap

    return kernel_shap(model, rows, background=background, target=target, **options)


__all__ = ["METHODS", "explain", "gradient_explainable"]
