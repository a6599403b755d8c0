"""Training gensim models on token lists: the part Word2Vec, FastText and Doc2Vec share.

:class:`_GensimWordVectorizer` is the base of the two word-vector models
(Word2Vec and FastText, siblings over it): their shared hyper-parameters
(:data:`WORD2VEC_CONSTRAINTS`), training and copying gensim's vectors out.
Two guards sit around gensim's training here, for all three models:

- the hyper-parameter bounds (:data:`GENSIM_CONSTRAINTS`): gensim's Cython
  routines keep ``vector_size``, ``window``, ``negative`` and ``epochs`` in C
  ``int`` and the learning rates in ``float32``; a larger value kills a
  training thread, or silently trains nothing, so it is refused up front;
- :func:`train`: a training thread that dies (for any reason) ends ``fit``
  with that thread's error, where gensim's epoch loop would wait for it
  forever, and weights that cannot fit in memory are refused before gensim
  allocates them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from numbers import Integral, Real
from time import perf_counter
from typing import Any, ClassVar

import numpy as np
from gensim.models.callbacks import CallbackAny2Vec
from joblib import cpu_count
from sklearn.utils._param_validation import Interval

from ._base import _PooledEmbeddingVectorizer
from ._corpus import MAX_SENTENCE_LENGTH, unencodable_token_error, utf8_encodable
from ._io import physical_memory
from ._params import Parameters
from .vectors import WordVectors
from .vectors._random import stable_hash

#: The largest C ``int``, the type gensim's Cython code keeps most integer parameters in.
C_INT_MAX = 2**31 - 1

#: The largest ``window``: gensim computes ``i + window + 1`` in a C ``int`` for each
#: position ``i`` of a batch (below MAX_SENTENCE_LENGTH); past this it wraps around and
#: the word trains on no context at all.
MAX_WINDOW = C_INT_MAX - MAX_SENTENCE_LENGTH

#: The largest ``negative``: gensim loops over ``range(negative + 1)`` in a C ``int``.
MAX_NEGATIVE = C_INT_MAX - 1

#: The largest float32, the type of gensim's learning rate (a larger one becomes inf).
FLOAT32_MAX = float(np.finfo(np.float32).max)

#: The largest ``|ns_exponent|``: with counts below 2**63, ``count ** ns_exponent`` and
#: the sum gensim normalises the noise distribution by stay finite and nonzero in float64.
MAX_NS_EXPONENT = 16.0

#: Hyper-parameters Word2Vec, FastText and Doc2Vec share, bounded by the C types above.
GENSIM_CONSTRAINTS: dict[str, list] = {
    "vector_size": [Interval(Integral, 1, C_INT_MAX, closed="both")],
    "window": [Interval(Integral, 1, MAX_WINDOW, closed="both")],
    "min_count": [Interval(Integral, 1, None, closed="left")],
    "max_vocab_size": [Interval(Integral, 1, None, closed="left"), None],
    # gensim makes sample >= 1 the integer count threshold int(sample * 2.618), which
    # overflows for the largest floats; float32's range is far past any word count
    "sample": [Interval(Real, 0, FLOAT32_MAX, closed="both")],
    "alpha": [Interval(Real, 0, FLOAT32_MAX, closed="right")],
    "min_alpha": [Interval(Real, 0, FLOAT32_MAX, closed="both")],
    "hs": [Interval(Integral, 0, 1, closed="both")],
    "negative": [Interval(Integral, 0, MAX_NEGATIVE, closed="both")],
    "ns_exponent": [Interval(Real, -MAX_NS_EXPONENT, MAX_NS_EXPONENT, closed="both")],
    "epochs": [Interval(Integral, 1, C_INT_MAX, closed="both")],
    # 0 means nothing to joblib; any count above the cores only adds threads
    "n_jobs": [
        Interval(Integral, None, -1, closed="right"),
        Interval(Integral, 1, None, closed="left"),
        None,
    ],
}


#: gensim's word2vec hyper-parameters, shared by Word2Vec and FastText.
WORD2VEC_CONSTRAINTS: dict[str, list] = {
    "vector_size": GENSIM_CONSTRAINTS["vector_size"],
    "window": GENSIM_CONSTRAINTS["window"],
    "min_count": GENSIM_CONSTRAINTS["min_count"],
    "max_vocab_size": GENSIM_CONSTRAINTS["max_vocab_size"],
    "max_final_vocab": [Interval(Integral, 1, None, closed="left"), None],
    "sample": GENSIM_CONSTRAINTS["sample"],
    "alpha": GENSIM_CONSTRAINTS["alpha"],
    "min_alpha": GENSIM_CONSTRAINTS["min_alpha"],
    "sg": [Interval(Integral, 0, 1, closed="both")],
    "hs": GENSIM_CONSTRAINTS["hs"],
    "negative": GENSIM_CONSTRAINTS["negative"],
    "ns_exponent": GENSIM_CONSTRAINTS["ns_exponent"],
    "cbow_mean": [Interval(Integral, 0, 1, closed="both")],
    "epochs": GENSIM_CONSTRAINTS["epochs"],
    "shrink_windows": ["boolean"],
}


def check_objective(est: Any) -> None:
    """gensim trains nothing when both hs and negative are off: say so."""
    if not est.hs and est.negative == 0:
        raise ValueError(
            "Either hierarchical softmax (hs=1) or negative sampling (negative > 0) "
            f"must be enabled; got hs={est.hs} and negative={est.negative}."
        )


def model_kwargs(est: Any, names: Iterable[str]) -> dict[str, Any]:
    """The gensim constructor arguments of ``est``: its parameters ``names``, a seed, workers.

    ``est`` is fitting: ``seed_`` is set.
    """
    kwargs = {name: getattr(est, name) for name in names}
    kwargs.update(gensim_common_kwargs(est.seed_, est._n_workers()))
    return kwargs


class EpochProgress(CallbackAny2Vec):
    """A tqdm bar over epochs, showing words per second."""

    def __init__(self, name: str):
        self.name = name
        self.bar = None
        self.t0 = 0.0

    def on_train_begin(self, model):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=model.epochs, desc=f"[{self.name}] training", unit="epoch")

    def on_epoch_begin(self, model):
        self.t0 = perf_counter()

    def on_epoch_end(self, model):
        elapsed = max(perf_counter() - self.t0, 1e-9)
        words = getattr(model, "corpus_total_words", 0) or 0
        self.bar.set_postfix_str(f"{words / elapsed:,.0f} words/s")
        self.bar.update()

    def on_train_end(self, model):
        self.bar.close()


def gensim_common_kwargs(seed: int, workers: int) -> dict[str, Any]:
    """Arguments every gensim model gets: a seed, workers, a PYTHONHASHSEED-free hash.

    gensim starts one training thread per worker: more than the cores this
    process may use only adds threads, so ``workers`` is capped there.
    """
    workers = max(1, min(workers, cpu_count()))
    return {"seed": seed, "workers": workers, "hashfxn": stable_hash}


def weights_nbytes(model) -> int:
    """Bytes of the float32 arrays gensim's ``prepare_weights`` allocates for ``model``.

    The input vectors, the output weights of hierarchical softmax and of
    negative sampling (``layer1_size`` wide: larger with Doc2Vec's
    ``dm_concat``), fastText's vocabulary and n-gram vectors and Doc2Vec's
    document vectors, for the vocabulary ``build_vocab`` kept.
    """
    n_words, dim = len(model.wv), model.vector_size
    floats = n_words * dim
    floats += n_words * model.layer1_size * (bool(model.hs) + bool(model.negative))
    if hasattr(model.wv, "buckets_word"):  # fastText: vectors_vocab and vectors_ngrams
        floats += n_words * dim + model.wv.bucket * dim
    if hasattr(model, "dv"):
        floats += len(model.dv) * dim
    return 4 * floats


def check_weights_fit(model, name: str) -> None:
    """Refuse weights larger than the machine's physical memory, before allocating them.

    Raises
    ------
    ValueError
        If :func:`weights_nbytes` exceeds the physical memory.
    """
    needed = weights_nbytes(model)
    memory = physical_memory()
    if memory is None or needed <= memory:
        return
    what = f"vector_size={model.vector_size:,}"
    lower = "vector_size"
    if hasattr(model.wv, "buckets_word"):
        what += f", bucket={model.wv.bucket:,}"
        lower += " or bucket"
    if getattr(model, "dm", 0) and getattr(model, "dm_concat", 0):
        what += f", dm_concat=1 with window={model.window}"
        lower += " or window"
    raise ValueError(
        f"{name} would need {needed:,} bytes of weights for its {len(model.wv):,} words "
        f"({what}), more than this machine's {memory:,} bytes of physical memory. "
        f"Lower {lower}, or raise min_count to keep fewer words."
    )


class _Failure:
    """The first error raised in one of gensim's training threads."""

    def __init__(self):
        self.error: BaseException | None = None
        self._lock = threading.Lock()

    def record(self, error: BaseException) -> None:
        with self._lock:
            if self.error is None:
                self.error = error


