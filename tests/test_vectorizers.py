"""Behaviour of the trained vectorizers: pooling, weighting, OOV policies, gensim parity."""

from __future__ import annotations

import numpy as np
import pytest
from gensim.models import FastText, Word2Vec
from gensim.models.fasttext import ft_ngram_hashes
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from skembed import Doc2VecVectorizer, FastTextVectorizer, Word2VecVectorizer
from skembed._corpus import split_long

SMALL = dict(vector_size=16, min_count=2, epochs=3, random_state=0)


@pytest.fixture(scope="module")
def w2v(lee_corpus):
    return Word2VecVectorizer(**SMALL).fit(lee_corpus)


def _tokens(vec, docs):
    analyze = vec.build_analyzer()
    return [analyze(d) for d in docs]


def _reference(vec, docs, reduce):
    """Pool with a plain per-document numpy loop over known tokens."""
    rows = []
    for toks in _tokens(vec, docs):
        known = [vec.vectors_[vec.vocabulary_[t]] for t in toks if t in vec.vocabulary_]
        rows.append(reduce(np.array(known), axis=0) if known else np.zeros(vec.vectors_.shape[1]))
    return np.array(rows)


@pytest.mark.parametrize("pooling", ["mean", "sum", "max", "min"])
def test_pooling_matches_per_document_numpy(w2v, lee_corpus, pooling):
    docs = lee_corpus[:40] + ["", "qqqq zzzz", "the"]
    vec = w2v.set_params(pooling=pooling)
    got = vec.transform(docs)
    expected = _reference(vec, docs, getattr(np, pooling))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert not np.isnan(got).any()


def test_pooling_tuple_concatenates(lee_corpus):
    docs = lee_corpus[:30]
    vec = Word2VecVectorizer(pooling=("mean", "max"), **SMALL).fit(lee_corpus)
    X = vec.transform(docs)
    assert X.shape == (30, 32)
    np.testing.assert_allclose(X[:, :16], _reference(vec, docs, np.mean), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(X[:, 16:], _reference(vec, docs, np.max), rtol=1e-5)
    names = vec.get_feature_names_out()
    assert names[0] == "word2vecvectorizer_mean0" and names[16] == "word2vecvectorizer_max0"
    assert len(set(names)) == 32


def test_tfidf_weighting_is_idf_weighted_average(lee_corpus):
    vec = Word2VecVectorizer(weighting="tfidf", **SMALL).fit(lee_corpus)
    docs = lee_corpus[:25]
    # scikit-learn's smoothed idf over the same tokens and vocabulary
    tfidf = TfidfVectorizer(vocabulary=vec.vocabulary_, norm=None).fit(lee_corpus)
    np.testing.assert_allclose(vec.weights_, tfidf.idf_, rtol=1e-6)
    counts = CountVectorizer(vocabulary=vec.vocabulary_).transform(docs).toarray()
    w = counts * tfidf.idf_
    expected = (w @ vec.vectors_) / w.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(vec.transform(docs), expected, rtol=1e-4, atol=1e-6)


def test_sif_weights_and_component_removal(lee_corpus):
    vec = Word2VecVectorizer(weighting="sif", sif_alpha=1e-3, **SMALL)
    X = vec.fit_transform(lee_corpus)
    tokens = _tokens(vec, lee_corpus)
    n_tokens = sum(len(t) for t in tokens)
    counts = np.zeros(len(vec.vocabulary_))
    for toks in tokens:
        for t in toks:
            if t in vec.vocabulary_:
                counts[vec.vocabulary_[t]] += 1
    np.testing.assert_allclose(vec.weights_, 1e-3 / (1e-3 + counts / n_tokens), rtol=1e-5)
    # Arora et al.: weighted sum over the document's tokens / its number of tokens
    cv = CountVectorizer(vocabulary=vec.vocabulary_).transform(lee_corpus[:5]).toarray()
    raw = (cv * vec.weights_) @ vec.vectors_ / cv.sum(axis=1, keepdims=True)
    u = vec.sif_components_[0]
    np.testing.assert_allclose(X[:5], raw - np.outer(raw @ u, u), rtol=1e-3, atol=1e-5)
    # the removed direction is the first principal direction of the training vectors
    assert np.abs(X @ u).max() < 1e-4
    assert np.isclose(np.linalg.norm(u), 1.0, atol=1e-5)
    no_pc = Word2VecVectorizer(weighting="sif", sif_remove_pc=False, **SMALL).fit(lee_corpus)
    assert no_pc.sif_components_ is None
    np.testing.assert_allclose(no_pc.transform(lee_corpus[:5]), raw, rtol=1e-4, atol=1e-6)


def test_oov_policies(lee_corpus):
    base = dict(**SMALL)
    docs = ["the government said", "the government said xqzzy", "xqzzy", ""]
    ignore = Word2VecVectorizer(oov="ignore", **base).fit(lee_corpus)
    zero = Word2VecVectorizer(oov="zero", **base).fit(lee_corpus)
    rand = Word2VecVectorizer(oov="random", **base).fit(lee_corpus)
    Xi, Xz, Xr = ignore.transform(docs), zero.transform(docs), rand.transform(docs)
    # ignore: the unknown word changes nothing; all-unknown and empty rows are zero
    np.testing.assert_allclose(Xi[0], Xi[1], rtol=1e-6)
    assert not Xi[2].any() and not Xi[3].any()
    # zero: the unknown word counts in the mean (3 known + 1 zero vector)
    np.testing.assert_allclose(Xz[1], Xi[0] * 3 / 4, rtol=1e-5)
    assert not Xz[2].any()
    # random: a fixed U[-0.25, 0.25] vector, the same in any batch and in a refit
    assert Xr[2].any() and np.abs(Xr[2]).max() <= 0.25
    np.testing.assert_array_equal(rand.transform(["xqzzy"])[0], Xr[2])
    refit = Word2VecVectorizer(oov="random", **base).fit(lee_corpus)
    np.testing.assert_array_equal(refit.transform(["xqzzy"]), rand.transform(["xqzzy"]))
    other = Word2VecVectorizer(oov="random", **{**base, "random_state": 1}).fit(lee_corpus)
    assert not np.allclose(other.transform(["xqzzy"]), Xr[2])
    np.testing.assert_allclose(Xr[1], (Xi[0] * 3 + Xr[2]) / 4, rtol=1e-5, atol=1e-7)
    assert not Xr[3].any()


@pytest.mark.parametrize("pooling", ["mean", "sum", "max", "min"])
@pytest.mark.parametrize("norm", [None, "l2"])
def test_empty_and_unknown_documents_give_zero_rows(w2v, pooling, norm):
    vec = w2v.set_params(pooling=pooling, norm=norm)
    X = vec.transform(["", "   ", "zzqx qqzx", "!!! ???"])
    assert X.shape == (4, 16)
    assert np.isfinite(X).all() and not X.any()


def test_l2_norm_and_dtype(w2v, lee_corpus):
    X = w2v.set_params(norm="l2", dtype=np.float64, pooling="mean").transform(lee_corpus[:10])
    assert X.dtype == np.float64
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, rtol=1e-6)
    w2v.set_params(norm=None, dtype=np.float32)


