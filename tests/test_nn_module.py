"""pyt.nn.Module API: registration, iteration order, state_dict, hooks, modes,
conversion, printing, containers, Parameter."""
import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import pyt
import pyt.nn as nn


def _np(t):
    return t.detach().numpy()


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.register_buffer("steps", pyt.zeros(1))
        self.register_buffer("scratch", pyt.ones(2), persistent=False)
        self.block = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 2))
        self.scale = nn.Parameter(pyt.ones(1))

    def forward(self, x):
        return self.block(pyt.relu(self.fc1(x))) * self.scale


def _torch_net(torch):
    class TorchNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = torch.nn.Linear(4, 3)
            self.register_buffer("steps", torch.zeros(1))
            self.register_buffer("scratch", torch.ones(2), persistent=False)
            self.block = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.ReLU(),
                                             torch.nn.Linear(3, 2))
            self.scale = torch.nn.Parameter(torch.ones(1))
    return TorchNet()


# ----- Parameter ---------------------------------------------------------------------

def test_parameter_basics():
    data = pyt.ones(2, 3)
    p = nn.Parameter(data)
    assert isinstance(p, pyt.Tensor) and isinstance(p, nn.Parameter)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    assert repr(p) == "Parameter containing:\ntensor([[1., 1., 1.],\n        [1., 1., 1.]], " \
                      "requires_grad=True)"
    p.data[0, 0] = 5.0
    assert float(data[0, 0]) == 5.0                  # shares the storage of data
    assert not nn.Parameter(pyt.ones(2), requires_grad=False).requires_grad
    assert tuple(nn.Parameter().shape) == (0,)
    assert type(p * 2) is pyt.Tensor
    with pytest.raises(RuntimeError):
        nn.Parameter(pyt.tensor([1, 2]))             # integer tensors cannot require grad
    assert not nn.Parameter(pyt.tensor([1, 2]), requires_grad=False).requires_grad


def test_parameter_deepcopy_and_pickle():
    p = nn.Parameter(pyt.tensor([1.0, 2.0]))
    q = copy.deepcopy(p)
    assert type(q) is nn.Parameter and q.requires_grad
    assert _np(q).tolist() == [1.0, 2.0]
    q.data[0] = 9.0
    assert float(p[0]) == 1.0
    r = pickle.loads(pickle.dumps(p))
    assert type(r) is nn.Parameter and r.requires_grad and _np(r).tolist() == [1.0, 2.0]
    s = pickle.loads(pickle.dumps(nn.Parameter(pyt.ones(2), requires_grad=False)))
    assert not s.requires_grad


# ----- registration ------------------------------------------------------------------

def test_registration_by_assignment():
    net = Net()
    assert list(net._parameters) == ["scale"]
    assert list(net._buffers) == ["steps", "scratch"]
    assert list(net._modules) == ["fc1", "block"]
    assert net.scratch is net._buffers["scratch"]
    net.fc1 = None                                   # a child may be set to None
    assert net._modules["fc1"] is None
    net.steps = pyt.ones(1)                          # reassigning a buffer keeps it a buffer
    assert "steps" in net._buffers
    net.scale = None
    assert net._parameters["scale"] is None
    with pytest.raises(TypeError, match="cannot assign 'int' as child module 'block'"):
        net.block = 3
    with pytest.raises(TypeError, match="cannot assign 'pyt.Tensor' as parameter 'scale'"):
        net.scale = pyt.ones(1)
    with pytest.raises(TypeError, match=r"cannot assign 'str' as buffer 'steps' "
                                        r"\(torch.nn.Buffer, torch.Tensor or None expected"):
        net.steps = "x"
    net.plain = 3
    assert "plain" in net.__dict__
    net.extra = nn.Buffer(pyt.ones(2), persistent=False)
    assert "extra" in net._buffers and "extra" in net._non_persistent_buffers_set
    assert type(net.extra) is pyt.Tensor and "extra" not in net.state_dict()


