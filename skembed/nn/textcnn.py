"""TextCNNClassifier: Kim's (2014) sentence CNN as a scikit-learn classifier.

The estimator reads text with the same parameters as the vectorizers (it shares
their base, :class:`skembed._text.TextInputMixin`), initialises its embedding
layer from any source :func:`~skembed.vectors.as_word_vectors` accepts, and
trains the network with a skorch ``NeuralNetClassifier`` that it holds, not
inherits: the parameters, the fitted state and the pickles are plain
scikit-learn and numpy. All of that is shared with the other network
classifiers (:class:`skembed.nn._classifier.NeuralTextClassifier`); this
module holds what is the CNN's own: its parameters, its padded input (at
least as wide as the widest filter), the network and Kim's max-norm step.
torch and skorch are imported only when a model is trained or used.
"""

from __future__ import annotations

from functools import partial
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from .._docstrings import fill_doc
from ..persistence import register
from ..persistence._checks import check_textcnn
from ._classifier import FitData, NeuralTextClassifier
from ._ids import N_SPECIAL, token_ids

_MODES = ("rand", "static", "non-static", "multichannel")


@register("skembed.nn.textcnn:TextCNNClassifier", check=partial(check_textcnn, n_special=N_SPECIAL))
@fill_doc
class TextCNNClassifier(NeuralTextClassifier):
    r"""Kim's (2014) convolutional network for sentence classification.

    Raw documents in, class labels out, like a ``TfidfVectorizer`` +
    ``LogisticRegression`` pipeline in one estimator, so it works in
    ``Pipeline``, ``GridSearchCV`` and ``cross_val_score`` on text. The
    network is Kim's: word embeddings -> parallel 1-D convolutions of widths
    ``filter_sizes`` with ``n_filters`` feature maps each -> ReLU ->
    max-over-time pooling -> dropout -> linear layer, trained on mini-batches
    of 50 under a max-norm constraint on the output weights, with early
    stopping on a held-out stratified split that restores the best epoch.
    The hyper-parameters are Kim's but for the optimizer (Adam rather than
    his Adadelta: as accurate or better, in fewer epochs), the tokens (case
    and punctuation kept) and the scale of pretrained vectors (``scale_vectors``;
    see ``docs/textcnn_benchmark.md``).
    Needs the optional ``torch`` extra (``pip install "skembed[torch]"``);
    without it, ``fit`` raises an ``ImportError`` that says so.

    The vocabulary is every word of the training documents (or those seen
    ``min_count`` times); its embeddings start from ``vectors`` where the
    word has a pretrained vector and from U[-init_scale, init_scale] otherwise. Padding
    is a zero row that stays zero; words unseen in training map to one
    "unknown" row (zero at the start). As in Kim's code, every document is
    framed by ``max(filter_sizes) - 1`` padding rows on both sides, so each
    word, the first and the last included, is seen by every position of every
    filter; a document is only ever convolved with its own frame, so its
    prediction does not depend on the other documents of a batch (up to
    float32 rounding: torch's convolution and matrix-product kernels round
    differently for different batch shapes, so a document's probabilities in
    a batch and alone agree to about 1e-6, not bit for bit).

    Parameters
    ----------
    vectors : str, path-like, gensim KeyedVectors, mapping or fitted vectorizer, default=None
        Pretrained word vectors for modes other than 'rand': a vectors file
        (word2vec, GloVe, fastText, see ``vectors_format``), a gensim
        ``KeyedVectors``, a ``{word: vector}`` mapping, or a fitted skembed
        vectorizer (its ``vocabulary_`` / ``vectors_``). Loaded in ``fit``.
        Note that ``clone`` (and so ``GridSearchCV``) turns a fitted
        vectorizer passed here into an unfitted one; pass its
        ``keyed_vectors_`` instead when searching.
    vectors_format : {'auto', 'word2vec_binary', 'word2vec_text', 'glove', 'fasttext_bin'}, \
            default='auto'
        Format of a ``vectors`` file; 'auto' detects it.
    {scale_vectors}
    mode : {'rand', 'static', 'non-static', 'multichannel'}, default='rand'
        Kim's variants. 'rand': random embeddings of width ``embedding_dim``,
        trained (``vectors`` is ignored, with a warning). 'static':
        pretrained embeddings, frozen (the random rows of words without a
        pretrained vector too). 'non-static': pretrained embeddings,
        fine-tuned. 'multichannel': a frozen and a fine-tuned copy of the
        pretrained embeddings; every filter is applied to both and the two
        feature maps are summed, as in Kim (computed as one convolution of the
        summed embeddings, which is the same by linearity).
    embedding_dim : int, default=300
        Width of the random embeddings of mode 'rand'. Pretrained embeddings
        keep their own width.
    {init_scale}
        The default is Kim's (2014) U[-0.25, 0.25]. On held-out splits of the
        training sets of MR, SST-2 and TREC, 0.1 and 0.05 scored within half a
        point of it in mode 'rand' (mean of 3 seeds; on MR's test fold they
        gained 1.4, on TREC's lost 0.7: ``docs/textcnn_benchmark.md``).
    filter_sizes : tuple of int, default=(3, 4, 5)
        Widths of the convolution filters, in tokens.
    n_filters : int, default=100
        Feature maps per filter width.
    dropout : float, default=0.5
        Dropout rate on the pooled features, before the output layer.
    max_norm : float or None, default=3.0
        After each optimizer step, every row of the output layer's weight
        (one per class) longer than ``max_norm`` is rescaled to that L2
        norm, as in Kim. None disables the constraint.
    max_len : int or None, default=100
        Documents longer than ``max_len`` tokens are cut to their first
        ``max_len`` tokens; None keeps every token (a few hundred tokens
        cover every sentence; longer texts cost memory and time in proportion).
    min_count : int, default=1
        Words seen fewer times in the training documents map to the unknown
        row.
    {classifier_oov}
    optimizer : {'adam', 'adadelta'}, default='adam'
        'adam' (``torch.optim.Adam``) or 'adadelta' (Kim's, with rho=0.95,
        eps=1e-6). In mode 'rand', with Kim's other settings, Adam gave the
        same accuracy on MR (76.8 against 76.6, mean of 3 seeds), 1.7 points
        more on SST-2 and 0.6 more on TREC, in about a third fewer epochs
        (``benchmarks/bench_textcnn.py``).
    lr : float or None, default=None
        Learning rate; None means 1e-3 for 'adam' and 1.0 for 'adadelta'.
    {embedding_lr}
        None means ``lr / 10`` in mode 'non-static' with 'adam', and ``lr``
        otherwise. Measured with word vectors distilled from
        all-MiniLM-L6-v2, 3 seeds each, ``lr / 10`` against ``lr``: in mode
        'non-static', 0.5 points higher on held-out parts of the MR, SST-2
        and TREC training sets (mean over the three; MR 0.3 lower), 0.3 to
        0.5 higher on their test sets and 1.0 higher on SST-2 trained on
        phrases, with steadier seeds and later best epochs; in mode
        'multichannel', whose frozen channel already keeps the pretrained
        vectors, 0.3 lower on the held-out parts (SST-2 1.1 lower), so it
        keeps ``lr`` (``docs/textcnn_benchmark.md``).
    {network_params}

    Attributes
    ----------
    {network_fitted}
    module_state_ : dict of str to ndarray
        The weights of the embedding, convolution and output layers, as a
        torch ``state_dict`` of float32 numpy arrays on the CPU. The embedding
        matrix ``embedding.weight`` (and, in mode 'multichannel',
        ``static_embedding.weight``) has the padding row 0, the unknown-word
        row 1, then the rows of ``vocabulary_``; ``convs.<i>.weight`` and
        ``convs.<i>.bias`` are the filters of width ``filter_sizes[i]``.

    See Also
    --------
    skembed.MeanEmbeddingVectorizer : Pooled pretrained vectors, for a linear model.

    References
    ----------
    Y. Kim (2014). Convolutional Neural Networks for Sentence Classification.
    EMNLP, 1746-1751.

    Examples
    --------
    >>> from skembed import TextCNNClassifier
    >>> docs = ["a great film", "great acting", "truly great fun", "a dull film",
    ...         "dull acting", "truly dull plot"] * 5
    >>> labels = ["pos", "pos", "pos", "neg", "neg", "neg"] * 5
    >>> clf = TextCNNClassifier(embedding_dim=16, n_filters=4, max_epochs=2,
    ...                         validation_fraction=None, random_state=0)
    >>> clf.fit(docs, labels).classes_
    array(['neg', 'pos'], dtype='<U3')
    >>> clf.predict_proba(["great fun", ""]).shape
    (2, 2)
    """

    filter_sizes: tuple[int, ...] = (3, 4, 5)
    n_filters: int = 100
    max_norm: float | None = 3.0

    _modes = _MODES
    #: Adam tunes the pretrained rows of mode 'non-static' at lr / 10 (see ``embedding_lr``).
    _embedding_lr_ratio: ClassVar[dict[tuple[str, str], float]] = {("non-static", "adam"): 0.1}
    _architecture = "mode, filter_sizes, n_filters, embedding_dim, optimizer"

    _parameter_constraints: ClassVar[dict] = {
        **NeuralTextClassifier._parameter_constraints,
        "mode": [StrOptions(set(_MODES))],
        "filter_sizes": [tuple, list],
        "n_filters": [Interval(Integral, 1, None, closed="left")],
        "max_norm": [Interval(Real, 0, None, closed="neither"), None],
    }

    # ------------------------------------------------------------ parameters
    def _filter_sizes(self) -> tuple[int, ...]:
        sizes = tuple(self.filter_sizes)
        if not sizes or not all(
            isinstance(h, Integral) and not isinstance(h, bool) and h >= 1 for h in sizes
        ):
            raise ValueError(
                "The 'filter_sizes' parameter of TextCNNClassifier must be a non-empty tuple "
                f"of positive ints. Got {self.filter_sizes!r} instead."
            )
        return sizes

    def _validate_extra_params(self) -> None:
        self._filter_sizes()
        super()._validate_extra_params()

    # ------------------------------------------------------------ the network
    def _doc_ids(self, tokens, vocabulary, fallback=None) -> tuple[np.ndarray, np.ndarray]:
        """The padded id matrix (at least as wide as the widest filter)."""
        ids, _, fallback_rows = token_ids(
            tokens, vocabulary, self.max_len, max(self._filter_sizes()), fallback=fallback
        )
        return ids, fallback_rows

    def _module_class(self, backend):
        return backend.KimCNN

    def _module_kwargs(self, data: FitData, n_rows: int, dim: int) -> dict[str, Any]:
        return {
            "filter_sizes": self._filter_sizes(),
            "n_filters": self.n_filters,
            # Adadelta takes the embedding's gradient as sparse rows (see _module.Adadelta)
            "sparse": self.optimizer == "adadelta",
            "padding": max(self._filter_sizes()) - 1,
        }

    def _callbacks(self, backend) -> list[tuple[str, Any]]:
        if self.max_norm is None:
            return []
        return [("max_norm", backend.MaxNorm(self.max_norm))]

    def _rebuild_module(self, backend, state: dict[str, np.ndarray]):
        n_rows, dim = state["embedding.weight"].shape
        n_conv = sum(1 for name in state if name.startswith("convs.") and name.endswith("weight"))
        convs = [state[f"convs.{i}.weight"] for i in range(n_conv)]
        return backend.KimCNN(
            n_rows,
            dim,
            n_classes=state["out.weight"].shape[0],
            filter_sizes=[w.shape[2] for w in convs],
            n_filters=convs[0].shape[0],
            mode="multichannel" if "static_embedding.weight" in state else "non-static",
            padding=max(w.shape[2] for w in convs) - 1,
        )
