"""Spark: transform a DataFrame column with a fitted estimator; import Spark ML word vectors.

:func:`spark_transform` is a thin adapter over :mod:`skembed._parallel._shipping`:
it checks the DataFrame, broadcasts the shipped estimator once, and runs the
estimator's own ``transform`` on each Arrow batch inside ``mapInArrow``.
docs/developer.md ("The Dask and Spark adapters") explains the design.

:func:`import_spark_word2vec` writes the vectors of a Spark ML
``Word2VecModel`` into skembed's native vectors store.

pyspark and pyarrow are imported inside the functions only, so importing this
module needs neither.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from sklearn.utils._param_validation import StrOptions, validate_params

from .._parallel._shipping import Engine, Shipment, transform_rows
from ..vectors import read_spark_word2vec, save_vectors
from ._checks import check_transformer, output_spec

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame

__all__ = ["import_spark_word2vec", "spark_transform"]


_ENGINE = Engine(sender="driver", receiver="executor", cloudpickle="pyspark.cloudpickle")


# ====================================================================== transform
@validate_params(
    {
        "input_col": [str],
        "output_col": [str],
        "output": [StrOptions({"array", "columns"})],
        "keep_cols": ["array-like", None],
        "on_null": [StrOptions({"error", "null"})],
        "by_reference": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def spark_transform(
    estimator: Any,
    df: DataFrame,
    input_col: str,
    *,
    output_col: str = "embedding",
    output: Literal["array", "columns"] = "array",
    keep_cols: Sequence[str] | None = None,
    on_null: Literal["error", "null"] = "error",
    by_reference: bool = True,
) -> DataFrame:
    """Transform a text column of a Spark DataFrame with a fitted estimator.

    The documents of each partition are passed, one Arrow batch at a time
    (``spark.sql.execution.arrow.maxRecordsPerBatch`` rows, 10,000 by
    default), to ``estimator.transform`` inside Spark's ``mapInArrow``; the
    result is lazy like any DataFrame. Each row's vector equals the row of
    ``estimator.transform(docs)`` computed on one machine, bit for bit:
    float32 output is written as Spark ``FloatType``, float64 output as
    ``DoubleType``, without conversion. The estimator is pickled once, on the
    driver, and sent to each executor once as a broadcast variable; each
    Python worker unpickles it on first use and keeps it for the later
    partitions.

    Parameters
    ----------
    estimator : fitted transformer
        A fitted skembed vectorizer, or any fitted transformer of a list of
        strings into a dense 2-D array (e.g. a ``Pipeline`` of a skembed
        vectorizer and a scaler). It must be picklable with cloudpickle and
        importable (skembed installed) on the executors.
    df : pyspark.sql.DataFrame
        The documents.
    input_col : str
        Name of the column of documents, of Spark type string (or binary,
        decoded with the estimator's ``encoding``).
    output_col : str, default="embedding"
        Name of the output column when ``output="array"``.
    output : {"array", "columns"}, default="array"
        "array": one column ``output_col`` of type ``array<float>`` (or
        ``array<double>`` for an estimator with ``dtype=np.float64``); turn it
        into a Spark ML vector with ``pyspark.ml.functions.array_to_vector``
        if needed. "columns": one ``float`` (``double``) column per feature,
        named by ``estimator.get_feature_names_out()``.
    keep_cols : sequence of str, default=None
        The columns of ``df`` passed through to the result, before the output
        column(s). None keeps all columns, ``input_col`` included; pass e.g.
        ``["id"]`` to avoid sending the text back from the Python workers.
    on_null : {"error", "null"}, default="error"
        A null document raises ``ValueError``, as ``transform`` does for
        ``None``, when the partition is computed: Spark then reports it as a
        failed job whose message contains that of the ``ValueError``. It names
        the partition and the document's position in it, as the error for any
        bad document (bytes that do not decode) does: a partition does not know
        where it starts in the DataFrame. "null" gives null
        documents a null vector (null in every column with
        ``output="columns"``).
    by_reference : bool, default=True
        Send the estimator's arrays that are memory-mapped read-only from a
        file (a skembed vectors store, a directory written by
        :func:`skembed.save` and opened with :func:`skembed.load`) as a
        reference to the file: the executors memory-map the same files, whose
        pages the Python workers of a machine share. Every executor must see
        them at the same path (a shared file system, or the same copy on every
        node); before mapping a file, an executor checks its size, the sha256
        its store's (or saved model's) manifest records and a sample of its
        bytes against the driver's, and refuses a file that differs. A file
        replaced on the driver since it was opened is sent by value. False
        pickles the arrays into the broadcast like everything else.

    Returns
    -------
    DataFrame
        ``keep_cols`` followed by the output column(s); one row per row of
        ``df``, in the same partitions.

    Raises
    ------
    NotFittedError
        ``estimator`` is not fitted.
    ValueError
        ``input_col`` or a column of ``keep_cols`` is not a column of ``df``,
        or an output column name is already taken.
    TypeError
        ``df`` is not a Spark DataFrame, ``input_col`` is not a string
        column, or the estimator does not return dense vectors.

    See Also
    --------
    import_spark_word2vec : Use word vectors trained by Spark ML in skembed.

    Notes
    -----
    Spark runs one task per core, so the executors' copy of every skembed
    vectorizer runs with ``n_jobs=None`` (its results do not depend on
    ``n_jobs``).

    With Spark Connect, where the client has no ``SparkContext`` to create
    broadcast variables, the pickled estimator travels inside the query plan
    and each Python worker unpickles it once per query.

    Examples
    --------
    >>> from pyspark.sql import SparkSession  # doctest: +SKIP
    >>> from skembed import Word2VecVectorizer
    >>> from skembed.distributed import spark_transform
    >>> docs = ["the cat sat on the mat", "the dog ate my homework"]
    >>> vec = Word2VecVectorizer(vector_size=4, min_count=1, random_state=0).fit(docs)
    >>> spark = SparkSession.builder.master("local[2]").getOrCreate()  # doctest: +SKIP
    >>> df = spark.createDataFrame(list(enumerate(docs)), ["id", "text"])  # doctest: +SKIP
    >>> out = spark_transform(vec, df, "text", keep_cols=["id"])  # doctest: +SKIP
    >>> out.printSchema()  # doctest: +SKIP
    root
     |-- id: long (nullable = true)
     |-- embedding: array (nullable = false)
     |    |-- element: float (containsNull = false)
    """
    spark_dataframe = _import_pyspark()
    from pyspark.sql import types as T

    check_transformer(estimator, "spark_transform", feature_names=False)
    if not isinstance(df, spark_dataframe) and not (
        hasattr(df, "mapInArrow") and hasattr(df, "schema")
    ):
        raise TypeError(f"df must be a pyspark.sql.DataFrame; got {type(df).__name__} instead.")
    schema = df.schema
    keep = _kept_columns(schema, input_col, keep_cols)
    n_features, dtype = output_spec(estimator, "spark_transform", sparse=False)
    dtype = np.dtype(np.float32) if dtype == np.float32 else np.dtype(np.float64)
    out_fields = _output_fields(estimator, output, output_col, n_features, dtype, on_null)
    out_names = [field.name for field in out_fields]
    taken = sorted(set(keep) & set(out_names))
    if taken:
        raise ValueError(
            f"The output column(s) {taken} would replace column(s) of df: choose another "
            "output_col, or leave them out of keep_cols."
        )
    out_schema = T.StructType([schema[name] for name in keep] + out_fields)
    func = partial(
        _map_partition,
        source=_send(df, estimator, by_reference),
        input_col=input_col,
        keep_cols=keep,
        output=output,
        out_names=out_names,
        n_features=n_features,
        dtype=dtype.str,
        on_null=on_null,
    )
    return df.mapInArrow(func, out_schema)


# ---------------------------------------------------------------- on the driver
def _import_pyspark() -> type:
    """``pyspark.sql.DataFrame``, or an ImportError that says how to install it."""
    try:
        from pyspark.sql import DataFrame as SparkDataFrame
    except ImportError as exc:  # pragma: no cover
        raise ImportError(
            'spark_transform needs pyspark: pip install "skembed[distributed]"'
        ) from exc
    return SparkDataFrame


def _text_types() -> tuple[type, ...]:
    from pyspark.sql import types as T

    names = ("StringType", "BinaryType", "CharType", "VarcharType")
    return tuple(getattr(T, n) for n in names if hasattr(T, n))


def _kept_columns(schema: Any, input_col: str, keep_cols: Sequence[str] | None) -> list[str]:
    """Check the text column, and return the columns passed through."""
    columns = list(schema.names)
    if input_col not in columns:
        raise ValueError(f"Column {input_col!r} is not a column of df; its columns are {columns}.")
    got = schema[input_col].dataType
    if not isinstance(got, _text_types()):
        raise TypeError(
            f"Column {input_col!r} must hold text: expected Spark type string (or binary), "
            f"got {got.simpleString()}."
        )
    keep = columns if keep_cols is None else [str(c) for c in keep_cols]
    missing = [c for c in keep if c not in columns]
    if missing:
        raise ValueError(f"keep_cols {missing} are not columns of df; its columns are {columns}.")
    if len(set(keep)) != len(keep):
        raise ValueError(f"keep_cols names a column twice: {keep}.")
    return keep


def _output_fields(
    estimator: Any, output: str, output_col: str, n_features: int, dtype: np.dtype, on_null: str
) -> list:
    """The Spark fields of the output column(s)."""
    from pyspark.sql import types as T

    spark_type = T.FloatType() if dtype == np.float32 else T.DoubleType()
    nullable = on_null == "null"
    if output == "array":
        return [T.StructField(output_col, T.ArrayType(spark_type, containsNull=False), nullable)]
    if not hasattr(estimator, "get_feature_names_out"):
        raise TypeError(
            f"output='columns' names the columns by get_feature_names_out(), which "
            f"{type(estimator).__name__} does not have; use output='array'."
        )
    names = [str(name) for name in estimator.get_feature_names_out()]
    if len(names) != n_features:
        raise ValueError(
            f"get_feature_names_out() gives {len(names)} names for {n_features} features."
        )
    return [T.StructField(name, spark_type, nullable) for name in names]


def _send(df: Any, estimator: Any, by_reference: bool) -> Any:
    """The estimator, pickled once here: a Broadcast of its shipment, or the shipment.

    Spark Connect has no SparkContext: the shipment then travels inside every
    task, and ``cache=True`` rebuilds it once per Python worker.
    """
    try:
        sc = df.sparkSession.sparkContext
    except Exception:  # Spark Connect has no SparkContext
        sc = None
    shipment = Shipment(estimator, engine=_ENGINE, by_reference=by_reference, cache=sc is None)
    return shipment if sc is None else sc.broadcast(shipment)


# ---------------------------------------------------------------- on the executors
def _map_partition(
    batches: Iterator[Any],
    *,
    source: Any,
    input_col: str,
    keep_cols: list[str],
    output: str,
    out_names: list[str],
    n_features: int,
    dtype: str,
    on_null: str,
) -> Iterator[Any]:
    """The ``mapInArrow`` function: one partition's Arrow batches in and out."""
    import pyarrow as pa

    dtype = np.dtype(dtype)
    estimator = None
    seen = 0  # documents of this partition before the current batch, for errors
    for batch in _cut(batches, n_features):
        docs, valid, rows = _documents(batch.column(input_col), seen, input_col, on_null)
        if estimator is None:  # a Broadcast of the shipment, or the shipment (inline)
            estimator = (source if isinstance(source, Shipment) else source.value).estimator
        X = transform_rows(
            estimator,
            docs,
            n_features,
            dtype,
            "spark_transform",
            lambda i, rows=rows: _document_name(input_col, int(rows[i])),
        )
        arrays = [batch.column(name) for name in keep_cols]
        arrays.extend(_output_arrays(X, valid, batch.num_rows, output))
        seen += batch.num_rows
        yield pa.RecordBatch.from_arrays(arrays, names=keep_cols + out_names)