def test_registration_errors_match_torch():
    m = nn.Module()
    with pytest.raises(KeyError, match=r"buffer name can.{1,2}t contain"):
        m.register_buffer("a.b", pyt.ones(1))
    with pytest.raises(KeyError, match=r"buffer name can.{1,2}t be empty string"):
        m.register_buffer("", pyt.ones(1))
    with pytest.raises(TypeError, match="buffer name should be a string. Got int"):
        m.register_buffer(1, pyt.ones(1))
    with pytest.raises(TypeError, match="cannot assign 'list' object to buffer 'b'"):
        m.register_buffer("b", [1])
    with pytest.raises(KeyError, match="attribute 'training' already exists"):
        m.register_buffer("training", pyt.ones(1))
    with pytest.raises(KeyError, match=r"parameter name can.{1,2}t contain"):
        m.register_parameter("a.b", nn.Parameter(pyt.ones(1)))
    with pytest.raises(TypeError, match=r"cannot assign 'pyt.Tensor' object to parameter 'w' "
                                        r"\(torch.nn.Parameter or None required\)"):
        m.register_parameter("w", pyt.ones(1))
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("x", 3)
    with pytest.raises(KeyError, match=r"module name can.{1,2}t contain .+, got: a.b"):
        m.add_module("a.b", nn.ReLU())
    with pytest.raises(KeyError, match=r"module name can.{1,2}t be empty string"):
        m.add_module("", nn.ReLU())

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(pyt.ones(1))
    with pytest.raises(AttributeError, match="cannot assign parameters before "
                                             "Module.__init__\\(\\) call"):
        Early()
    m.register_module("act", nn.ReLU())
    assert isinstance(m.act, nn.ReLU)
    m.register_parameter("nothing", None)
    assert m.nothing is None and list(m.parameters()) == []
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'missing'"):
        m.missing


def test_delattr_and_dir():
    net = Net()
    del net.steps
    del net.scale
    del net.block
    assert "steps" not in net._buffers and "scale" not in net._parameters
    assert "block" not in net._modules
    net2 = Net()
    keys = dir(net2)
    for name in ("fc1", "block", "scale", "steps", "scratch", "forward", "training"):
        assert name in keys
    assert keys == sorted(keys)
    assert "0" not in dir(nn.Sequential(nn.ReLU()))


# ----- iteration ---------------------------------------------------------------------

def test_iteration_order_and_prefixes_match_torch():
    torch = pytest.importorskip("torch")
    net, tnet = Net(), _torch_net(torch)

    def names(it):
        return [n for n, _ in it]
    assert names(net.named_parameters()) == names(tnet.named_parameters())
    assert names(net.named_parameters(prefix="m", recurse=False)) == \
        names(tnet.named_parameters(prefix="m", recurse=False))
    assert names(net.named_buffers()) == names(tnet.named_buffers())
    assert names(net.named_children()) == names(tnet.named_children())
    assert names(net.named_modules()) == names(tnet.named_modules())
    assert names(net.named_modules(prefix="root")) == names(tnet.named_modules(prefix="root"))
    assert len(list(net.parameters())) == 7 and len(list(net.buffers())) == 2
    assert [type(m).__name__ for m in net.modules()] == \
        ["Net", "Linear", "Sequential", "Linear", "ReLU", "Linear"]
    assert [type(m).__name__ for m in net.children()] == ["Linear", "Sequential"]


def test_shared_modules_and_parameters_deduplicated():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    assert [n for n, _ in seq.named_modules()] == ["", "0", "1"]
    assert len(list(seq.named_modules(remove_duplicate=False))) == 4
    assert [n for n, _ in seq.named_parameters(remove_duplicate=False)] == \
        ["0.weight", "0.bias", "2.weight", "2.bias"]
    m = nn.Module()
    m.a = nn.Parameter(pyt.ones(1))
    m.b = m.a
    assert [n for n, _ in m.named_parameters()] == ["a"]
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert list(seq.named_children()) == [("0", lin), ("1", seq[1])]


def test_get_submodule_parameter_buffer():
    net = Net()
    assert net.get_submodule("block.2") is net.block[2]
    assert net.get_parameter("block.0.bias") is net.block[0].bias
    assert net.get_buffer("steps") is net.steps
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        net.get_submodule("block.nope")


# ----- state_dict --------------------------------------------------------------------

def test_state_dict_round_trip():
    torch = pytest.importorskip("torch")
    net = Net()
    sd = net.state_dict()
    assert list(sd) == list(_torch_net(torch).state_dict())
    assert "scratch" not in sd                       # non-persistent buffer
    assert all(not v.requires_grad for v in sd.values())
    assert all(v.requires_grad for k, v in net.state_dict(keep_vars=True).items()
               if k != "steps")
    assert list(net.state_dict(prefix="p.")) == ["p." + k for k in sd]
    other = Net()
    result = other.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    for k, v in other.state_dict().items():
        np.testing.assert_array_equal(_np(v), _np(sd[k]))
    # loading copies values: the parameters stay the same objects
    w = other.fc1.weight
    other.load_state_dict(Net().state_dict())
    assert other.fc1.weight is w


