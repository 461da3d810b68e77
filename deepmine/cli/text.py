"""`deepmine text ...`: text classification, topics, word embeddings and semantic search."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from deepmine.cli.common import (tracked, ENSEMBLE_OPTION, STORAGE_OPTION, STUDY_OPTION, TUNE_OPTION, WORKERS_OPTION, CHECKPOINT_OPTION, RESUME_OPTION, CALIBRATE_OPTION, FORCE_OPTION, KEEP_OPTION, MODELS_OPTION, OUT_OPTION, QUERY_OPTION, SEED_OPTION,
                                 MAX_EPOCHS_OPTION, TABLE_OPTION, TARGET_OPTION, TEST_OPTION, friendly, from_dataset,
                                 network_options, noted, run_compare)

text_app = typer.Typer(help="Text mining: classify texts, find topics, learn word vectors, search.",
                       no_args_is_help=True)

DATA_ARGUMENT = typer.Argument(..., help="CSV/TSV, Parquet, JSON lines, a SQLAlchemy URL, or dataset:NAME.")
TEXT_OPTION = typer.Option(None, "--text", help="The column holding the text (found by itself if only one does).")
SPLIT_OPTION = typer.Option(None, "--split-column", help="A column saying 'train' or 'test' for each row: use that "
                                                         "(official) split (default: a bundled dataset's own).")


@text_app.command("classify")
@friendly
@tracked
def classify(data: str = DATA_ARGUMENT, target: Optional[str] = TARGET_OPTION, text: Optional[str] = TEXT_OPTION,
             split_column: Optional[str] = SPLIT_OPTION, models: Optional[str] = MODELS_OPTION,
             test_size: float = TEST_OPTION, seed: int = SEED_OPTION,
             max_epochs: Optional[int] = MAX_EPOCHS_OPTION, out_dir: Optional[Path] = OUT_OPTION,
             table: Optional[str] = TABLE_OPTION, query: Optional[str] = QUERY_OPTION, keep_all: bool = KEEP_OPTION,
             force: bool = FORCE_OPTION, calibrate: Optional[str] = CALIBRATE_OPTION,
             checkpoint_dir: Optional[Path] = CHECKPOINT_OPTION, resume: bool = RESUME_OPTION,
             budget: Optional[str] = TUNE_OPTION, ensemble: Optional[bool] = ENSEMBLE_OPTION,
             workers: int = WORKERS_OPTION, storage: Optional[str] = STORAGE_OPTION,
             study: Optional[str] = STUDY_OPTION):
    """Compare deep text classifiers (LSTM, CNN, MiniLM) with TF-IDF models and a sentiment lexicon on DATA."""
    (target, text, split_column), note = from_dataset(
        data, "text_classification", ("--target", target, "target"), ("--text", text, "text"),
        ("--split-column", split_column, "split"), required={"--target": "the column to predict"})
    kwargs = dict(target=target, text=text, split_column=split_column, models=models, test_size=test_size,
                  random_state=seed, table=table, query=query, calibrate=calibrate or False, budget=budget,
                  ensemble=ensemble, workers=workers, storage=storage, study=study,
                  options=network_options(max_epochs))

    def title(board):
        info = board.info
        return (f"text classification: {data} -> {target}  ({noted(note)}{info['train_rows']} train / "
                f"{info['test_rows']} test texts, {info['split']} split, seed {seed})")

    command = {k: v for k, v in kwargs.items() if k not in ("table", "query")}
    run_compare("text_classification", data, out_dir, force, keep_all, command, kwargs, title,
                checkpoint_dir=checkpoint_dir, resume=resume, checkpoints=True, note=note)


@text_app.command("topics")
@friendly
@tracked
def topics(data: str = DATA_ARGUMENT, text: Optional[str] = TEXT_OPTION,
           k: Optional[int] = typer.Option(None, "--k", "-k", help="Number of topics (default 10, or a bundled "
                                                                "dataset's own)."),
           label: Optional[str] = typer.Option(None, "--label", "-l", help="Known groups, used only to evaluate."),
           models: Optional[str] = MODELS_OPTION, seed: int = SEED_OPTION, out_dir: Optional[Path] = OUT_OPTION,
           table: Optional[str] = TABLE_OPTION, query: Optional[str] = QUERY_OPTION, keep_all: bool = KEEP_OPTION,
           force: bool = FORCE_OPTION):
    """Find topics in the texts of DATA: BERTopic's pipeline and k-means embedding topics (MiniLM) beside LDA and NMF, scored by coherence."""
    (text, label, k), note = from_dataset(data, "topics", ("--text", text, "text"), ("--label", label, "label"),
                                          ("--k", k, "k"))
    k = 10 if k is None else k
    kwargs = dict(text=text, label=label, models=models, random_state=seed, table=table, query=query,
                  options={"n_topics": k})
    title = (f"topics: {data} ({noted(note)}k={k}, seed {seed}; coherence = mean NPMI of each topic's top 10 words "
             f"over the texts)")
    board = run_compare("topics", data, out_dir, force, keep_all,
                        {"k": k, "label": label, "models": models, "seed": seed}, kwargs, title, note=note)
    # the best model's topics on screen too, not only in topics.csv
    from deepmine.cli.common import out

    out.print(f"topics of {board.best}:", highlight=False)
    for _, row in board.best_model.topic_table().iterrows():
        out.print(f"  topic {row['topic']:>2} ({row['size']} texts): {row['words']}", highlight=False)
    outliers = int((board.best_model.labels_ < 0).sum())
    if outliers:
        out.print(f"  {outliers} texts ({outliers / len(board.best_model.labels_):.0%}) are in no topic (outliers, "
                  f"or no known word)", highlight=False)


