"""Checks of a loaded estimator as a whole: its attributes, parameters and fitted state.

The decoder (:mod:`skembed.persistence._decode`) checks each value as it
rebuilds it; this module checks what only the whole estimator can tell: that
the attributes set are the ones its class declares, that its parameters pass
its own constraints, that a meta-estimator holds estimators where scikit-learn
expects them, and that the fitted state of a skembed estimator fits together
(a vocabulary's rows against its matrix, weights against the dimension, the
weights of a ``TextCNNClassifier`` against its vocabulary and classes). Every
refusal is a :class:`~skembed._io.StoreError` naming the file and the place.

The per-class checks (:func:`check_pooled`, :func:`check_doc2vec`,
:func:`check_textcnn`) are given to :func:`~skembed.persistence.register` by
the classes they check.
"""

from __future__ import annotations

import inspect
import math
import re
import reprlib
import types
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .._cache import is_cache
from .._io import StoreError
from ..vectors import WordVectors, words_by_row
from ..vectors._subwords import SUBWORD_TYPES
from ._registry import Entry, Slot

__all__ = [
    "FittedState",
    "check_doc2vec",
    "check_embedding_bag",
    "check_estimator",
    "check_pooled",
    "check_textcnn",
    "describe",
    "set_state",
]

#: The attributes that held a vectorizer's vectors before ``word_vectors_`` (files of today).
LEGACY_VECTORS = ("vocabulary_", "vectors_", "subwords_")

#: sklearn's own checks of a meta-estimator's slots (private, so only called where they exist).
_SKLEARN_VALIDATORS = ("_validate_steps", "_validate_transformers")

_OUTPUT_CONTAINERS = frozenset({"default", "pandas", "polars"})


# ---------------------------------------------------------------- small helpers
def type_name(obj: Any) -> str:
    """``int``, ``numpy.ndarray``: the name of ``obj``'s type, for messages."""
    t = type(obj)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def describe(value: Any) -> str:
    """A short description of a loaded value, for messages."""
    if isinstance(value, np.ndarray):
        return f"an array of {value.dtype} and shape {value.shape}"
    text = reprlib.repr(value)
    return f"{type_name(value)} {text}" if type(value) not in (int, str) else text


