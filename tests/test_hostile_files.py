"""Hostile files at every entry point that opens one: a clear error, no hang, no code run.

Vectors files that are truncated, lie in their header, have rows of the wrong
width, non-UTF-8 words, binary garbage, or are pickles in disguise; native
stores and saved models with pickled arrays, files outside their directory,
nonsense in their JSON; each tried through ``MeanEmbeddingVectorizer(vectors=
path).fit``, :func:`skembed.convert_vectors`, :func:`skembed.open_vectors`,
:func:`skembed.load`, ``TextCNNClassifier(vectors=path)`` and the command
line. Every error is a ``ValueError`` (a ``StoreError`` for stores and saved
models) naming the file; a pickle's payload would create a marker file, and the
marker never appears.

Cases already covered elsewhere are not repeated here: an empty file, an
unrecognised text file, a word2vec text file with fewer rows than its header,
GloVe rows of different widths, a value that is not a number, NaN values and
uncompressed lying headers (tests/test_errors.py); damaged or hostile stores
(tests/test_native.py); damaged or hostile saved models (tests/test_persistence.py).
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import os
import pickle
import signal
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skembed import (
    FastTextVectorizer,
    MeanEmbeddingVectorizer,
    SubwordTable,
    convert_vectors,
    open_vectors,
    save_vectors,
)
from skembed._io import StoreError
from skembed.persistence import load, save
from skembed.vectors import read_vectors

DOCS = ["the cat sat on the mat", "the dog sat on the log", "a cat and a dog"] * 4
#: The smallest TextCNN that trains: these tests are about files, not accuracy.
TINY_CNN = {
    "embedding_dim": 4,
    "n_filters": 2,
    "filter_sizes": (2,),
    "max_epochs": 1,
    "validation_fraction": None,
    "random_state": 0,
}


class Payload:
    """Unpickling this calls ``Path.touch`` on a marker file: proof that code ran."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


@pytest.fixture
def marker(tmp_path):
    path = tmp_path / "CODE-RAN"
    yield path
    assert not path.exists(), "a payload from a hostile file was executed"


