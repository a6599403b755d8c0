"""FastTextVectorizer: fastText trained on the documents; unseen words get n-gram vectors."""

from __future__ import annotations

from numbers import Integral

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
    vector_size : int, default=100
        Dimensionality of the word vectors.
    window : int, default=5
        Maximum distance between the current and the predicted word.
    min_count : int, default=5
        Ignore words with a total frequency lower than this.
    max_vocab_size : int, default=None
        Limit the RAM used while building the vocabulary; None means no limit.
    max_final_vocab : int, default=None
        Keep at most this many words, choosing a matching ``min_count``.
    sample : float, default=1e-3
        Threshold for down-sampling frequent words.
    alpha : float, default=0.025
        Initial learning rate.
    min_alpha : float, default=1e-4
        The learning rate drops linearly to this value.
    sg : {0, 1}, default=0
        1 for skip-gram, 0 for CBOW.
    hs : {0, 1}, default=0
        1 for hierarchical softmax.
    negative : int, default=5
        Number of noise words for negative sampling (0 disables it).
    ns_exponent : float, default=0.75
        Noise distribution exponent: ``count ** ns_exponent``.
    cbow_mean : {0, 1}, default=1
        With CBOW, 1 averages the context vectors, 0 sums them.
    epochs : int, default=5
        Number of passes over the documents.
    shrink_windows : bool, default=True
        Draw the effective window size uniformly from ``[1, window]``.
    min_n : int, default=3
        Minimum length of the character n-grams.
    max_n : int, default=6
        Maximum length of the character n-grams; ``max_n < min_n`` disables them
        (then ``oov`` must not be ``'subword'``).
    bucket : int, default=2_000_000
        Number of hash buckets for the n-grams (at most ``2**32``, the range of
        the n-gram hashes); 0 disables the n-grams (then ``oov`` must not be
        ``'subword'``).
    {pooling_params}
    {text_params}
    {common_params}

    Attributes
    ----------
    {fitted_store}
    subwords_ : SubwordTable
        The trained n-gram vectors (``min_n``, ``max_n``, ``bucket``,
        ``bucket_ids``, ``vectors``), as plain arrays.
    {fitted_pooling}
    n_features_out_ : int
        Number of output features.

    Examples
    --------
    >>> from skembed import FastTextVectorizer
    >>> docs = ["the cat sat on the mat", "the dog sat on the log"] * 20
    >>> vec = FastTextVectorizer(vector_size=8, min_count=1, bucket=1000, random_state=0)
    >>> vec.fit(docs).transform(["the cats sat"]).shape
    (1, 8)
    """

    _oov_default = "'subword'"

    _parameter_constraints: dict = {
        **_GensimWordVectorizer._parameter_constraints,
        # gensim computes n-grams with unsigned C ints; the hashes are 32-bit, so more
        # buckets would never be used (and the memory check bounds bucket * vector_size)
        "min_n": [Interval(Integral, 1, _UINT_MAX, closed="both")],
        "max_n": [Interval(Integral, 0, _UINT_MAX, closed="both")],
        "bucket": [Interval(Integral, 0, 2**32, closed="both")],
    }

    def __init__(
        self,
        *,
        vector_size=100,
        window=5,
        min_count=5,
        max_vocab_size=None,
        max_final_vocab=None,
        sample=1e-3,
        alpha=0.025,
        min_alpha=0.0001,
        sg=0,
        hs=0,
        negative=5,
        ns_exponent=0.75,
        cbow_mean=1,
        epochs=5,
        shrink_windows=True,
        min_n=3,
        max_n=6,
        bucket=2_000_000,
        pooling="mean",
        weighting=None,
        sif_alpha=1e-3,
        sif_remove_pc=True,
        oov="subword",
        encoding="utf-8",
        decode_error="strict",
        strip_accents=None,
        lowercase=True,
        preprocessor=None,
        tokenizer=None,
        stop_words=None,
        token_pattern=r"(?u)\b\w\w+\b",
        analyzer="word",
        norm=None,
        dtype=np.float32,
        random_state=None,
        n_jobs=None,
        verbose=0,
    ):
        self.vector_size = vector_size
        self.window = window
        self.min_count = min_count
        self.max_vocab_size = max_vocab_size
        self.max_final_vocab = max_final_vocab
        self.sample = sample
        self.alpha = alpha
        self.min_alpha = min_alpha
        self.sg = sg
        self.hs = hs
        self.negative = negative
        self.ns_exponent = ns_exponent
        self.cbow_mean = cbow_mean
        self.epochs = epochs
        self.shrink_windows = shrink_windows
        self.min_n = min_n
        self.max_n = max_n
        self.bucket = bucket
        self.pooling = pooling
        self.weighting = weighting
        self.sif_alpha = sif_alpha
        self.sif_remove_pc = sif_remove_pc
        self.oov = oov
        self.encoding = encoding
        self.decode_error = decode_error
        self.strip_accents = strip_accents
        self.lowercase = lowercase
        self.preprocessor = preprocessor
        self.tokenizer = tokenizer
        self.stop_words = stop_words
        self.token_pattern = token_pattern
        self.analyzer = analyzer
        self.norm = norm
        self.dtype = dtype
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

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
