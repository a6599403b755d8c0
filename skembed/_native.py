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

Opening a store reads the manifest and the vocabulary, checks every file's size
and ``.npy`` header against the manifest, and memory-maps the matrices: no
vector is read until it is used, and processes that open the same store share
its pages. Stores are written into a temporary directory beside the target
which is renamed into place once complete, so a crash never leaves a partial
store under the target name.

A store is immutable once written. skembed never writes into an existing store
(or saved model): a rewrite builds a new directory and renames it into place,
which leaves the files that processes have mapped intact. A memory-mapped array opened by
:func:`read_npy` (the arrays of :func:`open_vectors` and of
``skembed.load(mmap=True)``) keeps its file open and records the file's identity
(device, inode, size, modification time) when it is opened; :func:`check_mapped`,
which the estimators call before they read their arrays, raises
:class:`StoreError` if the mapped file was changed in place since (a shorter
file would otherwise kill the process with ``SIGBUS`` when a cut-off page is
read, a rewritten one silently change the results).

The helpers here (atomic directories, hashed ``.npy`` writing, checked ``.npy``
reading, vocabulary files) are shared with :mod:`skembed.persistence`.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from ._vectors import SubwordTable

FORMAT_NAME = "skembed-vectors"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
VERIFY_MODES = ("size", "sha256")

#: Bytes per chunk when writing or hashing large files.
_CHUNK_BYTES = 1 << 24


class StoreError(ValueError):
    """A store or a saved estimator is incomplete, corrupt or of an unknown format."""


# ---------------------------------------------------------------- small file helpers
class _HashingWriter:
    """A binary file that hashes and counts what is written to it."""

    def __init__(self, fh):
        self._fh = fh
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data) -> int:
        view = memoryview(data).cast("B")
        self._fh.write(view)
        self.sha256.update(view)
        self.size += view.nbytes
        return view.nbytes

    def info(self) -> dict[str, Any]:
        return {"size": self.size, "sha256": self.sha256.hexdigest()}


@contextmanager
def _hashing_file(path: Path) -> Iterator[_HashingWriter]:
    with open(path, "xb") as fh:
        writer = _HashingWriter(fh)
        yield writer
        fh.flush()
        os.fsync(fh.fileno())


def write_bytes(path: str | os.PathLike, data: bytes) -> dict[str, Any]:
    """Write ``data`` to a new file, fsync it; return its size and sha256."""
    with _hashing_file(Path(path)) as fh:
        fh.write(data)
    return fh.info()


def file_info(path: str | os.PathLike) -> dict[str, Any]:
    """Size and sha256 of a file just written by another library (after fsyncing it)."""
    h = hashlib.sha256()
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())
        while chunk := fh.read(_CHUNK_BYTES):
            h.update(chunk)
        size = fh.tell()
    return {"size": size, "sha256": h.hexdigest()}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK_BYTES):
            h.update(chunk)
    return h.hexdigest()


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # e.g. Windows cannot open directories
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---------------------------------------------------------------- atomic directories
@contextmanager
def atomic_directory(
    path: str | os.PathLike,
    *,
    overwrite: bool = False,
    replaceable: Callable[[Path], bool] | None = None,
    what: str = "store",
) -> Iterator[Path]:
    """Build a directory in a temporary place and rename it to ``path`` when complete.

    The body of the ``with`` block writes into the yielded temporary directory
    (a hidden sibling of ``path``, so the final rename stays on one file
    system). If the body raises, the temporary directory is removed and
    ``path`` is untouched. With ``overwrite=True`` an existing ``path`` is
    moved aside, the new directory renamed into place and the old one deleted;
    between the two renames ``path`` briefly does not exist, and a crash there
    leaves the old directory complete as ``.<name>.old-<id>`` beside it.

    Parameters
    ----------
    path : str or path-like
        The final directory.
    overwrite : bool, default=False
        Replace an existing directory; otherwise ``FileExistsError``.
    replaceable : callable, optional
        Called with an existing ``path`` when ``overwrite`` is set: False
        refuses to replace it (a guard against deleting unrelated directories).
    what : str
        Name of the thing written, for error messages.
    """
    target = Path(path)
    exists = target.exists() or target.is_symlink()
    if exists:
        if not overwrite:
            raise FileExistsError(
                f"{str(target)!r} already exists; pass overwrite=True to replace it."
            )
        if not target.is_dir() or target.is_symlink():
            raise FileExistsError(
                f"{str(target)!r} exists and is not a directory; refusing to replace it."
            )
        if replaceable is not None and not replaceable(target):
            raise FileExistsError(
                f"Refusing to replace {str(target)!r}: it is not an empty directory or a "
                f"skembed {what}. Remove it yourself or choose another path."
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        yield tmp
        _fsync_dir(tmp)
        old = None
        try:
            if exists:
                old = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:12]}"
                os.rename(target, old)
            os.rename(tmp, target)
        except BaseException:
            if old is not None and not target.exists():
                os.rename(old, target)
            raise
        _fsync_dir(target.parent)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


