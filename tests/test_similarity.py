"""Soft cosine similarity (skembed.similarity) against the real GloVe vectors and gensim.

The properties the issue asks for (identical documents give 1, unrelated vocabularies
0, symmetry, empty documents 0 and never NaN, blocked equal to direct), the term matrix
against gensim's own ``SparseTermSimilarityMatrix``, the kernel in ``SVC`` and the
metric in ``KNeighborsClassifier``, every source of vectors, persistence, the contract
suite and the errors.
"""

from __future__ import annotations

import json
import pickle
import types

import numpy as np
import pytest
import scipy.sparse as sp
from scripts import run_python
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import SVC

import skembed.similarity as similarity
from skembed import FastTextVectorizer, MeanEmbeddingVectorizer, WordVectors
from skembed._io import StoreError
from skembed.persistence import load, save
from skembed.similarity import SoftCosineSimilarity, soft_cosine_similarity
from skembed.testing import text_estimator_checks
from skembed.vectors import save_vectors

#: Three topics; the test sentences share no word with the training sentences of their
#: topic, only related words, so a plain TF-IDF kernel has nothing to go on.
TRAIN = [
    ("the cat chased a mouse across the kitchen", 0),
    ("our dog barked at the neighbour's puppy", 0),
    ("a horse and a cow grazed in the field", 0),
    ("the kitten purred while the hamster slept", 0),
    ("the striker scored a late goal in the match", 1),
    ("the team won the championship after extra time", 1),
    ("the goalkeeper saved a penalty in the final", 1),
    ("fans cheered as the players entered the stadium", 1),
    ("the bank raised interest rates to curb inflation", 2),
    ("shares fell as investors sold their stocks", 2),
    ("the economy grew while unemployment dropped", 2),
    ("the central bank bought government bonds", 2),
]
TEST = [
    ("pets like rabbits and parrots need care", 0),
    ("wolves hunted deer and sheep", 0),
    ("coach praised the midfielder after the tournament", 1),
    ("league football clubs signed new defenders", 1),
    ("markets tumbled amid recession fears", 2),
    ("lenders cut mortgage costs for borrowers", 2),
]


def _distance(S: np.ndarray) -> np.ndarray:
    return 1.0 - S


@pytest.fixture(scope="module")
def glove(glove_subset) -> WordVectors:
    words, matrix = glove_subset
    return WordVectors(words, matrix)


@pytest.fixture(scope="module")
def fitted(glove, small_corpus) -> SoftCosineSimilarity:
    return SoftCosineSimilarity(vectors=glove, n_neighbors=20).fit(small_corpus[:40])


def _direct(A: sp.spmatrix, B: sp.spmatrix, S: sp.spmatrix) -> np.ndarray:
    """The soft cosine from its definition, on dense matrices."""
    A, B, S = A.toarray(), B.toarray(), S.toarray()
    num = A @ S @ B.T
    a = np.einsum("ij,jk,ik->i", A, S, A)
    b = np.einsum("ij,jk,ik->i", B, S, B)
    den = np.sqrt(np.outer(a, b))
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


# ---------------------------------------------------------------- the five properties
def test_identical_documents_give_one(fitted, small_corpus):
    """A training document, or a copy of it, is exactly 1 to itself; others are below."""
    docs = small_corpus[:40]
    S = fitted.transform(docs)
    assert (np.diag(S) == 1.0).all()
    off = S[~np.eye(len(docs), dtype=bool)]
    assert off.max() < 1.0 and off.min() >= 0.0
    copy = [docs[3].upper(), docs[3]]  # the same bag of words (lowercase=True)
    np.testing.assert_array_equal(fitted.transform(copy)[:, 3], [1.0, 1.0])
    pair = soft_cosine_similarity([docs[5]], [docs[5]], vectors=fitted.vectors)
    assert pair[0, 0] == 1.0


