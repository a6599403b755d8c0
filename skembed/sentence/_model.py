"""A sentence-transformers model found by name or folder, loaded on demand, known by digest.

Estimators never hold the model in their fitted state: they record
:class:`ModelIdentity` (the folder and the SHA-256 of each of its files) and
load the model when they need it, checking that its files are still the ones
they were fitted with.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "INSTALL_HINT",
    "ModelIdentity",
    "ModelUnavailableError",
    "identify_model",
    "load_sentence_model",
    "quiet_loading",
    "resolve_device",
    "resolve_model_folder",
]

INSTALL_HINT = (
    'needs sentence-transformers, the optional "transformers" extra of skembed: '
    'pip install "skembed[transformers]" (install torch==2.13.0 first on machines '
    "whose default torch wheel is the large CUDA build)"
)

#: Files of a model folder that are not part of the model (never digested).
_IGNORED = {"README.md", ".gitattributes"}


class ModelUnavailableError(OSError):
    """A model cannot be found or read: the message names the name or path."""


def _import_sentence_transformers(owner: str):
    try:
        import sentence_transformers
    except ImportError as exc:
        raise ImportError(f"{owner} {INSTALL_HINT} (import failed: {exc})") from exc
    return sentence_transformers


def resolve_model_folder(model: str | os.PathLike) -> Path:
    """The local folder of ``model``: a folder path, or a Hugging Face name already cached.

    A name without ``/`` is looked up as ``sentence-transformers/<name>``, as
    sentence-transformers does. Only the local cache is searched, so nothing is
    downloaded here (``SentenceTransformer(name)`` downloads once, ahead).

    Raises
    ------
    ModelUnavailableError
        Neither a folder nor a cached name; the message gives both places looked at.
    """
    path = Path(os.fspath(model)).expanduser()
    if path.is_dir():
        return path.resolve()
    if path.exists():
        raise ModelUnavailableError(
            f"The model {os.fspath(model)!r} is a file; expected a model folder "
            "(with modules.json or config.json) or a Hugging Face model name."
        )
    name = os.fspath(model)
    repo_id = name if "/" in name else f"sentence-transformers/{name}"
    try:
        from huggingface_hub import snapshot_download

        folder = snapshot_download(repo_id=repo_id, local_files_only=True)
    except Exception as exc:  # noqa: BLE001 (any failure: not found locally)
        raise ModelUnavailableError(
            f"Found no model {name!r}: it is neither an existing folder nor the name of a "
            f"model in the local Hugging Face cache (looked for {repo_id!r}: {exc}). Pass a "
            "model folder, or download the model once with "
            f"SentenceTransformer({name!r})."
        ) from None
    return Path(folder).resolve()


def _model_files(folder: Path) -> list[Path]:
    files = [
        p
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in _IGNORED and ".cache" not in p.relative_to(folder).parts
    ]
    return files


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class ModelIdentity:
    """Which model: its folder and the SHA-256 of every file in it.

    Attributes
    ----------
    folder : str
        Absolute path of the model folder.
    files : dict of str to str
        ``{relative path: sha256}`` of the model's files.
    digest : str
        One SHA-256 over ``files``: the model's identity (cache keys use it).
    """

    folder: str
    files: dict[str, str]

    @property
    def digest(self) -> str:
        lines = "".join(f"{name}\0{sha}\n" for name, sha in sorted(self.files.items()))
        return hashlib.sha256(lines.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        return {"folder": self.folder, "files": dict(self.files)}

    def verify(self) -> None:
        """Raise :class:`ModelUnavailableError` unless the folder still holds these files."""
        folder = Path(self.folder)
        if not folder.is_dir():
            raise ModelUnavailableError(
                f"The model folder {self.folder!r} this estimator was fitted with is gone."
            )
        now = identify_model(folder)
        if now.files != self.files:
            changed = sorted(set(now.files.items()) ^ set(self.files.items()))
            names = sorted({name for name, _ in changed})
            raise ModelUnavailableError(
                f"The model folder {self.folder!r} changed since this estimator was fitted: "
                f"{', '.join(names[:5])} differ. Refit, or restore the original files."
            )


def identify_model(model: str | os.PathLike) -> ModelIdentity:
    """The :class:`ModelIdentity` of a model folder or cached name."""
    folder = resolve_model_folder(model)
    files = _model_files(folder)
    if not any(p.name in ("modules.json", "config.json") for p in files):
        raise ModelUnavailableError(
            f"The folder {os.fspath(folder)!r} holds no model: expected modules.json "
            "(a sentence-transformers model) or config.json."
        )
    try:
        digests = {p.relative_to(folder).as_posix(): _sha256(p) for p in files}
    except OSError as exc:
        raise ModelUnavailableError(
            f"Cannot read the model folder {os.fspath(folder)!r}: {exc}"
        ) from None
    return ModelIdentity(os.fspath(folder), digests)


def resolve_device(device: str) -> str:
    """``"auto"``: CUDA when torch sees a GPU, else CPU; any other value unchanged."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@contextmanager
def quiet_loading(verbose: int = 0) -> Iterator[None]:
    """Silence transformers' "Loading weights" bar and its load report, unless ``verbose``.

    transformers logs a report of unexpected keys (``embeddings.position_ids`` of
    every BERT checkpoint) and shows a progress bar on every load; its verbosity
    and bar setting are restored afterwards.
    """
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:
        hf_logging = None
    if verbose or hf_logging is None:
        yield
        return
    level, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()


def load_sentence_model(
    identity: ModelIdentity,
    device: str = "auto",
    owner: str = "skembed",
    *,
    verify: bool = True,
    verbose: int = 0,
):
    """Load the ``SentenceTransformer`` of ``identity`` on ``device``.

    Parameters
    ----------
    identity : ModelIdentity
        The model: its folder and the digests of its files.
    device : str, default="auto"
        A torch device; "auto" is CUDA when available, else CPU.
    owner : str, default="skembed"
        Who needs the model, for the message of a missing extra.
    verify : bool, default=True
        Check the folder's files against ``identity`` first (skip it only
        right after :func:`identify_model` computed ``identity``).
    verbose : int, default=0
        Show the libraries' progress bars and load reports when positive.

    Raises
    ------
    ImportError
        sentence-transformers is not installed (the message says which extra).
    ModelUnavailableError
        The folder is gone, changed, or cannot be loaded (the message names it).
    """
    st = _import_sentence_transformers(owner)
    if verify:
        identity.verify()
    try:
        with quiet_loading(verbose):
            return st.SentenceTransformer(
                identity.folder, device=resolve_device(device), local_files_only=True
            )
    except Exception as exc:  # noqa: BLE001 (a corrupt folder fails in many ways)
        raise ModelUnavailableError(
            f"Cannot load the sentence-transformers model in {identity.folder!r}: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
