"""pyt.nn: modules, parameters, functional ops, initialisers and utilities."""
from pyt.nn.parameter import Parameter, UninitializedParameter, UninitializedBuffer, Buffer
from pyt.nn import functional
from pyt.nn import init
from pyt.nn.modules import *            # noqa: F401,F403  (every layer class)
from pyt.nn.modules import module as _module
from pyt.nn import utils
