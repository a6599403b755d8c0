"""model2vec folders: whole-word tokens as word vectors, the tokenizer for other words.

A model2vec folder (as ``model2vec.StaticModel.save_pretrained`` writes it)
holds ``model.safetensors`` (the ``embeddings`` matrix, and for a model whose
vocabulary was quantized, per-token ``weights`` and the ``mapping`` of token
ids to rows), ``tokenizer.json`` (a ``tokenizers`` tokenizer: WordPiece, BPE
or Unigram) and ``config.json`` (``normalize``, ``max_length``).
:func:`read_model2vec` reads it without model2vec or torch (``safetensors``'
numpy API and ``tokenizers``), checking each file as it reads it, into a
:class:`~skembed.vectors.WordVectors` whose words are the tokens that stand
for whole words and whose :class:`~skembed.vectors.TokenizerSubwords` composes
every other word from its tokens, so that each word's vector is
``StaticModel.from_pretrained(folder).encode([word])``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ._check import MAX_DIM
from ._subwords import TOKENIZERS_HINT, TokenizerSubwords, parse_tokenizer
from ._word_vectors import WordVectors

__all__ = ["MODEL2VEC_FILES", "is_model2vec_folder", "read_model2vec"]

MODEL_FILE = "model.safetensors"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "config.json"

#: The files of a model2vec folder.
MODEL2VEC_FILES = (MODEL_FILE, TOKENIZER_FILE, CONFIG_FILE)

#: model2vec's defaults for what ``config.json`` may leave out.
_DEFAULT_NORMALIZE = False
_DEFAULT_MAX_LENGTH = 512

#: A config.json larger than this is not a model2vec config.
_MAX_CONFIG_BYTES = 1 << 20


def is_model2vec_folder(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a directory that claims to be a model2vec folder.

    It holds ``model.safetensors`` or ``tokenizer.json``, or a ``config.json``
    whose ``model_type`` is "model2vec". Only the names (and that field) are
    looked at: :func:`read_model2vec` checks the files.

    Parameters
    ----------
    path : str or path-like
        Any path; a file or a missing path is not a model2vec folder.

    Returns
    -------
    bool
        Whether ``path`` is a directory with model2vec's files or config.
    """
    root = Path(path)
    if not root.is_dir():
        return False
    if (root / MODEL_FILE).exists() or (root / TOKENIZER_FILE).exists():
        return True
    try:
        config = json.loads((root / CONFIG_FILE).read_bytes())
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(config, dict) and config.get("model_type") == "model2vec"


def read_model2vec(folder: str | os.PathLike) -> WordVectors:
    """Read a model2vec folder as word vectors with tokenizer subwords, checking it.

    The words are the vocabulary's tokens that stand for whole words: the
    text of each token (its word-start marker, such as BPE's ``Ġ`` or
    Unigram's ``▁``, removed), kept when the model's tokenizer reads that text
    back as one token. Continuation tokens (WordPiece's ``##ing``), special
    tokens (``[CLS]``, ``[PAD]``, ``[UNK]``) and the tokens the tokenizer never
    produces alone (``[unused0]``) are left out. Other words get their vector
    from the subwords (``oov="subword"``): the mean of the vectors of their
    tokens. Either way a word's vector is what
    ``model2vec.StaticModel.from_pretrained(folder).encode([word])`` returns
    (with the model's token weights, token mapping and ``normalize``), in
    float32.

    Needs the ``tokenizers`` and ``safetensors`` packages (``pip install
    "skembed[model2vec]"``), not model2vec or torch.

    Parameters
    ----------
    folder : str or path-like
        A folder written by ``model2vec.StaticModel.save_pretrained``: its
        ``model.safetensors``, ``tokenizer.json`` and ``config.json``.

    Returns
    -------
    WordVectors
        With a :class:`~skembed.vectors.TokenizerSubwords` as ``subwords``.

    Raises
    ------
    FileNotFoundError
        ``folder`` or one of its three files does not exist.
    NotADirectoryError
        ``folder`` is not a directory.
    ValueError
        A file is corrupt, truncated or inconsistent (no ``embeddings``
        tensor, rows that do not match the tokenizer's vocabulary, NaN or inf
        values, a bad config value). The message names the file.
    ImportError
        ``tokenizers`` or ``safetensors`` is not installed.

    Examples
    --------
    >>> from skembed.vectors import read_model2vec
    >>> wv = read_model2vec("path/to/model2vec-folder")  # doctest: +SKIP
    >>> wv.subwords.word_vectors(["unbelievableness"])  # doctest: +SKIP
    """
    root = Path(folder)
    if not root.exists():
        raise FileNotFoundError(f"No such model2vec folder: {str(root)!r}")
    if not root.is_dir():
        raise NotADirectoryError(f"A model2vec folder must be a directory; {str(root)!r} is not.")
    for name in MODEL2VEC_FILES:
        if not (root / name).is_file():
            raise FileNotFoundError(
                f"The model2vec folder {str(root)!r} has no {name}; expected "
                f"{', '.join(MODEL2VEC_FILES)}, as model2vec's StaticModel.save_pretrained "
                "writes them."
            )
    normalize, max_length = _read_config(root / CONFIG_FILE)
    text, tokenizer = _read_tokenizer(root / TOKENIZER_FILE)
    tensors = _read_tensors(root / MODEL_FILE)
    token_vectors = _token_vectors(tensors, tokenizer.get_vocab(), root)
    try:
        subwords = TokenizerSubwords(
            text, token_vectors, normalize, _unk_id(tokenizer, text), max_length
        )
    except ValueError as exc:
        raise ValueError(f"The model2vec folder {str(root)!r} is inconsistent: {exc}") from None
    words, ids = _whole_words(subwords, text)
    if not words:
        raise ValueError(
            f"The tokenizer of {str(root / TOKENIZER_FILE)!r} has no token that stands for "
            "a whole word."
        )
    matrix = subwords.vectors[ids]
    if normalize:
        matrix = matrix / (np.linalg.norm(matrix, axis=1, keepdims=True) + np.float32(1e-32))
    return WordVectors(words, matrix, subwords, source=f"the model2vec folder {str(root)!r}")


