"""The native vectors store: round trips, conversion, atomic writes and hostile stores."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors

import skembed.vectors._store as native
from skembed import FastTextVectorizer, MeanEmbeddingVectorizer
from skembed._io import StoreError, read_npy
from skembed.vectors import (
    SubwordTable,
    convert_vectors,
    is_native_store,
    open_vectors,
    read_vectors,
    save_vectors,
)

DOCS = [
    "The quick brown fox jumps over the lazy dog.",
    "Stocks fell sharply on Monday as investors worried about inflation.",
    "Qwertyuiop zxcvbnm",
    "",
]


@pytest.fixture(scope="module")
def glove_store(glove_subset, tmp_path_factory):
    words, matrix = glove_subset
    path = tmp_path_factory.mktemp("native") / "glove"
    save_vectors(path, words, matrix)
    return path


@pytest.fixture
def store(tmp_path):
    """A small store that each test may damage."""
    rng = np.random.default_rng(0)
    words = ["the", "cat", "sat", "on", "mat"]
    path = tmp_path / "small"
    save_vectors(path, words, rng.standard_normal((5, 4)).astype(np.float32))
    return path


def _manifest(path: Path) -> dict:
    return json.loads((path / "manifest.json").read_text())


def _write_manifest(path: Path, manifest: dict) -> None:
    (path / "manifest.json").write_text(json.dumps(manifest))


# ---------------------------------------------------------------- round trips
def test_glove_round_trip_is_exact_and_memory_mapped(glove_store, glove_subset):
    words, matrix = glove_subset
    got_words, got, subwords = open_vectors(glove_store)
    assert got_words == words
    assert isinstance(got, np.memmap) and got.dtype == np.float32 and got.flags.c_contiguous
    assert not got.flags.writeable
    np.testing.assert_array_equal(got, matrix)
    assert subwords is None
    assert is_native_store(glove_store)
    assert sorted(p.name for p in glove_store.iterdir()) == [
        "manifest.json",
        "vectors.npy",
        "vocab.txt",
    ]
    # the file is an ordinary .npy: any tool reads it
    np.testing.assert_array_equal(np.load(glove_store / "vectors.npy"), matrix)


def test_full_verification_and_plain_arrays(glove_store, glove_subset):
    words, got, _ = open_vectors(glove_store, mmap=False, verify="sha256")
    assert type(got) is np.ndarray and got.flags.writeable
    np.testing.assert_array_equal(got, glove_subset[1])


def test_manifest_describes_the_store(glove_store):
    manifest = _manifest(glove_store)
    assert manifest["format"] == "skembed-vectors" and manifest["format_version"] == 1
    assert manifest["shape"] == [20_000, 50] and manifest["dtype"] == "float32"
    for name, info in manifest["files"].items():
        assert (glove_store / name).stat().st_size == info["size"]
        assert len(info["sha256"]) == 64


def test_pooling_over_an_opened_store_matches_the_source(glove_store, glove_subset):
    words, matrix = glove_subset
    opened_words, opened, _ = open_vectors(glove_store)
    a = MeanEmbeddingVectorizer(dict(zip(words[:500], matrix[:500], strict=True))).fit(DOCS)
    b = MeanEmbeddingVectorizer(dict(zip(opened_words[:500], opened[:500], strict=True))).fit(DOCS)
    np.testing.assert_array_equal(a.transform(DOCS), b.transform(DOCS))


def test_mean_embedding_vectorizer_reads_a_store_path(glove_store, glove_subset):
    """Active once as_word_vectors opens native stores (see docs/persistence.md)."""
    words, matrix = glove_subset
    try:
        vec = MeanEmbeddingVectorizer(str(glove_store)).fit(DOCS)
    except ValueError as exc:
        if "directory" in str(exc):
            pytest.skip("as_word_vectors does not open native stores yet")
        raise
    base = vec.vectors_ if vec.vectors_.base is None else vec.vectors_.base
    assert isinstance(vec.vectors_, np.memmap) or isinstance(base, np.memmap)
    ref = MeanEmbeddingVectorizer(dict(zip(words, matrix, strict=True))).fit(DOCS)
    np.testing.assert_array_equal(vec.transform(DOCS), ref.transform(DOCS))


def test_fasttext_subwords_round_trip(lee_corpus, tmp_path):
    vec = FastTextVectorizer(vector_size=8, min_count=2, epochs=1, bucket=5000, random_state=0)
    vec.fit(lee_corpus[:60])
    words = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
    save_vectors(tmp_path / "ft", words, vec.vectors_, vec.subwords_)
    got_words, got, sub = open_vectors(tmp_path / "ft", verify="sha256")
    assert got_words == words
    np.testing.assert_array_equal(got, vec.vectors_)
    assert (sub.min_n, sub.max_n, sub.bucket) == (3, 6, 5000)
    np.testing.assert_array_equal(sub.vectors, vec.subwords_.vectors)
    np.testing.assert_array_equal(sub.bucket_ids, vec.subwords_.bucket_ids)
    unseen = ["misspeled", "governmentt", "zzzq"]
    for a, b in zip(sub.word_vectors(unseen), vec.subwords_.word_vectors(unseen), strict=True):
        np.testing.assert_array_equal(a, b)


def test_subword_table_with_every_bucket(tmp_path):
    sub = SubwordTable(min_n=2, max_n=4, bucket=16, vectors=np.ones((16, 3), np.float32))
    save_vectors(tmp_path / "s", ["ab"], np.zeros((1, 3)), sub)
    assert not (tmp_path / "s" / "ngram_buckets.npy").exists()
    _, _, got = open_vectors(tmp_path / "s")
    assert got.bucket_ids is None and got.vectors.shape == (16, 3)


@pytest.mark.parametrize(
    "words, vocab_file",
    [
        (["plain", "ünïcödé", "日本語", "", "tab\there", "cr\rword", "line\u2028sep"], "vocab.txt"),
        (["new\nline", "ok"], "vocab.json"),
        (["lone\ud800surrogate", "ok"], "vocab.json"),
    ],
)
def test_any_word_survives(tmp_path, words, vocab_file):
    save_vectors(tmp_path / "w", words, np.arange(2 * len(words)).reshape(-1, 2))
    assert _manifest(tmp_path / "w")["vocab_file"] == vocab_file
    got, vectors, _ = open_vectors(tmp_path / "w")
    assert got == words
    assert vectors.dtype == np.float32


def test_empty_store(tmp_path):
    save_vectors(tmp_path / "e", [], np.zeros((0, 7)))
    words, vectors, _ = open_vectors(tmp_path / "e")
    assert words == [] and vectors.shape == (0, 7)


# ---------------------------------------------------------------- conversion
@pytest.fixture(scope="module")
def glove_files(glove_subset, tmp_path_factory):
    words, matrix = glove_subset
    kv = KeyedVectors(matrix.shape[1])
    kv.add_vectors(words[:3000], matrix[:3000])
    d = tmp_path_factory.mktemp("convert")
    paths = {"word2vec_binary": d / "v.bin", "word2vec_text": d / "v.txt", "glove": d / "g.txt"}
    kv.save_word2vec_format(str(paths["word2vec_binary"]), binary=True)
    kv.save_word2vec_format(str(paths["word2vec_text"]), binary=False)
    kv.save_word2vec_format(str(paths["glove"]), binary=False, write_header=False)
    return paths


@pytest.mark.parametrize("kind", ["word2vec_binary", "word2vec_text", "glove"])
def test_convert_matches_the_file_reader(glove_files, tmp_path, kind):
    dst = convert_vectors(glove_files[kind], tmp_path / "store")
    words, vectors, _ = open_vectors(dst)
    ref = read_vectors(glove_files[kind])
    assert words == ref.words
    np.testing.assert_array_equal(vectors, ref.matrix)


def test_convert_keeps_fasttext_ngrams(lee_corpus, tmp_path):
    from gensim.models import FastText
    from gensim.models.fasttext import save_facebook_model

    sentences = [doc.lower().split() for doc in lee_corpus[:40]]
    model = FastText(
        sentences, vector_size=6, min_count=3, bucket=2000, epochs=1, seed=0, workers=1
    )
    save_facebook_model(model, str(tmp_path / "m.bin"))
    words, vectors, sub = open_vectors(convert_vectors(tmp_path / "m.bin", tmp_path / "ft"))
    assert words == list(model.wv.index_to_key)
    assert sub is not None and sub.vectors.shape == (2000, 6) and sub.bucket == 2000
    np.testing.assert_allclose(vectors, model.wv.vectors, rtol=1e-6)


# ---------------------------------------------------------------- writing rules
def test_refuses_to_overwrite_by_default(store):
    with pytest.raises(FileExistsError, match="overwrite=True"):
        save_vectors(store, ["a"], np.zeros((1, 4)))


def test_overwrite_replaces_a_store_and_leaves_no_debris(store):
    save_vectors(store, ["a", "b"], np.ones((2, 3)), overwrite=True)
    words, vectors, _ = open_vectors(store)
    assert words == ["a", "b"] and vectors.shape == (2, 3)
    assert [p.name for p in store.parent.iterdir()] == [store.name]


def test_overwrite_never_deletes_a_foreign_directory(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    with pytest.raises(FileExistsError, match="not an empty directory or a skembed"):
        save_vectors(tmp_path / "mine", ["a"], np.zeros((1, 2)), overwrite=True)
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "precious"


def test_rejects_bad_inputs(tmp_path):
    with pytest.raises(ValueError, match="3 words but 2 rows"):
        save_vectors(tmp_path / "x", ["a", "b", "c"], np.zeros((2, 2)))
    with pytest.raises(ValueError, match="2-D"):
        save_vectors(tmp_path / "x", ["a"], np.zeros(3))
    with pytest.raises(ValueError, match=r"'b' \(row 1\) has NaN"):
        save_vectors(tmp_path / "x", ["a", "b"], np.array([[0.0, 1.0], [np.nan, 0.0]]))
    with pytest.raises(TypeError, match="Words must be str"):
        save_vectors(tmp_path / "x", ["a", 3], np.zeros((2, 2)))
    assert list(tmp_path.iterdir()) == []  # nothing half-written left behind


def _failing_after(monkeypatch, name: str, calls: int):
    original = getattr(native, name)
    count = {"n": 0}

    def boom(*args, **kwargs):
        count["n"] += 1
        if count["n"] > calls:
            raise OSError("simulated crash: disk full")
        return original(*args, **kwargs)

    monkeypatch.setattr(native, name, boom)


def test_a_failed_write_leaves_no_store(tmp_path, monkeypatch):
    _failing_after(monkeypatch, "write_vocab", 0)  # vectors.npy is already written
    target = tmp_path / "new"
    with pytest.raises(OSError, match="simulated crash"):
        save_vectors(target, ["a", "b"], np.zeros((2, 3)))
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_failed_overwrite_keeps_the_old_store(store, monkeypatch):
    before = open_vectors(store, mmap=False)
    _failing_after(monkeypatch, "write_npy", 0)
    with pytest.raises(OSError, match="simulated crash"):
        save_vectors(store, ["x"], np.ones((1, 4)), overwrite=True)
    words, vectors, _ = open_vectors(store, verify="sha256")
    assert words == before[0]
    np.testing.assert_array_equal(vectors, before[1])
    assert [p.name for p in store.parent.iterdir()] == [store.name]


def test_a_failed_final_rename_restores_the_old_store(store, monkeypatch):
    before = open_vectors(store, mmap=False)
    renames = []
    real_rename = os.rename

    def rename(src, dst):
        renames.append((src, dst))
        if len(renames) == 2:  # old -> aside worked; new -> target fails
            raise OSError("simulated crash during rename")
        return real_rename(src, dst)

    monkeypatch.setattr(native.os, "rename", rename)
    with pytest.raises(OSError, match="simulated crash"):
        save_vectors(store, ["x"], np.ones((1, 4)), overwrite=True)
    monkeypatch.undo()
    words, vectors, _ = open_vectors(store, verify="sha256")
    assert words == before[0]
    np.testing.assert_array_equal(vectors, before[1])


def test_an_unfinished_temporary_directory_does_not_open(tmp_path):
    """What a killed writer leaves: a hidden temporary directory without a manifest."""
    tmp = tmp_path / ".glove.tmp-abc123"
    tmp.mkdir()
    np.save(tmp / "vectors.npy", np.zeros((3, 2), np.float32))
    assert not is_native_store(tmp)
    with pytest.raises(StoreError, match="no manifest.json"):
        open_vectors(tmp)


# ---------------------------------------------------------------- hostile or damaged stores
def test_missing_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="No such vectors store"):
        open_vectors(tmp_path / "nope")
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError):
        open_vectors(tmp_path / "file")


def test_missing_or_corrupt_manifest(store):
    (store / "manifest.json").write_text('{"format": "skembed-vectors", "format_versi')
    with pytest.raises(StoreError, match="manifest.json of .* is corrupt"):
        open_vectors(store)
    (store / "manifest.json").unlink()
    with pytest.raises(StoreError, match="has no manifest.json"):
        open_vectors(store)
    assert not is_native_store(store)


def test_unknown_format_version_or_name(store):
    manifest = _manifest(store)
    _write_manifest(store, {**manifest, "format_version": 2})
    with pytest.raises(StoreError, match="format version 2; this skembed reads version 1"):
        open_vectors(store)
    _write_manifest(store, {**manifest, "format": "something-else"})
    with pytest.raises(StoreError, match="not a skembed-vectors directory"):
        open_vectors(store)


def test_truncated_vectors(store):
    path = store / "vectors.npy"
    full = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.truncate(full - 8)
    expected = (
        f"vectors.npy is {full - 8} bytes, the manifest says {full}: "
        "the store is truncated or was modified"
    )
    with pytest.raises(StoreError, match=expected):
        open_vectors(store)
    # a manifest "fixed" to the new size does not help: the .npy header disagrees
    manifest = _manifest(store)
    manifest["files"]["vectors.npy"]["size"] = full - 8
    _write_manifest(store, manifest)
    with pytest.raises(StoreError, match="its header .* needs .* truncated"):
        open_vectors(store)


def test_manifest_with_a_lying_shape(store):
    manifest = _manifest(store)
    manifest["shape"] = [5, 2]  # the file holds 5 x 4
    _write_manifest(store, manifest)
    with pytest.raises(StoreError, match=r"vectors.npy has shape \(5, 4\), the manifest says"):
        open_vectors(store)
    manifest["shape"] = [4, 4]  # one word fewer than the vocabulary
    _write_manifest(store, manifest)
    with pytest.raises(StoreError, match="shape"):
        open_vectors(store)


def test_modified_bytes_need_sha256(store):
    path = store / "vectors.npy"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    open_vectors(store)  # same size: the fast check cannot see it
    with pytest.raises(StoreError, match="vectors.npy has sha256 .* the manifest says"):
        open_vectors(store, verify="sha256")
    with pytest.raises(ValueError, match="verify must be one of"):
        open_vectors(store, verify="none")


def test_vocabulary_damage(store):
    (store / "vocab.txt").write_bytes(b"the\ncat\nsat\non\nmat")  # last newline missing
    manifest = _manifest(store)
    manifest["files"]["vocab.txt"]["size"] = (store / "vocab.txt").stat().st_size
    _write_manifest(store, manifest)
    with pytest.raises(StoreError, match="does not end with a newline"):
        open_vectors(store)
    (store / "vocab.txt").write_bytes(b"the\ncat\nsat\nonmat\n")
    manifest["files"]["vocab.txt"]["size"] = (store / "vocab.txt").stat().st_size
    _write_manifest(store, manifest)
    with pytest.raises(StoreError, match="holds 4 words, the manifest says 5"):
        open_vectors(store)


def test_file_names_cannot_leave_the_store(store, tmp_path):
    manifest = _manifest(store)
    manifest["vocab_file"] = "../outside.txt"
    (tmp_path / "outside.txt").write_text("a\nb\nc\nd\ne\n")
    _write_manifest(store, manifest)
    with pytest.raises(StoreError, match="points outside the directory"):
        open_vectors(store)


class _Payload:
    """Unpickling this calls ``Path.touch`` on a marker file: proof that code ran."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_pickled_object_array_is_refused(store, tmp_path):
    marker = tmp_path / "code-ran"
    evil = np.empty((5, 4), dtype=object)
    evil[...] = _Payload(marker)
    path = store / "vectors.npy"
    path.unlink()
    np.save(path, evil, allow_pickle=True)
    assert b"touch" in path.read_bytes()  # the payload really is in the file
    manifest = _manifest(store)
    manifest["files"]["vectors.npy"]["size"] = path.stat().st_size
    _write_manifest(store, manifest)
    for mmap in (True, False):
        with pytest.raises(StoreError, match="holds Python objects"):
            open_vectors(store, mmap=mmap)
    assert not marker.exists()
    with pytest.raises(StoreError, match="holds Python objects"):
        read_npy(path)
    pickle.loads(pickle.dumps(_Payload(marker)))  # the payload works when unpickled
    assert marker.exists()
