"""The PyTorch side of the network classifiers: the networks, optimizers, training hooks.

This module imports torch and skorch at the top; :mod:`skembed.nn._classifier`
imports it only inside ``fit`` and ``predict``, so ``import skembed`` works
without the optional ``torch`` extra.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from skorch.callbacks import Callback, PrintLog
from skorch.callbacks import EarlyStopping as _SkorchEarlyStopping
from torch import nn
from torch.nn import functional as F

from ._ids import PAD


class KimCNN(nn.Module):
    """Kim's (2014) sentence CNN.

    Embedding -> parallel 1-D convolutions (one per filter width) -> ReLU ->
    max-over-time pooling -> dropout -> linear layer (logits).

    Parameters
    ----------
    n_rows : int
        Rows of the embedding matrix (vocabulary + padding + unknown).
    embedding_dim : int
        Width of the embeddings.
    n_classes : int
        Number of outputs.
    filter_sizes : sequence of int
        Widths of the convolution filters, in tokens.
    n_filters : int
        Feature maps per width.
    dropout : float
        Dropout rate before the output layer.
    mode : {'rand', 'static', 'non-static', 'multichannel'}
        'static' freezes the embedding; 'multichannel' adds a frozen copy
        whose embeddings are added to the tuned ones before the convolution.
        Because a convolution is linear, this is exactly Kim's "each filter is
        applied to both channels and the results are added", at the cost of
        one convolution instead of two.
    init : ndarray of shape (n_rows, embedding_dim) or None
        Initial embedding matrix; None keeps the layer's default (a later
        ``load_state_dict`` sets the weights).
    sparse : bool
        Sparse gradients for the tuned embedding (for :class:`Adadelta`).
    padding : int
        Zero rows framing each document on both sides (Kim: widest filter - 1).

    Notes
    -----
    ``forward`` takes a LongTensor of token ids of shape (batch, length) whose
    padding (id 0) is at the end of each row. Each document is framed by
    ``padding`` zero rows on both sides (and padded to the widest filter), and
    the frames are packed one after the other into one sequence, so the
    convolutions cost the number of tokens, not batch size x longest document.
    Only the windows inside a document's frame take part in its max-pooling,
    so a document's output does not depend on the other documents of its
    batch or on their padding. ``extra`` (prediction only)
    holds rows appended to both embedding matrices, for ids ``n_rows`` and up.
    """

    def __init__(
        self,
        n_rows: int,
        embedding_dim: int,
        n_classes: int,
        filter_sizes: Sequence[int] = (3, 4, 5),
        n_filters: int = 100,
        dropout: float = 0.5,
        mode: str = "rand",
        init: np.ndarray | None = None,
        sparse: bool = False,
        padding: int = 0,
    ):
        super().__init__()
        self.filter_sizes = tuple(int(h) for h in filter_sizes)
        self.min_len = max(self.filter_sizes)
        self.padding = int(padding)
        self.embedding = nn.Embedding(n_rows, embedding_dim, padding_idx=PAD, sparse=sparse)
        self.static_embedding = None
        if init is not None:
            with torch.no_grad():
                self.embedding.weight.copy_(torch.from_numpy(init))
        if mode == "static":
            self.embedding.weight.requires_grad_(False)
        elif mode == "multichannel":
            self.static_embedding = nn.Embedding(n_rows, embedding_dim, padding_idx=PAD)
            with torch.no_grad():
                self.static_embedding.weight.copy_(self.embedding.weight)
            self.static_embedding.weight.requires_grad_(False)
        self.convs = nn.ModuleList(
            nn.Conv1d(embedding_dim, n_filters, h) for h in self.filter_sizes
        )
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(n_filters * len(self.filter_sizes), n_classes)

    def forward(self, X: torch.Tensor, extra: torch.Tensor | None = None) -> torch.Tensor:
        X = X.long()
        lengths = X.ne(PAD).sum(dim=1)
        # each document in a frame: `padding` zero rows on both sides, at least
        # as long as the widest filter
        frames = (lengths + 2 * self.padding).clamp(min=self.min_len)
        starts = torch.cumsum(frames, 0) - frames
        # the frames one after the other, without the padding of the batch: the
        # convolutions cost the number of tokens, not batch size x longest document
        width = int(lengths.max()) if len(lengths) else 0
        positions = torch.arange(max(width, int(frames.max()) if len(frames) else 0))
        positions = positions.to(X.device)
        inside = positions[None, :width] < lengths[:, None]
        packed = X.new_zeros(int(frames.sum()))
        packed[(starts[:, None] + self.padding + positions[None, :width])[inside]] = X[:, :width][
            inside
        ]
        if extra is None:
            emb = self.embedding(packed)
            if self.static_embedding is not None:
                emb = emb + self.static_embedding(packed)
        else:  # rows ``n_rows + j`` are ``extra[j]``, in both channels (prediction only)
            emb = F.embedding(packed, torch.cat([self.embedding.weight, extra]))
            if self.static_embedding is not None:
                emb = emb + F.embedding(packed, torch.cat([self.static_embedding.weight, extra]))
        emb = emb.t().unsqueeze(0)  # (1, dim, n_rows)
        features = []
        for h, conv in zip(self.filter_sizes, self.convs, strict=True):
            maps = conv(emb)[0]  # (n_filters, n_rows - h + 1)
            # the windows of each document: those inside its frame; clamping
            # repeats its last window, which leaves the maximum unchanged
            n_windows = frames - h + 1
            offsets = torch.minimum(positions[None, : int(n_windows.max())], n_windows[:, None] - 1)
            index = (starts[:, None] + offsets).reshape(-1)
            windows = maps.index_select(1, index).view(maps.shape[0], len(frames), -1)
            features.append(windows.amax(dim=2).t())
        # max-pooling commutes with the ReLU: apply it to the pooled features only
        pooled = F.relu(torch.cat(features, dim=1))
        return self.out(self.dropout(pooled))


class EmbeddingBag(nn.Module):
    """The embedding bag of fastText's supervised mode (Joulin et al., 2017).

    Embedding of every word (and of every hashed word n-gram) -> one pooling
    over them all (sum, mean or max) -> optional hidden layer with ReLU ->
    dropout -> linear layer (logits).

    Parameters
    ----------
    n_rows : int
        Rows of the word embedding matrix (vocabulary + padding + unknown).
    embedding_dim : int
        Width of the embeddings (words and n-grams alike).
    n_classes : int
        Number of outputs.
    n_buckets : int
        Hash buckets of the word n-grams; 0: no n-gram table. The n-gram
        table has ``n_buckets + 1`` rows, row 0 the padding (always zero).
    pooling : {'mean', 'sum', 'max'}
        How the embeddings of a document are pooled. An empty document
        (no id but padding) pools to zero.
    hidden_size : int or None
        Width of a hidden layer (with ReLU) between the pooling and the
        output layer; None: the pooled vector goes to the output layer.
    dropout : float
        Dropout rate before the output layer.
    mode : {'rand', 'static', 'non-static'}
        'static' freezes the word embedding (the n-gram table, which has no
        pretrained vectors, is always trained).
    init : ndarray of shape (n_rows, embedding_dim) or None
        Initial word embedding matrix; None keeps the layer's default (a later
        ``load_state_dict`` sets the weights). The n-gram rows start from
        U[-1/embedding_dim, 1/embedding_dim], as fastText's input matrix.
    sparse : bool
        Sparse gradients for the embeddings (for :class:`LazyAdam` and
        :class:`Adadelta`): a step costs the rows of its batch, not the table.

    Notes
    -----
    ``forward`` takes the LongTensor of word ids ``words`` of shape (batch,
    length) and, with n-grams, ``ngrams`` (batch, n-gram length), both
    padded with 0 at the end of each row; each is cut to its longest row in
    the batch, so a batch costs its own tokens. ``extra`` (prediction only)
    holds word rows appended to the word embedding matrix, for ids
    ``n_rows`` and up.
    """

    def __init__(
        self,
        n_rows: int,
        embedding_dim: int,
        n_classes: int,
        n_buckets: int = 0,
        pooling: str = "mean",
        hidden_size: int | None = None,
        dropout: float = 0.0,
        mode: str = "rand",
        init: np.ndarray | None = None,
        sparse: bool = False,
    ):
        super().__init__()
        self.pooling = pooling
        self.embedding = nn.Embedding(n_rows, embedding_dim, padding_idx=PAD, sparse=sparse)
        if init is not None:
            with torch.no_grad():
                self.embedding.weight.copy_(torch.from_numpy(init))
        if mode == "static":
            self.embedding.weight.requires_grad_(False)
        self.ngram_embedding = None
        if n_buckets:
            self.ngram_embedding = nn.Embedding(
                n_buckets + 1, embedding_dim, padding_idx=0, sparse=sparse
            )
            with torch.no_grad():
                bound = 1.0 / embedding_dim
                self.ngram_embedding.weight.uniform_(-bound, bound)
                self.ngram_embedding.weight[0] = 0.0
        self.hidden = None if hidden_size is None else nn.Linear(embedding_dim, hidden_size)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(embedding_dim if hidden_size is None else hidden_size, n_classes)

    @staticmethod
    def _trim(ids: torch.Tensor) -> torch.Tensor:
        """The ids (padded at the end) cut to the longest row of the batch."""
        ids = ids.long()
        width = int(ids.ne(PAD).sum(dim=1).max()) if len(ids) else 0
        return ids[:, :width]

    def forward(
        self,
        words: torch.Tensor,
        ngrams: torch.Tensor | None = None,
        extra: torch.Tensor | None = None,
    ) -> torch.Tensor:
        words = self._trim(words)
        weight = self.embedding.weight
        if extra is not None:  # rows ``n_rows + j`` are ``extra[j]`` (prediction only)
            weight = torch.cat([weight, extra])
        tables = [(words, weight, self.embedding.sparse)]
        if ngrams is not None and self.ngram_embedding is not None:
            ngrams = self._trim(ngrams)
            tables.append((ngrams, self.ngram_embedding.weight, self.ngram_embedding.sparse))
        tables = [table for table in tables if table[0].shape[1]]  # not a batch of no n-gram
        counts = sum(ids.ne(PAD).sum(dim=1, keepdim=True) for ids, _, _ in tables)
        pooled = weight.new_zeros((len(words), weight.shape[1]))
        if self.pooling == "max":
            best = None
            for ids, table, sparse in tables:
                emb = F.embedding(ids, table, padding_idx=PAD, sparse=sparse)
                part = emb.masked_fill(ids.eq(PAD).unsqueeze(2), -math.inf).amax(dim=1)
                best = part if best is None else torch.maximum(best, part)
            if best is not None:  # a document of no row pools to zero
                pooled = torch.where(counts > 0, best, pooled)
        else:
            # the sum of each bag's rows, fused (the padding rows are left out)
            for ids, table, sparse in tables:
                pooled = pooled + F.embedding_bag(
                    ids, table, mode="sum", padding_idx=PAD, sparse=sparse
                )
            if self.pooling == "mean":
                pooled = pooled / torch.as_tensor(counts).clamp(min=1)
        if self.hidden is not None:
            pooled = F.relu(self.hidden(pooled))
        return self.out(self.dropout(pooled))


class _RowOptimizer(torch.optim.Optimizer):
    """An optimizer that takes dense and sparse gradients, one parameter at a time.

    :meth:`step` runs the closure, creates each parameter's state (a step count
    and a zero tensor per name of ``_moments``) and calls :meth:`_update` with
    the parameter's group; a subclass writes the update rule only.
    """

    #: The names of the running averages kept per parameter, each of its shape.
    _moments: tuple[str, ...] = ()

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                state = self.state[param]
                if not state:
                    state["step"] = 0
                    for name in self._moments:
                        state[name] = torch.zeros_like(param)
                state["step"] += 1
                self._update(param, state, group)
        return loss

    def _update(self, param, state: dict, group: dict) -> None:
        raise NotImplementedError


class LazyAdam(_RowOptimizer):
    """Adam that also takes sparse gradients: Adam's lazy variant on the rows of a batch.

    A dense gradient gets ``torch.optim.Adam``'s update. A sparse one (an
    embedding layer built with ``sparse=True``) updates only the rows in the
    gradient, and only their moments, as ``torch.optim.SparseAdam`` (and
    TensorFlow's ``LazyAdam``) do: a step costs the rows of its batch, not the
    whole table, which is what makes a table of a million hashed n-grams
    trainable. Dense Adam would also move, by their momentum, the rows absent
    from a batch; the lazy variant leaves them until they next appear.
    """

    _moments = ("exp_avg", "exp_avg_sq")

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ):
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps})

    def _update(self, param, state: dict, group: dict) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        correction1 = 1 - beta1 ** state["step"]
        correction2 = 1 - beta2 ** state["step"]
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        if param.grad.is_sparse:
            grad = param.grad.coalesce()
            rows, values = grad.indices()[0], grad.values()
            m = exp_avg.index_select(0, rows).mul_(beta1).add_(values, alpha=1 - beta1)
            v = exp_avg_sq.index_select(0, rows).mul_(beta2)
            v.addcmul_(values, values, value=1 - beta2)
            exp_avg.index_copy_(0, rows, m)
            exp_avg_sq.index_copy_(0, rows, v)
            step_size = lr * math.sqrt(correction2) / correction1
            param.index_add_(0, rows, m.div_(v.sqrt_().add_(eps)), alpha=-step_size)
            return
        grad = param.grad
        exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denom = (exp_avg_sq.sqrt() / math.sqrt(correction2)).add_(eps)
        param.addcdiv_(exp_avg, denom, value=-lr / correction1)


class Adadelta(_RowOptimizer):
    """``torch.optim.Adadelta`` that also takes sparse gradients, exactly.

    A row with no gradient at a step keeps its value while both running
    averages decay by ``rho``. For a sparse gradient (an embedding layer built
    with ``sparse=True``) this optimizer updates only the rows in the gradient
    and applies the pending decays ``rho ** k`` of their running averages when
    they next appear: the same result as the dense update, without touching
    the whole embedding matrix at every step. Dense gradients are updated as
    in PyTorch.
    """

    _moments = ("square_avg", "acc_delta")

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6):
        super().__init__(params, {"lr": lr, "rho": rho, "eps": eps})

    def _update(self, param, state: dict, group: dict) -> None:
        lr, rho, eps = group["lr"], group["rho"], group["eps"]
        if param.grad.is_sparse:
            self._sparse_update(param, state, lr, rho, eps)
            return
        grad, square_avg, acc_delta = param.grad, state["square_avg"], state["acc_delta"]
        square_avg.mul_(rho).addcmul_(grad, grad, value=1 - rho)
        std = square_avg.add(eps).sqrt_()
        delta = acc_delta.add(eps).sqrt_().div_(std).mul_(grad)
        acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
        param.add_(delta, alpha=-lr)

    @staticmethod
    def _sparse_update(param, state, lr, rho, eps):
        grad = param.grad.coalesce()
        rows, values = grad.indices()[0], grad.values()
        if "last_step" not in state:
            state["last_step"] = torch.zeros(param.shape[0], dtype=torch.long, device=param.device)
        last_step = state["last_step"]
        shape = (-1,) + (1,) * (values.dim() - 1)
        decay = torch.pow(rho, (state["step"] - 1 - last_step[rows]).to(values.dtype)).view(shape)
        square_avg = state["square_avg"][rows].mul_(decay).mul_(rho)
        square_avg.addcmul_(values, values, value=1 - rho)
        acc_delta = state["acc_delta"][rows].mul_(decay)
        delta = acc_delta.add(eps).sqrt_().div_(square_avg.add(eps).sqrt_()).mul_(values)
        acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
        state["square_avg"][rows] = square_avg
        state["acc_delta"][rows] = acc_delta
        last_step[rows] = state["step"]
        param.index_add_(0, rows, delta, alpha=-lr)


class Batches(torch.utils.data.Dataset):
    """The training (or validation) documents, indexed a whole mini-batch at a time.

    ``X`` is an id matrix or a dict of them (the keyword arguments of the
    module), ``y`` the encoded labels. ``dataset[index]`` with the index list
    of a batch (a ``BatchSampler``'s) returns the batch's rows in one numpy
    fancy indexing per array; skorch's own ``Dataset`` indexes each document
    and collates them, at a cost that exceeds a small network's training step.
    """

    def __init__(self, X, y):
        self.X, self.y = X, np.asarray(y)

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, index):
        index = np.asarray(index)
        if isinstance(self.X, dict):
            return {name: value[index] for name, value in self.X.items()}, self.y[index]
        return self.X[index], self.y[index]


class MaxNorm(Callback):
    """Kim's max-norm constraint: after each optimizer step, rescale every row
    of the output layer's weight (one per class) to L2 norm ``max_norm`` when
    it is larger."""

    def __init__(self, max_norm: float):
        self.max_norm = max_norm

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        if training:
            with torch.no_grad():
                weight = net.module_.out.weight
                weight.copy_(torch.renorm(weight, 2, 0, self.max_norm))


class EarlyStopping(_SkorchEarlyStopping):
    """skorch's ``EarlyStopping`` that lets :class:`ProgressLog` stop training.

    skorch runs ``PrintLog`` after every other callback, so the epoch that
    triggers early stopping would not be printed; here the decision is taken
    at the end of the epoch, and ``ProgressLog`` stops after printing it.
    """

    def on_train_begin(self, net, **kwargs):
        super().on_train_begin(net, **kwargs)
        self.stop_ = False
        self.messages_ = []

    def on_epoch_end(self, net, **kwargs):
        try:
            super().on_epoch_end(net, **kwargs)
        except KeyboardInterrupt:  # skorch's way to stop: after the log line
            self.stop_ = True

    def on_train_end(self, net, **kwargs):
        super().on_train_end(net, **kwargs)
        self.flush()

    def _sink(self, text, verbose):
        if verbose:
            self.messages_.append(text)

    def flush(self):
        for text in self.messages_:
            print(text)
        self.messages_ = []


class ProgressLog(PrintLog):
    """skorch's ``PrintLog``, then the stop that :class:`EarlyStopping` asked for."""

    def on_epoch_end(self, net, **kwargs):
        super().on_epoch_end(net, **kwargs)
        stopper = dict(net.callbacks_).get("early_stopping")
        if stopper is not None:
            stopper.flush()
            if stopper.stop_:
                raise KeyboardInterrupt
