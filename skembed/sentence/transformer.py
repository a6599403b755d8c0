"""SentenceTransformerVectorizer: a sentence-transformers model as a scikit-learn vectorizer."""

from __future__ import annotations

import os
import re
from numbers import Integral
from typing import Any, ClassVar

import numpy as np
from sklearn.base import _fit_context
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from .._base import _BaseEmbeddingVectorizer
from .._cache import cached_on
from .._docstrings import fill_doc
from .._io import StoreError, check_relative
from .._params import positional
from .._text import iter_documents
from ..persistence import register
from ..persistence._checks import FittedState, describe
from ..vectors._check import MAX_DIM
from ._embedding_cache import EmbeddingCache, encode_texts
from ._model import (
    ModelIdentity,
    _import_sentence_transformers,
    identify_model,
    load_sentence_model,
    resolve_device,
)

__all__ = ["SentenceTransformerVectorizer", "check_sentence_transformer"]

_SHA256 = re.compile(r"[0-9a-f]{64}")


def check_sentence_transformer(f: FittedState, est: Any) -> None:
    """The fitted state of a loaded SentenceTransformerVectorizer, for ``skembed.load``.

    ``model_identity_`` must be what :meth:`ModelIdentity.to_dict` returns for
    a model folder (an absolute folder; relative file names, each with a
    SHA-256, among them ``modules.json`` or ``config.json``), and
    ``n_features_out_`` a dimension.
    """
    identity = f.get("model_identity_")
    if not isinstance(identity, dict) or set(identity) != {"folder", "files"}:
        raise f.fail(
            "model_identity_",
            f"must be a dict with the keys 'folder' and 'files'; got {describe(identity)}.",
        )
    folder, files = identity["folder"], identity["files"]
    if type(folder) is not str or not os.path.isabs(folder) or "\0" in folder:
        raise f.fail(
            "model_identity_['folder']",
            f"must be the absolute path of a model folder (str); got {describe(folder)}.",
        )
    if not isinstance(files, dict) or not files:
        raise f.fail(
            "model_identity_['files']",
            f"must be a non-empty dict of file names to SHA-256 digests; got {describe(files)}.",
        )
    for name, digest in files.items():
        try:
            check_relative(name)
        except StoreError:
            raise f.fail(
                "model_identity_['files']",
                f"must name files inside the model folder; got {describe(name)}.",
            ) from None
        if type(digest) is not str or not _SHA256.fullmatch(digest):
            raise f.fail(
                f"model_identity_['files'][{name!r}]",
                f"must be a SHA-256 digest (64 lowercase hex digits); got {describe(digest)}.",
            )
    if not any(name.rsplit("/", 1)[-1] in ("modules.json", "config.json") for name in files):
        raise f.fail(
            "model_identity_['files']",
            "must list modules.json or config.json, as every model folder holds one.",
        )
    f.integer("n_features_out_", 1, MAX_DIM)


