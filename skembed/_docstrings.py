"""Parameter descriptions shared by several estimators, written once.

Each estimator's docstring holds placeholders such as ``{text_params}``; the
:func:`fill_doc` decorator substitutes them, so a shared parameter is described
in one place and reads the same everywhere.
"""

from __future__ import annotations

import textwrap

_DOCS = {
    "text_params": """\
encoding : str, default='utf-8'
    Encoding used to decode ``bytes`` documents.
decode_error : {'strict', 'ignore', 'replace'}, default='strict'
    What to do when a ``bytes`` document has characters outside ``encoding``.
    With 'strict' a ``ValueError`` names the document.
strip_accents : {'ascii', 'unicode'} or callable, default=None
    Remove accents during preprocessing, as in
    :class:`~sklearn.feature_extraction.text.CountVectorizer`.
lowercase : bool, default=True
    Convert all characters to lowercase before tokenizing.
preprocessor : callable, default=None
    Override the preprocessing (string transformation) stage while keeping
    the tokenizing stage. Only applies if ``analyzer='word'``.
tokenizer : callable, default=None
    Override the string tokenization step while keeping the preprocessing
    steps. Only applies if ``analyzer='word'``.
stop_words : {'english'}, list, default=None
    Stop words removed from the tokens, as in ``CountVectorizer``.
token_pattern : str, default=r"(?u)\\b\\w\\w+\\b"
    Regular expression denoting what constitutes a token; only used if
    ``analyzer='word'`` and ``tokenizer`` is None.
analyzer : 'word' or callable, default='word'
    'word' builds scikit-learn's word analyzer from the parameters above. A
    callable receives each document exactly as given and returns its tokens,
    so pre-tokenized documents work with ``analyzer=lambda tokens: tokens``.""",
    "pooling_params": """\
pooling : {'mean', 'sum', 'max', 'min'} or tuple of those, default='mean'
    How the word vectors of a document are combined. A tuple concatenates
    the pooled vectors in its order, e.g. ``('mean', 'max')`` gives
    ``2 * dim`` features.
weighting : {None, 'tfidf', 'sif'}, default=None
    Word weights for 'sum' and 'mean' pooling, learned from the training
    documents. 'tfidf' multiplies each count by the smoothed IDF
    ``ln((1 + n) / (1 + df)) + 1`` and 'mean' becomes the IDF-weighted
    average. 'sif' is the smooth inverse frequency of Arora et al. (2017),
    ``sif_alpha / (sif_alpha + p(w))``, averaged over the document's tokens,
    followed by the removal of the first principal component of the training
    document vectors if ``sif_remove_pc``. 'max' and 'min' ignore weights.
sif_alpha : float, default=1e-3
    The smoothing constant ``a`` of SIF weights.
sif_remove_pc : bool, default=True
    With ``weighting='sif'``, remove the projection on the first principal
    component (learned in ``fit``) from every document vector.
oov : {'ignore', 'zero', 'random', 'subword'}, default={oov_default}
    What an unknown (out-of-vocabulary) token contributes. 'ignore' skips it;
    'zero' counts it as a zero vector (it dilutes the mean); 'random' gives
    it a fixed U[-0.25, 0.25] vector that depends only on the word and
    ``random_state``; 'subword' averages its character n-gram vectors
    (fastText models only). A document with no usable token gets a zero row.""",
    # The same concept for a network, with its own values: a network has a
    # row for every id, so there is nothing to skip ('ignore') and no pooling
    # to dilute ('zero'); no value is shared with the vectorizers' oov.
    "classifier_oov": """\
oov : {'unknown', 'pretrained'}, default='unknown'
    What an unknown (out-of-vocabulary) word of a document to predict gets: a
    word outside ``vocabulary_`` (not in the training documents, or seen
    fewer than ``min_count`` times). 'unknown': the network's unknown row,
    zero at the start and trained on the training words below ``min_count``
    (the nearest to the vectorizers' 'zero', but learned). 'pretrained', in
    the modes with pretrained vectors: its pretrained vector, in both
    channels, when it has one (else the unknown row), as in Kim's setup,
    whose vocabulary included the test sentences; the fitted estimator then
    keeps the vectors of every other pretrained word (``pretrained_vectors_``,
    as large as the pretrained matrix). On MR and SST-2 this made no
    measurable difference (see the benchmark page), hence the lighter
    default. Mode 'rand' always uses the unknown row. The vectorizers' values
    ('ignore', 'zero', 'random', 'subword') say how a pooling treats such a
    word; these two are the network's own, none in common with them.""",
    "common_params": """\
norm : {'l2'} or None, default=None
    Normalise each output row to unit Euclidean length (zero rows stay zero).
dtype : {np.float32, np.float64}, default=np.float32
    Type of the output matrix.
random_state : int, RandomState instance or None, default=None
    Seeds training and the random vectors. With an int and ``n_jobs=1`` the
    fitted vectors and the output are identical in every run and process,
    whatever ``PYTHONHASHSEED`` is. With several workers gensim's threads
    interleave updates in an order that depends on scheduling, so results
    vary slightly from run to run.
n_jobs : int, default=None
    Number of gensim worker threads for training, and of processes for
    ``transform`` on Linux, where worker processes forked from this one each
    transform a contiguous slice of the documents (at least 4,096 each) and
    send their rows back; the output is the same, bit for bit. None means 1;
    -1 means all processors.
verbose : int, default=0
    If positive, show progress (epochs, words per second) during ``fit``.""",
    "fitted_store": """\
word_vectors_ : WordVectors
    The fitted word vectors (words, float32 matrix, n-gram table): the
    estimator's fitted state. The next three attributes are views of it.
vocabulary_ : dict
    A mapping of words to rows of ``vectors_``.
vectors_ : ndarray of shape (n_words, dim), dtype float32
    The word vectors.
keyed_vectors_ : gensim.models.KeyedVectors
    A read-only gensim view of ``vectors_`` for ``most_similar``,
    ``similarity`` and analogies (built on first access; not stored).""",
    "fitted_pooling": """\
weights_ : ndarray of shape (n_words,) or None
    The word weights learned in ``fit`` (IDF or SIF), or None.
oov_weight_ : float or None
    The weight of a word not seen in the training documents.
sif_components_ : ndarray of shape (1, n_features) or None
    The principal component removed by SIF.""",
}