# ---------------------------------------------------------------- .npy files
def write_npy(
    path: str | os.PathLike,
    array: np.ndarray,
    dtype: Any = None,
    *,
    row_check: Callable[[np.ndarray, int], None] | None = None,
) -> dict[str, Any]:
    """Write ``array`` as a C-order ``.npy`` file in chunks; return its size and sha256.

    The array is converted to ``dtype`` chunk by chunk, so a large memory-mapped
    input is never copied whole. Object arrays are refused (they need pickle).
    ``row_check(chunk, first_row)`` may inspect each chunk before it is written.
    """
    array = np.asarray(array)
    dtype = array.dtype if dtype is None else np.dtype(dtype)
    if dtype.hasobject:
        raise TypeError("cannot write an object array to .npy without pickle")
    header = {
        "descr": np.lib.format.dtype_to_descr(dtype),
        "fortran_order": False,
        "shape": tuple(int(n) for n in array.shape),
    }
    with _hashing_file(Path(path)) as fh:
        np.lib.format.write_array_header_1_0(fh, header)
        if array.ndim == 0:
            fh.write(np.ascontiguousarray(array, dtype=dtype).reshape(-1).view(np.uint8))
        else:
            row_bytes = max(1, dtype.itemsize * int(np.prod(array.shape[1:], dtype=np.int64)))
            step = max(1, _CHUNK_BYTES // row_bytes)
            for start in range(0, array.shape[0], step):
                chunk = np.ascontiguousarray(array[start : start + step], dtype=dtype)
                if row_check is not None:
                    row_check(chunk, start)
                fh.write(chunk.reshape(-1).view(np.uint8))
    return fh.info()


def _read_header(fh, name: str) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    try:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
        else:
            raise ValueError(f"unsupported .npy format version {version}")
    except ValueError as exc:
        raise StoreError(f"{name} is not a valid .npy file: {exc}") from None
    return tuple(shape), bool(fortran), np.dtype(dtype), fh.tell()


def read_npy_header(path: Path) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    """``(shape, fortran_order, dtype, data_offset)`` of a ``.npy`` file, without its data."""
    with open(path, "rb") as fh:
        return _read_header(fh, Path(path).name)


class MappedFile:
    """The file behind a memory-mapped array that skembed opened, as it was then.

    The file stays open as long as the array (a mapping outlives the name it
    was opened by: a store replaced by renaming a new one into place keeps
    its old, intact files mapped), so :meth:`check` can ask the kernel about
    the very file that is mapped, not whatever file now has its name.

    Attributes
    ----------
    path : str
        The path it was opened by.
    device, inode, size, mtime_ns : int
        ``st_dev``, ``st_ino``, ``st_size`` and ``st_mtime_ns`` when it was opened.
    """

    __slots__ = ("_fh", "device", "inode", "mtime_ns", "path", "size")

    def __init__(self, path: str, fh: Any, st: os.stat_result):
        self.path = path
        self._fh = fh
        self.device, self.inode = st.st_dev, st.st_ino
        self.size, self.mtime_ns = st.st_size, st.st_mtime_ns

    def check(self) -> None:
        """Raise :class:`StoreError` if the file was written to since it was opened.

        A file cut short would kill the process with ``SIGBUS`` at the first
        read of a page past its new end; a file rewritten in place would give
        other values than the ones the estimator was fitted or loaded with.
        """
        try:
            st = os.fstat(self._fh.fileno())
        except (OSError, ValueError) as exc:  # closed: cannot happen while the array lives
            raise StoreError(f"Cannot check the file {self.path!r}: {exc}") from None
        if st.st_size == self.size and st.st_mtime_ns == self.mtime_ns:
            return
        if st.st_size != self.size:
            what = f"size {self.size} -> {st.st_size} bytes"
        else:
            what = f"same size, modified {(st.st_mtime_ns - self.mtime_ns) / 1e9:+.3f} s later"
        raise StoreError(
            f"The file {self.path!r} changed after it was opened ({what}): it is memory-mapped "
            "by this estimator, which would now compute with other values than it was fitted "
            "or loaded with"
            + (", or crash reading past the new end of the file" if st.st_size < self.size else "")
            + ". skembed never writes into an existing store or saved model (a rewrite renames "
            "a new directory into place, which keeps the mapped files intact), so something "
            "else wrote to it in place. Reopen the store or the saved model, or refit."
        )

    def __del__(self):
        fh = getattr(self, "_fh", None)
        if fh is not None:
            fh.close()

    def __repr__(self) -> str:
        return f"MappedFile({self.path!r}, size={self.size}, mtime_ns={self.mtime_ns})"


#: The attribute of a ``np.memmap`` made by :func:`read_npy` that holds its MappedFile.
_MAPPED_ATTR = "_skembed_mapped_file"


def mapped_file_of(array: Any) -> MappedFile | None:
    """The :class:`MappedFile` of the memory-mapped file ``array`` views, if skembed mapped it."""
    if not isinstance(array, np.ndarray):
        return None
    root = array
    while isinstance(root.base, np.ndarray):
        root = root.base
    return getattr(root, _MAPPED_ATTR, None)  # only np.memmap instances have attributes


def _is_leaf(value: Any) -> bool:
    return value is None or isinstance(value, (str, bytes, int, float, complex, np.generic))


def _children(obj: Any) -> Iterable[Any]:
    """What :func:`check_mapped` looks into: containers, n-gram tables, fitted state."""
    if isinstance(obj, SubwordTable):
        return (obj.vectors, obj.bucket_ids)
    if isinstance(obj, (dict, list, tuple)):
        values = iter(obj.values() if isinstance(obj, dict) else obj)
        first = next(values, None)
        # a vocabulary or a list of words holds no array: stop at its first value
        return () if _is_leaf(first) else (first, *values)
    if hasattr(obj, "get_params") and hasattr(obj, "__dict__") and not isinstance(obj, type):
        get_names = getattr(type(obj), "_get_param_names", None)
        params = set(get_names()) if get_names is not None else set(obj.get_params(deep=False))
        # the fitted state (public attributes that are not parameters)
        return [v for k, v in vars(obj).items() if k not in params and not k.startswith("_")]
    return ()


def check_mapped(*objects: Any) -> None:
    """Check that the files the arrays in ``objects`` are memory-mapped from did not change.

    Call it before reading fitted arrays that may be memory-mapped: an array
    (or a view of one) opened by :func:`read_npy` -- :func:`open_vectors`'
    matrices, the arrays of ``skembed.load(mmap=True)`` -- is checked against
    the identity its file had when it was opened (:meth:`MappedFile.check`:
    one ``fstat`` per file). Other arrays are ignored.

    Parameters
    ----------
    *objects : object
        Arrays, :class:`~skembed.SubwordTable`\\ s, dicts / lists / tuples of
        them, or estimators, whose fitted state (public attributes other than
        the constructor parameters) is looked through.

    Raises
    ------
    StoreError
        A mapped file was truncated or written to in place since it was
        opened: reading it would crash the process (``SIGBUS``) or change the
        results. The message names the file.
    """
    seen: set[int] = set()
    stack = list(objects)
    while stack:
        obj = stack.pop()
        if obj is None or id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, np.ndarray):
            mapped = mapped_file_of(obj)
            if mapped is not None and id(mapped) not in seen:
                seen.add(id(mapped))
                mapped.check()
        else:
            stack.extend(_children(obj))


