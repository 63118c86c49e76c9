"""pyt.save / pyt.load: round trips, PyTorch's zip layout, interop with torch both ways,
weights_only safety, atomic saves and corrupt files."""
import collections
import gc
import io
import os
import pickle
import random
import struct
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import pyt
from pyt import nn
from pyt.serialization import (add_safe_globals, clear_safe_globals, get_safe_globals,
                               safe_globals, get_unsafe_globals_in_checkpoint)
from conftest import ALL_DTYPES, sample, to_numpy

CLEAR_ERRORS = (RuntimeError, pickle.UnpicklingError)


def make(shape, dt, seed=0):
    return pyt.tensor(sample(shape, dt, seed), dtype=dt)


def same(a, b):
    """Same dtype, shape and values (torch tensors compare through their values)."""
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    assert tuple(a.shape) == tuple(b.shape)
    assert a.detach().tolist() == b.detach().tolist()


def roundtrip(obj, **load_args):
    buf = io.BytesIO()
    pyt.save(obj, buf)
    buf.seek(0)
    return pyt.load(buf, **load_args)


def records(data):
    """{name: bytes} of a zip held in ``data``."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def rezip(recs):
    """A zip (plain zipfile layout, not aligned) of {name: bytes}."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, data in recs.items():
            z.writestr(name, data)
    return buf.getvalue()


def saved_bytes(obj, **kw):
    buf = io.BytesIO()
    pyt.save(obj, buf, **kw)
    return buf.getvalue()


# ---- round trips ---------------------------------------------------------------------

@pytest.mark.parametrize("dt", ALL_DTYPES, ids=str)
def test_roundtrip_every_dtype(dt):
    values = {"2d": make((3, 4), dt), "0d": make((), dt, 1), "empty": make((0, 3), dt),
              "1d": make((7,), dt, 2)}
    out = roundtrip(values)
    assert set(out) == set(values)
    for k in values:
        same(out[k], values[k])
        assert out[k].is_contiguous()


def test_views_share_one_storage():
    t = pyt.arange(12, dtype=pyt.float32)
    d = {"a": t, "b": t[1:], "c": t.view(3, 4).t(), "d": t[::3]}
    out = roundtrip(d)
    storage = out["a"].untyped_storage()
    for k in "bcd":
        assert out[k].untyped_storage() is storage
        same(out[k], d[k])
    assert out["b"].storage_offset() == 1
    assert out["c"].stride() == (1, 4)
    out["a"][2] = 100.0                  # loaded b is a view of loaded a
    assert out["b"][1].item() == 100.0
    # one record per storage
    names = [n for n in records(saved_bytes(d)) if "/data/" in n]
    assert len(names) == 1


def test_view_saves_whole_storage():
    t = pyt.arange(10, dtype=pyt.int64)
    out = roundtrip(t[2:4])
    same(out, t[2:4])
    assert out.storage_offset() == 2
    assert out.untyped_storage().nbytes() == 80


def test_same_storage_two_dtypes_refused():
    t = pyt.zeros(4, dtype=pyt.int32)
    u = pyt.empty(0, dtype=pyt.float32).set_(t.untyped_storage(), 0, (4,), (1,))
    with pytest.raises(RuntimeError, match="different types"):
        saved_bytes([t, u])


def test_nested_containers_and_primitives():
    obj = collections.OrderedDict(
        a=[1, 2.5, "s", b"\x00\xff", True, None, 3 + 4j, (5, [6, {"x": 7}])],
        b={1, 2}, c=frozenset({"q"}), size=pyt.Size([2, 3]), dtypes=list(ALL_DTYPES),
        dev=pyt.device("cpu"), cuda_dev=pyt.device("cuda", 1), t=(pyt.ones(2),),
        big=2 ** 70, neg=-1)
    out = roundtrip(obj)
    assert type(out) is collections.OrderedDict
    assert out["a"][:7] == obj["a"][:7] and out["a"][7] == obj["a"][7]
    assert out["b"] == {1, 2} and out["c"] == frozenset({"q"})
    assert type(out["size"]) is pyt.Size and out["size"] == (2, 3)
    assert out["dtypes"] == list(ALL_DTYPES) and all(a is b for a, b in
                                                    zip(out["dtypes"], ALL_DTYPES))
    assert out["dev"] == pyt.device("cpu") and out["cuda_dev"] == pyt.device("cuda:1")
    same(out["t"][0], pyt.ones(2))
    assert out["big"] == 2 ** 70 and out["neg"] == -1


