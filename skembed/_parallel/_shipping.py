"""How a fitted estimator travels to the workers of an engine (Dask, Spark).

The estimator is pickled once, on the client, into a :class:`Shipment`, and
rebuilt once per worker process, on first use, with ``n_jobs=None`` in its
skembed vectorizers (:func:`single_process`). Arrays memory-mapped read-only
from a file (a vectors store, a model loaded with ``skembed.load(mmap=True)``)
travel as a reference to the file, which the worker checks before mapping it
again; a failed check raises :class:`ShippedFileError`. Each engine describes
itself with an :class:`Engine`; this module needs neither Dask nor Spark.

docs/developer.md ("Shipping a model once") gives the design and the
verification rule.
"""

from __future__ import annotations

import bisect
import hashlib
import importlib
import io
import json
import os
import pickle
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .._io import ESTIMATOR_FILE as _MODEL_MANIFEST
from .._io import ESTIMATOR_FORMAT as _MODEL_FORMAT
from .._io import StoreError
from ..vectors._store import FORMAT_NAME as _STORE_FORMAT
from ..vectors._store import MANIFEST as _STORE_MANIFEST

__all__ = [
    "BY_VALUE",
    "Engine",
    "Shipment",
    "ShippedFileError",
    "as_array",
    "dumps",
    "loads",
    "mapped_file",
    "single_process",
    "transform_rows",
]

#: Manifests of skembed directories, with the ``format`` each must declare.
_MANIFESTS = {_STORE_MANIFEST: _STORE_FORMAT, _MODEL_MANIFEST: _MODEL_FORMAT}

#: Sampled blocks of an array checked on the worker: how many, and their size.
_SAMPLES, _BLOCK = 16, 4096


#: The argument of every engine adapter that sends memory-mapped arrays by value.
BY_VALUE = "by_reference=False"


class Engine(NamedTuple):
    """How an engine names its sides, and how it pickles.

    Parameters
    ----------
    sender : str
        The side that ships the estimator: "client", "driver".
    receiver : str
        The side that transforms: "worker", "executor".
    cloudpickle : str
        The cloudpickle module to pickle with (the receivers must have it).
    """

    sender: str
    receiver: str
    cloudpickle: str = "cloudpickle"


class ShippedFileError(StoreError, RuntimeError):
    """A file the estimator's arrays are mapped from is not the client's file here."""


# ====================================================================== the estimator
def as_array(X: Any) -> np.ndarray:
    """The output of a ``transform`` as an ndarray (from sparse, pandas or polars)."""
    if isinstance(X, np.ndarray):
        return X
    if hasattr(X, "toarray"):  # scipy sparse
        return X.toarray()
    if hasattr(X, "to_numpy"):  # pandas or polars, from set_output
        return X.to_numpy()
    return np.asarray(X)


def transform_rows(
    estimator: Any,
    docs: Sequence,
    n_features: int,
    dtype: np.dtype,
    caller: str,
    locate: Callable[[int], str] | None = None,
) -> np.ndarray:
    """``estimator.transform(docs)`` as a C-contiguous ndarray, checked against the spec.

    Parameters
    ----------
    estimator : fitted transformer
        The worker's copy of the estimator.
    docs : sequence of str
        One partition (or batch) of documents.
    n_features, dtype : int, numpy.dtype
        The output promised to the engine, computed on the client.
    caller : str
        The public function, for messages.
    locate : callable, optional
        ``locate(i)`` names document ``i`` of ``docs`` in the engine's whole
        collection (``"Document 1207"``, ``"Document 3 of partition 2"``).
        ``transform`` numbers the documents of ``docs`` from 0, so the error it
        raises for a bad one (``"Document 3 is None; ..."``, worded by
        :mod:`skembed._text`) is raised again with that name instead.

    Returns
    -------
    X : ndarray of shape (len(docs), n_features) and dtype ``dtype``
        The output, cast to ``dtype`` where that loses nothing (float32 to the
        float64 promised for it).

    Raises
    ------
    ValueError
        Another shape, or a dtype that does not cast safely; or a bad document.
    """
    dtype = np.dtype(dtype)
    if len(docs) == 0:
        return np.empty((0, n_features), dtype=dtype)
    try:
        X = as_array(estimator.transform(docs))
    except ValueError as exc:
        located = None if locate is None else _locate_document_error(exc, len(docs), locate)
        if located is None:
            raise
        raise located from None
    if X.shape != (len(docs), n_features) or not np.can_cast(X.dtype, dtype, "safe"):
        raise ValueError(
            f"{type(estimator).__name__}.transform returned an array of shape {X.shape} and "
            f"dtype {X.dtype} for {len(docs)} documents; {caller} expected "
            f"({len(docs)}, {n_features}) of {dtype}."
        )
    return np.ascontiguousarray(X, dtype=dtype)


