"""Documents as padded matrices of embedding rows: the input of the network.

The embedding matrix has two special rows before the rows of the vocabulary:
``PAD`` (0, always zero) and ``UNK`` (1, every word outside the vocabulary).
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
