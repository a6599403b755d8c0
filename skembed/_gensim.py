"""Training gensim models on token lists: the part Word2Vec, FastText and Doc2Vec share."""

from __future__ import annotations

from time import perf_counter
from typing import Any

from gensim.models.callbacks import CallbackAny2Vec

from ._vectors import stable_hash

#: gensim's Cython routines silently truncate longer sentences.
MAX_SENTENCE_LENGTH = 10_000


def split_long(token_lists: list[list[str]], limit: int = MAX_SENTENCE_LENGTH) -> list[list[str]]:
    """Cut documents longer than gensim's limit into pieces, so no token is dropped."""
    if all(len(t) <= limit for t in token_lists):
        return token_lists
    out = []
    for tokens in token_lists:
        if len(tokens) <= limit:
            out.append(tokens)
        else:
            out.extend(tokens[i : i + limit] for i in range(0, len(tokens), limit))
    return out


class EpochProgress(CallbackAny2Vec):
    """A tqdm bar over epochs, showing words per second."""

    def __init__(self, name: str):
        self.name = name
        self.bar = None
        self.t0 = 0.0

    def on_train_begin(self, model):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=model.epochs, desc=f"[{self.name}] training", unit="epoch")

    def on_epoch_begin(self, model):
        self.t0 = perf_counter()

    def on_epoch_end(self, model):
        elapsed = max(perf_counter() - self.t0, 1e-9)
        words = getattr(model, "corpus_total_words", 0) or 0
        self.bar.set_postfix_str(f"{words / elapsed:,.0f} words/s")
        self.bar.update()

    def on_train_end(self, model):
        self.bar.close()


def gensim_common_kwargs(seed: int, workers: int) -> dict[str, Any]:
    """Arguments every gensim model gets: a seed, workers, a PYTHONHASHSEED-free hash."""
    return {"seed": seed, "workers": workers, "hashfxn": stable_hash}


def train(model, corpus: dict, *, name: str, verbose: int, min_count: int) -> None:
    """Build the vocabulary of ``model`` and train it.

    ``corpus`` is ``{"corpus_iterable": ...}`` or ``{"corpus_file": path}``
    (see :mod:`skembed._corpus`).

    Raises
    ------
    ValueError
        If no word survives ``min_count`` (and the other vocabulary filters).
    """
    model.build_vocab(**corpus)
    if len(model.wv) == 0:
        raise ValueError(
            f"Empty vocabulary: no token occurs at least min_count={min_count} times in "
            f"the {model.corpus_count} training documents (or all were filtered out). "
            "Lower min_count, check the tokenization parameters, or fit on more text."
        )
    callbacks = [EpochProgress(name)] if verbose else []
    totals = (
        {"total_words": model.corpus_total_words}
        if "corpus_file" in corpus
        else {"total_examples": model.corpus_count}
    )
    model.train(**corpus, **totals, epochs=model.epochs, callbacks=callbacks)
    model.callbacks = ()