class _Jobs:
    """gensim's job queue as one worker sees it: after a failure, only the end marker.

    A worker that gets ``None`` reports itself finished and exits. Once any
    thread has failed, the jobs still queued are dropped, so every worker
    stops at its end marker without training further.
    """

    def __init__(self, queue, failure: _Failure):
        self._queue = queue
        self._failure = failure
        self.finished = False

    def get(self, *args, **kwargs):
        job = self._queue.get(*args, **kwargs)
        while job is not None and self._failure.error is not None:
            job = self._queue.get()
        self.finished = job is None
        return job


def _until_failure(items: Iterable, failure: _Failure) -> Iterator:
    for item in items:
        if failure.error is not None:
            return
        yield item


def _guards(model, failure: _Failure, name: str) -> dict[str, Callable]:
    """Wrappers for the gensim methods that run in training threads, and for the allocation.

    gensim trains an epoch in worker threads (plus a job-producer thread for
    ``corpus_iterable``); the main thread counts the ``None`` each worker puts
    on the progress queue when it is done. A thread that raises puts none, so
    the main thread (and the producer, on a full job queue) would wait
    forever. Each wrapper records the error and still signals the end, and
    the epoch wrappers re-raise it in the main thread once the epoch is over.
    """
    worker_loop = model._worker_loop
    job_producer = model._job_producer
    worker_loop_corpusfile = model._worker_loop_corpusfile
    train_epoch = model._train_epoch
    train_epoch_corpusfile = model._train_epoch_corpusfile
    prepare_weights = model.prepare_weights

    def _worker_loop(job_queue, progress_queue):
        jobs = _Jobs(job_queue, failure)
        try:
            worker_loop(jobs, progress_queue)
        except BaseException as exc:  # re-raised in the main thread
            failure.record(exc)
            if not jobs.finished:
                jobs.get()  # drop the remaining jobs, up to this worker's end marker
                progress_queue.put(None)

    def _job_producer(data_iterator, job_queue, *args, **kwargs):
        try:
            job_producer(_until_failure(data_iterator, failure), job_queue, *args, **kwargs)
        except BaseException as exc:  # re-raised in the main thread
            failure.record(exc)
            for _ in range(model.workers):
                job_queue.put(None)

    def _worker_loop_corpusfile(
        corpus_file, thread_id, offset, cython_vocab, progress_queue, *args, **kwargs
    ):
        try:
            worker_loop_corpusfile(
                corpus_file, thread_id, offset, cython_vocab, progress_queue, *args, **kwargs
            )
        except BaseException as exc:  # re-raised in the main thread
            failure.record(exc)
            progress_queue.put(None)

    def _raising(train_one_epoch):
        def wrapper(*args, **kwargs):
            result = train_one_epoch(*args, **kwargs)
            if failure.error is not None:
                raise failure.error
            return result

        return wrapper

    def _prepare_weights(*args, **kwargs):
        check_weights_fit(model, name)
        return prepare_weights(*args, **kwargs)

    return {
        "_worker_loop": _worker_loop,
        "_job_producer": _job_producer,
        "_worker_loop_corpusfile": _worker_loop_corpusfile,
        "_train_epoch": _raising(train_epoch),
        "_train_epoch_corpusfile": _raising(train_epoch_corpusfile),
        "prepare_weights": _prepare_weights,
    }


