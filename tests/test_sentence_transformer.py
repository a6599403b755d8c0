"""SentenceTransformerVectorizer on the real all-MiniLM-L6-v2, and its on-disk embedding cache."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import sqlite3
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from scripts import run_python
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.utils._param_validation import InvalidParameterError

import skembed
from skembed._io import StoreError
from skembed.sentence import ModelUnavailableError
from skembed.sentence._embedding_cache import (
    FILE_NAME,
    EmbeddingCache,
    EmbeddingCacheError,
    encode_texts,
)
from skembed.sentence.transformer import SentenceTransformerVectorizer
from skembed.testing import text_estimator_checks

DIM = 384
ATOL = 1e-5  # float32 rounding: batches padded to other lengths differ in the last bits


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def docs(small_corpus) -> list[str]:
    """60 short real sentences (the first of each Lee article), one of them twice."""
    sentences = [doc.split(". ")[0][:160] for doc in small_corpus]
    return [*sentences[:59], sentences[3]]


@pytest.fixture(scope="module")
def labels(docs) -> np.ndarray:
    return np.arange(len(docs)) % 2


@pytest.fixture(scope="module")
def reference(minilm_folder):
    """sentence-transformers itself, on the CPU."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(minilm_folder, device="cpu")


@pytest.fixture(scope="module")
def fitted(minilm_folder, docs):
    return SentenceTransformerVectorizer(minilm_folder, device="cpu").fit(docs)


@pytest.fixture
def encode_calls(monkeypatch) -> list[list[str]]:
    """The texts of every call of the real ``SentenceTransformer.encode``, recorded."""
    from sentence_transformers import SentenceTransformer

    calls: list[list[str]] = []
    real = SentenceTransformer.encode

    def spy(self, inputs, *args, **kwargs):
        calls.append(list(inputs))
        return real(self, inputs, *args, **kwargs)

    monkeypatch.setattr(SentenceTransformer, "encode", spy)
    return calls


def _copy_model(src: str, dst: Path, *, link_weights: bool = True) -> Path:
    """A copy of the model folder (the 90 MB weights as a link unless they will be damaged)."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("model.safetensors"))
    weights = Path(src) / "model.safetensors"
    if link_weights:
        (dst / "model.safetensors").symlink_to(weights)
    else:
        shutil.copyfile(weights, dst / "model.safetensors")
    return dst


# ---------------------------------------------------------------- the contract
_CASES = [check.__name__ for check in text_estimator_checks(SentenceTransformerVectorizer())]


@pytest.mark.parametrize("check_name", _CASES)
def test_text_estimator_contract(check_name, minilm_folder, docs):
    est = SentenceTransformerVectorizer(minilm_folder, device="cpu", batch_size=8)
    (check,) = [c for c in text_estimator_checks(est) if c.__name__ == check_name]
    check(docs[:6])


# ---------------------------------------------------------------- output
def test_output_equals_sentence_transformers_encode(fitted, reference, docs):
    X = fitted.transform(docs)
    expected = reference.encode(docs)
    assert X.shape == (len(docs), DIM) and X.dtype == np.float32
    np.testing.assert_allclose(X, expected, atol=ATOL, rtol=0)
    np.testing.assert_array_equal(X[3], X[-1])  # the repeated sentence
    assert fitted.n_features_out_ == DIM
    names = fitted.get_feature_names_out()
    assert list(names[:2]) == ["sentencetransformervectorizer0", "sentencetransformervectorizer1"]


def test_normalize_dtype_and_text_parameters(minilm_folder, reference, docs):
    some = docs[:6]
    vec = SentenceTransformerVectorizer(
        minilm_folder, normalize=True, dtype=np.float64, lowercase=True, strip_accents="unicode"
    )
    X = vec.fit_transform([d.replace("e", "é") for d in some])
    assert X.dtype == np.float64
    expected = reference.encode([d.lower() for d in some], normalize_embeddings=True)
    np.testing.assert_allclose(X, expected, atol=ATOL, rtol=0)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, rtol=1e-6)
    # bytes are decoded; a preprocessor gives the text encoded
    vec = SentenceTransformerVectorizer(minilm_folder, preprocessor=lambda d: d[::-1]).fit(some)
    np.testing.assert_allclose(
        vec.transform([d.encode("utf-8") for d in some]),
        reference.encode([d[::-1] for d in some]),
        atol=ATOL,
        rtol=0,
    )
    bad = SentenceTransformerVectorizer(minilm_folder, preprocessor=len).fit(some)
    with pytest.raises(TypeError, match="preprocessor .* returned int; expected str"):
        bad.transform(some)


def test_no_word_vector_views(fitted):
    """A sentence encoder has no word vectors: none of the pooled vectorizers' views."""
    for name in ("vocabulary_", "vectors_", "subwords_", "keyed_vectors_", "word_vectors_"):
        assert not hasattr(fitted, name), name
        assert not hasattr(SentenceTransformerVectorizer, name), name  # not even as a property
    assert fitted.get_feature_names_out().shape == (fitted.n_features_out_,)


