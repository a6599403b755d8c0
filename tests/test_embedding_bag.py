"""EmbeddingBagClassifier: fastText's network, its n-grams, modes, contract and edge cases."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.base import clone, is_classifier  # noqa: E402
from sklearn.feature_extraction.text import CountVectorizer  # noqa: E402
from sklearn.metrics import log_loss  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.utils import get_tags  # noqa: E402
from sklearn.utils._param_validation import InvalidParameterError  # noqa: E402
from sklearn.utils.validation import check_is_fitted  # noqa: E402
from test_load_validation import _doc, _put, _refused, _replace_array, _state  # noqa: E402
from test_textcnn import (  # noqa: E402, F401
    NEUTRAL,
    NOT_IN_GLOVE,
    _corpus,
    _run_without_torch,
    glove,
    one_torch_thread,
)

from skembed import load, save  # noqa: E402
from skembed._text import NETWORK_TOKEN_PATTERN  # noqa: E402
from skembed.nn import EmbeddingBagClassifier, TextCNNClassifier  # noqa: E402
from skembed.nn._classifier import scale_factor  # noqa: E402
from skembed.nn._ids import (  # noqa: E402
    N_SPECIAL,
    NGRAM_MULTIPLIER,
    PAD,
    UNK,
    ngram_ids,
    word_hash,
)
from skembed.nn._module import EmbeddingBag, LazyAdam  # noqa: E402

#: Small enough that a fit takes a fraction of a second.
FAST = dict(embedding_dim=8, max_epochs=2, batch_size=8, lr=0.01, random_state=0)
#: With bigrams, a hidden layer and max pooling: every optional part of the network.
FULL = dict(FAST, ngram_range=(1, 2), n_buckets=64, hidden_size=6, pooling="max")

NO_CUDA = r"The 'device' parameter of EmbeddingBagClassifier is '{}', but CUDA is not available"
no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")


@pytest.fixture(scope="module")
def vectors(glove):  # noqa: F811 (the fixture imported from test_textcnn)
    """Real GloVe 6B 50-d vectors of the corpus words (test_textcnn's fixture)."""
    return glove


@pytest.fixture(scope="module")
def data():
    return _corpus(48, seed=0)


@pytest.fixture(scope="module")
def fitted(data):
    return EmbeddingBagClassifier(**FULL).fit(*data)


def _rows(clf, words, name="embedding.weight"):
    return clf.module_state_[name][[clf.vocabulary_[w] + N_SPECIAL for w in words]]


def _signed(h: int) -> int:
    """A 32-bit hash as fastText's ``int32_t`` vector holds it, widened to 64 bits."""
    return (h - 2**32 if h >= 2**31 else h) % 2**64


def _bucket(words: list[str], n_buckets: int) -> int:
    """fastText's ``Dictionary::addWordNgrams``, with Python ints."""
    h = _signed(word_hash(words[0]))
    for word in words[1:]:
        h = (h * NGRAM_MULTIPLIER + _signed(word_hash(word))) % 2**64
    return h % n_buckets


def _reference_logits(clf, docs, extra=None):
    """The network, written with numpy from ``module_state_``: embed, pool, (hidden), out."""
    state, analyzer = clf.module_state_, clf.build_analyzer()
    max_n, n_buckets = clf.ngram_range[1], clf.n_buckets
    out = []
    for doc in docs:
        tokens = analyzer(doc)
        rows = []
        for token in tokens:
            if token in clf.vocabulary_:
                rows.append(state["embedding.weight"][clf.vocabulary_[token] + N_SPECIAL])
            elif extra is not None and token in extra:
                rows.append(extra[token])
            else:
                rows.append(state["embedding.weight"][UNK])
        for n in range(2, max_n + 1):
            for i in range(len(tokens) - n + 1):
                bucket = _bucket(tokens[i : i + n], n_buckets)
                rows.append(state["ngram_embedding.weight"][bucket + 1])
        dim = state["embedding.weight"].shape[1]
        rows = np.array(rows, dtype=np.float64).reshape(-1, dim)
        if not len(rows):
            pooled = np.zeros(dim)
        else:
            pooled = {"mean": rows.mean(0), "sum": rows.sum(0), "max": rows.max(0)}[clf.pooling]
        if "hidden.weight" in state:
            pooled = np.maximum(state["hidden.weight"] @ pooled + state["hidden.bias"], 0)
        out.append(state["out.weight"] @ pooled + state["out.bias"])
    return np.array(out)


def _order_corpus(n: int, seed: int):
    """Each document holds "alpha beta" or "beta alpha" among neutral words: the class is
    the order of the pair, which only an n-gram can see."""
    rng = np.random.default_rng(seed)
    docs, labels = [], []
    for i in range(n):
        words = list(rng.choice(NEUTRAL, rng.integers(1, 5)))
        pair = ["alpha", "beta"] if i % 2 else ["beta", "alpha"]
        at = int(rng.integers(0, len(words) + 1))
        docs.append(" ".join(words[:at] + pair + words[at:]))
        labels.append("ab" if i % 2 else "ba")
    return docs, np.array(labels)


# --------------------------------------------------------------------------- contract
def test_defaults_are_fasttexts_and_params_round_trip():
    clf = EmbeddingBagClassifier()
    params = clf.get_params()
    assert params["pooling"] == "mean" and params["hidden_size"] is None
    assert params["ngram_range"] == (1, 1) and params["embedding_dim"] == 100
    assert params["optimizer"] == "adam" and params["mode"] == "rand" and params["dropout"] == 0
    # the networks' text defaults, the same as TextCNNClassifier's
    assert params["token_pattern"] == NETWORK_TOKEN_PATTERN and params["lowercase"] is False
    cnn = TextCNNClassifier().get_params()
    assert all(params[k] == cnn[k] for k in ("token_pattern", "lowercase", "optimizer"))
    # the concepts TextCNNClassifier has too, under its names
    shared = set(params) & set(TextCNNClassifier().get_params())
    assert {"vectors", "mode", "oov", "class_weight", "warm_start", "device", "patience"} <= shared
    other = EmbeddingBagClassifier().set_params(**{**params, "pooling": "max", "n_buckets": 7})
    assert other.get_params() == {**params, "pooling": "max", "n_buckets": 7}
    cloned = clone(other)
    assert cloned.get_params() == other.get_params() and cloned is not other


def test_no_work_in_init():
    vectors = {"good": np.ones(3)}
    clf = EmbeddingBagClassifier(vectors=vectors, mode="static", n_buckets=-1, device="nonsense")
    assert clf.vectors is vectors and clf.n_buckets == -1
    assert not [k for k in vars(clf) if k.endswith("_")]
    with pytest.raises(InvalidParameterError, match="n_buckets"):
        clf.fit(["good"], [0])


def test_fit_sets_fitted_attributes(data):
    docs, y = data
    clf = EmbeddingBagClassifier(**FAST)
    with pytest.raises(ValueError, match="not fitted"):
        clf.predict(docs)
    assert clf.fit(docs, y) is clf
    check_is_fitted(clf)
    assert list(clf.classes_) == ["neg", "pos"]
    expected = CountVectorizer().fit(docs).vocabulary_
    assert set(clf.vocabulary_) == set(expected)
    assert sorted(clf.vocabulary_.values()) == list(range(len(expected)))
    assert set(clf.module_state_) == {"embedding.weight", "out.weight", "out.bias"}
    assert clf.module_state_["embedding.weight"].shape == (len(expected) + N_SPECIAL, 8)
    assert clf.vectors_.shape == (len(expected), 8)
    assert clf.n_epochs_ == len(clf.history_) == 2 and 1 <= clf.best_epoch_ <= 2
    assert clf.pretrained_coverage_ is None and clf.pretrained_vocabulary_ is None


def test_optional_layers_have_their_weights(fitted, data):
    state = fitted.module_state_
    assert set(state) == {
        "embedding.weight",
        "ngram_embedding.weight",
        "hidden.weight",
        "hidden.bias",
        "out.weight",
        "out.bias",
    }
    assert state["ngram_embedding.weight"].shape == (64 + 1, 8)
    assert (
        not state["ngram_embedding.weight"][PAD].any() and not state["embedding.weight"][PAD].any()
    )
    assert state["hidden.weight"].shape == (6, 8) and state["out.weight"].shape == (2, 6)
    assert all(v.dtype == np.float32 and isinstance(v, np.ndarray) for v in state.values())


@pytest.mark.parametrize("pooling", ["mean", "sum", "max"])
@pytest.mark.parametrize("ngram_range", [(1, 1), (1, 3)])
def test_predictions_are_the_network_written_in_numpy(data, pooling, ngram_range):
    """Embed every word and n-gram (fastText's buckets), pool, output layer: nothing else."""
    docs, y = data
    params = dict(FAST, pooling=pooling, ngram_range=ngram_range, n_buckets=50, hidden_size=5)
    clf = EmbeddingBagClassifier(**params).fit(docs, y)
    new = docs[:6] + ["", "zz yy", "good", "good zz film film", "the " * 30]
    logits = _reference_logits(clf, new)
    np.testing.assert_allclose(clf._logits(new), logits, rtol=1e-4, atol=1e-5)


def test_refit_overrides_previous_fit(data):
    docs, y = data
    docs3, y3 = _corpus(30, seed=5, n_classes=3)
    clf = EmbeddingBagClassifier(**FULL).fit(docs, y)
    clf.fit(docs3, y3)
    assert list(clf.classes_) == ["neg", "pos", "question"]
    fresh = EmbeddingBagClassifier(**FULL).fit(docs3, y3)
    np.testing.assert_array_equal(fresh.predict_proba(docs), clf.predict_proba(docs))
    proba = clf.predict_proba(docs)
    with pytest.raises(ValueError, match="not seen"):
        clf.fit(docs, y, X_val=docs, y_val=["other"] * len(docs))
    np.testing.assert_array_equal(clf.predict_proba(docs), proba)  # a failed fit changes nothing


def test_predict_does_not_change_state_and_pickles_plain_data(fitted, data):
    docs, _ = data
    before = pickle.dumps(fitted)
    fitted.predict(docs)
    fitted.predict_proba(docs + ["new words only"])
    fitted.decision_function(docs)
    assert pickle.dumps(fitted) == before
    restored = pickle.loads(before)
    np.testing.assert_array_equal(restored.predict_proba(docs), fitted.predict_proba(docs))
    assert "_module_cache" in vars(fitted) and "_optimizer_state_cache" in vars(fitted)
    state = fitted.__getstate__()
    assert "_module_cache" not in state and "_optimizer_state_cache" not in state
    assert b"torch" not in before


def test_without_torch_import_works_and_fit_explains():
    code = """
        import skembed.nn
        from skembed.nn import EmbeddingBagClassifier
        clf = EmbeddingBagClassifier(n_buckets=3)
        print("params", clf.get_params()["n_buckets"], "torch" in sys.modules)
        try:
            clf.fit(["a good film", "a bad film"], [1, 0])
        except ImportError as exc:
            print("ImportError:", exc)
    """
    out = _run_without_torch(code)
    assert "params 3 False" in out
    assert 'EmbeddingBagClassifier needs PyTorch and skorch, the optional "torch" extra' in out
    assert 'pip install "skembed[torch]"' in out


def test_same_random_state_gives_identical_probabilities(data):
    docs, y = data
    before = torch.random.get_rng_state()
    probas = [EmbeddingBagClassifier(**FULL).fit(docs, y).predict_proba(docs) for _ in range(2)]
    assert torch.equal(torch.random.get_rng_state(), before)  # the global state is left alone
    np.testing.assert_array_equal(probas[0], probas[1])
    other = EmbeddingBagClassifier(**{**FULL, "random_state": 1}).fit(docs, y)
    assert not np.allclose(other.predict_proba(docs), probas[0])


def test_sklearn_tags_pipeline_and_cross_val_score(data):
    docs, y = data
    tags = get_tags(EmbeddingBagClassifier())
    assert tags.input_tags.string and not tags.input_tags.two_d_array
    assert is_classifier(EmbeddingBagClassifier()) and not tags.non_deterministic
    pipe = make_pipeline(EmbeddingBagClassifier(**FAST))
    scores = cross_val_score(pipe, docs, y, cv=2)
    assert scores.shape == (2,) and np.all((scores >= 0) & (scores <= 1))


def test_grid_search_over_the_network(data, vectors):
    docs, y = data
    search = GridSearchCV(
        EmbeddingBagClassifier(**FAST, vectors=vectors, n_buckets=32),
        {
            "pooling": ["mean", "max"],
            "ngram_range": [(1, 1), (1, 2)],
            "mode": ["rand", "non-static"],
        },
        cv=2,
    )
    with pytest.warns(UserWarning, match="ignores 'vectors'"):
        search.fit(docs, y)
    assert len(search.cv_results_["params"]) == 8
    best = search.best_estimator_
    assert best.get_params()["vectors"] is not vectors  # cloned
    assert best.predict(docs).shape == (len(docs),)


# --------------------------------------------------------------------------- edge cases
def test_documents_of_every_length(fitted):
    docs = [
        "",
        "good",
        "zz yy xx",  # only unknown words
        "   ",
        "good " * 500,
        "the film was good",
        "\t \n\u00a0",  # no token at all
    ]
    proba = fitted.predict_proba(docs)
    assert proba.shape == (len(docs), 2) and np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(proba[0], proba[6])  # no token: the pooled vector is zero
    np.testing.assert_allclose(proba[0], proba[3])
    np.testing.assert_allclose(fitted._logits([""]), _reference_logits(fitted, [""]), atol=1e-6)
    assert fitted.predict_proba([]).shape == (0, 2)


def test_edge_training_sets():
    docs = ["", "good", "bad", "   ", "good film", "bad film"] * 3
    y = ["pos", "pos", "neg", "neg", "pos", "neg"] * 3
    for params in (FAST, FULL):
        clf = EmbeddingBagClassifier(**params).fit(docs, y)
        assert np.isfinite(clf.predict_proba(["", "bad", "unknown words"])).all()
    # documents of one word each: no n-gram in any batch
    clf = EmbeddingBagClassifier(**FULL).fit(["good", "bad"] * 6, [1, 0] * 6)
    assert clf.predict(["good", "bad"]).shape == (2,)
    # every training document empty: nothing to learn, still a classifier
    clf = EmbeddingBagClassifier(**FULL).fit(["", " "] * 4, [0, 1] * 4)
    assert clf.vocabulary_ == {} and clf.predict_proba(["good"]).shape == (1, 2)
    with pytest.raises(ValueError, match="at least 2 classes"):
        EmbeddingBagClassifier(**FAST).fit(["good", "bad"], ["a", "a"])


def test_string_integer_and_multiclass_labels():
    docs, y = _corpus(45, seed=3, n_classes=3)
    clf = EmbeddingBagClassifier(**FULL).fit(docs, y)
    assert list(clf.classes_) == ["neg", "pos", "question"]
    proba, scores = clf.predict_proba(docs), clf.decision_function(docs)
    assert proba.shape == scores.shape == (45, 3)
    np.testing.assert_array_equal(clf.predict(docs), clf.classes_[scores.argmax(axis=1)])
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(docs)), proba, rtol=1e-10)
    docs2, y2 = _corpus(24, seed=1)
    clf = EmbeddingBagClassifier(**FAST).fit(docs2, np.where(y2 == "pos", 7, -3))
    np.testing.assert_array_equal(clf.classes_, [-3, 7])
    binary = clf.decision_function(docs2)
    proba = clf.predict_proba(docs2)
    np.testing.assert_allclose(binary, np.log(proba[:, 1] / proba[:, 0]), rtol=1e-6, atol=1e-9)


