"""model2vec folders as pretrained vectors: reading, model2vec's own encode, subwords, saving.

Everything runs on a real model2vec folder (``model2vec_folder``: 64-d, distilled from
all-MiniLM-L6-v2, WordPiece, ``normalize=True``, float16 embeddings) and on a real
vocabulary-quantized copy of it (token weights and a token mapping, as
``StaticModel.from_pretrained(..., vocabulary_quantization=k)`` saves them), compared
with ``model2vec.StaticModel.encode``.
"""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone

from skembed import MeanEmbeddingVectorizer
from skembed._io import StoreError
from skembed.persistence import load, save
from skembed.testing import text_estimator_checks
from skembed.vectors import (
    VECTORS_FORMATS,
    TokenizerSubwords,
    WordVectors,
    as_word_vectors,
    convert_vectors,
    detect_format,
    is_model2vec_folder,
    open_vectors,
    read_model2vec,
    read_vectors,
    save_vectors,
)

pytest.importorskip("tokenizers")
safetensors_numpy = pytest.importorskip("safetensors.numpy")

#: Words the tokenizer splits into several tokens (or none it knows).
COMPOSED = ["unbelievableness", "xyzzyq", "skembedding", "overfitted", "ultramicroscopic"]
DOCS = [
    "the film was a wonderful surprise",
    "an unbelievableness of xyzzyq words",
    "the plot was dull and the acting poor",
    "a great cast in a quite boring story",
    "skembedding overfitted ultramicroscopic",
    "really good, really bad",
] * 2


@pytest.fixture(scope="module")
def wv(model2vec_folder) -> WordVectors:
    return read_model2vec(model2vec_folder)


@pytest.fixture(scope="module")
def static_model(model2vec_folder):
    """model2vec's own model of the folder, with float32 embeddings (the float16 file's values)."""
    model2vec = pytest.importorskip("model2vec")
    model = model2vec.StaticModel.from_pretrained(model2vec_folder)
    model.embedding = model.embedding.astype(np.float32)
    return model


def _copy(folder: str, tmp_path: Path, name: str = "m2v") -> Path:
    target = tmp_path / name
    shutil.copytree(folder, target)
    return target


def _tensors(folder: Path) -> dict[str, np.ndarray]:
    return safetensors_numpy.load_file(str(folder / "model.safetensors"))


@pytest.fixture(scope="module")
def quantized_folder(model2vec_folder, tmp_path_factory) -> Path:
    """The folder with 300 shared rows, a token mapping, token weights and normalize=false.

    The layout ``save_pretrained`` writes for a vocabulary-quantized model: rows
    ``embeddings[mapping[id]] * weights[id]`` (the assignment is deterministic here
    instead of k-means, which is what ``StaticModel`` reads the same way).
    """
    folder = _copy(model2vec_folder, tmp_path_factory.mktemp("quantized"))
    embeddings = _tensors(folder)["embeddings"].astype(np.float32)
    n = embeddings.shape[0]
    rng = np.random.default_rng(0)
    mapping = rng.integers(0, 300, n).astype(np.int32)
    weights = rng.uniform(0.5, 2.0, n)  # float64, as model2vec saves the norms
    safetensors_numpy.save_file(
        {"embeddings": embeddings[:300].copy(), "weights": weights, "mapping": mapping},
        str(folder / "model.safetensors"),
    )
    config = json.loads((folder / "config.json").read_text())
    config.update(normalize=False, vocabulary_quantization=300)
    (folder / "config.json").write_text(json.dumps(config))
    return folder


# ---------------------------------------------------------------- reading
def test_reads_whole_word_tokens_as_words(wv, model2vec_folder):
    vocab = json.loads(Path(model2vec_folder, "tokenizer.json").read_text())["model"]["vocab"]
    assert isinstance(wv.subwords, TokenizerSubwords)
    assert wv.dim == 64 and wv.matrix.dtype == np.float32
    assert wv.subwords.n_tokens == len(vocab) and wv.subwords.normalize is True
    assert wv.subwords.unk_id == vocab["[UNK]"]
    words = set(wv.words)
    assert {"the", "film", "wonderful", "!"} <= words
    assert not any(w.startswith("##") for w in words)
    assert not words & {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}
    assert "..." not in words  # a token the tokenizer never produces alone (". . .")
    # every other token that is not a continuation or special token is a word
    plain = [t for t in vocab if not t.startswith("##") and t not in ("[PAD]", "[UNK]")]
    assert len(words) == len(plain) - 1
    np.testing.assert_allclose(np.linalg.norm(wv.matrix, axis=1), 1.0, rtol=1e-5)
    assert repr(wv.subwords) == f"<TokenizerSubwords: {len(vocab)} tokens x 64, normalized>"


