"""TextCNNClassifier: Kim's (2014) sentence CNN as a scikit-learn classifier.

The estimator reads text with the same parameters as the vectorizers
(:mod:`skembed._text`), initialises its embedding layer from any source
:func:`~skembed.pretrained.resolve_vectors` accepts, and trains the network
with a skorch ``NeuralNetClassifier`` that it holds, not inherits: the
parameters, the fitted state and the pickles are plain scikit-learn and numpy.
torch and skorch are imported only when a model is trained or used.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from itertools import chain, repeat
from numbers import Integral, Real
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import softmax
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.model_selection import train_test_split
from sklearn.utils import check_consistent_length, column_or_1d
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from .._base import seed_from_random_state
from .._docstrings import fill_doc
from .._native import check_mapped
from .._text import TEXT_PARAM_CONSTRAINTS, TEXT_PARAMS, build_analyzer, tokenize
from .._vectors import VECTORS_FORMATS
from ..pretrained import resolve_vectors

#: Rows of the embedding matrix before the first word: padding (0), unknown (1).
PAD, UNK, N_SPECIAL = 0, 1, 2

#: Default learning rate of each optimizer (Kim used Adadelta with lr=1.0).
DEFAULT_LR = {"adadelta": 1.0, "adam": 1e-3}

#: Documents per forward pass in predict.
PREDICT_BATCH_SIZE = 512

_MODES = ("rand", "static", "non-static", "multichannel")

_INSTALL_HINT = (
    'TextCNNClassifier needs PyTorch and skorch, the optional "torch" extra of skembed: '
    'pip install "skembed[torch]"'
)


class _TorchDevice(HasMethods):
    """A ``torch.device``, recognised without importing torch (an optional dependency).

    A ``HasMethods``, one of the constraint classes that scikit-learn's parameter
    validation takes as they are.
    """

    def __init__(self) -> None:
        super().__init__([])

    def is_satisfied_by(self, val: Any) -> bool:
        return type(val).__module__ == "torch" and type(val).__name__ == "device"

    def __str__(self) -> str:
        return "an instance of 'torch.device'"


def _check_device(device: Any, torch: Any, owner: str) -> Any:
    """The ``torch.device`` that the ``device`` parameter names, usable on this machine.

    Parameters
    ----------
    device : str or torch.device
        'auto' ('cuda' when a GPU is available, else 'cpu'), a device string
        ('cpu', 'cuda', 'cuda:1', 'mps') or a ``torch.device``.
    torch : module
        The torch module.
    owner : str
        The estimator, for messages.

    Returns
    -------
    device : torch.device

    Raises
    ------
    ValueError
        ``device`` is not a device string; or names a device this machine does
        not have (torch is checked before any tensor is moved: moving one to a
        missing device raises torch's own errors, an ``AssertionError`` for
        CUDA in a CPU-only torch).
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise ValueError(
            f"The 'device' parameter of {owner} must be 'auto', 'cpu', 'cuda', "
            f"'cuda:<index>', 'mps' or a torch.device. Got {device!r} instead."
        ) from None
    kind = resolved.type
    if kind == "cpu":
        return resolved
    start = f"The 'device' parameter of {owner} is {str(device)!r}, but"
    use = "Use device='cpu' (or 'auto', which picks a GPU when there is one)."
    if kind == "mps":
        available, count = torch.backends.mps.is_available(), 1
        built = torch.backends.mps.is_built()
        name, missing = "MPS", "needs macOS 12.3+ on Apple silicon"
    else:
        backend = getattr(torch, kind, None)  # torch.cuda, torch.xpu, ...
        if not callable(getattr(backend, "is_available", None)):
            raise ValueError(
                f"{start} {owner} trains and predicts on 'cpu', 'cuda', 'mps' or another "
                f"accelerator that torch reports available, and {kind!r} is not one. {use}"
            )
        available, count = backend.is_available(), backend.device_count()
        name = kind.upper()
        built = torch.backends.cuda.is_built() if kind == "cuda" else True
        missing = f"sees no {name} device"
        if kind == "cuda":
            missing += ": no GPU, no driver, or CUDA_VISIBLE_DEVICES hides them"
    if not available:
        why = f"is built without {name}" if not built else missing
        raise ValueError(
            f"{start} {name} is not available on this machine (torch {torch.__version__} "
            f"{why}). {use}"
        )
    if resolved.index is not None and resolved.index >= count:
        raise ValueError(
            f"{start} this machine has {count} {name} device{'s' * (count != 1)} "
            f"({kind}:0 to {kind}:{count - 1}). Use one of them, or device={kind!r}."
        )
    return resolved


