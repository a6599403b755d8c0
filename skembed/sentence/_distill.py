"""Word vectors distilled from a sentence transformer: each word encoded alone.

A sentence-transformers model turns one word into one vector (all-MiniLM-L6-v2:
384 values), so encoding every word of a vocabulary *alone* gives a table of
word vectors that pools like any pretrained one. :func:`distill_word_vectors`
builds that table, optionally reduced by PCA; :func:`encode_each` encodes
words later (unknown words at transform time) the same way, one at a time.

Determinism: a word's vector depends on the batch it was encoded in (padding
and the shapes of the matrix products change the rounding). Here the batches
are a function of the *set* of words only: the distinct words are sorted by
(length, word) and cut into ``batch_size`` runs, each encoded as one batch, so
the same words give the same bytes in every process on a machine (with the
same torch settings), in any order. :func:`encode_each` encodes each word in
a batch of its own, so its vector does not depend on the other words of a
call at all.
"""

from __future__ import annotations

import os
import sys
import threading
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from numbers import Integral
from typing import Any, NamedTuple

import numpy as np

from ..vectors import WordVectors
from ._model import ModelIdentity, identify_model, load_sentence_model, resolve_device

__all__ = [
    "LoadedModel",
    "PCAProjection",
    "distill_word_vectors",
    "encode_each",
    "fit_pca",
    "no_tqdm_monitor",
    "project",
    "shared_model",
]

#: Loaded models shared by the estimators of this process, while one of them holds it.
_LOADED: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_LOADING = threading.Lock()


class PCAProjection(NamedTuple):
    """A PCA fitted on raw word vectors: ``(x - mean) @ components.T``.

    Attributes
    ----------
    mean : ndarray of float32, shape (dim,)
        The mean raw vector.
    components : ndarray of float32, shape (n_components, dim)
        The principal axes, largest variance first; each row's entry of
        largest magnitude is positive (so the signs do not depend on LAPACK).
    """

    mean: np.ndarray
    components: np.ndarray

    def apply(self, raw: np.ndarray) -> np.ndarray:
        """Project ``raw`` vectors (n, dim) to float32 (n, n_components), in float64."""
        return project(raw, self.mean, self.components)


def project(raw: np.ndarray, mean: np.ndarray | None, components: np.ndarray | None) -> np.ndarray:
    """``(raw - mean) @ components.T`` computed in float64, as float32; ``raw`` if no PCA."""
    if components is None:
        return np.ascontiguousarray(raw, dtype=np.float32)
    centered = np.asarray(raw, dtype=np.float64) - np.asarray(mean, dtype=np.float64)
    out = centered @ np.asarray(components, dtype=np.float64).T
    return np.ascontiguousarray(out, dtype=np.float32)


def fit_pca(matrix: np.ndarray, n_components: int) -> PCAProjection:
    """The first ``n_components`` principal axes of the rows of ``matrix``.

    Computed from the float64 covariance matrix (``dim x dim``, so memory does
    not grow with the number of words), with signs fixed as scikit-learn's
    ``svd_flip`` does for ``PCA``.

    Raises
    ------
    ValueError
        ``n_components`` exceeds the number of rows or of dimensions.
    """
    n, dim = matrix.shape
    if n_components > min(n, dim):
        raise ValueError(
            f"pca={n_components} needs at least {n_components} words and dimensions; got "
            f"{n} words of {dim} dimensions. Pass pca=None or at most {min(n, dim)}."
        )
    mean = matrix.mean(axis=0, dtype=np.float64)
    cov = np.zeros((dim, dim), dtype=np.float64)
    for lo in range(0, n, 65536):
        block = np.asarray(matrix[lo : lo + 65536], dtype=np.float64) - mean
        cov += block.T @ block
    values, vectors = np.linalg.eigh(cov)
    components = vectors[:, ::-1][:, :n_components].T.copy()
    largest = np.argmax(np.abs(components), axis=1)
    components *= np.sign(components[np.arange(n_components), largest])[:, None]
    return PCAProjection(mean.astype(np.float32), components.astype(np.float32))


