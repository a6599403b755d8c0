"""Word vectors as plain data: the WordVectors type, every file format, the native store.

Nothing here knows about scikit-learn (it is imported lazily, only to name an
unfitted estimator): a table of word vectors is a list of words, a float32
matrix whose rows are their vectors and, for fastText models, a
:class:`SubwordTable` that gives vectors to unseen words.

- :class:`WordVectors`: the one type every source of vectors becomes.
- :func:`as_word_vectors`: a user's ``vectors=`` value (path, store,
  ``KeyedVectors``, mapping, fitted vectorizer) as a ``WordVectors``.
- :func:`read_vectors`: word2vec binary / text, fastText ``.vec`` and
  ``.bin``, GloVe files, compressed or not, each checked as it is read.
- :func:`save_vectors`, :func:`open_vectors`, :func:`convert_vectors`:
  skembed's native store, a directory that opens memory-mapped in
  milliseconds.

A new file format is one reader module here that returns a ``WordVectors``
(see ``_word2vec.py``, ``_fasttext_bin.py``, ``_spark_ml.py``).
"""

from __future__ import annotations

from ._check import words_by_row
from ._formats import VECTORS_FORMATS, detect_format, read_vectors
from ._resolve import as_word_vectors
from ._spark_ml import read_spark_word2vec
from ._store import convert_vectors, is_native_store, open_vectors, save_vectors
from ._subwords import SubwordTable
from ._word_vectors import WordVectors

__all__ = [
    "VECTORS_FORMATS",
    "SubwordTable",
    "WordVectors",
    "as_word_vectors",
    "convert_vectors",
    "detect_format",
    "is_native_store",
    "open_vectors",
    "read_spark_word2vec",
    "read_vectors",
    "save_vectors",
    "words_by_row",
]
