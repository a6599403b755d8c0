"""Every source of word vectors goes through the same check (check_word_vectors).

Files, native stores, gensim KeyedVectors, {word: vector} mappings and fitted
vectorizers must refuse the same bad input with errors that name the word, its
row and the source, and accept the same good input alike.
"""

from __future__ import annotations

import re
import tracemalloc

import numpy as np
import pytest
from gensim.models import KeyedVectors
from sklearn.exceptions import NotFittedError

from skembed import MeanEmbeddingVectorizer, Word2VecVectorizer
from skembed.vectors import (
    SubwordTable,
    WordVectors,
    as_word_vectors,
    open_vectors,
    save_vectors,
)

WORDS = ["the", "cat", "sat"]
DOCS = ["the cat sat", "the the cat"]


def check_word_vectors(*args, **kwargs):
    """The shared check (imported here, so that the other tests run on any version)."""
    from skembed.vectors._check import check_word_vectors

    return check_word_vectors(*args, **kwargs)


def _matrix() -> np.ndarray:
    return np.arange(12, dtype=np.float32).reshape(3, 4) / 10


def _kv(words, matrix) -> KeyedVectors:
    kv = KeyedVectors(matrix.shape[1], dtype=matrix.dtype)
    kv.add_vectors(list(words), matrix)
    return kv


def _tampered_store(tmp_path, matrix, row, value):
    """A store written by save_vectors whose vectors.npy was changed in place (same size)."""
    path = tmp_path / "store"
    save_vectors(path, WORDS[: len(matrix)], matrix)
    data = np.load(path / "vectors.npy", mmap_mode="r+")
    data[row, 0] = value
    data.flush()
    del data
    return path


# ---------------------------------------------------------------- NaN, inf, float32 overflow
def _source(kind: str, tmp_path, value: float):
    """``(vectors, source words)`` of the given kind, with ``value`` in row 1 ('cat')."""
    matrix = _matrix().astype(np.float64)
    matrix[1, 2] = value
    if kind == "file":
        path = tmp_path / "v.txt"
        rows = zip(WORDS, matrix, strict=True)
        lines = [" ".join([w, *(repr(float(x)) for x in row)]) for w, row in rows]
        path.write_text("\n".join(lines) + "\n")
        return path, f"the vectors file '{path}'"
    if kind == "store":
        return _tampered_store(tmp_path, _matrix(), 1, value), "the vectors store"
    if kind == "keyed_vectors":
        return _kv(WORDS, matrix), "the KeyedVectors"
    if kind == "mapping":
        return dict(zip(WORDS, matrix, strict=True)), "the vectors mapping"
    fitted = MeanEmbeddingVectorizer(dict(zip(WORDS, _matrix(), strict=True))).fit(DOCS)
    # a NaN can only come from training that diverged: put it there unchecked
    fitted.word_vectors_ = WordVectors._trusted(list(WORDS), matrix.astype(np.float32))
    return fitted, "the fitted MeanEmbeddingVectorizer"


@pytest.mark.parametrize("kind", ["file", "store", "keyed_vectors", "mapping", "fitted"])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_every_source_refuses_nan_and_inf_naming_word_row_and_source(kind, value, tmp_path):
    vectors, source = _source(kind, tmp_path, value)
    pattern = r"The vector of 'cat' \(row 1\) has NaN or inf values, in " + re.escape(source)
    with pytest.raises(ValueError, match=pattern):
        MeanEmbeddingVectorizer(vectors).fit(DOCS)


@pytest.mark.parametrize("kind", ["keyed_vectors", "mapping"])
def test_float64_values_too_large_for_float32_are_named(kind, tmp_path):
    """1e39 is finite as float64 but inf as float32: the error says so."""
    vectors, source = _source(kind, tmp_path, 1e39)
    with pytest.raises(ValueError, match=r"'cat' \(row 1\) has values too large for float32"):
        MeanEmbeddingVectorizer(vectors).fit(DOCS)


def test_nan_in_fasttext_ngram_vectors_is_refused():
    from gensim.models import FastText

    sentences = [d.split() for d in DOCS] * 3
    model = FastText(sentences, vector_size=4, min_count=1, epochs=1, bucket=50, seed=0)
    kv = model.wv
    kv.vectors_ngrams[7, 1] = np.nan
    with pytest.raises(ValueError, match=r"n-gram vector at row 7 of the FastTextKeyedVectors"):
        MeanEmbeddingVectorizer(kv, oov="subword").fit(DOCS)


