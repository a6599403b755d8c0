"""FastTextVectorizer: fastText trained on the documents; unseen words get n-gram vectors."""

from __future__ import annotations

from numbers import Integral
from typing import ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval

from ._docstrings import fill_doc
from ._gensim import _GensimWordVectorizer
from .persistence import register
from .persistence._checks import check_pooled
from .vectors import SubwordTable

#: The largest C ``unsigned int``, the type of gensim's n-gram lengths.
_UINT_MAX = 2**32 - 1


@register("skembed.fasttext:FastTextVectorizer", check=check_pooled)
@fill_doc
class FastTextVectorizer(_GensimWordVectorizer):
    r"""Document vectors from fastText embeddings trained on the documents.

    Like :class:`Word2VecVectorizer`, but trains gensim's
    :class:`~gensim.models.FastText`: each word is also represented by the
    character n-grams of ``<word>`` (``<`` and ``>`` mark its boundaries),
    hashed into ``bucket`` buckets. A word unseen in training (with
    ``oov='subword'``, the default) gets the mean of the vectors of its
    n-grams, so misspellings and rare inflections still land near their
    relatives.

    Only the buckets that some training word's n-grams hash to are kept in
    ``subwords_`` (the others hold untrained random values in gensim and carry
    no information), so a fitted model is small even with gensim's default
    ``bucket=2_000_000``. An unseen word is the mean of its *trained* n-gram
    vectors; a word none of whose n-grams was trained is treated as unknown.

    Parameters
    ----------
    {word2vec_params}
    min_n : int, default=3
        Minimum length of the character n-grams.
    max_n : int, default=6
        Maximum length of the character n-grams; ``max_n < min_n`` disables them
        (then ``oov`` must not be ``'subword'``).
    bucket : int, default=2_000_000
        Number of hash buckets for the n-grams (at most ``2**32``, the range of
        the n-gram hashes); 0 disables the n-grams (then ``oov`` must not be
        ``'subword'``).
    {pooled_params}

    Attributes
    ----------
    {fitted_store}
    subwords_ : SubwordTable
        The trained n-gram vectors (``min_n``, ``max_n``, ``bucket``,
        ``bucket_ids``, ``vectors``), as plain arrays.
    {fitted_pooling}

    Examples
    --------
    >>> from skembed import FastTextVectorizer
    >>> docs = ["the cat sat on the mat", "the dog sat on the log"] * 20
    >>> vec = FastTextVectorizer(vector_size=8, min_count=1, bucket=1000, random_state=0)
    >>> vec.fit(docs).transform(["the cats sat"]).shape
    (1, 8)
    """

    min_n: int = 3
    max_n: int = 6
    bucket: int = 2_000_000
    oov: str = "subword"

    _parameter_constraints: ClassVar[dict] = {
        **_GensimWordVectorizer._parameter_constraints,
        # gensim computes n-grams with unsigned C ints; the hashes are 32-bit, so more
        # buckets would never be used (and the memory check bounds bucket * vector_size)
        "min_n": [Interval(Integral, 1, _UINT_MAX, closed="both")],
        "max_n": [Interval(Integral, 0, _UINT_MAX, closed="both")],
        "bucket": [Interval(Integral, 0, 2**32, closed="both")],
    }

    def _validate_extra_params(self) -> None:
        super()._validate_extra_params()
        if self.oov == "subword" and (self.bucket == 0 or self.max_n < self.min_n):
            why = "bucket=0" if self.bucket == 0 else f"max_n={self.max_n} < min_n={self.min_n}"
            raise ValueError(
                f"oov='subword' needs character n-gram vectors, but {why} disables the "
                "n-grams, so unseen words would get none. Set oov='ignore', 'zero' or "
                "'random' to train word vectors only, or enable the n-grams (bucket >= 1 "
                "and max_n >= min_n)."
            )

    def _fit_store(self, corpus) -> None:
        from gensim.models import FastText

        kwargs = self._gensim_kwargs()
        kwargs.update(min_n=self.min_n, max_n=self.max_n, bucket=self.bucket)
        model = FastText(**kwargs)
        self._train(model, corpus)
        kv = model.wv
        subwords = None
        if kv.bucket and self.max_n >= self.min_n:
            used = [b for b in kv.buckets_word if len(b)]
            ids = (
                np.unique(np.concatenate(used)).astype(np.int64) if used else np.zeros(0, np.int64)
            )
            subwords = SubwordTable(
                min_n=self.min_n,
                max_n=self.max_n,
                bucket=self.bucket,
                vectors=np.ascontiguousarray(kv.vectors_ngrams[ids], dtype=np.float32),
                bucket_ids=ids,
            )
        self._store_from_keyed_vectors(kv, subwords)