def test_whole_words_agree_with_model2vec_encode(wv, static_model, model2vec_folder):
    model2vec = pytest.importorskip("model2vec")
    words = wv.words[::400] + ["the", "film", "!"]
    np.testing.assert_allclose(
        np.stack([wv.get_vector(w) for w in words]),
        static_model.encode(words),
        rtol=1e-5,
        atol=1e-6,
    )
    # and with the float16 model as model2vec loads it, to float16 precision
    as_saved = model2vec.StaticModel.from_pretrained(model2vec_folder).encode(words)
    assert as_saved.dtype == np.float16
    np.testing.assert_allclose(np.stack([wv.get_vector(w) for w in words]), as_saved, atol=2e-3)


def test_composed_words_agree_with_model2vec_encode(wv, static_model):
    tokens = [wv.subwords.token_ids(w) for w in COMPOSED]
    assert all(len(ids) > 1 for ids in tokens), tokens
    assert not any(w in wv for w in COMPOSED)
    vectors, found = wv.subwords.word_vectors(COMPOSED + ["Film", "THE"])
    assert found.all()
    np.testing.assert_allclose(
        vectors, static_model.encode(COMPOSED + ["Film", "THE"]), rtol=1e-5, atol=1e-6
    )
    # the tokenizer lower-cases as the model does: "Film" is composed into "film"'s vector
    np.testing.assert_allclose(vectors[-2], wv.get_vector("film"), rtol=1e-6)


def test_words_of_no_known_token_are_not_found(wv, static_model):
    vectors, found = wv.subwords.word_vectors(["\U0001f600", "", "a\udcffb"])
    assert found.tolist() == [False, False, True]  # the lone surrogate is read as U+FFFD
    assert not vectors[:2].any()
    assert not static_model.encode(["\U0001f600"]).any()  # model2vec: the [UNK] token dropped


def test_token_weights_and_mapping_are_honoured(quantized_folder):
    model2vec = pytest.importorskip("model2vec")
    quantized = read_model2vec(quantized_folder)
    model = model2vec.StaticModel.from_pretrained(quantized_folder)
    assert model.token_mapping is not None and model.weights is not None
    assert quantized.subwords.normalize is False
    words = quantized.words[::500] + COMPOSED
    ours = np.stack([quantized.get_vector(w) for w in words[:-5]])
    ours = np.vstack([ours, quantized.subwords.word_vectors(COMPOSED)[0]])
    np.testing.assert_allclose(ours, model.encode(words), rtol=1e-5, atol=1e-6)
    assert quantized.words == read_model2vec(quantized_folder).words


def _bpe_tokenizer(docs):
    """Byte-level BPE (GPT-2 style: ``Ġ`` marks a word after a space), trained on ``docs``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    trainer = trainers.BpeTrainer(
        vocab_size=1500, special_tokens=["<s>", "<pad>"], initial_alphabet=alphabet
    )
    tok.train_from_iterator(docs, trainer)
    return tok


def _unigram_tokenizer(docs):
    """Unigram with Metaspace (SentencePiece style: ``▁`` starts a word), lower-cased."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    trainer = trainers.UnigramTrainer(
        vocab_size=1500, special_tokens=["<unk>", "<pad>"], unk_token="<unk>"
    )
    tok.train_from_iterator(docs, trainer)
    return tok