def test_single_string_and_bad_documents(fitted):
    with pytest.raises(ValueError, match="Iterable over raw text documents expected"):
        EmbeddingBagClassifier(**FAST).fit("a good film", ["pos"])
    with pytest.raises(ValueError, match="Document 1 is None"):
        fitted.predict(["good", None])


def test_invalid_parameters(data):
    docs, y = data
    for bad in [(2, 2), (1, 0), (1, 2, 3), (1.0, 2), (True, 2), ()]:
        with pytest.raises(ValueError, match=r"'ngram_range' parameter .* \(1, max_n\)"):
            EmbeddingBagClassifier(**FAST, ngram_range=bad).fit(docs, y)
    with pytest.raises(InvalidParameterError, match="ngram_range"):
        EmbeddingBagClassifier(**FAST, ngram_range=[1, 2]).fit(docs, y)
    with pytest.raises(InvalidParameterError, match="'mode' parameter"):
        EmbeddingBagClassifier(**FAST, mode="multichannel").fit(docs, y)
    with pytest.raises(InvalidParameterError, match="pooling"):
        EmbeddingBagClassifier(**FAST, pooling="min").fit(docs, y)
    with pytest.raises(InvalidParameterError, match="hidden_size"):
        EmbeddingBagClassifier(**FAST, hidden_size=0).fit(docs, y)
    with pytest.raises(InvalidParameterError, match="optimizer"):
        EmbeddingBagClassifier(**FAST, optimizer="sgd").fit(docs, y)


