"""The code of deepmine's MLflow model (MLflow's *models from code* form): MLflow stores this file beside the
model folder it was logged with and runs it to load the model, so nothing is pickled. ``load_context`` opens the
folder with :func:`deepmine.load` (which refuses pickles and runs no code from it); ``predict`` gives the columns
``deepmine predict`` writes (:func:`deepmine.evaluation.predicting.predict_table`): the prediction, each class's
probability, an anomaly detector's score. A forecaster takes ``params={"horizon": H}`` (or a one-row input with a
``horizon`` column) and returns the next H steps with their interval.
"""

from __future__ import annotations

import mlflow
import pandas as pd
from mlflow.pyfunc import PythonModel

from deepmine.track.mlflow_log import ARTIFACT


class DeepmineModel(PythonModel):
    """A saved deepmine model as an MLflow pyfunc model."""

    def load_context(self, context):
        import deepmine
        from deepmine.evaluation.predicting import model_kind

        self.model = deepmine.load(context.artifacts[ARTIFACT])
        self.kind = model_kind(self.model)  # once, not on every request

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None) -> pd.DataFrame:
        from deepmine.evaluation.predicting import forecast, predict_table

        if self.kind == "forecaster":
            horizon = (params or {}).get("horizon")
            if horizon is None and isinstance(model_input, pd.DataFrame) and "horizon" in model_input.columns:
                horizon = int(model_input["horizon"].iloc[0])
            return forecast(self.model, horizon if horizon is not None else 1)
        frame = model_input if isinstance(model_input, pd.DataFrame) else pd.DataFrame(model_input)
        return predict_table(self.model, frame)


mlflow.models.set_model(DeepmineModel())