def read_npy(
    path: str | os.PathLike,
    *,
    mmap: bool = True,
    dtype: Any = None,
    shape: Sequence[int] | None = None,
) -> np.ndarray:
    """Load a ``.npy`` file after checking its header: never unpickles anything.

    The header is read, checked and the data mapped (or read) through one
    open file, so what is checked is what is mapped.

    Parameters
    ----------
    path : path-like
        The file.
    mmap : bool, default=True
        Memory-map it read-only instead of reading it. The ``np.memmap``
        keeps the file open and remembers its identity (a :class:`MappedFile`,
        see :func:`check_mapped`).
    dtype, shape : optional
        What the caller expects (from a manifest); a different header is an error.

    Raises
    ------
    StoreError
        The header disagrees with ``dtype`` / ``shape``, the data holds Python
        objects, or the file is shorter or longer than its header says.
    """
    path = Path(path)
    fh = open(path, "rb", buffering=0)
    try:
        file_shape, fortran, file_dtype, offset = _read_header(fh, path.name)
        if file_dtype.hasobject:
            raise StoreError(
                f"Refusing to load {path.name}: it holds Python objects (dtype {file_dtype}), "
                "which only unpickling could read, and unpickling runs code from the file."
            )
        if dtype is not None and file_dtype != np.dtype(dtype):
            raise StoreError(
                f"{path.name} holds {file_dtype} data, the manifest says {np.dtype(dtype)}: "
                "the store was modified."
            )
        if shape is not None and tuple(file_shape) != tuple(int(n) for n in shape):
            raise StoreError(
                f"{path.name} has shape {tuple(file_shape)}, the manifest says "
                f"{tuple(int(n) for n in shape)}: the store was modified."
            )
        if any(n < 0 for n in file_shape):
            raise StoreError(
                f"{path.name} has the invalid shape {tuple(file_shape)} in its header."
            )
        # math.prod of Python ints: a hostile header cannot overflow it to a small size
        count = math.prod(file_shape)
        expected = offset + count * file_dtype.itemsize
        st = os.fstat(fh.fileno())
        if st.st_size != expected:
            raise StoreError(
                f"{path.name} is {st.st_size} bytes, its header (shape {tuple(file_shape)}, "
                f"{file_dtype}) needs {expected}: the file is truncated or was modified."
            )
        order = "F" if fortran else "C"
        if not mmap:
            data = np.fromfile(fh, dtype=file_dtype, count=count)
            if data.size != count:  # the file shrank while it was read
                raise StoreError(f"{path.name} was truncated while it was read.")
            return data.reshape(file_shape, order=order)
        mm = _map(fh, path, st, file_dtype, offset, file_shape, order)
        fh = None  # the array's MappedFile owns it now: closed with the array
        return mm
    finally:
        if fh is not None:
            fh.close()