# ---------------------------------------------------------------- mapping values
@pytest.mark.parametrize(
    ("value", "error", "pattern"),
    [
        (np.ones((1, 4)), ValueError, r"The vector of 'cat' has shape \(1, 4\); expected a 1-D"),
        (np.ones((2, 4)), ValueError, r"The vector of 'cat' has shape \(2, 4\); expected a 1-D"),
        (1.5, ValueError, r"The vector of 'cat' has shape \(\); expected a 1-D"),
        ("0.1 0.2 0.3 0.4", TypeError, r"The vector of 'cat' is a str; expected numbers"),
        (["0.1", "0.2", "0.3", "0.4"], TypeError, r"'cat' holds str values .* real numbers"),
        ([1j, 0, 0, 0], TypeError, r"'cat' holds complex values .* real numbers"),
        ([None, 0, 0, 0], TypeError, r"'cat' holds object values .* real numbers"),
        ([0.1, 0.2, 0.3], ValueError, r"the vector of 'cat' has 3 values; expected 4 like 'the'"),
    ],
)
def test_mapping_values_are_checked_one_by_one(value, error, pattern):
    mapping = dict(zip(WORDS, _matrix(), strict=True))
    mapping["cat"] = value
    with pytest.raises(error, match=pattern):
        MeanEmbeddingVectorizer(mapping, pooling="max").fit(DOCS)


def test_zero_length_vectors_are_refused_from_every_source(tmp_path):
    empty = np.zeros((3, 0), dtype=np.float32)
    store = tmp_path / "empty-dim"
    save_vectors(store, WORDS, empty)
    for vectors in (dict.fromkeys(WORDS, []), _kv(WORDS, empty), store):
        with pytest.raises(ValueError, match="vectors of dimension 0; expected at least one"):
            MeanEmbeddingVectorizer(vectors).fit(DOCS)


def test_sources_without_words_are_refused_and_named(tmp_path):
    store = tmp_path / "no-words"
    save_vectors(store, [], np.zeros((0, 4), dtype=np.float32))
    cases = [
        ({}, "the vectors mapping is empty"),
        (KeyedVectors(4), "the KeyedVectors is empty"),
        (store, "the vectors store '.*no-words' is empty"),
    ]
    for vectors, pattern in cases:
        with pytest.raises(ValueError, match="hold no words .*" + pattern):
            MeanEmbeddingVectorizer(vectors).fit(DOCS)


# ---------------------------------------------------------------- keys
def test_keyed_vectors_keys_are_converted_to_str_like_a_mapping_s():
    """Int keys used to give all-zero rows and a coverage of 0 from a KeyedVectors."""
    keys = [10, 20, 30]
    docs = ["10 20", "30 30 10"]
    from_kv = MeanEmbeddingVectorizer(_kv(keys, _matrix())).fit(docs)
    from_mapping = MeanEmbeddingVectorizer(dict(zip(keys, _matrix(), strict=True))).fit(docs)
    assert from_kv.coverage(docs) == 1.0
    assert list(from_kv.vocabulary_) == ["10", "20", "30"]
    assert all(type(w) is str for w in from_kv.vocabulary_)
    np.testing.assert_array_equal(from_kv.transform(docs), from_mapping.transform(docs))
    assert np.abs(from_kv.transform(docs)).sum() > 0


@pytest.mark.parametrize("make", [dict, _kv], ids=["mapping", "keyed_vectors"])
def test_two_keys_that_become_the_same_word_are_refused(make):
    keys = [1, "1", "cat"]
    vectors = make(keys, _matrix()) if make is _kv else dict(zip(keys, _matrix(), strict=True))
    with pytest.raises(ValueError, match=r"keys 1 \(int, row 0\) and '1' \(str, row 1\) .* both"):
        MeanEmbeddingVectorizer(vectors).fit(DOCS)


def test_bytes_keys_are_refused_rather_than_turned_into_b_quote_words():
    mapping = {b"cat": [1.0, 2.0], "the": [0.0, 1.0]}
    with pytest.raises(TypeError, match=r"row 0 of the vectors mapping is bytes \(b'cat'\)"):
        MeanEmbeddingVectorizer(mapping).fit(DOCS)


def test_duplicated_words_keep_their_first_row_in_every_source(tmp_path):
    words = ["the", "cat", "the"]
    matrix = np.array([[1, 0], [0, 1], [5, 5]], dtype=np.float32)
    store = tmp_path / "dups"
    save_vectors(store, words, matrix)
    glove = tmp_path / "dups.txt"
    glove.write_text("\ufeffthe 1 0\ncat 0 1\nthe 5 5\n")  # a BOM on the first word too
    for vectors in (store, glove):
        got = as_word_vectors(vectors)
        assert got.words == ["the", "cat"]
        np.testing.assert_array_equal(got.matrix, matrix[:2])


# ---------------------------------------------------------------- fitted vectorizers
def test_an_unfitted_vectorizer_given_as_vectors_says_so():
    with pytest.raises(NotFittedError, match="Word2VecVectorizer given as vectors is not fitted"):
        MeanEmbeddingVectorizer(Word2VecVectorizer()).fit(DOCS)


