"""Random numbers: the Philox stream, generators and their state, every sampler's
distribution, bounds, dtypes, strided targets, thread-count independence, errors,
and a forked child that draws numbers after its parent ran parallel kernels."""
import multiprocessing
import pickle
import warnings

import numpy as np
import pytest

import pyt

FLOATS = [pyt.float16, pyt.bfloat16, pyt.float32, pyt.float64]
INTS = [pyt.uint8, pyt.int8, pyt.int16, pyt.int32, pyt.int64]
EVERY_DTYPE = [pyt.bool] + INTS + FLOATS
ids = lambda d: d.name   # noqa: E731


def np_of(t):
    """A NumPy copy of any tensor (bfloat16 through float32)."""
    if t.dtype is pyt.bfloat16:
        t = t.float()
    return np.array(t.numpy(), copy=True)


def same(a, b):
    return a.dtype is b.dtype and a.shape == b.shape and np.array_equal(np_of(a), np_of(b),
                                                                        equal_nan=True)


@pytest.fixture
def threads():
    """Restores the thread count a test changes."""
    before = pyt.get_num_threads()
    yield
    pyt.set_num_threads(before)


# ----- the generator ------------------------------------------------------------------

def test_philox_known_answers():
    # Random123's kat_vectors for Philox4x32-10
    philox = pyt._ext.philox._philox4x32_10
    assert philox((0, 0, 0, 0), (0, 0)) == (0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8)
    assert philox((0xffffffff,) * 4, (0xffffffff,) * 2) == \
        (0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd)
    assert philox((0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344), (0xa4093822, 0x299f31d0)) \
        == (0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1)


DRAWS = {
    "rand": lambda g: pyt.rand(5, 3, generator=g),
    "rand64": lambda g: pyt.rand(7, dtype=pyt.float64, generator=g),
    "randn": lambda g: pyt.randn(9, generator=g),
    "randint": lambda g: pyt.randint(-5, 100, (11,), generator=g),
    "randperm": lambda g: pyt.randperm(13, generator=g),
    "normal": lambda g: pyt.normal(pyt.zeros(4), pyt.ones(3, 4), generator=g),
    "bernoulli": lambda g: pyt.bernoulli(pyt.full((20,), 0.5), generator=g),
    "multinomial": lambda g: pyt.multinomial(pyt.ones(2, 10), 4, generator=g),
    "multinomial_r": lambda g: pyt.multinomial(pyt.ones(10), 6, True, generator=g),
    "poisson": lambda g: pyt.poisson(pyt.tensor([0.5, 4.0, 40.0, 400.0]), generator=g),
    "exponential_": lambda g: pyt.empty(6).exponential_(generator=g),
    "geometric_": lambda g: pyt.empty(6).geometric_(0.2, generator=g),
    "cauchy_": lambda g: pyt.empty(6).cauchy_(generator=g),
    "log_normal_": lambda g: pyt.empty(6).log_normal_(generator=g),
    "random_": lambda g: pyt.empty(6, dtype=pyt.int16).random_(generator=g),
    "uniform_": lambda g: pyt.empty(6, dtype=pyt.float16).uniform_(-2, 3, generator=g),
}


@pytest.mark.parametrize("name", DRAWS)
def test_manual_seed_reproduces(name):
    draw = DRAWS[name]
    pyt.manual_seed(1234)
    first = draw(None), draw(None)
    pyt.manual_seed(1234)
    again = draw(None), draw(None)
    assert same(first[0], again[0]) and same(first[1], again[1])
    assert not same(first[0], first[1]) or name == "multinomial"   # the stream moves on
    # a private generator gives the same stream and leaves the default one alone
    state = pyt.get_rng_state()
    g = pyt.Generator().manual_seed(1234)
    assert same(draw(g), first[0]) and same(draw(g), first[1])
    assert same(pyt.get_rng_state(), state)


def test_different_seeds_differ():
    a = pyt.rand(100, generator=pyt.Generator().manual_seed(1))
    b = pyt.rand(100, generator=pyt.Generator().manual_seed(2))
    assert not same(a, b)


def test_stream_is_counter_based():
    # two calls continue the stream exactly where one call would (float32 uniforms take
    # 32 bits each: four per Philox block)
    g = pyt.Generator().manual_seed(7)
    joined = np.concatenate([np_of(pyt.rand(1000, generator=g)), np_of(pyt.rand(1000, generator=g))])
    assert np.array_equal(joined, np_of(pyt.rand(2000, generator=pyt.Generator().manual_seed(7))))


def test_generator_api():
    g = pyt.Generator()
    assert g.device == pyt.device("cpu") and pyt.Generator("cpu").device.type == "cpu"
    assert g.initial_seed() == 67280421310721
    assert g.manual_seed(3) is g and g.initial_seed() == 3
    assert g.manual_seed(-1).initial_seed() == 2**64 - 1
    assert g.manual_seed(-2**63).initial_seed() == 2**63
    assert g.manual_seed(np.int64(5)).initial_seed() == 5
    s = g.seed()
    assert isinstance(s, int) and 0 <= s < 2**64 and g.initial_seed() == s
    assert pyt.Generator().seed() != pyt.Generator().seed()
    for bad in (1.5, "a", True, pyt.tensor(5)):
        with pytest.raises(RuntimeError, match="manual_seed expected a long"):
            g.manual_seed(bad)
    with pytest.raises(ValueError):
        g.manual_seed(2**64)
    with pytest.raises(RuntimeError):
        pyt.Generator("cuda")
    with pytest.raises(RuntimeError):
        pyt.Generator("foo")
    with pytest.raises(TypeError, match="Generator"):
        pyt.rand(2, generator=5)


def test_module_functions():
    assert pyt.manual_seed(42) is pyt.default_generator
    assert pyt.initial_seed() == 42 and pyt.random.initial_seed() == 42
    assert pyt.manual_seed(2.0).initial_seed() == 2          # torch converts with int()
    s = pyt.seed()
    assert pyt.initial_seed() == s and pyt.random.seed() != s
    assert pyt.random.manual_seed(5) is pyt.default_generator
    assert isinstance(pyt.default_generator, pyt.Generator)
    assert pyt.random.Generator is pyt.Generator