# --------------------------------------------------------------------------- n-grams
def test_word_hash_is_fasttexts():
    from gensim.models.fasttext_inner import ft_hash_bytes

    for word in ["good", "", "café", "naïve", "日本語", "n't", "\U0001f600"]:
        assert word_hash(word) == ft_hash_bytes(word.encode("utf-8"))


def test_ngram_ids_are_fasttexts_buckets():
    tokens = [["a", "b", "c", "d"], [], ["x"], ["café", "über"], ["a", "b"]]
    ids = ngram_ids(tokens, 3, 97, None)
    assert ids.shape == (5, 5) and ids.dtype == np.int64
    for row, doc in zip(ids, tokens, strict=True):
        expected = [
            _bucket(doc[i : i + n], 97) + 1 for n in (2, 3) for i in range(len(doc) - n + 1)
        ]
        assert row[: len(expected)].tolist() == expected and not row[len(expected) :].any()
    assert ids[4, 0] == ids[0, 0]  # "a b": the same bucket in every document
    cut = ngram_ids(tokens, 3, 97, max_len=2)
    assert cut[0].tolist() == [ids[0, 0], 0, 0, 0, 0][: cut.shape[1]]
    assert ngram_ids(tokens, 1, 97, None).shape == (5, 0)
    assert ngram_ids([], 2, 97, None).shape == (0, 0)


