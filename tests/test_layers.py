"""The import graph of skembed points down only (see docs/developer.md, "Layers").

Each module of the package is given a layer; a module may import modules of
its own layer or of lower ones, never of a higher one, and no module imports
the package top (``skembed/__init__.py``), which only re-exports. The test
reads the source (``ast``), so it also covers imports inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "skembed"

#: Layers, lowest first: a module's layer is that of the longest prefix naming it.
LAYERS: list[tuple[str, ...]] = [
    ("skembed._version", "skembed._io", "skembed._params"),
    ("skembed.vectors",),
    (
        "skembed._text",
        "skembed._sparse",
        "skembed._pooling",
        "skembed._weights",
        "skembed._corpus",
        "skembed._cache",
        "skembed._docstrings",
        "skembed.sentence._model",
        "skembed.sentence._distill",
        "skembed.sentence._embedding_cache",
    ),
    ("skembed._parallel",),
    ("skembed.persistence",),
    ("skembed._base", "skembed._gensim"),
    (
        "skembed.word2vec",
        "skembed.fasttext",
        "skembed.doc2vec",
        "skembed.pretrained",
        "skembed.nn",
        "skembed.sentence",
        "skembed.similarity",
    ),
    ("skembed.distributed", "skembed.datasets", "skembed.testing"),
    ("skembed.cli", "skembed.__main__"),
]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int | None:
    best, rank = -1, None
    for i, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best:
                best, rank = len(name), i
    return rank


MODULES = {
    _module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if _module_name(p) != "skembed"
}


def _imports(module: str, path: Path) -> list[tuple[int, str, list[str]]]:
    """``(line, imported module, imported names)`` of every import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target, [alias.name for alias in node.names]))
    return found


def test_every_module_has_a_layer():
    assert [m for m in MODULES if _layer(m) is None] == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module):
    rank = _layer(module)
    wrong = []
    for line, target, names in _imports(module, MODULES[module]):
        if target == "skembed":
            # "from . import word2vec" names a submodule; anything else is the package top
            submodules = [n for n in names if f"skembed.{n}" in MODULES]
            if not names or len(submodules) < len(names):
                wrong.append(f"line {line}: imports the package top ({names})")
            targets = [f"skembed.{n}" for n in submodules]
        elif target.startswith("skembed."):
            targets = [target]
        else:
            continue
        for t in targets:
            other = _layer(t)
            if other is not None and rank is not None and other > rank:
                wrong.append(f"line {line}: imports {t} (layer {other} > {rank})")
    assert wrong == []
