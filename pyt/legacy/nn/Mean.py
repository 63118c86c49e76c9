"""Mean: the mean over ``dimension``."""
from .Sum import Sum


class Mean(Sum):
    def __init__(self, dimension=0, nInputDims=None, squeeze=True):
        super().__init__(dimension, nInputDims, sizeAverage=True, squeeze=squeeze)
