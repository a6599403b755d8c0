"""The ``device`` parameter of the torch estimators, checked without importing torch first."""

from __future__ import annotations

from typing import Any

from sklearn.utils._param_validation import HasMethods


class TorchDevice(HasMethods):
    """A ``torch.device``, recognised without importing torch (an optional dependency).

    A ``HasMethods``, one of the constraint classes that scikit-learn's parameter
    validation takes as they are.
    """

    def __init__(self) -> None:
        super().__init__([])

    def is_satisfied_by(self, val: Any) -> bool:
        return type(val).__module__ == "torch" and type(val).__name__ == "device"

    def __str__(self) -> str:
        return "an instance of 'torch.device'"


def check_device(device: Any, torch: Any, owner: str) -> Any:
    """The ``torch.device`` that the ``device`` parameter names, usable on this machine.

    Parameters
    ----------
    device : str or torch.device
        'auto' ('cuda' when a GPU is available, else 'cpu'), a device string
        ('cpu', 'cuda', 'cuda:1', 'mps') or a ``torch.device``.
    torch : module
        The torch module.
    owner : str
        The estimator, for messages.

    Returns
    -------
    device : torch.device

    Raises
    ------
    ValueError
        ``device`` is not a device string; or names a device this machine does
        not have (torch is checked before any tensor is moved: moving one to a
        missing device raises torch's own errors, an ``AssertionError`` for
        CUDA in a CPU-only torch).
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise ValueError(
            f"The 'device' parameter of {owner} must be 'auto', 'cpu', 'cuda', "
            f"'cuda:<index>', 'mps' or a torch.device. Got {device!r} instead."
        ) from None
    kind = resolved.type
    if kind == "cpu":
        return resolved
    start = f"The 'device' parameter of {owner} is {str(device)!r}, but"
    use = "Use device='cpu' (or 'auto', which picks a GPU when there is one)."
    if kind == "mps":
        available, count = torch.backends.mps.is_available(), 1
        built = torch.backends.mps.is_built()
        name, missing = "MPS", "needs macOS 12.3+ on Apple silicon"
    else:
        backend = getattr(torch, kind, None)  # torch.cuda, torch.xpu, ...
        if not callable(getattr(backend, "is_available", None)):
            raise ValueError(
                f"{start} {owner} trains and predicts on 'cpu', 'cuda', 'mps' or another "
                f"accelerator that torch reports available, and {kind!r} is not one. {use}"
            )
        available, count = backend.is_available(), backend.device_count()
        name = kind.upper()
        built = torch.backends.cuda.is_built() if kind == "cuda" else True
        missing = f"sees no {name} device"
        if kind == "cuda":
            missing += ": no GPU, no driver, or CUDA_VISIBLE_DEVICES hides them"
    if not available:
        why = f"is built without {name}" if not built else missing
        raise ValueError(
            f"{start} {name} is not available on this machine (torch {torch.__version__} "
            f"{why}). {use}"
        )
    if resolved.index is not None and resolved.index >= count:
        raise ValueError(
            f"{start} this machine has {count} {name} device{'s' * (count != 1)} "
            f"({kind}:0 to {kind}:{count - 1}). Use one of them, or device={kind!r}."
        )
    return resolved
