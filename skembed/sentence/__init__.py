"""Sentence transformers in scikit-learn pipelines, and word vectors distilled from them.

- :class:`SentenceTransformerVectorizer`: the transformer itself as a
  vectorizer (the quality reference), with an optional on-disk embedding cache.
- :class:`DistilledVectorizer`: each word of the training vocabulary encoded
  alone by the transformer, then pooled like any word vectors: most of the
  transformer's quality at the cost of a table lookup.
- :func:`distill_word_vectors`: the same table for any word list, as a
  :class:`~skembed.WordVectors` (``skembed distill`` writes it as a store).

sentence-transformers is optional (the ``transformers`` extra); this package
imports without it, and a class that needs it says which extra to install.
"""

from ._distill import distill_word_vectors
from ._model import ModelIdentity, ModelUnavailableError, identify_model
from .distilled import DistilledVectorizer
from .transformer import SentenceTransformerVectorizer

__all__ = [
    "DistilledVectorizer",
    "ModelIdentity",
    "ModelUnavailableError",
    "SentenceTransformerVectorizer",
    "distill_word_vectors",
    "identify_model",
]
