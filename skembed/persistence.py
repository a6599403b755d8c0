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
default trust). Every value is validated where it is rebuilt (dtypes, shapes,
ranges, and each skembed estimator's fitted state as a whole), so a damaged or
hostile file is refused by :func:`load` with a :class:`StoreError` naming the
file and the place in it, never later and never as a crash.

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
import reprlib
import types
import warnings
from collections import OrderedDict
from collections.abc import Callable
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
            return {
                "$type": "complex",
                "real": self.value(v.real, ctx, path, hint),
                "imag": self.value(v.imag, ctx, path, hint),
            }
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
        model at ``path``. A saved model is never changed in place, so
        estimators loaded from it keep valid memory maps (see :func:`load`).
    overwrite : bool, default=False
        Replace an existing saved estimator (or empty directory) at ``path``:
        the new directory is renamed into place, and estimators loaded from the
        old one keep reading its (unlinked, intact) files.

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
def _describe(value: Any) -> str:
    """A short description of a loaded value, for messages."""
    if isinstance(value, np.ndarray):
        return f"an array of {value.dtype} and shape {value.shape}"
    text = reprlib.repr(value)
    return f"{_type_name(value)} {text}" if type(value) not in (int, str) else text


def _reason(exc: BaseException) -> str:
    """What went wrong, for a message: a missing key, or the first line of the error."""
    if isinstance(exc, KeyError):
        return f"it has no {exc.args[0]!r} entry" if exc.args else "an entry is missing"
    text = str(exc).strip().splitlines()
    line = f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
    return line if line.endswith(".") else line + "."


def _message(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _is_int(value: Any) -> bool:
    return type(value) is int or (isinstance(value, np.integer) and not isinstance(value, bool))


def _is_real(value: Any) -> bool:
    return type(value) in (int, float) or isinstance(value, (np.integer, np.floating))


#: Where scikit-learn's meta-estimators hold estimators, and the strings allowed instead:
#: "one": the value is the estimator; "entry": the value is one ``(name, estimator, ...)``
#: tuple of the given length; "entries": a list of such tuples.
_ESTIMATOR_SLOTS: dict[str, dict[str, tuple[str, int, frozenset]]] = {
    "sklearn.pipeline:Pipeline": {"steps": ("entries", 2, frozenset({"passthrough", None}))},
    "sklearn.pipeline:FeatureUnion": {
        "transformer_list": ("entries", 2, frozenset({"drop", "passthrough"})),
    },
    "sklearn.compose:ColumnTransformer": {
        "transformers": ("entries", 3, frozenset({"drop", "passthrough"})),
        "transformers_": ("entries", 3, frozenset({"drop", "passthrough"})),
        "remainder": ("one", 0, frozenset({"drop", "passthrough"})),
        "_remainder": ("entry", 3, frozenset({"drop", "passthrough"})),
    },
}

#: sklearn's own checks of those slots (private, so only called where they exist).
_SKLEARN_VALIDATORS = ("_validate_steps", "_validate_transformers")

_OUTPUT_CONTAINERS = frozenset({"default", "pandas", "polars"})


class _Loader:
    def __init__(self, root: Path, files: dict, mmap: bool):
        self.root = root
        self.files = files
        self.mmap = mmap
        self.manifest = str(root / ESTIMATOR_FILE)
        self.memo: dict[int, Any] = {}
        # dicts built from vocabulary nodes: word -> row with rows exactly 0..n-1
        self.bijective: set[int] = set()

    def invalid(self, where: str, what: str) -> StoreError:
        """The error for a bad value at ``where``; ``what`` says what was expected and got."""
        return StoreError(f"Refusing to load {self.manifest!r}: {where}: {what}")

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
        if depth == 0 and not (isinstance(node, dict) and node.get("$type") in _ROOT_TYPES):
            raise StoreError(
                f"Refusing to load {self.manifest!r}: its 'estimator' entry must be an "
                f'estimator node ({{"$type": "estimator", ...}}); got {reprlib.repr(node)}.'
            )
        if isinstance(node, list):
            for x in node:
                self.check(x, depth + 1)
            return
        if not isinstance(node, dict):
            if node is None or type(node) in (bool, int, float, str):
                return
            raise StoreError(f"Unexpected value {node!r} in {self.manifest!r}.")
        kind = node.get("$type")
        if not isinstance(kind, str) or kind not in _NODE_TYPES:
            raise StoreError(
                f"Unknown node type {kind!r} in {self.manifest!r} (a JSON object of the tree "
                'must have a "$type"; plain objects are written as "dict" nodes).'
            )
        if kind == "estimator":
            _resolve(node.get("class"))
            for key in ("params", "state"):
                if not isinstance(node.get(key), dict):
                    raise StoreError(f"An estimator node of {self.manifest!r} has no {key}.")
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
                raise StoreError(f"A dict node of {self.manifest!r} is malformed.")
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
    def value(self, node: Any, where: str) -> Any:
        """Build the value of ``node`` (found at ``where``), checking everything it holds.

        Each ``_<kind>`` method builds one node type and refuses, as a
        :class:`StoreError` naming the file and ``where``, any value it could not
        have written: a damaged or hostile file fails here, never later.
        """
        if isinstance(node, list):
            return [self.value(x, f"{where}[{i}]") for i, x in enumerate(node)]
        if not isinstance(node, dict):
            return node
        kind = node["$type"]
        if not where:  # the top-level estimator: named by its class
            where = str(node.get("class", "estimator")).split(":")[-1].rsplit(".")[-1]
        try:
            out = getattr(self, f"_{kind}")(node, where)
        except StoreError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError, IndexError) as exc:
            raise self.invalid(where, f"malformed {kind} node: {_reason(exc)}") from None
        if "id" in node and kind in ("estimator", "ndarray"):
            self.memo[node["id"]] = out
        return out

    def _counts(self, value: Any, where: str, what: str) -> list[int]:
        if not isinstance(value, list) or not all(_is_int(n) and n >= 0 for n in value):
            raise self.invalid(where, f"{what} must be a list of non-negative ints; got {value!r}.")
        return [int(n) for n in value]

    def _count(self, value: Any, where: str, what: str) -> int:
        if not _is_int(value) or value < 0:
            raise self.invalid(where, f"{what} must be a non-negative int; got {value!r}.")
        return int(value)

    def _plain_dtype(self, value: Any, where: str, what: str) -> np.dtype:
        if not isinstance(value, str):
            raise self.invalid(where, f"{what} must be a numpy dtype string; got {value!r}.")
        dtype = np.dtype(value)
        if dtype.fields is not None or dtype.subdtype is not None:
            raise self.invalid(
                where,
                f"{what} {value!r} is a structured or subarray dtype, which save never writes.",
            )
        return dtype

    def _estimator(self, node: dict, where: str) -> Any:
        cls = _resolve(node["class"])
        names = set(cls._get_param_names())
        unknown = sorted(set(node["params"]) - names)
        if unknown:
            raise self.invalid(
                where,
                f"{cls.__name__} has no parameter {', '.join(map(repr, unknown))} (its "
                f"parameters are {', '.join(sorted(names))}).",
            )
        params = {k: self.value(v, f"{where}.{k}") for k, v in node["params"].items()}
        est = cls(**params)
        state = {k: self.value(v, f"{where}.{k}") for k, v in node["state"].items()}
        if hasattr(est, "_skembed_from_state_"):
            est._skembed_from_state_(state)
        else:
            _set_state(est, state, f"{where} of {self.manifest!r}")
        _check_estimator(self, est, node["class"], where)
        return est

    def _skops(self, node: dict, where: str) -> Any:
        import skops.io as sio

        path = self._file(node["file"])
        trusted = set(_skops_trusted())
        untrusted = sio.get_untrusted_types(file=path)
        if any(t not in trusted for t in untrusted):  # checked in pass 1; the file is ours
            raise StoreError(f"Refusing to load {path.name}: untrusted types {untrusted}.")
        est = sio.load(path, trusted=untrusted)
        cls = type(est)
        if not _is_estimator(est) or f"{cls.__module__}.{cls.__qualname__}" != node["class"]:
            raise self.invalid(
                where, f"{node['file']} must hold a {node['class']}; it holds {_describe(est)}."
            )
        return est

    def _ref(self, node: dict, where: str) -> Any:
        if not _is_int(node.get("id")) or node["id"] not in self.memo:
            raise self.invalid(
                where, f"refers to {node.get('id')!r}, which is not an object loaded before it."
            )
        return self.memo[node["id"]]

    def _ndarray(self, node: dict, where: str) -> np.ndarray:
        path = self._file(node["file"])
        dtype = self._plain_dtype(node["dtype"], where, "the dtype")
        shape = self._counts(node["shape"], where, "the shape")
        return read_npy(path, mmap=self.mmap, dtype=dtype, shape=shape)

    def _object_array(self, node: dict, where: str) -> np.ndarray:
        shape = self._counts(node["shape"], where, "the shape")
        if not isinstance(node["items"], list) or len(node["items"]) != math.prod(shape):
            raise self.invalid(
                where,
                f"an object array of shape {tuple(shape)} needs "
                f"{math.prod(shape)} items in a list.",
            )
        items = [self.value(x, f"{where}[{i}]") for i, x in enumerate(node["items"])]
        bad = [x for x in items if type(x) not in _JSON_PRIMITIVES]
        if bad:
            raise self.invalid(
                where, f"object arrays hold str, int, float, bool or None; got {_describe(bad[0])}."
            )
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out.reshape(shape)

    def _words(self, name: Any, n: Any, where: str) -> list[str]:
        return read_vocab(self._file(name), self._count(n, where, "the number of words"))

    def _distinct(self, out: dict, words: list, name: str, where: str) -> None:
        if len(out) != len(words):
            raise self.invalid(where, f"{name} holds a word twice: its words must be distinct.")

    def _vocabulary(self, node: dict, where: str) -> dict[str, int]:
        words = self._words(node["file"], node["n"], where)
        out = dict(zip(words, range(len(words)), strict=True))
        self._distinct(out, words, node["file"], where)
        self.bijective.add(id(out))
        return out

    def _array_dict(self, node: dict, where: str) -> dict[str, np.ndarray]:
        words = self._words(node["keys"], node["n"], where)
        if not isinstance(node["array"], dict) or node["array"].get("$type") not in (
            "ndarray",
            "ref",
        ):
            raise self.invalid(where, "its 'array' must be an ndarray node.")
        matrix = self.value(node["array"], f"{where}.array")
        if not isinstance(matrix, np.ndarray) or matrix.ndim != 2 or matrix.shape[0] != len(words):
            raise self.invalid(
                where,
                f"{len(words)} keys need a 2-D array of {len(words)} rows; got "
                f"{_describe(matrix)}.",
            )
        out = dict(zip(words, matrix, strict=True))
        self._distinct(out, words, node["keys"], where)
        return out

    def _torch(self, node: dict, where: str) -> Any:
        import torch

        path = self._file(node["file"])
        try:
            # read into memory, never mapped: torch's mapping could not be checked on use
            out = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:  # any failure of the reader means a bad file
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
            raise StoreError(
                f"Refusing to load {node['file']}: torch could not read it as plain tensors "
                f"(weights_only=True): {first_line}"
            ) from None
        kind = node.get("kind")
        if kind == "tensor":
            ok = isinstance(out, torch.Tensor)
        elif kind == "state_dict":
            ok = isinstance(out, dict) and all(
                type(k) is str and isinstance(v, torch.Tensor) for k, v in out.items()
            )
        else:
            raise self.invalid(
                where, f"a torch node's kind must be 'tensor' or 'state_dict'; got {kind!r}."
            )
        if not ok:
            raise self.invalid(where, f"{node['file']} must hold a {kind}; got {_describe(out)}.")
        return out

    def _subword_table(self, node: dict, where: str) -> SubwordTable:
        ints = {}
        for key in ("min_n", "max_n", "bucket"):
            ints[key] = self._count(node[key], where, key)
        vectors = self.value(node["vectors"], f"{where}.vectors")
        if not isinstance(vectors, np.ndarray) or vectors.dtype != np.float32 or vectors.ndim != 2:
            raise self.invalid(
                where, f"the n-gram vectors must be a 2-D float32 array; got {_describe(vectors)}."
            )
        ids = self.value(node["bucket_ids"], f"{where}.bucket_ids")
        if ids is not None and (
            not isinstance(ids, np.ndarray) or ids.dtype != np.int64 or ids.ndim != 1
        ):
            raise self.invalid(
                where, f"bucket_ids must be None or a 1-D int64 array; got {_describe(ids)}."
            )
        return SubwordTable(**ints, vectors=vectors, bucket_ids=ids)

    def _items(self, node: dict, where: str) -> list:
        if not isinstance(node["items"], list):
            raise self.invalid(where, f"its items must be a list; got {node['items']!r}.")
        return [self.value(x, f"{where}[{i}]") for i, x in enumerate(node["items"])]

    def _tuple(self, node: dict, where: str) -> tuple:
        return tuple(self._items(node, where))

    def _set(self, node: dict, where: str) -> set:
        return set(self._items(node, where))

    def _frozenset(self, node: dict, where: str) -> frozenset:
        return frozenset(self._items(node, where))

    def _dict(self, node: dict, where: str) -> dict:
        ordered = node.get("ordered", False)
        if type(ordered) is not bool:
            raise self.invalid(where, f"'ordered' must be true or false; got {ordered!r}.")
        cls = OrderedDict if ordered else dict
        if "items" in node:
            return cls((k, self.value(v, f"{where}[{k!r}]")) for k, v in node["items"].items())
        pairs = node["pairs"]
        if not isinstance(pairs, list) or not all(
            isinstance(p, list) and len(p) == 2 for p in pairs
        ):
            raise self.invalid(where, "a dict's pairs must be a list of [key, value] lists.")
        out = cls()
        for i, (k, v) in enumerate(pairs):
            key = self.value(k, f"{where}.pairs[{i}][0]")
            out[key] = self.value(v, f"{where}[{key!r}]")
        return out

    def _slice(self, node: dict, where: str) -> slice:
        parts = [self.value(node[k], f"{where}.{k}") for k in ("start", "stop", "step")]
        if not all(p is None or type(p) in (int, str) for p in parts):
            raise self.invalid(
                where, f"a slice's start, stop and step must be None, int or str; got {parts!r}."
            )
        return slice(*parts)

    def _float(self, node: dict, where: str) -> float:
        value = node["value"]
        if value not in ("nan", "inf", "-inf"):
            raise self.invalid(where, f"a float node holds 'nan', 'inf' or '-inf'; got {value!r}.")
        return float(value)

    def _complex(self, node: dict, where: str) -> complex:
        real, imag = self.value(node["real"], where), self.value(node["imag"], where)
        if not (type(real) in (int, float) and type(imag) in (int, float)):
            raise self.invalid(
                where, f"a complex number's parts must be numbers; got {real!r} and {imag!r}."
            )
        return complex(real, imag)

    def _scalar(self, node: dict, where: str) -> np.generic:
        dtype = self._plain_dtype(node["dtype"], where, "the dtype")
        if dtype.kind not in "biufcU":
            raise self.invalid(
                where, f"a scalar's dtype must be a bool, number or str; got {dtype}."
            )
        value = self.value(node["value"], where)
        kind, t = dtype.kind, type(value)
        ok = {
            "b": t is bool,
            "i": t is int,
            "u": t is int,
            "f": t in (int, float),
            "c": t in (int, float, complex),
            "U": t is str,
        }[kind]
        if ok and kind in "iu":
            info = np.iinfo(dtype)
            ok = info.min <= value <= info.max
        if not ok:
            raise self.invalid(where, f"{_describe(value)} is not a value of {dtype}.")
        return dtype.type(value)

    def _dtype(self, node: dict, where: str) -> np.dtype:
        dtype = self._plain_dtype(node["str"], where, "the dtype")
        if dtype.hasobject:
            raise self.invalid(where, "an object dtype is never saved.")
        return dtype

    def _type(self, node: dict, where: str) -> type:
        if node.get("name") not in _TYPES:
            raise StoreError(f"Refusing the type {node.get('name')!r}: not on the allow-list.")
        return _TYPES[node["name"]]

    def _random_state(self, node: dict, where: str) -> np.random.RandomState:
        state = self.value(node["state"], where)
        if not isinstance(state, tuple) or len(state) != 5:
            raise self.invalid(
                where,
                "a RandomState's state must be the 5-tuple of get_state(legacy=True) "
                f"('MT19937', key, pos, has_gauss, cached_gaussian); got {_describe(state)}.",
            )
        name, key, pos, has_gauss, cached = state
        problems = []
        if name != "MT19937":
            problems.append(f"the bit generator must be 'MT19937'; got {name!r}")
        if not isinstance(key, np.ndarray) or key.dtype != np.uint32 or key.shape != (624,):
            problems.append(f"the key must be a uint32 array of shape (624,); got {_describe(key)}")
        if type(pos) is not int or not 0 <= pos <= 624:
            problems.append(f"the position must be an int in [0, 624]; got {pos!r}")
        if type(has_gauss) is not int or has_gauss not in (0, 1):
            problems.append(f"has_gauss must be 0 or 1; got {has_gauss!r}")
        if type(cached) not in (int, float) or not math.isfinite(cached):
            problems.append(f"the cached Gaussian must be a finite float; got {cached!r}")
        if problems:
            raise self.invalid(where, "; ".join(problems) + ".")
        rs = np.random.RandomState()
        rs.set_state(("MT19937", np.array(key), pos, has_gauss, float(cached)))
        return rs


_ROOT_TYPES = frozenset({"estimator", "skops"})


def _set_state(est: Any, state: dict[str, Any], where: str = "") -> None:
    """Set fitted attributes, refusing names that would shadow the class's methods.

    Also refused: names that the class's ``__getstate__`` drops (its caches:
    ``save`` never writes them, and a cache from a file would be trusted as is).
    """
    cls = type(est)
    at = f" of {where}" if where else ""
    for key in state:
        attr = inspect.getattr_static(cls, key, None)
        if (
            not key.isidentifier()
            or key.startswith("__")
            or isinstance(attr, (types.FunctionType, property, classmethod, staticmethod))
        ):
            raise StoreError(f"Refusing to set the attribute {key!r} of {cls.__name__}{at}.")
    vars(est).update(state)
    kept = est.__getstate__()
    dropped = [key for key in state if key not in kept]
    if dropped:
        raise StoreError(
            f"Refusing to set the attribute {dropped[0]!r} of {cls.__name__}{at}: it is a cache "
            f"that {cls.__name__} never saves."
        )


# ---------------------------------------------------------------- checks of loaded estimators
class _Fitted:
    """Checks of the fitted attributes of one loaded estimator."""

    def __init__(self, loader: _Loader, est: Any, where: str):
        self.loader, self.est, self.where = loader, est, where

    def fail(self, attr: str, what: str) -> StoreError:
        return self.loader.invalid(f"{self.where}.{attr}", what)

    def get(self, attr: str) -> Any:
        if attr not in vars(self.est):
            raise self.fail(attr, f"is missing from the fitted state of {type(self.est).__name__}.")
        return vars(self.est)[attr]

    def array(
        self, attr: str, dtype: Any, shape: tuple, *, optional: bool = False
    ) -> np.ndarray | None:
        """A native-endian ``dtype`` array of ``shape`` (None in it: any length)."""
        value = self.get(attr)
        if value is None and optional:
            return None
        ok = (
            isinstance(value, np.ndarray)
            and value.dtype == np.dtype(dtype)
            and value.ndim == len(shape)
            and all(n is None or n == m for n, m in zip(shape, value.shape, strict=True))
        )
        if not ok:
            want = ", ".join("n" if n is None else str(n) for n in shape)
            raise self.fail(
                attr,
                f"must be {'None or ' if optional else ''}a {np.dtype(dtype)} array of shape "
                f"({want}{',' if len(shape) == 1 else ''}); got {_describe(value)}.",
            )
        return value

    def integer(self, attr: str, lo: int, hi: int | None = None) -> int:
        value = self.get(attr)
        if not _is_int(value) or value < lo or (hi is not None and value > hi):
            span = f"in [{lo}, {hi}]" if hi is not None else f">= {lo}"
            raise self.fail(attr, f"must be an int {span}; got {_describe(value)}.")
        return int(value)

    def equal(self, attr: str, expected: int, why: str) -> None:
        value = self.get(attr)
        if not _is_int(value) or value != expected:
            raise self.fail(attr, f"must be {expected} ({why}); got {_describe(value)}.")

    def real(
        self, attr: str, lo: float | None = None, hi: float | None = None, *, optional: bool = False
    ) -> float | None:
        value = self.get(attr)
        if value is None and optional:
            return None
        if (
            not _is_real(value)
            or not math.isfinite(value)
            or (lo is not None and value < lo)
            or (hi is not None and value > hi)
        ):
            span = f" in [{lo}, {hi}]" if lo is not None and hi is not None else ""
            raise self.fail(
                attr,
                f"must be {'None or ' if optional else ''}a finite number{span}; got "
                f"{_describe(value)}.",
            )
        return float(value)

    def vocabulary(self, attr: str, *, optional: bool = False) -> int | None:
        """A ``str -> row`` dict whose rows are exactly ``0 .. n-1``; returns n."""
        value = self.get(attr)
        if value is None and optional:
            return None
        if not isinstance(value, dict):
            raise self.fail(attr, f"must be a dict of words to rows; got {_describe(value)}.")
        n = len(value)
        if id(value) in self.loader.bijective:
            return n
        if not all(type(k) is str for k in value) or not all(_is_int(v) for v in value.values()):
            raise self.fail(attr, "must map str words to int rows.")
        rows = np.fromiter(value.values(), dtype=np.int64, count=n) if n else np.zeros(0, int)
        if n and (rows.min() < 0 or rows.max() >= n or np.bincount(rows, minlength=n).max() > 1):
            raise self.fail(attr, f"must give its {n} words the rows 0 to {n - 1}, one each.")
        return n


def _check_estimator(loader: _Loader, est: Any, name: str, where: str) -> None:
    """Refuse a loaded estimator whose parameters or fitted state it could not have had."""
    if hasattr(est, "_parameter_constraints") and hasattr(est, "_validate_params"):
        try:
            est._validate_params()
            if hasattr(est, "_check_dtype"):
                est._check_dtype()
        except (TypeError, ValueError) as exc:
            raise loader.invalid(where, _message(exc)) from None
    if name.startswith("skembed.") and hasattr(est, "build_analyzer"):
        try:  # the text parameters together (a stop list of lists, a bad token_pattern)
            est.build_analyzer()("a b")
        except (TypeError, ValueError, re.error) as exc:
            raise loader.invalid(
                where, f"its text parameters do not make an analyzer: {_message(exc)}"
            ) from None
    config = vars(est).get("_sklearn_output_config")
    if config is not None and not (
        isinstance(config, dict)
        and all(type(k) is str and v in _OUTPUT_CONTAINERS for k, v in config.items())
    ):
        raise loader.invalid(
            f"{where}._sklearn_output_config",
            f"must map methods to one of {sorted(_OUTPUT_CONTAINERS)}; got {_describe(config)}.",
        )
    for attr, slot in _ESTIMATOR_SLOTS.get(name, {}).items():
        if attr in vars(est):
            _check_slots(loader, getattr(est, attr), slot, f"{where}.{attr}")
    if name in _ESTIMATOR_SLOTS:
        for method in _SKLEARN_VALIDATORS:
            if hasattr(est, method):
                try:
                    getattr(est, method)()
                except (TypeError, ValueError) as exc:
                    raise loader.invalid(where, _message(exc)) from None
    check = _FITTED_CHECKS.get(name)
    fitted = getattr(est, "__sklearn_is_fitted__", None)
    if check is not None and fitted is not None and fitted():
        if hasattr(est, "_validate_extra_params"):  # what fit checks beyond the constraints
            try:
                est._validate_extra_params()
            except (TypeError, ValueError) as exc:
                raise loader.invalid(where, _message(exc)) from None
        check(_Fitted(loader, est, where), est)


def _check_slots(loader: _Loader, value: Any, slot: tuple, where: str) -> None:
    """A meta-estimator's place that must hold an estimator or one of some strings."""
    layout, length, allowed = slot

    def check_one(x: Any, at: str) -> None:
        if not (_is_estimator(x) or ((isinstance(x, str) or x is None) and x in allowed)):
            names = sorted(allowed, key=lambda a: (a is None, str(a)))
            options = " or ".join(repr(a) for a in names)
            raise loader.invalid(at, f"must be an estimator or {options}; got {_describe(x)}.")

    if layout == "one":
        check_one(value, where)
        return
    if layout == "entry":
        entries = [(where, value)]
    elif isinstance(value, list):
        entries = [(f"{where}[{i}]", entry) for i, entry in enumerate(value)]
    else:
        raise loader.invalid(where, f"must be a list of tuples; got {_describe(value)}.")
    for at, entry in entries:
        if not isinstance(entry, (tuple, list)) or len(entry) != length:
            raise loader.invalid(at, f"must be a tuple of {length} items; got {_describe(entry)}.")
        if not isinstance(entry[0], str):
            raise loader.invalid(f"{at}[0]", f"must be a name (str); got {_describe(entry[0])}.")
        check_one(entry[1], f"{at}[1]")


def _check_pooled(f: _Fitted, est: Any) -> None:
    """Word2Vec, FastText and MeanEmbedding: vocabulary, matrix, n-grams, weights."""
    n = f.vocabulary("vocabulary_")
    dim = f.array("vectors_", np.float32, (n, None)).shape[1]
    n_pool = len((est.pooling,) if isinstance(est.pooling, str) else tuple(est.pooling))
    f.equal("n_features_out_", dim * n_pool, f"{dim} dimensions x {n_pool} poolings")
    f.integer("seed_", 0, 2**32 - 1)
    subwords = f.get("subwords_")
    if subwords is not None:
        if not isinstance(subwords, SubwordTable) or subwords.vectors.shape[1] != dim:
            raise f.fail(
                "subwords_",
                f"must be None or a SubwordTable of {dim}-dimensional "
                f"vectors; got {_describe(subwords)}.",
            )
    elif est.oov == "subword":
        raise f.fail("subwords_", "is None, but oov='subword' needs character n-gram vectors.")
    weights = f.array("weights_", np.float32, (n,), optional=True)
    if (weights is None) != (est.weighting is None):
        raise f.fail(
            "weights_",
            f"must be {'None' if est.weighting is None else 'an array'} "
            f"with weighting={est.weighting!r}; got {_describe(weights)}.",
        )
    oov_weight = f.real("oov_weight_", optional=weights is None)
    if (oov_weight is None) != (weights is None):
        raise f.fail("oov_weight_", "must be None exactly when weights_ is None.")
    f.array("sif_components_", np.float32, (None, dim * n_pool), optional=True)


def _check_doc2vec(f: _Fitted, est: Any) -> None:
    """Doc2Vec: what gensim's inference reads (without bounds checks) must have its shape."""
    n = f.vocabulary("vocabulary_")
    size = est.vector_size
    f.array("vectors_", np.float32, (n, size))
    f.equal("n_features_out_", size, "vector_size")
    f.integer("seed_", 0, 2**32 - 1)
    counts = f.array("word_counts_", np.int64, (n,))
    if n and counts.min() < 1:
        raise f.fail("word_counts_", "must be positive counts, one per word.")
    layer = (1 + 2 * est.window) * size if est.dm and est.dm_concat else size
    for attr, used in (("syn1neg_", est.negative), ("syn1_", est.hs)):
        if used:
            f.array(attr, np.float32, (n, layer))
        elif f.get(attr) is not None:
            raise f.fail(
                attr, f"must be None: the model has no such layer; got {_describe(f.get(attr))}."
            )


def _check_textcnn(f: _Fitted, est: Any) -> None:
    """TextCNN: vocabulary, classes and weights that fit together (rows looked up by id)."""
    from .nn.textcnn import N_SPECIAL

    n = f.vocabulary("vocabulary_")
    classes = f.get("classes_")
    if not isinstance(classes, np.ndarray) or classes.ndim != 1 or len(classes) < 2:
        raise f.fail(
            "classes_", f"must be a 1-D array of at least 2 classes; got {_describe(classes)}."
        )
    state = f.get("module_state_")
    if not isinstance(state, dict) or not all(
        type(k) is str and isinstance(v, np.ndarray) and v.dtype == np.float32
        for k, v in state.items()
    ):
        raise f.fail("module_state_", "must be a dict of names to float32 arrays.")

    def weight(name: str, ndim: int) -> np.ndarray:
        value = state.get(name)
        if value is None or value.ndim != ndim or 0 in value.shape:
            raise f.fail(
                "module_state_",
                f"must hold {name!r}, a non-empty {ndim}-D array; got {_describe(value)}.",
            )
        return value

    rows, dim = weight("embedding.weight", 2).shape
    if rows != n + N_SPECIAL:
        raise f.fail(
            "module_state_",
            f"'embedding.weight' has {rows} rows; the {n} words of "
            f"vocabulary_ need {n + N_SPECIAL}.",
        )
    expected = {"embedding.weight": (rows, dim), "out.weight": None, "out.bias": None}
    if "static_embedding.weight" in state:
        expected["static_embedding.weight"] = (rows, dim)
    n_conv = 0
    while f"convs.{n_conv}.weight" in state:
        n_conv += 1
    if n_conv == 0:
        raise f.fail("module_state_", "holds no convolution ('convs.0.weight').")
    n_filters = weight("convs.0.weight", 3).shape[0]
    for i in range(n_conv):
        width = weight(f"convs.{i}.weight", 3).shape[2]
        expected[f"convs.{i}.weight"] = (n_filters, dim, width)
        expected[f"convs.{i}.bias"] = (n_filters,)
    expected["out.weight"] = (len(classes), n_filters * n_conv)
    expected["out.bias"] = (len(classes),)
    if set(state) != set(expected):
        raise f.fail(
            "module_state_", f"must hold the weights {sorted(expected)}; it holds {sorted(state)}."
        )
    for name, shape in expected.items():
        if state[name].shape != shape:
            raise f.fail(
                "module_state_", f"{name!r} must have shape {shape}; got {state[name].shape}."
            )
    m = f.vocabulary("pretrained_vocabulary_", optional=True)
    if m is None:
        if f.get("pretrained_vectors_") is not None:
            raise f.fail("pretrained_vectors_", "must be None when pretrained_vocabulary_ is.")
    else:
        f.array("pretrained_vectors_", np.float32, (m, dim))
    f.real("pretrained_coverage_", 0.0, 1.0, optional=True)
    history = f.get("history_")
    if not isinstance(history, list) or not all(isinstance(row, dict) for row in history):
        raise f.fail("history_", f"must be a list of dicts; got {_describe(history)}.")
    f.equal("n_epochs_", len(history), "one per row of history_")
    f.integer("best_epoch_", 0, len(history))


#: The fitted-state checks of skembed's estimators, by allow-list name.
_FITTED_CHECKS: dict[str, Callable[[_Fitted, Any], None]] = {
    "skembed.word2vec:Word2VecVectorizer": _check_pooled,
    "skembed.fasttext:FastTextVectorizer": _check_pooled,
    "skembed.pretrained:MeanEmbeddingVectorizer": _check_pooled,
    "skembed.doc2vec:Doc2VecVectorizer": _check_doc2vec,
    "skembed.nn.textcnn:TextCNNClassifier": _check_textcnn,
}


def load(path: str | os.PathLike, *, mmap: bool = True, verify: str = "size") -> Any:
    """Load an estimator saved with :func:`save`, without unpickling anything.

    Parameters
    ----------
    path : str or path-like
        The directory written by :func:`save`.
    mmap : bool, default=True
        Memory-map the fitted ``.npy`` arrays read-only: loading is fast, large
        word-vector matrices use memory only for the rows that are used, and
        processes share them. The estimator then reads the files of the
        directory for as long as it lives (see Notes). False reads ordinary,
        writable arrays. Torch files are always read into memory.
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
        incomplete or modified, names a class outside the allow-list (checked
        before anything is imported or constructed), or holds a value the
        estimator could not have had: the message names the file and the
        place in it (``Pipeline.steps[0][1].vectors_``).

    Notes
    -----
    Only classes on :data:`ALLOWED_CLASSES` are constructed, with the
    parameters and attributes in the file; arrays are read with
    ``allow_pickle=False``; torch files with ``weights_only=True``; nested
    skops files only when skops trusts all their types. Files written by
    ``pickle`` or ``joblib`` are a different matter: loading them runs
    arbitrary code, so load them only from trusted sources.

    Every value is checked where it is rebuilt, before the estimator is
    returned: array dtypes and shapes against their ``.npy`` headers, a
    ``RandomState``'s state (a uint32 key of 624 words, a position in
    [0, 624], ...), numeric scalars against their dtypes, the parameters
    against the estimator's constraints, the estimators that a ``Pipeline`` /
    ``FeatureUnion`` / ``ColumnTransformer`` holds, and the fitted state of
    skembed's estimators as a whole (a vocabulary's rows against its
    matrix, weights and n-gram tables against the dimension, the weights of a
    ``TextCNNClassifier`` against its vocabulary and classes). A damaged or
    hostile file is refused here, never in a later ``fit`` or ``transform``.

    A saved model is immutable, like a vectors store: :func:`save` with
    ``overwrite=True`` renames a new directory into place (an estimator
    loaded before keeps its old, intact files) and writes read-only files.
    An estimator loaded with ``mmap=True`` checks, before each ``transform``
    / ``predict`` batch, that its mapped files were not changed in place
    since loading (:func:`skembed._native.check_mapped`), and raises
    :class:`StoreError` instead of computing with other values or crashing
    on a truncated file.
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
        return loader.value(doc["estimator"], "")
    except StoreError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StoreError(f"{ESTIMATOR_FILE} of {str(root)!r} is malformed: {exc!r}") from None
