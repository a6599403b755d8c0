"""Token lists to a sparse document x word count matrix.

The one loop over tokens on the transform path lives here (it is the same
dictionary lookup ``CountVectorizer`` does); everything after it is array code.
"""

from __future__ import annotations

from array import array

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
    data = np.ones(len(indices_np), dtype=dtype)
    X = sp.csr_matrix(
        (data, indices_np.copy(), indptr_np.copy()),
        shape=(len(token_lists), n_vocab + len(unknown)),
    )
    X.sum_duplicates()
    return X, list(unknown)
