"""Subword vectors, which give vectors to words a table lacks.

- :class:`SubwordTable`: fastText's character n-gram vectors, hashed into buckets.
- :class:`TokenizerSubwords`: the token vectors of a model2vec model with its
  own tokenizer (WordPiece, BPE or Unigram), which splits a word into tokens.

Both are plain data with one interface, :class:`Subwords` (``word_vectors(words)
-> (vectors, found)``), and a 2-D ``vectors`` array of the word vectors' dimension.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

import numpy as np

__all__ = ["SUBWORD_TYPES", "TOKENIZERS_HINT", "SubwordTable", "Subwords", "TokenizerSubwords"]

#: What to install for :class:`TokenizerSubwords` (the ``tokenizers`` package).
TOKENIZERS_HINT = 'pip install "skembed[model2vec]"'


def _utf8(word: str) -> str:
    """``word`` with each lone surrogate (no UTF-8 form) replaced by U+FFFD."""
    try:
        word.encode("utf-8")
    except UnicodeEncodeError:
        word = word.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return word


class Subwords(Protocol):
    """What a subword source offers: vectors for words a word table lacks.

    :class:`SubwordTable` and :class:`TokenizerSubwords` implement it; both
    also hold ``vectors``, a float32 matrix of the word vectors' dimension.
    """

    def word_vectors(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The vectors of ``words``, built from their parts.

        Parameters
        ----------
        words : list of str
            Any words (typically ones the word table lacks).

        Returns
        -------
        vectors : ndarray of shape (len(words), dim), dtype float32
            A zero row for a word that is not found.
        found : ndarray of bool, shape (len(words),)
            Whether the word had parts with vectors.
        """
        ...