# The classifiers' text parameters: the same meaning, two defaults of their own.
_DOCS["network_text_params"] = (
    _DOCS["text_params"]
    .replace(
        """lowercase : bool, default=True
    Convert all characters to lowercase before tokenizing.""",
        """lowercase : bool, default=False
    Convert all characters to lowercase before tokenizing. The network
    learns an embedding per cased word ("Who" starting a question, "US"
    against "us"); Kim (2014) kept TREC's case too. A cased word missing
    from ``vectors`` starts from the vector of its lowercase form, so
    uncased vectors such as GloVe cover "The" through "the".""",
    )
    .replace(
        """token_pattern : str, default=r"(?u)\\b\\w\\w+\\b"
    Regular expression denoting what constitutes a token; only used if
    ``analyzer='word'`` and ``tokenizer`` is None.""",
        """token_pattern : str, default=r"(?u)\\w+(?:[-'.]\\w+)*|'\\w+|[^\\w\\s]+"
    Regular expression denoting what constitutes a token; only used if
    ``analyzer='word'`` and ``tokenizer`` is None. The default keeps what
    ``CountVectorizer``'s drops and a network reads: one-letter words,
    clitics ("'s") and each run of punctuation ("!", "?", "..."), with
    inner hyphens, apostrophes and dots kept in a word ("didn't",
    "well-made").""",
    )
)
assert _DOCS["network_text_params"].count("default=False") == 1
assert "[^\\w\\s]+" in _DOCS["network_text_params"]


def _substitute(doc: str, snippets: dict[str, str]) -> str:
    for key, text in snippets.items():
        placeholder = "{" + key + "}"
        text = textwrap.dedent(text)
        while placeholder in doc:
            i = doc.index(placeholder)
            line_start = doc.rfind("\n", 0, i) + 1
            indent = doc[line_start:i]
            body = textwrap.indent(text, indent)[len(indent) :]
            doc = doc[:i] + body + doc[i + len(placeholder) :]
    return doc


def doc_filler(snippets: dict[str, str]):
    """A decorator substituting ``{key}`` placeholders in a docstring by ``snippets[key]``.

    Each snippet is indented to the placeholder's column.
    """

    def decorate(obj):
        obj.__doc__ = _substitute(obj.__doc__, snippets)
        return obj

    return decorate


def fill_doc(obj):
    """Substitute the shared estimator parameter descriptions into ``obj.__doc__``."""
    doc = _substitute(obj.__doc__, _DOCS)
    obj.__doc__ = doc.replace("{oov_default}", getattr(obj, "_oov_default", "'ignore'"))
    return obj