class LoadedModel:
    """A loaded ``SentenceTransformer`` and the vectors of the words it encoded alone.

    Shared by the estimators of a process that use the same model files on
    the same device (see :func:`shared_model`): a word encoded alone for one
    of them (an unknown word, a clone in a grid search) is not encoded again
    for another. The vectors are raw (before any PCA); they live as long as
    the model does.
    """

    def __init__(self, model: Any):
        self.model = model
        self.alone: dict[str, np.ndarray] = {}
        self.lock = threading.Lock()

    def encode_alone(self, words: Sequence[str]) -> np.ndarray:
        """The raw vector of each word, encoded in a batch of its own: float32 (n, dim)."""
        with self.lock:
            for word in dict.fromkeys(words):
                if word not in self.alone:
                    self.alone[word] = _encode(self.model, [word])[0]
            return np.stack([self.alone[w] for w in words])


def shared_model(
    model: str | os.PathLike | ModelIdentity,
    device: str = "auto",
    *,
    verify: bool = True,
    verbose: int = 0,
    owner: str = "distill_word_vectors",
) -> LoadedModel:
    """The :class:`LoadedModel` of ``model``, shared with this process's other users.

    A model already loaded (for the same files and device) and still held
    by someone is reused, after the digests are checked.

    Parameters
    ----------
    model : str, path-like or ModelIdentity
        A model folder, the name of a model in the local Hugging Face cache,
        or the identity recorded by a fitted estimator.
    device : str, default="auto"
        A torch device; "auto" is CUDA when available, else CPU.
    verify : bool, default=True
        Check that the folder still holds the files of ``model`` (an identity).
    verbose : int, default=0
        Show the libraries' load reports and progress bars.
    owner : str
        Who needs the model, for the message of a missing extra.

    Returns
    -------
    model : LoadedModel

    Raises
    ------
    ModelUnavailableError
        The model is missing, changed or cannot be loaded (the message names it).
    ImportError
        sentence-transformers is not installed.
    """
    if isinstance(model, ModelIdentity):
        identity = model
        if verify:
            identity.verify()
    else:
        identity = identify_model(model)
    key = (identity.folder, identity.digest, resolve_device(device))
    with _LOADING:
        loaded = _LOADED.get(key)
        if loaded is None:
            with no_tqdm_monitor():
                st = load_sentence_model(identity, device, owner, verify=False, verbose=verbose)
            loaded = _LOADED[key] = LoadedModel(st)
    return loaded


@contextmanager
def no_tqdm_monitor() -> Iterator[None]:
    """Let no tqdm bar start tqdm's monitor thread (not even a disabled bar does).

    sentence-transformers' ``encode`` builds a (disabled) tqdm bar per call,
    and tqdm starts a daemon monitor thread on its first bar. A process with
    a second thread no longer forks (see ``skembed._parallel``), so
    ``transform(n_jobs>1)`` would fall back to joblib after any encoding.
    """
    try:
        from tqdm import std
    except ImportError:
        yield
        return
    interval = std.tqdm.monitor_interval
    std.tqdm.monitor_interval = 0
    try:
        yield
    finally:
        std.tqdm.monitor_interval = interval


def _encode(model: Any, words: list[str]) -> np.ndarray:
    """One batch of ``words`` through ``model``: float32 (len(words), dim)."""
    with no_tqdm_monitor():
        out = model.encode(
            words,
            batch_size=max(1, len(words)),
            show_progress_bar=False,
            convert_to_numpy=True,
        )
    return np.asarray(out, dtype=np.float32).reshape(len(words), -1)


def _progress(total: int, verbose: int, desc: str):
    if not verbose:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    with no_tqdm_monitor():
        return tqdm(total=total, desc=desc, unit="word", file=sys.stderr)


def _check_words(words: Any) -> list[str]:
    if isinstance(words, (str, bytes)):
        raise TypeError(
            f"words must be a sequence of str (one word each); got a single {type(words).__name__}."
        )
    words = list(words)
    bad = next((w for w in words if not isinstance(w, str)), None)
    if bad is not None:
        raise TypeError(f"words must be str; got {bad!r} of type {type(bad).__name__}.")
    if not words:
        raise ValueError("words is empty: there is nothing to distill.")
    return words


