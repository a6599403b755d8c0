"""Training on a stream: an open file or a generator is read once, never held in memory."""

from __future__ import annotations

import glob
import os
import tempfile

import numpy as np
import pytest

from skembed import Doc2VecVectorizer, FastTextVectorizer, Word2VecVectorizer

SMALL = dict(vector_size=12, min_count=2, epochs=2, random_state=0)


@pytest.fixture()
def corpus_file(tmp_path, lee_corpus):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(lee_corpus) + "\n", encoding="utf-8")
    return path


def _leftovers():
    return set(glob.glob(os.path.join(tempfile.gettempdir(), "skembed-corpus-*")))


@pytest.mark.parametrize(
    "make",
    [
        lambda: Word2VecVectorizer(**SMALL),
        lambda: FastTextVectorizer(bucket=5000, **SMALL),
        lambda: Doc2VecVectorizer(**SMALL),
    ],
    ids=["word2vec", "fasttext", "doc2vec"],
)
def test_fit_on_an_open_file(corpus_file, lee_corpus, make):
    before = _leftovers()
    with open(corpus_file, encoding="utf-8") as fh:
        streamed = make().fit(fh)
    in_memory = make().fit(lee_corpus)
    # the same vocabulary, learned by gensim's corpus_file reader
    assert streamed.vocabulary_ == in_memory.vocabulary_
    X = streamed.transform(lee_corpus)
    assert X.shape == (len(lee_corpus), 12) and np.isfinite(X).all() and X.any()
    # reproducible: a second streamed fit with the same seed gives the same vectors
    with open(corpus_file, encoding="utf-8") as fh:
        again = make().fit(fh)
    np.testing.assert_array_equal(again.vectors_, streamed.vectors_)
    assert _leftovers() == before  # the temporary token file is gone


def test_streamed_weights_equal_in_memory_weights(lee_corpus):
    """IDF and SIF weights are counted chunk by chunk over the token file."""
    kwargs = dict(vector_size=8, min_count=2, epochs=1, random_state=0)
    for weighting in ("tfidf", "sif"):
        streamed = Word2VecVectorizer(weighting=weighting, **kwargs).fit(d for d in lee_corpus)
        in_memory = Word2VecVectorizer(weighting=weighting, **kwargs).fit(lee_corpus)
        np.testing.assert_allclose(streamed.weights_, in_memory.weights_, rtol=1e-6)


def test_fit_transform_on_a_generator(lee_corpus):
    vec = Word2VecVectorizer(weighting="sif", **SMALL)
    X = vec.fit_transform(d for d in lee_corpus)
    np.testing.assert_allclose(X, vec.transform(lee_corpus), rtol=1e-5, atol=1e-6)
    assert np.abs(X @ vec.sif_components_[0]).max() < 1e-4


def test_stream_rejects_tokens_with_whitespace():
    docs = (d for d in ["a b", "c d"])
    vec = Word2VecVectorizer(analyzer=lambda d: [d], min_count=1)
    with pytest.raises(ValueError, match="Token 'a b' of document 0 .* whitespace"):
        vec.fit(docs)


def test_stream_errors_name_the_document():
    docs = (d for d in ["the fire", None])
    with pytest.raises(ValueError, match="Document 1 is None"):
        Word2VecVectorizer(min_count=1).fit(docs)