def _map(
    fh: Any, path: Path, st: os.stat_result, dtype: np.dtype, offset: int, shape: tuple, order: str
) -> np.memmap:
    mm = np.memmap(fh, dtype=dtype, mode="r", offset=offset, shape=shape, order=order)
    setattr(mm, _MAPPED_ATTR, MappedFile(str(path), fh, st))
    return mm


def open_mapped(
    path: str | os.PathLike, dtype: Any, offset: int, shape: Sequence[int], order: str = "C"
) -> np.memmap:
    """Memory-map ``shape`` items of ``dtype`` at ``offset`` of ``path``, read-only, checked on use.

    Like ``np.memmap(path, dtype, "r", offset, shape, order)``, but the array
    keeps its file open and records its identity (a :class:`MappedFile`), so
    :func:`check_mapped` -- which the estimators call before they read their
    arrays -- detects a file changed in place after it was mapped. For code
    that maps arrays of known layout again (a worker of
    :mod:`skembed.distributed`); :func:`read_npy` checks a ``.npy`` header first.

    Raises
    ------
    StoreError
        The file is too short for the array.
    """
    path = Path(path)
    dtype = np.dtype(dtype)
    shape = tuple(int(n) for n in shape)
    fh = open(path, "rb", buffering=0)
    try:
        st = os.fstat(fh.fileno())
        needed = offset + math.prod(shape) * dtype.itemsize
        if st.st_size < needed:
            raise StoreError(
                f"{str(path)!r} is {st.st_size} bytes; an array of {dtype} and shape {shape} "
                f"at offset {offset} needs {needed}: the file is truncated or was modified."
            )
        mm = _map(fh, path, st, dtype, offset, shape, order)
        fh = None
        return mm
    finally:
        if fh is not None:
            fh.close()


