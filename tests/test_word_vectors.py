"""WordVectors: the one type every source of vectors becomes (skembed.vectors)."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest
from gensim.models import KeyedVectors

from skembed import MeanEmbeddingVectorizer, SubwordTable, WordVectors
from skembed._io import StoreError, check_mapped
from skembed.vectors import as_word_vectors, open_vectors, save_vectors, words_by_row

WORDS = ["the", "cat", "sat"]


def _matrix() -> np.ndarray:
    return np.arange(12, dtype=np.float32).reshape(3, 4) / 10


# ---------------------------------------------------------------- construction
def test_construction_runs_the_one_check():
    matrix = _matrix()
    wv = WordVectors(WORDS, matrix)
    assert wv.matrix is matrix and wv.words == WORDS and wv.subwords is None
    copied = WordVectors(WORDS, matrix.astype(np.float64))
    assert copied.matrix.dtype == np.float32 and copied.matrix.flags.c_contiguous
    first = WordVectors(["the", "cat", "the"], matrix)
    assert first.words == ["the", "cat"]
    np.testing.assert_array_equal(first.matrix, matrix[:2])
    bad = matrix.copy()
    bad[1, 0] = np.nan
    with pytest.raises(ValueError, match=r"'cat' \(row 1\) has NaN or inf values, in the x"):
        WordVectors(WORDS, bad, source="the x")
    with pytest.raises(ValueError, match="3 words but a matrix of shape"):
        WordVectors(WORDS, matrix[:2])
    table = SubwordTable(min_n=3, max_n=4, bucket=5, vectors=np.zeros((5, 3), np.float32))
    with pytest.raises(ValueError, match="n-gram vectors of the vectors have dimension 3"):
        WordVectors(WORDS, matrix, table)


def test_trusted_construction_checks_nothing_and_copies_nothing():
    matrix = _matrix()
    matrix[0, 0] = np.nan  # not looked at: the caller promises it checked
    wv = WordVectors._trusted(WORDS, matrix)
    assert wv.words is WORDS and wv.matrix is matrix


def test_fields_are_read_only_and_the_index_is_not_pickled():
    wv = WordVectors(WORDS, _matrix())
    with pytest.raises(dataclasses.FrozenInstanceError):
        wv.words = ["x"]
    assert wv.index == {"the": 0, "cat": 1, "sat": 2}
    assert "index" in vars(wv)
    again = pickle.loads(pickle.dumps(wv))
    assert "index" not in vars(again)
    assert again.words == WORDS and again.index["sat"] == 2
    np.testing.assert_array_equal(again.matrix, wv.matrix)


def test_lookups():
    wv = WordVectors(WORDS, _matrix())
    assert len(wv) == 3 and wv.dim == 4
    assert "cat" in wv and "dog" not in wv
    np.testing.assert_array_equal(wv.get_vector("sat"), _matrix()[2])
    with pytest.raises(KeyError, match="'dog' is not in the vocabulary"):
        wv.get_vector("dog")
    assert repr(wv) == "<WordVectors: 3 words x 4, float32>"


# ---------------------------------------------------------------- gensim
def test_keyed_vectors_round_trip_shares_the_matrix(glove_kv):
    wv = WordVectors.from_keyed_vectors(glove_kv)
    assert wv.words == glove_kv.index_to_key and wv.matrix is glove_kv.vectors
    kv = wv.to_keyed_vectors()
    assert kv.vectors is wv.matrix and kv.key_to_index == glove_kv.key_to_index
    assert kv.key_to_index is not wv.index


def test_fasttext_keyed_vectors_keep_their_ngrams(lee_corpus):
    from gensim.models import FastText

    sentences = [d.lower().split() for d in lee_corpus[:30]]
    model = FastText(sentences, vector_size=4, min_count=2, bucket=100, epochs=1, seed=0)
    wv = WordVectors.from_keyed_vectors(model.wv)
    assert wv.subwords is not None and wv.subwords.vectors.shape == (100, 4)
    assert (wv.subwords.min_n, wv.subwords.max_n, wv.subwords.bucket) == (3, 6, 100)


@pytest.mark.parametrize(
    ("positive", "negative"),
    [("king", []), (["king", "woman"], ["man"]), (["paris", "germany"], "france"), ([], "good")],
)
def test_most_similar_agrees_with_gensim(glove_kv, positive, negative):
    wv = WordVectors.from_keyed_vectors(glove_kv)
    got = wv.most_similar(positive, negative, topn=8)
    want = glove_kv.most_similar(positive=positive, negative=negative, topn=8)
    assert [w for w, _ in got] == [w for w, _ in want]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=1e-5)


def test_most_similar_leaves_out_the_query_and_stops_at_the_table():
    wv = WordVectors(WORDS + ["zero"], np.vstack([_matrix(), np.zeros((1, 4), np.float32)]))
    got = wv.most_similar("cat", topn=10)
    assert [w for w, _ in got][:2] == ["sat", "the"] and len(got) == 3
    assert dict(got)["zero"] == 0.0
    assert wv.most_similar("cat", topn=0) == []
    with pytest.raises(KeyError, match="'dog' is not in the vocabulary"):
        wv.most_similar(["cat", "dog"])
    with pytest.raises(ValueError, match="at least one word"):
        wv.most_similar([])


# ---------------------------------------------------------------- sources and stores
def test_as_word_vectors_keeps_a_word_vectors_and_estimators_take_one():
    wv = WordVectors.from_mapping(dict(zip(WORDS, _matrix(), strict=True)))
    assert as_word_vectors(wv) is wv
    vec = MeanEmbeddingVectorizer(wv).fit(["the cat"])
    assert vec.vectors_ is wv.matrix
    np.testing.assert_array_equal(vec.transform(["cat sat"])[0], _matrix()[1:].mean(axis=0))


def test_check_mapped_looks_through_word_vectors(tmp_path):
    store = save_vectors(tmp_path / "store", WORDS, _matrix())
    wv = as_word_vectors(store)
    assert isinstance(wv.matrix, np.memmap)
    check_mapped(wv)
    with open(store / "vectors.npy", "ab") as fh:
        fh.write(b"\0" * 16)
    with pytest.raises(StoreError, match=r"vectors\.npy' changed after it was opened"):
        check_mapped(wv)


def test_store_words_go_through_the_check(tmp_path):
    store = save_vectors(tmp_path / "dups", ["the", "cat", "the"], _matrix())
    assert open_vectors(store)[0] == ["the", "cat", "the"]  # the store keeps what it was given
    assert as_word_vectors(store).words == ["the", "cat"]


def test_words_by_row():
    assert words_by_row({"b": 1, "a": 0, "c": 2}) == ["a", "b", "c"]
    with pytest.raises(ValueError, match=r"maps 'c' to row 3; expected each of the rows 0 to 2"):
        words_by_row({"a": 0, "b": 1, "c": 3}, "the thing")
    with pytest.raises(TypeError, match="must be a mapping"):
        words_by_row(["a"])


def test_word_vectors_of_a_keyed_vectors_with_int_keys():
    kv = KeyedVectors(4)
    kv.add_vectors([10, 20, 30], _matrix())
    assert WordVectors.from_keyed_vectors(kv).words == ["10", "20", "30"]
