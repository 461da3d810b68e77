"""Text preparation: reading texts from any container, tokenizing in any script, the vocabulary, padding."""

import numpy as np
import pandas as pd
import pytest

from deepmine.errors import ColumnError, DataError, DataWarning, ParameterError
from deepmine.text import SequenceEncoder, Tokenizer, Vocabulary, as_texts
from deepmine.text.prepare import pad


def test_tokenizer_handles_case_accents_apostrophes_and_stop_words():
    tokens = Tokenizer()("Don't e-mail the Café STRASSE: naïve, über-cool Ｆｕｌｌ ｗｉｄｔｈ!")
    assert tokens == ["don't", "e-mail", "the", "café", "strasse", "naïve", "über-cool", "full", "width"]
    assert "the" not in Tokenizer(stop_words="english")("the cat")
    assert Tokenizer(lowercase=False, stop_words=["Cat"])("The Cat sat") == ["The", "sat"]
    assert Tokenizer()("Straße") == ["strasse"]  # casefold, not lower


def test_tokenizer_state_round_trips():
    tok = Tokenizer(stop_words="english", min_length=2)
    back = Tokenizer.from_state(tok.state_dict())
    assert back("A good day in the city") == tok("A good day in the city") == ["good", "day", "city"]


def test_vocabulary_keeps_frequent_words_and_maps_the_rest_to_unknown():
    vocab = Vocabulary.build([["a", "b", "a"], ["a", "c", "b"]], min_count=2)
    assert vocab.itos == ["<pad>", "<unk>", "a", "b"] and len(vocab) == 4
    assert vocab.ids(["a", "c", "b"]) == [2, 1, 3] and "a" in vocab and "c" not in vocab
    assert Vocabulary.build([["a", "b", "a"]], max_size=1).itos[2:] == ["a"]
    with pytest.raises(DataError, match="vocabulary is empty.*min_count=5"):
        Vocabulary.build([["a", "b"]], min_count=5)
    with pytest.raises(ParameterError, match="min_count"):
        Vocabulary.build([["a"]], min_count=0)


def test_pad_truncates_keeps_the_start_and_gives_empty_texts_one_step():
    ids, lengths = pad([[5, 6, 7], [], [8]], max_length=2)
    np.testing.assert_array_equal(ids, [[5, 6], [1, 0], [8, 0]])
    np.testing.assert_array_equal(lengths, [2, 1, 1])


def test_sequence_encoder_auto_length_and_state():
    texts = ["word " * n for n in range(1, 101)]
    enc = SequenceEncoder().fit(texts)
    assert enc.max_length_ == 95  # 95th percentile of 1..100 tokens
    back = SequenceEncoder.from_state(enc.state_dict())
    np.testing.assert_array_equal(back.transform(["word word unseen"]), enc.transform(["word word unseen"]))
    assert enc.transform(["word word unseen"])[0, :4].tolist() == [2, 2, 1, 0]


@pytest.mark.parametrize("X", [["a b", "c"], pd.Series(["a b", "c"]), np.array(["a b", "c"]),
                               pd.DataFrame({"t": ["a b", "c"]}), np.array([["a b"], ["c"]], dtype=object)])
def test_as_texts_reads_every_container(X):
    assert as_texts(X) == ["a b", "c"]


def test_as_texts_finds_the_prose_column_or_asks_for_it():
    frame = pd.DataFrame({"id": [1, 2], "review": ["a long enough review of the product", "it was not good at all"],
                          "stars": ["good", "bad"]})
    assert as_texts(frame) == list(frame.review)
    assert as_texts(frame, text_column="stars") == ["good", "bad"]
    with pytest.raises(ColumnError, match="not clear which holds the text.*text_column="):
        as_texts(frame.assign(summary=frame.review))
    with pytest.raises(ColumnError, match="'body' is not in the data"):
        as_texts(frame, text_column="body")


@pytest.mark.parametrize("X, match", [
    ("just one string", "single string"),
    (pd.Series([1.5, 2.0], name="price"), "'price' holds numbers"),
    (["fine", 3], "not text, the first at row 1: 3 \\(int\\)"),
    (["", "  "], "every one of the 2 texts .* is empty"),
    ([], "no texts"),
])
def test_as_texts_refuses_what_is_not_text(X, match):
    with pytest.raises(DataError, match=match):
        as_texts(X)


def test_missing_texts_become_empty_with_a_notice():
    with pytest.warns(DataWarning, match="1 missing value"):
        assert as_texts(pd.Series(["a", None])) == ["a", ""]
    with pytest.raises(DataError, match="missing"):
        as_texts(pd.Series(["a", None]), allow_missing=False)
