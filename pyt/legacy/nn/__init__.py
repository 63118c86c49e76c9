"""pyt.legacy.nn: Lua Torch's nn over pyt tensors, as torch.legacy.nn was.

Modules keep ``output`` and ``gradInput`` and follow Lua's protocol (forward,
backward, updateOutput, updateGradInput, accGradParameters, parameters...), with
0-based dims and class indices. One class per file, named as in Lua.
"""
from .Module import Module
from .Container import Container
from .Criterion import Criterion
from .Abs import Abs
from .AbsCriterion import AbsCriterion
from .Add import Add
from .BCECriterion import BCECriterion
from .BatchNormalization import BatchNormalization
from .Bilinear import Bilinear
from .CAddTable import CAddTable
from .CMul import CMul
from .CMulTable import CMulTable
from .ClassNLLCriterion import ClassNLLCriterion
from .Concat import Concat
from .ConcatTable import ConcatTable
from .CosineDistance import CosineDistance
from .CosineEmbeddingCriterion import CosineEmbeddingCriterion
from .CrossEntropyCriterion import CrossEntropyCriterion
from .DistKLDivCriterion import DistKLDivCriterion
from .Dropout import Dropout
from .ELU import ELU
from .Euclidean import Euclidean
from .Exp import Exp
from .HardTanh import HardTanh
from .HingeEmbeddingCriterion import HingeEmbeddingCriterion
from .Identity import Identity
from .JoinTable import JoinTable
from .LeakyReLU import LeakyReLU
from .Linear import Linear
from .Log import Log
from .LogSoftMax import LogSoftMax
from .LookupTable import LookupTable
from .MSECriterion import MSECriterion
from .MarginCriterion import MarginCriterion
from .Max import Max
from .Mean import Mean
from .Min import Min
from .Mul import Mul
from .MultiCriterion import MultiCriterion
from .MultiMarginCriterion import MultiMarginCriterion
from .Narrow import Narrow
from .Normalize import Normalize
from .PReLU import PReLU
from .Padding import Padding
from .PairwiseDistance import PairwiseDistance
from .Parallel import Parallel
from .ParallelCriterion import ParallelCriterion
from .ParallelTable import ParallelTable
from .Power import Power
from .ReLU import ReLU
from .Replicate import Replicate
from .Reshape import Reshape
from .Select import Select
from .SelectTable import SelectTable
from .Sequential import Sequential
from .Sigmoid import Sigmoid
from .SmoothL1Criterion import SmoothL1Criterion
from .SoftMax import SoftMax
from .SoftPlus import SoftPlus
from .SoftSign import SoftSign
from .SpatialAveragePooling import SpatialAveragePooling
from .SpatialBatchNormalization import SpatialBatchNormalization
from .SpatialConvolution import SpatialConvolution
from .SpatialFullConvolution import SpatialFullConvolution
from .SpatialMaxPooling import SpatialMaxPooling
from .SpatialZeroPadding import SpatialZeroPadding
from .Sqrt import Sqrt
from .Square import Square
from .Squeeze import Squeeze
from .Sum import Sum
from .Tanh import Tanh
from .TemporalConvolution import TemporalConvolution
from .Threshold import Threshold
from .Transpose import Transpose
from .Unsqueeze import Unsqueeze
from .View import View

__all__ = [
    'Module', 'Container', 'Criterion', 'Abs', 'AbsCriterion', 'Add', 'BCECriterion',
    'BatchNormalization', 'Bilinear', 'CAddTable', 'CMul', 'CMulTable',
    'ClassNLLCriterion', 'Concat', 'ConcatTable', 'CosineDistance',
    'CosineEmbeddingCriterion', 'CrossEntropyCriterion', 'DistKLDivCriterion',
    'Dropout', 'ELU', 'Euclidean', 'Exp', 'HardTanh', 'HingeEmbeddingCriterion',
    'Identity', 'JoinTable', 'LeakyReLU', 'Linear', 'Log', 'LogSoftMax', 'LookupTable',
    'MSECriterion', 'MarginCriterion', 'Max', 'Mean', 'Min', 'Mul', 'MultiCriterion',
    'MultiMarginCriterion', 'Narrow', 'Normalize', 'PReLU', 'Padding',
    'PairwiseDistance', 'Parallel', 'ParallelCriterion', 'ParallelTable', 'Power',
    'ReLU', 'Replicate', 'Reshape', 'Select', 'SelectTable', 'Sequential', 'Sigmoid',
    'SmoothL1Criterion', 'SoftMax', 'SoftPlus', 'SoftSign', 'SpatialAveragePooling',
    'SpatialBatchNormalization', 'SpatialConvolution', 'SpatialFullConvolution',
    'SpatialMaxPooling', 'SpatialZeroPadding', 'Sqrt', 'Square', 'Squeeze', 'Sum',
    'Tanh', 'TemporalConvolution', 'Threshold', 'Transpose', 'Unsqueeze', 'View',
]
