"""Real composition with scikit-learn: Pipeline, FeatureUnion, ColumnTransformer, CV, search."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder

from skembed import (
    Doc2VecVectorizer,
    FastTextVectorizer,
    MeanEmbeddingVectorizer,
    Word2VecVectorizer,
)

SMALL = dict(vector_size=16, min_count=1, epochs=3, random_state=0)


@pytest.fixture(scope="module")
def labelled(lee_corpus):
    """Lee articles labelled by topic: does the article mention fire (bushfires) or not."""
    y = np.array([int("fire" in d.lower()) for d in lee_corpus])
    return lee_corpus, y


@pytest.mark.parametrize(
    "vectorizer",
    [
        Word2VecVectorizer(**SMALL),
        FastTextVectorizer(bucket=10_000, **SMALL),
        Doc2VecVectorizer(**SMALL),
    ],
    ids=["word2vec", "fasttext", "doc2vec"],
)
def test_pipeline_with_logistic_regression(labelled, vectorizer):
    docs, y = labelled
    labels = np.where(y == 1, "fire", "other")  # string labels pass through untouched
    pipe = make_pipeline(vectorizer, LogisticRegression(max_iter=1000))
    pipe.fit(docs[:200], labels[:200])
    proba = pipe.predict_proba(docs[200:])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(pipe.predict(docs[200:])) <= {"fire", "other"}
    # the pipeline is exactly its steps done by hand
    from sklearn.base import clone

    by_hand = clone(vectorizer)
    clf = LogisticRegression(max_iter=1000).fit(by_hand.fit_transform(docs[:200]), labels[:200])
    np.testing.assert_allclose(proba, clf.predict_proba(by_hand.transform(docs[200:])))


def test_pretrained_pipeline_learns(labelled, glove_kv):
    docs, y = labelled
    pipe = make_pipeline(MeanEmbeddingVectorizer(glove_kv), LogisticRegression(max_iter=1000))
    scores = cross_val_score(pipe, docs, y, cv=3)
    assert scores.mean() > max(y.mean(), 1 - y.mean())


def test_feature_union_with_tfidf(labelled, glove_kv):
    docs, y = labelled
    union = FeatureUnion(
        [("tfidf", TfidfVectorizer()), ("glove", MeanEmbeddingVectorizer(glove_kv, norm="l2"))]
    )
    X = union.fit_transform(docs)
    n_tfidf = len(TfidfVectorizer().fit(docs).vocabulary_)
    assert X.shape == (len(docs), n_tfidf + 50)
    names = union.get_feature_names_out()
    assert names[-1] == "glove__meanembeddingvectorizer49"
    pipe = Pipeline([("features", union), ("clf", LogisticRegression(max_iter=1000))])
    assert cross_val_score(pipe, docs, y, cv=3).mean() > 0.6


def test_column_transformer_on_dataframe(labelled):
    docs, y = labelled
    df = pd.DataFrame(
        {"text": docs, "source": np.where(np.arange(len(docs)) % 2, "wire", "web")},
        index=np.arange(len(docs)) + 1000,
    )
    ct = ColumnTransformer(
        [
            ("emb", Word2VecVectorizer(**SMALL), "text"),
            ("src", OneHotEncoder(sparse_output=False), ["source"]),
        ]
    )
    ct.set_output(transform="pandas")
    out = ct.fit_transform(df)
    assert isinstance(out, pd.DataFrame)
    assert out.shape == (len(docs), 16 + 2)
    assert list(out.index) == list(df.index)
    assert out.columns[0] == "emb__word2vecvectorizer0"
    pipe = Pipeline([("ct", ct), ("clf", LogisticRegression(max_iter=1000))])
    assert cross_val_score(pipe, df, y, cv=3).shape == (3,)


def test_cross_val_score_is_reproducible(labelled):
    docs, y = labelled
    pipe = make_pipeline(Word2VecVectorizer(**SMALL), LogisticRegression(max_iter=1000))
    a = cross_val_score(pipe, docs, y, cv=3)
    b = cross_val_score(pipe, docs, y, cv=3)
    np.testing.assert_array_equal(a, b)


def test_grid_search_over_embedding_parameters(labelled):
    docs, y = labelled
    docs, y = docs[:150], y[:150]
    pipe = Pipeline(
        [("emb", Word2VecVectorizer(**{**SMALL, "epochs": 1})), ("clf", LogisticRegression())]
    )
    grid = {
        "emb__vector_size": [8, 16],
        "emb__window": [2, 5],
        "emb__sg": [0, 1],
        "emb__pooling": ["mean", ("mean", "max")],
    }
    search = GridSearchCV(pipe, grid, cv=2).fit(docs, y)
    assert len(search.cv_results_["params"]) == 16
    best = search.best_estimator_.named_steps["emb"]
    assert best.vector_size == search.best_params_["emb__vector_size"]
    n_pool = 2 if search.best_params_["emb__pooling"] == ("mean", "max") else 1
    assert best.n_features_out_ == best.vector_size * n_pool


def test_set_output_pandas_keeps_series_index(labelled):
    docs, _ = labelled
    s = pd.Series(docs[:20], index=[f"id{i}" for i in range(20)], name="text")
    vec = Word2VecVectorizer(**SMALL).set_output(transform="pandas").fit(docs)
    out = vec.transform(s)
    assert isinstance(out, pd.DataFrame) and list(out.index) == list(s.index)
    out2 = Word2VecVectorizer(**SMALL).set_output(transform="pandas").fit_transform(s)
    assert list(out2.index) == list(s.index)
    np.testing.assert_array_equal(out2.to_numpy(), Word2VecVectorizer(**SMALL).fit_transform(s))