def test_bigrams_see_word_order():
    docs, y = _order_corpus(80, seed=0)
    test_docs, test_y = _order_corpus(60, seed=1)
    params = dict(FAST, max_epochs=25, lr=0.05, validation_fraction=None)
    unigrams = EmbeddingBagClassifier(**params).fit(docs, y)
    bigrams = EmbeddingBagClassifier(**params, ngram_range=(1, 2), n_buckets=1000).fit(docs, y)
    # the same words in both classes: a bag of words is at chance on new documents
    assert unigrams.score(test_docs, test_y) <= 0.75
    assert bigrams.score(test_docs, test_y) >= 0.95


def test_one_bucket_is_one_row_for_every_ngram(data):
    docs, y = data
    clf = EmbeddingBagClassifier(**{**FAST, "ngram_range": (1, 3), "n_buckets": 1}).fit(docs, y)
    assert clf.module_state_["ngram_embedding.weight"].shape == (2, 8)
    new = ["good film", "bad movie plot"]
    np.testing.assert_allclose(clf._logits(new), _reference_logits(clf, new), rtol=1e-4, atol=1e-5)


# --------------------------------------------------------------------------- embeddings
def test_pretrained_rows_copied_frozen_in_static_tuned_otherwise(data, vectors):
    docs, y = data
    params = {**FAST, "max_epochs": 3, "vectors": vectors, "ngram_range": (1, 2), "n_buckets": 64}
    params["scale_vectors"] = False  # the rows as given
    static = EmbeddingBagClassifier(**params, mode="static").fit(docs, y)
    tuned = EmbeddingBagClassifier(**params, mode="non-static").fit(docs, y)
    known = [w for w in static.vocabulary_ if w in vectors]
    assert len(known) == len(static.vocabulary_) - 1
    assert static.pretrained_coverage_ == pytest.approx(len(known) / len(static.vocabulary_))
    np.testing.assert_array_equal(_rows(static, known), np.stack([vectors[w] for w in known]))
    oov = _rows(static, [NOT_IN_GLOVE])[0]
    scale = static.init_scale  # U[-init_scale, init_scale], frozen
    assert oov.shape == (50,) and np.abs(oov).max() <= scale and np.abs(oov).max() > scale / 2
    # same seed, same initial matrix: frozen in one, tuned in the other
    changed = np.abs(tuned.vectors_ - static.vectors_).max(axis=1) > 0
    assert changed.mean() > 0.8
    weight = tuned.module_state_["embedding.weight"]
    assert not weight[PAD].any() and not weight[UNK].any()  # no training word is unknown
    # the n-gram table has no pretrained vectors: trained in both modes
    for clf in (static, tuned):
        ngrams = clf.module_state_["ngram_embedding.weight"]
        assert ngrams.shape == (65, 50) and not ngrams[0].any()
        assert np.abs(ngrams[1:]).max() > 1 / 50  # moved beyond fastText's U[-1/dim, 1/dim]