def test_load_state_dict_errors_match_torch():
    torch = pytest.importorskip("torch")
    net, tnet = Net(), _torch_net(torch)
    sd = net.state_dict()
    tsd = tnet.state_dict()
    del sd["fc1.bias"], tsd["fc1.bias"]
    sd["extra.weight"] = pyt.ones(1)
    tsd["extra.weight"] = torch.ones(1)
    sd["block.0.weight"] = pyt.ones(5, 5)
    tsd["block.0.weight"] = torch.ones(5, 5)
    with pytest.raises(RuntimeError) as err:
        net.load_state_dict(sd)
    with pytest.raises(RuntimeError) as terr:
        tnet.load_state_dict(tsd)
    assert str(err.value) == str(terr.value).replace("torch.Size", "pyt.Size").replace(
        "TorchNet", "Net")
    assert "size mismatch for block.0.weight" in str(err.value)
    del sd["block.0.weight"], tsd["block.0.weight"]
    result = net.load_state_dict(sd, strict=False)
    tresult = tnet.load_state_dict(tsd, strict=False)
    assert result.missing_keys == tresult.missing_keys == ["fc1.bias", "block.0.weight"]
    assert result.unexpected_keys == tresult.unexpected_keys == ["extra.weight"]
    assert repr(result) == repr(tresult)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        net.load_state_dict([1, 2])
    bad = net.state_dict()
    bad["scale"] = [1.0]
    with pytest.raises(RuntimeError, match='While copying the parameter named "scale"'):
        net.load_state_dict(bad)


def test_load_state_dict_assign():
    net = Net()
    sd = Net().state_dict()
    net.load_state_dict(sd, assign=True)
    assert isinstance(net.fc1.weight, nn.Parameter) and net.fc1.weight.requires_grad
    assert net.steps is sd["steps"]


def test_state_dict_hooks():
    net = nn.Linear(2, 2)
    seen = []
    h = net.register_state_dict_post_hook(lambda m, sd, prefix, meta: seen.append(prefix))
    net.state_dict(prefix="x.")
    assert seen == ["x."]
    h.remove()
    net.state_dict()
    assert seen == ["x."]
    post = []
    net.register_load_state_dict_post_hook(lambda m, keys: post.append(keys))
    net.load_state_dict(net.state_dict())
    assert len(post) == 1


def test_pickle_and_deepcopy_module():
    net = Net()
    net.fc1.weight.grad = pyt.ones(3, 4)
    x = pyt.randn(2, 4)
    for clone in (copy.deepcopy(net), pickle.loads(pickle.dumps(net))):
        np.testing.assert_allclose(_np(clone(x)), _np(net(x)))
        assert clone.fc1.weight is not net.fc1.weight
        assert type(clone.fc1.weight) is nn.Parameter
        assert "scratch" in clone._non_persistent_buffers_set
    tied = nn.Sequential(nn.Linear(2, 2))
    tied.add_module("again", tied[0])
    c = copy.deepcopy(tied)
    assert c[0] is c.again


def test_setstate_fills_missing_bookkeeping():
    net = nn.Linear(2, 2)
    state = net.__getstate__()
    del state["_forward_hooks"], state["_non_persistent_buffers_set"]
    fresh = nn.Linear.__new__(nn.Linear)
    fresh.__setstate__(state)
    assert fresh(pyt.ones(1, 2)).shape == (1, 2)
    assert fresh._forward_hooks == OrderedDict()


# ----- modes, gradients, apply -------------------------------------------------------

def test_train_eval():
    net = Net()
    assert net.training and net.block[1].training
    assert net.eval() is net
    assert not net.training and not net.block[1].training
    net.train()
    assert net.block[2].training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train("yes")


def test_zero_grad_and_requires_grad():
    net = Net()
    net(pyt.randn(3, 4)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not _np(p.grad).any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    assert net.requires_grad_() is net and net.fc1.weight.requires_grad


def test_apply_visits_children_first():
    net = Net()
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "Linear", "ReLU", "Linear", "Sequential", "Net"]

    def init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.constant_(m.weight, 0.5)
    net.apply(init_weights)
    assert np.all(_np(net.block[2].weight) == 0.5)


