"""transform with n_jobs > 1: forked worker processes, same bytes as one process."""

from __future__ import annotations

import os
import sys

import numpy as np
import pandas as pd
import pytest

from skembed import (
    Doc2VecVectorizer,
    FastTextVectorizer,
    MeanEmbeddingVectorizer,
    Word2VecVectorizer,
)
from skembed._base import CHUNK_SIZE

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="transform forks workers on Linux only"
)


@pytest.fixture(scope="module")
def many_docs(lee_corpus) -> list[str]:
    """Enough short documents (sentences of the Lee corpus) for three workers."""
    sentences = [s for doc in lee_corpus for s in doc.split(". ") if s]
    rng = np.random.default_rng(0)
    docs = [sentences[i] for i in rng.integers(0, len(sentences), 3 * CHUNK_SIZE + 123)]
    docs[5] = ""  # an empty document
    docs[-7] = "qwertyuiop zxcvbnmasdf"  # unknown words only
    return docs


def _fitted(lee_corpus):
    small = {"vector_size": 12, "epochs": 1, "random_state": 0}
    w2v = Word2VecVectorizer(**small).fit(lee_corpus)
    return [
        w2v,
        Word2VecVectorizer(
            **small, pooling=("mean", "max"), weighting="sif", oov="random", norm="l2"
        ).fit(lee_corpus),
        FastTextVectorizer(**small, oov="subword", weighting="tfidf").fit(lee_corpus),
        Doc2VecVectorizer(**small).fit(lee_corpus[:50]),
        MeanEmbeddingVectorizer(w2v, pooling="max", dtype=np.float64).fit(lee_corpus),
    ]


@pytest.fixture(scope="module")
def estimators(lee_corpus):
    return _fitted(lee_corpus)


@pytest.mark.parametrize("index", range(5))
@pytest.mark.parametrize("n_jobs", [2, 3])
def test_workers_give_the_same_bytes(estimators, many_docs, index, n_jobs):
    est = estimators[index]
    if isinstance(est, Doc2VecVectorizer):
        many_docs = many_docs[: 2 * CHUNK_SIZE + 10]  # inference is slow: two workers' worth
    expected = est.set_params(n_jobs=1).transform(many_docs)
    got = est.set_params(n_jobs=n_jobs).transform(many_docs)
    est.set_params(n_jobs=None)
    assert got.dtype == expected.dtype and got.flags.c_contiguous and got.flags.owndata
    np.testing.assert_array_equal(got, expected)
    assert np.isfinite(got).all()


def test_pandas_series_and_output(estimators, many_docs):
    est = estimators[0]
    index = pd.RangeIndex(len(many_docs)) * 3 + 10
    series = pd.Series(many_docs, index=index)
    est.set_params(n_jobs=2).set_output(transform="pandas")
    try:
        frame = est.transform(series)
    finally:
        est.set_params(n_jobs=None).set_output(transform="default")
    assert frame.index.equals(index)
    assert list(frame.columns) == list(est.get_feature_names_out())
    np.testing.assert_array_equal(frame.to_numpy(), est.transform(many_docs))


def test_generators_and_small_inputs_stay_in_process(estimators, many_docs):
    est = estimators[0].set_params(n_jobs=2)
    try:
        np.testing.assert_array_equal(
            est.transform(d for d in many_docs), estimators[0].transform(many_docs)
        )
        assert est.transform([]).shape == (0, est.n_features_out_)
        assert est.transform(many_docs[:10]).shape == (10, est.n_features_out_)
    finally:
        est.set_params(n_jobs=None)


@pytest.mark.parametrize("bad_index", [3, CHUNK_SIZE * 2 + 5, -1])
def test_a_bad_document_in_any_slice_is_named(estimators, many_docs, bad_index, no_children_left):
    docs = list(many_docs)
    bad_index = bad_index % len(docs)
    docs[bad_index] = None
    est = estimators[0].set_params(n_jobs=3)
    try:
        with pytest.raises(ValueError, match=f"Document {bad_index} is None"):
            est.transform(docs)
    finally:
        est.set_params(n_jobs=None)


def test_the_first_bad_document_wins(estimators, many_docs, no_children_left):
    """Two bad documents in different workers: the error is the sequential one."""
    docs = list(many_docs)
    docs[CHUNK_SIZE + 100] = None  # second worker of three
    docs[-1] = b"\xff\xfe bad"  # third worker
    est = estimators[0]
    with pytest.raises(ValueError) as sequential:
        est.transform(docs)
    est.set_params(n_jobs=3)
    try:
        with pytest.raises(ValueError) as parallel:
            est.transform(docs)
    finally:
        est.set_params(n_jobs=None)
    assert str(parallel.value) == str(sequential.value)
    assert f"Document {CHUNK_SIZE + 100} is None" in str(parallel.value)


def test_bad_collections_are_rejected_before_forking(estimators, many_docs):
    est = estimators[0].set_params(n_jobs=2)
    try:
        frame = pd.DataFrame({"text": many_docs})
        with pytest.raises(ValueError, match="DataFrame received"):
            est.transform(frame)
        with pytest.raises(ValueError, match="array of shape"):
            est.transform(np.array(many_docs[: 2 * CHUNK_SIZE], dtype=object).reshape(-1, 2))
    finally:
        est.set_params(n_jobs=None)


def _children() -> set[str]:
    children_file = f"/proc/{os.getpid()}/task/{os.getpid()}/children"
    with open(children_file) as fh:
        return set(fh.read().split())


@pytest.fixture
def no_children_left():
    """Every worker was waited for: no zombie or orphan child of this process remains.

    Other tests may leave long-lived children (a JVM, cluster processes): only
    children that appeared during the test count. When other tests left threads
    running, transform takes the joblib path, whose reusable worker processes
    outlive the call by design: they are shut down first.
    """
    from joblib.externals.loky import reusable_executor

    before = _children()
    yield
    if reusable_executor._executor is not None:
        reusable_executor._executor.shutdown(wait=True)
    assert _children() - before == set()