def test_distilled_vectors(data, minilm_folder):
    """Word vectors distilled from a sentence transformer initialise the embeddings."""
    from skembed import distill_word_vectors

    docs, y = data
    words = sorted(CountVectorizer().fit(docs).vocabulary_)
    distilled = distill_word_vectors(minilm_folder, words, device="cpu")
    clf = EmbeddingBagClassifier(**FAST, vectors=distilled, mode="static", scale_vectors=False)
    clf.fit(docs, y)
    assert clf.pretrained_coverage_ == 1.0 and clf.vectors_.shape == (len(words), 384)
    rows = [list(distilled.words).index(w) for w in words]
    np.testing.assert_array_equal(_rows(clf, words), distilled.matrix[rows])


def test_oov_pretrained_gives_unseen_words_their_vectors(data, vectors):
    docs, y = data
    docs = [d.replace("brilliant", "good") for d in docs]  # "brilliant" is never seen
    params = {
        **FAST,
        "vectors": vectors,
        "mode": "non-static",
        "pooling": "sum",
        "scale_vectors": False,
    }
    kept = EmbeddingBagClassifier(**params, oov="pretrained").fit(docs, y)
    dropped = EmbeddingBagClassifier(**params).fit(docs, y)
    assert set(kept.pretrained_vocabulary_) == set(vectors) - set(kept.vocabulary_)
    assert dropped.pretrained_vocabulary_ is None and dropped.pretrained_vectors_ is None
    for name, value in kept.module_state_.items():  # the same training
        np.testing.assert_array_equal(value, dropped.module_state_[name])
    new = ["brilliant film", "zzz film"]
    np.testing.assert_allclose(
        kept._logits(new), _reference_logits(kept, new, extra=vectors), rtol=1e-4, atol=1e-5
    )
    # both unseen words take the unknown row: the same probabilities (to float32 rounding,
    # which may differ between the rows of one batch)
    proba = dropped.predict_proba(new)
    np.testing.assert_allclose(proba[0], proba[1], rtol=1e-6, atol=0)
    assert not np.allclose(kept.predict_proba(new)[0], kept.predict_proba(new)[1])


def test_mode_needs_vectors_and_rand_warns(data, vectors):
    docs, y = data
    for mode in ("static", "non-static"):
        with pytest.raises(ValueError, match=f"mode='{mode}' needs pretrained vectors"):
            EmbeddingBagClassifier(**FAST, mode=mode).fit(docs, y)
    with pytest.warns(UserWarning, match="set mode='non-static' or 'static' to use them"):
        clf = EmbeddingBagClassifier(**FAST, vectors=vectors).fit(docs, y)
    assert clf.pretrained_coverage_ is None and clf.vectors_.shape[1] == 8


# --------------------------------------------------------------------------- training
def test_learns_a_separable_task():
    docs, y = _corpus(100, seed=2)
    clf = EmbeddingBagClassifier(**{**FAST, "max_epochs": 15, "validation_fraction": None})
    assert clf.fit(docs, y).score(docs, y) == 1.0
    test_docs, test_y = _corpus(30, seed=9)
    assert clf.score(test_docs, test_y) >= 0.9


def test_class_weight_shifts_predictions():
    rng = np.random.default_rng(0)
    docs = [" ".join(rng.choice(NEUTRAL, 5)) for _ in range(60)]  # no signal at all
    y = np.array(["a"] * 45 + ["b"] * 15)
    params = {**FAST, "max_epochs": 10, "validation_fraction": None}
    proba_b = {}
    for weight in (None, "balanced", {"b": 20.0}):
        clf = EmbeddingBagClassifier(**params, class_weight=weight).fit(docs, y)
        proba_b[str(weight)] = clf.predict_proba(docs)[:, 1].mean()
    assert proba_b["None"] < proba_b["balanced"] < proba_b["{'b': 20.0}"]
    assert proba_b["{'b': 20.0}"] > 0.5
    with pytest.raises(ValueError):
        EmbeddingBagClassifier(**params, class_weight={"nope": 2.0}).fit(docs, y)


