"""Opening vectors files: compressed ones, their first bytes, and the errors of reading them.

gensim's reader (smart_open) decompresses ``.gz``, ``.bz2``, ``.xz``, ``.lz4``
and ``.zst`` files on the fly; a corrupt stream then fails with an ``OSError``,
``EOFError`` or codec error that names no file. These helpers turn such
failures into a ``ValueError`` that names the file, and every parse failure
of gensim into a "Malformed ..." ``ValueError``.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .._io import scratch_file

__all__ = [
    "COMPRESSED_SUFFIXES",
    "check_vectors_file",
    "decompressed",
    "decompression_errors",
    "gensim_errors",
    "open_head",
]

#: Suffixes gensim's reader (smart_open) decompresses on the fly.
COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz", ".lz4", ".zst")


def _is_decompression_error(exc: BaseException) -> bool:
    """Whether ``exc`` says a compressed stream is corrupt (not that a file is missing)."""
    import lzma

    if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError)):
        return False
    return isinstance(exc, (OSError, EOFError, zlib.error, lzma.LZMAError))


@contextmanager
def decompression_errors(path: Path) -> Iterator[None]:
    """Turn a corrupt compressed stream met in the block into a ValueError naming ``path``."""
    try:
        yield
    except Exception as exc:
        if not _is_decompression_error(exc):
            raise
        raise ValueError(f"Could not decompress the vectors file {str(path)!r}: {exc}") from None


@contextmanager
def gensim_errors(path: Path, fmt: str) -> Iterator[None]:
    """Turn gensim's failures while reading ``path`` as ``fmt`` into ValueErrors naming it."""
    try:
        yield
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"Malformed {fmt} vectors file {str(path)!r}: a word is not valid UTF-8 ({exc}). "
            "Words are read as UTF-8, strictly; convert the file to UTF-8 first."
        ) from None
    except (ValueError, EOFError, IndexError, AssertionError) as exc:
        raise ValueError(f"Malformed {fmt} vectors file {str(path)!r}: {exc}") from None
    except Exception as exc:
        if not _is_decompression_error(exc):
            raise
        raise ValueError(f"Could not decompress the vectors file {str(path)!r}: {exc}") from None


def open_head(path: Path, n: int = 1 << 16) -> bytes:
    """The first ``n`` bytes of ``path`` (decompressed, for a compressed file)."""
    from gensim import utils

    with decompression_errors(path), utils.open(str(path), "rb") as fh:
        return fh.read(n)


def check_vectors_file(path: str | os.PathLike) -> Path:
    """``path`` as a Path, refused unless it is a file with at least one (decompressed) byte."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"Vectors file not found: {str(path)!r}")
    if path.is_dir():
        raise ValueError(f"Expected a vectors file, got the directory {str(path)!r}.")
    if not open_head(path, 1):
        raise ValueError(f"The vectors file {str(path)!r} is empty.")
    return path


@contextmanager
def decompressed(path: Path) -> Iterator[Path]:
    """A decompressed copy of ``path`` in a scratch file (gone afterwards, even after a kill)."""
    import shutil

    from gensim import utils

    with scratch_file(prefix="skembed-", suffix=".bin") as name:
        with open(name, "wb") as out, utils.open(str(path), "rb") as src:
            with decompression_errors(path):
                shutil.copyfileobj(src, out, 1 << 20)
        yield Path(name)