# ----- conversion --------------------------------------------------------------------

def test_to_dtype_keeps_parameter_objects():
    net = Net()
    w = net.fc1.weight
    net.fc1.weight.grad = pyt.ones(3, 4)
    assert net.double() is net
    assert net.fc1.weight is w and w.dtype == pyt.float64 and w.grad.dtype == pyt.float64
    assert net.steps.dtype == pyt.float64
    assert isinstance(w, nn.Parameter) and w.requires_grad
    net.float()
    assert w.dtype == pyt.float32
    net.to(pyt.float64)
    assert w.dtype == pyt.float64
    net.to(dtype=pyt.float32)
    assert w.dtype == pyt.float32
    net.to(pyt.zeros(1, dtype=pyt.float64))
    assert w.dtype == pyt.float64
    net.to("cpu", pyt.float32)
    net.to(device="cpu")
    assert w.dtype == pyt.float32 and str(w.device) == "cpu"
    net.half()
    assert w.dtype == pyt.float16
    net.bfloat16()
    assert w.dtype == pyt.bfloat16
    net.type(pyt.float32)
    assert w.dtype == pyt.float32
    assert net.cpu() is net
    with pytest.raises(TypeError, match="nn.Module.to only accepts floating point"):
        net.to(pyt.int32)


def test_integer_buffers_keep_dtype():
    bn = nn.BatchNorm1d(3).double()
    assert bn.num_batches_tracked.dtype == pyt.int64
    assert bn.running_mean.dtype == pyt.float64


def test_cuda_without_device_raises_clearly():
    import pyt._ext.device  # noqa: F401
    try:
        pyt.ones(1).cuda()
        pytest.skip("a CUDA device is available")
    except RuntimeError:
        pass
    with pytest.raises(RuntimeError, match="CUDA|NVIDIA"):
        nn.Linear(2, 2).cuda()
    with pytest.raises(RuntimeError, match="CUDA|NVIDIA"):
        nn.Linear(2, 2).to("cuda")


def test_share_memory_returns_module():
    net = Net()
    assert net.share_memory() is net
    assert all(p.is_shared() for p in net.parameters())


# ----- hooks -------------------------------------------------------------------------

def test_forward_pre_and_post_hooks():
    lin = nn.Linear(2, 2)
    calls = []
    h1 = lin.register_forward_pre_hook(lambda m, args: calls.append("pre") or (args[0] * 0,))
    h2 = lin.register_forward_hook(lambda m, args, out: calls.append("post") or out + 1)
    out = lin(pyt.ones(1, 2))
    assert calls == ["pre", "post"]
    np.testing.assert_allclose(_np(out), _np(lin.bias.reshape(1, 2) + 1), rtol=1e-6)
    h1.remove()
    h2.remove()
    calls.clear()
    lin(pyt.ones(1, 2))
    assert calls == []

    def pre_kw(m, args, kwargs):
        return args, {"scale": 3.0}

    def post_kw(m, args, kwargs, out):
        calls.append(kwargs)

    class Scaled(nn.Module):
        def forward(self, x, scale=1.0):
            return x * scale
    s = Scaled()
    s.register_forward_pre_hook(pre_kw, with_kwargs=True)
    s.register_forward_hook(post_kw, with_kwargs=True)
    assert float(s(pyt.ones(1))) == 3.0
    assert calls == [{"scale": 3.0}]
    order = []
    s.register_forward_hook(lambda *a: order.append("last"))
    s.register_forward_hook(lambda *a: order.append("first"), prepend=True)
    s(pyt.ones(1))
    assert order == ["first", "last"]
    with s.register_forward_hook(lambda *a: order.append("ctx")):
        s(pyt.ones(1))
    s(pyt.ones(1))
    assert order.count("ctx") == 1
    class Failing(nn.Module):
        def forward(self, x):
            raise ValueError("boom")
    f = Failing()
    f.register_forward_hook(lambda m, a, out: calls.append(("always", out)), always_call=True)
    f.register_forward_hook(lambda m, a, out: calls.append("not called"))
    with pytest.raises(ValueError, match="boom"):
        f(pyt.ones(1))
    assert calls[-1] == ("always", None)
    bad = Scaled()
    bad.register_forward_pre_hook(lambda m, a, k: 5, with_kwargs=True)
    with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple"):
        bad(pyt.ones(1))


