"""Training corpora: in memory, or streamed once into a temporary token file.

``fit`` sees the training documents through one of two corpora with the same
interface:

- :class:`MemoryCorpus` when the documents are a sized collection (list, tuple,
  array, Series): the token lists are kept and gensim trains on them.
- :class:`FileCorpus` when they are a stream (a generator, an open file, any
  iterable without ``len``): the documents are read once, tokenized and written
  to a scratch file of space-separated tokens, one document per line (unnamed
  on Linux, so that no kill leaves it in ``$TMPDIR``); gensim
  trains on that file in its ``corpus_file`` mode (its C++ reader, which also
  scales with ``n_jobs``), and weights and outputs are computed by reading it
  back in chunks. The corpus is never held in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ._io import scratch_file
from ._text import _validated, build_analyzer, tokenize

#: Documents per chunk when a file corpus is read back.
READ_CHUNK = 4096

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


def is_stream(raw_documents: Any) -> bool:
    """Whether ``raw_documents`` should be streamed (an iterable without ``len``)."""
    return not hasattr(raw_documents, "__len__") and not isinstance(raw_documents, (str, bytes))


class MemoryCorpus:
    """Token lists held in memory."""

    def __init__(self, tokens: list[list[str]]):
        self.tokens = tokens
        self.n_docs = len(tokens)
        self.n_tokens = sum(len(t) for t in tokens)

    def chunks(self) -> Iterator[list[list[str]]]:
        if self.tokens:
            yield self.tokens

    def gensim_input(self, tagged: bool = False) -> dict[str, Any]:
        if tagged:
            from gensim.models.doc2vec import TaggedDocument

            return {"corpus_iterable": [TaggedDocument(t, [i]) for i, t in enumerate(self.tokens)]}
        return {"corpus_iterable": split_long(self.tokens)}


class FileCorpus:
    """Tokens written once to a temporary file, one document per line."""

    def __init__(self, path: str, n_docs: int, n_tokens: int):
        self.path = path
        self.n_docs = n_docs
        self.n_tokens = n_tokens

    def chunks(self) -> Iterator[list[list[str]]]:
        with open(self.path, encoding="utf-8") as fh:
            chunk = []
            for line in fh:
                chunk.append(line.split())
                if len(chunk) == READ_CHUNK:
                    yield chunk
                    chunk = []
            if chunk:
                yield chunk

    def gensim_input(self, tagged: bool = False) -> dict[str, Any]:
        return {"corpus_file": self.path}


def _write_tokens(raw_documents: Any, params: dict[str, Any], fh) -> tuple[int, int]:
    analyzer = build_analyzer(params)
    n_docs = n_tokens = 0
    for index, doc in enumerate(_validated(raw_documents, params)):
        tokens = list(analyzer(doc))
        for tok in tokens:
            if not tok or tok.split() != [tok]:
                raise ValueError(
                    f"Token {tok!r} of document {index} is empty or contains whitespace; "
                    "streamed training writes whitespace-separated tokens. Fit on a list "
                    "of documents instead, or change the analyzer."
                )
        try:
            fh.write(" ".join(tokens))
        except UnicodeEncodeError:
            raise unencodable_token_error(index, tokens) from None
        fh.write("\n")
        n_docs += 1
        n_tokens += len(tokens)
    return n_docs, n_tokens


def unencodable_token_error(index: int, tokens: list[str]) -> ValueError:
    """The error for a document with a token that has no UTF-8 encoding (a lone surrogate)."""
    bad = next((t for t in tokens if not utf8_encodable(t)), None)
    return ValueError(
        f"Token {bad!r} of document {index} holds a lone surrogate, which has no UTF-8 "
        "encoding, so it cannot be trained on. Clean the documents first, e.g. with "
        "doc.encode('utf-8', 'replace').decode('utf-8')."
    )


def utf8_encodable(token: str) -> bool:
    try:
        token.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@contextmanager
def open_corpus(raw_documents: Any, params: dict[str, Any]):
    """Yield a :class:`MemoryCorpus` or, for a stream, a :class:`FileCorpus` (removed after)."""
    if not is_stream(raw_documents):
        yield MemoryCorpus(tokenize(raw_documents, params))
        return
    # a scratch file: no signal (SIGTERM, SIGKILL) leaves the token copy behind
    with scratch_file(prefix="skembed-corpus-", suffix=".txt") as path:
        with open(path, "w", encoding="utf-8") as fh:
            n_docs, n_tokens = _write_tokens(raw_documents, params, fh)
        yield FileCorpus(path, n_docs, n_tokens)