def test_in_a_feature_union_with_tfidf(fitted, docs, labels):
    union = FeatureUnion([("tfidf", TfidfVectorizer()), ("st", clone(fitted))])
    pipe = make_pipeline(union, LogisticRegression()).fit(docs[:8], labels[:8])
    X = pipe[0].transform(docs[:8])
    n_words = len(union.transformer_list[0][1].vocabulary_)
    assert X.shape == (8, n_words + DIM)
    np.testing.assert_allclose(X.toarray()[:, n_words:], fitted.transform(docs[:8]), atol=ATOL)
    names = pipe[0].get_feature_names_out()
    assert names[-1] == f"st__sentencetransformervectorizer{DIM - 1}"


def test_duplicates_are_encoded_once(fitted, docs, encode_calls):
    X = fitted.transform([docs[0], docs[1], docs[0], docs[0]])
    assert encode_calls == [[docs[0], docs[1]]]
    np.testing.assert_array_equal(X[0], X[2])


def test_loading_is_silent_unless_verbose(minilm_folder, docs, capfd):
    SentenceTransformerVectorizer(minilm_folder).fit_transform(docs[:3])
    out, err = capfd.readouterr()
    assert "LOAD REPORT" not in out + err and "Loading weights" not in out + err
    assert "Batches" not in out + err
    SentenceTransformerVectorizer(minilm_folder, verbose=1).fit_transform(docs[:3])
    out, err = capfd.readouterr()
    assert "Batches" in err  # sentence-transformers' progress bar of encode


# ---------------------------------------------------------------- fitted state
def test_fit_loads_the_model_and_keeps_plain_data(minilm_folder, docs):
    vec = SentenceTransformerVectorizer(minilm_folder)
    assert set(vars(vec)) == set(vec.get_params())  # nothing loaded in __init__
    vec.fit(docs[:2])
    from sentence_transformers import SentenceTransformer

    identity = vec.model_identity_
    assert identity["folder"] == os.path.realpath(minilm_folder)
    assert "model.safetensors" in identity["files"] and "modules.json" in identity["files"]
    assert all(type(k) is str and len(v) == 64 for k, v in identity["files"].items())
    assert isinstance(vec.sentence_model_, SentenceTransformer)
    assert vec.sentence_model_ is vec.sentence_model_  # cached
    fitted = {k for k in vars(vec) if k.endswith("_")}
    assert fitted == {"model_identity_", "n_features_out_"}


def test_pickle_is_small_and_reloads_lazily(fitted, docs):
    blob = pickle.dumps(fitted)
    assert len(blob) < 10_000  # the folder and the digests, no weights
    loaded = pickle.loads(blob)
    assert "_sentence_model_cache" not in vars(loaded)
    np.testing.assert_array_equal(loaded.transform(docs[:5]), fitted.transform(docs[:5]))
    assert "_sentence_model_cache" in vars(loaded)


