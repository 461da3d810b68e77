"""The views of each task; importing this package registers them (see :mod:`deepmine.report.views`)."""
from deepmine.report.task_views import supervised  # noqa: F401
from deepmine.report.task_views import unsupervised  # noqa: F401
from deepmine.report.task_views import topics  # noqa: F401
from deepmine.report.task_views import graph  # noqa: F401
from deepmine.report.task_views import forecasting  # noqa: F401
from deepmine.report.task_views import recommendation  # noqa: F401
from deepmine.report.task_views import series_anomaly  # noqa: F401
