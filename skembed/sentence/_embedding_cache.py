"""An on-disk cache of sentence embeddings: each distinct text encoded once per model.

One SQLite file, :data:`FILE_NAME`, in the cache directory, shared by every
model, process and estimator that is given the directory. A row is

- ``key``: the SHA-256 of the *namespace* (the SHA-256 of the model's digest,
  :attr:`~skembed.sentence.ModelIdentity.digest`, and of ``normalize``) and the
  text, in UTF-8;
- ``vector``: the float32 embedding, little-endian;
- ``checksum``: a BLAKE2b of key and vector, checked on every read.

Why SQLite: it is in the standard library, its transactions keep the file
whole when a process is killed mid-write, and its locks let several
processes (Dask workers, parallel grid searches) read and write one file
(``BEGIN IMMEDIATE`` takes the write lock up front; a busy file is waited for
up to :data:`TIMEOUT` seconds). A connection is opened per call and closed
after, so none crosses a ``fork`` or a pickle.

A damaged file is never rebuilt behind the user's back (other processes may
be using it): :class:`EmbeddingCacheError` names it and says to delete it.
Damage that SQLite detects (a file that is not a database, a malformed page)
and damage it cannot (a changed byte inside a vector) are both caught: a row
whose checksum or length is wrong is an error, never a wrong vector.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from .._io import StoreError

__all__ = ["FILE_NAME", "EmbeddingCache", "EmbeddingCacheError", "encode_texts"]

#: The cache's file in the cache directory.
FILE_NAME = "embeddings.sqlite3"

#: What the ``meta`` table of the file records: the format and its version.
FORMAT, VERSION = "skembed-embedding-cache", "1"

#: Seconds to wait for another process's lock on the file.
TIMEOUT = 60.0

#: Keys per ``SELECT ... WHERE key IN (...)`` (below SQLite's oldest limit of 999).
_SELECT_BATCH = 500

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS embeddings ("
    "key BLOB PRIMARY KEY, vector BLOB NOT NULL, checksum BLOB NOT NULL) WITHOUT ROWID",
)

#: SQLite's result codes for a file that is not (or no longer) a database.
_DAMAGED = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}
_BUSY = {"SQLITE_BUSY", "SQLITE_LOCKED"}


class EmbeddingCacheError(StoreError):
    """The embedding cache file cannot be used: damaged, locked, or unreadable; it is named."""


def _rollback(con: sqlite3.Connection) -> None:
    """End a failed transaction (SQLite may have rolled it back already), keeping the error."""
    if con.in_transaction:
        try:
            con.execute("ROLLBACK")
        except sqlite3.Error:
            pass


def _checksum(key: bytes, vector: bytes) -> bytes:
    return hashlib.blake2b(key + vector, digest_size=16).digest()


class EmbeddingCache:
    """The rows of one model and ``normalize`` setting in the cache ``directory``.

    Parameters
    ----------
    directory : str or path-like
        The cache directory (created if missing).
    model_digest : str
        The model's identity (:attr:`ModelIdentity.digest`).
    normalize : bool
        Whether the embeddings are unit length (they are other vectors).
    dim : int
        The embeddings' dimension.
    """

    def __init__(self, directory: str | os.PathLike, model_digest: str, normalize: bool, dim: int):
        self.directory = Path(os.fspath(directory)).expanduser()
        self.path = self.directory / FILE_NAME
        self.dim = int(dim)
        space = f"{FORMAT}\0{VERSION}\0{model_digest}\0normalize={bool(normalize)}"
        self._namespace = hashlib.sha256(space.encode("utf-8")).digest()

    def key(self, text: str) -> bytes:
        """The row key of ``text`` (lone surrogates included, as the encoder receives it)."""
        return hashlib.sha256(self._namespace + text.encode("utf-8", "surrogatepass")).digest()

    # ------------------------------------------------------------ the file
    def _error(self, exc: sqlite3.Error) -> EmbeddingCacheError:
        code = getattr(exc, "sqlite_errorname", "")
        text = str(exc)
        if code in _DAMAGED or "malformed" in text or "not a database" in text:
            return EmbeddingCacheError(
                f"The embedding cache file {os.fspath(self.path)!r} is damaged or is not a "
                f"skembed embedding cache (SQLite: {text}). Delete it (the cache starts "
                "again empty), or pass another cache directory or cache=None."
            )
        if code in _BUSY or "locked" in text:
            return EmbeddingCacheError(
                f"The embedding cache file {os.fspath(self.path)!r} stayed locked by another "
                f"process for {TIMEOUT:.0f} s (SQLite: {text}). Retry, or give each job its "
                "own cache directory."
            )
        return EmbeddingCacheError(
            f"Cannot use the embedding cache file {os.fspath(self.path)!r} (SQLite: {text}). "
            "Check that the cache directory is writable, or pass cache=None."
        )

    def _connect(self) -> sqlite3.Connection:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise EmbeddingCacheError(
                f"Cannot create the embedding cache directory {os.fspath(self.directory)!r}: "
                f"{exc.strerror or exc}."
            ) from None
        if self.path.exists() and not self.path.is_file():
            raise EmbeddingCacheError(
                f"The embedding cache file {os.fspath(self.path)!r} is not a file. Remove it, "
                "or pass another cache directory."
            )
        try:
            con = sqlite3.connect(self.path, timeout=TIMEOUT, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        try:
            self._check_format(con)
        except BaseException:
            con.close()
            raise
        return con

    def _check_format(self, con: sqlite3.Connection) -> None:
        try:
            meta = self._meta(con)
            if meta is None:  # a new file (or one a killed process left without tables)
                con.execute("BEGIN IMMEDIATE")
                try:
                    for statement in _SCHEMA:
                        con.execute(statement)
                    con.executemany(
                        "INSERT OR IGNORE INTO meta VALUES (?, ?)",
                        [("format", FORMAT), ("version", VERSION)],
                    )
                    con.execute("COMMIT")
                except BaseException:
                    _rollback(con)
                    raise
                meta = self._meta(con)
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        if meta != {"format": FORMAT, "version": VERSION}:
            raise EmbeddingCacheError(
                f"The file {os.fspath(self.path)!r} is not a skembed embedding cache of format "
                f"{FORMAT} {VERSION} (its meta table says {meta!r}). Delete it, or pass "
                "another cache directory."
            )

    @staticmethod
    def _meta(con: sqlite3.Connection) -> dict | None:
        tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master")}
        if "meta" not in tables:
            return None if not tables else {}
        if "embeddings" not in tables:
            return {}
        return {str(k): v for k, v in con.execute("SELECT name, value FROM meta")}

    # ------------------------------------------------------------ rows
    def lookup(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        """The cached rows among ``keys``, as float32 vectors (checked)."""
        found: dict[bytes, np.ndarray] = {}
        if not keys:
            return found
        nbytes = 4 * self.dim
        con = self._connect()
        try:
            for lo in range(0, len(keys), _SELECT_BATCH):
                batch = list(keys[lo : lo + _SELECT_BATCH])
                marks = ",".join("?" * len(batch))
                rows = con.execute(
                    f"SELECT key, vector, checksum FROM embeddings WHERE key IN ({marks})", batch
                ).fetchall()
                for key, vector, checksum in rows:
                    if (
                        not isinstance(vector, bytes)
                        or len(vector) != nbytes
                        or checksum != _checksum(key, vector)
                    ):
                        raise EmbeddingCacheError(
                            f"The embedding cache file {os.fspath(self.path)!r} is damaged: a "
                            "row fails its checksum or has the wrong length. Delete the file "
                            "(the cache starts again empty), or pass cache=None."
                        )
                    found[key] = np.frombuffer(vector, dtype="<f4")
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        finally:
            con.close()
        return found

    def store(self, keys: Sequence[bytes], rows: np.ndarray) -> None:
        """Add ``rows`` (float32, one per key) in one transaction; present keys are kept."""
        if not len(keys):
            return
        data = np.ascontiguousarray(rows, dtype="<f4")
        values = []
        for key, row in zip(keys, data, strict=True):
            vector = row.tobytes()
            values.append((key, vector, _checksum(key, vector)))
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            try:
                con.executemany("INSERT OR IGNORE INTO embeddings VALUES (?, ?, ?)", values)
                con.execute("COMMIT")
            except BaseException:
                _rollback(con)
                raise
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        finally:
            con.close()

    def __len__(self) -> int:
        """Rows in the file, of every model."""
        con = self._connect()
        try:
            return int(con.execute("SELECT count(*) FROM embeddings").fetchone()[0])
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        finally:
            con.close()


def encode_texts(
    texts: Sequence[str],
    encode: Callable[[list[str]], np.ndarray],
    dim: int,
    cache: EmbeddingCache | None = None,
) -> np.ndarray:
    """The float32 embeddings of ``texts``, each distinct text encoded at most once.

    Parameters
    ----------
    texts : sequence of str
        The texts, in order; duplicates are encoded once.
    encode : callable
        ``encode(list_of_texts)`` returns their embeddings, an array of shape
        ``(n, dim)``.
    dim : int
        The embeddings' dimension.
    cache : EmbeddingCache, optional
        Texts found there are not encoded; the others are encoded, then
        stored in it.

    Returns
    -------
    X : ndarray of shape (len(texts), dim), float32
    """
    position: dict[str, int] = {}
    order = [position.setdefault(text, len(position)) for text in texts]
    unique = list(position)
    out = np.empty((len(unique), dim), dtype=np.float32)
    todo = list(range(len(unique)))
    keys: list[bytes] = []
    if cache is not None and unique:
        keys = [cache.key(text) for text in unique]
        found = cache.lookup(keys)
        todo = []
        for i, key in enumerate(keys):
            row = found.get(key)
            if row is None:
                todo.append(i)
            else:
                out[i] = row
    if todo:
        new = np.asarray(encode([unique[i] for i in todo]))
        if new.shape != (len(todo), dim) or not np.issubdtype(new.dtype, np.floating):
            raise ValueError(
                f"The encoder returned an array of shape {new.shape} and dtype {new.dtype} for "
                f"{len(todo)} texts; expected ({len(todo)}, {dim}) floats."
            )
        out[todo] = new
        if cache is not None:
            cache.store([keys[i] for i in todo], out[todo])
    return out if len(unique) == len(order) else out[order]  # no duplicate: in order