# ---------------------------------------------------------------- the files
def _read_config(path: Path) -> tuple[bool, int | None]:
    """``(normalize, max_length)`` of ``config.json``, with model2vec's defaults."""
    size = path.stat().st_size
    if size > _MAX_CONFIG_BYTES:
        raise ValueError(f"{str(path)!r} has {size} bytes: too large for a model2vec config.")
    try:
        config = json.loads(path.read_bytes())
    except (ValueError, RecursionError) as exc:  # (UnicodeDecodeError is a ValueError)
        raise ValueError(f"{str(path)!r} is not valid JSON ({exc}).") from None
    if not isinstance(config, dict):
        raise ValueError(
            f"{str(path)!r} must hold a JSON object; got {type(config).__name__} instead."
        )
    normalize = config.get("normalize", _DEFAULT_NORMALIZE)
    if type(normalize) is not bool:
        raise ValueError(
            f"The 'normalize' entry of {str(path)!r} must be true or false; got {normalize!r}."
        )
    max_length = config.get("max_length", _DEFAULT_MAX_LENGTH)
    if max_length is not None and (type(max_length) is not int or max_length < 1):
        raise ValueError(
            f"The 'max_length' entry of {str(path)!r} must be a positive integer or null; got "
            f"{max_length!r}."
        )
    return normalize, max_length


