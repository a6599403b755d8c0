"""The text-estimator contract (skembed.testing), run on every vectorizer."""

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
