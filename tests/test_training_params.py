"""gensim training parameters: refused before training when gensim cannot take them.

gensim's Cython routines keep ``vector_size``, ``window``, ``negative`` and
``epochs`` in C ints and the learning rate in float32; a training thread that
raises leaves gensim's epoch loop waiting forever. Scenarios that hung (or
crashed) before the fix run in a thread or a subprocess with a timeout, so a
regression fails instead of blocking the suite.
"""

from __future__ import annotations

import resource
import subprocess
import threading
import time

import numpy as np
import pytest
from scripts import run_python as run_child
from sklearn.utils._param_validation import InvalidParameterError

from skembed import Doc2VecVectorizer, FastTextVectorizer, Word2VecVectorizer, _gensim
from skembed._io import physical_memory
from skembed.vectors import open_vectors

DOCS = ["the cat sat on the mat", "the dog sat on the log", "a cat and a dog"] * 10
TINY = dict(vector_size=8, min_count=1, epochs=1, random_state=0)
ESTIMATORS = {
    Word2VecVectorizer: TINY,
    FastTextVectorizer: {**TINY, "bucket": 500},
    Doc2VecVectorizer: TINY,
}
TIMEOUT = 30  # seconds; each scenario takes well under one
C_INT_MAX = 2**31 - 1
MAX_WINDOW = C_INT_MAX - 10_000  # gensim computes i + window + 1 in C, i < 10,000


def finishes(fn, timeout: float = TIMEOUT):
    """Run ``fn`` in a daemon thread: its result (or error), or fail if it is still running."""
    outcome: dict = {}

    def target():
        try:
            outcome["value"] = fn()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        pytest.fail(f"still running after {timeout} s: a training thread died and fit waits")
    return outcome


def fit_error(est, docs=DOCS) -> BaseException | None:
    return finishes(lambda: est.fit(docs)).get("error")


# ----------------------------------------------------------------- C int bounds
@pytest.mark.parametrize(
    ("cls", "param", "value", "bounds"),
    [
        (Word2VecVectorizer, "window", 2**31, "[1, 2147473647]"),
        (FastTextVectorizer, "window", 2**31, "[1, 2147473647]"),
        (Doc2VecVectorizer, "window", 2**31, "[1, 2147473647]"),
        # i + window + 1 wraps around in C: the words train on no context, silently
        (Word2VecVectorizer, "window", 2**31 - 1, "[1, 2147473647]"),
        (Word2VecVectorizer, "negative", 2**31, "[0, 2147483646]"),
        (FastTextVectorizer, "negative", 2**31, "[0, 2147483646]"),
        (Doc2VecVectorizer, "negative", 2**31, "[0, 2147483646]"),
        (Word2VecVectorizer, "vector_size", 2**40, "[1, 2147483647]"),
        (Doc2VecVectorizer, "epochs", 2**31, "[1, 2147483647]"),
        (FastTextVectorizer, "min_n", 2**32, "[1, 4294967295]"),
        (FastTextVectorizer, "max_n", 2**32, "[0, 4294967295]"),
        (FastTextVectorizer, "bucket", 2**32 + 1, "[0, 4294967296]"),
        (Doc2VecVectorizer, "infer_epochs", 2**31, "[1, 2147483647]"),
        (Word2VecVectorizer, "n_jobs", 0, "(-inf, -1]"),
    ],
)
def test_int_params_beyond_gensim_types_are_refused(cls, param, value, bounds):
    err = fit_error(cls(**{**ESTIMATORS[cls], param: value}))
    assert isinstance(err, InvalidParameterError), repr(err)
    expected = f"The '{param}' parameter of {cls.__name__} must be an int in the range {bounds}"
    assert str(err).startswith(expected), str(err)
    assert str(err).endswith(f"Got {value!r} instead.")


def test_largest_window_still_trains():
    # with shrink_windows=False any window past the documents' length is the whole document
    docs = ["alpha beta gamma delta epsilon zeta eta theta"] * 20
    kwargs = dict(TINY, shrink_windows=False)
    whole = Word2VecVectorizer(window=50, **kwargs).fit_transform(docs)
    largest = Word2VecVectorizer(window=MAX_WINDOW, **kwargs).fit_transform(docs)
    np.testing.assert_array_equal(largest, whole)
    err = fit_error(Word2VecVectorizer(window=MAX_WINDOW + 1, **kwargs), docs)
    assert isinstance(err, InvalidParameterError)


