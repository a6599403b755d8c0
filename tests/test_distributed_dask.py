"""skembed.distributed.dask_transform on a real dask.distributed LocalCluster (2 processes)."""

from __future__ import annotations

import copy
import os
import pickle

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

import dask  # noqa: E402
import dask.array as da  # noqa: E402
import dask.bag as db  # noqa: E402
import dask.dataframe as dd  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from skembed import (  # noqa: E402
    Doc2VecVectorizer,
    FastTextVectorizer,
    MeanEmbeddingVectorizer,
    Word2VecVectorizer,
    save_vectors,
)
from skembed._parallel._shipping import (  # noqa: E402
    Shipment,
    ShippedFileError,
    _Mappings,
    mapped_file,
)
from skembed.distributed import dask_transform  # noqa: E402
from skembed.distributed._dask import _ENGINE  # noqa: E402

SMALL = dict(vector_size=16, min_count=2, epochs=3, random_state=0)

# Unpickles of CountingVectorizer in this process; on each worker, the worker's own copy
# of this module counts them (workers import this module by name: it is on sys.path).
UNPICKLES: list[int] = []


class CountingVectorizer(MeanEmbeddingVectorizer):
    """A MeanEmbeddingVectorizer that counts how often it is unpickled, per process."""

    def __setstate__(self, state):
        UNPICKLES.append(os.getpid())
        super().__setstate__(state)


def _unpickle_count() -> int:
    return len(UNPICKLES)


def _reset_unpickles() -> None:
    UNPICKLES.clear()


def _ship(est, by_reference: bool = True) -> Shipment:
    """The estimator as dask_transform ships it."""
    return Shipment(est, engine=_ENGINE, by_reference=by_reference)


def _worker_mapping(shipped: Shipment) -> tuple[str | None, bool]:
    """On a worker: the file the vectors are mapped from, and whether they are writeable."""
    vectors = shipped.estimator.vectors_
    mm = mapped_file(vectors)
    return (None if mm is None else str(mm.filename)), bool(vectors.flags.writeable)


def _naive_transform(part, est):
    return est.transform(list(part))


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def client():
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def docs(lee_corpus) -> list[str]:
    """120 Lee articles (the last 60 unseen in fit) and a document with no token."""
    return [*lee_corpus[:120], ""]


@pytest.fixture(scope="module")
def glove_store(glove_subset, tmp_path_factory):
    words, matrix = glove_subset
    return save_vectors(tmp_path_factory.mktemp("store") / "glove", words, matrix)


@pytest.fixture(scope="module")
def fitted(small_corpus, glove_kv, glove_store):
    """Every kind of fitted vectorizer, by name."""
    return {
        "word2vec": Word2VecVectorizer(**SMALL).fit(small_corpus),
        "fasttext": FastTextVectorizer(bucket=20_000, **SMALL).fit(small_corpus),
        "doc2vec": Doc2VecVectorizer(**SMALL).fit(small_corpus),
        "mean-in-memory": MeanEmbeddingVectorizer(glove_kv, weighting="sif").fit(small_corpus),
        "mean-store": MeanEmbeddingVectorizer(glove_store, pooling=("mean", "max")).fit(
            small_corpus
        ),
    }


ESTIMATORS = ["word2vec", "fasttext", "doc2vec", "mean-in-memory", "mean-store"]


def _collection(kind: str, docs: list[str]):
    if kind == "bag":
        return db.from_sequence(docs, npartitions=5)
    if kind == "series":
        return dd.from_pandas(pd.Series(docs), npartitions=5)
    if kind == "frame-column":
        frame = pd.DataFrame({"text": docs, "length": [len(d) for d in docs]})
        return dd.from_pandas(frame, npartitions=5)
    return da.from_array(np.array(docs, dtype=object), chunks=30)