@pytest.mark.parametrize("make", [_bpe_tokenizer, _unigram_tokenizer], ids=["bpe", "unigram"])
def test_bpe_and_unigram_word_start_markers(make, lee_corpus, tmp_path):
    """Words are the tokens' text without ``Ġ`` / ``▁``, where model2vec reads it as one token."""
    model2vec = pytest.importorskip("model2vec")
    tok = make(lee_corpus[:100])
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(tok.get_vocab_size(), 8)).astype(np.float32)
    model2vec.StaticModel(vectors, tok, normalize=True).save_pretrained(str(tmp_path / "m"))
    wv = read_model2vec(tmp_path / "m")
    assert wv.words and not any(w.startswith(("Ġ", "▁", " ")) or not w for w in wv.words)
    assert not set(wv.words) & {"<s>", "<pad>", "<unk>"}
    model = model2vec.StaticModel.from_pretrained(str(tmp_path / "m"))
    words = wv.words[::25] + COMPOSED + ["Government", "the"]
    ours = np.stack(
        [wv.get_vector(w) if w in wv else wv.subwords.word_vectors([w])[0][0] for w in words]
    )
    np.testing.assert_allclose(ours, model.encode(words), rtol=1e-5, atol=1e-6)
    for word in wv.words[::25]:  # each word is one token of the model's own tokenizer
        assert len(model.tokenize([word])[0]) == 1


def test_detection_and_every_entry_point(wv, model2vec_folder, tmp_path):
    assert "model2vec" in VECTORS_FORMATS
    assert is_model2vec_folder(model2vec_folder)
    assert detect_format(model2vec_folder) == "model2vec"
    for other in (
        as_word_vectors(model2vec_folder),
        read_vectors(model2vec_folder),
        read_vectors(Path(model2vec_folder), "model2vec"),
        as_word_vectors(model2vec_folder, "model2vec"),
    ):
        assert other.words == wv.words
        np.testing.assert_array_equal(other.matrix, wv.matrix)
    # a directory that is neither a store nor a model2vec folder keeps a clear error
    (tmp_path / "empty").mkdir()
    assert not is_model2vec_folder(tmp_path / "empty")
    for call in (as_word_vectors, read_vectors, detect_format):
        with pytest.raises(ValueError, match="Expected a vectors file, got the directory .*empty"):
            call(tmp_path / "empty")
    with pytest.raises(ValueError, match="Expected a vectors file, got the directory"):
        read_vectors(model2vec_folder, "glove")
    with pytest.raises(NotADirectoryError, match="must be a directory"):
        read_vectors(Path(model2vec_folder, "config.json"), "model2vec")


# ---------------------------------------------------------------- estimators
def test_mean_embedding_vectorizer_composes_unseen_words(model2vec_folder, wv):
    docs = ["xyzzyq unbelievableness", "the film", "\U0001f600\U0001f600"]
    composed = MeanEmbeddingVectorizer(model2vec_folder, oov="subword").fit(docs)
    ignored = MeanEmbeddingVectorizer(model2vec_folder).fit(docs)
    X, Z = composed.transform(docs), ignored.transform(docs)
    assert np.abs(X[0]).sum() > 0 and not Z[0].any()  # unseen words: vectors only with subwords
    expected = wv.subwords.word_vectors(["xyzzyq", "unbelievableness"])[0].mean(axis=0)
    np.testing.assert_allclose(X[0], expected, rtol=1e-6)
    known = (wv.get_vector("the") + wv.get_vector("film")) / 2
    np.testing.assert_allclose(X[1], known, rtol=1e-6)
    np.testing.assert_array_equal(X[1], Z[1])
    assert not X[2].any()  # no token of the model: skipped, as model2vec drops [UNK]
    assert composed.coverage(docs) == pytest.approx(2 / 4)


def test_textcnn_classifier_on_a_model2vec_folder(model2vec_folder, wv):
    pytest.importorskip("torch")
    pytest.importorskip("skorch")
    from skembed.nn import TextCNNClassifier

    y = np.array([1, 0, 0, 1, 0, 1] * 2)
    clf = TextCNNClassifier(
        vectors=model2vec_folder,
        mode="static",
        n_filters=4,
        filter_sizes=(2, 3),
        max_epochs=2,
        batch_size=4,
        random_state=0,
        scale_vectors=False,  # the model's vectors as they are
    ).fit(DOCS, y)
    assert clf.vectors_.shape[1] == 64
    np.testing.assert_allclose(clf.vectors_[clf.vocabulary_["film"]], wv.get_vector("film"))
    assert clf.predict(DOCS).shape == (len(DOCS),)