# ----------------------------------------------------------------- floats
@pytest.mark.parametrize("cls", list(ESTIMATORS))
def test_float_params_refuse_nan_inf_and_overflowing_values(cls):
    bad = {
        "ns_exponent": [np.nan, np.inf, -np.inf, 1000.0, -1000.0],
        "sample": [np.nan, np.inf, 1e308],
        "alpha": [np.nan, np.inf],
        "min_alpha": [np.nan, np.inf],
    }
    if cls is not Doc2VecVectorizer:
        bad["sif_alpha"] = [np.nan, np.inf]
    for param, values in bad.items():
        for value in values:
            err = fit_error(cls(**{**ESTIMATORS[cls], param: value}))
            assert isinstance(err, InvalidParameterError), (param, value, repr(err))
            assert f"The '{param}' parameter of {cls.__name__} must be a float" in str(err)
    for value in (-16.0, 16.0):  # the bounds themselves train
        X = cls(**{**ESTIMATORS[cls], "ns_exponent": value}).fit_transform(DOCS)
        assert np.isfinite(X).all()


def test_learning_rate_beyond_float32_is_refused():
    # gensim's float32 learning rate becomes inf, the weights NaN: a segfault, hence a subprocess
    script = (
        "from skembed import Word2VecVectorizer\n"
        "try:\n"
        "    Word2VecVectorizer(vector_size=8, min_count=1, epochs=1, alpha=1e39)"
        ".fit(['the cat sat on the mat'] * 20)\n"
        "except ValueError as exc:\n"
        "    print(exc)\n"
    )
    res = run_python(["-c", script])
    assert res.returncode == 0, (res.returncode, res.stderr[-2000:])
    assert "The 'alpha' parameter of Word2VecVectorizer must be a float in the range" in res.stdout


# ----------------------------------------------------------------- dead training threads
class FailsOnSecondPass:
    """A corpus that can be read once (the vocabulary scan), then fails while training."""

    def __init__(self, docs):
        self.docs = docs
        self.passes = 0

    def __iter__(self):
        self.passes += 1
        if self.passes > 1:
            raise OSError("the corpus went away")
        return iter(self.docs)


def _gensim_case(case: str, tmp_path):
    from gensim.models import FastText, Word2Vec
    from gensim.models.doc2vec import Doc2Vec, TaggedDocument

    tokens = [doc.split() for doc in DOCS]
    small = dict(vector_size=8, min_count=1, epochs=3)
    if case == "worker-iterable":  # window: value too large to convert to C int
        return Word2Vec(window=2**31, workers=3, **small), {"corpus_iterable": tokens}
    if case == "worker-corpus-file":
        path = tmp_path / "corpus.txt"
        path.write_text("\n".join(DOCS) + "\n", encoding="utf-8")
        model = FastText(negative=2**31, bucket=100, workers=2, **small)
        return model, {"corpus_file": str(path)}
    if case == "worker-doc2vec":
        tagged = [TaggedDocument(t, [i]) for i, t in enumerate(tokens)]
        return Doc2Vec(window=2**31, workers=2, **small), {"corpus_iterable": tagged}
    if case == "job-producer":
        return Word2Vec(workers=2, **small), {"corpus_iterable": FailsOnSecondPass(tokens)}
    raise AssertionError(case)


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("worker-iterable", OverflowError),
        ("worker-corpus-file", OverflowError),
        ("worker-doc2vec", OverflowError),
        ("job-producer", OSError),
    ],
)
def test_dead_training_thread_ends_training_with_its_error(case, error, tmp_path):
    # values the estimators refuse, given to gensim directly: the threads really raise
    model, corpus = _gensim_case(case, tmp_path)
    before = set(threading.enumerate())
    outcome = finishes(lambda: _gensim.train(model, corpus, name="test", verbose=0, min_count=1))
    assert isinstance(outcome.get("error"), error), outcome
    deadline = time.monotonic() + 10  # gensim's threads all finish: none is left blocked
    while time.monotonic() < deadline and set(threading.enumerate()) - before:
        time.sleep(0.05)
    assert not set(threading.enumerate()) - before
    assert not {"_worker_loop", "_train_epoch", "prepare_weights"} & set(vars(model))