def test_disjoint_unrelated_vocabularies_give_zero(glove):
    """Documents with no shared word and no word pair above the threshold: exactly 0."""
    sport, chemistry = "football striker goal", "molecule enzyme protein"
    cross = np.array(
        [
            [glove.get_vector(a) @ glove.get_vector(b) for b in chemistry.split()]
            for a in sport.split()
        ]
    )
    norms = np.linalg.norm([glove.get_vector(w) for w in (sport + " " + chemistry).split()], axis=1)
    cosines = cross / np.outer(norms[:3], norms[3:])
    threshold = 0.4
    assert cosines.max() < threshold  # the words are unrelated in GloVe
    S = soft_cosine_similarity([sport, chemistry], vectors=glove, threshold=threshold)
    assert S[0, 1] == 0.0 and S[1, 0] == 0.0
    # related but disjoint words are not 0: the soft part of the soft cosine
    assert soft_cosine_similarity(["football striker"], ["soccer midfielder"], vectors=glove) > 0.3
    # with orthogonal vectors the default threshold (0) already gives 0
    vectors = {"alpha": [1.0, 0.0], "beta": [0.0, 1.0]}
    assert soft_cosine_similarity(["alpha"], ["beta"], vectors=vectors, stop_words=None) == 0.0


def test_symmetric(glove, small_corpus):
    docs = small_corpus[:30]
    S = soft_cosine_similarity(docs, vectors=glove, n_neighbors=20, block_size=7)
    np.testing.assert_array_equal(S, S.T)
    # the rows of a fitted estimator are computed independently: symmetric up to rounding
    K = SoftCosineSimilarity(vectors=glove, n_neighbors=20).fit_transform(docs)
    np.testing.assert_allclose(K, K.T, rtol=0, atol=1e-14)
    np.testing.assert_array_equal(np.triu(K), np.triu(S))


def test_empty_document_gives_zero_not_nan(fitted, glove):
    docs = ["", "the of and to", "qwxzv blorptang", "a"]  # empty, stop words, unknown, short
    S = fitted.transform(docs)
    assert S.shape == (4, fitted.n_features_out_)
    assert np.isfinite(S).all() and (S == 0).all()
    M = soft_cosine_similarity(docs + ["the cat sat"], vectors=glove, stop_words=None)
    assert np.isfinite(M).all()
    assert (M[0] == 0).all() and (M[:, 0] == 0).all()  # even the empty one with itself
    # training on an empty document too
    K = SoftCosineSimilarity(vectors=glove).fit_transform(["", "cats and dogs"])
    np.testing.assert_array_equal(K, [[0.0, 0.0], [0.0, 1.0]])


def _direct_with_unknown_words(est, docs, glove) -> np.ndarray:
    """transform's result from its definition: unknown words related to their k nearest
    training words above the threshold, with the IDF of an unseen word; dense numpy."""
    vocabulary = est.vocabulary_
    words = sorted(vocabulary, key=vocabulary.get)
    analyzer = est.build_analyzer()
    unit = np.zeros((len(words), glove.dim))
    for i, w in enumerate(words):
        if w in glove:
            unit[i] = glove.get_vector(w) / np.linalg.norm(glove.get_vector(w))
    unseen_idf = np.log(1 + est.n_features_out_) + 1
    B, S, b_norms = est.training_bags_.toarray(), est.term_similarity_.toarray(), est.train_norms_
    out = np.zeros((len(docs), len(words)))
    for d, doc in enumerate(docs):
        tokens = analyzer(doc)
        new = sorted({t for t in tokens if t not in vocabulary and t in glove})
        n = len(words) + len(new)
        a = np.zeros(n)
        for t in tokens:
            if t in vocabulary:
                a[vocabulary[t]] += est.idf_[vocabulary[t]]
            elif t in glove:
                a[len(words) + new.index(t)] += unseen_idf
        ext = np.eye(n)
        ext[: len(words), : len(words)] = S
        for j, u in enumerate(new):
            cos = unit @ (glove.get_vector(u) / np.linalg.norm(glove.get_vector(u)))
            top = np.argsort(-cos, kind="stable")[: est.n_neighbors]
            top = top[cos[top] > est.threshold]
            ext[len(words) + j, top] = ext[top, len(words) + j] = cos[top] ** est.exponent
        norm = a @ ext @ a
        num = (a @ ext)[: len(words)] @ B.T
        den = np.sqrt(norm * b_norms)
        out[d, : len(B)] = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    return out[:, : len(B)]


