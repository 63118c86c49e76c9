"""The layer modules of pyt.nn."""
from pyt.nn.modules.module import Module
from pyt.nn.modules.container import (
    Container, Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict,
)
from pyt.nn.modules.linear import Identity, Linear, Bilinear, LazyLinear
from pyt.nn.modules.flatten import Flatten, Unflatten
from pyt.nn.modules.conv import (
    Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, LazyConv1d,
    LazyConv2d, LazyConv3d, LazyConvTranspose1d, LazyConvTranspose2d, LazyConvTranspose3d,
)
from pyt.nn.modules.pooling import (
    MaxPool1d, MaxPool2d, MaxPool3d, AvgPool1d, AvgPool2d, AvgPool3d, LPPool1d, LPPool2d,
    LPPool3d, AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d, AdaptiveMaxPool1d,
    AdaptiveMaxPool2d, AdaptiveMaxPool3d, MaxUnpool1d, MaxUnpool2d, MaxUnpool3d,
    FractionalMaxPool2d, FractionalMaxPool3d,
)
from pyt.nn.modules.fold import Fold, Unfold
from pyt.nn.modules.batchnorm import (
    BatchNorm1d, BatchNorm2d, BatchNorm3d, LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d,
    SyncBatchNorm,
)
from pyt.nn.modules.instancenorm import (
    InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, LazyInstanceNorm1d, LazyInstanceNorm2d,
    LazyInstanceNorm3d,
)
from pyt.nn.modules.lazy import LazyModuleMixin
from pyt.nn.modules.adaptive import AdaptiveLogSoftmaxWithLoss
from pyt.nn.modules.normalization import (
    LayerNorm, GroupNorm, LocalResponseNorm, CrossMapLRN2d, RMSNorm,
)
from pyt.nn.modules.dropout import (
    Dropout, Dropout1d, Dropout2d, Dropout3d, AlphaDropout, FeatureAlphaDropout,
)
from pyt.nn.modules.padding import (
    ConstantPad1d, ConstantPad2d, ConstantPad3d, ZeroPad1d, ZeroPad2d, ZeroPad3d,
    ReflectionPad1d, ReflectionPad2d, ReflectionPad3d, ReplicationPad1d, ReplicationPad2d,
    ReplicationPad3d, CircularPad1d, CircularPad2d, CircularPad3d,
)
from pyt.nn.modules.channelshuffle import ChannelShuffle
from pyt.nn.modules.sparse import Embedding, EmbeddingBag
from pyt.nn.modules.pixelshuffle import PixelShuffle, PixelUnshuffle
from pyt.nn.modules.upsampling import Upsample, UpsamplingNearest2d, UpsamplingBilinear2d
from pyt.nn.modules.distance import CosineSimilarity, PairwiseDistance
from pyt.nn.modules.activation import (
    Threshold, ReLU, ReLU6, LeakyReLU, PReLU, ELU, SELU, CELU, GELU, SiLU, Mish, Sigmoid,
    Tanh, Hardtanh, Hardsigmoid, Hardswish, Softplus, Softsign, Softmax, LogSoftmax,
    Softmin, GLU, LogSigmoid, Tanhshrink, Softshrink, Hardshrink, Softmax2d, RReLU,
)
from pyt.nn.modules.multihead_attention import MultiheadAttention
from pyt.nn.modules.transformer import (
    Transformer, TransformerEncoder, TransformerDecoder, TransformerEncoderLayer,
    TransformerDecoderLayer,
)
from pyt.nn.modules.rnn import (
    RNNBase, RNN, LSTM, GRU, RNNCellBase, RNNCell, LSTMCell, GRUCell,
)
from pyt.nn.modules.loss import (
    L1Loss, MSELoss, SmoothL1Loss, HuberLoss, CrossEntropyLoss, NLLLoss, BCELoss,
    BCEWithLogitsLoss, KLDivLoss, MarginRankingLoss, HingeEmbeddingLoss, CosineEmbeddingLoss,
    TripletMarginLoss, PoissonNLLLoss, GaussianNLLLoss, MultiLabelSoftMarginLoss,
    SoftMarginLoss, CTCLoss, NLLLoss2d, MultiMarginLoss, MultiLabelMarginLoss,
    TripletMarginWithDistanceLoss, LinearCrossEntropyLoss,
)
from pyt.nn.modules.linear_cross_entropy_options import LinearCrossEntropyOptions

__all__ = [name for name in dir() if name[0].isupper()]    # the classes, not submodules
