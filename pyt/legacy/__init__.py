from . import optim