def test_clone_keeps_parameters_only(fitted):
    new = clone(fitted)
    assert new.get_params() == fitted.get_params()
    assert not [k for k in vars(new) if k.endswith("_") or k.endswith("_cache")]


def test_save_and_load_without_pickle_or_weights(fitted, docs, labels, tmp_path):
    path = skembed.save(fitted, tmp_path / "vec")
    files = sorted(p.relative_to(path).as_posix() for p in Path(path).rglob("*") if p.is_file())
    assert files == ["estimator.json"]
    assert Path(path, "estimator.json").stat().st_size < 10_000
    loaded = skembed.load(path)
    assert loaded.model_identity_ == fitted.model_identity_
    np.testing.assert_array_equal(loaded.transform(docs[:5]), fitted.transform(docs[:5]))
    some, y = docs[:12], labels[:12]
    pipe = make_pipeline(clone(fitted), LogisticRegression()).fit(some, y)
    again = skembed.load(skembed.save(pipe, tmp_path / "pipe"))
    np.testing.assert_array_equal(again.predict_proba(some), pipe.predict_proba(some))


def _tamper(path: Path, change) -> None:
    doc = json.loads((path / "estimator.json").read_text())
    change(doc["estimator"]["state"]["model_identity_"]["items"])
    (path / "estimator.json").write_text(json.dumps(doc))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda items: items.pop("files"), "keys 'folder' and 'files'"),
        (lambda items: items.update(folder="relative/dir"), "absolute path"),
        (lambda items: items.update(folder=3), "absolute path"),
        (lambda items: items["files"]["items"].update({"../x": "0" * 64}), "inside the model"),
        (lambda items: items["files"]["items"].update({"vocab.txt": "xyz"}), "SHA-256"),
        (lambda items: items["files"].update(items={}), "non-empty dict"),
        (
            lambda items: items["files"].update(items={"vocab.txt": "0" * 64}),
            "modules.json or config.json",
        ),
    ],
)
def test_load_refuses_a_bad_model_identity(fitted, tmp_path, change, message):
    path = Path(skembed.save(fitted, tmp_path / "vec"))
    _tamper(path, change)
    with pytest.raises(StoreError, match=message):
        skembed.load(path)


def test_load_refuses_a_bad_dimension(fitted, tmp_path):
    path = Path(skembed.save(fitted, tmp_path / "vec"))
    doc = json.loads((path / "estimator.json").read_text())
    doc["estimator"]["state"]["n_features_out_"] = 0
    (path / "estimator.json").write_text(json.dumps(doc))
    with pytest.raises(StoreError, match="n_features_out_"):
        skembed.load(path)


# ---------------------------------------------------------------- a changed or broken model
def test_changed_or_removed_folder_is_named(minilm_folder, docs, tmp_path):
    folder = _copy_model(minilm_folder, tmp_path / "model")
    vec = SentenceTransformerVectorizer(str(folder)).fit(docs[:2])
    blob = pickle.dumps(vec)
    config = folder / "tokenizer_config.json"
    config.write_text(config.read_text().replace("}", ', "x": 1}', 1))
    with pytest.raises(ModelUnavailableError, match=rf"{folder}.* changed.*tokenizer_config"):
        pickle.loads(blob).transform(docs[:2])
    shutil.rmtree(folder)
    with pytest.raises(ModelUnavailableError, match=rf"{folder}.* is gone"):
        pickle.loads(blob).transform(docs[:2])


def test_missing_or_unknown_model_is_named(tmp_path, docs):
    missing = tmp_path / "no-such-model"
    with pytest.raises(ModelUnavailableError, match="no-such-model"):
        SentenceTransformerVectorizer(str(missing)).fit(docs[:2])
    with pytest.raises(ModelUnavailableError, match="surely-not-a-cached-model"):
        SentenceTransformerVectorizer("surely-not-a-cached-model").fit(docs[:2])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelUnavailableError, match=rf"{empty}.* holds no model"):
        SentenceTransformerVectorizer(str(empty)).fit(docs[:2])


