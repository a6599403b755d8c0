"""The text-estimator contract: checks every skembed estimator passes.

scikit-learn's ``check_estimator`` feeds numeric arrays, so for an estimator
tagged ``input_tags.string=True`` it runs almost nothing. This module is our
own suite for estimators that take raw text. It is public so that third-party
text estimators can run it too::

    from skembed.testing import text_estimator_checks

    @pytest.mark.parametrize("check", text_estimator_checks(MyVectorizer()), ids=...)
    def test_contract(check, docs, y):
        check(docs, y)
"""

from __future__ import annotations

import ast
import inspect
import pickle
from collections.abc import Callable, Iterator
from functools import partial

import numpy as np
from sklearn.base import clone, is_classifier

from ._docstrings import documented_parameters

#: scikit-learn checks that make sense for an estimator whose input is text.
SKLEARN_CHECKS = (
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_no_attributes_set_in_init",
    "check_get_params_invariance",
    "check_set_params",
    "check_do_not_raise_errors_in_init_or_set_params",
    "check_param_validation",
    "check_estimators_unfitted",
    "check_get_feature_names_out_error",  # transformers only
    "check_mixin_order",
    "check_valid_tag_types",
    "check_estimator_tags_renamed",
)

#: Checks of a transformer's API: not yielded for an estimator without ``transform``.
_TRANSFORMER_ONLY = frozenset({"check_get_feature_names_out_error"})


def _output(est, docs):
    """What an estimator returns for ``docs``: the transform, or the probabilities."""
    if hasattr(est, "transform"):
        return est.transform(docs)
    if hasattr(est, "predict_proba"):
        return est.predict_proba(docs)
    return est.predict(docs)


def _fit(est, docs, y):
    return est.fit(docs) if y is None else est.fit(docs, y)


def _fitted_state(est) -> dict:
    return {k: v for k, v in vars(est).items() if k.endswith("_") and not k.startswith("__")}


def _assert_same_state(a: dict, b: dict) -> None:
    from joblib import hash as jhash

    assert a.keys() == b.keys(), f"fitted attributes changed: {set(a) ^ set(b)}"
    for key in a:
        assert jhash(a[key]) == jhash(b[key]), f"fitted attribute {key} changed"


def check_default_constructible(estimator, docs, y=None) -> None:
    """The class builds with no argument and its defaults are its signature's."""
    Estimator = type(estimator)
    est = Estimator()
    sig = inspect.signature(Estimator.__init__)
    defaults = {name: p.default for name, p in sig.parameters.items() if name != "self"}
    params = est.get_params(deep=False)
    assert params.keys() == defaults.keys()
    for name, default in defaults.items():
        assert params[name] is default or params[name] == default, name


def check_parameters_documented(estimator, docs, y=None) -> None:
    """Each parameter has a constraint and a Parameters entry that gives its real default."""
    Estimator = type(estimator)
    params = Estimator().get_params(deep=False)
    constraints = getattr(Estimator, "_parameter_constraints", None)
    if constraints is not None:
        assert set(constraints) == set(params), set(constraints) ^ set(params)
    documented = documented_parameters(Estimator.__doc__ or "")
    missing = set(params) - set(documented)
    assert not missing, f"parameters without a Parameters entry: {sorted(missing)}"
    signature = [name for name in inspect.signature(Estimator).parameters if name in documented]
    in_doc = [name for name in documented if name in params]
    assert signature == in_doc, "the signature and the Parameters section list them in other orders"
    for name, text in documented.items():
        if name not in params or not text:
            continue
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            continue  # an expression such as np.float32: not comparable as text
        assert value == params[name], (
            f"{name}: documented default={text}, declared {params[name]!r}"
        )


def check_no_work_in_init(estimator, docs, y=None) -> None:
    """``__init__`` stores its arguments as given and nothing else."""
    params = estimator.get_params(deep=False)
    est = type(estimator)(**params)
    assert set(vars(est)) == set(params), set(vars(est)) ^ set(params)
    for name, value in params.items():
        assert getattr(est, name) is value, name


def check_clone_and_params(estimator, docs, y=None) -> None:
    """``clone`` copies the parameters; ``set_params`` / ``get_params`` round-trip."""
    est = clone(estimator)
    assert est.get_params(deep=False).keys() == estimator.get_params(deep=False).keys()
    fitted = _fit(clone(estimator), docs, y)
    cloned = clone(fitted)
    assert not _fitted_state(cloned), "clone kept fitted attributes"
    params = estimator.get_params(deep=False)
    other = type(estimator)().set_params(**params)
    assert repr(other.get_params(deep=False)) == repr(params)


def check_fit_returns_self(estimator, docs, y=None) -> None:
    est = clone(estimator)
    assert _fit(est, docs, y) is est


def check_refit_overrides(estimator, docs, y=None) -> None:
    """Fitting again forgets the first fit: same result as a fresh fit."""
    half = len(docs) // 2
    first = _fit(clone(estimator), docs[:half], None if y is None else y[:half])
    refit = _fit(first, docs[half:], None if y is None else y[half:])
    fresh = _fit(clone(estimator), docs[half:], None if y is None else y[half:])
    np.testing.assert_array_equal(_output(refit, docs), _output(fresh, docs))


def check_fit_transform_equals_fit_then_transform(estimator, docs, y=None) -> None:
    if not hasattr(estimator, "transform"):
        return
    a = clone(estimator).fit_transform(docs, y)
    b = _fit(clone(estimator), docs, y).transform(docs)
    np.testing.assert_array_equal(a, b)


