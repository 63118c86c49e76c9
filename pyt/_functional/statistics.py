"""Statistics of samples: cov, corrcoef, quantile, nanquantile and histogram."""
import pyt
from pyt._functional._util import (wrap_dim, check_tensor, check_int, check_number,
                                    dtype_name, not_implemented)


def _check_weights(name, weights, observations, integral):
    if weights.dim() > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got "
                           f"{name} with {weights.dim()} dimensions")
    if integral and (weights.dtype.is_floating_point or weights.dtype == pyt.bool):
        raise RuntimeError(f"cov(): expected {name} to have integral dtype but got {name} "
                           f"with {dtype_name(weights.dtype)} dtype")
    if not integral and not weights.dtype.is_floating_point:
        raise RuntimeError(f"cov(): expected {name} to have floating point dtype but got "
                           f"{name} with {dtype_name(weights.dtype)} dtype")
    if weights.numel() != observations:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are "
                           f"observations in the input but got {weights.numel()} != "
                           f"{observations}")
    if weights.numel() and bool((weights < 0).any()):
        raise RuntimeError(f"cov(): {name} cannot be negative")


def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance matrix of the variables in input's rows (observations in columns).

    fweights repeat observations (integer counts), aweights weigh them; correction=1 is
    Bessel's correction. A single variable gives a 0-d tensor.
    """
    check_tensor(input, "cov", "input")
    if input.dim() > 2:
        raise RuntimeError("cov(): expected input to have two or fewer dimensions but got "
                           f"an input with {input.dim()} dimensions")
    if input.dtype == pyt.bool:
        raise RuntimeError("cov(): bool dtype is not supported for input")
    if not isinstance(correction, int):
        raise TypeError("cov(): argument 'correction' must be int, not "
                        f"{type(correction).__name__}")
    rows = input.reshape(1, -1) if input.dim() < 2 else input
    observations = rows.shape[1]
    weights = None
    if fweights is not None:
        check_tensor(fweights, "cov", "fweights")
        _check_weights("fweights", fweights, observations, True)
        weights = fweights
    if aweights is not None:
        check_tensor(aweights, "cov", "aweights")
        _check_weights("aweights", aweights, observations, False)
        weights = aweights if weights is None else weights * aweights
    if weights is None:
        total = observations
        mean = rows.mean(1, keepdim=True) if rows.dtype.is_floating_point else \
            rows.to(pyt.get_default_dtype()).mean(1, keepdim=True)
    else:
        total = weights.sum()
        mean = (rows * weights).sum(1, keepdim=True) / total
    if weights is None:
        dof = total - correction
    elif correction == 0:
        dof = total
    elif aweights is None:
        dof = total - correction
    else:
        dof = total - correction * (weights * aweights).sum() / total
    if float(dof) <= 0:
        import warnings
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly "
                      "less than the number of observations.", UserWarning, stacklevel=2)
        dof = dof * 0 if isinstance(dof, pyt.Tensor) else 0
    centred = rows - mean
    weighted = centred if weights is None else centred * weights
    return (pyt.mm(centred, weighted.t()) / dof).squeeze()


def corrcoef(input):
    """Pearson correlation coefficients of the variables in input's rows, clipped to
    [-1, 1]."""
    check_tensor(input, "corrcoef", "input")
    c = cov(input)
    if c.dim() == 0:
        return c / c          # one variable: 1, or nan for a constant one
    std = pyt.sqrt(pyt.diagonal(c))
    c = c / std.reshape(-1, 1) / std.reshape(1, -1)
    return pyt.clamp(c, -1, 1)


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-th quantiles of input (along dim, else of all elements); nan if the values
    include nan. A 1-d q adds a leading dim with one entry per quantile."""
    return _quantile(input, q, dim, keepdim, interpolation, False, "quantile")


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """quantile ignoring nan values (nan only where a slice is all nan)."""
    return _quantile(input, q, dim, keepdim, interpolation, True, "nanquantile")


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan, fname):
    check_tensor(input, fname, "input")
    if input.dtype not in (pyt.float32, pyt.float64):
        raise RuntimeError(f"{fname}() input tensor must be either float or double dtype")
    if isinstance(q, pyt.Tensor):
        if q.dim() > 1:
            raise RuntimeError(f"{fname}() q must be a scalar or 1D tensor")
        if q.dtype != input.dtype:
            raise RuntimeError(f"{fname}() q tensor must be same dtype as the input tensor")
        if q.numel() and bool(((q < 0) | (q > 1)).any()):
            raise RuntimeError(f"{fname}() q values must be in the range [0, 1]")
        scalar_q = q.dim() == 0
        qs = q.reshape(-1).to(input.device)
    else:
        q = check_number(q, fname, "q")
        if not 0 <= q <= 1:
            raise RuntimeError(f"{fname}() q must be in the range [0, 1] but got {q}")
        scalar_q = True
        qs = pyt.tensor([float(q)], dtype=input.dtype, device=input.device)
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{fname}() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    if input.numel() == 0:
        raise RuntimeError(f"{fname}() input tensor must be non-empty")

    # the values to rank along the last dim, and the shape the result keeps
    if dim is None:
        values = input.reshape(-1)
        kept = [1] * input.dim() if keepdim else []
    else:
        d = wrap_dim(dim, input.dim())
        values = input.movedim(d, -1) if input.dim() else input.reshape(1)
        kept = list(input.shape)
        if input.dim():
            if keepdim:
                kept[d] = 1
            else:
                del kept[d]
    ordered = pyt.sort(values, -1).values                  # nan sorts last
    batch = list(ordered.shape[:-1])
    n = ordered.shape[-1]
    nan = pyt.isnan(ordered)
    q_col = qs.reshape([-1] + [1] * (len(batch) + 1))       # (Q, 1..., 1)
    if ignore_nan:
        present = (~nan).sum(-1, keepdim=True).to(input.dtype)
        ranks = pyt.clamp_min(q_col * (present - 1), 0)     # all-nan slices: rank 0, nan
    else:
        ranks = q_col * (n - 1)
        ranks = pyt.where(nan.any(-1, keepdim=True), float(n - 1), ranks)
    if interpolation == "lower":
        ranks = pyt.floor(ranks)
    elif interpolation == "higher":
        ranks = pyt.ceil(ranks)
    elif interpolation == "nearest":
        ranks = pyt.round(ranks)                            # half to even, as torch
    full = [qs.shape[0]] + batch + [1]
    ranks = ranks.expand(full)
    ordered = ordered.unsqueeze(0).expand([qs.shape[0]] + batch + [n])
    below = pyt.gather(ordered, -1, ranks.to(pyt.int64))
    if interpolation in ("linear", "midpoint"):
        above = pyt.gather(ordered, -1, pyt.ceil(ranks).to(pyt.int64))
        weight = 0.5 if interpolation == "midpoint" else ranks - pyt.floor(ranks)
        below = pyt.lerp(below, above, weight)
    out = below.reshape([qs.shape[0]] + kept)
    return out[0] if scalar_q else out


