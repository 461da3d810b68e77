"""`deepmine graph ...`: communities in a network and link prediction, deep embeddings beside graph algorithms."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from deepmine.cli.common import (CHECKPOINT_OPTION, FORCE_OPTION, KEEP_OPTION, MAX_EPOCHS_OPTION, MODELS_OPTION,
                                 OUT_OPTION, QUERY_OPTION, RESUME_OPTION, SEED_OPTION, STORAGE_OPTION, STUDY_OPTION,
                                 TABLE_OPTION, TUNE_OPTION, WORKERS_OPTION, friendly, from_dataset, network_options,
                                 noted, out, parse_k, run_compare, tracked)

graph_app = typer.Typer(help="Networks: communities (DeepWalk / node2vec + k-means vs Louvain, label propagation, "
                             "spectral) and link prediction (embeddings vs common neighbours, Adamic-Adar).",
                        no_args_is_help=True)

EDGES_ARGUMENT = typer.Argument(..., help="An edge list: CSV/TSV, Parquet, JSON lines, a SQLAlchemy URL, or "
                                          "dataset:NAME (karate, les_miserables, lfr_mu03, ...).")
SOURCE_OPTION = typer.Option(None, "--source", help="The column of each edge's first node (default 'source').")
TARGET_OPTION = typer.Option(None, "--target", help="The column of each edge's second node (default 'target').")
WEIGHT_OPTION = typer.Option(None, "--weight", help="A column of non-negative edge weights (default: 'weight' if "
                                                    "present).")
UNWEIGHTED_OPTION = typer.Option(False, "--unweighted", help="Ignore any weight column.")


def _edges(data: str, task: str, source: Optional[str], target: Optional[str], weight: Optional[str],
           unweighted: bool):
    """The endpoint and weight columns (a bundled edge list's own by default; no weight with --unweighted), and
    the note saying which came from the dataset."""
    (source, target, weight), note = from_dataset(data, task, ("--source", source, "edge_source"),
                                                  ("--target", target, "edge_target"),
                                                  ("--weight", weight, None if unweighted else "weight"))
    return source, target, False if unweighted else weight, note


def _graph_title(task: str, data: str, seed: int, note: str = ""):
    def title(board) -> str:
        g = board.info["graph"]
        extra = f", truth: {board.info['truth_communities']} communities" if "truth" in board.info else ""
        return f"{task}: {data}  ({noted(note)}{g['nodes']} nodes, {g['edges']} edges{extra}, seed {seed})"

    return title


@graph_app.command("communities")
@friendly
@tracked
def communities(data: str = EDGES_ARGUMENT, source: Optional[str] = SOURCE_OPTION,
                target: Optional[str] = TARGET_OPTION, weight: Optional[str] = WEIGHT_OPTION,
                unweighted: bool = UNWEIGHTED_OPTION,
                k: str = typer.Option("auto", "--k", "-k", help="Number of communities for the methods that take "
                                                                "one, or 'auto' (highest modularity)."),
                truth: Optional[str] = typer.Option(None, "--truth", help="A file of ground-truth communities "
                                                    "(node, community), used only to score (NMI, ARI)."),
                models: Optional[str] = MODELS_OPTION, seed: int = SEED_OPTION, out_dir: Optional[Path] = OUT_OPTION,
                table: Optional[str] = TABLE_OPTION, query: Optional[str] = QUERY_OPTION,
                draw: bool = typer.Option(True, "--draw/--no-draw", help="Write network.png, the graph coloured by "
                                                                         "the best model's communities."),
                keep_all: bool = KEEP_OPTION, force: bool = FORCE_OPTION,
                max_epochs: Optional[int] = MAX_EPOCHS_OPTION, checkpoint_dir: Optional[Path] = CHECKPOINT_OPTION,
                resume: bool = RESUME_OPTION):
    """Find communities: node2vec/DeepWalk vectors or graph autoencoder vectors clustered, beside Louvain, label propagation, greedy
    modularity and spectral clustering.

    Writes the leaderboard, communities.csv (each node's community under every model, best first) and
    network.png."""
    source, target, weight_column, note = _edges(data, "communities", source, target, weight, unweighted)
    kwargs = dict(source=source, target=target, weight=weight_column, truth=truth, models=models,
                  random_state=seed, table=table, query=query,
                  options=network_options(max_epochs, n_communities=parse_k(k, "communities")))

    def write(board, folder: Path) -> None:
        if draw:
            from deepmine.errors import DeepmineError
            from deepmine.graph.draw import draw_communities

            try:
                draw_communities(board.graph, board.predictions[board.best], folder / "network.png",
                                 title=f"{board.best}: {board.frame.iloc[0]['n_communities']} communities",
                                 random_state=seed)
            except DeepmineError as exc:  # a picture never fails the run
                out.print(f"no network.png: {exc}", highlight=False)

    command = {"source": source, "target": target, "weight": weight, "k": k, "truth": truth, "models": models,
               "seed": seed, "max_epochs": max_epochs}
    run_compare("communities", data, out_dir, force, keep_all, command, kwargs,
                _graph_title("communities", data, seed, note), write, note=note, checkpoint_dir=checkpoint_dir,
                resume=resume, checkpoints=True)


@graph_app.command("links")
@friendly
@tracked
def links(data: str = EDGES_ARGUMENT, source: Optional[str] = SOURCE_OPTION, target: Optional[str] = TARGET_OPTION,
          weight: Optional[str] = WEIGHT_OPTION, unweighted: bool = UNWEIGHTED_OPTION,
          test_size: float = typer.Option(0.1, "--test-size", help="Share of edges held out (with as many "
                                                                   "non-edges) to score."),
          models: Optional[str] = MODELS_OPTION, seed: int = SEED_OPTION, out_dir: Optional[Path] = OUT_OPTION,
          table: Optional[str] = TABLE_OPTION, query: Optional[str] = QUERY_OPTION, keep_all: bool = KEEP_OPTION,
          force: bool = FORCE_OPTION, budget: Optional[str] = TUNE_OPTION, workers: int = WORKERS_OPTION,
          storage: Optional[str] = STORAGE_OPTION, study: Optional[str] = STUDY_OPTION,
          max_epochs: Optional[int] = MAX_EPOCHS_OPTION, checkpoint_dir: Optional[Path] = CHECKPOINT_OPTION,
          resume: bool = RESUME_OPTION):
    """Predict missing links: hold out edges, score them and as many non-edges by node2vec/DeepWalk
    similarity or graph autoencoders (GAE, VGAE) beside common neighbours, Adamic-Adar, Jaccard and preferential attachment.

    Writes the leaderboard and scores.csv (each held-out pair, whether it is an edge, every model's score).
    With --budget the embeddings' walks are tuned first on edges held out of the training graph."""
    source, target, weight_column, note = _edges(data, "link_prediction", source, target, weight, unweighted)
    kwargs = dict(source=source, target=target, weight=weight_column, test_size=test_size,
                  models=models, random_state=seed, table=table, query=query, budget=budget, workers=workers,
                  storage=storage, study=study, options=network_options(max_epochs))

    command = {"source": source, "target": target, "weight": weight, "test_size": test_size, "models": models,
               "seed": seed, "budget": budget, "max_epochs": max_epochs}
    run_compare("link_prediction", data, out_dir, force, keep_all, command, kwargs,
                _graph_title("link prediction", data, seed, note), note=note, checkpoint_dir=checkpoint_dir,
                resume=resume, checkpoints=True)
