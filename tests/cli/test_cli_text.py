"""`deepmine text ...` end to end on packaged corpora: run folders, predictions, and one-line errors."""

import pandas as pd
import pytest
from typer.testing import CliRunner

import deepmine.datasets
from deepmine.cli.main import app

runner = CliRunner()


def _run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def polarity_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "polarity.csv"
    deepmine.datasets.load("polarity").frame.to_csv(path, index=False)
    return path


def test_text_classify_writes_a_run_folder_and_its_model_predicts_new_texts(tmp_path, polarity_csv):
    out = tmp_path / "run"
    result = _run("text", "classify", polarity_csv, "--target", "label", "--text", "text",
                  "--models", "cnn,tfidf_logistic,vader_lexicon", "--out", out)
    assert result.exit_code == 0, result.output
    board = pd.read_csv(out / "leaderboard.csv")
    assert set(board.model) == {"cnn", "tfidf_logistic", "vader_lexicon"} and set(board.kind) == {"deep", "traditional"}
    new = tmp_path / "new.csv"
    pd.DataFrame({"text": ["a moving, beautiful film", "dull and lifeless, a waste of time"]}).to_csv(new, index=False)
    result = _run("predict", out, new, "--out", tmp_path / "pred.csv")
    assert result.exit_code == 0, result.output
    pred = pd.read_csv(tmp_path / "pred.csv")
    assert list(pred.columns) == ["row", "prediction", "proba_neg", "proba_pos"] and len(pred) == 2


def test_text_topics_embed_and_search(tmp_path):
    result = _run("text", "topics", "dataset:titles", "--k", "2", "--label", "group", "--models", "nmf,lda",
                  "--out", tmp_path / "topics")
    assert result.exit_code == 0, result.output
    assert {"topics.csv", "assignments.csv", "leaderboard.csv", "model"} <= {p.name for p in (tmp_path / "topics").iterdir()}
    assert "topic  0" in result.output and "nmi" in pd.read_csv(tmp_path / "topics" / "leaderboard.csv").columns

    result = _run("text", "embed", "dataset:lee", "--method", "ppmi", "--dim", "20", "--similar", "fire",
                  "--out", tmp_path / "embed")
    assert result.exit_code == 0, result.output
    assert "fire:" in result.output
    assert pd.read_csv(tmp_path / "embed" / "similar.csv").word.eq("fire").all()

    result = _run("text", "search", "dataset:lee", "--query", "suicide bomb attack in Jerusalem", "-k", "3",
                  "--save-index", tmp_path / "index", "--out", tmp_path / "hits.csv")
    assert result.exit_code == 0, result.output
    hits = pd.read_csv(tmp_path / "hits.csv")
    assert len(hits) == 3 and hits["rank"].tolist() == [1, 2, 3]
    again = _run("text", "search", tmp_path / "index", "--query", "suicide bomb attack in Jerusalem", "-k", "3",
                 "--out", tmp_path / "again.csv")
    assert again.exit_code == 0, again.output
    assert pd.read_csv(tmp_path / "again.csv").id.tolist() == hits.id.tolist()


@pytest.mark.parametrize("args, message", [
    (["text", "classify", "dataset:amazon_reviews", "--target", "score", "--text", "review"], "'review' is not in"),
    (["text", "embed", "dataset:lee", "--method", "glove"], "--method takes ppmi or word2vec"),
    (["text", "embed", "dataset:titles", "--min-count", "50"], "vocabulary is empty"),
    (["text", "search", "dataset:titles", "--query", "   "], "query is empty"),
    (["text", "topics", "dataset:titles", "--k", "20"], "n_topics=20 is more than the 9 texts"),
])
def test_text_errors_are_one_line(tmp_path, args, message):
    result = _run(*args, "--out", tmp_path / "out") if args[1] != "search" else _run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
