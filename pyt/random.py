"""Seeding and state of pyt's default random number generator (``torch.random``).

pyt draws every random number from Philox4x32-10 (see pyt/_ext/philox.pyx): a
generator's state is just its seed and how far into the stream it has gone, so
a state is small, cheap to save and restore, and reproduces the same numbers for
any thread count."""
import contextlib

from pyt._ext.philox import Generator, default_generator

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed",
           "get_rng_state", "set_rng_state", "fork_rng"]


def manual_seed(seed):
    """Seeds the default generator (any int in [-2**63, 2**64)); returns it."""
    return default_generator.manual_seed(int(seed))


def seed():
    """Seeds the default generator from the operating system; returns the seed."""
    return default_generator.seed()


def initial_seed():
    """The seed the default generator was last given."""
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state as a ByteTensor."""
    return default_generator.get_state()


def set_rng_state(new_state):
    """Restores a state from get_rng_state()."""
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices",
             device_type="cuda"):
    """A context in which random numbers may be drawn freely: the default generator's
    state is restored on exit. (There is no CUDA generator yet; `devices` and
    `device_type` are accepted for torch's signature.)"""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