# ---------------------------------------------------------------- equality with transform
@pytest.mark.parametrize("kind", ["bag", "series", "frame-column", "array"])
@pytest.mark.parametrize("name", ESTIMATORS)
def test_equal_to_local_transform(client, fitted, docs, name, kind):
    est = fitted[name]
    data = _collection(kind, docs)
    column = "text" if kind == "frame-column" else None
    X = dask_transform(est, data, column=column)
    assert isinstance(X, da.Array)
    assert X.dtype == np.float32 and X.shape[1] == len(est.get_feature_names_out())
    if kind == "array":
        assert X.chunks[0] == data.chunks[0]  # known chunk sizes stay known
    else:
        assert np.isnan(X.shape[0])  # dask does not know the partition lengths
    result = X.compute()
    expected = est.transform(docs)
    assert type(result) is np.ndarray
    np.testing.assert_array_equal(result, expected)
    assert not result[-1].any()  # the document without a token


@pytest.mark.parametrize("kind", ["bag", "series", "array"])
def test_two_estimators_on_one_input_in_one_compute(client, fitted, docs, kind):
    # the task names depend on the estimator: the two results must not share keys
    data = _collection(kind, docs)
    w2v, d2v = fitted["word2vec"], fitted["doc2vec"]
    for output in ("array", "frame"):
        X1, X2 = dask.compute(
            dask_transform(w2v, data, output=output), dask_transform(d2v, data, output=output)
        )
        np.testing.assert_array_equal(np.asarray(X1), w2v.transform(docs))
        np.testing.assert_array_equal(np.asarray(X2), d2v.transform(docs))


def test_fasttext_transforms_unseen_words_from_subwords(client, fitted, docs):
    est = fitted["fasttext"]
    analyzer = est.build_analyzer()
    unknown = sorted({t for d in docs[60:] for t in analyzer(d) if t not in est.vocabulary_})
    assert len(unknown) > 500
    # documents made of unseen words only: every row comes from the n-gram vectors
    oov_docs = [" ".join(unknown[i : i + 7]) for i in range(0, len(unknown), 7)]
    X = dask_transform(est, db.from_sequence(oov_docs, npartitions=3)).compute()
    np.testing.assert_array_equal(X, est.transform(oov_docs))
    assert np.abs(X).sum(axis=1).min() > 0


@pytest.mark.parametrize("kind", ["bag", "series"])
def test_lengths_give_known_chunks(client, fitted, docs, kind):
    est = fitted["word2vec"]
    data = _collection(kind, docs)
    X = dask_transform(est, data, lengths=True)
    assert sum(X.chunks[0]) == len(docs) and X.npartitions == data.npartitions
    np.testing.assert_array_equal(X[100:110].compute(), est.transform(docs[100:110]))

    counts = X.chunks[0]
    X = dask_transform(est, data, lengths=counts)
    np.testing.assert_array_equal(X.compute(), est.transform(docs))

    wrong = (counts[0] + 1, *counts[1:-1], counts[-1] - 1)
    with pytest.raises(ValueError, match="lengths"):
        dask_transform(est, data, lengths=wrong).compute()


def test_empty_partitions(client, fitted, docs):
    est = fitted["mean-in-memory"]
    parts = [[], docs[:7], [], docs[7:9], []]
    bag = db.from_delayed([dask.delayed(p) for p in parts])
    X = dask_transform(est, bag, lengths=True)
    assert X.shape == (9, 50)  # known: dask drops the empty blocks
    np.testing.assert_array_equal(X.compute(), est.transform(docs[:9]))

    series = dd.from_delayed(
        [
            dask.delayed(pd.Series)(p, dtype=object, index=range(10 * i, 10 * i + len(p)))
            for i, p in enumerate(parts)
        ],
        meta=pd.Series([], dtype=object),
    )
    np.testing.assert_array_equal(dask_transform(est, series).compute(), est.transform(docs[:9]))
    frame = dask_transform(est, series, output="frame").compute()
    assert frame.shape == (9, 50) and list(frame.index) == [10, 11, 12, 13, 14, 15, 16, 30, 31]

    empty = dask_transform(est, db.from_sequence([], npartitions=1)).compute()
    assert empty.shape == (0, 50) and empty.dtype == np.float32