def test_bytes_and_collections():
    obj = [b"", b"ab", bytearray(b"cd"), bytearray(), collections.Counter("aab")]
    assert roundtrip(obj) == obj
    buf = io.BytesIO()
    pyt.save(obj, buf, pickle_protocol=5)
    assert pyt.load(io.BytesIO(buf.getvalue())) == obj


def test_allocation_bombs_refused():
    for pkl in (b"\x80\x02c__builtin__\nbytearray\nJ\x00\x00\x00\x7f\x85R.",
                b"\x80\x02c__builtin__\nbytes\nJ\x00\x00\x00\x7f\x85R.",
                b"\x80\x05\x96\x00\x00\x00\x00\x00\x01\x00\x00."):
        with pytest.raises(pickle.UnpicklingError):
            pyt.load(io.BytesIO(_checkpoint_with_pickle(pkl)))


def test_pyt_own_tensor_pickles_accepted():
    # tensors pickled by pickle itself (pyt's own reduce), inside a checkpoint
    p = nn.Parameter(make((2, 3), pyt.float64))
    pkl = pickle.dumps({"t": make((4,), pyt.int8), "p": p, "s": pyt.Size([1]),
                        "dev": pyt.device("cpu"), "dt": pyt.bfloat16}, protocol=2)
    out = pyt.load(io.BytesIO(_checkpoint_with_pickle(pkl)))
    same(out["t"], make((4,), pyt.int8)), same(out["p"], p)
    assert type(out["p"]) is nn.Parameter and out["dt"] is pyt.bfloat16
    bomb = pickle.dumps(make((4,), pyt.int8), protocol=2).replace(b"K\x04\x85",
                                                                  b"J\x00\x00\x00\x40\x85")
    with pytest.raises(RuntimeError, match="does not match its shape"):
        pyt.load(io.BytesIO(_checkpoint_with_pickle(bomb)))


def test_parameters_and_requires_grad():
    p = nn.Parameter(pyt.randn(2, 3))
    q = nn.Parameter(pyt.randn(2), requires_grad=False)
    r = pyt.ones(3, requires_grad=True)
    out = roundtrip({"p": p, "q": q, "r": r, "p_again": p})
    assert type(out["p"]) is nn.Parameter and out["p"].requires_grad
    assert type(out["q"]) is nn.Parameter and not out["q"].requires_grad
    assert type(out["r"]) is pyt.Tensor and out["r"].requires_grad and out["r"].is_leaf
    assert out["p_again"] is out["p"]
    same(out["p"], p)


def test_module_state_dict():
    pyt.manual_seed(0)
    m = nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3), nn.Flatten(), nn.Linear(12, 2))
    m(pyt.randn(4, 2, 4, 4))                          # running stats move
    sd = m.state_dict()
    out = roundtrip(sd)
    assert type(out) is collections.OrderedDict and list(out) == list(sd)
    assert out._metadata == sd._metadata
    fresh = nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3), nn.Flatten(),
                          nn.Linear(12, 2))
    fresh.load_state_dict(out)
    m.eval(), fresh.eval()
    x = pyt.randn(2, 2, 4, 4)
    same(fresh(x), m(x))


def _adam_run(steps, state=None):
    pyt.manual_seed(1)
    model = nn.Linear(3, 2)
    opt = pyt.optim.Adam(model.parameters(), lr=0.1)
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
    x = pyt.randn(5, 3)
    for _ in range(steps):
        opt.zero_grad()
        model(x).pow(2).sum().backward()
        opt.step()
    return model, opt


def test_optimizer_state_dict():
    model, opt = _adam_run(3)
    ckpt = roundtrip({"model": model.state_dict(), "opt": opt.state_dict()})
    assert ckpt["opt"]["param_groups"] == opt.state_dict()["param_groups"]
    for k, st in opt.state_dict()["state"].items():
        for name, v in st.items():
            same(ckpt["opt"]["state"][k][name], v)
    resumed, _ = _adam_run(2, ckpt)                  # 3 steps, checkpoint, 2 more steps
    ref, _ = _adam_run(5)                            # = 5 steps in one go
    for a, b in zip(resumed.parameters(), ref.parameters()):
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=1e-6, atol=1e-7)


# ---- targets ---------------------------------------------------------------------------

