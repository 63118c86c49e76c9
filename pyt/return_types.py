"""Named result tuples of the ops that return several tensors (torch.return_types).

Each is a tuple (unpacks and indexes like one) whose items also have names:
``values, indices = x.max(0)`` or ``x.max(0).indices``."""
from collections import namedtuple as _namedtuple

__all__ = ["max", "min", "sort", "topk", "kthvalue", "median", "nanmedian", "mode",
           "cummax", "cummin", "aminmax", "slogdet", "qr", "svd", "linalg_slogdet",
           "linalg_qr", "linalg_svd", "linalg_eigh", "linalg_lstsq", "linalg_inv_ex",
           "linalg_cholesky_ex", "triangular_solve", "linalg_lu_factor", "linalg_lu_factor_ex",
           "linalg_lu", "lu_unpack", "_lu_with_info", "linalg_solve_ex", "geqrf"]


def _result_type(name, fields):
    base = _namedtuple(name, fields)

    def __repr__(self):
        items = ",\n".join(f"{field}={value!r}" for field, value in zip(self._fields, self))
        return f"pyt.return_types.{name}(\n{items})"

    def __new__(cls, *args, **kwargs):
        if len(args) == 1 and not kwargs:               # from one sequence, as torch allows
            args = tuple(args[0])
        return base.__new__(cls, *args, **kwargs)

    return type(name, (base,), {"__slots__": (), "__new__": __new__, "__repr__": __repr__,
                                "__module__": __name__})


max = _result_type("max", ("values", "indices"))
min = _result_type("min", ("values", "indices"))
sort = _result_type("sort", ("values", "indices"))
topk = _result_type("topk", ("values", "indices"))
kthvalue = _result_type("kthvalue", ("values", "indices"))
median = _result_type("median", ("values", "indices"))
nanmedian = _result_type("nanmedian", ("values", "indices"))
mode = _result_type("mode", ("values", "indices"))
cummax = _result_type("cummax", ("values", "indices"))
cummin = _result_type("cummin", ("values", "indices"))
aminmax = _result_type("aminmax", ("min", "max"))

# linear algebra (pyt/_ext/linalg.pyx)
slogdet = _result_type("slogdet", ("sign", "logabsdet"))
qr = _result_type("qr", ("Q", "R"))
svd = _result_type("svd", ("U", "S", "V"))
linalg_slogdet = _result_type("linalg_slogdet", ("sign", "logabsdet"))
linalg_qr = _result_type("linalg_qr", ("Q", "R"))
linalg_svd = _result_type("linalg_svd", ("U", "S", "Vh"))
linalg_eigh = _result_type("linalg_eigh", ("eigenvalues", "eigenvectors"))
linalg_lstsq = _result_type("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))
linalg_inv_ex = _result_type("linalg_inv_ex", ("inverse", "info"))
linalg_cholesky_ex = _result_type("linalg_cholesky_ex", ("L", "info"))
triangular_solve = _result_type("triangular_solve", ("solution", "cloned_coefficient"))
linalg_lu_factor = _result_type("linalg_lu_factor", ("LU", "pivots"))
linalg_lu_factor_ex = _result_type("linalg_lu_factor_ex", ("LU", "pivots", "info"))
linalg_lu = _result_type("linalg_lu", ("P", "L", "U"))
lu_unpack = _result_type("lu_unpack", ("P", "L", "U"))
_lu_with_info = _result_type("_lu_with_info", ("LU", "pivots", "info"))
linalg_solve_ex = _result_type("linalg_solve_ex", ("result", "info"))
geqrf = _result_type("geqrf", ("a", "tau"))
histogram = _result_type("histogram", ("hist", "bin_edges"))
__all__.append("histogram")
