"""Sphinx configuration of the skembed documentation.

Build (offline, warnings as errors)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The gallery runs the examples in ``examples/`` unless told not to, with
``-D plot_gallery=0`` or the environment variable ``SKEMBED_DOCS_PLOT_GALLERY=0``
(``tests/test_docs.py`` does the latter; ``tests/test_examples.py`` runs the
examples as scripts instead).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
sys.path.insert(0, str(REPO))

# The examples read the Kim (2014) datasets through skembed.datasets, which looks in
# $SKEMBED_DATA first: use the shared copy beside the checkout when there is one, so
# that the build needs no network.
_KIM2014 = REPO.parent / "shared" / "data" / "kim2014"
if not os.environ.get("SKEMBED_DATA") and _KIM2014.is_dir():
    os.environ["SKEMBED_DATA"] = str(_KIM2014)
# The examples also save their figures as PNG files; during a docs build they go to a
# scratch folder, not into the source tree (sphinx-gallery captures them itself).
if not os.environ.get("SKEMBED_EXAMPLES_OUT"):
    os.environ["SKEMBED_EXAMPLES_OUT"] = tempfile.mkdtemp(prefix="skembed-examples-")
os.environ.setdefault("MPLBACKEND", "Agg")
# The gallery runs the examples in this process. They are small: one BLAS / OpenMP /
# torch thread each is enough, and on a busy machine spinning worker threads can make
# them many times slower. Set before numpy (imported with skembed below) loads.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import skembed  # noqa: E402

# -- Project -----------------------------------------------------------------------
project = "skembed"
author = "The skembed developers"
copyright = "2025, The skembed developers"  # noqa: A001
release = skembed.__version__
version = ".".join(release.split(".")[:2])

# -- General -----------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
default_role = "literal"
pygments_style = "sphinx"

# -- intersphinx ---------------------------------------------------------------------
# The build must work offline, so the inventories are read from docs/_intersphinx/, written
# from the installed packages by docs/_intersphinx/make_inventories.py; the links point to
# the projects' published documentation.
_INVENTORIES = Path(__file__).resolve().parent / "_intersphinx"
intersphinx_mapping = {
    "sklearn": ("https://scikit-learn.org/stable/", str(_INVENTORIES / "sklearn.inv")),
    "numpy": ("https://numpy.org/doc/stable/", str(_INVENTORIES / "numpy.inv")),
    "scipy": ("https://docs.scipy.org/doc/scipy/", str(_INVENTORIES / "scipy.inv")),
    "gensim": ("https://radimrehurek.com/gensim/", str(_INVENTORIES / "gensim.inv")),
}

# -- autodoc / autosummary / numpydoc ----------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": False, "inherited-members": False}
autodoc_typehints = "none"
add_module_names = False

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- MyST (the Markdown pages: benchmarks, persistence) ---------------------------
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3

# -- sphinx-gallery ----------------------------------------------------------------
# "0", "false" or "no" in SKEMBED_DOCS_PLOT_GALLERY (or -D plot_gallery=0) renders the
# examples without running them.
# (sphinx-gallery declares the value as a string that evaluates to a bool)
_RUN_EXAMPLES = os.environ.get("SKEMBED_DOCS_PLOT_GALLERY", "1").lower() not in {"0", "false", "no"}
plot_gallery = str(_RUN_EXAMPLES)

sphinx_gallery_conf = {
    "examples_dirs": str(REPO / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("skembed",),
    "reference_url": {"skembed": None},
    "backreferences_dir": "gen_modules/backreferences",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "show_memory": False,
    "min_reported_time": 5,
    # set in _gallery_timings below, from the final value of plot_gallery
    "write_computation_times": _RUN_EXAMPLES,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
}

# -- HTML ----------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skembed {release}"
html_static_path = ["_static"]
html_css_files = ["skembed.css"]
html_show_sourcelink = False
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
    "secondary_sidebar_items": ["page-toc"],
}
html_context = {"default_mode": "light"}


# -- Inherited scikit-learn docstrings ------------------------------------------------
# The estimators inherit get_params, set_output, score, set_*_request, ... whose
# docstrings point into scikit-learn's own documentation (:ref:`metadata_routing`,
# :term:`meta-estimator`). Offline there is nothing to link to: render those
# references as plain emphasised text instead of letting them fail the build.
_SKLEARN_XREF = re.compile(r":(?:ref|term|doc):`([^`]*)`")


def _xref_text(match: re.Match) -> str:
    text = match.group(1)
    explicit = re.fullmatch(r"(.*?)\s*<[^>]*>", text, flags=re.DOTALL)
    label = (explicit.group(1) if explicit else text).strip() or text
    return f"*{label}*"


def _plain_sklearn_xrefs(app, what, name, obj, options, lines) -> None:
    module = getattr(obj, "__module__", None) or ""
    if module == "sklearn" or module.startswith("sklearn."):
        lines[:] = [_SKLEARN_XREF.sub(_xref_text, line) for line in lines]


# A parameter line too long for the source is continued with a backslash, as in
# scikit-learn ("vectors_format : {'auto', ...}, \\" + "default='auto'"); in a raw
# docstring the backslash stays in the text, so join such lines here.
_CONTINUED_PARAM = re.compile(r"^\s*\*{0,2}\w[\w, ]*\s:\s.*\\$")


def _join_continued_params(app, what, name, obj, options, lines) -> None:
    i = 0
    while i < len(lines) - 1:
        if _CONTINUED_PARAM.match(lines[i].rstrip()):
            lines[i] = lines[i].rstrip()[:-1].rstrip() + " " + lines[i + 1].strip()
            del lines[i + 1]
        else:
            i += 1


def _gallery_timings(app, config) -> None:
    # The timing page (sg_execution_times.rst) only means something when the examples
    # run; -D plot_gallery=0 on the command line is only known here.
    run = str(config.plot_gallery).strip().lower() not in {"0", "false", "no", ""}
    config.sphinx_gallery_conf["write_computation_times"] = run


def setup(app) -> None:
    app.connect("config-inited", _gallery_timings)
    # Both run before numpydoc (priority 500) parses and reformats the docstring.
    app.connect("autodoc-process-docstring", _plain_sklearn_xrefs, priority=400)
    app.connect("autodoc-process-docstring", _join_continued_params, priority=400)
