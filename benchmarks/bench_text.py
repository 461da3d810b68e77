"""Text mining, deep beside traditional, on packaged corpora: classifiers, topics, word vectors, search.

1. Every text classifier on amazon_reviews with its official split (4,000 training reviews, 1,000
   test): accuracy, macro-F1, fit and predict seconds.
2. Topic models (LDA, NMF, embedding topics) on the 300 Lee news articles, k=10: NPMI coherence,
   diversity, seconds.
3. Word vectors (PPMI + SVD, word2vec skip-gram) on the shortened English Wikipedia dump in gensim's
   test data (206 articles, about 480,000 words): analogy accuracy on questions-words.txt (with
   coverage) and Spearman correlation on WordSim-353.
4. Search on the Lee articles: each article's first sentence as the query, the article as the one
   relevant answer: MRR and recall@10 for BM25, TF-IDF and dense MiniLM retrieval.

Run it with::

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python benchmarks/bench_text.py [--only classify|topics|vectors|search]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import time

import pandas as pd
import torch

import deepmine
from deepmine import compare


def classify() -> None:
    start = time.perf_counter()
    board = compare("text_classification", "dataset:amazon_reviews", target="score", split_column="split",
                    random_state=0, progress=lambda msg: print(f"  {msg}", flush=True))
    cols = ["model", "kind", "accuracy", "f1_macro", "roc_auc", "fit_s", "predict_s"]
    print(f"\ntext classification on amazon_reviews ({board.info['train_rows']} train / {board.info['test_rows']} "
          f"test, official split), {time.perf_counter() - start:.0f} s in all")
    print(board.frame[cols].to_markdown(index=False, floatfmt=".3f"))
    print(board.verdict(), "\n", flush=True)


def topics() -> None:
    board = compare("topics", "dataset:lee", options={"n_topics": 10}, random_state=0,
                    progress=lambda msg: print(f"  {msg}", flush=True))
    print("\ntopics on lee (300 articles, k=10)")
    print(board.frame[["model", "kind", "coherence", "diversity", "fit_s"]].to_markdown(index=False, floatfmt=".3f"))
    for name in board.frame.model:
        print(f"  {name}: " + " | ".join(", ".join(t[:5]) for t in board.models[name].topics_[:4]))
    print(flush=True)


def _wiki_texts() -> list[str]:
    import bz2

    from gensim.corpora.wikicorpus import extract_pages, filter_wiki
    from gensim.test.utils import datapath

    path = datapath("enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2")
    texts = []
    with bz2.open(path, "rb") as handle:
        for _, text, _ in extract_pages(handle):
            text = re.sub(r"\s+", " ", filter_wiki(text))
            if len(text.split()) > 50:
                texts.append(text)
    return texts


def vectors() -> None:
    from deepmine.text import PPMIEmbedding, Word2Vec, evaluate_analogies, evaluate_similarity

    texts = _wiki_texts()
    words = sum(len(t.split()) for t in texts)
    rows = []
    for name, model in [("ppmi_svd", PPMIEmbedding(n_components=100, window=5, min_count=5, alpha=0.75,
                                                   random_state=0)),
                        ("word2vec_skipgram", Word2Vec(vector_size=100, window=5, min_count=5, epochs=15,
                                                       architecture="skipgram", random_state=0))]:
        start = time.perf_counter()
        model.fit(texts)
        seconds = time.perf_counter() - start
        analogies, similarity = evaluate_analogies(model), evaluate_similarity(model)
        rows.append({"model": name, "kind": "deep" if name.startswith("word2vec") else "traditional",
                     "analogy_accuracy": analogies["accuracy"], "analogy_coverage": analogies["coverage"],
                     "wordsim_spearman": similarity["spearman"], "wordsim_coverage": similarity["coverage"],
                     "fit_s": seconds})
    print(f"\nword vectors on gensim's shortened Wikipedia ({len(texts)} articles, {words:,} words)")
    print(pd.DataFrame(rows).to_markdown(index=False, floatfmt=".3f"), "\n", flush=True)


def search() -> None:
    from deepmine.text import SearchIndex, retrieval_scores

    texts = list(deepmine.datasets.load("lee").frame.text)
    queries = [re.split(r"(?<=[.!?])\s", t, maxsplit=1)[0] for t in texts]
    rows = []
    for method in ("bm25", "tfidf", "dense"):
        start = time.perf_counter()
        index = SearchIndex(method=method).fit(texts)
        index_s = time.perf_counter() - start
        start = time.perf_counter()
        scores = retrieval_scores(index, queries, [{i} for i in range(len(texts))], k=10)
        rows.append({"method": method, "kind": "deep" if method == "dense" else "traditional",
                     "mrr": scores["mrr"], "recall_at_10": scores["recall@10"], "ndcg_at_10": scores["ndcg@10"],
                     "index_s": index_s, "query_s": time.perf_counter() - start})
    print("\nsearch on lee (300 articles; query = an article's first sentence, relevant = that article)")
    print(pd.DataFrame(rows).to_markdown(index=False, floatfmt=".3f"), "\n", flush=True)


STUDIES = {"classify": classify, "topics": topics, "vectors": vectors, "search": search}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=list(STUDIES), help="run one of the studies")
    args = parser.parse_args()
    print(f"deepmine {deepmine.__version__}, torch {torch.__version__}, python {platform.python_version()}, "
          f"{torch.get_num_threads()} torch threads, OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}")
    for name, study in STUDIES.items():
        if args.only in (None, name):
            study()


if __name__ == "__main__":
    main()
