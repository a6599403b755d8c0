"""Spark ML ``Word2VecModel`` vectors: from a fitted model, or from the directory it was saved to.

A saved model is read with pyarrow alone (no Spark): its ``metadata/`` JSON
names the class, its ``data/`` Parquet files hold the words and vectors, in
one of two layouts (one row per word since Spark 2.2 and in ``spark.mllib``;
one row holding a ``wordIndex`` map and a flat ``wordVectors`` array before).
A fitted model's vectors are collected to the driver with ``getVectors()``.
pyspark and pyarrow are imported inside the functions only.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from ._word_vectors import WordVectors

__all__ = ["read_spark_word2vec"]

_ML_WORD2VEC = "org.apache.spark.ml.feature.Word2VecModel"
_MLLIB_WORD2VEC = "org.apache.spark.mllib.feature.Word2VecModel"
_PIPELINE_MODEL = "org.apache.spark.ml.PipelineModel"


def read_spark_word2vec(model_or_path: Any) -> WordVectors:
    """The vectors of a Spark ML ``Word2VecModel``, its words sorted by code point.

    Parameters
    ----------
    model_or_path : Word2VecModel, PipelineModel, str or path-like
        A fitted ``pyspark.ml.feature.Word2VecModel``, a fitted
        ``PipelineModel`` with one ``Word2VecModel`` stage, or the directory
        such a model was saved to (a local path or a URI that pyarrow reads).

    Returns
    -------
    WordVectors
        Spark keeps no meaningful word order: the words are sorted (Python's
        ``sorted``), so the same model always gives the same vectors.

    Raises
    ------
    TypeError
        ``model_or_path`` is neither a model nor a path.
    ValueError
        The directory holds another kind of model, no words, or a word twice.
    """
    if isinstance(model_or_path, (str, os.PathLike)):
        words, matrix = _read_saved_word2vec(os.fspath(model_or_path))
        what = repr(os.fspath(model_or_path))
        source = f"the saved Word2VecModel {what}"
    else:
        words, matrix = _collect_word2vec(_find_word2vec(model_or_path))
        what = source = "the Word2VecModel"
    if not words:
        raise ValueError(f"{what} holds no words.")
    if len(set(words)) != len(words):
        raise ValueError(f"{what} holds some words twice.")
    order = sorted(range(len(words)), key=words.__getitem__)
    words = [words[i] for i in order]
    matrix = matrix[np.asarray(order, dtype=np.int64)]
    return WordVectors(words, matrix, source=source)


# ---------------------------------------------------------------- a saved directory
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


def _word2vec_root(fs, root: str, path: str) -> tuple[str, dict]:
    """The directory and metadata of the Word2VecModel saved at ``root`` (or in its pipeline)."""
    from pyarrow import fs as pafs

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
    return root, meta


def _read_saved_word2vec(path: str) -> tuple[list[str], np.ndarray]:
    """Words and float32 vectors of a saved Word2VecModel directory, read with pyarrow."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    fs, root = _filesystem(path)
    root, meta = _word2vec_root(fs, root.rstrip("/"), path)
    files = [f for f in _list_files(fs, f"{root}/data") if not f.endswith(".crc")]
    if not files:
        raise ValueError(f"The saved Word2VecModel {path!r} has no data files under data/.")
    table = pa.concat_tables([pq.read_table(f, filesystem=fs) for f in files])
    words, matrix = _table_words_matrix(table, path)
    _check_vector_size(meta, matrix, path)
    return words, matrix


def _table_words_matrix(table, path: str) -> tuple[list[str], np.ndarray]:
    """Words and vectors of a saved model's data table, in either of Spark's layouts."""
    names = set(table.column_names)
    if {"word", "vector"} <= names:  # Spark >= 2.2, and spark.mllib: one row per word
        words_col = table.column("word").combine_chunks()
        vectors = table.column("vector").combine_chunks()
        if words_col.null_count or vectors.null_count:
            raise ValueError(f"The saved Word2VecModel {path!r} has null words or vectors.")
        words = words_col.to_pylist()
        return words, _list_array_to_matrix(vectors, len(words), path)
    if {"wordIndex", "wordVectors"} <= names:  # Spark < 2.2: one row, index map + flat array
        if table.num_rows != 1:
            raise ValueError(f"Expected one row of data in {path!r}; found {table.num_rows}.")
        index = dict(table.column("wordIndex").to_pylist()[0])
        flat = table.column("wordVectors").combine_chunks().flatten()
        flat = np.asarray(flat.to_numpy(zero_copy_only=False), dtype=np.float32)
        if not index or flat.size % len(index) or sorted(index.values()) != list(range(len(index))):
            raise ValueError(f"The saved Word2VecModel {path!r} is inconsistent or empty.")
        words = [""] * len(index)
        for word, i in index.items():
            words[i] = word
        return words, flat.reshape(len(index), -1)
    raise ValueError(f"Unknown Word2VecModel data layout in {path!r}: columns {sorted(names)}.")


def _check_vector_size(meta: dict, matrix: np.ndarray, path: str) -> None:
    """Refuse vectors of another length than the metadata's ``vectorSize``."""
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


# ---------------------------------------------------------------- a fitted model
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
