"""Neural text classifiers (need the optional ``torch`` extra).

Importing this package does not import torch: :class:`TextCNNClassifier` can be
constructed, cloned and inspected without it, and raises an ``ImportError``
naming ``pip install "skembed[torch]"`` when it is fitted or used.
"""

from __future__ import annotations

from .textcnn import TextCNNClassifier

__all__ = ["TextCNNClassifier"]
