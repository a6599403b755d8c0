"""The one check that every source of word vectors goes through, and its parts.

Files, native stores, gensim ``KeyedVectors``, ``{word: vector}`` mappings and
fitted vectorizers all end in :func:`check_word_vectors` (through
:class:`~skembed.vectors.WordVectors`), so they are held to the same rules and
refuse the same bad input with errors that name the word, its row and the
source.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ._subwords import SUBWORD_TYPES, SubwordTable, TokenizerSubwords

__all__ = ["MAX_DIM", "check_word_vectors", "mapping_matrix", "str_words", "words_by_row"]

#: Sanity bound on a header's dimension: no real embedding is this wide.
MAX_DIM = 100_000

#: NaN and inf are looked for in blocks of about this many bytes of float32: a
#: memory-mapped matrix is read through its map, block by block, never whole.
_CHECK_BLOCK_BYTES = 1 << 24

_KIND_NAMES = {"b": "bool", "c": "complex", "O": "object", "U": "str", "S": "bytes", "V": "void"}


def _capitalized(text: str) -> str:
    return f"{text[:1].upper()}{text[1:]}"


def _check_real_dtype(dtype: np.dtype, what: str) -> None:
    if dtype.kind not in "fiu":
        name = _KIND_NAMES.get(dtype.kind, str(dtype))
        raise TypeError(f"{what} holds {name} values (dtype {dtype}); expected real numbers.")


def _first_nonfinite_row(matrix: np.ndarray) -> int | None:
    """The first row of ``matrix`` with a NaN or inf once cast to float32, or None."""
    step = max(1, _CHECK_BLOCK_BYTES // (4 * max(1, matrix.shape[1])))
    for start in range(0, matrix.shape[0], step):
        block = matrix[start : start + step]
        if block.dtype != np.float32:
            with np.errstate(over="ignore", invalid="ignore"):
                block = block.astype(np.float32)
        finite = np.isfinite(block)
        if not finite.all():
            return start + int(np.flatnonzero(~finite.all(axis=1))[0])
    return None


# ---------------------------------------------------------------- words
def str_words(keys: Any, *, source: str = "the vectors") -> list[str]:
    """The words of ``keys`` as ``str``: other keys (e.g. ints) are converted with ``str``.

    Tokens are strings, so a key that stays an int could never match one. Two
    different keys that become the same string (``1`` and ``"1"``) are refused,
    and so are ``bytes`` keys, whose ``str`` (``"b'cat'"``) is not the word.

    Raises
    ------
    TypeError
        A key is ``bytes``.
    ValueError
        Two keys become the same word.
    """
    keys = list(keys)
    if set(map(type, keys)) <= {str}:
        return keys
    words = []
    for i, key in enumerate(keys):
        if isinstance(key, (bytes, bytearray)):
            raise TypeError(
                f"The word at row {i} of {source} is bytes ({key!r}); expected str. Decode "
                "the keys first, e.g. key.decode('utf-8')."
            )
        words.append(key if type(key) is str else str(key))
    first: dict[str, int] = {}
    for i, word in enumerate(words):
        j = first.setdefault(word, i)
        if j != i and not (type(keys[i]) is type(keys[j]) and keys[i] == keys[j]):
            raise ValueError(
                f"The keys {keys[j]!r} ({type(keys[j]).__name__}, row {j}) and {keys[i]!r} "
                f"({type(keys[i]).__name__}, row {i}) of {source} are both the word "
                f"{word!r} once converted to str: keep only one of them."
            )
    return words


def words_by_row(vocabulary: Mapping[str, int], source: str = "the estimator") -> list[str]:
    """The words of a fitted ``vocabulary_`` (``{word: row}``) in row order.

    The rows must be 0 to ``len(vocabulary) - 1``, each once: then word ``i``
    is the word of row ``i`` of ``vectors_``.

    Parameters
    ----------
    vocabulary : mapping of str to int
        A fitted ``vocabulary_``.
    source : str
        What holds it, for error messages (e.g. "the fitted Word2VecVectorizer").

    Returns
    -------
    words : list of str
        ``words[vocabulary[w]] == w`` for every word ``w``.

    Raises
    ------
    TypeError
        ``vocabulary`` is not a mapping.
    ValueError
        Its rows are not 0 to ``len(vocabulary) - 1``, each once.
    """
    if not isinstance(vocabulary, Mapping):
        raise TypeError(
            f"The vocabulary_ of {source} must be a mapping {{word: row}}; got "
            f"{type(vocabulary).__name__}."
        )
    n = len(vocabulary)
    words: list = [None] * n
    for word, row in vocabulary.items():
        if not isinstance(row, (int, np.integer)) or not 0 <= row < n or words[row] is not None:
            raise ValueError(
                f"The vocabulary_ of {source} maps {word!r} to row {row!r}; expected each "
                f"of the rows 0 to {n - 1} once."
            )
        words[row] = word
    return words


def _plain_str_words(words: Any, source: str) -> list[str]:
    """``words`` as a list of plain ``str`` (a ``numpy.str_`` becomes one); others refused."""
    words = list(words)
    if not set(map(type, words)) <= {str}:
        for i, word in enumerate(words):
            if not isinstance(word, str):
                raise TypeError(
                    f"The word at row {i} of {source} is {type(word).__name__} {word!r}; "
                    "expected str."
                )
            words[i] = str(word)  # a str subclass (numpy.str_): a plain str
    return words


# ---------------------------------------------------------------- mapping values
def mapping_matrix(mapping: Any, *, source: str = "the vectors mapping") -> tuple[list, Any]:
    """``(words, matrix)`` of a ``{word: vector}`` mapping, each value checked.

    Each value must be a 1-D sequence (or array) of real numbers, all of the
    same length; the keys are converted to ``str`` (see :func:`str_words`).
    The matrix keeps the values' own dtype: :func:`check_word_vectors` casts
    it to float32 and names a value too large for it.
    """
    words = str_words(mapping.keys(), source=source)
    rows: list[np.ndarray] = []
    dim, first = 0, None
    for word, value in zip(words, mapping.values(), strict=True):
        row = _mapping_row(word, value)
        if first is None:
            dim, first = len(row), word
        elif len(row) != dim:
            raise ValueError(
                f"{_capitalized(source)} has vectors of different lengths: the "
                f"vector of {word!r} has {len(row)} values; expected {dim} like {first!r}."
            )
        rows.append(row)
    return words, (np.array(rows) if rows else np.zeros((0, 0), np.float32))


def _mapping_row(word: str, value: Any) -> np.ndarray:
    if isinstance(value, (str, bytes, bytearray)):
        raise TypeError(f"The vector of {word!r} is a {type(value).__name__}; expected numbers.")
    try:
        row = np.asarray(value)
    except (ValueError, TypeError) as exc:  # e.g. a ragged nested list
        raise ValueError(f"The vector of {word!r} is not an array of numbers: {exc}") from None
    _check_real_dtype(row.dtype, f"The vector of {word!r}")
    if row.ndim != 1:
        raise ValueError(f"The vector of {word!r} has shape {row.shape}; expected a 1-D vector.")
    return row


# ---------------------------------------------------------------- the check
def check_word_vectors(
    words: Any,
    matrix: Any,
    subwords: SubwordTable | TokenizerSubwords | None = None,
    *,
    source: str = "the vectors",
) -> tuple[list[str], np.ndarray, SubwordTable | TokenizerSubwords | None]:
    """Check a word list and its matrix: what every source of vectors goes through last.

    Files, native stores, gensim ``KeyedVectors``, ``{word: vector}`` mappings
    and fitted vectorizers all end here, so they are held to the same rules.

    Parameters
    ----------
    words : sequence of str
        The words, in row order. A word given twice keeps its first row (the
        way gensim reads a file holding a word twice).
    matrix : array-like of shape (len(words), dim)
        Their vectors: real numbers (integers or floats), ``dim >= 1``, finite
        once cast to float32.
    subwords : SubwordTable, TokenizerSubwords or None
        fastText n-gram vectors or model2vec token vectors: of the same
        dimension, finite too.
    source : str
        What the vectors are, for error messages (e.g. "the vectors file 'x.txt'").

    Returns
    -------
    words : list of str
        Distinct words.
    matrix : ndarray of float32, shape (len(words), dim), C order
        ``matrix`` itself when it already is one (a memory map stays one: it is
        checked in blocks, not copied), else a float32 copy.
    subwords : SubwordTable, TokenizerSubwords or None

    Raises
    ------
    TypeError
        A word is not a str, or the matrix does not hold real numbers.
    ValueError
        No words, a matrix of another shape, a dimension of 0, or a NaN or inf.
    """
    words = _plain_str_words(words, source)
    if not isinstance(matrix, np.ndarray):  # (an np.memmap is one: it is kept)
        matrix = np.asarray(matrix)
    _check_shape(words, matrix, source)
    source_rows = None
    if len(set(words)) != len(words):
        first: dict[str, int] = {}
        for i, word in enumerate(words):
            first.setdefault(word, i)
        source_rows = np.fromiter(first.values(), dtype=np.int64, count=len(first))
        words, matrix = list(first), matrix[source_rows]
    vectors = _float32(matrix)
    _check_finite(words, matrix, vectors, source_rows, source)
    if subwords is not None:
        _check_subwords(subwords, vectors.shape[1], source)
    return words, vectors, subwords


def _check_shape(words: list[str], matrix: np.ndarray, source: str) -> None:
    _check_real_dtype(np.dtype(matrix.dtype), f"The matrix of {source}")
    if len(words) == 0:
        raise ValueError(f"The pretrained vectors hold no words ({source} is empty).")
    if matrix.ndim != 2 or matrix.shape[0] != len(words):
        raise ValueError(
            f"{_capitalized(source)} has {len(words)} words but a matrix of shape "
            f"{tuple(matrix.shape)}; expected one row per word, shape ({len(words)}, dim)."
        )
    if matrix.shape[1] == 0:
        raise ValueError(
            f"{_capitalized(source)} has vectors of dimension 0; expected at least "
            "one value per word."
        )


def _float32(matrix: np.ndarray) -> np.ndarray:
    """``matrix`` as float32 in C order: itself (a memory map stays one) when it already is."""
    if isinstance(matrix, np.ndarray) and matrix.dtype == np.float32 and matrix.flags.c_contiguous:
        return matrix
    with np.errstate(over="ignore", invalid="ignore"):  # overflows are named by the check
        return np.ascontiguousarray(matrix, dtype=np.float32)


def _check_finite(
    words: list[str],
    matrix: np.ndarray,
    vectors: np.ndarray,
    source_rows: np.ndarray | None,
    source: str,
) -> None:
    bad = _first_nonfinite_row(vectors)
    if bad is None:
        return
    row = bad if source_rows is None else int(source_rows[bad])
    original = np.asarray(matrix[bad])
    why = (
        "values too large for float32 (over 3.4e38 in absolute value)"
        if np.isfinite(original).all()
        else "NaN or inf values"
    )
    raise ValueError(
        f"The vector of {words[bad]!r} (row {row}) has {why}, in {source}; expected finite numbers."
    )


def _check_subwords(subwords: Any, dim: int, source: str) -> None:
    if not isinstance(subwords, SUBWORD_TYPES):
        raise TypeError(
            f"The subwords of {source} must be a SubwordTable, a TokenizerSubwords or None; "
            f"got {type(subwords).__name__}."
        )
    kind = "n-gram" if isinstance(subwords, SubwordTable) else "token"
    ngrams = subwords.vectors
    _check_real_dtype(np.dtype(ngrams.dtype), f"The {kind} matrix of {source}")
    if ngrams.shape[1] != dim:
        raise ValueError(
            f"The {kind} vectors of {source} have dimension {ngrams.shape[1]}, its word "
            f"vectors {dim}; expected the same."
        )
    bad = _first_nonfinite_row(ngrams)
    if bad is not None:
        raise ValueError(
            f"The {kind} vector at row {bad} of {source} has NaN or inf values (or values "
            "too large for float32); expected finite numbers."
        )
