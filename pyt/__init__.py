"""pyt: tensors, autograd and neural networks with PyTorch's programming model."""
from pyt._ext.dtypes import (
    dtype, bool_ as bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32,
    float64, promote_types, get_default_dtype, set_default_dtype,
)
from pyt._ext.device import device
from pyt._ext.parallel import get_num_threads, set_num_threads
from pyt._ext.tensor import (
    Tensor, Size,
    # creation
    tensor, as_tensor, asarray, from_numpy, scalar_tensor, zeros, ones, empty, full,
    empty_strided, zeros_like, ones_like, empty_like, full_like, arange, linspace, logspace,
    eye,
    # views
    view, reshape, transpose, swapaxes, swapdims, permute, t, squeeze, unsqueeze, expand,
    broadcast_to, flatten, unflatten, narrow, select, unbind, split, tensor_split, chunk,
    movedim, moveaxis, as_strided, diagonal, clone, detach,
    # joining
    cat, stack, flip, fliplr, flipud, roll, tile, tril, triu,
    # indexing
    index_select, gather, scatter, scatter_add, masked_fill, masked_select, where, take,
    nonzero, argwhere, masked_scatter, put, index_add, index_copy, index_fill, index_put,
    index_put_,
    # random
    bernoulli, multinomial,
)
from pyt._dtype_info import finfo, iinfo, result_type, is_tensor, is_floating_point, numel

# torch's aliases
half = float16
float = float32
double = float64
short = int16
int = int32
long = int64
concat = concatenate = cat

__version__ = "0.1.0"


def get_include():
    """The directory holding pyt's .pxd files and C headers, for Cython extensions."""
    import os
    return os.path.dirname(os.path.abspath(__file__))
