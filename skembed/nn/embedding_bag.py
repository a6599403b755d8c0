"""EmbeddingBagClassifier: fastText's supervised model as a scikit-learn classifier.

The simplest neural text model: embed each word (and, optionally, each hashed
word n-gram), pool the embeddings of a document, then a linear layer, trained
end to end. Everything but the network and its input is shared with
:class:`~skembed.TextCNNClassifier` (:mod:`skembed.nn._classifier`): the text
parameters, the vocabulary, the embedding initialisation from ``vectors=``,
training with skorch, early stopping, the fitted state and the predict family.
torch and skorch are imported only when a model is trained or used.
"""

from __future__ import annotations

from functools import partial
from numbers import Integral
from typing import Any, ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from .._docstrings import fill_doc
from ..persistence import register
from ..persistence._checks import check_embedding_bag
from ._classifier import FitData, NeuralTextClassifier
from ._ids import N_SPECIAL, ngram_ids, token_ids

_MODES = ("rand", "static", "non-static")


@register(
    "skembed.nn.embedding_bag:EmbeddingBagClassifier",
    check=partial(check_embedding_bag, n_special=N_SPECIAL),
)
@fill_doc
class EmbeddingBagClassifier(NeuralTextClassifier):
    r"""An embedding bag: word embeddings pooled into a linear classifier, as fastText.

    Raw documents in, class labels out, like a ``TfidfVectorizer`` +
    ``LogisticRegression`` pipeline in one estimator. The network is the one
    of fastText's supervised mode (Joulin et al., 2017): each word of a
    document, and with ``ngram_range=(1, n)`` each of its word n-grams of 2 to
    ``n`` words, has an embedding; the embeddings are pooled (``pooling``:
    their mean, as in fastText, their sum or their elementwise max) into one
    vector, optionally through a hidden layer, and a linear layer gives the
    logits. Everything is trained end to end with the cross-entropy loss, on
    mini-batches, with early stopping on a held-out split that restores the
    best epoch. Needs the optional ``torch`` extra (``pip install
    "skembed[torch]"``); without it, ``fit`` raises an ``ImportError`` that
    says so.

    The vocabulary is every word of the training documents (or those seen
    ``min_count`` times); its embeddings start from ``vectors`` where the
    word has a pretrained vector and from U[-init_scale, init_scale] otherwise. Words
    unseen in training map to one "unknown" row (zero at the start). The
    n-grams are hashed into ``n_buckets`` rows of their own table, as fastText
    does (its FNV-1a word hashes, combined as ``h * 116049371 + hash(next
    word)``), so no n-gram vocabulary is built or stored; they start from
    U[-1/dim, 1/dim], fastText's initialisation, and are always trained.
    A training step updates only the embedding rows of its mini-batch, so an
    epoch costs the tokens of the training documents: with bigrams, about 14
    times less than :class:`~skembed.TextCNNClassifier`'s on MR
    (``benchmarks/bench_textcnn.py``).

    Parameters
    ----------
    vectors : str, path-like, gensim KeyedVectors, mapping or fitted vectorizer, default=None
        Pretrained word vectors for modes other than 'rand': a vectors file
        (word2vec, GloVe, fastText, see ``vectors_format``), a model2vec
        folder, a skembed vectors store, a gensim ``KeyedVectors``, a
        ``{word: vector}`` mapping, a :class:`~skembed.WordVectors` (such as
        the words distilled from a sentence transformer by
        :func:`~skembed.distill_word_vectors`), or a fitted skembed
        vectorizer (a :class:`~skembed.DistilledVectorizer` included). Loaded
        in ``fit``. Note that ``clone`` (and so ``GridSearchCV``) turns a
        fitted vectorizer passed here into an unfitted one; pass its
        ``word_vectors_`` instead when searching.
    vectors_format : {'auto', 'word2vec_binary', 'word2vec_text', 'glove', 'fasttext_bin'}, \
            default='auto'
        Format of a ``vectors`` file; 'auto' detects it.
    {scale_vectors}
    mode : {'rand', 'static', 'non-static'}, default='rand'
        The word embeddings, in the names of :class:`~skembed.TextCNNClassifier`
        (Kim's): 'rand', random embeddings of width ``embedding_dim``, trained
        (``vectors`` is ignored, with a warning); 'static', pretrained
        embeddings, frozen (the random rows of words without a pretrained
        vector too); 'non-static', pretrained embeddings, fine-tuned. The
        n-gram table and the layers above the pooling are trained in every
        mode.
    embedding_dim : int, default=100
        Width of the random embeddings of mode 'rand' (fastText's default;
        10, 30 and 300 did worse on held-out parts of the MR, SST-2 and TREC
        training sets). Pretrained embeddings keep their own width, and the
        n-gram table takes the width of the word embeddings.
    {init_scale}
        The default and Adam's default ``lr`` (3e-3) were the best of the six
        pairs of 0.01, 0.05 or 0.25 and 1e-3 or 3e-3 on held-out parts of the
        MR, SST-2 and TREC training sets (``docs/textcnn_benchmark.md``).
    pooling : {'mean', 'sum', 'max'}, default='mean'
        How the embeddings of a document's words and n-grams are pooled:
        their mean (fastText's), their sum, or their elementwise maximum. A
        document with no token pools to a zero vector.
    hidden_size : int or None, default=None
        Width of a hidden layer with ReLU between the pooled vector and the
        output layer (a "deep averaging network"); None, as in fastText, feeds
        the pooled vector to the output layer directly.
    dropout : float, default=0.0
        Dropout rate on the vector fed to the output layer (fastText has
        none).
    ngram_range : tuple (1, max_n), default=(1, 1)
        The words, and the word n-grams of 2 to ``max_n`` words, of each
        document (fastText's ``-wordNgrams max_n``; (1, 2) adds bigrams). The
        words always keep their vocabulary rows; the n-grams are hashed into
        ``n_buckets`` rows. The first value must be 1.
    n_buckets : int, default=1_000_000
        Hash buckets of the n-grams (fastText: 2,000,000). Only with
        ``max_n > 1``: the n-gram table is then ``n_buckets x dim`` floats,
        about 400 MB at 100 dimensions, saved with the model, and training
        holds about four times that (the table, Adam's two moments, the copy
        of the best epoch). Fewer buckets give a smaller model, at the price
        of more n-grams sharing a row: 2**18 buckets cost 0.3 to 0.9 points
        on held-out parts of the MR, SST-2 and TREC training sets.
    max_len : int or None, default=None
        Documents longer than ``max_len`` tokens are cut to their first
        ``max_len`` tokens (their n-grams too); None keeps every token.
    min_count : int, default=1
        Words seen fewer times in the training documents map to the unknown
        row.
    oov : {'unknown', 'pretrained'}, default='unknown'
        What a word of a document to predict that is outside ``vocabulary_``
        gets: 'unknown', the network's unknown row (zero at the start, trained
        on the training words below ``min_count``); 'pretrained', in the
        modes with pretrained vectors, its pretrained vector when it has one
        (else the unknown row); the fitted estimator then keeps the vectors of
        every other pretrained word (``pretrained_vectors_``, as large as the
        pretrained matrix). Mode 'rand' always uses the unknown row.
    optimizer : {'adam', 'adadelta'}, default='adam'
        'adam', whose embedding rows are updated lazily (only the rows of the
        words and n-grams in a mini-batch, as ``torch.optim.SparseAdam``;
        dense Adam would touch the whole n-gram table at every step), or
        'adadelta' (rho=0.95, eps=1e-6, exact on sparse rows).
    lr : float or None, default=None
        Learning rate; None means 3e-3 for 'adam' and 1.0 for 'adadelta'.
        With batches of 64 and ``init_scale=0.05``, 3e-3 beat 1e-3 by 0.3
        points on held-out parts of the MR, SST-2 and TREC training sets
        (mean over the three, 3 seeds each; MR 0.35 lower, SST-2 1.0 and TREC
        0.3 higher) and trains in about half the epochs; with Kim's
        U[-0.25, 0.25] rows the two rates were even.
    {embedding_lr}
        None means ``lr`` (unlike TextCNN's mode 'non-static'): from GloVe
        50-d with bigrams (mode 'non-static'), ``lr / 10`` cost 2 to 4 points
        on held-out parts of the MR, SST-2 and TREC training sets (3 seeds
        each; ``docs/textcnn_benchmark.md``).
    {network_params}

    Attributes
    ----------
    {network_fitted}
    module_state_ : dict of str to ndarray
        The network's weights (a torch ``state_dict`` as float32 numpy arrays
        on the CPU): ``embedding.weight`` (the padding row 0, the unknown-word
        row 1, then the rows of ``vocabulary_``), with n-grams
        ``ngram_embedding.weight`` (the padding row 0, then one row per
        bucket), with a hidden layer ``hidden.weight`` and ``hidden.bias``,
        and ``out.weight``, ``out.bias``.

    See Also
    --------
    skembed.TextCNNClassifier : Kim's convolutional network, on the same input.
    skembed.MeanEmbeddingVectorizer : Pooled pretrained vectors, for a linear model.

    References
    ----------
    A. Joulin, E. Grave, P. Bojanowski, T. Mikolov (2017). Bag of Tricks for
    Efficient Text Classification. EACL, 427-431.

    M. Iyyer, V. Manjunatha, J. Boyd-Graber, H. Daumé III (2015). Deep
    Unordered Composition Rivals Syntactic Methods for Text Classification.
    ACL, 1681-1691.

    Examples
    --------
    >>> from skembed.nn import EmbeddingBagClassifier
    >>> docs = ["a great film", "great acting", "truly great fun", "a dull film",
    ...         "dull acting", "truly dull plot"] * 5
    >>> labels = ["pos", "pos", "pos", "neg", "neg", "neg"] * 5
    >>> clf = EmbeddingBagClassifier(embedding_dim=16, ngram_range=(1, 2), n_buckets=1000,
    ...                              batch_size=4, lr=0.01, max_epochs=5,
    ...                              validation_fraction=None, random_state=0)
    >>> clf.fit(docs, labels).classes_
    array(['neg', 'pos'], dtype='<U3')
    >>> clf.predict(["great fun", "a dull plot"]).tolist()
    ['pos', 'neg']
    """

    embedding_dim: int = 100
    pooling: str = "mean"
    hidden_size: int | None = None
    dropout: float = 0.0
    ngram_range: tuple[int, int] = (1, 1)
    n_buckets: int = 1_000_000
    init_scale: float = 0.05
    max_len: int | None = None
    batch_size: int = 64
    max_epochs: int = 30
    patience: int = 3

    _modes = _MODES
    #: Adam's default rate is higher than TextCNN's (see ``lr``).
    _default_lr: ClassVar[dict[str, float]] = {**NeuralTextClassifier._default_lr, "adam": 3e-3}
    _architecture = "mode, embedding_dim, ngram_range, n_buckets, hidden_size, optimizer"

    _parameter_constraints: ClassVar[dict] = {
        **NeuralTextClassifier._parameter_constraints,
        "mode": [StrOptions(set(_MODES))],
        "pooling": [StrOptions({"mean", "sum", "max"})],
        "hidden_size": [Interval(Integral, 1, None, closed="left"), None],
        "ngram_range": [tuple],
        "n_buckets": [Interval(Integral, 1, None, closed="left")],
    }

    # ------------------------------------------------------------ parameters
    def _max_n(self) -> int:
        """The longest n-gram, from ``ngram_range`` checked to be ``(1, max_n)``."""
        value = self.ngram_range
        ok = (
            len(value) == 2
            and all(isinstance(n, Integral) and not isinstance(n, bool) for n in value)
            and value[0] == 1
            and value[1] >= 1
        )
        if not ok:
            raise ValueError(
                "The 'ngram_range' parameter of EmbeddingBagClassifier must be a tuple "
                "(1, max_n) of ints with max_n >= 1: the words always have their own "
                f"embeddings, the n-grams of 2 to max_n words are added. Got {value!r} instead."
            )
        return int(value[1])

    def _validate_extra_params(self) -> None:
        self._max_n()
        super()._validate_extra_params()

    # ------------------------------------------------------------ the network
    def _doc_ids(self, tokens, vocabulary, fallback=None) -> tuple[dict, np.ndarray]:
        """``{'words': ids}`` and, with n-grams, ``'ngrams'``: the module's arguments."""
        words, _, fallback_rows = token_ids(tokens, vocabulary, self.max_len, 1, fallback)
        ids = {"words": words}
        max_n = self._max_n()
        if max_n > 1:
            ids["ngrams"] = ngram_ids(tokens, max_n, self.n_buckets, self.max_len)
        return ids, fallback_rows

    def _module_class(self, backend):
        return backend.EmbeddingBag

    def _module_kwargs(self, data: FitData, n_rows: int, dim: int) -> dict[str, Any]:
        return {
            "n_buckets": self.n_buckets if self._max_n() > 1 else 0,
            "pooling": self.pooling,
            "hidden_size": self.hidden_size,
            # a step updates the rows of its batch only (LazyAdam, Adadelta)
            "sparse": True,
        }

    def _optimizer(self, backend, torch) -> tuple[Any, dict[str, Any]]:
        if self.optimizer == "adam":
            return backend.LazyAdam, {}
        return super()._optimizer(backend, torch)

    def _rebuild_module(self, backend, state: dict[str, np.ndarray]):
        n_rows, dim = state["embedding.weight"].shape
        ngrams = state.get("ngram_embedding.weight")
        hidden = state.get("hidden.weight")
        return backend.EmbeddingBag(
            n_rows,
            dim,
            n_classes=state["out.weight"].shape[0],
            n_buckets=0 if ngrams is None else ngrams.shape[0] - 1,
            pooling=self.pooling,
            hidden_size=None if hidden is None else hidden.shape[0],
            mode="non-static",
        )