def test_path_targets(tmp_path):
    t = make((3,), pyt.float32)
    pyt.save(t, str(tmp_path / "a.pt"))
    pyt.save(t, tmp_path / "b.pt")
    same(pyt.load(tmp_path / "a.pt"), t)
    same(pyt.load(str(tmp_path / "b.pt")), t)
    with zipfile.ZipFile(tmp_path / "a.pt") as z:
        assert z.namelist()[0] == "a/data.pkl"
    assert sorted(os.listdir(tmp_path)) == ["a.pt", "b.pt"]
    # the permissions of a plain open(), not mkstemp's 0600
    (tmp_path / "ref").write_bytes(b"")
    assert os.stat(tmp_path / "a.pt").st_mode == os.stat(tmp_path / "ref").st_mode
    os.chmod(tmp_path / "b.pt", 0o640)              # replacing a file keeps its mode
    pyt.save(t, tmp_path / "b.pt")
    assert os.stat(tmp_path / "b.pt").st_mode & 0o777 == 0o640


def test_missing_parent_directory(tmp_path):
    with pytest.raises(RuntimeError, match="Parent directory .* does not exist"):
        pyt.save(1, tmp_path / "nope" / "x.pt")


def test_save_through_symlink(tmp_path):
    pyt.save([1], tmp_path / "real.pt")
    os.symlink(tmp_path / "real.pt", tmp_path / "link.pt")
    pyt.save([2], tmp_path / "link.pt")
    assert os.path.islink(tmp_path / "link.pt")
    assert pyt.load(tmp_path / "real.pt") == [2]


def test_file_objects(tmp_path):
    t = make((2, 2), pyt.int16)
    with open(tmp_path / "f.pt", "wb") as f:
        pyt.save(t, f)
    with open(tmp_path / "f.pt", "rb") as f:
        same(pyt.load(f), t)

    class WriteOnly:                               # a pipe-like target: no seek, no tell
        def __init__(self):
            self.chunks = []

        def write(self, b):
            self.chunks.append(bytes(b))
            return len(b)

    w = WriteOnly()
    pyt.save({"t": t}, w)
    data = b"".join(w.chunks)
    same(pyt.load(io.BytesIO(data))["t"], t)

    class ReadOnly:                                # a non-seekable source
        def __init__(self, data):
            self._b = io.BytesIO(data)

        def read(self, n=-1):
            return self._b.read(n)

        def seekable(self):
            return False

    same(pyt.load(ReadOnly(data))["t"], t)


def test_records_aligned_and_layout():
    data = saved_bytes({"a": pyt.ones(3, dtype=pyt.float64), "b": pyt.ones(5, dtype=pyt.int8)})
    z = zipfile.ZipFile(io.BytesIO(data))
    names = z.namelist()
    assert names[:4] == ["archive/data.pkl", "archive/.format_version",
                         "archive/.storage_alignment", "archive/byteorder"]
    assert names[-2:] == ["archive/version", "archive/.data/serialization_id"]
    assert z.read("archive/byteorder") == b"little"
    assert z.read("archive/.storage_alignment") == b"64"
    assert z.read("archive/version") == b"3\n"
    assert len(z.read("archive/.data/serialization_id")) == 40
    for info in z.infolist():
        assert info.compress_type == zipfile.ZIP_STORED
        n, e = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
        assert (info.header_offset + 30 + n + e) % 64 == 0
    assert z.testzip() is None


def test_zip64(monkeypatch):
    monkeypatch.setattr(pyt.serialization, "_ZIP64_LIMIT", 0)
    t = make((4, 3), pyt.float32)
    data = saved_bytes({"t": t, "v": t[1:]})
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    out = pyt.load(io.BytesIO(data))
    same(out["t"], t)
    assert out["v"].untyped_storage() is out["t"].untyped_storage()


def test_protocol_4():
    t = make((3,), pyt.bfloat16)
    buf = io.BytesIO()
    pyt.save({"t": t, "d": pyt.float16}, buf, pickle_protocol=4)
    buf.seek(0)
    out = pyt.load(buf)
    same(out["t"], t)
    assert out["d"] is pyt.float16


# ---- mmap and map_location -------------------------------------------------------------

def test_mmap(tmp_path):
    t = make((64, 8), pyt.float32)
    path = tmp_path / "m.pt"
    pyt.save({"t": t, "v": t[3:]}, path)
    out = pyt.load(path, mmap=True)
    same(out["t"], t)
    assert out["v"].untyped_storage() is out["t"].untyped_storage()
    out["t"].zero_()                                 # copy-on-write: the file is unchanged
    same(pyt.load(path)["t"], t)
    with open(path, "rb") as f, pytest.raises(ValueError, match="file path"):
        pyt.load(f, mmap=True)


