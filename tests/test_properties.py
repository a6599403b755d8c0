"""Property-based robustness: every estimator on arbitrary Unicode documents.

Each configuration is fitted once per module on the Lee corpus (tiny sizes), then
hypothesis throws documents at it: emoji and ZWJ sequences, combining marks,
right-to-left text and bidi controls, zero-width characters, lone surrogates,
NUL and control characters, case-mapping oddities, the batch separator of the
fast tokenizer, 10,000-character tokens, 10,000-token documents, empty and
whitespace-only documents, mixed with words the models know. The properties:

- no crash, no NaN or inf, the right shape and dtype (and, for the classifier,
  probabilities that sum to one);
- a document's row does not depend on its batch: row ``i`` of
  ``transform(docs)`` equals ``transform([docs[i]])[0]`` bit for bit for the
  vectorizers; for :class:`~skembed.TextCNNClassifier` to float32 rounding, as
  its docstring says (torch's kernels round differently for other batch shapes);
- ``fit_transform(X)`` equals ``fit(X).transform(X)`` bit for bit (fresh clones
  with the same ``random_state``), on small generated corpora mixed with real text;
- a pandas Series with any index gives the list's output, and
  ``set_output(transform="pandas")`` keeps that index;
- empty collections give ``(0, n_features)``;
- four threads transforming with one fitted estimator get the sequential output.

The runs are derandomized (the same examples every run) and bounded.
"""

from __future__ import annotations

import copy
import itertools
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone

from skembed import (
    Doc2VecVectorizer,
    FastTextVectorizer,
    MeanEmbeddingVectorizer,
    Word2VecVectorizer,
    save_vectors,
)
from skembed._text import SENTINEL

