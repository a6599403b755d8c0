"""Tests of skembed.datasets: reading, caching, checksums and download failures.

The files come from the shared data folder (``../shared/data/kim2014`` next to
the clone, or ``$SKEMBED_KIM2014``; the SST training trees from
``../shared/data/sst``, or ``$SKEMBED_SST``); tests that need them are skipped
when it is absent. Downloads are exercised against a real HTTP server on
localhost and an unreachable local port, so no test touches the internet.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import http.server
import os
import shutil
import threading
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skembed import datasets
from skembed.datasets import (
    fetch_movie_reviews,
    fetch_sst,
    fetch_sst2,
    fetch_trec,
    get_data_home,
)

REPO = Path(__file__).resolve().parents[1]
KIM2014 = Path(os.environ.get("SKEMBED_KIM2014", REPO.parent / "shared" / "data" / "kim2014"))
SST = Path(os.environ.get("SKEMBED_SST", REPO.parent / "shared" / "data" / "sst"))
UNREACHABLE = "http://127.0.0.1:9/"  # the discard port: nothing listens there

FILES = [
    "rt-polarity.all",
    "stsa.binary.train",
    "stsa.binary.dev",
    "stsa.binary.test",
    "TREC.train.all",
    "TREC.test.all",
]


@pytest.fixture(scope="module")
def shared_dir() -> Path:
    if not all((KIM2014 / name).is_file() for name in FILES):
        pytest.skip(f"the Kim (2014) data files are not in {KIM2014}")
    return KIM2014


@pytest.fixture
def offline(monkeypatch):
    """Any download attempt fails fast with a connection error."""
    monkeypatch.setattr(datasets, "BASE_URL", UNREACHABLE)
    monkeypatch.setattr(datasets, "SST_BASE_URL", UNREACHABLE)


@pytest.fixture
def http_server():
    """Serve a folder over HTTP on localhost; yields a function folder -> base URL."""
    servers = []

    def serve(folder: Path) -> str:
        handler = functools.partial(QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


# --------------------------------------------------------------------------- contents
def test_movie_reviews(shared_dir, offline):
    mr = fetch_movie_reviews(data_home=shared_dir)
    assert set(mr) == {"data", "target", "frame", "target_names", "DESCR"}
    assert isinstance(mr.data, list) and len(mr.data) == 10_662
    assert all(isinstance(doc, str) and doc for doc in mr.data)
    assert mr.target.dtype == np.int64
    assert np.bincount(mr.target).tolist() == [5_331, 5_331]
    assert mr.target_names == ["negative", "positive"]
    assert mr.frame is None
    assert mr.data[0] == "simplistic , silly and tedious ."
    # The file is Windows-1252: accented letters and typographic punctuation decode.
    assert "the action clichés just pile up ." in mr.data
    assert any("\u2026" in doc for doc in mr.data)
    assert "Pang" in mr.DESCR and "Kim, Y. (2014)" in mr.DESCR


@pytest.mark.parametrize(
    "subset, n, counts",
    [
        ("train", 6_920, [3_310, 3_610]),
        ("dev", 872, [428, 444]),
        ("test", 1_821, [912, 909]),
        ("all", 9_613, [4_650, 4_963]),
    ],
)
def test_sst2(shared_dir, offline, subset, n, counts):
    sst = fetch_sst2(subset, data_home=shared_dir)
    assert len(sst.data) == len(sst.target) == n
    assert np.bincount(sst.target).tolist() == counts
    assert sst.target_names == ["negative", "positive"]
    assert "Socher" in sst.DESCR and "Kim, Y. (2014)" in sst.DESCR


def test_sst2_all_is_train_dev_test(shared_dir, offline):
    parts = [fetch_sst2(s, data_home=shared_dir) for s in ("train", "dev", "test")]
    everything = fetch_sst2("all", data_home=shared_dir)
    assert everything.data == [doc for part in parts for doc in part.data]
    np.testing.assert_array_equal(everything.target, np.concatenate([p.target for p in parts]))


@pytest.mark.parametrize(
    "subset, counts",
    [
        ("train", [1_162, 1_250, 86, 1_223, 835, 896]),
        ("test", [138, 94, 9, 65, 81, 113]),
    ],
)
def test_trec(shared_dir, offline, subset, counts):
    trec = fetch_trec(subset, data_home=shared_dir)
    assert len(trec.data) == sum(counts)
    # The published Li & Roth distribution, in the order of target_names.
    assert np.bincount(trec.target).tolist() == counts
    assert trec.target_names == ["DESC", "ENTY", "ABBR", "HUM", "LOC", "NUM"]
    assert "Li, X. and Roth, D. (2002)" in trec.DESCR


def test_trec_names_match_questions(shared_dir, offline):
    trec = fetch_trec("train", data_home=shared_dir)
    label = dict(zip(trec.data, trec.target, strict=True))
    names = trec.target_names
    assert names[label["What does S.O.S. stand for ?"]] == "ABBR"
    assert names[label["Who killed Gandhi ?"]] == "HUM"
    assert names[label["When was Ozzy Osbourne born ?"]] == "NUM"
    assert names[label["Which two states enclose Chesapeake Bay ?"]] == "LOC"
    assert names[label["What are liver enzymes ?"]] == "DESC"
    assert names[label["What films featured the character Popeye Doyle ?"]] == "ENTY"
    assert len(fetch_trec("all", data_home=shared_dir).data) == 5_952


def test_as_frame(shared_dir, offline):
    plain = fetch_trec("test", data_home=shared_dir)
    framed = fetch_trec("test", data_home=shared_dir, as_frame=True)
    assert isinstance(framed.frame, pd.DataFrame)
    assert list(framed.frame.columns) == ["text", "target"]
    assert framed.frame.shape == (500, 2)
    assert isinstance(framed.data, pd.Series) and isinstance(framed.target, pd.Series)
    assert framed.data.tolist() == plain.data
    np.testing.assert_array_equal(framed.target.to_numpy(), plain.target)
    assert framed.target_names == plain.target_names


def test_return_X_y(shared_dir, offline):
    X, y = fetch_sst2("dev", data_home=shared_dir, return_X_y=True)
    assert isinstance(X, list) and len(X) == len(y) == 872
    X, y = fetch_sst2("dev", data_home=shared_dir, return_X_y=True, as_frame=True)
    assert isinstance(X, pd.Series) and isinstance(y, pd.Series)


@pytest.mark.parametrize("fetch, bad", [(fetch_sst2, "validation"), (fetch_trec, "dev")])
def test_bad_subset(fetch, bad, tmp_path):
    with pytest.raises(ValueError, match="'subset' parameter"):
        fetch(bad, data_home=tmp_path)


# --------------------------------------------------------------------------- cache
def test_local_copy_needs_no_network(shared_dir, offline, tmp_path):
    shutil.copy(shared_dir / "TREC.test.all", tmp_path)
    assert len(fetch_trec("test", data_home=tmp_path).data) == 500


def test_corrupted_file_is_deleted_and_reported(shared_dir, offline, tmp_path):
    path = tmp_path / "TREC.test.all"
    content = (shared_dir / "TREC.test.all").read_bytes()
    path.write_bytes(content.replace(b"?", b"!", 1))
    with pytest.raises(OSError, match="SHA-256") as info:
        fetch_trec("test", data_home=tmp_path)
    assert str(path) in str(info.value)
    assert not path.exists()
    # Once deleted, the next call tries to download it again.
    with pytest.raises(OSError, match="Could not download"):
        fetch_trec("test", data_home=tmp_path, n_retries=0)


def test_download_if_missing_false(offline, tmp_path):
    with pytest.raises(OSError, match="download_if_missing is False") as info:
        fetch_movie_reviews(data_home=tmp_path, download_if_missing=False)
    assert str(tmp_path / "rt-polarity.all") in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_offline_error_names_url_and_manual_steps(offline, tmp_path):
    with pytest.raises(OSError) as info:
        fetch_trec("test", data_home=tmp_path, n_retries=1, delay=0.0)
    message = str(info.value)
    assert UNREACHABLE + "TREC.test.all" in message
    assert str(tmp_path / "TREC.test.all") in message
    assert "without network access" in message
    assert datasets._TREC["test"].sha256 in message
    assert list(tmp_path.iterdir()) == []  # no partial file left behind


def test_download_from_server(shared_dir, tmp_path, http_server, monkeypatch):
    monkeypatch.setattr(datasets, "BASE_URL", http_server(shared_dir))
    cache = tmp_path / "cache"
    trec = fetch_trec("all", data_home=cache)
    assert len(trec.data) == 5_952
    assert sorted(p.name for p in cache.iterdir()) == ["TREC.test.all", "TREC.train.all"]
    for name in ("TREC.test.all", "TREC.train.all"):
        assert (cache / name).read_bytes() == (shared_dir / name).read_bytes()
    # Cached now: a second call works with the network gone.
    monkeypatch.setattr(datasets, "BASE_URL", UNREACHABLE)
    assert fetch_trec("all", data_home=cache).data == trec.data


def test_download_with_wrong_checksum(shared_dir, tmp_path, http_server, monkeypatch):
    served = tmp_path / "served"
    served.mkdir()
    content = (shared_dir / "stsa.binary.dev").read_bytes()
    (served / "stsa.binary.dev").write_bytes(content[:-100])  # a truncated download
    monkeypatch.setattr(datasets, "BASE_URL", http_server(served))
    cache = tmp_path / "cache"
    with pytest.raises(OSError, match="SHA-256") as info:
        fetch_sst2("dev", data_home=cache, n_retries=1, delay=0.0)
    assert hashlib.sha256(content[:-100]).hexdigest() in str(info.value)
    assert list(cache.iterdir()) == []  # neither the file nor a temporary copy


def test_http_error_is_reported(tmp_path, http_server, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setattr(datasets, "BASE_URL", http_server(empty))
    with pytest.raises(OSError, match="HTTPError.*404"):
        fetch_trec("test", data_home=tmp_path / "cache", delay=0.0)


# --------------------------------------------------------------------------- data home
def test_env_var_is_honoured(shared_dir, offline, monkeypatch):
    monkeypatch.setenv("SKEMBED_DATA", str(shared_dir))
    assert get_data_home() == str(shared_dir)
    assert len(fetch_trec("test").data) == 500


def test_data_home_argument_wins_over_env_var(offline, monkeypatch, tmp_path):
    monkeypatch.setenv("SKEMBED_DATA", str(tmp_path / "from_env"))
    assert get_data_home(tmp_path / "explicit") == str(tmp_path / "explicit")
    assert (tmp_path / "explicit").is_dir()


def test_default_data_home(monkeypatch, tmp_path):
    monkeypatch.delenv("SKEMBED_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert get_data_home() == str(tmp_path / "skembed_data")
    assert (tmp_path / "skembed_data").is_dir()
    # "~" is expanded in an explicit path too.
    assert get_data_home("~/other") == str(tmp_path / "other")


def test_bad_n_retries(offline, tmp_path):
    with pytest.raises(ValueError, match="n_retries"):
        fetch_trec("test", data_home=tmp_path, n_retries=-1)


# --------------------------------------------------------------------------- SST trees
FIRST_TREE_TEXT = (
    "The Rock is destined to be the 21st Century 's new `` Conan '' and that he 's going to "
    "make a splash even greater than Arnold Schwarzenegger , Jean-Claud Van Damme or Steven "
    "Segal ."
)


@pytest.fixture(scope="module")
def sst_dir() -> Path:
    if not (SST / "train.txt").is_file():
        pytest.skip(f"the SST training trees are not in {SST}")
    return SST


@pytest.fixture(scope="module")
def sst_phrases(sst_dir):
    """The training phrases, for each (labels, lowercase), parsed once for the module."""
    return {
        (labels, lowercase): fetch_sst(
            phrases=True, labels=labels, lowercase=lowercase, data_home=sst_dir
        )
        for labels in ("fine", "binary")
        for lowercase in (True, False)
    }


def _trees_home(tmp_path: Path, lines: list[str], name: str = "dev.txt") -> Path:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    (home / name).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return home


@pytest.fixture
def small_splits(monkeypatch):
    """Let the dev and test files hold any number of trees, and train.txt any bytes."""

    def expect(**n_trees):
        for split, n in n_trees.items():
            tree = datasets._SST[split]
            monkeypatch.setitem(
                datasets._SST, split, dataclasses.replace(tree, n_trees=n, sha256=None)
            )

    return expect


def test_sst_sentences(sst_dir, offline):
    fine = fetch_sst(labels="fine", data_home=sst_dir)
    assert set(fine) == {"data", "target", "frame", "target_names", "DESCR"}
    assert isinstance(fine.data, list) and len(fine.data) == len(fine.target) == 8_544
    assert fine.target.dtype == np.int64
    assert np.bincount(fine.target).tolist() == [1_092, 2_218, 1_624, 2_322, 1_288]
    assert fine.target_names == [
        "very negative",
        "negative",
        "neutral",
        "positive",
        "very positive",
    ]
    assert fine.data[0] == FIRST_TREE_TEXT.lower() and fine.target[0] == 3
    assert "Socher" in fine.DESCR and "Kim, Y. (2014)" in fine.DESCR

    binary = fetch_sst(data_home=sst_dir)  # labels="binary" is the default
    assert len(binary.data) == 6_920
    assert np.bincount(binary.target).tolist() == [3_310, 3_610]
    assert binary.target_names == ["negative", "positive"]
    # Binary = the fine-grained sentences without the neutral ones, 0-1 -> 0, 3-4 -> 1.
    kept = fine.target != 2
    assert binary.data == [doc for doc, keep in zip(fine.data, kept, strict=True) if keep]
    np.testing.assert_array_equal(binary.target, (fine.target[kept] > 2).astype(np.int64))


def test_sst_text_format(sst_dir, offline):
    cased = fetch_sst(labels="fine", lowercase=False, data_home=sst_dir)
    lower = fetch_sst(labels="fine", data_home=sst_dir)
    assert cased.data[0] == FIRST_TREE_TEXT
    assert lower.data == [doc.lower() for doc in cased.data]
    # Brackets stay escaped as in the files; words keep their no-break spaces.
    assert sum("-LRB-" in doc for doc in cased.data) > 0
    assert sum("-lrb-" in doc for doc in lower.data) > 0
    assert not any("(" in doc or ")" in doc or "  " in doc for doc in cased.data)
    assert any(" 2\xa01\\/2 " in doc for doc in lower.data)
    assert all(doc == doc.strip() and doc for doc in cased.data)


def test_sst_binary_sentences_equal_stsa_binary_train(sst_dir, shared_dir, offline):
    sst = fetch_sst(data_home=sst_dir)
    stsa = fetch_sst2("train", data_home=shared_dir)
    # stsa.binary.train lists the same sentences in another (not reproducible)
    # order, and 9 of them twice, so the comparison is of multisets of pairs.
    assert sst.data != stsa.data
    ours = Counter(zip(sst.data, sst.target.tolist(), strict=True))
    theirs = Counter(zip(stsa.data, stsa.target.tolist(), strict=True))
    assert ours == theirs
    assert sum(ours.values()) == 6_920 and len(ours) == 6_911


@pytest.mark.parametrize(
    "labels, lowercase, n, counts",
    [
        ("fine", True, 156_817, [7_190, 27_511, 79_859, 33_013, 9_244]),
        ("fine", False, 159_274, [7_233, 27_711, 81_658, 33_361, 9_311]),
        # 77,195: the "distinct lower-cased phrases" of Kim (2014)'s SST-2 training set.
        ("binary", True, 77_195, [34_786, 42_409]),
        ("binary", False, 77_616, [34_944, 42_672]),
    ],
)
def test_sst_phrases(sst_phrases, labels, lowercase, n, counts):
    phrases = sst_phrases[labels, lowercase]
    assert len(phrases.data) == len(phrases.target) == n
    assert len(set(phrases.data)) == n  # no duplicates
    assert np.bincount(phrases.target).tolist() == counts  # labels in range, all present
    assert phrases.target.min() >= 0 and phrases.target.max() < len(phrases.target_names)
    assert all(phrases.data)


def test_sst_phrases_contain_the_sentences_and_words(sst_dir, sst_phrases, offline):
    # Case kept: every text has a single label in the treebank, so each
    # sentence's phrase label is its root label.
    phrases = sst_phrases["fine", False]
    label = dict(zip(phrases.data, phrases.target.tolist(), strict=True))
    sentences = fetch_sst(labels="fine", lowercase=False, data_home=sst_dir)
    assert all(label[doc] == y for doc, y in zip(sentences.data, sentences.target, strict=True))
    assert phrases.data[0] == FIRST_TREE_TEXT  # the first tree's root comes first
    assert label["The Rock"] == 2 and label["splash"] == 3 and label["Rock"] == 2
    binary = sst_phrases["binary", True]
    binary = dict(zip(binary.data, binary.target, strict=True))
    assert "the rock" not in binary  # neutral: dropped
    assert binary["splash"] == 1


def test_sst_phrases_conflicting_labels(tmp_path, offline, small_splits):
    small_splits(train=3)
    home = _trees_home(
        tmp_path,
        ["(3 (3 Good) (2 film))", "(1 (1 good) (2 film))", "(1 (1 good) (2 .))"],
        name="train.txt",
    )
    fine = fetch_sst(labels="fine", phrases=True, data_home=home)
    # In order of first occurrence; "good film" is 3 once and 1 once (a tie: the
    # first label wins), "good" is 3 once and 1 twice (the majority wins).
    assert fine.data == ["good film", "good", "film", "good .", "."]
    assert fine.target.tolist() == [3, 1, 2, 1, 2]
    binary = fetch_sst(phrases=True, data_home=home)
    assert binary.data == ["good film", "good", "good ."]
    assert binary.target.tolist() == [1, 0, 0]
    cased = fetch_sst(labels="fine", phrases=True, lowercase=False, data_home=home)
    assert cased.data == ["Good film", "Good", "film", "good film", "good", "good .", "."]
    assert cased.target.tolist() == [3, 3, 2, 1, 1, 1, 2]


@pytest.mark.parametrize(
    "line, column, message",
    [
        ("(3 (2 a) (2 b)", None, "1 '(' never closed"),
        ("(3 (2 a)) (2 b))", 11, "text after the end of the tree"),
        ("(3 (2 a))) ", 10, "unbalanced ')'"),
        ("(7 (2 a) (2 b))", 2, "expected a sentiment label 0-4"),
        ("(3 (2 (-1 a)))", 8, "expected a sentiment label 0-4"),
        ("((3 a))", 2, "expected a sentiment label 0-4"),
        ("(3 (2 a b))", 9, "a leaf holds one word"),
        ("(3 (2 a (2 b)))", 9, "a leaf holds one word"),
        ("(3 (2 a) b)", 10, "either one word or subtrees"),
        ("(3 )", 4, "empty node"),
        ("3 (2 a))", 1, "expected '(' at the start of a tree"),
        ("-LRB- (2 a)", 1, "expected '(' at the start of a tree"),
    ],
)
def test_sst_malformed_tree(tmp_path, offline, small_splits, line, column, message):
    small_splits(dev=3)
    home = _trees_home(tmp_path, ["(2 (2 fine) (2 tree))", line, "(3 (3 good))"])
    with pytest.raises(ValueError, match="malformed sentiment tree") as info:
        fetch_sst("dev", labels="fine", data_home=home)
    text = str(info.value)
    assert f"{home / 'dev.txt'}, line 2" in text
    assert message in text
    if column is not None:
        assert f"column {column}:" in text


def test_sst_not_utf8(tmp_path, offline, small_splits):
    small_splits(dev=2)
    home = tmp_path / "home"
    home.mkdir()
    (home / "dev.txt").write_bytes(b"(2 (2 a) (2 b))\n(2 (2 caf\xe9) (2 b))\n")
    with pytest.raises(ValueError, match=r"dev\.txt, line 2: not valid UTF-8"):
        fetch_sst("dev", data_home=home)


def test_sst_blank_lines_and_crlf_are_tolerated(tmp_path, offline, small_splits):
    small_splits(dev=2)
    home = tmp_path / "home"
    home.mkdir()
    (home / "dev.txt").write_bytes(b"(3 (3 good) (2 film))\r\n\r\n(0 (0 bad) (2 film))\r\n\n")
    sst = fetch_sst("dev", labels="fine", data_home=home)
    assert sst.data == ["good film", "bad film"] and sst.target.tolist() == [3, 0]


def test_sst_deep_trees(tmp_path, offline, small_splits):
    small_splits(dev=3, train=3)
    depth = 200_000  # far beyond any recursion limit
    chain = "(1 " * depth + "(0 word)" + ")" * depth
    left = "(3 " * 2_000 + "(2 w)" + " (4 w))" * 2_000  # 2,001 words, 4,001 nodes
    lines = [chain, left, "(2 " * depth + "(2 unclosed)" + ")" * (depth - 5)]
    home = _trees_home(tmp_path, lines[:2] + ["(2 (2 a) (2 b))"])
    sst = fetch_sst("dev", labels="fine", data_home=home)
    assert sst.data == ["word", " ".join(["w"] * 2_001), "a b"]
    assert sst.target.tolist() == [1, 3, 2]
    shutil.copy(home / "dev.txt", home / "train.txt")
    phrases = fetch_sst("train", labels="fine", phrases=True, data_home=home)
    # The chain is one text ("word") seen depth times as 1 and once as 0.
    assert phrases.data[:3] == ["word", " ".join(["w"] * 2_001), " ".join(["w"] * 2_000)]
    assert phrases.target[0] == 1 and len(phrases.data) == 1 + 2_001 + 3
    (home / "dev.txt").write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"line 3: malformed sentiment tree: 5 '\(' never closed"):
        fetch_sst("dev", data_home=home)


def test_sst_local_folder_needs_no_network(sst_dir, offline, tmp_path):
    # A folder holding the archive's tree files (as the shared folder does), or
    # the unzipped archive (its trees/ folder).
    (tmp_path / "trees").mkdir()
    shutil.copy(sst_dir / "train.txt", tmp_path / "trees" / "train.txt")
    assert len(fetch_sst(data_home=tmp_path).data) == 6_920
    assert sorted(os.listdir(tmp_path)) == ["trees"]


@pytest.mark.parametrize("unzipped", [False, True])
def test_sst_wrong_train_file(sst_dir, offline, tmp_path, unzipped):
    folder = tmp_path / "trees" if unzipped else tmp_path
    folder.mkdir(exist_ok=True)
    content = (sst_dir / "train.txt").read_bytes()
    path = folder / "train.txt"
    changed = content.replace(b"(3 splash)", b"(4 splash)", 1)  # one label changed
    assert changed != content
    path.write_bytes(changed)
    with pytest.raises(OSError, match="SHA-256") as info:
        fetch_sst(data_home=tmp_path)
    assert str(path) in str(info.value)
    assert datasets._SST["train"].sha256 in str(info.value)
    # A copy in trees/ can be extracted again: it is deleted. A file placed by
    # hand directly in data_home (a generic name, train.txt) is left alone.
    assert path.exists() is not unzipped
    assert ("deleted" in str(info.value)) is unzipped


def test_sst_wrong_number_of_trees(tmp_path, offline):
    home = _trees_home(tmp_path, ["(3 (3 good) (2 film))"] * 3, name="test.txt")
    with pytest.raises(OSError, match="holds 3 trees, not the 2,210") as info:
        fetch_sst("test", data_home=home)
    assert "left in place" in str(info.value) and (home / "test.txt").exists()
    (home / "trees").mkdir()
    (home / "test.txt").rename(home / "trees" / "test.txt")
    with pytest.raises(OSError, match="holds 3 trees") as info:
        fetch_sst("test", data_home=home)
    assert "deleted" in str(info.value) and not (home / "trees" / "test.txt").exists()


def _fake_archive(folder: Path, train: bytes) -> Path:
    """An archive laid out as the official one; dev and test are training trees."""
    trees = train.decode("utf-8").split("\n")
    path = folder / "trainDevTestTrees_PTB.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("trees/train.txt", train)
        zf.writestr("trees/dev.txt", "\n".join(trees[:1_101]) + "\n")
        zf.writestr("trees/test.txt", "\n".join(trees[1_101:3_311]) + "\n")
    return path


def test_sst_download_and_extract(sst_dir, tmp_path, http_server, monkeypatch):
    served = tmp_path / "served"
    served.mkdir()
    archive = _fake_archive(served, (sst_dir / "train.txt").read_bytes())
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    monkeypatch.setattr(
        datasets, "_SST_ARCHIVE", dataclasses.replace(datasets._SST_ARCHIVE, sha256=digest)
    )
    monkeypatch.setattr(datasets, "SST_BASE_URL", http_server(served))
    cache = tmp_path / "cache"
    sst = fetch_sst("all", labels="fine", data_home=cache)
    assert len(sst.data) == 8_544 + 1_101 + 2_210
    # The archive is kept (a deleted tree file is extracted again offline);
    # the tree files are extracted to trees/, with no temporary file left.
    assert sorted(os.listdir(cache)) == ["trainDevTestTrees_PTB.zip", "trees"]
    assert sorted(os.listdir(cache / "trees")) == ["dev.txt", "test.txt", "train.txt"]
    assert (cache / "trees" / "train.txt").read_bytes() == (sst_dir / "train.txt").read_bytes()
    monkeypatch.setattr(datasets, "SST_BASE_URL", UNREACHABLE)
    assert fetch_sst("all", labels="fine", data_home=cache).data == sst.data
    (cache / "trees" / "dev.txt").unlink()
    assert len(fetch_sst("dev", data_home=cache, n_retries=0).data) > 0


def test_sst_download_with_wrong_checksum(sst_dir, tmp_path, http_server, monkeypatch):
    served = tmp_path / "served"
    served.mkdir()
    archive = _fake_archive(served, (sst_dir / "train.txt").read_bytes())
    monkeypatch.setattr(datasets, "SST_BASE_URL", http_server(served))
    cache = tmp_path / "cache"
    with pytest.raises(OSError, match="SHA-256") as info:
        fetch_sst(data_home=cache, n_retries=1, delay=0.0)
    assert hashlib.sha256(archive.read_bytes()).hexdigest() in str(info.value)
    assert list(cache.iterdir()) == []  # neither the archive, nor a part, nor trees/
    # The same wrong archive placed by hand is refused and deleted.
    shutil.copy(archive, cache)
    monkeypatch.setattr(datasets, "SST_BASE_URL", UNREACHABLE)
    with pytest.raises(OSError, match="SHA-256.*deleted"):
        fetch_sst("test", data_home=cache)
    assert list(cache.iterdir()) == []


def test_sst_offline_error_names_archive_and_manual_steps(offline, tmp_path):
    with pytest.raises(OSError) as info:
        fetch_sst("dev", data_home=tmp_path, n_retries=1, delay=0.0)
    message = str(info.value)
    assert UNREACHABLE + "trainDevTestTrees_PTB.zip" in message
    assert str(tmp_path / "trainDevTestTrees_PTB.zip") in message
    assert datasets._SST_ARCHIVE.sha256 in message
    assert "trees/train.txt, dev.txt and test.txt" in message
    with pytest.raises(OSError, match="download_if_missing is False"):
        fetch_sst("dev", data_home=tmp_path, download_if_missing=False)
    assert list(tmp_path.iterdir()) == []


def test_sst_as_frame_and_return_X_y(tmp_path, offline, small_splits):
    small_splits(dev=2)
    home = _trees_home(tmp_path, ["(3 (3 good) (2 film))", "(2 (2 a) (2 film))"])
    framed = fetch_sst("dev", labels="fine", as_frame=True, data_home=home)
    assert list(framed.frame.columns) == ["text", "target"]
    assert framed.data.tolist() == ["good film", "a film"]
    assert framed.target.tolist() == [3, 2]
    X, y = fetch_sst("dev", return_X_y=True, data_home=home)
    assert X == ["good film"] and y.tolist() == [1]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"subset": "validation"}, "'subset' parameter of fetch_sst"),
        ({"labels": "sst5"}, "'labels' parameter of fetch_sst must be one of"),
        ({"labels": 5}, "'labels' parameter"),
        ({"subset": "test", "phrases": True}, "only available for subset='train'"),
        ({"subset": "all", "phrases": True}, "only available for subset='train'"),
        ({"phrases": "yes"}, "'phrases' parameter of fetch_sst must be an instance of 'bool'"),
        ({"lowercase": None}, "'lowercase' parameter"),
        ({"n_retries": -1}, "n_retries"),
    ],
)
def test_sst_bad_parameters(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        fetch_sst(data_home=tmp_path, **kwargs)
    assert list(tmp_path.iterdir()) == []