def test_transform_in_forked_workers_is_quiet(model2vec_folder, capfd):
    """n_jobs forks: the tokenizer never ran in parallel, so the children print no warning."""
    docs = [f"the unbelievable{i % 97} of xyzzyq{i % 50} film" for i in range(8200)]
    vec = MeanEmbeddingVectorizer(model2vec_folder, oov="subword").fit(docs[:20])
    one = vec.transform(docs)
    two = vec.set_params(n_jobs=2).transform(docs)
    np.testing.assert_array_equal(one, two)
    assert "tokenizers" not in capfd.readouterr().err


# ---------------------------------------------------------------- round trips
@pytest.fixture(scope="module")
def fitted(model2vec_folder):
    return MeanEmbeddingVectorizer(model2vec_folder, oov="subword", weighting="tfidf").fit(DOCS)


def test_save_load_round_trip(fitted, tmp_path):
    unseen = ["ultramicroscopic skembedding", "the xyzzyq film"]
    expected = fitted.transform(DOCS + unseen)
    for mmap in (True, False):
        loaded = load(save(fitted, tmp_path / f"m{mmap}"), mmap=mmap)
        assert isinstance(loaded.subwords_, TokenizerSubwords)
        assert loaded.subwords_.tokenizer == fitted.subwords_.tokenizer
        np.testing.assert_array_equal(loaded.transform(DOCS + unseen), expected)
    doc = json.loads((tmp_path / "mTrue" / "estimator.json").read_text())
    node = doc["estimator"]["state"]["word_vectors_"]["subwords"]
    assert node["$type"] == "tokenizer_subwords" and node["file"] in doc["files"]


def test_pickle_and_clone_round_trips(fitted):
    unseen = ["ultramicroscopic skembedding", "the xyzzyq film"]
    expected = fitted.transform(DOCS + unseen)
    assert "_compiled" in vars(fitted.subwords_)  # the tokenizer object, built on use
    restored = pickle.loads(pickle.dumps(fitted))
    assert "_compiled" not in vars(restored.subwords_)  # a cache: never pickled
    np.testing.assert_array_equal(restored.transform(DOCS + unseen), expected)
    np.testing.assert_array_equal(clone(fitted).fit(DOCS).transform(DOCS + unseen), expected)


def test_skops_round_trip(fitted):
    sio = pytest.importorskip("skops.io")
    data = sio.dumps(fitted)
    untrusted = sio.get_untrusted_types(data=data)
    assert "skembed.vectors._subwords.TokenizerSubwords" in untrusted
    again = sio.loads(data, trusted=untrusted)
    unseen = ["ultramicroscopic skembedding"]
    np.testing.assert_array_equal(again.transform(DOCS + unseen), fitted.transform(DOCS + unseen))


def test_native_store_keeps_the_tokenizer(model2vec_folder, fitted, tmp_path):
    store = convert_vectors(model2vec_folder, tmp_path / "store")
    words, matrix, subwords = open_vectors(store)
    assert isinstance(subwords, TokenizerSubwords) and isinstance(subwords.vectors, np.memmap)
    assert words == fitted.word_vectors_.words
    vec = MeanEmbeddingVectorizer(str(store), oov="subword", weighting="tfidf").fit(DOCS)
    unseen = ["ultramicroscopic skembedding"]
    np.testing.assert_array_equal(vec.transform(DOCS + unseen), fitted.transform(DOCS + unseen))
    # a tokenizer.json damaged behind the manifest (same size) is refused when opened
    target = store / "tokenizer.json"
    size = target.stat().st_size
    target.chmod(0o644)
    target.write_bytes(b"{" + b" " * (size - 1))
    with pytest.raises(StoreError, match="subwords entry is invalid: .*not a valid tokenizers"):
        open_vectors(store)


def test_save_vectors_checks_the_dimension(wv, tmp_path):
    with pytest.raises(ValueError, match=r"token vectors have shape \(\d+, 64\); expected"):
        save_vectors(tmp_path / "s", ["a"], np.zeros((1, 3), np.float32), wv.subwords)


