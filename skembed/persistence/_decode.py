"""The JSON tree of ``estimator.json`` back to values, each checked where it is rebuilt.

Two passes. :meth:`Decoder.check` walks the whole tree before anything is
built: every node type and field is known, every class is registered, every
file is listed in the manifest and every skops file is trusted. Then
:meth:`Decoder.value` builds it: one ``_<type>`` method per node type, which
refuses any value :mod:`skembed.persistence._encode` could not have written,
as a :class:`~skembed._io.StoreError` naming the file and the place; each
estimator is then checked as a whole (:mod:`skembed.persistence._checks`).
"""

from __future__ import annotations

import math
import reprlib
from pathlib import Path
from typing import Any

import numpy as np

from .._io import ESTIMATOR_FILE, StoreError, check_relative, read_npy, read_vocab
from ..vectors import SubwordTable, TokenizerSubwords, WordVectors
from ..vectors._subwords import SUBWORD_TYPES
from . import _skops, _torch
from ._checks import FittedState, check_estimator, describe, is_estimator, is_int, set_state
from ._encode import JSON_PRIMITIVES, SCALAR_KINDS, TYPES
from ._registry import resolve

__all__ = ["NODE_FIELDS", "Decoder"]

#: Every node type, with the fields it may have (besides "$type"): the format of the tree.
NODE_FIELDS: dict[str, frozenset[str]] = {
    kind: frozenset(fields.split())
    for kind, fields in {
        "estimator": "id class params state",
        "skops": "file class",
        "ref": "id",
        "ndarray": "id file dtype shape",
        "object_array": "shape items",
        "vocabulary": "file n",
        "array_dict": "keys n array",
        "word_vectors": "id words n matrix subwords",
        "subword_table": "min_n max_n bucket vectors bucket_ids",
        "tokenizer_subwords": "file vectors normalize unk_id max_length",
        "torch": "file kind",
        "tuple": "items",
        "dict": "items pairs",
        "slice": "start stop step",
        "float": "value",
        "path": "value",
        "scalar": "dtype value",
        "dtype": "str",
        "type": "name",
        "random_state": "state",
    }.items()
}

_ROOT_TYPES = frozenset({"estimator", "skops"})

#: Node types whose objects a "ref" node may name.
_MEMO_TYPES = frozenset({"estimator", "ndarray", "word_vectors"})

_MAX_DEPTH = 200


def _reason(exc: BaseException) -> str:
    """What went wrong, for a message: a missing key, or the first line of the error."""
    if isinstance(exc, KeyError):
        return f"it has no {exc.args[0]!r} entry" if exc.args else "an entry is missing"
    text = str(exc).strip().splitlines()
    line = f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
    return line if line.endswith(".") else line + "."


