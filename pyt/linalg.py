"""pyt.linalg: torch.linalg's functions (norms, matrix products, LAPACK decompositions)."""
from pyt._ext.linalg import (
    LinAlgError, matmul, multi_dot, inv, inv_ex, det, slogdet, solve, cholesky, cholesky_ex,
    qr, svd, svdvals, eigh, eigvalsh, lstsq, pinv, matrix_rank, matrix_power, matrix_norm,
    norm,
)
from pyt._ext.reductions import vector_norm
from pyt._linalg_lu import (
    solve_triangular, lu_factor, lu_factor_ex, lu, lu_solve, solve_ex, cond, matrix_exp,
    vecdot, diagonal, vander, householder_product, tensorinv, tensorsolve,
)
from pyt._functional.vector import linalg_cross as cross
