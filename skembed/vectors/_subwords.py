"""SubwordTable: fastText's character n-gram vectors, which give vectors to unseen words."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SubwordTable"]


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
        """Vectors of ``words`` as the mean of their known n-gram vectors.

        Parameters
        ----------
        words : list of str
            Any words (typically ones the word table lacks).

        Returns
        -------
        vectors : ndarray of shape (len(words), dim)
        found : ndarray of bool, shape (len(words),)
            False where no n-gram of the word has a trained vector; its row is zero.
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

        try:
            word.encode("utf-8")
        except UnicodeEncodeError:
            # fastText hashes UTF-8 bytes; a lone surrogate (e.g. from a
            # surrogateescape-decoded file name) has none: hash U+FFFD instead
            word = word.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        hashes = np.asarray(
            ft_ngram_hashes(word, self.min_n, self.max_n, self.bucket), dtype=np.int64
        )
        if self.bucket_ids is None or not hashes.size:
            return hashes
        pos = np.searchsorted(self.bucket_ids, hashes)
        pos = np.minimum(pos, len(self.bucket_ids) - 1)
        return pos[self.bucket_ids[pos] == hashes]
