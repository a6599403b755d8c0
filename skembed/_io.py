"""Safe files: what no kill leaves half-written, and what no hostile file can abuse.

The small I/O layer under the vectors store (:mod:`skembed.vectors`), saved
estimators (:mod:`skembed.persistence`) and the datasets: scratch files,
atomic files and directories, hashed writing, checked ``.npy`` reading and
memory maps that notice a file changed under them, vocabulary files and JSON
manifests. It needs numpy only.

A directory skembed writes (a store, a saved estimator) is immutable once
written: a rewrite builds a new directory and renames it into place
(:func:`atomic_directory`), which leaves the files that processes have mapped
intact. A memory-mapped array opened by :func:`read_npy` or
:func:`open_mapped` keeps its file open and records the file's identity
(device, inode, size, modification time) when it is opened;
:func:`check_mapped`, which the estimators call before they read their arrays,
raises :class:`StoreError` if the mapped file was changed in place since (a
shorter file would otherwise kill the process with ``SIGBUS`` when a cut-off
page is read, a rewritten one silently change the results).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "ESTIMATOR_FILE",
    "ESTIMATOR_FORMAT",
    "VERIFY_MODES",
    "HashingWriter",
    "MappedFile",
    "StoreError",
    "atomic_directory",
    "atomic_file",
    "check_mapped",
    "check_relative",
    "file_info",
    "mapped_file_of",
    "open_mapped",
    "physical_memory",
    "read_manifest",
    "read_npy",
    "read_npy_header",
    "read_vocab",
    "scratch_file",
    "sha256",
    "verify_files",
    "write_bytes",
    "write_json",
    "write_npy",
    "write_vocab",
]

VERIFY_MODES = ("size", "sha256")

#: The manifest of a saved estimator (:mod:`skembed.persistence`) and the format it names:
#: here, below persistence, for the code that ships saved models to other processes.
ESTIMATOR_FILE = "estimator.json"
ESTIMATOR_FORMAT = "skembed-estimator"

#: Bytes per chunk when writing or hashing large files.
_CHUNK_BYTES = 1 << 24


class StoreError(ValueError):
    """A store or a saved estimator is incomplete, corrupt or of an unknown format."""


def physical_memory() -> int | None:
    """Bytes of physical memory, or None where the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def _proc_fd_works() -> bool:
    return sys.platform.startswith("linux") and os.path.isdir("/proc/self/fd")


@contextmanager
def scratch_file(*, prefix: str = "skembed-", suffix: str = "") -> Iterator[str]:
    """A temporary file for the ``with`` block, as a path that readers can open.

    On Linux the file is unlinked right after it is created and named by its
    descriptor (``/proc/self/fd/N``): it has no name in ``$TMPDIR``, so no
    signal, not even ``SIGKILL``, can leave it behind, and the kernel frees it
    when the descriptor closes. Each ``open`` of that path gets its own offset,
    as for an ordinary file (gensim's ``corpus_file`` threads rely on that).
    Elsewhere it is an ordinary temporary file, removed when the block exits.

    Yields
    ------
    path : str
        Open it (for writing first, then for reading) any number of times
        inside the block, from this process only.
    """
    fd, path = tempfile.mkstemp(prefix=prefix, suffix=suffix)
    anonymous = _proc_fd_works()
    try:
        if anonymous:
            os.unlink(path)
        yield f"/proc/self/fd/{fd}" if anonymous else path
    finally:
        os.close(fd)
        if not anonymous:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass


@contextmanager
def atomic_file(path: str | os.PathLike) -> Iterator[int]:
    """Write a new file that appears at ``path`` complete, or not at all.

    Yields a writable descriptor of a hidden ``.<name>.<pid>.<random>.part``
    file beside ``path``. When the block exits normally the file is fsynced
    and renamed to ``path`` (replacing it); when it raises, it is removed. A
    process killed mid-write (``SIGTERM``, ``SIGKILL``) cannot remove it, so
    such leftovers, recognised by the process id in their name, are removed
    by the next write to the same path once that process is gone.
    """
    path = os.fspath(path)
    folder = os.path.dirname(path) or "."
    base = os.path.basename(path)
    _remove_stale_parts(folder, base)
    fd, tmp = tempfile.mkstemp(prefix=f".{base}.{os.getpid()}.", suffix=".part", dir=folder)
    try:
        yield fd
        os.fsync(fd)
        os.replace(tmp, path)
        tmp = None
    finally:
        os.close(fd)
        if tmp is not None:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass


def _remove_stale_parts(folder: str, base: str) -> None:
    """Remove ``.<base>.<pid>.*.part`` files whose writing process no longer exists."""
    prefix = f".{base}."
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if not (name.startswith(prefix) and name.endswith(".part")):
            continue
        pid = name[len(prefix) :].split(".", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        try:
            os.unlink(os.path.join(folder, name))
        except OSError:
            pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    return True


# ---------------------------------------------------------------- hashed writing
class HashingWriter:
    """A binary file that hashes and counts what is written to it.

    Parameters
    ----------
    fh : binary file
        Where the bytes go.

    Attributes
    ----------
    sha256 : hashlib hash
        Of every byte written so far.
    size : int
        Bytes written so far.
    """

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
        """``{"size": ..., "sha256": ...}`` of what was written, as a manifest lists files."""
        return {"size": self.size, "sha256": self.sha256.hexdigest()}


@contextmanager
def _hashing_file(path: Path) -> Iterator[HashingWriter]:
    with open(path, "xb") as fh:
        writer = HashingWriter(fh)
        yield writer
        fh.flush()
        os.fsync(fh.fileno())


def write_bytes(path: str | os.PathLike, data: bytes) -> dict[str, Any]:
    """Write ``data`` to a new file, fsync it; return its size and sha256."""
    with _hashing_file(Path(path)) as fh:
        fh.write(data)
    return fh.info()


def write_json(path: str | os.PathLike, obj: Any) -> dict[str, Any]:
    """Write ``obj`` as indented JSON (no NaN) to a new file; return its size and sha256."""
    return write_bytes(path, (json.dumps(obj, indent=1, allow_nan=False) + "\n").encode("utf-8"))


def file_info(path: str | os.PathLike) -> dict[str, Any]:
    """Size and sha256 of a file just written by another library (after fsyncing it)."""
    h = hashlib.sha256()
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())
        while chunk := fh.read(_CHUNK_BYTES):
            h.update(chunk)
        size = fh.tell()
    return {"size": size, "sha256": h.hexdigest()}


def sha256(path: str | os.PathLike) -> str:
    """The sha256 of a file, as a hexadecimal string (read in chunks)."""
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
def _check_replaceable(
    target: Path, overwrite: bool, replaceable: Callable[[Path], bool] | None, what: str
) -> None:
    if not overwrite:
        raise FileExistsError(f"{str(target)!r} already exists; pass overwrite=True to replace it.")
    if not target.is_dir() or target.is_symlink():
        raise FileExistsError(
            f"{str(target)!r} exists and is not a directory; refusing to replace it."
        )
    if replaceable is not None and not replaceable(target):
        raise FileExistsError(
            f"Refusing to replace {str(target)!r}: it is not an empty directory or a "
            f"skembed {what}. Remove it yourself or choose another path."
        )


