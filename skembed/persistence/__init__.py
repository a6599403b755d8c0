"""Saving and loading fitted estimators without pickle.

:func:`save` writes an estimator, or a ``Pipeline`` / ``FeatureUnion`` /
``ColumnTransformer`` holding skembed estimators, as a directory of JSON,
``.npy`` and word files; :func:`load` reads it back without unpickling
anything, memory-mapped by default.

Only registered classes are ever constructed (:func:`register`,
:func:`registered_classes`): skembed's estimators, which declare the
attributes of their fitted state, and scikit-learn's three meta-estimators.
Any other estimator of a pipeline (``LogisticRegression``, ...) is stored
with skops (``pip install "skembed[skops]"``), whose audited list of trusted
types is extended by skembed's own classes only. Every value is checked where
it is rebuilt, so a damaged or hostile file is refused by :func:`load` with a
:class:`~skembed._io.StoreError` naming the file and the place in it.

A callable parameter (``tokenizer=my_function``) cannot be saved: code is
what pickle stores, and what makes loading a pickle run code chosen by
whoever wrote the file. Load pickles and joblib files only from sources you
trust; use :func:`save` / :func:`load` to exchange models.

The modules: ``_format`` (the directory, :func:`save`, :func:`load`),
``_registry`` (the classes), ``_encode`` / ``_decode`` (values to the JSON
tree and back, node by node), ``_checks`` (an estimator as a whole),
``_skops`` and ``_torch`` (the two bridges). docs/persistence.md describes
the format and what a saved or pickled model carries.
"""

from __future__ import annotations

from ._format import load, save
from ._registry import register, registered_classes

__all__ = ["load", "register", "registered_classes", "save"]
