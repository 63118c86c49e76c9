"""nn.utils: gradient clipping, flat parameter vectors, packed sequences (nn.utils.rnn)."""
from pyt.nn.utils.clip_grad import clip_grad_norm_, clip_grad_norm, clip_grad_value_
from pyt.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters
from pyt.nn.utils import rnn
