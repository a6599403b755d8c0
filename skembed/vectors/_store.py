"""skembed's native vectors store: a directory that opens in milliseconds, memory-mapped.

A store is a directory::

    store/
      manifest.json     format name and version, shape, dtype, subword settings,
                        and the size and sha256 of every other file
      vectors.npy       the float32 matrix, C order (an ordinary .npy file)
      vocab.txt         the words in row order, UTF-8, each followed by "\\n"
                        (vocab.json, a JSON list of strings, when a word holds
                        a newline or cannot be encoded in UTF-8)
      ngrams.npy        optional: fastText character n-gram vectors (float32)
      ngram_buckets.npy optional: the bucket number of each row of ngrams.npy (int64)
      token_vectors.npy optional, instead of the n-grams: the vector of each token of a
                        model2vec tokenizer (float32), its subwords entry of kind "tokenizer"
      tokenizer.json    with token_vectors.npy: that tokenizer (a tokenizers JSON file)

Opening a store reads the manifest and the vocabulary, checks every file's size
and ``.npy`` header against the manifest, and memory-maps the matrices: no
vector is read until it is used, and processes that open the same store share
its pages. Stores are written into a temporary directory beside the target
which is renamed into place once complete, so a crash never leaves a partial
store under the target name. A store is immutable once written; a memory-mapped
array of a store raises :class:`~skembed._io.StoreError` when it is checked
(:func:`~skembed._io.check_mapped`) after its file was changed in place.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._io import (
    StoreError,
    atomic_directory,
    check_relative,
    read_manifest,
    read_npy,
    read_vocab,
    verify_files,
    write_bytes,
    write_json,
    write_npy,
    write_vocab,
)
from .._version import __version__
from ._formats import read_vectors
from ._subwords import SUBWORD_TYPES, SubwordTable, TokenizerSubwords

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "MANIFEST",
    "convert_vectors",
    "is_native_store",
    "open_vectors",
    "save_vectors",
]

FORMAT_NAME = "skembed-vectors"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"


def is_native_store(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a directory holding a skembed vectors store.

    Only the manifest's format name is read; use :func:`open_vectors` to check
    the rest.

    Parameters
    ----------
    path : str or path-like
        Any path: a file, or one that does not exist, is not a store.

    Returns
    -------
    bool
        Whether ``path`` holds a manifest that names skembed's vectors format.
    """
    manifest = Path(path) / MANIFEST
    try:
        if not manifest.is_file():
            return False
        return json.loads(manifest.read_bytes()).get("format") == FORMAT_NAME
    except (OSError, ValueError, UnicodeDecodeError, AttributeError, RecursionError):
        return False


def _replaceable_store(path: Path) -> bool:
    """Whether ``save_vectors(path, ..., overwrite=True)`` may replace ``path``."""
    return is_native_store(path) or not any(path.iterdir())


# ---------------------------------------------------------------- writing
def save_vectors(
    path: str | os.PathLike,
    words: Sequence[str],
    vectors: np.ndarray,
    subwords: SubwordTable | TokenizerSubwords | None = None,
    *,
    overwrite: bool = False,
) -> Path:
    """Write a native vectors store, atomically.

    Parameters
    ----------
    path : str or path-like
        The store directory to create.
    words : sequence of str
        The words, in row order. Any string is accepted: a vocabulary with a
        newline in some word (or a lone surrogate) is stored as ``vocab.json``
        instead of ``vocab.txt``. Duplicates are kept as given.
    vectors : array-like of shape (len(words), dim)
        The vectors; stored as float32 in C order (converted in chunks, so a
        large memory-mapped matrix is never copied whole). NaN and inf are
        refused.
    subwords : SubwordTable or TokenizerSubwords, optional
        fastText character n-gram vectors, stored as ``ngrams.npy`` (and
        ``ngram_buckets.npy`` when only some buckets are kept); or the token
        vectors and tokenizer of a model2vec model, stored as
        ``token_vectors.npy`` and ``tokenizer.json``.
    overwrite : bool, default=False
        Replace an existing store (or empty directory) at ``path``. Anything
        else at ``path`` is never replaced.

    Returns
    -------
    path : Path
        The store.

    Notes
    -----
    The store is written into a hidden temporary directory beside ``path``,
    every file is fsynced, and the directory is renamed to ``path`` only when
    complete: a crash leaves either no store or the previous one. Processes
    (and fitted estimators) that memory-mapped the previous store keep
    reading their (now unlinked) copy, with its old values, safely on POSIX
    systems. A store is never changed once written.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from skembed.vectors import open_vectors, save_vectors
    >>> d = tempfile.mkdtemp()
    >>> _ = save_vectors(d + "/store", ["cat", "dog"], np.eye(2, dtype=np.float32))
    >>> words, vectors, subwords = open_vectors(d + "/store")
    >>> words, vectors.shape, subwords
    (['cat', 'dog'], (2, 2), None)
    """
    words, vectors = _checked_save_args(words, vectors, subwords)
    with atomic_directory(
        path, overwrite=overwrite, replaceable=_replaceable_store, what="vectors store"
    ) as tmp:
        files = {}
        files["vectors.npy"] = write_npy(
            tmp / "vectors.npy", vectors, np.float32, row_check=_finite_rows(words)
        )
        vocab_name, files[vocab_name] = write_vocab(tmp, "vocab", words)
        sub = None if subwords is None else _write_subwords(tmp, subwords, vectors.shape[1], files)
        manifest = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "shape": [len(words), int(vectors.shape[1])],
            "dtype": "float32",
            "vocab_file": vocab_name,
            "subwords": sub,
            "files": files,
            "created_by": f"skembed {__version__}",
        }
        write_json(tmp / MANIFEST, manifest)
    return Path(path)