def test_state_roundtrip():
    g = pyt.Generator().manual_seed(99)
    pyt.rand(10, generator=g)
    state = g.get_state()
    assert state.dtype is pyt.uint8 and state.shape == (16,)
    a = pyt.randn(50, generator=g)
    pyt.rand(3, generator=g)
    g.set_state(state)
    assert same(pyt.randn(50, generator=g), a)
    assert g.initial_seed() == 99
    # the default generator through the module functions
    pyt.manual_seed(5)
    state = pyt.get_rng_state()
    a = pyt.rand(20)
    pyt.set_rng_state(state)
    assert same(pyt.rand(20), a)
    pyt.random.set_rng_state(state)
    assert same(pyt.rand(20), a)
    # the state is a copy: changing the generator does not change it
    pyt.rand(5)
    assert same(pyt.get_rng_state(), pyt.get_rng_state())
    assert not same(pyt.get_rng_state(), state)


def test_state_errors():
    g = pyt.Generator()
    with pytest.raises(TypeError, match="expected a pyt.ByteTensor, but got int"):
        g.set_state(5)
    with pytest.raises(TypeError, match="RNG state must be a pyt.ByteTensor"):
        g.set_state(pyt.zeros(16))
    with pytest.raises(RuntimeError, match="size to be 3"):
        g.set_state(pyt.zeros(3, dtype=pyt.uint8))


def test_generator_pickles():
    g = pyt.Generator().manual_seed(11)
    pyt.rand(5, generator=g)
    h = pickle.loads(pickle.dumps(g))
    assert h.initial_seed() == 11 and same(pyt.rand(9, generator=h), pyt.rand(9, generator=g))


def test_fork_rng():
    pyt.manual_seed(3)
    with pyt.random.fork_rng():
        inside = pyt.rand(10)
    assert same(pyt.rand(10), inside)
    with pyt.random.fork_rng(enabled=False):
        pyt.rand(10)
    assert not same(pyt.rand(10), inside)


def test_errors_leave_generator_unchanged():
    state = pyt.get_rng_state()
    with pytest.raises(RuntimeError):
        pyt.randint(5, 5, (3,))
    with pytest.raises(RuntimeError):
        pyt.zeros(3).expand(2, 3).uniform_()
    with pytest.raises(RuntimeError):
        pyt.multinomial(pyt.zeros(3), 1)
    assert same(pyt.get_rng_state(), state)


# ----- thread counts ----------------------------------------------------------------------

THREADED = {
    "rand16": lambda g: pyt.rand(300_001, dtype=pyt.float16, generator=g),
    "rand32": lambda g: pyt.rand(300_001, generator=g),
    "rand64": lambda g: pyt.rand(300_001, dtype=pyt.float64, generator=g),
    "randn": lambda g: pyt.randn(300_001, generator=g),
    "randint": lambda g: pyt.randint(0, 1000, (300_001,), dtype=pyt.int32, generator=g),
    "random_64": lambda g: pyt.empty(300_001, dtype=pyt.int64).random_(generator=g),
    "bernoulli": lambda g: pyt.bernoulli(pyt.rand(300_001, generator=g), generator=g),
    "normal": lambda g: pyt.normal(pyt.arange(300_001.0), 2.0, generator=g),
    "poisson": lambda g: pyt.poisson(pyt.empty(300_001).uniform_(0, 30, generator=g),
                                             generator=g),
    "strided": lambda g: pyt.empty(600, 1001).t()[::2].exponential_(generator=g),
    "multinomial": lambda g: pyt.multinomial(pyt.rand(300, 1000, generator=g), 5, generator=g),
    "multinomial_r": lambda g: pyt.multinomial(pyt.rand(300, 1000, generator=g), 500, True,
                                               generator=g),
}


@pytest.mark.parametrize("name", THREADED)
def test_same_numbers_for_any_thread_count(name, threads):
    results = []
    for n in (1, 2, 3):
        pyt.set_num_threads(n)
        results.append(THREADED[name](pyt.Generator().manual_seed(2024)))
    assert same(results[0], results[1]) and same(results[0], results[2])


# ----- distributions -------------------------------------------------------------------------

def test_uniform_distribution():
    stats = pytest.importorskip("scipy.stats")
    g = pyt.Generator().manual_seed(10)
    for dt in (pyt.float32, pyt.float64):
        x = np_of(pyt.rand(200_000, dtype=dt, generator=g)).astype(np.float64)
        assert stats.kstest(x, "uniform").pvalue > 1e-3
        assert abs(x.mean() - 0.5) < 0.003 and abs(x.var() - 1 / 12) < 0.001
        assert x.min() >= 0 and x.max() < 1
    x = np_of(pyt.empty(200_000, dtype=pyt.float64).uniform_(-3, 5, generator=g))
    assert stats.kstest(x, "uniform", args=(-3, 8)).pvalue > 1e-3
    assert x.min() >= -3 and x.max() < 5


@pytest.mark.parametrize("dt", FLOATS, ids=ids)
def test_uniform_stays_below_one_in_every_float(dt):
    x = np_of(pyt.rand(1_000_000, dtype=dt, generator=pyt.Generator().manual_seed(1)))
    assert x.min() >= 0 and x.max() < 1
    assert len(np.unique(x)) > 200            # bfloat16 holds 256 values in [0, 1)
    assert abs(x.mean() - 0.5) < 0.005
    y = np_of(pyt.empty(10_000, dtype=dt).uniform_(2, 6))
    assert y.min() >= 2 and y.max() <= 6
    z = pyt.empty(5, dtype=dt).uniform_(1, 1)
    assert (np_of(z) == 1).all()


def test_normal_distribution():
    stats = pytest.importorskip("scipy.stats")
    g = pyt.Generator().manual_seed(11)
    for dt in (pyt.float32, pyt.float64):
        x = np_of(pyt.randn(200_000, dtype=dt, generator=g)).astype(np.float64)
        assert stats.kstest(x, "norm").pvalue > 1e-3
        assert abs(x.mean()) < 0.012 and abs(x.std() - 1) < 0.008
    x = np_of(pyt.empty(200_000, dtype=pyt.float64).normal_(3, 0.5, generator=g))
    assert stats.kstest(x, "norm", args=(3, 0.5)).pvalue > 1e-3
    # the pairs of Box-Muller are independent: neighbours do not correlate
    x = np_of(pyt.randn(400_000, dtype=pyt.float64, generator=g))
    assert abs(np.corrcoef(x[0::2], x[1::2])[0, 1]) < 0.01
    assert abs(np.corrcoef(x[:-1], x[1:])[0, 1]) < 0.01


def test_normal_in_low_precision():
    for dt in (pyt.float16, pyt.bfloat16):
        x = np_of(pyt.randn(100_000, dtype=dt, generator=pyt.Generator().manual_seed(3)))
        x = x.astype(np.float64)
        assert abs(x.mean()) < 0.02 and abs(x.std() - 1) < 0.02