def first_line(exc: BaseException) -> str:
    """The first line of an error's message (or its type's name)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def is_int(value: Any) -> bool:
    return type(value) is int or (isinstance(value, np.integer) and not isinstance(value, bool))


def is_estimator(obj: Any) -> bool:
    return not isinstance(obj, type) and callable(getattr(obj, "get_params", None))


Invalid = Callable[[str, str], StoreError]


# ---------------------------------------------------------------- the fitted state
class FittedState:
    """Checks of the fitted attributes ``state`` of one loaded estimator.

    Parameters
    ----------
    invalid : callable
        ``invalid(where, what)``: the :class:`StoreError` for a bad value.
    owner : str
        The estimator's class name.
    state : mapping
        Its attributes (the instance ``__dict__``, or a state not yet set).
    where : str
        Where the estimator is in the file (``Pipeline.steps[0][1]``).
    bijective : set of int
        ids of dicts built from vocabulary nodes, whose rows are known to be ``0..n-1``.
    """

    def __init__(
        self, invalid: Invalid, owner: str, state: Mapping, where: str, bijective: set[int]
    ):
        self.invalid, self.owner, self.state = invalid, owner, state
        self.where, self.bijective = where, bijective

    def fail(self, attr: str, what: str) -> StoreError:
        return self.invalid(f"{self.where}.{attr}", what)

    def get(self, attr: str) -> Any:
        if attr not in self.state:
            raise self.fail(attr, f"is missing from the fitted state of {self.owner}.")
        return self.state[attr]

    def array(
        self, attr: str, dtype: Any, shape: tuple, *, optional: bool = False
    ) -> np.ndarray | None:
        """A native-endian ``dtype`` array of ``shape`` (None in it: any length)."""
        value = self.get(attr)
        if value is None and optional:
            return None
        ok = (
            isinstance(value, np.ndarray)
            and value.dtype == np.dtype(dtype)
            and value.ndim == len(shape)
            and all(n is None or n == m for n, m in zip(shape, value.shape, strict=True))
        )
        if not ok:
            want = ", ".join("n" if n is None else str(n) for n in shape)
            raise self.fail(
                attr,
                f"must be {'None or ' if optional else ''}a {np.dtype(dtype)} array of shape "
                f"({want}{',' if len(shape) == 1 else ''}); got {describe(value)}.",
            )
        return value

    def integer(self, attr: str, lo: int, hi: int | None = None) -> int:
        value = self.get(attr)
        if not is_int(value) or value < lo or (hi is not None and value > hi):
            span = f"in [{lo}, {hi}]" if hi is not None else f">= {lo}"
            raise self.fail(attr, f"must be an int {span}; got {describe(value)}.")
        return int(value)

    def equal(self, attr: str, expected: int, why: str) -> None:
        value = self.get(attr)
        if not is_int(value) or value != expected:
            raise self.fail(attr, f"must be {expected} ({why}); got {describe(value)}.")

    def weights(
        self, attr: str, dtype: Any, shape: tuple, weighting: str | None
    ) -> np.ndarray | None:
        """Word weights: an array (:meth:`array`) when ``weighting`` is set, else None."""
        value = self.array(attr, dtype, shape, optional=True)
        if (value is None) != (weighting is None):
            raise self.fail(
                attr,
                f"must be {'None' if weighting is None else 'an array'} "
                f"with weighting={weighting!r}; got {describe(value)}.",
            )
        return value

    def real(
        self, attr: str, lo: float | None = None, hi: float | None = None, *, optional: bool = False
    ) -> float | None:
        value = self.get(attr)
        if value is None and optional:
            return None
        is_real = type(value) in (int, float) or isinstance(value, (np.integer, np.floating))
        if (
            not is_real
            or not math.isfinite(value)
            or (lo is not None and value < lo)
            or (hi is not None and value > hi)
        ):
            span = f" in [{lo}, {hi}]" if lo is not None and hi is not None else ""
            raise self.fail(
                attr,
                f"must be {'None or ' if optional else ''}a finite number{span}; got "
                f"{describe(value)}.",
            )
        return float(value)

    def vocabulary(self, attr: str, *, optional: bool = False) -> int | None:
        """A ``str -> row`` dict whose rows are exactly ``0 .. n-1``; returns n."""
        value = self.get(attr)
        if value is None and optional:
            return None
        if not isinstance(value, dict):
            raise self.fail(attr, f"must be a dict of words to rows; got {describe(value)}.")
        n = len(value)
        if id(value) in self.bijective:
            return n
        if not all(type(k) is str for k in value) or not all(is_int(v) for v in value.values()):
            raise self.fail(attr, "must map str words to int rows.")
        rows = np.fromiter(value.values(), dtype=np.int64, count=n) if n else np.zeros(0, int)
        if n and (rows.min() < 0 or rows.max() >= n or np.bincount(rows, minlength=n).max() > 1):
            raise self.fail(attr, f"must give its {n} words the rows 0 to {n - 1}, one each.")
        return n

    def subwords(self, attr: str, value: Any, dim: int) -> None:
        """None, a :class:`SubwordTable` or a TokenizerSubwords of ``dim``-dimensional vectors."""
        if value is not None and (
            not isinstance(value, SUBWORD_TYPES) or value.vectors.shape[1] != dim
        ):
            raise self.fail(
                attr,
                f"must be None or a SubwordTable of {dim}-dimensional vectors (or a "
                f"TokenizerSubwords of them); got {describe(value)}.",
            )

    def word_vectors(self, attr: str) -> WordVectors:
        value = self.get(attr)
        if not isinstance(value, WordVectors):
            raise self.fail(attr, f"must be a WordVectors; got {describe(value)}.")
        return value


def legacy_word_vectors(f: FittedState) -> WordVectors:
    """The ``word_vectors_`` of a file that holds ``vocabulary_``, ``vectors_``, ``subwords_``.

    Files written before the vectorizers kept one :class:`WordVectors` hold the
    three attributes; they are checked as they were then, and become one.
    """
    n = f.vocabulary("vocabulary_")
    vectors = f.array("vectors_", np.float32, (n, None))
    if not vectors.flags.c_contiguous:
        raise f.fail("vectors_", f"must be a C-order array; got {describe(vectors)}.")
    subwords = f.state.get("subwords_")
    f.subwords("subwords_", subwords, vectors.shape[1])
    return WordVectors._trusted(words_by_row(f.state["vocabulary_"]), vectors, subwords)


# ---------------------------------------------------------------- setting the state
def _refuse_attribute(entry: Entry, key: str, at: str, declared: tuple[str, ...] | None) -> None:
    """Refuse a name that would shadow the class's methods, a cache, or an undeclared name."""
    cls = entry.cls
    attr = inspect.getattr_static(cls, key, None)
    if (
        not isinstance(key, str)
        or not key.isidentifier()
        or key.startswith("__")
        or isinstance(attr, (types.FunctionType, property, classmethod, staticmethod))
    ):
        raise StoreError(f"Refusing to set the attribute {key!r} of {cls.__name__}{at}.")
    if declared is not None and key not in declared:
        if is_cache(key):
            raise StoreError(
                f"Refusing to set the attribute {key!r} of {cls.__name__}{at}: it is a cache "
                f"that {cls.__name__} never saves."
            )
        raise StoreError(
            f"Refusing to set the attribute {key!r} of {cls.__name__}{at}: it is not part of "
            f"its fitted state ({', '.join(declared)})."
        )


