"""Forking only when it is safe, workers that die with their parent, nothing left after a kill.

Each scenario that could hang or kill runs in its own Python process with a
timeout, so a regression fails the test instead of blocking the suite.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from scripts import run_python

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="transform forks workers on Linux only"
)

#: Shared by the scripts: a fitted estimator and enough documents for two workers.
PRELUDE = textwrap.dedent(
    """
    import os, sys, threading
    import numpy as np
    from gensim.test.utils import datapath
    from skembed import Doc2VecVectorizer, Word2VecVectorizer
    from skembed._base import CHUNK_SIZE

    with open(datapath("lee_background.cor"), encoding="utf-8") as fh:
        corpus = [line.strip() for line in fh if line.strip()]
    sentences = [s for doc in corpus for s in doc.split(". ") if s]
    docs = [sentences[i % len(sentences)] for i in range(2 * CHUNK_SIZE + 57)]
    forks = []
    os.register_at_fork(after_in_parent=lambda: forks.append(1))
    """
)


def _run(script: str, timeout: float = 240, **kwargs) -> subprocess.CompletedProcess:
    """Run ``script`` after :data:`PRELUDE` in a fresh interpreter; fail on a time-out."""
    proc = run_python(["-c", PRELUDE + textwrap.dedent(script)], timeout=timeout, **kwargs)
    assert proc.returncode == 0, proc.stderr
    return proc


def test_doc2vec_transform_beside_another_transforming_thread_does_not_hang():
    """A fork while another thread holds the inference lock used to deadlock the worker."""
    out = _run(
        """
        vec = Doc2VecVectorizer(vector_size=8, epochs=2, min_count=2, infer_epochs=5,
                                random_state=0)
        vec.fit(corpus[:80])
        docs = [" ".join(doc.split()[:3]) for doc in docs]  # short: fast inference
        expected = vec.transform(docs)
        stop, busy_now = threading.Event(), threading.Event()

        def busy():
            while not stop.is_set():
                vec.transform(docs[:CHUNK_SIZE])  # inference holds the lock most of the time
                busy_now.set()

        thread = threading.Thread(target=busy)
        thread.start()
        busy_now.wait()
        from skembed.doc2vec import _INFERENCE_LOCK
        while not _INFERENCE_LOCK.locked():  # the other thread is inferring: fork now
            pass
        try:
            got = vec.set_params(n_jobs=2).transform(docs)
        finally:
            stop.set()
            thread.join()
        np.testing.assert_array_equal(got, expected)
        print("forks", len(forks))
        """
    )
    assert "forks 0" in out.stdout  # not forked: another thread was running


def test_fork_is_used_when_it_is_safe_and_gives_the_same_bytes():
    out = _run(
        """
        from skembed._parallel import fork_is_safe
        vec = Word2VecVectorizer(vector_size=8, epochs=1, min_count=1, random_state=0)
        vec.fit(corpus)
        expected = vec.transform(docs)
        assert fork_is_safe()
        got = vec.set_params(n_jobs=2).transform(docs)
        np.testing.assert_array_equal(got, expected)
        print("forks", len(forks))
        """
    )
    assert "forks 1" in out.stdout


def test_a_joblib_backend_chosen_by_the_user_is_respected():
    out = _run(
        """
        from joblib import parallel_config
        vec = Word2VecVectorizer(vector_size=8, epochs=1, min_count=1, random_state=0)
        vec.fit(corpus)
        expected = vec.transform(docs)
        with parallel_config(backend="threading"):
            got = vec.set_params(n_jobs=2).transform(docs)
        np.testing.assert_array_equal(got, expected)
        docs[CHUNK_SIZE + 3] = None  # the error names the document, as sequentially
        try:
            with parallel_config(backend="threading"):
                vec.transform(docs)
        except ValueError as exc:
            print(exc)
        print("forks", len(forks))
        """
    )
    assert "forks 0" in out.stdout
    assert "Document 4099 is None" in out.stdout


def test_threads_make_transform_use_joblib_with_the_same_error():
    out = _run(
        """
        vec = Word2VecVectorizer(vector_size=8, epochs=1, min_count=1, random_state=0)
        vec.fit(corpus)
        docs[CHUNK_SIZE + 10] = None
        docs[-1] = 5
        stop = threading.Event()
        thread = threading.Thread(target=stop.wait)
        thread.start()
        try:
            vec.set_params(n_jobs=2).transform(docs)
        except ValueError as exc:
            print(exc)
        finally:
            stop.set()
            thread.join()
        print("forks", len(forks))
        """
    )
    assert "forks 0" in out.stdout
    assert f"Document {4096 + 10} is None" in out.stdout


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as fh:
        return [int(p) for p in fh.read().split()]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_workers_die_with_their_parent():
    """SIGKILL the parent mid-transform: its forked workers must not live on."""
    script = PRELUDE + textwrap.dedent(
        """
        vec = Doc2VecVectorizer(vector_size=8, epochs=2, min_count=2, infer_epochs=200,
                                random_state=0).fit(corpus[:80])
        print("fitted", flush=True)
        vec.set_params(n_jobs=2).transform(docs * 4)  # minutes of inference
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        assert proc.stdout.readline().strip() == "fitted"
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while not workers and time.monotonic() < deadline:
            time.sleep(0.2)
            workers = _children(proc.pid)
        assert workers, "no worker was forked"
        proc.kill()
        proc.wait()
        deadline = time.monotonic() + 10
        while any(map(_alive, workers)) and time.monotonic() < deadline:
            time.sleep(0.1)
        survivors = [pid for pid in workers if _alive(pid)]
        assert survivors == [], "workers outlived their killed parent"
    finally:
        for pid in [proc.pid, *workers]:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, UnboundLocalError):
                pass
        proc.wait()


