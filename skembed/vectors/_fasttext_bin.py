"""Facebook fastText ``.bin`` models: checked before gensim reads them, compressed too.

gensim's reader loops forever on a vocabulary cut short (it reads one byte at
a time until a NUL that never comes), fails with a ``struct.error`` on a
header cut short, and allocates the n-gram matrix its header asks for before
reading it; it reads the matrices with ``np.fromfile``, which would read a
compressed file's raw bytes. :func:`check_fasttext_bin` walks the same fields
first, and a compressed model is decompressed to a scratch file.
"""

from __future__ import annotations

import mmap
import struct
from pathlib import Path

from ._check import MAX_DIM
from ._files import COMPRESSED_SUFFIXES, decompressed, gensim_errors, open_head
from ._word_vectors import WordVectors

__all__ = ["FASTTEXT_MAGIC", "check_fasttext_bin", "read_fasttext_bin"]

#: The first int32 of a Facebook fastText .bin model (since 2017).
FASTTEXT_MAGIC = 793712314


class _Walker:
    """Reads the fields of a memory-mapped ``.bin`` in order, refusing to run past its end."""

    def __init__(self, mm: mmap.mmap, name: str, size: int):
        self.mm, self.name, self.size, self.pos = mm, name, size, 0

    def truncated(self, what: str, needed: int) -> ValueError:
        return _truncated(self.name, self.size, what, needed)

    def unpack(self, fmt: str, what: str) -> tuple:
        n = struct.calcsize(fmt)
        if self.pos + n > self.size:
            raise self.truncated(what, self.pos + n)
        values = struct.unpack_from(fmt, self.mm, self.pos)
        self.pos += n
        return values


def _truncated(name: str, size: int, what: str, needed: int) -> ValueError:
    return ValueError(
        f"The fastText model {name!r} is truncated or damaged: {what} needs at least "
        f"{needed:,} bytes, the file has {size:,}."
    )


def check_fasttext_bin(path: Path) -> None:
    """Walk the header and vocabulary of a fastText ``.bin`` model, checking sizes.

    The fields are walked the way gensim reads them, over a memory map of the
    file (the words are found with ``find``, not read byte by byte), and every
    part the header promises is checked to be in the file before gensim
    allocates anything. Supervised (classifier) and quantized (``.ftz``)
    models are refused: they hold no word vectors gensim can read.

    Raises
    ------
    ValueError
        The file is truncated, its header is not sane, or it is another kind of model.
    """
    name, size = str(path), path.stat().st_size
    if size < 8:
        raise _truncated(name, size, "the magic number and version", 8)
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        walker = _Walker(mm, name, size)
        dim, bucket, new_format = _walk_header(walker)
        nwords = _walk_vocabulary(walker, new_format)
        _walk_matrix_header(walker, new_format, dim, nwords + bucket, nwords, bucket)


def _walk_header(walker: _Walker) -> tuple[int, int, bool]:
    """``(dim, bucket, new_format)`` of the model's header."""
    magic, _ = walker.unpack("@2i", "the magic number")
    new_format = magic == FASTTEXT_MAGIC
    if new_format:
        params = walker.unpack("@12i1d", "the header")
        dim, bucket = params[0], params[8]
    else:  # fastText before 2017: no magic number, the header starts with dim
        params = walker.unpack("@10i1d", "the header")
        dim, bucket = magic, params[6]
    if not 0 < dim <= MAX_DIM or bucket < 0:
        raise ValueError(
            f"The header of the fastText model {walker.name!r} says dimension {dim} and "
            f"{bucket} buckets; expected a dimension between 1 and {MAX_DIM} and buckets >= 0: "
            "the file is damaged or not a fastText .bin model."
        )
    return dim, bucket, new_format


def _walk_vocabulary(walker: _Walker, new_format: bool) -> int:
    """Walk the vocabulary (every word must end in the file); return its number of words."""
    vocab_size, nwords, nlabels = walker.unpack("@3i", "the vocabulary header")
    if nlabels > 0:
        raise ValueError(
            f"{walker.name!r} is a supervised fastText model (a classifier with {nlabels} "
            "labels); only unsupervised models, which hold word vectors, can be loaded."
        )
    walker.unpack("@q", "the vocabulary header")
    prune = walker.unpack("@q", "the vocabulary header")[0] if new_format else 0
    if not 0 <= nwords <= vocab_size:
        raise ValueError(
            f"The fastText model {walker.name!r} says {nwords} words in a vocabulary of "
            f"{vocab_size}: the file is damaged."
        )
    entry = 10  # the shortest entry: an empty word, its NUL, a count and a type byte
    if walker.pos + vocab_size * entry > walker.size:
        raise walker.truncated(
            f"a vocabulary of {vocab_size:,} words", walker.pos + vocab_size * entry
        )
    for i in range(vocab_size):
        end = walker.mm.find(b"\0", walker.pos)
        if end < 0 or end + 1 + 9 > walker.size:
            raise walker.truncated(
                f"word {i} of the {vocab_size:,} of the vocabulary", walker.size + 1
            )
        walker.pos = end + 1 + 9
    if prune > 0:
        walker.pos += 8 * prune
    return nwords


def _walk_matrix_header(
    walker: _Walker, new_format: bool, dim: int, expected_rows: int, nwords: int, bucket: int
) -> None:
    """Check the input matrix's header against the model's, and its size against the file."""
    if new_format:
        (quantized,) = walker.unpack("@?", "the matrix header")
        if quantized:
            raise ValueError(
                f"{walker.name!r} is a quantized fastText model (.ftz); only full .bin models "
                "can be loaded."
            )
    n_rows, n_cols = walker.unpack("@2q", "the matrix header")
    if n_cols != dim or n_rows != expected_rows:
        raise ValueError(
            f"The fastText model {walker.name!r} has a matrix of shape ({n_rows}, {n_cols}); "
            f"its header says ({expected_rows}, {dim}) ({nwords} words + {bucket} buckets, "
            f"dimension {dim}): the file is damaged."
        )
    needed = walker.pos + n_rows * n_cols * 4
    if needed > walker.size:
        raise walker.truncated(f"a matrix of {n_rows:,} x {n_cols} float32 values", needed)


def read_fasttext_bin(path: Path) -> WordVectors:
    """Read a fastText ``.bin`` model's word and n-gram vectors (compressed too).

    Parameters
    ----------
    path : Path
        The model; a compressed one (``.bin.gz``, ...) is decompressed to a
        scratch file first, and errors name ``path``.

    Returns
    -------
    WordVectors
        With the model's :class:`~skembed.SubwordTable`.
    """
    if path.suffix in COMPRESSED_SUFFIXES:
        return _read_compressed(path)
    from gensim.models.fasttext import load_facebook_vectors

    check_fasttext_bin(path)
    with gensim_errors(path, "fasttext_bin"):
        kv = load_facebook_vectors(str(path))
    return WordVectors.from_keyed_vectors(kv, source=f"the vectors file {str(path)!r}")


def _read_compressed(path: Path) -> WordVectors:
    with decompressed(path) as plain:
        try:
            if not open_head(plain, 1):
                raise ValueError(f"The vectors file {str(plain)!r} is empty.")
            return read_fasttext_bin(plain)
        except ValueError as exc:  # name the file the user gave
            raise ValueError(str(exc).replace(repr(str(plain)), repr(str(path)))) from None
