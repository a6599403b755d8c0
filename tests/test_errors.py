"""Bad input gets a clear error, case by case."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from skembed import (
    Doc2VecVectorizer,
    FastTextVectorizer,
    MeanEmbeddingVectorizer,
    Word2VecVectorizer,
)

SMALL = dict(vector_size=8, min_count=1, epochs=1, random_state=0)
TRAINED = [Word2VecVectorizer, FastTextVectorizer, Doc2VecVectorizer]


@pytest.fixture(scope="module")
def fitted(lee_corpus):
    return Word2VecVectorizer(**SMALL).fit(lee_corpus[:30])


def test_single_string_instead_of_documents(fitted):
    msg = "Iterable over raw text documents expected, string object received."
    with pytest.raises(ValueError, match=msg):
        Word2VecVectorizer(**SMALL).fit("the cat sat on the mat")
    with pytest.raises(ValueError, match=msg):
        fitted.transform("the cat sat")
    with pytest.raises(ValueError, match=msg):
        fitted.transform(b"the cat sat")


@pytest.mark.parametrize(
    ("bad", "pattern"),
    [
        (None, r"Document 2 is None; expected a str"),
        (float("nan"), r"Document 2 is NaN; expected a str"),
        (np.nan, r"Document 2 is NaN"),
        (pd.NA, r"Document 2 is NaN"),
        (42, r"Document 2 is of type int; expected a str"),
        (3.5, r"Document 2 is of type float"),
        (["a", "list"], r"Document 2 is of type list.*analyzer"),
    ],
)
def test_bad_document_is_named_by_index(fitted, bad, pattern):
    docs = ["the fire", "the police", bad, "more text"]
    with pytest.raises(ValueError, match=pattern):
        fitted.transform(docs)
    with pytest.raises(ValueError, match=pattern):
        Word2VecVectorizer(**SMALL).fit(docs)


def test_nan_in_pandas_series_named(fitted):
    s = pd.Series(["fire", None, "police"], index=[10, 11, 12])
    # pandas stores a missing str as None or NaN, depending on its version
    with pytest.raises(ValueError, match="Document 1 is (None|NaN)"):
        fitted.transform(s)


def test_undecodable_bytes(fitted):
    docs = [b"fire", "caf\xe9".encode("latin-1")]
    with pytest.raises(ValueError, match=r"Document 1 could not be decoded with encoding='utf-8'"):
        fitted.transform(docs)
    replaced = fitted.set_params(decode_error="replace").transform(docs)
    assert replaced.shape == (2, 8)
    latin = fitted.set_params(decode_error="strict", encoding="latin-1").transform(docs)
    assert latin.shape == (2, 8)
    fitted.set_params(encoding="utf-8")


def test_bytes_documents_are_decoded(fitted):
    np.testing.assert_array_equal(
        fitted.transform([b"the fire", b"police"]), fitted.transform(["the fire", "police"])
    )


def test_two_dimensional_input(fitted):
    with pytest.raises(ValueError, match=r"got an array of shape \(2, 1\).*1-D"):
        fitted.transform(np.array([["a"], ["b"]], dtype=object))
    with pytest.raises(ValueError, match="DataFrame received"):
        fitted.transform(pd.DataFrame({"text": ["a", "b"]}))
    with pytest.raises(ValueError, match="int object received"):
        fitted.transform(5)


@pytest.mark.parametrize("Vectorizer", TRAINED)
def test_empty_vocabulary_after_min_count(Vectorizer):
    docs = ["alpha beta", "gamma delta"]
    with pytest.raises(ValueError, match=r"Empty vocabulary: no token occurs at least min_count=5"):
        Vectorizer(vector_size=4).fit(docs)
    with pytest.raises(ValueError, match="Empty vocabulary"):
        Vectorizer(vector_size=4, min_count=1).fit(["", "a b c"])  # 1-letter tokens dropped


@pytest.mark.parametrize("Vectorizer", TRAINED)
def test_no_documents(Vectorizer):
    with pytest.raises(ValueError, match="Empty vocabulary"):
        Vectorizer(**SMALL).fit([])


def test_invalid_parameters_use_sklearn_messages(lee_corpus):
    docs = lee_corpus[:5]
    with pytest.raises(ValueError, match=r"The 'pooling' parameter of Word2VecVectorizer must be"):
        Word2VecVectorizer(pooling="median", **SMALL).fit(docs)
    with pytest.raises(ValueError, match=r"The 'pooling' parameter .* Got \('mean', 'avg'\)"):
        Word2VecVectorizer(pooling=("mean", "avg"), **SMALL).fit(docs)
    with pytest.raises(ValueError, match=r"The 'weighting' parameter of Word2VecVectorizer"):
        Word2VecVectorizer(weighting="bm25", **SMALL).fit(docs)
    with pytest.raises(ValueError, match=r"The 'vector_size' parameter .* int in the range"):
        Word2VecVectorizer(vector_size=0).fit(docs)
    with pytest.raises(ValueError, match=r"The 'dtype' parameter must be np.float32 or np.float64"):
        Word2VecVectorizer(dtype=np.int32, **SMALL).fit(docs)
    with pytest.raises(ValueError, match=r"hs=1.*negative > 0.*got hs=0 and negative=0"):
        Word2VecVectorizer(hs=0, negative=0, **SMALL).fit(docs)
    with pytest.raises(ValueError, match="oov='subword' needs character n-gram vectors"):
        Word2VecVectorizer(oov="subword", **SMALL).fit(docs)
    with pytest.raises(ValueError, match=r"The 'analyzer' parameter"):
        Word2VecVectorizer(analyzer="char", **SMALL).fit(docs)


def test_transform_before_fit():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError, match="is not fitted yet"):
        Word2VecVectorizer().transform(["a b"])
    with pytest.raises(NotFittedError):
        Word2VecVectorizer().get_feature_names_out()


def test_pretrained_source_errors(tmp_path):
    with pytest.raises(ValueError, match="MeanEmbeddingVectorizer needs pretrained vectors"):
        MeanEmbeddingVectorizer().fit(["a b"])
    missing = tmp_path / "nope.txt"
    with pytest.raises(FileNotFoundError, match="Vectors file not found: .*nope.txt"):
        MeanEmbeddingVectorizer(missing).fit(["a b"])
    with pytest.raises(ValueError, match="Expected a vectors file, got the directory"):
        MeanEmbeddingVectorizer(tmp_path).fit(["a b"])
    with pytest.raises(TypeError, match="vectors must be a path .* got int instead"):
        MeanEmbeddingVectorizer(12).fit(["a b"])
    with pytest.raises(ValueError, match="different lengths"):
        MeanEmbeddingVectorizer({"a": [1.0, 2.0], "b": [1.0]}).fit(["a b"])
    with pytest.raises(ValueError, match="no character n-gram|needs character n-gram"):
        MeanEmbeddingVectorizer({"a": [1.0]}, oov="subword").fit(["a b"])


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        (b"", "is empty"),
        (b"hello world\nthis is not vectors\n", "Could not recognise the format"),
        # word2vec text whose header promises more rows than there are
        (b"3 2\nthe 0.1 0.2\ncat 0.3 0.4\n", "Malformed word2vec_text"),
        # rows of different lengths in GloVe text
        (b"the 0.1 0.2 0.3\ncat 0.3 0.4\n", "Malformed glove"),
        # a value that is not a number
        (b"the 0.1 0.2\ncat 0.3 abc\n", "Malformed glove"),
        # binary vectors cut short
        (b"2 4\nthe \x00\x00\x80?\x00\x00\x80?", "truncated or its header is wrong"),
    ],
)
def test_malformed_vectors_files(tmp_path, content, pattern):
    path = tmp_path / "vectors.txt"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=pattern):
        MeanEmbeddingVectorizer(path).fit(["the cat"])


def test_nonfinite_vectors_rejected(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("the 0.1 0.2\ncat nan 0.4\n")
    with pytest.raises(ValueError, match=r"The vector of 'cat' \(row 1\) has NaN or inf"):
        MeanEmbeddingVectorizer(path).fit(["the cat"])


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        # a header promising a billion vectors must fail before any allocation
        (b"1000000000 300\nthe 0.1 0.2\n", r"header promises 1,000,000,000 vectors"),
        (b"5 0\nthe\n", "dimension between 1 and"),
        (b"2 999999999\nthe 0.1\n", "dimension between 1 and"),
    ],
)
def test_lying_header_is_caught_before_allocating(tmp_path, content, pattern):
    import resource

    path = tmp_path / "lying.txt"
    path.write_bytes(content)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ValueError, match=pattern):
        MeanEmbeddingVectorizer(path).fit(["the cat"])
    # no gigabyte matrix was allocated on the way to the error
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000  # KiB


def test_truncated_binary_file_is_caught(tmp_path, glove_subset):
    from gensim.models import KeyedVectors

    words, matrix = glove_subset
    kv = KeyedVectors(50)
    kv.add_vectors(words[:1000], matrix[:1000])
    path = tmp_path / "v.bin"
    kv.save_word2vec_format(str(path), binary=True)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated or its header is wrong"):
        MeanEmbeddingVectorizer(path).fit(["the cat"])