def _locate_document_error(
    exc: ValueError, n_docs: int, locate: Callable[[int], str]
) -> ValueError | None:
    """``exc`` with its document renamed ``locate(index)``; None if it names no document."""
    from .._text import DocumentError

    if not isinstance(exc, DocumentError) or not 0 <= exc.index < n_docs:
        return None
    return exc.renamed(locate(exc.index))


def single_process(estimator: Any) -> Any:
    """Set ``n_jobs=None`` on every skembed estimator with ``n_jobs`` in ``estimator``, in place.

    Parameters
    ----------
    estimator : object
        A worker's copy of the estimator. Meta-estimators are looked through
        (``Pipeline``, ``FeatureUnion``, ``ColumnTransformer``'s fitted
        ``transformers_``, a search's ``best_estimator_``...): the estimators
        found in their attributes, or in lists and tuples of them.

    Returns
    -------
    estimator : object
        The same object.
    """
    from sklearn.base import BaseEstimator

    from .._text import TextInputMixin

    seen: set[int] = set()

    def visit(obj: Any) -> None:
        if id(obj) in seen:
            return
        seen.add(id(obj))
        if isinstance(obj, TextInputMixin) and hasattr(obj, "n_jobs"):
            obj.n_jobs = None
        elif isinstance(obj, BaseEstimator):
            for value in vars(obj).values():
                visit(value)
        elif isinstance(obj, (list, tuple)) and len(obj) <= 1024:  # not a list of words
            for value in obj:
                visit(value)

    visit(estimator)
    return estimator


# ====================================================================== mapped files
def mapped_file(arr: np.ndarray) -> np.memmap | None:
    """The read-only ``np.memmap`` of a file that ``arr`` is a view of, else None.

    That is the root of ``arr``'s ``.base`` chain (a slice of a memmap is a
    memmap too, but its ``offset`` is its root's).
    """
    root: Any = arr
    while isinstance(root.base, np.ndarray):
        root = root.base
    if not isinstance(root, np.memmap) or root.filename is None or root.mode != "r":
        return None
    return root


def _address(arr: np.ndarray) -> int:
    return arr.__array_interface__["data"][0]


def _raw(arr: np.ndarray) -> np.ndarray:
    """The bytes of a contiguous array, in memory order (a view)."""
    return np.asarray(arr).ravel(order="K").view(np.uint8)


