"""Saving and loading fitted estimators without pickle.

:func:`save` writes an estimator, or a ``Pipeline`` / ``FeatureUnion`` /
``ColumnTransformer`` holding skembed estimators, as a directory::

    model/
      estimator.json        format name and version, library versions, the
                            estimator tree (class, parameters, fitted state)
                            and the size and sha256 of every other file
      arrays/0001_vectors_.npy        fitted numpy arrays
      vocab/0002_vocabulary_.txt      word -> row dicts, as the words in row order
      skops/0003_steps_1_1.skops      other scikit-learn estimators, via skops
      torch/0004_....pt               torch tensors / state_dicts (weights only)

:func:`load` reads it back without unpickling anything: every class named in
``estimator.json`` is checked against a fixed allow-list *before* any module is
imported or any object is constructed, ``.npy`` files are read with
``allow_pickle=False`` (memory-mapped read-only by default), torch files with
``torch.load(weights_only=True)``, and nested skops files only if skops trusts
every type in them (skembed's own classes are the only additions to skops'
default trust).

What is stored natively (JSON + ``.npy``)
    skembed's estimators and scikit-learn's ``Pipeline``, ``FeatureUnion`` and
    ``ColumnTransformer``: their constructor parameters and their fitted state
    (by default the instance ``__dict__`` minus the parameters, as pickle would
    see it; an estimator may define ``_skembed_state_()`` and
    ``_skembed_from_state_(state)`` to choose its own). Values may be JSON
    scalars, lists, tuples, sets, dicts, slices, numpy arrays, scalars, dtypes
    and scalar types, ``RandomState``, :class:`~skembed.SubwordTable`, torch
    tensors and state dicts, and estimators.

What goes through skops
    Any other estimator (``LogisticRegression``, ``StandardScaler``, ...) is
    written with ``skops.io`` into a nested file. skops (``pip install skops``)
    keeps its own audited list of trusted types.

What cannot be saved
    Code. A callable parameter (``tokenizer=my_function``,
    ``analyzer=lambda d: d.split()``) raises ``TypeError``: replace it by a
    built-in option or use pickle.

.. warning::
   ``pickle`` and ``joblib`` also save skembed estimators, with any callable,
   but loading a pickle runs code chosen by whoever wrote the file. Load
   pickles and joblib files only from sources you trust; use
   :func:`save` / :func:`load` to exchange models.
"""

from __future__ import annotations

import importlib
import inspect
import json
import math
import os
import re
import types
import warnings
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from ._native import (
    StoreError,
    atomic_directory,
    check_relative,
    file_info,
    is_native_store,
    read_manifest,
    read_npy,
    read_vocab,
    verify_files,
    write_bytes,
    write_npy,
    write_vocab,
)
from ._vectors import SubwordTable

__all__ = ["load", "save", "ALLOWED_CLASSES"]

FORMAT_NAME = "skembed-estimator"
FORMAT_VERSION = 1
ESTIMATOR_FILE = "estimator.json"

#: The classes :func:`load` constructs, as ``"module:qualname"``. Nothing else
#: is ever imported from a saved file.
ALLOWED_CLASSES: frozenset[str] = frozenset(
    {
        "skembed.word2vec:Word2VecVectorizer",
        "skembed.fasttext:FastTextVectorizer",
        "skembed.doc2vec:Doc2VecVectorizer",
        "skembed.pretrained:MeanEmbeddingVectorizer",
        "skembed.nn.textcnn:TextCNNClassifier",
        "sklearn.pipeline:Pipeline",
        "sklearn.pipeline:FeatureUnion",
        "sklearn.compose:ColumnTransformer",
    }
)

#: Scalar types allowed as values (e.g. ``dtype=np.float32``).
_TYPES: dict[str, type] = {
    f"{t.__module__}.{t.__qualname__}": t
    for t in (
        np.float16,
        np.float32,
        np.float64,
        np.longdouble,
        np.complex64,
        np.complex128,
        np.int8,
        np.int16,
        np.int32,
        np.int64,
        np.uint8,
        np.uint16,
        np.uint32,
        np.uint64,
        np.bool_,
        np.str_,
        bool,
        int,
        float,
        complex,
        str,
        bytes,
    )
}