def test_blocked_equals_direct(fitted, small_corpus, glove, monkeypatch):
    docs = small_corpus[40:]
    A, B, S = fitted.bags_of_words(docs), fitted.training_bags_, fitted.term_similarity_
    ignoring = clone(fitted).set_params(oov="ignore").fit(small_corpus[:40])
    expected = _direct(A, B, S)
    related = _direct_with_unknown_words(fitted, docs, glove)
    assert not np.allclose(related, expected)  # the documents have unknown words
    outputs = {}
    for block in (1, 7, 64, None):
        est = clone(fitted).set_params(block_size=block).fit(small_corpus[:40])
        outputs[block] = est.transform(docs)
        np.testing.assert_allclose(outputs[block], related, rtol=1e-6, atol=1e-7)
        np.testing.assert_array_equal(outputs[block], outputs[1])  # rows: bit for bit
        got = clone(ignoring).set_params(block_size=block).fit(small_corpus[:40]).transform(docs)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
        # the function over bags of words, symmetric or not
        got = soft_cosine_similarity(A, B, term_similarity=S, block_size=block)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
        own = soft_cosine_similarity(A, term_similarity=S, block_size=block)
        np.testing.assert_allclose(own, _direct(A, A, S), rtol=1e-12, atol=1e-15)
    # the blocks are what block_size says (a spy on the real block computation)
    rows = []
    real = similarity._similarity_block

    def spy(AS, *args):
        rows.append(AS.shape[0])
        return real(AS, *args)

    monkeypatch.setattr(similarity, "_similarity_block", spy)
    clone(fitted).set_params(block_size=8).fit(small_corpus[:40]).transform(docs)
    assert rows == [8, 8, 4]
    rows.clear()
    soft_cosine_similarity(A, B, term_similarity=S, block_size=6)
    assert rows == [6, 6, 6, 2]


def test_a_term_matrix_that_is_not_symmetric():
    """Bags and any term matrix: the definition, block by block (no mirroring without symmetry)."""
    rng = np.random.default_rng(0)
    A = sp.random(30, 12, density=0.3, random_state=0, format="csr")
    S = sp.random(12, 12, density=0.2, random_state=1, format="csr") * 0.5 + sp.identity(12)
    assert (abs(S - S.T) > 0).nnz
    for block in (1, 4, None):
        got = soft_cosine_similarity(A, term_similarity=S, block_size=block)
        np.testing.assert_allclose(got, np.clip(_direct(A, A, S), -1, 1), rtol=1e-12, atol=1e-15)
    dense = rng.random((5, 12))
    got = soft_cosine_similarity(dense, A, term_similarity=S.toarray())
    np.testing.assert_allclose(got, np.clip(_direct(sp.csr_matrix(dense), A, S), -1, 1), atol=1e-15)


def test_block_size_none_follows_working_memory(fitted, small_corpus, monkeypatch):
    """block_size=None: blocks sized to sklearn's working_memory (here 1 MiB)."""
    import sklearn

    rows = []
    real = similarity._similarity_block

    def spy(AS, *args):
        rows.append(AS.shape[0])
        return real(AS, *args)

    monkeypatch.setattr(similarity, "_similarity_block", spy)
    docs = small_corpus * 80  # 4,800 documents against 40
    with sklearn.config_context(working_memory=1):
        out = fitted.transform(docs)
    per_block = 2**20 // (32 * fitted.n_features_out_)
    assert rows[0] == per_block and sum(rows) == len(docs)
    np.testing.assert_array_equal(out[:60], fitted.transform(small_corpus))


