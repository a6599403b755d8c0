"""Token lists to a sparse document x word count matrix.

The one loop over tokens on the transform path lives here (it is the same
dictionary lookup ``CountVectorizer`` does); everything after it is array code.
"""

from __future__ import annotations

from array import array
from itertools import repeat

import numpy as np
import scipy.sparse as sp


def count_matrix(
    token_lists: list[list[str]],
    vocabulary: dict[str, int],
    *,
    collect_unknown: bool = False,
    dtype=np.float32,
) -> tuple[sp.csr_matrix, list[str]]:
    """Count the known tokens of each document.

    Parameters
    ----------
    token_lists : list of list of str
        The tokens of each document.
    vocabulary : dict
        Word -> column.
    collect_unknown : bool
        If True, each distinct unknown token of the batch gets an extra column
        ``len(vocabulary) + j`` and is returned in ``unknown[j]``; otherwise
        unknown tokens are dropped.

    Returns
    -------
    X : csr_matrix of shape (n_docs, len(vocabulary) + len(unknown))
        Token counts, with sorted indices and no duplicates.
    unknown : list of str
        The batch's distinct unknown tokens, sorted (see :func:`_sort_unknown`).
    """
    n_vocab = len(vocabulary)
    get = vocabulary.get
    indices = array("l")
    indptr = array("l", [0])
    unknown: dict[str, int] = {}
    for tokens in token_lists:
        if collect_unknown:
            for tok in tokens:
                j = get(tok)
                if j is None:
                    j = unknown.get(tok)
                    if j is None:
                        j = unknown[tok] = n_vocab + len(unknown)
                indices.append(j)
        else:
            indices.extend([j for j in map(get, tokens) if j is not None])
        indptr.append(len(indices))
    indices_np = np.frombuffer(indices, dtype=np.int_) if len(indices) else np.zeros(0, int)
    indptr_np = np.frombuffer(indptr, dtype=np.int_)
    indices_np, words = _sort_unknown(indices_np.copy(), unknown, n_vocab)
    data = np.ones(len(indices_np), dtype=dtype)
    X = sp.csr_matrix(
        (data, indices_np, indptr_np.copy()),
        shape=(len(token_lists), n_vocab + len(unknown)),
    )
    X.sum_duplicates()
    return X, words


def _sort_unknown(
    ids: np.ndarray, unknown: dict[str, int], n_vocab: int
) -> tuple[np.ndarray, list[str]]:
    """Renumber the unknown-token columns ``n_vocab + j`` in the sorted order of their words.

    Columns are numbered in order of first appearance in the batch, so the
    order of a document's unknown words (the order in which the sparse product
    adds their vectors, which changes float32 rounding) would depend on the
    other documents of the batch. Sorted, it does not: a document gets the
    same row, bit for bit, in any batch. ``ids`` is changed in place.
    """
    if not unknown:
        return ids, []
    words = sorted(unknown)
    rank = np.empty(len(words), dtype=ids.dtype)
    rank[[unknown[w] - n_vocab for w in words]] = np.arange(len(words), dtype=ids.dtype)
    extra = ids >= n_vocab
    ids[extra] = n_vocab + rank[ids[extra] - n_vocab]
    return ids, words


def count_token_stream(
    tokens: list[str],
    separator: str,
    n_docs: int,
    vocabulary: dict[str, int],
    *,
    collect_unknown: bool = False,
    dtype=np.float32,
) -> tuple[sp.csr_matrix, list[str]]:
    """:func:`count_matrix` for the tokens of ``n_docs`` documents in one list.

    Documents are separated by the token ``separator`` (which must not be in
    ``vocabulary``). The lookup is one ``map`` over all tokens; the split into
    documents and the counting are array operations.
    """
    n_vocab = len(vocabulary)
    ids = np.fromiter(map(vocabulary.get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens))
    unknown_pos = np.flatnonzero(ids < 0)
    is_sep = np.fromiter(
        (tokens[i] == separator for i in unknown_pos), dtype=bool, count=len(unknown_pos)
    )
    sep_pos = unknown_pos[is_sep]
    if len(sep_pos) != n_docs - 1:
        raise ValueError(f"expected {n_docs - 1} separators, found {len(sep_pos)}")
    unknown: dict[str, int] = {}
    if collect_unknown:
        for i in unknown_pos[~is_sep].tolist():
            ids[i] = unknown.setdefault(tokens[i], n_vocab + len(unknown))
    starts = np.zeros(len(tokens), dtype=np.int64)
    starts[sep_pos] = 1
    doc_of = np.cumsum(starts)
    keep = ids >= 0
    ids, words = _sort_unknown(ids, unknown, n_vocab)
    X = sp.csr_matrix(
        (np.ones(int(keep.sum()), dtype=dtype), (doc_of[keep], ids[keep])),
        shape=(n_docs, n_vocab + len(unknown)),
    )
    X.sum_duplicates()
    return X, words