def test_a_fitted_vectorizer_whose_vocabulary_skips_rows_is_refused():
    # skembed's vectorizers derive vocabulary_ from word_vectors_; an object of another
    # library with vocabulary_ / vectors_ can still hold a broken vocabulary
    from types import SimpleNamespace

    fitted = SimpleNamespace(vocabulary_={"the": 0, "cat": 2, "sat": 2}, vectors_=_matrix())
    with pytest.raises(ValueError, match=r"maps 'sat' to row 2; expected each of the rows 0 to 2"):
        MeanEmbeddingVectorizer(fitted).fit(DOCS)


# ---------------------------------------------------------------- memory-mapped stores
def test_store_is_checked_in_blocks_and_stays_memory_mapped(tmp_path):
    """A clean store keeps its memory map (no copy); a NaN in its last row is found
    while reading it through the map in blocks (no matrix-sized temporary)."""
    n, dim = 8000, 2500  # 80 MB of float32, few words: the peak below is the check's
    words = [f"w{i}" for i in range(n)]
    matrix = np.lib.format.open_memmap(tmp_path / "src.npy", "w+", np.float32, (n, dim))
    matrix[:] = 0.5
    store = tmp_path / "clean"
    save_vectors(store, words, matrix)
    vec = MeanEmbeddingVectorizer(store).fit(["w1 w2"])
    assert isinstance(vec.vectors_, np.memmap) and not vec.vectors_.flags.writeable
    assert str(vec.vectors_.filename) == str((store / "vectors.npy").resolve())

    data = np.load(store / "vectors.npy", mmap_mode="r+")
    data[n - 1, dim - 1] = np.nan
    data.flush()
    del data
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=rf"'w{n - 1}' \(row {n - 1}\) has NaN or inf"):
            MeanEmbeddingVectorizer(store).fit(["w1 w2"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < matrix.nbytes / 4, f"the check allocated {peak:,} bytes at its peak"


# ---------------------------------------------------------------- the check itself
def test_check_word_vectors_shares_a_float32_c_matrix_and_copies_others():
    matrix = _matrix()
    words, got, _ = check_word_vectors(WORDS, matrix)
    assert got is matrix and words == WORDS
    _, got, _ = check_word_vectors(WORDS, np.asfortranarray(matrix.astype(np.float64)))
    assert got.dtype == np.float32 and got.flags.c_contiguous
    np.testing.assert_array_equal(got, matrix)
    words, _, _ = check_word_vectors([np.str_(w) for w in WORDS], matrix)
    assert all(type(w) is str for w in words)


@pytest.mark.parametrize(
    ("words", "matrix", "error", "pattern"),
    [
        (["the", 7, "sat"], _matrix(), TypeError, r"word at row 1 of the vectors is int 7"),
        (WORDS, _matrix()[:2], ValueError, r"3 words but a matrix of shape \(2, 4\)"),
        (WORDS, _matrix().ravel(), ValueError, r"3 words but a matrix of shape \(12,\)"),
        (WORDS, _matrix() * 1j, TypeError, r"holds complex values"),
        (WORDS, _matrix() > 0.5, TypeError, r"holds bool values"),
        (WORDS, _matrix().astype(str), TypeError, r"holds str values"),
    ],
)
def test_check_word_vectors_refuses(words, matrix, error, pattern):
    with pytest.raises(error, match=pattern):
        check_word_vectors(words, matrix)


def test_check_word_vectors_checks_subwords_dimension():
    table = SubwordTable(min_n=3, max_n=4, bucket=5, vectors=np.zeros((5, 3), np.float32))
    with pytest.raises(ValueError, match="n-gram vectors of the vectors have dimension 3"):
        check_word_vectors(WORDS, _matrix(), table)


def test_open_vectors_result_goes_through_the_check_too(tmp_path):
    store = _tampered_store(tmp_path, _matrix(), 2, np.inf)
    words, matrix, subwords = open_vectors(store)  # open_vectors itself reads no data
    with pytest.raises(ValueError, match=r"'sat' \(row 2\) has NaN or inf"):
        check_word_vectors(words, matrix, subwords, source="the store")


# ---------------------------------------------------------------- TextCNNClassifier
@pytest.mark.parametrize(
    ("bad", "pattern"),
    [
        ([np.nan, 0, 0, 0], r"The vector of 'cat' \(row 1\) has NaN or inf"),
        (np.ones((2, 4)), r"The vector of 'cat' has shape \(2, 4\)"),
    ],
)
def test_textcnn_embeddings_go_through_the_same_check(bad, pattern):
    pytest.importorskip("torch")
    pytest.importorskip("skorch")
    from skembed import TextCNNClassifier

    mapping = dict(zip(WORDS, _matrix(), strict=True))
    mapping["cat"] = bad
    clf = TextCNNClassifier(
        vectors=mapping,
        mode="non-static",
        n_filters=2,
        filter_sizes=(2,),
        max_epochs=1,
        batch_size=4,
        validation_fraction=None,
        random_state=0,
    )
    with pytest.raises(ValueError, match=pattern):
        clf.fit(["the cat sat", "sat the cat", "cat cat", "the sat"], [0, 1, 0, 1])