# ---------------------------------------------------------------- DataFrame output
def test_set_output_pandas_gives_dask_dataframe(client, fitted, docs):
    est = copy.deepcopy(fitted["word2vec"]).set_output(transform="pandas")
    index = pd.Index([f"doc-{i:03d}" for i in range(len(docs))], name="doc_id")
    series = dd.from_pandas(pd.Series(docs, index=index, name="text"), npartitions=4)
    out = dask_transform(est, series)
    assert isinstance(out, dd.DataFrame)
    assert list(out.columns) == list(est.get_feature_names_out())
    assert out.divisions == series.divisions
    assert dict(out.dtypes) == dict.fromkeys(out.columns, np.dtype(np.float32))
    result = out.compute()
    expected = est.transform(pd.Series(docs, index=index))
    assert isinstance(expected, pd.DataFrame)
    # dask stores the index as its own string dtype; the labels are the input's
    pd.testing.assert_frame_equal(result, expected, check_exact=True, check_index_type=False)
    assert result.index.equals(series.index.compute()) and result.index.name == "doc_id"
    # output="array" overrides the configuration
    np.testing.assert_array_equal(
        dask_transform(est, series, output="array").compute(), expected.to_numpy()
    )


def test_frame_output_from_column_bag_and_array(client, fitted, docs):
    est = fitted["mean-store"]
    expected = est.transform(docs)
    frame = dd.from_pandas(
        pd.DataFrame({"text": docs}, index=pd.RangeIndex(1000, 1000 + len(docs))), npartitions=3
    )
    out = dask_transform(est, frame, column="text", output="frame").compute()
    assert list(out.index) == list(range(1000, 1000 + len(docs)))
    np.testing.assert_array_equal(out.to_numpy(), expected)

    out = dask_transform(est, db.from_sequence(docs, npartitions=3), output="frame").compute()
    np.testing.assert_array_equal(out.to_numpy(), expected)
    assert list(out.columns) == list(est.get_feature_names_out())

    arr = da.from_array(np.array(docs, dtype=object), chunks=50)
    out = dask_transform(est, arr, output="frame")
    assert out.known_divisions
    out = out.compute()
    assert list(out.index) == list(range(len(docs)))
    np.testing.assert_array_equal(out.to_numpy(), expected)


# ---------------------------------------------------------------- the model travels once
def _shipped_keys(graph) -> list:
    return [
        key for key, node in graph.items() if isinstance(getattr(node, "value", None), Shipment)
    ]


@pytest.mark.parametrize("kind", ["bag", "series", "array"])
def test_graph_holds_the_estimator_once(fitted, docs, kind):
    est = fitted["mean-in-memory"]
    X = dask_transform(est, _collection(kind, docs))
    (optimized,) = dask.optimize(X)
    graph = dict(optimized.__dask_graph__())
    (key,) = _shipped_keys(graph)
    transform_tasks = [k for k in graph if "skembed-transform" in str(k)]
    assert len(transform_tasks) >= 5
    for k in transform_tasks:
        assert key in graph[k].dependencies
    # the estimator's matrix is in no other task
    size = est.vectors_.nbytes
    for k, node in graph.items():
        if k != key:
            assert len(pickle.dumps(node)) < size / 10, k


def test_each_worker_unpickles_the_model_once(client, glove_kv, lee_corpus):
    est = CountingVectorizer(glove_kv).fit([])
    docs = lee_corpus[:200]
    series = dd.from_pandas(pd.Series(docs), npartitions=10)

    client.run(_reset_unpickles)
    _reset_unpickles()
    X = dask_transform(est, series).compute()
    np.testing.assert_array_equal(X, est.transform(docs))
    counts = client.run(_unpickle_count)
    assert len(counts) == 2
    assert all(n <= 1 for n in counts.values()), counts
    assert sum(counts.values()) >= 1
    assert _unpickle_count() == 0  # neither the client nor the scheduler rebuilt it

    client.run(_reset_unpickles)
    X = dask_transform(est, series, broadcast=True).compute()
    np.testing.assert_array_equal(X, est.transform(docs))
    assert client.run(_unpickle_count) == dict.fromkeys(counts, 1)

    # the counter does count: an estimator passed as a plain argument travels per task
    client.run(_reset_unpickles)
    meta = np.empty((0, 50), dtype=np.float32)
    series.map_partitions(_naive_transform, est, meta=meta).compute()
    assert sum(client.run(_unpickle_count).values()) == 10