def test_mmap_storages_in_reference_cycles(tmp_path):
    # tensors over a memory map that end up in cyclic garbage are freed cleanly
    path = tmp_path / "m.pt"
    pyt.save({"t": pyt.ones(100), "u": pyt.arange(3.0)}, path)
    for _ in range(3):
        d = pyt.load(path, mmap=True)
        d["self"] = d
        keep = d["u"][1:]
        del d
        gc.collect()
        same(keep, pyt.arange(3.0)[1:])
    del keep
    gc.collect()
    assert pyt.serialization._mapped == {}


def _with_location(data, location):
    recs = records(data)
    pkl = "archive/data.pkl"
    new = b"X" + struct.pack("<I", len(location)) + location.encode()
    assert recs[pkl].count(b"X\x03\x00\x00\x00cpu") == 1
    recs[pkl] = recs[pkl].replace(b"X\x03\x00\x00\x00cpu", new)
    return rezip(recs)


def test_map_location_variants():
    t = make((5,), pyt.float64)
    data = saved_bytes({"t": t})
    for loc in (None, "cpu", pyt.device("cpu"), {"cpu": "cpu"}):
        same(pyt.load(io.BytesIO(data), map_location=loc)["t"], t)
    seen = []

    def remap(storage, location):
        seen.append((type(storage), location))
        return storage

    same(pyt.load(io.BytesIO(data), map_location=remap)["t"], t)
    assert seen == [(pyt.UntypedStorage, "cpu")]
    same(pyt.load(io.BytesIO(data), map_location=lambda s, loc: None)["t"], t)

    cuda = _with_location(data, "cuda:0")
    with pytest.raises(RuntimeError, match="Attempting to deserialize object on a CUDA "
                                           "device but pyt.cuda.is_available"):
        pyt.load(io.BytesIO(cuda))
    for loc in ("cpu", pyt.device("cpu"), {"cuda:0": "cpu"}, lambda s, loc: s):
        same(pyt.load(io.BytesIO(cuda), map_location=loc)["t"], t)
    with pytest.raises(RuntimeError, match="CUDA"):
        pyt.load(io.BytesIO(data), map_location="cuda")
    with pytest.raises(TypeError):
        pyt.load(io.BytesIO(data), map_location=3)


# ---- weights_only safety ---------------------------------------------------------------

def _checkpoint_with_pickle(pkl):
    return rezip({"archive/data.pkl": pkl, "archive/byteorder": b"little"})


@pytest.mark.parametrize("kind", ["os.system", "builtins.eval", "stack_global"])
def test_malicious_pickle_refused(tmp_path, kind):
    marker = tmp_path / "pwned"
    command = f"touch {marker}"
    if kind == "os.system":
        pkl = b"cos\nsystem\n(X" + struct.pack("<I", len(command)) + command.encode() + \
            b"tR."
        name = "os.system"
    elif kind == "builtins.eval":
        code = f"open({str(marker)!r}, 'w').close()"
        pkl = b"c__builtin__\neval\n(X" + struct.pack("<I", len(code)) + code.encode() + \
            b"tR."
        name = "builtins.eval"
    else:
        pkl = pickle.dumps(os.system, protocol=4)[:-1]
        pkl = b"\x80\x04\x8c\x02os\x8c\x06system\x93X" + struct.pack("<I", len(command)) + \
            command.encode() + b"\x85R."
        name = "os.system"
    data = _checkpoint_with_pickle(pkl)
    with pytest.raises(pickle.UnpicklingError) as info:
        pyt.load(io.BytesIO(data))
    msg = str(info.value)
    assert "Weights only load failed" in msg and f"GLOBAL {name}" in msg
    assert "pyt.serialization.add_safe_globals" in msg and "weights_only=False" in msg
    assert not marker.exists()
    assert name in get_unsafe_globals_in_checkpoint(io.BytesIO(data))


def test_reduce_of_non_allowlisted_object_refused():
    # set() is allowed; calling the resulting set object is not
    data = _checkpoint_with_pickle(b"\x80\x02c__builtin__\nset\n)R)R.")
    with pytest.raises(pickle.UnpicklingError, match="REDUCE"):
        pyt.load(io.BytesIO(data))


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y


