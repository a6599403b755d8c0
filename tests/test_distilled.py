"""Word vectors distilled from a real sentence transformer (all-MiniLM-L6-v2), offline.

``distill_word_vectors``, ``DistilledVectorizer`` and ``skembed distill``: the vectors
are the model's own, reproducible across processes, unknown words are encoded the same
way (or fall back, with one warning, when the model is gone), the model is never saved.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import shutil
import sys
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest
from scripts import run_python

import skembed
from skembed.cli import main
from skembed.sentence._distill import distill_word_vectors, fit_pca
from skembed.sentence._model import ModelUnavailableError
from skembed.sentence.distilled import DistilledVectorizer, check_distilled
from skembed.testing import text_estimator_checks
from skembed.vectors import open_vectors

pytest.importorskip("sentence_transformers")

WORDS = ["cat", "dog", "car", "kitten", "automobile", "democracy", "Paris", "running"]
#: Words that none of the documents below contains.
UNSEEN = ["zebra", "photosynthesis", "saxophone"]
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def st_model(minilm_folder):
    """The model loaded by sentence-transformers itself, for reference vectors."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(minilm_folder, device="cpu")


@pytest.fixture(scope="module")
def docs(small_corpus) -> list[str]:
    """About 20 sentences of 3 real news articles (about 300 distinct words)."""
    sentences = [s.strip() for d in small_corpus[:3] for s in re.split(r"(?<=\.) ", d)]
    return [s for s in sentences if s]


@pytest.fixture(scope="module")
def fitted(minilm_folder, docs) -> DistilledVectorizer:
    return DistilledVectorizer(minilm_folder, device="cpu").fit(docs)


@pytest.fixture
def model_copy(minilm_folder, tmp_path) -> str:
    """A copy of the model folder (its large weights linked) that a test may break."""
    src, dst = Path(minilm_folder), tmp_path / "minilm-copy"
    for path in src.rglob("*"):
        target = dst / path.relative_to(src)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif path.stat().st_size > 1 << 20:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    return str(dst)


def _encode_alone(st_model, words) -> np.ndarray:
    return np.stack([st_model.encode([w])[0] for w in words])


# ---------------------------------------------------------------- distill_word_vectors
def test_distilled_vectors_are_the_models_encoding_of_each_word(minilm_folder, st_model):
    wv = distill_word_vectors(minilm_folder, [*WORDS, "cat"], batch_size=3, device="cpu")
    assert wv.words == WORDS  # given order, a repeated word once
    assert wv.matrix.dtype == np.float32 and wv.matrix.shape == (len(WORDS), 384)
    np.testing.assert_allclose(wv.matrix, _encode_alone(st_model, WORDS), atol=2e-6)
    # the same words in another order and other batches of the same size: the same bytes
    again = distill_word_vectors(st_model, WORDS[::-1], batch_size=3)
    for word in WORDS:
        assert again.get_vector(word).tobytes() == wv.get_vector(word).tobytes()