def _rename_into_place(tmp: Path, target: Path, exists: bool) -> None:
    """Rename ``tmp`` to ``target``, moving an existing ``target`` aside first, then deleting it."""
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
        _check_replaceable(target, overwrite, replaceable, what)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        yield tmp
        _fsync_dir(tmp)
        _rename_into_place(tmp, target, exists)
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
    """What :func:`check_mapped` looks into: containers, dataclasses, fitted state."""
    if hasattr(obj, "get_params") and hasattr(obj, "__dict__") and not isinstance(obj, type):
        get_names = getattr(type(obj), "_get_param_names", None)
        params = set(get_names()) if get_names is not None else set(obj.get_params(deep=False))
        # the fitted state (public attributes that are not parameters); an estimator's
        # parameters are dataclass fields too (skembed._params), so this test comes first
        return [v for k, v in vars(obj).items() if k not in params and not k.startswith("_")]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        # e.g. a SubwordTable or WordVectors: their fields hold the arrays
        return [getattr(obj, f.name) for f in dataclasses.fields(obj)]
    if isinstance(obj, (dict, list, tuple)):
        values = iter(obj.values() if isinstance(obj, dict) else obj)
        first = next(values, None)
        # a vocabulary or a list of words holds no array: stop at its first value
        return () if _is_leaf(first) else (first, *values)
    return ()


def check_mapped(*objects: Any) -> None:
    """Check that the files the arrays in ``objects`` are memory-mapped from did not change.

    Call it before reading fitted arrays that may be memory-mapped: an array
    (or a view of one) opened by :func:`read_npy` or :func:`open_mapped` --
    the matrices of :func:`skembed.open_vectors`, the arrays of
    ``skembed.load(mmap=True)`` -- is checked against the identity its file had
    when it was opened (:meth:`MappedFile.check`: one ``fstat`` per file).
    Other arrays are ignored.

    Parameters
    ----------
    *objects : object
        Arrays, dataclasses holding them (:class:`~skembed.SubwordTable`,
        :class:`~skembed.WordVectors`), dicts / lists / tuples of them, or
        estimators, whose fitted state (public attributes other than the
        constructor parameters) is looked through.

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


def _check_npy_header(
    name: str, file_shape: tuple, file_dtype: np.dtype, dtype: Any, shape: Sequence[int] | None
) -> None:
    """Refuse a ``.npy`` header that holds objects or disagrees with what the caller expects."""
    if file_dtype.hasobject:
        raise StoreError(
            f"Refusing to load {name}: it holds Python objects (dtype {file_dtype}), "
            "which only unpickling could read, and unpickling runs code from the file."
        )
    if dtype is not None and file_dtype != np.dtype(dtype):
        raise StoreError(
            f"{name} holds {file_dtype} data, the manifest says {np.dtype(dtype)}: "
            "the store was modified."
        )
    if shape is not None and tuple(file_shape) != tuple(int(n) for n in shape):
        raise StoreError(
            f"{name} has shape {tuple(file_shape)}, the manifest says "
            f"{tuple(int(n) for n in shape)}: the store was modified."
        )
    if any(n < 0 for n in file_shape):
        raise StoreError(f"{name} has the invalid shape {tuple(file_shape)} in its header.")


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
        _check_npy_header(path.name, file_shape, file_dtype, dtype, shape)
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


def _read_vocab_json(path: Path) -> list[str]:
    try:
        words = json.loads(path.read_bytes())
    except (ValueError, RecursionError) as exc:
        raise StoreError(f"{path.name} is not valid JSON: {exc}") from None
    if not isinstance(words, list) or not all(type(w) is str for w in words):
        raise StoreError(f"{path.name} must hold a JSON list of strings.")
    return words


def _read_vocab_text(path: Path, n_words: int) -> list[str]:
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
    return words


def read_vocab(path: str | os.PathLike, n_words: int) -> list[str]:
    """Read a vocabulary file written by :func:`write_vocab`; check it holds ``n_words``."""
    path = Path(path)
    if path.suffix == ".json":
        words = _read_vocab_json(path)
    else:
        words = _read_vocab_text(path, n_words)
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


def _verify_file(root: Path, name: str, info: Any, verify: str) -> None:
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
        digest = sha256(path)
        if digest != info.get("sha256"):
            raise StoreError(
                f"{name} has sha256 {digest}, the manifest says {info.get('sha256')}: "
                "the file was modified or corrupted."
            )


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
        _verify_file(root, name, info, verify)


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