@register(
    "skembed.sentence.transformer:SentenceTransformerVectorizer", check=check_sentence_transformer
)
@fill_doc
class SentenceTransformerVectorizer(_BaseEmbeddingVectorizer):
    """Document vectors from a sentence-transformers model.

    The model encodes each whole document (it reads words in context, with
    its own tokenizer), so the vectorizer fits next to
    :class:`~sklearn.feature_extraction.text.TfidfVectorizer` in a
    :class:`~sklearn.pipeline.FeatureUnion`, and in a
    :class:`~sklearn.model_selection.GridSearchCV` over the steps after it.
    Nothing is learned: ``fit`` finds the model, records the SHA-256 of each of
    its files and loads it; ``transform`` encodes. The model itself is not part
    of the fitted state: a pickle or :func:`skembed.save` holds the folder and
    the digests, and the model is loaded again, from that folder, on first use,
    after checking that its files are unchanged.

    Encoding is the slow step: a transformer reads every document, hundreds of
    times slower than pooling word vectors on a CPU. With ``cache``, each
    distinct text is encoded once per model and kept on disk, so the folds and
    candidates of a grid search, or a second run of a script, encode no
    document twice.

    Requires sentence-transformers (``pip install "skembed[transformers]"``).

    Parameters
    ----------
    model : str or path-like, default='all-MiniLM-L6-v2'
        A model folder, or the name of a model in the local Hugging Face cache
        (a name without ``/`` is looked for as ``sentence-transformers/<name>``).
        Nothing is downloaded: download a model once with
        ``SentenceTransformer(name)``.
    batch_size : int, default=32
        Documents per forward pass of the model.
    device : str, default='auto'
        The torch device of the model: 'auto' (CUDA when torch sees a GPU, else
        the CPU, decided in each process that loads the model), 'cpu', 'cuda',
        'cuda:1', 'mps'...
    normalize : bool, default=False
        Return unit-length rows (sentence-transformers' ``normalize_embeddings``):
        the dot product of two rows is then their cosine similarity.
    cache : str, path-like or None, default=None
        A directory for an on-disk embedding cache (created if missing; one
        SQLite file in it, ``embeddings.sqlite3``, which several processes may
        share). A text found there for this model is not encoded again; new
        texts are added. The cache keeps the model's raw embeddings and
        ``normalize`` is applied after the lookup, so both settings share it.
        A text and the key it is stored under include the preprocessing above;
        ``batch_size`` and ``device`` are not part of the key (they change the
        embeddings in the last bits only).
        A damaged file raises an error that names it (delete it to start anew).
        Without a cache, repeated documents within a batch of 4,096 are encoded
        once.
    {decode_params}
    strip_accents : {'ascii', 'unicode'} or callable, default=None
        Remove accents before encoding, as in
        :class:`~sklearn.feature_extraction.text.CountVectorizer`.
    lowercase : bool, default=False
        Convert the documents to lowercase before encoding. Off by default: the
        model's tokenizer knows whether it is cased.
    preprocessor : callable, default=None
        Replace the preprocessing (``strip_accents`` and ``lowercase``): called
        on each decoded document, it returns the text the model encodes.
    dtype : {np.float32, np.float64}, default=np.float32
        Type of the output matrix (the model computes float32).
    verbose : int, default=0
        If positive, show the progress bar of encoding and the model's loading
        report; otherwise both are silent.

    Attributes
    ----------
    model_identity_ : dict
        ``{'folder': <absolute path>, 'files': {<relative name>: <sha256>}}``:
        which model encodes (see :class:`~skembed.sentence.ModelIdentity`).
    n_features_out_ : int
        The model's embedding dimension.
    sentence_model_ : sentence_transformers.SentenceTransformer
        The loaded model (a cache: never pickled or saved; loaded again on first
        use, after checking the folder's files against ``model_identity_``).

    See Also
    --------
    skembed.MeanEmbeddingVectorizer : Pooled pretrained word vectors, much faster.

    Notes
    -----
    Unlike the other skembed vectorizers, there is no ``tokenizer``,
    ``stop_words``, ``token_pattern`` or ``analyzer``: the model reads the
    sentence as written, and removing words changes what it means. There is no
    ``n_jobs`` either: torch computes with several threads.

    A changed or removed model folder raises
    :class:`~skembed.sentence.ModelUnavailableError` naming it, when the model
    is next loaded.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from skembed.sentence.transformer import SentenceTransformerVectorizer
    >>> vec = SentenceTransformerVectorizer("all-MiniLM-L6-v2", cache="embeddings")
    >>> X = vec.fit_transform(["A cat sat on the mat.", "Stocks fell."])  # doctest: +SKIP
    >>> X.shape  # doctest: +SKIP
    (2, 384)
    >>> clf = make_pipeline(vec, LogisticRegression())
    """

    model: str | os.PathLike = positional("all-MiniLM-L6-v2")
    batch_size: int = 32
    device: str | Any = "auto"
    normalize: bool = False
    cache: str | os.PathLike | None = None
    lowercase: bool = False

    _fitted_state = ("model_identity_", "n_features_out_")

    _parameter_constraints: ClassVar[dict] = {
        **_BaseEmbeddingVectorizer._parameter_constraints,
        "model": [str, os.PathLike],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": [str],
        "normalize": ["boolean"],
        "cache": [str, os.PathLike, None],
    }

    # ------------------------------------------------------------ text

    def build_preprocessor(self):
        """Return the callable that turns one decoded document into the text encoded.

        Returns
        -------
        preprocessor : callable
            ``preprocessor`` if given, else accent stripping and lowercasing
            as configured (scikit-learn's ``CountVectorizer.build_preprocessor``).
        """
        return CountVectorizer(
            lowercase=self.lowercase,
            strip_accents=self.strip_accents,
            preprocessor=self.preprocessor,
        ).build_preprocessor()

    def build_analyzer(self):
        """Return the callable that turns one document into the text encoded.

        The model tokenizes for itself, so this is :meth:`build_preprocessor`.

        Returns
        -------
        analyzer : callable
        """
        return self.build_preprocessor()

    # ------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, raw_documents, y=None):
        """Find and load the model; check the documents.

        Parameters
        ----------
        raw_documents : iterable of str
            Documents: a list, tuple, 1-D array, pandas Series or generator of
            strings (or bytes). Only checked: nothing is learned from them.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The estimator, its model found, checked and loaded.
        """
        self._check_dtype()
        for _ in iter_documents(
            raw_documents, encoding=self.encoding, decode_error=self.decode_error
        ):
            pass
        self._load()
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, raw_documents, y=None):
        """Load the model, then return the embeddings of ``raw_documents``.

        Parameters
        ----------
        raw_documents : iterable of str
            Documents.
        y : None
            Ignored.

        Returns
        -------
        X : ndarray of shape (n_documents, n_features)
            The embeddings.
        """
        dtype = self._check_dtype()
        self._load()
        blocks = list(self._row_blocks(raw_documents, dtype))
        return np.concatenate(blocks) if blocks else np.zeros((0, self.n_features_out_), dtype)

    def _load(self) -> None:
        """Identify and load the model: the fitted state, and the model as its cache."""
        device = self._torch_device()  # first: the extra and the device, before any hashing
        identity = identify_model(self.model)
        model = self._load_model(identity, device, verify=False)  # digests computed just now
        dim = _dimension(model)
        self.model_identity_ = identity.to_dict()
        type(self).sentence_model_.prime(self, model)
        self.n_features_out_ = dim

    def _load_model(self, identity: ModelIdentity, device: str, verify: bool):
        owner = type(self).__name__
        return load_sentence_model(identity, device, owner, verify=verify, verbose=self.verbose)

    def _torch_device(self) -> str:
        """``device`` resolved ('auto') and checked, as a ValueError that names the options."""
        owner = type(self).__name__
        _import_sentence_transformers(owner)  # an ImportError that names the extra
        import torch

        device = resolve_device(self.device)
        try:
            kind = torch.device(device).type
        except (RuntimeError, TypeError, ValueError):
            raise ValueError(
                f"The 'device' parameter of {owner} must be 'auto' or a torch device such as "
                f"'cpu', 'cuda' or 'cuda:1'. Got {self.device!r} instead."
            ) from None
        if kind == "cuda" and not torch.cuda.is_available():
            raise ValueError(
                f"{owner} was given device={self.device!r}, but torch sees no CUDA GPU here. "
                "Use device='auto' (CUDA where there is a GPU, else the CPU) or 'cpu'."
            )
        return device

    @cached_on("model_identity_", "device")
    def sentence_model_(self):
        """The loaded ``SentenceTransformer`` (a cache, loaded on first use after checks)."""
        check_is_fitted(self)
        return self._load_model(self._identity(), self._torch_device(), verify=True)

    def _identity(self) -> ModelIdentity:
        identity = self.model_identity_
        return ModelIdentity(identity["folder"], dict(identity["files"]))

    # ------------------------------------------------------------ transform
    def transform(self, raw_documents):
        """Encode documents.

        Parameters
        ----------
        raw_documents : iterable of str
            The documents: a list, tuple, 1-D array, pandas Series or generator
            of strings (or bytes). They are encoded in batches of 4,096, so
            temporary memory stays near the size of the output.

        Returns
        -------
        X : ndarray of shape (n_documents, n_features)
            One embedding per document.
        """
        # the base's transform without its set_output wrapper: this one is wrapped
        base = _BaseEmbeddingVectorizer.transform
        return getattr(base, "__wrapped__", base)(self, raw_documents)

    def _transform_documents(self, docs: list) -> np.ndarray:
        preprocess = self.build_preprocessor()
        texts = [preprocess(doc) for doc in docs]
        bad = next((t for t in texts if not isinstance(t, str)), None)
        if bad is not None:
            raise TypeError(
                f"The preprocessor of {type(self).__name__} returned {type(bad).__name__}; "
                "expected str, the text the model encodes."
            )
        cache = None
        if self.cache is not None:  # the raw embeddings, whatever normalize is
            cache = EmbeddingCache(self.cache, self._identity().digest, False, self.n_features_out_)
        out = encode_texts(texts, self._encode, self.n_features_out_, cache)
        if self.normalize:  # as sentence-transformers' normalize_embeddings: zero rows stay zero
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            np.divide(out, np.maximum(norms, 1e-12), out=out)
        return out

    def _encode(self, texts: list[str]) -> np.ndarray:
        return self.sentence_model_.encode(
            texts,
            batch_size=self.batch_size,
            show_progress_bar=bool(self.verbose),
            convert_to_numpy=True,
        )


def _dimension(model: Any) -> int:
    """The embedding dimension of a loaded model (by encoding one text if it does not say)."""
    for name in ("get_embedding_dimension", "get_sentence_embedding_dimension"):
        method = getattr(model, name, None)
        if method is not None:
            dim = method()
            if dim:
                return int(dim)
    return int(np.asarray(model.encode(["a"], show_progress_bar=False)).shape[1])
