"""The skops bridge: estimators outside the registry, in nested files held to skops' trust.

skops keeps its own audited list of the types it trusts (scikit-learn's
estimators, numpy, scipy). skembed adds only its own registered classes and
vector types; :func:`untrusted_types` is the one trust check, made when a file
is written (so :func:`~skembed.save` never writes a file that
:func:`~skembed.load` would refuse) and when it is read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..vectors import SubwordTable, TokenizerSubwords, WordVectors
from ._registry import skembed_type_names

__all__ = ["INSTALL", "dump", "load", "untrusted_types"]

INSTALL = 'pip install "skembed[skops]"'


def _skops_io(why: str):
    """``skops.io``; ``why`` says what needs it, in the ``ImportError`` if it is missing."""
    try:
        import skops.io as sio
    except ImportError:
        raise ImportError(f"{why} needs skops, which is not installed: {INSTALL}") from None
    return sio


def _ours() -> set[str]:
    """The skops names of skembed's types: the only additions to skops' default trust."""
    names = set(skembed_type_names())
    names.update(
        f"{t.__module__}.{t.__qualname__}" for t in (SubwordTable, TokenizerSubwords, WordVectors)
    )
    return names


def untrusted_types(path: Path) -> tuple[list[str], list[str]]:
    """The types of the skops file ``path`` beyond skops' defaults: ``(ours, others)``.

    ``ours`` are skembed's (trusted: pass them to :func:`load`); a file with
    any of ``others`` is refused.
    """
    sio = _skops_io(f"Loading {path.name}, written with skops,")
    ours = _ours()
    found = sio.get_untrusted_types(file=path)
    return [t for t in found if t in ours], [t for t in found if t not in ours]


def dump(est: Any, path: Path, what: str) -> list[str]:
    """Write ``est`` to ``path`` with skops; return the types in it that load would refuse.

    ``what`` names the estimator and its place, for messages. Raises
    ``TypeError`` when skops is missing: the estimator cannot be saved.
    """
    try:
        import skops.io as sio
    except ImportError:
        raise TypeError(
            f"cannot save {what} without pickle: only skembed's estimators and Pipeline / "
            "FeatureUnion / ColumnTransformer are stored natively; other estimators are "
            f"stored with skops, which is not installed ({INSTALL})."
        ) from None
    sio.dump(est, path)
    return untrusted_types(path)[1]


def load(path: Path, trusted: list[str]) -> Any:
    """Read the skops file ``path``, trusting ``trusted`` beyond skops' defaults.

    skops itself refuses a file holding any other untrusted type.
    """
    sio = _skops_io(f"Loading {path.name}, written with skops,")
    return sio.load(path, trusted=trusted)