def set_state(entry: Entry, est: Any, f: FittedState, at: str) -> None:
    """Set the fitted state ``f.state`` on ``est``, built by ``entry.cls(**params)``.

    Only the attributes the class declares are set (a file of today's layout
    of vectors is converted to ``word_vectors_``, see
    :func:`legacy_word_vectors`); for scikit-learn's classes, any attribute
    that shadows nothing and that their ``__getstate__`` keeps.
    """
    state, declared = dict(f.state), entry.declared
    legacy = (
        declared is not None
        and "word_vectors_" in declared
        and "word_vectors_" not in state
        and any(name in state for name in LEGACY_VECTORS)
    )
    for key in state:
        if not (legacy and key in LEGACY_VECTORS):  # properties now: converted, never set
            _refuse_attribute(entry, key, at, declared)
    if legacy:
        state["word_vectors_"] = legacy_word_vectors(f)
        for name in LEGACY_VECTORS:
            state.pop(name, None)
    vars(est).update(state)
    if declared is None:
        kept = est.__getstate__()
        dropped = [key for key in state if key not in kept]
        if dropped:
            raise StoreError(
                f"Refusing to set the attribute {dropped[0]!r} of {entry.cls.__name__}{at}: "
                f"it is a cache that {entry.cls.__name__} never saves."
            )


# ---------------------------------------------------------------- the estimator as a whole
def _call(invalid: Invalid, where: str, method: Callable[[], Any]) -> None:
    try:
        method()
    except (TypeError, ValueError) as exc:
        raise invalid(where, first_line(exc)) from None


def _check_params(invalid: Invalid, entry: Entry, est: Any, where: str) -> None:
    if hasattr(est, "_parameter_constraints") and hasattr(est, "_validate_params"):
        _call(invalid, where, est._validate_params)
        if hasattr(est, "_check_dtype"):
            _call(invalid, where, est._check_dtype)
    if entry.name.startswith("skembed.") and hasattr(est, "build_analyzer"):
        try:  # the text parameters together (a stop list of lists, a bad token_pattern)
            est.build_analyzer()("a b")
        except (TypeError, ValueError, re.error) as exc:
            raise invalid(
                where, f"its text parameters do not make an analyzer: {first_line(exc)}"
            ) from None


def _check_output_config(invalid: Invalid, est: Any, where: str) -> None:
    config = vars(est).get("_sklearn_output_config")
    if config is not None and not (
        isinstance(config, dict)
        and all(type(k) is str and v in _OUTPUT_CONTAINERS for k, v in config.items())
    ):
        raise invalid(
            f"{where}._sklearn_output_config",
            f"must map methods to one of {sorted(_OUTPUT_CONTAINERS)}; got {describe(config)}.",
        )


def _check_slot(invalid: Invalid, value: Any, slot: Slot, where: str) -> None:
    """A meta-estimator's place that must hold an estimator or one of some strings."""

    def check_one(x: Any, at: str) -> None:
        if not (is_estimator(x) or ((isinstance(x, str) or x is None) and x in slot.allowed)):
            names = sorted(slot.allowed, key=lambda a: (a is None, str(a)))
            options = " or ".join(repr(a) for a in names)
            raise invalid(at, f"must be an estimator or {options}; got {describe(x)}.")

    if slot.layout == "one":
        check_one(value, where)
        return
    if slot.layout == "entry":
        entries = [(where, value)]
    elif isinstance(value, list):
        entries = [(f"{where}[{i}]", entry) for i, entry in enumerate(value)]
    else:
        raise invalid(where, f"must be a list of tuples; got {describe(value)}.")
    for at, entry in entries:
        if not isinstance(entry, (tuple, list)) or len(entry) != slot.length:
            raise invalid(at, f"must be a tuple of {slot.length} items; got {describe(entry)}.")
        if not isinstance(entry[0], str):
            raise invalid(f"{at}[0]", f"must be a name (str); got {describe(entry[0])}.")
        check_one(entry[1], f"{at}[1]")