def _read_tokenizer(path: Path) -> tuple[str, Any]:
    """The JSON text of ``tokenizer.json`` and the ``tokenizers.Tokenizer`` it makes."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{str(path)!r} is not UTF-8 text ({exc}).") from None
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"The tokenizer file {str(path)!r} is not valid JSON ({exc}).") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("model"), dict):
        raise ValueError(
            f"The tokenizer file {str(path)!r} must be a JSON object with a 'model' entry, as "
            "the tokenizers package writes it."
        )
    return text, parse_tokenizer(text, f"The tokenizer file {str(path)!r}")


def _import_safetensors() -> Any:
    try:
        from safetensors import safe_open
    except ImportError as exc:
        raise ImportError(
            "Reading a model2vec folder needs the safetensors package, which is not "
            f"installed: {TOKENIZERS_HINT} (import failed: {exc})"
        ) from exc
    return safe_open


def _read_tensors(path: Path) -> dict[str, np.ndarray]:
    """The ``embeddings`` (and ``weights``, ``mapping``) arrays of ``model.safetensors``."""
    safe_open = _import_safetensors()
    try:
        with safe_open(str(path), framework="numpy") as fh:
            names = list(fh.keys())
            wanted = [n for n in ("embeddings", "weights", "mapping") if n in names]
            tensors = {name: fh.get_tensor(name) for name in wanted}
    except Exception as exc:  # safetensors raises its own SafetensorError, an Exception
        first = str(exc).strip().splitlines()[:1]
        raise ValueError(
            f"{str(path)!r} is not a readable safetensors file: "
            f"{first[0] if first else type(exc).__name__}."
        ) from None
    if "embeddings" not in tensors:
        shown = ", ".join(repr(n) for n in names[:5]) + (", ..." if len(names) > 5 else "")
        hint = ""
        if any(n.endswith("embedding.weight") or n.endswith("embeddings.weight") for n in names):
            hint = (
                " It looks like a transformers or sentence-transformers model, not a model2vec "
                "model: distill one from it first (model2vec.distill.distill)."
            )
        raise ValueError(
            f"{str(path)!r} has no 'embeddings' tensor (it holds {shown or 'no tensor'}); "
            f"expected the token embeddings of a model2vec model.{hint}"
        )
    embeddings = tensors["embeddings"]
    if embeddings.dtype.kind not in "fiu" or embeddings.ndim != 2:
        raise ValueError(
            f"The 'embeddings' tensor of {str(path)!r} has dtype {embeddings.dtype} and shape "
            f"{embeddings.shape}; expected a 2-D matrix of real numbers."
        )
    if not (embeddings.shape[0] >= 1 and 0 < embeddings.shape[1] <= MAX_DIM):
        raise ValueError(
            f"The 'embeddings' tensor of {str(path)!r} has shape {embeddings.shape}; expected "
            f"at least one row and a dimension between 1 and {MAX_DIM}."
        )
    return tensors


def _token_vectors(tensors: dict[str, np.ndarray], vocab: dict[str, int], root: Path) -> np.ndarray:
    """The float32 vector of every token id: its row (through ``mapping``) times its weight."""
    path = str(root / MODEL_FILE)
    embeddings = tensors["embeddings"]
    n_tokens, n_rows = len(vocab), embeddings.shape[0]
    mapping, weights = tensors.get("mapping"), tensors.get("weights")
    for name, value, kinds in (("mapping", mapping, "iu"), ("weights", weights, "fiu")):
        if value is not None and (value.dtype.kind not in kinds or value.shape != (n_tokens,)):
            what = "integers" if kinds == "iu" else "real numbers"
            raise ValueError(
                f"The {name!r} tensor of {path!r} has dtype {value.dtype} and shape "
                f"{value.shape}; expected {what} of shape ({n_tokens},), one per token of "
                f"{TOKENIZER_FILE}."
            )
    if mapping is None:
        if n_rows != n_tokens:
            raise ValueError(
                f"The 'embeddings' tensor of {path!r} has {n_rows} rows but "
                f"{str(root / TOKENIZER_FILE)!r} has {n_tokens} tokens; expected one row per "
                "token (or a 'mapping' tensor of token ids to rows)."
            )
        with np.errstate(over="ignore", invalid="ignore"):
            vectors = np.ascontiguousarray(embeddings, dtype=np.float32)
    else:
        mapping = mapping.astype(np.int64)
        if mapping.min() < 0 or mapping.max() >= n_rows:
            raise ValueError(
                f"The 'mapping' tensor of {path!r} maps tokens to rows {int(mapping.min())} to "
                f"{int(mapping.max())}; expected rows of the 'embeddings' tensor (0 to "
                f"{n_rows - 1})."
            )
        with np.errstate(over="ignore", invalid="ignore"):
            vectors = embeddings[mapping].astype(np.float32)
    if weights is not None:
        with np.errstate(over="ignore", invalid="ignore"):
            vectors = vectors * weights.astype(np.float32)[:, None]
    finite = np.isfinite(vectors).all(axis=1)
    if not finite.all():
        bad = int(np.flatnonzero(~finite)[0])
        token = next((t for t, i in vocab.items() if i == bad), None)
        raise ValueError(
            f"The vector of the token {token!r} (id {bad}) in {path!r} has NaN or inf values "
            "(or values too large for float32); expected finite numbers."
        )
    return vectors


def _unk_id(tokenizer: Any, text: str) -> int | None:
    """The id of the unknown token, which model2vec drops (as ``_get_unk_token_id``)."""
    model = json.loads(text)["model"]
    if "unk_token" in model:  # WordPiece, BPE, WordLevel
        token = model["unk_token"]
        return None if token is None else tokenizer.token_to_id(str(token))
    unk_id = model.get("unk_id")  # Unigram
    return unk_id if type(unk_id) is int else None


def _whole_words(subwords: TokenizerSubwords, text: str) -> tuple[list[str], list[int]]:
    """The words that the tokenizer reads as one token, and that token's id, by token id."""
    prefix = json.loads(text)["model"].get("continuing_subword_prefix") or None
    special = subwords.special_tokens()
    words: list[str] = []
    ids: list[int] = []
    seen: set[str] = set()
    vocab = subwords.vocabulary()
    tokens = [""] * len(vocab)  # the ids are 0 .. n-1 (checked by TokenizerSubwords)
    for token, token_id in vocab.items():
        tokens[token_id] = token
    for token_id, token in enumerate(tokens):
        if token in special or (prefix is not None and token.startswith(prefix)):
            continue
        word = subwords.surface(token_id).strip()
        if not word or word in seen:
            continue
        found = subwords.token_ids(word)
        if len(found) == 1:
            seen.add(word)
            words.append(word)
            ids.append(found[0])
    return words, ids
