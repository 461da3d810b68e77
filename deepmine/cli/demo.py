"""`deepmine demo`: the tour — every task on its bundled real dataset, a report each and an index page."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from deepmine.cli.common import err, friendly, out, print_board, progress_line, write_run


@dataclass(frozen=True)
class Stop:
    """One task of the tour: the question it answers, the data and the models of each tour length."""

    name: str
    task: str
    question: str
    dataset: str
    kwargs: dict
    quick_models: str
    # the full tour's models: None means the task's default set (compare's models=None); the slowest (IDEC, the LSTM text model, the
    # fine-tuned transformer) are left to their own commands so that the tour stays under 15 minutes
    full_models: str | None = None
    quick_rows: int | None = None  # the quick tour samples this many rows (seed 0)
    quick_options: dict = field(default_factory=dict)
    full_options: dict = field(default_factory=dict)


def _draw_network(board, folder: Path) -> None:
    from deepmine.graph.draw import draw_communities

    draw_communities(board.graph, board.predictions[board.best], folder / "network.png",
                     title=f"{board.best}: {board.frame.iloc[0]['n_communities']} communities")


STOPS = [
    Stop("churn", "classification", "Will this customer leave?", "dataset:churn", {"target": "churn"},
         "deep_mlp,logistic_regression,hist_gradient_boosting", quick_rows=2000, quick_options={"max_epochs": 30}),
    Stop("diamonds", "regression", "What is this stone worth?", "dataset:diamonds", {"target": "price"},
         "deep_mlp,ridge,hist_gradient_boosting", "deep_mlp,linear_neuron,mean,ridge,hist_gradient_boosting",
         quick_rows=3000, quick_options={"max_epochs": 30}),
    Stop("digits_clusters", "clustering", "Which handwritten digits belong together?", "dataset:digits",
         {"label": "digit"}, "kmeans,autoencoder_kmeans", "autoencoder_kmeans,dec,kmeans,gmm,agglomerative",
         quick_options={"n_clusters": 10, "max_epochs": 20},
         full_options={"n_clusters": 10}),
    Stop("shuttle", "anomaly", "Which shuttle sensor readings are abnormal?", "dataset:shuttle",
         {"label": "anomaly"}, "isolation_forest,autoencoder", "autoencoder,deep_svdd,isolation_forest,robust_covariance",
         quick_rows=3000, quick_options={"max_epochs": 20}),
    Stop("reviews", "text_classification", "Is this food review great?", "dataset:amazon_reviews",
         {"target": "score", "split_column": "split"}, "tfidf_logistic,cnn",
         "cnn,tfidf_logistic,tfidf_svm,naive_bayes,vader_lexicon", quick_rows=1500,
         quick_options={"max_epochs": 5}),
    Stop("topics", "topics", "What are these news stories about?", "dataset:lee", {}, "embedding_topics,lda,nmf",
         quick_options={"n_topics": 8}, full_options={"n_topics": 8}),
    Stop("movies", "recommendation", "Which films will this user like?", "dataset:movielens",
         {"user": "userId", "item": "movieId", "target": "rating", "time_column": "timestamp"},
         "popularity,bias_baseline,matrix_factorization", "matrix_factorization,neumf,popularity,bias_baseline,item_knn",
         quick_rows=20000, quick_options={"max_epochs": 5}),
    Stop("power_demand", "series_classification", "Winter or summer, from a day of power demand?",
         "dataset:italy_power_demand", {"target": "label", "id_column": "case", "time_column": "t",
                                        "split_column": "split"},
         "knn_euclidean,fcn", "fcn,resnet,cnn_rnn,knn_euclidean,knn_dtw,minirocket", quick_options={"max_epochs": 20}),
    Stop("airline", "forecasting", "How many passengers next year?", "dataset:airline",
         {"target": "passengers", "time_column": "month", "horizon": 12}, "seasonal_naive,ets,mlp"),
    Stop("heart_rate", "series_anomaly", "When did this patient's heart rate go wrong?", "dataset:kdd_tsad_135",
         {"label": "anomaly", "time_column": "t", "split_column": "split"}, "forecast_error,matrix_profile",
         quick_options={"max_epochs": 20}),
    Stop("digit_images", "image_classification", "Which digit is in this image?", "dataset:digits",
         {"target": "digit"}, "logistic_pixels,cnn_lenet", "cnn_lenet,cnn_resnet,logistic_pixels,svm_rbf_pixels",
         quick_options={"max_epochs": 15}),
    Stop("approximation", "approximation", "Can one hidden layer approximate any function?",
         "six functions of one and two variables on [-1, 1]", {}, ""),
    Stop("karate", "communities", "Which two factions will the karate club split into?", "dataset:karate", {},
         "node2vec_kmeans,deepwalk_kmeans,louvain,label_propagation,spectral"),
    Stop("les_miserables", "link_prediction", "Which characters of Les Miserables meet?",
         "dataset:les_miserables", {}, "node2vec_cosine,deepwalk_cosine,adamic_adar,common_neighbours"),
]


def _data(stop: Stop, quick: bool) -> Any:
    if not (quick and stop.quick_rows):
        return stop.dataset
    from deepmine.datasets import load

    frame = load(stop.dataset.split(":", 1)[1]).frame
    return frame.sample(min(stop.quick_rows, len(frame)), random_state=0).reset_index(drop=True)


def run_approximation(stop: Stop, folder: Path, quick: bool) -> dict:
    """The universal approximation theorem, measured: networks of growing width and polynomials with as many
    parameters on six functions; approximation.csv and a page of figures, which the index shows too."""
    from deepmine.evaluation.approximation import QUICK_WIDTHS, WIDTHS, approximate
    from deepmine.persist.atomic import atomic_folder
    from deepmine.report.approximation import approximation_sections, render_page

    start = time.perf_counter()
    with progress_line("universal approximation") as progress:
        errors, curves = approximate(widths=QUICK_WIDTHS if quick else WIDTHS, progress=progress)
    seconds = time.perf_counter() - start
    widest = errors[errors.width == errors.width.max()]
    out.print(f"{stop.question}\n" + widest[["target", "model", "parameters", "rmse", "rmse_outside"]].to_string(
        index=False, float_format=lambda v: f"{v:.3g}"), highlight=False)
    with atomic_folder(folder, replace=True) as tmp:
        errors.to_csv(tmp / "approximation.csv", index=False)
        (tmp / "report.html").write_text(render_page(errors, curves), encoding="utf-8")
    return {"name": stop.name, "task": stop.task, "question": stop.question, "dataset": stop.dataset,
            "seconds": seconds, "report": f"{stop.name}/report.html",
            "approximation": approximation_sections(errors, curves)[:-1]}  # all but the table of every fit


def run_stop(stop: Stop, folder: Path, quick: bool) -> dict:
    """Compare the stop's models, print the leaderboard, write its run folder; a summary for the index."""
    from deepmine.evaluation import compare

    if stop.task == "approximation":
        return run_approximation(stop, folder, quick)

    models = stop.quick_models if quick else stop.full_models
    options = dict(stop.quick_options if quick else stop.full_options) or None
    start = time.perf_counter()
    with progress_line(f"{stop.task} on {stop.dataset}") as progress:
        board = compare(stop.task, _data(stop, quick), models=models, options=options, random_state=0,
                        progress=progress, **stop.kwargs)
    seconds = time.perf_counter() - start
    print_board(board, f"{stop.question} ({stop.task}, {stop.dataset})")
    extra = _draw_network if stop.task == "communities" else None  # the picture of the graph
    command = {"task": stop.task, "data": stop.dataset, "tour": "quick" if quick else "full",
               "models": models, **stop.kwargs}
    write_run(board, folder, False, command, extra)
    return {"name": stop.name, "task": stop.task, "question": stop.question, "dataset": stop.dataset,
            "board": board, "seconds": seconds, "report": f"{stop.name}/report.html"}


