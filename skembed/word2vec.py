"""Word2VecVectorizer: word2vec trained on the training documents, pooled per document."""

from __future__ import annotations

import numpy as np

from ._docstrings import fill_doc
from ._gensim import _GensimWordVectorizer
from .persistence import register
from .persistence._checks import check_pooled


@register("skembed.word2vec:Word2VecVectorizer", check=check_pooled)
@fill_doc
class Word2VecVectorizer(_GensimWordVectorizer):
    r"""Document vectors from word2vec embeddings trained on the documents.

    ``fit`` tokenizes the documents with scikit-learn's analyzer, trains
    gensim's :class:`~gensim.models.Word2Vec` (skip-gram or CBOW, with
    negative sampling or hierarchical softmax) on them and keeps the word
    vectors as plain arrays. ``transform`` pools the vectors of each
    document's words. The word2vec parameters have gensim's names and defaults.

    Parameters
    ----------
    vector_size : int, default=100
        Dimensionality of the word vectors.
    window : int, default=5
        Maximum distance between the current and the predicted word.
    min_count : int, default=5
        Ignore words with a total frequency lower than this.
    max_vocab_size : int, default=None
        Limit the RAM used while building the vocabulary (prunes the rarest
        words); None means no limit.
    max_final_vocab : int, default=None
        Keep at most this many words, choosing a matching ``min_count``.
    sample : float, default=1e-3
        Threshold for down-sampling frequent words (0 disables it).
    alpha : float, default=0.025
        Initial learning rate.
    min_alpha : float, default=1e-4
        The learning rate drops linearly to this value.
    sg : {0, 1}, default=0
        1 for skip-gram, 0 for CBOW.
    hs : {0, 1}, default=0
        1 for hierarchical softmax.
    negative : int, default=5
        Number of noise words drawn for negative sampling (0 disables it).
    ns_exponent : float, default=0.75
        Noise words are drawn with probability proportional to ``count **
        ns_exponent``; between -16 and 16 (beyond, the powers overflow).
    cbow_mean : {0, 1}, default=1
        With CBOW, 1 averages the context vectors, 0 sums them.
    epochs : int, default=5
        Number of passes over the documents.
    shrink_windows : bool, default=True
        Draw the effective window size uniformly from ``[1, window]`` per word.
    {pooling_params}
    {text_params}
    {common_params}

    Attributes
    ----------
    {fitted_store}
    {fitted_pooling}
    n_features_out_ : int
        Number of output features.

    See Also
    --------
    FastTextVectorizer : Also gives vectors to unseen words.
    MeanEmbeddingVectorizer : Pools pretrained vectors instead.

    Examples
    --------
    >>> from skembed import Word2VecVectorizer
    >>> docs = ["the cat sat on the mat", "the dog sat on the log"] * 20
    >>> vec = Word2VecVectorizer(vector_size=8, min_count=1, random_state=0)
    >>> X = vec.fit_transform(docs)
    >>> X.shape
    (40, 8)
    >>> vec.keyed_vectors_.most_similar("cat", topn=1)[0][0] in vec.vocabulary_
    True
    """

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
        pooling="mean",
        weighting=None,
        sif_alpha=1e-3,
        sif_remove_pc=True,
        oov="ignore",
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
        if self.oov == "subword":
            raise ValueError(
                "oov='subword' needs character n-gram vectors, which word2vec does not "
                "learn; use FastTextVectorizer, or oov='ignore', 'zero' or 'random'."
            )

    def _fit_store(self, corpus) -> None:
        from gensim.models import Word2Vec

        model = Word2Vec(**self._gensim_kwargs())
        self._train(model, corpus)
        self._store_from_keyed_vectors(model.wv)
