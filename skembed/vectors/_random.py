"""Per-word randomness that is the same in every process: a stable hash, random vectors."""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["random_word_vectors", "stable_hash"]


def stable_hash(text: str) -> int:
    """A 32-bit hash of ``text`` that does not depend on PYTHONHASHSEED."""
    return zlib.crc32(text.encode("utf-8", "surrogatepass"))


def random_word_vectors(words: list[str], dim: int, seed: int, dtype=np.float32) -> np.ndarray:
    """One fixed U[-0.25, 0.25] vector per word, from the word and ``seed`` alone.

    A word gets the same vector in every batch and every process.
    """
    out = np.empty((len(words), dim), dtype=dtype)
    for i, word in enumerate(words):
        rng = np.random.default_rng([seed & 0xFFFFFFFF, stable_hash(word)])
        out[i] = rng.uniform(-0.25, 0.25, dim)
    return out