def test_truncated_weights_are_named(minilm_folder, docs, tmp_path):
    folder = _copy_model(minilm_folder, tmp_path / "model", link_weights=False)
    weights = folder / "model.safetensors"
    with open(weights, "r+b") as fh:
        fh.truncate(weights.stat().st_size // 2)
    with pytest.raises(ModelUnavailableError, match=rf"Cannot load .*{folder}"):
        SentenceTransformerVectorizer(str(folder)).fit(docs[:2])


def test_garbage_modules_json_is_named(minilm_folder, docs, tmp_path):
    folder = _copy_model(minilm_folder, tmp_path / "model")
    (folder / "modules.json").write_text("{not json")
    with pytest.raises(ModelUnavailableError, match=rf"Cannot load .*{folder}"):
        SentenceTransformerVectorizer(str(folder)).fit(docs[:2])


def test_a_name_of_the_local_hugging_face_cache(minilm_folder, docs, tmp_path, monkeypatch):
    import huggingface_hub.constants

    repo = tmp_path / "hub" / "models--sentence-transformers--minilm-copy"
    snapshot = repo / "snapshots" / ("0" * 40)
    for src in Path(minilm_folder).rglob("*"):
        if src.is_file():
            dst = snapshot / src.relative_to(minilm_folder)
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.symlink_to(src)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0" * 40)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    vec = SentenceTransformerVectorizer("minilm-copy").fit(docs[:2])
    assert vec.model_identity_["folder"] == str(snapshot.resolve())
    ref = SentenceTransformerVectorizer(minilm_folder).fit(docs[:2])
    assert vec.model_identity_["files"] == ref.model_identity_["files"]


def test_without_sentence_transformers(monkeypatch, docs, minilm_folder):
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import raises
    with pytest.raises(ImportError, match=r'pip install "skembed\[transformers\]"'):
        SentenceTransformerVectorizer(minilm_folder).fit(docs[:2])


def test_modules_import_without_the_extras():
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('sentence_transformers', 'transformers', 'torch'):\n"
        "            raise ImportError(f'blocked: {name}')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import skembed, skembed.sentence.transformer, skembed.sentence._embedding_cache\n"
        "from skembed.sentence.transformer import SentenceTransformerVectorizer as V\n"
        "V().get_params()\n"
        "try:\n"
        "    V().fit(['a'])\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    result = run_python(["-c", code], timeout=120)
    assert result.returncode == 0, result.stderr
    assert 'pip install "skembed[transformers]"' in result.stdout


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        ({"device": "gpu"}, ValueError, "'device' parameter .* Got 'gpu'"),
        ({"batch_size": 0}, InvalidParameterError, "batch_size"),
        ({"dtype": np.int32}, ValueError, "'dtype' parameter"),
        ({"cache": 3}, InvalidParameterError, "cache"),
        ({"lowercase": "yes"}, InvalidParameterError, "lowercase"),
    ],
)
def test_bad_parameters(minilm_folder, docs, params, error, message):
    with pytest.raises(error, match=message):
        SentenceTransformerVectorizer(minilm_folder, **params).fit(docs[:2])


def test_cuda_without_a_gpu(minilm_folder, docs):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(ValueError, match="torch sees no CUDA GPU"):
        SentenceTransformerVectorizer(minilm_folder, device="cuda").fit(docs[:2])


# ---------------------------------------------------------------- the embedding cache
def test_grid_search_encodes_each_document_once(
    minilm_folder, docs, labels, tmp_path, encode_calls
):
    vec = SentenceTransformerVectorizer(minilm_folder, cache=str(tmp_path / "cache"))
    search = GridSearchCV(
        make_pipeline(vec, LogisticRegression()),
        {"logisticregression__C": [0.1, 1.0, 10.0]},
        cv=5,
    ).fit(docs, labels)
    sent = Counter(text for call in encode_calls for text in call)
    assert set(sent) == set(docs)
    assert max(sent.values()) == 1  # 16 fits, 31 transforms: each distinct text encoded once
    assert search.best_estimator_.predict(docs).shape == (len(docs),)


