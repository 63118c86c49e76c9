"""Parameters to and from one flat vector."""
import pyt

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _check_same_device(param, old_device):
    if old_device is not None and param.device != old_device:
        raise TypeError("Found two parameters on different devices, this is currently not "
                        "supported.")
    return param.device


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated into one 1-D tensor."""
    device = None
    pieces = []
    for p in parameters:
        device = _check_same_device(p, device)
        pieces.append(p.reshape(-1))
    return pyt.cat(pieces)


def vector_to_parameters(vec, parameters):
    """Copies consecutive slices of vec into the parameters (as their new data)."""
    if not isinstance(vec, pyt.Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    device = None
    offset = 0
    for p in parameters:
        device = _check_same_device(p, device)
        n = p.numel()
        p.data = vec[offset:offset + n].view_as(p).data
        offset += n