def histogram(input, bins, *, range=None, weight=None, density=False):
    """Counts (or summed weights) of input's values in bins: bins equal-width bins over
    range (default: the values' min and max), or the bins given by the edges tensor."""
    check_tensor(input, "histogram", "input")
    dtype = input.dtype
    if not dtype.is_floating_point or dtype in (pyt.float16, pyt.bfloat16):
        raise not_implemented("histogramdd", dtype)
    values = input.reshape(-1)
    if weight is not None:
        check_tensor(weight, "histogram", "weight")
        if weight.shape != input.shape:
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided it should have the same "
                "shape as the input tensor excluding its innermost dimension, but got "
                f"input with shape {list(input.shape) + [1]} and weight with shape "
                f"{list(weight.shape)}")
        if weight.dtype != dtype:
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided, input tensor and weight "
                f"tensor should have the same dtype, but got input({_c_name(dtype)}), "
                f"and weight({_c_name(weight.dtype)})")
    if isinstance(bins, pyt.Tensor):
        if bins.dim() != 1:
            raise RuntimeError(
                "torch.histogramdd: bins tensor should have one dimension, but got "
                f"{bins.dim()} dimensions in the bins tensor for dimension 0")
        if bins.dtype != dtype:
            raise RuntimeError(
                "torch.histogramdd: input tensor and bins tensors should have the same "
                f"dtype, but got input with dtype {_c_name(dtype)} and bins for dimension "
                f"0 with dtype {_c_name(bins.dtype)}")
        if bins.numel() == 0:
            raise RuntimeError(
                "torch.histogramdd: bins tensor should have at least 1 element, but got 0 "
                "elements in the bins tensor for dimension 0")
        if bins.numel() == 1:
            raise RuntimeError("torch.histogram(): bins must be > 0, but got 0 for "
                               "dimension 0")
        edges = bins.to(input.device)
    else:
        check_int(bins, "histogram", "bins")
        if bins <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for "
                               "dimension 0")
        if range is not None:
            if not isinstance(range, (tuple, list)) or len(range) != 2:
                raise TypeError("histogram(): argument 'range' must be a sequence of two "
                                "floats")
            low = float(check_number(range[0], "histogram", "range"))
            high = float(check_number(range[1], "histogram", "range"))
        elif values.numel():
            low, high = float(values.min()), float(values.max())
        else:
            low, high = 0.0, 1.0
        if low > high:
            raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min "
                               f"{low:g} max {high:g} for dimension 0")
        if not (abs(low) < float("inf") and abs(high) < float("inf")):
            raise RuntimeError(f"torch.histogramdd: dimension 0's range [{low:g}, "
                               f"{high:g}] is not finite")
        if low == high:
            low, high = low - 0.5, high + 0.5
        edges = pyt.linspace(low, high, bins + 1, dtype=dtype, device=input.device)
    nbins = max(edges.shape[0] - 1, 0)
    hist = pyt.zeros((nbins,), dtype=dtype, device=input.device)
    if nbins and values.numel():
        # bin i holds [edges[i], edges[i+1]); the last bin also holds its right edge
        position = pyt.searchsorted(edges, values, right=True) - 1
        position = pyt.where(values == edges[-1], nbins - 1, position)
        inside = (position >= 0) & (position < nbins) & (values >= edges[0]) & \
            (values <= edges[-1])
        amounts = inside.to(dtype) if weight is None else \
            pyt.where(inside, weight.reshape(-1), 0.0)
        hist = pyt.index_add(hist, 0, position.clamp(0, nbins - 1), amounts)
    if density:
        widths = pyt.diff(edges)
        hist = hist / (hist.sum() * widths)
    return pyt.return_types.histogram(hist, edges)


def _c_name(dtype):
    """The C type name torch's histogram messages use."""
    return {"Float": "float", "Double": "double", "Long": "long int", "Int": "int",
            "Half": "c10::Half", "BFloat16": "c10::BFloat16", "Short": "short int",
            "Char": "signed char", "Byte": "unsigned char", "Bool": "bool"}[
                dtype_name(dtype)]
