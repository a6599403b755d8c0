"""CNN-rand on MR's ten folds: TextCNNClassifier against the plain PyTorch loop, token for token.

Issue 13's bar for CNN-rand compares ``TextCNNClassifier(mode="rand")`` with its
defaults to a plain PyTorch CNN-rand (``bench_textcnn.run_plain``, which reads
whitespace tokens). On one fold the two differ by less than the spread of
seeds, so this script runs both on all ten folds of MR
(``StratifiedKFold(10, shuffle=True, random_state=42)``; fold 0 is
``bench_textcnn.py``'s "MR fold 1"), each on two token streams:

- ``whitespace``: every whitespace-separated token of the (already tokenized)
  file, as the plain loop reads it;
- ``network``: the estimator's default tokens (``NETWORK_TOKEN_PATTERN``, case
  kept), which split about 8 % of MR's sentences differently ("[a]",
  "writer/director", "characters'").

Both systems read the same tokens in each stream: the documents are first
joined from the stream's tokens with single spaces, then the plain loop splits
them on whitespace and the estimator reads them with ``token_pattern=r"\\S+"``
(its defaults otherwise). The table gives each fold's accuracy, the ten-fold
mean, and the paired differences (mean over folds and seeds, its standard
error, how many are positive): between the systems on each stream, and between
the streams for each system. A difference of streams is split between the
sentences whose tokens differ and those whose tokens do not: what changes on
the second can only come from the rest of the model (its random rows are drawn
in the order of a different vocabulary), not from how those sentences read.

Run from the repository root (one fold of one system: 2-5 minutes with one
torch thread)::

    python benchmarks/bench_textcnn_folds.py --quick   # fold 0, small subsets, 2 epochs
    python benchmarks/bench_textcnn_folds.py --threads 1   # 40 fits: about 2.5 h on 1 core
    python benchmarks/bench_textcnn_folds.py --systems cnn --tokens network --seeds 1 2
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_textcnn as bt  # noqa: E402

SYSTEMS = {"plain": bt.PLAIN_ROW, "cnn": 'TextCNNClassifier(mode="rand"), defaults'}
TOKENS = ("whitespace", "network")


def token_streams(docs: list[str], names) -> tuple[dict[str, list[str]], np.ndarray]:
    """Each stream's documents (tokens joined by spaces), and which documents differ."""
    from skembed import TextCNNClassifier

    analyzer = TextCNNClassifier().build_analyzer()
    network = [analyzer(doc) for doc in docs]
    differs = np.array([tokens != doc.split() for tokens, doc in zip(network, docs, strict=True)])
    joined = {"whitespace": [" ".join(doc.split()) for doc in docs]}
    joined["network"] = [" ".join(tokens) for tokens in network]
    return {name: joined[name] for name in names}, differs


def fit_fold(system: str, task: dict, seeds: list[int], quick: bool) -> list[np.ndarray]:
    """Each seed's test predictions of ``system`` (``--quick``: 2 epochs)."""
    extra = {"max_epochs": 2} if quick else {}
    predictions: list = []
    if system == "plain":
        bt.run_plain(task, seeds, predictions=predictions, **bt.plain_sizes(extra))
    else:
        extra = {"token_pattern": bt.KIM_TOKENS, **extra}
        bt.run_cnn(task, "rand", None, seeds, extra, 0, predictions=predictions)
    return predictions


