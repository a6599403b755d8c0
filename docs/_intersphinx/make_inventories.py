"""Write the intersphinx inventories of scikit-learn, numpy, scipy and gensim used by the docs.

The documentation builds offline, so it cannot fetch ``objects.inv`` from the
projects' sites. This script lists the public API of the *installed* packages
(each name once, with the page its project publishes it on) in Sphinx's
inventory format, version 2. Run it again after upgrading one of them::

    python docs/_intersphinx/make_inventories.py
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _role(obj) -> str:
    if inspect.isclass(obj):
        return "py:class"
    if inspect.ismodule(obj):
        return "py:module"
    return "py:function"


def _write(name: str, project: str, version: str, entries: dict[str, tuple[str, str]]) -> None:
    lines = [f"{full} {role} 1 {uri} -" for full, (role, uri) in sorted(entries.items())]
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    body = zlib.compress(("\n".join(lines) + "\n").encode("utf-8"))
    (HERE / f"{name}.inv").write_bytes(header.encode("utf-8") + body)
    print(f"{name}.inv: {len(entries)} names")


def sklearn_entries() -> dict[str, tuple[str, str]]:
    import sklearn

    entries = {}
    for mod_name in sklearn.__all__:
        try:
            module = importlib.import_module(f"sklearn.{mod_name}")
        except ImportError:
            continue
        entries[module.__name__] = ("py:module", f"api/{module.__name__}.html")
        for name in getattr(module, "__all__", []):
            try:
                obj = getattr(module, name, None)
            except ImportError:  # an experimental name that needs an enable_* import
                continue
            if obj is None or inspect.ismodule(obj):
                continue
            full = f"{module.__name__}.{name}"
            entries[full] = (_role(obj), "modules/generated/$.html#$")
    return entries


def numpy_entries() -> dict[str, tuple[str, str]]:
    import numpy as np

    entries = {"numpy": ("py:module", "reference/index.html")}
    for name in np.__all__:
        obj = getattr(np, name, None)
        if obj is None or inspect.ismodule(obj) or name.startswith("_"):
            continue
        entries[f"numpy.{name}"] = (_role(obj), "reference/generated/$.html#$")
    for name in ("memmap", "dtype", "generic", "random.RandomState", "random.Generator"):
        entries[f"numpy.{name}"] = ("py:class", "reference/generated/$.html#$")
    return entries


def scipy_entries() -> dict[str, tuple[str, str]]:
    import scipy.sparse

    entries = {}
    for name in scipy.sparse.__all__:
        obj = getattr(scipy.sparse, name, None)
        if obj is not None and not inspect.ismodule(obj):
            entries[f"scipy.sparse.{name}"] = (_role(obj), "reference/generated/$.html#$")
    return entries


def gensim_entries() -> dict[str, tuple[str, str]]:
    import gensim.models

    entries = {}
    for info in pkgutil.iter_modules(gensim.models.__path__):
        if info.name.startswith("_") or info.name.endswith("_inner"):
            continue
        try:
            module = importlib.import_module(f"gensim.models.{info.name}")
        except ImportError:
            continue
        page = f"models/{info.name}.html"
        entries[module.__name__] = ("py:module", page)
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isclass(obj) or inspect.isfunction(obj):
                canonical = f"{module.__name__}.{name}"
                entries[canonical] = (_role(obj), f"{page}#$")
                if getattr(gensim.models, name, None) is obj:  # re-exported: gensim.models.X
                    entries[f"gensim.models.{name}"] = (_role(obj), f"{page}#{canonical}")
    return entries


def main() -> None:
    import gensim
    import numpy
    import scipy
    import sklearn

    _write("sklearn", "scikit-learn", sklearn.__version__, sklearn_entries())
    _write("numpy", "NumPy", numpy.__version__, numpy_entries())
    _write("scipy", "SciPy", scipy.__version__, scipy_entries())
    _write("gensim", "gensim", gensim.__version__, gensim_entries())


if __name__ == "__main__":
    main()