class Decoder:
    """Rebuilds the tree of the saved estimator in ``root``, whose manifest lists ``files``."""

    def __init__(self, root: Path, files: dict, mmap: bool):
        self.root = root
        self.files = files
        self.mmap = mmap
        self.manifest = str(root / ESTIMATOR_FILE)
        self.memo: dict[int, Any] = {}
        # dicts built from vocabulary nodes: word -> row with rows exactly 0..n-1
        self.bijective: set[int] = set()
        # the skembed types each skops file holds, found trusted in pass 1
        self.skops_trusted: dict[Path, list[str]] = {}

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
        if depth > _MAX_DEPTH:
            raise StoreError(f"{ESTIMATOR_FILE} is nested too deeply.")
        if depth == 0 and not (isinstance(node, dict) and node.get("$type") in _ROOT_TYPES):
            raise StoreError(
                f"Refusing to load {self.manifest!r}: its 'estimator' entry must be an "
                f'estimator node ({{"$type": "estimator", ...}}); got {reprlib.repr(node)}.'
            )
        if isinstance(node, list):
            for x in node:
                self.check(x, depth + 1)
        elif isinstance(node, dict):
            for value in self._check_node(node):
                self.check(value, depth + 1)
        elif not (node is None or type(node) in (bool, int, float, str)):
            raise StoreError(f"Unexpected value {node!r} in {self.manifest!r}.")

    def _check_node(self, node: dict) -> list:
        """Check one node's type, fields, class and files; return its children."""
        kind = node.get("$type")
        if not isinstance(kind, str) or kind not in NODE_FIELDS:
            raise StoreError(
                f"Unknown node type {kind!r} in {self.manifest!r} (a JSON object of the tree "
                'must have a "$type"; plain objects are written as "dict" nodes).'
            )
        extra = sorted(set(node) - NODE_FIELDS[kind] - {"$type"})
        if extra:
            raise StoreError(
                f"A {kind} node of {self.manifest!r} has the unknown field {extra[0]!r} (its "
                f"fields are {', '.join(sorted(NODE_FIELDS[kind]))})."
            )
        if kind == "estimator":
            resolve(node.get("class"))
            for key in ("params", "state"):
                if not isinstance(node.get(key), dict):
                    raise StoreError(f"An estimator node of {self.manifest!r} has no {key}.")
            return [*node["params"].values(), *node["state"].values()]
        if kind == "type" and node.get("name") not in TYPES:
            raise StoreError(f"Refusing the type {node.get('name')!r}: not on the allow-list.")
        if kind == "skops":
            self._check_skops(self._file(node.get("file")))
        for field in ("file", "keys", "words"):
            if field in node and kind != "skops":
                self._file(node[field])
        if kind == "dict":
            items = node.get("items")
            if items is not None and not isinstance(items, dict):
                raise StoreError(f"A dict node of {self.manifest!r} is malformed.")
            return list(items.values()) if items is not None else [node.get("pairs")]
        return [v for k, v in node.items() if k != "$type"]

    def _check_skops(self, path: Path) -> None:
        ours, others = _skops.untrusted_types(path)
        if others:
            raise StoreError(
                f"Refusing to load {path.name}: skops does not trust these types in it: {others}."
            )
        self.skops_trusted[path] = ours

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
        if "id" in node and kind in _MEMO_TYPES:
            self.memo[node["id"]] = out
        return out

    def _counts(self, value: Any, where: str, what: str) -> list[int]:
        if not isinstance(value, list) or not all(is_int(n) and n >= 0 for n in value):
            raise self.invalid(where, f"{what} must be a list of non-negative ints; got {value!r}.")
        return [int(n) for n in value]

    def _count(self, value: Any, where: str, what: str) -> int:
        if not is_int(value) or value < 0:
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

    # ------------------------------------------------------------ estimators
    def _estimator(self, node: dict, where: str) -> Any:
        entry = resolve(node["class"])
        cls = entry.cls
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
        fitted = FittedState(self.invalid, cls.__name__, state, where, self.bijective)
        set_state(entry, est, fitted, f" at {where} of {self.manifest!r}")
        fitted = FittedState(self.invalid, cls.__name__, vars(est), where, self.bijective)
        check_estimator(entry, est, fitted)
        return est

    def _skops(self, node: dict, where: str) -> Any:
        path = self._file(node["file"])
        # the types found trusted in pass 1 only: skops refuses a file holding others
        est = _skops.load(path, self.skops_trusted[path])
        cls = type(est)
        if not is_estimator(est) or f"{cls.__module__}.{cls.__qualname__}" != node["class"]:
            raise self.invalid(
                where, f"{node['file']} must hold a {node['class']}; it holds {describe(est)}."
            )
        return est

    def _ref(self, node: dict, where: str) -> Any:
        if not is_int(node.get("id")) or node["id"] not in self.memo:
            raise self.invalid(
                where, f"refers to {node.get('id')!r}, which is not an object loaded before it."
            )
        return self.memo[node["id"]]

    # ------------------------------------------------------------ arrays and words
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
        bad = [x for x in items if type(x) not in JSON_PRIMITIVES]
        if bad:
            raise self.invalid(
                where, f"object arrays hold str, int, float, bool or None; got {describe(bad[0])}."
            )
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out.reshape(shape)

    def _words(self, name: Any, n: Any, where: str) -> list[str]:
        words = read_vocab(self._file(name), self._count(n, where, "the number of words"))
        if len(set(words)) != len(words):
            raise self.invalid(where, f"{name} holds a word twice: its words must be distinct.")
        return words

    def _vocabulary(self, node: dict, where: str) -> dict[str, int]:
        words = self._words(node["file"], node["n"], where)
        out = dict(zip(words, range(len(words)), strict=True))
        self.bijective.add(id(out))
        return out

    def _array_dict(self, node: dict, where: str) -> dict[str, np.ndarray]:
        words = self._words(node["keys"], node["n"], where)
        matrix = self._array_field(node, "array", where)
        if not isinstance(matrix, np.ndarray) or matrix.ndim != 2 or matrix.shape[0] != len(words):
            raise self.invalid(
                where,
                f"{len(words)} keys need a 2-D array of {len(words)} rows; got {describe(matrix)}.",
            )
        return dict(zip(words, matrix, strict=True))

    def _array_field(self, node: dict, field: str, where: str) -> Any:
        """The value of ``node[field]``, which must be an ndarray (or ref) node."""
        child = node[field]
        if not isinstance(child, dict) or child.get("$type") not in ("ndarray", "ref"):
            raise self.invalid(where, f"its {field!r} must be an ndarray node.")
        return self.value(child, f"{where}.{field}")

    def _word_vectors(self, node: dict, where: str) -> WordVectors:
        words = self._words(node["words"], node["n"], where)
        matrix = self._array_field(node, "matrix", where)
        n = len(words)
        if not (
            isinstance(matrix, np.ndarray)
            and matrix.dtype == np.float32
            and matrix.ndim == 2
            and matrix.shape[0] == n
        ):
            raise self.invalid(
                f"{where}.matrix",
                f"must be a float32 array of shape ({n}, dim); got {describe(matrix)}.",
            )
        if not matrix.flags.c_contiguous:
            raise self.invalid(f"{where}.matrix", "must be a C-order array.")
        subwords = self.value(node["subwords"], f"{where}.subwords")
        if subwords is not None and (
            not isinstance(subwords, SUBWORD_TYPES) or subwords.vectors.shape[1] != matrix.shape[1]
        ):
            raise self.invalid(
                f"{where}.subwords",
                f"must be None or a SubwordTable of {matrix.shape[1]}-dimensional vectors (or "
                f"a TokenizerSubwords of them); got {describe(subwords)}.",
            )
        return WordVectors._trusted(words, matrix, subwords)  # every part checked above

    def _subword_table(self, node: dict, where: str) -> SubwordTable:
        ints = {}
        for key in ("min_n", "max_n", "bucket"):
            ints[key] = self._count(node[key], where, key)
        vectors = self.value(node["vectors"], f"{where}.vectors")
        if not isinstance(vectors, np.ndarray) or vectors.dtype != np.float32 or vectors.ndim != 2:
            raise self.invalid(
                where, f"the n-gram vectors must be a 2-D float32 array; got {describe(vectors)}."
            )
        ids = self.value(node["bucket_ids"], f"{where}.bucket_ids")
        if ids is not None and (
            not isinstance(ids, np.ndarray) or ids.dtype != np.int64 or ids.ndim != 1
        ):
            raise self.invalid(
                where, f"bucket_ids must be None or a 1-D int64 array; got {describe(ids)}."
            )
        return SubwordTable(**ints, vectors=vectors, bucket_ids=ids)

    def _tokenizer_subwords(self, node: dict, where: str) -> TokenizerSubwords:
        path = self._file(node["file"])
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            raise self.invalid(where, f"{node['file']} is not UTF-8 text.") from None
        vectors = self._array_field(node, "vectors", where)
        if not isinstance(vectors, np.ndarray) or vectors.dtype != np.float32 or vectors.ndim != 2:
            raise self.invalid(
                where, f"the token vectors must be a 2-D float32 array; got {describe(vectors)}."
            )
        if type(node["normalize"]) is not bool:
            raise self.invalid(where, f"normalize must be a bool; got {node['normalize']!r}.")
        options = {}
        for key, lo in (("unk_id", 0), ("max_length", 1)):
            value = node[key]
            if value is not None and (not is_int(value) or value < lo):
                raise self.invalid(where, f"{key} must be None or an int >= {lo}; got {value!r}.")
            options[key] = value
        try:
            # the tokenizer is parsed, and its token ids checked against the vectors
            return TokenizerSubwords(text, vectors, node["normalize"], **options)
        except ValueError as exc:
            raise self.invalid(where, f"{node['file']}: {exc}") from None

    def _torch(self, node: dict, where: str) -> Any:
        out = _torch.load(self._file(node["file"]), node["file"])
        kind = node.get("kind")
        holds = _torch.holds(out, kind)
        if holds is None:
            raise self.invalid(
                where, f"a torch node's kind must be 'tensor' or 'state_dict'; got {kind!r}."
            )
        if not holds:
            raise self.invalid(where, f"{node['file']} must hold a {kind}; got {describe(out)}.")
        return out

    # ------------------------------------------------------------ containers and scalars
    def _tuple(self, node: dict, where: str) -> tuple:
        if not isinstance(node["items"], list):
            raise self.invalid(where, f"its items must be a list; got {node['items']!r}.")
        return tuple(self.value(x, f"{where}[{i}]") for i, x in enumerate(node["items"]))

    def _dict(self, node: dict, where: str) -> dict:
        if "items" in node:
            return {k: self.value(v, f"{where}[{k!r}]") for k, v in node["items"].items()}
        pairs = node["pairs"]
        if not isinstance(pairs, list) or not all(
            isinstance(p, list) and len(p) == 2 for p in pairs
        ):
            raise self.invalid(where, "a dict's pairs must be a list of [key, value] lists.")
        out = {}
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

    def _path(self, node: dict, where: str) -> Path:
        value = node["value"]
        if not isinstance(value, str) or "\0" in value:
            raise self.invalid(where, f"a path node holds a str; got {value!r}.")
        return Path(value)

    def _float(self, node: dict, where: str) -> float:
        value = node["value"]
        if value not in ("nan", "inf", "-inf"):
            raise self.invalid(where, f"a float node holds 'nan', 'inf' or '-inf'; got {value!r}.")
        return float(value)

    def _scalar(self, node: dict, where: str) -> np.generic:
        dtype = self._plain_dtype(node["dtype"], where, "the dtype")
        if dtype.kind not in SCALAR_KINDS:
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
            "U": t is str,
        }[kind]
        if ok and kind in "iu":
            info = np.iinfo(dtype)
            ok = info.min <= value <= info.max
        if not ok:
            raise self.invalid(where, f"{describe(value)} is not a value of {dtype}.")
        return dtype.type(value)

    def _dtype(self, node: dict, where: str) -> np.dtype:
        dtype = self._plain_dtype(node["str"], where, "the dtype")
        if dtype.hasobject:
            raise self.invalid(where, "an object dtype is never saved.")
        return dtype

    def _type(self, node: dict, where: str) -> type:
        if node.get("name") not in TYPES:
            raise StoreError(f"Refusing the type {node.get('name')!r}: not on the allow-list.")
        return TYPES[node["name"]]

    def _random_state(self, node: dict, where: str) -> np.random.RandomState:
        state = self.value(node["state"], where)
        if not isinstance(state, tuple) or len(state) != 5:
            raise self.invalid(
                where,
                "a RandomState's state must be the 5-tuple of get_state(legacy=True) "
                f"('MT19937', key, pos, has_gauss, cached_gaussian); got {describe(state)}.",
            )
        problems = _random_state_problems(*state)
        if problems:
            raise self.invalid(where, "; ".join(problems) + ".")
        name, key, pos, has_gauss, cached = state
        rs = np.random.RandomState()
        rs.set_state(("MT19937", np.array(key), pos, has_gauss, float(cached)))
        return rs


def _random_state_problems(name: Any, key: Any, pos: Any, has_gauss: Any, cached: Any) -> list:
    """What is wrong with a ``RandomState.get_state(legacy=True)`` tuple (numpy checks none)."""
    problems = []
    if name != "MT19937":
        problems.append(f"the bit generator must be 'MT19937'; got {name!r}")
    if not isinstance(key, np.ndarray) or key.dtype != np.uint32 or key.shape != (624,):
        problems.append(f"the key must be a uint32 array of shape (624,); got {describe(key)}")
    if type(pos) is not int or not 0 <= pos <= 624:
        problems.append(f"the position must be an int in [0, 624]; got {pos!r}")
    if type(has_gauss) is not int or has_gauss not in (0, 1):
        problems.append(f"has_gauss must be 0 or 1; got {has_gauss!r}")
    if type(cached) not in (int, float) or not math.isfinite(cached):
        problems.append(f"the cached Gaussian must be a finite float; got {cached!r}")
    return problems