#: Value types of arrays' elements and numpy scalars stored as JSON.
_JSON_PRIMITIVES = (str, int, float, bool, type(None))

#: Dicts of equal 1-D arrays at least this long are stored as one matrix.
_ARRAY_DICT_MIN = 64

_NODE_TYPES = frozenset(
    {
        "estimator",
        "skops",
        "ref",
        "ndarray",
        "object_array",
        "vocabulary",
        "array_dict",
        "torch",
        "subword_table",
        "tuple",
        "set",
        "frozenset",
        "dict",
        "slice",
        "float",
        "scalar",
        "complex",
        "dtype",
        "type",
        "random_state",
    }
)


# ---------------------------------------------------------------- the allow-list
def _resolve(name: str) -> type:
    """The allow-listed class ``name``; raises before importing anything else."""
    if not isinstance(name, str) or name not in ALLOWED_CLASSES:
        raise StoreError(
            f"Refusing to load the class {name!r}: it is not on skembed's allow-list "
            f"({', '.join(sorted(ALLOWED_CLASSES))}). Nothing was imported."
        )
    module, qualname = name.split(":")
    return getattr(importlib.import_module(module), qualname)


_NAMES: dict[type, str] | None = None


def _class_name(cls: type) -> str | None:
    """The allow-list name of ``cls`` (exact class, not subclasses), or None."""
    global _NAMES
    if _NAMES is None:
        names = {}
        for name in ALLOWED_CLASSES:
            try:
                names[_resolve(name)] = name
            except ImportError:  # an optional part (e.g. skembed.nn) missing
                continue
        _NAMES = names
    return _NAMES.get(cls)


def _skops_trusted() -> list[str]:
    """skops type names of skembed's own classes: the only additions to skops' trust."""
    names = [f"{SubwordTable.__module__}.{SubwordTable.__qualname__}"]
    for name in ALLOWED_CLASSES:
        if name.startswith("skembed."):
            try:
                cls = _resolve(name)
            except ImportError:
                continue
            names.append(f"{cls.__module__}.{cls.__qualname__}")
    return names


def _type_name(obj: Any) -> str:
    t = type(obj)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _is_estimator(obj: Any) -> bool:
    return not isinstance(obj, type) and callable(getattr(obj, "get_params", None))


def _is_tensor(obj: Any) -> bool:
    module = type(obj).__module__
    if module != "torch" and not module.startswith("torch."):
        return False
    import torch

    return isinstance(obj, torch.Tensor)


