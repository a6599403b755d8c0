"""Word2VecVectorizer: word2vec trained on the training documents, pooled per document."""

from __future__ import annotations

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
    {word2vec_params}
    {pooled_params}

    Attributes
    ----------
    {fitted_store}
    {fitted_pooling}

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
