"""The classes :func:`skembed.load` may construct: a registry they join, never a string import.

A skembed estimator class joins with the :func:`register` decorator, under the
stable name that saved files record (``"skembed.word2vec:Word2VecVectorizer"``),
and declares its fitted state in a ``_fitted_state`` class attribute: the names
of the attributes ``fit`` sets, which :func:`~skembed.save` writes and
:func:`~skembed.load` accepts. scikit-learn's ``Pipeline``, ``FeatureUnion``
and ``ColumnTransformer`` are registered here, with the attributes that hold
their estimators; their state is scikit-learn's (``__getstate__`` minus the
parameters), as they declare none.

:func:`resolve` refuses any other name before anything is constructed. The
classes of :mod:`skembed.nn` register when that package is imported, which
:func:`resolve` does for their names (it needs no torch: only training and
prediction do).
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from .._io import StoreError

__all__ = ["Entry", "Slot", "entry_of", "register", "registered_classes", "resolve"]

#: Packages whose classes register when imported (lazily: they are optional parts).
_LAZY_PACKAGES = {"skembed.nn.": "skembed.nn"}

#: scikit-learn attributes that any estimator may hold besides its declared state.
SKLEARN_STATE = ("_sklearn_output_config",)


class Slot(NamedTuple):
    """Where a meta-estimator holds estimators, and the strings allowed there instead.

    ``layout`` is ``"one"`` (the value is the estimator), ``"entry"`` (one
    ``(name, estimator, ...)`` tuple of ``length`` items) or ``"entries"`` (a
    list of such tuples).
    """

    layout: str
    length: int
    allowed: frozenset


@dataclasses.dataclass(frozen=True)
class Entry:
    """A registered class: its name in files, and how its state is checked.

    Attributes
    ----------
    name : str
        ``"module:qualname"`` as written in ``estimator.json``.
    cls : type
        The class (exactly: subclasses are not registered with it).
    check : callable or None
        ``check(fitted, estimator)``, run on a loaded estimator that is
        fitted: raises the :class:`~skembed._io.StoreError` of
        ``fitted.fail`` for a state ``fit`` could not have produced.
    slots : mapping of str to Slot
        The attributes of a meta-estimator that hold estimators.
    """

    name: str
    cls: type
    check: Callable[[Any, Any], None] | None = None
    slots: Mapping[str, Slot] = dataclasses.field(default_factory=dict)

    @property
    def declared(self) -> tuple[str, ...] | None:
        """The attributes of the fitted state; None for scikit-learn's classes (all of them)."""
        names = getattr(self.cls, "_fitted_state", None)
        return None if names is None else (*names, *SKLEARN_STATE)

    def fitted_state(self, est: Any) -> dict[str, Any]:
        """The attributes of ``est`` that :func:`~skembed.save` writes."""
        declared = self.declared
        if declared is not None:
            attrs = vars(est)
            return {name: attrs[name] for name in declared if name in attrs}
        state = dict(est.__getstate__())
        state.pop("_sklearn_version", None)
        for name in est.get_params(deep=False):
            state.pop(name, None)
        return state


_ENTRIES: dict[str, Entry] = {}
_BY_CLASS: dict[type, Entry] = {}


def _add(entry: Entry) -> None:
    old = _ENTRIES.get(entry.name)
    if old is not None and (old.cls.__module__, old.cls.__qualname__) != (
        entry.cls.__module__,
        entry.cls.__qualname__,
    ):
        raise ValueError(f"{entry.name!r} is already registered, for {old.cls!r}.")
    if old is not None:  # the same class again (its module was reloaded)
        _BY_CLASS.pop(old.cls, None)
    _ENTRIES[entry.name] = entry
    _BY_CLASS[entry.cls] = entry