def test_word2vec_equals_raw_gensim(lee_corpus):
    params = dict(vector_size=16, window=3, min_count=2, epochs=2, sg=1, hs=1, negative=0)
    vec = Word2VecVectorizer(random_state=7, **params).fit(lee_corpus)
    tokens = _tokens(vec, lee_corpus)
    model = Word2Vec(tokens, seed=7, workers=1, **params)
    assert vec.vocabulary_ == model.wv.key_to_index
    np.testing.assert_array_equal(vec.vectors_, model.wv.vectors)


def test_fasttext_equals_raw_gensim_and_subwords(lee_corpus):
    params = dict(vector_size=16, min_count=2, epochs=2, bucket=20_000, min_n=3, max_n=5)
    vec = FastTextVectorizer(random_state=3, **params).fit(lee_corpus)
    model = FastText(_tokens(vec, lee_corpus), seed=3, workers=1, **params)
    np.testing.assert_array_equal(vec.vectors_, model.wv.vectors)
    # only trained buckets are kept
    trained = np.unique(np.concatenate(model.wv.buckets_word))
    np.testing.assert_array_equal(vec.subwords_.bucket_ids, trained)
    np.testing.assert_array_equal(vec.subwords_.vectors, model.wv.vectors_ngrams[trained])
    # an unseen word: the mean of its trained n-gram vectors
    word = "governmentally"
    assert word not in vec.vocabulary_
    hashes = [h for h in ft_ngram_hashes(word, 3, 5, 20_000) if h in set(trained)]
    expected = model.wv.vectors_ngrams[hashes].mean(axis=0)
    np.testing.assert_allclose(vec.transform([word])[0], expected, rtol=1e-5)


def test_fasttext_misspelling_lands_near_the_word(lee_corpus):
    vec = FastTextVectorizer(vector_size=32, min_count=2, epochs=5, bucket=50_000, random_state=0)
    vec.fit(lee_corpus)
    a, b, c = vec.transform(["government", "governmment", "bushfire"])
    cos = lambda u, v: u @ v / np.linalg.norm(u) / np.linalg.norm(v)  # noqa: E731
    assert cos(a, b) > 0.9
    assert cos(a, b) > cos(a, c)
    ignore = vec.set_params(oov="ignore")
    assert not ignore.transform(["governmment"]).any()


