"""Reading a vectors file of any format: the format names, detection, one reader."""

from __future__ import annotations

import os
from pathlib import Path

from ._fasttext_bin import FASTTEXT_MAGIC, read_fasttext_bin
from ._files import check_vectors_file, open_head
from ._model2vec import is_model2vec_folder, read_model2vec
from ._word2vec import detect_text_format, read_word2vec_format
from ._word_vectors import WordVectors

__all__ = ["VECTORS_FORMATS", "detect_format", "read_vectors"]

#: The values of ``vectors_format``: "auto" detects the format from the first bytes
#: (or, for a directory, from the names of its files).
VECTORS_FORMATS = (
    "auto",
    "word2vec_binary",
    "word2vec_text",
    "glove",
    "fasttext_bin",
    "model2vec",
)


def detect_format(path: str | os.PathLike) -> str:
    """Guess the format of a vectors file from its first bytes (of a folder, from its files).

    Parameters
    ----------
    path : str or path-like
        The file (compressed files are looked into), or a model2vec folder.

    Returns
    -------
    str
        One of ``"fasttext_bin"``, ``"word2vec_binary"``, ``"word2vec_text"``
        (header line ``n_words dim``; fastText ``.vec`` files are this format),
        ``"glove"`` (no header) or ``"model2vec"`` (a directory holding
        ``model.safetensors`` or ``tokenizer.json``, see
        :func:`~skembed.vectors.is_model2vec_folder`).

    Raises
    ------
    ValueError
        The file is empty or of no known format, or the directory is not a
        model2vec folder.
    """
    path = Path(path)
    if path.is_dir():
        return _directory_format(path)
    head = open_head(path)
    if not head:
        raise ValueError(f"The vectors file {str(path)!r} is empty.")
    if len(head) >= 4 and int.from_bytes(head[:4], "little") == FASTTEXT_MAGIC:
        return "fasttext_bin"
    return detect_text_format(path, head)


def _directory_format(path: Path) -> str:
    """The format of a directory: "model2vec" for a model2vec folder, else a ValueError."""
    if is_model2vec_folder(path):
        return "model2vec"
    if (path / "manifest.json").is_file():
        raise ValueError(
            f"Expected a vectors file, got the directory {str(path)!r}, which holds a "
            "manifest.json: open a skembed vectors store with skembed.open_vectors, or pass "
            "its path as vectors= (as_word_vectors opens it)."
        )
    raise ValueError(
        f"Expected a vectors file, got the directory {str(path)!r}: it is neither a skembed "
        "vectors store (no manifest.json) nor a model2vec folder (no model.safetensors or "
        "tokenizer.json)."
    )


def read_vectors(path: str | os.PathLike, vectors_format: str = "auto") -> WordVectors:
    """Read a word2vec, GloVe or fastText vectors file or a model2vec folder, checking it.

    Parameters
    ----------
    path : str or path-like
        The file (``.gz``, ``.bz2``, ``.xz``, ``.lz4`` and ``.zst`` are
        decompressed on the fly), or a model2vec folder (see
        :func:`~skembed.vectors.read_model2vec`).
    vectors_format : {"auto", "word2vec_binary", "word2vec_text", "glove", \
"fasttext_bin", "model2vec"}, default="auto"
        The format; "auto" detects it (:func:`detect_format`). fastText
        ``.vec`` files are "word2vec_text".

    Returns
    -------
    WordVectors
        The words (a word the file holds twice keeps its first row), the
        float32 matrix and, for a fastText ``.bin`` model, its n-gram table
        (for a model2vec folder, its :class:`~skembed.vectors.TokenizerSubwords`).

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    ValueError
        The file is empty, truncated, lies in its header, has rows of
        different widths, words that are not UTF-8, values that are not
        finite float32, or is not of a known format; a directory is not a
        model2vec folder, or one of its files is damaged. The message names
        the file.

    Examples
    --------
    >>> import tempfile
    >>> from skembed.vectors import read_vectors
    >>> path = tempfile.mkdtemp() + "/tiny.txt"
    >>> _ = open(path, "w").write("cat 1.0 0.0\\ndog 0.5 0.5\\n")  # GloVe: no header
    >>> read_vectors(path)
    <WordVectors: 2 words x 2, float32>
    """
    if vectors_format == "model2vec" or (vectors_format == "auto" and Path(path).is_dir()):
        if vectors_format == "auto":
            _directory_format(Path(path))  # a clear error for other directories
        return read_model2vec(path)
    path = check_vectors_file(path)
    fmt = detect_format(path) if vectors_format == "auto" else vectors_format
    if fmt == "fasttext_bin":
        return read_fasttext_bin(path)
    return read_word2vec_format(path, fmt)