_COMMON = dict(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
#: Transform-only properties: cheap, so more examples.
TRANSFORM = settings(max_examples=30, **_COMMON)
#: Properties that fit twice per example.
FIT = settings(max_examples=5, **_COMMON)

TINY = dict(vector_size=10, min_count=1, epochs=1, random_state=0, n_jobs=1)

# ------------------------------------------------------------------ strategies
#: Frequent words of the Lee corpus: known to every model fitted on it.
KNOWN = [
    "the",
    "fire",
    "police",
    "government",
    "australia",
    "people",
    "palestinian",
    "israeli",
    "minister",
    "arafat",
    "afghanistan",
    "world",
    "attacks",
    "south",
    "year",
    "first",
]

#: Hostile pieces of text.
SPECIAL = [
    "\U0001f600",  # emoji
    "\U0001f469\u200d\U0001f4bb",  # ZWJ sequence
    "\U0001f1e6\U0001f1fa",  # flag (regional indicators)
    "e\u0301",  # combining acute accent
    "a\u0308\u0304\u0323\u0301",  # stacked combining marks
    "\u0301fire",  # a combining mark with nothing to combine with
    "\u05e9\u05dc\u05d5\u05dd",  # Hebrew
    "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645",  # Arabic
    "\u202efire\u202c",  # right-to-left override around a known word
    "\u200f\u0627police\u200e",  # RTL/LTR marks, Arabic letter glued to a known word
    "\u200b",  # zero-width space
    "\u200d",  # zero-width joiner
    "\ufeff",  # zero-width no-break space / BOM
    "fi\u200bre",
    "\ufeffthe",
    "\u00a0",
    "\u3000",
    "\u2028",
    "\u0130stanbul",  # lowercases to two code points
    "STRASSE\u00df",
    "\u03a3\u039f\u03a6\u039f\u03a3",  # final sigma when lowercased
    "\uff46\uff49\uff52\uff45",  # fullwidth "fire"
    "\x00",
    "\x1f\x7f",
    "\ud800",  # lone surrogates: valid Python str, no UTF-8 encoding
    "a\udcffb",
    SENTINEL,  # the separator of the batched tokenizer
    SENTINEL.upper() + "fire",
    "x" * 10_000,  # a 10,000-character token
    "\u00e9" * 10_000,
    "\U0001f600" * 2_000,
]

_short_special = st.sampled_from([s for s in SPECIAL if len(s) < 100])
word = st.one_of(
    st.sampled_from(KNOWN),
    st.sampled_from(SPECIAL),
    st.text(max_size=8),
    st.sampled_from(KNOWN).map(str.upper),
)
separator = st.sampled_from([" ", "  ", "\t", "\n", "\r\n", "", "\u200b", "\u3000", ", ", "-"])
word_doc = st.lists(st.tuples(word, separator), max_size=10).map(
    lambda pairs: "".join(w + s for w, s in pairs)
)
#: Documents of exactly 10,000 whitespace-separated tokens.
long_doc = st.lists(st.one_of(st.sampled_from(KNOWN), _short_special), min_size=1, max_size=4).map(
    lambda ws: " ".join(itertools.islice(itertools.cycle(ws), 10_000))
)
#: Words no model knows: the order in which a batch meets them must not matter.
UNKNOWN = ["zqa", "blorp", "snarf", "wibble", "frobnicate", "quux", "xyzzy", "plugh"]
#: Several unknown (and known) words in one document.
pool_doc = st.lists(st.sampled_from(UNKNOWN + KNOWN[:4]), min_size=3, max_size=12).map(" ".join)
whitespace_doc = st.text(
    alphabet=" \t\n\r\x0b\x0c\x1c\x85\u00a0\u2000\u2028\u2029\u3000\u200b\ufeff", max_size=12
)
document = st.one_of(
    st.just(""), whitespace_doc, st.text(max_size=30), word_doc, word_doc, pool_doc, long_doc
)
documents = st.lists(document, max_size=6)

#: Documents for training: no 10,000-token ones (they only slow fits down).
training_document = st.one_of(st.just(""), whitespace_doc, st.text(max_size=30), word_doc)


def _lee() -> list[str]:
    from gensim.test.utils import datapath

    with open(datapath("lee_background.cor"), encoding="utf-8") as fh:
        return [line.strip() for line in fh if line.strip()]


#: Real text mixed into the generated training corpora (the shortest Lee articles).
REAL = sorted(_lee(), key=len)[:40]
training_corpus = st.tuples(
    st.lists(st.sampled_from(REAL), min_size=3, max_size=6),
    st.lists(training_document, max_size=6),
    st.randoms(use_true_random=False),
).map(lambda t: t[2].sample(t[0] + t[1], len(t[0]) + len(t[1])))


def _index(n: int):
    """A pandas index of length ``n`` that is not the default RangeIndex."""
    return st.one_of(
        st.lists(st.integers(-(10**12), 10**12), min_size=n, max_size=n, unique=True),
        st.lists(st.text(max_size=4), min_size=n, max_size=n, unique=True),
        st.lists(st.integers(0, 2), min_size=n, max_size=n),  # duplicated labels
        st.just([f"doc{i}" for i in reversed(range(n))]),
    )


# ------------------------------------------------------------------ the estimators
def _vectorizers(res) -> dict:
    return {
        "w2v-mean-ignore": Word2VecVectorizer(**TINY),
        "w2v-max-zero": Word2VecVectorizer(pooling="max", oov="zero", **TINY),
        "w2v-sum-tfidf-random": Word2VecVectorizer(
            pooling="sum", weighting="tfidf", oov="random", **TINY
        ),
        "w2v-sif-3pool-l2-f64": Word2VecVectorizer(
            pooling=("mean", "max", "min"),
            weighting="sif",
            oov="random",
            norm="l2",
            dtype=np.float64,
            **TINY,
        ),
        # a token pattern without a fast path: the per-document analyzer
        "w2v-nonspace-random": Word2VecVectorizer(
            token_pattern=r"\S+", lowercase=False, oov="random", weighting="tfidf", **TINY
        ),
        "fasttext-subword": FastTextVectorizer(bucket=2000, **TINY),
        "fasttext-sif-sum-max": FastTextVectorizer(
            bucket=2000, weighting="sif", pooling=("sum", "max"), **TINY
        ),
        # tokens holding anything but whitespace (lone surrogates included) get n-grams
        "fasttext-nonspace": FastTextVectorizer(
            bucket=2000, token_pattern=r"\S+", strip_accents="unicode", **TINY
        ),
        "doc2vec-dm": Doc2VecVectorizer(infer_epochs=2, **TINY),
        "doc2vec-dbow": Doc2VecVectorizer(dm=0, infer_epochs=2, **TINY),
        "pretrained-file-tfidf-random": MeanEmbeddingVectorizer(
            res["w2v_txt"], weighting="tfidf", oov="random", random_state=0
        ),
        "pretrained-store-subword-sif": MeanEmbeddingVectorizer(
            res["store"], oov="subword", weighting="sif", pooling=("mean", "min")
        ),
    }


VECTORIZERS = [
    "w2v-mean-ignore",
    "w2v-max-zero",
    "w2v-sum-tfidf-random",
    "w2v-sif-3pool-l2-f64",
    "w2v-nonspace-random",
    "fasttext-subword",
    "fasttext-sif-sum-max",
    "fasttext-nonspace",
    "doc2vec-dm",
    "doc2vec-dbow",
    "pretrained-file-tfidf-random",
    "pretrained-store-subword-sif",
]
#: Configurations whose fit takes arbitrary training text (fastText with ``\S+``
#: cannot train on a lone surrogate: see test_lone_surrogates_in_training_are_named).
FITTABLE = [name for name in VECTORIZERS if name != "fasttext-nonspace"]
#: Where a document with no known token must get a zero row.
ZERO_WHEN_UNKNOWN = {"w2v-mean-ignore", "w2v-max-zero", "doc2vec-dm", "doc2vec-dbow"}

CNN = dict(
    embedding_dim=10,
    n_filters=4,
    filter_sizes=(2, 3),
    max_epochs=1,
    batch_size=16,
    max_len=60,
    validation_fraction=None,
    random_state=0,
)


@pytest.fixture(scope="module")
def lee(lee_corpus):
    return lee_corpus[:150]


@pytest.fixture(scope="module")
def resources(lee, tmp_path_factory):
    """Pretrained vectors for MeanEmbeddingVectorizer and TextCNNClassifier, as files."""
    d = tmp_path_factory.mktemp("properties")
    w2v = Word2VecVectorizer(**TINY).fit(lee)
    w2v.keyed_vectors_.save_word2vec_format(str(d / "w2v.txt"))
    ft = FastTextVectorizer(bucket=2000, **TINY).fit(lee)
    words = sorted(ft.vocabulary_, key=ft.vocabulary_.__getitem__)
    save_vectors(d / "store", words, ft.vectors_, ft.subwords_)
    return {"w2v_txt": d / "w2v.txt", "store": d / "store"}


@pytest.fixture(scope="module")
def make(resources):
    """name -> a new, unfitted estimator of that configuration."""
    return lambda name: _vectorizers(resources)[name]


@pytest.fixture(scope="module")
def fitted(make, lee):
    """name -> that configuration fitted on the Lee corpus (once per module)."""
    cache: dict = {}

    def get(name):
        if name not in cache:
            est = make(name).fit(lee)
            assert sum(w in est.vocabulary_ for w in KNOWN) >= len(KNOWN) // 2
            cache[name] = est
        return cache[name]

    return get


@pytest.fixture(scope="module")
def cnn(lee, resources):
    """TextCNNClassifier in two modes, fitted once: (name -> estimator)."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("skorch")
    from skembed.nn import TextCNNClassifier

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    y = np.array(["a", "b", "c"])[np.arange(len(lee)) % 3]
    models = {
        "rand": TextCNNClassifier(**CNN).fit(lee, y),
        # pretrained vectors from a file; words unseen in training get them too
        "non-static-file": TextCNNClassifier(
            vectors=str(resources["w2v_txt"]),
            mode="non-static",
            oov="pretrained",
            min_count=2,
            **CNN,
        ).fit(lee, y),
    }
    yield models
    torch.set_num_threads(threads)


def _check_output(X, n_docs: int, est) -> None:
    assert isinstance(X, np.ndarray)
    assert X.shape == (n_docs, est.n_features_out_)
    assert X.dtype == np.dtype(est.dtype)
    assert np.isfinite(X).all()


# ------------------------------------------------------------------ vectorizers
@pytest.mark.parametrize("name", VECTORIZERS)
@TRANSFORM
@given(docs=documents)
def test_transform_is_finite_and_batch_independent(fitted, name, docs):
    est = fitted(name)
    X = est.transform(docs)
    _check_output(X, len(docs), est)
    analyzer = est.build_analyzer()
    for i, doc in enumerate(docs):
        alone = est.transform([doc])
        _check_output(alone, 1, est)
        np.testing.assert_array_equal(alone[0], X[i], err_msg=f"document {i}: {doc[:60]!r}")
        tokens = analyzer(doc)
        if not tokens or (
            name in ZERO_WHEN_UNKNOWN and not any(t in est.vocabulary_ for t in tokens)
        ):
            assert not X[i].any(), f"document {i} has no usable token but a non-zero row"
    if est.norm == "l2":
        norms = np.linalg.norm(X, axis=1)
        assert np.allclose(norms[norms > 0], 1.0, atol=1e-5)


@pytest.mark.parametrize("name", VECTORIZERS)
@TRANSFORM
@given(data=st.data())
def test_series_with_any_index_equals_list(fitted, name, data):
    est = fitted(name)
    docs = data.draw(st.lists(document, min_size=1, max_size=4), label="docs")
    index = data.draw(_index(len(docs)), label="index")
    series = pd.Series(docs, index=index, dtype=object)
    expected = est.transform(docs)
    np.testing.assert_array_equal(est.transform(series), expected)
    np.testing.assert_array_equal(est.transform(series.iloc[::-1]), expected[::-1])
    est.set_output(transform="pandas")
    try:
        frame = est.transform(series)
    finally:
        est.set_output(transform="default")
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.index) == list(series.index)
    assert list(frame.columns) == list(est.get_feature_names_out())
    np.testing.assert_array_equal(frame.to_numpy(), expected)


@pytest.mark.parametrize("name", FITTABLE)
@FIT
@given(corpus=training_corpus)
def test_fit_transform_equals_fit_then_transform(make, name, corpus):
    est = make(name)
    a = clone(est).fit_transform(corpus)
    fitted = clone(est).fit(corpus)
    b = fitted.transform(corpus)
    _check_output(a, len(corpus), fitted)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", VECTORIZERS)
def test_empty_collections(fitted, name):
    est = fitted(name)
    n = est.n_features_out_
    empties = ([], (), np.array([], dtype=object), pd.Series([], dtype=object), iter([]))
    for empty in empties:
        X = est.transform(empty)
        assert X.shape == (0, n) and X.dtype == np.dtype(est.dtype), type(empty)
    est.set_output(transform="pandas")
    try:
        frame = est.transform(pd.Series([], dtype=object, index=pd.Index([], dtype=str)))
    finally:
        est.set_output(transform="default")
    assert frame.shape == (0, n)


@pytest.mark.parametrize("name", VECTORIZERS)
def test_hostile_text_around_known_words_gives_real_rows(fitted, name):
    """Known words wrapped in hostile characters are still found: non-trivial rows."""
    est = fitted(name)
    docs = [
        "\u202efire\u202c police",
        "\U0001f600fire\U0001f600 \u200bpolice\u200b",
        "\ufeffgovernment\u00a0minister",
        "israeli \u05e9\u05dc\u05d5\u05dd palestinian \u0645\u0631\u062d\u0628\u0627",
        "ARAFAT\x00attacks",
    ]
    X = est.transform(docs)
    assert np.isfinite(X).all()
    assert (np.abs(X).sum(axis=1) > 0).all()


@pytest.mark.parametrize("name", VECTORIZERS)
def test_four_threads_equal_sequential(fitted, lee, name):
    """One fitted estimator, four threads at once, cold caches: the sequential output."""
    est = copy.deepcopy(fitted(name))  # __getstate__ drops the lazily built caches
    hostile = [" ".join(SPECIAL[:20]), "", "fire " * 3000]
    batches = [lee[i::4][:20] + hostile for i in range(4)]
    expected = [fitted(name).transform(b) for b in batches]
    with ThreadPoolExecutor(4) as pool:
        for _ in range(2):
            for got, want in zip(pool.map(est.transform, batches), expected, strict=True):
                np.testing.assert_array_equal(got, want)


def test_lone_surrogates_in_training_are_named():
    """A token with no UTF-8 encoding cannot be trained on by fastText or streamed to
    a token file; the error names the document (gensim's own says neither)."""
    docs = ["the cat sat on the mat"] * 5 + ["the \udcff sat"]
    ft = FastTextVectorizer(token_pattern=r"\S+", bucket=100, **TINY)
    with pytest.raises(ValueError, match=r"Token '\\udcff' of document 5 holds a lone surrogate"):
        ft.fit(docs)
    w2v = Word2VecVectorizer(token_pattern=r"\S+", **TINY)
    with pytest.raises(ValueError, match=r"Token '\\udcff' of document 5 holds a lone surrogate"):
        w2v.fit(iter(docs))  # streamed: written to a UTF-8 token file
    w2v.fit(docs)  # in memory, word2vec does not need the bytes
    assert "\udcff" in w2v.vocabulary_


# ------------------------------------------------------------------ TextCNNClassifier
@pytest.mark.parametrize("mode", ["rand", "non-static-file"])
@TRANSFORM
@given(docs=documents)
def test_cnn_probabilities_are_finite_and_batch_independent(cnn, mode, docs):
    clf = cnn[mode]
    proba = clf.predict_proba(docs)
    assert proba.shape == (len(docs), len(clf.classes_))
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-9)
    scores = clf.decision_function(docs)
    predicted = clf.predict(docs)
    assert predicted.shape == (len(docs),) and set(predicted) <= set(clf.classes_)
    np.testing.assert_array_equal(predicted, clf.classes_[proba.argmax(axis=1)])
    for i, doc in enumerate(docs):
        # documented: the same to float32 rounding (kernels round by batch shape)
        alone = clf.predict_proba([doc])[0]
        np.testing.assert_allclose(alone, proba[i], rtol=1e-5, atol=1e-6, err_msg=repr(doc[:60]))
        np.testing.assert_allclose(clf.decision_function([doc])[0], scores[i], rtol=1e-4, atol=1e-5)
        top2 = np.sort(proba[i])[-2:]
        if top2[1] - top2[0] > 1e-5:  # not a near tie: the same class
            assert clf.predict([doc])[0] == predicted[i]


@pytest.mark.parametrize("mode", ["rand", "non-static-file"])
@TRANSFORM
@given(data=st.data())
def test_cnn_series_with_any_index_equals_list(cnn, mode, data):
    clf = cnn[mode]
    docs = data.draw(st.lists(document, min_size=1, max_size=4), label="docs")
    series = pd.Series(docs, index=data.draw(_index(len(docs)), label="index"), dtype=object)
    np.testing.assert_array_equal(clf.predict_proba(series), clf.predict_proba(docs))
    np.testing.assert_array_equal(clf.predict(series), clf.predict(docs))


@pytest.mark.parametrize("mode", ["rand", "non-static-file"])
def test_cnn_empty_collections(cnn, mode):
    clf = cnn[mode]
    for empty in ([], (), np.array([], dtype=object), pd.Series([], dtype=object), iter([])):
        assert clf.predict_proba(empty).shape == (0, len(clf.classes_))
    assert clf.predict([]).shape == (0,)
    assert clf.decision_function([]).shape[0] == 0


@pytest.mark.parametrize("mode", ["rand", "non-static-file"])
def test_cnn_four_threads_equal_sequential(cnn, lee, mode):
    clf = copy.deepcopy(cnn[mode])  # no cached module: threads race to build it
    hostile = [" ".join(SPECIAL[:20]), "", "fire " * 3000]
    batches = [lee[i::4][:20] + hostile for i in range(4)]
    expected = [cnn[mode].predict_proba(b) for b in batches]
    with ThreadPoolExecutor(4) as pool:
        for _ in range(2):
            for got, want in zip(pool.map(clf.predict_proba, batches), expected, strict=True):
                np.testing.assert_array_equal(got, want)