def test_other_continuous_distributions():
    stats = pytest.importorskip("scipy.stats")
    g = pyt.Generator().manual_seed(12)
    big = lambda: pyt.empty(200_000, dtype=pyt.float64)   # noqa: E731
    x = np_of(big().exponential_(2.5, generator=g))
    assert x.min() > 0 and stats.kstest(x, "expon", args=(0, 1 / 2.5)).pvalue > 1e-3
    x = np_of(big().cauchy_(1.0, 2.0, generator=g))
    assert stats.kstest(x, "cauchy", args=(1.0, 2.0)).pvalue > 1e-3
    x = np_of(big().log_normal_(0.5, 0.75, generator=g))
    assert x.min() > 0 and stats.kstest(np.log(x), "norm", args=(0.5, 0.75)).pvalue > 1e-3


def test_geometric():
    g = pyt.Generator().manual_seed(13)
    for p in (0.05, 0.5, 0.9):
        x = np_of(pyt.empty(200_000, dtype=pyt.float64).geometric_(p, generator=g))
        assert x.min() >= 1 and (x == np.round(x)).all()
        assert abs(x.mean() - 1 / p) < 6 * np.sqrt((1 - p) / p**2 / x.size)
        assert abs((x == 1).mean() - p) < 0.005
    for dt in EVERY_DTYPE[1:]:
        x = np_of(pyt.empty(1000, dtype=dt).geometric_(0.3)).astype(np.float64)
        assert x.min() >= 1 and (x == np.round(x)).all()
    with pytest.raises(NotImplementedError, match="geometric_cpu"):
        pyt.empty(3, dtype=pyt.bool).geometric_(0.5)


@pytest.mark.parametrize("rate", [0.0, 0.3, 4.0, 9.9, 10.0, 37.5, 1000.0])
def test_poisson(rate):
    x = np_of(pyt.poisson(pyt.full((200_000,), rate, dtype=pyt.float64),
                          generator=pyt.Generator().manual_seed(14)))
    assert (x == np.round(x)).all() and x.min() >= 0
    sd = np.sqrt(rate / x.size)
    assert abs(x.mean() - rate) <= 6 * sd + 1e-12
    assert abs(x.var() - rate) <= 0.03 * rate + 1e-12
    if 0 < rate < 50:   # the whole histogram against the probability mass function
        stats = pytest.importorskip("scipy.stats")
        counts = np.bincount(x.astype(np.int64))
        expected = stats.poisson.pmf(np.arange(len(counts)), rate) * x.size
        keep = expected > 50
        assert (np.abs(counts[keep] - expected[keep]) < 6 * np.sqrt(expected[keep]) + 5).all()


def test_poisson_tensor_rates_and_dtypes():
    rates = pyt.tensor([[0.0, 1.0], [50.0, 2.5]])
    assert pyt.poisson(rates).shape == (2, 2) and pyt.poisson(rates).dtype is pyt.float32
    assert np_of(pyt.poisson(rates))[0, 0] == 0
    for dt in FLOATS:
        assert pyt.poisson(pyt.full((10,), 3.0, dtype=dt)).dtype is dt
    with pytest.raises(RuntimeError, match="invalid Poisson rate"):
        pyt.poisson(pyt.tensor([1.0, -2.0]))
    with pytest.raises(NotImplementedError, match="poisson_cpu"):
        pyt.poisson(pyt.tensor([1, 2]))


# ----- integers ----------------------------------------------------------------------------

@pytest.mark.parametrize("dt", EVERY_DTYPE, ids=ids)
def test_randint_every_dtype(dt):
    high = 2 if dt is pyt.bool else 7
    x = pyt.randint(0, high, (5000,), dtype=dt, generator=pyt.Generator().manual_seed(1))
    assert x.dtype is dt
    values = np_of(x).astype(np.int64)
    assert set(values.tolist()) == set(range(high))
    lo = 0 if dt in (pyt.bool, pyt.uint8) else -3
    values = np_of(pyt.randint(lo, high, (5000,), dtype=dt)).astype(np.int64)
    assert values.min() == lo and values.max() == high - 1