# ---------------------------------------------------------------- against gensim and sklearn
def test_term_matrix_is_gensims(glove, small_corpus):
    """The term matrix is gensim's SparseTermSimilarityMatrix; the soft cosine its inner product."""
    from gensim.corpora import Dictionary
    from gensim.matutils import Sparse2Corpus
    from gensim.models import KeyedVectors
    from gensim.similarities import SparseTermSimilarityMatrix, WordEmbeddingSimilarityIndex

    docs = small_corpus[:30]
    est = SoftCosineSimilarity(vectors=glove, n_neighbors=15, threshold=0.2, exponent=3.0)
    est.fit(docs)
    words = sorted(est.vocabulary_, key=est.vocabulary_.get)
    dictionary = Dictionary([words])
    assert [dictionary[i] for i in range(len(words))] == words
    df = np.bincount(est.training_bags_.indices, minlength=len(words))
    tfidf = types.SimpleNamespace(idfs={i: float(np.log(len(docs) / n)) for i, n in enumerate(df)})
    known = [w for w in words if w in glove]
    kv = KeyedVectors(glove.dim)
    kv.add_vectors(known, np.stack([glove.get_vector(w) for w in known]))
    index = WordEmbeddingSimilarityIndex(kv, threshold=0.2, exponent=3.0)
    expected = SparseTermSimilarityMatrix(index, dictionary, tfidf, nonzero_limit=15).matrix
    S = est.term_similarity_
    assert ((S != 0) != (expected != 0)).nnz == 0  # the same pairs
    assert abs(S - expected).max() < 1e-6  # gensim's values are float32
    assert np.diff(S.indptr).max() <= 16  # at most 15 neighbours and the word itself
    bags = list(Sparse2Corpus(est.training_bags_, documents_columns=False))
    gensim_soft = SparseTermSimilarityMatrix(expected).inner_product(
        bags, bags, normalized=(True, True)
    )
    np.testing.assert_allclose(est.transform(docs), gensim_soft.toarray(), atol=1e-6)


def test_no_neighbours_is_tfidf_cosine(glove, small_corpus):
    """n_neighbors=0: the term matrix is the identity, the measure TF-IDF cosine."""
    train, docs = small_corpus[:40], small_corpus[40:]
    est = SoftCosineSimilarity(vectors=glove, n_neighbors=0, oov="ignore").fit(train)
    assert (est.term_similarity_ != sp.identity(len(est.vocabulary_))).nnz == 0
    tfidf = TfidfVectorizer(stop_words="english").fit(train)
    expected = cosine_similarity(tfidf.transform(docs), tfidf.transform(train))
    np.testing.assert_allclose(est.transform(docs), expected, atol=1e-6)
    np.testing.assert_allclose(est.fit_transform(train), cosine_similarity(tfidf.transform(train)))
    # oov='related': the unknown words that have a vector count in the norm of the document
    related = clone(est).set_params(oov="related").fit(train).transform(docs)
    assert (related <= est.transform(docs) + 1e-12).all() and (related < expected - 1e-3).any()
    counts = SoftCosineSimilarity(vectors=glove, n_neighbors=0, weighting=None, oov="ignore").fit(
        train
    )
    tf = TfidfVectorizer(stop_words="english", use_idf=False).fit(train)
    np.testing.assert_allclose(
        counts.transform(docs), cosine_similarity(tf.transform(docs), tf.transform(train)), 1e-12
    )


def test_related_words_raise_the_similarity(glove):
    """Documents about one topic in different words: soft cosine sees it, cosine cannot."""
    docs = [doc for doc, _ in TRAIN + TEST]
    labels = np.array([y for _, y in TRAIN + TEST])
    soft = soft_cosine_similarity(docs, vectors=glove)
    plain = soft_cosine_similarity(docs, vectors=glove, n_neighbors=0)
    same = (labels[:, None] == labels[None, :]) & ~np.eye(len(docs), dtype=bool)
    other = labels[:, None] != labels[None, :]
    assert (soft >= plain - 1e-12).all()  # non-negative term similarities only add
    assert soft[same].mean() > 2 * soft[other].mean()
    assert soft[same].mean() > plain[same].mean() + 0.1