def _checked_save_args(
    words: Sequence[str], vectors: Any, subwords: Any
) -> tuple[list[str], np.ndarray]:
    words = list(words)
    vectors = np.asarray(vectors)
    if vectors.ndim != 2:
        raise ValueError(f"vectors must be 2-D; got shape {vectors.shape}.")
    if vectors.shape[0] != len(words):
        raise ValueError(
            f"{len(words)} words but {vectors.shape[0]} rows of vectors: they must match."
        )
    if not np.issubdtype(vectors.dtype, np.number) or np.iscomplexobj(vectors):
        raise TypeError(f"vectors must be real numbers; got dtype {vectors.dtype}.")
    if subwords is not None and not isinstance(subwords, SUBWORD_TYPES):
        raise TypeError(
            f"subwords must be a SubwordTable, a TokenizerSubwords or None; got {type(subwords)}."
        )
    return words, vectors


def _finite_rows(words: list[str]):
    """A ``row_check`` for :func:`~skembed._io.write_npy`: refuses NaN and inf, naming the word."""

    def finite(chunk: np.ndarray, first: int) -> None:
        if not np.isfinite(chunk).all():
            bad = first + int(np.flatnonzero(~np.isfinite(chunk).all(axis=1))[0])
            raise ValueError(f"The vector of {words[bad]!r} (row {bad}) has NaN or inf values.")

    return finite


def _write_subwords(
    tmp: Path, subwords: SubwordTable | TokenizerSubwords, dim: int, files: dict
) -> dict:
    """Write ``ngrams.npy`` (and ``ngram_buckets.npy``); return the manifest's subwords entry."""
    if isinstance(subwords, TokenizerSubwords):
        return _write_tokenizer_subwords(tmp, subwords, dim, files)
    ngrams = np.asarray(subwords.vectors)
    if ngrams.ndim != 2 or ngrams.shape[1] != dim:
        raise ValueError(f"The n-gram vectors have shape {ngrams.shape}; expected (n, {dim}).")
    files["ngrams.npy"] = write_npy(tmp / "ngrams.npy", ngrams, np.float32)
    if subwords.bucket_ids is not None:
        ids = np.asarray(subwords.bucket_ids)
        if ids.shape != (ngrams.shape[0],):
            raise ValueError(f"bucket_ids has shape {ids.shape}; expected ({ngrams.shape[0]},).")
        files["ngram_buckets.npy"] = write_npy(tmp / "ngram_buckets.npy", ids, np.int64)
    return {
        "min_n": int(subwords.min_n),
        "max_n": int(subwords.max_n),
        "bucket": int(subwords.bucket),
        "shape": list(ngrams.shape),
        "bucket_ids": subwords.bucket_ids is not None,
    }


def _write_tokenizer_subwords(tmp: Path, subwords: TokenizerSubwords, dim: int, files: dict):
    """Write ``token_vectors.npy`` and ``tokenizer.json``; return the subwords entry."""
    vectors = subwords.vectors
    if vectors.shape[1] != dim:
        raise ValueError(f"The token vectors have shape {vectors.shape}; expected (n, {dim}).")
    files["token_vectors.npy"] = write_npy(tmp / "token_vectors.npy", vectors, np.float32)
    files["tokenizer.json"] = write_bytes(tmp / "tokenizer.json", subwords.tokenizer.encode())
    return {
        "kind": "tokenizer",
        "shape": list(vectors.shape),
        "normalize": subwords.normalize,
        "unk_id": subwords.unk_id,
        "max_length": subwords.max_length,
    }