def train(model, corpus: dict, *, name: str, verbose: int, min_count: int) -> None:
    """Build the vocabulary of ``model`` and train it.

    ``corpus`` is ``{"corpus_iterable": ...}`` or ``{"corpus_file": path}``
    (see :mod:`skembed._corpus`). The methods gensim runs in its training
    threads are wrapped on ``model`` for the duration (see :func:`_guards`).

    Raises
    ------
    ValueError
        If no word survives ``min_count`` (and the other vocabulary filters),
        or if the weights cannot fit in the machine's memory.
    Exception
        Whatever a training thread raised, once the other threads have stopped.
    """
    guards = _guards(model, _Failure(), name)
    model.__dict__.update(guards)  # instance attributes shadow gensim's methods
    try:
        model.build_vocab(**corpus)
        if len(model.wv) == 0:
            raise ValueError(
                f"Empty vocabulary: no token occurs at least min_count={min_count} times in "
                f"the {model.corpus_count} training documents (or all were filtered out). "
                "Lower min_count, check the tokenization parameters, or fit on more text."
            )
        callbacks = [EpochProgress(name)] if verbose else []
        totals = (
            {"total_words": model.corpus_total_words}
            if "corpus_file" in corpus
            else {"total_examples": model.corpus_count}
        )
        model.train(**corpus, **totals, epochs=model.epochs, callbacks=callbacks)
    finally:
        for attr in guards:
            model.__dict__.pop(attr, None)
        model.callbacks = ()