def test_precomputed_kernel_for_svc(glove):
    X = [doc for doc, _ in TRAIN]
    y = [label for _, label in TRAIN]
    X_test = [doc for doc, _ in TEST]
    y_test = [label for _, label in TEST]
    pipe = make_pipeline(SoftCosineSimilarity(vectors=glove), SVC(kernel="precomputed"))
    pipe.fit(X, y)
    assert pipe.score(X_test, y_test) >= 5 / 6
    K = pipe[0].transform(X_test)
    assert K.shape == (len(X_test), len(X))
    assert pipe[0].get_feature_names_out()[0] == "softcosinesimilarity0"
    # the same pipeline through clone (vectors shared, not copied) and pickle
    again = clone(pipe).fit(X, y)
    assert again[0].vectors is glove
    np.testing.assert_array_equal(again.predict(X_test), pipe.predict(X_test))
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(pipe)).predict(X_test), pipe.predict(X_test)
    )


def test_precomputed_metric_for_knn(glove):
    X = [doc for doc, _ in TRAIN]
    y = [label for _, label in TRAIN]
    X_test = [doc for doc, _ in TEST]
    y_test = [label for _, label in TEST]
    sim = SoftCosineSimilarity(vectors=glove).fit(X)
    knn = KNeighborsClassifier(n_neighbors=3, metric="precomputed")
    knn.fit(1.0 - sim.transform(X), y)
    predicted = knn.predict(1.0 - sim.transform(X_test))
    assert (predicted == np.array(y_test)).mean() >= 5 / 6
    pipe = make_pipeline(
        SoftCosineSimilarity(vectors=glove),
        FunctionTransformer(_distance),
        KNeighborsClassifier(n_neighbors=3, metric="precomputed"),
    )
    np.testing.assert_array_equal(pipe.fit(X, y).predict(X_test), predicted)


# ---------------------------------------------------------------- sources of vectors
def test_every_source_of_vectors(glove, glove_kv, small_corpus, tmp_path):
    docs = small_corpus[:20]
    mean = MeanEmbeddingVectorizer(glove).fit(docs)
    store = tmp_path / "store"
    save_vectors(store, glove.words, glove.matrix)
    sub = list(range(0, 20_000, 10))
    text = tmp_path / "small.txt"  # a word2vec text file of part of the vectors
    words = [glove.words[i] for i in sub]
    with open(text, "w", encoding="utf-8") as fh:
        fh.write(f"{len(sub)} {glove.dim}\n")
        for i in sub:
            fh.write(
                glove.words[i] + " " + " ".join(repr(float(x)) for x in glove.matrix[i]) + "\n"
            )
    small = {w: glove.get_vector(w) for w in words}
    expected = SoftCosineSimilarity(vectors=glove, n_neighbors=10).fit_transform(docs)
    for source in (glove_kv, mean, str(store), store):
        got = SoftCosineSimilarity(vectors=source, n_neighbors=10).fit_transform(docs)
        np.testing.assert_array_equal(got, expected)
    from_file = SoftCosineSimilarity(vectors=text, n_neighbors=10).fit_transform(docs)
    from_dict = SoftCosineSimilarity(vectors=small, n_neighbors=10).fit_transform(docs)
    np.testing.assert_allclose(from_file, from_dict, atol=1e-12)
    assert not np.allclose(from_file, expected)  # fewer words have vectors


def test_fasttext_subwords_give_every_word_neighbours(small_corpus):
    """Words outside a fastText model's vocabulary get their n-gram vectors."""
    docs = small_corpus
    ft = FastTextVectorizer(vector_size=16, min_count=3, epochs=2, bucket=5000, random_state=0)
    ft.fit(docs)
    est = SoftCosineSimilarity(vectors=ft, n_neighbors=5).fit(docs)
    rare = [w for w in est.vocabulary_ if w not in ft.vocabulary_]
    assert rare
    S = est.term_similarity_
    with_neighbours = [w for w in rare if S[est.vocabulary_[w]].nnz > 1]
    assert len(with_neighbours) > 0.9 * len(rare)
    # without subwords, a word without a vector is similar to itself only
    plain = WordVectors(ft.word_vectors_.words, ft.word_vectors_.matrix)
    S2 = SoftCosineSimilarity(vectors=plain, n_neighbors=5).fit(docs).term_similarity_
    assert all(S2[est.vocabulary_[w]].nnz == 1 for w in rare)


