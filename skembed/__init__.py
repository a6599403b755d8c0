"""skembed: text-embedding estimators for scikit-learn.

Word2Vec, FastText, Doc2Vec and pretrained-vector vectorizers that take raw text
and return dense document vectors, so they sit next to ``CountVectorizer`` and
``TfidfVectorizer`` in pipelines, and neural text classifiers: Kim's (2014)
sentence CNN and fastText's embedding bag.
"""

from __future__ import annotations

from ._version import __version__
from .doc2vec import Doc2VecVectorizer
from .fasttext import FastTextVectorizer
from .persistence import load, save
from .pretrained import MeanEmbeddingVectorizer
from .sentence import DistilledVectorizer, SentenceTransformerVectorizer, distill_word_vectors
from .similarity import SoftCosineSimilarity, soft_cosine_similarity
from .vectors import (
    SubwordTable,
    TokenizerSubwords,
    WordVectors,
    convert_vectors,
    open_vectors,
    save_vectors,
)
from .word2vec import Word2VecVectorizer

__all__ = [
    "DistilledVectorizer",
    "Doc2VecVectorizer",
    "EmbeddingBagClassifier",
    "FastTextVectorizer",
    "MeanEmbeddingVectorizer",
    "SentenceTransformerVectorizer",
    "SoftCosineSimilarity",
    "SubwordTable",
    "TokenizerSubwords",
    "TextCNNClassifier",
    "Word2VecVectorizer",
    "WordVectors",
    "__version__",
    "convert_vectors",
    "distill_word_vectors",
    "load",
    "open_vectors",
    "save",
    "save_vectors",
    "soft_cosine_similarity",
]


#: The network classifiers, in skembed.nn (their torch side is the optional extra).
_NN = ("EmbeddingBagClassifier", "TextCNNClassifier")


def __getattr__(name: str):
    # skembed.nn is imported only when a classifier is asked for
    if name in _NN:
        from . import nn

        return getattr(nn, name)
    raise AttributeError(f"module 'skembed' has no attribute {name!r}")
