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

    with utils.open(str(path), "rb") as fh:
        return fh.read(n)


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
            [float(x) for x in parts[-dim:]]
            if len(parts) >= dim + 1:
                return "word2vec_text"
        except (UnicodeDecodeError, ValueError):
            pass
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


#: Sanity bound on a header's dimension: no real embedding is this wide.
MAX_DIM = 100_000


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
    n_words, dim = int(first[0]), int(first[1])
    if n_words <= 0 or not 0 < dim <= MAX_DIM:
        raise ValueError(
            f"The header of {str(path)!r} says {n_words} words of dimension {dim}; expected "
            f"at least 1 word and a dimension between 1 and {MAX_DIM}."
        )
    if path.suffix in (".gz", ".bz2"):
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
    fmt = detect_format(path) if vectors_format == "auto" else vectors_format
    if fmt in ("word2vec_binary", "word2vec_text"):
        check_header_against_size(path, binary=fmt == "word2vec_binary")
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
    except (ValueError, EOFError, UnicodeDecodeError, IndexError, AssertionError) as exc:
        raise ValueError(f"Malformed {fmt} vectors file {str(path)!r}: {exc}") from None
    return keyed_vectors_to_arrays(kv)


def keyed_vectors_to_arrays(kv: Any) -> tuple[list[str], np.ndarray, SubwordTable | None]:
    """Copy a gensim ``KeyedVectors`` (or ``FastTextKeyedVectors``) out as plain data."""
    words = list(kv.index_to_key)
    vectors = np.ascontiguousarray(kv.vectors, dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise ValueError(
            f"Inconsistent vectors: {len(words)} words but a matrix of shape {vectors.shape}."
        )
    for start in range(0, len(vectors), 65_536):  # in blocks: no matrix-sized temporary
        block = vectors[start : start + 65_536]
        if not np.isfinite(block).all():
            bad = start + int(np.flatnonzero(~np.isfinite(block).all(axis=1))[0])
            raise ValueError(f"The vector of {words[bad]!r} (row {bad}) has NaN or inf values.")
    subwords = None
    if getattr(kv, "bucket", 0) and getattr(kv, "vectors_ngrams", None) is not None:
        subwords = SubwordTable(
            min_n=int(kv.min_n),
            max_n=int(kv.max_n),
            bucket=int(kv.bucket),
            vectors=np.ascontiguousarray(kv.vectors_ngrams, dtype=np.float32),
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