class GensimTrainingParams(Parameters):
    """The training parameters of gensim's models that Word2Vec, FastText and Doc2Vec share.

    Each is gensim's own argument of the same name, with gensim's default; their
    bounds are :data:`GENSIM_CONSTRAINTS`.
    """

    vector_size: int = 100
    window: int = 5
    min_count: int = 5
    max_vocab_size: int | None = None
    sample: float = 1e-3
    alpha: float = 0.025
    min_alpha: float = 0.0001
    hs: int = 0
    negative: int = 5
    ns_exponent: float = 0.75
    epochs: int = 5


class _GensimWordVectorizer(GensimTrainingParams, _PooledEmbeddingVectorizer):
    """A pooled vectorizer whose word vectors gensim trains on the documents.

    Subclasses implement ``_fit_store(corpus)`` with :meth:`_train` and
    :meth:`_store_from_keyed_vectors`, and say in ``_validate_extra_params``
    which ``oov`` values their vectors support.
    """

    max_final_vocab: int | None = None
    sg: int = 0
    cbow_mean: int = 1
    shrink_windows: bool = True

    _parameter_constraints: ClassVar[dict] = {
        **_PooledEmbeddingVectorizer._parameter_constraints,
        **WORD2VEC_CONSTRAINTS,
        "n_jobs": GENSIM_CONSTRAINTS["n_jobs"],
    }

    def _validate_extra_params(self) -> None:
        super()._validate_extra_params()
        check_objective(self)

    def _gensim_kwargs(self) -> dict[str, Any]:
        return model_kwargs(self, WORD2VEC_CONSTRAINTS)

    def _train(self, model, corpus) -> None:
        """Train the gensim ``model`` on ``corpus``, naming a document gensim cannot encode."""
        try:
            train(
                model,
                corpus.gensim_input(),
                name=type(self).__name__,
                verbose=self.verbose,
                min_count=self.min_count,
            )
        except UnicodeEncodeError:  # fastText hashes the UTF-8 bytes of every word
            for index, tokens in enumerate(getattr(corpus, "tokens", [])):
                if not all(map(utf8_encodable, tokens)):
                    raise unencodable_token_error(index, tokens) from None
            raise

    def _store_from_keyed_vectors(self, kv, subwords=None) -> None:
        # gensim's own vocabulary: distinct str words, a float32 matrix it just trained
        matrix = np.ascontiguousarray(kv.vectors, dtype=np.float32)
        self.word_vectors_ = WordVectors._trusted(list(kv.index_to_key), matrix, subwords)
