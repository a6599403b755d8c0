"""The base of skembed's neural text classifiers: fit's stages and the predict family, once.

:class:`NeuralTextClassifier` holds what every network classifier of
:mod:`skembed.nn` does the same way: the text input and its checks, the
classes and the vocabulary, the hold-out split for early stopping, the
embedding initialisation from ``vectors=`` (random, pretrained or distilled;
frozen or tuned), the skorch net that trains the torch module (held, not
inherited), the fitted state as plain numpy data, the network rebuilt on its
device as a cache, and ``decision_function`` / ``predict_proba`` /
``predict_log_proba`` / ``predict`` over the logits. A subclass says only what
is its own: how documents become the module's input (:meth:`_doc_ids`), the
module and its arguments (:meth:`_module_class`, :meth:`_module_kwargs`,
:meth:`_rebuild_module`), its own parameters and their checks.

torch and skorch are imported only when a model is trained or used.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain, repeat
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import log_softmax, softmax
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
from .._params import positional
from .._text import NETWORK_TOKEN_PATTERN, TokenizedInputMixin, tokenize
from ..vectors import VECTORS_FORMATS, as_word_vectors
from ._device import TorchDevice, check_device
from ._ids import N_SPECIAL, PAD, UNK

#: Documents per forward pass in predict.
PREDICT_BATCH_SIZE = 512

#: The standard deviation ``scale_vectors`` gives the coordinates of pretrained vectors:
#: that of U[-0.25, 0.25], the random rows Kim (2014) matched to his word2vec vectors.
PRETRAINED_STD = 0.25 / np.sqrt(3.0)


def scale_factor(matrix: np.ndarray, max_rows: int = 100_000) -> np.float32:
    """The factor that gives the coordinates of ``matrix`` the standard deviation PRETRAINED_STD.

    A property of the source of vectors, not of the training documents: the
    standard deviation of its coordinates, over at most ``max_rows`` evenly
    spaced rows (a million-word store is not read whole).
    """
    sample = np.asarray(matrix[:: max(1, len(matrix) // max_rows)], dtype=np.float64)
    std = float(sample.std()) if sample.size else 0.0
    return np.float32(PRETRAINED_STD / std) if std > 0 else np.float32(1.0)


def install_hint(owner: str) -> str:
    """The message of the ImportError raised when the torch extra is missing."""
    return (
        f'{owner} needs PyTorch and skorch, the optional "torch" extra of skembed: '
        'pip install "skembed[torch]"'
    )


def backend(owner: str):
    """Import the torch side (``skembed.nn._module``), or explain how to install it."""
    try:
        from . import _module
    except ImportError as exc:
        raise ImportError(f"{install_hint(owner)} (import failed: {exc})") from exc
    return _module


def n_docs(X: Any) -> int:
    """Number of documents of a network input: an id matrix, or a dict of them."""
    return len(next(iter(X.values()))) if isinstance(X, dict) else len(X)


def take(X: Any, index: Any) -> Any:
    """The documents ``index`` (an index array or a slice) of a network input."""
    if isinstance(X, dict):
        return {name: value[index] for name, value in X.items()}
    return X[index]


@dataclass
class FitData:
    """What ``fit`` prepares before training, assigned to the estimator once it is done."""

    warm: bool
    classes: np.ndarray
    vocabulary: dict[str, int]
    y: np.ndarray
    ids: Any  # the network input of the training documents (see NeuralTextClassifier._doc_ids)
    y_enc: np.ndarray
    seed: int
    valid: tuple[Any, np.ndarray] | None = None
    init: np.ndarray | None = None  # the initial embeddings (None: a warm start)
    coverage: float | None = None
    unseen: tuple[dict[str, int] | None, np.ndarray | None] = (None, None)


def encode_labels(classes: np.ndarray, labels: np.ndarray, name: str) -> np.ndarray:
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
class NeuralTextClassifier(TokenizedInputMixin, ClassifierMixin, BaseEstimator):
    """Base of the network classifiers: raw documents in, class labels out.

    ``fit`` reads as its stages: :meth:`_prepare_data` (documents, labels,
    classes, vocabulary, network input, hold-out split),
    :meth:`_prepare_embeddings` (the initial embedding matrix from
    ``vectors``), :meth:`_train` (a skorch net around the module) and
    :meth:`_store_fit` (the fitted state as numpy arrays). Not for direct use.
    """

    # The defaults of the shape and training parameters are Kim's (2014) CNN's;
    # a subclass declares its own where they differ.
    vectors: Any = positional(None)
    vectors_format: str = "auto"
    scale_vectors: bool = True
    mode: str = "rand"
    embedding_dim: int = 300
    init_scale: float = 0.25
    dropout: float = 0.5
    max_len: int | None = 100
    min_count: int = 1
    oov: str = "unknown"
    optimizer: str = "adam"
    lr: float | None = None
    embedding_lr: float | None = None
    batch_size: int = 50
    max_epochs: int = 25
    validation_fraction: float | None = 0.1
    patience: int = 5
    class_weight: str | dict | None = None
    device: str | Any = "auto"
    warm_start: bool = False
    lowercase: bool = False
    token_pattern: str | None = NETWORK_TOKEN_PATTERN
    random_state: Any = None
    verbose: int = 0

    _fitted_attribute = "module_state_"

    #: The attributes ``fit`` sets: what ``skembed.save`` writes and ``skembed.load`` sets.
    _fitted_state: ClassVar[tuple[str, ...]] = (
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

    #: The modes a subclass offers (all but 'rand' need ``vectors``).
    _modes: ClassVar[tuple[str, ...]] = ("rand", "static", "non-static")
    #: Default learning rate of each optimizer (Kim used Adadelta with lr=1.0).
    _default_lr: ClassVar[dict[str, float]] = {"adadelta": 1.0, "adam": 1e-3}
    #: ``embedding_lr=None``: the word embedding's rate as a fraction of ``lr``, for each
    #: (mode, optimizer) listed; ``lr`` itself for any other.
    _embedding_lr_ratio: ClassVar[dict[tuple[str, str], float]] = {}
    #: The parameters that fix the shapes of the network, for the warm-start error.
    _architecture: ClassVar[str] = "mode, embedding_dim, optimizer"

    _parameter_constraints: ClassVar[dict] = {
        **TokenizedInputMixin._parameter_constraints,
        "vectors": "no_validation",  # checked in fit, by as_word_vectors
        "vectors_format": [StrOptions(set(VECTORS_FORMATS))],
        "scale_vectors": ["boolean"],
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "init_scale": [Interval(Real, 0, None, closed="neither")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "max_len": [Interval(Integral, 1, None, closed="left"), None],
        "min_count": [Interval(Integral, 1, None, closed="left")],
        "optimizer": [StrOptions({"adadelta", "adam"})],
        "lr": [Interval(Real, 0, None, closed="neither"), None],
        "embedding_lr": [Interval(Real, 0, None, closed="neither"), None],
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

    # ------------------------------------------------------------ subclass hooks
    def _doc_ids(
        self,
        tokens: list[list[str]],
        vocabulary: dict[str, int],
        fallback: dict[str, int] | None = None,
    ) -> tuple[Any, np.ndarray]:
        """The network input of documents (an id matrix, or a dict of them: the
        keyword arguments of the module's ``forward``) and the rows of the
        ``fallback`` table behind the ids after the vocabulary's (see
        :func:`~skembed.nn._ids.token_ids`)."""
        raise NotImplementedError

    def _module_class(self, backend):
        """The torch module class that the skorch net trains."""
        raise NotImplementedError

    def _module_kwargs(self, data: FitData, n_rows: int, dim: int) -> dict[str, Any]:
        """The module's own arguments (beyond rows, width, classes, init, mode, dropout)."""
        raise NotImplementedError

    def _rebuild_module(self, backend, state: dict[str, np.ndarray]):
        """The module of the shapes of ``state`` (its weights are loaded after)."""
        raise NotImplementedError

    def _callbacks(self, backend) -> list[tuple[str, Any]]:
        """skorch callbacks of the subclass's own (run before early stopping's)."""
        return []

    def _optimizer(self, backend, torch) -> tuple[Any, dict[str, Any]]:
        """The optimizer class and its ``optimizer__`` arguments."""
        if self.optimizer == "adadelta":
            return backend.Adadelta, {"optimizer__rho": 0.95, "optimizer__eps": 1e-6}
        return torch.optim.Adam, {}

    def _validate_extra_params(self) -> None:
        """What the constraints cannot say: a mode's vectors (subclasses check more)."""
        if self.mode != "rand" and self.vectors is None:
            raise ValueError(
                f"mode={self.mode!r} needs pretrained vectors: pass vectors=<path to a "
                "word2vec/GloVe/fastText file>, a gensim KeyedVectors, a {word: vector} dict "
                "or a fitted skembed vectorizer, or use mode='rand'."
            )
        if self.mode == "rand" and self.vectors is not None:
            # the tuned mode first: the one to try
            others = sorted((m for m in self._modes if m != "rand"), key="non-static".__ne__)
            listed = ", ".join(f"'{m}'" for m in others[:-1]) + f" or '{others[-1]}'"
            warnings.warn(
                f"mode='rand' trains random embeddings and ignores 'vectors'; set mode={listed} "
                "to use them.",
                UserWarning,
            )

    # ------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X: Iterable[Any],
        y: ArrayLike,
        *,
        X_val: Iterable[Any] | None = None,
        y_val: ArrayLike | None = None,
    ) -> NeuralTextClassifier:
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
        torch_side = backend(type(self).__name__)
        import torch

        device = self._device(torch)  # before any work: a GPU may be missing
        # everything is computed first and assigned to self once training is
        # done, so a failed fit leaves a fitted estimator as it was
        data = self._prepare_data(X, y, X_val, y_val)
        self._prepare_embeddings(data)
        net = self._train(torch_side, torch, data, device)
        self._store_fit(net, data)
        return self

    def _prepare_data(self, X, y, X_val, y_val) -> FitData:
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
        ids, _ = self._doc_ids(tokens, vocabulary)
        seed = seed_from_random_state(self.random_state)
        data = FitData(warm, classes, vocabulary, y, ids, y_enc, seed)
        self._hold_out(data, X_val, y_val)
        return data

    def _classes_and_vocabulary(
        self, tokens: list[list[str]], y: np.ndarray, warm: bool
    ) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
        """The classes, the encoded labels and the vocabulary (a warm start keeps its own)."""
        if warm:
            return self.classes_, encode_labels(self.classes_, y, "y"), self.vocabulary_
        classes, y_enc = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs documents of at least 2 classes; got only "
                f"{classes.tolist()!r}."
            )
        return classes, y_enc, self._build_vocabulary(tokens)

    def _hold_out(self, data: FitData, X_val, y_val) -> None:
        """Set ``data.valid``: ``X_val`` and ``y_val``, or a split of the training ids."""
        if X_val is not None:
            tokens_val = tokenize(X_val, self._text_params())
            y_val = column_or_1d(y_val, warn=True)
            check_consistent_length(tokens_val, y_val)
            ids_val, _ = self._doc_ids(tokens_val, data.vocabulary)
            data.valid = (ids_val, encode_labels(data.classes, y_val, "y_val"))
        elif self.validation_fraction is not None:
            train, held_out = self._split(data.y_enc, data.seed)
            data.valid = (take(data.ids, held_out), data.y_enc[held_out])
            data.ids, data.y_enc = take(data.ids, train), data.y_enc[train]

    def _prepare_embeddings(self, data: FitData) -> None:
        """The initial embeddings and the pretrained vectors kept (a warm start: its own)."""
        if data.warm:
            data.coverage = self.pretrained_coverage_
            data.unseen = (self.pretrained_vocabulary_, self.pretrained_vectors_)
        else:
            data.init, data.coverage, data.unseen = self._initial_embeddings(
                data.vocabulary, data.seed
            )

    def _train(self, backend, torch, data: FitData, device) -> Any:
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
        U[-init_scale, init_scale] elsewhere, zero padding and unknown rows), the share of
        the vocabulary with a pretrained vector, and the words and vectors of
        the pretrained words outside the vocabulary (when they are kept)."""
        rng = np.random.default_rng(seed)
        n_rows = len(vocabulary) + N_SPECIAL
        coverage, unseen = None, (None, None)
        if self.mode == "rand":
            init = self._random_rows(rng, n_rows, self.embedding_dim)
        else:
            # checked like every source of vectors (check_word_vectors): distinct words
            # (a repeated one keeps its first row), finite float32 rows
            pretrained = as_word_vectors(self.vectors, self.vectors_format)
            words, matrix = pretrained.words, pretrained.matrix
            index = dict(zip(words, range(len(words)), strict=True))
            rows = np.fromiter(
                map(index.get, vocabulary, repeat(-1)), dtype=np.int64, count=len(vocabulary)
            )
            if not self.lowercase:
                # a cased word missing from the vectors takes its lowercase form's vector
                # (torchtext's lower_case_backup): "The" from "the" in uncased GloVe
                pairs = zip(vocabulary, rows, strict=True)
                rows = np.fromiter(
                    (index.get(w.lower(), -1) if r < 0 else r for w, r in pairs),
                    dtype=np.int64,
                    count=len(vocabulary),
                )
            found = rows >= 0
            init = self._random_rows(rng, n_rows, matrix.shape[1])
            init[N_SPECIAL:][found] = matrix[rows[found]]
            factor = scale_factor(matrix) if self.scale_vectors else np.float32(1.0)
            init[N_SPECIAL:][found] *= factor
            coverage = float(found.mean()) if len(found) else 0.0
            if self.oov == "pretrained":
                # the other pretrained words, for documents to predict
                for word in vocabulary:
                    index.pop(word, None)
                rows = np.fromiter(index.values(), dtype=np.int64, count=len(index))
                unseen = (dict(zip(index, range(len(index)), strict=True)), matrix[rows] * factor)
        init[PAD] = 0.0
        init[UNK] = 0.0
        return init, coverage, unseen

    def _random_rows(self, rng: np.random.Generator, n_rows: int, dim: int) -> np.ndarray:
        """Rows drawn from U[-init_scale, init_scale], float32."""
        scale = self.init_scale
        return rng.uniform(-scale, scale, (n_rows, dim)).astype(np.float32)

    def _make_net(self, backend, torch, data: FitData, weight: np.ndarray, device):
        """The skorch net that trains the module (composition: it is not kept)."""
        init, valid, n_classes = data.init, data.valid, len(data.classes)
        from skorch import NeuralNetClassifier
        from skorch.helper import predefined_split

        callbacks = self._callbacks(backend)
        if valid is not None:
            stopper = backend.EarlyStopping(
                monitor="valid_acc", lower_is_better=False, patience=self.patience, load_best=True
            )
            callbacks.append(("early_stopping", stopper))
        if init is None:  # warm start: the weights are loaded after initialize()
            n_rows, dim = self.module_state_["embedding.weight"].shape
        else:
            n_rows, dim = init.shape
        optimizer, optimizer_kwargs = self._optimizer(backend, torch)
        lr = self._default_lr[self.optimizer] if self.lr is None else self.lr
        # the word embedding in a group of its own (always, so a warm start finds the
        # groups it saved): its rate is ``embedding_lr``, the other layers' ``lr``
        optimizer_kwargs["optimizer__param_groups"] = [
            ("embedding.weight", {"lr": self._embedding_lr(lr)})
        ]
        module_kwargs = {
            f"module__{name}": value
            for name, value in self._module_kwargs(data, n_rows, dim).items()
        }
        return NeuralNetClassifier(
            self._module_class(backend),
            module__n_rows=n_rows,
            module__embedding_dim=dim,
            module__n_classes=n_classes,
            module__dropout=self.dropout,
            module__mode=self.mode,
            module__init=init,
            **module_kwargs,
            criterion=torch.nn.CrossEntropyLoss,
            criterion__weight=torch.as_tensor(weight, dtype=torch.float32),
            optimizer=optimizer,
            lr=lr,
            **optimizer_kwargs,
            batch_size=self.batch_size,
            max_epochs=self.max_epochs,
            dataset=backend.Batches,
            train_split=None if valid is None else predefined_split(backend.Batches(*valid)),
            callbacks=callbacks,
            callbacks__print_log=backend.ProgressLog(),
            **self._iterators(torch, data),
            classes=np.arange(n_classes),
            device=str(device),
            verbose=self.verbose,
        )

    def _embedding_lr(self, lr: float) -> float:
        """The word embedding's learning rate: ``embedding_lr``, else ``lr`` times the
        class's ratio for the mode and optimizer (``_embedding_lr_ratio``)."""
        if self.embedding_lr is not None:
            return self.embedding_lr
        return lr * self._embedding_lr_ratio.get((self.mode, self.optimizer), 1.0)

    def _iterators(self, torch, data: FitData) -> dict[str, Any]:
        """The DataLoader arguments: whole mini-batches fetched at once.

        The dataset (:class:`~skembed.nn._module.Batches`) is indexed with the
        index list of a batch (one fancy indexing of the id matrices) rather
        than once per document and collated, which costs more than the
        training step of a small network. The batches are those of
        ``shuffle=True``: the same sampler, drawing from the same generator,
        so the order is exactly that of a DataLoader's own shuffling.
        """
        from torch.utils.data import BatchSampler, RandomSampler, SequentialSampler

        generator = torch.Generator().manual_seed(data.seed)
        order = RandomSampler(range(n_docs(data.ids)), generator=generator)
        kwargs = {
            "iterator_train__batch_size": None,  # the sampler yields whole batches
            "iterator_train__sampler": BatchSampler(order, self.batch_size, drop_last=False),
            "iterator_train__generator": generator,
        }
        if data.valid is not None:
            valid = SequentialSampler(range(n_docs(data.valid[0])))
            kwargs["iterator_valid__batch_size"] = None
            kwargs["iterator_valid__sampler"] = BatchSampler(
                valid, max(self.batch_size, 256), drop_last=False
            )
        return kwargs

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
                f"architecture parameters ({self._architecture}) changed since: {exc}. "
                "Set warm_start=False to train a new network."
            ) from None

    def _store_fit(self, net, data: FitData) -> None:
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
    def _device(self, torch) -> Any:
        """The ``torch.device`` that ``device`` names, checked to be usable here."""
        return check_device(self.device, torch, type(self).__name__)

    def _ids(self, tokens: list[list[str]]) -> tuple[Any, np.ndarray]:
        """The network input of documents to predict (words unseen in training
        included, when their pretrained vectors are kept)."""
        return self._doc_ids(tokens, self.vocabulary_, fallback=self.pretrained_vocabulary_)

    @cached_on("module_state_", "device")
    def _module(self):
        """The network on ``device``, rebuilt from ``module_state_`` (never pickled: it may
        live on a GPU); ``fit`` keeps the network it trained."""
        torch_side = backend(type(self).__name__)
        import torch

        state = self.module_state_
        module = self._rebuild_module(torch_side, state)
        with warnings.catch_warnings():
            # a loaded model's arrays are read-only maps: load_state_dict only reads them
            warnings.filterwarnings("ignore", "The given NumPy array is not writable")
            module.load_state_dict({name: torch.from_numpy(v) for name, v in state.items()})
        return module.to(self._device(torch)).eval()

    @cached_on("module_state_")
    def _optimizer_state(self):
        """The optimizer's state after ``fit``, for a warm start in this process (never pickled;
        None in another process, where a warm start begins a fresh optimizer)."""
        return None

    def _logits(self, X: Iterable[Any]) -> np.ndarray:
        check_is_fitted(self)
        check_mapped(self)  # the files of memory-mapped arrays: unchanged since opened
        backend(type(self).__name__)
        import torch

        tokens = tokenize(X, self._text_params())
        ids, fallback_rows = self._ids(tokens)
        device = self._device(torch)
        module = self._module
        extra = None
        if fallback_rows.size:  # pretrained vectors of words unseen in training
            extra = torch.from_numpy(self.pretrained_vectors_[fallback_rows]).to(device)
        out = np.empty((len(tokens), len(self.classes_)), dtype=np.float32)
        with torch.no_grad():
            for start in range(0, len(tokens), PREDICT_BATCH_SIZE):
                batch = take(ids, slice(start, start + PREDICT_BATCH_SIZE))
                if isinstance(batch, dict):
                    inputs = {k: torch.from_numpy(v).to(device) for k, v in batch.items()}
                    logits = module(**inputs, extra=extra)
                else:
                    logits = module(torch.from_numpy(batch).to(device), extra)
                out[start : start + PREDICT_BATCH_SIZE] = logits.float().cpu().numpy()
        return out

    def decision_function(self, X: Iterable[Any]) -> np.ndarray:
        """The network's scores (logits) for each class.

        {predict_params}

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

        {predict_params}

        Returns
        -------
        proba : ndarray of shape (n_documents, n_classes)
            Probabilities in the order of ``classes_``; each row sums to 1.
        """
        return softmax(self._logits(X).astype(np.float64), axis=1)

    def predict_log_proba(self, X: Iterable[Any]) -> np.ndarray:
        """Logarithm of the class probabilities.

        {predict_params}

        Returns
        -------
        log_proba : ndarray of shape (n_documents, n_classes)
        """
        return log_softmax(self._logits(X).astype(np.float64), axis=1)

    def predict(self, X: Iterable[Any]) -> np.ndarray:
        """Predict the class of each document.

        {predict_params}

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
        return self.module_state_["embedding.weight"][N_SPECIAL : N_SPECIAL + len(self.vocabulary_)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = str(self.device) not in ("cpu", "auto")
        return tags