def test_identical_across_processes_and_through_the_cli(minilm_folder, tmp_path):
    """Two fresh interpreters (the library, then ``skembed distill``) give the same bytes."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONHASHSEED": "random"}
    script = (
        "import hashlib\n"
        "from skembed.sentence._distill import distill_word_vectors\n"
        f"wv = distill_word_vectors({minilm_folder!r}, {WORDS!r}, batch_size=3, pca=4,"
        " device='cpu')\n"
        "print(hashlib.sha256(wv.matrix.tobytes()).hexdigest())\n"
    )
    res = run_python(["-c", script], timeout=300, env=env, cwd=str(REPO))
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""  # no progress bar, no load report
    first = res.stdout.strip()

    words = tmp_path / "words.txt"
    words.write_text("\n".join([*WORDS, "", "  cat  "]) + "\n", encoding="utf-8")
    out = tmp_path / "store"
    command = ["-m", "skembed", "distill", minilm_folder, "--words", str(words)]
    command += ["--out", str(out), "--pca", "4", "--batch-size", "3", "--device", "cpu", "-v"]
    res = run_python(command, timeout=300, env=env, cwd=str(REPO))
    assert res.returncode == 0, res.stderr
    assert f"8 words x 4 written to {out}" in res.stdout
    assert "Distilling word vectors" in res.stderr  # progress with -v
    got_words, matrix, _ = open_vectors(out)
    assert got_words == WORDS  # as given: a word list is not lowercased by default
    second = hashlib.sha256(np.asarray(matrix).tobytes()).hexdigest()

    assert first == second
    # in this process torch may run another number of threads (other tests set it), and
    # the order of a matrix product's sums follows the threads: equal to float32 rounding
    here = distill_word_vectors(minilm_folder, WORDS, batch_size=3, pca=4, device="cpu")
    np.testing.assert_allclose(here.matrix, np.asarray(matrix), rtol=0, atol=1e-5)


def test_pca_is_scikit_learns(minilm_folder, st_model):
    from sklearn.decomposition import PCA

    wv, projection = distill_word_vectors(st_model, WORDS, pca=3, return_projection=True)
    raw = distill_word_vectors(st_model, WORDS)
    assert wv.matrix.shape == (len(WORDS), 3) and wv.dim == 3
    assert projection.components.shape == (3, 384) and projection.mean.shape == (384,)
    np.testing.assert_allclose(wv.matrix, PCA(3).fit_transform(raw.matrix), atol=1e-5)
    np.testing.assert_allclose(projection.apply(raw.matrix), wv.matrix, atol=1e-6)
    assert distill_word_vectors(st_model, WORDS, return_projection=True)[1] is None
    with pytest.raises(ValueError, match="pca=9 needs at least 9 distinct words; got 8"):
        distill_word_vectors(st_model, WORDS, pca=9)
    with pytest.raises(ValueError, match="pca=5 needs at least 5 words and dimensions"):
        fit_pca(np.ones((10, 4), dtype=np.float32), 5)


def test_distill_argument_errors(st_model):
    with pytest.raises(TypeError, match="single str"):
        distill_word_vectors(st_model, "cat")
    with pytest.raises(TypeError, match="must be str; got 3"):
        distill_word_vectors(st_model, ["cat", 3])
    with pytest.raises(ValueError, match="words is empty"):
        distill_word_vectors(st_model, [])
    with pytest.raises(ValueError, match="batch_size must be an int >= 1; got 0"):
        distill_word_vectors(st_model, ["cat"], batch_size=0)


# ---------------------------------------------------------------- the estimator: fit
def test_fit_distills_the_training_vocabulary(fitted, docs, minilm_folder, st_model):
    counts = {}
    analyzer = fitted.build_analyzer()
    for doc in docs:
        for token in analyzer(doc):
            counts[token] = counts.get(token, 0) + 1
    assert set(fitted.vocabulary_) == set(counts)
    assert fitted.word_vectors_.words == sorted(counts, key=lambda w: (-counts[w], w))
    np.testing.assert_allclose(
        fitted.vectors_[:20], _encode_alone(st_model, fitted.word_vectors_.words[:20]), atol=2e-6
    )
    assert fitted.model_identity_["folder"] == str(Path(minilm_folder).resolve())
    assert "model.safetensors" in fitted.model_identity_["files"]
    assert fitted.pca_mean_ is None and fitted.pca_components_ is None
    assert fitted.n_features_out_ == 384

    frequent = DistilledVectorizer(minilm_folder, min_count=3, device="cpu").fit(docs)
    assert set(frequent.vocabulary_) == {w for w, n in counts.items() if n >= 3}
    for word in frequent.vocabulary_:  # the same batches' worth of precision
        np.testing.assert_allclose(
            frequent.vectors_[frequent.vocabulary_[word]],
            fitted.vectors_[fitted.vocabulary_[word]],
            atol=2e-6,
        )


def test_pooling_is_the_mean_of_the_word_vectors(fitted):
    doc = "the police said the fire"
    rows = [fitted.vocabulary_[w] for w in ["the", "police", "said", "the", "fire"]]
    expected = fitted.vectors_[rows].mean(axis=0)
    np.testing.assert_allclose(fitted.transform([doc])[0], expected, rtol=1e-5, atol=1e-7)


def test_empty_vocabulary_and_bad_parameters(minilm_folder):
    with pytest.raises(ValueError, match="empty vocabulary: no word .* min_count=5"):
        DistilledVectorizer(minilm_folder, min_count=5).fit(["a cat", "the dog"])
    with pytest.raises(ValueError, match="'device' parameter of DistilledVectorizer .* 'gpu0'"):
        DistilledVectorizer(minilm_folder, device="gpu0").fit(["a cat"])
    with pytest.raises(ValueError, match="'oov' parameter"):
        DistilledVectorizer(minilm_folder, oov="subword").fit(["a cat"])
    with pytest.raises(ValueError, match="pca=400 needs at least 400 distinct words; got 3"):
        DistilledVectorizer(minilm_folder, pca=400).fit(["the cat", "the dog"])


# ---------------------------------------------------------------- unknown words
def test_unknown_words_are_encoded_by_the_model(fitted, st_model):
    for word in UNSEEN:
        assert word not in fitted.vocabulary_
    out = fitted.transform(UNSEEN)
    np.testing.assert_array_equal(out, np.stack([st_model.encode([w])[0] for w in UNSEEN]))
    # a document's vector does not depend on the other documents, nor on earlier calls
    fresh = pickle.loads(pickle.dumps(fitted))  # an empty cache of unknown words
    crowd = ["quantum saxophone zebra", "microscopic photosynthesis of xylophones", UNSEEN[1]]
    alone = fresh.transform([UNSEEN[1]])
    assert fresh.transform(crowd)[2].tobytes() == alone[0].tobytes() == out[1].tobytes()
    mixed = "the zebra and the police"
    assert fitted.transform([mixed]).tobytes() == fresh.transform(["fire", mixed])[1:].tobytes()


def test_unknown_words_are_projected_by_the_pca(minilm_folder, docs, st_model):
    vec = DistilledVectorizer(minilm_folder, pca=16, device="cpu", norm="l2").fit(docs)
    assert vec.vectors_.shape == (len(vec.vocabulary_), 16) and vec.n_features_out_ == 16
    assert vec.pca_components_.shape == (16, 384) and vec.pca_mean_.shape == (384,)
    raw = st_model.encode(["zebra"])[0].astype(np.float64)
    expected = (raw - vec.pca_mean_) @ vec.pca_components_.T.astype(np.float64)
    expected /= np.linalg.norm(expected)
    np.testing.assert_allclose(vec.transform(["zebra"])[0], expected, atol=1e-6)
    # a training word encoded as an unknown one: the same vector, up to batching
    known = vec.vocabulary_["police"]
    np.testing.assert_allclose(
        vec.vectors_[known],
        (st_model.encode(["police"])[0] - vec.pca_mean_) @ vec.pca_components_.T,
        atol=1e-5,
    )


def test_other_oov_policies(minilm_folder, docs, fitted):
    ignore = DistilledVectorizer(minilm_folder, oov="ignore", device="cpu").fit(docs)
    np.testing.assert_array_equal(ignore.vectors_, fitted.vectors_)
    assert not ignore.transform(["zebra"]).any()
    zero = DistilledVectorizer(minilm_folder, oov="zero", device="cpu").fit(docs)
    doc = "police zebra"
    np.testing.assert_allclose(
        zero.transform([doc])[0], fitted.vectors_[fitted.vocabulary_["police"]] / 2
    )


def test_fallback_with_one_warning_when_the_model_is_gone(model_copy, docs, tmp_path):
    docs_unseen = ["the zebra said", "photosynthesis"]
    fitted = {}
    for policy in ("ignore", "zero", "random"):
        fitted[policy] = DistilledVectorizer(
            model_copy, oov_fallback=policy, device="cpu", random_state=0
        ).fit(docs)
    references = {
        p: DistilledVectorizer(model_copy, oov=p, device="cpu", random_state=0).fit(docs)
        for p in ("ignore", "zero", "random")
    }
    saved = {p: pickle.dumps(v) for p, v in fitted.items()}
    skembed.save(fitted["ignore"], tmp_path / "saved")
    expected = {p: v.transform(docs_unseen) for p, v in references.items()}
    with_model = fitted["ignore"].transform(docs_unseen)
    del fitted, references
    shutil.rmtree(model_copy)

    for policy, blob in saved.items():
        vec = pickle.loads(blob)
        with pytest.warns(UserWarning, match=f"oov_fallback='{policy}'.*is gone") as record:
            out = vec.transform(docs_unseen)
        assert len(record) == 1 and str(Path(model_copy).resolve()) in str(record[0].message)
        np.testing.assert_array_equal(out, expected[policy])
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # once only
            np.testing.assert_array_equal(vec.transform(docs_unseen), expected[policy])
    loaded = skembed.load(tmp_path / "saved")
    with pytest.warns(UserWarning, match="is gone"):
        np.testing.assert_array_equal(loaded.transform(docs_unseen), expected["ignore"])
    assert not np.array_equal(with_model, expected["ignore"])


def test_fallback_when_the_model_changed(model_copy, docs):
    vec = DistilledVectorizer(model_copy, device="cpu").fit(docs)
    restored = pickle.loads(pickle.dumps(vec))
    config = Path(model_copy) / "config_sentence_transformers.json"
    config.write_text(config.read_text() + "\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="changed since .* config_sentence_transformers.json"):
        out = restored.transform(["zebra police"])
    np.testing.assert_array_equal(out[0], vec.vectors_[vec.vocabulary_["police"]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vec.transform(["zebra"])  # the model it loaded in fit still serves it: no warning


def test_fallback_without_sentence_transformers(fitted, monkeypatch):
    import skembed.sentence._distill as distill

    restored = pickle.loads(pickle.dumps(fitted))
    monkeypatch.setattr(distill, "_LOADED", type(distill._LOADED)())  # no model in memory
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.warns(UserWarning, match=re.escape('pip install "skembed[transformers]"')):
        assert not restored.transform(["zebra"]).any()
    with pytest.raises(ImportError, match=re.escape('pip install "skembed[transformers]"')):
        DistilledVectorizer(fitted.model).fit(["a cat"])


def test_modules_import_without_the_extras():
    script = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in {'sentence_transformers', 'transformers', 'torch',"
        " 'model2vec', 'tokenizers'}:\n"
        "            raise ImportError('blocked ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import skembed.sentence.distilled, skembed.sentence._distill, skembed.cli\n"
        "from skembed.sentence.distilled import DistilledVectorizer\n"
        "try:\n"
        "    DistilledVectorizer('/nowhere').fit(['a cat'])\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__, exc)\n"
    )
    res = run_python(["-c", script], timeout=120, cwd=str(REPO))
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("ModelUnavailableError") and "/nowhere" in res.stdout


def test_forked_workers_use_the_cache(fitted, monkeypatch):
    """With n_jobs=2 the unknown words are encoded before the fork; the workers never do."""
    import skembed._parallel as parallel
    from skembed._base import CHUNK_SIZE

    def no_joblib(*args, **kwargs):
        raise AssertionError("transform fell back to joblib: a second thread was running")

    monkeypatch.setattr(parallel, "joblib_rows", no_joblib)
    from tqdm import tqdm

    if tqdm.monitor is not None:  # started by this file's own calls of st_model.encode
        tqdm.monitor.exit()
        tqdm.monitor = None
    if threading.active_count() > 1:
        pytest.skip(f"another thread runs, so transform cannot fork: {threading.enumerate()}")
    words = ("zebra", "kangaroo", "police")
    docs = [f"the fire {w}" for w in words] * (CHUNK_SIZE * 2 // 3 + 1)
    vec = pickle.loads(pickle.dumps(fitted))
    expected = vec.transform(docs[:3])
    vec._word_encoder.known.clear()
    out = vec.set_params(n_jobs=2).transform(docs)
    np.testing.assert_array_equal(out, np.tile(expected, (len(docs) // 3, 1)))
    assert set(vec._word_encoder.known) == {"zebra", "kangaroo"}


def test_dask_partitions_encode_unknown_words_the_same(fitted):
    """A shipped copy (no cache) loads the model on first need; rows equal transform's."""
    dask = pytest.importorskip("dask")
    db = pytest.importorskip("dask.bag")
    from skembed.distributed import dask_transform

    docs = ["the police said", "a zebra and a kangaroo", "fire", "photosynthesis"]
    with dask.config.set(scheduler="synchronous"):
        X = dask_transform(fitted, db.from_sequence(docs, npartitions=2)).compute()
    np.testing.assert_array_equal(X, fitted.transform(docs))


