"""Vector stores: plain word -> row tables, subword tables, and the file formats.

Nothing in this module knows about scikit-learn. A store is two pieces of plain
data, a list of words and a float32 matrix whose rows are their vectors;
fastText models add a :class:`SubwordTable` that gives vectors to unseen words
from their character n-grams. Reading files is delegated to gensim, which knows
every format; this module only detects the format and checks what it was given.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

VECTORS_FORMATS = ("auto", "word2vec_binary", "word2vec_text", "glove", "fasttext_bin")

_FASTTEXT_MAGIC = 793712314  # first int32 of a Facebook fastText .bin model


@dataclass
class SubwordTable:
    """Character n-gram vectors of a fastText model, as plain arrays.

    Parameters
    ----------
    min_n, max_n : int
        Lengths of the character n-grams of ``<word>``.
    bucket : int
        Number of hash buckets of the model.
    vectors : ndarray of shape (n_rows, dim)
        The n-gram vectors.
    bucket_ids : ndarray of shape (n_rows,) or None
        Sorted bucket numbers of the rows of ``vectors``, when only the trained
        buckets are kept; None when ``vectors`` holds every bucket.
    """

    min_n: int
    max_n: int
    bucket: int
    vectors: np.ndarray
    bucket_ids: np.ndarray | None = None

    def __post_init__(self):
        # checked here, so a table read from any file can never index out of range
        shape = getattr(self.vectors, "shape", ())
        if len(shape) != 2:
            raise ValueError(f"The n-gram vectors must be 2-D; got shape {shape}.")
        if not (self.min_n >= 1 and self.max_n >= 0 and self.bucket >= 1):
            raise ValueError(
                f"Invalid n-gram settings min_n={self.min_n}, max_n={self.max_n}, "
                f"bucket={self.bucket}: expected min_n >= 1, max_n >= 0 and bucket >= 1."
            )
        if self.bucket_ids is None:
            if shape[0] != self.bucket:
                raise ValueError(
                    f"{shape[0]} n-gram vectors for {self.bucket} buckets: expected one per "
                    "bucket, or bucket_ids naming the bucket of each."
                )
            return
        ids = np.asarray(self.bucket_ids)
        if ids.shape != (shape[0],) or ids.dtype.kind not in "iu":
            raise ValueError(
                f"bucket_ids has shape {ids.shape} and dtype {ids.dtype}; expected integers "
                f"of shape ({shape[0]},), one per n-gram vector."
            )
        if len(ids) and (ids[0] < 0 or ids[-1] >= self.bucket or np.any(ids[1:] <= ids[:-1])):
            raise ValueError(
                f"bucket_ids must be distinct bucket numbers in [0, {self.bucket}), sorted."
            )

    def word_vectors(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Vectors of ``words`` as the mean of their known n-gram vectors.

        Returns
        -------
        vectors : ndarray of shape (len(words), dim)
        found : ndarray of bool, shape (len(words),)
            False where no n-gram of the word has a trained vector; its row is zero.
        """
        from gensim.models.fasttext import ft_ngram_hashes

        dim = self.vectors.shape[1]
        out = np.zeros((len(words), dim), dtype=np.float32)
        found = np.zeros(len(words), dtype=bool)
        for i, word in enumerate(words):
            try:
                word.encode("utf-8")
            except UnicodeEncodeError:
                # fastText hashes UTF-8 bytes; a lone surrogate (e.g. from a
                # surrogateescape-decoded file name) has none: hash U+FFFD instead
                word = word.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
            hashes = np.asarray(
                ft_ngram_hashes(word, self.min_n, self.max_n, self.bucket), dtype=np.int64
            )
            if self.bucket_ids is not None and hashes.size:
                pos = np.searchsorted(self.bucket_ids, hashes)
                pos = np.minimum(pos, len(self.bucket_ids) - 1)
                rows = pos[self.bucket_ids[pos] == hashes]
            else:
                rows = hashes
            if rows.size:
                out[i] = self.vectors[rows].mean(axis=0)
                found[i] = True
        return out, found


