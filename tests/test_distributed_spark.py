"""skembed.distributed on Spark: spark_transform and import_spark_word2vec.

One local[2] SparkSession serves the module. Results are compared with the
estimator's own ``transform`` bit for bit.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import sys

import numpy as np
import pytest

pytest.importorskip("pyspark")
pa = pytest.importorskip("pyarrow")
import pyarrow.parquet as pq  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils._param_validation import InvalidParameterError  # noqa: E402

from skembed import (  # noqa: E402
    Doc2VecVectorizer,
    FastTextVectorizer,
    MeanEmbeddingVectorizer,
    Word2VecVectorizer,
    open_vectors,
    save_vectors,
)
from skembed._parallel._shipping import Shipment, mapped_file  # noqa: E402
from skembed.distributed import import_spark_word2vec, spark_transform  # noqa: E402
from skembed.distributed._spark import _ENGINE  # noqa: E402


def _dumps(est, by_reference: bool = True) -> bytes:
    """The estimator pickled as spark_transform broadcasts it."""
    return pickle.dumps(Shipment(est, engine=_ENGINE, by_reference=by_reference))


def _loads(payload: bytes):
    """The estimator as an executor rebuilds it."""
    return pickle.loads(payload).estimator


EXTRA_DOCS = [
    "",
    "   ",
    "Qwertyuiop zxcvbnm",
    "Café naïve résumé: ÉCOLE, straße and 東京 x2 ab_cd",
    "The the THE police police",
]
# pyspark 4 warns that it does not fully support pandas 3; nothing here uses pandas
pytestmark = pytest.mark.filterwarnings(
    "ignore:PySpark does not yet fully support pandas:FutureWarning"
)

#: Partitions of the test DataFrame: three of documents, then an empty one.
N_PARTITIONS = 4


def _java_available() -> bool:
    return shutil.which("java") is not None or bool(os.environ.get("JAVA_HOME"))


@pytest.fixture(scope="module")
def spark():
    if not _java_available():
        pytest.skip("Spark needs Java: no java on PATH and no JAVA_HOME")
    from pyspark.sql import SparkSession

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYSPARK_PYTHON", sys.executable)
        mp.setenv("PYSPARK_DRIVER_PYTHON", sys.executable)
        session = (
            SparkSession.builder.master("local[2]")
            .appName("skembed-tests")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.default.parallelism", "2")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            # several Arrow batches per partition
            .config("spark.sql.execution.arrow.maxRecordsPerBatch", "8")
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
        yield session
        session.stop()


@pytest.fixture(scope="module")
def docs(small_corpus) -> list[str]:
    return small_corpus[:40] + EXTRA_DOCS


@pytest.fixture(scope="module")
def ids(docs) -> list[int]:
    return [1000 + 7 * i for i in range(len(docs))]  # not the row numbers


@pytest.fixture(scope="module")
def df(spark, docs, ids):
    """(id, text) in three partitions of documents and an empty fourth one."""
    sc = spark.sparkContext
    rows = sc.parallelize(list(zip(ids, docs, strict=True)), N_PARTITIONS - 1).union(
        sc.parallelize([], 1)
    )
    frame = spark.createDataFrame(rows, "id long, text string")
    assert frame.rdd.getNumPartitions() == N_PARTITIONS
    return frame


def _collect(out, ids, column="embedding") -> np.ndarray:
    """The output column as a matrix, rows in the order of ``ids``."""
    table = out.toArrow()
    got_ids = table.column("id").to_pylist()
    assert sorted(got_ids) == sorted(ids)
    vectors = table.column(column).combine_chunks()
    matrix = vectors.flatten().to_numpy().reshape(len(got_ids), -1)
    position = {i: k for k, i in enumerate(got_ids)}
    return matrix[[position[i] for i in ids]]


def _assert_bitwise_equal(got: np.ndarray, expected: np.ndarray) -> None:
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert got.tobytes() == np.ascontiguousarray(expected).tobytes()


# ---------------------------------------------------------------- estimators
@pytest.fixture(scope="module")
def w2v(small_corpus):
    return Word2VecVectorizer(vector_size=10, min_count=1, epochs=2, random_state=0).fit(
        small_corpus
    )


@pytest.fixture(scope="module")
def word_vectors(w2v):
    words = sorted(w2v.vocabulary_, key=w2v.vocabulary_.__getitem__)
    return words, np.asarray(w2v.vectors_, dtype=np.float32)


@pytest.fixture(scope="module")
def store(word_vectors, tmp_path_factory):
    words, matrix = word_vectors
    return save_vectors(tmp_path_factory.mktemp("spark") / "store", words, matrix)


ESTIMATORS = {
    "word2vec": lambda c, w, s: Word2VecVectorizer(
        vector_size=10, min_count=1, epochs=2, pooling=("mean", "max"), random_state=0
    ).fit(c),
    "fasttext": lambda c, w, s: FastTextVectorizer(
        vector_size=8, min_count=1, epochs=2, bucket=2000, norm="l2", random_state=0
    ).fit(c),
    "doc2vec": lambda c, w, s: Doc2VecVectorizer(
        vector_size=8, min_count=1, epochs=2, infer_epochs=3, random_state=0
    ).fit(c),
    "mean_dict_sif": lambda c, w, s: MeanEmbeddingVectorizer(
        vectors=dict(zip(*w, strict=True)), weighting="sif", oov="random", random_state=0
    ).fit(c),
    "mean_store_float64": lambda c, w, s: MeanEmbeddingVectorizer(
        vectors=s, weighting="tfidf", dtype=np.float64
    ).fit(c),
}


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_spark_transform_equals_local_transform(
    name, df, docs, ids, small_corpus, word_vectors, store
):
    est = ESTIMATORS[name](small_corpus, word_vectors, store)
    expected = est.transform(docs)
    out = spark_transform(est, df, "text", keep_cols=["id"])
    element = out.schema["embedding"].dataType.elementType.simpleString()
    assert element == ("double" if expected.dtype == np.float64 else "float")
    assert out.columns == ["id", "embedding"] and not out.schema["embedding"].nullable
    assert out.rdd.getNumPartitions() == N_PARTITIONS
    _assert_bitwise_equal(_collect(out, ids), expected)


def test_columns_output_keeps_every_column_by_default(df, docs, ids, w2v):
    out = spark_transform(w2v, df, "text", output="columns")
    names = list(w2v.get_feature_names_out())
    assert out.columns == ["id", "text", *names]
    assert {out.schema[n].dataType.simpleString() for n in names} == {"float"}
    table = out.toArrow()
    order = np.argsort(table.column("id").to_numpy())
    assert [table.column("text").to_pylist()[k] for k in order] == docs
    got = np.column_stack([table.column(n).to_numpy() for n in names])[order]
    _assert_bitwise_equal(got, w2v.transform(docs))


def test_null_documents_raise_by_default(spark, w2v):
    from pyspark.errors import PythonException

    frame = spark.createDataFrame([(1, "a police car"), (2, None)], "id long, text string")
    with pytest.raises(
        PythonException, match=r"ValueError: Document 1 of partition \d+ \(column 'text'\) is null"
    ):
        spark_transform(w2v, frame.coalesce(1), "text").collect()


def test_null_documents_can_give_null_vectors(spark, w2v):
    rows = [(1, "a police car"), (2, None), (3, "fire")]
    frame = spark.createDataFrame(rows, "id long, text string").coalesce(1)
    out = spark_transform(w2v, frame, "text", keep_cols=["id"], on_null="null")
    assert out.schema["embedding"].nullable
    got = {r["id"]: r["embedding"] for r in out.collect()}
    assert got[2] is None
    expected = w2v.transform(["a police car", "fire"])
    assert np.array_equal(np.asarray(got[1], dtype=np.float32), expected[0])
    assert np.array_equal(np.asarray(got[3], dtype=np.float32), expected[1])


# ---------------------------------------------------------------- shipping
def test_store_matrices_are_shipped_by_path(store, small_corpus, docs):
    est = MeanEmbeddingVectorizer(vectors=store).fit(small_corpus)
    by_path, copied = _dumps(est), _dumps(est, by_reference=False)
    # by path, the payload holds the vocabulary but not the matrix
    assert (
        len(copied) > est.vectors_.nbytes > len(copied) - len(by_path) > 0.99 * est.vectors_.nbytes
    )
    clone = _loads(by_path)
    # mapped from the store's file, as the same type as the driver's array
    assert str(mapped_file(clone.vectors_).filename) == str(store / "vectors.npy")
    assert type(clone.vectors_) is type(est.vectors_)
    _assert_bitwise_equal(clone.transform(docs), est.transform(docs))
    # inside a Pipeline too
    pipe = make_pipeline(MeanEmbeddingVectorizer(vectors=store), StandardScaler())
    pipe.fit(small_corpus)
    assert len(_dumps(pipe)) < est.vectors_.nbytes


def test_store_matrices_by_value_give_the_same_vectors(df, docs, ids, small_corpus, store):
    est = MeanEmbeddingVectorizer(vectors=store).fit(small_corpus)
    out = spark_transform(est, df, "text", keep_cols=["id"], by_reference=False)
    _assert_bitwise_equal(_collect(out, ids), est.transform(docs))


def test_replaced_store_is_detected(word_vectors, small_corpus, tmp_path):
    words, matrix = word_vectors
    path = save_vectors(tmp_path / "store", words, matrix)
    est = MeanEmbeddingVectorizer(vectors=path).fit(small_corpus)
    payload = _dumps(est)
    # the store is replaced (same shape, other vectors) after the estimator was shipped:
    save_vectors(path, words, matrix + 1, overwrite=True)
    with pytest.raises(ValueError, match="not the one the driver's estimator uses"):
        _loads(payload)
    # ... or before: the estimator maps the old file, so its arrays are copied
    clone = _loads(_dumps(est))
    assert mapped_file(clone.vectors_) is None
    np.testing.assert_array_equal(clone.vectors_, matrix)
    shutil.rmtree(path)
    with pytest.raises(FileNotFoundError, match="by_reference=False"):
        _loads(payload)


def test_executor_copy_runs_in_one_process(store, small_corpus):
    pipe = make_pipeline(MeanEmbeddingVectorizer(vectors=store, n_jobs=2), StandardScaler())
    pipe.fit(small_corpus)
    assert _loads(_dumps(pipe))[0].n_jobs is None
    assert pipe[0].n_jobs == 2  # the driver's estimator is not modified


def test_inline_shipment_is_rebuilt_once_per_process(w2v):
    # Spark Connect: the shipment travels inside every task, under one token
    payload = pickle.dumps(Shipment(w2v, engine=_ENGINE, cache=True))
    first, second = pickle.loads(payload).estimator, pickle.loads(payload).estimator
    assert first is second and first is not w2v


# ---------------------------------------------------------------- errors
def test_spark_transform_errors(spark, df, w2v):
    with pytest.raises(NotFittedError):
        spark_transform(Word2VecVectorizer(), df, "text")
    with pytest.raises(TypeError, match="no transform method"):
        spark_transform(object(), df, "text")
    with pytest.raises(TypeError, match="must be a pyspark.sql.DataFrame; got list"):
        spark_transform(w2v, ["some text"], "text")
    with pytest.raises(ValueError, match=r"'txt' is not a column of df; its columns are \['id'"):
        spark_transform(w2v, df, "txt")
    with pytest.raises(TypeError, match="expected Spark type string .*, got bigint"):
        spark_transform(w2v, df, "id")
    with pytest.raises(ValueError, match=r"\['nope'\] are not columns of df"):
        spark_transform(w2v, df, "text", keep_cols=["id", "nope"])
    with pytest.raises(ValueError, match=r"output column\(s\) \['id'\] would replace"):
        spark_transform(w2v, df, "text", output_col="id")
    with pytest.raises(InvalidParameterError, match="'output' parameter"):
        spark_transform(w2v, df, "text", output="vector")
    with pytest.raises(InvalidParameterError, match="'keep_cols' parameter"):
        spark_transform(w2v, df, "text", keep_cols="id")
    with pytest.raises(InvalidParameterError, match="'by_reference' parameter"):
        spark_transform(w2v, df, "text", by_reference="copy")


# ---------------------------------------------------------------- Spark ML Word2Vec
@pytest.fixture(scope="module")
def tokenizer(spark):
    from pyspark.ml.feature import RegexTokenizer

    # skembed's default token_pattern (?u)\b\w\w+\b, in Java: (?U) = Unicode \w and \b
    return RegexTokenizer(inputCol="text", outputCol="tokens", pattern=r"(?U)\b\w\w+\b", gaps=False)


@pytest.fixture(scope="module")
def spark_model(spark, small_corpus, tokenizer):
    from pyspark.ml.feature import Word2Vec

    frame = spark.createDataFrame([(d,) for d in small_corpus], "text string")
    tokens = tokenizer.transform(frame)
    word2vec = Word2Vec(
        vectorSize=10, minCount=1, seed=42, inputCol="tokens", outputCol="w2v", numPartitions=1
    )
    return word2vec.fit(tokens)


@pytest.fixture(scope="module")
def spark_vectors(spark_model) -> dict[str, np.ndarray]:
    return {
        r["word"]: r["vector"].toArray().astype(np.float32)
        for r in spark_model.getVectors().collect()
    }


def test_regex_tokenizer_matches_skembed_tokens(spark, tokenizer, docs):
    frame = spark.createDataFrame([(d,) for d in docs], "text string").coalesce(1)
    got = [r["tokens"] for r in tokenizer.transform(frame).collect()]
    analyzer = Word2VecVectorizer().build_analyzer()
    assert got == [analyzer(d) for d in docs]


def test_import_from_model_and_saved_directory(spark_model, spark_vectors, tmp_path):
    from pyspark.ml import PipelineModel
    from pyspark.ml.feature import RegexTokenizer

    dest = import_spark_word2vec(spark_model, tmp_path / "from_model")
    assert dest == tmp_path / "from_model"
    words, vectors, subwords = open_vectors(dest)
    assert words == sorted(spark_vectors) and subwords is None
    assert vectors.shape == (len(words), 10)
    _assert_bitwise_equal(np.asarray(vectors), np.stack([spark_vectors[w] for w in words]))

    saved = str(tmp_path / "spark_model")
    spark_model.save(saved)
    assert {"metadata", "data"} <= set(os.listdir(saved))
    assert any(f.endswith(".parquet") for f in os.listdir(os.path.join(saved, "data")))
    from_dir = import_spark_word2vec(saved, tmp_path / "from_dir")
    for name in ("vectors.npy", "vocab.txt"):
        assert (from_dir / name).read_bytes() == (dest / name).read_bytes()

    # a fitted PipelineModel, as an object and saved
    pipeline = PipelineModel(stages=[RegexTokenizer(inputCol="text"), spark_model])
    from_pipe = import_spark_word2vec(pipeline, tmp_path / "from_pipeline")
    assert (from_pipe / "vectors.npy").read_bytes() == (dest / "vectors.npy").read_bytes()
    pipeline.save(str(tmp_path / "pipeline"))
    from_pipe_dir = import_spark_word2vec(tmp_path / "pipeline", tmp_path / "from_pipeline_dir")
    assert (from_pipe_dir / "vectors.npy").read_bytes() == (dest / "vectors.npy").read_bytes()

    with pytest.raises(FileExistsError, match="overwrite=True"):
        import_spark_word2vec(saved, dest)
    assert import_spark_word2vec(saved, dest, overwrite=True) == dest
    tokenizer_dir = str(tmp_path / "tokenizer")
    RegexTokenizer(inputCol="text").save(tokenizer_dir)
    with pytest.raises(ValueError, match="holds a saved org.apache.spark.ml.feature.RegexTok"):
        import_spark_word2vec(tokenizer_dir, tmp_path / "nope")
    with pytest.raises(FileNotFoundError, match="No such saved Spark model"):
        import_spark_word2vec(tmp_path / "missing", tmp_path / "nope")
    with pytest.raises(ValueError, match="no metadata/ directory"):
        import_spark_word2vec(dest, tmp_path / "nope")
    with pytest.raises(TypeError, match="must be a fitted pyspark.ml.feature.Word2VecModel"):
        import_spark_word2vec({"word": [0.0]}, tmp_path / "nope")


def test_imported_vectors_in_sklearn_and_spark_pipelines(
    spark_model, small_corpus, docs, ids, df, tmp_path
):
    store = import_spark_word2vec(spark_model, tmp_path / "w2v")
    y = np.array(["police" in d.lower() for d in small_corpus])
    clf = make_pipeline(MeanEmbeddingVectorizer(vectors=store), LogisticRegression())
    clf.fit(small_corpus, y)
    assert clf.predict(docs).shape == (len(docs),)
    features = make_pipeline(MeanEmbeddingVectorizer(vectors=store), StandardScaler())
    features.fit(small_corpus)
    out = spark_transform(features, df, "text", keep_cols=["id"], output_col="x")
    _assert_bitwise_equal(_collect(out, ids, "x"), features.transform(docs))


def test_imported_vectors_initialise_textcnn(spark_model, small_corpus, tmp_path):
    pytest.importorskip("torch")
    from skembed import TextCNNClassifier

    store = import_spark_word2vec(spark_model, tmp_path / "w2v")
    y = np.array(["police" in d.lower() for d in small_corpus])
    clf = TextCNNClassifier(
        vectors=store,
        mode="static",
        n_filters=2,
        filter_sizes=(2,),
        max_epochs=1,
        batch_size=16,
        max_len=20,
        random_state=0,
        # the tokens Spark's model was trained on: the vectorizers' (the RegexTokenizer above),
        # not the networks' defaults, which also keep punctuation and case
        lowercase=True,
        token_pattern=Word2VecVectorizer().token_pattern,
    ).fit(small_corpus, y)
    assert clf.pretrained_coverage_ == 1.0


def test_import_old_and_mllib_layouts(tmp_path):
    """Spark < 2.2 wrote one row (wordIndex map, flat wordVectors); spark.mllib writes
    (word, vector) rows under another class name. Neither needs Spark to read."""
    old = tmp_path / "old"
    (old / "metadata").mkdir(parents=True)
    (old / "data").mkdir()
    meta = {"class": "org.apache.spark.ml.feature.Word2VecModel", "paramMap": {"vectorSize": 2}}
    (old / "metadata" / "part-00000").write_text(json.dumps(meta) + "\n")
    index = pa.array([[("b", 0), ("a", 1)]], type=pa.map_(pa.string(), pa.int32()))
    flat = pa.array([[1.0, 2.0, 3.0, 4.0]], type=pa.list_(pa.float32()))
    table = pa.table({"wordIndex": index, "wordVectors": flat})
    pq.write_table(table, old / "data" / "part-00000-x.snappy.parquet")
    (old / "data" / "_SUCCESS").write_bytes(b"")
    words, vectors, _ = open_vectors(import_spark_word2vec(old, tmp_path / "old_store"))
    assert words == ["a", "b"]
    np.testing.assert_array_equal(vectors, [[3.0, 4.0], [1.0, 2.0]])

    mllib = tmp_path / "mllib"
    (mllib / "metadata").mkdir(parents=True)
    (mllib / "data").mkdir()
    meta = {"class": "org.apache.spark.mllib.feature.Word2VecModel", "vectorSize": 2}
    (mllib / "metadata" / "part-00000").write_text(json.dumps(meta))
    for k, (word, vec) in enumerate([("z", [5.0, 6.0]), ("y", [7.0, 8.0])]):
        part = pa.table({"word": [word], "vector": pa.array([vec], pa.list_(pa.float32()))})
        pq.write_table(part, mllib / "data" / f"part-0000{k}.parquet")
    words, vectors, _ = open_vectors(import_spark_word2vec(mllib, tmp_path / "mllib_store"))
    assert words == ["y", "z"]
    np.testing.assert_array_equal(vectors, [[7.0, 8.0], [5.0, 6.0]])
