"""pyt.linalg: torch.linalg's functions (norms, matrix products, LAPACK decompositions)."""
from pyt._ext.linalg import (
    LinAlgError, matmul, multi_dot, inv, inv_ex, det, slogdet, solve, cholesky, cholesky_ex,
    qr, svd, svdvals, eigh, eigvalsh, lstsq, pinv, matrix_rank, matrix_power, matrix_norm,
    norm,
)
from pyt._ext.reductions import vector_norm
from pyt._functional.vector import linalg_cross as cross