def test_progress_only_when_verbose(minilm_folder, docs, capfd):
    DistilledVectorizer(minilm_folder, device="cpu").fit(docs[:2])
    assert capfd.readouterr().err == ""
    DistilledVectorizer(minilm_folder, device="cpu", verbose=1).fit(docs[:2])
    assert "Distilling word vectors" in capfd.readouterr().err


# ---------------------------------------------------------------- errors
def test_missing_or_corrupt_model_named(tmp_path, model_copy, docs):
    missing = tmp_path / "no-such-model"
    with pytest.raises(ModelUnavailableError, match=re.escape(str(missing))):
        DistilledVectorizer(str(missing)).fit(docs)
    with pytest.raises(ModelUnavailableError, match="no-such-model-xyz"):
        DistilledVectorizer("no-such-model-xyz").fit(docs)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelUnavailableError, match=f"{re.escape(str(empty))}.* holds no model"):
        DistilledVectorizer(str(empty)).fit(docs)
    weights = Path(model_copy) / "model.safetensors"
    weights.unlink()
    weights.write_bytes(b"not a safetensors file")
    folder = re.escape(str(Path(model_copy).resolve()))
    with pytest.raises(ModelUnavailableError, match=f"Cannot load .*{folder}"):
        DistilledVectorizer(model_copy).fit(docs)