def test_fitted_fasttext_is_small(lee_corpus):
    import pickle

    vec = FastTextVectorizer(vector_size=16, min_count=2, epochs=1, random_state=0)
    vec.fit(lee_corpus)  # gensim's default 2,000,000 buckets
    assert vec.subwords_.vectors.shape[0] < 100_000
    assert len(pickle.dumps(vec)) < 20 * 2**20


def test_doc2vec_inference_is_deterministic_and_batch_independent(lee_corpus):
    vec = Doc2VecVectorizer(vector_size=16, min_count=2, epochs=5, random_state=0)
    X = vec.fit_transform(lee_corpus[:50])
    one_by_one = np.vstack([vec.transform([d]) for d in lee_corpus[:5]])
    np.testing.assert_array_equal(one_by_one, X[:5])
    np.testing.assert_array_equal(vec.transform(lee_corpus[:5][::-1])[::-1], X[:5])
    assert not vec.transform(["", "qqzx zzqx"]).any()
    # similar documents are closer than unrelated ones, on average
    assert np.isfinite(X).all()


def test_doc2vec_infer_epochs_changes_inference(lee_corpus):
    a = Doc2VecVectorizer(vector_size=8, min_count=2, epochs=3, random_state=0).fit(lee_corpus)
    b = Doc2VecVectorizer(vector_size=8, min_count=2, epochs=3, infer_epochs=20, random_state=0)
    b.fit(lee_corpus)
    np.testing.assert_array_equal(a.vectors_, b.vectors_)
    assert not np.allclose(a.transform(lee_corpus[:3]), b.transform(lee_corpus[:3]))


def test_text_parameters_mean_what_countvectorizer_means(lee_corpus):
    kwargs = dict(
        lowercase=False,
        stop_words="english",
        token_pattern=r"(?u)\b\w+\b",
        strip_accents="unicode",
    )
    vec = Word2VecVectorizer(**kwargs)
    cv = CountVectorizer(**kwargs)
    docs = lee_corpus[:10] + ["Café THE the Über a b"]
    assert [vec.build_analyzer()(d) for d in docs] == [cv.build_analyzer()(d) for d in docs]
    fitted = Word2VecVectorizer(**kwargs, **SMALL).fit(lee_corpus)
    assert "the" not in fitted.vocabulary_
    assert any(w[0].isupper() for w in fitted.vocabulary_)


def test_callable_analyzer_takes_pretokenized_documents(lee_corpus):
    tokens = [d.lower().split() for d in lee_corpus]
    vec = Word2VecVectorizer(analyzer=lambda toks: toks, **SMALL).fit(tokens)
    assert "fire," in vec.vocabulary_  # no regex tokenization happened
    X = vec.transform([["fire,", "the"], []])
    assert X.shape == (2, 16) and X[0].any() and not X[1].any()


def test_keyed_vectors_view_most_similar(w2v):
    kv = w2v.keyed_vectors_
    assert kv.vectors is w2v.vectors_
    top = kv.most_similar("government", topn=3)
    assert len(top) == 3 and all(w in w2v.vocabulary_ for w, _ in top)
    assert kv.index_to_key[w2v.vocabulary_["fire"]] == "fire"


def test_verbose_shows_epoch_progress(lee_corpus, capfd):
    Word2VecVectorizer(vector_size=8, min_count=2, epochs=2, verbose=1).fit(lee_corpus)
    err = capfd.readouterr().err
    assert "Word2VecVectorizer" in err and "words/s" in err and "2/2" in err
    Word2VecVectorizer(vector_size=8, min_count=2, epochs=2, verbose=0).fit(lee_corpus)
    assert "words/s" not in capfd.readouterr().err


def test_long_documents_are_split_not_truncated():
    long_doc = [f"w{i % 50}" for i in range(25_000)]
    pieces = split_long([long_doc, ["a"]])
    assert [len(p) for p in pieces] == [10_000, 10_000, 5_000, 1]
    assert sum(pieces, []) == long_doc + ["a"]


def test_n_jobs_uses_several_workers_and_still_works(lee_corpus):
    vec = Word2VecVectorizer(vector_size=8, min_count=2, epochs=1, n_jobs=2, random_state=0)
    X = vec.fit_transform(lee_corpus)
    assert X.shape == (len(lee_corpus), 8) and np.isfinite(X).all()
    assert vec.__sklearn_tags__().non_deterministic


