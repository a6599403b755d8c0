"""Spark: transform a DataFrame column with a fitted estimator; import Spark ML word vectors.

:func:`spark_transform` runs a fitted skembed vectorizer (or a scikit-learn
pipeline built on one) over a string column of a Spark DataFrame. The
estimator is pickled once on the driver and sent to the executors as a Spark
broadcast variable; arrays that are memory-mapped from a skembed vectors store
or from a directory written by :func:`skembed.save` are not copied but
referred to by path, and every executor memory-maps the same files after
checking them (see :mod:`._shipping`, which Dask shares). Each Arrow
batch of documents is transformed with the estimator's own ``transform``, so
the result equals ``estimator.transform(docs)`` on one machine, bit for bit.

:func:`import_spark_word2vec` writes the vectors of a Spark ML
``Word2VecModel``, given as the fitted model or as the directory it was saved
to, into skembed's native vectors store, which ``MeanEmbeddingVectorizer`` and
``TextCNNClassifier`` open memory-mapped.

pyspark and pyarrow are imported inside the functions only, so importing this
module needs neither.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from sklearn.utils._param_validation import StrOptions, validate_params

from .._native import save_vectors
from ._shipping import Engine, Shipment, check_transformer, output_spec, transform_rows

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame

__all__ = ["import_spark_word2vec", "spark_transform"]


_ENGINE = Engine(
    sender="driver",
    receiver="executor",
    by_value="stores='copy'",
    cloudpickle="pyspark.cloudpickle",
)


# ====================================================================== transform
def _text_types() -> tuple[type, ...]:
    from pyspark.sql import types as T

    names = ("StringType", "BinaryType", "CharType", "VarcharType")
    return tuple(getattr(T, n) for n in names if hasattr(T, n))


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
    value_type = pa.float32() if dtype == np.float32 else pa.float64()
    list_type = pa.list_(pa.field("element", value_type, nullable=False))
    estimator = None
    seen = 0  # documents of this partition before the current batch, for errors
    # list offsets are int32: cut batches so that n_rows * n_features stays below 2**31
    step = max(1, (2**31 - 1) // max(n_features, 1))
    for whole in batches:
        for start in range(0, max(whole.num_rows, 1), step):
            batch = whole.slice(start, step)
            n = batch.num_rows
            if n == 0:
                continue
            column = batch.column(input_col)
            docs = column.to_pylist()
            valid = None
            rows = np.arange(seen, seen + n)  # the position in the partition of each doc
            if column.null_count:
                is_valid = column.is_valid().to_numpy(zero_copy_only=False)
                if on_null == "error":
                    raise _null_error(input_col, int(rows[~is_valid][0]))
                valid = is_valid
                docs = [d for d in docs if d is not None]
                rows = rows[valid]
            if estimator is None:  # a Broadcast of the shipment, or the shipment (inline)
                shipment = source if isinstance(source, Shipment) else source.value
                estimator = shipment.estimator
            X = transform_rows(
                estimator,
                docs,
                n_features,
                dtype,
                "spark_transform",
                lambda i, rows=rows: _document_name(input_col, int(rows[i])),
            )
            if valid is not None:
                full = np.zeros((n, n_features), dtype=dtype)
                full[valid] = X
                X = full
            mask = None if valid is None else pa.array(~valid)
            arrays = [batch.column(name) for name in keep_cols]
            if output == "array":
                offsets = pa.array(np.arange(0, (n + 1) * n_features, n_features, dtype=np.int32))
                values = pa.array(X.reshape(-1), type=value_type)
                arrays.append(pa.ListArray.from_arrays(offsets, values, list_type, mask=mask))
            else:
                arrays.extend(
                    pa.array(X[:, j], type=value_type, mask=None if mask is None else ~valid)
                    for j in range(n_features)
                )
            seen += n
            yield pa.RecordBatch.from_arrays(arrays, names=keep_cols + out_names)


@validate_params(
    {
        "input_col": [str],
        "output_col": [str],
        "output": [StrOptions({"array", "columns"})],
        "keep_cols": ["array-like", None],
        "on_null": [StrOptions({"error", "null"})],
        "stores": [StrOptions({"path", "copy"})],
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
    stores: Literal["path", "copy"] = "path",
) -> DataFrame:
    """Transform a text column of a Spark DataFrame with a fitted estimator.

    The documents of each partition are passed, one Arrow batch at a time
    (``spark.sql.execution.arrow.maxRecordsPerBatch`` rows, 10,000 by
    default), to ``estimator.transform`` inside Spark's ``mapInArrow``; the
    result is lazy like any DataFrame. Each row's vector equals the row of
    ``estimator.transform(docs)`` computed on one machine, bit for bit:
    float32 output is written as Spark ``FloatType``, float64 output as
    ``DoubleType``, without conversion.

    The estimator is pickled once, on the driver, and sent to each executor
    once as a broadcast variable; each Python worker unpickles it on first
    use and keeps it for the later partitions. Arrays memory-mapped
    read-only from a file -- a skembed vectors store
    (``MeanEmbeddingVectorizer(vectors=<store dir>)``), a directory written
    by :func:`skembed.save` and opened with :func:`skembed.load` -- are not
    pickled: they travel as their path, offset and shape with a stamp of the
    file (its size, the sha256 the directory's manifest records, a sample of
    its bytes), and the executors memory-map the same files, whose pages the
    Python workers of a machine share.

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
    stores : {"path", "copy"}, default="path"
        "path" ships memory-mapped files by path as described above: every
        executor must see them at the same path (a shared file system, or the
        same copy on every node). Before mapping a file, an executor checks
        its size, the sha256 its store's (or saved model's) manifest records
        (the modification time for a file outside a skembed directory) and a
        sample of its bytes against the driver's, and refuses a file that
        differs. An estimator whose store was replaced on the driver since it
        was opened sends its arrays' contents. "copy" pickles the arrays into
        the broadcast like everything else.

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
    try:
        from pyspark.sql import DataFrame as SparkDataFrame
    except ImportError as exc:  # pragma: no cover
        raise ImportError(
            'spark_transform needs pyspark: pip install "skembed[distributed]"'
        ) from exc
    from pyspark.sql import types as T

    check_transformer(estimator, "spark_transform", feature_names=False)
    if not isinstance(df, SparkDataFrame) and not (
        hasattr(df, "mapInArrow") and hasattr(df, "schema")
    ):
        raise TypeError(f"df must be a pyspark.sql.DataFrame; got {type(df).__name__} instead.")

    schema = df.schema
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

    n_features, dtype = output_spec(estimator, "spark_transform", sparse=False)
    dtype = np.dtype(np.float32) if dtype == np.float32 else np.dtype(np.float64)
    spark_type = T.FloatType() if dtype == np.float32 else T.DoubleType()
    nullable = on_null == "null"
    if output == "array":
        out_names = [output_col]
        out_fields = [
            T.StructField(output_col, T.ArrayType(spark_type, containsNull=False), nullable)
        ]
    else:
        if not hasattr(estimator, "get_feature_names_out"):
            raise TypeError(
                f"output='columns' names the columns by get_feature_names_out(), which "
                f"{type(estimator).__name__} does not have; use output='array'."
            )
        out_names = [str(name) for name in estimator.get_feature_names_out()]
        if len(out_names) != n_features:
            raise ValueError(
                f"get_feature_names_out() gives {len(out_names)} names for {n_features} features."
            )
        out_fields = [T.StructField(name, spark_type, nullable) for name in out_names]
    taken = sorted(set(keep) & set(out_names))
    if taken:
        raise ValueError(
            f"The output column(s) {taken} would replace column(s) of df: choose another "
            "output_col, or leave them out of keep_cols."
        )
    out_schema = T.StructType([schema[name] for name in keep] + out_fields)

    try:
        sc = df.sparkSession.sparkContext
    except Exception:  # Spark Connect has no SparkContext
        sc = None
    # pickled once, here; Spark Connect sends it with every task (see Notes)
    shipment = Shipment(estimator, engine=_ENGINE, by_reference=stores == "path", cache=sc is None)
    source = shipment if sc is None else sc.broadcast(shipment)
    func = partial(
        _map_partition,
        source=source,
        input_col=input_col,
        keep_cols=keep,
        output=output,
        out_names=out_names,
        n_features=n_features,
        dtype=dtype.str,
        on_null=on_null,
    )
    return df.mapInArrow(func, out_schema)