def _digest(read: Callable[[int, int], bytes], nbytes: int) -> str:
    """sha256 of up to ``_SAMPLES`` blocks spread evenly over ``nbytes`` bytes."""
    block = min(_BLOCK, nbytes)
    n = min(_SAMPLES, -(-nbytes // _BLOCK))
    h = hashlib.sha256()
    for i in range(n):
        h.update(read((nbytes - block) * i // max(n - 1, 1), block))
    return h.hexdigest()


def _array_digest(arr: np.ndarray) -> str:
    raw = _raw(arr)
    return _digest(lambda pos, size: raw[pos : pos + size].tobytes(), raw.size)


def _file_digest(path: str, offset: int, nbytes: int) -> str | None:
    try:
        with open(path, "rb") as fh:

            def read(pos: int, size: int) -> bytes:
                fh.seek(offset + pos)
                return fh.read(size)

            return _digest(read, nbytes)
    except OSError:
        return None


class _Mappings:
    """This process's file mappings from ``/proc/self/maps`` (Linux), read once."""

    def __init__(self):
        self.rows: list[tuple[int, int, int, int, bool]] | None = None
        try:
            with open("/proc/self/maps", "rb") as fh:
                text = fh.read()
        except OSError:  # not Linux
            return
        rows = []
        for line in text.splitlines():
            parts = line.split(maxsplit=5)
            if len(parts) < 6 or not parts[5].startswith(b"/"):
                continue  # anonymous
            try:
                lo, hi = (int(x, 16) for x in parts[0].split(b"-"))
                device = os.makedev(*(int(x, 16) for x in parts[3].split(b":")))
                deleted = parts[5].endswith(b" (deleted)")
                rows.append((lo, hi, device, int(parts[4]), deleted))
            except ValueError:
                continue
        rows.sort()
        self.rows = rows
        self._starts = [row[0] for row in rows]

    def is_file(self, address: int, st: os.stat_result) -> bool | None:
        """Whether the mapping at ``address`` is the file of ``st``; None: cannot tell."""
        if not self.rows:
            return None
        i = bisect.bisect_right(self._starts, address) - 1
        if i < 0 or not self.rows[i][0] <= address < self.rows[i][1]:
            return None
        _, _, device, inode, deleted = self.rows[i]
        if deleted:  # replaced (or removed) since it was mapped
            return False
        if (device, inode) == (st.st_dev, st.st_ino):
            return True
        return None  # e.g. overlayfs, which reports its backing file here: compare bytes


def _read_listing(directory: Path, name: str, rel: str) -> tuple[int, str] | None:
    """``(size, sha256)`` that the manifest ``directory/name`` records for ``rel``."""
    try:
        doc = json.loads((directory / name).read_bytes())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(doc, dict) or doc.get("format") != _MANIFESTS[name]:
        return None
    files = doc.get("files")
    info = files.get(rel) if isinstance(files, dict) else None
    if not isinstance(info, dict):
        return None
    size, sha256 = info.get("size"), info.get("sha256")
    if type(size) is not int or not isinstance(sha256, str):
        return None
    return size, sha256


class _Listing(NamedTuple):
    """Where a skembed manifest lists a file, and the sha256 it records."""

    directory: str
    manifest: str
    rel: str
    sha256: str


class _FileRef(NamedTuple):
    """An array of a file as a worker maps it again, and the stamp it checks first."""

    path: str
    offset: int
    shape: tuple[int, ...]
    dtype: str
    order: str
    as_memmap: bool
    size: int
    mtime_ns: int
    listing: _Listing | None
    digest: str
    engine: Engine


def _hint(engine: Engine) -> str:
    return (
        f"Every {engine.receiver} must see the same file at the same path (one machine, a "
        f"shared file system, or identical copies); or pass {BY_VALUE} to send the "
        "arrays' contents instead."
    )


def _mismatch(ref: _FileRef, why: str) -> ShippedFileError:
    engine = ref.engine
    return ShippedFileError(
        f"The file {ref.path!r} on this {engine.receiver} is not the one the "
        f"{engine.sender}'s estimator uses ({why}): it changed after the estimator was sent "
        f"to the {engine.receiver}s, or differs between machines, and the {engine.receiver} "
        f"would read other values than the {engine.sender}. {_hint(engine)}"
    )


def _open_reference(ref: _FileRef) -> np.ndarray:
    """Map an array of a file again, on a worker, after the checks of docs/developer.md."""
    engine = ref.engine
    try:
        st = os.stat(ref.path)
    except OSError as exc:
        raise FileNotFoundError(
            f"The fitted estimator's arrays are memory-mapped from {ref.path!r}, which this "
            f"{engine.receiver} cannot open ({exc.strerror or exc}). {_hint(engine)}"
        ) from None
    if st.st_size != ref.size:
        raise _mismatch(ref, f"it has {st.st_size} bytes, the {engine.sender}'s {ref.size}")
    if ref.listing is not None:
        where = ref.listing
        found = _read_listing(Path(where.directory), where.manifest, where.rel)
        if found is None:
            raise _mismatch(ref, f"no readable {where.manifest} next to it lists it")
        if found[1] != where.sha256:
            raise _mismatch(ref, f"its {where.manifest} records another sha256")
    elif st.st_mtime_ns != ref.mtime_ns:
        raise _mismatch(ref, "its modification time differs")
    dtype = np.dtype(ref.dtype)
    mm = np.memmap(ref.path, dtype, mode="r", offset=ref.offset, shape=ref.shape, order=ref.order)
    if _array_digest(mm) != ref.digest:
        raise _mismatch(ref, "its bytes differ at sampled offsets")
    return mm if ref.as_memmap else mm.view(np.ndarray)


class _Stamp(NamedTuple):
    size: int
    mtime_ns: int
    listing: _Listing | None


class _Referencer:
    """The client's side: which arrays go by reference, and their stamps."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._stamps: dict[int, _Stamp | None] = {}  # by id of the root memmap
        self._listings: dict[tuple[Path, str, str], tuple[int, str] | None] = {}
        self._mappings: _Mappings | None = None

    def reference(self, arr: np.ndarray) -> _FileRef | None:
        root = mapped_file(arr)
        if root is None or arr.dtype.hasobject or arr.nbytes == 0 or arr.ndim == 0:
            return None
        if not (arr.flags.c_contiguous or arr.flags.f_contiguous):
            return None
        start = _address(arr) - _address(root)
        if start < 0 or start + arr.nbytes > root.nbytes:
            return None
        if id(root) not in self._stamps:
            self._stamps[id(root)] = self._stamp(root)
        stamp = self._stamps[id(root)]
        if stamp is None:
            return None
        return _FileRef(
            path=str(root.filename),
            offset=int(root.offset) + start,
            shape=tuple(int(n) for n in arr.shape),
            dtype=arr.dtype.str,
            order="C" if arr.flags.c_contiguous else "F",
            as_memmap=isinstance(arr, np.memmap),
            size=stamp.size,
            mtime_ns=stamp.mtime_ns,
            listing=stamp.listing,
            digest=_array_digest(arr),
            engine=self.engine,
        )

    def _stamp(self, root: np.memmap) -> _Stamp | None:
        """The stamp of the file at ``root``'s path, if ``root`` maps that very file."""
        path = str(root.filename)
        try:
            st = os.stat(path)
        except OSError:
            return None
        if self._mappings is None:
            self._mappings = _Mappings()
        same = self._mappings.is_file(_address(root), st)
        if same is None:  # cannot tell from the mapping: compare size and sampled bytes
            mapped_size = _mapped_size(root)
            same = (mapped_size is None or mapped_size == st.st_size) and _file_digest(
                path, int(root.offset), root.nbytes
            ) == _array_digest(root)
        if not same:
            return None  # the file at the path was replaced: send what we hold, by value
        return _Stamp(st.st_size, st.st_mtime_ns, self._listing(Path(path), st.st_size))

    def _listing(self, path: Path, size: int) -> _Listing | None:
        for directory in (path.parent, path.parent.parent):
            rel = path.relative_to(directory).as_posix()
            for name in _MANIFESTS:
                key = (directory, name, rel)
                if key not in self._listings:
                    self._listings[key] = _read_listing(directory, name, rel)
                found = self._listings[key]
                if found is not None and found[0] == size:
                    return _Listing(str(directory), name, rel, found[1])
        return None


def _mapped_size(root: np.memmap) -> int | None:
    """Size of the file ``root`` maps (even if unlinked since), where numpy tells it."""
    try:
        return int(root._mmap.size())
    except (AttributeError, OSError, ValueError):
        return None


# ====================================================================== pickling
@cache
def _pickler_class(module_name: str) -> type:
    cloudpickle = importlib.import_module(module_name)

    class _ReferencingPickler(cloudpickle.Pickler):
        """cloudpickle, with arrays of read-only memory-mapped files sent by reference."""

        referencer: _Referencer

        def reducer_override(self, obj):
            if type(obj) is np.ndarray or type(obj) is np.memmap:
                ref = self.referencer.reference(obj)
                if ref is not None:
                    return _open_reference, (ref,)
            return super().reducer_override(obj)

    return _ReferencingPickler


def dumps(
    obj: Any, *, engine: Engine, by_reference: bool = True, buffers: list | None = None
) -> bytes:
    """Pickle ``obj`` with the engine's cloudpickle, at the highest protocol.

    Parameters
    ----------
    obj : object
        What to pickle (a fitted estimator).
    engine : Engine
        The engine: its cloudpickle, and its words for the receivers' errors.
    by_reference : bool, default=True
        Send arrays of read-only memory-mapped files by reference, as
        :class:`_FileRef` (docs/developer.md, "Shipping a model once"); False
        pickles their contents.
    buffers : list, optional
        Where to append out-of-band buffers (``pickle.PickleBuffer``, views of
        the arrays: nothing is copied); None writes them into the bytes.

    Returns
    -------
    payload : bytes
        The pickle; read it with :func:`loads` (with the same buffers).
    """
    fh = io.BytesIO()
    callback = None if buffers is None else buffers.append
    if by_reference:
        pickler = _pickler_class(engine.cloudpickle)(
            fh, protocol=pickle.HIGHEST_PROTOCOL, buffer_callback=callback
        )
        pickler.referencer = _Referencer(engine)
    else:
        cloudpickle = importlib.import_module(engine.cloudpickle)
        pickler = cloudpickle.Pickler(
            fh, protocol=pickle.HIGHEST_PROTOCOL, buffer_callback=callback
        )
    pickler.dump(obj)
    return fh.getvalue()


def loads(payload: bytes, buffers: Sequence = ()) -> Any:
    """Unpickle what :func:`dumps` wrote, mapping files sent by reference (after checks)."""
    return pickle.loads(payload, buffers=buffers)


# ====================================================================== the shipment
#: Estimators rebuilt in this process from shipments with ``cache=True``, by token;
#: the most recently used last.
_CACHE: OrderedDict[str, Any] = OrderedDict()
_CACHE_SIZE = 2
_CACHE_LOCK = threading.Lock()


class Shipment:
    """A fitted estimator as the workers receive it: pickled once, unpickled once.

    Parameters
    ----------
    estimator : fitted estimator
        What to ship. It is pickled now (see :func:`dumps`); the client's
        object is not modified, and not used afterwards.
    engine : Engine
        The engine shipping it.
    by_reference : bool, default=True
        Send arrays of read-only memory-mapped files by reference.
    cache : bool, default=False
        Also keep the rebuilt estimator per process, under this shipment's
        token, for engines that deserialize a shipment for every task.

    Attributes
    ----------
    estimator : object
        The estimator, rebuilt from the bytes on first access (in every
        process, the client's included), with ``n_jobs=None`` in its skembed
        vectorizers.
    """

    def __init__(
        self, estimator: Any, *, engine: Engine, by_reference: bool = True, cache: bool = False
    ):
        buffers: list = []
        payload = dumps(estimator, engine=engine, by_reference=by_reference, buffers=buffers)
        self._setup(payload, buffers, type(estimator).__name__, uuid.uuid4().hex if cache else None)

    def _setup(self, payload: bytes, buffers: Sequence, name: str, token: str | None) -> None:
        self._payload = payload
        self._buffers = list(buffers)
        self._name = name
        self._token = token
        self._estimator: Any = None
        self._lock = threading.Lock()

    @classmethod
    def _received(cls, payload: bytes, buffers: Sequence, name: str, token: str | None) -> Shipment:
        shipment = cls.__new__(cls)
        shipment._setup(payload, buffers, name, token)
        return shipment

    def __reduce_ex__(self, protocol):
        if protocol >= 5:  # out-of-band where the pickler takes them (dask), else in band
            buffers = [pickle.PickleBuffer(b) for b in self._buffers]
        else:
            buffers = [bytes(b) for b in self._buffers]
        return Shipment._received, (self._payload, buffers, self._name, self._token)

    @property
    def estimator(self) -> Any:
        if self._estimator is None:
            with self._lock:
                if self._estimator is None:
                    self._estimator = self._rebuild()
        return self._estimator

    def _rebuild(self) -> Any:
        if self._token is not None:
            with _CACHE_LOCK:
                if self._token in _CACHE:
                    _CACHE.move_to_end(self._token)
                    return _CACHE[self._token]
        estimator = single_process(loads(self._payload, self._buffers))
        if self._token is not None:
            with _CACHE_LOCK:
                _CACHE[self._token] = estimator
                while len(_CACHE) > _CACHE_SIZE:
                    _CACHE.popitem(last=False)
        return estimator

    def __repr__(self) -> str:
        state = "rebuilt" if self._estimator is not None else "pickled"
        return f"<skembed shipment of a {self._name}, {state}>"