# ---------------------------------------------------------------- persistence
def test_save_load_round_trip_without_the_model(minilm_folder, docs, tmp_path):
    vec = DistilledVectorizer(minilm_folder, pca=8, weighting="tfidf", device="cpu").fit(docs)
    test_docs = ["the police said", "a zebra plays the saxophone"]
    expected = vec.transform(test_docs)
    skembed.save(vec, tmp_path / "saved")
    files = sorted(p.name for p in (tmp_path / "saved").rglob("*") if p.is_file())
    assert not [f for f in files if f.endswith((".pt", ".skops", ".safetensors", ".pkl"))]
    text = (tmp_path / "saved" / "estimator.json").read_text()
    assert "SentenceTransformer" not in text and "model_identity_" in text
    loaded = skembed.load(tmp_path / "saved")
    assert not [k for k in vars(loaded) if k.endswith("_cache")]
    for attr in ("model_identity_", "pca_mean_", "pca_components_", "weights_"):
        np.testing.assert_equal(getattr(loaded, attr), getattr(vec, attr))
    np.testing.assert_array_equal(loaded.transform(test_docs), expected)  # loads the model

    blob = pickle.dumps(vec)
    assert b"SentenceTransformer" not in blob and b"torch" not in blob and len(blob) < 200_000
    assert "_word_encoder_cache" in vars(vec)
    np.testing.assert_array_equal(pickle.loads(blob).transform(test_docs), expected)