def test_full_backward_hooks_match_torch():
    torch = pytest.importorskip("torch")
    results = {}
    for lib, ns in (("pyt", pyt), ("torch", torch)):
        lin = ns.nn.Linear(3, 2).double()
        with ns.no_grad():
            lin.weight.copy_(ns.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=ns.float64))
        seen = []
        lin.register_full_backward_pre_hook(
            lambda m, go: seen.append(("pre", [g.tolist() for g in go])) or (go[0] * 2,))
        lin.register_full_backward_hook(
            lambda m, gi, go: seen.append(("post", [g.tolist() for g in gi],
                                           [g.tolist() for g in go])))
        x = ns.ones(1, 3, dtype=ns.float64, requires_grad=True)
        lin(x).sum().backward()
        results[lib] = (seen, x.grad.tolist())
    assert results["pyt"] == results["torch"]


def test_full_backward_hook_replaces_grad_input_and_without_input_grad():
    lin = nn.Linear(2, 2)
    lin.register_full_backward_hook(lambda m, gi, go: (gi[0] * 0,))
    x = pyt.ones(1, 2, requires_grad=True)
    lin(x).sum().backward()
    assert not _np(x.grad).any()
    seen = []
    lin2 = nn.Linear(2, 2)
    lin2.register_full_backward_hook(lambda m, gi, go: seen.append(gi))
    lin2(pyt.ones(1, 2)).sum().backward()         # the input needs no grad
    assert seen == [(None,)]
    assert lin2.weight.grad is not None


# ----- printing ----------------------------------------------------------------------

def test_repr_and_extra_repr():
    torch = pytest.importorskip("torch")
    assert str(Net()).replace("Net(", "X(") == str(_torch_net(torch)).replace("TorchNet(", "X(")

    class WithExtra(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = nn.Linear(1, 1)

        def extra_repr(self):
            return "hello=1\nworld=2"
    assert repr(WithExtra()) == ("WithExtra(\n  hello=1\n  world=2\n  (inner): Linear("
                                 "in_features=1, out_features=1, bias=True)\n)")
    assert repr(nn.Module()) == "Module()"


def test_init_arguments_rejected():
    with pytest.raises(TypeError, match="takes 1 positional argument but 2 were given"):
        nn.Module(3)
    with pytest.raises(TypeError, match="got an unexpected keyword argument 'x'"):
        nn.Module(x=3)


def test_forward_missing():
    with pytest.raises(NotImplementedError, match=r'Module \[Module\] is missing the required '
                                                  r'"forward" function'):
        nn.Module()(pyt.ones(1))


# ----- containers --------------------------------------------------------------------

def test_sequential():
    torch = pytest.importorskip("torch")
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b, c)
    assert len(seq) == 3 and list(seq) == [a, b, c]
    assert seq[0] is a and seq[-1] is c
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == [b, c]
    assert list(sub._modules) == ["1", "2"]           # slicing keeps the keys, as torch does
    assert str(sub) == str(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(),
                                               torch.nn.Linear(3, 1))[1:])
    with pytest.raises(IndexError, match="index 3 is out of range"):
        seq[3]
    x = pyt.randn(4, 2)
    np.testing.assert_allclose(_np(seq(x)), _np(c(b(a(x)))))
    seq.append(nn.Tanh())
    assert len(seq) == 4 and isinstance(seq[3], nn.Tanh)
    seq.insert(1, nn.Identity())
    assert isinstance(seq[1], nn.Identity) and list(seq._modules) == ["0", "1", "2", "3", "4"]
    del seq[1]
    assert seq[1] is b and list(seq._modules) == ["0", "1", "2", "3"]
    seq.extend([nn.ReLU()])
    assert len(seq) == 5
    seq[0] = nn.Linear(2, 3)
    assert seq[0] is not a
    del seq[2:]
    assert len(seq) == 2
    named = nn.Sequential(OrderedDict([("conv", nn.Conv2d(1, 1, 1)), ("act", nn.ReLU())]))
    assert list(named._modules) == ["conv", "act"] and isinstance(named.act, nn.ReLU)
    assert len(nn.Sequential(nn.ReLU()) + nn.Sequential(nn.Tanh())) == 2
    assert seq.pop(0) is not None and len(seq) == 1