@pytest.fixture(autouse=True)
def no_hang():
    """Fail, instead of hanging forever, if a reader loops on a damaged file."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def hang(signum, frame):
        raise TimeoutError("reading a hostile file did not finish in 60 s")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_the_payload_really_runs_when_unpickled(tmp_path):
    """The marker technique works: so its absence elsewhere means nothing ran."""
    marker = tmp_path / "ran"
    pickle.loads(pickle.dumps(Payload(marker)))
    assert marker.exists()


# ---------------------------------------------------------------- entry points
def _mean_embedding(path, tmp_path):
    MeanEmbeddingVectorizer(path).fit(["the cat"])


def _convert(path, tmp_path):
    convert_vectors(path, tmp_path / "converted")


def _textcnn(path, tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("skorch")
    from skembed import TextCNNClassifier

    TextCNNClassifier(vectors=path, mode="static", **TINY_CNN).fit(DOCS, [0, 1, 0] * 4)


FILE_ENTRY_POINTS = {"MeanEmbeddingVectorizer": _mean_embedding, "convert_vectors": _convert}
FILE_ENTRY_POINTS_ALL = {**FILE_ENTRY_POINTS, "TextCNNClassifier": _textcnn}


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "skembed", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _assert_one_line_error(res: subprocess.CompletedProcess, pattern: str) -> None:
    import re

    assert res.returncode == 1, (res.returncode, res.stderr)
    assert "Traceback" not in res.stderr, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert re.search(pattern, lines[0]), lines[0]


# ---------------------------------------------------------------- a fastText .bin model
@pytest.fixture(scope="module")
def fasttext_bin(tmp_path_factory) -> bytes:
    """A real Facebook-format fastText model (gensim writes it), as bytes."""
    from gensim.models.fasttext import FastText, save_facebook_model

    model = FastText(
        vector_size=5,
        min_count=1,
        bucket=100,
        epochs=1,
        seed=0,
        workers=1,
        sentences=[d.split() for d in DOCS],
    )
    path = tmp_path_factory.mktemp("ft") / "model.bin"
    save_facebook_model(model, str(path))
    return path.read_bytes()


def _layout(data: bytes) -> dict[str, int]:
    """Offsets of the parts of a (new format) fastText .bin file."""
    vocab_size = struct.unpack_from("@i", data, 64)[0]
    pos = 92
    for _ in range(vocab_size):
        pos = data.index(b"\0", pos) + 1 + 9
    return {"vocab_header": 64, "first_word": 92, "quant": pos, "matrix_header": pos + 1}


def _patched(data: bytes, offset: int, fmt: str, *values) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, *values)
    return bytes(out)


def test_fasttext_layout_helper_is_right(fasttext_bin):
    lay = _layout(fasttext_bin)
    n_rows, dim = struct.unpack_from("@2q", fasttext_bin, lay["matrix_header"])
    assert dim == 5 and n_rows == 100 + struct.unpack_from("@i", fasttext_bin, 68)[0]


@pytest.mark.parametrize("entry", FILE_ENTRY_POINTS_ALL)
@pytest.mark.parametrize(
    "cut", ["magic", "header", "vocab_header", "mid_word", "last_word", "matrix", "one_byte"]
)
def test_truncated_fasttext_bin(fasttext_bin, tmp_path, entry, cut):
    """gensim loops forever on a vocabulary cut short, and fails with struct.error on a
    header cut short: both are caught before gensim reads the file."""
    lay = _layout(fasttext_bin)
    size = {
        "magic": 6,
        "header": 40,
        "vocab_header": 80,
        "mid_word": lay["first_word"] + 2,
        "last_word": lay["quant"] - 3,
        "matrix": lay["matrix_header"] + 16 + 40,
        "one_byte": lay["matrix_header"] + 16 + 4 * 5 * 50 - 1,
    }[cut]
    path = tmp_path / "model.bin"
    path.write_bytes(fasttext_bin[:size])
    with pytest.raises(ValueError, match=r"The fastText model '.*model\.bin' is truncated"):
        FILE_ENTRY_POINTS_ALL[entry](path, tmp_path)


@pytest.mark.parametrize(
    ("patch", "pattern"),
    [
        # vocabulary of 2**31 - 1 words in a 2 KB file
        (lambda d, lay: _patched(d, 64, "@i", 2**31 - 1), r"vocabulary of 2,147,483,647 words"),
        # a dimension no embedding has
        (lambda d, lay: _patched(d, 8, "@i", 10**8), r"says dimension 100000000"),
        # 2**31 - 1 buckets, but a matrix of the real size
        (lambda d, lay: _patched(d, 8 + 8 * 4, "@i", 2**31 - 1), r"has a matrix of shape"),
        # a matrix header promising 10**12 rows (and buckets to match)
        (
            lambda d, lay: _patched(
                _patched(d, 8 + 8 * 4, "@i", 2**31 - 1),
                lay["matrix_header"],
                "@2q",
                2**31 - 1 + struct.unpack_from("@i", d, 68)[0],
                5,
            ),
            r"truncated or damaged: a matrix of 2,147,483,",
        ),
        # a supervised model (gensim raises NotImplementedError)
        (lambda d, lay: _patched(d, 72, "@i", 3), r"supervised fastText model"),
        # a quantized model
        (lambda d, lay: _patched(d, lay["quant"], "@?", True), r"quantized fastText model"),
        # nwords larger than the vocabulary
        (lambda d, lay: _patched(d, 68, "@i", 10**6), r"says 1000000 words in a vocabulary"),
    ],
    ids=["vocab-size", "dim", "bucket", "matrix-rows", "supervised", "quantized", "nwords"],
)
@pytest.mark.parametrize("entry", FILE_ENTRY_POINTS)
def test_lying_fasttext_header(fasttext_bin, tmp_path, patch, pattern, entry):
    path = tmp_path / "model.bin"
    path.write_bytes(patch(fasttext_bin, _layout(fasttext_bin)))
    with pytest.raises(ValueError, match=pattern):
        FILE_ENTRY_POINTS[entry](path, tmp_path)


@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress], ids=["gz", "bz2"])
def test_compressed_fasttext_bin(fasttext_bin, tmp_path, compress):
    """A compressed .bin loads (gensim's np.fromfile would read the compressed bytes);
    a truncated one is named by its own path."""
    suffix = ".bin.gz" if compress is gzip.compress else ".bin.bz2"
    good = tmp_path / f"good{suffix}"
    good.write_bytes(compress(fasttext_bin))
    plain = tmp_path / "plain.bin"
    plain.write_bytes(fasttext_bin)
    one, two = read_vectors(good), read_vectors(plain)
    assert one.words == two.words and one.subwords is not None
    np.testing.assert_array_equal(one.matrix, two.matrix)
    np.testing.assert_array_equal(one.subwords.vectors, two.subwords.vectors)
    bad = tmp_path / f"bad{suffix}"
    bad.write_bytes(compress(fasttext_bin[: _layout(fasttext_bin)["first_word"] + 3]))
    with pytest.raises(ValueError, match=rf"fastText model '.*bad{suffix}' is truncated"):
        _mean_embedding(bad, tmp_path)
    # a stream that is not what its name says
    fake = tmp_path / f"fake{suffix}"
    fake.write_bytes(b"\xba\x16O/" + b"not compressed at all" * 10)
    with pytest.raises(
        ValueError, match=rf"Could not decompress the vectors file '.*fake{suffix}'"
    ):
        read_vectors(fake, "fasttext_bin")
    with pytest.raises(
        ValueError, match=rf"Could not decompress the vectors file '.*fake{suffix}'"
    ):
        _mean_embedding(fake, tmp_path)


def test_non_utf8_word_in_fasttext_bin_is_escaped(fasttext_bin, tmp_path):
    """gensim's documented decoding of .bin vocabularies: invalid bytes are
    backslash-escaped (and logged), the model still loads."""
    lay = _layout(fasttext_bin)
    end = fasttext_bin.index(b"\0", lay["first_word"])
    first = fasttext_bin[lay["first_word"] : end]
    data = fasttext_bin[: lay["first_word"]] + b"\xff" * len(first) + fasttext_bin[end:]
    path = tmp_path / "model.bin"
    path.write_bytes(data)
    words = read_vectors(path).words
    assert words[0] == "\\xff" * len(first)


# ---------------------------------------------------------------- word2vec / GloVe files
def _w2v_binary(rows: list[tuple[bytes, list[float]]], header: bytes | None = None) -> bytes:
    dim = len(rows[0][1])
    out = header if header is not None else f"{len(rows)} {dim}\n".encode()
    for word, vec in rows:
        out += word + b" " + struct.pack(f"<{len(vec)}f", *vec) + b"\n"
    return out


@pytest.mark.parametrize(
    ("name", "content", "pattern"),
    [
        # one value: gensim broadcasts it to the whole row, silently
        ("short.txt", b"2 3\nthe 0.1 0.2 0.3\ncat 0.5\n", r"line 3 has 1 values; expected 3"),
        ("short.vec", b"2 3\nthe 0.1 0.2 0.3\ncat 0.5 0.6\n", r"line 3 has 2 values; expected 3"),
        ("long.txt", b"2 3\nthe 0.1 0.2 0.3\ncat 0.5 0.6 0.7 0.8\n", r"line 3 has 4 values"),
        ("glove.txt", b"the 0.1 0.2\ncat 0.5\n", r"glove .*line 2 has 1 values; expected 2"),
        ("glove_last.txt", b"the 0.1 0.2\ncat 0.3 0.4\nsat 0.", r"line 3 has 1 values"),
        # the header claims fewer rows than the file holds
        ("more.txt", b"1 2\nthe 0.1 0.2\ncat 0.5 0.6\n", r"more rows than the 1 its header"),
        # the header claims a wider dimension than the rows have
        ("wide.txt", b"2 5\nthe 0.1 0.2\ncat 0.5 0.6\n", r"line 2 has 2 values; expected 5"),
        # a compressed file that is not compressed
        ("plain.txt.gz", b"2 2\nthe 0.1 0.2\ncat 0.5 0.6\n", "Could not decompress"),
        ("plain.txt.bz2", b"the 0.1 0.2\ncat 0.5 0.6\n", "Could not decompress"),
        # words that are not UTF-8, in each format
        ("latin1.txt", b"2 2\ncaf\xe9 0.1 0.2\ncat 0.3 0.4\n", r"not valid UTF-8"),
        ("latin1.bin", _w2v_binary([(b"caf\xe9", [1, 2]), (b"cat", [3, 4])]), "not valid UTF-8"),
        ("latin1_glove.txt", b"cat 0.1 0.2\ncaf\xe9 0.3 0.4\n", r"Malformed glove.*UTF-8"),
        # binary garbage, NUL bytes, a header only
        ("garbage.bin", np.random.default_rng(0).bytes(4096), "Could not recognise the format"),
        ("nul.bin", b"\0" * 1000, "Could not recognise the format"),
        ("header.bin", b"10 300\n", "truncated or its header is wrong"),
        ("negative.txt", b"-2 3\nthe 0.1 0.2 0.3\n", r"Malformed|header"),
    ],
)
@pytest.mark.parametrize("entry", FILE_ENTRY_POINTS_ALL)
def test_malformed_word2vec_and_glove_files(tmp_path, name, content, pattern, entry):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValueError, match=pattern) as info:
        FILE_ENTRY_POINTS_ALL[entry](path, tmp_path)
    assert name in str(info.value)  # the message names the file


@pytest.mark.parametrize("fmt", ["word2vec_binary", "word2vec_text", "glove", "fasttext_bin"])
@pytest.mark.parametrize(
    "content",
    [b"", b"\n", b"hello", b"3 x\n", np.random.default_rng(1).bytes(300)],
    ids=["empty", "newline", "word", "bad-header", "garbage"],
)
def test_any_file_with_a_forced_format_gives_a_value_error(tmp_path, fmt, content):
    """Naming the format skips detection: the readers still never crash or hang."""
    path = tmp_path / "vectors"
    path.write_bytes(content)
    with pytest.raises(ValueError):
        MeanEmbeddingVectorizer(path, vectors_format=fmt).fit(["the cat"])


def test_duplicated_word_in_binary_file(tmp_path):
    """gensim keeps the row of a skipped duplicate under the key None: it is dropped."""
    path = tmp_path / "dup.bin"
    path.write_bytes(_w2v_binary([(b"cat", [1, 2]), (b"dog", [3, 4]), (b"cat", [5, 6])]))
    vec = MeanEmbeddingVectorizer(path).fit(["cat"])
    assert vec.vocabulary_ == {"cat": 0, "dog": 1}
    np.testing.assert_array_equal(vec.transform(["cat"]), [[1, 2]])


def test_byte_order_mark_of_a_glove_file_is_not_part_of_the_first_word(tmp_path):
    """Editors on Windows start UTF-8 files with a BOM; GloVe files have no header to absorb it."""
    path = tmp_path / "glove.txt"
    path.write_bytes("\ufeffthe 1 2\ncat 3 4\n".encode())
    vec = MeanEmbeddingVectorizer(path).fit(["the cat"])
    assert vec.vocabulary_ == {"the": 0, "cat": 1}
    np.testing.assert_array_equal(vec.transform(["the"]), [[1, 2]])


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
@pytest.mark.parametrize("suffix", ["", ".gz", ".bz2"], ids=["plain", "gz", "bz2"])
def test_lying_header_is_refused_before_allocating(tmp_path, binary, suffix):
    """10**12 x 300 floats: refused from the header, not a MemoryError from numpy
    (a compressed file's size says nothing: the matrix is compared with the memory)."""
    import resource

    compress = {"": bytes, ".gz": gzip.compress, ".bz2": bz2.compress}[suffix]
    row = b"the " + (struct.pack("<300f", *range(300)) if binary else b"0.1 " * 300) + b"\n"
    path = tmp_path / ("lying" + (".bin" if binary else ".txt") + suffix)
    path.write_bytes(compress(b"1000000000000 300\n" + row))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for entry in FILE_ENTRY_POINTS_ALL.values():
        with pytest.raises(ValueError, match=r"promises 1,000,000,000,000 vectors"):
            entry(path, tmp_path)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000  # KiB


def test_compressed_text_file_with_too_few_rows(tmp_path):
    path = tmp_path / "few.txt.gz"
    path.write_bytes(gzip.compress(b"1000 2\nthe 0.1 0.2\ncat 0.3 0.4\n"))
    with pytest.raises(ValueError, match=r"holds 2 rows, but its header promises 1,000"):
        _mean_embedding(path, tmp_path)


# ---------------------------------------------------------------- pickles in disguise
@pytest.mark.parametrize(
    "name",
    ["vectors.bin", "vectors.txt", "vectors.vec", "model.pkl", "model.joblib", "vectors.bin.gz"],
)
@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_pickle_disguised_as_a_vectors_file(tmp_path, marker, name, protocol):
    data = pickle.dumps({"vectors": Payload(marker)}, protocol=protocol)
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    for entry in FILE_ENTRY_POINTS_ALL.values():
        with pytest.raises(ValueError):
            entry(path, tmp_path)
    with pytest.raises(StoreError, match="is a file; skembed.load reads directories"):
        load(path)
    with pytest.raises(NotADirectoryError):
        open_vectors(path)


def test_gensim_model_pickle_is_not_unpickled(tmp_path, marker):
    """A gensim ``KeyedVectors.save`` file is a pickle: skembed never loads one."""
    from gensim.models import KeyedVectors

    kv = KeyedVectors(2)
    kv.add_vectors(["cat", "dog"], np.eye(2, dtype=np.float32))
    kv.evil = Payload(marker)
    path = tmp_path / "vectors.kv"
    kv.save(str(path))
    for entry in FILE_ENTRY_POINTS.values():
        with pytest.raises(ValueError):
            entry(path, tmp_path)


# ---------------------------------------------------------------- native stores
@pytest.fixture
def subword_store(tmp_path):
    table = SubwordTable(3, 5, 50, np.ones((3, 4), np.float32), np.array([1, 7, 40]))
    rng = np.random.default_rng(0)
    return save_vectors(
        tmp_path / "store", ["the", "cat", "sat"], rng.standard_normal((3, 4)), table
    )


def _manifest(store: Path) -> dict:
    return json.loads((store / "manifest.json").read_text())


def _put_manifest(store: Path, manifest: dict) -> None:
    (store / "manifest.json").write_text(json.dumps(manifest))


def _store_entry_points(store: Path, tmp_path: Path) -> None:
    """Every way to open a store; each must raise StoreError."""
    with pytest.raises(StoreError):
        open_vectors(store)
    with pytest.raises(StoreError):
        open_vectors(store, mmap=False, verify="sha256")
    with pytest.raises(StoreError):
        MeanEmbeddingVectorizer(store).fit(["the cat"])
    if _has_torch():
        with pytest.raises(StoreError):
            _textcnn(store, tmp_path)


def _has_torch() -> bool:
    try:
        import skorch  # noqa: F401
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.parametrize("name", ["ngrams.npy", "ngram_buckets.npy"])
def test_pickled_object_arrays_in_a_store(subword_store, tmp_path, marker, name):
    """vectors.npy is covered in test_native.py; the n-gram files are read the same way."""
    path = subword_store / name
    evil = np.empty(np.load(path).shape[0], dtype=object)
    evil[:] = [Payload(marker)] * len(evil)
    path.unlink()
    np.save(path, evil, allow_pickle=True)
    manifest = _manifest(subword_store)
    manifest["files"][name]["size"] = path.stat().st_size
    _put_manifest(subword_store, manifest)
    _store_entry_points(subword_store, tmp_path)


@pytest.mark.parametrize(
    "change",
    [
        lambda m: m.update(vocab_file="/etc/passwd"),
        lambda m: m.update(vocab_file="..\\vocab.txt"),
        lambda m: m.update(vocab_file="C:/vocab.txt"),
        lambda m: m["files"].update({"../outside.npy": {"size": 1, "sha256": "0"}}),
        lambda m: m["files"].update({"a/../../b": {"size": 1, "sha256": "0"}}),
        lambda m: m["files"].update({"": {"size": 1, "sha256": "0"}}),
    ],
    ids=["absolute", "backslash", "drive", "files-dotdot", "nested-dotdot", "empty-name"],
)
def test_manifest_names_outside_the_store(subword_store, tmp_path, change):
    (tmp_path / "outside.npy").write_bytes(b"x")
    manifest = _manifest(subword_store)
    change(manifest)
    _put_manifest(subword_store, manifest)
    _store_entry_points(subword_store, tmp_path)


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        (lambda s: s.update(bucket=0), r"bucket >= 1"),
        (lambda s: s.update(min_n=0), r"min_n >= 1"),
        (lambda s: s.update(bucket=10), r"distinct bucket numbers in \[0, 10\)"),
        (lambda s: s.update(bucket_ids=False), r"3 n-gram vectors for 50 buckets"),
        (lambda s: s.update(min_n=1e400), r"subwords entry is invalid"),
        (lambda s: s.update(shape=[3, "x"]), r"subwords entry is invalid"),
    ],
    ids=["bucket-0", "min-n-0", "ids-out-of-range", "too-few-rows", "inf", "bad-shape"],
)
def test_nonsense_subword_settings_fail_at_open_not_at_transform(subword_store, change, pattern):
    """A table that would index outside its matrix in transform is refused when opened."""
    manifest = _manifest(subword_store)
    change(manifest["subwords"])
    (subword_store / "manifest.json").write_text(json.dumps(manifest).replace("Infinity", "1e400"))
    with pytest.raises(StoreError, match=pattern):
        open_vectors(subword_store)
    with pytest.raises(StoreError, match=pattern):
        MeanEmbeddingVectorizer(subword_store, oov="subword").fit(["the cat"])


