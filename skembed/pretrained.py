"""MeanEmbeddingVectorizer: pooling over pretrained word vectors."""

from __future__ import annotations

from typing import Any, ClassVar

from sklearn.utils._param_validation import StrOptions

from ._base import _PooledEmbeddingVectorizer
from ._docstrings import fill_doc
from ._params import positional
from .persistence import register
from .persistence._checks import check_pooled
from .vectors import VECTORS_FORMATS, as_word_vectors


@register("skembed.pretrained:MeanEmbeddingVectorizer", check=check_pooled)
@fill_doc
class MeanEmbeddingVectorizer(_PooledEmbeddingVectorizer):
    r"""Document vectors by pooling pretrained word vectors.

    ``fit`` loads the vectors (never ``__init__``; and ``clone`` shares an
    in-memory ``vectors`` object instead of copying it, so cross-validation and
    grid search copy no matrix) and learns the word weights if ``weighting`` asks for
    them; ``transform`` pools the vectors of each document's words.

    Pretrained vocabularies seldom match the tokenizer: GloVe is lower-cased
    (keep ``lowercase=True``), word2vec's GoogleNews vectors are cased (set
    ``lowercase=False``), and every vocabulary misses some words (see
    ``oov``). The share of tokens found is a good first check:
    ``vec.coverage(docs)``.

    Parameters
    ----------
    vectors : str, path-like, gensim KeyedVectors, mapping or fitted vectorizer, default=None
        The pretrained vectors: a file in word2vec binary, word2vec/fastText
        text (with an ``n_words dim`` header), GloVe text (no header) or
        fastText ``.bin`` format (``.gz``/``.bz2`` compressed too); a skembed
        vectors store directory (opened memory-mapped in a fraction of a
        second: convert big files once with :func:`skembed.convert_vectors` or
        ``skembed convert``; the fitted estimator keeps it memory-mapped, and
        raises a ``StoreError`` if its files are changed in place, see
        :func:`skembed.open_vectors`); a gensim
        ``KeyedVectors``; a ``{word: vector}`` mapping; or a fitted skembed
        vectorizer. Required: ``fit`` raises if it is None.
    vectors_format : str, default='auto'
        Format of a vectors file: 'word2vec_binary', 'word2vec_text', 'glove',
        'fasttext_bin', or 'auto' to detect it from the first bytes.
    {pooled_params}

    Attributes
    ----------
    {fitted_store}
    subwords_ : SubwordTable or None
        The n-gram vectors of a fastText ``.bin`` model, else None.
    {fitted_pooling}

    Examples
    --------
    >>> import numpy as np
    >>> from skembed import MeanEmbeddingVectorizer
    >>> vectors = {"good": np.array([1.0, 0.0]), "bad": np.array([0.0, 1.0])}
    >>> vec = MeanEmbeddingVectorizer(vectors=vectors)
    >>> vec.fit_transform(["good good bad", "unknown words only"])
    array([[0.6666667 , 0.33333334],
           [0.        , 0.        ]], dtype=float32)
    """

    vectors: Any = positional(None)
    vectors_format: str = "auto"

    _parameter_constraints: ClassVar[dict] = {
        **_PooledEmbeddingVectorizer._parameter_constraints,
        "vectors": "no_validation",  # checked in fit, by as_word_vectors
        "vectors_format": [StrOptions(set(VECTORS_FORMATS))],
    }

    def __sklearn_clone__(self):
        """Clone the parameters, sharing ``vectors`` instead of deep-copying it.

        ``clone`` (used by ``cross_val_score``, ``GridSearchCV``, ``Pipeline``)
        deep-copies every non-estimator parameter; for an in-memory
        ``KeyedVectors`` or dict that is a copy of the whole matrix per fold
        and candidate. The vectors are only read, so the clone shares them.
        """
        import copy

        from sklearn.base import clone

        params = self.get_params(deep=False)
        vectors = params.pop("vectors")
        new = type(self)(vectors=vectors, **{k: clone(v, safe=False) for k, v in params.items()})
        for attr in ("_sklearn_output_config", "_metadata_request"):
            if attr in self.__dict__:
                setattr(new, attr, copy.deepcopy(self.__dict__[attr]))
        return new

    def _validate_extra_params(self) -> None:
        super()._validate_extra_params()
        if self.vectors is None:
            raise ValueError(
                "MeanEmbeddingVectorizer needs pretrained vectors: pass vectors=<path to a "
                "word2vec/GloVe/fastText file>, a gensim KeyedVectors or a {word: vector} dict."
            )

    def _fit_store(self, corpus) -> None:
        # as_word_vectors checks every source the same way (check_word_vectors): the
        # words are distinct (a repeated word keeps its first row) and the matrix is
        # finite float32 in C order, memory-mapped for a store
        self.word_vectors_ = as_word_vectors(self.vectors, self.vectors_format)

    def coverage(self, raw_documents) -> float:
        """Share of the tokens of ``raw_documents`` that have a pretrained vector.

        Parameters
        ----------
        raw_documents : iterable of str
            Documents.

        Returns
        -------
        coverage : float
            Known tokens / all tokens (1.0 when there is no token).
        """
        from sklearn.utils.validation import check_is_fitted

        from ._text import tokenize

        check_is_fitted(self)
        tokens = tokenize(raw_documents, self._text_params())
        total = sum(len(t) for t in tokens)
        known = sum(1 for doc in tokens for t in doc if t in self.vocabulary_)
        return known / total if total else 1.0