# ----------------------------------------------------------------- fastText without n-grams
@pytest.mark.parametrize(
    ("params", "why"),
    [
        (dict(max_n=2), "max_n=2 < min_n=3"),
        (dict(max_n=0), "max_n=0 < min_n=3"),
        (dict(bucket=0), "bucket=0"),
    ],
)
def test_fasttext_subword_oov_without_ngrams_is_refused_before_training(params, why):
    docs = iter(DOCS)
    with pytest.raises(ValueError, match=rf"oov='subword' needs .*{why}.* oov='ignore'"):
        FastTextVectorizer(**{**ESTIMATORS[FastTextVectorizer], **params}).fit(docs)
    assert next(docs) == DOCS[0]  # not a document was read
    vec = FastTextVectorizer(**{**ESTIMATORS[FastTextVectorizer], **params}, oov="zero")
    X = vec.fit_transform(DOCS)
    assert vec.subwords_ is None and np.isfinite(X).all()


# ----------------------------------------------------------------- Doc2Vec dm_concat
@pytest.mark.parametrize(("hs", "negative"), [(0, 5), (1, 0), (1, 3)])
def test_doc2vec_dm_concat_fits_and_infers(hs, negative, lee_corpus):
    from gensim.models.doc2vec import Doc2Vec, TaggedDocument

    docs = lee_corpus[:60]
    params = dict(dm_concat=1, min_count=1, vector_size=8, window=2, epochs=2, random_state=0)
    vec = Doc2VecVectorizer(hs=hs, negative=negative, **params)
    X = vec.fit_transform(docs)
    assert np.isfinite(X).all() and np.abs(X).sum(axis=1).min() > 0
    np.testing.assert_array_equal(vec.transform(docs), X)
    np.testing.assert_array_equal(vec.transform(docs[::-1]), X[::-1])
    refit = Doc2VecVectorizer(hs=hs, negative=negative, **params).fit(docs)
    np.testing.assert_array_equal(refit.transform(docs), X)
    # inference runs on the vocabulary gensim trained: same order (with its '\0' padding
    # word among the rarest words), counts, down-sampling, Huffman codes and noise table
    analyzer = vec.build_analyzer()
    trained = Doc2Vec(
        dm_concat=1, min_count=1, vector_size=8, window=2, hs=hs, negative=negative, seed=0
    )
    trained.build_vocab([TaggedDocument(list(analyzer(d)), [i]) for i, d in enumerate(docs)])
    rebuilt = vec._inference_model
    assert rebuilt.wv.index_to_key == trained.wv.index_to_key
    assert "\0" in rebuilt.wv.index_to_key[:-1]  # not simply appended last
    for name, values in trained.wv.expandos.items():
        for got, want in zip(rebuilt.wv.expandos[name], values, strict=True):
            np.testing.assert_array_equal(got, want)
    if negative:
        np.testing.assert_array_equal(rebuilt.cum_table, trained.cum_table)


def test_doc2vec_dm_concat_window_limits():
    # gensim copies the 2 * window context words into a buffer of 10,000 indexes
    err = fit_error(Doc2VecVectorizer(dm_concat=1, window=5001, **TINY))
    assert isinstance(err, ValueError) and "window must be at most 5000" in str(err), err
    err = fit_error(Doc2VecVectorizer(**{**TINY, "dm_concat": 1, "window": 5000, "vector_size": 3}))
    assert err is None
    huge = {**TINY, "dm_concat": 1, "window": 5000, "vector_size": 300_000}
    err = fit_error(Doc2VecVectorizer(**huge))
    assert isinstance(err, ValueError) and "(1 + 2 * window) * vector_size" in str(err), err


# ----------------------------------------------------------------- memory
@pytest.mark.parametrize("cls", list(ESTIMATORS))
def test_weights_larger_than_memory_are_refused_before_allocating(cls):
    words = [f"word{i:03d}" for i in range(1000)]
    docs = [" ".join(words)] * 2
    needed = 4 * len(words) * C_INT_MAX
    memory = physical_memory()
    if memory is None or memory >= needed:
        pytest.skip("the machine's memory is unknown or holds the weights")
    est = cls(**{**ESTIMATORS[cls], "vector_size": C_INT_MAX})
    err = fit_error(est, docs)
    assert isinstance(err, ValueError), repr(err)
    message = str(err)
    assert f"{cls.__name__} would need" in message and "1,000 words" in message
    assert f"this machine's {memory:,} bytes of physical memory" in message


# ----------------------------------------------------------------- command line
def run_python(args, timeout: float = TIMEOUT, limit_memory: int | None = None):
    """``python ARGS`` in its own process group, killed whole on timeout."""

    def setup():
        if limit_memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (limit_memory, limit_memory))

    return run_child(args, timeout=timeout, preexec_fn=setup)


