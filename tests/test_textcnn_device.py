"""TextCNNClassifier's ``device``: checked before use, a ValueError for a device not here.

This machine may have no GPU: the CUDA and MPS refusals are checked where they
are missing, the out-of-range CUDA index where there is a GPU.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.base import clone  # noqa: E402
from sklearn.utils import get_tags  # noqa: E402
from sklearn.utils._param_validation import InvalidParameterError  # noqa: E402
from test_textcnn import FAST, _corpus, one_torch_thread  # noqa: E402, F401

from skembed import TextCNNClassifier  # noqa: E402

no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
NO_CUDA = r"The 'device' parameter of TextCNNClassifier is '{}', but CUDA is not available on"


@pytest.fixture(scope="module")
def data():
    return _corpus(24, seed=0)


@pytest.fixture(scope="module")
def fitted(data):
    return TextCNNClassifier(**FAST, device="cpu").fit(*data)


@no_cuda
@pytest.mark.parametrize("device", ["cuda", "cuda:0", "cuda:3", torch.device("cuda", 1)])
def test_cuda_without_cuda_is_a_value_error(data, device):
    clf = TextCNNClassifier(**FAST, device=device)
    with pytest.raises(ValueError, match=NO_CUDA.format(device) + r".*Use device='cpu'"):
        clf.fit(*data)
    assert not hasattr(clf, "module_state_")


@no_cuda
def test_device_is_checked_before_any_work(data):
    # the missing vectors file would be the error if the device were checked late
    clf = TextCNNClassifier(**FAST, vectors="/no/such/vectors.txt", mode="static", device="cuda")
    with pytest.raises(ValueError, match=NO_CUDA.format("cuda")):
        clf.fit(*data)


@pytest.mark.parametrize(
    "device, message",
    [
        ("mps", "MPS is not available on this machine"),
        ("meta", "'meta' is not one"),
    ],
)
def test_other_unusable_devices(data, device, message):
    if device == "mps" and torch.backends.mps.is_available():
        pytest.skip("this machine has MPS")
    with pytest.raises(ValueError, match=message):
        TextCNNClassifier(**FAST, device=device).fit(*data)


@pytest.mark.parametrize("device", ["gpu", "cuda:abc", "cuda:-1", "CUDA", "cuda 0"])
def test_invalid_device_strings(data, device):
    expected = (
        r"The 'device' parameter of TextCNNClassifier must be 'auto', 'cpu', 'cuda', "
        rf"'cuda:<index>', 'mps' or a torch.device. Got '{device}' instead.$"
    )
    with pytest.raises(ValueError, match=expected):
        TextCNNClassifier(**FAST, device=device).fit(*data)


def test_device_of_another_type_is_an_invalid_parameter(data):
    with pytest.raises(InvalidParameterError, match="'device' parameter.*torch.device"):
        TextCNNClassifier(**FAST, device=0).fit(*data)


def test_torch_device_is_accepted(data, fitted):
    docs, y = data
    clf = TextCNNClassifier(**FAST, device=torch.device("cpu"))
    assert not get_tags(clf).non_deterministic
    clf = clone(clf).fit(docs, y)
    np.testing.assert_array_equal(clf.predict_proba(docs), fitted.predict_proba(docs))
    assert TextCNNClassifier(**FAST, device="cpu:0").fit(docs, y).predict(docs).shape == y.shape


@no_cuda
def test_predict_where_the_device_is_missing(data, fitted):
    """A model fitted with device='cuda', loaded on a machine without a GPU."""
    docs, _ = data
    expected = fitted.predict_proba(docs)
    fitted_on_gpu = pickle.loads(pickle.dumps(fitted)).set_params(device="cuda")
    loaded = pickle.loads(pickle.dumps(fitted_on_gpu))
    for method in ("predict", "predict_proba", "decision_function", "score"):
        args = (docs, data[1]) if method == "score" else (docs,)
        with pytest.raises(ValueError, match=NO_CUDA.format("cuda")):
            getattr(loaded, method)(*args)
    np.testing.assert_array_equal(loaded.set_params(device="cpu").predict_proba(docs), expected)


@no_cuda
def test_warm_start_checks_the_device(data):
    docs, y = data
    clf = TextCNNClassifier(**FAST, device="cpu").fit(docs, y)
    state, epochs = clf.module_state_, clf.n_epochs_
    clf.set_params(warm_start=True, device="cuda")
    with pytest.raises(ValueError, match=NO_CUDA.format("cuda")):
        clf.fit(docs, y)
    assert clf.module_state_ is state and clf.n_epochs_ == epochs
    assert clf.set_params(device="cpu").fit(docs, y).n_epochs_ == epochs + FAST["max_epochs"]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_index_out_of_range(data):
    n = torch.cuda.device_count()
    with pytest.raises(ValueError, match=rf"is 'cuda:{n}', but this machine has {n} CUDA device"):
        TextCNNClassifier(**FAST, device=f"cuda:{n}").fit(*data)
