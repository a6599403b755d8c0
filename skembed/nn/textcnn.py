"""TextCNNClassifier: Kim's (2014) sentence CNN as a scikit-learn classifier.

The estimator reads text with the same parameters as the vectorizers (it shares
their base, :class:`skembed._text.TextInputMixin`), initialises its embedding
layer from any source
:func:`~skembed.vectors.as_word_vectors` accepts, and trains the network
with a skorch ``NeuralNetClassifier`` that it holds, not inherits: the
parameters, the fitted state and the pickles are plain scikit-learn and numpy.
torch and skorch are imported only when a model is trained or used.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from itertools import chain, repeat
from numbers import Integral, Real
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import softmax
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.model_selection import train_test_split
from sklearn.utils import check_consistent_length, column_or_1d
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from .._base import seed_from_random_state
from .._cache import cached_on
from .._docstrings import fill_doc
from .._io import check_mapped
from .._text import TextInputMixin, tokenize
from ..persistence import register
from ..persistence._checks import check_textcnn
from ..vectors import VECTORS_FORMATS, as_word_vectors
from ._device import TorchDevice, check_device
from ._ids import N_SPECIAL, PAD, UNK, token_ids

#: Default learning rate of each optimizer (Kim used Adadelta with lr=1.0).
DEFAULT_LR = {"adadelta": 1.0, "adam": 1e-3}

#: Documents per forward pass in predict.
PREDICT_BATCH_SIZE = 512

_MODES = ("rand", "static", "non-static", "multichannel")

_INSTALL_HINT = (
    'TextCNNClassifier needs PyTorch and skorch, the optional "torch" extra of skembed: '
    'pip install "skembed[torch]"'
)


def _backend():
    """Import the torch side (``skembed.nn._module``), or explain how to install it."""
    try:
        from . import _module
    except ImportError as exc:
        raise ImportError(f"{_INSTALL_HINT} (import failed: {exc})") from exc
    return _module


@dataclass
class _FitData:
    """What ``fit`` prepares before training, assigned to the estimator once it is done."""

    warm: bool
    classes: np.ndarray
    vocabulary: dict[str, int]
    y: np.ndarray
    ids: np.ndarray
    y_enc: np.ndarray
    seed: int
    valid: tuple[np.ndarray, np.ndarray] | None = None
    init: np.ndarray | None = None  # the initial embeddings (None: a warm start)
    coverage: float | None = None
    unseen: tuple[dict[str, int] | None, np.ndarray | None] = (None, None)


def _encode(classes: np.ndarray, labels: np.ndarray, name: str) -> np.ndarray:
    """Positions of ``labels`` in the fitted ``classes``."""
    pos = np.minimum(np.searchsorted(classes, labels), len(classes) - 1)
    unknown = classes[pos] != labels
    if np.any(unknown):
        raise ValueError(
            f"{name} has labels not seen in the first fit: "
            f"{np.unique(labels[unknown]).tolist()!r}; the classes are {classes.tolist()!r}."
        )
    return pos


@register("skembed.nn.textcnn:TextCNNClassifier", check=partial(check_textcnn, n_special=N_SPECIAL))
@fill_doc
class TextCNNClassifier(TextInputMixin, ClassifierMixin, BaseEstimator):
    r"""Kim's (2014) convolutional network for sentence classification.

    Raw documents in, class labels out, like a ``TfidfVectorizer`` +
    ``LogisticRegression`` pipeline in one estimator, so it works in
    ``Pipeline``, ``GridSearchCV`` and ``cross_val_score`` on text. The
    network is Kim's: word embeddings -> parallel 1-D convolutions of widths
    ``filter_sizes`` with ``n_filters`` feature maps each -> ReLU ->
    max-over-time pooling -> dropout -> linear layer, trained with Adadelta on
    mini-batches of 50 under a max-norm constraint on the output weights, with
    early stopping on a held-out stratified split that restores the best
    epoch. Needs the optional ``torch`` extra (``pip install
    "skembed[torch]"``); without it, ``fit`` raises an ``ImportError`` that
    says so.

    The vocabulary is every word of the training documents (or those seen
    ``min_count`` times); its embeddings start from ``vectors`` where the
    word has a pretrained vector and from U[-0.25, 0.25] otherwise. Padding
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
    optimizer : {'adadelta', 'adam'}, default='adadelta'
        'adadelta' (Kim's, with rho=0.95, eps=1e-6) or 'adam'.
    lr : float or None, default=None
        Learning rate; None means 1.0 for 'adadelta' and 1e-3 for 'adam'.
    batch_size : int, default=50
        Documents per training mini-batch.
    max_epochs : int, default=25
        Most passes over the training documents (per ``fit`` call).
    validation_fraction : float or None, default=0.1
        Share of the training documents held out, stratified by class when
        every class has two documents or more, to stop early and to choose the
        epoch whose weights are kept: the first one with the highest
        validation accuracy, Kim's criterion (the validation loss is a poor
        guide here: it starts to rise, as the network grows confident, epochs
        before the accuracy stops improving). Ignored when ``fit`` receives
        ``X_val`` and ``y_val``. None trains on every document for
        ``max_epochs`` epochs.
    patience : int, default=5
        Stop after this many epochs without a higher validation accuracy.
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes in the cross-entropy loss, as in
        ``LogisticRegression``: ``{label: weight}`` (missing labels weigh 1),
        'balanced' (``n_samples / (n_classes * np.bincount(y))``) or None.
    device : str or torch.device, default='auto'
        Torch device for training and prediction: 'cpu', 'cuda' (or
        'cuda:<index>'), 'mps', another accelerator that torch reports
        available, or a ``torch.device``; 'auto' is 'cuda' when a GPU is
        available, else 'cpu'. It is checked when ``fit``, ``predict`` and the
        other methods run, so a model fitted on a GPU and loaded on a machine
        without one raises a ValueError that says to set ``device='cpu'``. The
        fitted weights are stored on the CPU whatever the device.
    warm_start : bool, default=False
        When True and the estimator is fitted, ``fit`` continues training the
        fitted network (same vocabulary and classes, optimizer state kept
        within the process) for up to ``max_epochs`` more epochs.
    {text_params}
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the validation split, the order of the
        mini-batches and dropout. With an int, fitting on the CPU gives the
        same model, and the same predictions, in every run. The global torch
        random state is left as it was.
    verbose : int, default=0
        If positive, print one line per epoch: epoch, training loss,
        validation accuracy and loss, seconds.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    vocabulary_ : dict
        A mapping of words to rows of ``vectors_``.
    vectors_ : ndarray of shape (n_words, embedding_dim), dtype float32
        The (fine-tuned) word embeddings of ``vocabulary_``, so the fitted
        classifier can serve as ``vectors`` of another skembed
        estimator.
    module_state_ : dict of str to ndarray
        The network's weights (a torch ``state_dict`` as float32 numpy arrays
        on the CPU). The embedding matrix ``embedding.weight`` has the padding
        row 0, the unknown-word row 1, then the rows of ``vocabulary_``.
    pretrained_coverage_ : float or None
        Share of the vocabulary that had a pretrained vector (None for 'rand').
    pretrained_vocabulary_ : dict or None
        The pretrained words outside ``vocabulary_``, mapped to rows of
        ``pretrained_vectors_`` (None for 'rand' or ``oov='unknown'``).
    pretrained_vectors_ : ndarray of shape (n_pretrained_words, embedding_dim) or None
        Their vectors, used for words unseen in training.
    history_ : list of dict
        One entry per epoch trained: 'epoch', 'train_loss', 'valid_loss',
        'valid_acc', 'dur' (seconds) and skorch's bookkeeping.
    n_epochs_ : int
        Epochs trained, all ``fit`` calls of a warm start together.
    best_epoch_ : int
        The epoch whose weights were kept.

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

    _fitted_attribute = "module_state_"

    #: The attributes ``fit`` sets: what ``skembed.save`` writes and ``skembed.load`` sets.
    _fitted_state: tuple[str, ...] = (
        "classes_",
        "vocabulary_",
        "pretrained_coverage_",
        "pretrained_vocabulary_",
        "pretrained_vectors_",
        "module_state_",
        "history_",
        "n_epochs_",
        "best_epoch_",
    )

    _parameter_constraints: dict = {
        **TextInputMixin._parameter_constraints,
        "vectors": "no_validation",  # checked in fit, by as_word_vectors
        "vectors_format": [StrOptions(set(VECTORS_FORMATS))],
        "mode": [StrOptions(set(_MODES))],
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "filter_sizes": [tuple, list],
        "n_filters": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "max_norm": [Interval(Real, 0, None, closed="neither"), None],
        "max_len": [Interval(Integral, 1, None, closed="left"), None],
        "min_count": [Interval(Integral, 1, None, closed="left")],
        "optimizer": [StrOptions(set(DEFAULT_LR))],
        "lr": [Interval(Real, 0, None, closed="neither"), None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
        "patience": [Interval(Integral, 1, None, closed="left")],
        "oov": [StrOptions({"unknown", "pretrained"})],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "device": [str, TorchDevice()],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        vectors=None,
        *,
        vectors_format="auto",
        mode="rand",
        embedding_dim=300,
        filter_sizes=(3, 4, 5),
        n_filters=100,
        dropout=0.5,
        max_norm=3.0,
        max_len=100,
        min_count=1,
        oov="unknown",
        optimizer="adadelta",
        lr=None,
        batch_size=50,
        max_epochs=25,
        validation_fraction=0.1,
        patience=5,
        class_weight=None,
        device="auto",
        warm_start=False,
        encoding="utf-8",
        decode_error="strict",
        strip_accents=None,
        lowercase=True,
        preprocessor=None,
        tokenizer=None,
        stop_words=None,
        token_pattern=r"(?u)\b\w\w+\b",
        analyzer="word",
        random_state=None,
        verbose=0,
    ):
        self.vectors = vectors
        self.vectors_format = vectors_format
        self.mode = mode
        self.embedding_dim = embedding_dim
        self.filter_sizes = filter_sizes
        self.n_filters = n_filters
        self.dropout = dropout
        self.max_norm = max_norm
        self.max_len = max_len
        self.min_count = min_count
        self.oov = oov
        self.optimizer = optimizer
        self.lr = lr
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.class_weight = class_weight
        self.device = device
        self.warm_start = warm_start
        self.encoding = encoding
        self.decode_error = decode_error
        self.strip_accents = strip_accents
        self.lowercase = lowercase
        self.preprocessor = preprocessor
        self.tokenizer = tokenizer
        self.stop_words = stop_words
        self.token_pattern = token_pattern
        self.analyzer = analyzer
        self.random_state = random_state
        self.verbose = verbose

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
        if self.mode != "rand" and self.vectors is None:
            raise ValueError(
                f"mode={self.mode!r} needs pretrained vectors: pass vectors=<path to a "
                "word2vec/GloVe/fastText file>, a gensim KeyedVectors, a {word: vector} dict "
                "or a fitted skembed vectorizer, or use mode='rand'."
            )
        if self.mode == "rand" and self.vectors is not None:
            import warnings

            warnings.warn(
                "mode='rand' trains random embeddings and ignores 'vectors'; set "
                "mode='non-static', 'static' or 'multichannel' to use them.",
                UserWarning,
            )

    def _ids(self, tokens: list[list[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Embedding ids of documents to predict (words unseen in training
        included, when their pretrained vectors are kept)."""
        return token_ids(
            tokens,
            self.vocabulary_,
            self.max_len,
            max(self._filter_sizes()),
            fallback=self.pretrained_vocabulary_,
        )

    def _device(self, torch) -> Any:
        """The ``torch.device`` that ``device`` names, checked to be usable here."""
        return check_device(self.device, torch, "TextCNNClassifier")

    # ------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X: Iterable[Any],
        y: ArrayLike,
        *,
        X_val: Iterable[Any] | None = None,
        y_val: ArrayLike | None = None,
    ) -> TextCNNClassifier:
        """Build the vocabulary and train the network.

        Parameters
        ----------
        X : iterable of str
            The training documents: a list, tuple, 1-D array, pandas Series or
            generator of strings (or of anything ``analyzer`` accepts).
        y : array-like of shape (n_documents,)
            Class labels (ints, strings, any sortable type).
        X_val, y_val : iterable of str and array-like, default=None
            Validation documents and labels for early stopping and for the
            choice of the epoch kept, instead of a split of ``X``
            (``validation_fraction`` is then ignored).

        Returns
        -------
        self : object
            The fitted classifier.
        """
        self._validate_extra_params()
        backend = _backend()
        import torch

        device = self._device(torch)  # before any work: a GPU may be missing
        # everything is computed first and assigned to self once training is
        # done, so a failed fit leaves a fitted estimator as it was
        data = self._prepare_data(X, y, X_val, y_val)
        self._prepare_embeddings(data)
        net = self._train(backend, torch, data, device)
        self._store_fit(net, data)
        return self

    def _prepare_data(self, X, y, X_val, y_val) -> _FitData:
        """Check the documents and labels; the classes, vocabulary, ids and validation set."""
        tokens = tokenize(X, self._text_params())
        y = column_or_1d(y, warn=True)
        check_consistent_length(tokens, y)
        check_classification_targets(y)
        if (X_val is None) != (y_val is None):
            raise ValueError("Pass both X_val and y_val, or neither.")
        warm = self.warm_start and hasattr(self, "module_state_")
        check_mapped(self.vectors, self if warm else None)  # memory-mapped: unchanged
        classes, y_enc, vocabulary = self._classes_and_vocabulary(tokens, y, warm)
        ids, _, _ = token_ids(tokens, vocabulary, self.max_len, max(self._filter_sizes()))
        seed = seed_from_random_state(self.random_state)
        data = _FitData(warm, classes, vocabulary, y, ids, y_enc, seed)
        self._hold_out(data, X_val, y_val)
        return data

    def _classes_and_vocabulary(
        self, tokens: list[list[str]], y: np.ndarray, warm: bool
    ) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
        """The classes, the encoded labels and the vocabulary (a warm start keeps its own)."""
        if warm:
            return self.classes_, _encode(self.classes_, y, "y"), self.vocabulary_
        classes, y_enc = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(
                "TextCNNClassifier needs documents of at least 2 classes; got only "
                f"{classes.tolist()!r}."
            )
        return classes, y_enc, self._build_vocabulary(tokens)

    def _hold_out(self, data: _FitData, X_val, y_val) -> None:
        """Set ``data.valid``: ``X_val`` and ``y_val``, or a split of the training ids."""
        if X_val is not None:
            tokens_val = tokenize(X_val, self._text_params())
            y_val = column_or_1d(y_val, warn=True)
            check_consistent_length(tokens_val, y_val)
            min_len = max(self._filter_sizes())
            ids_val, _, _ = token_ids(tokens_val, data.vocabulary, self.max_len, min_len)
            data.valid = (ids_val, _encode(data.classes, y_val, "y_val"))
        elif self.validation_fraction is not None:
            train, held_out = self._split(data.y_enc, data.seed)
            data.valid = (data.ids[held_out], data.y_enc[held_out])
            data.ids, data.y_enc = data.ids[train], data.y_enc[train]

    def _prepare_embeddings(self, data: _FitData) -> None:
        """The initial embeddings and the pretrained vectors kept (a warm start: its own)."""
        if data.warm:
            data.coverage = self.pretrained_coverage_
            data.unseen = (self.pretrained_vocabulary_, self.pretrained_vectors_)
        else:
            data.init, data.coverage, data.unseen = self._initial_embeddings(
                data.vocabulary, data.seed
            )

    def _train(self, backend, torch, data: _FitData, device) -> Any:
        """Train a new skorch net (a warm start: from the fitted weights); return it."""
        weight = compute_class_weight(self.class_weight, classes=data.classes, y=data.y)
        devices = []
        if device.type == "cuda":
            devices = [device.index if device.index is not None else torch.cuda.current_device()]
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(data.seed)
            net = self._make_net(backend, torch, data, weight, device)
            if data.warm:
                self._load_fitted_weights(net, torch)
                net.partial_fit(data.ids, data.y_enc)
            else:
                net.fit(data.ids, data.y_enc)
        return net

    def _build_vocabulary(self, tokens: list[list[str]]) -> dict[str, int]:
        counts = Counter(chain.from_iterable(tokens))
        words = sorted(
            (w for w, c in counts.items() if c >= self.min_count), key=lambda w: (-counts[w], w)
        )
        return {w: i for i, w in enumerate(words)}

    def _split(self, y_enc: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
        index = np.arange(len(y_enc))
        try:
            return train_test_split(
                index, test_size=self.validation_fraction, stratify=y_enc, random_state=seed
            )
        except ValueError:  # a class too small to stratify: an unstratified split
            pass
        try:
            return train_test_split(index, test_size=self.validation_fraction, random_state=seed)
        except ValueError:
            raise ValueError(
                f"{len(y_enc)} documents are too few to hold out "
                f"validation_fraction={self.validation_fraction}; set validation_fraction=None "
                "or pass X_val and y_val."
            ) from None

    def _initial_embeddings(
        self, vocabulary: dict[str, int], seed: int
    ) -> tuple[np.ndarray, float | None, tuple[dict[str, int] | None, np.ndarray | None]]:
        """The embedding matrix before training (pretrained rows where available,
        U[-0.25, 0.25] elsewhere, zero padding and unknown rows), the share of
        the vocabulary with a pretrained vector, and the words and vectors of
        the pretrained words outside the vocabulary (when they are kept)."""
        rng = np.random.default_rng(seed)
        n_rows = len(vocabulary) + N_SPECIAL
        coverage, unseen = None, (None, None)
        if self.mode == "rand":
            init = rng.uniform(-0.25, 0.25, (n_rows, self.embedding_dim)).astype(np.float32)
        else:
            # checked like every source of vectors (check_word_vectors): distinct words
            # (a repeated one keeps its first row), finite float32 rows
            pretrained = as_word_vectors(self.vectors, self.vectors_format)
            words, matrix = pretrained.words, pretrained.matrix
            index = dict(zip(words, range(len(words)), strict=True))
            rows = np.fromiter(
                map(index.get, vocabulary, repeat(-1)), dtype=np.int64, count=len(vocabulary)
            )
            found = rows >= 0
            init = rng.uniform(-0.25, 0.25, (n_rows, matrix.shape[1])).astype(np.float32)
            init[N_SPECIAL:][found] = matrix[rows[found]]
            coverage = float(found.mean()) if len(found) else 0.0
            if self.oov == "pretrained":
                # the other pretrained words, for documents to predict
                for word in vocabulary:
                    index.pop(word, None)
                rows = np.fromiter(index.values(), dtype=np.int64, count=len(index))
                unseen = (dict(zip(index, range(len(index)), strict=True)), matrix[rows])
        init[PAD] = 0.0
        init[UNK] = 0.0
        return init, coverage, unseen

    def _make_net(self, backend, torch, data: _FitData, weight: np.ndarray, device):
        """The skorch net that trains the module (composition: it is not kept)."""
        init, valid, n_classes = data.init, data.valid, len(data.classes)
        from skorch import NeuralNetClassifier
        from skorch.dataset import Dataset
        from skorch.helper import predefined_split

        callbacks = []
        if self.max_norm is not None:
            callbacks.append(("max_norm", backend.MaxNorm(self.max_norm)))
        if valid is not None:
            stopper = backend.EarlyStopping(
                monitor="valid_acc", lower_is_better=False, patience=self.patience, load_best=True
            )
            callbacks.append(("early_stopping", stopper))
        if init is None:  # warm start: the weights are loaded after initialize()
            n_rows, dim = self.module_state_["embedding.weight"].shape
        else:
            n_rows, dim = init.shape
        optimizer_kwargs = {}
        if self.optimizer == "adadelta":
            optimizer_kwargs = {"optimizer__rho": 0.95, "optimizer__eps": 1e-6}
        return NeuralNetClassifier(
            backend.KimCNN,
            module__n_rows=n_rows,
            module__embedding_dim=dim,
            module__n_classes=n_classes,
            module__filter_sizes=self._filter_sizes(),
            module__n_filters=self.n_filters,
            module__dropout=self.dropout,
            module__mode=self.mode,
            module__init=init,
            # Adadelta takes the embedding's gradient as sparse rows (see _module.Adadelta)
            module__sparse=self.optimizer == "adadelta",
            module__padding=max(self._filter_sizes()) - 1,
            criterion=torch.nn.CrossEntropyLoss,
            criterion__weight=torch.as_tensor(weight, dtype=torch.float32),
            optimizer=backend.Adadelta if self.optimizer == "adadelta" else torch.optim.Adam,
            lr=DEFAULT_LR[self.optimizer] if self.lr is None else self.lr,
            **optimizer_kwargs,
            batch_size=self.batch_size,
            max_epochs=self.max_epochs,
            train_split=None if valid is None else predefined_split(Dataset(*valid)),
            callbacks=callbacks,
            callbacks__print_log=backend.ProgressLog(),
            iterator_train__shuffle=True,
            iterator_train__generator=torch.Generator().manual_seed(data.seed),
            iterator_valid__batch_size=max(self.batch_size, 256),
            classes=np.arange(n_classes),
            device=str(device),
            verbose=self.verbose,
        )

    def _load_fitted_weights(self, net, torch) -> None:
        """Warm start: the fitted weights (and this process's optimizer state)."""
        net.initialize()
        try:
            net.module_.load_state_dict(
                {name: torch.from_numpy(value) for name, value in self.module_state_.items()}
            )
            optimizer_state = self._optimizer_state
            if optimizer_state is not None:
                net.optimizer_.load_state_dict(optimizer_state)
        except (RuntimeError, ValueError, KeyError) as exc:
            raise ValueError(
                "warm_start=True continues training the fitted network, but the "
                "architecture parameters (mode, filter_sizes, n_filters, embedding_dim, "
                f"optimizer) changed since: {exc}. Set warm_start=False to train a new network."
            ) from None

    def _store_fit(self, net, data: _FitData) -> None:
        """Keep the fitted state as plain data (numpy weights on the CPU)."""
        self.classes_, self.vocabulary_ = data.classes, data.vocabulary
        self.pretrained_coverage_ = data.coverage
        self.pretrained_vocabulary_, self.pretrained_vectors_ = data.unseen
        module = net.module_.eval()
        self.module_state_ = {
            name: value.detach().cpu().numpy().copy() for name, value in module.state_dict().items()
        }
        history = [
            {k: v.item() if isinstance(v, np.generic) else v for k, v in row.items()}
            for row in net.history
        ]
        previous = self.history_ if data.warm else []
        for row in history:
            row.pop("batches", None)
            row["epoch"] = int(row["epoch"]) + len(previous)
        self.history_ = previous + history
        self.n_epochs_ = len(self.history_)
        stopper = dict(net.callbacks_).get("early_stopping")
        best = getattr(stopper, "best_epoch_", 0) if stopper is not None else 0
        self.best_epoch_ = (int(best) if best else len(history)) + len(previous)
        type(self)._optimizer_state.prime(self, net.optimizer_.state_dict())
        type(self)._module.prime(self, module)

    # ------------------------------------------------------------ predict
    @cached_on("module_state_", "device")
    def _module(self):
        """The network on ``device``, rebuilt from ``module_state_`` (never pickled: it may
        live on a GPU); ``fit`` keeps the network it trained."""
        backend = _backend()
        import torch

        state = self.module_state_
        n_rows, dim = state["embedding.weight"].shape
        n_conv = sum(1 for name in state if name.startswith("convs.") and name.endswith("weight"))
        convs = [state[f"convs.{i}.weight"] for i in range(n_conv)]
        module = backend.KimCNN(
            n_rows,
            dim,
            n_classes=state["out.weight"].shape[0],
            filter_sizes=[w.shape[2] for w in convs],
            n_filters=convs[0].shape[0],
            mode="multichannel" if "static_embedding.weight" in state else "non-static",
            padding=max(w.shape[2] for w in convs) - 1,
        )
        module.load_state_dict({name: torch.from_numpy(value) for name, value in state.items()})
        return module.to(self._device(torch)).eval()

    @cached_on("module_state_")
    def _optimizer_state(self):
        """The optimizer's state after ``fit``, for a warm start in this process (never pickled;
        None in another process, where a warm start begins a fresh optimizer)."""
        return None

    def _logits(self, X: Iterable[Any]) -> np.ndarray:
        check_is_fitted(self)
        check_mapped(self)  # the files of memory-mapped arrays: unchanged since opened
        _backend()
        import torch

        tokens = tokenize(X, self._text_params())
        ids, _, fallback_rows = self._ids(tokens)
        device = self._device(torch)
        module = self._module
        extra = None
        if fallback_rows.size:  # pretrained vectors of words unseen in training
            extra = torch.from_numpy(self.pretrained_vectors_[fallback_rows]).to(device)
        out = np.empty((len(tokens), len(self.classes_)), dtype=np.float32)
        with torch.no_grad():
            for start in range(0, len(tokens), PREDICT_BATCH_SIZE):
                batch = torch.from_numpy(ids[start : start + PREDICT_BATCH_SIZE]).to(device)
                out[start : start + PREDICT_BATCH_SIZE] = module(batch, extra).float().cpu().numpy()
        return out

    def decision_function(self, X: Iterable[Any]) -> np.ndarray:
        """The network's scores (logits) for each class.

        Parameters
        ----------
        X : iterable of str
            Documents.

        Returns
        -------
        scores : ndarray of shape (n_documents,) or (n_documents, n_classes)
            The logits; with two classes, as in scikit-learn, the score of
            ``classes_[1]``: its logit minus the logit of ``classes_[0]``.
        """
        logits = self._logits(X).astype(np.float64)
        if len(self.classes_) == 2:
            return logits[:, 1] - logits[:, 0]
        return logits

    def predict_proba(self, X: Iterable[Any]) -> np.ndarray:
        """Class probabilities (the softmax of the logits).

        Parameters
        ----------
        X : iterable of str
            Documents.

        Returns
        -------
        proba : ndarray of shape (n_documents, n_classes)
            Probabilities in the order of ``classes_``; each row sums to 1.
        """
        return softmax(self._logits(X).astype(np.float64), axis=1)

    def predict_log_proba(self, X: Iterable[Any]) -> np.ndarray:
        """Logarithm of the class probabilities.

        Parameters
        ----------
        X : iterable of str
            Documents.

        Returns
        -------
        log_proba : ndarray of shape (n_documents, n_classes)
        """
        from scipy.special import log_softmax

        return log_softmax(self._logits(X).astype(np.float64), axis=1)

    def predict(self, X: Iterable[Any]) -> np.ndarray:
        """Predict the class of each document.

        Parameters
        ----------
        X : iterable of str
            Documents.

        Returns
        -------
        y : ndarray of shape (n_documents,)
            Labels from ``classes_``.
        """
        logits = self._logits(X)
        return self.classes_[np.argmax(logits, axis=1)]

    # ------------------------------------------------------------ state
    @property
    def vectors_(self) -> np.ndarray:
        """The (fine-tuned) embeddings of the words of ``vocabulary_``."""
        check_is_fitted(self)
        return self.module_state_["embedding.weight"][N_SPECIAL:]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = str(self.device) not in ("cpu", "auto")
        return tags
