"""pyt.backends.cudnn: torch's cuDNN switches, kept so that code setting them runs.
pyt does not use cuDNN, so they change nothing."""

__all__ = ["is_available", "version", "enabled", "benchmark", "deterministic", "allow_tf32"]

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available():
    return False


def version():
    return None
