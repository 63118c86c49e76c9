"""pyt: tensors, autograd and neural networks with PyTorch's programming model."""
import os as _os

# Idle OpenMP threads of pyt's kernels spin only briefly (libgomp reads this when the
# first extension loads it): spinning longer, they take the cores from the BLAS library's
# own threads in the next matrix product (addmm 128x784x512 at 2 threads: 1.24 ms with
# libgomp's default, 0.60 ms with this; pyt's own kernel sequences run as fast).
_os.environ.setdefault("GOMP_SPINCOUNT", "1000")

from pyt._ext.dtypes import (
    dtype, bool_ as bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32,
    float64, promote_types, get_default_dtype, set_default_dtype,
)
from pyt._ext.device import device
from pyt._ext.layout import layout, strided, sparse_coo
from pyt._ext.storage import Storage as UntypedStorage
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
    nonzero, argwhere, masked_scatter, put, index_add, index_copy, index_fill, index_put,
    index_put_,
    # random
    bernoulli, multinomial, rand, rand_like, randn, randn_like, randint, randint_like,
    randperm, normal, poisson,
    # interop
    from_dlpack,
)
from pyt._ext.tensor import (
    add, sub, mul, div, eq, ne, lt, le, gt, ge, neg,
)
from pyt._ext.math_ops import (
    exp, exp_, exp2, exp2_, expm1, expm1_, log, log_, log2, log2_, log10, log10_, log1p,
    log1p_, sqrt, sqrt_, rsqrt, rsqrt_, sin, sin_, cos, cos_, tan, tan_, asin, asin_, acos,
    acos_, atan, atan_, sinh, sinh_, cosh, cosh_, tanh, tanh_, asinh, asinh_, acosh, acosh_,
    atanh, atanh_, sigmoid, sigmoid_, erf, erf_, erfc, erfc_, erfinv, erfinv_, lgamma,
    lgamma_, digamma, digamma_, polygamma, reciprocal, reciprocal_, logit, logit_, abs, abs_, floor,
    floor_, ceil, ceil_, trunc, trunc_, frac, frac_, round, round_, sign, sign_, relu,
    relu_, nan_to_num, nan_to_num_, square, square_, isnan, isinf, isposinf, isneginf,
    isfinite, logical_not, logical_not_, bitwise_not, bitwise_not_, pow, pow_, atan2,
    atan2_, hypot, hypot_, maximum, minimum, fmax, fmin, floor_divide, floor_divide_,
    remainder, remainder_, fmod, fmod_, bitwise_and, bitwise_and_, bitwise_or, bitwise_or_,
    bitwise_xor, bitwise_xor_, bitwise_left_shift, bitwise_left_shift_, bitwise_right_shift,
    bitwise_right_shift_, logical_and, logical_and_, logical_or, logical_or_, logical_xor,
    logical_xor_, clamp, clamp_, clamp_min, clamp_min_, clamp_max, clamp_max_, lerp, lerp_,
    addcmul, addcmul_, addcdiv, addcdiv_, isclose, allclose, equal, sgn, sgn_, clip, clip_,
    absolute, absolute_, fix, fix_, arcsin, arcsin_, arccos, arccos_, arctan, arctan_,
    arcsinh, arcsinh_, arccosh, arccosh_, arctanh, arctanh_, arctan2, arctan2_,
)
from pyt._ext.tensor import is_grad_enabled, is_inference_mode_enabled
from pyt import autograd
from pyt.autograd import no_grad, enable_grad, set_grad_enabled, inference_mode
from pyt._ext.philox import Generator, default_generator
from pyt.random import manual_seed, seed, initial_seed, get_rng_state, set_rng_state
from pyt._ext.linalg import (
    matmul, mm, bmm, mv, dot, vdot, inner, outer, ger, addmm, addmv, addbmm, baddbmm, einsum,
    tensordot, kron, trace, diag, diagflat, chain_matmul, det, logdet, inverse, pinverse,
    matrix_power, _slogdet_old as slogdet, _cholesky_old as cholesky, _qr_old as qr,
    _svd_old as svd,
)
from pyt._ext.reductions import (
    sum, nansum, mean, nanmean, prod, max, min, amax, amin, aminmax, argmax, argmin, all,
    any, count_nonzero, std, var, std_mean, var_mean, norm, logsumexp, cumsum, cumprod,
    cummax, cummin, logcumsumexp, sort, argsort, msort, topk, kthvalue, median, nanmedian,
    mode, unique, unique_consecutive, bincount, histc, searchsorted, bucketize,
)
from pyt import return_types
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
from pyt import linalg
from pyt import special
from pyt.special import multigammaln as mvlgamma
from pyt._linalg_lu import (
    triangular_solve, lu_unpack, lu_old as lu, lu_solve_old as lu_solve, cholesky_solve,
    cholesky_inverse, matrix_exp, geqrf, orgqr, ormqr,
)
from pyt import nn
from pyt import optim
from pyt import multiprocessing   # registers the tensor reducers, as torch does
from pyt import sparse
from pyt import cuda        # torch.cuda: is_available() is False without a device
from pyt import backends
from pyt.sparse import sparse_coo_tensor, spmm
# torch functions composed from the ops above (pyt/_functional, one concept per module)
from pyt._functional.shapes import (
    broadcast_shapes, broadcast_tensors, meshgrid, cartesian_prod, combinations,
    repeat_interleave, take_along_dim, diff, rot90, ravel, narrow_copy, hsplit, vsplit,
    dsplit,
)
from pyt._functional.predicates import is_nonzero, is_same_size, can_cast
from pyt._functional.math import (
    positive, logaddexp, logaddexp2, xlogy, sinc, signbit, copysign, heaviside,
    float_power, deg2rad, rad2deg, vander,
)
from pyt._functional.integer import gcd, lcm
from pyt._functional.sets import isin
from pyt._functional.vector import cross, cdist
from pyt._functional.integrate import trapezoid, trapz, cumulative_trapezoid
from pyt._functional.statistics import cov, corrcoef, quantile, nanquantile, histogram
from pyt._functional.scatter import scatter_reduce, index_reduce

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
    """The directory of pyt's C headers, for building Cython extensions that use pyt.

    A Cython module that does ``from pyt._ext.tensor cimport Tensor, tensor_data, ...``
    needs two things at build time: Cython must find pyt's .pxd files, which it does
    through sys.path (pyt is importable wherever this function can be called), and the
    C compiler must find the headers those .pxd files name (pyt_dtypes.h, ...), which
    live here. So a setup.py needs just::

        Extension("mymod", ["mymod.pyx"], include_dirs=[pyt.get_include()])

    (like ``numpy.get_include()``; add ``-fopenmp`` only if your own code uses OpenMP).
    """
    import os
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "_ext", "include")
from pyt import serialization
from pyt.serialization import save, load
# torch._foreach_add ... _foreach_norm: the multi-tensor ops the optimizers use
from pyt._foreach import *   # noqa: F401,F403
