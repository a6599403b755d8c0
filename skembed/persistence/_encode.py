"""Values to the JSON tree of ``estimator.json``, and the files beside it.

Each value becomes JSON when it is JSON (None, bool, int, str, finite float,
list) and a typed node (``{"$type": ..., ...}``) otherwise. The node types
are those the registered estimators hold, in their parameters and fitted
state, and no others (``_decode.NODE_FIELDS`` lists them):

- ``estimator`` (a registered class), ``skops`` (any other estimator), ``ref``
  (an object met before: saved once, loaded as one object);
- ``ndarray`` (a ``.npy`` file), ``object_array`` (strings and other JSON
  scalars, e.g. ``feature_names_in_``), ``vocabulary`` (a ``{word: row}``
  dict with rows ``0..n-1``: a words file), ``array_dict`` (a ``{word: 1-D
  array}`` mapping, as ``MeanEmbeddingVectorizer(vectors={...})``: a words
  file and one matrix), ``word_vectors``, ``subword_table``,
  ``tokenizer_subwords`` (a model2vec tokenizer: a JSON file and its token
  vectors), ``torch``;
- ``tuple``, ``dict`` (non-string keys as pairs), ``slice`` (a fitted
  ``ColumnTransformer``'s ``output_indices_``), non-finite ``float``, numpy
  ``scalar``, ``dtype`` and scalar ``type`` (``dtype=np.float32``), and
  ``random_state`` (``random_state=np.random.RandomState(0)``).
"""

from __future__ import annotations

import math
import re
from pathlib import Path, PurePath
from typing import Any

import numpy as np

from .._io import file_info, write_bytes, write_npy, write_vocab
from ..vectors import SubwordTable, TokenizerSubwords, WordVectors
from . import _skops, _torch
from ._checks import is_estimator, type_name
from ._registry import entry_of

__all__ = ["TYPES", "Encoder"]

#: Scalar types allowed as values (e.g. ``dtype=np.float32``), by ``module.qualname``.
TYPES: dict[str, type] = {
    f"{t.__module__}.{t.__qualname__}": t
    for t in (
        np.float16,
        np.float32,
        np.float64,
        np.longdouble,
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
        str,
        bytes,
    )
}

#: The kinds of numpy scalars stored (bool, int, uint, float, str).
SCALAR_KINDS = "biufU"

#: Types of the items of object arrays, and of numpy scalars' values.
JSON_PRIMITIVES = (str, int, float, bool, type(None))

#: Dicts of equal 1-D arrays at least this long are stored as one matrix.
_ARRAY_DICT_MIN = 64


def _safe(hint: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", hint).strip("._-")[:60] or "value"


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
                else f"parameter {self.attr} holds a callable ({type_name(value)}) at {path}"
            )
            return TypeError(
                f"{what}; pickle-free save cannot store code ({self.owner}{self.where}). Use a "
                "built-in option instead, or pickle/joblib, whose files run code when loaded "
                "and must only be loaded from trusted sources."
            )
        locs = [f"value at {path}"] if path != self.attr else []
        locs += [f"estimator at {self.base}"] if self.base else []
        return TypeError(
            f"cannot save {self.owner}.{self.attr} of type {type_name(value)} without pickle"
            + (f" ({'; '.join(locs)})" if locs else "")
        )


