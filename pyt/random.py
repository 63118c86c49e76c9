"""Seeding and state of pyt's default random number generator (``torch.random``).

pyt draws every random number from Philox4x32-10 (see pyt/_ext/philox.pyx): a
generator's state is just its seed and how far into the stream it has gone, so
a state is small, cheap to save and restore, and reproduces the same numbers for
any thread count."""
import contextlib

from pyt._ext.philox import Generator, default_generator, cuda_default_generators

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed",
           "get_rng_state", "set_rng_state", "fork_rng"]


def manual_seed(seed):
    """Seeds the default generator (any int in [-2**63, 2**64)) and the CUDA devices'
    default generators with the same seed, so they draw the same numbers; returns the
    CPU's."""
    gen = default_generator.manual_seed(int(seed))
    for cuda_gen in cuda_default_generators():
        cuda_gen.manual_seed(int(seed))
    return gen


def seed():
    """Seeds the default generator (and the CUDA ones) from the operating system;
    returns the seed."""
    s = default_generator.seed()
    for cuda_gen in cuda_default_generators():
        cuda_gen.manual_seed(s)
    return s


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
    state, and those of the CUDA devices' default generators (`devices`, all by
    default), are restored on exit."""
    if not enabled:
        yield
        return
    cuda_gens = cuda_default_generators()
    if devices is not None:
        from pyt._ext.cuda import device_index
        cuda_gens = [cuda_gens[device_index(d)] for d in devices]
    state = get_rng_state()
    cuda_states = [g.get_state() for g in cuda_gens]
    try:
        yield
    finally:
        set_rng_state(state)
        for g, st in zip(cuda_gens, cuda_states):
            g.set_state(st)
