"""pyt.legacy.nn: Lua Torch's nn. Backwards against finite differences (float64), outputs
against pyt.nn.functional, criterions against NumPy formulas, flattenParameters views,
containers and bad-input errors."""
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import pyt
import pyt.nn.functional as F
from pyt.legacy import nn


def rand(*shape, low=None):
    g = np.random.default_rng(sum(shape) * 7 + len(shape))
    a = g.standard_normal(shape) if low is None else g.uniform(low, low + 1.5, shape)
    return pyt.tensor(a, dtype=pyt.float64)


def tensors(x):
    """The tensors in x, a tensor or a nested table."""
    if isinstance(x, (list, tuple)):
        return [t for v in x for t in tensors(v)]
    return [x]


def like(x, seed=1):
    """A random tensor (or table) shaped like x."""
    if isinstance(x, (list, tuple)):
        return [like(v, seed + i) for i, v in enumerate(x)]
    g = np.random.default_rng(seed)
    return pyt.tensor(g.standard_normal(tuple(x.shape)), dtype=pyt.float64)


def projected(module, x, go):
    """<forward(x), go>: its derivatives are gradInput and the parameter gradients."""
    out = module.forward(x)
    return sum(float((o.double() * g).sum()) for o, g in zip(tensors(out), tensors(go)))