class Encoder:
    """Writes the files of one saved estimator into ``root`` and returns its tree.

    ``files`` collects the size and sha256 of every file written, for the
    manifest. An object met twice (by identity) is written once and
    referenced after.
    """

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
        """The node of ``est`` (found at ``where``): registered, or through skops."""
        entry = entry_of(type(est))
        if entry is None:
            return self.skops(est, where)
        ref, seen = self._memo_id(est)
        if seen:
            return {"$type": "ref", "id": ref}
        owner = type(est).__name__
        out = {"$type": "estimator", "id": ref, "class": entry.name}
        for part, values in (
            ("params", est.get_params(deep=False)),
            ("state", entry.fitted_state(est)),
        ):
            out[part] = {}
            for key, value in values.items():
                ctx = _Context(owner, key, part == "params", where)
                out[part][key] = self.value(value, ctx, key, ctx.nested(key))
        return out

    def skops(self, est: Any, where: str) -> dict[str, Any]:
        cls = type(est)
        full = f"{cls.__module__}.{cls.__qualname__}"
        what = f"{full}{' at ' + where if where else ''}"
        name = self._name("skops", where or cls.__name__, ".skops")
        untrusted = _skops.dump(est, self.root / name, what)
        if untrusted:
            raise TypeError(
                f"cannot save {what} without pickle: it is not on skembed's allow-list, so it "
                f"is stored with skops, and skops does not trust these types in it: "
                f"{untrusted}. skembed.load would refuse the file."
            )
        self.files[name] = file_info(self.root / name)
        return {"$type": "skops", "file": name, "class": full}

    # ------------------------------------------------------------ files
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

    def torch(self, v: Any, hint: str) -> dict[str, Any]:
        name = self._name("torch", hint, ".pt")
        kind, self.files[name] = _torch.save(v, self.root / name)
        return {"$type": "torch", "file": name, "kind": kind}

    # ------------------------------------------------------------ values
    def value(self, v: Any, ctx: _Context, path: str, hint: str) -> Any:
        """The JSON of ``v``, found at ``path`` (``hint`` names its files)."""
        t = type(v)
        if v is None or t in (bool, int, str):
            return v
        if t is float:
            return v if math.isfinite(v) else {"$type": "float", "value": repr(v)}
        if t is list:
            return [self.value(x, ctx, f"{path}[{i}]", hint) for i, x in enumerate(v)]
        if t is tuple:
            items = [self.value(x, ctx, f"{path}[{i}]", hint) for i, x in enumerate(v)]
            return {"$type": "tuple", "items": items}
        if t is dict:
            return self.mapping(v, ctx, path, hint)
        if isinstance(v, PurePath):  # a path-like parameter (model=, cache=, vectors=)
            return {"$type": "path", "value": str(v)}
        if t is slice:
            parts = {
                k: self.value(getattr(v, k), ctx, path, hint) for k in ("start", "stop", "step")
            }
            return {"$type": "slice", **parts}
        if isinstance(v, np.ndarray):
            return self.ndarray(v, ctx, path, hint)
        if isinstance(v, (np.generic, np.dtype, type, np.random.RandomState)):
            return self.numpy_value(v, ctx, path, hint)
        if t is WordVectors:
            return self.word_vectors(v, ctx, path, hint)
        if t is SubwordTable:
            return self.subword_table(v, ctx, path, hint)
        if t is TokenizerSubwords:
            return self.tokenizer_subwords(v, ctx, path, hint)
        if _torch.is_tensor(v):
            return self.torch(v, hint)
        if is_estimator(v):
            return self.estimator(v, ctx.nested(path))
        raise ctx.unsupported(v, path)

    def numpy_value(self, v: Any, ctx: _Context, path: str, hint: str) -> dict[str, Any]:
        """A numpy scalar, a dtype, a scalar type or a ``RandomState``."""
        if isinstance(v, np.generic) and v.dtype.kind in SCALAR_KINDS:
            value = self.value(v.item(), ctx, path, hint)
            return {"$type": "scalar", "dtype": v.dtype.str, "value": value}
        if isinstance(v, np.dtype) and v.fields is None and v.subdtype is None:
            return {"$type": "dtype", "str": v.str}
        if isinstance(v, type) and TYPES.get(f"{v.__module__}.{v.__qualname__}") is v:
            return {"$type": "type", "name": f"{v.__module__}.{v.__qualname__}"}
        if type(v) is np.random.RandomState:
            state = self.value(v.get_state(legacy=True), ctx, path, hint)
            return {"$type": "random_state", "state": state}
        raise ctx.unsupported(v, path)

    def ndarray(self, v: np.ndarray, ctx: _Context, path: str, hint: str) -> Any:
        if type(v) not in (np.ndarray, np.memmap):
            raise ctx.unsupported(v, path)
        if v.dtype.hasobject:
            items = v.ravel(order="C").tolist()
            bad = [x for x in items if type(x) not in JSON_PRIMITIVES]
            if bad:
                raise ctx.unsupported(bad[0], f"{path}[...]")
            return {
                "$type": "object_array",
                "shape": [int(n) for n in v.shape],
                "items": [self.value(x, ctx, path, hint) for x in items],
            }
        if v.dtype.fields is not None or v.dtype.subdtype is not None:
            raise ctx.unsupported(v, path)
        return self.array(v, hint)

    def word_vectors(self, v: WordVectors, ctx: _Context, path: str, hint: str) -> dict[str, Any]:
        ref, seen = self._memo_id(v)
        if seen:
            return {"$type": "ref", "id": ref}
        name, count = self.words(v.words, hint)
        return {
            "$type": "word_vectors",
            "id": ref,
            "words": name,
            "n": count,
            "matrix": self.array(v.matrix, hint),
            "subwords": self.value(v.subwords, ctx, path, f"{hint}.subwords"),
        }

    def subword_table(self, v: SubwordTable, ctx: _Context, path: str, hint: str) -> dict:
        ids = None if v.bucket_ids is None else np.asarray(v.bucket_ids)
        return {
            "$type": "subword_table",
            "min_n": int(v.min_n),
            "max_n": int(v.max_n),
            "bucket": int(v.bucket),
            "vectors": self.value(np.asarray(v.vectors), ctx, path, f"{hint}.vectors"),
            "bucket_ids": self.value(ids, ctx, path, f"{hint}.bucket_ids"),
        }

    def tokenizer_subwords(
        self, v: TokenizerSubwords, ctx: _Context, path: str, hint: str
    ) -> dict[str, Any]:
        name = self._name("tokenizers", hint, ".json")
        self.files[name] = write_bytes(self.root / name, v.tokenizer.encode("utf-8"))
        return {
            "$type": "tokenizer_subwords",
            "file": name,
            "vectors": self.value(np.asarray(v.vectors), ctx, path, f"{hint}.vectors"),
            "normalize": v.normalize,
            "unk_id": v.unk_id,
            "max_length": v.max_length,
        }

    def mapping(self, v: dict, ctx: _Context, path: str, hint: str) -> Any:
        special = self.special_mapping(v, hint) if v and all(type(k) is str for k in v) else None
        if special is not None:
            return special
        if all(type(k) is str for k in v):
            items = {k: self.value(x, ctx, f"{path}[{k!r}]", f"{hint}.{k}") for k, x in v.items()}
            return {"$type": "dict", "items": items}
        pairs = [
            [self.value(k, ctx, path, hint), self.value(x, ctx, f"{path}[{k!r}]", hint)]
            for k, x in v.items()
        ]
        return {"$type": "dict", "pairs": pairs}

    def special_mapping(self, v: dict[str, Any], hint: str) -> dict[str, Any] | None:
        """A vocabulary, a ``{word: 1-D array}`` mapping or a torch state dict; else None."""
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
                array = self.array(np.stack(values), hint)
                return {"$type": "array_dict", "keys": name, "n": count, "array": array}
        if all(_torch.is_tensor(x) for x in values):
            return self.torch(v, hint)
        return None