def test_module_list():
    torch = pytest.importorskip("torch")
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(ml) == 3 and len(list(ml.parameters())) == 6
    ml.append(nn.ReLU())
    ml.extend([nn.Tanh()])
    ml.insert(0, nn.Identity())
    assert [type(m).__name__ for m in ml] == ["Identity", "Linear", "Linear", "Linear",
                                             "ReLU", "Tanh"]
    assert isinstance(ml[-1], nn.Tanh) and len(ml[1:3]) == 2
    del ml[0]
    assert isinstance(ml[0], nn.Linear) and list(ml._modules) == ["0", "1", "2", "3", "4"]
    tml = torch.nn.ModuleList([torch.nn.Linear(2, 2) for _ in range(3)]
                              + [torch.nn.ReLU(), torch.nn.Tanh()])
    assert str(ml) == str(tml)
    with pytest.raises(TypeError, match="ModuleList.extend should be called with an iterable"):
        ml.extend(nn.ReLU())
    with pytest.raises(IndexError):
        ml[10]
    with pytest.raises(NotImplementedError):
        ml(pyt.ones(1))


def test_module_dict():
    md = nn.ModuleDict({"b": nn.ReLU(), "a": nn.Linear(1, 1)})
    assert list(md.keys()) == ["b", "a"] and "a" in md and len(md) == 2
    md["c"] = nn.Tanh()
    assert list(md) == ["b", "a", "c"]
    assert md.pop("b") is not None and list(md) == ["a", "c"]
    md.update([("d", nn.Identity())])
    assert list(dict(md.items())) == ["a", "c", "d"]
    assert [n for n, _ in md.named_parameters()] == ["a.weight", "a.bias"]
    del md["a"]
    assert list(md.values())[0].__class__ is nn.Tanh
    md.clear()
    assert len(md) == 0


def test_parameter_list_and_dict():
    torch = pytest.importorskip("torch")
    pl = nn.ParameterList([nn.Parameter(pyt.ones(2)), pyt.zeros(2, 3, dtype=pyt.float64)])
    assert len(pl) == 2 and all(isinstance(p, nn.Parameter) for p in pl)
    pl.append(pyt.ones(1))
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2"]
    assert str(pl).replace("pyt.", "torch.") == str(torch.nn.ParameterList(
        [torch.nn.Parameter(torch.ones(2)), torch.zeros(2, 3, dtype=torch.float64),
         torch.ones(1)]))
    pd = nn.ParameterDict({"w": pyt.ones(2)})
    pd["b"] = nn.Parameter(pyt.zeros(1))
    assert list(pd.keys()) == ["w", "b"] and isinstance(pd["w"], nn.Parameter)
    assert [n for n, _ in pd.named_parameters()] == ["w", "b"]
    assert "w" in pd and pd.pop("w") is not None and len(pd) == 1
    with pytest.raises(RuntimeError):
        pl(pyt.ones(1))
    m = nn.Module()
    m.params = nn.ParameterList([pyt.ones(1)])
    assert list(m.state_dict()) == ["params.0"]


# ----- a small training loop through the whole stack ---------------------------------

def test_training_reduces_loss():
    pyt.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))
    x = pyt.randn(64, 2)
    y = (x[:, :1] * x[:, 1:]).detach()
    loss_fn = nn.MSELoss()
    first = None
    for _ in range(200):
        model.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        with pyt.no_grad():
            for p in model.parameters():
                p.sub_(p.grad * 0.1)
        first = first if first is not None else float(loss)
    assert float(loss) < 0.5 * first


def test_extra_state_round_trip():
    class Counter(nn.Module):
        def __init__(self):
            super().__init__()
            self.count = 0

        def get_extra_state(self):
            return {"count": self.count}

        def set_extra_state(self, state):
            self.count = state["count"]
    a, b = Counter(), Counter()
    a.count = 7
    sd = nn.Sequential(a).state_dict()
    assert list(sd) == ["0._extra_state"]
    nn.Sequential(b).load_state_dict(sd)
    assert b.count == 7
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "0._extra_state"'):
        nn.Sequential(b).load_state_dict({})


def test_load_state_dict_pre_hook_can_rename_keys():
    lin = nn.Linear(2, 2)
    sd = {"old_weight": pyt.ones(2, 2), "bias": pyt.zeros(2)}

    def rename(module, state_dict, prefix, *rest):
        state_dict[prefix + "weight"] = state_dict.pop(prefix + "old_weight")
    lin.register_load_state_dict_pre_hook(rename)
    lin.load_state_dict(sd)
    assert np.all(_np(lin.weight) == 1)