@pytest.mark.parametrize("kind", ["bag", "series", "array"])
def test_broadcast_scatters_the_model(client, fitted, docs, kind):
    est = fitted["doc2vec"]
    data = _collection(kind, docs)
    X = dask_transform(est, data, broadcast=True)
    graph = dict(X.__dask_graph__())
    assert not _shipped_keys(graph)  # not in the graph: on the workers already
    np.testing.assert_array_equal(X.compute(), est.transform(docs))
    frame = dask_transform(est, data, output="frame", broadcast=True).compute()
    np.testing.assert_array_equal(frame.to_numpy(), est.transform(docs))


def test_pipeline(client, fitted, docs, glove_kv):
    from sklearn.preprocessing import StandardScaler

    pipe = make_pipeline(MeanEmbeddingVectorizer(glove_kv), StandardScaler()).fit(docs)
    X = dask_transform(pipe, dd.from_pandas(pd.Series(docs), npartitions=3))
    assert X.dtype == np.float32
    np.testing.assert_array_equal(X.compute(), pipe.transform(docs))


def test_broadcast_without_client(fitted, docs, monkeypatch):
    import distributed

    def no_client():
        raise ValueError("No clients found")

    monkeypatch.setattr(distributed, "default_client", no_client)
    with pytest.raises(ValueError, match="no Client is active"):
        dask_transform(fitted["word2vec"], db.from_sequence(docs), broadcast=True)


def test_memory_mapped_store_is_shared_not_copied(client, fitted, glove_store):
    est = fitted["mean-store"]
    assert mapped_file(est.vectors_) is not None
    nbytes = est.vectors_.nbytes
    assert len(pickle.dumps(_ship(est))) < nbytes / 2
    assert len(pickle.dumps(_ship(est, by_reference=False))) > nbytes

    filename, writeable = client.submit(_worker_mapping, _ship(est)).result()
    assert filename == str(glove_store / "vectors.npy") and not writeable
    filename, _ = client.submit(_worker_mapping, _ship(est, by_reference=False)).result()
    assert filename is None
    # the public switch: by value, the same vectors
    X = dask_transform(est, db.from_sequence(["the cat", "a dog"]), by_reference=False)
    np.testing.assert_array_equal(X.compute(), est.transform(["the cat", "a dog"]))


def test_memory_mapped_store_changed_after_shipping(glove_subset, tmp_path):
    words, matrix = glove_subset
    store = save_vectors(tmp_path / "store", words[:100], matrix[:100])
    est = MeanEmbeddingVectorizer(store).fit([])
    payload = pickle.dumps(_ship(est))
    np.testing.assert_array_equal(pickle.loads(payload).estimator.vectors_, matrix[:100])
    save_vectors(store, words[:100], matrix[100:200], overwrite=True)
    with pytest.raises(RuntimeError, match="changed after the estimator was sent"):
        pickle.loads(payload).estimator  # noqa: B018