# ---------------------------------------------------------------- opening
def _counts(value: Any, field: str, n: int) -> tuple[int, ...]:
    """``n`` non-negative ints from a manifest (not bools, floats or strings)."""
    if (
        not isinstance(value, list)
        or len(value) != n
        or any(type(x) is not int or x < 0 for x in value)
    ):
        raise StoreError(
            f"The manifest's {field} must be {n} non-negative integers; got {value!r}."
        )
    return tuple(value)


def open_vectors(
    path: str | os.PathLike, *, mmap: bool = True, verify: str = "size"
) -> tuple[list[str], np.ndarray, SubwordTable | TokenizerSubwords | None]:
    """Open a native vectors store.

    The store's own checks (manifest, sizes, ``.npy`` headers) are made; its
    values are not read. :func:`skembed.vectors.as_word_vectors` (what
    ``vectors=<store path>`` goes through) then checks them like every other
    source, reading the matrix through its map.

    Parameters
    ----------
    path : str or path-like
        The store directory.
    mmap : bool, default=True
        Memory-map the matrices read-only: opening reads no vector, memory is
        used only for the rows a computation touches, and processes share the
        pages. False reads them into ordinary (writable) arrays.
    verify : {"size", "sha256"}, default="size"
        "size" checks every file's size and every ``.npy`` header against the
        manifest (cheap: no data is read). "sha256" also hashes every file,
        which reads the whole store.

    Returns
    -------
    words : list of str
        The words, in row order.
    vectors : ndarray of float32, shape (len(words), dim)
        A read-only ``np.memmap`` when ``mmap`` is True.
    subwords : SubwordTable, TokenizerSubwords or None
        The store's n-gram vectors (or token vectors and tokenizer), if it has them.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    StoreError
        (a ``ValueError``) the manifest is missing, corrupt or of an unknown
        format version, or a file is missing, truncated or modified.

    Notes
    -----
    A store is immutable: what a memory-mapped array (and an estimator fitted
    on it) promises is the values the store had when it was opened.
    :func:`save_vectors` with ``overwrite=True`` renames a new directory into
    place, so arrays opened before keep their old, intact file. A file changed
    in place (skembed never does; its files are read-only) is detected by
    :func:`~skembed._io.check_mapped`, which the estimators call before they
    read their arrays: it raises ``StoreError`` instead of returning other
    numbers, or crashing with ``SIGBUS`` on a truncated file.
    """
    root = Path(path)
    n_words, dim, vocab_name, files, sub = _read_store_manifest(root)
    verify_files(root, files, verify)
    _check_listed(root, files, vocab_name, sub)
    vectors = read_npy(root / "vectors.npy", mmap=mmap, dtype=np.float32, shape=(n_words, dim))
    if vectors.ndim != 2 or np.isfortran(vectors):
        raise StoreError("vectors.npy must hold a 2-D C-order matrix.")
    words = read_vocab(root / vocab_name, n_words)
    subwords = None if sub is None else _read_subwords(root, sub, mmap, dim)
    return words, vectors, subwords


def _read_store_manifest(root: Path) -> tuple[int, int, str, Any, dict | None]:
    """``(n_words, dim, vocab file, files, subwords entry)`` of the store's manifest."""
    manifest = read_manifest(root, MANIFEST, FORMAT_NAME, FORMAT_VERSION, "vectors store")
    try:
        n_words, dim = _counts(manifest["shape"], "shape", 2)
        if manifest["dtype"] != "float32":
            raise StoreError(f"Unsupported dtype {manifest['dtype']!r} in the manifest.")
        vocab_name = check_relative(manifest["vocab_file"])
        files = manifest["files"]
        sub = manifest.get("subwords")
        if sub is not None and not isinstance(sub, dict):
            raise StoreError(f"The manifest's subwords entry must be an object; got {sub!r}.")
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        if isinstance(exc, StoreError):
            raise
        raise StoreError(f"The manifest of {str(root)!r} is incomplete: {exc!r}") from None
    return n_words, dim, vocab_name, files, sub


