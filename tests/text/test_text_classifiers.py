"""Deep and traditional text classifiers on real reviews: they learn, save and load, and explain bad input."""

import numpy as np
import pandas as pd
import pytest

import deepmine
import deepmine.datasets
from deepmine.persist import save_model
from deepmine.errors import DataError, NotFittedError, ParameterError, TargetError
from deepmine.text.baselines import LexiconSentimentClassifier, TfidfClassifier
from deepmine.text.classifiers import CNNTextClassifier, RNNTextClassifier, TransformerClassifier

# Small, quick networks on 1,200 reviews; the defaults are measured on all 5,000 in benchmarks/bench_text.py.
_SEQ = dict(embed_dim=32, max_length=64, max_epochs=4, batch_size=32, random_state=0)
MODELS = {
    "rnn": lambda: RNNTextClassifier(cell="gru", hidden=32, lr=5e-3, **_SEQ),
    "cnn": lambda: CNNTextClassifier(filters=32, lr=3e-3, **{**_SEQ, "max_epochs": 8}),
    "tfidf_logistic": lambda: TfidfClassifier(C=10.0, random_state=0),
    "tfidf_svm": lambda: TfidfClassifier("linear_svm", random_state=0),
    "naive_bayes": lambda: TfidfClassifier("naive_bayes"),
    "vader": lambda: LexiconSentimentClassifier(),
}


@pytest.fixture(scope="module")
def reviews():
    frame = deepmine.datasets.load("amazon_reviews").frame
    train = frame[frame.split == "train"].sample(1200, random_state=0).reset_index(drop=True)
    test = frame[frame.split == "test"].iloc[:400].reset_index(drop=True)
    return train, test


@pytest.fixture(scope="module")
def fitted(reviews):
    train, _ = reviews
    return {name: make().fit(train[["text"]], train.score) for name, make in MODELS.items()}


@pytest.mark.parametrize("name", list(MODELS))
def test_each_classifier_beats_the_majority_class_on_held_out_reviews(fitted, reviews, name):
    _, test = reviews
    model = fitted[name]
    majority = (test.score == "great").mean()  # about 0.65
    accuracy = (model.predict(test[["text"]]) == test.score).mean()
    assert accuracy > majority + 0.02, f"{name}: {accuracy:.3f} vs majority {majority:.3f}"
    proba = model.predict_proba(test.text)  # a Series works as well as the DataFrame column
    assert proba.shape == (len(test), 2) and np.allclose(proba.sum(axis=1), 1)
    assert list(model.classes_) == ["great", "other"]


@pytest.mark.parametrize("name", ["rnn", "cnn", "tfidf_logistic", "vader"])
def test_save_and_load_give_the_same_predictions(tmp_path, fitted, reviews, name):
    _, test = reviews
    model = fitted[name]
    save_model(model, tmp_path / name)
    back = deepmine.load(tmp_path / name)
    np.testing.assert_allclose(back.predict_proba(test[["text"]]), model.predict_proba(test[["text"]]), atol=1e-6)


def test_deep_text_models_are_reproducible_and_record_their_training(reviews):
    train, test = reviews
    a = CNNTextClassifier(**{**_SEQ, "max_epochs": 2}).fit(train.text[:300], train.score[:300])
    b = CNNTextClassifier(**{**_SEQ, "max_epochs": 2}).fit(train.text[:300], train.score[:300])
    np.testing.assert_array_equal(a.predict_proba(test.text[:50]), b.predict_proba(test.text[:50]))
    assert {"train_loss", "valid_loss", "valid_accuracy"} <= set(a.history_.columns)
    assert a.preprocessor_.max_length_ == 64 and len(a.preprocessor_.vocabulary_) > 100


def test_frozen_transformer_learns_from_sentence_embeddings(reviews):
    train, test = reviews
    model = TransformerClassifier(max_epochs=30, random_state=0).fit(train.text[:300], train.score[:300])
    test = test.iloc[:200]
    accuracy = (model.predict(test.text) == test.score).mean()
    assert accuracy > (test.score == "great").mean() + 0.02
    assert model.module_[0].in_features == 384  # the head reads MiniLM's 384-d embeddings


def test_finetuned_transformer_trains_its_top_layers_and_round_trips(tmp_path, reviews):
    train, test = reviews
    model = TransformerClassifier(finetune=True, trainable_layers=1, max_length=32, max_epochs=1, batch_size=16,
                                  random_state=0).fit(train.text[:64], train.score[:64])
    trainable = {n.split(".")[3] for n, p in model.module_.named_parameters()
                 if p.requires_grad and n.startswith("encoder.encoder.layer")}
    assert trainable == {"5"}  # only the top layer of six
    model.save(tmp_path / "ft")
    back = deepmine.load(tmp_path / "ft")
    np.testing.assert_allclose(back.predict_proba(test.text[:8]), model.predict_proba(test.text[:8]), atol=1e-5)