# ---------------------------------------------------------------- vocabulary files
def write_vocab(directory: Path, stem: str, words: Sequence[str]) -> tuple[str, dict[str, Any]]:
    """Write ``words`` as ``<stem>.txt`` (one per line) or, if it cannot, ``<stem>.json``.

    ``.txt`` holds each word followed by ``"\\n"``, UTF-8; it is used when no
    word contains ``"\\n"`` and every word encodes to UTF-8 (no lone
    surrogates). Other vocabularies go to a JSON list, which can hold any
    string. Empty words are fine in both.

    Returns
    -------
    name : str
        The file name written.
    info : dict
        Its size and sha256.
    """
    if not all(type(w) is str for w in words):
        bad = next(w for w in words if type(w) is not str)
        raise TypeError(f"Words must be str; got {type(bad).__name__} {bad!r}.")
    text = "\n".join(words)
    if words and text.count("\n") == len(words) - 1:
        try:
            data = (text + "\n").encode("utf-8")
        except UnicodeEncodeError:
            data = None
        if data is not None:
            name = f"{stem}.txt"
            return name, write_bytes(directory / name, data)
    elif not words:
        name = f"{stem}.txt"
        return name, write_bytes(directory / name, b"")
    name = f"{stem}.json"
    return name, write_bytes(directory / name, json.dumps(list(words)).encode("ascii"))


def read_vocab(path: str | os.PathLike, n_words: int) -> list[str]:
    """Read a vocabulary file written by :func:`write_vocab`; check it holds ``n_words``."""
    path = Path(path)
    if path.suffix == ".json":
        try:
            words = json.loads(path.read_bytes())
        except (ValueError, RecursionError) as exc:
            raise StoreError(f"{path.name} is not valid JSON: {exc}") from None
        if not isinstance(words, list) or not all(type(w) is str for w in words):
            raise StoreError(f"{path.name} must hold a JSON list of strings.")
    else:
        # one decode and one split, no per-word Python work; the bytes are freed before
        # the split and the text right after it, to keep the peak memory low
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise StoreError(f"{path.name} is not valid UTF-8: {exc}") from None
        if n_words == 0 and not text:
            return []
        if not text.endswith("\n"):
            raise StoreError(
                f"{path.name} does not end with a newline: the file is truncated or was modified."
            )
        words = text.split("\n")
        del text
        words.pop()  # the empty string after the last newline
    if len(words) != n_words:
        raise StoreError(
            f"{path.name} holds {len(words)} words, the manifest says {n_words}: "
            "the store is truncated or was modified."
        )
    return words


# ---------------------------------------------------------------- manifests and files
def check_relative(name: Any) -> str:
    """A file name from a manifest, refused if it could point outside the directory."""
    if not isinstance(name, str) or not name:
        raise StoreError(f"Invalid file name {name!r} in the manifest.")
    parts = name.split("/")
    if name.startswith(("/", "\\")) or "\\" in name or ":" in name or ".." in parts:
        raise StoreError(f"Refusing the file name {name!r}: it points outside the directory.")
    if any(p in ("", ".") for p in parts):
        raise StoreError(f"Invalid file name {name!r} in the manifest.")
    return name


