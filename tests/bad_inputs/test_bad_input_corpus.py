"""Every malformed input of the corpus (bad_input_cases.py), through the CLI and through the Python API.

The CLI must print one line starting with "error:" that names the problem, exit with status 2, and
leave nothing in the output folder's place (no run folder, no half-written temporary folder beside
it). The API must raise the case's DeepmineError subclass with the same words. Documented handling
(error None) must succeed and say what it changed in a DataWarning.
"""

from __future__ import annotations

import re
import warnings

import pytest
from typer.testing import CliRunner

from bad_input_cases import CASES
from deepmine.cli.main import app
from deepmine.errors import DataWarning, DeepmineError

runner = CliRunner()


def test_the_corpus_is_large_and_names_are_unique():
    names = [case.name for case in CASES]
    assert len(names) >= 40 and len(set(names)) == len(names)
    assert sum(case.error is not None for case in CASES) >= 40
    assert all(case.error is None or issubclass(case.error, DeepmineError) for case in CASES)


def _params(cli: bool = False):
    return [pytest.param(case, id=case.name, marks=case.marks + (case.cli_marks if cli else ()))
            for case in CASES]


def _folders(tmp_path):
    inputs, outs = tmp_path / "in", tmp_path / "outs"
    inputs.mkdir()
    outs.mkdir()
    return inputs, outs


@pytest.mark.parametrize("case", _params(cli=True))
def test_cli(case, tmp_path):
    inputs, outs = _folders(tmp_path)
    data = case.make(inputs)
    before = sorted(p.name for p in inputs.rglob("*"))
    out = outs / "run"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        result = runner.invoke(app, case.args(data) + ["--out", str(out)])
    output = result.output
    assert "Traceback" not in output, output
    if case.error is None:  # documented handling: the run succeeds and a notice says what was changed
        assert result.exit_code == 0, (output, result.exception)
        notices = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
        assert any(case.message in notice for notice in notices), notices
        assert out.is_dir() and (out / "leaderboard.csv").is_file()
    else:
        assert result.exit_code == 2, (output, result.exception)
        lines = [line for line in output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:"), output
        assert case.message in lines[0], lines[0]
        assert not out.exists()
        assert list(outs.iterdir()) == []  # no temporary run folder left beside it
    assert sorted(p.name for p in inputs.rglob("*")) == before  # the input is untouched (no stray files)


@pytest.mark.parametrize("case", _params())
def test_api(case, tmp_path):
    inputs, _ = _folders(tmp_path)
    data = case.make(inputs)
    if case.error is None:
        with pytest.warns(DataWarning, match=re.escape(case.message)):
            board = case.api(data)
        assert len(board.frame) >= 1
    else:
        with pytest.raises(case.error, match=re.escape(case.message)) as info:
            case.api(data)
        message = str(info.value)
        assert "\n" not in (message.replace(case.quoted_line_break, "") if case.quoted_line_break else message)