def test_randint_is_uniform():
    stats = pytest.importorskip("scipy.stats")
    x = np_of(pyt.randint(10, 20, (100_000,), generator=pyt.Generator().manual_seed(2)))
    counts = np.bincount(x - 10, minlength=10)
    assert stats.chisquare(counts).pvalue > 1e-3
    # a range near 2^32 (the 64-bit product keeps it unbiased)
    x = np_of(pyt.randint(0, 3 * 2**30, (100_000,), generator=pyt.Generator().manual_seed(2)))
    assert stats.chisquare(np.bincount(x // 2**30, minlength=3)).pvalue > 1e-3


def test_randint_forms():
    pyt.manual_seed(0)
    assert pyt.randint(5, (3,)).dtype is pyt.int64
    assert pyt.randint(3, [2, 2]).shape == (2, 2)
    assert pyt.randint(3, pyt.Size([2, 2])).shape == (2, 2)
    assert pyt.randint(low=1, high=3, size=(2, 2)).shape == (2, 2)
    assert pyt.randint(1, 3, size=(4,)).shape == (4,)
    assert pyt.randint(3, (2,), dtype=pyt.float16).dtype is pyt.float16
    assert pyt.randint(pyt.tensor(3), (2,)).shape == (2,)
    assert pyt.randint(3, ()).shape == ()
    assert pyt.randint(3, (0, 4)).shape == (0, 4)
    x = pyt.randint(-2**63, 2**63 - 1, (1000,))
    assert np_of(x).min() < -2**61 and np_of(x).max() > 2**61
    assert pyt.randint(3, (2,), dtype=pyt.float32, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="floating point"):
        pyt.randint(3, (2,), requires_grad=True)


def test_randint_errors():
    with pytest.raises(RuntimeError, match=r"random_ expects 'from' to be less than 'to', "
                                           r"but got from=5 >= to=5"):
        pyt.randint(5, 5, (3,))
    with pytest.raises(RuntimeError, match="to - 1 is out of bounds for unsigned char"):
        pyt.randint(0, 300, (3,), dtype=pyt.uint8)
    with pytest.raises(RuntimeError, match="from is out of bounds for unsigned char"):
        pyt.randint(-1, 3, (3,), dtype=pyt.uint8)
    with pytest.raises(RuntimeError, match="to - 1 is out of bounds for bool"):
        pyt.randint(0, 3, (3,), dtype=pyt.bool)
    with pytest.raises(TypeError, match="size"):
        pyt.randint(5, 3)
    with pytest.raises(TypeError):
        pyt.randint(0.5, 3.7, (3,))
    with pytest.raises(TypeError):
        pyt.randint(3)
    with pytest.raises(TypeError):
        pyt.randint(1, 2, 3, (3,))
    with pytest.raises(ValueError):
        pyt.randint(0, 2**63, (3,))


def test_randint_like():
    x = pyt.zeros(2, 3)
    y = pyt.randint_like(x, 5)
    assert y.dtype is pyt.float32 and y.shape == (2, 3) and np_of(y).max() < 5
    y = pyt.randint_like(x, 2, 5, dtype=pyt.int8)
    assert y.dtype is pyt.int8 and np_of(y).min() >= 2
    assert pyt.randint_like(x, low=2, high=5).shape == (2, 3)
    with pytest.raises(RuntimeError, match="from=5 >= to=5"):
        pyt.randint_like(x, 5, 5)
    with pytest.raises(RuntimeError, match="to - 1 is out of bounds for unsigned char"):
        pyt.randint_like(pyt.zeros(3, dtype=pyt.uint8), 500)
    with pytest.raises(TypeError):
        pyt.randint_like(x, 5.5)


# the default random_() range of each dtype: [0, largest integer it holds exactly]
RANDOM_TOP = {pyt.bool: 1, pyt.uint8: 255, pyt.int8: 127, pyt.int16: 2**15 - 1,
              pyt.int32: 2**31 - 1, pyt.int64: 2**63 - 1, pyt.float16: 2**11,
              pyt.bfloat16: 2**8, pyt.float32: 2**24, pyt.float64: 2**53}


@pytest.mark.parametrize("dt", EVERY_DTYPE, ids=ids)
def test_random_default_range(dt):
    x = np_of(pyt.empty(20_000, dtype=dt).random_(generator=pyt.Generator().manual_seed(4)))
    top = RANDOM_TOP[dt]
    values = x.astype(np.float64)
    assert values.min() >= 0 and values.max() <= top
    assert (values == np.round(values)).all()
    if top < 1000:
        assert set(np.unique(values).tolist()) == set(range(top + 1))
    else:
        assert values.max() > top * 0.99 and abs(values.mean() / top - 0.5) < 0.02


@pytest.mark.parametrize("dt", EVERY_DTYPE, ids=ids)
def test_random_forms(dt):
    x = pyt.empty(5000, dtype=dt)
    if dt is not pyt.bool:
        assert set(np_of(x.random_(5)).astype(int).tolist()) == set(range(5))
        assert set(np_of(x.random_(2, 5)).astype(int).tolist()) == {2, 3, 4}
        assert set(np_of(x.random_(to=4)).astype(int).tolist()) == set(range(4))
        assert set(np_of(x.random_(**{"from": 1, "to": 3})).astype(int).tolist()) == {1, 2}
        assert set(np_of(x.random_(2, to=4)).astype(int).tolist()) == {2, 3}
        values = np_of(x.random_(3, None)).astype(np.float64)    # [3, top]
        assert values.min() >= 3 and values.max() <= RANDOM_TOP[dt]
    else:
        assert set(np_of(x.random_(2)).tolist()) == {False, True}
        assert np_of(x.random_(1, None)).all()


def test_random_int64_extremes():
    x = np_of(pyt.empty(10_000, dtype=pyt.int64).random_(-2**63, None))
    assert x.min() < -2**62 and x.max() > 2**62
    x = np_of(pyt.empty(10_000, dtype=pyt.int64).random_(2**63 - 3, None))
    assert set(x.tolist()) == {2**63 - 3, 2**63 - 2, 2**63 - 1}


def test_random_errors():
    x = pyt.zeros(3)
    with pytest.raises(RuntimeError, match="from=5 >= to=2"):
        x.random_(5, 2)
    with pytest.raises(RuntimeError, match="from=0 >= to=0"):
        pyt.zeros(3, dtype=pyt.uint8).random_(0)
    with pytest.raises(RuntimeError, match="from is out of bounds for signed char"):
        pyt.zeros(3, dtype=pyt.int8).random_(-129, 0)
    with pytest.raises(RuntimeError, match="from is out of bounds for signed char"):
        pyt.zeros(3, dtype=pyt.int8).random_(200, None)
    with pytest.raises(RuntimeError, match="to - 1 is out of bounds for c10::Half"):
        pyt.zeros(3, dtype=pyt.float16).random_(0, 70000)
    with pytest.raises(RuntimeError, match="to_inc=16777216"):
        x.random_(2**25, None)
    with pytest.warns(UserWarning, match="out of bounds"):
        x.random_(2**24 + 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x.random_(2**24 + 1)
    with pytest.raises(TypeError):
        x.random_(2.5, 5)
    with pytest.raises(TypeError):
        x.random_(1, 2, 3)
    with pytest.raises(TypeError):
        x.random_(foo=3)


# ----- permutations and categorical draws ---------------------------------------------------

@pytest.mark.parametrize("n", [0, 1, 2, 3, 10, 1000, 100_001])
def test_randperm_is_permutation(n):
    p = pyt.randperm(n)
    assert p.dtype is pyt.int64 and p.shape == (n,)
    assert np.array_equal(np.sort(np_of(p)), np.arange(n))


def test_randperm_is_uniform():
    counts = {}
    g = pyt.Generator().manual_seed(5)
    for _ in range(6000):
        key = tuple(pyt.randperm(3, generator=g).tolist())
        counts[key] = counts.get(key, 0) + 1
    assert len(counts) == 6 and all(abs(c - 1000) < 150 for c in counts.values())
    # position of element 0 over many permutations of 10
    first = [pyt.randperm(10, generator=g).tolist().index(0) for _ in range(5000)]
    assert np.bincount(first, minlength=10).min() > 400


@pytest.mark.parametrize("dt", [d for d in EVERY_DTYPE if d is not pyt.bool], ids=ids)
def test_randperm_dtypes(dt):
    n = 100 if dt in (pyt.uint8, pyt.int8, pyt.bfloat16) else 1000
    p = pyt.randperm(n, dtype=dt)
    assert p.dtype is dt and np.array_equal(np.sort(np_of(p).astype(np.int64)), np.arange(n))


def test_randperm_errors_and_out():
    with pytest.raises(RuntimeError, match="negative dimension"):
        pyt.randperm(-1)
    with pytest.raises(TypeError, match="must be int, not float"):
        pyt.randperm(5.0)
    with pytest.raises(NotImplementedError, match="Bool"):
        pyt.randperm(3, dtype=pyt.bool)
    with pytest.raises(RuntimeError, match="2049 for Half"):
        pyt.randperm(2050, dtype=pyt.float16)
    with pytest.raises(RuntimeError, match="uint8_t without overflow"):
        pyt.randperm(257, dtype=pyt.uint8)
    assert pyt.randperm(256, dtype=pyt.uint8).shape == (256,)
    assert pyt.randperm(128, dtype=pyt.int8).shape == (128,)
    out = pyt.empty(3, dtype=pyt.int32)
    assert pyt.randperm(8, out=out, dtype=pyt.int32) is out and out.shape == (8,)
    assert sorted(out.tolist()) == list(range(8))
    assert pyt.randperm(5, out=out) is out and sorted(out.tolist()) == list(range(5))
    with pytest.raises(RuntimeError, match="dtype Long does not match"):
        pyt.randperm(5, out=out, dtype=pyt.int64)


def test_multinomial_with_replacement():
    stats = pytest.importorskip("scipy.stats")
    p = pyt.tensor([1.0, 2.0, 0.0, 3.0, 4.0])
    x = pyt.multinomial(p, 100_000, True, generator=pyt.Generator().manual_seed(6))
    assert x.dtype is pyt.int64 and x.shape == (100_000,)
    counts = np.bincount(np_of(x), minlength=5)
    assert counts[2] == 0
    keep = [0, 1, 3, 4]
    assert stats.chisquare(counts[keep], np.array([1, 2, 3, 4]) / 10 * 100_000).pvalue > 1e-3


def test_multinomial_without_replacement():
    p = pyt.tensor([[1.0, 2.0, 3.0, 0.0], [0.0, 0.0, 5.0, 1.0]])
    g = pyt.Generator().manual_seed(7)
    draws = np.stack([np_of(pyt.multinomial(p, 2, generator=g)) for _ in range(6000)])
    assert draws.shape == (6000, 2, 2)
    assert (draws[:, :, 0] != draws[:, :, 1]).all()          # no repeats
    assert not (draws[:, 0] == 3).any()                       # zero weight never drawn
    # first draw in proportion, second one given the first (1/12*... = 1/4 for category 0)
    first = np.bincount(draws[:, 0, 0], minlength=4) / 6000
    second = np.bincount(draws[:, 0, 1], minlength=4) / 6000
    assert np.allclose(first, [1 / 6, 2 / 6, 3 / 6, 0], atol=0.025)
    assert np.allclose(second, [0.25, 0.4, 0.35, 0], atol=0.025)
    assert set(map(tuple, draws[:, 1].tolist())) == {(2, 3), (3, 2)}
    assert abs((draws[:, 1, 0] == 2).mean() - 5 / 6) < 0.025
    # all categories, including those of weight 0 once the others are used
    x = pyt.multinomial(pyt.tensor([0.0, 1.0, 0.0]), 3)
    assert sorted(x.tolist()) == [0, 1, 2] and x.tolist()[0] == 1


def test_multinomial_shapes_and_dtypes():
    for dt in FLOATS:
        x = pyt.multinomial(pyt.ones(4, 6, dtype=dt), 3)
        assert x.shape == (4, 3) and x.dtype is pyt.int64
    assert pyt.multinomial(pyt.ones(0, 3), 2).shape == (0, 2)
    assert pyt.ones(3).multinomial(1).shape == (1,)
    t = pyt.tensor([[0.0, 1.0], [1.0, 0.0]]).t()                # non-contiguous input
    assert pyt.multinomial(t, 1).tolist() == [[1], [0]]
    out = pyt.empty(1, dtype=pyt.int64)
    assert pyt.multinomial(pyt.ones(5), 3, out=out) is out and out.shape == (3,)


def test_multinomial_errors():
    cases = [
        ((pyt.tensor([0.0, 0.0]), 1), RuntimeError,
         r"invalid multinomial distribution \(sum of probabilities <= 0\)"),
        ((pyt.tensor([[1.0, 1], [0, 0]]), 1), RuntimeError, "sum of probabilities <= 0"),
        ((pyt.tensor([1.0, 1.0]), 3), RuntimeError,
         "cannot sample n_sample > prob_dist.size\\(-1\\) samples without replacement"),
        ((pyt.tensor([1.0, -1.0]), 1), RuntimeError, "`inf`, `nan` or element < 0"),
        ((pyt.tensor([1.0, float("inf")]), 1), RuntimeError, "`inf`, `nan` or element < 0"),
        ((pyt.tensor([1.0, float("nan")]), 1), RuntimeError, "`inf`, `nan` or element < 0"),
        ((pyt.tensor([1, 2]), 1), RuntimeError, "only supports floating-point dtypes"),
        ((pyt.tensor([1.0, 2]), 0), RuntimeError, "n_sample <= 0"),
        ((pyt.tensor(1.0), 1), RuntimeError, "prob_dist must be 1 or 2 dim"),
        ((pyt.ones(2, 2, 2), 1), RuntimeError, "prob_dist must be 1 or 2 dim"),
        ((pyt.ones(3), 2.0), TypeError, "must be int, not float"),
    ]
    for args, exc, message in cases:
        with pytest.raises(exc, match=message):
            pyt.multinomial(*args)


# ----- bernoulli ------------------------------------------------------------------------------

@pytest.mark.parametrize("dt", EVERY_DTYPE, ids=ids)
def test_bernoulli_every_dtype(dt):
    x = pyt.empty(100_000, dtype=dt).bernoulli_(0.3, generator=pyt.Generator().manual_seed(8))
    values = np_of(x).astype(np.float64)
    assert set(np.unique(values).tolist()) == {0.0, 1.0}
    assert abs(values.mean() - 0.3) < 0.006
    y = pyt.bernoulli(pyt.ones(10, dtype=dt), 0.5)     # input's values unused, dtype kept
    assert y.dtype is dt


@pytest.mark.parametrize("dt", FLOATS, ids=ids)
def test_bernoulli_with_probability_tensor(dt):
    p = pyt.tensor([0.0, 1.0, 0.25, 0.5], dtype=dt).expand(50_000, 4)
    x = pyt.bernoulli(p, generator=pyt.Generator().manual_seed(9))
    assert x.dtype is dt and x.shape == (50_000, 4)
    rates = np_of(x).astype(np.float64).mean(0)
    assert rates[0] == 0 and rates[1] == 1
    assert abs(rates[2] - 0.25) < 0.01 and abs(rates[3] - 0.5) < 0.01
    # in place, p broadcast to the target
    y = pyt.empty(50_000, 4, dtype=pyt.int32).bernoulli_(pyt.tensor([0.0, 1.0, 0.25, 0.5]))
    assert np.allclose(np_of(y).mean(0), [0, 1, 0.25, 0.5], atol=0.01)
    assert pyt.zeros(3).bernoulli_(p=pyt.tensor(0.3)).shape == (3,)


def test_bernoulli_edges_and_errors():
    assert np_of(pyt.zeros(100).bernoulli_(1.0)).all()
    assert not np_of(pyt.ones(100).bernoulli_(0.0)).any()
    assert pyt.bernoulli(pyt.tensor(0.5)).shape == ()
    assert pyt.tensor([0.0, 1.0]).bernoulli().tolist() == [0.0, 1.0]
    out = pyt.empty(3)
    assert pyt.bernoulli(pyt.tensor([0.5]), out=out) is out and out.shape == (1,)
    with pytest.raises(RuntimeError, match=r"bernoulli_ expects p to be in \[0, 1\], but got p=1.5"):
        pyt.zeros(3).bernoulli_(1.5)
    with pytest.raises(RuntimeError, match="p=-0.5"):
        pyt.bernoulli(pyt.zeros(3), -0.5)
    with pytest.raises(RuntimeError, match="p_in >= 0 && p_in <= 1"):
        pyt.bernoulli(pyt.tensor([0.0, 1.5]))
    with pytest.raises(RuntimeError, match="p_in >= 0 && p_in <= 1"):
        pyt.bernoulli(pyt.tensor([0.0, float("nan")]))
    with pytest.raises(NotImplementedError, match="bernoulli_tensor_cpu_p_"):
        pyt.bernoulli(pyt.tensor([0, 1]))
    with pytest.raises(NotImplementedError, match="bernoulli_tensor_cpu_p_"):
        pyt.zeros(3).bernoulli_(pyt.tensor([0, 1, 1]))
    with pytest.raises(RuntimeError, match="expanded size"):
        pyt.zeros(3).bernoulli_(pyt.tensor([0.0, 1.0]))
    with pytest.raises(TypeError):
        pyt.zeros(3).bernoulli_("a")


# ----- creation ops -------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [pyt.rand, pyt.randn], ids=["rand", "randn"])
def test_rand_randn_dtypes_and_forms(fn):
    assert fn(2, 3).dtype is pyt.float32 and fn(2, 3).shape == (2, 3)
    assert fn((2, 3)).shape == (2, 3) and fn([4]).shape == (4,)
    assert fn(size=(2, 3)).shape == (2, 3)
    assert fn(()).shape == () and fn(0, 3).shape == (0, 3)
    for dt in FLOATS:
        assert fn(4, dtype=dt).dtype is dt
    pyt.set_default_dtype(pyt.float64)
    try:
        assert fn(2).dtype is pyt.float64
    finally:
        pyt.set_default_dtype(pyt.float32)
    assert fn(2, requires_grad=True).requires_grad
    out = pyt.empty(3)
    assert fn(2, 3, out=out) is out and out.shape == (2, 3)
    out = pyt.empty(6, dtype=pyt.float64)
    assert fn(2, 3, out=out).dtype is pyt.float64
    with pytest.raises(RuntimeError, match="dtype Float does not match dtype of out parameter"):
        fn(2, 3, dtype=pyt.float32, out=out)
    for dt in [pyt.bool] + INTS:
        with pytest.raises(NotImplementedError, match="not implemented for"):
            fn(2, dtype=dt)
    with pytest.raises(TypeError):
        fn()
    with pytest.raises(TypeError):
        fn(2.5)
    with pytest.raises(TypeError):
        fn((2, 2.5))
    with pytest.raises(RuntimeError, match="negative dimension"):
        fn(-1)


def test_like_functions():
    base = pyt.zeros(3, 4, dtype=pyt.float64).t()          # dense, transposed layout
    for fn in (pyt.rand_like, pyt.randn_like):
        y = fn(base)
        assert y.dtype is pyt.float64 and y.shape == (4, 3) and y.stride() == base.stride()
        assert fn(base, dtype=pyt.float16).dtype is pyt.float16
        assert fn(base, requires_grad=True).requires_grad
        g = pyt.Generator().manual_seed(1)
        assert same(fn(base, generator=g), fn(base, generator=pyt.Generator().manual_seed(1)))
        with pytest.raises(NotImplementedError):
            fn(pyt.zeros(3, dtype=pyt.int64))
        assert fn(pyt.zeros(3, dtype=pyt.int64), dtype=pyt.float32).dtype is pyt.float32
    assert np_of(pyt.rand_like(pyt.zeros(1000))).max() < 1


def test_normal_overloads():
    g = pyt.Generator().manual_seed(12)
    x = pyt.normal(pyt.zeros(2, 3), pyt.ones(3), generator=g)
    assert x.shape == (2, 3) and x.dtype is pyt.float32 and x.stride() == (3, 1)
    assert pyt.normal(pyt.zeros(3), pyt.ones(2, 3)).shape == (2, 3)
    assert pyt.normal(pyt.zeros(3), 2.0).shape == (3,)
    assert pyt.normal(pyt.zeros(3)).shape == (3,)
    assert pyt.normal(0.0, pyt.ones(3)).shape == (3,)
    assert pyt.normal(0, pyt.ones(3, dtype=pyt.float64)).dtype is pyt.float64
    assert pyt.normal(pyt.zeros(3, dtype=pyt.float16), pyt.ones(3, dtype=pyt.float64)).dtype \
        is pyt.float16                                       # the mean's dtype
    assert pyt.normal(pyt.zeros(3, dtype=pyt.float64), pyt.ones(3, dtype=pyt.int64)).dtype \
        is pyt.float64
    assert pyt.normal(mean=pyt.zeros(3), std=pyt.ones(3)).shape == (3,)
    assert pyt.normal(pyt.zeros(()), pyt.ones(())).shape == ()
    assert pyt.normal(0.0, 1.0, (2, 3)).shape == (2, 3)
    assert pyt.normal(0, 1, size=(2, 3), dtype=pyt.float64).dtype is pyt.float64
    assert pyt.normal(0.0, 1.0, (2,), requires_grad=True).requires_grad
    out = pyt.empty(2)
    assert pyt.normal(0.0, 1.0, (3,), out=out) is out and out.shape == (3,)
    out = pyt.empty(2)
    assert pyt.normal(pyt.zeros(2, 3), pyt.ones(3), out=out) is out and out.shape == (2, 3)
    # std 0 gives the mean exactly; per-element means and stds
    mean = pyt.arange(6.0).reshape(2, 3)
    assert np.array_equal(np_of(pyt.normal(mean, 0.0)), np_of(mean))
    y = np_of(pyt.normal(pyt.tensor([0.0, 100.0]).expand(100_000, 2),
                         pyt.tensor([1.0, 5.0]), generator=g))
    assert np.allclose(y.mean(0), [0, 100], atol=0.1) and np.allclose(y.std(0), [1, 5], rtol=0.02)


def test_normal_errors():
    with pytest.raises(RuntimeError, match="normal expects std >= 0.0, but found std -1"):
        pyt.normal(pyt.zeros(3), -1.0)
    with pytest.raises(RuntimeError, match="found std -1"):
        pyt.normal(0.0, -1.0, (3,))
    with pytest.raises(RuntimeError, match="found std nan"):
        pyt.normal(pyt.zeros(3), float("nan"))
    with pytest.raises(RuntimeError, match="normal expects all elements of std >= 0.0"):
        pyt.normal(0.0, pyt.tensor([1.0, -1.0]))
    with pytest.raises(RuntimeError, match="The size of tensor a \\(3\\) must match the size "
                                           "of tensor b \\(4\\) at non-singleton dimension 0"):
        pyt.normal(pyt.zeros(3), pyt.ones(4))
    with pytest.raises(NotImplementedError, match="normal_kernel_cpu"):
        pyt.normal(pyt.zeros(3, dtype=pyt.int64))
    with pytest.raises(NotImplementedError, match="normal_kernel_cpu"):
        pyt.normal(0.0, 1.0, (3,), dtype=pyt.int64)
    for args in [(2.0, 3.0), (0.0, 1.0, 3), (pyt.zeros(3), 1.0, (3,)), ()]:
        with pytest.raises(TypeError):
            pyt.normal(*args)
    with pytest.raises(RuntimeError, match="normal expects std >= 0.0, but found std -1"):
        pyt.zeros(3).normal_(0, -1)


def test_in_place_errors():
    with pytest.raises(RuntimeError, match=r"uniform_ expects to return a \[from, to\) range, "
                                           r"but found from=2 > to=1"):
        pyt.zeros(3).uniform_(2, 1)
    with pytest.raises(RuntimeError, match="from is out of bounds for float"):
        pyt.zeros(3).uniform_(float("nan"), 1)
    with pytest.raises(RuntimeError, match="to is out of bounds for c10::Half"):
        pyt.zeros(3, dtype=pyt.float16).uniform_(0, 70000)
    with pytest.raises(RuntimeError, match="to-from to exceed the limit"):
        pyt.zeros(3).uniform_(-3e38, 3e38)
    with pytest.raises(NotImplementedError, match="\"check_uniform_bounds\" not implemented "
                                                  "for 'Long'"):
        pyt.zeros(3, dtype=pyt.int64).uniform_()
    with pytest.raises(TypeError, match="must be float, not str"):
        pyt.zeros(3).uniform_("a")
    with pytest.raises(RuntimeError, match="exponential_ expects lambda > 0.0, but found "
                                           "lambda=0"):
        pyt.zeros(3).exponential_(0)
    with pytest.raises(RuntimeError, match="dtype must be a floating point but you specified "
                                           "Long"):
        pyt.zeros(3, dtype=pyt.int64).exponential_()
    with pytest.raises(RuntimeError, match=r"geometric_ expects p to be in \(0, 1\), but got "
                                           r"p=1.5"):
        pyt.zeros(3).geometric_(1.5)
    with pytest.raises(RuntimeError, match="Cauchy distribution"):
        pyt.zeros(3, dtype=pyt.int32).cauchy_()
    with pytest.raises(RuntimeError, match="cauchy_ expects sigma > 0.0, but found sigma=-1"):
        pyt.zeros(3).cauchy_(0, -1)
    with pytest.raises(RuntimeError, match="log_normal_ expects std > 0.0, but found std=0"):
        pyt.zeros(3).log_normal_(0, 0)
    with pytest.raises(NotImplementedError, match="log_normal_cpu"):
        pyt.zeros(3, dtype=pyt.int64).log_normal_()
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        pyt.zeros(3).expand(2, 3).normal_()


IN_PLACE_OPS = {
    "uniform_": lambda t: t.uniform_(),
    "normal_": lambda t: t.normal_(),
    "random_": lambda t: t.random_(),
    "random_range": lambda t: t.random_(0, 2),
    "bernoulli_": lambda t: t.bernoulli_(0.5),
    "exponential_": lambda t: t.exponential_(),
    "geometric_": lambda t: t.geometric_(0.5),
    "cauchy_": lambda t: t.cauchy_(),
    "log_normal_": lambda t: t.log_normal_(),
}

CONTINUOUS = ("uniform_", "normal_", "exponential_", "cauchy_", "log_normal_")


@pytest.mark.parametrize("dt", EVERY_DTYPE, ids=ids)
@pytest.mark.parametrize("name", IN_PLACE_OPS)
def test_in_place_dtype_support(name, dt):
    op = IN_PLACE_OPS[name]
    target = pyt.zeros(1000, dtype=dt)
    supported = dt.is_floating_point or name not in CONTINUOUS
    if name == "geometric_" and dt is pyt.bool:
        supported = False
    if not supported:
        with pytest.raises((NotImplementedError, RuntimeError)):
            op(target)
        return
    assert op(target) is target and target.dtype is dt
    values = np_of(target).astype(np.float64)
    assert not np.isnan(values).any()
    if name != "cauchy_":       # Cauchy draws can overflow half precision
        assert np.isfinite(values).all()
    if name in ("uniform_",):
        assert values.min() >= 0 and values.max() < 1


# ----- strided and odd-shaped targets -------------------------------------------------------

IN_PLACE = {
    "uniform_": lambda t, g: t.uniform_(-1, 1, generator=g),
    "normal_": lambda t, g: t.normal_(2, 3, generator=g),
    "random_": lambda t, g: t.random_(0, 100, generator=g),
    "bernoulli_": lambda t, g: t.bernoulli_(0.4, generator=g),
    "bernoulli_tensor": lambda t, g: t.bernoulli_(pyt.full(tuple(t.shape), 0.4), generator=g),
    "exponential_": lambda t, g: t.exponential_(generator=g),
    "geometric_": lambda t, g: t.geometric_(0.5, generator=g),
    "cauchy_": lambda t, g: t.cauchy_(generator=g),
    "log_normal_": lambda t, g: t.log_normal_(generator=g),
}


@pytest.mark.parametrize("name", IN_PLACE)
def test_in_place_on_strided_targets(name):
    op = IN_PLACE[name]
    base = pyt.full((8, 10), -7.0, dtype=pyt.float64)
    views = [base.t(), base[::2, 1::3], base[:, 4], base[3]]
    for which, view in enumerate(views):
        base.fill_(-7.0)
        expected = op(pyt.empty(tuple(view.shape), dtype=pyt.float64),
                      pyt.Generator().manual_seed(31))
        version = view._version
        assert op(view, pyt.Generator().manual_seed(31)) is view
        assert view._version > version
        # the same values as a contiguous target of the same shape, nothing else touched
        assert same(view.contiguous(), expected)
        mask = np.ones((8, 10), dtype=bool)
        np_view = np.arange(80).reshape(8, 10)
        index = {0: np_view.T, 1: np_view[::2, 1::3], 2: np_view[:, 4], 3: np_view[3]}
        mask.flat[index[which].ravel()] = False
        assert (np_of(base)[mask] == -7.0).all()


def test_empty_and_scalar_targets():
    state = pyt.get_rng_state()
    assert pyt.rand(0).shape == (0,) and pyt.randn(3, 0).shape == (3, 0)
    assert pyt.empty(0).normal_().shape == (0,)
    assert pyt.randperm(0).shape == (0,)
    assert same(pyt.get_rng_state(), state)              # nothing drawn, nothing used
    x = pyt.tensor(5.0).uniform_(2, 3)
    assert x.shape == () and 2 <= x.item() < 3
    assert pyt.rand(()).shape == ()
    assert pyt.tensor(0, dtype=pyt.int64).random_(10).shape == ()


# ----- processes ------------------------------------------------------------------------------

def _child_draws(queue):
    x = pyt.rand(2_000_000)
    y = pyt.randn(2_000_000)
    queue.put((pyt.get_num_threads(), float(x.numpy().mean()), float(y.numpy().std())))


def test_forked_child_draws_without_hanging(threads):
    pyt.set_num_threads(2)
    pyt.rand(2_000_000)                 # the parent runs OpenMP parallel regions first
    pyt.randn(2_000_000)
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_child_draws, args=(queue,))
    child.start()
    child.join(timeout=60)
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail("a forked child hung drawing random numbers")
    assert child.exitcode == 0
    nthreads, mean, std = queue.get(timeout=5)
    assert nthreads == 1 and abs(mean - 0.5) < 0.01 and abs(std - 1) < 0.01


# ----- against torch (skipped without it) -------------------------------------------------------

TORCH_ERRORS = [
    "randint(5, 5, (3,))", "randint(0, 300, (3,), dtype={m}.uint8)",
    "randint(-1, 3, (3,), dtype={m}.uint8)", "zeros(3).random_(5, 2)",
    "zeros(3, dtype={m}.int8).random_(-129, 0)", "zeros(3, dtype={m}.float16).random_(0, 70000)",
    "zeros(3).random_(2**25, None)", "zeros(3).uniform_(2, 1)", "zeros(3).uniform_(0, 1e39)",
    "zeros(3, dtype={m}.int64).uniform_()", "zeros(3).normal_(0, -1)",
    "zeros(3, dtype={m}.int64).normal_()", "zeros(3).exponential_(-1)",
    "zeros(3).geometric_(0)", "zeros(3).cauchy_(0, 0)", "zeros(3).log_normal_(0, 0)",
    "zeros(3).bernoulli_(1.5)", "bernoulli({m}.tensor([0, 1]))",
    "normal({m}.zeros(3), {m}.ones(4))", "normal({m}.zeros(3), -1.)",
    "normal(0., {m}.tensor([1., -1.]))", "randperm(2050, dtype={m}.float16)",
    "randperm(257, dtype={m}.uint8)", "multinomial({m}.tensor([0., 0.]), 1)",
    "multinomial({m}.tensor([1., 1.]), 3)", "multinomial({m}.tensor([1., -1.]), 1)",
    "multinomial({m}.tensor([1, 2]), 1)", "multinomial({m}.tensor([1., 2]), 0)",
    "multinomial({m}.ones(2, 2, 2), 1)", "poisson({m}.tensor([1., -2.]))",
    "rand(2, dtype={m}.int64)",
]


@pytest.mark.parametrize("expr", TORCH_ERRORS)
def test_errors_match_torch(expr):
    torch = pytest.importorskip("torch")

    def outcome(module, name):
        try:
            eval(f"{name}." + expr.format(m=name), {name: module})
        except Exception as e:   # noqa: BLE001
            return type(e), str(e).split("\n")[0]
        return None, None

    t_type, t_msg = outcome(torch, "torch")
    p_type, p_msg = outcome(pyt, "pyt")
    assert t_type is not None and p_type is t_type
    assert p_msg == t_msg.replace("torch.", "pyt.")


def test_box_muller_accuracy():
    # pyt's own log and cos/sin (no libm, so that every device computes the same digits)
    # against NumPy's
    rng = np.random.default_rng(0)
    bits = rng.integers(0, 2**64, size=(20_000, 2), dtype=np.uint64)
    bits[:8, 0] = [0, 1, 2**12, 2**63, 2**64 - 1, 2**64 - 2**12, 2**52, 12345 << 12]
    bits[:8, 1] = [0, 2**62, 2**63, 3 * 2**62, 2**64 - 1, 2**61, 2**60 * 3, 2**64 - 2**11]
    pair = pyt._ext.philox._normal_pair
    got = np.array([pair(int(a), int(b)) for a, b in bits])
    v = ((bits[:, 0] >> np.uint64(12)).astype(np.float64) + 0.5) * 2.0**-52     # (0, 1)
    u = (bits[:, 1] >> np.uint64(11)).astype(np.float64) * 2.0**-53              # [0, 1)
    radius = np.sqrt(-2 * np.log(v))
    expected = np.stack([radius * np.cos(2 * np.pi * u), radius * np.sin(2 * np.pi * u)], 1)
    assert np.allclose(got, expected, rtol=0, atol=4e-15 * radius.max())