@dataclass
class SubwordTable:
    """Character n-gram vectors of a fastText model, as plain arrays.

    A word's vector is the mean of the vectors of the character n-grams of
    ``<word>`` (lengths ``min_n`` to ``max_n``), each hashed into one of
    ``bucket`` buckets the way fastText hashes them.

    Parameters
    ----------
    min_n, max_n : int
        Lengths of the character n-grams of ``<word>``.
    bucket : int
        Number of hash buckets of the model.
    vectors : ndarray of shape (n_rows, dim)
        The n-gram vectors.
    bucket_ids : ndarray of shape (n_rows,) or None
        Sorted bucket numbers of the rows of ``vectors``, when only the trained
        buckets are kept; None when ``vectors`` holds every bucket.

    Examples
    --------
    >>> import numpy as np
    >>> from skembed import SubwordTable
    >>> table = SubwordTable(min_n=3, max_n=4, bucket=8, vectors=np.eye(8, dtype=np.float32))
    >>> vectors, found = table.word_vectors(["cat"])
    >>> vectors.shape, found
    ((1, 8), array([ True]))
    """

    min_n: int
    max_n: int
    bucket: int
    vectors: np.ndarray
    bucket_ids: np.ndarray | None = None

    def __post_init__(self):
        # checked here, so a table read from any file can never index out of range
        shape = getattr(self.vectors, "shape", ())
        if len(shape) != 2:
            raise ValueError(f"The n-gram vectors must be 2-D; got shape {shape}.")
        if not (self.min_n >= 1 and self.max_n >= 0 and self.bucket >= 1):
            raise ValueError(
                f"Invalid n-gram settings min_n={self.min_n}, max_n={self.max_n}, "
                f"bucket={self.bucket}: expected min_n >= 1, max_n >= 0 and bucket >= 1."
            )
        if self.bucket_ids is None:
            if shape[0] != self.bucket:
                raise ValueError(
                    f"{shape[0]} n-gram vectors for {self.bucket} buckets: expected one per "
                    "bucket, or bucket_ids naming the bucket of each."
                )
            return
        self._check_bucket_ids(shape[0])

    def _check_bucket_ids(self, n_rows: int) -> None:
        ids = np.asarray(self.bucket_ids)
        if ids.shape != (n_rows,) or ids.dtype.kind not in "iu":
            raise ValueError(
                f"bucket_ids has shape {ids.shape} and dtype {ids.dtype}; expected integers "
                f"of shape ({n_rows},), one per n-gram vector."
            )
        if len(ids) and (ids[0] < 0 or ids[-1] >= self.bucket or np.any(ids[1:] <= ids[:-1])):
            raise ValueError(
                f"bucket_ids must be distinct bucket numbers in [0, {self.bucket}), sorted."
            )

    def word_vectors(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`Subwords.word_vectors`: the mean of each word's trained n-gram vectors.

        A word none of whose n-grams has a trained vector is not found.
        """
        dim = self.vectors.shape[1]
        out = np.zeros((len(words), dim), dtype=np.float32)
        found = np.zeros(len(words), dtype=bool)
        for i, word in enumerate(words):
            rows = self._rows(word)
            if rows.size:
                out[i] = self.vectors[rows].mean(axis=0)
                found[i] = True
        return out, found

    def _rows(self, word: str) -> np.ndarray:
        """The rows of ``vectors`` that hold the n-grams of ``word`` (those with a vector)."""
        from gensim.models.fasttext import ft_ngram_hashes

        # fastText hashes UTF-8 bytes; a lone surrogate (e.g. from a
        # surrogateescape-decoded file name) has none: hash U+FFFD instead
        word = _utf8(word)
        hashes = np.asarray(
            ft_ngram_hashes(word, self.min_n, self.max_n, self.bucket), dtype=np.int64
        )
        if self.bucket_ids is None or not hashes.size:
            return hashes
        pos = np.searchsorted(self.bucket_ids, hashes)
        pos = np.minimum(pos, len(self.bucket_ids) - 1)
        return pos[self.bucket_ids[pos] == hashes]


def import_tokenizers(why: str) -> Any:
    """The ``tokenizers`` package; ``why`` says what needs it, in the ``ImportError``."""
    try:
        import tokenizers
    except ImportError as exc:
        raise ImportError(
            f"{why} needs the tokenizers package, which is not installed: {TOKENIZERS_HINT} "
            f"(import failed: {exc})"
        ) from exc
    return tokenizers


def parse_tokenizer(text: str, source: str) -> Any:
    """The ``tokenizers.Tokenizer`` of the JSON ``text``; a ValueError naming ``source``."""
    tokenizers = import_tokenizers(f"Reading {source}")
    try:
        return tokenizers.Tokenizer.from_str(text)
    except Exception as exc:  # tokenizers raises plain Exceptions
        first = str(exc).strip().splitlines()[:1]
        raise ValueError(
            f"{source} is not a valid tokenizers JSON file ({first[0] if first else exc!r})."
        ) from None


@dataclass(frozen=True, eq=False, repr=False)
class TokenizerSubwords:
    """Token vectors and the tokenizer that splits words into tokens, as plain data.

    The subwords of a model2vec model (see :func:`~skembed.vectors.read_model2vec`):
    a word's vector is the mean of the vectors of the tokens the model's own
    tokenizer (WordPiece, BPE or Unigram, from the ``tokenizers`` package)
    splits it into, without special tokens and with the unknown token
    dropped, then scaled to unit length if ``normalize``: what
    ``model2vec.StaticModel.encode([word])`` returns. As fastText composes an
    unseen word from its character n-grams, so ``oov="subword"`` gives every
    word made of known tokens a vector.

    The tokenizer is held as its JSON text; the ``tokenizers.Tokenizer`` built
    from it is made on first use and never pickled.

    Parameters
    ----------
    tokenizer : str
        The tokenizer, as the JSON text of a ``tokenizer.json`` file.
    vectors : ndarray of shape (n_tokens, dim)
        The vector of each token id: row ``i`` is the vector of token ``i``
        (with model2vec's token weights and token mapping applied). Kept as it
        is when float32 in C order (a memory map too), else copied to one.
    normalize : bool, default=False
        Scale each word's vector to unit length (model2vec's ``normalize``).
    unk_id : int or None, default=None
        The id of the unknown token, dropped from every word's tokens.
    max_length : int or None, default=None
        At most this many tokens per word, and at most ``max_length`` times
        the median token length of characters (model2vec's truncation);
        None: no limit.

    Attributes
    ----------
    n_tokens : int
        The number of tokens (rows of ``vectors``).

    See Also
    --------
    read_model2vec : The words, vectors and TokenizerSubwords of a model2vec folder.
    SubwordTable : fastText's character n-gram vectors.

    Examples
    --------
    >>> import json, numpy as np
    >>> from skembed.vectors import TokenizerSubwords
    >>> vocab = {"[UNK]": 0, "play": 1, "##ing": 2}
    >>> tokenizer = json.dumps({
    ...     "version": "1.0", "truncation": None, "padding": None, "added_tokens": [],
    ...     "normalizer": None, "pre_tokenizer": {"type": "Whitespace"},
    ...     "post_processor": None, "decoder": None,
    ...     "model": {"type": "WordPiece", "unk_token": "[UNK]",
    ...               "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
    ...               "vocab": vocab}})
    >>> vectors = np.array([[0, 0], [1, 0], [0, 1]], dtype=np.float32)
    >>> subwords = TokenizerSubwords(tokenizer, vectors, unk_id=0)
    >>> subwords.word_vectors(["playing", "xyz"])
    (array([[0.5, 0.5],
           [0. , 0. ]], dtype=float32), array([ True, False]))
    """

    tokenizer: str
    vectors: np.ndarray
    normalize: bool = False
    unk_id: int | None = None
    max_length: int | None = None

    def __post_init__(self):
        # checked here, so a table from any source can never index out of range
        if not isinstance(self.tokenizer, str):
            raise TypeError(
                f"tokenizer must be the JSON text of a tokenizer (str); got "
                f"{type(self.tokenizer).__name__}."
            )
        vectors = self.vectors
        if not isinstance(vectors, np.ndarray):
            vectors = np.asarray(vectors)
        if vectors.ndim != 2 or vectors.dtype.kind not in "fiu":
            raise ValueError(
                f"The token vectors must be a 2-D array of real numbers; got shape "
                f"{vectors.shape} and dtype {vectors.dtype}."
            )
        if vectors.dtype != np.float32 or not vectors.flags.c_contiguous:
            with np.errstate(over="ignore", invalid="ignore"):  # non-finite: refused below
                vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        object.__setattr__(self, "vectors", vectors)
        if type(self.normalize) not in (bool, np.bool_):
            raise TypeError(f"normalize must be a bool; got {self.normalize!r}.")
        object.__setattr__(self, "normalize", bool(self.normalize))
        for name, lo in (("unk_id", 0), ("max_length", 1)):
            value = getattr(self, name)
            if value is not None and (
                not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < lo
            ):
                raise ValueError(f"{name} must be None or an int >= {lo}; got {value!r}.")
            object.__setattr__(self, name, None if value is None else int(value))
        n_tokens = self._checked_vocabulary()
        if vectors.shape[0] != n_tokens:
            raise ValueError(
                f"The tokenizer has {n_tokens} tokens but there are {vectors.shape[0]} token "
                "vectors; expected one per token id."
            )
        if self.unk_id is not None and self.unk_id >= n_tokens:
            raise ValueError(
                f"unk_id={self.unk_id} is not a token id of the tokenizer (0 to {n_tokens - 1})."
            )

    def _checked_vocabulary(self) -> int:
        """The number of tokens, once the ids are checked to be exactly ``0 .. n-1``."""
        ids = self.vocabulary().values()
        n = len(ids)
        if n == 0:
            raise ValueError("The tokenizer has no tokens.")
        seen = np.zeros(n, dtype=bool)
        for i in ids:
            if not 0 <= i < n or seen[i]:
                raise ValueError(
                    f"The tokenizer's token ids must be 0 to {n - 1}, each once; it has id {i}."
                )
            seen[i] = True
        return n

    # ------------------------------------------------------------ derived (not pickled)
    @cached_property
    def _compiled(self) -> tuple[Any, int | None, dict[str, int]]:
        """``(tokenizers.Tokenizer, max_chars, vocabulary)``: built on first use, never pickled."""
        tok = parse_tokenizer(self.tokenizer, "The tokenizer of the TokenizerSubwords")
        vocab = tok.get_vocab()
        tok.no_padding()
        if self.max_length is None:
            tok.no_truncation()
            return tok, None, vocab
        tok.enable_truncation(self.max_length)
        median = int(np.median(np.fromiter(map(len, vocab), dtype=np.int64, count=len(vocab))))
        return tok, self.max_length * median, vocab

    @property
    def n_tokens(self) -> int:
        """The number of tokens (rows of ``vectors``)."""
        return int(self.vectors.shape[0])

    def token_ids(self, word: str) -> list[int]:
        """The ids of the tokens of ``word`` (no special tokens; the unknown token dropped).

        Parameters
        ----------
        word : str
            Any string (a lone surrogate is read as U+FFFD).

        Returns
        -------
        list of int
        """
        tok, max_chars, _ = self._compiled
        word = _utf8(word)
        if max_chars is not None:
            word = word[:max_chars]
        ids = tok.encode(word, add_special_tokens=False).ids
        if self.unk_id is not None:
            ids = [i for i in ids if i != self.unk_id]
        return ids

    def compose(self, ids: list[int]) -> np.ndarray:
        """The vector of a word made of the tokens ``ids`` (a non-empty list)."""
        vector = self.vectors[ids].mean(axis=0)
        if self.normalize:
            vector = vector / (np.linalg.norm(vector) + np.float32(1e-32))
        return vector.astype(np.float32, copy=False)

    def word_vectors(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`Subwords.word_vectors`: each word composed from the vectors of its tokens.

        A word in which the tokenizer finds no known token is not found.
        """
        out = np.zeros((len(words), self.vectors.shape[1]), dtype=np.float32)
        found = np.zeros(len(words), dtype=bool)
        for i, word in enumerate(words):
            ids = self.token_ids(word)
            if ids:
                out[i] = self.compose(ids)
                found[i] = True
        return out, found

    def vocabulary(self) -> dict[str, int]:
        """``{token: id}`` of the tokenizer, special tokens included (a new dict)."""
        return dict(self._compiled[2])

    def special_tokens(self) -> set[str]:
        """The tokenizer's special tokens (``[CLS]``, ``<s>``, ...)."""
        decoder = self._compiled[0].get_added_tokens_decoder()
        return {token.content for token in decoder.values() if token.special}

    def surface(self, token_id: int) -> str:
        """The text of one token, word-start and continuation markers removed (its decoding)."""
        return self._compiled[0].decode([token_id], skip_special_tokens=False)

    # ------------------------------------------------------------ plumbing
    def __getstate__(self) -> dict:
        # the compiled tokenizer is rebuilt on use: a pickle carries the data only
        return {name: getattr(self, name) for name in _TOKENIZER_FIELDS}

    def __setstate__(self, state: dict) -> None:
        for name in _TOKENIZER_FIELDS:
            object.__setattr__(self, name, state[name])

    def __repr__(self) -> str:
        normalize = ", normalized" if self.normalize else ""
        return f"<TokenizerSubwords: {self.n_tokens} tokens x {self.vectors.shape[1]}{normalize}>"


_TOKENIZER_FIELDS = ("tokenizer", "vectors", "normalize", "unk_id", "max_length")

#: The subword types a :class:`~skembed.vectors.WordVectors` may hold.
SUBWORD_TYPES = (SubwordTable, TokenizerSubwords)
