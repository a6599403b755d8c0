"""The command line, run as users run it: ``python -m skembed ...`` in a subprocess."""

from __future__ import annotations

import subprocess
import sys

import pytest


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "skembed", *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def glove_store(tmp_path_factory, glove_subset):
    """GloVe (20,000 words) written as GloVe text, converted by the CLI."""
    from gensim.models import KeyedVectors

    words, matrix = glove_subset
    d = tmp_path_factory.mktemp("cli")
    kv = KeyedVectors(50)
    kv.add_vectors(words, matrix)
    src = d / "glove.6B.50d.txt"
    kv.save_word2vec_format(str(src), write_header=False)
    res = run("convert", str(src), str(d / "store"))
    assert res.returncode == 0, res.stderr
    return d / "store"


def test_train_similar_round_trip(tmp_path, lee_corpus):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(lee_corpus), encoding="utf-8")
    out = tmp_path / "vectors"
    res = run(
        "train",
        str(corpus),
        "--model",
        "fasttext",
        "--bucket",
        "5000",
        "--min-count",
        "2",
        "--epochs",
        "1",
        "--out",
        str(out),
    )
    assert res.returncode == 0, res.stderr
    assert "words x 100 written" in res.stdout
    assert "epoch" in res.stderr  # progress is shown
    res = run("similar", str(out), "fire", "--topn", "4")
    assert res.returncode == 0, res.stderr
    assert len(res.stdout.strip().splitlines()) == 2 + 4


def test_convert_and_evaluate_real_glove(glove_store):
    res = run("similar", str(glove_store), "king", "--topn", "5")
    assert res.returncode == 0 and "queen" in res.stdout
    res = run("evaluate", str(glove_store), "--restrict-vocab", "5000")
    assert res.returncode == 0, res.stderr
    rows = {line.split("|")[1].strip(): line for line in res.stdout.splitlines()[2:]}
    wordsim = float(rows["WordSim353"].split("|")[3])
    assert wordsim > 0.4  # GloVe 6B 50-d: about 0.5 on WordSim353
    analogies = float(rows["Google analogies"].split("|")[3])
    assert analogies > 0.2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("train", "/nonexistent/corpus.txt", "--out", "x"), "corpus file not found"),
        (("similar", "/nonexistent/store", "word"), "No such vectors store"),
        (("convert", "/nonexistent/vectors.bin", "out"), "not found"),
    ],
)
def test_errors_are_one_line_without_traceback(args, message):
    res = run(*args)
    assert res.returncode == 1
    assert message in res.stderr
    assert "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_bad_parameter_is_a_usage_error():
    res = run("train", "corpus.txt", "--model", "bert", "--out", "x")
    assert res.returncode == 2 and "invalid choice" in res.stderr
    assert "Traceback" not in res.stderr


def test_unknown_word(glove_store):
    res = run("similar", str(glove_store), "qwzxqwzx")
    assert res.returncode == 1 and "not in the vocabulary" in res.stderr


def test_demo_compares_pipelines_on_mr():
    from conftest import KIM2014

    if not (KIM2014 / "rt-polarity.all").exists():
        pytest.skip("the Kim (2014) data folder is absent")
    res = run("demo", "--folds", "1", "--data-home", str(KIM2014))
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    rows = {line.split("|")[1].strip(): line.split("|")[2] for line in lines if "+ LR" in line}
    assert {"TF-IDF (1-2 grams) + LR", "Word2Vec mean + LR"} <= set(rows)
    accuracy = {k: float(v.split("+-")[0]) for k, v in rows.items()}
    assert 60 < accuracy["Word2Vec mean + LR"] < accuracy["TF-IDF (1-2 grams) + LR"] < 90