def test_store_replaced_before_shipping_is_sent_by_value(glove_subset, tmp_path, monkeypatch):
    # the estimator maps the old (unlinked) file: the file now at the path holds other
    # vectors, so a reference would make the workers read them
    words, matrix = glove_subset
    store = save_vectors(tmp_path / "store", words[:100], matrix[:100])
    est = MeanEmbeddingVectorizer(store).fit([])
    save_vectors(store, words[:100], matrix[100:200], overwrite=True)
    clone = pickle.loads(pickle.dumps(_ship(est))).estimator
    assert mapped_file(clone.vectors_) is None
    np.testing.assert_array_equal(clone.vectors_, matrix[:100])
    # the same where /proc/self/maps cannot tell (not Linux, overlayfs): sampled bytes
    monkeypatch.setattr(_Mappings, "is_file", lambda self, address, st: None)
    clone = pickle.loads(pickle.dumps(_ship(est))).estimator
    assert mapped_file(clone.vectors_) is None
    np.testing.assert_array_equal(clone.vectors_, matrix[:100])
    fresh = MeanEmbeddingVectorizer(store).fit([])
    clone = pickle.loads(pickle.dumps(_ship(fresh))).estimator
    assert mapped_file(clone.vectors_) is not None
    np.testing.assert_array_equal(clone.vectors_, matrix[100:200])


def test_views_of_a_mapped_file_map_their_own_bytes(tmp_path):
    path = tmp_path / "plain.npy"
    np.save(path, np.arange(2000, dtype=np.float64).reshape(400, 5))
    mm = np.load(path, mmap_mode="r")
    views = {
        "whole": mm,
        "rows": mm[150:170],  # a memmap whose offset is its root's
        "ndarray": np.asarray(mm[300:]),
        "transposed": mm.T,  # F-contiguous
        "strided": mm[::2],  # not contiguous: by value
    }
    views["again"] = views["rows"]
    payload = pickle.dumps(_ship(views))
    assert len(payload) < 0.6 * mm.nbytes  # only the strided half travels
    clone = pickle.loads(payload).estimator
    for name, view in views.items():
        np.testing.assert_array_equal(clone[name], view)
        assert type(clone[name]) is type(view), name
        assert (mapped_file(clone[name]) is None) == (name == "strided"), name
    assert clone["again"] is clone["rows"]