EMBEDDING_METHODS = ("ppmi", "word2vec")


@text_app.command("embed")
@friendly
def embed(data: str = DATA_ARGUMENT, text: Optional[str] = TEXT_OPTION,
          method: str = typer.Option("word2vec", "--method", help="ppmi (counts + SVD) or word2vec (skip-gram)."),
          dim: int = typer.Option(100, "--dim", help="Vector width."),
          window: int = typer.Option(5, "--window", help="Words on each side that count as context."),
          min_count: int = typer.Option(2, "--min-count", help="Ignore words seen fewer times."),
          similar: list[str] = typer.Option(None, "--similar", help="Print the nearest words of WORD; repeatable."),
          topn: int = typer.Option(10, "--topn", help="How many nearest words to print."),
          seed: int = SEED_OPTION, out_dir: Optional[Path] = OUT_OPTION, table: Optional[str] = TABLE_OPTION,
          query: Optional[str] = QUERY_OPTION, force: bool = FORCE_OPTION):
    """Learn word vectors from the texts of DATA (PPMI + SVD or word2vec); show a word's nearest words."""
    import time

    import pandas as pd

    from deepmine.cli.common import out, run_folder
    from deepmine.data import read_table
    from deepmine.errors import ParameterError
    from deepmine.persist import save_model
    from deepmine.persist.atomic import atomic_folder
    from deepmine.text import PPMIEmbedding, Word2Vec, as_texts

    if method not in EMBEDDING_METHODS:
        raise ParameterError(f"--method takes {' or '.join(EMBEDDING_METHODS)}, got {method!r}")
    out_dir = run_folder(out_dir, f"embed-{method}", force)
    texts = as_texts(read_table(data, table=table, query=query), text)
    model = (PPMIEmbedding(n_components=dim, window=window, min_count=min_count, random_state=seed)
             if method == "ppmi" else
             Word2Vec(vector_size=dim, window=window, min_count=min_count, architecture="skipgram",
                      random_state=seed))
    start = time.perf_counter()
    model.fit(texts)
    seconds = time.perf_counter() - start
    words = list(model.vocabulary_)
    out.print(f"{method}: {len(words)} words, {model.word_vectors_.shape[1]} dimensions, {len(texts)} texts, "
              f"{seconds:.1f} s", highlight=False)
    neighbours = []
    for word in similar or []:
        pairs = model.most_similar(word, topn=topn)
        out.print(f"  {word}: " + ", ".join(f"{w} {s:.2f}" for w, s in pairs), highlight=False)
        neighbours += [{"word": word, "rank": i + 1, "neighbour": w, "cosine": s} for i, (w, s) in enumerate(pairs)]
    with atomic_folder(out_dir, replace=True) as tmp:
        vectors = pd.DataFrame(model.word_vectors_, index=pd.Index(words, name="word"))
        vectors.columns = [f"d{i}" for i in range(vectors.shape[1])]
        vectors.to_csv(tmp / "vectors.csv")
        if neighbours:
            pd.DataFrame(neighbours).to_csv(tmp / "similar.csv", index=False)
        save_model(model, tmp / "model")
    out.print(f"wrote {out_dir}/ (vectors.csv, model/)", highlight=False)


SEARCH_METHODS = ("bm25", "tfidf", "dense")


@text_app.command("search")
@friendly
def search(data: str = DATA_ARGUMENT, query_text: list[str] = typer.Option(..., "--query", "-q",
                                                                            help="What to look for; repeatable."),
           text: Optional[str] = TEXT_OPTION, k: int = typer.Option(10, "-k", help="Results per query."),
           method: str = typer.Option("bm25", "--method", help="bm25, tfidf, or dense (MiniLM embeddings)."),
           save_index: Optional[Path] = typer.Option(None, "--save-index", help="Also save the index to this folder."),
           output: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the results to this CSV."),
           table: Optional[str] = TABLE_OPTION, force: bool = FORCE_OPTION):
    """Search the texts of DATA (or a saved index folder) with BM25, TF-IDF or dense MiniLM embeddings.

    (--query is the search here; to read texts from a SQL database, give --table.)
    """
    from deepmine.cli.common import out
    from deepmine.data import read_table
    from deepmine.errors import OutputExistsError, ParameterError
    from deepmine.persist.atomic import atomic_write_text
    from deepmine.text import SearchIndex, as_texts

    if output is not None and output.exists() and not force:
        raise OutputExistsError(f"'{output}' exists already; pass --force to replace it or choose another --out")
    if Path(data).is_dir() and (Path(data) / "index.json").exists():
        index = SearchIndex.load(data)
    else:
        if method not in SEARCH_METHODS:
            raise ParameterError(f"--method takes one of {', '.join(SEARCH_METHODS)}, got {method!r}")
        index = SearchIndex(method=method).fit(as_texts(read_table(data, table=table), text))
        if save_index is not None:
            index.save(save_index, overwrite=force)
    results = index.search_many(list(query_text), k=k)
    for q, hits in results.groupby("query", sort=False):
        out.print(f"[bold]{q}[/]  ({index.method})")
        for _, hit in hits.iterrows():
            snippet = " ".join(str(hit["text"]).split())[:110]
            out.print(f"  {hit['rank']:>2}. {hit['score']:.3f}  [{hit['id']}] {snippet}", highlight=False)
    if output is not None:
        atomic_write_text(output, results.to_csv(index=False))
        out.print(f"wrote {len(results)} results to {output}", highlight=False)