@friendly
def demo(out_root: Path = typer.Option(Path("runs"), "--out", "-o", help="Folder for the tour's run folders."),
         quick: bool = typer.Option(False, "--quick", help="Fewer models and sampled rows: under 3 minutes on 2 "
                                                          "cores (the full tour takes under 15)."),
         only: str = typer.Option(None, "--only", help="Comma-separated stops to run (default: all): "
                                                      + ", ".join(s.name for s in STOPS) + ".")):
    """The tour: every task deepmine does, on its bundled real dataset, deep models beside the traditional
    ones; a report per task and index.html, which says where deep learning won and by how much."""
    from deepmine.errors import ParameterError
    from deepmine.persist.atomic import atomic_write_text
    from deepmine.report.index import render_index

    stops = STOPS
    if only:
        wanted = [s.strip() for s in only.split(",") if s.strip()]
        unknown = [w for w in wanted if w not in {s.name for s in STOPS}]
        if unknown:
            raise ParameterError(f"unknown tour stop(s) {', '.join(map(repr, unknown))}; choose from: "
                                 f"{', '.join(s.name for s in STOPS)}")
        stops = [s for s in STOPS if s.name in wanted]
    root = out_root / f"tour-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    root.mkdir(parents=True, exist_ok=False)
    started = time.perf_counter()
    entries = []
    for i, stop in enumerate(stops, 1):
        err.print(f"[bold]{i}/{len(stops)}[/] {stop.question} ({stop.task})", highlight=False)
        try:
            entries.append(run_stop(stop, root / stop.name, quick))
        except Exception as exc:  # noqa: BLE001 - one stop that fails does not end the tour
            err.print(f"[red]{stop.name} failed:[/] {type(exc).__name__}: {exc}", highlight=False, soft_wrap=True)
            entries.append({"name": stop.name, "task": stop.task, "question": stop.question,
                            "dataset": stop.dataset, "error": f"{type(exc).__name__}: {exc}"})
    minutes = (time.perf_counter() - started) / 60
    index = root / "index.html"
    atomic_write_text(index, render_index(entries, "quick" if quick else "full", minutes))
    out.print(f"the tour took {minutes:.1f} minutes; open {index.resolve()}", highlight=False)
