"""The directory of a saved estimator: :func:`save` and :func:`load`.

::

    model/
      estimator.json        format name and version, library versions, the
                            estimator tree (class, parameters, fitted state)
                            and the size and sha256 of every other file
      vocab/0001_word_vectors.txt            words in row order (and vocabulary dicts)
      arrays/0002_word_vectors_.matrix.npy   numpy arrays
      skops/0005_steps_1_1.skops             other scikit-learn estimators, via skops
      torch/0009_....pt                      torch tensors, where an estimator keeps any
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .._io import (
    ESTIMATOR_FILE,
    ESTIMATOR_FORMAT,
    StoreError,
    atomic_directory,
    read_manifest,
    verify_files,
    write_bytes,
)
from ..vectors import is_native_store
from ._checks import is_estimator, type_name
from ._decode import Decoder
from ._encode import Encoder

__all__ = ["ESTIMATOR_FILE", "FORMAT_NAME", "FORMAT_VERSION", "load", "save"]

#: The ``format`` that ``estimator.json`` declares, and the version this skembed writes and reads.
FORMAT_NAME = ESTIMATOR_FORMAT
FORMAT_VERSION = 1


def _is_saved_estimator(path: Path) -> bool:
    try:
        doc = json.loads((path / ESTIMATOR_FILE).read_bytes())
        return isinstance(doc, dict) and doc.get("format") == FORMAT_NAME
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return False


def _versions() -> dict[str, str]:
    import sklearn

    from .._version import __version__

    return {"skembed": __version__, "scikit-learn": sklearn.__version__, "numpy": np.__version__}


def save(estimator: Any, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Save a fitted (or unfitted) estimator as a directory, without pickle.

    Parameters
    ----------
    estimator : estimator
        A skembed estimator, or a ``Pipeline`` / ``FeatureUnion`` /
        ``ColumnTransformer`` of them and of other scikit-learn estimators
        (those are stored with skops: ``pip install "skembed[skops]"``).
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
    The directory holds a copy of every fitted array, the word vectors of an
    estimator fitted on a vectors store included: it is self-contained, and
    can be moved to another machine (docs/persistence.md compares it with
    pickle and with the engines, which send a reference to the store).

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
    if not is_estimator(estimator):
        raise TypeError(
            f"save expects a scikit-learn estimator; got {type_name(estimator)}. Use "
            "skembed.save_vectors for plain words and vectors."
        )
    with atomic_directory(
        path,
        overwrite=overwrite,
        replaceable=lambda p: _is_saved_estimator(p) or not any(p.iterdir()),
        what="saved estimator",
    ) as tmp:
        encoder = Encoder(tmp)
        tree = encoder.estimator(estimator, "")
        doc = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "versions": _versions(),
            "estimator": tree,
            "files": encoder.files,
        }
        data = json.dumps(doc, indent=1, allow_nan=False) + "\n"  # ASCII: any str survives
        write_bytes(tmp / ESTIMATOR_FILE, data.encode("ascii"))
    return Path(path)


def _open(root: Path, verify: str) -> dict:
    """The checked manifest of the saved estimator ``root``, its files verified."""
    if root.is_file():
        raise StoreError(
            f"{str(root)!r} is a file; skembed.load reads directories written by skembed.save. "
            "A pickle or joblib file loads with joblib.load, which runs code from the file: "
            "use it only for files you trust."
        )
    if root.is_dir() and not (root / ESTIMATOR_FILE).exists() and is_native_store(root):
        raise StoreError(
            f"{str(root)!r} is a skembed vectors store, not a saved estimator: open it with "
            "skembed.open_vectors or pass it as vectors= to MeanEmbeddingVectorizer."
        )
    doc = read_manifest(root, ESTIMATOR_FILE, FORMAT_NAME, FORMAT_VERSION, "saved estimator")
    verify_files(root, doc.get("files"), verify)
    return doc


def _warn_versions(root: Path, saved: Any) -> None:
    """Warn when the file was saved by another skembed or scikit-learn."""
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
            stacklevel=3,
        )


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
        incomplete or modified, names a class that is not registered (checked
        before anything is constructed), or holds a value the estimator could
        not have had: the message names the file and the place in it
        (``Pipeline.steps[0][1].word_vectors_.matrix``).

    See Also
    --------
    save : Write the directory.

    Notes
    -----
    Only the registered classes (:func:`registered_classes`) are constructed,
    with the parameters in the file and the fitted attributes their class
    declares; arrays are read with ``allow_pickle=False``; torch files with
    ``weights_only=True``; nested skops files only when skops trusts all their
    types. Files written by ``pickle`` or ``joblib`` are a different matter:
    loading them runs arbitrary code, so load them only from trusted sources.

    Every value is checked where it is rebuilt, before the estimator is
    returned: array dtypes and shapes against their ``.npy`` headers, a
    ``RandomState``'s state (a uint32 key of 624 words, a position in
    [0, 624], ...), numeric scalars against their dtypes, the parameters
    against the estimator's constraints, the estimators that a ``Pipeline`` /
    ``FeatureUnion`` / ``ColumnTransformer`` holds, and the fitted state of
    skembed's estimators as a whole (word vectors against the dimension and
    the weights, the weights of a ``TextCNNClassifier`` against its
    vocabulary and classes). A damaged or hostile file is refused here, never
    in a later ``fit`` or ``transform``.

    A saved model is immutable, like a vectors store: :func:`save` with
    ``overwrite=True`` renames a new directory into place (an estimator
    loaded before keeps its old, intact files) and writes read-only files.
    An estimator loaded with ``mmap=True`` checks, before each ``transform``
    / ``predict`` batch, that its mapped files were not changed in place
    since loading (:func:`skembed._io.check_mapped`), and raises
    :class:`StoreError` instead of computing with other values or crashing
    on a truncated file.

    Examples
    --------
    >>> import tempfile
    >>> from skembed import Word2VecVectorizer
    >>> from skembed.persistence import load, save
    >>> vec = Word2VecVectorizer(window=3)
    >>> load(save(vec, tempfile.mkdtemp() + "/w2v")).window
    3
    """
    root = Path(path)
    doc = _open(root, verify)
    decoder = Decoder(root, doc.get("files"), mmap)
    try:
        decoder.check(doc.get("estimator"))
    except RecursionError:
        raise StoreError(f"{ESTIMATOR_FILE} is nested too deeply.") from None
    except StoreError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StoreError(f"{ESTIMATOR_FILE} of {str(root)!r} is malformed: {exc!r}") from None
    _warn_versions(root, doc.get("versions"))
    try:
        return decoder.value(doc["estimator"], "")
    except StoreError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StoreError(f"{ESTIMATOR_FILE} of {str(root)!r} is malformed: {exc!r}") from None
