"""The real pretrained path: GloVe 6B 50-d written to every format, read back, pooled."""

from __future__ import annotations

import numpy as np
import pytest
from gensim.models import FastText, KeyedVectors

from skembed import FastTextVectorizer, MeanEmbeddingVectorizer
from skembed.vectors import detect_format

DOCS = [
    "The quick brown fox jumps over the lazy dog.",
    "Stocks fell sharply on Monday as investors worried about inflation.",
    "Qwertyuiop zxcvbnm",  # unknown to GloVe
    "",
]


@pytest.fixture(scope="module")
def glove_files(glove_kv, tmp_path_factory):
    """GloVe written as word2vec binary, word2vec text, GloVe text and fastText .vec."""
    d = tmp_path_factory.mktemp("glove")
    paths = {
        "word2vec_binary": d / "glove.bin",
        "word2vec_text": d / "glove.w2v.txt",
        "glove": d / "glove.6B.50d.txt",
        "vec": d / "glove.vec",
        "glove_gz": d / "glove.txt.gz",
    }
    glove_kv.save_word2vec_format(str(paths["word2vec_binary"]), binary=True)
    glove_kv.save_word2vec_format(str(paths["word2vec_text"]), binary=False)
    glove_kv.save_word2vec_format(str(paths["glove"]), binary=False, write_header=False)
    glove_kv.save_word2vec_format(str(paths["vec"]), binary=False)
    glove_kv.save_word2vec_format(str(paths["glove_gz"]), binary=False, write_header=False)
    return paths


def _numpy_mean(words, matrix, docs, analyzer):
    index = {w: i for i, w in enumerate(words)}
    out = []
    for doc in docs:
        rows = [matrix[index[t]] for t in analyzer(doc) if t in index]
        out.append(np.mean(rows, axis=0) if rows else np.zeros(matrix.shape[1]))
    return np.array(out)


@pytest.mark.parametrize("kind", ["word2vec_binary", "word2vec_text", "glove", "vec", "glove_gz"])
def test_every_format_gives_the_numpy_mean(glove_files, glove_subset, kind):
    words, matrix = glove_subset
    vec = MeanEmbeddingVectorizer(glove_files[kind]).fit(DOCS)
    assert vec.vectors_.shape == (20_000, 50)
    expected = _numpy_mean(words, matrix, DOCS, vec.build_analyzer())
    np.testing.assert_allclose(vec.transform(DOCS), expected, rtol=1e-5, atol=1e-6)
    assert not vec.transform(DOCS)[2:].any()


@pytest.mark.parametrize(
    ("kind", "fmt"),
    [
        ("word2vec_binary", "word2vec_binary"),
        ("word2vec_text", "word2vec_text"),
        ("glove", "glove"),
        ("vec", "word2vec_text"),
        ("glove_gz", "glove"),
    ],
)
def test_format_detection(glove_files, kind, fmt):
    assert detect_format(glove_files[kind]) == fmt


def test_named_format_and_string_path(glove_files):
    vec = MeanEmbeddingVectorizer(str(glove_files["glove"]), vectors_format="glove").fit(DOCS)
    assert vec.vocabulary_["the"] == 0


def test_full_glove_400k_matches_numpy_mean(glove_full):
    """All 400,000 words of the real file, through a KeyedVectors."""
    words, matrix = glove_full
    kv = KeyedVectors(50)
    kv.add_vectors(words, np.asarray(matrix))
    vec = MeanEmbeddingVectorizer(kv).fit(DOCS)
    assert vec.vectors_.shape == (400_000, 50)
    expected = _numpy_mean(words, np.asarray(matrix), DOCS, vec.build_analyzer())
    np.testing.assert_allclose(vec.transform(DOCS), expected, rtol=1e-5, atol=1e-6)
    king = vec.keyed_vectors_.most_similar(positive=["king", "woman"], negative=["man"], topn=3)
    assert "queen" in [w for w, _ in king]


def test_sources_agree(glove_kv, glove_subset, glove_files):
    words, matrix = glove_subset
    from_kv = MeanEmbeddingVectorizer(glove_kv).fit(DOCS).transform(DOCS)
    from_dict = (
        MeanEmbeddingVectorizer(dict(zip(words, matrix, strict=True))).fit(DOCS).transform(DOCS)
    )
    from_file = MeanEmbeddingVectorizer(glove_files["glove"]).fit(DOCS).transform(DOCS)
    np.testing.assert_array_equal(from_kv, from_dict)
    np.testing.assert_allclose(from_kv, from_file, rtol=1e-5, atol=1e-6)


