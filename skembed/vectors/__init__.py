"""Word vectors as plain data: the WordVectors type, every file format, the native store.

Nothing here knows about scikit-learn (it is imported lazily, only to name an
unfitted estimator): a table of word vectors is a list of words, a float32
matrix whose rows are their vectors and, for fastText models, a
:class:`SubwordTable` that gives vectors to unseen words (for model2vec
models, a :class:`TokenizerSubwords`).

- :class:`WordVectors`: the one type every source of vectors becomes.
- :func:`as_word_vectors`: a user's ``vectors=`` value (path, store,
  ``KeyedVectors``, mapping, fitted vectorizer) as a ``WordVectors``.
- :func:`read_vectors`: word2vec binary / text, fastText ``.vec`` and
  ``.bin``, GloVe files, compressed or not, and model2vec folders
  (:func:`read_model2vec`), each checked as it is read.
- :func:`save_vectors`, :func:`open_vectors`, :func:`convert_vectors`:
  skembed's native store, a directory that opens memory-mapped in
  milliseconds.

A new file format is one reader module here that returns a ``WordVectors``
(see ``_word2vec.py``, ``_fasttext_bin.py``, ``_spark_ml.py``, ``_model2vec.py``).
"""

from __future__ import annotations

from ._check import words_by_row
from ._formats import VECTORS_FORMATS, detect_format, read_vectors
from ._model2vec import is_model2vec_folder, read_model2vec
from ._resolve import as_word_vectors
from ._spark_ml import read_spark_word2vec
from ._store import convert_vectors, is_native_store, open_vectors, save_vectors
from ._subwords import SubwordTable, TokenizerSubwords
from ._word_vectors import WordVectors

__all__ = [
    "VECTORS_FORMATS",
    "SubwordTable",
    "TokenizerSubwords",
    "WordVectors",
    "as_word_vectors",
    "convert_vectors",
    "detect_format",
    "is_model2vec_folder",
    "is_native_store",
    "open_vectors",
    "read_model2vec",
    "read_spark_word2vec",
    "read_vectors",
    "save_vectors",
    "words_by_row",
]