def verify_files(root: Path, files: Any, verify: str) -> None:
    """Check that every file of a manifest exists with its size (and sha256).

    Parameters
    ----------
    root : Path
        The directory.
    files : dict
        File name -> ``{"size": int, "sha256": str}``.
    verify : {"size", "sha256"}
        "size" compares sizes only (fast); "sha256" also hashes every file.
    """
    if verify not in VERIFY_MODES:
        raise ValueError(f"verify must be one of {VERIFY_MODES}; got {verify!r}.")
    if not isinstance(files, dict):
        raise StoreError("The manifest's 'files' entry must be an object.")
    for name, info in files.items():
        check_relative(name)
        if not isinstance(info, dict) or not isinstance(info.get("size"), int):
            raise StoreError(f"The manifest entry of {name} has no size.")
        path = root / name
        if not path.is_file():
            raise StoreError(f"{name} is missing from {str(root)!r}: the store is incomplete.")
        size = path.stat().st_size
        if size != info["size"]:
            raise StoreError(
                f"{name} is {size} bytes, the manifest says {info['size']}: "
                "the store is truncated or was modified."
            )
        if verify == "sha256":
            digest = _sha256(path)
            if digest != info.get("sha256"):
                raise StoreError(
                    f"{name} has sha256 {digest}, the manifest says {info.get('sha256')}: "
                    "the file was modified or corrupted."
                )


def read_manifest(root: Path, name: str, format_name: str, version: int, what: str) -> dict:
    """Read and check the JSON manifest ``root/name`` of a skembed directory format."""
    if not root.exists():
        raise FileNotFoundError(f"No such {what}: {str(root)!r}")
    if not root.is_dir():
        raise NotADirectoryError(f"A skembed {what} is a directory; {str(root)!r} is a file.")
    path = root / name
    if not path.is_file():
        raise StoreError(
            f"{str(root)!r} has no {name}: it is not a skembed {what}, or its writing did "
            "not finish."
        )
    try:
        manifest = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise StoreError(f"The {name} of {str(root)!r} is corrupt: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != format_name:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise StoreError(
            f"{str(root)!r} is not a {format_name} directory (its {name} says format {found!r})."
        )
    found_version = manifest.get("format_version")
    if found_version != version:
        raise StoreError(
            f"{str(root)!r} is {format_name} format version {found_version!r}; this skembed "
            f"reads version {version}. Upgrade skembed to open it."
        )
    return manifest


def _write_json(path: Path, obj: Any) -> dict[str, Any]:
    return write_bytes(path, (json.dumps(obj, indent=1, allow_nan=False) + "\n").encode("utf-8"))


