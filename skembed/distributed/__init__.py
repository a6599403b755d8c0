"""Run fitted skembed estimators on existing distributed engines (Dask, Spark).

Nothing here is a scheduler of its own: a fitted vectorizer goes to the workers
of Dask or Spark once, and each partition of documents is transformed there
with the same code as :meth:`transform` on one machine, so the results are
equal bit for bit. Needs the ``distributed`` extra::

    pip install "skembed[distributed]"

Dask
    :func:`dask_transform` transforms a dask Bag, Series or DataFrame column
    partition by partition.
Spark
    :func:`spark_transform` transforms a column of a Spark DataFrame through
    ``mapInArrow`` (``mapInPandas``'s Arrow sibling, which keeps the other
    columns' types and nulls exactly); :func:`import_spark_word2vec` turns
    vectors trained with Spark ML's ``Word2Vec`` into skembed's native vectors
    format.

Both are thin adapters over one shipping mechanism (``skembed._parallel``):
the estimator is pickled once on the client and unpickled once per worker
process, with arrays memory-mapped from a vectors store or a saved model sent
by reference and checked on the workers (``by_reference=False`` sends them by
value). dask and pyspark are imported only when a function needs them, so
importing this module needs neither.
"""

from __future__ import annotations

from ._dask import dask_transform
from ._spark import import_spark_word2vec, spark_transform

__all__ = ["dask_transform", "import_spark_word2vec", "spark_transform"]
