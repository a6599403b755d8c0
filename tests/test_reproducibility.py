"""random_state reproduces exactly across processes, whatever PYTHONHASHSEED is."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import hashlib, sys
    from gensim.test.utils import datapath
    from skembed import Doc2VecVectorizer, FastTextVectorizer, Word2VecVectorizer

    docs = open(datapath("lee_background.cor"), encoding="utf-8").read().splitlines()[:120]
    docs = docs + ["unseen qwzx words here"]
    common = dict(vector_size=12, min_count=2, epochs=2, random_state=11, n_jobs=1)
    models = {
        "w2v": Word2VecVectorizer(oov="random", sg=1, **common),
        "w2v-cbow-sif": Word2VecVectorizer(weighting="sif", **common),
        "ft": FastTextVectorizer(bucket=20000, **common),
        "d2v": Doc2VecVectorizer(**common),
    }
    for name, est in models.items():
        X = est.fit_transform(docs)
        print(name, hashlib.sha256(X.tobytes()).hexdigest())
    """
)


def _run(hashseed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": hashseed}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout


@pytest.mark.parametrize("seeds", [("0", "1"), ("random", "12345")])
def test_same_output_in_other_processes_and_hash_seeds(seeds):
    a, b = (_run(s) for s in seeds)
    assert len(a.splitlines()) == 4
    assert a == b


def test_different_random_state_changes_output(lee_corpus):
    from skembed import Word2VecVectorizer

    X = [
        Word2VecVectorizer(vector_size=8, min_count=2, epochs=1, random_state=r).fit_transform(
            lee_corpus[:100]
        )
        for r in (0, 1)
    ]
    assert hashlib.sha256(X[0].tobytes()).digest() != hashlib.sha256(X[1].tobytes()).digest()