def test_early_stopping_restores_the_best_epoch(capsys):
    docs, y = _corpus(40, seed=6)
    y_val = np.where(y == "pos", "neg", "pos")  # the better it learns, the worse on these
    params = {**FAST, "max_epochs": 30, "patience": 3, "lr": 0.05}
    clf = EmbeddingBagClassifier(**params, verbose=1).fit(docs, y, X_val=docs, y_val=y_val)
    out = capsys.readouterr().out.splitlines()
    assert len([line for line in out if line.strip()[:1].isdigit()]) == clf.n_epochs_
    assert out[-1] == f"Restoring best model from epoch {clf.best_epoch_}."
    accuracies = [row["valid_acc"] for row in clf.history_]
    losses = [row["valid_loss"] for row in clf.history_]
    assert clf.n_epochs_ == clf.best_epoch_ + 3 < 30
    assert clf.best_epoch_ == int(np.argmax(accuracies)) + 1
    assert clf.score(docs, y_val) == pytest.approx(accuracies[clf.best_epoch_ - 1])
    kept = log_loss(y_val, clf.predict_proba(docs), labels=clf.classes_)
    assert kept == pytest.approx(losses[clf.best_epoch_ - 1], rel=1e-4)


def test_validation_split_and_none(data):
    docs, y = data
    clf = EmbeddingBagClassifier(**FAST).fit(docs, y)
    assert {"valid_loss", "valid_acc", "train_loss", "dur"} <= set(clf.history_[0])
    none = EmbeddingBagClassifier(**{**FAST, "validation_fraction": None}).fit(docs, y)
    assert "valid_loss" not in none.history_[0] and none.best_epoch_ == none.n_epochs_ == 2
    with pytest.raises(ValueError, match="X_val and y_val"):
        EmbeddingBagClassifier(**FAST).fit(docs, y, X_val=docs)
    EmbeddingBagClassifier(**FAST).fit(docs[:5], ["a", "b", "b", "b", "b"])  # unstratified


def test_warm_start_continues_training():
    docs, y = _corpus(40, seed=4)
    params = {**FULL, "validation_fraction": None, "warm_start": True, "lr": 0.02}
    clf = EmbeddingBagClassifier(**{**params, "max_epochs": 8}).fit(docs, y)
    weights = {k: v.copy() for k, v in clf.module_state_.items()}
    vocabulary = dict(clf.vocabulary_)
    clf.set_params(max_epochs=2).fit(docs + ["new unseen words"], list(y) + ["pos"])
    assert clf.n_epochs_ == 10 and [r["epoch"] for r in clf.history_] == list(range(1, 11))
    assert clf.vocabulary_ == vocabulary
    assert not np.array_equal(clf.module_state_["out.weight"], weights["out.weight"])
    cold = EmbeddingBagClassifier(**{**params, "max_epochs": 2, "warm_start": False}).fit(docs, y)
    losses = [row["train_loss"] for row in clf.history_]
    assert losses[8] < cold.history_[0]["train_loss"] - 0.1  # went on from the trained weights
    restored = pickle.loads(pickle.dumps(clf))  # in another process: a fresh optimizer
    assert restored.fit(docs, y).n_epochs_ == 12
    state = clf.module_state_
    for change in ({"n_buckets": 32}, {"hidden_size": 3}, {"ngram_range": (1, 1)}):
        with pytest.raises(ValueError, match="warm_start=True continues training"):
            clf.set_params(**change).fit(docs, y)
        clf.set_params(**{name: params[name] for name in change})
    assert clf.module_state_ is state  # a failed warm start changes nothing


# --------------------------------------------------------------------------- devices
@no_cuda
def test_cuda_without_cuda_and_predict_where_the_device_is_missing(data, fitted):
    docs, y = data
    with pytest.raises(ValueError, match=NO_CUDA.format("cuda") + r".*Use device='cpu'"):
        EmbeddingBagClassifier(**FAST, device="cuda").fit(docs, y)
    expected = fitted.predict_proba(docs)
    moved = pickle.loads(pickle.dumps(fitted)).set_params(device="cuda")
    loaded = pickle.loads(pickle.dumps(moved))  # a model fitted on a GPU, on this machine
    for method in ("predict", "predict_proba", "decision_function"):
        with pytest.raises(ValueError, match=NO_CUDA.format("cuda")):
            getattr(loaded, method)(docs)
    np.testing.assert_array_equal(loaded.set_params(device="cpu").predict_proba(docs), expected)
    assert get_tags(loaded.set_params(device="cuda")).non_deterministic


# --------------------------------------------------------------------------- persistence
@pytest.fixture
def saved_bag(fitted, tmp_path):
    return save(fitted, tmp_path / "bag")


def test_save_load_round_trip(fitted, saved_bag, data):
    docs, _ = data
    again = load(saved_bag)
    assert type(again) is EmbeddingBagClassifier and again.get_params() == fitted.get_params()
    new = docs + ["", "unseen words entirely"]
    np.testing.assert_array_equal(again.predict_proba(new), fitted.predict_proba(new))
    assert again.history_ == fitted.history_ and again.vocabulary_ == fitted.vocabulary_
    names = json.loads((saved_bag / "estimator.json").read_text())["estimator"]["class"]
    assert names == "skembed.nn.embedding_bag:EmbeddingBagClassifier"


def test_a_saved_model_loads_without_torch_and_explains_at_predict(saved_bag, fitted):
    code = f"""
        import skembed
        clf = skembed.load({str(saved_bag)!r})
        print(type(clf).__name__, clf.classes_.tolist(), len(clf.vocabulary_))
        try:
            clf.predict(["good film"])
        except ImportError as exc:
            print("ImportError:", exc)
    """
    out = _run_without_torch(code)
    assert f"EmbeddingBagClassifier ['neg', 'pos'] {len(fitted.vocabulary_)}" in out
    assert "ImportError: EmbeddingBagClassifier needs PyTorch and skorch" in out


