"""The torch bridge: tensors and state dicts as ``.pt`` files read with ``weights_only=True``.

No skembed estimator keeps tensors in its fitted state (``TextCNNClassifier``
keeps its weights as numpy arrays); this is for an estimator that does. Torch
files are read into memory, never mapped: a torch mapping could not be
checked on use.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Any

from .._io import StoreError, file_info

__all__ = ["holds", "is_tensor", "load", "save"]


def is_tensor(obj: Any) -> bool:
    """Whether ``obj`` is a ``torch.Tensor`` (without importing torch for other objects)."""
    module = type(obj).__module__
    if module != "torch" and not module.startswith("torch."):
        return False
    import torch

    return isinstance(obj, torch.Tensor)


def save(value: Any, path: Path) -> tuple[str, dict[str, Any]]:
    """Write a tensor or a ``{name: tensor}`` dict (on the CPU); returns its kind and file info."""
    import torch

    if isinstance(value, dict):
        value, kind = OrderedDict((k, x.detach().cpu()) for k, x in value.items()), "state_dict"
    else:
        value, kind = value.detach().cpu(), "tensor"
    torch.save(value, path)
    return kind, file_info(path)


def load(path: Path, name: str) -> Any:
    """Read the torch file ``path`` (called ``name`` in messages) with ``weights_only=True``.

    Raises
    ------
    StoreError
        torch cannot read the file as plain tensors (a pickle of anything else).
    """
    import torch

    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # any failure of the reader means a bad file
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        raise StoreError(
            f"Refusing to load {name}: torch could not read it as plain tensors "
            f"(weights_only=True): {first_line}"
        ) from None


def holds(value: Any, kind: Any) -> bool | None:
    """Whether ``value`` is of ``kind`` ("tensor" or "state_dict"); None for another kind."""
    import torch

    if kind == "tensor":
        return isinstance(value, torch.Tensor)
    if kind == "state_dict":
        return isinstance(value, dict) and all(
            type(k) is str and isinstance(v, torch.Tensor) for k, v in value.items()
        )
    return None
