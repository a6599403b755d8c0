"""Tests of skembed.datasets: reading, caching, checksums and download failures.

The files come from the shared data folder (``../shared/data/kim2014`` next to
the clone, or ``$SKEMBED_KIM2014``); tests that need them are skipped when it is
absent. Downloads are exercised against a real HTTP server on localhost and an
unreachable local port, so no test touches the internet.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import shutil
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skembed import datasets
from skembed.datasets import fetch_movie_reviews, fetch_sst2, fetch_trec, get_data_home

REPO = Path(__file__).resolve().parents[1]
KIM2014 = Path(os.environ.get("SKEMBED_KIM2014", REPO.parent / "shared" / "data" / "kim2014"))
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
