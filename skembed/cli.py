"""The ``skembed`` command line: train, convert, query and evaluate word vectors.

    skembed train CORPUS --model word2vec --out DIR     # one document per line
    skembed convert vectors.bin DIR                      # word2vec/GloVe/fastText -> native
    skembed similar DIR WORD [--topn 10]
    skembed evaluate DIR                                 # WordSim353, SimLex-999, analogies

Errors are one line on stderr and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

MODELS = ("word2vec", "fasttext", "doc2vec")


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


def _cmd_train(args: argparse.Namespace) -> None:
    from pathlib import Path

    from . import Doc2VecVectorizer, FastTextVectorizer, Word2VecVectorizer
    from ._native import save_vectors

    corpus = Path(args.corpus)
    if not corpus.is_file():
        raise FileNotFoundError(f"corpus file not found: {str(corpus)!r}")
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
        params["bucket"] = args.bucket
    vec = cls(**params)
    with open(corpus, encoding="utf-8", errors="replace") as fh:
        vec.fit(fh)  # streamed: read once, never held in memory
    words = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
    out = save_vectors(
        args.out, words, vec.vectors_, getattr(vec, "subwords_", None), overwrite=args.overwrite
    )
    print(f"{len(words):,} words x {vec.vectors_.shape[1]} written to {out}")


def _cmd_convert(args: argparse.Namespace) -> None:
    from ._native import convert_vectors

    out = convert_vectors(args.src, args.dst, args.format, overwrite=args.overwrite)
    print(f"converted {args.src} -> {out}")


def _open_kv(path: str):
    from ._native import open_vectors
    from ._vectors import arrays_to_keyed_vectors

    words, vectors, _ = open_vectors(path)
    return arrays_to_keyed_vectors(words, vectors)


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="skembed", description=__doc__.split("\n")[0])
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
    p.add_argument("--bucket", type=int, default=2_000_000, help="fastText hash buckets")
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

    p = sub.add_parser("similar", help="nearest words by cosine similarity")
    p.add_argument("vectors", help="native vectors directory")
    p.add_argument("word")
    p.add_argument("--topn", type=int, default=10)
    p.set_defaults(func=_cmd_similar)

    p = sub.add_parser("evaluate", help="word similarity and analogy benchmarks")
    p.add_argument("vectors", help="native vectors directory")
    p.add_argument(
        "--restrict-vocab",
        type=int,
        default=30_000,
        help="answer analogies among the most frequent words only (gensim's analogy "
        "search is one question at a time; the questions use common words)",
    )
    p.set_defaults(func=_cmd_evaluate)
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
    except (OSError, ValueError, KeyError, TypeError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"skembed {args.command}: error: {message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