def test_case_mismatch_is_visible_in_coverage(glove_kv):
    docs = ["The Quick Brown Fox"]
    lower = MeanEmbeddingVectorizer(glove_kv).fit(docs)
    cased = MeanEmbeddingVectorizer(glove_kv, lowercase=False).fit(docs)
    assert lower.coverage(docs) == 1.0
    assert cased.coverage(docs) == 0.0  # GloVe is lower-cased
    assert not cased.transform(docs).any()


def test_weighting_and_random_oov_over_glove(glove_kv):
    vec = MeanEmbeddingVectorizer(glove_kv, weighting="tfidf", oov="random", random_state=0)
    X = vec.fit_transform(DOCS)
    assert vec.weights_.shape == (20_000,)
    # a word absent from the training docs gets the largest idf
    assert vec.weights_[vec.vocabulary_["king"]] == vec.weights_.max() == vec.oov_weight_
    assert X[2].any() and not X[3].any()
    np.testing.assert_array_equal(X, vec.transform(DOCS))


def test_fasttext_bin_brings_subwords(tmp_path, lee_corpus):
    from gensim.models.fasttext import save_facebook_model

    tokens = [d.lower().split() for d in lee_corpus]
    model = FastText(tokens, vector_size=16, min_count=2, epochs=1, bucket=5000, seed=0, workers=1)
    path = tmp_path / "model.bin"
    save_facebook_model(model, str(path))
    assert detect_format(path) == "fasttext_bin"
    vec = MeanEmbeddingVectorizer(path, oov="subword").fit(["x"])
    assert vec.subwords_ is not None and vec.subwords_.vectors.shape == (5000, 16)
    word = "governmentalities"
    np.testing.assert_allclose(vec.transform([word])[0], model.wv[word], rtol=1e-4, atol=1e-6)
    assert vec.transform([word]).any()
    assert not MeanEmbeddingVectorizer(path).fit(["x"]).transform([word]).any()


def test_fitted_vectorizer_as_source(lee_corpus):
    ft = FastTextVectorizer(vector_size=8, min_count=2, epochs=1, bucket=5000, random_state=0)
    ft.fit(lee_corpus)
    vec = MeanEmbeddingVectorizer(ft, oov="subword").fit(lee_corpus)
    np.testing.assert_array_equal(
        vec.transform(lee_corpus[:5] + ["governmently"]),
        ft.transform(lee_corpus[:5] + ["governmently"]),
    )


def test_duplicate_words_keep_the_first(tmp_path):
    path = tmp_path / "dup.txt"
    path.write_text("the 1 0\ncat 0 1\nthe 5 5\n")
    try:
        vec = MeanEmbeddingVectorizer(path).fit(["the cat"])
    except ValueError as exc:  # gensim may refuse duplicates itself: then it must say so
        assert "Malformed" in str(exc)
        return
    np.testing.assert_array_equal(vec.transform(["the"])[0], [1, 0])


def test_clone_of_a_path_configured_estimator_copies_no_vectors(glove_files):
    from sklearn.base import clone

    vec = MeanEmbeddingVectorizer(glove_files["glove"]).fit(DOCS)
    cloned = clone(vec)
    assert cloned.get_params()["vectors"] == glove_files["glove"]
    assert not hasattr(cloned, "vectors_")


def test_pipeline_memory_hashes_the_path_not_the_matrix(glove_files, tmp_path, monkeypatch):
    """A cached pipeline step is keyed by the path: a refit is a cache hit, no reload."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    import skembed.vectors._resolve

    loads = []
    real = skembed.vectors._resolve.read_vectors
    monkeypatch.setattr(
        skembed.vectors._resolve, "read_vectors", lambda *a, **k: loads.append(a) or real(*a, **k)
    )
    docs = DOCS * 10
    y = [0, 1, 0, 1] * 10
    make = lambda: Pipeline(  # noqa: E731
        [("emb", MeanEmbeddingVectorizer(glove_files["glove"])), ("clf", LogisticRegression())],
        memory=str(tmp_path / "cache"),
    )
    first = make().fit(docs, y)
    second = make().fit(docs, y)
    assert len(loads) == 1  # the second fit read the cache, not the vectors file
    np.testing.assert_array_equal(first.predict_proba(docs), second.predict_proba(docs))


def test_clone_shares_in_memory_vectors(glove_kv):
    from sklearn.base import clone

    vec = MeanEmbeddingVectorizer(glove_kv, pooling=["mean", "max"]).set_output(transform="pandas")
    cloned = clone(vec)
    assert cloned.vectors is glove_kv  # no copy of the matrix
    assert cloned.pooling == ["mean", "max"] and cloned.pooling is not vec.pooling
    assert cloned._sklearn_output_config == {"transform": "pandas"}
    out = cloned.fit(DOCS).transform(DOCS)
    assert list(out.columns)[:1] == ["meanembeddingvectorizer_mean0"]