def test_safe_globals_api():
    clear_safe_globals()
    data = saved_bytes({"p": Point(1, pyt.ones(2))})
    with pytest.raises(pickle.UnpicklingError, match="Point"):
        pyt.load(io.BytesIO(data))
    assert get_unsafe_globals_in_checkpoint(io.BytesIO(data)) == [f"{__name__}.Point"]
    out = pyt.load(io.BytesIO(data), weights_only=False)
    assert out["p"].x == 1
    with safe_globals([Point]):
        assert Point in get_safe_globals()
        out = pyt.load(io.BytesIO(data))
        assert out["p"].x == 1
        same(out["p"].y, pyt.ones(2))
    assert Point not in get_safe_globals()


def test_safe_globals_newobj():
    clear_safe_globals()
    data = saved_bytes(Point(2, 3), pickle_protocol=4)
    with pytest.raises(pickle.UnpicklingError):
        pyt.load(io.BytesIO(data))
    add_safe_globals([Point])
    try:
        out = pyt.load(io.BytesIO(data))
        assert (out.x, out.y) == (2, 3)
    finally:
        clear_safe_globals()
    assert get_safe_globals() == []


def test_whole_module_needs_weights_only_false():
    pyt.manual_seed(0)
    m = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    data = saved_bytes(m)
    with pytest.raises(pickle.UnpicklingError, match="Weights only"):
        pyt.load(io.BytesIO(data))
    m2 = pyt.load(io.BytesIO(data), weights_only=False)
    x = pyt.randn(2, 3)
    same(m2(x), m(x))
    assert type(m2[0].weight) is nn.Parameter
    with pytest.raises(RuntimeError, match="pickle_module"):
        pyt.load(io.BytesIO(data), pickle_module=pickle, weights_only=True)
    pyt.load(io.BytesIO(data), pickle_module=pickle)


# ---- atomic saves, corrupt files -------------------------------------------------------

class Unpicklable:
    def __reduce__(self):
        raise ValueError("cannot pickle this")