def _check_slots(invalid: Invalid, entry: Entry, est: Any, where: str) -> None:
    for attr, slot in entry.slots.items():
        if attr in vars(est):
            _check_slot(invalid, getattr(est, attr), slot, f"{where}.{attr}")
    if entry.slots:
        for method in _SKLEARN_VALIDATORS:
            if hasattr(est, method):
                _call(invalid, where, getattr(est, method))


def check_estimator(entry: Entry, est: Any, f: FittedState) -> None:
    """Refuse a loaded estimator whose parameters or fitted state it could not have had."""
    invalid, where = f.invalid, f.where
    _check_params(invalid, entry, est, where)
    _check_output_config(invalid, est, where)
    _check_slots(invalid, entry, est, where)
    fitted = getattr(est, "__sklearn_is_fitted__", None)
    if entry.check is not None and fitted is not None and fitted():
        if hasattr(est, "_validate_extra_params"):  # what fit checks beyond the constraints
            _call(invalid, where, est._validate_extra_params)
        entry.check(f, est)


# ---------------------------------------------------------------- skembed's estimators
def check_pooled(f: FittedState, est: Any) -> None:
    """Word2Vec, FastText and MeanEmbedding: vectors, n-grams, weights, output width."""
    wv = f.word_vectors("word_vectors_")
    n, dim = len(wv), wv.dim
    n_pool = len((est.pooling,) if isinstance(est.pooling, str) else tuple(est.pooling))
    f.equal("n_features_out_", dim * n_pool, f"{dim} dimensions x {n_pool} poolings")
    f.integer("seed_", 0, 2**32 - 1)
    if wv.subwords is None and est.oov == "subword":
        raise f.fail(
            "word_vectors_", "has no subwords, but oov='subword' needs character n-gram vectors."
        )
    weights = f.weights("weights_", np.float32, (n,), est.weighting)
    oov_weight = f.real("oov_weight_", optional=weights is None)
    if (oov_weight is None) != (weights is None):
        raise f.fail("oov_weight_", "must be None exactly when weights_ is None.")
    f.array("sif_components_", np.float32, (None, dim * n_pool), optional=True)


def check_doc2vec(f: FittedState, est: Any) -> None:
    """Doc2Vec: what gensim's inference reads (without bounds checks) must have its shape."""
    wv = f.word_vectors("word_vectors_")
    n, size = len(wv), est.vector_size
    if wv.dim != size or wv.subwords is not None:
        raise f.fail(
            "word_vectors_",
            f"must hold {size}-dimensional vectors (vector_size) and no subwords; got {wv!r}.",
        )
    f.equal("n_features_out_", size, "vector_size")
    f.integer("seed_", 0, 2**32 - 1)
    counts = f.array("word_counts_", np.int64, (n,))
    if n and counts.min() < 1:
        raise f.fail("word_counts_", "must be positive counts, one per word.")
    layer = (1 + 2 * est.window) * size if est.dm and est.dm_concat else size
    for attr, used in (("syn1neg_", est.negative), ("syn1_", est.hs)):
        if used:
            f.array(attr, np.float32, (n, layer))
        elif f.get(attr) is not None:
            raise f.fail(
                attr, f"must be None: the model has no such layer; got {describe(f.get(attr))}."
            )


def _network_weights(f: FittedState) -> dict[str, np.ndarray]:
    state = f.get("module_state_")
    if not isinstance(state, dict) or not all(
        type(k) is str and isinstance(v, np.ndarray) and v.dtype == np.float32
        for k, v in state.items()
    ):
        raise f.fail("module_state_", "must be a dict of names to float32 arrays.")
    return state


def _textcnn_shapes(
    f: FittedState, est: Any, state: dict, n_words: int, n_special: int, n_classes: int
) -> dict[str, tuple[int, ...]]:
    """The shape of every weight of a TextCNN, from the embedding and the convolutions."""

    def weight(name: str, ndim: int) -> np.ndarray:
        value = state.get(name)
        if value is None or value.ndim != ndim or 0 in value.shape:
            raise f.fail(
                "module_state_",
                f"must hold {name!r}, a non-empty {ndim}-D array; got {describe(value)}.",
            )
        return value

    rows, dim = weight("embedding.weight", 2).shape
    if rows != n_words + n_special:
        raise f.fail(
            "module_state_",
            f"'embedding.weight' has {rows} rows; the {n_words} words of "
            f"vocabulary_ need {n_words + n_special}.",
        )
    expected = {"embedding.weight": (rows, dim)}
    if "static_embedding.weight" in state:
        expected["static_embedding.weight"] = (rows, dim)
    n_conv = 0
    while f"convs.{n_conv}.weight" in state:
        n_conv += 1
    if n_conv == 0:
        raise f.fail("module_state_", "holds no convolution ('convs.0.weight').")
    n_filters = weight("convs.0.weight", 3).shape[0]
    for i in range(n_conv):
        width = weight(f"convs.{i}.weight", 3).shape[2]
        expected[f"convs.{i}.weight"] = (n_filters, dim, width)
        expected[f"convs.{i}.bias"] = (n_filters,)
    expected["out.weight"] = (n_classes, n_filters * n_conv)
    expected["out.bias"] = (n_classes,)
    return expected


