"""Shared fixtures: small real datasets, loaded once per session."""

import os

import pytest

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


@pytest.fixture(scope="session")
def breast_cancer():
    from deepmine.datasets import load

    return load("breast_cancer")


@pytest.fixture(scope="session")
def diabetes():
    from deepmine.datasets import load

    return load("diabetes")


@pytest.fixture(scope="session")
def penguins():
    from deepmine.datasets import load

    return load("penguins")


@pytest.fixture(scope="session")
def churn():
    """The whole churn table (5,000 rows), as `deepmine.datasets.load("churn").frame`: copy it before changing it."""
    from deepmine.datasets import load

    return load("churn").frame


@pytest.fixture(scope="session")
def churn_sample():
    """800 rows of the churn table: mixed numeric and categorical columns, imbalanced target."""
    from deepmine.datasets import load

    return load("churn").frame.sample(800, random_state=0).reset_index(drop=True)


@pytest.fixture(scope="session")
def shuttle_sample():
    """600 rows of the Shuttle anomalies (river's), with the 0/1 ``anomaly`` label."""
    from deepmine.datasets import load

    return load("shuttle").frame.sample(600, random_state=0).reset_index(drop=True)
