"""Lua Torch's optim package: functional optimizers `x, fx = optim.sgd(opfunc, x, config)`.

`opfunc(x)` returns `(f(x), df/dx)` with df/dx a tensor shaped like x; x is updated in
place; the optimizer's memory lives in `state` (`config` when state is None), so the same
dict passed again continues the run.
"""
from .sgd import sgd
from .adam import adam
from .adamax import adamax
from .adagrad import adagrad
from .adadelta import adadelta
from .rmsprop import rmsprop
from .nag import nag
from .asgd import asgd
from .rprop import rprop
from .lbfgs import lbfgs
from .cg import cg
from .lswolfe import lswolfe
from .polyinterp import polyinterp
from .confusion_matrix import ConfusionMatrix
from .logger import Logger

__all__ = ["sgd", "adam", "adamax", "adagrad", "adadelta", "rmsprop", "nag", "asgd",
           "rprop", "lbfgs", "cg", "lswolfe", "polyinterp", "ConfusionMatrix", "Logger"]