def test_unfitted_vectorizer_as_vectors(small_corpus):
    with pytest.raises(NotFittedError, match="MeanEmbeddingVectorizer given as vectors"):
        SoftCosineSimilarity(vectors=MeanEmbeddingVectorizer()).fit(small_corpus)


# ---------------------------------------------------------------- persistence and contract
@pytest.mark.parametrize("mmap", [False, True])
def test_save_load_round_trip(fitted, small_corpus, tmp_path, mmap):
    docs = small_corpus[40:]
    fitted.transform(docs[:2])  # the caches exist: they are not saved
    save(fitted, tmp_path / "model")
    loaded = load(tmp_path / "model", mmap=mmap)
    assert type(loaded) is SoftCosineSimilarity
    assert set(SoftCosineSimilarity._fitted_state) <= set(vars(loaded))
    assert not [name for name in vars(loaded) if name.endswith("_cache")]
    np.testing.assert_array_equal(loaded.transform(docs), fitted.transform(docs))
    assert (loaded.term_similarity_ != fitted.term_similarity_).nnz == 0
    assert loaded.get_params()["n_neighbors"] == 20


def test_load_in_a_fresh_process(tmp_path):
    """``import skembed; skembed.load(path)`` knows the class, as it knows the vectorizers."""
    est = SoftCosineSimilarity(vectors={"cat": [1.0, 0.0], "dog": [0.9, 0.1]}, n_neighbors=1)
    save(est.fit(["cat dog", "a dog"]), tmp_path / "model")
    script = f"import skembed; print(skembed.load({str(tmp_path / 'model')!r}).n_features_out_)"
    result = run_python(["-c", script], timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "2"


def _saved(fitted, path):
    save(fitted, path)
    return json.loads((path / "estimator.json").read_text())


def _rewrite(path, doc):
    (path / "estimator.json").unlink()
    (path / "estimator.json").write_text(json.dumps(doc))


def _replace_array(path, doc, node, array):
    """Put ``array`` in the .npy file of ``node``, with a consistent node and manifest."""
    import hashlib

    target = path / node["file"]
    target.unlink()
    np.save(target, array)
    data = target.read_bytes()
    doc["files"][node["file"]] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    node["dtype"], node["shape"] = array.dtype.str, list(array.shape)


def test_load_refuses_a_state_fit_could_not_have_made(fitted, tmp_path):
    path = tmp_path / "model"
    doc = _saved(fitted, path)
    doc["estimator"]["state"]["n_features_out_"] = 41
    _rewrite(path, doc)
    with pytest.raises(StoreError, match="n_features_out_: must be 40"):
        load(path)


@pytest.mark.parametrize(
    ("attr", "item", "change", "match"),
    [
        ("term_matrix_", 1, lambda a: np.full_like(a, 10**6), "term_matrix_: is not a valid CSR"),
        ("term_matrix_", 0, lambda a: a * 3, "term_matrix_: must be symmetric, with values in"),
        ("train_matrix_", 0, lambda a: -a, "train_matrix_: must hold finite, non-negative"),
        ("term_vectors_", None, lambda a: 2 * a, "term_vectors_: must hold unit"),
        ("idf_", None, lambda a: a[:-1], "idf_: must be"),
    ],
)
def test_load_refuses_damaged_arrays(fitted, tmp_path, attr, item, change, match):
    """An array that fit could not have written is refused at load, never read out of bounds."""
    path = tmp_path / "model"
    doc = _saved(fitted, path)
    node = doc["estimator"]["state"][attr]
    node = node if item is None else node["items"][item]
    _replace_array(path, doc, node, change(np.load(path / node["file"])))
    _rewrite(path, doc)
    with pytest.raises(StoreError, match=match):
        load(path)


def _contract_cases():
    est = SoftCosineSimilarity(vectors={"a": [1.0]})
    return [check.__name__ for check in text_estimator_checks(est)]


@pytest.mark.parametrize("check_name", _contract_cases())
def test_text_estimator_contract(check_name, glove, small_corpus):
    estimator = SoftCosineSimilarity(vectors=glove, n_neighbors=10)
    (check,) = [c for c in text_estimator_checks(estimator) if c.__name__ == check_name]
    check(small_corpus[:30])


# ---------------------------------------------------------------- errors and options
@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"threshold": 1.0}, "'threshold' parameter"),
        ({"threshold": -0.1}, "'threshold' parameter"),
        ({"exponent": 0}, "'exponent' parameter"),
        ({"n_neighbors": -1}, "'n_neighbors' parameter"),
        ({"n_neighbors": 2.5}, "'n_neighbors' parameter"),
        ({"weighting": "bm25"}, "'weighting' parameter"),
        ({"block_size": 0}, "'block_size' parameter"),
        ({"dtype": np.int32}, "'dtype' parameter .* np.float32 or np.float64"),
        ({"vectors": None}, "needs word vectors"),
    ],
)
def test_bad_parameters(params, match, glove, small_corpus):
    est = SoftCosineSimilarity(vectors=glove).set_params(**params)
    with pytest.raises(ValueError, match=match):
        est.fit(small_corpus[:5])


