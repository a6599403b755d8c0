"""Bad documents in dask_transform and spark_transform: the error names the document.

Each partition is transformed on its own by ``estimator.transform``, which
numbers the documents of that partition from 0; the engines name the document
in the whole collection instead, as ``transform`` of all the documents does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

import dask  # noqa: E402
import dask.array as da  # noqa: E402
import dask.bag as db  # noqa: E402
import dask.dataframe as dd  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from test_distributed_dask import client  # noqa: E402, F401  (the LocalCluster fixture)

from skembed import MeanEmbeddingVectorizer  # noqa: E402
from skembed.distributed import dask_transform, spark_transform  # noqa: E402

GOOD = ["good movie", "bad film", "good bad", "bad", "good", "film", "movie good"]


@pytest.fixture(scope="module")
def vec():
    vectors = {"good": [1.0, 0.0], "bad": [0.0, 1.0], "movie": [0.5, 0.5], "film": [0.2, 0.8]}
    return MeanEmbeddingVectorizer(vectors).fit(GOOD)


def _local_error(est, docs) -> str:
    """The message of ``est.transform`` of all the documents, on one machine."""
    with pytest.raises(ValueError) as info:
        est.transform(docs)
    return str(info.value)


def _dask_error(est, data, **kwargs) -> str:
    with pytest.raises(ValueError) as info:
        dask_transform(est, data, **kwargs).compute()
    return str(info.value)


# ---------------------------------------------------------------- dask: position known
@pytest.mark.parametrize("bad", [None, 3, b"\xff\xfe"])
@pytest.mark.parametrize("kind", ["bag", "array", "array-frame"])
def test_dask_names_the_document_as_local_transform_does(vec, kind, bad):
    docs = [*GOOD[:5], bad, *GOOD[5:]]  # document 5: in the second of 3 partitions
    if kind == "bag":
        data, kwargs = db.from_sequence(docs, npartitions=3), {"lengths": True}
    else:
        data = da.from_array(np.array(docs, dtype=object), chunks=3)
        kwargs = {"output": "frame"} if kind == "array-frame" else {}
    with dask.config.set(scheduler="sync"):
        got = _dask_error(vec, data, **kwargs)
    assert got.startswith("Document 5 ")
    assert got == _local_error(vec, docs)


@pytest.mark.parametrize("column", [False, True])
def test_dask_series_with_lengths_names_the_position(vec, column):
    docs = pd.Series([*GOOD[:5], None, *GOOD[5:]], index=list("abcdefgh"))
    data = dd.from_pandas(docs.to_frame("text") if column else docs, npartitions=3)
    kwargs = {"column": "text"} if column else {}
    with dask.config.set(scheduler="sync"):
        got = _dask_error(vec, data, lengths=True, **kwargs)
    assert got.startswith("Document 5 is NaN; expected a str")
    assert got == _local_error(vec, docs)


def test_dask_pipeline_error_is_renamed_too(vec):
    pipe = make_pipeline(vec, StandardScaler()).fit(GOOD)
    docs = [*GOOD, None]
    data = da.from_array(np.array(docs, dtype=object), chunks=3)
    with dask.config.set(scheduler="sync"):
        assert _dask_error(pipe, data) == _local_error(pipe, docs)


# ---------------------------------------------------------------- dask: position unknown
def test_dask_bag_without_lengths_names_partition_and_position(vec):
    docs = [*GOOD[:5], 3, *GOOD[5:]]
    bag = db.from_sequence(docs, npartitions=3)  # partitions of 3: document 5 is 2 of 1
    with dask.config.set(scheduler="sync"):
        for output in ("array", "frame"):
            got = _dask_error(vec, bag, output=output)
            assert got.startswith("Document 2 of partition 1 is of type int; expected a str")


def test_dask_series_without_lengths_adds_the_index_label(vec):
    docs = pd.Series([*GOOD[:5], None, *GOOD[5:]], index=list("abcdefgh"))
    series = dd.from_pandas(docs, npartitions=3)
    parts = [series.get_partition(i).compute().index.tolist() for i in range(3)]
    number = next(i for i, labels in enumerate(parts) if "f" in labels)
    within = parts[number].index("f")
    with dask.config.set(scheduler="sync"):
        for output in ("array", "frame"):
            got = _dask_error(vec, series, output=output)
            assert got.startswith(
                f"Document {within} of partition {number} (index label 'f') is NaN"
            ), got


# ---------------------------------------------------------------- dask: on a cluster
def test_dask_cluster_names_the_document(client, vec):  # noqa: F811
    docs = [*GOOD, *GOOD, None, *GOOD]
    data = da.from_array(np.array(docs, dtype=object), chunks=4)
    assert _dask_error(vec, data).startswith("Document 14 is None")
    bag = db.from_sequence(docs, npartitions=4)
    assert _dask_error(vec, bag, lengths=True) == _local_error(vec, docs)


# ---------------------------------------------------------------- spark
try:
    from test_distributed_spark import spark  # noqa: F401  (the local[2] session, 8 rows a batch)
except pytest.skip.Exception:  # no pyspark or pyarrow

    @pytest.fixture
    def spark():
        pytest.skip("spark_transform needs pyspark and pyarrow")


@pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")
def test_spark_names_partition_and_position_across_batches(spark, vec):
    from pyspark.errors import PythonException

    rows = [(i, doc.encode()) for i, doc in enumerate(GOOD * 3)]  # 21 rows: 3 Arrow batches
    rows[11] = (11, b"\xff\xfe bad")  # row 3 of the second batch
    frame = spark.createDataFrame(rows, "id long, text binary").coalesce(1)
    with pytest.raises(PythonException) as info:
        spark_transform(vec, frame, "text").collect()
    assert "Document 11 of partition 0 (column 'text') could not be decoded" in str(info.value)
    rows[4] = (4, None)  # with on_null="null", the null rows are left out of transform
    frame = spark.createDataFrame(rows, "id long, text binary").coalesce(1)
    with pytest.raises(PythonException) as info:
        spark_transform(vec, frame, "text", on_null="null").collect()
    assert "Document 11 of partition 0 (column 'text') could not be decoded" in str(info.value)
