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
    cat, stack, hstack, vstack, row_stack, dstack, column_stack, atleast_1d, atleast_2d,
    atleast_3d, block_diag, flip, fliplr, flipud, roll, tile, tril, triu, tril_indices,
    triu_indices, diag_embed,
    # indexing
    index_select, gather, scatter, scatter_add, masked_fill, masked_select, where, take,
    nonzero,
    # random
    bernoulli, multinomial,
)
from pyt._ext.tensor import (
    add, sub, mul, div, eq, ne, lt, le, gt, ge, neg,
)
from pyt._ext.nn_kernels import (
    conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d,
    max_pool1d, max_pool2d, max_pool3d, avg_pool1d, adaptive_avg_pool1d,
    adaptive_max_pool1d_with_indices as adaptive_max_pool1d, softmax, log_softmax,
    constant_pad_nd, native_batch_norm, native_layer_norm, native_group_norm, native_dropout,
    _dropout_top as dropout, _embedding_top as embedding, _batch_norm_top as batch_norm,
    _layer_norm_top as layer_norm, _group_norm_top as group_norm,
)
from pyt._dtype_info import finfo, iinfo, result_type, is_tensor, is_floating_point, numel
from pyt._tensor_str import set_printoptions

# torch's aliases
half = float16
float = float32
double = float64
short = int16
int = int32
long = int64
concat = concatenate = cat
subtract, multiply, divide, true_divide, negative = sub, mul, div, div, neg
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne

__version__ = "0.1.0"


def get_include():
    """The directory holding pyt's .pxd files and C headers, for Cython extensions."""
    import os
    return os.path.dirname(os.path.abspath(__file__))