def stable_hash(text: str) -> int:
    """A 32-bit hash of ``text`` that does not depend on PYTHONHASHSEED."""
    return zlib.crc32(text.encode("utf-8", "surrogatepass"))


def random_word_vectors(words: list[str], dim: int, seed: int, dtype=np.float32) -> np.ndarray:
    """One fixed U[-0.25, 0.25] vector per word, from the word and ``seed`` alone.

    A word gets the same vector in every batch and every process.
    """
    out = np.empty((len(words), dim), dtype=dtype)
    for i, word in enumerate(words):
        rng = np.random.default_rng([seed & 0xFFFFFFFF, stable_hash(word)])
        out[i] = rng.uniform(-0.25, 0.25, dim)
    return out


def _open_head(path: Path, n: int = 1 << 16) -> bytes:
    from gensim import utils

    try:
        with utils.open(str(path), "rb") as fh:
            return fh.read(n)
    except Exception as exc:
        if not _is_decompression_error(exc):
            raise
        raise ValueError(f"Could not decompress the vectors file {str(path)!r}: {exc}") from None


def _is_decompression_error(exc: BaseException) -> bool:
    """Whether ``exc`` says a compressed stream is corrupt (not that a file is missing)."""
    import lzma

    if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError)):
        return False
    return isinstance(exc, (OSError, EOFError, zlib.error, lzma.LZMAError))


def detect_format(path: str | os.PathLike) -> str:
    """Guess the format of a vectors file from its first bytes.

    Returns one of ``"fasttext_bin"``, ``"word2vec_binary"``, ``"word2vec_text"``
    (header line ``n_words dim``; fastText ``.vec`` files are this format) or
    ``"glove"`` (no header).
    """
    path = Path(path)
    head = _open_head(path)
    if not head:
        raise ValueError(f"The vectors file {str(path)!r} is empty.")
    if len(head) >= 4 and int.from_bytes(head[:4], "little") == _FASTTEXT_MAGIC:
        return "fasttext_bin"
    first, _, rest = head.partition(b"\n")
    fields = first.split()
    if len(fields) == 2 and all(f.isdigit() for f in fields):
        dim = int(fields[1])
        line = rest.split(b"\n", 1)[0] if b"\n" in rest else rest
        try:
            parts = line.decode("utf-8").rstrip().split(" ")
        except UnicodeDecodeError:
            return "word2vec_binary"
        if len(parts) >= dim + 1 and _all_floats(parts[-dim:]):
            return "word2vec_text"
        if _text_rows(rest):
            # text rows of another width than the header's: read as text, so that the
            # row check names the line (the raw floats of binary rows never read so)
            return "word2vec_text"
        return "word2vec_binary"
    try:
        parts = first.decode("utf-8").rstrip().split(" ")
        [float(x) for x in parts[1:]]
    except (UnicodeDecodeError, ValueError):
        raise ValueError(
            f"Could not recognise the format of {str(path)!r}: expected word2vec "
            "(binary or text, with an 'n_words dim' header), GloVe text (word and "
            "floats on each line) or a fastText .bin model. Name it with vectors_format."
        ) from None
    if len(parts) < 2:
        raise ValueError(
            f"Could not recognise the format of {str(path)!r}: its first line has no vector."
        )
    return "glove"


def _text_rows(data: bytes, n: int = 20) -> bool:
    """Whether the first (up to ``n``) complete lines of ``data`` are each a word and numbers."""
    lines = data.split(b"\n")[:-1][:n]
    if not lines:
        return False
    for line in lines:
        try:
            parts = line.decode("utf-8").rstrip().split(" ")
        except UnicodeDecodeError:
            return False
        if len(parts) < 2 or not _all_floats(parts[1:]):
            return False
    return True