# ---------------------------------------------------------------- damaged folders
def _damage_cases(folder: Path):
    """(name, change the copy, exception, message pattern) of damaged model2vec folders."""
    tensors = _tensors(folder)
    embeddings = tensors["embeddings"]

    def save_tensors(f, **arrays):
        safetensors_numpy.save_file(arrays, str(f / "model.safetensors"))

    def truncate(f):
        data = (f / "model.safetensors").read_bytes()
        (f / "model.safetensors").write_bytes(data[: len(data) // 2])

    def nan_row(f):
        bad = embeddings.copy()
        bad[7, 3] = np.nan
        save_tensors(f, embeddings=bad)

    return [
        ("truncated", truncate, ValueError, "model.safetensors' is not a readable safetensors"),
        (
            "not safetensors",
            lambda f: (f / "model.safetensors").write_bytes(b"hello"),
            ValueError,
            "is not a readable safetensors file",
        ),
        (
            "no tokenizer.json",
            lambda f: (f / "tokenizer.json").unlink(),
            FileNotFoundError,
            "has no tokenizer.json",
        ),
        (
            "no model.safetensors",
            lambda f: (f / "model.safetensors").unlink(),
            FileNotFoundError,
            "has no model.safetensors",
        ),
        (
            "garbage tokenizer JSON",
            lambda f: (f / "tokenizer.json").write_text('{"model": {"vocab": '),
            ValueError,
            "tokenizer file .*tokenizer.json' is not valid JSON",
        ),
        (
            "not a tokenizer",
            lambda f: (f / "tokenizer.json").write_text('{"model": {"type": "Nonsense"}}'),
            ValueError,
            "tokenizer.json' is not a valid tokenizers JSON file",
        ),
        (
            "garbage config",
            lambda f: (f / "config.json").write_bytes(b"\xff\xfe{"),
            ValueError,
            "config.json' is not valid JSON",
        ),
        (
            "bad normalize",
            lambda f: (f / "config.json").write_text('{"normalize": "yes"}'),
            ValueError,
            "'normalize' entry of .*config.json' must be true or false",
        ),
        (
            "fewer rows than tokens",
            lambda f: save_tensors(f, embeddings=embeddings[:-5].copy()),
            ValueError,
            r"has 29\d+ rows but .*tokenizer.json' has 29\d+ tokens",
        ),
        (
            "mapping out of range",
            lambda f: save_tensors(
                f,
                embeddings=embeddings[:10].copy(),
                mapping=np.arange(len(embeddings), dtype=np.int64),
            ),
            ValueError,
            "'mapping' tensor of .* maps tokens to rows 0 to",
        ),
        (
            "weights of another shape",
            lambda f: save_tensors(f, embeddings=embeddings, weights=np.ones(3, np.float32)),
            ValueError,
            r"'weights' tensor of .* has dtype float32 and shape \(3,\)",
        ),
        (
            "no embeddings tensor",
            lambda f: save_tensors(f, **{"embeddings.word_embeddings.weight": embeddings}),
            ValueError,
            "has no 'embeddings' tensor .* not a model2vec model",
        ),
        (
            "1-D embeddings",
            lambda f: save_tensors(f, embeddings=embeddings[:, 0].copy()),
            ValueError,
            "expected a 2-D matrix",
        ),
        ("NaN", nan_row, ValueError, r"token '.*' \(id 7\) in .* has NaN or inf"),
    ]


def test_damaged_folders_give_clear_errors(model2vec_folder, tmp_path):
    for i, (name, damage, error, pattern) in enumerate(_damage_cases(Path(model2vec_folder))):
        folder = _copy(model2vec_folder, tmp_path, f"case{i}")
        damage(folder)
        with pytest.raises(error, match=pattern) as info:
            MeanEmbeddingVectorizer(str(folder)).fit(DOCS)
        assert str(folder) in str(info.value), (name, str(info.value))


def test_a_transformers_folder_is_not_a_model2vec_folder(minilm_folder):
    if not Path(minilm_folder, "model.safetensors").is_file():
        pytest.skip("the model folder holds no model.safetensors")
    with pytest.raises((ValueError, FileNotFoundError), match=str(minilm_folder)):
        read_model2vec(minilm_folder)


def test_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="No such model2vec folder: .*nope"):
        read_model2vec(tmp_path / "nope")


def test_tokenizer_subwords_checks_its_data(wv):
    sub = wv.subwords
    with pytest.raises(ValueError, match="tokenizer has 29\\d+ tokens but there are 3 token"):
        TokenizerSubwords(sub.tokenizer, sub.vectors[:3])
    with pytest.raises(ValueError, match="unk_id=99999999 is not a token id"):
        TokenizerSubwords(sub.tokenizer, sub.vectors, unk_id=99999999)
    with pytest.raises(ValueError, match="max_length must be None or an int >= 1"):
        TokenizerSubwords(sub.tokenizer, sub.vectors, max_length=0)
    with pytest.raises(ValueError, match="not a valid tokenizers JSON"):
        TokenizerSubwords("{}", sub.vectors)
    with pytest.raises(TypeError, match="normalize must be a bool"):
        TokenizerSubwords(sub.tokenizer, sub.vectors, normalize="yes")
    with pytest.raises(ValueError, match="token vectors of the model have dimension 64"):
        WordVectors(["a"], [[1.0, 2.0]], sub, source="the model")


def test_imports_without_the_extras(model2vec_folder):
    """skembed imports without tokenizers / safetensors; reading a folder names the extra."""
    from scripts import run_python

    code = (
        "import sys; sys.modules['tokenizers'] = None; sys.modules['safetensors'] = None\n"
        "import skembed, skembed.vectors\n"
        "try:\n"
        f"    skembed.vectors.read_model2vec({model2vec_folder!r})\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = run_python(["-c", code], timeout=120)
    assert out.returncode == 0, out.stderr
    assert 'pip install "skembed[model2vec]"' in out.stdout


# ---------------------------------------------------------------- load validation
def _subwords_node(doc: dict) -> dict:
    return doc["estimator"]["state"]["word_vectors_"]["subwords"]


def test_load_checks_the_tokenizer_subwords_node(fitted, tmp_path):
    original = json.loads((save(fitted, tmp_path / "saved") / "estimator.json").read_text())

    def refused(change, pattern, name):
        path = tmp_path / name
        shutil.copytree(tmp_path / "saved", path)
        doc = json.loads(json.dumps(original))
        change(path, doc)
        (path / "estimator.json").unlink()
        (path / "estimator.json").write_text(json.dumps(doc))
        with pytest.raises(StoreError, match=pattern):
            load(path)

    def garbage_tokenizer(path, doc):
        name = _subwords_node(doc)["file"]
        size = (path / name).stat().st_size
        (path / name).chmod(0o644)
        (path / name).write_bytes(b"[" + b" " * (size - 1))

    def other_vectors(path, doc):
        node = _subwords_node(doc)
        node["vectors"] = doc["estimator"]["state"]["word_vectors_"]["matrix"]  # fewer rows

    cases = [
        (lambda p, d: _subwords_node(d).update(normalize=1), "normalize must be a bool; got 1"),
        (lambda p, d: _subwords_node(d).update(unk_id=-1), "unk_id must be None or an int >= 0"),
        (lambda p, d: _subwords_node(d).update(max_length=2.5), "max_length must be None or"),
        (lambda p, d: _subwords_node(d).update(extra=1), "unknown field 'extra'"),
        (lambda p, d: _subwords_node(d).update(file="../x.json"), "x.json"),
        (lambda p, d: _subwords_node(d).pop("vectors"), "it has no 'vectors' entry"),
        (garbage_tokenizer, "not a valid tokenizers JSON"),
        (other_vectors, r"tokenizer has \d+ tokens but there are \d+ token vectors"),
    ]
    for i, (change, pattern) in enumerate(cases):
        refused(change, pattern, f"case{i}")


# ---------------------------------------------------------------- the contract
CHECKS = [check.__name__ for check in text_estimator_checks(MeanEmbeddingVectorizer("x"))]


@pytest.mark.parametrize("oov", ["ignore", "subword"])
@pytest.mark.parametrize("check_name", CHECKS)
def test_contract(check_name, oov, model2vec_folder, small_corpus):
    estimator = MeanEmbeddingVectorizer(vectors=model2vec_folder, oov=oov)
    (check,) = [c for c in text_estimator_checks(estimator) if c.__name__ == check_name]
    check(small_corpus)
