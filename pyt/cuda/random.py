"""The CUDA devices' default random number generators (torch.cuda.manual_seed & co.).

Each device has a Philox generator of its own (pyt._ext.philox), seeded with the CPU's
by pyt.manual_seed, so a seed gives the same numbers on both. Seeding without a device
does nothing (torch's is lazy too); reading a state needs one."""
import os

from pyt._ext import cuda as _cuda
from pyt._ext.philox import cuda_default_generators

__all__ = ["manual_seed", "manual_seed_all", "seed", "seed_all", "initial_seed",
           "get_rng_state", "get_rng_state_all", "set_rng_state", "set_rng_state_all",
           "default_generators"]


def __getattr__(name):
    if name == "default_generators":
        return cuda_default_generators()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _generator(device):
    from pyt.cuda import _lazy_init
    _lazy_init()
    index = _cuda.device_index(device, True)
    return cuda_default_generators()[index]


def manual_seed(seed):
    """Seeds the current device's default generator (nothing without a device)."""
    seed = int(seed)
    if _cuda.device_count() == 0:
        return
    cuda_default_generators()[_cuda.get_device()].manual_seed(seed)


def manual_seed_all(seed):
    """Seeds every device's default generator (nothing without a device)."""
    seed = int(seed)
    for gen in cuda_default_generators():
        gen.manual_seed(seed)


def seed():
    """Seeds the current device's generator from the operating system."""
    if _cuda.device_count() == 0:
        return
    cuda_default_generators()[_cuda.get_device()].seed()


def seed_all():
    """Seeds every device's generator with one seed from the operating system."""
    s = int.from_bytes(os.urandom(8), "little")
    for gen in cuda_default_generators():
        gen.manual_seed(s)


def initial_seed():
    """The current device's generator's seed."""
    return _generator(None).initial_seed()


def get_rng_state(device="cuda"):
    """A device's generator state as a ByteTensor."""
    return _generator(device).get_state()


def get_rng_state_all():
    return [g.get_state() for g in cuda_default_generators()]


def set_rng_state(new_state, device="cuda"):
    _generator(device).set_state(new_state)


def set_rng_state_all(new_states):
    for gen, state in zip(cuda_default_generators(), new_states):
        gen.set_state(state)
