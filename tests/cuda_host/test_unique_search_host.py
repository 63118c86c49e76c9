"""cuda_src/unique_search.cuh's element functions (unique's row sort and runs, histc's bins,
searchsorted's binary search, mode's pick, the min/max keys) compiled for the host, their
kernels replayed as loops (unique_search_host.cu), and compared with pyt's CPU results.
Needs nvcc; skipped without it."""
import ctypes
import os

import numpy as np
import pytest

import pyt

from _nvcc import HERE, NVCC, host_library

pytestmark = pytest.mark.skipif(NVCC is None, reason="needs nvcc")

DTYPES = [pyt.bool, pyt.uint8, pyt.int8, pyt.int16, pyt.int32, pyt.int64, pyt.float16,
          pyt.bfloat16, pyt.float32, pyt.float64]
I64 = ctypes.c_int64


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    lib = host_library(tmp_path_factory.mktemp("us"), os.path.join(HERE, "unique_search_host.cu"),
                       opt="-O1")
    lib.host_unique.restype = I64
    return lib


def raw(t):
    """The bytes of a CPU tensor, contiguous (16-bit floats as their bits)."""
    t = t.contiguous()
    if t.dtype in (pyt.float16, pyt.bfloat16):
        t = t.view(pyt.int16)
    return t.numpy().tobytes()