def check_output_does_not_change_state(estimator, docs, y=None) -> None:
    est = _fit(clone(estimator), docs, y)
    before = _fitted_state(est)
    before = pickle.loads(pickle.dumps(before))
    first = _output(est, docs)
    _assert_same_state(before, _fitted_state(est))
    np.testing.assert_array_equal(first, _output(est, docs))


def check_pickle_round_trip(estimator, docs, y=None) -> None:
    est = _fit(clone(estimator), docs, y)
    loaded = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(_output(est, docs), _output(loaded, docs))


def check_input_containers(estimator, docs, y=None) -> None:
    """list, tuple, 1-D object array, pandas Series and generator give the same output."""
    import pandas as pd

    est = _fit(clone(estimator), docs, y)
    expected = _output(est, list(docs))
    for container in (
        tuple(docs),
        np.asarray(docs, dtype=object),
        pd.Series(docs, index=np.arange(len(docs)) * 3),
        (d for d in docs),
    ):
        got = _output(est, container)
        np.testing.assert_array_equal(np.asarray(got), np.asarray(expected))
    # fitting on a generator works too
    _fit(clone(estimator), (d for d in docs), y)


def check_single_string_rejected(estimator, docs, y=None) -> None:
    import pytest

    msg = "Iterable over raw text documents expected, string object received."
    with pytest.raises(ValueError, match=msg):
        _fit(clone(estimator), docs[0], None if y is None else y[:1])
    est = _fit(clone(estimator), docs, y)
    with pytest.raises(ValueError, match=msg):
        _output(est, docs[0])


def check_bad_documents_named(estimator, docs, y=None) -> None:
    """None, NaN and numbers are rejected with the index of the document."""
    import pytest

    est = _fit(clone(estimator), docs, y)
    for bad, word in ((None, "None"), (float("nan"), "NaN"), (3, "int")):
        batch = list(docs[:3]) + [bad]
        with pytest.raises(ValueError, match=rf"Document 3 .*{word}"):
            _output(est, batch)


def check_not_fitted(estimator, docs, y=None) -> None:
    import pytest
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        _output(clone(estimator), docs)


def check_set_output_pandas(estimator, docs, y=None) -> None:
    """``set_output(transform="pandas")`` gives a DataFrame keeping a Series' index."""
    if not hasattr(estimator, "transform"):
        return
    import pandas as pd

    series = pd.Series(docs, index=[f"doc{i}" for i in range(len(docs))])
    est = _fit(clone(estimator).set_output(transform="pandas"), series, y)
    out = est.transform(series)
    assert isinstance(out, pd.DataFrame)
    assert list(out.index) == list(series.index)
    assert list(out.columns) == list(est.get_feature_names_out())
    assert out.shape[1] == len(est.get_feature_names_out())


def check_tags(estimator, docs, y=None) -> None:
    tags = estimator.__sklearn_tags__()
    assert tags.input_tags.string is True
    assert tags.input_tags.two_d_array is False


def check_documents_not_metadata(estimator, docs, y=None) -> None:
    """The documents are the input, not metadata: routing never requests them.

    scikit-learn's text vectorizers mark ``raw_documents`` as unused metadata;
    without that, metadata routing would offer ``set_fit_request(raw_documents=...)``.
    """
    from sklearn import config_context

    with config_context(enable_metadata_routing=True):
        routing = clone(estimator).get_metadata_routing()
    for method in ("fit", "transform", "predict", "predict_proba", "decision_function"):
        if not hasattr(estimator, method):
            continue
        documents = list(inspect.signature(getattr(estimator, method)).parameters)[0]
        requests = getattr(routing, method).requests
        assert documents not in requests, f"{method} routes its documents {documents!r}"


def check_sklearn(estimator, docs, y=None, *, name: str) -> None:
    """One of scikit-learn's own checks that apply to text estimators."""
    from sklearn.utils import estimator_checks

    check = getattr(estimator_checks, name)
    params = list(inspect.signature(check).parameters)
    if params[1] == "Estimator":
        check(type(estimator).__name__, type(estimator))
    else:
        check(type(estimator).__name__, clone(estimator))


_CHECKS: tuple[Callable, ...] = (
    check_default_constructible,
    check_parameters_documented,
    check_no_work_in_init,
    check_clone_and_params,
    check_fit_returns_self,
    check_refit_overrides,
    check_fit_transform_equals_fit_then_transform,
    check_output_does_not_change_state,
    check_pickle_round_trip,
    check_input_containers,
    check_single_string_rejected,
    check_bad_documents_named,
    check_not_fitted,
    check_set_output_pandas,
    check_tags,
    check_documents_not_metadata,
)


def text_estimator_checks(estimator) -> Iterator[Callable]:
    """Yield the contract checks for ``estimator``, each a callable ``check(docs, y)``.

    Parameters
    ----------
    estimator : estimator instance
        A configured (unfitted) text estimator.

    Yields
    ------
    check : callable
        ``check(docs, y=None)``; ``check.__name__`` names the check.
    """
    for check in _CHECKS:
        if check is check_set_output_pandas and is_classifier(estimator):
            continue
        bound = partial(check, estimator)
        bound.__name__ = check.__name__
        yield bound
    for name in SKLEARN_CHECKS:
        if name in _TRANSFORMER_ONLY and not hasattr(estimator, "transform"):
            continue
        bound = partial(check_sklearn, estimator, name=name)
        bound.__name__ = name
        yield bound