def test_failed_save_keeps_previous_file(tmp_path):
    path = tmp_path / "ckpt.pt"
    good = make((4,), pyt.float32)
    pyt.save({"w": good}, path)
    before = path.read_bytes()
    with pytest.raises(ValueError, match="cannot pickle"):
        pyt.save({"w": pyt.zeros(4), "bad": Unpicklable()}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.pt"]
    same(pyt.load(path)["w"], good)


def test_failed_write_removes_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    pyt.save([1], path)

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space"):
        pyt.save([2], path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["ckpt.pt"]
    assert pyt.load(path) == [1]


def test_not_a_checkpoint(tmp_path):
    with pytest.raises(RuntimeError, match="not a valid checkpoint"):
        pyt.load(io.BytesIO(b"hello, world" * 10))
    with pytest.raises(RuntimeError, match="not a valid checkpoint"):
        pyt.load(io.BytesIO(b""))
    with pytest.raises(RuntimeError, match="data.pkl"):
        pyt.load(io.BytesIO(rezip({"a/b.txt": b"x"})))
    legacy = b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19.\x80\x02M\xe9\x03."
    with pytest.raises(RuntimeError, match="legacy"):
        pyt.load(io.BytesIO(legacy))


def test_record_of_wrong_size_refused():
    data = saved_bytes({"t": pyt.ones(4)})
    recs = records(data)
    recs["archive/data/0"] = recs["archive/data/0"][:-4]
    with pytest.raises(RuntimeError, match="holds 12 bytes, the pickle expects 16"):
        pyt.load(io.BytesIO(rezip(recs)))
    recs = records(data)
    del recs["archive/data/0"]
    with pytest.raises(RuntimeError, match="missing"):
        pyt.load(io.BytesIO(rezip(recs)))


def test_tensor_outside_storage_refused():
    data = saved_bytes(pyt.ones(4))
    recs = records(data)
    pkl = recs["archive/data.pkl"]
    # size (4,) -> (9,): BININT1 4 then TUPLE1 in the size argument
    assert pkl.count(b"K\x04\x85") == 1
    recs["archive/data.pkl"] = pkl.replace(b"K\x04\x85", b"K\x09\x85")
    with pytest.raises(RuntimeError, match="corrupt"):
        pyt.load(io.BytesIO(rezip(recs)))


def test_fuzzed_checkpoints():
    rng = random.Random(1234)
    t = make((3, 5), pyt.float32)
    obj = {"t": t, "v": t[1], "i": make((4,), pyt.int64), "s": "text", "n": [1, 2.5]}
    data = saved_bytes(obj)
    failures = successes = 0
    for i in range(300):
        b = bytearray(data)
        if i % 3 == 0:
            b = b[:rng.randrange(len(b))]
        else:
            for _ in range(rng.randint(1, 3)):
                b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        try:
            out = pyt.load(io.BytesIO(bytes(b)))
        except CLEAR_ERRORS:
            failures += 1
            continue
        # a load that succeeds gives exactly the saved values
        same(out["t"], t), same(out["v"], t[1]), same(out["i"], obj["i"])
        assert out["s"] == "text" and out["n"] == [1, 2.5]
        successes += 1
    assert failures > 100


def test_fuzzed_pickles():
    # data.pkl mutated and re-zipped with a valid CRC: the unpickler itself meets garbage
    rng = random.Random(99)
    t = make((3, 5), pyt.float32)
    obj = collections.OrderedDict(t=t, v=t[1], p=nn.Parameter(pyt.ones(2)), s="text",
                                  n=[1, 2.5], sz=pyt.Size([2]), d=pyt.float16)
    recs = records(saved_bytes(obj))
    pkl = recs["archive/data.pkl"]
    for i in range(300):
        b = bytearray(pkl)
        if i % 4 == 0:
            b = b[:rng.randrange(len(b))]
        else:
            for _ in range(rng.randint(1, 3)):
                b[rng.randrange(len(b))] = rng.randrange(256)
        recs["archive/data.pkl"] = bytes(b)
        try:
            pyt.load(io.BytesIO(rezip(recs)))
        except CLEAR_ERRORS:
            pass
    gc.collect()               # objects of failed loads must be freed cleanly too


def test_fuzzed_structure():
    """Records renamed or dropped, storage records that lie about their size, and globals
    swapped for forbidden ones: a clear error or the right values.
    With the two fuzz tests above: 1,100 mutated checkpoints."""
    rng = random.Random(7)
    t = make((3, 5), pyt.float32)
    obj = {"t": t, "v": t[1], "i": make((4,), pyt.int64)}
    base = records(saved_bytes(obj))
    forbidden = [b"os\nsystem\n", b"builtins\neval\n", b"subprocess\ncall\n",
                 b"posix\nsystem\n", b"builtins\n__import__\n"]
    for i in range(500):
        recs = dict(base)
        kind = i % 5
        if kind == 0:                               # a record renamed
            name = rng.choice(list(recs))
            recs[name.replace("archive/", rng.choice(["archive/x", "other/", "archive/data/9"]),
                              1)] = recs.pop(name)
        elif kind == 1:                             # a record dropped
            del recs[rng.choice(list(recs))]
        elif kind == 2:                             # a storage shorter or longer than said
            name = rng.choice([n for n in recs if "/data/" in n])
            cut = rng.randint(1, 8)
            recs[name] = (recs[name][:-cut] if rng.random() < 0.5
                          else recs[name] + bytes(cut))
        else:                                       # a global swapped for a forbidden one
            pkl = recs["archive/data.pkl"]
            victim = rng.choice([b"torch._utils\n_rebuild_tensor_v2\n", b"torch\nFloatStorage\n",
                                 b"torch\nLongStorage\n"])
            recs["archive/data.pkl"] = pkl.replace(victim, rng.choice(forbidden), 1)
        try:
            out = pyt.load(io.BytesIO(rezip(recs)))
        except CLEAR_ERRORS:
            continue
        same(out["t"], t), same(out["v"], t[1]), same(out["i"], obj["i"])


def test_big_endian_file():
    t = {"a": make((3,), pyt.int32), "b": make((2,), pyt.float64), "c": make((4,), pyt.uint8)}
    recs = records(saved_bytes(t))
    recs["archive/byteorder"] = b"big"
    for key, size in (("0", 4), ("1", 8)):
        name = f"archive/data/{key}"
        raw = recs[name]
        recs[name] = b"".join(raw[i:i + size][::-1] for i in range(0, len(raw), size))
    out = pyt.load(io.BytesIO(rezip(recs)))
    for k in t:
        same(out[k], t[k])


# ---- interop with torch ----------------------------------------------------------------

TORCH_NAMES = [str(d).split(".")[-1] for d in ALL_DTYPES]


def _torch_tensor(torch, dt_name, shape, seed=0):
    dt = getattr(pyt, dt_name)
    values = sample(shape, dt, seed)
    return torch.tensor(values.tolist(), dtype=getattr(torch, dt_name)).reshape(shape)


def test_torch_save_pyt_load(tmp_path):
    torch = pytest.importorskip("torch")
    tensors = {n: _torch_tensor(torch, n, (2, 3)) for n in TORCH_NAMES}
    tensors["zero_d"] = torch.tensor(3.5)
    tensors["empty"] = torch.zeros(0, 2, dtype=torch.int16)
    base = torch.arange(12.0)
    obj = {"t": tensors, "base": base, "view": base[2:], "tr": base.view(3, 4).t(),
           "p": torch.nn.Parameter(torch.ones(2)), "size": torch.Size([1, 2]),
           "dt": torch.bfloat16, "dev": torch.device("cpu"), "s": {1}, "c": 1j}
    torch.save(obj, tmp_path / "t.pt")
    out = pyt.load(tmp_path / "t.pt")
    for k, v in tensors.items():
        same(out["t"][k], v)
    assert out["view"].untyped_storage() is out["base"].untyped_storage()
    same(out["view"], base[2:]), same(out["tr"], base.view(3, 4).t())
    assert type(out["p"]) is nn.Parameter and out["p"].requires_grad
    assert out["size"] == pyt.Size([1, 2]) and type(out["size"]) is pyt.Size
    assert out["dt"] is pyt.bfloat16 and out["dev"] == pyt.device("cpu")
    assert out["s"] == {1} and out["c"] == 1j
    # mmap on torch's own file
    same(pyt.load(tmp_path / "t.pt", mmap=True)["base"], base)


def test_pyt_save_torch_load(tmp_path):
    torch = pytest.importorskip("torch")
    tensors = {str(d).split(".")[-1]: make((2, 3), d) for d in ALL_DTYPES}
    base = pyt.arange(12.0)
    obj = {"t": tensors, "base": base, "view": base[2:], "tr": base.view(3, 4).t(),
           "p": nn.Parameter(pyt.ones(2)), "size": pyt.Size([1, 2]), "dt": pyt.int16,
           "dev": pyt.device("cpu"), "zero_d": pyt.tensor(2.0, requires_grad=True)}
    pyt.save(obj, tmp_path / "p.pt")
    out = torch.load(tmp_path / "p.pt", weights_only=True)
    for k, v in tensors.items():
        same(out["t"][k], v)
    assert out["view"].untyped_storage().data_ptr() == out["base"].untyped_storage().data_ptr()
    same(out["view"], base[2:]), same(out["tr"], base.view(3, 4).t())
    assert type(out["p"]) is torch.nn.Parameter and out["p"].requires_grad
    assert out["size"] == torch.Size([1, 2]) and out["dt"] is torch.int16
    assert out["zero_d"].requires_grad and out["zero_d"].item() == 2.0
    assert torch.load(tmp_path / "p.pt", mmap=True)["base"].tolist() == base.tolist()
    # protocol 4 (torch's weights_only unpickler refuses its FRAME opcode, in torch's own
    # protocol-4 files too)
    pyt.save(obj, tmp_path / "p4.pt", pickle_protocol=4)
    same(torch.load(tmp_path / "p4.pt", weights_only=False)["base"], base)


def test_torch_zip64(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(pyt.serialization, "_ZIP64_LIMIT", 0)
    t = make((3, 2), pyt.float32)
    pyt.save({"t": t}, tmp_path / "z.pt")
    same(torch.load(tmp_path / "z.pt")["t"], t)


def _pyt_modules():
    return nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(),
                         nn.Linear(12, 2))


def test_state_dicts_between_libraries(tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3),
                             torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(12, 2))
    tm(torch.randn(4, 2, 4, 4))
    tm.eval()
    torch.save(tm.state_dict(), tmp_path / "t.pt")
    pm = _pyt_modules()
    pm.load_state_dict(pyt.load(tmp_path / "t.pt"))
    pm.eval()
    x = np.random.default_rng(0).standard_normal((2, 2, 4, 4)).astype(np.float32)
    np.testing.assert_allclose(to_numpy(pm(pyt.tensor(x))),
                               tm(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    # and back: pyt's state dict loads into a fresh torch model
    pyt.save(pm.state_dict(), tmp_path / "p.pt")
    sd = torch.load(tmp_path / "p.pt", weights_only=True)
    assert sd._metadata == tm.state_dict()._metadata
    tm2 = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3),
                              torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(12, 2))
    tm2.load_state_dict(sd)
    tm2.eval()
    np.testing.assert_allclose(tm2(torch.tensor(x)).detach().numpy(),
                               tm(torch.tensor(x)).detach().numpy(), rtol=1e-6)


def test_torch_optimizer_state_dict(tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    lin = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(lin.parameters(), lr=0.01)
    for _ in range(3):
        opt.zero_grad()
        lin(torch.randn(4, 3)).sum().backward()
        opt.step()
    torch.save(opt.state_dict(), tmp_path / "o.pt")
    sd = pyt.load(tmp_path / "o.pt")
    ref = opt.state_dict()
    assert sd["param_groups"] == ref["param_groups"]
    for k in ref["state"]:
        for name, v in ref["state"][k].items():
            same(sd["state"][k][name], v)
    plin = nn.Linear(3, 2)
    popt = pyt.optim.Adam(plin.parameters(), lr=0.01)
    popt.load_state_dict(sd)


@pytest.mark.parametrize("dt", ["complex64", "uint16", "float8_e4m3fn"])
def test_torch_dtype_pyt_lacks(tmp_path, dt):
    torch = pytest.importorskip("torch")
    torch.save({"x": torch.zeros(2, dtype=getattr(torch, dt))}, tmp_path / "c.pt")
    with pytest.raises(RuntimeError, match=f"dtype torch.{dt}"):
        pyt.load(tmp_path / "c.pt")


def test_torch_objects_pyt_lacks(tmp_path):
    torch = pytest.importorskip("torch")
    torch.save(torch.eye(2).to_sparse(), tmp_path / "s.pt")
    with pytest.raises(pickle.UnpicklingError, match="_rebuild_sparse_tensor, which pyt "
                                                     "does not provide"):
        pyt.load(tmp_path / "s.pt")


def test_torch_legacy_format(tmp_path):
    torch = pytest.importorskip("torch")
    torch.save(torch.ones(2), tmp_path / "l.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="legacy"):
        pyt.load(tmp_path / "l.pt")


def test_neither_library_imports_the_other(tmp_path):
    torch = pytest.importorskip("torch")
    torch.save({"w": torch.ones(2, 2), "v": torch.arange(3)}, tmp_path / "t.pt")
    pyt.save({"w": pyt.ones(2, 2)}, tmp_path / "p.pt")
    root = os.path.dirname(os.path.dirname(os.path.abspath(pyt.__file__)))
    code = (f"import sys; sys.path.insert(0, {root!r}); import pyt; "
            f"print(pyt.load({str(tmp_path / 't.pt')!r})['v'].tolist()); "
            f"assert 'torch' not in sys.modules")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[0, 1, 2]"
    code = (f"import torch, sys; print(torch.load({str(tmp_path / 'p.pt')!r})['w'].sum()"
            f".item()); assert 'pyt' not in sys.modules")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=str(tmp_path))
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "4.0"


def test_pyt_training_checkpoint_resumes_in_torch():
    torch = pytest.importorskip("torch")
    m = nn.Linear(3, 2)
    opt = pyt.optim.Adam(m.parameters(), lr=0.01)
    x = make((4, 3), pyt.float32)
    for _ in range(3):
        opt.zero_grad()
        m(x).pow(2).sum().backward()
        opt.step()
    buf = io.BytesIO()
    pyt.save({"model": m.state_dict(), "opt": opt.state_dict(), "dts": list(ALL_DTYPES)},
             buf)
    buf.seek(0)
    ckpt = torch.load(buf, weights_only=True)
    assert [str(d) for d in ckpt["dts"]] == [str(d).replace("pyt", "torch")
                                             for d in ALL_DTYPES]
    tm = torch.nn.Linear(3, 2)
    tm.load_state_dict(ckpt["model"])
    topt = torch.optim.Adam(tm.parameters(), lr=0.01)
    topt.load_state_dict(ckpt["opt"])
    tx = torch.tensor(x.tolist())
    for _ in range(2):                               # both continue identically
        topt.zero_grad()
        tm(tx).pow(2).sum().backward()
        topt.step()
        opt.zero_grad()
        m(x).pow(2).sum().backward()
        opt.step()
    np.testing.assert_allclose(to_numpy(m.weight), tm.weight.detach().numpy(), rtol=1e-5,
                               atol=1e-6)
