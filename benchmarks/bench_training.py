"""Training overhead: skembed's fit against raw gensim, and streamed training throughput.

All in one run, printed as tables:

1. ``Word2VecVectorizer.fit`` / ``FastTextVectorizer.fit`` against gensim's ``Word2Vec`` /
   ``FastText`` with the same parameters on the same pre-tokenized corpus (skembed gets
   ``analyzer=lambda tokens: tokens``), so the ratio is skembed's own overhead.
2. Streamed training (an open text file, read once into gensim's ``corpus_file`` mode):
   words per second at ``n_jobs=1`` and ``n_jobs=2``.

The corpus is MR, SST-2 and TREC sentences (``../shared/data/kim2014``), repeated to
about 0.8 million tokens.

    python benchmarks/bench_training.py [--quick] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def load_sentences() -> list[str]:
    from skembed.datasets import fetch_movie_reviews, fetch_sst2, fetch_trec

    home = os.environ.get("SKEMBED_DATA", str(REPO.parent / "shared/data/kim2014"))
    try:
        kw = dict(data_home=home, download_if_missing=False)
        return fetch_movie_reviews(**kw).data + fetch_sst2(**kw).data + fetch_trec(**kw).data
    except OSError as exc:
        sys.exit(f"kim2014 data not available ({exc}); set SKEMBED_DATA.")


def best_of(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import gensim
    from gensim.models import FastText, Word2Vec

    from skembed import FastTextVectorizer, Word2VecVectorizer

    sentences = load_sentences()
    copies = 1 if args.quick else 2
    docs = sentences * copies
    tokens = [d.lower().split() for d in docs]
    n_tokens = sum(map(len, tokens))
    params = dict(vector_size=100, window=5, min_count=2, epochs=5, sg=1)
    ft_params = dict(params, bucket=200_000)

    print(
        f"\nTraining benchmark: {len(docs):,} documents, {n_tokens:,} tokens; "
        f"gensim {gensim.__version__}, python {platform.python_version()}, "
        f"{os.cpu_count()} cores; best of {args.repeat}\n"
    )
    rows = []
    for name, Raw, Ours, p in (
        ("Word2Vec (skip-gram)", Word2Vec, Word2VecVectorizer, params),
        ("FastText (skip-gram)", FastText, FastTextVectorizer, ft_params),
    ):
        t_raw = best_of(lambda R=Raw, p=p: R(tokens, seed=0, workers=1, **p), args.repeat)
        ours = Ours(analyzer=lambda toks: toks, random_state=0, n_jobs=1, **p)
        t_ours = best_of(lambda o=ours: o.fit(tokens), args.repeat)
        rows.append((name, t_raw, t_ours))
    print(
        f"| {'model, n_jobs=1':22} | {'gensim s':>9} | {'skembed s':>9} | {'ratio':>6} | bar    |"
    )
    print(f"|{'-' * 24}|{'-' * 11}|{'-' * 11}|{'-' * 8}|--------|")
    for name, t_raw, t_ours in rows:
        ratio = t_ours / t_raw
        met = "yes" if ratio <= 1.10 else "NO"
        print(f"| {name:22} | {t_raw:9.2f} | {t_ours:9.2f} | {ratio:6.3f} | <=1.10 {met} |")

    # streamed training from a text file
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "corpus.txt"
        path.write_text("\n".join(docs) + "\n", encoding="utf-8")
        print(
            f"\n| {'streamed from a file':28} | {'n_jobs':>6} | {'seconds':>8} | {'words/s':>10} |"
        )
        print(f"|{'-' * 30}|{'-' * 8}|{'-' * 10}|{'-' * 12}|")
        speeds = {}
        for name, Ours, p in (
            ("Word2VecVectorizer", Word2VecVectorizer, params),
            ("FastTextVectorizer", FastTextVectorizer, ft_params),
        ):
            for n_jobs in (1, 2):
                vec = Ours(random_state=0, n_jobs=n_jobs, **p)

                def fit(vec=vec):
                    with open(path, encoding="utf-8") as fh:
                        vec.fit(fh)

                t = best_of(fit, args.repeat)
                wps = n_tokens * p["epochs"] / t
                speeds[name, n_jobs] = wps
                print(f"| {name:28} | {n_jobs:6d} | {t:8.2f} | {wps:10,.0f} |")
        for name in ("Word2VecVectorizer", "FastTextVectorizer"):
            ratio = speeds[name, 2] / speeds[name, 1]
            print(f"{name}: n_jobs=2 / n_jobs=1 throughput = {ratio:.2f}x")


if __name__ == "__main__":
    main()
