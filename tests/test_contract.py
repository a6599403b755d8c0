"""The text-estimator contract (skembed.testing), run on every vectorizer and classifier."""

from __future__ import annotations

import numpy as np
import pytest
from gensim.models import KeyedVectors

from skembed import (
    Doc2VecVectorizer,
    FastTextVectorizer,
    MeanEmbeddingVectorizer,
    Word2VecVectorizer,
)
from skembed.nn import EmbeddingBagClassifier, TextCNNClassifier
from skembed.testing import text_estimator_checks

SMALL = dict(vector_size=12, min_count=1, epochs=2, random_state=0)


def _estimators(glove):
    words, matrix = glove
    vectors = KeyedVectors(len(matrix[0]))
    vectors.add_vectors(words, np.asarray(matrix, dtype=np.float32))
    return {
        "Word2VecVectorizer": Word2VecVectorizer(**SMALL),
        "Word2VecVectorizer-sg-hs-sif": Word2VecVectorizer(
            sg=1, hs=1, negative=0, weighting="sif", pooling=("mean", "max"), **SMALL
        ),
        "FastTextVectorizer": FastTextVectorizer(bucket=5000, **SMALL),
        "Doc2VecVectorizer": Doc2VecVectorizer(**SMALL),
        "Doc2VecVectorizer-dbow": Doc2VecVectorizer(dm=0, **SMALL),
        "MeanEmbeddingVectorizer": MeanEmbeddingVectorizer(vectors),
        "MeanEmbeddingVectorizer-tfidf-random": MeanEmbeddingVectorizer(
            vectors, weighting="tfidf", oov="random", norm="l2", random_state=0
        ),
    }


CASES = [
    (name, check.__name__)
    for name, est in _estimators((["a"], [[0.0]])).items()
    for check in text_estimator_checks(est)
]


@pytest.mark.parametrize(("name", "check_name"), CASES, ids=[f"{n}-{c}" for n, c in CASES])
def test_text_estimator_contract(name, check_name, glove_subset, small_corpus):
    estimator = _estimators(glove_subset)[name]
    (check,) = [c for c in text_estimator_checks(estimator) if c.__name__ == check_name]
    check(small_corpus)


def _classifiers():
    """The network classifiers (the torch extra), each fit a fraction of a second."""
    small = dict(embedding_dim=8, max_epochs=1, batch_size=16, random_state=0)
    return {
        "TextCNNClassifier": TextCNNClassifier(n_filters=4, filter_sizes=(2, 3), **small),
        "EmbeddingBagClassifier": EmbeddingBagClassifier(**small),
        "EmbeddingBagClassifier-bigrams-max-hidden": EmbeddingBagClassifier(
            ngram_range=(1, 2), n_buckets=512, pooling="max", hidden_size=8, **small
        ),
    }


CLASSIFIER_CASES = [
    (name, check.__name__)
    for name, est in _classifiers().items()
    for check in text_estimator_checks(est)
]


@pytest.mark.parametrize(
    ("name", "check_name"), CLASSIFIER_CASES, ids=[f"{n}-{c}" for n, c in CLASSIFIER_CASES]
)
def test_classifier_contract(name, check_name, small_corpus):
    torch = pytest.importorskip("torch")
    pytest.importorskip("skorch")
    estimator = _classifiers()[name]
    (check,) = [c for c in text_estimator_checks(estimator) if c.__name__ == check_name]
    y = np.array(["even", "odd"])[np.arange(len(small_corpus)) % 2]  # string labels
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny networks: a second thread only adds waiting
    try:
        check(small_corpus, y)
    finally:
        torch.set_num_threads(threads)


@pytest.mark.parametrize("name", ["Word2VecVectorizer", "MeanEmbeddingVectorizer"])
def test_metadata_routing_through_a_pipeline(name, glove_subset, small_corpus):
    """With routing on, sample_weight reaches the classifier in a search and cross-validation."""
    import sklearn
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, cross_validate
    from sklearn.pipeline import make_pipeline

    docs = list(small_corpus)
    y = np.arange(len(docs)) % 2
    weights = np.linspace(0.2, 2.0, len(docs))
    pipe = make_pipeline(_estimators(glove_subset)[name], LogisticRegression())
    expected = clone(pipe).fit(docs, y, logisticregression__sample_weight=weights)
    unweighted = clone(pipe).fit(docs, y)
    previous = sklearn.get_config()["enable_metadata_routing"]
    sklearn.set_config(enable_metadata_routing=True)
    try:
        assert not hasattr(pipe.steps[0][1], "set_fit_request")  # nothing of it is routable
        pipe.steps[1][1].set_fit_request(sample_weight=True).set_score_request(sample_weight=True)
        search = GridSearchCV(pipe, {"logisticregression__C": [1.0]}, cv=2)
        search.fit(docs, y, sample_weight=weights)
        scores = cross_validate(pipe, docs, y, params={"sample_weight": weights}, cv=2)
    finally:
        sklearn.set_config(enable_metadata_routing=previous)
    assert sklearn.get_config()["enable_metadata_routing"] is previous
    coef = search.best_estimator_[-1].coef_
    np.testing.assert_allclose(coef, expected[-1].coef_, rtol=1e-6)
    assert not np.allclose(coef, unweighted[-1].coef_)  # the weights were used
    assert np.isfinite(scores["test_score"]).all()