def _backend():
    """Import the torch side (``skembed.nn._module``), or explain how to install it."""
    try:
        from . import _module
    except ImportError as exc:
        raise ImportError(f"{_INSTALL_HINT} (import failed: {exc})") from exc
    return _module


def token_ids(
    tokens: list[list[str]],
    vocabulary: dict[str, int],
    max_len: int | None,
    min_len: int,
    fallback: dict[str, int] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The padded matrix of embedding rows of each document.

    Parameters
    ----------
    tokens : list of list of str
        Tokens of each document.
    vocabulary : dict
        Word -> index into the vocabulary; the embedding row is
        ``index + N_SPECIAL``.
    max_len : int or None
        Documents are cut to their first ``max_len`` tokens (None: no cut).
    min_len : int
        The matrix has at least this many columns (the widest filter).
    fallback : dict or None
        Word -> row of a second table, for words not in ``vocabulary``. The
        ``j``-th distinct row used gets id ``len(vocabulary) + N_SPECIAL + j``.
        Words in neither get row ``UNK``.

    Returns
    -------
    ids : ndarray of int64, shape (n_docs, max(min_len, longest document))
        Embedding rows, padded with ``PAD`` (0) at the end of each row.
    lengths : ndarray of int64, shape (n_docs,)
        Tokens kept per document.
    fallback_rows : ndarray of int64
        The rows of the ``fallback`` table behind the extra ids, in order.
    """
    if max_len is not None:
        tokens = [doc[:max_len] if len(doc) > max_len else doc for doc in tokens]
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    # map() of dict.get over the chained tokens runs in C: no Python code per token
    flat = np.fromiter(
        map(vocabulary.get, chain.from_iterable(tokens), repeat(-1)),
        dtype=np.int64,
        count=int(lengths.sum()),
    )
    unknown = np.flatnonzero(flat < 0)
    fallback_rows = np.zeros(0, dtype=np.int64)
    if fallback and unknown.size:
        words = list(chain.from_iterable(tokens))
        found = np.fromiter(
            map(fallback.get, (words[i] for i in unknown), repeat(-1)),
            dtype=np.int64,
            count=unknown.size,
        )
        hit = found >= 0
        fallback_rows, inverse = np.unique(found[hit], return_inverse=True)
        flat[unknown[hit]] = len(vocabulary) + inverse
        unknown = unknown[~hit]
    flat += N_SPECIAL
    flat[unknown] = UNK
    width = max(int(lengths.max(initial=0)), min_len)
    ids = np.zeros((len(tokens), width), dtype=np.int64)
    ids[np.arange(width)[None, :] < lengths[:, None]] = flat  # row-major: document order
    return ids, lengths, fallback_rows


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


@fill_doc
class TextCNNClassifier(ClassifierMixin, BaseEstimator):
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
    ``min_count`` times); its embeddings start from ``embeddings`` where the
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
    embeddings : str, path-like, gensim KeyedVectors, mapping or fitted vectorizer, default=None
        Pretrained word vectors for modes other than 'rand': a vectors file
        (word2vec, GloVe, fastText, see ``vectors_format``), a gensim
        ``KeyedVectors``, a ``{word: vector}`` mapping, or a fitted skembed
        vectorizer (its ``vocabulary_`` / ``vectors_``). Loaded in ``fit``.
        Note that ``clone`` (and so ``GridSearchCV``) turns a fitted
        vectorizer passed here into an unfitted one; pass its
        ``keyed_vectors_`` instead when searching.
    vectors_format : {'auto', 'word2vec_binary', 'word2vec_text', 'glove', 'fasttext_bin'}, \
            default='auto'
        Format of an ``embeddings`` file; 'auto' detects it.
    mode : {'rand', 'static', 'non-static', 'multichannel'}, default='rand'
        Kim's variants. 'rand': random embeddings of width ``embedding_dim``,
        trained (``embeddings`` is ignored, with a warning). 'static':
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
    unseen_words : {'unknown', 'pretrained'}, default='unknown'
        What a word of a document to predict that was not in the training
        documents gets, in the modes with pretrained vectors. 'unknown': the
        unknown row. 'pretrained': its pretrained vector, in both channels,
        when it has one (else the unknown row), as in Kim's setup, whose
        vocabulary included the test sentences; the fitted estimator then
        keeps the vectors of every other pretrained word
        (``pretrained_vectors_``, as large as the pretrained matrix). On MR
        and SST-2 this made no measurable difference (see the benchmark
        page), hence the lighter default. Mode 'rand' always uses the unknown
        row.
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
        classifier can serve as ``vectors`` / ``embeddings`` of another skembed
        estimator.
    module_state_ : dict of str to ndarray
        The network's weights (a torch ``state_dict`` as float32 numpy arrays
        on the CPU). The embedding matrix ``embedding.weight`` has the padding
        row 0, the unknown-word row 1, then the rows of ``vocabulary_``.
    pretrained_coverage_ : float or None
        Share of the vocabulary that had a pretrained vector (None for 'rand').
    pretrained_vocabulary_ : dict or None
        The pretrained words outside ``vocabulary_``, mapped to rows of
        ``pretrained_vectors_`` (None for 'rand' or ``unseen_words='unknown'``).
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

    _parameter_constraints: dict = {
        **TEXT_PARAM_CONSTRAINTS,
        "embeddings": "no_validation",  # checked in fit, by resolve_vectors
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
        "unseen_words": [StrOptions({"pretrained", "unknown"})],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "device": [str, _TorchDevice()],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        embeddings=None,
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
        unseen_words="unknown",
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
        self.embeddings = embeddings
        self.vectors_format = vectors_format
        self.mode = mode
        self.embedding_dim = embedding_dim
        self.filter_sizes = filter_sizes
        self.n_filters = n_filters
        self.dropout = dropout
        self.max_norm = max_norm
        self.max_len = max_len
        self.min_count = min_count
        self.unseen_words = unseen_words
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

    # ------------------------------------------------------------ text layer
    def _text_params(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in TEXT_PARAMS}

    def build_analyzer(self) -> Callable[[Any], list[str]]:
        """Return the callable that turns one document into its list of tokens.

        Returns
        -------
        analyzer : callable
            scikit-learn's analyzer for this estimator's text parameters.
        """
        return build_analyzer(self._text_params())

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
        if self.mode != "rand" and self.embeddings is None:
            raise ValueError(
                f"mode={self.mode!r} needs pretrained vectors: pass embeddings=<path to a "
                "word2vec/GloVe/fastText file>, a gensim KeyedVectors, a {word: vector} dict "
                "or a fitted skembed vectorizer, or use mode='rand'."
            )
        if self.mode == "rand" and self.embeddings is not None:
            import warnings

            warnings.warn(
                "mode='rand' trains random embeddings and ignores 'embeddings'; set "
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
        return _check_device(self.device, torch, "TextCNNClassifier")

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
        tokens = tokenize(X, self._text_params())
        y = column_or_1d(y, warn=True)
        check_consistent_length(tokens, y)
        check_classification_targets(y)
        if (X_val is None) != (y_val is None):
            raise ValueError("Pass both X_val and y_val, or neither.")

        # everything is computed first and assigned to self once training is
        # done, so a failed fit leaves a fitted estimator as it was
        warm = self.warm_start and hasattr(self, "module_state_")
        check_mapped(self.embeddings, self if warm else None)  # memory-mapped: unchanged
        if warm:
            classes, vocabulary = self.classes_, self.vocabulary_
            y_enc = _encode(classes, y, "y")
        else:
            classes, y_enc = np.unique(y, return_inverse=True)
            if len(classes) < 2:
                raise ValueError(
                    "TextCNNClassifier needs documents of at least 2 classes; got only "
                    f"{classes.tolist()!r}."
                )
            vocabulary = self._build_vocabulary(tokens)
        min_len = max(self._filter_sizes())
        ids, _, _ = token_ids(tokens, vocabulary, self.max_len, min_len)
        seed = seed_from_random_state(self.random_state)

        valid = None
        if X_val is not None:
            tokens_val = tokenize(X_val, self._text_params())
            y_val = column_or_1d(y_val, warn=True)
            check_consistent_length(tokens_val, y_val)
            ids_val, _, _ = token_ids(tokens_val, vocabulary, self.max_len, min_len)
            valid = (ids_val, _encode(classes, y_val, "y_val"))
        elif self.validation_fraction is not None:
            train, held_out = self._split(y_enc, seed)
            valid = (ids[held_out], y_enc[held_out])
            ids, y_enc = ids[train], y_enc[train]

        if warm:
            init, coverage = None, self.pretrained_coverage_
            unseen = (self.pretrained_vocabulary_, self.pretrained_vectors_)
        else:
            init, coverage, unseen = self._initial_embeddings(vocabulary, seed)
        weight = compute_class_weight(self.class_weight, classes=classes, y=y)
        devices = []
        if device.type == "cuda":
            devices = [device.index if device.index is not None else torch.cuda.current_device()]
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            net = self._make_net(backend, torch, init, len(classes), weight, valid, seed, device)
            if warm:
                self._load_fitted_weights(net, torch)
                net.partial_fit(ids, y_enc)
            else:
                net.fit(ids, y_enc)
        self.classes_, self.vocabulary_, self.pretrained_coverage_ = classes, vocabulary, coverage
        self.pretrained_vocabulary_, self.pretrained_vectors_ = unseen
        self._store_fit(net, warm)
        return self

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
            words, matrix, _ = resolve_vectors(self.embeddings, self.vectors_format)
            index = dict(zip(words, range(len(words)), strict=True))
            rows = np.fromiter(
                map(index.get, vocabulary, repeat(-1)), dtype=np.int64, count=len(vocabulary)
            )
            found = rows >= 0
            init = rng.uniform(-0.25, 0.25, (n_rows, matrix.shape[1])).astype(np.float32)
            init[N_SPECIAL:][found] = matrix[rows[found]]
            coverage = float(found.mean()) if len(found) else 0.0
            if self.unseen_words == "pretrained":
                # the other pretrained words, for documents to predict
                for word in vocabulary:
                    index.pop(word, None)
                rows = np.fromiter(index.values(), dtype=np.int64, count=len(index))
                unseen = (dict(zip(index, range(len(index)), strict=True)), matrix[rows])
        init[PAD] = 0.0
        init[UNK] = 0.0
        return init, coverage, unseen

    def _make_net(self, backend, torch, init, n_classes, weight, valid, seed, device):
        """The skorch net that trains the module (composition: it is not kept)."""
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
            iterator_train__generator=torch.Generator().manual_seed(seed),
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
            optimizer_state = self.__dict__.get("_optimizer_state")
            if optimizer_state is not None:
                net.optimizer_.load_state_dict(optimizer_state)
        except (RuntimeError, ValueError, KeyError) as exc:
            raise ValueError(
                "warm_start=True continues training the fitted network, but the "
                "architecture parameters (mode, filter_sizes, n_filters, embedding_dim, "
                f"optimizer) changed since: {exc}. Set warm_start=False to train a new network."
            ) from None

    def _store_fit(self, net, warm: bool) -> None:
        """Keep the fitted state as plain data (numpy weights on the CPU)."""
        module = net.module_.eval()
        self.module_state_ = {
            name: value.detach().cpu().numpy().copy() for name, value in module.state_dict().items()
        }
        history = [
            {k: v.item() if isinstance(v, np.generic) else v for k, v in row.items()}
            for row in net.history
        ]
        previous = self.history_ if warm else []
        for row in history:
            row.pop("batches", None)
            row["epoch"] = int(row["epoch"]) + len(previous)
        self.history_ = previous + history
        self.n_epochs_ = len(self.history_)
        stopper = dict(net.callbacks_).get("early_stopping")
        best = getattr(stopper, "best_epoch_", 0) if stopper is not None else 0
        self.best_epoch_ = (int(best) if best else len(history)) + len(previous)
        self.__dict__["_optimizer_state"] = net.optimizer_.state_dict()
        self.__dict__["_module_cache"] = (self.module_state_, str(net.device), module)

    # ------------------------------------------------------------ predict
    def _get_module(self, torch):
        device = self._device(torch)
        cache = self.__dict__.get("_module_cache")
        if cache is not None and cache[0] is self.module_state_ and cache[1] == str(device):
            return cache[2], device
        backend = _backend()
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
        module = module.to(device).eval()
        self.__dict__["_module_cache"] = (state, str(device), module)
        return module, device

    def _logits(self, X: Iterable[Any]) -> np.ndarray:
        check_is_fitted(self)
        check_mapped(self)  # the files of memory-mapped arrays: unchanged since opened
        _backend()
        import torch

        tokens = tokenize(X, self._text_params())
        ids, _, fallback_rows = self._ids(tokens)
        module, device = self._get_module(torch)
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

    def __getstate__(self):
        # BaseEstimator returns the instance's own __dict__ on Python >= 3.11: copy it
        state = dict(super().__getstate__())
        state.pop("_module_cache", None)  # may live on a GPU; rebuilt from module_state_
        state.pop("_optimizer_state", None)
        return state

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "module_state_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.requires_fit = True
        tags.non_deterministic = str(self.device) not in ("cpu", "auto")
        return tags
