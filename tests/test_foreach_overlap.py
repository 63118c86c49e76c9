"""foreach.pyx's check that routes a list to the per-tensor ops when the CUDA kernel could
race (a tensor it writes shares bytes with another entry): lists_overlap on CPU tensors,
and the sequential results that the per-tensor path gives (torch's, CPU and CUDA)."""
import numpy as np
import pytest

import pyt
from pyt._ext.foreach import lists_overlap


def test_distinct_tensors_and_in_place_aliases_do_not_overlap():
    a, b, c = pyt.ones(4), pyt.ones(4), pyt.ones(3, 2)
    assert not lists_overlap(([a, b, c],))
    assert not lists_overlap(([a, b, c], [a, b, c]))          # out[t] is self[t]
    assert not lists_overlap(([a, b], [a, b], [b, a]), written=())   # nothing written
    # neighbouring slices of one storage touch but do not share a byte
    s = pyt.arange(10.0)
    assert not lists_overlap(([s[:5], s[5:]], [s[:5], s[5:]]))
    # a read-only tensor repeated across the indices is fine
    g = pyt.ones(4)
    assert not lists_overlap(([a, b], [g, g]))
    assert not lists_overlap(([pyt.ones(0), pyt.ones(0)],))   # empty tensors take no part
    assert not lists_overlap(([], []))


def test_shared_bytes_with_a_written_entry_overlap():
    a, b = pyt.ones(4), pyt.ones(4)
    assert lists_overlap(([a, a],))                           # the same tensor twice
    assert lists_overlap(([a, b], [b, a]))                    # written a is read at index 1
    assert lists_overlap(([a, b], [b, a]), written=(1,))
    assert not lists_overlap(([a, b], [b, a]), written=())
    s = pyt.arange(10.0)
    assert lists_overlap(([s[:6], s[4:]],))                   # two bytes ranges cross
    assert lists_overlap(([s[:6]], [s[1:7]]))                 # same index, shifted
    assert lists_overlap(([s], [s[2:5]]))                     # one inside the other
    assert lists_overlap(([s[2:5]], [s]))
    assert lists_overlap(([s.view(2, 5)[0], s[:3]],))         # views of one storage
    # a chain: the run [0, 6) [4, 9) holds a written entry and differing spans
    assert lists_overlap(([s[:6], pyt.ones(2)], [s[:6], s[4:6]]))
    # strided entries count as their whole span (conservative)
    assert lists_overlap(([s[0::2], s[1::2]],))
    t = pyt.arange(12.0).reshape(3, 4)
    assert lists_overlap(([t.t(), t[1]],))
    assert not lists_overlap(([t[0], t[1], t[2]],))


def test_many_entries():
    xs = [pyt.ones(3) for _ in range(500)]
    assert not lists_overlap((xs, xs, [pyt.ones(3)] * 500))
    assert lists_overlap((xs + [xs[123]],))
    with pytest.raises(ValueError):
        lists_overlap(([pyt.ones(1)], []))


@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_repeated_tensors_update_one_after_the_other(device):
    if device == "cuda" and not pyt.cuda.is_available():
        pytest.skip("no CUDA device")
    a = pyt.ones(5, device=device)
    pyt._foreach_add_([a, a], 1)
    assert a.cpu().tolist() == [3.0] * 5                      # torch's CPU: sequential
    a = pyt.ones(5, device=device)
    pyt._foreach_add_([a, a], [a, a])
    assert a.cpu().tolist() == [4.0] * 5
    a = pyt.arange(6.0, device=device)
    pyt._foreach_add_([a[:4], a[2:]], 1)
    assert a.cpu().tolist() == [1.0, 2.0, 4.0, 5.0, 5.0, 6.0]


def test_matches_torch():
    torch = pytest.importorskip("torch")
    for make in (lambda m: (lambda a: m._foreach_mul_([a, a[1:3], a], 2.0)),
                 lambda m: (lambda a: m._foreach_addcmul_([a, a], [a, a], [a, a], 0.5))):
        x = np.arange(1.0, 6.0)
        ours, theirs = pyt.tensor(x), torch.tensor(x)
        make(pyt)(ours)
        make(torch)(theirs)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
