"""SpatialBatchNormalization: BatchNormalization per plane of (N, nOutput, H, W) batches."""
from .BatchNormalization import BatchNormalization


class SpatialBatchNormalization(BatchNormalization):
    nDim = 4