def distill_word_vectors(
    model: Any,
    words: Iterable[str],
    *,
    batch_size: int = 256,
    pca: int | None = None,
    device: str = "auto",
    verbose: int = 0,
    return_projection: bool = False,
) -> WordVectors | tuple[WordVectors, PCAProjection | None]:
    """Encode each word alone with a sentence transformer: a table of word vectors.

    Parameters
    ----------
    model : str, path-like, ModelIdentity or SentenceTransformer
        A model folder, the name of a model in the local Hugging Face cache
        (``"all-MiniLM-L6-v2"``, looked up as
        ``sentence-transformers/all-MiniLM-L6-v2``; nothing is downloaded),
        the identity of one, or a loaded ``SentenceTransformer``.
    words : iterable of str
        The vocabulary. A repeated word keeps its first row.
    batch_size : int, default=256
        Words per forward pass. The batches depend only on the set of words
        (sorted by length, then alphabetically), so the same words give the
        same vectors, bit for bit, in every run and process on a machine.
    pca : int or None, default=None
        Reduce the vectors to this many principal components, fitted on
        these words (at most the number of words and of dimensions).
    device : str, default="auto"
        The torch device the model is loaded on (not used for a loaded
        model): "auto" (CUDA when available, else CPU), "cpu", "cuda",
        "cuda:1", "mps"...
    verbose : int, default=0
        If positive, show a progress bar on stderr (and the libraries' load
        reports).
    return_projection : bool, default=False
        Also return the :class:`PCAProjection` (None without ``pca``), to
        project words encoded later (:func:`encode_each`) the same way.

    Returns
    -------
    word_vectors : WordVectors
        The words and their float32 vectors (``model`` dimensions, or ``pca``).
    projection : PCAProjection or None
        Only with ``return_projection=True``.

    Raises
    ------
    ModelUnavailableError
        The model cannot be found or loaded (the message names it).
    ImportError
        sentence-transformers is not installed.

    Examples
    --------
    >>> from skembed.sentence import distill_word_vectors  # doctest: +SKIP
    >>> wv = distill_word_vectors("all-MiniLM-L6-v2", ["cat", "dog", "car"])  # doctest: +SKIP
    >>> wv.matrix.shape  # doctest: +SKIP
    (3, 384)
    """
    words = list(dict.fromkeys(_check_words(words)))
    if not (
        isinstance(batch_size, Integral) and not isinstance(batch_size, bool) and batch_size >= 1
    ):
        raise ValueError(f"batch_size must be an int >= 1; got {batch_size!r}.")
    if pca is not None and not (
        isinstance(pca, Integral) and not isinstance(pca, bool) and pca >= 1
    ):
        raise ValueError(f"pca must be None or an int >= 1; got {pca!r}.")
    if pca is not None and pca > len(words):
        raise ValueError(
            f"pca={pca} needs at least {pca} distinct words; got {len(words)}. Pass pca=None "
            f"or at most {len(words)}."
        )
    if isinstance(model, (str, os.PathLike, ModelIdentity)):
        model = shared_model(model, device, verbose=verbose).model
    elif isinstance(model, LoadedModel):
        model = model.model
    order = sorted(range(len(words)), key=lambda i: (len(words[i]), words[i]))
    matrix: np.ndarray | None = None
    bar = _progress(len(words), verbose, "Distilling word vectors")
    try:
        for lo in range(0, len(order), batch_size):
            rows = order[lo : lo + batch_size]
            block = _encode(model, [words[i] for i in rows])
            if matrix is None:
                matrix = np.empty((len(words), block.shape[1]), dtype=np.float32)
            matrix[rows] = block
            if bar is not None:
                bar.update(len(rows))
    finally:
        if bar is not None:
            bar.close()
    projection = None
    if pca is not None:
        projection = fit_pca(matrix, pca)
        matrix = projection.apply(matrix)
    wv = WordVectors(words, matrix, source="the distilled word vectors")
    return (wv, projection) if return_projection else wv


def encode_each(
    model: Any, words: Sequence[str], projection: PCAProjection | None = None
) -> np.ndarray:
    """Encode each word in a batch of its own, then project it: float32 (n, dim).

    A word's vector is therefore the same whatever the other words are (the
    batch composition depends on the word only), which the unknown words of
    a document need: a document's vector must not depend on the documents
    transformed with it. Each row is projected on its own too.

    Parameters
    ----------
    model : LoadedModel or SentenceTransformer
        The model; a :class:`LoadedModel` encodes each word once per process.
    words : sequence of str
        The words.
    projection : PCAProjection or None, default=None
        The PCA of :func:`distill_word_vectors`, if any.
    """
    if not words:
        raise ValueError("words is empty: there is nothing to encode.")
    if isinstance(model, LoadedModel):
        raw = model.encode_alone(words)
    else:
        raw = np.concatenate([_encode(model, [w]) for w in words])
    if projection is None:
        return raw
    return np.concatenate([projection.apply(raw[i : i + 1]) for i in range(len(words))])