def register(name: str, *, check: Callable[[Any, Any], None] | None = None):
    """Class decorator: let :func:`~skembed.load` construct the class, saved under ``name``.

    Parameters
    ----------
    name : str
        ``"module:qualname"``, the stable name written in files: keep it when
        the class moves, so files saved before still load.
    check : callable, optional
        ``check(fitted, estimator)``, the checks of a loaded fitted state as a
        whole (see :mod:`skembed.persistence._checks`).

    Returns
    -------
    decorator : callable
        Registers the class, which must declare ``_fitted_state`` (a tuple of
        attribute names), and returns it unchanged.

    Examples
    --------
    >>> from skembed.persistence import register
    >>> @register("mypackage.models:MyVectorizer")  # doctest: +SKIP
    ... class MyVectorizer(_PooledEmbeddingVectorizer):
    ...     _fitted_state = (*_PooledEmbeddingVectorizer._fitted_state, "extra_")
    """

    def decorate(cls: type) -> type:
        if not isinstance(getattr(cls, "_fitted_state", None), tuple):
            raise TypeError(f"{cls.__qualname__} must declare _fitted_state, a tuple of names.")
        _add(Entry(name, cls, check))
        return cls

    return decorate


def _import_lazy(name: str | None = None) -> None:
    """Import the optional packages (all of them, or the one ``name`` is under)."""
    for prefix, package in _LAZY_PACKAGES.items():
        if name is not None and not name.startswith(prefix):
            continue
        try:
            importlib.import_module(package)  # a fixed package of skembed, never a file's string
        except ImportError as exc:
            if name is None:
                continue
            raise ImportError(
                f"Loading {name} needs {package}, which could not be imported ({exc}); it is "
                'part of the optional "torch" extra: pip install "skembed[torch]"'
            ) from exc


def registered_classes() -> dict[str, type]:
    """The classes :func:`~skembed.load` constructs, by the names saved files give them.

    Returns
    -------
    classes : dict of str to type
        ``{"skembed.word2vec:Word2VecVectorizer": Word2VecVectorizer, ...}``.
    """
    _import_lazy()
    return {name: entry.cls for name, entry in sorted(_ENTRIES.items())}


def resolve(name: Any) -> Entry:
    """The registered class named ``name`` in a file; refuses any other name.

    Raises
    ------
    StoreError
        ``name`` is not registered: nothing is imported (but skembed's own
        optional packages) and nothing constructed.
    """
    if isinstance(name, str) and name not in _ENTRIES:
        _import_lazy(name)
    if not isinstance(name, str) or name not in _ENTRIES:
        raise StoreError(
            f"Refusing to load the class {name!r}: it is not on skembed's allow-list "
            f"({', '.join(registered_classes())}). Nothing was imported."
        )
    return _ENTRIES[name]


def entry_of(cls: type) -> Entry | None:
    """The entry of exactly ``cls`` (not of a subclass), or None: saved with skops."""
    return _BY_CLASS.get(cls)


def skembed_type_names() -> list[str]:
    """``module.qualname`` of skembed's registered classes, as skops names types."""
    _import_lazy()
    return [
        f"{e.cls.__module__}.{e.cls.__qualname__}"
        for e in _ENTRIES.values()
        if e.cls.__module__.startswith("skembed.")
    ]


def _register_meta_estimators() -> None:
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import FeatureUnion, Pipeline

    drop = frozenset({"drop", "passthrough"})
    for name, cls, slots in [
        ("sklearn.pipeline:Pipeline", Pipeline, {"steps": ("entries", 2, {"passthrough", None})}),
        ("sklearn.pipeline:FeatureUnion", FeatureUnion, {"transformer_list": ("entries", 2, drop)}),
        (
            "sklearn.compose:ColumnTransformer",
            ColumnTransformer,
            {
                "transformers": ("entries", 3, drop),
                "transformers_": ("entries", 3, drop),
                "remainder": ("one", 0, drop),
                "_remainder": ("entry", 3, drop),
            },
        ),
    ]:
        table = {attr: Slot(layout, n, frozenset(ok)) for attr, (layout, n, ok) in slots.items()}
        _add(Entry(name, cls, slots=MappingProxyType(table)))


_register_meta_estimators()