def test_load_checks_the_distilled_state(fitted):
    from skembed._io import StoreError
    from skembed.persistence._checks import FittedState

    def check(**changes):
        state = {**vars(fitted), **changes}
        f = FittedState(lambda where, what: StoreError(f"{where} {what}"), "D", state, "D", set())
        check_distilled(f, fitted)

    check()
    with pytest.raises(StoreError, match="model_identity_ must be"):
        check(model_identity_={"folder": "/x", "files": {"a": "not a digest"}})
    with pytest.raises(StoreError, match="pca_mean_ must be None with pca=None"):
        check(pca_mean_=np.zeros(384, np.float32))


# ---------------------------------------------------------------- the contract
CASES = [check.__name__ for check in text_estimator_checks(DistilledVectorizer())]


@pytest.mark.parametrize("check_name", CASES)
def test_contract(check_name, minilm_folder, docs):
    estimator = DistilledVectorizer(minilm_folder, device="cpu", weighting="sif")
    (check,) = [c for c in text_estimator_checks(estimator) if c.__name__ == check_name]
    check(docs)


# ---------------------------------------------------------------- the command line
def test_cli_corpus(minilm_folder, docs, tmp_path, capsys):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(docs) + "\n", encoding="utf-8")
    out = tmp_path / "store"
    args = ["distill", minilm_folder, "--corpus", str(corpus), "--out", str(out)]
    assert main([*args, "--min-count", "2", "--device", "cpu"]) == 0
    assert "written to" in capsys.readouterr().out
    vec = DistilledVectorizer(minilm_folder, min_count=2, device="cpu").fit(docs)
    got_words, matrix, _ = open_vectors(out)
    assert got_words == vec.word_vectors_.words
    np.testing.assert_array_equal(matrix, vec.vectors_)
    # the store pools like any pretrained vectors
    mean = skembed.MeanEmbeddingVectorizer(str(out)).fit(docs)
    np.testing.assert_array_equal(
        mean.transform(docs[:3]), vec.set_params(oov="ignore").transform(docs[:3])
    )

    assert main([*args, "--no-lowercase", "--overwrite", "--device", "cpu"]) == 0
    cased, _, _ = open_vectors(out)
    assert any(w != w.lower() for w in cased)


def test_cli_errors_leave_no_store(minilm_folder, tmp_path, capsys):
    words = tmp_path / "words.txt"
    words.write_text("cat\ndog\n", encoding="utf-8")
    out = tmp_path / "store"
    missing = str(tmp_path / "missing-model")
    assert main(["distill", missing, "--words", str(words), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert (
        err.startswith("skembed distill: error: ") and missing in err and len(err.splitlines()) == 1
    )
    assert (
        main(["distill", minilm_folder, "--words", str(words), "--out", str(out), "--pca", "3"])
        == 1
    )
    assert "pca=3 needs at least 3 distinct words" in capsys.readouterr().err
    assert (
        main(["distill", minilm_folder, "--words", str(tmp_path / "nope.txt"), "--out", str(out)])
        == 1
    )
    assert "word list not found" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(
            [
                "distill",
                minilm_folder,
                "--words",
                str(words),
                "--corpus",
                str(words),
                "--out",
                str(out),
            ]
        )
    assert exit_info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
    assert (
        main(
            ["distill", minilm_folder, "--words", str(words), "--min-count", "2", "--out", str(out)]
        )
        == 2
    )
    assert "--min-count: applies to --corpus only" in capsys.readouterr().err
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