def test_npy_header_whose_size_overflows(subword_store, tmp_path):
    """A (2**32, 2**32) float32 header overflows int64 to 0 bytes: refused, not allocated."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": "<f4", "fortran_order": False, "shape": (2**32, 2**32)}
    )
    path = subword_store / "vectors.npy"
    path.write_bytes(buf.getvalue())
    manifest = _manifest(subword_store)
    manifest["files"]["vectors.npy"]["size"] = path.stat().st_size
    manifest["shape"] = [2**32, 2**32]
    _put_manifest(subword_store, manifest)
    for mmap in (True, False):
        with pytest.raises(StoreError, match=r"its header .* needs 73786976294838206592"):
            open_vectors(subword_store, mmap=mmap)


@pytest.mark.parametrize("name", ["manifest.json", "vocab.json"])
def test_deeply_nested_json(tmp_path, name):
    """json raises RecursionError on deep nesting: it is a StoreError like any bad JSON."""
    store = save_vectors(tmp_path / "store", ["a\nb", "c"], np.eye(2))  # a vocab.json store
    data = b"[" * 100_000 + b"]" * 100_000
    (store / name).write_bytes(data)
    if name != "manifest.json":
        manifest = _manifest(store)
        manifest["files"][name]["size"] = len(data)
        _put_manifest(store, manifest)
    _store_entry_points(store, tmp_path)
    with pytest.raises(StoreError):
        load(store)


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            yield from _paths(value, (*prefix, i))


def _replace(doc, path, value):
    doc = json.loads(json.dumps(doc))
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@FUZZ
@given(data=st.data())
def test_any_json_anywhere_in_a_manifest_is_a_store_error(tmp_path_factory, data):
    store = tmp_path_factory.mktemp("fuzz") / "store"
    table = SubwordTable(3, 5, 50, np.ones((3, 4), np.float32), np.array([1, 7, 40]))
    save_vectors(store, ["the", "cat", "sat"], np.ones((3, 4)), table)
    manifest = _manifest(store)
    path = data.draw(st.sampled_from(list(_paths(manifest))[1:]), label="path")
    _put_manifest(store, _replace(manifest, path, data.draw(_JSON, label="value")))
    for mmap in (True, False):
        try:
            open_vectors(store, mmap=mmap)
        except StoreError:
            pass


@pytest.fixture(scope="module")
def saved_models(tmp_path_factory, lee_corpus):
    """Saved estimators with every kind of stored value, written once."""
    root = tmp_path_factory.mktemp("saved")
    docs = lee_corpus[:40]
    models = {
        "fasttext": save(
            FastTextVectorizer(
                vector_size=4,
                min_count=1,
                epochs=1,
                bucket=500,
                weighting="tfidf",
                random_state=0,
            ).fit(docs),
            root / "fasttext",
        ),
    }
    if _has_torch():
        from skembed import TextCNNClassifier

        clf = TextCNNClassifier(**TINY_CNN).fit(docs, [0, 1] * 20)
        models["textcnn"] = save(clf, root / "textcnn")
    return models


def _copy(src: Path, dst: Path) -> Path:
    import shutil

    return Path(shutil.copytree(src, dst))


def _nodes(node, kind: str, found=None):
    found = [] if found is None else found
    if isinstance(node, dict):
        if node.get("$type") == kind:
            found.append(node)
        for value in node.values():
            _nodes(value, kind, found)
    elif isinstance(node, list):
        for value in node:
            _nodes(value, kind, found)
    return found


@pytest.mark.parametrize("model", ["fasttext", "textcnn"])
def test_every_array_of_a_saved_model_as_a_pickle(saved_models, tmp_path, marker, model):
    """test_persistence.py swaps vectors_; here every .npy of the model, one at a time."""
    if model not in saved_models:
        pytest.skip("torch is not installed")
    doc = json.loads((saved_models[model] / "estimator.json").read_text())
    n_arrays = len(_nodes(doc, "ndarray"))
    assert n_arrays >= 3
    for i in range(n_arrays):
        copy = _copy(saved_models[model], tmp_path / f"copy{i}")
        doc = json.loads((copy / "estimator.json").read_text())
        node = _nodes(doc, "ndarray")[i]
        path = copy / node["file"]
        evil = np.empty(2, dtype=object)
        evil[:] = [Payload(marker)] * 2
        path.unlink()
        np.save(path, evil, allow_pickle=True)
        doc["files"][node["file"]]["size"] = path.stat().st_size
        node["dtype"], node["shape"] = "|O", [2]
        (copy / "estimator.json").write_text(json.dumps(doc))
        for mmap in (True, False):
            with pytest.raises(StoreError, match="holds Python objects"):
                load(copy, mmap=mmap)


@pytest.mark.filterwarnings("ignore:Detected pickle protocol:UserWarning")
@pytest.mark.parametrize("legacy", [True, False], ids=["legacy-pickle", "zip"])
def test_torch_file_holding_a_pickle(saved_models, tmp_path, marker, legacy):
    """A node naming a torch file is read with weights_only=True: a pickle is refused,
    as a StoreError (torch's own error would escape as RuntimeError/UnpicklingError)."""
    torch = pytest.importorskip("torch")
    copy = _copy(saved_models["fasttext"], tmp_path / "copy")
    (copy / "torch").mkdir()
    path = copy / "torch" / "0099_x.pt"
    if legacy:
        path.write_bytes(pickle.dumps(Payload(marker)))
    else:
        torch.save({"weight": Payload(marker)}, path)
    doc = json.loads((copy / "estimator.json").read_text())
    doc["files"]["torch/0099_x.pt"] = {"size": path.stat().st_size, "sha256": ""}
    doc["estimator"]["state"]["extra_"] = {"$type": "torch", "file": "torch/0099_x.pt"}
    (copy / "estimator.json").write_text(json.dumps(doc))
    for mmap in (True, False):
        with pytest.raises(StoreError, match="torch could not read it as plain tensors"):
            load(copy, mmap=mmap)


@FUZZ
@given(data=st.data())
def test_any_json_anywhere_in_a_saved_model_is_a_store_error(saved_models, tmp_path_factory, data):
    copy = _copy(saved_models["fasttext"], tmp_path_factory.mktemp("fuzz") / "model")
    doc = json.loads((copy / "estimator.json").read_text())
    path = data.draw(st.sampled_from(list(_paths(doc))[1:]), label="path")
    (copy / "estimator.json").write_text(json.dumps(_replace(doc, path, data.draw(_JSON))))
    try:
        load(copy)
    except StoreError:
        pass


def test_saved_model_whose_json_is_nested_too_deeply(saved_models, tmp_path):
    copy = _copy(saved_models["fasttext"], tmp_path / "copy")
    (copy / "estimator.json").write_bytes(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(StoreError, match="corrupt"):
        load(copy)


# ---------------------------------------------------------------- the command line
@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory, fasttext_bin):
    """Hostile files for the command line, and the marker their pickles would create."""
    d = tmp_path_factory.mktemp("cli")
    marker = d / "CODE-RAN"
    (d / "vectors.bin").write_bytes(pickle.dumps(Payload(marker)))
    (d / "truncated.bin").write_bytes(fasttext_bin[: _layout(fasttext_bin)["first_word"] + 2])
    (d / "supervised.bin").write_bytes(_patched(fasttext_bin, 72, "@i", 2))
    (d / "lying.txt.gz").write_bytes(gzip.compress(b"1000000000000 300\nthe 0.1\n"))
    (d / "short.txt").write_bytes(b"2 3\nthe 0.1 0.2 0.3\ncat 0.5\n")
    (d / "latin1.txt").write_bytes(b"2 2\ncaf\xe9 0.1 0.2\ncat 0.3 0.4\n")
    (d / "fake.txt.gz").write_bytes(b"plain text, not gzip\n")
    store = save_vectors(d / "store", ["a", "b"], np.eye(2))
    evil = np.empty(2, dtype=object)
    evil[:] = [Payload(marker)] * 2
    (store / "vectors.npy").unlink()
    np.save(store / "vectors.npy", evil, allow_pickle=True)
    manifest = _manifest(store)
    manifest["files"]["vectors.npy"]["size"] = (store / "vectors.npy").stat().st_size
    _put_manifest(store, manifest)
    yield d
    assert not marker.exists(), "a payload from a hostile file was executed by the CLI"


def _main(capsys, *args) -> tuple[int, str]:
    """Run the command line in this process: (exit status, stderr)."""
    from skembed.cli import main

    status = main([str(a) for a in args])
    return status, capsys.readouterr().err


CLI_CASES = [
    ("vectors.bin", "Could not recognise the format"),
    ("truncated.bin", "truncated or damaged"),
    ("supervised.bin", "supervised fastText model"),
    ("lying.txt.gz", "promises 1,000,000,000,000 vectors"),
    ("short.txt", "line 3 has 1 values"),
    ("latin1.txt", "not valid UTF-8"),
    ("fake.txt.gz", "Could not decompress"),
]


@pytest.mark.parametrize(("name", "pattern"), CLI_CASES)
def test_cli_convert_hostile_file_is_one_line(hostile_dir, tmp_path, capsys, name, pattern):
    """main() catches the error (an escaping exception would fail this test) and
    prints one line; nothing is written."""
    status, err = _main(capsys, "convert", hostile_dir / name, tmp_path / "out")
    assert status == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("skembed convert: error: "), err
    assert pattern in lines[0] and name in lines[0]
    assert not (tmp_path / "out").exists()
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".")]  # no temporary store


@pytest.mark.parametrize("command", [("similar", "a"), ("evaluate",)])
def test_cli_reading_a_pickled_store_is_one_line(hostile_dir, capsys, command):
    status, err = _main(capsys, command[0], hostile_dir / "store", *command[1:])
    assert status == 1
    assert err.strip() == err.strip().splitlines()[0]
    assert err.startswith(f"skembed {command[0]}: error: ") and "holds Python objects" in err


@pytest.mark.parametrize("name", ["vectors.bin", "truncated.bin"])
def test_cli_as_users_run_it(hostile_dir, tmp_path, name):
    """``python -m skembed convert``: exit status 1, one line, no traceback."""
    res = _cli("convert", hostile_dir / name, tmp_path / "out")
    _assert_one_line_error(res, r"^skembed convert: error: ")