def _check_listed(root: Path, files: dict, vocab_name: str, sub: dict | None) -> None:
    """Refuse a manifest that does not list every file the store needs."""
    needed = ["vectors.npy", vocab_name]
    if sub is not None and sub.get("kind") == "tokenizer":
        needed += ["token_vectors.npy", "tokenizer.json"]
    elif sub is not None:
        needed.append("ngrams.npy")
        if sub.get("bucket_ids"):
            needed.append("ngram_buckets.npy")
    for name in needed:
        if name not in files:
            raise StoreError(f"The manifest of {str(root)!r} does not list {name}.")


def _read_subwords(root: Path, sub: dict, mmap: bool, dim: int) -> SubwordTable | TokenizerSubwords:
    kind = sub.get("kind", "ngrams")
    if kind == "tokenizer":
        return _read_tokenizer_subwords(root, sub, mmap, dim)
    if kind != "ngrams":
        raise StoreError(
            f"The manifest's subwords entry is of the unknown kind {kind!r}; this skembed "
            "reads 'ngrams' and 'tokenizer'."
        )
    try:
        ngrams = read_npy(
            root / "ngrams.npy",
            mmap=mmap,
            dtype=np.float32,
            shape=_counts(sub["shape"], "subwords entry is invalid: its shape", 2),
        )
        ids = None
        if sub["bucket_ids"]:
            ids = read_npy(
                root / "ngram_buckets.npy", mmap=mmap, dtype=np.int64, shape=(ngrams.shape[0],)
            )
        min_n, max_n, bucket = _counts(
            [sub["min_n"], sub["max_n"], sub["bucket"]],
            "subwords entry is invalid: its min_n, max_n and bucket",
            3,
        )
        subwords = SubwordTable(
            min_n=min_n, max_n=max_n, bucket=bucket, vectors=ngrams, bucket_ids=ids
        )
    except StoreError:
        raise
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise StoreError(f"The manifest's subwords entry is invalid: {exc}") from None
    if ngrams.ndim != 2 or ngrams.shape[1] != dim:
        raise StoreError(f"ngrams.npy has shape {ngrams.shape}; expected (n, {dim}).")
    return subwords


def _read_tokenizer_subwords(root: Path, sub: dict, mmap: bool, dim: int) -> TokenizerSubwords:
    """The TokenizerSubwords of ``token_vectors.npy`` and ``tokenizer.json``, checked."""
    try:
        n_tokens, width = _counts(sub["shape"], "subwords entry is invalid: its shape", 2)
        if width != dim:
            raise StoreError(
                f"The manifest's subwords entry has token vectors of dimension {width}; "
                f"expected {dim}, the dimension of the word vectors."
            )
        options = {"normalize": sub["normalize"], "unk_id": sub["unk_id"]}
        options["max_length"] = sub["max_length"]
        if type(options["normalize"]) is not bool or any(
            options[k] is not None and type(options[k]) is not int for k in ("unk_id", "max_length")
        ):
            raise StoreError(
                "The manifest's subwords entry is invalid: normalize must be a bool, unk_id "
                f"and max_length None or ints; got {options!r}."
            )
        vectors = read_npy(
            root / "token_vectors.npy", mmap=mmap, dtype=np.float32, shape=(n_tokens, dim)
        )
        text = (root / "tokenizer.json").read_bytes().decode("utf-8")
        return TokenizerSubwords(text, vectors, **options)
    except StoreError:
        raise
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise StoreError(f"The manifest's subwords entry is invalid: {exc}") from None


# ---------------------------------------------------------------- converting
def convert_vectors(
    src: str | os.PathLike,
    dst: str | os.PathLike,
    vectors_format: str = "auto",
    *,
    overwrite: bool = False,
) -> Path:
    """Convert a word2vec (binary or text), GloVe or fastText file or a model2vec folder to a store.

    Parameters
    ----------
    src : str or path-like
        The vectors file (``.gz`` / ``.bz2`` are decompressed on the fly), or
        a model2vec folder.
    dst : str or path-like
        The store directory to create.
    vectors_format : {"auto", "word2vec_binary", "word2vec_text", "glove", "fasttext_bin", \
"model2vec"}
        Format of ``src``; "auto" detects it (see
        :func:`skembed.vectors.read_vectors`). A fastText ``.bin`` model keeps
        its n-gram vectors, a model2vec folder its tokenizer and token vectors.
    overwrite : bool, default=False
        Replace an existing store at ``dst``.

    Returns
    -------
    dst : Path
        The store, ready for :func:`open_vectors` or
        ``MeanEmbeddingVectorizer(vectors=dst)``.
    """
    wv = read_vectors(src, vectors_format)
    return save_vectors(dst, wv.words, wv.matrix, wv.subwords, overwrite=overwrite)