STREAMED_FIT = """
import sys, time
from skembed import Word2VecVectorizer
from gensim.test.utils import datapath

def stream():
    with open(datapath("lee_background.cor"), encoding="utf-8") as fh:
        yield from fh
    print("streamed", flush=True)

Word2VecVectorizer(vector_size=50, epochs=100000, min_count=1).fit(stream())
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_killed_streamed_fit_leaves_no_token_file(tmp_path, sig):
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-c", STREAMED_FIT], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert proc.stdout.readline().strip() == "streamed"
        time.sleep(1.0)  # training on the token file
        assert proc.poll() is None
        proc.send_signal(sig)
        proc.wait(timeout=30)
    finally:
        proc.kill()
        proc.wait()
    assert list(tmp_path.iterdir()) == []


def test_skembed_train_killed_by_sigterm_leaves_no_token_file(tmp_path):
    corpus = tmp_path / "corpus.txt"
    from gensim.test.utils import datapath

    corpus.write_text(Path(datapath("lee_background.cor")).read_text(encoding="utf-8") * 3)
    work = tmp_path / "tmp"
    work.mkdir()
    env = {**os.environ, "TMPDIR": str(work)}
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "skembed", "train", str(corpus),
            "--out", str(tmp_path / "out"), "--epochs", "100000", "--min-count", "1",
        ],
        env=env,
    )  # fmt: skip
    try:
        time.sleep(6)  # imports, the token file, then training
        assert proc.poll() is None
        proc.terminate()
        proc.wait(timeout=30)
    finally:
        proc.kill()
        proc.wait()
    assert list(work.iterdir()) == []
    assert not (tmp_path / "out").exists()


def test_atomic_file_removes_what_a_killed_writer_left(tmp_path):
    from skembed._io import atomic_file

    target = tmp_path / "data.bin"
    script = textwrap.dedent(
        f"""
        import os, time
        from skembed._io import atomic_file
        with atomic_file({str(target)!r}) as fd:
            os.write(fd, b"partial")
            print("writing", flush=True)
            time.sleep(60)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    proc.kill()
    proc.wait()
    leftovers = [p.name for p in tmp_path.iterdir()]
    assert len(leftovers) == 1 and leftovers[0].endswith(".part")  # what a kill leaves
    assert not target.exists()
    with atomic_file(target) as fd:
        os.write(fd, b"complete")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.bin"]
    assert target.read_bytes() == b"complete"


def test_atomic_file_leaves_nothing_when_the_block_raises(tmp_path):
    from skembed._io import atomic_file

    target = tmp_path / "data.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_file(target) as fd:
        os.write(fd, b"new")
        raise RuntimeError("stop")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.bin"]
    assert target.read_bytes() == b"old"