def test_load_refuses_state_that_does_not_fit_together(saved_bag):
    original = _doc(saved_bag)
    weights = _state(original)["module_state_"]["items"]
    cases = [
        (lambda s: s["module_state_"]["items"].pop("hidden.bias"), "must hold the weights"),
        (
            lambda s: s["module_state_"]["items"].update(extra=weights["out.bias"]),
            "must hold the weights",
        ),
        (
            lambda s: s["module_state_"]["items"].update({"out.bias": weights["hidden.bias"]}),
            "'out.bias' must have shape (2,)",
        ),
        (lambda s: s.update(n_epochs_=5), "(one per row of history_)"),
        (lambda s: s.update(pretrained_vectors_=[1.0]), "must be None when pretrained_vocabulary_"),
    ]
    for change, pattern in cases:
        doc = json.loads(json.dumps(original))
        change(_state(doc))
        _put(saved_bag, doc)
        _refused(saved_bag, "EmbeddingBagClassifier.", pattern)
    # the parameters must describe the network: no hidden layer without hidden_size
    doc = json.loads(json.dumps(original))
    doc["estimator"]["params"]["hidden_size"] = None
    _put(saved_bag, doc)
    _refused(saved_bag, "hidden_size=None", "must hold the weights")
    # the buckets that n_buckets hashes into must all be rows of the table
    doc = json.loads(json.dumps(original))
    node = _state(doc)["module_state_"]["items"]["ngram_embedding.weight"]
    _replace_array(saved_bag, doc, node, np.zeros((33, 8), np.float32))
    _put(saved_bag, doc)
    _refused(saved_bag, "'ngram_embedding.weight' must have shape (65, 8); got (33, 8)")