def test_worker_checks_size_content_and_modification_time(glove_subset, tmp_path):
    words, matrix = glove_subset
    store = save_vectors(tmp_path / "store", words[:100], matrix[:100])
    payload = pickle.dumps(_ship(MeanEmbeddingVectorizer(store).fit([])))
    # a copy of the store that lost its modification time: the manifest's sha256 is the same
    os.utime(store / "vectors.npy", ns=(10**18, 10**18))
    np.testing.assert_array_equal(pickle.loads(payload).estimator.vectors_, matrix[:100])
    # rewritten in place behind the manifest: the sampled bytes differ
    with open(store / "vectors.npy", "r+b") as fh:
        fh.seek(-4, os.SEEK_END)
        fh.write(np.float32(7.0).tobytes())
    with pytest.raises(ShippedFileError, match="bytes differ at sampled offsets"):
        pickle.loads(payload).estimator  # noqa: B018

    # a file outside a skembed directory: its modification time is its stamp
    path = tmp_path / "plain.npy"
    np.save(path, matrix[:100])
    payload = pickle.dumps(_ship({"x": np.load(path, mmap_mode="r")}))
    np.testing.assert_array_equal(pickle.loads(payload).estimator["x"], matrix[:100])
    os.utime(path, ns=(10**18, 10**18))
    with pytest.raises(RuntimeError, match="modification time differs.*by_reference=False"):
        pickle.loads(payload).estimator  # noqa: B018
    with open(path, "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ValueError, match="bytes, the client's"):
        pickle.loads(payload).estimator  # noqa: B018
    path.unlink()
    with pytest.raises(FileNotFoundError, match="this worker cannot open.*by_reference=False"):
        pickle.loads(payload).estimator  # noqa: B018


def _n_jobs(shipped: Shipment) -> list:
    return [step.n_jobs for step in shipped.estimator[:-1]]


def test_workers_transform_in_one_process(client, glove_kv, docs):
    from sklearn.preprocessing import StandardScaler

    pipe = make_pipeline(MeanEmbeddingVectorizer(glove_kv, n_jobs=2), StandardScaler()).fit(docs)
    assert client.submit(_n_jobs, _ship(pipe)).result() == [None]
    assert _n_jobs(_ship(pipe)) == [None]  # the client's copy too (threaded scheduler)
    assert pipe[0].n_jobs == 2  # not the estimator itself
    X = dask_transform(pipe, db.from_sequence(docs, npartitions=2))
    np.testing.assert_array_equal(X.compute(), pipe.transform(docs))


# ---------------------------------------------------------------- errors
def test_errors(docs, glove_kv):
    bag = db.from_sequence(docs[:4], npartitions=2)
    with pytest.raises(NotFittedError):
        dask_transform(MeanEmbeddingVectorizer(glove_kv), bag)
    est = MeanEmbeddingVectorizer(glove_kv).fit([])
    with pytest.raises(TypeError, match=r"dask Bag of str.*got builtins\.list"):
        dask_transform(est, docs)
    with pytest.raises(TypeError, match=r"got pandas.*Series.*estimator\.transform"):
        dask_transform(est, pd.Series(docs))
    frame = dd.from_pandas(pd.DataFrame({"text": docs, "n": range(len(docs))}), npartitions=2)
    with pytest.raises(ValueError, match="pass column="):
        dask_transform(est, frame)
    with pytest.raises(ValueError, match=r"Column 'body' is not a column.*'text', 'n'"):
        dask_transform(est, frame, column="body")
    with pytest.raises(TypeError, match="Column 'n' must hold documents"):
        dask_transform(est, frame, column="n")
    with pytest.raises(ValueError, match="column='text' selects a column"):
        dask_transform(est, bag, column="text")
    with pytest.raises(ValueError, match="must be 1-D"):
        dask_transform(est, da.from_array(np.array([["a", "b"]], dtype=object), chunks=1))
    with pytest.raises(ValueError, match="'output' parameter .* Got 'pandas'"):
        dask_transform(est, bag, output="pandas")
    with pytest.raises(ValueError, match="one non-negative int per partition"):
        dask_transform(est, bag, lengths=[4])
    with pytest.raises(ValueError, match="does not apply to output='frame'"):
        dask_transform(est, bag, output="frame", lengths=True)
    with pytest.raises(TypeError, match="expects a fitted transformer"):
        dask_transform(LogisticRegression(), bag)


# ---------------------------------------------------------------- model selection on dask
@pytest.fixture(scope="module")
def labelled(lee_corpus):
    """Lee articles labelled by topic: does the article mention fire (bushfires) or not."""
    y = np.array([int("fire" in d.lower()) for d in lee_corpus])
    return lee_corpus, y


def test_grid_search_with_joblib_dask_backend(client, labelled, glove_store):
    from joblib import parallel_backend

    docs, y = labelled
    # a store path as the vectors: each task sends a path, and workers map the store
    pipe = make_pipeline(MeanEmbeddingVectorizer(glove_store), LogisticRegression(max_iter=1000))
    grid = {"meanembeddingvectorizer__pooling": ["mean", "max"], "logisticregression__C": [1, 100]}
    local = GridSearchCV(pipe, grid, cv=3).fit(docs, y)
    with parallel_backend("dask"):
        remote = GridSearchCV(pipe, grid, cv=3, n_jobs=-1).fit(docs, y)
    assert remote.best_params_ == local.best_params_
    for key in ("mean_test_score", *(f"split{i}_test_score" for i in range(3))):
        np.testing.assert_array_equal(remote.cv_results_[key], local.cv_results_[key])
    assert remote.cv_results_["params"] == local.cv_results_["params"]


def test_cross_val_score_word2vec_with_joblib_dask_backend(client, labelled):
    from joblib import parallel_backend

    docs, y = labelled
    pipe = make_pipeline(
        Word2VecVectorizer(vector_size=16, min_count=2, epochs=2, n_jobs=1, random_state=0),
        LogisticRegression(max_iter=1000),
    )
    local = cross_val_score(pipe, docs, y, cv=3)
    with parallel_backend("dask"):
        remote = cross_val_score(pipe, docs, y, cv=3, n_jobs=-1)
    np.testing.assert_array_equal(remote, local)