def test_cached_rows_are_the_encoded_rows(minilm_folder, fitted, docs, tmp_path, encode_calls):
    cache = tmp_path / "cache"
    first = SentenceTransformerVectorizer(minilm_folder, cache=str(cache)).fit(docs[:2])
    X = first.transform(docs[:20])
    assert len(encode_calls) == 1
    # another estimator (as another process would) reads every row back, encodes nothing
    second = SentenceTransformerVectorizer(minilm_folder, cache=cache).fit(docs[:2])
    np.testing.assert_array_equal(second.transform(docs[:20]), X)
    assert len(encode_calls) == 1
    np.testing.assert_allclose(X, fitted.transform(docs[:20]), atol=ATOL, rtol=0)
    # only the new documents are encoded
    second.transform(docs[15:25])
    assert encode_calls[-1] == docs[20:25]
    # normalize=True reads the same raw rows and normalises them: nothing encoded again
    n_calls = len(encode_calls)
    unit = SentenceTransformerVectorizer(minilm_folder, cache=cache, normalize=True).fit(docs[:2])
    Y = unit.transform(docs[:3])
    assert len(encode_calls) == n_calls
    np.testing.assert_allclose(Y, X[:3] / np.linalg.norm(X[:3], axis=1, keepdims=True), rtol=1e-6)
    uncached = SentenceTransformerVectorizer(minilm_folder, normalize=True).fit(docs[:2])
    np.testing.assert_allclose(Y, uncached.transform(docs[:3]), atol=ATOL, rtol=0)
    assert len(EmbeddingCache(cache, "any", False, DIM)) == 25


def test_cache_survives_pickle_and_save(minilm_folder, docs, tmp_path, encode_calls):
    vec = SentenceTransformerVectorizer(minilm_folder, cache=str(tmp_path / "c")).fit(docs[:2])
    X = vec.transform(docs[:4])
    loaded = skembed.load(skembed.save(vec, tmp_path / "saved"))
    n_calls = len(encode_calls)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(vec)).transform(docs[:4]), X)
    np.testing.assert_array_equal(loaded.transform(docs[:4]), X)
    assert len(encode_calls) == n_calls


def _filled_cache(minilm_folder, docs, directory: Path) -> SentenceTransformerVectorizer:
    vec = SentenceTransformerVectorizer(minilm_folder, cache=str(directory)).fit(docs[:2])
    vec.transform(docs[:5])
    return vec


def test_garbage_cache_file_is_named(minilm_folder, docs, tmp_path):
    vec = _filled_cache(minilm_folder, docs, tmp_path / "c")
    path = tmp_path / "c" / FILE_NAME
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(EmbeddingCacheError, match=rf"{path}.* damaged") as info:
        vec.transform(docs[:5])
    assert isinstance(info.value, StoreError)