def sample(shape, dtype, seed):
    """Many ties; floats with -0.0, NaN and infinities."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if dtype is pyt.bool:
        return pyt.tensor(rng.random(n) > 0.5).reshape(shape)
    if dtype.is_floating_point:
        v = rng.integers(-3, 4, n) / 2.0
        if n > 4:
            v[rng.integers(0, n, 2)] = -0.0
            v[rng.integers(0, n, max(1, n // 10))] = np.nan
            v[rng.integers(0, n)] = np.inf
        return pyt.tensor(v).to(dtype).reshape(shape)
    lo = 0 if dtype is pyt.uint8 else -3
    return pyt.tensor(rng.integers(lo, 4, n)).to(dtype).reshape(shape)


def code(dtype):
    return DTYPES.index(dtype)


def host_unique(lib, rows, n, L, sort):
    data = raw(rows)
    size = rows.element_size()
    values = ctypes.create_string_buffer(max(1, len(data)))
    counts = np.zeros(max(1, n), np.int64)
    inverse = np.zeros(max(1, n), np.int64)
    runs = lib.host_unique(code(rows.dtype), data, I64(n), I64(L), int(sort), values,
                           counts.ctypes.data_as(ctypes.c_void_p),
                           inverse.ctypes.data_as(ctypes.c_void_p))
    return values.raw[:runs * L * size], counts[:runs], inverse[:n]


@pytest.mark.parametrize("dtype", DTYPES)
def test_unique_matches_cpu(lib, dtype):
    for seed, shape in enumerate([(0,), (1,), (7,), (40,), (5, 6), (3, 4, 5), ()]):
        x = sample(shape, dtype, seed)
        n = x.numel()
        for sort in (True, False):
            op = pyt.unique if sort else pyt.unique_consecutive
            want = op(x, return_inverse=True, return_counts=True)
            values, counts, inverse = host_unique(lib, x, n, 1, sort)
            assert values == raw(want[0]), (shape, sort)
            np.testing.assert_array_equal(counts, want[2].numpy())
            np.testing.assert_array_equal(inverse, want[1].reshape(-1).numpy())
            for d in range(x.dim()):
                want = op(x, return_inverse=True, return_counts=True, dim=d)
                rows = x.movedim(d, 0).contiguous()
                m = x.shape[d]
                L = n // m if m else 0
                values, counts, inverse = host_unique(lib, rows, m, L, sort)
                assert values == raw(want[0].movedim(d, 0)), (shape, d, sort)
                np.testing.assert_array_equal(counts, want[2].numpy())
                np.testing.assert_array_equal(inverse, want[1].numpy())


def test_unique_rows_long_and_tied(lib):
    """Rows that differ late, many equal rows, and more rows than one merge width."""
    rng = np.random.default_rng(5)
    base = rng.integers(0, 2, (37, 9))
    base[:, :7] = 1
    x = pyt.tensor(base).to(pyt.int16)
    want = pyt.unique(x, return_inverse=True, return_counts=True, dim=0)
    values, counts, inverse = host_unique(lib, x, 37, 9, True)
    assert values == raw(want[0])
    np.testing.assert_array_equal(counts, want[2].numpy())
    np.testing.assert_array_equal(inverse, want[1].numpy())


@pytest.mark.parametrize("dtype", [pyt.int64, pyt.float64])
def test_minmax_keys(lib, dtype):
    out = np.zeros(2, np.uint64)
    for seed in range(4):
        x = sample((50,), dtype, seed) * (10**15 if dtype is pyt.int64 else 1)
        if seed == 3 and dtype is pyt.float64:
            x = x.nan_to_num(0.0, 5.0, -5.0)           # no NaN, no infinity
        lib.host_minmax(code(dtype), raw(x), I64(50), out.ctypes.data_as(ctypes.c_void_p))
        got = out.view(np.int64 if dtype is pyt.int64 else np.float64)
        a = x.numpy()
        if dtype is pyt.float64 and np.isnan(a).any():
            assert np.isnan(got[1])
            assert got[0] == np.nanmin(a)
        else:
            assert got[0] == a.min() and got[1] == a.max()


@pytest.mark.parametrize("dtype", [pyt.float64, pyt.float32, pyt.float16, pyt.bfloat16])
def test_histc_bins(lib, dtype):
    rng = np.random.default_rng(1)
    cases = [(rng.standard_normal(1000), 17, -1.5, 2.25),
             (np.linspace(0, 1, 1001), 10, 0.0, 1.0),         # values on the bin edges
             (np.linspace(-3, 3, 601), 7, -3.0, 3.0),
             (np.array([np.nan, -np.inf, np.inf, 0.0, -0.0, 1e-300, 5.0]), 3, 0.0, 5.0),
             (rng.integers(0, 100, 500).astype(np.float64) / 7, 100, 0.0, 14.0),
             (rng.uniform(0, 100, 300), 1000, 0.0, 100.0)]    # half's (v - lo) * bins overflows
    for data, bins, lo, hi in cases:
        x = pyt.tensor(data).to(dtype)
        want = pyt.histc(x, bins, lo, hi).double().numpy().astype(np.int64)
        values = x.double().numpy()
        lo, hi = (float(pyt.tensor(e).to(dtype)) for e in (lo, hi))
        counts = np.zeros(bins, np.int64)
        lib.host_histc(code(dtype), values.ctypes.data_as(ctypes.c_void_p), I64(len(values)),
                       ctypes.c_double(lo), ctypes.c_double(hi), I64(bins),
                       counts.ctypes.data_as(ctypes.c_void_p))
        np.testing.assert_array_equal(counts, want)


def host_search(lib, seq, vals, sorter, rows, right):
    m = vals.numel() // rows if rows else 0
    out = np.zeros(max(1, vals.numel()), np.int64)
    sorter_buf = raw(sorter) if sorter is not None else None
    lib.host_searchsorted(code(seq.dtype), raw(seq), sorter_buf, I64(seq.shape[-1]),
                          raw(vals), I64(m), I64(rows), int(right),
                          out.ctypes.data_as(ctypes.c_void_p))
    return out[:vals.numel()].reshape(tuple(vals.shape))


@pytest.mark.parametrize("dtype", [d for d in DTYPES if d is not pyt.bool])
def test_searchsorted_matches_cpu(lib, dtype):
    for seed in range(3):
        seq = sample((30,), dtype, seed).sort().values
        vals = sample((4, 11), dtype, seed + 10)
        for right in (False, True):
            want = pyt.searchsorted(seq, vals, right=right)
            np.testing.assert_array_equal(host_search(lib, seq, vals, None, 1, right),
                                          want.numpy())
            # unsorted sequence seen through a sorter
            perm = pyt.tensor(np.random.default_rng(seed).permutation(30))
            shuffled = seq[perm]
            sorter = pyt.argsort(shuffled, stable=True)
            want = pyt.searchsorted(shuffled, vals, right=right, sorter=sorter)
            np.testing.assert_array_equal(host_search(lib, shuffled, vals, sorter, 1, right),
                                          want.numpy())
            # N-D: one sorted row per leading index
            seq2 = sample((4, 9), dtype, seed + 20).sort(dim=1).values
            want = pyt.searchsorted(seq2, vals, right=right)
            np.testing.assert_array_equal(host_search(lib, seq2, vals, None, 4, right),
                                          want.numpy())
            # empty sequence
            empty = seq[:0]
            want = pyt.searchsorted(empty, vals, right=right)
            np.testing.assert_array_equal(host_search(lib, empty, vals, None, 1, right),
                                          want.numpy())


@pytest.mark.parametrize("dtype", DTYPES)
def test_mode_pick_matches_cpu(lib, dtype):
    for seed, (A, n, B) in enumerate([(1, 1, 1), (3, 8, 1), (2, 13, 3), (1, 40, 2)]):
        x = sample((A, n, B), dtype, seed)
        want = pyt.mode(x, dim=1)
        sv, si = x.sort(dim=1, stable=True)
        size = x.element_size()
        vals = ctypes.create_string_buffer(A * B * size)
        idx = np.zeros(A * B, np.int64)
        lib.host_mode(code(dtype), I64(A), I64(n), I64(B), raw(sv), raw(si), vals,
                      idx.ctypes.data_as(ctypes.c_void_p))
        assert vals.raw == raw(want.values), (A, n, B)
        np.testing.assert_array_equal(idx, want.indices.reshape(-1).numpy())
