# Joining and reordering: cat, stack, flip, roll, repeat, tile, tril, triu.
# (being written)

def cat(tensors, dim=0, *, out=None):
    raise NotImplementedError("cat")

def stack(tensors, dim=0, *, out=None):
    raise NotImplementedError("stack")

def flip(Tensor input, dims):
    raise NotImplementedError("flip")

def fliplr(Tensor input):
    raise NotImplementedError("fliplr")

def flipud(Tensor input):
    raise NotImplementedError("flipud")

def roll(Tensor input, shifts, dims=None):
    raise NotImplementedError("roll")

cdef Tensor _repeat(Tensor input, tuple sizes):
    raise NotImplementedError("repeat")

def tile(Tensor input, dims):
    raise NotImplementedError("tile")

def tril(Tensor input, diagonal=0):
    raise NotImplementedError("tril")

def triu(Tensor input, diagonal=0):
    raise NotImplementedError("triu")
