"""Derived state built on first use, kept while its inputs are unchanged, never pickled.

An estimator's fitted state is plain data (arrays, dicts); what is built from it
for speed (a gensim ``KeyedVectors`` view, a rebuilt gensim model, a torch
module on a device) is a cache: :func:`cached_on` declares one, and
:func:`without_caches` drops them all from a pickled or saved state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: Every cache lives in the instance ``__dict__`` under ``_<name>_cache``.
CACHE_SUFFIX = "_cache"


def is_cache(name: str) -> bool:
    """Whether the instance attribute ``name`` holds a cache of :func:`cached_on`."""
    return name.startswith("_") and name.endswith(CACHE_SUFFIX)


def without_caches(state: dict[str, Any]) -> dict[str, Any]:
    """A copy of an instance's ``state`` without its caches (for ``__getstate__``).

    Parameters
    ----------
    state : dict
        The instance's attributes (``BaseEstimator.__getstate__`` may return the
        instance ``__dict__`` itself, so it is not changed).

    Returns
    -------
    state : dict
        The attributes whose name is not a cache's.
    """
    return {name: value for name, value in state.items() if not is_cache(name)}


class CachedAttribute(property):
    """A read-only attribute built by ``build(obj)``, rebuilt when a key attribute changed.

    The value is stored with the key objects it was built from, as
    ``obj.__dict__["_<name>_cache"] = (keys, value)``; it is reused while every
    key attribute is the *same object* (``is``), so replacing a fitted array
    (a refit, ``set_params``) rebuilds it. When a key attribute is missing
    (an unfitted estimator) nothing is stored and ``build`` runs, to raise its
    own error. A ``property``, so it cannot be set or shadowed by the instance
    dictionary.
    """

    def __init__(self, build: Callable[[Any], Any], keys: tuple[str, ...]):
        super().__init__(self._get, doc=build.__doc__)
        self.build, self.keys = build, keys
        self.storage = f"_{build.__name__.strip('_')}{CACHE_SUFFIX}"

    def _key(self, obj: Any) -> tuple | None:
        missing = object()
        key = tuple(getattr(obj, name, missing) for name in self.keys)
        return None if any(k is missing for k in key) else key

    def _get(self, obj: Any) -> Any:
        key = self._key(obj)
        if key is None:
            return self.build(obj)
        cached = obj.__dict__.get(self.storage)
        if cached is not None and all(a is b for a, b in zip(cached[0], key, strict=True)):
            return cached[1]
        value = self.build(obj)
        obj.__dict__[self.storage] = (key, value)
        return value

    def prime(self, obj: Any, value: Any) -> None:
        """Store ``value`` as built from ``obj``'s current key attributes (e.g. in ``fit``)."""
        obj.__dict__[self.storage] = (self._key(obj), value)

    def clear(self, obj: Any) -> None:
        """Forget the value stored on ``obj``."""
        obj.__dict__.pop(self.storage, None)


def cached_on(*keys: str) -> Callable[[Callable[[Any], Any]], CachedAttribute]:
    """Decorate a method computing derived state as a cached, never-pickled attribute.

    Parameters
    ----------
    *keys : str
        The attributes the value is built from; it is rebuilt when one of them
        is replaced by another object.

    Returns
    -------
    decorator : callable
        Turns ``build(self)`` into a :class:`CachedAttribute` of the same name.

    Examples
    --------
    >>> class Model:
    ...     def __init__(self, weights):
    ...         self.weights = weights
    ...
    ...     @cached_on("weights")
    ...     def total(self):
    ...         return sum(self.weights)
    >>> m = Model([1, 2])
    >>> m.total, sorted(vars(m))
    (3, ['_total_cache', 'weights'])
    >>> m.weights = [5]
    >>> m.total
    5
    >>> sorted(without_caches(vars(m)))
    ['weights']
    """

    def decorate(build: Callable[[Any], Any]) -> CachedAttribute:
        return CachedAttribute(build, keys)

    return decorate
