"""Build the documentation with warnings as errors, without running the gallery.

The build works on a copy of ``docs/`` in a temporary directory (with the rest of
the checkout linked beside it, where ``docs/conf.py`` looks for ``examples/``), so
the generated API stubs and gallery pages never land in the checkout. The examples are
not executed here (``plot_gallery=0``): ``tests/test_examples.py`` runs them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

for module in ("sphinx", "numpydoc", "sphinx_gallery", "pydata_sphinx_theme", "myst_parser"):
    pytest.importorskip(module, reason="the docs extra is not installed")

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"

#: Seconds the build may take (about a minute on two cores).
TIMEOUT = 900


def _public_names() -> list[str]:
    import skembed

    return [name for name in skembed.__all__ if not name.startswith("_")]


@pytest.fixture(scope="module")
def html(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("docs-build")
    shutil.copytree(
        DOCS,
        root / "docs",
        ignore=shutil.ignore_patterns(
            "_build", "gen_modules", "auto_examples", "sg_execution_times.rst"
        ),
    )
    # the rest of the checkout beside it, as links: conf.py finds examples/ there, and
    # pages may include README.md or link to files such as benchmarks/*.py
    for entry in REPO.iterdir():
        if entry.name not in {"docs", ".git", ".venv"}:
            (root / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    out = root / "html"
    env = {**os.environ, "SKEMBED_DOCS_PLOT_GALLERY": "0", "MPLBACKEND": "Agg"}
    command = [
        sys.executable,
        "-m",
        "sphinx",
        "-W",
        "--keep-going",
        "-b",
        "html",
        "-d",
        str(root / "doctrees"),
        "-D",
        "plot_gallery=0",
        str(root / "docs"),
        str(out),
    ]
    start = time.perf_counter()
    result = subprocess.run(
        command, cwd=root, env=env, capture_output=True, text=True, timeout=TIMEOUT
    )
    print(f"docs build: {time.perf_counter() - start:.1f} s")
    assert result.returncode == 0, (
        f"sphinx failed (exit {result.returncode})\n--- stdout ---\n{result.stdout[-3000:]}"
        f"\n--- stderr (warnings) ---\n{result.stderr[-6000:]}"
    )
    return out


def test_pages_exist(html):
    for page in [
        "index",
        "getting_started",
        "api",
        "benchmarks",
        "textcnn_benchmark",
        "performance",
        "persistence",
        "user_guide/index",
        "auto_examples/index",
    ]:
        assert (html / f"{page}.html").is_file(), page


@pytest.mark.parametrize("name", _public_names())
def test_api_page_for_every_public_name(html, name):
    """Everything in ``skembed.__all__`` has a generated page listed in api.rst."""
    page = html / "gen_modules" / f"skembed.{name}.html"
    assert page.is_file(), f"add {name} to docs/api.rst"
    text = page.read_text(encoding="utf-8")
    assert name in text


def test_estimator_pages_document_parameters(html):
    for name in [
        "Word2VecVectorizer",
        "FastTextVectorizer",
        "Doc2VecVectorizer",
        "MeanEmbeddingVectorizer",
        "TextCNNClassifier",
    ]:
        text = (html / "gen_modules" / f"skembed.{name}.html").read_text(encoding="utf-8")
        # numpydoc rendered the Parameters section and the methods are listed
        assert "Parameters" in text and "random_state" in text, name
        assert "fit" in text, name


def test_every_example_is_in_the_gallery(html):
    for script in sorted((REPO / "examples").glob("plot_*.py")):
        assert (html / "auto_examples" / f"{script.stem}.html").is_file(), script.name
