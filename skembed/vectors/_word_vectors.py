"""WordVectors: words, their float32 matrix and optional subword table, always checked."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from typing import Any

import numpy as np

from ._check import _CHECK_BLOCK_BYTES, check_word_vectors, mapping_matrix, str_words
from ._subwords import SubwordTable, TokenizerSubwords

__all__ = ["WordVectors"]


@dataclasses.dataclass(frozen=True, eq=False, repr=False, init=False)
class WordVectors:
    """A table of word vectors as plain data: words, a float32 matrix, subwords.

    Like gensim's ``KeyedVectors``, one type for every source of vectors
    (files, stores, gensim objects, mappings, fitted vectorizers), but with
    no training state: ``words[i]`` is the word of row ``i`` of ``matrix``.
    An instance is always valid: the constructor runs the one check every
    source goes through, so the words are distinct ``str`` (a word given
    twice keeps its first row), the matrix is 2-D float32 in C order with one
    finite row per word, and the subword table has the same dimension.

    The fields are read-only. The ``word -> row`` index is built on first use
    and not pickled.

    Parameters
    ----------
    words : sequence of str
        The words, in row order.
    matrix : array-like of shape (len(words), dim)
        Their vectors: real numbers, finite as float32. A float32 C-order
        array (a memory map too) is kept as it is; others are copied to one.
    subwords : SubwordTable, TokenizerSubwords or None, default=None
        Vectors for words outside ``words``: fastText character n-gram
        vectors, or the token vectors and tokenizer of a model2vec model.
    source : str, default="the vectors"
        What the vectors are, for error messages.

    Attributes
    ----------
    words : list of str
        Distinct words, in row order.
    matrix : ndarray of float32, shape (len(words), dim)
        Their vectors; may be a read-only ``np.memmap`` (a native store).
    subwords : SubwordTable, TokenizerSubwords or None
        The n-gram (or token) vectors, if any.

    See Also
    --------
    as_word_vectors : A WordVectors from any accepted source of vectors.
    read_vectors : Read a word2vec, GloVe or fastText file.

    Examples
    --------
    >>> import numpy as np
    >>> from skembed import WordVectors
    >>> wv = WordVectors(["cat", "dog", "car"], [[1.0, 0.1], [0.9, 0.2], [0.0, 1.0]])
    >>> len(wv), wv.dim, "cat" in wv
    (3, 2, True)
    >>> wv.get_vector("dog")
    array([0.9, 0.2], dtype=float32)
    >>> [word for word, _ in wv.most_similar("cat", topn=2)]
    ['dog', 'car']
    """

    words: list[str]
    matrix: np.ndarray
    subwords: SubwordTable | TokenizerSubwords | None = None

    def __init__(
        self,
        words: Sequence[str],
        matrix: Any,
        subwords: SubwordTable | TokenizerSubwords | None = None,
        *,
        source: str = "the vectors",
    ):
        words, matrix, subwords = check_word_vectors(words, matrix, subwords, source=source)
        self._set(words, matrix, subwords)

    @classmethod
    def _trusted(
        cls,
        words: list[str],
        matrix: np.ndarray,
        subwords: SubwordTable | TokenizerSubwords | None = None,
    ) -> WordVectors:
        """A WordVectors over already-checked data, without checking it again (no copy).

        Only for code that has just validated exactly these objects (with
        :func:`~skembed.vectors._check.check_word_vectors`, or by building
        them itself: distinct ``str`` words, a float32 C-order matrix with one
        finite row per word): it skips the pass over the matrix.
        """
        self = cls.__new__(cls)
        self._set(words, matrix, subwords)
        return self

    def _set(
        self,
        words: list[str],
        matrix: np.ndarray,
        subwords: SubwordTable | TokenizerSubwords | None,
    ) -> None:
        object.__setattr__(self, "words", words)
        object.__setattr__(self, "matrix", matrix)
        object.__setattr__(self, "subwords", subwords)

    # ------------------------------------------------------------ other sources
    @classmethod
    def from_keyed_vectors(cls, kv: Any, *, source: str = "the KeyedVectors") -> WordVectors:
        """The vectors of a gensim ``KeyedVectors`` (or ``FastTextKeyedVectors``).

        Keys that are not strings (gensim accepts any hashable) are converted
        with ``str``, as the keys of a ``{word: vector}`` mapping are. The
        n-gram vectors of a ``FastTextKeyedVectors`` become ``subwords``.

        Parameters
        ----------
        kv : gensim.models.KeyedVectors
            The vectors; a float32 C-order matrix is shared, not copied.
        source : str, default="the KeyedVectors"
            What the vectors are, for error messages.

        Returns
        -------
        WordVectors
        """
        words = str_words(kv.index_to_key, source=source)
        subwords = None
        if getattr(kv, "bucket", 0) and getattr(kv, "vectors_ngrams", None) is not None:
            subwords = SubwordTable(
                min_n=int(kv.min_n),
                max_n=int(kv.max_n),
                bucket=int(kv.bucket),
                vectors=np.ascontiguousarray(kv.vectors_ngrams, dtype=np.float32),
            )
        return cls(words, kv.vectors, subwords, source=source)

    @classmethod
    def from_mapping(
        cls, mapping: Mapping[Any, Any], *, source: str = "the vectors mapping"
    ) -> WordVectors:
        """The vectors of a ``{word: vector}`` mapping.

        Parameters
        ----------
        mapping : mapping
            Each value a 1-D sequence (or array) of real numbers, all of the
            same length; keys that are not ``str`` are converted with ``str``.
        source : str, default="the vectors mapping"
            What the vectors are, for error messages.

        Returns
        -------
        WordVectors
        """
        words, matrix = mapping_matrix(mapping, source=source)
        return cls(words, matrix, source=source)

    # ------------------------------------------------------------ lookups
    @cached_property
    def index(self) -> dict[str, int]:
        """``{word: row}``, built on first use (not pickled)."""
        return dict(zip(self.words, range(len(self.words)), strict=True))

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    @property
    def dim(self) -> int:
        """The number of values of each vector."""
        return int(self.matrix.shape[1])

    def get_vector(self, word: str) -> np.ndarray:
        """The vector of ``word`` (a row of ``matrix``, not a copy).

        Raises
        ------
        KeyError
            ``word`` is not one of ``words``.
        """
        return self.matrix[self._row(word)]

    def _row(self, word: str) -> int:
        try:
            return self.index[word]
        except KeyError:
            raise KeyError(f"{word!r} is not in the vocabulary.") from None

    def to_keyed_vectors(self):
        """A gensim ``KeyedVectors`` over ``words`` and ``matrix`` (the matrix is shared).

        The subword table is not carried over: the result is a plain
        ``KeyedVectors``, for gensim's similarity and evaluation methods.
        """
        from gensim.models import KeyedVectors

        kv = KeyedVectors(self.matrix.shape[1], count=0, dtype=self.matrix.dtype)
        kv.index_to_key = list(self.words)
        kv.key_to_index = dict(zip(kv.index_to_key, range(len(kv.index_to_key)), strict=True))
        kv.vectors = self.matrix
        kv.expandos = {}
        return kv

    # ------------------------------------------------------------ similarity
    @cached_property
    def _norms(self) -> np.ndarray:
        """The L2 norm of every row, 1 for a zero row (computed in blocks, once; not pickled)."""
        step = max(1, _CHECK_BLOCK_BYTES // (4 * self.dim))
        norms = np.empty(len(self), dtype=np.float32)
        for start in range(0, len(self), step):
            block = self.matrix[start : start + step]
            norms[start : start + step] = np.sqrt(np.einsum("ij,ij->i", block, block))
        norms[norms == 0] = 1  # a zero vector is similar to nothing: its cosine is 0
        return norms

    def most_similar(
        self, positive: str | Iterable[str], negative: str | Iterable[str] = (), topn: int = 10
    ) -> list[tuple[str, float]]:
        """The words whose vectors are closest (by cosine similarity) to a query.

        As gensim's ``KeyedVectors.most_similar``: the query is the mean of
        the unit vectors of the ``positive`` words and of the negated unit
        vectors of the ``negative`` words, so ``most_similar(["king",
        "woman"], ["man"])`` answers the analogy man : king = woman : ?. The
        query words themselves are left out of the answer. Queries and
        answers are words of this table only (neither raw vectors nor the
        subword vectors of unseen words).

        Parameters
        ----------
        positive : str or iterable of str
            Words that count positively.
        negative : str or iterable of str, default=()
            Words that count negatively.
        topn : int, default=10
            How many words to return (fewer if the table has fewer others).

        Returns
        -------
        list of (str, float)
            ``(word, cosine similarity)``, most similar first.

        Raises
        ------
        KeyError
            A query word is not one of ``words``.
        ValueError
            No query word.
        """
        positive = [positive] if isinstance(positive, str) else list(positive)
        negative = [negative] if isinstance(negative, str) else list(negative)
        if not positive and not negative:
            raise ValueError("Give at least one word to most_similar.")
        rows = np.array([self._row(w) for w in positive + negative], dtype=np.int64)
        signs = np.repeat(np.array([1, -1], dtype=np.float32), [len(positive), len(negative)])
        query = (self.matrix[rows] / self._norms[rows, None] * signs[:, None]).mean(axis=0)
        query /= max(float(np.linalg.norm(query)), np.finfo(np.float32).tiny)
        scores = self.matrix @ query / self._norms
        scores[rows] = -np.inf
        n = max(0, min(int(topn), len(self) - len(set(rows.tolist()))))
        best = np.argpartition(-scores, n - 1)[:n] if n else np.zeros(0, np.int64)
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.words[i], float(scores[i])) for i in best]

    # ------------------------------------------------------------ plumbing
    def __getstate__(self) -> dict:
        # the derived lookups are rebuilt on use: a pickle carries the data only
        return {"words": self.words, "matrix": self.matrix, "subwords": self.subwords}

    def __setstate__(self, state: dict) -> None:
        self._set(state["words"], state["matrix"], state["subwords"])

    def __repr__(self) -> str:
        kind = "memory-mapped " if isinstance(self.matrix, np.memmap) else ""
        subwords = ", with subwords" if self.subwords is not None else ""
        return f"<WordVectors: {len(self)} words x {self.dim}, {kind}float32{subwords}>"