# ---------------------------------------------------------------- the public API
def is_native_store(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a directory holding a skembed vectors store.

    Only the manifest's format name is read; use :func:`open_vectors` to check
    the rest.

    Parameters
    ----------
    path : str or path-like
        Any path.

    Returns
    -------
    bool
    """
    manifest = Path(path) / MANIFEST
    try:
        if not manifest.is_file():
            return False
        return json.loads(manifest.read_bytes()).get("format") == FORMAT_NAME
    except (OSError, ValueError, UnicodeDecodeError, AttributeError, RecursionError):
        return False


def _replaceable_store(path: Path) -> bool:
    return is_native_store(path) or not any(path.iterdir())


def save_vectors(
    path: str | os.PathLike,
    words: Sequence[str],
    vectors: np.ndarray,
    subwords: SubwordTable | None = None,
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
    subwords : SubwordTable, optional
        fastText character n-gram vectors, stored as ``ngrams.npy`` (and
        ``ngram_buckets.npy`` when only some buckets are kept).
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
    >>> from skembed._native import open_vectors, save_vectors
    >>> d = tempfile.mkdtemp()
    >>> _ = save_vectors(d + "/store", ["cat", "dog"], np.eye(2, dtype=np.float32))
    >>> words, vectors, subwords = open_vectors(d + "/store")
    >>> words, vectors.shape, subwords
    (['cat', 'dog'], (2, 2), None)
    """
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
    if subwords is not None and not isinstance(subwords, SubwordTable):
        raise TypeError(f"subwords must be a SubwordTable or None; got {type(subwords)}.")

    def finite(chunk: np.ndarray, first: int) -> None:
        if not np.isfinite(chunk).all():
            bad = first + int(np.flatnonzero(~np.isfinite(chunk).all(axis=1))[0])
            raise ValueError(f"The vector of {words[bad]!r} (row {bad}) has NaN or inf values.")

    with atomic_directory(
        path, overwrite=overwrite, replaceable=_replaceable_store, what="vectors store"
    ) as tmp:
        files = {}
        files["vectors.npy"] = write_npy(tmp / "vectors.npy", vectors, np.float32, row_check=finite)
        vocab_name, files[vocab_name] = write_vocab(tmp, "vocab", words)
        sub = None
        if subwords is not None:
            ngrams = np.asarray(subwords.vectors)
            if ngrams.ndim != 2 or ngrams.shape[1] != vectors.shape[1]:
                raise ValueError(
                    f"The n-gram vectors have shape {ngrams.shape}; expected (n, "
                    f"{vectors.shape[1]})."
                )
            files["ngrams.npy"] = write_npy(tmp / "ngrams.npy", ngrams, np.float32)
            sub = {
                "min_n": int(subwords.min_n),
                "max_n": int(subwords.max_n),
                "bucket": int(subwords.bucket),
                "shape": list(ngrams.shape),
                "bucket_ids": subwords.bucket_ids is not None,
            }
            if subwords.bucket_ids is not None:
                ids = np.asarray(subwords.bucket_ids)
                if ids.shape != (ngrams.shape[0],):
                    raise ValueError(
                        f"bucket_ids has shape {ids.shape}; expected ({ngrams.shape[0]},)."
                    )
                files["ngram_buckets.npy"] = write_npy(tmp / "ngram_buckets.npy", ids, np.int64)
        from . import __version__

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
        _write_json(tmp / MANIFEST, manifest)
    return Path(path)


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
) -> tuple[list[str], np.ndarray, SubwordTable | None]:
    """Open a native vectors store.

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
    subwords : SubwordTable or None
        The store's n-gram vectors, if it has them.

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
    :func:`check_mapped`, which the estimators call before they read their
    arrays: it raises :class:`StoreError` instead of returning other numbers,
    or crashing with ``SIGBUS`` on a truncated file.
    """
    root = Path(path)
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
    verify_files(root, files, verify)
    needed = ["vectors.npy", vocab_name]
    if sub is not None:
        needed.append("ngrams.npy")
        if sub.get("bucket_ids"):
            needed.append("ngram_buckets.npy")
    for name in needed:
        if name not in files:
            raise StoreError(f"The manifest of {str(root)!r} does not list {name}.")
    vectors = read_npy(root / "vectors.npy", mmap=mmap, dtype=np.float32, shape=(n_words, dim))
    if vectors.ndim != 2 or np.isfortran(vectors):
        raise StoreError("vectors.npy must hold a 2-D C-order matrix.")
    words = read_vocab(root / vocab_name, n_words)
    subwords = None
    if sub is not None:
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
    return words, vectors, subwords


def convert_vectors(
    src: str | os.PathLike,
    dst: str | os.PathLike,
    vectors_format: str = "auto",
    *,
    overwrite: bool = False,
) -> Path:
    """Convert a word2vec (binary or text), GloVe or fastText file to a native store.

    Parameters
    ----------
    src : str or path-like
        The vectors file (``.gz`` / ``.bz2`` are decompressed on the fly).
    dst : str or path-like
        The store directory to create.
    vectors_format : {"auto", "word2vec_binary", "word2vec_text", "glove", "fasttext_bin"}
        Format of ``src``; "auto" detects it (see
        :func:`skembed._vectors.detect_format`). A fastText ``.bin`` model keeps
        its n-gram vectors.
    overwrite : bool, default=False
        Replace an existing store at ``dst``.

    Returns
    -------
    dst : Path
        The store, ready for :func:`open_vectors` or
        ``MeanEmbeddingVectorizer(vectors=dst)``.
    """
    from ._vectors import load_vectors_file

    words, vectors, subwords = load_vectors_file(src, vectors_format)
    return save_vectors(dst, words, vectors, subwords, overwrite=overwrite)
