"""Parameter descriptions shared by several estimators, written once.

Each estimator's docstring holds placeholders such as ``{text_params}``; the
:func:`fill_doc` decorator substitutes them, so a shared parameter is described
in one place and reads the same everywhere.
"""

from __future__ import annotations

import inspect
import re
import textwrap

from ._params import order_parameters

_DOCS = {
    "decode_params": """\
encoding : str, default='utf-8'
    Encoding used to decode ``bytes`` documents.
decode_error : {'strict', 'ignore', 'replace'}, default='strict'
    What to do when a ``bytes`` document has characters outside ``encoding``.
    With 'strict' a ``ValueError`` names the document.""",
    "text_params": """\
{decode_params}
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
oov : {'ignore', 'zero', 'random', 'subword'}, default={default:oov}
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
    as large as the pretrained matrix, hence the lighter default). With
    TextCNN 'non-static' and word vectors distilled from all-MiniLM-L6-v2,
    'pretrained' gained 0.9 points on SST-2 trained on phrases (85.43
    against 84.55, every one of 3 seeds higher), 0.4 on SST-2's sentences
    and 0.1 / 0.0 on MR / TREC (``docs/textcnn_benchmark.md``). Mode
    'rand' always uses the unknown row. The vectorizers' values ('ignore',
    'zero', 'random', 'subword') say how a pooling treats such a word;
    these two are the network's own, none in common with them.""",
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
    The principal component removed by SIF.
n_features_out_ : int
    Number of output features.""",
}

_DOCS["text_params"] = _DOCS["text_params"].replace("{decode_params}", _DOCS["decode_params"])
# The parameters of every pooled vectorizer, in their order.
_DOCS["pooled_params"] = "\n".join(
    [_DOCS["pooling_params"], _DOCS["text_params"], _DOCS["common_params"]]
)
# The Parameters (and Returns) of the text estimators' fit and fit_transform.
_DOCS["fit_params"] = """\
Parameters
----------
raw_documents : iterable of str
    The training documents: a list, tuple, 1-D array, pandas Series or
    generator of strings (or of anything ``analyzer`` accepts).
y : None
    Ignored.

Returns
-------
self : object
    The fitted estimator."""
_DOCS["fit_transform_params"] = """\
Equal to ``fit(raw_documents).transform(raw_documents)``, but tokenizes
the documents once.

Parameters
----------
raw_documents : iterable of str
    The training documents.
y : None
    Ignored."""
# The Parameters of a classifier's predict, predict_proba, decision_function...
_DOCS["predict_params"] = """\
Parameters
----------
X : iterable of str
    The documents: a list, tuple, 1-D array, pandas Series or generator of
    strings, read in batches of 512."""

#: gensim's training parameters, one description each (gensim's names and defaults).
_GENSIM_PARAMS = {
    "vector_size": """\
vector_size : int, default=100
    Dimensionality of the word vectors.""",
    "window": """\
window : int, default=5
    Maximum distance between the current and the predicted word.""",
    "min_count": """\
min_count : int, default=5
    Ignore words with a total frequency lower than this.""",
    "max_vocab_size": """\
max_vocab_size : int, default=None
    Limit the RAM used while building the vocabulary (prunes the rarest
    words); None means no limit.""",
    "max_final_vocab": """\
max_final_vocab : int, default=None
    Keep at most this many words, choosing a matching ``min_count``.""",
    "sample": """\
sample : float, default=1e-3
    Threshold for down-sampling frequent words (0 disables it).""",
    "alpha": """\
alpha : float, default=0.025
    Initial learning rate.""",
    "min_alpha": """\
min_alpha : float, default=1e-4
    The learning rate drops linearly to this value.""",
    "sg": """\
sg : {0, 1}, default=0
    1 for skip-gram, 0 for CBOW.""",
    "hs": """\
hs : {0, 1}, default=0
    1 for hierarchical softmax.""",
    "negative": """\
negative : int, default=5
    Number of noise words drawn for negative sampling (0 disables it).""",
    "ns_exponent": """\
ns_exponent : float, default=0.75
    Noise words are drawn with probability proportional to ``count **
    ns_exponent``; between -16 and 16 (beyond, the powers overflow).""",
    "cbow_mean": """\
cbow_mean : {0, 1}, default=1
    With CBOW, 1 averages the context vectors, 0 sums them.""",
    "epochs": """\
epochs : int, default=5
    Number of passes over the documents.""",
    "shrink_windows": """\
shrink_windows : bool, default=True
    Draw the effective window size uniformly from ``[1, window]`` per word.""",
}


def _gensim_params(*names: str) -> str:
    return "\n".join(_GENSIM_PARAMS[name] for name in names)


_DOCS["word2vec_params"] = _gensim_params(*_GENSIM_PARAMS)
# Doc2Vec describes its own vector_size and epochs (document vectors, 10 epochs)
_DOCS["doc2vec_gensim_params"] = _gensim_params(
    *"window min_count max_vocab_size sample alpha min_alpha hs negative ns_exponent".split()
)

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

_DOCS["scale_vectors"] = """\
scale_vectors : bool, default=True
    Multiply the pretrained vectors by one factor, so that their coordinates
    have the standard deviation of U[-0.25, 0.25] (0.144): the scale of the
    word2vec vectors Kim (2014) matched his random rows to. The factor is a
    property of ``vectors`` (the standard deviation of their coordinates,
    over at most 100,000 evenly spaced rows), not of the training documents.
    The optimizer's steps then weigh the same for vectors of any scale
    (GloVe's coordinates are about 4 times larger, the unit-norm word
    vectors of a sentence transformer 3 times smaller). Cosines and
    neighbours are unchanged. With the word vectors of all-MiniLM-L6-v2,
    TextCNN's 'non-static' gained 0.8 to 1.2 points on MR, SST-2 and TREC
    (mean of 3 seeds; ``docs/textcnn_benchmark.md``). False uses the vectors
    as given."""

_DOCS["init_scale"] = """\
init_scale : float, default={default:init_scale}
    The random rows of the embeddings (every row in mode 'rand'; the words
    without a pretrained vector in the other modes) are drawn from
    U[-init_scale, init_scale]. With Adam a step moves each coordinate by
    about the learning rate whatever its scale, so smaller random rows give
    way sooner to what the training documents say. Pretrained rows are
    scaled by ``scale_vectors`` instead."""

_DOCS["embedding_lr"] = """\
embedding_lr : float or None, default=None
    Learning rate of the word embedding layer (the rows initialised from
    ``vectors``, or at random; the embedding bag's n-gram table keeps
    ``lr``). A smaller rate keeps tuned pretrained vectors near what they
    knew: with Adam a step moves each coordinate by about the rate, and a
    pretrained row's coordinates are about 0.14 (``scale_vectors``)."""

# The rest of the classifiers' parameters and fitted attributes, the same in both.
_DOCS["network_params"] = (
    """\
batch_size : int, default={default:batch_size}
    Documents per training mini-batch.
max_epochs : int, default={default:max_epochs}
    Most passes over the training documents (per ``fit`` call).
validation_fraction : float or None, default=0.1
    Share of the training documents held out, stratified by class when
    every class has two documents or more, to stop early and to choose the
    epoch whose weights are kept: the first one with the highest
    validation accuracy, Kim's criterion (the validation loss is a poor
    guide here: it starts to rise, as the network grows confident, epochs
    before the accuracy stops improving). Ignored when ``fit`` receives
    ``X_val`` and ``y_val``. None trains on every document for
    ``max_epochs`` epochs.
patience : int, default={default:patience}
    Stop after this many epochs without a higher validation accuracy.
class_weight : dict, 'balanced' or None, default=None
    Weights of the classes in the cross-entropy loss, as in
    ``LogisticRegression``: ``{label: weight}`` (missing labels weigh 1),
    'balanced' (``n_samples / (n_classes * np.bincount(y))``) or None.
device : str or torch.device, default='auto'
    Torch device for training and prediction: 'cpu', 'cuda' (or
    'cuda:<index>'), 'mps', another accelerator that torch reports
    available, or a ``torch.device``; 'auto' is 'cuda' when a GPU is
    available, else 'cpu'. It is checked when ``fit``, ``predict`` and the
    other methods run, so a model fitted on a GPU and loaded on a machine
    without one raises a ValueError that says to set ``device='cpu'``. The
    fitted weights are stored on the CPU whatever the device.
warm_start : bool, default=False
    When True and the estimator is fitted, ``fit`` continues training the
    fitted network (same vocabulary and classes, optimizer state kept
    within the process) for up to ``max_epochs`` more epochs.
"""
    + _DOCS["network_text_params"]
    + """
random_state : int, RandomState instance or None, default=None
    Seeds the initial weights, the validation split, the order of the
    mini-batches and dropout. With an int, fitting on the CPU gives the
    same model, and the same predictions, in every run. The global torch
    random state is left as it was.
verbose : int, default=0
    If positive, print one line per epoch: epoch, training loss,
    validation accuracy and loss, seconds."""
)
_DOCS["network_fitted"] = """\
classes_ : ndarray of shape (n_classes,)
    The class labels.
vocabulary_ : dict
    A mapping of words to rows of ``vectors_``.
vectors_ : ndarray of shape (n_words, embedding_dim), dtype float32
    The (fine-tuned) word embeddings of ``vocabulary_``, so the fitted
    classifier can serve as ``vectors`` of another skembed estimator.
pretrained_coverage_ : float or None
    Share of the vocabulary that had a pretrained vector (None for 'rand').
pretrained_vocabulary_ : dict or None
    The pretrained words outside ``vocabulary_``, mapped to rows of
    ``pretrained_vectors_`` (None for 'rand' or ``oov='unknown'``).
pretrained_vectors_ : ndarray of shape (n_pretrained_words, embedding_dim) or None
    Their vectors, used for words unseen in training.
history_ : list of dict
    One entry per epoch trained: 'epoch', 'train_loss', 'valid_loss',
    'valid_acc', 'dur' (seconds) and skorch's bookkeeping.
n_epochs_ : int
    Epochs trained, all ``fit`` calls of a warm start together.
best_epoch_ : int
    The epoch whose weights were kept."""


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
    """Substitute the shared descriptions into ``obj.__doc__``; for a class, into its methods' too.

    ``{default:name}`` becomes the declared default of the parameter ``name``
    (:mod:`skembed._params`), so a docstring cannot drift from the signature.
    """
    fields = getattr(obj, "__dataclass_fields__", {})
    if isinstance(obj, type):
        for method in vars(obj).values():
            if inspect.isfunction(method) and method.__doc__:
                method.__doc__ = _substitute(method.__doc__, _DOCS)
    doc = _substitute(obj.__doc__, _DOCS)
    obj.__doc__ = re.sub(r"\{default:(\w+)\}", lambda m: repr(fields[m.group(1)].default), doc)
    if fields:
        order_parameters(obj, list(documented_parameters(obj.__doc__)))
    return obj


def documented_parameters(doc: str) -> dict[str, str]:
    """``{name: default text}`` of the numpydoc Parameters section of ``doc``, in its order.

    The text is what follows ``default=`` on the entry's first line ("" without one).
    """
    lines = inspect.cleandoc(doc).splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == "Parameters"), None)
    out: dict[str, str] = {}
    if start is None:
        return out
    for line in lines[start + 2 :]:
        if line and not line.startswith(" ") and " : " not in line:
            break  # the next section's title
        match = re.match(r"(\w+) : (?:.*?default=(.+)$)?", line)
        if match:
            out[match.group(1)] = (match.group(2) or "").strip()
    return out