def paired(diffs: list[float]) -> str:
    if len(diffs) < 2:
        return f"{diffs[0]:+.2f}" if diffs else "-"
    se = statistics.stdev(diffs) / len(diffs) ** 0.5
    positive = sum(d > 0 for d in diffs)
    return f"{statistics.mean(diffs):+.2f} (s.e. {se:.2f}, {positive}/{len(diffs)} > 0)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", help="folder with the Kim (2014) files")
    parser.add_argument("--systems", nargs="+", default=list(SYSTEMS), choices=list(SYSTEMS))
    parser.add_argument("--tokens", nargs="+", default=list(TOKENS), choices=list(TOKENS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--folds", nargs="+", type=int, default=list(range(10)))
    parser.add_argument("--quick", action="store_true", help="fold 0, subsets, 2 epochs")
    parser.add_argument("--threads", type=int, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--out", help="write the accuracies as JSON to this file")
    args = parser.parse_args(argv)

    import torch
    from sklearn.model_selection import StratifiedKFold

    if args.threads:
        torch.set_num_threads(args.threads)
    docs, y = bt.read_labelled(bt.data_dir(args.data) / "rt-polarity.all")
    folds = list(StratifiedKFold(10, shuffle=True, random_state=42).split(docs, y))
    chosen = [0] if args.quick else args.folds
    if args.quick:  # a stratified subset of fold 0: 1,500 training and 400 test sentences
        rng = np.random.default_rng(0)
        train, test = folds[0]
        folds[0] = (np.sort(rng.permutation(train)[:1500]), np.sort(rng.permutation(test)[:400]))
    streams, differs = token_streams(docs, args.tokens)
    print(
        f"MR: {len(docs)} sentences, {int(differs.sum())} tokenized differently by the "
        f"network pattern; folds {chosen}, seeds {args.seeds}",
        flush=True,
    )

    # right[(system, stream)][fold] = per seed, whether each test document is predicted right
    right: dict = {}
    for fold in chosen:
        train, test = folds[fold]
        for system in args.systems:
            for stream in args.tokens:
                X = streams[stream]
                task = {
                    "train": ([X[i] for i in train], y[train]),
                    "test": ([X[i] for i in test], y[test]),
                    "valid": None,
                }
                start = time.perf_counter()
                print(f"fold {fold}, {system}, {stream} tokens", flush=True)
                predictions = fit_fold(system, task, args.seeds, args.quick)
                right.setdefault((system, stream), {})[fold] = [p == y[test] for p in predictions]
                print(f"  {time.perf_counter() - start:.0f} s", flush=True)

    acc = {
        key: {f: [100 * float(r.mean()) for r in seeds] for f, seeds in by_fold.items()}
        for key, by_fold in right.items()
    }
    print("\nAccuracy % on MR's test folds (mean over the seeds):\n")
    print("| system | tokens | " + " | ".join(str(f) for f in chosen) + " | mean |")
    print("| --- | --- |" + " --- |" * (len(chosen) + 1))
    for (system, stream), by_fold in acc.items():
        means = [statistics.mean(by_fold[f]) for f in chosen]
        cells = " | ".join(f"{m:.2f}" for m in means)
        print(f"| {SYSTEMS[system]} | {stream} | {cells} | {statistics.mean(means):.2f} |")

    def diffs(a, b) -> list[float]:  # b - a over every (fold, seed)
        return [sb - sa for f in chosen for sa, sb in zip(acc[a][f], acc[b][f], strict=True)]

    print("\nPaired differences, accuracy points over folds x seeds:\n")
    if len(args.systems) == 2:
        for stream in args.tokens:
            gap = paired(diffs(("plain", stream), ("cnn", stream)))
            print(f"- cnn - plain, {stream} tokens: {gap}")
    if len(args.tokens) == 2:
        test_idx = np.concatenate([folds[f][1] for f in chosen])
        split = differs[test_idx]
        for system in args.systems:
            a, b = (system, "network"), (system, "whitespace")
            line = f"- {system}, whitespace - network tokens: {paired(diffs(a, b))}"
            for name, mask in (("tokens differ", split), ("tokens the same", ~split)):
                gains = []
                for s in range(len(args.seeds)):
                    ra = np.concatenate([right[a][f][s] for f in chosen])
                    rb = np.concatenate([right[b][f][s] for f in chosen])
                    gains.append(100 * (rb[mask].mean() - ra[mask].mean()))
                line += f"; {name} ({int(mask.sum())} sentences): {statistics.mean(gains):+.2f}"
            print(line)
    if args.out:
        rows = {f"{s} / {t}": {str(f): v for f, v in d.items()} for (s, t), d in acc.items()}
        Path(args.out).write_text(json.dumps({"seeds": args.seeds, "accuracy": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
