"""Documents as padded matrices of embedding rows: the input of the networks.

The embedding matrix has two special rows before the rows of the vocabulary:
``PAD`` (0, always zero) and ``UNK`` (1, every word outside the vocabulary).
Word n-grams (:func:`ngram_ids`) are hashed into buckets, as fastText does;
their table has the padding row 0 before the rows of the buckets.
"""

from __future__ import annotations

from itertools import chain, repeat

import numpy as np

#: Row of the embedding matrix used for padding (always zero).
PAD = 0
#: Row of the embedding matrix used for words not in the vocabulary.
UNK = 1
#: Number of special rows before the first word.
N_SPECIAL = 2


def token_ids(
    tokens: list[list[str]],
    vocabulary: dict[str, int],
    max_len: int | None,
    min_len: int,
    fallback: dict[str, int] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The padded matrix of embedding rows of each document.

    Parameters
    ----------
    tokens : list of list of str
        Tokens of each document.
    vocabulary : dict
        Word -> index into the vocabulary; the embedding row is
        ``index + N_SPECIAL``.
    max_len : int or None
        Documents are cut to their first ``max_len`` tokens (None: no cut).
    min_len : int
        The matrix has at least this many columns (the widest filter).
    fallback : dict or None
        Word -> row of a second table, for words not in ``vocabulary``. The
        ``j``-th distinct row used gets id ``len(vocabulary) + N_SPECIAL + j``.
        Words in neither get row ``UNK``.

    Returns
    -------
    ids : ndarray of int64, shape (n_docs, max(min_len, longest document))
        Embedding rows, padded with ``PAD`` (0) at the end of each row.
    lengths : ndarray of int64, shape (n_docs,)
        Tokens kept per document.
    fallback_rows : ndarray of int64
        The rows of the ``fallback`` table behind the extra ids, in order.
    """
    if max_len is not None:
        tokens = [doc[:max_len] if len(doc) > max_len else doc for doc in tokens]
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    # map() of dict.get over the chained tokens runs in C: no Python code per token
    flat = np.fromiter(
        map(vocabulary.get, chain.from_iterable(tokens), repeat(-1)),
        dtype=np.int64,
        count=int(lengths.sum()),
    )
    unknown = np.flatnonzero(flat < 0)
    fallback_rows = np.zeros(0, dtype=np.int64)
    if fallback and unknown.size:
        words = list(chain.from_iterable(tokens))
        found = np.fromiter(
            map(fallback.get, (words[i] for i in unknown), repeat(-1)),
            dtype=np.int64,
            count=unknown.size,
        )
        hit = found >= 0
        fallback_rows, inverse = np.unique(found[hit], return_inverse=True)
        flat[unknown[hit]] = len(vocabulary) + inverse
        unknown = unknown[~hit]
    flat += N_SPECIAL
    flat[unknown] = UNK
    width = max(int(lengths.max(initial=0)), min_len)
    ids = np.zeros((len(tokens), width), dtype=np.int64)
    ids[np.arange(width)[None, :] < lengths[:, None]] = flat  # row-major: document order
    return ids, lengths, fallback_rows


#: fastText's multiplier combining the hashes of the words of an n-gram (``addWordNgrams``).
NGRAM_MULTIPLIER = 116049371


def word_hash(word: str) -> int:
    """fastText's hash of a word: 32-bit FNV-1a over its UTF-8 bytes.

    As in fastText (``Dictionary::hash``), each byte is sign-extended before
    the xor (``uint32_t(int8_t(c))``), so the buckets are fastText's own.
    """
    h = 2166136261
    for byte in word.encode("utf-8", "surrogatepass"):
        h = ((h ^ (byte if byte < 128 else byte | 0xFFFFFF00)) * 16777619) & 0xFFFFFFFF
    return h


def ngram_ids(
    tokens: list[list[str]], max_n: int, n_buckets: int, max_len: int | None
) -> np.ndarray:
    """The padded matrix of the hashed word n-grams (2 to ``max_n`` words) of each document.

    The n-grams of a document are those of its consecutive tokens (the first
    ``max_len``), every token included, known or not; an n-gram's bucket is
    fastText's: the hashes of its words combined as
    ``h = h * NGRAM_MULTIPLIER + hash(next word)`` (64-bit, the 32-bit word
    hashes sign-extended as fastText's ``int32_t`` vector does), modulo
    ``n_buckets``.

    Parameters
    ----------
    tokens : list of list of str
        Tokens of each document.
    max_n : int
        Longest n-gram, in words (2 or more; 1 gives a matrix of no column).
    n_buckets : int
        Number of hash buckets.
    max_len : int or None
        Documents are cut to their first ``max_len`` tokens first (None: no cut).

    Returns
    -------
    ids : ndarray of int64, shape (n_docs, most n-grams of a document)
        Rows of the n-gram table: ``bucket + 1``, padded with 0 at the end of
        each row.
    """
    if max_len is not None:
        tokens = [doc[:max_len] if len(doc) > max_len else doc for doc in tokens]
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    total = int(lengths.sum())
    hashes = {word: word_hash(word) for word in set(chain.from_iterable(tokens))}
    flat = np.fromiter(map(hashes.__getitem__, chain.from_iterable(tokens)), np.uint32, total)
    word = flat.view(np.int32).astype(np.int64).view(np.uint64)  # sign-extended, as fastText
    doc = np.repeat(np.arange(len(tokens)), lengths)
    # tokens from each position to the end of its document, itself included
    left = np.repeat(np.cumsum(lengths), lengths) - np.arange(total)
    combined, docs, buckets = word, [], []
    multiplier, modulus = np.uint64(NGRAM_MULTIPLIER), np.uint64(n_buckets)
    for n in range(2, max_n + 1):
        if total < n:
            break
        combined = combined[:-1] * multiplier + word[n - 1 :]  # wraps modulo 2**64
        ok = left[: total - n + 1] >= n
        docs.append(doc[: total - n + 1][ok])
        buckets.append((combined[ok] % modulus).astype(np.int64) + 1)
    docs = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int64)
    buckets = np.concatenate(buckets) if buckets else np.zeros(0, dtype=np.int64)
    order = np.argsort(docs, kind="stable")  # document order; in each, by length then position
    counts = np.bincount(docs, minlength=len(tokens))
    ids = np.zeros((len(tokens), int(counts.max(initial=0))), dtype=np.int64)
    ids[np.arange(ids.shape[1])[None, :] < counts[:, None]] = buckets[order]
    return ids
