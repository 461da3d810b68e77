"""Every candidate's search space names parameters its model has, is well formed, and a sampled trial reaches the
model; no model is fitted here, bar one small end-to-end comparison of series classifiers under a budget."""

import numbers

import optuna
import pytest

from deepmine.evaluation.registry import TASKS, get_task
from deepmine.evaluation.tuning import apply, suggest

KINDS = ("float", "log", "int", "log_int", "choice", "layers")
# the tasks whose spaces also keep every default inside its range (the defaults "auto" and None resolve to these)
DEFAULT_INSIDE = ("text_classification", "series_classification", "image_classification")
RESOLVED = {("text_classification", "minilm_frozen", "lr"): 1e-3,
            ("text_classification", "minilm_finetuned", "lr"): 5e-5,
            ("image_classification", "logistic_pixels", "C"): 0.1,
            ("image_classification", "svm_rbf_pixels", "C"): 5.0}


def _spaced():
    get_task("classification")  # registers the built-in tasks
    return [(task.name, cand) for task in TASKS.values() for cand in task.candidates.values() if cand.space]


SPACED = _spaced()
IDS = [f"{task}/{cand.name}" for task, cand in SPACED]


def _matching(params, name):
    return [k for k in params if k == name or k.endswith(f"__{name}")]


def _is_number(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _check_spec(name, spec):
    assert isinstance(spec, tuple) and spec and spec[0] in KINDS, f"{name}: {spec!r}"
    kind = spec[0]
    if kind in ("float", "log", "int", "log_int"):
        assert len(spec) == 3, f"{name}: {spec!r}"
        low, high = spec[1], spec[2]
        assert _is_number(low) and _is_number(high) and low < high, f"{name}: {spec!r}"
        if kind.startswith("log"):
            assert low > 0, f"{name}: a log range starts above 0, got {spec!r}"
        if kind in ("int", "log_int"):
            assert isinstance(low, int) and isinstance(high, int), f"{name}: {spec!r}"
    elif kind == "choice":
        assert len(spec) == 2 and isinstance(spec[1], (list, tuple)) and len(spec[1]) >= 1, f"{name}: {spec!r}"
    else:  # layers: (min_width, max_width), (min_depth, max_depth)
        assert len(spec) == 3, f"{name}: {spec!r}"
        for low, high in (spec[1], spec[2]):
            assert isinstance(low, int) and isinstance(high, int) and 1 <= low <= high, f"{name}: {spec!r}"


def test_the_tasks_with_new_spaces_tune_their_candidates():
    spaced = {(task, cand.name) for task, cand in SPACED}
    for task, names in {"text_classification": ["rnn", "cnn", "minilm_frozen", "minilm_finetuned", "tfidf_logistic",
                                                "tfidf_svm", "naive_bayes"],
                        "series_classification": ["fcn", "resnet", "inception_time", "cnn_rnn", "lstm", "knn_dtw",
                                                  "summary_forest"],
                        "image_classification": ["cnn_resnet", "cnn_lenet", "logistic_pixels", "svm_rbf_pixels",
                                                 "knn_pixels"]}.items():
        for name in names:
            assert (task, name) in spaced, f"{task}/{name} has no search space"


@pytest.mark.parametrize("task, cand", SPACED, ids=IDS)
def test_a_space_names_parameters_of_its_model_and_is_well_formed(task, cand):
    params = cand.factory(0).get_params()
    for name, spec in cand.space.items():
        _check_spec(name, spec)
        outer = name.split(".", 1)[0]
        assert _matching(params, outer), f"{task}/{cand.name}: no parameter {outer!r} in {sorted(params)}"


@pytest.mark.parametrize("task, cand", SPACED, ids=IDS)
def test_a_sampled_trial_reaches_the_model(task, cand):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
    for _ in range(2):  # the first trials of a TPE study are random draws
        trial = study.ask()
        values = suggest(trial, cand.space)
        assert set(values) == set(cand.space)
        params = apply(cand.factory(0), values).get_params()
        for name, value in values.items():
            if "." in name:
                outer, inner = name.split(".", 1)
                for key in _matching(params, outer):
                    assert params[key][inner] == value, f"{task}/{cand.name}: {key}[{inner!r}]"
            else:
                for key in _matching(params, name):
                    assert params[key] == value, f"{task}/{cand.name}: {key}"
            spec = cand.space[name]
            if spec[0] in ("float", "log", "int", "log_int"):
                assert spec[1] <= value <= spec[2]
            elif spec[0] == "choice":
                assert value in list(spec[1])
        study.tell(trial, 0.0)


@pytest.mark.parametrize("task, cand", [(t, c) for t, c in SPACED if t in DEFAULT_INSIDE],
                         ids=[i for i, (t, _) in zip(IDS, SPACED) if t in DEFAULT_INSIDE])
def test_a_default_lies_inside_its_range(task, cand):
    params = cand.factory(0).get_params()
    for name, spec in cand.space.items():
        default = RESOLVED.get((task, cand.name, name), params[_matching(params, name)[0]])
        if spec[0] == "choice":
            assert default in list(spec[1]), f"{task}/{cand.name}: {name}={default!r} is not a choice"
        elif spec[0] != "layers":
            assert _is_number(default), f"{task}/{cand.name}: {name}={default!r}"
            assert spec[1] <= default <= spec[2], f"{task}/{cand.name}: {name}={default!r} outside {spec!r}"


def test_a_budget_tunes_the_series_classifiers_that_have_a_space():
    from aeon.datasets import load_classification

    from deepmine.evaluation import compare

    X, y = load_classification("ItalyPowerDemand", split="train")
    X_test, y_test = load_classification("ItalyPowerDemand", split="test")
    board = compare("series_classification", (X[:40], y[:40]), test=(X_test[:100], y_test[:100]),
                    models="knn_euclidean,summary_forest", options={"n_estimators": 10}, budget=2, random_state=0)
    trials = board.info["trials"]
    assert trials.groupby("model").size().to_dict() == {"summary_forest": 2, "knn_euclidean": 1}
    assert trials["state"].eq("complete").all()
    assert (trials[trials.trial == 0]["params"] == "{}").all()
    sampled = trials[(trials.model == "summary_forest") & (trials.trial == 1)]["params"].iloc[0]
    assert "normalize" in sampled
    assert board.models["summary_forest"].n_estimators == 10  # the options still reach the tuned model
    assert {"knn_euclidean", "summary_forest"} <= set(board.frame["model"])
