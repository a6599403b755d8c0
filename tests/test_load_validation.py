"""What ``skembed.load`` refuses, and what a fitted model promises about the files it maps.

Part 1: every value ``load`` rebuilds is checked where it is rebuilt, so a damaged or
hostile ``estimator.json`` is a ``StoreError`` naming the file and the field at ``load``,
never a later failure and never a crash (the crash tests run in a subprocess, so a
SIGSEGV fails the test instead of killing pytest).

Part 2: a store and a saved model are immutable. A fitted or loaded estimator keeps its
memory-mapped files open; a file changed in place after it was opened is a ``StoreError``
before the estimator reads it, instead of other numbers or a SIGBUS; a rewrite by
skembed (a new directory renamed into place) leaves the estimator its old, intact files.

Every saved file here is real: an estimator is fitted, saved to ``tmp_path`` and its
``estimator.json`` (or a ``.npy`` file) edited.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from scripts import run_python
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import FeatureUnion, Pipeline

from skembed import (
    Doc2VecVectorizer,
    FastTextVectorizer,
    MeanEmbeddingVectorizer,
    Word2VecVectorizer,
)
from skembed._io import StoreError
from skembed.persistence import load, save
from skembed.vectors import open_vectors, save_vectors

DOCS = [
    "the cat sat on the mat",
    "the dog sat on the log",
    "a cat and a dog met on the mat",
    "the bird flew over the log and the mat",
] * 3
SMALL = dict(vector_size=8, min_count=1, epochs=1)


# ---------------------------------------------------------------- helpers
def _doc(path: Path) -> dict:
    return json.loads((path / "estimator.json").read_text())


def _put(path: Path, doc: dict) -> None:
    """Write estimator.json anew."""
    target = path / "estimator.json"
    target.unlink()
    target.write_text(json.dumps(doc))


def _edit(path: Path, change: Callable[[dict], object]) -> None:
    doc = _doc(path)
    change(doc)
    _put(path, doc)


def _replace_array(path: Path, doc: dict, node: dict, array: np.ndarray) -> None:
    """Put ``array`` in the .npy file of ``node``, with a consistent node and manifest."""
    target = path / node["file"]
    target.unlink()
    np.save(target, array)
    doc["files"][node["file"]]["size"] = target.stat().st_size
    node["dtype"], node["shape"] = array.dtype.str, list(array.shape)


def _at(doc: dict, keys: tuple) -> object:
    for key in keys:
        doc = doc[key]
    return doc


def _legacy(doc: dict) -> dict:
    """``doc`` as skembed wrote it before vectorizers kept one ``word_vectors_``: a
    vocabulary node ``vocabulary_``, the matrix ``vectors_`` and ``subwords_``."""
    state = doc["estimator"]["state"]
    wv = state.pop("word_vectors_")
    state["vocabulary_"] = {"$type": "vocabulary", "file": wv["words"], "n": wv["n"]}
    state["vectors_"] = wv["matrix"]
    state["subwords_"] = wv["subwords"]
    return doc


def _refused(path: Path, *patterns: str) -> StoreError:
    """load(path) raises a StoreError naming estimator.json and matching every pattern."""
    with pytest.raises(StoreError) as info:
        load(path)
    message = str(info.value)
    assert "estimator.json" in message or ".npy" in message or ".txt" in message, message
    for pattern in patterns:
        assert pattern in message, f"{pattern!r} not in {message!r}"
    return info.value


def _run(script: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``script`` in a fresh interpreter; a crash (signal) fails the calling test."""
    proc = run_python(["-c", textwrap.dedent(script)], timeout=timeout)
    if proc.returncode < 0:
        pytest.fail(
            f"the subprocess was killed by {signal.Signals(-proc.returncode).name}\n"
            f"{proc.stderr[-2000:]}"
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def w2v():
    return Word2VecVectorizer(
        **SMALL, random_state=np.random.RandomState(0), weighting="sif", pooling=("mean", "max")
    ).fit(DOCS)


@pytest.fixture
def saved(w2v, tmp_path):
    return save(w2v, tmp_path / "w2v")


# ================================================================ part 1: what load refuses
_RS = ("estimator", "params", "random_state", "state", "items")


def _rs_items(doc: dict) -> list:
    node = doc
    for key in _RS:
        node = node[key]
    return node


@pytest.mark.parametrize(
    ("index", "value", "pattern"),
    [
        (2, 10**6, "the position must be an int in [0, 624]; got 1000000"),
        (2, -1, "the position must be an int in [0, 624]; got -1"),
        (2, 1.5, "the position must be an int in [0, 624]; got 1.5"),
        (3, 2, "has_gauss must be 0 or 1; got 2"),
        (4, {"$type": "float", "value": "nan"}, "the cached Gaussian must be a finite float"),
        (4, "x", "the cached Gaussian must be a finite float; got 'x'"),
        (0, "PCG64", "the bit generator must be 'MT19937'; got 'PCG64'"),
    ],
    ids=["pos-1e6", "pos-negative", "pos-float", "has-gauss", "gauss-nan", "gauss-str", "name"],
)
def test_random_state_values_are_refused_at_load(saved, index, value, pattern):
    _edit(saved, lambda doc: _rs_items(doc).__setitem__(index, value))
    _refused(saved, "Word2VecVectorizer.random_state", pattern)


@pytest.mark.parametrize(
    "key",
    [np.zeros(624, np.int64), np.zeros(623, np.uint32), np.zeros((2, 312), np.uint32)],
    ids=["int64", "short", "2-d"],
)
def test_random_state_key_must_be_624_uint32(saved, key):
    doc = _doc(saved)
    _replace_array(saved, doc, _rs_items(doc)[1], key)
    _put(saved, doc)
    _refused(saved, "random_state", "the key must be a uint32 array of shape (624,)")


def test_random_state_position_does_not_crash_fit(saved):
    """The reported crash: pos = 10**6 loaded fine, and the next fit died with SIGSEGV."""
    _edit(saved, lambda doc: _rs_items(doc).__setitem__(2, 10**6))
    result = _run(
        f"""
        from skembed import load
        from skembed._io import StoreError
        try:
            est = load({str(saved)!r})
        except StoreError as exc:
            print("refused:", exc)
        else:
            est.fit({DOCS!r})
            print("fitted")
        """
    )
    assert "refused:" in result.stdout and "position" in result.stdout


@pytest.mark.parametrize(
    "tree", [5, [1, 2], None, "estimator", {"$type": "tuple", "items": []}, {"$type": "ref"}]
)
def test_top_level_must_be_an_estimator(saved, tree):
    _edit(saved, lambda doc: doc.__setitem__("estimator", tree))
    _refused(saved, "must be an estimator node")


# ---------------------------------------------------------------- fitted state of vectorizers
def _state(doc: dict) -> dict:
    return doc["estimator"]["state"]


#: The two layouts of a vectorizer's vectors: (convert the file, where the matrix is, its name).
LAYOUTS = {
    "word_vectors": (lambda doc: doc, ("word_vectors_", "matrix"), "word_vectors_.matrix"),
    "legacy": (_legacy, ("vectors_",), "vectors_"),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_vocabulary_and_matrix_rows_must_agree(saved, layout):
    convert, keys, name = LAYOUTS[layout]
    doc = convert(_doc(saved))
    node = _at(_state(doc), keys)
    _replace_array(saved, doc, node, np.zeros((node["shape"][0] - 1, 8), np.float32))
    _put(saved, doc)
    _refused(saved, f"Word2VecVectorizer.{name}", "must be a float32 array of shape (")


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_matrix_dtype_is_checked(saved, layout):
    convert, keys, name = LAYOUTS[layout]
    doc = convert(_doc(saved))
    node = _at(_state(doc), keys)
    _replace_array(saved, doc, node, np.zeros(node["shape"], np.float64))
    _put(saved, doc)
    _refused(saved, name, "float32", "got an array of float64")


@pytest.mark.parametrize(
    ("vocabulary", "pattern"),
    [
        ({"the": 0, "cat": 10**6}, "must give its 2 words the rows 0 to 1"),
        ({"the": 0, "cat": 0}, "must give its 2 words the rows 0 to 1"),
        ({"the": 0, "cat": -1}, "must give its 2 words the rows 0 to 1"),
        ({"the": 0, "cat": "1"}, "must map str words to int rows"),
        ({"the": 0, "cat": True}, "must map str words to int rows"),
    ],
    ids=["out-of-range", "duplicate-row", "negative", "str-row", "bool-row"],
)
def test_vocabulary_rows_must_be_a_permutation(saved, vocabulary, pattern):
    """A file of the previous layout: its vocabulary_ dict must give the rows 0 .. n-1."""
    _edit(
        saved,
        lambda doc: _state(_legacy(doc)).update(vocabulary_={"$type": "dict", "items": vocabulary}),
    )
    _refused(saved, "Word2VecVectorizer.vocabulary_", pattern)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_vocabulary_file_with_a_word_twice(saved, layout):
    convert, _, _ = LAYOUTS[layout]
    doc = convert(_doc(saved))
    node = _state(doc).get("word_vectors_") or _state(doc)["vocabulary_"]
    name = node.get("words") or node["file"]
    path = saved / name
    words = path.read_text(encoding="utf-8").split("\n")[:-1]
    words[1] = words[0]
    path.unlink()
    path.write_text("\n".join(words) + "\n", encoding="utf-8")
    doc["files"][name]["size"] = path.stat().st_size
    _put(saved, doc)
    _refused(saved, "word_vectors_" if layout == "word_vectors" else "vocabulary_", "twice")


@pytest.mark.parametrize(
    ("attr", "value", "pattern"),
    [
        ("n_features_out_", 99, "must be 16 (8 dimensions x 2 poolings); got 99"),
        ("n_features_out_", "16", "must be 16"),
        ("seed_", -1, "must be an int in [0, 4294967295]; got -1"),
        ("seed_", 2**40, "must be an int in [0, 4294967295]"),
        ("oov_weight_", None, "must be a finite number"),
        ("oov_weight_", {"$type": "float", "value": "inf"}, "must be a finite number"),
        ("weights_", None, "must be an array with weighting='sif'"),
        ("sif_components_", {"$type": "ref", "id": 2}, "must be None or a float32 array"),
        ("word_vectors_.subwords", [1, 2], "must be None or a SubwordTable"),
        ("word_vectors_", [1, 2], "must be a WordVectors; got list [1, 2]"),
    ],
)
def test_fitted_attributes_of_a_pooled_vectorizer(saved, attr, value, pattern):
    doc = _doc(saved)
    if attr == "sif_components_":  # a ref to another array of the file: the wrong shape
        value = {"$type": "ref", "id": _state(doc)["word_vectors_"]["matrix"]["id"]}
    *parents, last = attr.split(".")
    _at(_state(doc), tuple(parents))[last] = value
    _put(saved, doc)
    _refused(saved, f"Word2VecVectorizer.{attr}", pattern)


def test_subwords_of_the_previous_layout(saved):
    _edit(saved, lambda doc: _state(_legacy(doc)).update(subwords_=[1, 2]))
    _refused(saved, "Word2VecVectorizer.subwords_", "must be None or a SubwordTable")


def test_attributes_outside_the_fitted_state_are_refused(saved):
    _edit(saved, lambda doc: _state(doc).update(notes_="hello"))
    _refused(saved, "Refusing to set the attribute 'notes_'", "not part of its fitted state")


def test_weights_of_the_wrong_length(saved):
    doc = _doc(saved)
    node = _state(doc)["weights_"]
    _replace_array(saved, doc, node, np.ones(node["shape"][0] + 5, np.float32))
    _put(saved, doc)
    _refused(saved, "weights_", "must be None or a float32 array of shape (")


def test_missing_fitted_attribute(saved):
    _edit(saved, lambda doc: _state(doc).pop("weights_"))
    _refused(saved, "Word2VecVectorizer.weights_", "is missing from the fitted state")


def test_caches_are_never_loaded(saved, saved_d2v):
    """A class's caches (dropped by its __getstate__) would be trusted as they are."""
    for path, cache in ((saved, "_keyed_vectors_cache"), (saved_d2v, "_model_cache")):
        _edit(path, lambda doc, cache=cache: _state(doc).update({cache: [1, 2]}))
        _refused(path, f"Refusing to set the attribute {cache!r}", "a cache")


# ---------------------------------------------------------------- parameters
@pytest.mark.parametrize(
    ("params", "pattern"),
    [
        ({"vector_size": -3}, "'vector_size' parameter of Word2VecVectorizer"),
        ({"pooling": "median"}, "'pooling' parameter"),
        ({"dtype": {"$type": "type", "name": "numpy.int8"}}, "must be np.float32 or np.float64"),
        ({"bogus": 1}, "Word2VecVectorizer has no parameter 'bogus'"),
        ({"token_pattern": "(unclosed"}, "its text parameters do not make an analyzer"),
        ({"stop_words": [[1, 2]]}, "its text parameters do not make an analyzer"),
    ],
    ids=["negative-size", "pooling", "dtype", "unknown", "token-pattern", "stop-words"],
)
def test_parameters_are_validated_at_load(saved, params, pattern):
    _edit(saved, lambda doc: doc["estimator"]["params"].update(params))
    _refused(saved, pattern)


def test_output_config_is_checked(saved):
    _edit(
        saved,
        lambda doc: _state(doc).update(
            _sklearn_output_config={"$type": "dict", "items": {"transform": "xml"}}
        ),
    )
    _refused(saved, "_sklearn_output_config", "must map methods to one of")


# ---------------------------------------------------------------- every node type
@pytest.mark.parametrize(
    ("node", "pattern"),
    [
        ({"$type": "scalar", "dtype": "|i1", "value": 1000}, "1000 is not a value of int8"),
        ({"$type": "scalar", "dtype": "<u4", "value": -1}, "is not a value of uint32"),
        ({"$type": "scalar", "dtype": "<f4", "value": "x"}, "is not a value of float32"),
        ({"$type": "scalar", "dtype": "|b1", "value": 3}, "is not a value of bool"),
        ({"$type": "scalar", "dtype": "|O", "value": 3}, "dtype must be a bool, number or str"),
        ({"$type": "dtype", "str": "|O"}, "an object dtype is never saved"),
        ({"$type": "dtype", "str": 5}, "must be a numpy dtype string; got 5"),
        ({"$type": "dtype", "str": "i4,f4"}, "structured or subarray dtype"),
        ({"$type": "dtype", "str": "(2,)<i4"}, "structured or subarray dtype"),
        ({"$type": "dtype", "str": "nonsense"}, "malformed dtype node"),
        (
            {"$type": "slice", "start": {"$type": "dict", "items": {}}, "stop": 1, "step": None},
            "a slice's start, stop and step",
        ),
        ({"$type": "tuple", "items": 5}, "its items must be a list"),
        ({"$type": "dict", "pairs": [[1]]}, "pairs must be a list of [key, value]"),
        ({"$type": "word_vectors", "n": 3}, "malformed word_vectors node: it has no 'words'"),
        ({"$type": "object_array", "shape": [3], "items": [1, 2]}, "needs 3 items"),
        (
            {"$type": "object_array", "shape": [1], "items": [{"$type": "tuple", "items": []}]},
            "object arrays hold str, int, float, bool or None",
        ),
        ({"$type": "object_array", "shape": [-1], "items": []}, "non-negative ints"),
        ({"$type": "ref", "id": 999}, "refers to 999"),
        ({"$type": "ref", "id": True}, "refers to True"),
        ({"$type": "float", "value": "1e5"}, "a float node holds 'nan', 'inf' or '-inf'"),
        ({"$type": "random_state", "state": [1, 2]}, "a RandomState's state must be the 5-tuple"),
    ],
)
def test_every_node_type_checks_its_values(saved, node, pattern):
    _edit(saved, lambda doc: _state(doc).update(extras_=node))
    _refused(saved, "Word2VecVectorizer.extras_", pattern)


@pytest.mark.parametrize(
    ("node", "pattern"),
    [
        ({"$type": "complex", "real": "1", "imag": 0}, "Unknown node type 'complex'"),
        ({"$type": "set", "items": [[1]]}, "Unknown node type 'set'"),
        ({"$type": "frozenset", "items": []}, "Unknown node type 'frozenset'"),
        ({"$type": "dict", "items": {}, "ordered": "yes"}, "unknown field 'ordered'"),
        ({"$type": "ndarray", "file": "x", "allow_pickle": True}, "unknown field 'allow_pickle'"),
    ],
)
def test_node_types_and_fields_save_never_writes(saved, node, pattern):
    """Types no estimator holds have no node type: a file naming one is refused."""
    _edit(saved, lambda doc: _state(doc).update(extras_=node))
    _refused(saved, pattern)


def test_ndarray_node_must_match_its_file(saved):
    def change(node, **values):
        doc = _doc(saved)
        _state(doc)["word_vectors_"]["matrix"].update(values)
        _put(saved, doc)

    change(None, dtype="<f8")
    _refused(saved, "holds float32 data, the manifest says float64")
    change(None, dtype="<f4", shape=[3, "8"])
    _refused(
        saved, "Word2VecVectorizer.word_vectors_.matrix", "the shape must be a list of non-negative"
    )
    change(None, shape=[-3, 8])
    _refused(saved, "the shape must be a list of non-negative ints")
    change(None, shape=[1, 1], dtype=7)
    _refused(saved, "the dtype must be a numpy dtype string; got 7")


def test_array_dict_and_vocabulary_counts(saved):
    doc = _doc(saved)
    vocab = _state(doc)["word_vectors_"]
    _state(doc)["extras_"] = {
        "$type": "array_dict",
        "keys": vocab["words"],
        "n": vocab["n"],
        "array": {"$type": "ref", "id": _state(doc)["weights_"]["id"]},  # 1-D: not rows
    }
    _put(saved, doc)
    _refused(saved, "extras_", "keys need a 2-D array of")
    _edit(saved, lambda doc: _state(doc)["word_vectors_"].update(n=-1))
    _refused(saved, "the number of words must be a non-negative int")


def test_subword_tables_are_checked(tmp_path):
    vec = FastTextVectorizer(**SMALL, bucket=50, oov="subword", random_state=0).fit(DOCS)
    path = save(vec, tmp_path / "ft")
    original = _doc(path)

    def table(doc):
        return _state(doc)["word_vectors_"]["subwords"]

    for change, pattern in [
        (lambda t: t.update(min_n=2.5), "min_n must be a non-negative int; got 2.5"),
        (lambda t: t.update(bucket=True), "bucket must be a non-negative int; got True"),
        (lambda t: t.update(min_n=0), "min_n >= 1"),
        (lambda t: t.update(bucket=3), "distinct bucket numbers in [0, 3)"),
        (
            lambda t: t["vectors"].update(
                {k: t["bucket_ids"][k] for k in ("file", "dtype", "shape")}
            ),
            "the n-gram vectors must be a 2-D float32 array",
        ),
        (lambda t: t.update(bucket_ids=[1, 2]), "bucket_ids must be None or a 1-D int64 array"),
    ]:
        doc = json.loads(json.dumps(original))
        change(table(doc))
        _put(path, doc)
        _refused(path, "FastTextVectorizer.word_vectors_.subwords", pattern)
    doc = json.loads(json.dumps(original))
    _state(doc)["word_vectors_"]["subwords"] = None  # no n-grams, but oov='subword'
    _put(path, doc)
    _refused(path, "word_vectors_", "oov='subword' needs character n-gram vectors")


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_subword_vectors_of_another_dimension(tmp_path, layout):
    vec = FastTextVectorizer(**SMALL, bucket=50, random_state=0).fit(DOCS)
    path = save(vec, tmp_path / "ft")
    doc = LAYOUTS[layout][0](_doc(path))
    name = "word_vectors_.subwords" if layout == "word_vectors" else "subwords_"
    node = _at(_state(doc), tuple(name.split(".")))["vectors"]
    _replace_array(path, doc, node, np.zeros((node["shape"][0], 3), np.float32))
    _put(path, doc)
    _refused(path, f"FastTextVectorizer.{name}", "a SubwordTable of 8-dimensional vectors")


# ---------------------------------------------------------------- Doc2Vec
@pytest.fixture
def saved_d2v(tmp_path):
    vec = Doc2VecVectorizer(**SMALL, hs=1, random_state=0).fit(DOCS)
    return save(vec, tmp_path / "d2v")


def test_doc2vec_layers_must_fit_the_vocabulary(saved_d2v):
    """gensim's inference indexes the output layer by word without bounds checks: a layer
    of 1 row was read past its end (other numbers, or a crash)."""
    doc = _doc(saved_d2v)
    node = _state(doc)["syn1neg_"]
    _replace_array(saved_d2v, doc, node, np.zeros((1, 8), np.float32))
    _put(saved_d2v, doc)
    _refused(saved_d2v, "Doc2VecVectorizer.syn1neg_", "float32 array of shape (")


@pytest.mark.parametrize(
    ("attr", "change", "pattern"),
    [
        ("word_counts_", lambda a: np.zeros_like(a), "must be positive counts"),
        ("syn1_", None, "must be a float32 array"),
    ],
)
def test_doc2vec_counts_and_optional_layers(saved_d2v, attr, change, pattern):
    doc = _doc(saved_d2v)
    if change is None:
        _state(doc)[attr] = None
    else:
        node = _state(doc)[attr]
        _replace_array(saved_d2v, doc, node, change(np.load(saved_d2v / node["file"])))
    _put(saved_d2v, doc)
    _refused(saved_d2v, f"Doc2VecVectorizer.{attr}", pattern)


# ---------------------------------------------------------------- TextCNN
@pytest.fixture
def saved_cnn(tmp_path):
    pytest.importorskip("torch")
    from skembed import TextCNNClassifier

    clf = TextCNNClassifier(
        embedding_dim=4,
        n_filters=2,
        filter_sizes=(2,),
        max_epochs=1,
        validation_fraction=None,
        random_state=0,
    ).fit(DOCS, [0, 1, 2, 0] * 3)
    return save(clf, tmp_path / "cnn")


def test_textcnn_state_must_fit_together(saved_cnn):
    original = _doc(saved_cnn)
    weights = _state(original)["module_state_"]["items"]
    cases = [
        (lambda s: s["module_state_"]["items"].pop("out.bias"), "must hold the weights"),
        (
            lambda s: s["module_state_"]["items"].update(extra=weights["out.bias"]),
            "must hold the weights",
        ),
        (
            lambda s: s["module_state_"]["items"].update({"out.bias": weights["convs.0.bias"]}),
            "'out.bias' must have shape (3,)",
        ),
        (lambda s: s.update(n_epochs_=5), "must be 1 (one per row of history_)"),
        (lambda s: s.update(best_epoch_=7), "must be an int in [0, 1]"),
        (lambda s: s.update(history_=[1]), "must be a list of dicts"),
        (lambda s: s.update(pretrained_coverage_=1.5), "a finite number in [0.0, 1.0]"),
        (lambda s: s.update(pretrained_vectors_=[1.0]), "must be None when pretrained_vocabulary_"),
    ]
    for change, pattern in cases:
        doc = json.loads(json.dumps(original))
        change(_state(doc))
        _put(saved_cnn, doc)
        _refused(saved_cnn, "TextCNNClassifier.", pattern)
    doc = json.loads(json.dumps(original))  # 2 classes for an output layer of 3
    _replace_array(saved_cnn, doc, _state(doc)["classes_"], np.array([0, 1]))
    _put(saved_cnn, doc)
    _refused(saved_cnn, "TextCNNClassifier.module_state_", "'out.weight' must have shape (2, 2)")


def test_textcnn_vocabulary_larger_than_its_embedding(saved_cnn):
    """Token ids past the embedding: a CUDA device assert, or torch's IndexError at predict."""
    doc = _doc(saved_cnn)
    n = _state(doc)["vocabulary_"]["n"]
    node = _state(doc)["module_state_"]["items"]["embedding.weight"]
    _replace_array(saved_cnn, doc, node, np.zeros((n, 4), np.float32))
    _put(saved_cnn, doc)
    _refused(saved_cnn, "module_state_", f"'embedding.weight' has {n} rows")


# ---------------------------------------------------------------- meta-estimators
def test_pipeline_steps_must_hold_estimators(tmp_path):
    pipe = Pipeline([("vec", Word2VecVectorizer(**SMALL, random_state=0)), ("id", "passthrough")])
    path = save(pipe.fit(DOCS), tmp_path / "pipe")
    assert isinstance(load(path).steps[0][1], Word2VecVectorizer)  # 'passthrough' is fine
    steps = ("estimator", "params", "steps")
    for bad, pattern in [
        (5, "Pipeline.steps[1][1]: must be an estimator or 'passthrough' or None; got 5"),
        ([1, 2], "Pipeline.steps[1][1]: must be an estimator"),
        ("drop", "Pipeline.steps[1][1]: must be an estimator"),
    ]:
        doc = _doc(path)
        node = doc
        for key in steps:
            node = node[key]
        node[1]["items"][1] = bad
        _put(path, doc)
        _refused(path, pattern)
    _edit(path, lambda doc: doc["estimator"]["params"].update(steps=[5]))
    _refused(path, "Pipeline.steps[0]: must be a tuple of 2 items; got 5")
    _edit(path, lambda doc: doc["estimator"]["params"].update(steps={"$type": "dict", "items": {}}))
    _refused(path, "Pipeline: The 'steps' parameter of Pipeline must be an instance of 'list'")


def test_feature_union_and_column_transformer_slots(tmp_path):
    import pandas as pd

    union = FeatureUnion(
        [("a", Word2VecVectorizer(**SMALL, random_state=0)), ("b", "drop"), ("c", "drop")]
    ).fit(DOCS)
    path = save(union, tmp_path / "union")
    load(path)
    entries = ("estimator", "params", "transformer_list")
    _edit(path, lambda doc: _at(doc, entries)[1]["items"].__setitem__(1, 7))
    _refused(
        path,
        "FeatureUnion.transformer_list[1][1]: must be an estimator or 'drop' or "
        "'passthrough'; got 7",
    )
    _edit(path, lambda doc: _at(doc, entries)[1]["items"].__setitem__(0, 3))
    _refused(path, "FeatureUnion.transformer_list[1][0]: must be a name (str)")

    frame = pd.DataFrame({"text": DOCS, "other": DOCS})
    columns = ColumnTransformer(
        [("a", Word2VecVectorizer(**SMALL, random_state=0), "text"), ("b", "drop", "other")],
        remainder="passthrough",
    ).fit(frame)
    path = save(columns, tmp_path / "columns")
    load(path)
    for attr, where, pattern in [
        ("transformers", "params", "ColumnTransformer.transformers[1][1]: must be an estimator"),
        ("transformers_", "state", "ColumnTransformer.transformers_[1][1]: must be an estimator"),
    ]:
        _edit(
            path,
            lambda doc, where=where, attr=attr: doc["estimator"][where][attr][1][
                "items"
            ].__setitem__(1, None),
        )
        _refused(path, pattern, "got None")
        path = save(columns, tmp_path / "columns", overwrite=True)
    _edit(path, lambda doc: doc["estimator"]["params"].update(remainder=5))
    _refused(path, "ColumnTransformer", "remainder")
    path = save(columns, tmp_path / "columns", overwrite=True)
    _edit(path, lambda doc: doc["estimator"]["state"]["_remainder"]["items"].__setitem__(1, 5))
    _refused(path, "ColumnTransformer._remainder[1]: must be an estimator")


# ================================================================ part 2: files after opening
def _store(path: Path, n_words: int = 4000, seed: int = 0) -> Path:
    """A store whose matrix spans many pages; 'the' ... are the first words, 'w3999' the last."""
    rng = np.random.default_rng(seed)
    words = ["the", "cat", "sat", "on", "mat", "dog", "log"]
    words += [f"w{i}" for i in range(len(words), n_words)]
    return save_vectors(path, words, rng.standard_normal((n_words, 8)).astype(np.float32))


def _overwrite_in_place(path: Path, value: float) -> None:
    """Write other values into ``path``'s data, in place, keeping its size (as an editor
    or ``np.save`` onto the same name would): past the 128-byte .npy header."""
    before = path.stat()
    with open(path, "r+b") as fh:
        fh.seek(128)
        data = np.full((before.st_size - 128) // 4, value, dtype=np.float32)
        fh.write(data.tobytes())
    after = path.stat()
    assert after.st_size == before.st_size
    if after.st_mtime_ns == before.st_mtime_ns:  # a coarse file-system clock: make time pass
        os.utime(path, ns=(after.st_atime_ns, before.st_mtime_ns + 10_000_000))


def test_store_overwritten_in_place_is_an_error_not_other_numbers(tmp_path):
    store = _store(tmp_path / "store")
    vec = MeanEmbeddingVectorizer(vectors=store).fit(DOCS)
    before = vec.transform(DOCS)
    _overwrite_in_place(store / "vectors.npy", 7.0)
    with pytest.raises(StoreError, match=r"vectors\.npy' changed after it was opened") as info:
        vec.transform(DOCS)
    assert "Reopen the store or the saved model, or refit" in str(info.value)
    again = MeanEmbeddingVectorizer(vectors=store).fit(DOCS)  # reopening: the new values
    assert not np.allclose(again.transform(DOCS), before)
    np.testing.assert_allclose(again.transform(["the cat"]), np.full((1, 8), 7.0))


def test_truncated_store_is_an_error_not_sigbus(tmp_path):
    store = _store(tmp_path / "store")
    result = _run(
        f"""
        import os
        from skembed import MeanEmbeddingVectorizer
        from skembed._io import StoreError
        path = {str(store / "vectors.npy")!r}
        vec = MeanEmbeddingVectorizer(vectors={str(store)!r}).fit(["the cat"])
        os.chmod(path, 0o644)
        os.truncate(path, 4096)  # the last rows are gone: their pages would raise SIGBUS
        try:
            print(vec.transform(["w3999 w3998 the"]).sum())
        except StoreError as exc:
            print("refused:", exc)
        """
    )
    assert "refused:" in result.stdout, result.stdout
    assert "size 128128 -> 4096 bytes" in result.stdout
    assert "crash reading past the new end of the file" in result.stdout


def test_store_rewritten_by_skembed_keeps_the_fitted_values(tmp_path):
    """save_vectors(overwrite=True) renames a new directory into place: the fitted model
    keeps reading its old (unlinked, intact) file, and gives its old results."""
    store = _store(tmp_path / "store")
    vec = MeanEmbeddingVectorizer(vectors=store).fit(DOCS)
    before = vec.transform(DOCS)
    _store(store.parent / "new", seed=1)
    words, vectors, _ = open_vectors(store.parent / "new")
    save_vectors(store, words, vectors, overwrite=True)
    np.testing.assert_array_equal(vec.transform(DOCS), before)
    refit = MeanEmbeddingVectorizer(vectors=store).fit(DOCS)
    assert not np.allclose(refit.transform(DOCS), before)


def test_loaded_model_whose_array_changed_in_place(w2v, tmp_path):
    path = save(w2v, tmp_path / "model")
    mapped, copied = load(path), load(path, mmap=False)
    expected = w2v.transform(DOCS)
    np.testing.assert_array_equal(mapped.transform(DOCS), expected)
    _overwrite_in_place(path / _state(_doc(path))["word_vectors_"]["matrix"]["file"], 3.0)
    with pytest.raises(StoreError, match=r"vectors\.npy' changed after it was opened"):
        mapped.transform(DOCS)
    np.testing.assert_array_equal(copied.transform(DOCS), expected)  # mmap=False: a copy
    # a fit that reads the loaded model's matrix checks it too
    with pytest.raises(StoreError, match="changed after it was opened"):
        MeanEmbeddingVectorizer(vectors=mapped).fit(DOCS)


def test_loaded_model_truncated_is_an_error_not_sigbus(tmp_path):
    vec = MeanEmbeddingVectorizer(vectors=str(_store(tmp_path / "store"))).fit(DOCS)
    path = save(vec, tmp_path / "model")
    name = _state(_doc(path))["word_vectors_"]["matrix"]["file"]
    result = _run(
        f"""
        import os
        from skembed import load
        from skembed._io import StoreError
        est = load({str(path)!r})
        target = {str(path / name)!r}
        os.chmod(target, 0o644)
        os.truncate(target, 4096)
        try:
            print(est.transform(["w3999 w3998 the"]).sum())
        except StoreError as exc:
            print("refused:", exc)
        """
    )
    assert "refused:" in result.stdout and "changed after it was opened" in result.stdout


def test_saved_model_rewritten_by_skembed_keeps_the_loaded_values(w2v, tmp_path):
    path = save(w2v, tmp_path / "model")
    loaded = load(path)
    expected = w2v.transform(DOCS)
    other = Word2VecVectorizer(**SMALL, random_state=5).fit(DOCS[::-1])
    save(other, path, overwrite=True)
    np.testing.assert_array_equal(loaded.transform(DOCS), expected)
    np.testing.assert_array_equal(load(path).transform(DOCS), other.transform(DOCS))


def test_loaded_textcnn_checks_its_files_at_predict(saved_cnn):
    clf = load(saved_cnn)
    predicted = clf.predict(DOCS)
    _overwrite_in_place(saved_cnn / _state(_doc(saved_cnn))["classes_"]["file"], 0.0)
    with pytest.raises(StoreError, match=r"classes\.npy' changed after it was opened"):
        clf.predict(DOCS)
    assert len(predicted) == len(DOCS)


def test_open_mapped_arrays_are_checked_on_use(tmp_path):
    """The mapping helper for code that maps arrays of a known layout again (a worker of
    skembed.distributed): the same check on use as the arrays of open_vectors and load."""
    from skembed._io import check_mapped, open_mapped

    path = tmp_path / "plain.npy"
    np.save(path, np.arange(12, dtype=np.float32).reshape(3, 4))
    view = open_mapped(path, np.float32, 128 + 16, (2, 4))[1:]
    np.testing.assert_array_equal(view, [[8, 9, 10, 11]])
    check_mapped({"rows": view})
    os.truncate(path, 150)
    with pytest.raises(StoreError, match=r"plain\.npy' changed after it was opened \(size 176"):
        check_mapped({"rows": view})
    with pytest.raises(StoreError, match="is 150 bytes; an array of float32 and shape"):
        open_mapped(path, np.float32, 128, (3, 4))