@pytest.mark.parametrize(
    "params",
    [dict(dm=1), dict(dm=0), dict(dm=0, hs=1, negative=0), dict(dm=1, hs=1, negative=3)],
    ids=["pv-dm", "pv-dbow", "dbow-hs", "dm-hs-neg"],
)
def test_doc2vec_plain_state_infers_like_the_trained_gensim_model(lee_corpus, params):
    from gensim.models.doc2vec import Doc2Vec, TaggedDocument

    from skembed.doc2vec import infer_vector

    common = dict(vector_size=12, min_count=2, epochs=3)
    vec = Doc2VecVectorizer(random_state=5, **common, **params).fit(lee_corpus[:150])
    tokens = _tokens(vec, lee_corpus[:150])
    model = Doc2Vec(
        [TaggedDocument(t, [i]) for i, t in enumerate(tokens)],
        seed=5,
        workers=1,
        **common,
        **params,
    )
    np.testing.assert_array_equal(vec.vectors_, model.wv.vectors)
    assert not hasattr(vec, "model_")  # fitted state is plain arrays
    expected = np.array(
        [
            infer_vector(model, t, seed=5, epochs=3, alpha=0.025, min_alpha=0.0001)
            for t in tokens[:10]
        ]
    )
    np.testing.assert_array_equal(vec.transform(lee_corpus[:10]), expected)


TRICKY = [
    "The CAFÉ's crème brûlée — naïve 'quotes' ΟΔΟΣ ΣΟΦΟΣ Σ",
    "",
    "a b c",  # only 1-letter tokens: no token at all
    "x" * 5000 + " long",
    "emoji 😀 tokens 👍🏽 here, zero\u200bwidth joiner",
    "עברית rtl text مرحبا بالعالم",
    "numbers 123 4567 and_underscores __init__",
    "zqskembeddocumentseparatorqz inside a document",
    "ZQSKEMBEDDOCUMENTSEPARATORQZ upper",
    "e\u0301 combining marks cafe\u0301",
]


@pytest.mark.parametrize("strip_accents", [None, "ascii", "unicode"])
@pytest.mark.parametrize("lowercase", [True, False])
def test_batched_tokenization_equals_sklearn_analyzer(strip_accents, lowercase):
    from skembed._text import SENTINEL, batch_tokens

    vec = Word2VecVectorizer(strip_accents=strip_accents, lowercase=lowercase)
    params = vec._text_params()
    analyze = vec.build_analyzer()
    clean = [d for d in TRICKY if "zqskembed" not in d.lower()]
    tokens = batch_tokens(clean, params)
    docs_tokens, current = [], []
    for tok in tokens:
        if tok == SENTINEL:
            docs_tokens.append(current)
            current = []
        else:
            current.append(tok)
    docs_tokens.append(current)
    assert docs_tokens == [analyze(d) for d in clean]
    # a document holding the separator falls back to the per-document analyzer
    assert batch_tokens(TRICKY, params) is None


@pytest.mark.parametrize("oov", ["ignore", "zero", "random"])
@pytest.mark.parametrize("weighting", [None, "tfidf", "sif"])
def test_batched_and_per_document_transform_agree(lee_corpus, oov, weighting):
    import re

    from skembed._text import batch_tokens

    docs = lee_corpus[:40] + [d for d in TRICKY if "zqskembed" not in d.lower()]
    fast = Word2VecVectorizer(oov=oov, weighting=weighting, pooling=("mean", "max"), **SMALL)
    # an explicit tokenizer with the same regex forces the per-document path
    slow = fast.__class__(
        **{**fast.get_params(), "tokenizer": re.compile(r"(?u)\b\w\w+\b").findall}
    )
    assert batch_tokens(docs, fast._text_params()) is not None  # the batched path runs
    assert batch_tokens(docs, slow._text_params()) is None
    Xf = fast.fit(lee_corpus).transform(docs)
    Xs = slow.fit(lee_corpus).transform(docs)
    np.testing.assert_allclose(Xf, Xs, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Word2VecVectorizer(oov="random", weighting="tfidf", **SMALL),
        lambda: FastTextVectorizer(bucket=5000, **SMALL),
        lambda: Doc2VecVectorizer(**SMALL),
    ],
    ids=["word2vec", "fasttext", "doc2vec"],
)
def test_transform_from_four_threads_equals_sequential(lee_corpus, make):
    from concurrent.futures import ThreadPoolExecutor

    vec = make().fit(lee_corpus)
    batches = [lee_corpus[i::4] for i in range(4)]
    expected = [vec.transform(b) for b in batches]
    with ThreadPoolExecutor(4) as pool:
        for _ in range(3):
            got = list(pool.map(vec.transform, batches))
            for g, e in zip(got, expected, strict=True):
                np.testing.assert_array_equal(g, e)
