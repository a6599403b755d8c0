"""Text input: the mixin of text estimators, document validation, analyzer construction.

Every skembed estimator inherits :class:`TextInputMixin` and reads text through
the functions of this module, so ``lowercase``, ``token_pattern``,
``stop_words`` and the other parameters borrowed from
:class:`~sklearn.feature_extraction.text.CountVectorizer` mean exactly what
they mean there: the analyzer *is* scikit-learn's, built by
:meth:`CountVectorizer.build_analyzer`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.utils._param_validation import StrOptions

from ._cache import without_caches
from ._params import Parameters

#: The parameters shared with ``CountVectorizer``, with their defaults.
TEXT_PARAMS: dict[str, Any] = {
    "encoding": "utf-8",
    "decode_error": "strict",
    "strip_accents": None,
    "lowercase": True,
    "preprocessor": None,
    "tokenizer": None,
    "stop_words": None,
    "token_pattern": r"(?u)\b\w\w+\b",
    "analyzer": "word",
}

#: The token pattern of the network classifiers: words of any length (with inner
#: hyphens, apostrophes and dots: "didn't", "well-made", "5.99"), a leading-apostrophe
#: clitic ("'s", "'re"), and each run of punctuation ("!", "?", "...", ":-)"). A network
#: reads word order and learns what "!" or "a" is worth, so, unlike a bag of words, it
#: keeps them; on the already tokenized Kim (2014) files 93 % of the sentences split
#: exactly as on whitespace.
NETWORK_TOKEN_PATTERN = r"(?u)\w+(?:[-'.]\w+)*|'\w+|[^\w\s]+"

#: The text parameters of :class:`TextInputMixin`: decoding and preprocessing.
DECODING_PARAMS = ("encoding", "decode_error", "strip_accents", "lowercase", "preprocessor")

#: ``_parameter_constraints`` entries for :data:`TEXT_PARAMS`.
TEXT_PARAM_CONSTRAINTS: dict[str, list] = {
    "encoding": [str],
    "decode_error": [StrOptions({"strict", "ignore", "replace"})],
    "strip_accents": [StrOptions({"ascii", "unicode"}), None, callable],
    "lowercase": ["boolean"],
    "preprocessor": [callable, None],
    "tokenizer": [callable, None],
    "stop_words": [StrOptions({"english"}), list, None],
    "token_pattern": [str, None],
    "analyzer": [StrOptions({"word"}), callable],
}


def build_analyzer(params: dict[str, Any]) -> Callable[[Any], list[str]]:
    """Return scikit-learn's analyzer for the text parameters in ``params``.

    Parameters
    ----------
    params : dict
        Must contain every key of :data:`TEXT_PARAMS`.

    Returns
    -------
    analyzer : callable
        Maps one (already decoded) document to its list of tokens.
    """
    kwargs = {name: params[name] for name in TEXT_PARAMS}
    return CountVectorizer(**kwargs).build_analyzer()


class TextInputMixin(Parameters):
    """Mixin for the estimators that take raw text: vectorizers and classifiers alike.

    It holds what every such estimator declares once: the parameters that
    decode and preprocess a document (``encoding``, ``decode_error``,
    ``strip_accents``, ``lowercase``, ``preprocessor``) with their constraints,
    the analyzer built from the text parameters, the input tags (strings, not
    a 2-D array), the fitted check on the attribute named by
    ``_fitted_attribute`` (set last in ``fit``), and a ``__getstate__`` that
    drops every cache (:func:`skembed._cache.cached_on`). Put it first among
    the bases, before scikit-learn's mixins. :class:`TokenizedInputMixin`
    adds the tokenizing parameters.
    """

    encoding: str = "utf-8"
    decode_error: str = "strict"
    strip_accents: str | Callable[[str], str] | None = None
    lowercase: bool = True
    preprocessor: Callable[[str], str] | None = None

    _parameter_constraints: ClassVar[dict] = {
        name: TEXT_PARAM_CONSTRAINTS[name] for name in DECODING_PARAMS
    }

    #: The fitted attribute whose presence means the estimator is fitted.
    _fitted_attribute: ClassVar[str]

    def _text_params(self) -> dict[str, Any]:
        """The text parameters; those this estimator does not take keep their defaults."""
        own = self.__dataclass_fields__
        return {
            name: getattr(self, name) if name in own else default
            for name, default in TEXT_PARAMS.items()
        }

    def build_analyzer(self) -> Callable[[Any], list[str]]:
        """Return the callable that turns one document into its list of tokens.

        Returns
        -------
        analyzer : callable
            scikit-learn's analyzer for this estimator's text parameters.
        """
        return build_analyzer(self._text_params())

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, self._fitted_attribute)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.requires_fit = True
        return tags

    def __getstate__(self):
        return without_caches(super().__getstate__())


class TokenizedInputMixin(TextInputMixin):
    """:class:`TextInputMixin` with the parameters that split a document into tokens.

    ``tokenizer``, ``stop_words``, ``token_pattern`` and ``analyzer``, as in
    :class:`~sklearn.feature_extraction.text.CountVectorizer`: every estimator
    that reads words (all but the sentence encoder, which tokenizes for itself).
    """

    tokenizer: Callable[[str], list[str]] | None = None
    stop_words: str | list[str] | None = None
    token_pattern: str | None = TEXT_PARAMS["token_pattern"]
    analyzer: str | Callable[[Any], list[str]] = "word"

    _parameter_constraints: ClassVar[dict] = dict(TEXT_PARAM_CONSTRAINTS)


def _is_nan(doc: Any) -> bool:
    return isinstance(doc, numbers.Real) and not isinstance(doc, bool) and math.isnan(doc)


class DocumentError(ValueError):
    """A document that is not usable text, named by its index: "Document 3 is None; ...".

    ``index`` is its position in the collection given to the call that raised;
    an engine that transforms a collection in pieces (:mod:`skembed.distributed`)
    renames it with :meth:`renamed` to say where it is in the whole.
    """

    def __init__(self, index: int, problem: str, name: str | None = None):
        self.index, self.problem = index, problem
        self.name = f"Document {index}" if name is None else name
        super().__init__(f"{self.name} {problem}")

    def __reduce__(self):  # pickles (to and from worker processes) with its fields
        return type(self), (self.index, self.problem, self.name)

    def renamed(self, name: str) -> DocumentError:
        """The same error with the document called ``name`` (e.g. "Document 7 of partition 2")."""
        return type(self)(self.index, self.problem, name)


def _check_document(doc: Any, index: int, *, encoding: str, decode_error: str, raw_ok: bool):
    """Return ``doc`` decoded to ``str``, or raise a :class:`DocumentError` naming ``index``."""
    if isinstance(doc, str):
        return doc
    if isinstance(doc, (bytes, bytearray, np.bytes_)):
        try:
            return bytes(doc).decode(encoding, decode_error)
        except UnicodeDecodeError as exc:
            raise DocumentError(
                index,
                f"could not be decoded with encoding={encoding!r}: {exc}. "
                "Pass decode_error='replace' or 'ignore', or the right encoding.",
            ) from None
    if isinstance(doc, np.str_):
        return str(doc)
    if doc is None or _is_nan(doc) or doc is pd.NA:
        what = "None" if doc is None else "NaN"
        raise DocumentError(
            index,
            f"is {what}; expected a str (or bytes). Drop or fill missing "
            "documents before vectorizing, e.g. with pandas' Series.fillna('').",
        )
    if raw_ok:
        # A callable analyzer receives each document as given (e.g. a list of tokens).
        return doc
    raise DocumentError(
        index,
        f"is of type {type(doc).__name__}; expected a str (or bytes). "
        "To pass pre-tokenized documents, set analyzer to a callable such as "
        "analyzer=lambda tokens: tokens.",
    )


def check_document_collection(raw_documents: Any) -> None:
    """Raise a ValueError unless ``raw_documents`` is a 1-D collection of documents."""
    if isinstance(raw_documents, (str, bytes)):
        raise ValueError("Iterable over raw text documents expected, string object received.")
    if hasattr(raw_documents, "columns"):  # a DataFrame iterates over column names
        raise ValueError(
            "Iterable over raw text documents expected, DataFrame received. Select "
            "one text column (df['text']), or use a ColumnTransformer."
        )
    if hasattr(raw_documents, "ndim") and getattr(raw_documents, "ndim", 1) != 1:
        if getattr(raw_documents, "ndim", 1) == 2 and raw_documents.shape[1] == 1:
            hint = " Select the text column as a 1-D Series or array (e.g. X[:, 0])."
        else:
            hint = ""
        raise ValueError(
            "Iterable over raw text documents expected, got an array of shape "
            f"{raw_documents.shape}.{hint}"
        )
    if not isinstance(raw_documents, Iterable):
        raise ValueError(
            "Iterable over raw text documents expected, "
            f"{type(raw_documents).__name__} object received."
        )


def iter_documents(
    raw_documents: Any,
    *,
    encoding: str = "utf-8",
    decode_error: str = "strict",
    raw_ok: bool = False,
    start: int = 0,
) -> Iterator[Any]:
    """Validate a collection of documents and yield them one by one, decoded.

    Accepts any iterable of documents (list, tuple, 1-D numpy object array,
    pandas Series, generator), as ``CountVectorizer`` does, and rejects what
    ``CountVectorizer`` rejects, with the index of the offending document.

    Parameters
    ----------
    raw_documents : iterable
        The documents.
    encoding, decode_error : str
        How ``bytes`` documents are decoded (as in ``CountVectorizer``).
    raw_ok : bool
        Whether documents of other types are passed through (a callable analyzer
        receives each document as given).
    start : int
        The index of the first document, for error messages (a slice of a
        larger collection).

    Yields
    ------
    doc : str or object
    """
    check_document_collection(raw_documents)
    for index, doc in enumerate(raw_documents, start):
        yield _check_document(
            doc, index, encoding=encoding, decode_error=decode_error, raw_ok=raw_ok
        )


def tokenize(
    raw_documents: Any, params: dict[str, Any], analyzer: Callable | None = None
) -> list[list[str]]:
    """Validate ``raw_documents`` and return the token list of each document.

    Parameters
    ----------
    raw_documents : iterable of str
        The documents.
    params : dict
        The estimator's text parameters (see :data:`TEXT_PARAMS`).
    analyzer : callable, optional
        A prebuilt analyzer for ``params``.

    Returns
    -------
    tokens : list of list of str
    """
    analyzer = analyzer or build_analyzer(params)
    return [_as_tokens(analyzer(doc)) for doc in _validated(raw_documents, params)]


def _as_tokens(tokens: Any) -> list[str]:
    if isinstance(tokens, list):
        return tokens
    return list(tokens)


def _validated(raw_documents: Any, params: dict[str, Any], start: int = 0) -> Iterator[Any]:
    return iter_documents(
        raw_documents,
        encoding=params["encoding"],
        decode_error=params["decode_error"],
        raw_ok=callable(params["analyzer"]),
        start=start,
    )


def iter_document_chunks(
    raw_documents: Any, params: dict[str, Any], chunk_size: int, start: int = 0
) -> Iterator[list[Any]]:
    """Yield the validated, decoded documents in lists of at most ``chunk_size``.

    The input is streamed: at most one chunk is held at a time. ``start`` is
    the index of the first document in error messages.
    """
    docs = _validated(raw_documents, params, start)
    while True:
        chunk = list(islice(docs, chunk_size))
        if not chunk:
            return
        yield chunk


# ---------------------------------------------------------------- batched tokenization
#: Token patterns with an equivalent form that needs no \b checks. findall of
#: ``\b\w\w+\b`` returns the maximal runs of 2+ word characters, as ``\w\w+`` does.
_EQUIVALENT_PATTERNS = {
    r"(?u)\b\w\w+\b": r"(?u)\w\w+",
    r"\b\w\w+\b": r"\w\w+",
    r"(?u)\b\w+\b": r"(?u)\w+",
    r"\b\w+\b": r"\w+",
    # no token of it crosses whitespace, so the joined documents split as each alone
    NETWORK_TOKEN_PATTERN: NETWORK_TOKEN_PATTERN,
}
#: Joins the documents of a batch; a token the patterns above match whole.
SENTINEL = "zqskembeddocumentseparatorqz"


def batch_tokens(docs: list[str], params: dict[str, Any]) -> list[str] | None:
    """All tokens of ``docs`` from one regex pass, separated by :data:`SENTINEL`.

    Equal to running scikit-learn's analyzer on each document (lowercasing and
    accent stripping act per character, and the separator is a whole token
    between spaces), but several times faster on short documents. Returns None
    when the parameters need the per-document analyzer (custom preprocessor,
    tokenizer, analyzer, stop words, or another token pattern), or when a
    document contains the separator.
    """
    import re

    pattern = _EQUIVALENT_PATTERNS.get(params["token_pattern"])
    if (
        pattern is None
        or params["analyzer"] != "word"
        or params["preprocessor"] is not None
        or params["tokenizer"] is not None
        or params["stop_words"] is not None
        or not all(isinstance(d, str) for d in docs)
    ):
        return None
    preprocess = CountVectorizer(
        lowercase=params["lowercase"], strip_accents=params["strip_accents"]
    ).build_preprocessor()
    text = preprocess(f" {SENTINEL} ".join(docs))
    if text.count(SENTINEL) != len(docs) - 1:
        return None
    return re.findall(pattern, text)