# ====================================================================== Word2Vec import
_ML_WORD2VEC = "org.apache.spark.ml.feature.Word2VecModel"
_MLLIB_WORD2VEC = "org.apache.spark.mllib.feature.Word2VecModel"
_PIPELINE_MODEL = "org.apache.spark.ml.PipelineModel"


def _filesystem(path: str):
    """A pyarrow file system and the path in it (a local path, or a URI like hdfs://...)."""
    from pyarrow import fs as pafs

    if "://" in path:
        return pafs.FileSystem.from_uri(path)
    return pafs.LocalFileSystem(), os.path.abspath(path)


def _list_files(fs, directory: str) -> list[str]:
    """The visible files of ``directory`` (no ``_SUCCESS``, ``.crc``, hidden files), sorted."""
    from pyarrow import fs as pafs

    infos = fs.get_file_info(pafs.FileSelector(directory, allow_not_found=True))
    return sorted(
        info.path
        for info in infos
        if info.type == pafs.FileType.File and not info.base_name.startswith(("_", "."))
    )


def _read_spark_metadata(fs, root: str, what: str) -> dict:
    from pyarrow import fs as pafs

    info = fs.get_file_info(root)
    if info.type == pafs.FileType.NotFound:
        raise FileNotFoundError(f"No such saved Spark model: {what!r}")
    if info.type != pafs.FileType.Directory:
        raise NotADirectoryError(f"A saved Spark model is a directory; {what!r} is not.")
    meta_dir = f"{root}/metadata"
    if fs.get_file_info(meta_dir).type != pafs.FileType.Directory:
        raise ValueError(
            f"{what!r} is not a saved Spark ML model: it has no metadata/ directory "
            "(save the model with model.save(path) or model.write().save(path))."
        )
    for file in _list_files(fs, meta_dir):
        with fs.open_input_stream(file) as fh:
            for line in fh.read().decode("utf-8").splitlines():
                if line.strip():
                    try:
                        meta = json.loads(line)
                    except ValueError as exc:
                        raise ValueError(f"The metadata of {what!r} is corrupt: {exc}") from None
                    if isinstance(meta, dict):
                        return meta
    raise ValueError(f"The metadata/ directory of {what!r} holds no model metadata.")