def _cut(batches: Iterator[Any], n_features: int) -> Iterator[Any]:
    """The non-empty slices of ``batches`` that fit Arrow's int32 list offsets.

    A slice has fewer than ``2**31 / n_features`` rows, so that
    ``n_rows * n_features`` stays below ``2**31``.
    """
    step = max(1, (2**31 - 1) // max(n_features, 1))
    for whole in batches:
        for start in range(0, max(whole.num_rows, 1), step):
            batch = whole.slice(start, step)
            if batch.num_rows:
                yield batch


def _documents(
    column: Any, seen: int, input_col: str, on_null: str
) -> tuple[list, np.ndarray | None, np.ndarray]:
    """``(docs, valid, rows)`` of a batch's text column.

    ``valid`` is the mask of non-null documents (None when none is null),
    ``rows`` the position of each document of ``docs`` in the partition.
    """
    docs = column.to_pylist()
    rows = np.arange(seen, seen + len(docs))
    if not column.null_count:
        return docs, None, rows
    valid = column.is_valid().to_numpy(zero_copy_only=False)
    if on_null == "error":
        raise _null_error(input_col, int(rows[~valid][0]))
    return [d for d in docs if d is not None], valid, rows[valid]


def _output_arrays(X: np.ndarray, valid: np.ndarray | None, n: int, output: str) -> list:
    """The output column(s) of a batch of ``n`` rows, null where ``valid`` is False."""
    import pyarrow as pa

    n_features = X.shape[1]
    value_type = pa.float32() if X.dtype == np.float32 else pa.float64()
    if valid is not None:
        full = np.zeros((n, n_features), dtype=X.dtype)
        full[valid] = X
        X = full
    if output == "array":
        list_type = pa.list_(pa.field("element", value_type, nullable=False))
        offsets = pa.array(np.arange(0, (n + 1) * n_features, n_features, dtype=np.int32))
        values = pa.array(X.reshape(-1), type=value_type)
        mask = None if valid is None else pa.array(~valid)
        return [pa.ListArray.from_arrays(offsets, values, list_type, mask=mask)]
    mask = None if valid is None else ~valid
    return [pa.array(X[:, j], type=value_type, mask=mask) for j in range(n_features)]


def _document_name(input_col: str, index: int) -> str:
    """How errors name document ``index`` of the partition being computed.

    A Spark partition does not know how many rows the partitions before it
    hold (counting them is a job of its own, as ``RDD.zipWithIndex`` runs), so
    a document is named by its partition and its position in it.
    """
    from pyspark import TaskContext

    context = TaskContext.get()
    where = f" of partition {context.partitionId()}" if context is not None else ""
    return f"Document {index}{where} (column {input_col!r})"


def _null_error(input_col: str, index: int) -> ValueError:
    return ValueError(
        f"{_document_name(input_col, index)} is null; expected a str (or bytes). "
        f"Drop or fill missing documents before vectorizing, e.g. with "
        f"df.dropna(subset=[{input_col!r}]) or df.fillna('', subset=[{input_col!r}]), or "
        "pass on_null='null' to give them a null vector."
    )


# ====================================================================== Word2Vec import
def import_spark_word2vec(
    model_or_path: Any,
    dest: str | os.PathLike,
    *,
    overwrite: bool = False,
) -> Path:
    """Write the vectors of a Spark ML ``Word2VecModel`` as a skembed vectors store.

    Spark ML's ``Word2Vec`` trains word vectors over a corpus spread across a
    cluster. This function turns them into skembed's native vectors store, a
    directory that ``MeanEmbeddingVectorizer(vectors=dest)`` and
    ``TextCNNClassifier(vectors=dest)`` open memory-mapped in milliseconds
    (see :func:`skembed.save_vectors`).

    Parameters
    ----------
    model_or_path : Word2VecModel, PipelineModel, str or path-like
        A fitted ``pyspark.ml.feature.Word2VecModel`` (its vectors are
        collected to the driver with ``getVectors()``, so the whole matrix
        must fit within ``spark.driver.maxResultSize``), a fitted
        ``PipelineModel`` with one ``Word2VecModel`` stage, or the directory
        such a model was saved to with ``model.save(path)``: a local path or
        a URI (``hdfs://``, ``s3://``, ...) that pyarrow can read. A saved
        directory is read with pyarrow alone, without starting Spark, which
        suits models too large to collect. Models saved by Spark 2.2 and
        later, by Spark 1.6 to 2.1, and by ``pyspark.mllib`` are read.
    dest : str or path-like
        The store directory to create.
    overwrite : bool, default=False
        Replace an existing store (or empty directory) at ``dest``.

    Returns
    -------
    dest : Path
        The store.

    Raises
    ------
    TypeError
        ``model_or_path`` is neither a model nor a path.
    ValueError
        The directory holds another kind of model, or no vectors.
    FileExistsError
        ``dest`` exists and ``overwrite`` is False.

    See Also
    --------
    spark_transform : Run a fitted vectorizer over a Spark DataFrame.
    skembed.open_vectors : Open the store.
    skembed.vectors.read_spark_word2vec : The vectors as a WordVectors, without a store.

    Notes
    -----
    Spark keeps its vocabulary in a hash map, so neither ``getVectors()`` nor
    the saved files have a meaningful order, and they do not store word
    counts. The store lists the words sorted by code point (Python's
    ``sorted``), whichever way the model is given: the same model always
    gives the same store, byte for byte. Spark stores its vectors as float32,
    as skembed does, so they are copied exactly.

    Spark tokenizes before ``Word2Vec`` (e.g. with ``RegexTokenizer``); use
    the same tokenization in skembed (``token_pattern``, ``lowercase``) so
    that the words match. skembed's default ``token_pattern``
    ``r"(?u)\\b\\w\\w+\\b"`` is ``RegexTokenizer(pattern=r"(?U)\\b\\w\\w+\\b",
    gaps=False)`` in Java's regular expressions (``(?U)`` makes ``\\w`` match
    Unicode letters, as Python's ``\\w`` does).

    Examples
    --------
    >>> from pyspark.ml.feature import RegexTokenizer, Word2Vec  # doctest: +SKIP
    >>> from skembed import MeanEmbeddingVectorizer
    >>> from skembed.distributed import import_spark_word2vec
    >>> tokens = RegexTokenizer(  # doctest: +SKIP
    ...     inputCol="text", outputCol="tokens", pattern=r"(?U)\\b\\w\\w+\\b", gaps=False
    ... ).transform(df)
    >>> model = Word2Vec(inputCol="tokens", vectorSize=100).fit(tokens)  # doctest: +SKIP
    >>> store = import_spark_word2vec(model, "vectors/spark-w2v")  # doctest: +SKIP
    >>> vec = MeanEmbeddingVectorizer(vectors=store).fit(docs)  # doctest: +SKIP
    """
    wv = read_spark_word2vec(model_or_path)
    return save_vectors(dest, wv.words, wv.matrix, overwrite=overwrite)
