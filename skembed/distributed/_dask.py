"""Dask: transform dask collections of documents with a fitted estimator.

A thin adapter over :mod:`skembed._parallel._shipping`: it checks the
collection, places the shipped estimator in the task graph once (or scatters it
to the workers), and maps one task per partition that calls the estimator's own
``transform``. docs/developer.md ("The Dask and Spark adapters") explains the
graph it builds.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Hashable, Sequence
from numbers import Integral
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np
from sklearn import get_config

from .._parallel._shipping import Engine, Shipment, transform_rows
from ._checks import check_transformer, output_spec

if TYPE_CHECKING:  # pragma: no cover
    import dask.array
    import dask.dataframe

__all__ = ["dask_transform"]

_OUTPUTS = ("array", "frame")

_ENGINE = Engine(sender="client", receiver="worker")


def _import_dask():
    try:
        import dask
        import dask.array
        import dask.bag
        import dask.dataframe
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "dask_transform needs dask with its array, bag and dataframe modules: "
            'pip install "skembed[distributed]".'
        ) from exc
    return dask


# ---------------------------------------------------------------- the shipped estimator
def _ship(estimator: Any, by_reference: bool, broadcast: bool):
    """One graph key (a Delayed) or one scattered Future that every task depends on."""
    import dask

    client = None
    if broadcast:
        try:
            from distributed import default_client

            client = default_client()
        except (ImportError, ValueError):
            raise ValueError(
                "broadcast=True scatters the estimator to the workers of the active "
                "dask.distributed Client, and no Client is active. Create one "
                "(distributed.Client(...)) or leave broadcast=False."
            ) from None
    shipped = Shipment(estimator, engine=_ENGINE, by_reference=by_reference)
    if client is not None:
        return client.scatter(shipped, broadcast=True, hash=False)
    name = f"skembed-estimator-{uuid.uuid4().hex}"
    return dask.delayed(shipped, name=name, traverse=False)


# ---------------------------------------------------------------- partition tasks
class _Partitions(NamedTuple):
    """What the client knows of the partitions; one graph key that every task reads."""

    #: Documents per partition that ``lengths`` promises: each partition is checked.
    lengths: tuple[int, ...] | None = None
    #: The position of each partition's first document in the collection, when known.
    offsets: tuple[int, ...] | None = None


def _offsets(lengths: Sequence[float] | None) -> tuple[int, ...] | None:
    """Where each partition starts, from the partition lengths (None if one is unknown)."""
    if lengths is None or not all(np.isfinite(lengths)):
        return None
    return tuple(int(n) for n in np.cumsum([0, *lengths[:-1]], dtype=np.int64))


def _locator(part: Any, number: int, partitions: _Partitions):
    """``locate(i)``: the name of document ``i`` of partition ``number`` in error messages.

    When the partition offsets are known, it is the document's position in the
    whole collection, as ``transform`` of all the documents names it. Otherwise
    it is the position in the partition, with the index label of a Series'
    document (which identifies it in the collection) when that is another number.
    """
    import pandas as pd

    offset = None if partitions.offsets is None else partitions.offsets[number]
    labels = getattr(part, "index", None)

    def locate(i: int) -> str:
        if offset is not None:
            return f"Document {offset + i}"
        name = f"Document {i} of partition {number}"
        if isinstance(labels, pd.Index):
            label = labels[i : i + 1].tolist()[0]
            if not (isinstance(label, Integral) and label == i):
                name += f" (index label {label!r})"
        return name

    return locate


def _transform_block(
    part: Any,
    shipped: Shipment,
    n_features: int,
    dtype: str,
    partitions: _Partitions,
    number: int | None = None,
    partition_info: dict | None = None,
    block_id: tuple | None = None,
) -> np.ndarray:
    """Transform partition ``number`` of documents (runs on a worker).

    ``number`` is given for a Bag's partition, else it comes from dask: a
    Series' ``partition_info``, an Array's ``block_id``.
    """
    if number is None:
        number = partition_info["number"] if partition_info is not None else block_id[0]
    docs = part if hasattr(part, "__len__") else list(part)
    n_docs = len(docs)
    if partitions.lengths is not None and n_docs != partitions.lengths[number]:
        raise ValueError(
            f"Partition {number} holds {n_docs} documents but lengths says "
            f"{partitions.lengths[number]}: the lengths passed to dask_transform do not match "
            "the data."
        )
    if n_docs == 0:
        return np.empty((0, n_features), dtype=dtype)
    locate = _locator(part, number, partitions)
    return transform_rows(
        shipped.estimator, docs, n_features, np.dtype(dtype), "dask_transform", locate
    )


def _transform_frame(part: Any, shipped: Shipment, *args: Any, partition_info: dict | None = None):
    """Transform one partition to a pandas DataFrame (runs on a worker).

    The arguments are those of :func:`_transform_block`; ``partition_info`` is
    named, so that dask's ``map_partitions`` passes it.
    """
    import pandas as pd

    docs = part if hasattr(part, "__len__") else list(part)
    X = _transform_block(docs, shipped, *args, partition_info=partition_info)
    index = getattr(part, "index", None)
    if not isinstance(index, pd.Index):  # a Bag's list or an Array's block
        index = pd.RangeIndex(len(docs))
    return pd.DataFrame(X, index=index, columns=_feature_names(shipped.estimator), copy=False)


def _feature_names(estimator: Any):
    import pandas as pd

    # as scikit-learn's set_output(transform="pandas") makes them
    return pd.Index(estimator.get_feature_names_out())


def _partition_length(part: Any) -> int:
    return len(part) if hasattr(part, "__len__") else sum(1 for _ in part)


# ---------------------------------------------------------------- validation
def _output_config(estimator: Any) -> str:
    config = getattr(estimator, "_sklearn_output_config", {}) or {}
    return config.get("transform", get_config()["transform_output"])


def _resolve_output(estimator: Any, output: Any) -> str:
    if output is not None and output not in _OUTPUTS:
        raise ValueError(
            "The 'output' parameter of dask_transform must be 'array', 'frame' or None. "
            f"Got {output!r} instead."
        )
    if output is not None:
        return output
    configured = _output_config(estimator)
    if configured == "pandas":
        return "frame"
    if configured != "default":
        raise ValueError(
            f"The estimator is configured with set_output(transform={configured!r}); "
            "dask_transform returns dask arrays or pandas-backed dask DataFrames. Pass "
            "output='array' or output='frame'."
        )
    return "array"


def _check_text_dtype(dtype: Any, what: str) -> None:
    import pandas as pd

    if isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
    if not (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)):
        raise TypeError(f"{what} must hold documents (str); it has dtype {dtype} instead.")


def _documents(data: Any, column: Any) -> tuple[str, Any]:
    """``(kind, collection)``: kind is 'bag', 'series' or 'array'."""
    import dask.array as da
    import dask.bag as db
    import dask.dataframe as dd

    if isinstance(data, dd.DataFrame):
        if column is None:
            raise ValueError("data is a dask DataFrame: pass column=<the name of its text column>.")
        if column not in data.columns:
            raise ValueError(
                f"Column {column!r} is not a column of the DataFrame; its columns are "
                f"{list(data.columns)}."
            )
        series = data[column]
        _check_text_dtype(series.dtype, f"Column {column!r}")
        return "series", series
    if column is not None:
        raise ValueError(
            f"column={column!r} selects a column of a dask DataFrame; data is a "
            f"{type(data).__module__}.{type(data).__name__}. Pass a dask DataFrame, or "
            "leave column=None."
        )
    if isinstance(data, dd.Series):
        _check_text_dtype(data.dtype, "The Series")
        return "series", data
    if isinstance(data, db.Bag):
        return "bag", data
    if isinstance(data, da.Array):
        if data.ndim != 1:
            raise ValueError(
                f"A dask Array of documents must be 1-D; got {data.ndim} dimensions "
                f"(shape {data.shape})."
            )
        if data.dtype.kind not in "OUS":
            raise TypeError(
                f"The dask Array must hold documents (str); it has dtype {data.dtype} instead."
            )
        return "array", data
    hint = ""
    if type(data).__module__.startswith(("pandas", "numpy", "builtins")):
        hint = (
            " For documents in memory call estimator.transform(documents), or make a dask "
            "collection of them first (dask.dataframe.from_pandas, dask.bag.from_sequence)."
        )
    raise TypeError(
        "dask_transform expects a dask Bag of str, a dask Series of str, a dask DataFrame "
        "with column=<text column>, or a 1-D dask Array of str; got "
        f"{type(data).__module__}.{type(data).__name__} instead.{hint}"
    )


def _resolve_lengths(lengths: Any, kind: str, collection: Any) -> tuple[int, ...] | None:
    if lengths is None or lengths is False:
        return None
    if kind == "array":
        if lengths is True:
            return None  # the chunk sizes are known already
        raise ValueError(
            "lengths is for Bags, Series and DataFrame columns: a dask Array's chunk sizes "
            "are known already."
        )
    if lengths is True:
        import dask

        if kind == "bag":  # as delayed tasks: the threaded scheduler, not a Bag's processes
            count = dask.delayed(_partition_length, pure=True)
            counts = dask.compute(*[count(part) for part in collection.to_delayed()])
        else:
            (counts,) = dask.compute(collection.map_partitions(len))
        return tuple(int(n) for n in counts)
    if isinstance(lengths, (str, bytes)) or not isinstance(lengths, Sequence):
        raise TypeError(
            "The 'lengths' parameter of dask_transform must be None, True or a sequence of "
            f"int. Got {lengths!r} instead."
        )
    if len(lengths) != collection.npartitions or not all(
        isinstance(n, Integral) and not isinstance(n, bool) and n >= 0 for n in lengths
    ):
        raise ValueError(
            f"lengths must hold one non-negative int per partition ({collection.npartitions} "
            f"partitions); got {list(lengths)!r}."
        )
    return tuple(int(n) for n in lengths)


# ---------------------------------------------------------------- the public function
def dask_transform(
    estimator: Any,
    data: Any,
    *,
    column: Hashable | None = None,
    output: Literal["array", "frame"] | None = None,
    lengths: bool | Sequence[int] | None = None,
    by_reference: bool = True,
    broadcast: bool = False,
) -> dask.array.Array | dask.dataframe.DataFrame:
    """Transform a dask collection of documents with a fitted vectorizer, lazily.

    Every partition is transformed on its own by ``estimator.transform``, so the
    result equals ``estimator.transform`` of all documents on one machine, bit
    for bit. The fitted estimator is one key of the task graph that every
    partition task depends on: it travels to each worker once and is unpickled
    there once, however many partitions that worker transforms.

    Parameters
    ----------
    estimator : fitted skembed vectorizer or transformer
        A fitted :class:`~skembed.Word2VecVectorizer`,
        :class:`~skembed.FastTextVectorizer`, :class:`~skembed.Doc2VecVectorizer`
        or :class:`~skembed.MeanEmbeddingVectorizer`, or any fitted transformer
        of raw documents with ``get_feature_names_out`` (e.g. a ``Pipeline``
        starting with one). The output width is
        ``len(estimator.get_feature_names_out())`` and the dtype the
        estimator's ``dtype``.
    data : dask Bag, Series, DataFrame or Array
        The documents: a ``dask.bag.Bag`` of str, a ``dask.dataframe.Series``
        of str, a ``dask.dataframe.DataFrame`` (with ``column``) or a 1-D
        ``dask.array.Array`` of str.
    column : hashable, default=None
        The text column when ``data`` is a DataFrame; must be None otherwise.
    output : {"array", "frame"}, default=None
        "array": a dask Array of shape (n_documents, n_features). "frame": a
        dask DataFrame whose columns are ``get_feature_names_out()``; for a
        Series or DataFrame its index (and divisions) are those of the input,
        for a Bag each partition is numbered from 0 as ``Bag.to_dataframe``
        does, for an Array the index is the document's position. None:
        "frame" if the estimator is configured with
        ``set_output(transform="pandas")`` (or scikit-learn's global
        ``transform_output`` is "pandas"), else "array".
    lengths : bool or sequence of int, default=None
        Chunk sizes of an "array" output. Dask does not know how many documents
        the partitions of a Bag or Series hold, so by default the array has
        unknown (NaN) chunk sizes along the first axis: slicing it by position
        or concatenating it along the second axis then needs
        ``.compute_chunk_sizes()``. True counts the documents of every
        partition now (one pass over the input); a sequence gives them (each
        partition is checked against it when transformed). A dask Array input
        keeps its own, known, chunk sizes. Known lengths also let the error for
        a bad document name its position in the whole collection (see Raises).
    by_reference : bool, default=True
        Send the estimator's arrays that are memory-mapped read-only from a
        file (the vectors of a :func:`skembed.save_vectors` store, a model
        loaded with :func:`skembed.load`) as a reference to the file: every
        worker maps the same file and the operating system shares its pages,
        instead of each worker receiving a copy. Workers must see the file at
        the same path (one machine, a shared file system or identical copies);
        each checks the file before mapping it (its size, the sha256 its
        store's manifest records, a sample of its bytes) and fails with a clear
        error if it differs. A file replaced on the client since it was opened
        is sent by value. False always sends the arrays' contents.
    broadcast : bool, default=False
        Send the estimator to every worker of the active ``dask.distributed``
        Client now, with ``client.scatter(..., broadcast=True)``, instead of
        placing it in the task graph. This keeps a large in-memory model out of
        the scheduler (and avoids Dask's "large graph" warning), but the result
        can then only be computed through that Client.

    Returns
    -------
    X : dask.array.Array of shape (n_documents, n_features) or dask.dataframe.DataFrame
        The document vectors, lazily: nothing is computed before
        ``.compute()`` (or ``.persist()``), except the partition lengths when
        ``lengths=True``.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        ``estimator`` is not fitted.
    TypeError
        ``data`` is not one of the collections above, or does not hold text.
    ValueError
        ``column`` is missing, unknown, or given for data that is not a
        DataFrame; or ``output`` / ``lengths`` are invalid. When computed: a
        document is not a str (None, NaN, a number, bytes that do not decode),
        as for ``estimator.transform``. The error names the document's position
        in the whole collection where the partition lengths are known (a dask
        Array, ``lengths``); else its position in its partition, with the
        index label of a Series' document.

    See Also
    --------
    skembed.distributed.spark_transform : The same for a Spark DataFrame column.

    Notes
    -----
    Partitions of a few thousand documents or more amortise the per-task
    overhead. Dask provides the parallelism: the workers' copy of every skembed
    vectorizer runs with ``n_jobs=None`` (the results do not depend on
    ``n_jobs``; ``estimator`` itself is not modified), and caches built on
    first use (a :class:`~skembed.Doc2VecVectorizer`'s inference model) are
    built once per worker. Dask's multiprocessing scheduler (without a
    ``distributed`` Client) sends every task its own copy of the estimator; a
    Client, even on one machine (``distributed.LocalCluster``), sends it once
    per worker process.

    Examples
    --------
    >>> import dask, dask.bag as db, numpy as np
    >>> from skembed import MeanEmbeddingVectorizer
    >>> from skembed.distributed import dask_transform
    >>> vec = MeanEmbeddingVectorizer({"good": [1.0, 0.0], "bad": [0.0, 1.0]}).fit([])
    >>> docs = db.from_sequence(["good good bad", "bad", "nothing known"], npartitions=2)
    >>> X = dask_transform(vec, docs)
    >>> X
    dask.array<concatenate, shape=(nan, 2), dtype=float32, chunksize=(nan, 2), ...>
    >>> with dask.config.set(scheduler="synchronous"):
    ...     X.compute()
    array([[0.6666667 , 0.33333334],
           [0.        , 1.        ],
           [0.        , 0.        ]], dtype=float32)
    """
    dask = _import_dask()
    check_transformer(estimator, "dask_transform", feature_names=True)
    output = _resolve_output(estimator, output)
    kind, docs = _documents(data, column)
    known = _check_lengths(lengths, output, kind, docs)
    n_features, dtype = _output_width(estimator)
    shipped = _ship(_returning_arrays(estimator), by_reference, broadcast)
    meta = np.empty((0, n_features), dtype=dtype)
    args = (shipped, n_features, dtype.str)
    if output == "frame":
        import pandas as pd

        frame_meta = pd.DataFrame(meta, columns=_feature_names(estimator), copy=False)
        return _to_frame(kind, docs, args, frame_meta, dask)
    if kind == "array":
        return _array_of_array(docs, args, meta, dask)
    partitions = _Partitions(lengths=known, offsets=_offsets(known))
    if kind == "series":
        return _array_of_series(docs, args, partitions, meta, dask)
    return _array_of_bag(docs, args, partitions, meta, dask)


def _check_lengths(lengths: Any, output: str, kind: str, docs: Any) -> tuple[int, ...] | None:
    """The partition lengths the user gave or asked for (None: unknown)."""
    if output == "frame" and lengths not in (None, False):
        raise ValueError(
            "lengths sets the chunk sizes of an array; it does not apply to output='frame'."
        )
    return _resolve_lengths(lengths, kind, docs)


def _output_width(estimator: Any) -> tuple[int, np.dtype]:
    """``(n_features, dtype)`` of the output, with one feature name per feature."""
    n_features, dtype = output_spec(estimator, "dask_transform")
    n_names = len(estimator.get_feature_names_out())
    if n_names != n_features:
        raise ValueError(
            f"get_feature_names_out() gives {n_names} names for the {n_features} features "
            "that transform returns."
        )
    return n_features, dtype


def _returning_arrays(estimator: Any) -> Any:
    """The estimator, or a shallow copy whose ``transform`` returns arrays.

    The workers build the containers themselves, so ``set_output`` is reset
    on the copy that is shipped.
    """
    if _output_config(estimator) == "default":
        return estimator
    estimator = copy.copy(estimator)
    config = dict(getattr(estimator, "_sklearn_output_config", {}) or {})
    estimator._sklearn_output_config = {**config, "transform": "default"}
    return estimator


# ---------------------------------------------------------------- assembling the output
def _array_of_array(docs: Any, args: tuple, meta: np.ndarray, dask: Any):
    """A dask Array of documents: one block per chunk, with its known chunk sizes."""
    import dask.array as da

    n_features = meta.shape[1]
    partitions = _Partitions(offsets=_offsets(docs.chunks[0]))
    return da.map_blocks(
        _transform_block,
        docs,
        *args,
        dask.delayed(partitions, traverse=False),
        new_axis=1,
        chunks=(docs.chunks[0], (n_features,)),
        dtype=meta.dtype,
        meta=meta,
        token="skembed-transform",
    )


def _array_of_series(docs: Any, args: tuple, partitions: _Partitions, meta: np.ndarray, dask: Any):
    """A dask Series: one block per partition, with the chunk sizes when known."""
    import dask.array as da

    X = docs.map_partitions(
        _transform_block,
        *args,
        dask.delayed(partitions, traverse=False),
        meta=meta,
        enforce_metadata=False,
        token="skembed-transform",
    )
    if partitions.lengths is None:
        return X
    chunks = (partitions.lengths, (meta.shape[1],))
    return da.Array(X.dask, X.name, chunks=chunks, dtype=meta.dtype, meta=meta)


def _array_of_bag(docs: Any, args: tuple, partitions: _Partitions, meta: np.ndarray, dask: Any):
    """A dask Bag: one delayed task per partition, assembled into an array."""
    import dask.array as da

    known, n_features = partitions.lengths, meta.shape[1]
    transform = dask.delayed(_transform_block, pure=True)
    name = _task_name(docs, args, partitions)
    shared = dask.delayed(partitions, traverse=False)
    blocks = []
    for i, part in enumerate(docs.to_delayed()):
        n_docs = np.nan if known is None else known[i]
        block = transform(part, *args, shared, i, dask_key_name=f"{name}-{i}")
        blocks.append(
            da.from_delayed(block, shape=(n_docs, n_features), dtype=meta.dtype, meta=meta)
        )
    if not blocks:
        return da.from_array(meta, chunks=meta.shape)
    return da.concatenate(blocks, axis=0)


def _task_name(bag: Any, args: tuple, *extra: Any) -> str:
    """The name of the transform tasks of a Bag: unique to the input and the estimator."""
    from dask.base import tokenize

    shipped, *rest = args
    return f"skembed-transform-{tokenize(bag.name, shipped.key, *rest, *extra)}"


def _to_frame(kind: str, docs: Any, args: tuple, meta: Any, dask: Any):
    import dask.dataframe as dd
    import pandas as pd

    partitions = _Partitions()  # lengths does not apply to frames
    if kind == "array":
        partitions = _Partitions(offsets=_offsets(docs.chunks[0]))
        # a partition per chunk, index = position; the documents as they are, not
        # converted to pyarrow strings (which would turn 3 into "3" and decode bytes)
        with dask.config.set({"dataframe.convert-string": False}):
            docs = dd.from_dask_array(docs)
        kind = "series"
    shared = dask.delayed(partitions, traverse=False)
    if kind == "series":
        meta = meta.set_axis(docs._meta.index[:0], axis=0)
        return docs.map_partitions(
            _transform_frame, *args, shared, meta=meta, token="skembed-transform"
        )
    transform = dask.delayed(_transform_frame, pure=True)
    name = _task_name(docs, args, "frame")
    frames = [
        transform(part, *args, shared, i, dask_key_name=f"{name}-{i}")
        for i, part in enumerate(docs.to_delayed())
    ]
    return dd.from_delayed(frames, meta=meta.set_axis(pd.RangeIndex(0), axis=0), verify_meta=False)
