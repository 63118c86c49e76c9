"""Shared helper of the functional optimizers."""


def config_and_state(config, state):
    """Lua's `config = config or {}; state = state or config`."""
    if config is None:
        config = {}
    if state is None:
        state = config
    return config, state