# --------------------------------------------------------------------------- torch parts
def test_lazy_adam_is_adam_on_dense_and_sparse_adam_on_sparse_gradients():
    gen = torch.Generator().manual_seed(0)
    start = torch.randn(30, 4, generator=gen)
    ours_emb, ref_emb = (torch.nn.Embedding(30, 4, sparse=True) for _ in range(2))
    ours_lin, ref_lin = torch.nn.Linear(4, 1), torch.nn.Linear(4, 1)
    with torch.no_grad():
        ours_emb.weight.copy_(start)
        ref_emb.weight.copy_(start)
        ref_lin.load_state_dict(ours_lin.state_dict())
    ours = LazyAdam([*ours_emb.parameters(), *ours_lin.parameters()], lr=0.01)
    sparse = torch.optim.SparseAdam(ref_emb.parameters(), lr=0.01)
    dense = torch.optim.Adam(ref_lin.parameters(), lr=0.01)
    for _ in range(40):  # rows are skipped for several steps in between
        ids = torch.randint(0, 30, (6,), generator=gen)
        target = torch.randn(6, 1, generator=gen)
        ours.zero_grad()
        ((ours_lin(ours_emb(ids)) - target) ** 2).sum().backward()
        ours.step()
        sparse.zero_grad()
        dense.zero_grad()
        ((ref_lin(ref_emb(ids)) - target) ** 2).sum().backward()
        sparse.step()
        dense.step()
    assert not torch.equal(ours_emb.weight, start)
    torch.testing.assert_close(ours_emb.weight, ref_emb.weight, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(ours_lin.weight, ref_lin.weight, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("pooling", ["mean", "sum", "max"])
def test_network_output_does_not_depend_on_the_batch(pooling):
    torch.manual_seed(0)
    net = EmbeddingBag(12, 5, 3, n_buckets=9, pooling=pooling, hidden_size=4).eval()
    words = torch.tensor([[2, 3, UNK, 0, 0], [0, 0, 0, 0, 0], [5, 0, 0, 0, 0], [4, 4, 7, 9, 11]])
    ngrams = torch.tensor([[1, 9, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [3, 3, 2, 5]])
    with torch.no_grad():
        batch = net(words, ngrams)
        for i in range(4):  # alone, and without the padding of the others
            w, g = words[i][words[i] != 0][None], ngrams[i][ngrams[i] != 0][None]
            torch.testing.assert_close(net(w, g)[0], batch[i])
        wider = torch.nn.functional.pad(words, (0, 6))
        torch.testing.assert_close(net(wider, ngrams), batch)
        torch.testing.assert_close(net(words[[3, 1]], ngrams[[3, 1]]), batch[[3, 1]])
        # an empty document pools to zero: its logits are the layers' biases
        expected = net.out(torch.relu(net.hidden.bias))
        torch.testing.assert_close(batch[1], expected)


def test_default_learning_rate_and_random_rows_differ_from_textcnn(data):
    """lr=None trains with Adam at 3e-3 (TextCNN: 1e-3), and the random rows are drawn from
    U[-0.05, 0.05] (TextCNN: Kim's 0.25): the optimizer and the initial rows say so."""
    from skembed import TextCNNClassifier

    docs, y = data
    params = {**{k: v for k, v in FAST.items() if k != "lr"}, "max_epochs": 1}
    bag = EmbeddingBagClassifier(**params).fit(docs, y)
    cnn = TextCNNClassifier(embedding_dim=8, n_filters=2, filter_sizes=(2,), max_epochs=1)
    cnn.fit(docs, y)
    assert bag._optimizer_state["param_groups"][0]["lr"] == pytest.approx(3e-3)
    assert cnn._optimizer_state["param_groups"][0]["lr"] == pytest.approx(1e-3)
    assert bag.init_scale == 0.05 and cnn.init_scale == 0.25
    # one epoch moves a row by at most a few steps of 3e-3: the rows stay near their draw
    rows = bag.module_state_["embedding.weight"][N_SPECIAL:]
    assert 0.04 < np.abs(rows).max() < 0.05 + 0.1


@pytest.mark.parametrize("cls", [EmbeddingBagClassifier, TextCNNClassifier])
def test_lr_docstring_states_the_default_of_each_optimizer(cls):
    """The ``lr`` entry writes its defaults out ("None means 3e-3 for 'adam' ..."): each
    must be the rate ``lr=None`` trains with (``_default_lr``), so neither drifts alone."""
    import re

    entry = cls.__doc__.split("    lr : float or None")[1].split("\n    ")[1]
    stated = {opt: float(rate) for rate, opt in re.findall(r"([\d.e-]+) for '(\w+)'", entry)}
    assert stated == cls._default_lr


@pytest.mark.parametrize(
    "cls, mode, optimizer, expected",
    [
        (TextCNNClassifier, "non-static", "adam", 0.001),
        (TextCNNClassifier, "multichannel", "adam", 0.01),
        (TextCNNClassifier, "rand", "adam", 0.01),
        (TextCNNClassifier, "non-static", "adadelta", 0.01),
        (EmbeddingBagClassifier, "non-static", "adam", 0.01),
        (EmbeddingBagClassifier, "rand", "adam", 0.01),
    ],
)
def test_embedding_lr_none_is_a_tenth_of_lr_in_textcnn_non_static_with_adam(
    cls, mode, optimizer, expected, data, vectors
):
    """``embedding_lr=None``: TextCNN's 'non-static' tunes its pretrained rows with Adam at
    ``lr / 10`` (the measured default); every other mode, Adadelta and the embedding bag
    train the embedding at ``lr``."""
    docs, y = data
    small = {"embedding_dim": 8, "n_filters": 4, "filter_sizes": (2, 3)}
    clf = cls(
        **(small if cls is TextCNNClassifier else {}),
        vectors=None if mode == "rand" else vectors,
        mode=mode,
        optimizer=optimizer,
        lr=0.01,
        max_epochs=1,
        validation_fraction=None,
        random_state=0,
    ).fit(docs, y)
    groups = clf._optimizer_state["param_groups"]
    embedding = [g for g in groups if g["lr"] != 0.01]  # the group of its own, when it differs
    assert [g["lr"] for g in embedding] == ([] if expected == 0.01 else [expected])
    if embedding:
        assert len(embedding[0]["params"]) == 1  # one tensor: the word embedding
    assert len(groups) == 2


@pytest.mark.parametrize("cls", [EmbeddingBagClassifier, TextCNNClassifier])
def test_embedding_lr_is_the_rate_of_the_word_embedding_only(cls, data, vectors):
    """``embedding_lr`` sets the word embedding's group; every other layer keeps ``lr``. A
    tiny rate leaves the pretrained rows where they started while the other layers train;
    a warm start keeps the groups it saved."""
    docs, y = data
    small = {"embedding_dim": 8, "n_filters": 4, "filter_sizes": (2, 3)}
    params = {
        **(small if cls is TextCNNClassifier else {}),
        "vectors": vectors,
        "mode": "non-static",
        "max_epochs": 2,
        "batch_size": 8,
        "lr": 0.01,
        "validation_fraction": None,
        "random_state": 0,
    }
    slow = cls(**params, embedding_lr=1e-9).fit(docs, y)
    same = cls(**params, embedding_lr=0.01).fit(docs, y)
    groups = [
        {id_: g["lr"] for g in clf._optimizer_state["param_groups"] for id_ in g["params"]}
        for clf in (slow, same)
    ]
    rates = [sorted(set(g.values())) for g in groups]
    assert rates == [[1e-9, 0.01], [0.01]]
    assert list(groups[0].values()).count(1e-9) == 1  # one tensor: the word embedding
    known = [w for w in slow.vocabulary_ if w in vectors]
    factor = scale_factor(np.stack(list(vectors.values())))  # what scale_vectors applies
    before = np.stack([vectors[w] for w in known]) * factor
    tuned = [clf.vectors_[[clf.vocabulary_[w] for w in known]] for clf in (slow, same)]
    np.testing.assert_allclose(tuned[0], before, rtol=1e-4, atol=1e-6)  # as they started
    assert np.abs(tuned[1] - before).max() > 1e-3  # at lr=0.01 they move
    one_epoch = cls(**{**params, "max_epochs": 1}, embedding_lr=1e-9).fit(docs, y)
    assert (
        np.abs(one_epoch.module_state_["out.weight"] - slow.module_state_["out.weight"]).max()
        > 1e-4
    )
    slow.set_params(warm_start=True, max_epochs=1).fit(docs, y)  # the saved groups load
    with pytest.raises(ValueError, match="embedding_lr"):
        cls(embedding_lr=0).fit(docs, y)