def _bag_shapes(
    f: FittedState, est: Any, state: dict, n_words: int, n_special: int, n_classes: int
) -> dict[str, tuple[int, ...]]:
    """The shape of every weight of an EmbeddingBag: the n-gram table has the rows that
    ``n_buckets`` hashes into, the hidden layer the width of ``hidden_size``."""
    embedding = state.get("embedding.weight")
    if embedding is None or embedding.ndim != 2 or 0 in embedding.shape:
        raise f.fail(
            "module_state_",
            f"must hold 'embedding.weight', a non-empty 2-D array; got {describe(embedding)}.",
        )
    dim = width = embedding.shape[1]
    expected = {"embedding.weight": (n_words + n_special, dim)}
    if est.ngram_range[1] > 1:
        expected["ngram_embedding.weight"] = (est.n_buckets + 1, dim)
    if est.hidden_size is not None:
        width = est.hidden_size
        expected["hidden.weight"] = (width, dim)
        expected["hidden.bias"] = (width,)
    expected["out.weight"] = (n_classes, width)
    expected["out.bias"] = (n_classes,)
    return expected


def check_network(f: FittedState, est: Any, *, n_special: int, shapes, settings: str = "") -> None:
    """A network classifier: vocabulary, classes and weights that fit together.

    ``shapes(f, est, state, n_words, n_special, n_classes)`` gives the shape of
    every weight the network must hold (rows are looked up by id, so a wrong
    shape would index out of bounds); ``n_special`` is the number of rows
    before the vocabulary's (padding, unknown word); ``settings`` names the
    parameters the set of weights depends on, for the error message.
    """
    n = f.vocabulary("vocabulary_")
    classes = f.get("classes_")
    if not isinstance(classes, np.ndarray) or classes.ndim != 1 or len(classes) < 2:
        raise f.fail(
            "classes_", f"must be a 1-D array of at least 2 classes; got {describe(classes)}."
        )
    state = _network_weights(f)
    expected = shapes(f, est, state, n, n_special, len(classes))
    if set(state) != set(expected):
        raise f.fail(
            "module_state_",
            f"must hold the weights {sorted(expected)}{settings}; it holds {sorted(state)}.",
        )
    for name, shape in expected.items():
        if state[name].shape != shape:
            raise f.fail(
                "module_state_", f"{name!r} must have shape {shape}; got {state[name].shape}."
            )
    m = f.vocabulary("pretrained_vocabulary_", optional=True)
    if m is None:
        if f.get("pretrained_vectors_") is not None:
            raise f.fail("pretrained_vectors_", "must be None when pretrained_vocabulary_ is.")
    else:
        f.array("pretrained_vectors_", np.float32, (m, expected["embedding.weight"][1]))
    f.real("pretrained_coverage_", 0.0, 1.0, optional=True)
    history = f.get("history_")
    if not isinstance(history, list) or not all(isinstance(row, dict) for row in history):
        raise f.fail("history_", f"must be a list of dicts; got {describe(history)}.")
    f.equal("n_epochs_", len(history), "one per row of history_")
    f.integer("best_epoch_", 0, len(history))


def check_textcnn(f: FittedState, est: Any, *, n_special: int) -> None:
    """TextCNN: vocabulary, classes and weights that fit together (:func:`check_network`)."""
    check_network(f, est, n_special=n_special, shapes=_textcnn_shapes)


def check_embedding_bag(f: FittedState, est: Any, *, n_special: int) -> None:
    """EmbeddingBag: vocabulary, classes, word and n-gram tables and layers that fit together."""
    settings = f" (ngram_range={est.ngram_range!r}, hidden_size={est.hidden_size!r})"
    check_network(f, est, n_special=n_special, shapes=_bag_shapes, settings=settings)
