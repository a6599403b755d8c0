"""Neural text classifiers (need the optional ``torch`` extra).

Importing this package does not import torch: :class:`TextCNNClassifier` and
:class:`EmbeddingBagClassifier` can be constructed, cloned and inspected
without it, and raise an ``ImportError`` naming ``pip install "skembed[torch]"``
when they are fitted or used.
"""

from __future__ import annotations

from .embedding_bag import EmbeddingBagClassifier
from .textcnn import TextCNNClassifier

__all__ = ["EmbeddingBagClassifier", "TextCNNClassifier"]