def test_truncated_cache_file_is_refused(minilm_folder, docs, tmp_path):
    vec = _filled_cache(minilm_folder, docs, tmp_path / "c")
    vec.transform(docs[:40])  # a file of several pages
    path = tmp_path / "c" / FILE_NAME
    with open(path, "r+b") as fh:
        fh.truncate(path.stat().st_size // 2)
    with pytest.raises(EmbeddingCacheError, match=str(path)):
        vec.transform(docs[:40])


def test_a_changed_vector_is_never_returned(minilm_folder, docs, tmp_path):
    vec = _filled_cache(minilm_folder, docs, tmp_path / "c")
    path = tmp_path / "c" / FILE_NAME
    with sqlite3.connect(path) as con:  # a flipped bit that SQLite itself cannot see
        (key, vector) = con.execute("SELECT key, vector FROM embeddings LIMIT 1").fetchone()
        changed = bytes([vector[0] ^ 1]) + vector[1:]
        con.execute("UPDATE embeddings SET vector = ? WHERE key = ?", (changed, key))
    con.close()
    with pytest.raises(EmbeddingCacheError, match=rf"{path}.* fails its checksum"):
        vec.transform(docs[:5])


def test_another_database_is_refused(minilm_folder, docs, tmp_path):
    (tmp_path / "c").mkdir()
    path = tmp_path / "c" / FILE_NAME
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE notes (text TEXT)")
    con.close()
    vec = SentenceTransformerVectorizer(minilm_folder, cache=str(tmp_path / "c")).fit(docs[:2])
    with pytest.raises(EmbeddingCacheError, match=rf"{path}.* not a skembed embedding cache"):
        vec.transform(docs[:2])


def test_unusable_cache_directory(minilm_folder, docs, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    vec = SentenceTransformerVectorizer(minilm_folder, cache=str(blocker / "sub")).fit(docs[:2])
    with pytest.raises(EmbeddingCacheError, match="Cannot create the embedding cache directory"):
        vec.transform(docs[:2])


def _rows(texts: list[str]) -> np.ndarray:
    """A deterministic stand-in encoder for the cache's own unit tests: rows from the text."""
    return np.stack(
        [np.random.default_rng(list(t.encode())).standard_normal(8) for t in texts]
    ).astype(np.float32)


def _writer(args) -> int:
    directory, lo = args
    cache = EmbeddingCache(directory, "m", False, 8)
    calls = []

    def encode(texts):
        calls.append(len(texts))
        return _rows(texts)

    for start in range(lo, lo + 200, 20):
        texts = [f"text {i}" for i in range(start, start + 40)]
        np.testing.assert_array_equal(encode_texts(texts, encode, 8, cache), _rows(texts))
    return sum(calls)


def test_cache_shared_by_processes(tmp_path):
    """Four processes write overlapping texts into one file at once: every row is right."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("needs fork, to start the writers at once")
    directory = str(tmp_path / "shared")
    with multiprocessing.get_context("fork").Pool(4) as pool:
        encoded = pool.map(_writer, [(directory, lo) for lo in (0, 100, 150, 300)])
    texts = [f"text {i}" for i in range(0, 520)]
    cache = EmbeddingCache(directory, "m", False, 8)
    assert len(cache) == len(texts)
    assert sum(encoded) >= len(texts)  # each text at least once, by whichever process came first
    np.testing.assert_array_equal(
        encode_texts(texts, lambda t: pytest.fail("encoded again"), 8, cache), _rows(texts)
    )


def test_encode_texts_checks_the_encoder():
    with pytest.raises(ValueError, match=r"shape \(1, 8\).*expected \(2, 4\)"):
        encode_texts(["a", "b"], lambda texts: np.zeros((1, 8)), 4)
    assert encode_texts([], pytest.fail, 4).shape == (0, 4)


# ---------------------------------------------------------------- engines
def test_dask_local_cluster_shares_the_cache(minilm_folder, fitted, docs, tmp_path, encode_calls):
    pytest.importorskip("distributed")
    import dask.bag as db
    from distributed import Client, LocalCluster

    from skembed.distributed import dask_transform

    cached = clone(fitted).set_params(cache=str(tmp_path / "cache")).fit(docs[:2])
    some = docs[:12]
    with (
        LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster),
    ):
        X = dask_transform(cached, db.from_sequence(some, npartitions=3)).compute()
        Y = dask_transform(fitted, db.from_sequence(some, npartitions=2)).compute()
    assert X.shape == (len(some), DIM) and X.dtype == np.float32
    np.testing.assert_allclose(X, fitted.transform(some), atol=ATOL, rtol=0)
    np.testing.assert_allclose(Y, X, atol=ATOL, rtol=0)
    # the worker process wrote every row: here, nothing is encoded
    n_calls = len(encode_calls)
    np.testing.assert_array_equal(cached.transform(some), X)
    assert len(encode_calls) == n_calls
