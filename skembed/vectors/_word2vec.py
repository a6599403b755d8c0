"""Text-family vectors files: word2vec binary and text, fastText ``.vec``, GloVe.

All are read by gensim's ``KeyedVectors.load_word2vec_format``; this module
tells them apart, and checks what gensim does not before it reads: a header
(``n_words dim``) against the size of the file, before gensim allocates the
matrix it promises; every text row's width, which gensim would broadcast or
fail on without naming the line; words that are not UTF-8. After reading it
drops the rows gensim keeps for a duplicated word of a binary file, and a
UTF-8 byte-order mark before a GloVe file's first word.
"""

from __future__ import annotations

from pathlib import Path

from .._io import physical_memory
from ._check import MAX_DIM
from ._files import COMPRESSED_SUFFIXES, decompression_errors, gensim_errors, open_head
from ._word_vectors import WordVectors

__all__ = [
    "WORD2VEC_FORMATS",
    "check_header_against_size",
    "check_text_rows",
    "detect_text_format",
    "read_word2vec_format",
]

#: The formats of this family, as ``vectors_format`` names them.
WORD2VEC_FORMATS = ("word2vec_binary", "word2vec_text", "glove")


# ---------------------------------------------------------------- format detection
def detect_text_format(path: Path, head: bytes) -> str:
    """``"word2vec_binary"``, ``"word2vec_text"`` or ``"glove"``, from the first bytes ``head``.

    A header line ``n_words dim`` makes it word2vec (fastText ``.vec`` files
    are word2vec text): text if the rows after it are a word and numbers,
    binary otherwise. No header and a first line of a word and numbers make
    it GloVe; anything else is refused.
    """
    first, _, rest = head.partition(b"\n")
    fields = first.split()
    if len(fields) == 2 and all(f.isdigit() for f in fields):
        return _word2vec_kind(int(fields[1]), rest)
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


def _word2vec_kind(dim: int, rest: bytes) -> str:
    """Text or binary, from what follows a word2vec header of dimension ``dim``."""
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


# ---------------------------------------------------------------- checks before reading
def check_text_rows(path: Path, fmt: str) -> None:
    """Check that every row of a text vectors file has the same number of values.

    gensim assigns each parsed row into a preallocated matrix row, so a row
    holding a single value is silently broadcast to the whole row, and other
    wrong lengths fail with a numpy message that names no line. This pass
    counts the values of each row (the spaces of the right-stripped line, the
    way gensim splits it) without parsing them. For ``word2vec_text`` it also
    checks the number of rows against the header.
    """
    from gensim import utils

    with decompression_errors(path), utils.open(str(path), "rb") as fh:
        if fmt == "word2vec_text":
            header = fh.readline().split()
            n_words, dim, what, first_line = int(header[0]), int(header[1]), "its header says", 2
        else:
            n_words, dim, what, first_line = None, None, "its first line has", 1
        n_rows = 0
        for line_no, line in enumerate(fh, start=first_line):
            if n_words is not None and n_rows == n_words:
                _refuse_extra_row(path, fmt, line, line_no, n_words)
                continue
            dim = _check_row_width(path, fmt, line, line_no, dim, what)
            n_rows += 1
        if n_words is not None and n_rows < n_words:
            raise ValueError(
                f"Malformed {fmt} vectors file {str(path)!r}: it holds {n_rows:,} rows, but its "
                f"header promises {n_words:,}: the file is truncated or its header is wrong."
            )


def _refuse_extra_row(path: Path, fmt: str, line: bytes, line_no: int, n_words: int) -> None:
    if line.strip():
        raise ValueError(
            f"Malformed {fmt} vectors file {str(path)!r}: it holds more rows than "
            f"the {n_words:,} its header says (line {line_no} is one more): the "
            "header is wrong."
        )


def _check_row_width(
    path: Path, fmt: str, line: bytes, line_no: int, dim: int | None, what: str
) -> int:
    """The dimension, checked against this row's number of values (set by the first row)."""
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
    return dim


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
    head = open_head(path, 4096)
    header = head.split(b"\n", 1)[0]
    first = header.split()
    if len(first) != 2 or not all(f.isdigit() for f in first):
        raise ValueError(
            f"The first line of {str(path)!r} is not a word2vec header 'n_words dim': got "
            f"{header[:80]!r}. Check vectors_format ('glove' files have no header)."
        )
    n_words, dim = int(first[0]), int(first[1])
    if n_words <= 0 or not 0 < dim <= MAX_DIM:
        raise ValueError(
            f"The header of {str(path)!r} says {n_words} words of dimension {dim}; expected "
            f"at least 1 word and a dimension between 1 and {MAX_DIM}."
        )
    if path.suffix in COMPRESSED_SUFFIXES:
        _check_header_against_memory(path, n_words, dim)
        return n_words, dim
    row = 4 * dim + 2 if binary else 2 * dim + 1
    needed = len(header) + 1 + n_words * row
    size = path.stat().st_size
    if size < needed:
        raise ValueError(
            f"The vectors file {str(path)!r} is {size:,} bytes, but its header promises "
            f"{n_words:,} vectors of dimension {dim}, which need at least {needed:,} bytes: "
            "the file is truncated or its header is wrong."
        )
    return n_words, dim


def _check_header_against_memory(path: Path, n_words: int, dim: int) -> None:
    """Refuse a compressed file's header whose matrix could never fit in memory.

    Its decompressed size is unknown without reading it all; gensim allocates
    the matrix before reading.
    """
    needed = n_words * dim * 4
    memory = physical_memory()
    if memory is not None and needed > memory:
        raise ValueError(
            f"The header of {str(path)!r} promises {n_words:,} vectors of dimension "
            f"{dim}, a {needed:,}-byte matrix, more than this machine's {memory:,} bytes "
            "of memory: the header is wrong (or the file far too large to load)."
        )


# ---------------------------------------------------------------- reading
def read_word2vec_format(path: Path, fmt: str) -> WordVectors:
    """Read a word2vec binary / text or GloVe file, after the checks above.

    Parameters
    ----------
    path : Path
        The file, compressed or not.
    fmt : {"word2vec_binary", "word2vec_text", "glove"}
        Its format.

    Returns
    -------
    WordVectors
        A word given twice keeps its first row.
    """
    from gensim.models import KeyedVectors

    if fmt in ("word2vec_binary", "word2vec_text"):
        check_header_against_size(path, binary=fmt == "word2vec_binary")
    if fmt in ("word2vec_text", "glove"):
        check_text_rows(path, fmt)
    with gensim_errors(path, fmt):
        kv = KeyedVectors.load_word2vec_format(
            str(path),
            binary=fmt == "word2vec_binary",
            no_header=fmt == "glove",
            unicode_errors="strict",
        )
    if len(kv.key_to_index) < len(kv.index_to_key):
        # gensim skips a duplicated word of a binary file but keeps its preallocated
        # row, under the key None, at the end: drop those rows
        n = len(kv.key_to_index)
        kv.index_to_key, kv.vectors = kv.index_to_key[:n], kv.vectors[:n]
    if fmt == "glove" and kv.index_to_key and str(kv.index_to_key[0]).startswith("\ufeff"):
        # a UTF-8 byte-order mark (editors on Windows write one) is not part of the word;
        # dropped before the check, which then sees the word as it is (a duplicate too)
        kv.index_to_key[0] = kv.index_to_key[0][1:]
    return WordVectors.from_keyed_vectors(kv, source=f"the vectors file {str(path)!r}")