def _all_floats(fields: list[str]) -> bool:
    try:
        [float(x) for x in fields]
    except ValueError:
        return False
    return True


#: Sanity bound on a header's dimension: no real embedding is this wide.
MAX_DIM = 100_000

#: Suffixes gensim's reader (smart_open) decompresses on the fly.
COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz", ".lz4", ".zst")


def _physical_memory() -> int | None:
    """Bytes of physical memory, or None where the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def check_text_rows(path: Path, fmt: str) -> None:
    """Check that every row of a text vectors file has the same number of values.

    gensim assigns each parsed row into a preallocated matrix row, so a row
    holding a single value is silently broadcast to the whole row, and other
    wrong lengths fail with a numpy message that names no line. This pass
    counts the values of each row (the spaces of the right-stripped line, the
    way gensim splits it) without parsing them. For ``word2vec_text`` it also
    checks the number of rows against the header.
    """
    try:
        _check_text_rows(path, fmt)
    except Exception as exc:
        if not _is_decompression_error(exc):
            raise
        raise ValueError(f"Could not decompress the vectors file {str(path)!r}: {exc}") from None


def _check_text_rows(path: Path, fmt: str) -> None:
    from gensim import utils

    with utils.open(str(path), "rb") as fh:
        n_words = None
        if fmt == "word2vec_text":
            header = fh.readline().split()
            n_words, dim, what = int(header[0]), int(header[1]), "its header says"
            first_line = 2
        else:
            dim, what, first_line = None, "its first line has", 1
        n_rows = 0
        for line_no, line in enumerate(fh, start=first_line):
            if n_words is not None and n_rows == n_words:
                if line.strip():
                    raise ValueError(
                        f"Malformed {fmt} vectors file {str(path)!r}: it holds more rows than "
                        f"the {n_words:,} its header says (line {line_no} is one more): the "
                        "header is wrong."
                    )
                continue
            n_values = line.rstrip().count(b" ")
            if dim is None:
                if n_values == 0:
                    raise ValueError(
                        f"Malformed {fmt} vectors file {str(path)!r}: line {line_no} has no "
                        "values; expected a word and its vector."
                    )
                dim = n_values
            if n_values != dim:
                raise ValueError(
                    f"Malformed {fmt} vectors file {str(path)!r}: line {line_no} has {n_values} "
                    f"values; expected {dim} ({what} dimension {dim})."
                )
            n_rows += 1
        if n_words is not None and n_rows < n_words:
            raise ValueError(
                f"Malformed {fmt} vectors file {str(path)!r}: it holds {n_rows:,} rows, but its "
                f"header promises {n_words:,}: the file is truncated or its header is wrong."
            )


def check_header_against_size(path: Path, *, binary: bool) -> tuple[int, int]:
    """Check a word2vec header ``n_words dim`` against the file size, before allocating.

    A binary row takes at least ``4 * dim + 2`` bytes (a one-byte word, a space
    and the floats); a text row at least ``2 * dim + 1`` ("w" then " 0" per
    value). A header promising more than the file can hold means a truncated
    file or a lying header; a dimension of 0 or over :data:`MAX_DIM` is refused.
    Compressed files are checked only for a sane header.

    Returns
    -------
    n_words, dim : int
    """
    head = _open_head(path, 4096)
    first = head.split(b"\n", 1)[0].split()
    if len(first) != 2 or not all(f.isdigit() for f in first):
        shown = head.split(b"\n", 1)[0][:80]
        raise ValueError(
            f"The first line of {str(path)!r} is not a word2vec header 'n_words dim': got "
            f"{shown!r}. Check vectors_format ('glove' files have no header)."
        )
    n_words, dim = int(first[0]), int(first[1])
    if n_words <= 0 or not 0 < dim <= MAX_DIM:
        raise ValueError(
            f"The header of {str(path)!r} says {n_words} words of dimension {dim}; expected "
            f"at least 1 word and a dimension between 1 and {MAX_DIM}."
        )
    if path.suffix in COMPRESSED_SUFFIXES:
        # the decompressed size is unknown without reading it all: refuse at least a
        # matrix that could never fit in memory (gensim allocates it before reading)
        needed = n_words * dim * 4
        memory = _physical_memory()
        if memory is not None and needed > memory:
            raise ValueError(
                f"The header of {str(path)!r} promises {n_words:,} vectors of dimension "
                f"{dim}, a {needed:,}-byte matrix, more than this machine's {memory:,} bytes "
                "of memory: the header is wrong (or the file far too large to load)."
            )
        return n_words, dim
    row = 4 * dim + 2 if binary else 2 * dim + 1
    needed = len(head.split(b"\n", 1)[0]) + 1 + n_words * row
    size = path.stat().st_size
    if size < needed:
        raise ValueError(
            f"The vectors file {str(path)!r} is {size:,} bytes, but its header promises "
            f"{n_words:,} vectors of dimension {dim}, which need at least {needed:,} bytes: "
            "the file is truncated or its header is wrong."
        )
    return n_words, dim


def load_vectors_file(
    path: str | os.PathLike, vectors_format: str = "auto"
) -> tuple[list[str], np.ndarray, SubwordTable | None]:
    """Read a vectors file into plain data.

    Parameters
    ----------
    path : str or path-like
        The file (``.gz`` and ``.bz2`` are decompressed on the fly).
    vectors_format : {"auto", "word2vec_binary", "word2vec_text", "glove", "fasttext_bin"}
        The format; "auto" detects it.

    Returns
    -------
    words : list of str
    vectors : ndarray of float32, shape (len(words), dim)
    subwords : SubwordTable or None
        The n-gram table of a fastText ``.bin`` model.
    """
    from gensim.models import KeyedVectors

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"Vectors file not found: {str(path)!r}")
    if path.is_dir():
        raise ValueError(f"Expected a vectors file, got the directory {str(path)!r}.")
    if not _open_head(path, 1):
        raise ValueError(f"The vectors file {str(path)!r} is empty.")
    fmt = detect_format(path) if vectors_format == "auto" else vectors_format
    if fmt == "fasttext_bin" and path.suffix in COMPRESSED_SUFFIXES:
        # gensim reads a .bin's matrices with np.fromfile, which reads a compressed
        # file's raw bytes: decompress to a temporary file first
        with _decompressed(path) as plain:
            try:
                return load_vectors_file(plain, fmt)
            except ValueError as exc:  # name the file the user gave
                message = str(exc).replace(repr(str(plain)), repr(str(path)))
                raise ValueError(message) from None
    if fmt in ("word2vec_binary", "word2vec_text"):
        check_header_against_size(path, binary=fmt == "word2vec_binary")
    if fmt in ("word2vec_text", "glove"):
        check_text_rows(path, fmt)
    if fmt == "fasttext_bin":
        check_fasttext_bin(path)
    try:
        if fmt == "fasttext_bin":
            from gensim.models.fasttext import load_facebook_vectors

            kv = load_facebook_vectors(str(path))
        else:
            kv = KeyedVectors.load_word2vec_format(
                str(path),
                binary=fmt == "word2vec_binary",
                no_header=fmt == "glove",
                unicode_errors="strict",
            )
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"Malformed {fmt} vectors file {str(path)!r}: a word is not valid UTF-8 ({exc}). "
            "Words are read as UTF-8, strictly; convert the file to UTF-8 first."
        ) from None
    except (ValueError, EOFError, IndexError, AssertionError) as exc:
        raise ValueError(f"Malformed {fmt} vectors file {str(path)!r}: {exc}") from None
    except Exception as exc:
        if not _is_decompression_error(exc):
            raise
        raise ValueError(f"Could not decompress the vectors file {str(path)!r}: {exc}") from None
    if fmt != "fasttext_bin" and len(kv.key_to_index) < len(kv.index_to_key):
        # gensim skips a duplicated word of a binary file but keeps its preallocated
        # row, under the key None, at the end: drop those rows
        n = len(kv.key_to_index)
        kv.index_to_key, kv.vectors = kv.index_to_key[:n], kv.vectors[:n]
    if fmt == "glove" and kv.index_to_key and str(kv.index_to_key[0]).startswith("\ufeff"):
        # a UTF-8 byte-order mark (editors on Windows write one) is not part of the word;
        # dropped before the check, which then sees the word as it is (a duplicate too)
        kv.index_to_key[0] = kv.index_to_key[0][1:]
    return keyed_vectors_to_arrays(kv, source=f"the vectors file {str(path)!r}")


@contextmanager
def _decompressed(path: Path) -> Iterator[Path]:
    """A decompressed copy of ``path`` in a scratch file (gone afterwards, even after a kill)."""
    import shutil

    from gensim import utils

    from ._io import scratch_file

    with scratch_file(prefix="skembed-", suffix=".bin") as name:
        with open(name, "wb") as out, utils.open(str(path), "rb") as src:
            try:
                shutil.copyfileobj(src, out, 1 << 20)
            except Exception as exc:
                if not _is_decompression_error(exc):
                    raise
                raise ValueError(
                    f"Could not decompress the vectors file {str(path)!r}: {exc}"
                ) from None
        yield Path(name)


def check_fasttext_bin(path: Path) -> None:
    """Walk the header and vocabulary of a fastText ``.bin`` model, checking sizes.

    gensim's reader loops forever on a vocabulary cut short (it reads one byte
    at a time until a NUL that never comes), fails with a ``struct.error`` on a
    header cut short, and allocates the n-gram matrix its header asks for
    before reading it. This walks the same fields, the way gensim reads them,
    over a memory map of the file (the words are found with ``find``, not read
    byte by byte), and checks that every part the header promises is in the
    file before gensim allocates anything.
    """
    import mmap
    import struct

    name = str(path)
    size = path.stat().st_size

    def truncated(what: str, needed: int) -> ValueError:
        return ValueError(
            f"The fastText model {name!r} is truncated or damaged: {what} needs at least "
            f"{needed:,} bytes, the file has {size:,}."
        )

    if size < 8:
        raise truncated("the magic number and version", 8)
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        pos = 0

        def unpack(fmt: str, what: str) -> tuple:
            nonlocal pos
            n = struct.calcsize(fmt)
            if pos + n > size:
                raise truncated(what, pos + n)
            values = struct.unpack_from(fmt, mm, pos)
            pos += n
            return values

        magic, _ = unpack("@2i", "the magic number")
        new_format = magic == _FASTTEXT_MAGIC
        if new_format:
            params = unpack("@12i1d", "the header")
            dim, bucket = params[0], params[8]
        else:  # fastText before 2017: no magic number, the header starts with dim
            params = unpack("@10i1d", "the header")
            dim, bucket = magic, params[6]
        if not 0 < dim <= MAX_DIM or bucket < 0:
            raise ValueError(
                f"The header of the fastText model {name!r} says dimension {dim} and {bucket} "
                f"buckets; expected a dimension between 1 and {MAX_DIM} and buckets >= 0: the "
                "file is damaged or not a fastText .bin model."
            )
        vocab_size, nwords, nlabels = unpack("@3i", "the vocabulary header")
        if nlabels > 0:
            raise ValueError(
                f"{name!r} is a supervised fastText model (a classifier with {nlabels} labels); "
                "only unsupervised models, which hold word vectors, can be loaded."
            )
        unpack("@q", "the vocabulary header")
        prune = unpack("@q", "the vocabulary header")[0] if new_format else 0
        if not 0 <= nwords <= vocab_size:
            raise ValueError(
                f"The fastText model {name!r} says {nwords} words in a vocabulary of "
                f"{vocab_size}: the file is damaged."
            )
        entry = 10  # the shortest entry: an empty word, its NUL, a count and a type byte
        if pos + vocab_size * entry > size:
            raise truncated(f"a vocabulary of {vocab_size:,} words", pos + vocab_size * entry)
        for i in range(vocab_size):
            end = mm.find(b"\0", pos)
            if end < 0 or end + 1 + 9 > size:
                raise truncated(f"word {i} of the {vocab_size:,} of the vocabulary", size + 1)
            pos = end + 1 + 9
        if prune > 0:
            pos += 8 * prune
        if new_format:
            (quantized,) = unpack("@?", "the matrix header")
            if quantized:
                raise ValueError(
                    f"{name!r} is a quantized fastText model (.ftz); only full .bin models "
                    "can be loaded."
                )
        n_rows, n_cols = unpack("@2q", "the matrix header")
        if n_cols != dim or n_rows != nwords + bucket:
            raise ValueError(
                f"The fastText model {name!r} has a matrix of shape ({n_rows}, {n_cols}); its "
                f"header says ({nwords + bucket}, {dim}) ({nwords} words + {bucket} buckets, "
                f"dimension {dim}): the file is damaged."
            )
        needed = pos + n_rows * n_cols * 4
        if needed > size:
            raise truncated(f"a matrix of {n_rows:,} x {n_cols} float32 values", needed)


def keyed_vectors_to_arrays(
    kv: Any, *, source: str = "the KeyedVectors"
) -> tuple[list[str], np.ndarray, SubwordTable | None]:
    """Copy a gensim ``KeyedVectors`` (or ``FastTextKeyedVectors``) out as plain data.

    Keys that are not strings (gensim accepts any hashable) are converted with
    ``str``, as the keys of a ``{word: vector}`` mapping are; the result is
    checked by :func:`check_word_vectors`. ``source`` names the vectors in
    error messages.
    """
    words = str_words(kv.index_to_key, source=source)
    subwords = None
    if getattr(kv, "bucket", 0) and getattr(kv, "vectors_ngrams", None) is not None:
        subwords = SubwordTable(
            min_n=int(kv.min_n),
            max_n=int(kv.max_n),
            bucket=int(kv.bucket),
            vectors=np.ascontiguousarray(kv.vectors_ngrams, dtype=np.float32),
        )
    return check_word_vectors(words, kv.vectors, subwords, source=source)


def str_words(keys: Any, *, source: str = "the vectors") -> list[str]:
    """The words of ``keys`` as ``str``: other keys (e.g. ints) are converted with ``str``.

    Tokens are strings, so a key that stays an int could never match one. Two
    different keys that become the same string (``1`` and ``"1"``) are refused,
    and so are ``bytes`` keys, whose ``str`` (``"b'cat'"``) is not the word.

    Raises
    ------
    TypeError
        A key is ``bytes``.
    ValueError
        Two keys become the same word.
    """
    keys = list(keys)
    if set(map(type, keys)) <= {str}:
        return keys
    words = []
    for i, key in enumerate(keys):
        if isinstance(key, (bytes, bytearray)):
            raise TypeError(
                f"The word at row {i} of {source} is bytes ({key!r}); expected str. Decode "
                "the keys first, e.g. key.decode('utf-8')."
            )
        words.append(key if type(key) is str else str(key))
    first: dict[str, int] = {}
    for i, word in enumerate(words):
        j = first.setdefault(word, i)
        if j != i and not (type(keys[i]) is type(keys[j]) and keys[i] == keys[j]):
            raise ValueError(
                f"The keys {keys[j]!r} ({type(keys[j]).__name__}, row {j}) and {keys[i]!r} "
                f"({type(keys[i]).__name__}, row {i}) of {source} are both the word "
                f"{word!r} once converted to str: keep only one of them."
            )
    return words


_KIND_NAMES = {"b": "bool", "c": "complex", "O": "object", "U": "str", "S": "bytes", "V": "void"}


def _check_real_dtype(dtype: np.dtype, what: str) -> None:
    if dtype.kind not in "fiu":
        name = _KIND_NAMES.get(dtype.kind, str(dtype))
        raise TypeError(f"{what} holds {name} values (dtype {dtype}); expected real numbers.")


def mapping_to_arrays(
    mapping: Any, *, source: str = "the vectors mapping"
) -> tuple[list[str], np.ndarray, None]:
    """Plain ``(words, matrix, None)`` from a ``{word: vector}`` mapping, checked.

    Each value must be a 1-D sequence (or array) of real numbers, all of the
    same length; the keys are converted to ``str`` (see :func:`str_words`).
    """
    words = str_words(mapping.keys(), source=source)
    rows: list[np.ndarray] = []
    dim, first = 0, None
    for word, value in zip(words, mapping.values(), strict=True):
        if isinstance(value, (str, bytes, bytearray)):
            raise TypeError(
                f"The vector of {word!r} is a {type(value).__name__}; expected numbers."
            )
        try:
            row = np.asarray(value)
        except (ValueError, TypeError) as exc:  # e.g. a ragged nested list
            raise ValueError(f"The vector of {word!r} is not an array of numbers: {exc}") from None
        _check_real_dtype(row.dtype, f"The vector of {word!r}")
        if row.ndim != 1:
            raise ValueError(
                f"The vector of {word!r} has shape {row.shape}; expected a 1-D vector."
            )
        if first is None:
            dim, first = len(row), word
        elif len(row) != dim:
            raise ValueError(
                f"{source[:1].upper()}{source[1:]} has vectors of different lengths: the "
                f"vector of {word!r} has {len(row)} values; expected {dim} like {first!r}."
            )
        rows.append(row)
    # in the values' own dtype: the check casts to float32 and names a value too large for it
    matrix = np.array(rows) if rows else np.zeros((0, 0), np.float32)
    return check_word_vectors(words, matrix, None, source=source)  # type: ignore[return-value]


#: NaN and inf are looked for in blocks of about this many bytes of float32: a
#: memory-mapped matrix is read through its map, block by block, never whole.
_CHECK_BLOCK_BYTES = 1 << 24


def _first_nonfinite_row(matrix: np.ndarray) -> int | None:
    """The first row of ``matrix`` with a NaN or inf once cast to float32, or None."""
    step = max(1, _CHECK_BLOCK_BYTES // (4 * max(1, matrix.shape[1])))
    for start in range(0, matrix.shape[0], step):
        block = matrix[start : start + step]
        if block.dtype != np.float32:
            with np.errstate(over="ignore", invalid="ignore"):
                block = block.astype(np.float32)
        finite = np.isfinite(block)
        if not finite.all():
            return start + int(np.flatnonzero(~finite.all(axis=1))[0])
    return None


def check_word_vectors(
    words: Any,
    matrix: Any,
    subwords: SubwordTable | None = None,
    *,
    source: str = "the vectors",
) -> tuple[list[str], np.ndarray, SubwordTable | None]:
    """Check a word list and its matrix: what every source of vectors goes through last.

    Files, native stores, gensim ``KeyedVectors``, ``{word: vector}`` mappings
    and fitted vectorizers all end here, so they are held to the same rules.

    Parameters
    ----------
    words : sequence of str
        The words, in row order. A word given twice keeps its first row (the
        way gensim reads a file holding a word twice).
    matrix : array-like of shape (len(words), dim)
        Their vectors: real numbers (integers or floats), ``dim >= 1``, finite
        once cast to float32.
    subwords : SubwordTable or None
        fastText n-gram vectors: of the same dimension, finite too.
    source : str
        What the vectors are, for error messages (e.g. "the vectors file 'x.txt'").

    Returns
    -------
    words : list of str
        Distinct words.
    matrix : ndarray of float32, shape (len(words), dim), C order
        ``matrix`` itself when it already is one (a memory map stays one: it is
        checked in blocks, not copied), else a float32 copy.
    subwords : SubwordTable or None

    Raises
    ------
    TypeError
        A word is not a str, or the matrix does not hold real numbers.
    ValueError
        No words, a matrix of another shape, a dimension of 0, or a NaN or inf.
    """
    words = list(words)
    if not set(map(type, words)) <= {str}:
        for i, word in enumerate(words):
            if not isinstance(word, str):
                raise TypeError(
                    f"The word at row {i} of {source} is {type(word).__name__} {word!r}; "
                    "expected str."
                )
            words[i] = str(word)  # a str subclass (numpy.str_): a plain str
    if not isinstance(matrix, np.ndarray):  # (an np.memmap is one: it is kept)
        matrix = np.asarray(matrix)
    _check_real_dtype(np.dtype(matrix.dtype), f"The matrix of {source}")
    if len(words) == 0:
        raise ValueError(f"The pretrained vectors hold no words ({source} is empty).")
    if matrix.ndim != 2 or matrix.shape[0] != len(words):
        raise ValueError(
            f"{source[:1].upper()}{source[1:]} has {len(words)} words but a matrix of shape "
            f"{tuple(matrix.shape)}; expected one row per word, shape ({len(words)}, dim)."
        )
    if matrix.shape[1] == 0:
        raise ValueError(
            f"{source[:1].upper()}{source[1:]} has vectors of dimension 0; expected at least "
            "one value per word."
        )
    source_rows = None
    if len(set(words)) != len(words):
        first: dict[str, int] = {}
        for i, word in enumerate(words):
            first.setdefault(word, i)
        source_rows = np.fromiter(first.values(), dtype=np.int64, count=len(first))
        words, matrix = list(first), matrix[source_rows]
    if isinstance(matrix, np.ndarray) and matrix.dtype == np.float32 and matrix.flags.c_contiguous:
        vectors = matrix  # no copy: a memory map stays one
    else:
        with np.errstate(over="ignore", invalid="ignore"):  # overflows are named below
            vectors = np.ascontiguousarray(matrix, dtype=np.float32)
    bad = _first_nonfinite_row(vectors)
    if bad is not None:
        row = bad if source_rows is None else int(source_rows[bad])
        original = np.asarray(matrix[bad])
        why = (
            "values too large for float32 (over 3.4e38 in absolute value)"
            if np.isfinite(original).all()
            else "NaN or inf values"
        )
        raise ValueError(
            f"The vector of {words[bad]!r} (row {row}) has {why}, in {source}; expected "
            "finite numbers."
        )
    if subwords is not None:
        if not isinstance(subwords, SubwordTable):
            raise TypeError(
                f"The subwords of {source} must be a SubwordTable or None; got "
                f"{type(subwords).__name__}."
            )
        ngrams = subwords.vectors
        _check_real_dtype(np.dtype(ngrams.dtype), f"The n-gram matrix of {source}")
        if ngrams.shape[1] != vectors.shape[1]:
            raise ValueError(
                f"The n-gram vectors of {source} have dimension {ngrams.shape[1]}, its word "
                f"vectors {vectors.shape[1]}; expected the same."
            )
        bad = _first_nonfinite_row(ngrams)
        if bad is not None:
            raise ValueError(
                f"The n-gram vector at row {bad} of {source} has NaN or inf values (or values "
                "too large for float32); expected finite numbers."
            )
    return words, vectors, subwords


def arrays_to_keyed_vectors(words: list[str], vectors: np.ndarray):
    """A gensim ``KeyedVectors`` over ``words`` and ``vectors`` (the matrix is shared)."""
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vectors.shape[1], count=0, dtype=vectors.dtype)
    kv.index_to_key = list(words)
    kv.key_to_index = {w: i for i, w in enumerate(kv.index_to_key)}
    kv.vectors = vectors
    kv.expandos = {}
    return kv