def test_empty_vocabulary(glove):
    with pytest.raises(ValueError, match="empty vocabulary"):
        SoftCosineSimilarity(vectors=glove).fit(["the and of", ""])


def test_docstring_states_the_stop_words_default():
    assert "stop_words : {'english'}, list or None, default='english'" in (
        SoftCosineSimilarity.__doc__
    )
    assert SoftCosineSimilarity().stop_words == "english"


def test_not_fitted(glove):
    est = SoftCosineSimilarity(vectors=glove)
    for method in (est.transform, est.bags_of_words):
        with pytest.raises(NotFittedError):
            method(["a document"])
    with pytest.raises(NotFittedError):
        est.get_feature_names_out()


def test_function_errors(glove, fitted):
    S = fitted.term_similarity_
    A = fitted.training_bags_
    with pytest.raises(ValueError, match="needs vectors= .* or term_similarity="):
        soft_cosine_similarity(["a b"])
    with pytest.raises(ValueError, match="not both"):
        soft_cosine_similarity(A, vectors=glove, term_similarity=S)
    with pytest.raises(ValueError, match="square"):
        soft_cosine_similarity(A, term_similarity=S[:, :-1])
    with pytest.raises(ValueError, match=r"Y has 3 columns \(terms\) but term_similarity is for"):
        soft_cosine_similarity(A, np.ones((2, 3)), term_similarity=S)
    with pytest.raises(TypeError, match="unexpected keyword arguments \\['pooling'\\]"):
        soft_cosine_similarity(["a b"], vectors=glove, pooling="mean")
    with pytest.raises(ValueError, match="'threshold' parameter"):
        soft_cosine_similarity(["a b"], vectors=glove, threshold=2.0)
    with pytest.raises(ValueError, match="string object received"):
        soft_cosine_similarity("a b", ["c"], vectors=glove)


def test_function_over_documents_is_the_transformer(glove, small_corpus):
    X, Y = small_corpus[:10], small_corpus[10:25]
    got = soft_cosine_similarity(X, Y, vectors=glove, n_neighbors=30, lowercase=False)
    est = SoftCosineSimilarity(vectors=glove, n_neighbors=30, lowercase=False).fit(X + Y)
    np.testing.assert_array_equal(got, est.transform(X)[:, 10:])
    # dense bags and a dense term matrix give the same
    dense = soft_cosine_similarity(
        est.bags_of_words(X).toarray(), est.training_bags_[10:].toarray(),
        term_similarity=est.term_similarity_.toarray(),
    )  # fmt: skip
    np.testing.assert_allclose(dense, got, atol=1e-15)


def test_float32_output(glove, small_corpus):
    est = SoftCosineSimilarity(vectors=glove, dtype=np.float32).fit(small_corpus[:10])
    out = est.transform(small_corpus[:12])
    assert out.dtype == np.float32
    f64 = (
        clone(est).set_params(dtype=np.float64).fit(small_corpus[:10]).transform(small_corpus[:12])
    )
    np.testing.assert_array_equal(out, f64.astype(np.float32))
    got = soft_cosine_similarity(small_corpus[:5], vectors=glove, dtype="float32")
    assert got.dtype == np.float32
