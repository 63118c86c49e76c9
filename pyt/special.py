"""torch.special: scipy.special-style names for pyt's functions, plus the few composed
here (xlog1py, entr, ndtr, multigammaln). Everything is made of pyt ops, so it runs on any
device and differentiates."""
import math as _math

import pyt
from pyt._functional.math import xlogy, sinc, x_times_log, _float_dtype
from pyt._functional._util import check_tensor, check_int

__all__ = ["expit", "logit", "erf", "erfc", "erfinv", "gammaln", "digamma", "psi",
           "polygamma", "multigammaln", "exp2", "expm1", "log1p", "round", "sinc", "xlogy",
           "xlog1py", "entr", "ndtr", "logsumexp", "softmax", "log_softmax"]

expit = pyt.sigmoid
erf = pyt.erf
erfc = pyt.erfc
erfinv = pyt.erfinv
gammaln = pyt.lgamma
digamma = psi = pyt.digamma
polygamma = pyt.polygamma
exp2 = pyt.exp2
expm1 = pyt.expm1
log1p = pyt.log1p
round = pyt.round
logsumexp = pyt.logsumexp
logit = pyt.logit
softmax = pyt.softmax
log_softmax = pyt.log_softmax


def xlog1py(input, other):
    """input * log1p(other), 0 where input == 0 (unless other is nan)."""
    return x_times_log("xlog1py", input, other, pyt.log1p, 0.0)


def entr(input):
    """-x log x elementwise: 0 at 0, -inf below 0 (nan stays nan)."""
    check_tensor(input, "entr", "input")
    x = input.to(_float_dtype(input))
    positive = x > 0
    safe = pyt.where(positive, x, 1.0)          # log's unused branch stays finite
    out = pyt.where(positive, -safe * pyt.log(safe), pyt.where(x == 0, 0.0, float("-inf")))
    return pyt.where(pyt.isnan(x), x, out)


def ndtr(input):
    """The standard normal distribution function: erfc(-x / sqrt 2) / 2."""
    check_tensor(input, "ndtr", "input")
    x = input.to(_float_dtype(input))
    return pyt.erfc(x * -_math.sqrt(0.5)) * 0.5


def multigammaln(input, p):
    """The log of the multivariate gamma function of dimension p:
    p (p - 1) / 4 log(pi) + sum over j < p of lgamma(x - j / 2)."""
    check_tensor(input, "multigammaln", "input")
    check_int(p, "multigammaln", "p")
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    x = input.to(_float_dtype(input))
    total = pyt.lgamma(x)
    for j in range(1, p):
        total = total + pyt.lgamma(x - j / 2)
    return total + p * (p - 1) / 4 * _math.log(_math.pi)