def numeric(module, x, go, t, eps=1e-6):
    """Central differences of <forward(x), go> with respect to the entries of t."""
    a = t.numpy()       # shares memory: perturb in place
    grad = np.zeros(a.shape)
    for i in np.ndindex(a.shape):
        old = a[i]
        a[i] = old + eps
        up = projected(module, x, go)
        a[i] = old - eps
        down = projected(module, x, go)
        a[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


def check_gradients(module, x, atol=1e-6, params=True):
    """gradInput and gradWeight/gradBias against finite differences, in float64."""
    module.double()
    go = like(module.forward(x))
    module.zeroGradParameters()
    gi = module.backward(x, go)
    gi = [g.numpy().copy() for g in tensors(gi)]
    for t, g in zip(tensors(x), gi):
        if t.is_floating_point():
            np.testing.assert_allclose(g.reshape(tuple(t.shape)), numeric(module, x, go, t),
                                       atol=atol, rtol=1e-5)
    p = module.parameters()
    if params and p is not None:
        analytic = [g.numpy().copy() for g in p[1]]
        for w, g in zip(p[0], analytic):
            np.testing.assert_allclose(g, numeric(module, x, go, w), atol=atol, rtol=1e-5)


# module factory, input factory
CASES = {
    "Linear": (lambda: nn.Linear(5, 3), lambda: rand(4, 5)),
    "Linear1d": (lambda: nn.Linear(5, 3), lambda: rand(5)),
    "LinearNoBias": (lambda: nn.Linear(5, 3, bias=False), lambda: rand(4, 5)),
    "Bilinear": (lambda: nn.Bilinear(3, 4, 2), lambda: [rand(5, 3), rand(5, 4)]),
    "Euclidean": (lambda: nn.Euclidean(4, 3), lambda: rand(2, 4)),
    "CMul": (lambda: nn.CMul(4), lambda: rand(3, 4)),
    "CMulBroadcast": (lambda: nn.CMul(1, 4), lambda: rand(3, 2, 4)),
    "Mul": (lambda: nn.Mul(), lambda: rand(3, 4)),
    "Add": (lambda: nn.Add(4), lambda: rand(3, 4)),
    "AddScalar": (lambda: nn.Add(4, True), lambda: rand(3, 4)),
    "Reshape": (lambda: nn.Reshape(2, 6), lambda: rand(3, 4, 3)),
    "View": (lambda: nn.View(6, 2), lambda: rand(3, 12)),
    "ViewInfer": (lambda: nn.View(-1).setNumInputDims(2), lambda: rand(3, 4, 3)),
    "Transpose": (lambda: nn.Transpose((0, 1), (1, 2)), lambda: rand(2, 3, 4)),
    "Squeeze": (lambda: nn.Squeeze(), lambda: rand(2, 1, 3)),
    "SqueezeDim": (lambda: nn.Squeeze(1), lambda: rand(2, 1, 3)),
    "Unsqueeze": (lambda: nn.Unsqueeze(1), lambda: rand(2, 3)),
    "Replicate": (lambda: nn.Replicate(3, 1), lambda: rand(2, 4)),
    "PaddingAfter": (lambda: nn.Padding(1, 2), lambda: rand(3, 4)),
    "PaddingBefore": (lambda: nn.Padding(1, -2, value=1.5), lambda: rand(3, 4)),
    "PaddingIndex": (lambda: nn.Padding(0, 1, index=2), lambda: rand(3, 4)),
    "Narrow": (lambda: nn.Narrow(1, 1, 2), lambda: rand(3, 5)),
    "NarrowToEnd": (lambda: nn.Narrow(1, 1, -1), lambda: rand(3, 5)),
    "Select": (lambda: nn.Select(1, -1), lambda: rand(3, 4)),
    "Sum": (lambda: nn.Sum(1), lambda: rand(3, 4, 2)),
    "SumBatch": (lambda: nn.Sum(0, nInputDims=2, sizeAverage=True), lambda: rand(3, 4, 2)),
    "Mean": (lambda: nn.Mean(2), lambda: rand(3, 4, 2)),
    "Max": (lambda: nn.Max(1), lambda: rand(3, 4, 2)),
    "Min": (lambda: nn.Min(0), lambda: rand(3, 4)),
    "Tanh": (lambda: nn.Tanh(), lambda: rand(3, 4)),
    "Sigmoid": (lambda: nn.Sigmoid(), lambda: rand(3, 4)),
    "ReLU": (lambda: nn.ReLU(), lambda: rand(3, 4)),
    "PReLU": (lambda: nn.PReLU(), lambda: rand(3, 4)),
    "PReLUPlanes": (lambda: nn.PReLU(3), lambda: rand(2, 3, 2, 2)),
    "PReLUPlanes3d": (lambda: nn.PReLU(3), lambda: rand(3, 2, 2)),
    "ELU": (lambda: nn.ELU(0.7), lambda: rand(3, 4)),
    "LeakyReLU": (lambda: nn.LeakyReLU(0.2), lambda: rand(3, 4)),
    "HardTanh": (lambda: nn.HardTanh(-0.5, 0.8), lambda: rand(3, 4)),
    "Threshold": (lambda: nn.Threshold(0.1, 2.0), lambda: rand(3, 4)),
    "SoftMax": (lambda: nn.SoftMax(), lambda: rand(3, 5)),
    "SoftMaxPlanes": (lambda: nn.SoftMax(), lambda: rand(2, 3, 2, 2)),
    "LogSoftMax": (lambda: nn.LogSoftMax(), lambda: rand(3, 5)),
    "LogSoftMax1d": (lambda: nn.LogSoftMax(), lambda: rand(5)),
    "SoftPlus": (lambda: nn.SoftPlus(2, 3), lambda: rand(3, 4)),
    "SoftSign": (lambda: nn.SoftSign(), lambda: rand(3, 4)),
    "Abs": (lambda: nn.Abs(), lambda: rand(3, 4)),
    "Square": (lambda: nn.Square(), lambda: rand(3, 4)),
    "Sqrt": (lambda: nn.Sqrt(), lambda: rand(3, 4, low=0.5)),
    "Power": (lambda: nn.Power(2.5), lambda: rand(3, 4, low=0.5)),
    "Exp": (lambda: nn.Exp(), lambda: rand(3, 4)),
    "Log": (lambda: nn.Log(), lambda: rand(3, 4, low=0.5)),
    "SpatialConvolution": (lambda: nn.SpatialConvolution(2, 3, 3, 2, 2, 1, 1, 0),
                           lambda: rand(2, 2, 5, 6)),
    "SpatialConvolution3d": (lambda: nn.SpatialConvolution(2, 2, 2, 2), lambda: rand(2, 3, 3)),
    "SpatialFullConvolution": (lambda: nn.SpatialFullConvolution(2, 3, 3, 2, 2, 2, 1, 0, 1, 1),
                               lambda: rand(2, 2, 3, 3)),
    "SpatialMaxPooling": (lambda: nn.SpatialMaxPooling(2, 2), lambda: rand(2, 3, 4, 4)),
    "SpatialMaxPoolingCeil": (lambda: nn.SpatialMaxPooling(3, 2, 2, 2, 1, 0).ceil(),
                              lambda: rand(2, 5, 6)),
    "SpatialAveragePooling": (lambda: nn.SpatialAveragePooling(3, 3, 2, 2, 1, 1),
                              lambda: rand(2, 2, 5, 5)),
    "SpatialAveragePoolingExclude": (
        lambda: nn.SpatialAveragePooling(2, 2, 2, 2, 1, 1).setCountExcludePad(),
        lambda: rand(2, 2, 3, 3)),
    "BatchNormalization": (lambda: nn.BatchNormalization(4), lambda: rand(5, 4)),
    "BatchNormalizationNoAffine": (lambda: nn.BatchNormalization(4, affine=False),
                                   lambda: rand(5, 4)),
    "SpatialBatchNormalization": (lambda: nn.SpatialBatchNormalization(3),
                                  lambda: rand(2, 3, 2, 3)),
    "SpatialZeroPadding": (lambda: nn.SpatialZeroPadding(1, 2, -1, 0), lambda: rand(2, 3, 4, 5)),
    "TemporalConvolution": (lambda: nn.TemporalConvolution(3, 4, 2, 2), lambda: rand(2, 7, 3)),
    "TemporalConvolution2d": (lambda: nn.TemporalConvolution(3, 2, 3), lambda: rand(5, 3)),
    "Normalize": (lambda: nn.Normalize(2), lambda: rand(3, 4)),
    "NormalizeP": (lambda: nn.Normalize(1.5), lambda: rand(4)),
    "CosineDistance": (lambda: nn.CosineDistance(), lambda: [rand(3, 4), rand(3, 4) + 1]),
    "PairwiseDistance": (lambda: nn.PairwiseDistance(2), lambda: [rand(3, 4), rand(3, 4) + 1]),
    "PairwiseDistanceL1": (lambda: nn.PairwiseDistance(1), lambda: [rand(3, 4), rand(3, 4) + 1]),
    "Identity": (lambda: nn.Identity(), lambda: rand(3, 4)),
    "JoinTable": (lambda: nn.JoinTable(1), lambda: [rand(2, 3), rand(2, 4)]),
    "JoinTableBatch": (lambda: nn.JoinTable(0, 1), lambda: [rand(2, 3), rand(2, 4)]),
    "SelectTable": (lambda: nn.SelectTable(-1), lambda: [rand(2, 3), rand(2, 4)]),
    "CAddTable": (lambda: nn.CAddTable(), lambda: [rand(2, 3), rand(2, 3) + 1, rand(2, 3) - 1]),
    "CMulTable": (lambda: nn.CMulTable(), lambda: [rand(2, 3), rand(2, 3) + 1, rand(2, 3) - 1]),
    "Sequential": (lambda: nn.Sequential().add(nn.Linear(4, 3)).add(nn.Tanh())
                   .add(nn.Linear(3, 2)), lambda: rand(3, 4)),
    "Concat": (lambda: nn.Concat(1).add(nn.Linear(4, 2)).add(nn.Linear(4, 3)),
               lambda: rand(3, 4)),
    "ConcatTable": (lambda: nn.ConcatTable().add(nn.Linear(4, 2)).add(nn.Tanh()),
                    lambda: rand(3, 4)),
    "ParallelTable": (lambda: nn.ParallelTable().add(nn.Linear(4, 2)).add(nn.CMul(3)),
                      lambda: [rand(3, 4), rand(3, 3)]),
    "Parallel": (lambda: nn.Parallel(1, 0).add(nn.Linear(3, 2)).add(nn.Linear(3, 4)),
                 lambda: rand(3, 2)),
    "Nested": (lambda: nn.Sequential().add(nn.ConcatTable().add(nn.Linear(3, 3))
                                            .add(nn.Identity()))
               .add(nn.CAddTable()).add(nn.Sigmoid()), lambda: rand(2, 3)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients(name):
    make_module, make_input = CASES[name]
    pyt.manual_seed(0)
    check_gradients(make_module(), make_input())


def test_batchnorm_evaluate_gradients():
    m = nn.SpatialBatchNormalization(3)
    m.running_mean.uniform_(-1, 1)
    m.running_var.uniform_(0.5, 2)
    m.evaluate()
    check_gradients(m, rand(2, 3, 2, 2))


def test_pairwise_distance_of_equal_rows():
    m = nn.PairwiseDistance(2).double()
    a = rand(2, 3)
    b = a.clone()
    b[1] += 1
    out = m.forward([a, b])
    np.testing.assert_allclose(out.numpy(), [0, math.sqrt(3)])
    ga, gb = m.backward([a, b], pyt.ones(2, dtype=pyt.float64))
    np.testing.assert_allclose(ga.numpy()[0], 0)
    np.testing.assert_allclose(ga.numpy()[1], -1 / math.sqrt(3))


def test_lookup_table():
    m = nn.LookupTable(6, 3, paddingValue=2).double()
    idx = pyt.tensor([[0, 2, 5], [5, 1, 2]])
    out = m.forward(idx)
    np.testing.assert_allclose(out.numpy(), m.weight.numpy()[idx.numpy()])
    go = like(out)
    m.zeroGradParameters()
    gi = m.backward(idx, go, 0.5)
    assert tuple(gi.shape) == (2, 3) and float(gi.abs().sum()) == 0
    want = np.zeros((6, 3))
    for (b, j), k in np.ndenumerate(idx.numpy()):
        if k != 2:
            want[k] += 0.5 * go.numpy()[b, j]
    np.testing.assert_allclose(m.gradWeight.numpy(), want)
    with pytest.raises(IndexError, match="LookupTable"):
        m.forward(pyt.tensor([6]))
    with pytest.raises(TypeError, match="LookupTable"):
        m.forward(rand(3))


def test_dropout():
    pyt.manual_seed(0)
    m = nn.Dropout(0.4).double()
    x = rand(50, 40)
    out = m.forward(x)
    kept = out.numpy() != 0
    assert 0.5 < kept.mean() < 0.7
    np.testing.assert_allclose(out.numpy()[kept], x.numpy()[kept] / 0.6)
    go = like(out)
    gi = m.backward(x, go)
    np.testing.assert_allclose(gi.numpy(), go.numpy() * kept / 0.6)
    m.evaluate()
    np.testing.assert_allclose(m.forward(x).numpy(), x.numpy())
    v1 = nn.Dropout(0.4, v1=True).double()
    v1.evaluate()
    np.testing.assert_allclose(v1.forward(x).numpy(), x.numpy() * 0.6)


def test_inplace_modules():
    x = rand(3, 4)
    for m in (nn.ReLU(True), nn.Threshold(0.2, -1.0, True), nn.LeakyReLU(0.1, True),
              nn.HardTanh(-0.5, 0.5, True), nn.ELU(1.0, True), nn.Dropout(0.5, True)):
        m.double()
        pyt.manual_seed(0)
        x = rand(3, 4)
        out = m.forward(x)
        assert out.data_ptr() == x.data_ptr()
    relu = nn.ReLU(True).double()
    x = rand(3, 4)
    a = x.numpy().copy()
    relu.forward(x)
    np.testing.assert_allclose(x.numpy(), np.maximum(a, 0))
    go = like(x)
    g = go.numpy().copy()
    np.testing.assert_allclose(relu.backward(x, go).numpy(), g * (a > 0))


def test_scale_and_update_parameters():
    m = nn.Linear(4, 3).double()
    x, go = rand(2, 4), rand(2, 3)
    m.zeroGradParameters()
    m.backward(x, go)
    once = m.gradWeight.numpy().copy()
    m.backward(x, go, 2)    # accumulates, scaled
    np.testing.assert_allclose(m.gradWeight.numpy(), 3 * once)
    w = m.weight.numpy().copy()
    m.updateParameters(0.1)
    np.testing.assert_allclose(m.weight.numpy(), w - 0.3 * once)
    m.zeroGradParameters()
    assert float(m.gradWeight.abs().sum()) == 0
    # accUpdateGradParameters steps the weights directly
    w = m.weight.numpy().copy()
    m.zeroGradParameters()
    m.backward(x, go)
    g = m.gradWeight.numpy().copy()
    m.accUpdateGradParameters(x, go, 0.5)
    np.testing.assert_allclose(m.weight.numpy(), w - 0.5 * g)
    np.testing.assert_allclose(m.gradWeight.numpy(), g)


# legacy module, equivalent from pyt.nn.functional (given the module), input
EQUIVALENTS = [
    (lambda: nn.Linear(5, 3), lambda m, x: F.linear(x, m.weight, m.bias), (4, 5)),
    (lambda: nn.Bilinear(3, 4, 2), lambda m, x: F.bilinear(x[0], x[1], m.weight, m.bias),
     [(5, 3), (5, 4)]),
    (lambda: nn.SpatialConvolution(2, 3, 3, 2, 2, 1, 1, 0),
     lambda m, x: F.conv2d(x, m.weight, m.bias, (1, 2), (0, 1)), (2, 2, 5, 6)),
    (lambda: nn.SpatialFullConvolution(2, 3, 3, 3, 2, 2, 1, 1, 1, 1),
     lambda m, x: F.conv_transpose2d(x, m.weight, m.bias, 2, 1, 1), (2, 2, 3, 3)),
    (lambda: nn.SpatialMaxPooling(2, 2), lambda m, x: F.max_pool2d(x, 2), (2, 3, 4, 4)),
    (lambda: nn.SpatialAveragePooling(3, 3, 2, 2, 1, 1),
     lambda m, x: F.avg_pool2d(x, 3, 2, 1), (2, 2, 5, 5)),
    (lambda: nn.SpatialZeroPadding(1, 2, 0, 1), lambda m, x: F.pad(x, (1, 2, 0, 1)),
     (2, 2, 3, 3)),
    (lambda: nn.LogSoftMax(), lambda m, x: F.log_softmax(x, 1), (3, 5)),
    (lambda: nn.SoftMax(), lambda m, x: F.softmax(x, 1), (2, 3, 2, 2)),
    (lambda: nn.ELU(0.5), lambda m, x: F.elu(x, 0.5), (3, 4)),
    (lambda: nn.LeakyReLU(0.2), lambda m, x: F.leaky_relu(x, 0.2), (3, 4)),
    (lambda: nn.HardTanh(-0.5, 0.8), lambda m, x: F.hardtanh(x, -0.5, 0.8), (3, 4)),
    (lambda: nn.Threshold(0.1, 2.0), lambda m, x: F.threshold(x, 0.1, 2.0), (3, 4)),
    (lambda: nn.PReLU(3), lambda m, x: F.prelu(x, m.weight), (2, 3, 2, 2)),
    (lambda: nn.SoftPlus(2, 3), lambda m, x: F.softplus(x, 2, 3), (3, 4)),
    (lambda: nn.SoftSign(), lambda m, x: F.softsign(x), (3, 4)),
    (lambda: nn.Normalize(2), lambda m, x: F.normalize(x, 2, 1, 0), (3, 4)),
    (lambda: nn.CosineDistance(), lambda m, x: F.cosine_similarity(x[0], x[1]),
     [(3, 4), (3, 4)]),
    (lambda: nn.PairwiseDistance(2), lambda m, x: F.pairwise_distance(x[0], x[1], eps=0),
     [(3, 4), (3, 4)]),
    (lambda: nn.ReLU(), lambda m, x: F.relu(x), (3, 4)),
    (lambda: nn.Tanh(), lambda m, x: pyt.tanh(x), (3, 4)),
    (lambda: nn.Sigmoid(), lambda m, x: pyt.sigmoid(x), (3, 4)),
    (lambda: nn.Max(1), lambda m, x: x.amax(1), (3, 4, 2)),
    (lambda: nn.Mean(0, 2), lambda m, x: x.mean(1), (3, 4, 2)),
    (lambda: nn.Euclidean(4, 3),
     lambda m, x: (x.unsqueeze(1) - m.weight.t()).norm(dim=2), (2, 4)),
    (lambda: nn.TemporalConvolution(3, 4, 2, 2),
     lambda m, x: F.conv1d(x.transpose(1, 2), m.weight.view(4, 2, 3).transpose(1, 2),
                           m.bias, 2).transpose(1, 2), (2, 7, 3)),
]


@pytest.mark.parametrize("case", range(len(EQUIVALENTS)))
def test_output_matches_functional(case):
    make_module, reference, shapes = EQUIVALENTS[case]
    pyt.manual_seed(0)
    m = make_module().double()
    x = [rand(*s) for s in shapes] if isinstance(shapes, list) else rand(*shapes)
    np.testing.assert_allclose(m.forward(x).numpy(), reference(m, x).numpy(), atol=1e-10)


def test_batchnorm_running_statistics():
    m = nn.BatchNormalization(3, momentum=0.2).double()
    x = rand(6, 3)
    out = m.forward(x)
    a = x.numpy()
    want = (a - a.mean(0)) / np.sqrt(a.var(0) + 1e-5) * m.weight.numpy() + m.bias.numpy()
    np.testing.assert_allclose(out.numpy(), want, atol=1e-10)
    np.testing.assert_allclose(m.running_mean.numpy(), 0.2 * a.mean(0))
    np.testing.assert_allclose(m.running_var.numpy(), 0.8 + 0.2 * a.var(0, ddof=1))
    # the backward pass does not move the running statistics again
    m.backward(x, like(out))
    np.testing.assert_allclose(m.running_mean.numpy(), 0.2 * a.mean(0))
    m.evaluate()
    want = (a - m.running_mean.numpy()) / np.sqrt(m.running_var.numpy() + 1e-5)
    np.testing.assert_allclose(m.forward(x).numpy(), want * m.weight.numpy() + m.bias.numpy())


# ---------------------------------------------------------------- criterions

def check_criterion_gradient(criterion, x, target, atol=1e-6):
    """gradInput against central differences of the loss."""
    gi = [g.numpy().copy() for g in tensors(criterion.backward(x, target))]
    for t, g in zip(tensors(x), gi):
        a = t.numpy()
        want = np.zeros(a.shape)
        for i in np.ndindex(a.shape):
            old = a[i]
            a[i] = old + 1e-6
            up = criterion.forward(x, target)
            a[i] = old - 1e-6
            down = criterion.forward(x, target)
            a[i] = old
            want[i] = (up - down) / 2e-6
        np.testing.assert_allclose(g.reshape(a.shape), want, atol=atol, rtol=1e-5)


def log_probs(n, c):
    x = rand(n, c).numpy()
    return pyt.tensor(x - np.log(np.exp(x).sum(1, keepdims=True)), dtype=pyt.float64)


@pytest.mark.parametrize("size_average", [True, False])
def test_class_nll(size_average):
    x, t = log_probs(5, 4), pyt.tensor([0, 3, 1, 1, 2])
    w = pyt.tensor([1.0, 2.0, 0.5, 3.0], dtype=pyt.float64)
    for weights in (None, w):
        c = nn.ClassNLLCriterion(weights, sizeAverage=size_average)
        ww = np.ones(4) if weights is None else w.numpy()
        picked = x.numpy()[np.arange(5), t.numpy()] * ww[t.numpy()]
        want = -picked.sum() / (ww[t.numpy()].sum() if size_average else 1)
        assert c.forward(x, t) == pytest.approx(want)
        check_criterion_gradient(c, x, t)
    c = nn.ClassNLLCriterion()
    assert c.forward(x[1], 3) == pytest.approx(-x.numpy()[1, 3])
    with pytest.raises(IndexError, match="ClassNLLCriterion"):
        c.forward(x, pyt.tensor([0, 4, 1, 1, 2]))
    with pytest.raises(RuntimeError, match=r"expected target of size \[5\]"):
        c.forward(x, pyt.tensor([0, 1]))


def test_cross_entropy():
    x, t = rand(5, 4), pyt.tensor([0, 3, 1, 1, 2])
    c = nn.CrossEntropyCriterion()
    a = x.numpy()
    lsm = a - np.log(np.exp(a).sum(1, keepdims=True))
    assert c.forward(x, t) == pytest.approx(-lsm[np.arange(5), t.numpy()].mean())
    assert c.forward(x, t) == pytest.approx(F.cross_entropy(x, t).item())
    check_criterion_gradient(c, x, t)


def sign_target(*shape):
    return pyt.tensor(np.where(rand(*shape).numpy() > 0, 1.0, -1.0), dtype=pyt.float64)


@pytest.mark.parametrize("size_average", [True, False])
def test_pointwise_criterions(size_average):
    x, y = rand(3, 4), rand(3, 4) * 0.7 + 0.2
    a, b = x.numpy(), y.numpy()
    n = a.size if size_average else 1
    d = a - b
    p = 1 / (1 + np.exp(-a))
    q = np.clip(b, 0.05, 0.95)
    s = sign_target(3, 4)
    sa = s.numpy()
    probs = pyt.tensor(p, dtype=pyt.float64)
    cases = [
        (nn.MSECriterion(size_average), x, y, (d * d).sum() / n),
        (nn.AbsCriterion(size_average), x, y, np.abs(d).sum() / n),
        (nn.SmoothL1Criterion(size_average), x, y,
         np.where(np.abs(d) < 1, 0.5 * d * d, np.abs(d) - 0.5).sum() / n),
        (nn.BCECriterion(sizeAverage=size_average), probs, pyt.tensor(q),
         -(q * np.log(p + 1e-12) + (1 - q) * np.log(1 - p + 1e-12)).sum() / n),
        (nn.DistKLDivCriterion(size_average), x, pyt.tensor(q),
         (q * (np.log(q) - a)).sum() / n),
        (nn.MarginCriterion(0.5, size_average), x, s, np.maximum(0, 0.5 - sa * a).sum() / n),
        (nn.HingeEmbeddingCriterion(0.5, size_average), x, s,
         np.where(sa == 1, a, np.maximum(0, 0.5 - a)).sum() / n),
    ]
    for criterion, inp, target, want in cases:
        assert criterion.forward(inp, target) == pytest.approx(want), criterion
        check_criterion_gradient(criterion, inp, target)


def test_bce_weights():
    x = pyt.tensor([[0.2, 0.7], [0.9, 0.4]], dtype=pyt.float64)
    y = pyt.tensor([[0.0, 1.0], [1.0, 1.0]], dtype=pyt.float64)
    w = pyt.tensor([2.0, 0.5], dtype=pyt.float64)
    c = nn.BCECriterion(w)
    a, b = x.numpy(), y.numpy()
    want = -(w.numpy() * (b * np.log(a + 1e-12) + (1 - b) * np.log(1 - a + 1e-12))).mean()
    assert c.forward(x, y) == pytest.approx(want)
    check_criterion_gradient(c, x, y)


@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin(p):
    x, t = rand(4, 5), pyt.tensor([0, 4, 2, 2])
    w = pyt.tensor([1.0, 2.0, 0.5, 3.0, 1.5], dtype=pyt.float64)
    c = nn.MultiMarginCriterion(p, w, margin=0.8)
    a, tt = x.numpy(), t.numpy()
    total = 0.0
    for i in range(4):
        for j in range(5):
            if j != tt[i]:
                total += w.numpy()[tt[i]] * max(0, 0.8 - a[i, tt[i]] + a[i, j]) ** p
    assert c.forward(x, t) == pytest.approx(total / 5 / 4)
    check_criterion_gradient(c, x, t)


def test_cosine_embedding():
    a, b, y = rand(4, 3), rand(4, 3) + 0.5, sign_target(4)
    c = nn.CosineEmbeddingCriterion(0.1)
    an, bn = a.numpy(), b.numpy()
    cos = (an * bn).sum(1) / np.linalg.norm(an, axis=1) / np.linalg.norm(bn, axis=1)
    want = np.where(y.numpy() == 1, 1 - cos, np.maximum(0, cos - 0.1)).mean()
    assert c.forward([a, b], y) == pytest.approx(want)
    check_criterion_gradient(c, [a, b], y)


def test_multi_and_parallel_criterion():
    x, y = rand(3, 4), rand(3, 4)
    mse, abs_ = nn.MSECriterion(), nn.AbsCriterion()
    multi = nn.MultiCriterion().add(nn.MSECriterion()).add(nn.AbsCriterion(), 0.5)
    assert multi.forward(x, y) == pytest.approx(mse.forward(x, y) + 0.5 * abs_.forward(x, y))
    check_criterion_gradient(multi, x, y)
    par = nn.ParallelCriterion().add(nn.MSECriterion(), 2).add(nn.ClassNLLCriterion())
    lp, t = log_probs(3, 4), pyt.tensor([1, 0, 3])
    want = 2 * mse.forward(x, y) + nn.ClassNLLCriterion().forward(lp, t)
    assert par.forward([x, lp], [y, t]) == pytest.approx(want)
    check_criterion_gradient(par, [x, lp], [y, t])
    rep = nn.ParallelCriterion(True).add(nn.MSECriterion()).add(nn.AbsCriterion())
    assert rep.forward([x, x], y) == pytest.approx(mse.forward(x, y) + abs_.forward(x, y))


# ---------------------------------------------------------------- parameters, containers

def test_flatten_parameters_views():
    net = nn.Sequential().add(nn.Linear(4, 3)).add(nn.ReLU()).add(nn.Linear(3, 2, False))
    before = [p.numpy().copy() for p in net.parameters()[0]]
    flat, grad = net.flattenParameters()
    assert tuple(flat.shape) == (12 + 3 + 6,) and tuple(grad.shape) == (21,)
    np.testing.assert_allclose(flat.numpy(), np.concatenate([b.ravel() for b in before]))
    # writing the flat tensor writes the modules' weights...
    flat.fill_(0.5)
    assert float(net.get(0).weight.sum()) == 0.5 * 12
    assert float(net.get(2).weight.sum()) == 0.5 * 6
    # ...and the modules' in-place updates show in the flat tensor
    net.get(0).bias.fill_(2.0)
    np.testing.assert_allclose(flat.numpy()[12:15], 2.0)
    x = rand(5, 4).float()
    net.zeroGradParameters()
    net.forward(x)
    net.backward(x, pyt.ones(5, 2))
    params, grads = net.parameters()
    np.testing.assert_allclose(grad.numpy(), np.concatenate([g.numpy().ravel() for g in grads]))
    assert float(grad.abs().sum()) > 0
    # a step on the flat vectors is a step for the modules
    w = net.get(0).weight.numpy().copy()
    g = net.get(0).gradWeight.numpy().copy()
    flat.add_(grad, alpha=-0.1)
    np.testing.assert_allclose(net.get(0).weight.numpy(), w - 0.1 * g, rtol=1e-6)
    net.zeroGradParameters()
    assert float(grad.abs().sum()) == 0


def test_flatten_shared_parameters():
    a = nn.Linear(3, 3)
    b = a.clone("weight", "bias", "gradWeight", "gradBias")
    net = nn.Sequential().add(a).add(b)
    flat, grad = net.flattenParameters()
    assert flat.numel() == 12
    assert net.get(0).weight is net.get(1).weight
    assert nn.ReLU().flattenParameters() == (None, None)


def test_parameters_and_types():
    net = nn.Sequential().add(nn.SpatialConvolution(1, 2, 3, 3)).add(nn.ReLU()) \
        .add(nn.View(-1).setNumInputDims(3)).add(nn.Linear(8, 2))
    params, grads = net.parameters()
    assert [tuple(p.shape) for p in params] == [(2, 1, 3, 3), (2,), (2, 8), (2,)]
    assert all(p.shape == g.shape for p, g in zip(params, grads))
    assert nn.Tanh().parameters() is None
    net.double()
    assert all(p.dtype == pyt.float64 for p in net.parameters()[0])
    assert net.type() == "torch.DoubleTensor" or net.get(0).type() == "torch.DoubleTensor"
    out = net.forward(rand(3, 1, 4, 4))
    assert out.dtype == pyt.float64 and tuple(out.shape) == (3, 2)
    net.type("torch.FloatTensor")
    assert net.forward(rand(3, 1, 4, 4).float()).dtype == pyt.float32
    net.clearState()
    assert net.output.numel() == 0 and net.get(0).output.numel() == 0
    with pytest.raises(TypeError):
        net.type("torch.WeirdTensor")


def test_training_evaluate():
    net = nn.Sequential().add(nn.Dropout(0.5)).add(nn.BatchNormalization(3))
    net.evaluate()
    assert not net.train and not net.get(0).train and not net.get(1).train
    x = rand(4, 3).float()
    np.testing.assert_allclose(net.forward(x).numpy(),
                               (x.numpy() / np.sqrt(1 + 1e-5)) * net.get(1).weight.numpy()
                               + net.get(1).bias.numpy(), rtol=1e-5)
    net.training()
    assert net.get(0).train and net.get(1).train


def test_sequential_structure_and_repr():
    seq = nn.Sequential()
    seq.add(nn.Linear(4, 3)).add(nn.Tanh())
    seq.insert(nn.ReLU(), 1)
    assert len(seq) == seq.size() == 3
    assert isinstance(seq.get(1), nn.ReLU)
    removed = seq.remove(1)
    assert isinstance(removed, nn.ReLU) and len(seq) == 2
    seq.remove()
    assert len(seq) == 1
    seq.add(nn.Sequential().add(nn.Linear(3, 2)))
    assert repr(seq) == ("nn.Sequential {\n  [input -> (0) -> (1) -> output]\n"
                         "  (0): nn.Linear(4 -> 3)\n  (1): nn.Sequential {\n"
                         "    [input -> (0) -> output]\n    (0): nn.Linear(3 -> 2)\n  }\n}")
    assert [type(m).__name__ for m in seq.listModules()] == \
        ["Sequential", "Linear", "Sequential", "Linear"]
    assert len(seq.findModules("Linear")) == 2
    with pytest.raises(TypeError, match="Sequential"):
        seq.add(3)


def test_containers_forward():
    x = rand(3, 4)
    l1, l2 = nn.Linear(4, 2).double(), nn.Linear(4, 3).double()
    cat = nn.Concat(1).add(l1).add(l2)
    np.testing.assert_allclose(cat.forward(x).numpy(),
                               np.concatenate([l1.forward(x).numpy(), l2.forward(x).numpy()], 1))
    table = nn.ConcatTable().add(l1).add(l2).forward(x)
    assert [tuple(t.shape) for t in table] == [(3, 2), (3, 3)]
    par = nn.Parallel(0, 0).add(nn.Sum(0)).add(nn.Sum(0)).add(nn.Sum(0))
    np.testing.assert_allclose(par.forward(rand(3, 4, 2)).numpy(),
                               rand(3, 4, 2).numpy().sum(1).reshape(-1))
    pt = nn.ParallelTable().add(nn.Abs()).add(nn.Exp())
    a, b = rand(2, 2), rand(2, 3)
    out = pt.forward([a, b])
    np.testing.assert_allclose(out[1].numpy(), np.exp(b.numpy()))


# ---------------------------------------------------------------- bad input

BAD = [
    (nn.Linear(10, 5), pyt.randn(4, 7), RuntimeError,
     r"Linear: expected input of size \[\*, 10\] but got \[4, 7\]"),
    (nn.Linear(10, 5), pyt.randn(2, 3, 10), RuntimeError, r"Linear: expected input"),
    (nn.SpatialConvolution(3, 4, 3, 3), pyt.randn(2, 2, 8, 8), RuntimeError,
     r"SpatialConvolution: expected input of size \[\*, 3, H, W\] but got \[2, 2, 8, 8\]"),
    (nn.SpatialConvolution(3, 4, 5, 5), pyt.randn(3, 3, 3), RuntimeError,
     r"SpatialConvolution: input of size \[3, 3, 3\].*smaller than the kernel"),
    (nn.SpatialMaxPooling(2, 2), pyt.randn(4, 4), RuntimeError, r"SpatialMaxPooling"),
    (nn.SpatialBatchNormalization(3), pyt.randn(2, 4, 2, 2), RuntimeError,
     r"SpatialBatchNormalization: expected input of size \[N, 3, H, W\]"),
    (nn.BatchNormalization(3), pyt.randn(1, 3), RuntimeError, r"more than one value"),
    (nn.TemporalConvolution(3, 2, 4), pyt.randn(3, 3), RuntimeError, r"shorter than"),
    (nn.Bilinear(2, 3, 4), [pyt.randn(5, 2), pyt.randn(5, 4)], RuntimeError,
     r"Bilinear: expected input of size \[\*, 3\] but got \[5, 4\]"),
    (nn.Bilinear(2, 3, 4), pyt.randn(5, 2), TypeError, r"Bilinear: expected a table"),
    (nn.CAddTable(), [pyt.randn(2, 3), pyt.randn(3, 2)], RuntimeError, r"CAddTable"),
    (nn.JoinTable(1), [pyt.randn(2, 3), pyt.randn(3, 2)], RuntimeError, r"JoinTable"),
    (nn.SelectTable(3), [pyt.randn(2)], IndexError, r"SelectTable"),
    (nn.View(5), pyt.randn(3, 4), RuntimeError, r"View: input of size \[3, 4\] cannot"),
    (nn.Reshape(5), pyt.randn(3, 4), RuntimeError, r"Reshape"),
    (nn.Narrow(1, 2, 5), pyt.randn(3, 4), IndexError, r"Narrow"),
    (nn.Select(0, 3), pyt.randn(3, 4), IndexError, r"Select"),
    (nn.Sum(2), pyt.randn(3, 4), IndexError, r"Sum"),
    (nn.Max(2), pyt.randn(3, 4), IndexError, r"Max"),
    (nn.PReLU(3), pyt.randn(2, 4), RuntimeError, r"PReLU"),
    (nn.CMul(3), pyt.randn(2, 4), RuntimeError, r"CMul: expected input of size \[\*, 3\]"),
    (nn.Euclidean(3, 2), pyt.randn(2, 4), RuntimeError, r"Euclidean"),
    (nn.SoftMax(), pyt.randn(1, 2, 3, 4, 5), RuntimeError, r"SoftMax"),
    (nn.Tanh(), [pyt.randn(2)], TypeError, r"Tanh: expected input to be a Tensor"),
    (nn.Parallel(1, 0).add(nn.Identity()), pyt.randn(3, 2), RuntimeError, r"Parallel"),
    (nn.CosineDistance(), [pyt.randn(2, 3), pyt.randn(2, 4)], RuntimeError,
     r"CosineDistance"),
]


@pytest.mark.parametrize("case", range(len(BAD)))
def test_bad_input(case):
    module, x, kind, message = BAD[case]
    with pytest.raises(kind, match=message):
        module.forward(x)


def test_bad_criterion_input():
    with pytest.raises(RuntimeError, match=r"MSECriterion: expected target of size \[3, 4\]"):
        nn.MSECriterion().forward(pyt.randn(3, 4), pyt.randn(3, 5))
    with pytest.raises(RuntimeError, match=r"ClassNLLCriterion: expected input of size"):
        nn.ClassNLLCriterion().forward(pyt.randn(2, 3, 4), pyt.tensor([0, 1]))
    with pytest.raises(TypeError, match="ClassNLLCriterion"):
        nn.ClassNLLCriterion().forward(pyt.randn(2, 3), pyt.randn(2))
    with pytest.raises(TypeError, match="CosineEmbeddingCriterion"):
        nn.CosineEmbeddingCriterion().forward(pyt.randn(2, 3), pyt.ones(2))


# ---------------------------------------------------------------- example

def test_legacy_digits_example():
    pytest.importorskip("sklearn")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    result = subprocess.run(
        [sys.executable, os.path.join(root, "examples", "legacy_digits.py")],
        capture_output=True, text=True, timeout=120, cwd=root,
        env={**os.environ, "PYTHONPATH": root})
    assert result.returncode == 0, result.stderr
    accuracy = float(result.stdout.strip().splitlines()[-1].split()[-1].rstrip("%"))
    assert accuracy >= 95.0, result.stdout
