"""pyt.linalg: norms and matrix functions (torch.linalg)."""
from pyt._ext.reductions import vector_norm