def skembed(capsys, *args) -> subprocess.CompletedProcess:
    """``skembed ARGS`` through :func:`skembed.cli.main`, in this process (in a thread)."""
    from skembed.cli import main

    capsys.readouterr()
    outcome = finishes(lambda: main([str(a) for a in args]))
    error = outcome.get("error")
    if isinstance(error, SystemExit):  # argparse's own errors
        outcome = {"value": error.code}
    elif error is not None:
        raise error  # a traceback for the user
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(args, outcome["value"], out, err)


@pytest.fixture
def corpus_file(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(DOCS) + "\n", encoding="utf-8")
    return path


def assert_one_line_error(res, status: int, *fragments: str) -> None:
    assert res.returncode == status, (res.returncode, res.stderr)
    assert "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    for fragment in fragments:
        assert fragment in res.stderr, res.stderr


@pytest.mark.parametrize(
    ("options", "fragments"),
    [
        (
            ["--vector-size", "35184372088832"],
            ["argument --vector-size: The 'vector_size' parameter", "Got 35184372088832"],
        ),
        (["--window", str(2**31)], ["argument --window: The 'window' parameter"]),
        (["--negative", str(2**31)], ["argument --negative:"]),
        (["--model", "doc2vec", "--negative", str(2**31)], ["of Doc2VecVectorizer"]),
        (["--model", "fasttext", "--min-n", "0"], ["argument --min-n:"]),
        (["--n-jobs", "0"], ["argument --n-jobs:"]),
        (["--seed", "-1"], ["argument --seed: The 'random_state' parameter"]),
        (["--hs", "0", "--negative", "0"], ["hs=0 and negative=0"]),
    ],
)
def test_cli_train_options_are_validated_like_the_estimators(
    capsys, corpus_file, tmp_path, options, fragments
):
    res = skembed(capsys, "train", corpus_file, "--out", tmp_path / "out", "--quiet", *options)
    assert_one_line_error(res, 2, "skembed train: error:", *fragments)
    assert not (tmp_path / "out").exists()


def test_cli_train_refuses_existing_output_before_training(capsys, corpus_file, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    res = skembed(capsys, "train", corpus_file, "--out", tmp_path / "out", "--min-count", "1")
    assert_one_line_error(res, 1, "already exists; pass --overwrite")
    assert "epoch" not in res.stderr  # no progress bar: nothing was trained
    res = skembed(capsys, "train", corpus_file, "--out", tmp_path / "out", "--overwrite")
    assert_one_line_error(res, 1, "Refusing to replace", "choose another --out")
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("options", [["--bucket", "0"], ["--max-n", "2"], ["--max-n", "0"]])
def test_cli_fasttext_without_ngrams_trains_word_vectors(capsys, corpus_file, tmp_path, options):
    out = tmp_path / "out"
    res = skembed(
        capsys, "train", corpus_file, "--model", "fasttext", "--out", out, "--min-count", "1",
        "--vector-size", "8", "--epochs", "1", "--quiet", *options,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "(no n-gram vectors) written to" in res.stdout
    words, vectors, subwords = open_vectors(out)
    assert "cat" in words and vectors.shape[1] == 8 and subwords is None


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["similar", "STORE", "cat", "--topn", "0"], ["argument --topn:", ">= 1, got 0"]),
        (["similar", "STORE", "cat", "--topn", "-3"], ["argument --topn:"]),
        (["evaluate", "STORE", "--restrict-vocab", "0"], ["argument --restrict-vocab:"]),
    ],
)
def test_cli_query_options_are_validated(capsys, tmp_path, args, fragments):
    from skembed.vectors import save_vectors

    store = save_vectors(tmp_path / "store", ["cat", "dog"], np.eye(2, dtype=np.float32))
    res = skembed(capsys, *[str(store) if a == "STORE" else a for a in args])
    assert_one_line_error(res, 2, *fragments)


def test_cli_train_out_of_memory_is_one_line(corpus_file, tmp_path):
    # weights under the physical memory (so the estimators let them through) but over
    # an address-space limit set on the process: numpy's MemoryError
    memory = physical_memory()
    if memory is None or memory < 2**33:
        pytest.skip("needs 8 GiB of physical memory")
    args = ["train", corpus_file, "--out", tmp_path / "out", "--min-count", "1", "--quiet"]
    args += ["--vector-size", "50000000"]
    res = run_python(["-m", "skembed", *map(str, args)], limit_memory=2**31)
    assert_one_line_error(res, 1, "skembed train: error: out of memory")