@pytest.mark.parametrize("make", [MODELS["cnn"], MODELS["tfidf_logistic"]])
def test_bad_input_is_explained(make, reviews):
    train, _ = reviews
    texts, labels = list(train.text[:40]), list(train.score[:40])
    with pytest.raises(TargetError, match="only one class"):
        make().fit(texts, ["great"] * 40)
    with pytest.raises(DataError, match="holds numbers"):
        make().fit(pd.DataFrame({"stars": np.arange(40.0)}), labels)
    with pytest.raises(DataError, match="not text"):
        make().fit(texts[:-1] + [17], labels)
    with pytest.raises(NotFittedError):
        make().predict(texts)


def test_empty_vocabulary_and_bad_parameters_are_explained(reviews):
    train, _ = reviews
    with pytest.raises(DataError, match="vocabulary is empty"):
        CNNTextClassifier(min_count=10_000).fit(train.text[:40], train.score[:40])
    with pytest.raises(ParameterError, match="cell must be"):
        RNNTextClassifier(cell="transformer", max_epochs=1).fit(train.text[:40], train.score[:40])
    with pytest.raises(ParameterError, match="model must be one of"):
        TfidfClassifier(model="forest").fit(train.text[:40], train.score[:40])


@pytest.mark.parametrize("source", ["ppmi", "word2vec"])
def test_embeddings_start_from_word_vectors_learned_on_the_training_texts(source, reviews):
    train, _ = reviews
    texts, labels = train.text[:300], train.score[:300]
    model = CNNTextClassifier(embeddings=source, freeze_embeddings=True, embed_dim=16, filters=8, max_epochs=1,
                              random_state=0).fit(texts, labels)
    emb = model.module_.embedding.weight.detach().numpy()
    vocab = model.preprocessor_.vocabulary_
    assert not model.module_.embedding.weight.requires_grad and np.all(emb[0] == 0)
    # the rows of two words are as alike as the vectors the unsupervised model learned for them
    from deepmine.text import PPMIEmbedding, Word2Vec

    tokens = model.preprocessor_.tokenizer.tokenize(texts)
    ref = (PPMIEmbedding(n_components=16, min_count=2, random_state=0) if source == "ppmi"
           else Word2Vec(vector_size=16, min_count=2, random_state=0)).fit(tokens)
    a, b = vocab.stoi["great"], vocab.stoi["good"]
    cos = emb[a] @ emb[b] / np.linalg.norm(emb[a]) / np.linalg.norm(emb[b])
    assert cos == pytest.approx(ref.similarity("great", "good"), abs=1e-4)


def test_finetuning_on_cached_frozen_layers_equals_running_them_every_step(monkeypatch, reviews):
    # the frozen layers' output is computed once before the first epoch; the same fit that runs them at every
    # step (the cache switched off by its memory limit) must learn the same weights
    import deepmine.text.classifiers as classifiers

    train, test = reviews
    kw = dict(finetune=True, trainable_layers=1, max_length=32, max_epochs=2, batch_size=16, precision="float32",
              random_state=0)
    cached = TransformerClassifier(**kw).fit(train.text[:96], train.score[:96])
    monkeypatch.setattr(classifiers, "CACHE_BYTES", 0)
    uncached = TransformerClassifier(**kw).fit(train.text[:96], train.score[:96])
    np.testing.assert_allclose(cached.history_["train_loss"], uncached.history_["train_loss"], rtol=1e-4)
    np.testing.assert_allclose(cached.predict_proba(test.text[:16]), uncached.predict_proba(test.text[:16]),
                               atol=1e-4)
    assert cached.training_precision_ == "float32"


def test_finetuning_records_its_precision_and_resumes_after_a_kill(tmp_path, reviews):
    from interrupts import Interrupt

    from deepmine.training.checkpoints import checkpointing
    from deepmine.training.precision import cpu_has_native_bf16

    train, test = reviews
    kw = dict(finetune=True, trainable_layers=1, max_length=32, max_epochs=3, batch_size=16, random_state=0)
    whole = TransformerClassifier(**kw).fit(train.text[:64], train.score[:64])
    assert whole.training_precision_ == ("bf16" if cpu_has_native_bf16() else "float32")  # precision="auto"
    with pytest.raises(KeyboardInterrupt), checkpointing(tmp_path):
        TransformerClassifier(callbacks=[Interrupt(2)], **kw).fit(train.text[:64], train.score[:64])
    with checkpointing(tmp_path, resume=True):
        resumed = TransformerClassifier(**kw).fit(train.text[:64], train.score[:64])
    assert resumed.history_["epoch"].tolist() == [1, 2, 3]
    np.testing.assert_allclose(resumed.predict_proba(test.text[:8]), whole.predict_proba(test.text[:8]), atol=1e-6)
    resumed.save(tmp_path / "saved")
    assert deepmine.load(tmp_path / "saved").training_precision_ == resumed.training_precision_
