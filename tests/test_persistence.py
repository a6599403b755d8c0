"""skembed.persistence: pickle-free save/load of estimators and pipelines, and skops."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

import skembed.persistence._encode as encode
from skembed import (
    Doc2VecVectorizer,
    FastTextVectorizer,
    MeanEmbeddingVectorizer,
    SubwordTable,
    Word2VecVectorizer,
    WordVectors,
)
from skembed._io import StoreError
from skembed.persistence import load, registered_classes, save
from skembed.vectors import save_vectors

UNSEEN = ["governmment announced", "zzqx", "", "the cricket match in sydney"]
SMALL = dict(vector_size=8, min_count=2, epochs=1, random_state=0)


def _is_mapped(a) -> bool:
    return isinstance(a, np.memmap) or isinstance(getattr(a, "base", None), np.memmap)


@pytest.fixture(scope="module")
def docs(lee_corpus):
    return lee_corpus[:80]


@pytest.fixture(scope="module")
def labels(docs):
    return np.array(["sport", "politics", "other"])[np.arange(len(docs)) % 3]


@pytest.fixture(scope="module")
def w2v(docs):
    return Word2VecVectorizer(**SMALL, pooling=("mean", "max")).fit(docs)


@pytest.fixture(scope="module")
def fasttext(docs):
    return FastTextVectorizer(**SMALL, bucket=5000, weighting="tfidf").fit(docs)


@pytest.fixture(scope="module")
def glove_w2v_file(glove_subset, tmp_path_factory):
    from gensim.models import KeyedVectors

    words, matrix = glove_subset
    kv = KeyedVectors(matrix.shape[1])
    kv.add_vectors(words[:5000], matrix[:5000])
    path = tmp_path_factory.mktemp("glove") / "glove.bin"
    kv.save_word2vec_format(str(path), binary=True)
    return path


def _round_trip(est, tmp_path, X, method="transform", **load_kwargs):
    path = save(est, tmp_path / "model")
    again = load(path, **load_kwargs)
    assert type(again) is type(est)
    np.testing.assert_array_equal(getattr(again, method)(X), getattr(est, method)(X))
    return again


# ---------------------------------------------------------------- round trips
def test_word2vec_round_trip(w2v, docs, tmp_path):
    again = _round_trip(w2v, tmp_path, docs + UNSEEN)
    assert again.get_params() == w2v.get_params()
    assert again.vocabulary_ == w2v.vocabulary_
    assert again.seed_ == w2v.seed_ and again.n_features_out_ == w2v.n_features_out_
    assert _is_mapped(again.vectors_) and not again.vectors_.flags.writeable
    np.testing.assert_array_equal(again.get_feature_names_out(), w2v.get_feature_names_out())
    assert again.keyed_vectors_.most_similar("government", topn=3) == (
        w2v.keyed_vectors_.most_similar("government", topn=3)
    )
    files = json.loads((tmp_path / "model" / "estimator.json").read_text())["files"]
    assert any(name.startswith("vocab/") and name.endswith(".txt") for name in files)


def test_fasttext_round_trip_keeps_subwords(fasttext, docs, tmp_path):
    again = _round_trip(fasttext, tmp_path, docs + UNSEEN)
    sub = again.subwords_
    assert isinstance(sub, SubwordTable) and _is_mapped(sub.vectors) and _is_mapped(sub.bucket_ids)
    np.testing.assert_array_equal(sub.bucket_ids, fasttext.subwords_.bucket_ids)
    assert _is_mapped(again.weights_)
    assert type(again.oov_weight_) is type(fasttext.oov_weight_)


@pytest.mark.parametrize("weighting", ["tfidf", "sif"])
def test_mean_embedding_round_trip(glove_w2v_file, docs, tmp_path, weighting):
    vec = MeanEmbeddingVectorizer(str(glove_w2v_file), weighting=weighting, norm="l2")
    vec.fit(docs)
    again = _round_trip(vec, tmp_path, docs + UNSEEN)
    assert again.vectors == str(glove_w2v_file)
    if weighting == "sif":
        np.testing.assert_array_equal(again.sif_components_, vec.sif_components_)


def test_mean_embedding_from_a_mapping(glove_subset, docs, tmp_path):
    words, matrix = glove_subset
    mapping = dict(zip(words[:3000], matrix[:3000], strict=True))
    vec = MeanEmbeddingVectorizer(mapping, pooling="max").fit(docs)
    again = _round_trip(vec, tmp_path, docs + UNSEEN)
    assert list(again.vectors) == words[:3000]  # one matrix on disk, not 3000 files
    assert len(list((tmp_path / "model" / "arrays").iterdir())) == 2


def test_pipeline_with_logistic_regression(docs, labels, tmp_path):
    pytest.importorskip("skops.io")  # the LogisticRegression goes into a nested skops file
    pipe = make_pipeline(Word2VecVectorizer(**SMALL), LogisticRegression(max_iter=200))
    pipe.fit(docs, labels)
    again = _round_trip(pipe, tmp_path, docs + UNSEEN, method="predict_proba")
    np.testing.assert_array_equal(again.predict(docs), pipe.predict(docs))
    assert _is_mapped(again[0].vectors_)
    tree = json.loads((tmp_path / "model" / "estimator.json").read_text())["estimator"]
    assert tree["class"] == "sklearn.pipeline:Pipeline"
    lr_node = tree["params"]["steps"][1]["items"][1]
    assert lr_node["$type"] == "skops" and lr_node["file"].endswith(".skops")


def test_feature_union_and_column_transformer(docs, tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("skops.io")  # StandardScaler and the remainder's FunctionTransformer
    union = FeatureUnion(
        [("w2v", Word2VecVectorizer(**SMALL)), ("ft", FastTextVectorizer(**SMALL, bucket=3000))]
    ).fit(docs)
    _round_trip(union, tmp_path / "u", docs + UNSEEN)
    frame = pd.DataFrame({"text": docs, "n": np.arange(len(docs), dtype=float), "k": 1.0})
    ct = ColumnTransformer(
        [("text", Word2VecVectorizer(**SMALL), "text"), ("num", StandardScaler(), ["n"])],
        remainder="passthrough",
    ).fit(frame)
    again = _round_trip(ct, tmp_path / "c", frame)
    np.testing.assert_array_equal(again.get_feature_names_out(), ct.get_feature_names_out())


def test_doc2vec_round_trip(docs, tmp_path):
    vec = Doc2VecVectorizer(**SMALL).fit(docs)
    _round_trip(vec, tmp_path, docs[:20] + UNSEEN)


def test_textcnn_round_trip(docs, labels, tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("skorch")
    from skembed import TextCNNClassifier

    clf = TextCNNClassifier(
        embedding_dim=8,
        n_filters=4,
        max_epochs=1,
        validation_fraction=None,
        class_weight={"sport": 2.0, "politics": 1.0, "other": 1.0},
        random_state=0,
    ).fit(docs, labels)
    again = _round_trip(clf, tmp_path, docs + UNSEEN, method="predict_proba", mmap=False)
    assert again.class_weight == clf.class_weight
    assert again.history_ == clf.history_


def test_mmap_false_gives_writable_arrays(w2v, tmp_path):
    again = load(save(w2v, tmp_path / "m"), mmap=False, verify="sha256")
    assert type(again.vectors_) is np.ndarray and again.vectors_.flags.writeable


def test_values_keep_their_types(docs, tmp_path):
    """The kinds of values the estimators hold come back with their types."""
    vec = Word2VecVectorizer(
        **{**SMALL, "random_state": np.random.RandomState(3), "window": np.int64(3)},
        dtype=np.float64,
        stop_words=["the", "a"],
        pooling=("sum", "min"),
        sif_alpha=np.float32(0.5),
    ).fit(docs)
    again = _round_trip(vec, tmp_path, docs)
    assert again.dtype is np.float64 and again.transform(docs[:2]).dtype == np.float64
    assert again.random_state.get_state()[1].tolist() == vec.random_state.get_state()[1].tolist()
    assert again.pooling == ("sum", "min") and again.stop_words == ["the", "a"]
    assert type(again.window) is np.int64 and type(again.sif_alpha) is np.float32
    assert isinstance(again.word_vectors_, WordVectors)
    assert again.word_vectors_.words == vec.word_vectors_.words
    # an object reached twice is saved once and loaded as one object
    wv = WordVectors(["cat", "dog"], np.eye(2, dtype=np.float32))
    mean = MeanEmbeddingVectorizer(wv, dtype=np.dtype("float32")).fit(docs)
    again = _round_trip(mean, tmp_path / "shared", docs)
    assert again.vectors is again.word_vectors_ and again.dtype == np.dtype("float32")
    tree = json.loads((tmp_path / "shared" / "model" / "estimator.json").read_text())
    assert tree["estimator"]["state"]["word_vectors_"]["$type"] == "ref"


def test_only_the_declared_fitted_state_is_saved(w2v, tmp_path):
    """save writes the attributes the class declares, not whatever else the instance holds."""
    from sklearn.base import clone

    vec = clone(w2v).fit(["alpha beta gamma delta"] * 5)
    vec.notes_ = {"not": "saved"}
    state = json.loads((save(vec, tmp_path / "m") / "estimator.json").read_text())
    assert sorted(state["estimator"]["state"]) == sorted(Word2VecVectorizer._fitted_state)
    assert not hasattr(load(tmp_path / "m"), "notes_")


def test_unfitted_estimator(tmp_path):
    again = load(save(Word2VecVectorizer(window=3), tmp_path / "u"))
    assert again.window == 3 and not hasattr(again, "vectors_")


# ---------------------------------------------------------------- what cannot be saved
def test_callable_parameters_are_refused(docs, tmp_path):
    with pytest.raises(TypeError, match="parameter tokenizer is a callable; pickle-free save"):
        save(Word2VecVectorizer(tokenizer=lambda doc: doc.split()), tmp_path / "a")
    pipe = Pipeline([("vec", Word2VecVectorizer(analyzer=str.split))])
    with pytest.raises(TypeError, match=r"parameter analyzer is a callable.*at steps\[0\]\[1\]"):
        save(pipe, tmp_path / "b")
    assert list(tmp_path.iterdir()) == []


def test_unsupported_state_is_refused(w2v, tmp_path):
    from sklearn.base import clone

    vec = clone(w2v).set_params(vector_size=4).fit(["alpha beta gamma delta"] * 5)
    vec.sif_components_ = vec.keyed_vectors_  # a fitted attribute of a type save cannot store
    with pytest.raises(
        TypeError,
        match="cannot save Word2VecVectorizer.sif_components_ of type "
        "gensim.models.keyedvectors.KeyedVectors without pickle",
    ):
        save(vec, tmp_path / "x")
    kv = vec.keyed_vectors_
    with pytest.raises(TypeError, match="MeanEmbeddingVectorizer.vectors of type gensim"):
        save(MeanEmbeddingVectorizer(kv).fit(["a b"]), tmp_path / "y")


def test_overwrite_rules(w2v, tmp_path):
    path = save(w2v, tmp_path / "m")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        save(w2v, path)
    save(Word2VecVectorizer(window=2), path, overwrite=True)
    assert load(path).window == 2
    save_vectors(tmp_path / "store", ["a"], np.zeros((1, 2)))
    with pytest.raises(FileExistsError, match="not an empty directory or a skembed saved"):
        save(w2v, tmp_path / "store", overwrite=True)


def test_a_failed_save_leaves_nothing_or_the_old_model(w2v, docs, tmp_path, monkeypatch):
    real = encode.write_npy

    def crash(*args, **kwargs):  # the vocabulary file is written by then
        raise OSError("simulated crash mid-write")

    monkeypatch.setattr(encode, "write_npy", crash)
    with pytest.raises(OSError, match="simulated crash"):
        save(w2v, tmp_path / "new")
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(encode, "write_npy", real)
    path = save(Word2VecVectorizer(window=2), tmp_path / "old")
    monkeypatch.setattr(encode, "write_npy", crash)
    with pytest.raises(OSError, match="simulated crash"):
        save(w2v, path, overwrite=True)
    assert load(path, verify="sha256").window == 2
    assert [p.name for p in tmp_path.iterdir()] == ["old"]


# ---------------------------------------------------------------- hostile files
@pytest.fixture
def saved(w2v, tmp_path):
    return save(w2v, tmp_path / "saved")


def _doc(path: Path) -> dict:
    return json.loads((path / "estimator.json").read_text())


def _put(path: Path, doc: dict) -> None:
    (path / "estimator.json").write_text(json.dumps(doc))


def test_class_outside_the_allow_list_is_never_imported(saved, tmp_path, monkeypatch):
    marker = tmp_path / "imported"
    module_dir = tmp_path / "mods"
    module_dir.mkdir()
    (module_dir / "skembed_evil_module.py").write_text(
        f"open({str(marker)!r}, 'w').close()\nclass Boom:\n    pass\n"
    )
    monkeypatch.syspath_prepend(str(module_dir))
    for name in ("skembed_evil_module:Boom", "os:system", "sklearn.linear_model:Ridge"):
        doc = _doc(saved)
        doc["estimator"]["class"] = name
        _put(saved, doc)
        with pytest.raises(StoreError, match=f"Refusing to load the class '{name}'"):
            load(saved)
    assert not marker.exists() and "skembed_evil_module" not in sys.modules
    doc["estimator"]["class"] = "skembed.word2vec:Word2VecVectorizer"
    doc["estimator"]["params"]["dtype"] = {"$type": "type", "name": "builtins.eval"}
    _put(saved, doc)
    with pytest.raises(StoreError, match="Refusing the type 'builtins.eval'"):
        load(saved)


def test_state_cannot_shadow_methods(saved):
    doc = _doc(saved)
    doc["estimator"]["state"]["transform"] = "oops"
    _put(saved, doc)
    with pytest.raises(StoreError, match="Refusing to set the attribute 'transform'"):
        load(saved)


class _Payload:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_pickled_object_array_is_refused(saved, tmp_path):
    marker = tmp_path / "code-ran"
    doc = _doc(saved)
    node = doc["estimator"]["state"]["word_vectors_"]["matrix"]
    path = saved / node["file"]
    evil = np.empty(3, dtype=object)
    evil[:] = [_Payload(marker)] * 3
    path.unlink()
    np.save(path, evil, allow_pickle=True)
    doc["files"][node["file"]]["size"] = path.stat().st_size
    node["dtype"], node["shape"] = "|O", [3]
    _put(saved, doc)
    for mmap in (True, False):
        with pytest.raises(StoreError, match="holds Python objects"):
            load(saved, mmap=mmap)
    assert not marker.exists()


def test_lying_shape_and_truncated_array(saved):
    doc = _doc(saved)
    node = doc["estimator"]["state"]["word_vectors_"]["matrix"]
    real_shape = node["shape"]
    node["shape"] = [real_shape[0] - 1, real_shape[1]]
    _put(saved, doc)
    with pytest.raises(StoreError, match="has shape .* the manifest says"):
        load(saved)
    node["shape"] = real_shape
    _put(saved, doc)
    path = saved / node["file"]
    with open(path, "r+b") as fh:
        fh.truncate(path.stat().st_size - 4)
    with pytest.raises(StoreError, match=r"\.npy is \d+ bytes, the manifest says \d+: the store"):
        load(saved)


def test_file_names_cannot_leave_the_directory(saved):
    doc = _doc(saved)
    doc["estimator"]["state"]["word_vectors_"]["matrix"]["file"] = "../../etc/passwd"
    _put(saved, doc)
    with pytest.raises(StoreError, match="points outside the directory"):
        load(saved)


def test_unknown_version_and_wrong_paths(saved, tmp_path):
    doc = _doc(saved)
    _put(saved, {**doc, "format_version": 2})
    with pytest.raises(StoreError, match="format version 2; this skembed reads version 1"):
        load(saved)
    save_vectors(tmp_path / "store", ["a"], np.zeros((1, 2)))
    with pytest.raises(StoreError, match="is a skembed vectors store, not a saved estimator"):
        load(tmp_path / "store")
    (tmp_path / "model.pkl").write_bytes(b"\x80\x04N.")
    with pytest.raises(StoreError, match="only for files you trust"):
        load(tmp_path / "model.pkl")
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing")


# ---------------------------------------------------------------- registry and layout
def _legacy(doc: dict) -> dict:
    """``doc`` as skembed wrote it before vectorizers kept one ``word_vectors_``."""
    state = doc["estimator"]["state"]
    wv = state.pop("word_vectors_")
    state["vocabulary_"] = {"$type": "vocabulary", "file": wv["words"], "n": wv["n"]}
    state["vectors_"] = wv["matrix"]
    if doc["estimator"]["class"] != "skembed.doc2vec:Doc2VecVectorizer":
        state["subwords_"] = wv["subwords"]
    return doc


@pytest.mark.parametrize("which", ["w2v", "fasttext", "doc2vec"])
def test_files_of_the_previous_layout_still_load(request, which, docs, tmp_path):
    """Files holding vocabulary_, vectors_ and subwords_ load into one word_vectors_."""
    vec = (
        Doc2VecVectorizer(**SMALL).fit(docs)
        if which == "doc2vec"
        else (request.getfixturevalue(which))
    )
    path = save(vec, tmp_path / "old")
    _put(path, _legacy(_doc(path)))
    again = load(path)
    assert again.word_vectors_.words == vec.word_vectors_.words
    assert _is_mapped(again.word_vectors_.matrix)
    assert (again.subwords_ is None) == (vec.subwords_ is None)
    X = docs[:10] + UNSEEN
    np.testing.assert_array_equal(again.transform(X), vec.transform(X))


def test_registry_names_the_classes_of_saved_files():
    names = registered_classes()
    assert names["skembed.word2vec:Word2VecVectorizer"] is Word2VecVectorizer
    assert names["sklearn.pipeline:Pipeline"] is Pipeline
    assert "skembed.nn.textcnn:TextCNNClassifier" in names  # registers on import, torch-free
    assert "skembed.nn.embedding_bag:EmbeddingBagClassifier" in names


def test_a_file_naming_skembed_nn_imports_it_to_register(saved, tmp_path):
    """skembed.nn is imported (and registers) only when a file names one of its classes."""
    import subprocess
    import textwrap

    doc = _doc(saved)
    doc["estimator"]["class"] = "skembed.nn.textcnn:TextCNNClassifier"
    _put(saved, doc)
    script = f"""
        import sys
        import skembed
        from skembed._io import StoreError
        assert "skembed.nn" not in sys.modules
        try:
            skembed.load({str(saved)!r})
        except StoreError as exc:
            print(exc)
        print("skembed.nn" in sys.modules)
        """
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert "TextCNNClassifier has no parameter" in out.stdout and out.stdout.endswith("True\n")


# ---------------------------------------------------------------- skops
@pytest.mark.parametrize("which", ["w2v", "fasttext"])
def test_skops_loads_fitted_vectorizers(request, which, docs):
    sio = pytest.importorskip("skops.io")
    vec = request.getfixturevalue(which)
    data = sio.dumps(vec)
    untrusted = set(sio.get_untrusted_types(data=data))
    ours = {
        "skembed.word2vec.Word2VecVectorizer",
        "skembed.fasttext.FastTextVectorizer",
        "skembed.vectors._subwords.SubwordTable",
        "skembed.vectors._word_vectors.WordVectors",
    }
    assert untrusted <= ours, untrusted - ours
    again = sio.loads(data, trusted=sorted(untrusted))
    np.testing.assert_array_equal(again.transform(docs + UNSEEN), vec.transform(docs + UNSEEN))


def _custom_function(X):
    return X


def test_skops_files_are_held_to_skops_trust(docs, labels, tmp_path, monkeypatch):
    sio = pytest.importorskip("skops.io")
    from sklearn.preprocessing import FunctionTransformer

    custom = make_pipeline(Word2VecVectorizer(**SMALL), FunctionTransformer(_custom_function))
    custom.fit(docs)
    with pytest.raises(TypeError, match="skops does not trust these types.*_custom_function"):
        save(custom, tmp_path / "custom")
    assert list(tmp_path.iterdir()) == []
    # a nested skops file swapped for one with untrusted content is refused before loading
    pipe = make_pipeline(Word2VecVectorizer(**SMALL), LogisticRegression()).fit(docs, labels)
    path = save(pipe, tmp_path / "pipe")
    doc = _doc(path)
    name = doc["estimator"]["params"]["steps"][1]["items"][1]["file"]
    sio.dump(FunctionTransformer(_custom_function), path / name)
    doc["files"][name]["size"] = (path / name).stat().st_size
    _put(path, doc)
    with pytest.raises(StoreError, match="skops does not trust these types"):
        load(path)
    # without skops, such pipelines cannot be saved, and say why
    monkeypatch.setitem(sys.modules, "skops.io", None)
    with pytest.raises(TypeError, match=r'pip install "skembed\[skops\]"'):
        save(pipe, tmp_path / "again")
