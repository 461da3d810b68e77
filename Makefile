# The README's two commands: `make demo` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test docs bench bench-long bench-venv bench-tabkit-venv bench-autogluon-venv bench-micro clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the project's requirements change.
$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[all]"
	touch $(STAMP)

demo: $(STAMP)
	OMP_WAIT_POLICY=PASSIVE $(BIN)/deepmine demo --quick

test: $(STAMP)
	OMP_WAIT_POLICY=PASSIVE $(BIN)/python -m pytest -q

# The docs site, strict (a broken link or reference fails it), into site/: open site/index.html from disk
# (search needs it served: $(BIN)/python -m http.server -d site). The test suite builds it too, and runs
# every example on its pages (tests/docs/test_docs.py).
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs build --strict

# The deep-vs-traditional study (issue 13): every task, 5 seeds, then the speed study against skorch and fastai
# (in .bench-venv, so that they never enter .venv) and RealMLP/TabM against pytabkit's (in .bench-tabkit-venv),
# then docs/BENCHMARKS.md from benchmarks/results/*.json alone.
# Under 90 minutes on 2 cores. bench_trainer.py's plain-loop comparison is part of study_speed.py (which
# imports it); the older focused benchmarks stay under `make bench-micro`.
BENCH_VENV := .bench-venv
BENCH_STAMP := $(BENCH_VENV)/.installed

$(BENCH_STAMP): $(STAMP) benchmarks/requirements-speed.txt constraints.txt
	$(BIN)/python -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet -c constraints.txt -e ".[datasets]" -r benchmarks/requirements-speed.txt
	touch $(BENCH_STAMP)

bench-venv: $(BENCH_STAMP)

# pytabkit's RealMLP and TabM, for benchmarks/bench_table_models.py (an environment of their own: see the file)
TABKIT_VENV := .bench-tabkit-venv
TABKIT_STAMP := $(TABKIT_VENV)/.installed

$(TABKIT_STAMP): $(STAMP) benchmarks/requirements-tabkit.txt constraints.txt
	$(BIN)/python -m venv $(TABKIT_VENV)
	$(TABKIT_VENV)/bin/python -m pip install --quiet -c constraints.txt -e ".[datasets]" -r benchmarks/requirements-tabkit.txt
	touch $(TABKIT_STAMP)

bench-tabkit-venv: $(TABKIT_STAMP)

# AutoGluon 1.6, for benchmarks/bench_autogluon.py (its own pins: pandas < 2.4, pyarrow < 25; see the file)
AG_VENV := .bench-autogluon-venv
AG_STAMP := $(AG_VENV)/.installed

$(AG_STAMP): benchmarks/requirements-autogluon.txt
	$(PYTHON) -m venv $(AG_VENV)
	$(AG_VENV)/bin/python -m pip install --quiet -r benchmarks/requirements-autogluon.txt
	touch $(AG_STAMP)

bench-autogluon-venv: $(AG_STAMP)

bench: $(STAMP) $(BENCH_STAMP) $(TABKIT_STAMP) $(AG_STAMP)
	find benchmarks/results -maxdepth 1 -name '*.json' ! -name budget_long.json -delete
	OMP_WAIT_POLICY=PASSIVE $(BENCH_VENV)/bin/python benchmarks/study_speed.py
	OMP_WAIT_POLICY=PASSIVE $(TABKIT_VENV)/bin/python benchmarks/bench_table_models.py
	OMP_WAIT_POLICY=PASSIVE $(BIN)/python benchmarks/study_budget.py
	OMP_WAIT_POLICY=PASSIVE $(BIN)/python benchmarks/bench_autogluon.py deepmine
	OMP_WAIT_POLICY=PASSIVE $(AG_VENV)/bin/python benchmarks/bench_autogluon.py autogluon
	OMP_WAIT_POLICY=PASSIVE $(BIN)/python benchmarks/study.py
	$(BIN)/python benchmarks/study.py --readme

# the budgeted study's long entry: churn with 50 trials per model in two worker processes, 5 seeds (about
# 45 minutes); its results (budget_long.json) survive `make bench`, which reports them
bench-long: $(STAMP)
	OMP_WAIT_POLICY=PASSIVE $(BIN)/python benchmarks/study_budget.py --only churn_50
	OMP_WAIT_POLICY=PASSIVE $(BIN)/python benchmarks/study.py --report-only

bench-micro: $(STAMP)
	OMP_WAIT_POLICY=PASSIVE $(BIN)/python benchmarks/bench_trainer.py
	OMP_WAIT_POLICY=PASSIVE $(BIN)/python benchmarks/bench_precision.py
	OMP_WAIT_POLICY=PASSIVE $(BIN)/python benchmarks/bench_unsupervised.py

clean:
	rm -rf $(VENV) runs build *.egg-info
