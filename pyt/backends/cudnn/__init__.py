"""pyt.backends.cudnn: torch's cuDNN switches, kept so that code setting them runs.
pyt does not use cuDNN. allow_tf32 acts as in torch: while True (the default), float32
convolutions on the GPU multiply in TensorFloat-32; the other switches change nothing."""

__all__ = ["is_available", "version", "enabled", "benchmark", "deterministic", "allow_tf32"]

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True          # read at each GPU convolution (pyt/_ext/nn_conv.pxi)


def is_available():
    return False


def version():
    return None