def _read_saved_word2vec(path: str) -> tuple[list[str], np.ndarray]:
    """Words and float32 vectors of a saved Word2VecModel directory, read with pyarrow."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from pyarrow import fs as pafs

    fs, root = _filesystem(path)
    root = root.rstrip("/")
    meta = _read_spark_metadata(fs, root, path)
    found = meta.get("class")
    if found == _PIPELINE_MODEL:
        # a fitted Pipeline (e.g. RegexTokenizer + Word2Vec): use its Word2Vec stage
        stage_infos = fs.get_file_info(pafs.FileSelector(f"{root}/stages", allow_not_found=True))
        stages = sorted(i.path for i in stage_infos if i.type == pafs.FileType.Directory)
        hits = [s for s in stages if _read_spark_metadata(fs, s, s).get("class") == _ML_WORD2VEC]
        if len(hits) != 1:
            raise ValueError(
                f"The PipelineModel saved at {path!r} has {len(hits)} Word2VecModel stages; "
                "expected exactly one. Pass the directory of that stage instead."
            )
        root = hits[0]
        meta = _read_spark_metadata(fs, root, root)
        found = meta.get("class")
    if found not in (_ML_WORD2VEC, _MLLIB_WORD2VEC):
        raise ValueError(
            f"{path!r} holds a saved {found}, not a Spark Word2VecModel ({_ML_WORD2VEC})."
        )
    data_dir = f"{root}/data"
    files = [f for f in _list_files(fs, data_dir) if not f.endswith(".crc")]
    if not files:
        raise ValueError(f"The saved Word2VecModel {path!r} has no data files under data/.")
    table = pa.concat_tables([pq.read_table(f, filesystem=fs) for f in files])
    names = set(table.column_names)
    if {"word", "vector"} <= names:  # Spark >= 2.2, and spark.mllib: one row per word
        words_col = table.column("word").combine_chunks()
        vectors = table.column("vector").combine_chunks()
        if words_col.null_count or vectors.null_count:
            raise ValueError(f"The saved Word2VecModel {path!r} has null words or vectors.")
        words = words_col.to_pylist()
        matrix = _list_array_to_matrix(vectors, len(words), path)
    elif {"wordIndex", "wordVectors"} <= names:  # Spark < 2.2: one row, index map + flat array
        if table.num_rows != 1:
            raise ValueError(f"Expected one row of data in {path!r}; found {table.num_rows}.")
        index = dict(table.column("wordIndex").to_pylist()[0])
        flat = table.column("wordVectors").combine_chunks().flatten()
        flat = np.asarray(flat.to_numpy(zero_copy_only=False), dtype=np.float32)
        if not index or flat.size % len(index) or sorted(index.values()) != list(range(len(index))):
            raise ValueError(f"The saved Word2VecModel {path!r} is inconsistent or empty.")
        matrix = flat.reshape(len(index), -1)
        words = [""] * len(index)
        for word, i in index.items():
            words[i] = word
    else:
        raise ValueError(f"Unknown Word2VecModel data layout in {path!r}: columns {sorted(names)}.")
    size = next(
        (
            where["vectorSize"]
            for where in (meta.get("paramMap"), meta.get("defaultParamMap"), meta)
            if isinstance(where, dict) and "vectorSize" in where
        ),
        None,
    )
    if size is not None and matrix.shape[1] != int(size) and matrix.shape[0]:
        raise ValueError(
            f"The vectors of {path!r} have {matrix.shape[1]} dimensions; its metadata says "
            f"vectorSize={size}."
        )
    return words, matrix


def _list_array_to_matrix(vectors, n_words: int, what: str) -> np.ndarray:
    """A (n_words, dim) float32 matrix from an Arrow list array of equal-length vectors."""
    import pyarrow.compute as pc

    if n_words == 0:
        return np.zeros((0, 0), dtype=np.float32)
    lengths = pc.list_value_length(vectors).to_numpy(zero_copy_only=False)
    if (lengths != lengths[0]).any():
        raise ValueError(f"The vectors of {what} do not all have the same length.")
    values = vectors.flatten().to_numpy(zero_copy_only=False)
    return np.asarray(values, dtype=np.float32).reshape(n_words, int(lengths[0]))


def _find_word2vec(model: Any) -> Any:
    """The Word2VecModel of ``model`` (itself, or the one stage of a PipelineModel)."""
    if hasattr(model, "getVectors"):
        return model
    stages = getattr(model, "stages", None)
    if isinstance(stages, list):
        hits = [s for s in stages if hasattr(s, "getVectors")]
        if len(hits) == 1:
            return hits[0]
        raise ValueError(
            f"The PipelineModel has {len(hits)} Word2VecModel stages; expected exactly one. "
            "Pass that stage instead."
        )
    raise TypeError(
        "model_or_path must be a fitted pyspark.ml.feature.Word2VecModel, a PipelineModel "
        "holding one, or the path of a saved one; got "
        f"{type(model).__name__} instead."
    )


def _collect_word2vec(model: Any) -> tuple[list[str], np.ndarray]:
    """Words and float32 vectors of a fitted Word2VecModel, collected to the driver."""
    from pyspark.ml.functions import vector_to_array

    frame = model.getVectors().select(
        "word", vector_to_array("vector", dtype="float32").alias("vector")
    )
    if hasattr(frame, "toArrow"):  # pyspark >= 4.0
        table = frame.toArrow()
        words = table.column("word").to_pylist()
        matrix = _list_array_to_matrix(
            table.column("vector").combine_chunks(), len(words), "the Word2VecModel"
        )
    else:  # pragma: no cover - pyspark 3.5
        rows = frame.collect()
        words = [r["word"] for r in rows]
        matrix = np.asarray([r["vector"] for r in rows], dtype=np.float32).reshape(len(words), -1)
    return words, matrix


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
    ``TextCNNClassifier(embeddings=dest)`` open memory-mapped in milliseconds
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
    if isinstance(model_or_path, (str, os.PathLike)):
        words, matrix = _read_saved_word2vec(os.fspath(model_or_path))
        what = repr(os.fspath(model_or_path))
    else:
        words, matrix = _collect_word2vec(_find_word2vec(model_or_path))
        what = "the Word2VecModel"
    if not words:
        raise ValueError(f"{what} holds no words.")
    if len(set(words)) != len(words):
        raise ValueError(f"{what} holds some words twice.")
    order = sorted(range(len(words)), key=words.__getitem__)
    words = [words[i] for i in order]
    matrix = matrix[np.asarray(order, dtype=np.int64)]
    return save_vectors(dest, words, matrix, overwrite=overwrite)
