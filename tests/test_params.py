"""Parameters declared once (``skembed._params``): what a user of the classes sees."""

from __future__ import annotations

import inspect
import pickle
from typing import ClassVar

import numpy as np
import pytest
from sklearn.base import clone

from skembed import MeanEmbeddingVectorizer, Word2VecVectorizer
from skembed.testing import check_parameters_documented

DOCS = ["the cat sat on the mat", "the dog sat on the log", "a cat and a dog"] * 10


class SmallWord2Vec(Word2VecVectorizer):
    """Word2VecVectorizer with other defaults.

    Parameters
    ----------
    vector_size : int, default=8
        Dimensionality of the word vectors.
    """

    vector_size: int = 8
    min_count: int = 1
    _note: ClassVar[str] = "a class attribute, not a parameter"


def test_a_subclass_changes_a_default_by_declaring_it_again():
    vec = SmallWord2Vec(random_state=0)
    assert vec.vector_size == 8 and vec.get_params()["min_count"] == 1
    assert "_note" not in vec.get_params()
    assert inspect.signature(SmallWord2Vec).parameters["vector_size"].default == 8
    assert clone(vec).get_params() == vec.get_params()
    assert vec.fit_transform(DOCS).shape == (len(DOCS), 8)
    assert pickle.loads(pickle.dumps(vec)).transform(DOCS[:2]).shape == (2, 8)
    # the inherited parameters keep their defaults
    assert vec.window == Word2VecVectorizer().window == 5


def test_a_subclass_with_its_own_init_keeps_it():
    class Fixed(Word2VecVectorizer):
        def __init__(self, *, vector_size=16, epochs=1):
            super().__init__(vector_size=vector_size, epochs=epochs, min_count=1)

    assert set(Fixed().get_params()) == {"vector_size", "epochs"}
    assert Fixed().min_count == 1
    with pytest.raises(TypeError):
        Fixed(window=3)


def test_parameters_are_keyword_only_but_the_declared_positional_one():
    assert MeanEmbeddingVectorizer({"cat": np.ones(3)}).vectors is not None
    with pytest.raises(TypeError):
        Word2VecVectorizer(100)
    with pytest.raises(TypeError, match="unexpected keyword argument 'vector_sise'"):
        Word2VecVectorizer(vector_sise=10)


def test_the_documented_defaults_check_catches_a_wrong_default():
    class Drifted(SmallWord2Vec):
        pass

    def doc(entries: list[str]) -> str:
        return "Drifted.\n\nParameters\n----------\n" + "".join(
            f"{e}\n    Text.\n" for e in entries
        )

    def entries(vector_size: str) -> list[str]:  # in the signature's order
        names = inspect.signature(Drifted).parameters
        return [vector_size if name == "vector_size" else f"{name} : object" for name in names]

    Drifted.__doc__ = doc(["vector_size : int, default=8"])
    with pytest.raises(AssertionError, match="parameters without a Parameters entry"):
        check_parameters_documented(Drifted(), DOCS)
    Drifted.__doc__ = doc(entries("vector_size : int, default=8"))
    check_parameters_documented(Drifted(), DOCS)
    Drifted.__doc__ = doc(entries("vector_size : int, default=8")[::-1])
    with pytest.raises(AssertionError, match="in other orders"):
        check_parameters_documented(Drifted(), DOCS)
    Drifted.__doc__ = doc(entries("vector_size : int, default=100"))
    with pytest.raises(AssertionError, match="vector_size: documented default=100, declared 8"):
        check_parameters_documented(Drifted(), DOCS)