def _safe(hint: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", hint).strip("._-")[:60] or "value"


# ---------------------------------------------------------------- saving
class _Context:
    """Where a value is, for error messages: owner class, top attribute, path below it."""

    def __init__(self, owner: str, attr: str, is_param: bool, base: str):
        self.owner, self.attr, self.is_param, self.base = owner, attr, is_param, base
        self.where = f" at {base}" if base else ""

    def nested(self, path: str) -> str:
        """Location of an estimator found at ``path`` below this attribute."""
        return f"{self.base}.{path}" if self.base else path

    def unsupported(self, value: Any, path: str) -> TypeError:
        if callable(value) and self.is_param:
            what = (
                f"parameter {self.attr} is a callable"
                if path == self.attr
                else f"parameter {self.attr} holds a callable ({_type_name(value)}) at {path}"
            )
            return TypeError(
                f"{what}; pickle-free save cannot store code ({self.owner}{self.where}). Use a "
                "built-in option instead, or pickle/joblib, whose files run code when loaded "
                "and must only be loaded from trusted sources."
            )
        locs = [f"value at {path}"] if path != self.attr else []
        locs += [f"estimator at {self.base}"] if self.base else []
        return TypeError(
            f"cannot save {self.owner}.{self.attr} of type {_type_name(value)} without pickle"
            + (f" ({'; '.join(locs)})" if locs else "")
        )


class _Saver:
    def __init__(self, root: Path):
        self.root = root
        self.files: dict[str, dict[str, Any]] = {}
        self._count = 0
        self._memo: dict[int, int] = {}
        self._keep: list[Any] = []  # keeps memoised objects alive, so ids stay unique

    def _name(self, folder: str, hint: str, ext: str) -> str:
        self._count += 1
        (self.root / folder).mkdir(exist_ok=True)
        return f"{folder}/{self._count:04d}_{_safe(hint)}{ext}"

    def _memo_id(self, obj: Any) -> tuple[int, bool]:
        key = id(obj)
        if key in self._memo:
            return self._memo[key], True
        self._memo[key] = len(self._keep)
        self._keep.append(obj)
        return self._memo[key], False

    # ------------------------------------------------------------ estimators
    def estimator(self, est: Any, where: str) -> dict[str, Any]:
        name = _class_name(type(est))
        if name is None:
            return self.skops(est, where)
        ref, seen = self._memo_id(est)
        if seen:
            return {"$type": "ref", "id": ref}
        owner = type(est).__name__
        params = est.get_params(deep=False)
        out_params = {}
        for key, value in params.items():
            ctx = _Context(owner, key, True, where)
            out_params[key] = self.value(value, ctx, key, ctx.nested(key))
        if hasattr(est, "_skembed_state_"):
            state = dict(est._skembed_state_())
        else:
            state = dict(est.__getstate__())
            state.pop("_sklearn_version", None)
            for key in params:
                state.pop(key, None)
        out_state = {}
        for key, value in state.items():
            if not isinstance(key, str):
                raise TypeError(f"{owner}'s state has a non-string attribute name {key!r}.")
            ctx = _Context(owner, key, False, where)
            out_state[key] = self.value(value, ctx, key, ctx.nested(key))
        return {
            "$type": "estimator",
            "id": ref,
            "class": name,
            "params": out_params,
            "state": out_state,
        }

    def skops(self, est: Any, where: str) -> dict[str, Any]:
        cls = type(est)
        full = f"{cls.__module__}.{cls.__qualname__}"
        try:
            import skops.io as sio
        except ImportError:
            raise TypeError(
                f"cannot save {full}{' at ' + where if where else ''} without pickle: only "
                "skembed's estimators and Pipeline / FeatureUnion / ColumnTransformer are stored "
                "natively; other estimators are stored with skops, which is not installed "
                "(pip install skops)."
            ) from None
        name = self._name("skops", where or cls.__name__, ".skops")
        path = self.root / name
        sio.dump(est, path)
        trusted = set(_skops_trusted())
        untrusted = [t for t in sio.get_untrusted_types(file=path) if t not in trusted]
        if untrusted:
            raise TypeError(
                f"cannot save {full}{' at ' + where if where else ''} without pickle: it is not "
                "on skembed's allow-list, so it is stored with skops, and skops does not trust "
                f"these types in it: {untrusted}. skembed.load would refuse the file."
            )
        self.files[name] = file_info(path)
        return {"$type": "skops", "file": name, "class": full}

    # ------------------------------------------------------------ values
    def array(self, arr: np.ndarray, hint: str) -> dict[str, Any]:
        ref, seen = self._memo_id(arr)
        if seen:
            return {"$type": "ref", "id": ref}
        name = self._name("arrays", hint, ".npy")
        self.files[name] = write_npy(self.root / name, arr)
        return {
            "$type": "ndarray",
            "id": ref,
            "file": name,
            "dtype": arr.dtype.str,
            "shape": [int(n) for n in arr.shape],
        }

    def words(self, words: list[str], hint: str) -> tuple[str, int]:
        name = self._name("vocab", hint, "")
        folder, stem = name.split("/")
        fname, info = write_vocab(self.root / folder, stem, words)
        self.files[f"{folder}/{fname}"] = info
        return f"{folder}/{fname}", len(words)

    def value(self, v: Any, ctx: _Context, path: str, hint: str) -> Any:
        t = type(v)
        if v is None or t in (bool, int, str):
            return v
        if t is float:
            return v if math.isfinite(v) else {"$type": "float", "value": repr(v)}
        if t is complex:
            return {"$type": "complex", "real": self.value(v.real, ctx, path, hint),
                    "imag": self.value(v.imag, ctx, path, hint)}  # fmt: skip
        if isinstance(v, np.ndarray):
            return self.ndarray(v, ctx, path, hint)
        if isinstance(v, np.generic):
            if v.dtype.kind not in "biufcU":
                raise ctx.unsupported(v, path)
            return {
                "$type": "scalar",
                "dtype": v.dtype.str,
                "value": self.value(v.item(), ctx, path, hint),
            }
        if t is list:
            return [self.value(x, ctx, f"{path}[{i}]", hint) for i, x in enumerate(v)]
        if t is tuple:
            items = [self.value(x, ctx, f"{path}[{i}]", hint) for i, x in enumerate(v)]
            return {"$type": "tuple", "items": items}
        if t in (set, frozenset):
            items = [self.value(x, ctx, f"{path}{{}}", hint) for x in v]
            return {"$type": t.__name__, "items": items}
        if t in (dict, OrderedDict):
            return self.mapping(v, ctx, path, hint)
        if t is slice:
            return {
                "$type": "slice",
                "start": self.value(v.start, ctx, path, hint),
                "stop": self.value(v.stop, ctx, path, hint),
                "step": self.value(v.step, ctx, path, hint),
            }
        if isinstance(v, np.dtype):
            if v.fields is not None or v.subdtype is not None:
                raise ctx.unsupported(v, path)
            return {"$type": "dtype", "str": v.str}
        if isinstance(v, type):
            name = f"{v.__module__}.{v.__qualname__}"
            if _TYPES.get(name) is v:
                return {"$type": "type", "name": name}
            raise ctx.unsupported(v, path)
        if t is np.random.RandomState:
            state = self.value(v.get_state(legacy=True), ctx, path, hint)
            return {"$type": "random_state", "state": state}
        if t is SubwordTable:
            return {
                "$type": "subword_table",
                "min_n": int(v.min_n),
                "max_n": int(v.max_n),
                "bucket": int(v.bucket),
                "vectors": self.value(np.asarray(v.vectors), ctx, path, f"{hint}.vectors"),
                "bucket_ids": self.value(
                    None if v.bucket_ids is None else np.asarray(v.bucket_ids),
                    ctx,
                    path,
                    f"{hint}.bucket_ids",
                ),
            }
        if _is_tensor(v):
            return self.torch(v, hint)
        if _is_estimator(v):
            return self.estimator(v, ctx.nested(path))
        raise ctx.unsupported(v, path)

    def ndarray(self, v: np.ndarray, ctx: _Context, path: str, hint: str) -> Any:
        if type(v) not in (np.ndarray, np.memmap):
            raise ctx.unsupported(v, path)
        if v.dtype.hasobject:
            items = v.ravel(order="C").tolist()
            if not all(type(x) in _JSON_PRIMITIVES for x in items):
                bad = next(x for x in items if type(x) not in _JSON_PRIMITIVES)
                raise ctx.unsupported(bad, f"{path}[...]")
            return {
                "$type": "object_array",
                "shape": [int(n) for n in v.shape],
                "items": [self.value(x, ctx, path, hint) for x in items],
            }
        if v.dtype.fields is not None or v.dtype.subdtype is not None:
            raise ctx.unsupported(v, path)
        return self.array(v, hint)

    def mapping(self, v: dict, ctx: _Context, path: str, hint: str) -> Any:
        if v and all(type(k) is str for k in v):
            values = list(v.values())
            if all(type(i) is int for i in values):
                rows = np.fromiter(values, dtype=np.int64, count=len(values))
                n = len(rows)
                if rows.min() == 0 and rows.max() == n - 1 and np.bincount(rows).min() == 1:
                    words = [""] * n
                    for word, row in v.items():
                        words[row] = word
                    name, count = self.words(words, hint)
                    return {"$type": "vocabulary", "file": name, "n": count}
            if len(v) >= _ARRAY_DICT_MIN and all(
                type(x) in (np.ndarray, np.memmap) and x.ndim == 1 for x in values
            ):
                first = values[0]
                if not first.dtype.hasobject and all(
                    x.shape == first.shape and x.dtype == first.dtype for x in values
                ):
                    name, count = self.words(list(v), hint)
                    matrix = np.stack(values)
                    return {
                        "$type": "array_dict",
                        "keys": name,
                        "n": count,
                        "array": self.array(matrix, hint),
                    }
            if all(_is_tensor(x) for x in values):
                return self.torch(v, hint)
        if all(type(k) is str for k in v):
            items = {k: self.value(x, ctx, f"{path}[{k!r}]", f"{hint}.{k}") for k, x in v.items()}
            node = {"$type": "dict", "items": items}
        else:
            pairs = [
                [self.value(k, ctx, path, hint), self.value(x, ctx, f"{path}[{k!r}]", hint)]
                for k, x in v.items()
            ]
            node = {"$type": "dict", "pairs": pairs}
        if type(v) is OrderedDict:
            node["ordered"] = True
        return node

    def torch(self, v: Any, hint: str) -> dict[str, Any]:
        import torch

        name = self._name("torch", hint, ".pt")
        path = self.root / name
        if isinstance(v, dict):
            v = OrderedDict((k, x.detach().cpu()) for k, x in v.items())
            kind = "state_dict"
        else:
            v = v.detach().cpu()
            kind = "tensor"
        torch.save(v, path)
        self.files[name] = file_info(path)
        return {"$type": "torch", "file": name, "kind": kind}


def _is_saved_estimator(path: Path) -> bool:
    try:
        doc = json.loads((path / ESTIMATOR_FILE).read_bytes())
        return isinstance(doc, dict) and doc.get("format") == FORMAT_NAME
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return False


def _versions() -> dict[str, str]:
    import sklearn

    from . import __version__

    return {"skembed": __version__, "scikit-learn": sklearn.__version__, "numpy": np.__version__}


def save(estimator: Any, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Save a fitted (or unfitted) estimator as a directory, without pickle.

    Parameters
    ----------
    estimator : estimator
        A skembed estimator, or a ``Pipeline`` / ``FeatureUnion`` /
        ``ColumnTransformer`` of them and of other scikit-learn estimators
        (those are stored with skops, which must be installed).
    path : str or path-like
        The directory to create. It is written into a temporary sibling and
        renamed into place when complete, so a failure never leaves a partial
        model at ``path``.
    overwrite : bool, default=False
        Replace an existing saved estimator (or empty directory) at ``path``.

    Returns
    -------
    path : Path
        The saved directory.

    Raises
    ------
    TypeError
        A parameter is a callable (``tokenizer``, ``analyzer``,
        ``preprocessor``, ...) or a value has a type that cannot be stored
        without pickle; the message names the estimator and the attribute.

    See Also
    --------
    load : Read the directory back.

    Notes
    -----
    pickle and joblib can save everything, callables included, but loading
    such a file runs code chosen by its author: load them only from trusted
    sources.

    Examples
    --------
    >>> import tempfile
    >>> from skembed import Word2VecVectorizer
    >>> from skembed.persistence import load, save
    >>> docs = ["the cat sat on the mat", "the dog sat on the log"] * 20
    >>> vec = Word2VecVectorizer(vector_size=8, min_count=1, random_state=0).fit(docs)
    >>> path = save(vec, tempfile.mkdtemp() + "/w2v")
    >>> again = load(path)
    >>> bool((again.transform(docs) == vec.transform(docs)).all())
    True
    """
    if not _is_estimator(estimator):
        raise TypeError(
            f"save expects a scikit-learn estimator; got {_type_name(estimator)}. Use "
            "skembed._native.save_vectors for plain words and vectors."
        )
    with atomic_directory(
        path,
        overwrite=overwrite,
        replaceable=lambda p: _is_saved_estimator(p) or not any(p.iterdir()),
        what="saved estimator",
    ) as tmp:
        saver = _Saver(tmp)
        tree = saver.estimator(estimator, "")
        doc = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "versions": _versions(),
            "estimator": tree,
            "files": saver.files,
        }
        data = json.dumps(doc, indent=1, allow_nan=False) + "\n"  # ASCII: any str survives
        write_bytes(tmp / ESTIMATOR_FILE, data.encode("ascii"))
    return Path(path)


# ---------------------------------------------------------------- loading
class _Loader:
    def __init__(self, root: Path, files: dict, mmap: bool):
        self.root = root
        self.files = files
        self.mmap = mmap
        self.memo: dict[int, Any] = {}

    def _file(self, name: Any) -> Path:
        check_relative(name)
        if name not in self.files:
            raise StoreError(f"{name} is not listed in {ESTIMATOR_FILE}'s files.")
        return self.root / name

    # ------------------------------------------------------------ pass 1: validate
    def check(self, node: Any, depth: int = 0) -> None:
        """Validate the whole tree (classes, types, file names) before building anything."""
        if depth > 200:
            raise StoreError(f"{ESTIMATOR_FILE} is nested too deeply.")
        if isinstance(node, list):
            for x in node:
                self.check(x, depth + 1)
            return
        if not isinstance(node, dict):
            if node is None or type(node) in (bool, int, float, str):
                return
            raise StoreError(f"Unexpected value {node!r} in {ESTIMATOR_FILE}.")
        kind = node.get("$type")
        if not isinstance(kind, str) or kind not in _NODE_TYPES:
            raise StoreError(f"Unknown node type {kind!r} in {ESTIMATOR_FILE}.")
        if kind == "estimator":
            _resolve(node.get("class"))
            for key in ("params", "state"):
                if not isinstance(node.get(key), dict):
                    raise StoreError(f"An estimator node of {ESTIMATOR_FILE} has no {key}.")
        elif kind == "type":
            if node.get("name") not in _TYPES:
                raise StoreError(f"Refusing the type {node.get('name')!r}: not on the allow-list.")
        elif kind == "skops":
            self._check_skops(self._file(node.get("file")))
        elif kind in ("ndarray", "torch", "vocabulary"):
            self._file(node.get("file"))
        elif kind == "array_dict":
            self._file(node.get("keys"))
        if kind == "estimator":
            children = [*node["params"].values(), *node["state"].values()]
        elif kind == "dict":
            items = node.get("items")
            if items is not None and not isinstance(items, dict):
                raise StoreError(f"A dict node of {ESTIMATOR_FILE} is malformed.")
            children = list(items.values()) if items is not None else [node.get("pairs")]
        else:
            children = [v for k, v in node.items() if k != "$type"]
        for value in children:
            self.check(value, depth + 1)

    def _check_skops(self, path: Path) -> None:
        try:
            import skops.io as sio
        except ImportError:
            raise ImportError(
                f"{path.name} was written with skops; install it to load: pip install skops"
            ) from None
        trusted = set(_skops_trusted())
        untrusted = [t for t in sio.get_untrusted_types(file=path) if t not in trusted]
        if untrusted:
            raise StoreError(
                f"Refusing to load {path.name}: skops does not trust these types in it: "
                f"{untrusted}."
            )

    # ------------------------------------------------------------ pass 2: build
    def value(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.value(x) for x in node]
        if not isinstance(node, dict):
            return node
        kind = node["$type"]
        method = getattr(self, f"_{kind}")
        out = method(node)
        if "id" in node and kind in ("estimator", "ndarray"):
            self.memo[node["id"]] = out
        return out

    def _estimator(self, node: dict) -> Any:
        cls = _resolve(node["class"])
        params = {k: self.value(v) for k, v in node["params"].items()}
        est = cls(**params)
        state = {k: self.value(v) for k, v in node["state"].items()}
        if hasattr(est, "_skembed_from_state_"):
            est._skembed_from_state_(state)
        else:
            _set_state(est, state)
        return est

    def _skops(self, node: dict) -> Any:
        import skops.io as sio

        path = self._file(node["file"])
        trusted = set(_skops_trusted())
        untrusted = sio.get_untrusted_types(file=path)
        if any(t not in trusted for t in untrusted):  # checked in pass 1; the file is ours
            raise StoreError(f"Refusing to load {path.name}: untrusted types {untrusted}.")
        return sio.load(path, trusted=untrusted)

    def _ref(self, node: dict) -> Any:
        if node.get("id") not in self.memo:
            raise StoreError(f"{ESTIMATOR_FILE} refers to an unknown object {node.get('id')!r}.")
        return self.memo[node["id"]]

    def _ndarray(self, node: dict) -> np.ndarray:
        path = self._file(node["file"])
        return read_npy(path, mmap=self.mmap, dtype=np.dtype(node["dtype"]), shape=node["shape"])

    def _object_array(self, node: dict) -> np.ndarray:
        items = [self.value(x) for x in node["items"]]
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out.reshape(node["shape"])

    def _vocabulary(self, node: dict) -> dict[str, int]:
        words = read_vocab(self._file(node["file"]), int(node["n"]))
        return dict(zip(words, range(len(words)), strict=True))

    def _array_dict(self, node: dict) -> dict[str, np.ndarray]:
        words = read_vocab(self._file(node["keys"]), int(node["n"]))
        matrix = self.value(node["array"])
        if matrix.shape[0] != len(words):
            raise StoreError("An array dict's keys and rows differ in number.")
        return dict(zip(words, matrix, strict=True))

    def _torch(self, node: dict) -> Any:
        import torch

        path = self._file(node["file"])
        try:
            return torch.load(path, map_location="cpu", weights_only=True, mmap=self.mmap)
        except Exception as exc:  # any failure of the reader means a bad file
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
            raise StoreError(
                f"Refusing to load {node['file']}: torch could not read it as plain tensors "
                f"(weights_only=True): {first_line}"
            ) from None

    def _subword_table(self, node: dict) -> SubwordTable:
        return SubwordTable(
            min_n=int(node["min_n"]),
            max_n=int(node["max_n"]),
            bucket=int(node["bucket"]),
            vectors=self.value(node["vectors"]),
            bucket_ids=self.value(node["bucket_ids"]),
        )

    def _tuple(self, node: dict) -> tuple:
        return tuple(self.value(x) for x in node["items"])

    def _set(self, node: dict) -> set:
        return {self.value(x) for x in node["items"]}

    def _frozenset(self, node: dict) -> frozenset:
        return frozenset(self.value(x) for x in node["items"])

    def _dict(self, node: dict) -> dict:
        cls = OrderedDict if node.get("ordered") else dict
        if "items" in node:
            return cls((k, self.value(v)) for k, v in node["items"].items())
        return cls((self.value(k), self.value(v)) for k, v in node["pairs"])

    def _slice(self, node: dict) -> slice:
        return slice(self.value(node["start"]), self.value(node["stop"]), self.value(node["step"]))

    def _float(self, node: dict) -> float:
        value = node["value"]
        if value not in ("nan", "inf", "-inf"):
            raise StoreError(f"Invalid float {value!r} in {ESTIMATOR_FILE}.")
        return float(value)

    def _complex(self, node: dict) -> complex:
        return complex(self.value(node["real"]), self.value(node["imag"]))

    def _scalar(self, node: dict) -> np.generic:
        dtype = np.dtype(node["dtype"])
        if dtype.kind not in "biufcU":
            raise StoreError(f"Invalid scalar dtype {dtype} in {ESTIMATOR_FILE}.")
        return dtype.type(self.value(node["value"]))

    def _dtype(self, node: dict) -> np.dtype:
        return np.dtype(node["str"])

    def _type(self, node: dict) -> type:
        return _TYPES[node["name"]]

    def _random_state(self, node: dict) -> np.random.RandomState:
        rs = np.random.RandomState()
        rs.set_state(self.value(node["state"]))
        return rs


def _set_state(est: Any, state: dict[str, Any]) -> None:
    """Set fitted attributes, refusing names that would shadow the class's methods."""
    cls = type(est)
    for key in state:
        attr = inspect.getattr_static(cls, key, None)
        if (
            not key.isidentifier()
            or key.startswith("__")
            or isinstance(attr, (types.FunctionType, property, classmethod, staticmethod))
        ):
            raise StoreError(f"Refusing to set the attribute {key!r} of {cls.__name__}.")
    vars(est).update(state)


def load(path: str | os.PathLike, *, mmap: bool = True, verify: str = "size") -> Any:
    """Load an estimator saved with :func:`save`, without unpickling anything.

    Parameters
    ----------
    path : str or path-like
        The directory written by :func:`save`.
    mmap : bool, default=True
        Memory-map the fitted arrays read-only (``np.load(mmap_mode="r")``):
        loading is fast, large word-vector matrices use memory only for the rows
        that are used, and processes share them. False reads ordinary,
        writable arrays.
    verify : {"size", "sha256"}, default="size"
        Check every file's size (and ``.npy`` header) against the manifest, or
        also its sha256 (reads every file).

    Returns
    -------
    estimator : estimator
        The estimator, ready to ``transform`` / ``predict``.

    Raises
    ------
    StoreError
        (a ``ValueError``) the directory is not a saved estimator, is
        incomplete or modified, or names a class outside the allow-list
        (checked before anything is imported or constructed).

    Notes
    -----
    Only classes on :data:`ALLOWED_CLASSES` are constructed, with the
    parameters and attributes in the file; arrays are read with
    ``allow_pickle=False``; torch files with ``weights_only=True``; nested
    skops files only when skops trusts all their types. Files written by
    ``pickle`` or ``joblib`` are a different matter: loading them runs
    arbitrary code, so load them only from trusted sources.
    """
    root = Path(path)
    if root.is_file():
        raise StoreError(
            f"{str(root)!r} is a file; skembed.load reads directories written by skembed.save. "
            "A pickle or joblib file loads with joblib.load, which runs code from the file: "
            "use it only for files you trust."
        )
    if root.is_dir() and not (root / ESTIMATOR_FILE).exists() and is_native_store(root):
        raise StoreError(
            f"{str(root)!r} is a skembed vectors store, not a saved estimator: open it with "
            "skembed._native.open_vectors or pass it as vectors= to MeanEmbeddingVectorizer."
        )
    doc = read_manifest(root, ESTIMATOR_FILE, FORMAT_NAME, FORMAT_VERSION, "saved estimator")
    files = doc.get("files")
    verify_files(root, files, verify)
    loader = _Loader(root, files, mmap)
    try:
        loader.check(doc.get("estimator"))
    except RecursionError:
        raise StoreError(f"{ESTIMATOR_FILE} is nested too deeply.") from None
    except StoreError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StoreError(f"{ESTIMATOR_FILE} of {str(root)!r} is malformed: {exc!r}") from None
    saved = doc.get("versions")
    saved = saved if isinstance(saved, dict) else {}
    current = _versions()
    changed = {k: (saved.get(k), v) for k, v in current.items() if saved.get(k) not in (None, v)}
    if changed and any(k != "numpy" for k in changed):
        warnings.warn(
            f"{str(root)!r} was saved with "
            + ", ".join(f"{k} {old}" for k, (old, _) in changed.items())
            + " and is loaded with "
            + ", ".join(f"{k} {new}" for k, (_, new) in changed.items())
            + ": check its results.",
            UserWarning,
            stacklevel=2,
        )
    try:
        return loader.value(doc["estimator"])
    except StoreError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StoreError(f"{ESTIMATOR_FILE} of {str(root)!r} is malformed: {exc!r}") from None
