# Convolution as im2col + GEMM, its gradients, transposed convolution, unfold / fold.
#
# A convolution maps an "image" (C channels over 1-3 spatial dims) to "columns" (O
# channels over the output positions): per sample and group, cols = W @ im2col(image).
# The samples run in parallel in one OpenMP region, each thread with its own column
# buffer and BLAS made single-threaded for the region. (GEMMs over whole chunks of the
# batch with BLAS's own threads, between parallel im2col passes, measured several times
# slower here: BLAS and OpenMP threads spin against each other on few cores.) Samples
# are handed out dynamically: each is heavy, and a thread the OS delays does not hold
# up the rest. A 1x1 stride-1 convolution needs no im2col. The weight gradient sums
# per-sample GEMMs into a fixed number of partial sums, added in order, so it does not
# depend on the thread count. Transposed convolution is the adjoint: its forward is
# the convolution's input gradient, and its gradients are a convolution and a weight
# gradient.

cdef extern from "pyt_im2col.h":
    ctypedef struct pyt_im2col_geom:
        Py_ssize_t channels
        Py_ssize_t size[3]
        Py_ssize_t out[3]
        Py_ssize_t k[3]
        Py_ssize_t stride[3]
        Py_ssize_t pad[3]
        Py_ssize_t dil[3]
    void pyt_im2col_f(const float* im, float* col, const pyt_im2col_geom* g, Py_ssize_t ld) nogil
    void pyt_col2im_f(const float* col, float* im, const pyt_im2col_geom* g, Py_ssize_t ld) nogil
    void pyt_im2col_d(const double* im, double* col, const pyt_im2col_geom* g, Py_ssize_t ld) nogil
    void pyt_col2im_d(const double* col, double* im, const pyt_im2col_geom* g, Py_ssize_t ld) nogil

cdef extern from "pyt_gemm_wide.h":
    void pyt_gemm_wide_f(Py_ssize_t M, Py_ssize_t K, Py_ssize_t L, const float* a,
                         Py_ssize_t ars, Py_ssize_t acs, const float* b, Py_ssize_t ldb,
                         float* c, Py_ssize_t ldc) nogil

cdef extern from "limits.h":
    enum:
        INT_MAX

cdef struct ConvPlan:
    pyt_im2col_geom g                   # one group's image: g.channels = channels // groups
    Py_ssize_t batch, groups, channels, out_channels
    Py_ssize_t img_len, col_len, kvol   # numel of one image plane, column row, kernel
    Py_ssize_t ldcol                    # leading dim of column matrices (padded)
    bint direct                         # 1x1 kernel, stride 1, no padding: no im2col
    Py_ssize_t wchunks                  # partial sums of the weight gradient


# ----- kernels ----------------------------------------------------------------------------

cdef inline void _im2col(const real* im, real* col, const pyt_im2col_geom* g,
                         Py_ssize_t ld) noexcept nogil:
    if real is float:
        pyt_im2col_f(im, col, g, ld)
    else:
        pyt_im2col_d(im, col, g, ld)


cdef inline void _col2im(const real* col, real* im, const pyt_im2col_geom* g,
                         Py_ssize_t ld) noexcept nogil:
    if real is float:
        pyt_col2im_f(col, im, g, ld)
    else:
        pyt_col2im_d(col, im, g, ld)


cdef inline const real* _sample_cols(const ConvPlan* p, const real* img_n, Py_ssize_t grp,
                                     real* col, Py_ssize_t* ld) noexcept nogil:
    """The column matrix [Cg * kvol, L] of group grp of one sample's image; ld gets its
    leading dim."""
    cdef const real* src = img_n + grp * p.g.channels * p.img_len
    if p.direct:                        # 1x1, stride 1, no padding: the image itself
        ld[0] = p.col_len
        return src
    _im2col(src, col, &p.g, p.ldcol)
    ld[0] = p.ldcol
    return col


cdef inline void _matmul(Py_ssize_t M, Py_ssize_t K, Py_ssize_t L, const real* a,
                         Py_ssize_t ars, Py_ssize_t acs, const real* b, Py_ssize_t ldb,
                         real* c, Py_ssize_t ldc) noexcept nogil:
    """C[M, L] = A[M, K] @ B[K, L] (A[m, k] at a[m * ars + k * acs]): the unpacked kernel
    of include/pyt_gemm_wide.h for float32 when a strip of B (K rows of 16) sits in L1,
    BLAS otherwise."""
    if real is float:
        if K <= 256:
            pyt_gemm_wide_f(M, K, L, a, ars, acs, b, ldb, c, ldc)
            return
    if acs == 1:
        _gemm(False, False, M, L, K, <real>1, a, ars, b, ldb, <real>0, c, ldc)
    else:                               # A is the transpose of a row-major [K, M]
        _gemm(True, False, M, L, K, <real>1, a, acs, b, ldb, <real>0, c, ldc)


cdef void _forward_sample(const ConvPlan* p, const real* img, const real* w, const real* bias,
                          real* out, real* col, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t G = p.groups, Og = p.out_channels // p.groups, grp, o, l, ld
    cdef Py_ssize_t L = p.col_len, CK = p.g.channels * p.kvol
    cdef const real* cols
    cdef real* dst
    for grp in range(G):
        cols = _sample_cols(p, img + n * p.channels * p.img_len, grp, col, &ld)
        _matmul(Og, CK, L, w + grp * Og * CK, CK, 1, cols, ld,
                out + (n * p.out_channels + grp * Og) * L, L)
    if bias != NULL:
        for o in range(p.out_channels):
            dst = out + (n * p.out_channels + o) * L
            for l in range(L):
                dst[l] += bias[o]


cdef void _backward_sample(const ConvPlan* p, const real* gout, const real* img, const real* w,
                           real* gimg, real* gw, real* col, real* gpad,
                           Py_ssize_t n) noexcept nogil:
    """gw^T += cols(img[n]) @ gout[n]^T (gw: per group [CK, Og]) and
    gimg[n] = col2im(W^T @ gout[n]), per group (gimg[n] is zeroed here, in the thread
    that fills it). gpad: room for one group's gout rows at the padded leading dim."""
    cdef Py_ssize_t G = p.groups, Og = p.out_channels // p.groups, grp, o, ld
    cdef Py_ssize_t L = p.col_len, CK = p.g.channels * p.kvol
    cdef const real* go
    cdef const real* cols
    cdef real* dst
    if gimg != NULL:
        memset(gimg + n * p.channels * p.img_len, 0, p.channels * p.img_len * sizeof(real))
    for grp in range(G):
        go = gout + (n * p.out_channels + grp * Og) * L
        if gw != NULL:                  # gw^T [CK, Og] += cols @ gout[n]^T
            cols = _sample_cols(p, img + n * p.channels * p.img_len, grp, col, &ld)
            _gemm(False, True, CK, Og, L, <real>1, cols, ld, go, L, <real>1,
                  gw + grp * Og * CK, Og)
        if gimg != NULL:
            if L != p.ldcol:            # rows L apart can alias in cache; copy them apart
                for o in range(Og):
                    memcpy(gpad + o * p.ldcol, go + o * L, L * sizeof(real))
                go = gpad
            dst = gimg + (n * p.channels + grp * p.g.channels) * p.img_len
            if p.direct:
                _matmul(CK, Og, L, w + grp * Og * CK, 1, CK, go, p.ldcol, dst, L)
            else:
                _matmul(CK, Og, L, w + grp * Og * CK, 1, CK, go, p.ldcol, col, p.ldcol)
                _col2im(col, dst, &p.g, p.ldcol)


cdef inline Py_ssize_t _per_thread(const ConvPlan* p) noexcept nogil:
    """Scratch elements per thread: a column matrix, then one group's padded gradient."""
    return (0 if p.direct else p.g.channels * p.kvol * p.ldcol) + \
        p.out_channels // p.groups * p.ldcol


cdef inline int _sample_threads(const ConvPlan* p, Py_ssize_t items) noexcept nogil:
    """Threads for a per-sample region: BLAS must be one that can be made serial."""
    if _blas_libs == 0 or items < 2:
        return 1
    return _threads_for(p.batch * (p.g.channels * p.kvol + p.out_channels) * p.col_len)


cdef void _forward_samples(const ConvPlan* p, const real* img, const real* w, const real* bias,
                           real* out, real* col, int nt) noexcept nogil:
    cdef Py_ssize_t n, per_thread = _per_thread(p)
    cdef int saved[PYT_BLAS_MAX_LIBS]
    if nt > 1:
        pyt_blas_serial_begin(saved)
        for n in prange(p.batch, num_threads=nt, schedule="dynamic"):
            _forward_sample(p, img, w, bias, out, col + threadid() * per_thread, n)
        pyt_blas_serial_end(saved)
    else:
        for n in range(p.batch):
            _forward_sample(p, img, w, bias, out, col, n)


cdef void _backward_samples(const ConvPlan* p, const real* gout, const real* img, const real* w,
                            real* gimg, real* gw, real* parts, real* col,
                            int nt) noexcept nogil:
    """Samples go in p.wchunks fixed chunks, chunk c adding into parts[c] (each group's
    block transposed, [CK, Og]); the parts are summed in order at the end, so the weight
    gradient does not depend on threads."""
    cdef Py_ssize_t c, n, i, o, k, grp, nchunks = p.wchunks if gw != NULL else p.batch
    cdef Py_ssize_t Og = p.out_channels // p.groups, CK = p.g.channels * p.kvol
    cdef real acc
    cdef Py_ssize_t per_thread = _per_thread(p), gpad = per_thread - p.out_channels // p.groups * p.ldcol
    cdef Py_ssize_t wsize = p.out_channels * p.g.channels * p.kvol
    cdef int saved[PYT_BLAS_MAX_LIBS]
    if nt > 1:
        pyt_blas_serial_begin(saved)
        for c in prange(nchunks, num_threads=nt, schedule="dynamic"):
            for n in range(c * p.batch // nchunks, (c + 1) * p.batch // nchunks):
                _backward_sample(p, gout, img, w, gimg,
                                 parts + c * wsize if gw != NULL else NULL,
                                 col + threadid() * per_thread,
                                 col + threadid() * per_thread + gpad, n)
        pyt_blas_serial_end(saved)
    else:
        for c in range(nchunks):
            for n in range(c * p.batch // nchunks, (c + 1) * p.batch // nchunks):
                _backward_sample(p, gout, img, w, gimg,
                                 parts + c * wsize if gw != NULL else NULL, col, col + gpad, n)
    if gw != NULL:
        for grp in range(p.groups):
            for o in range(Og):
                for k in range(CK):
                    acc = 0
                    for c in range(nchunks):
                        acc = acc + parts[c * wsize + grp * Og * CK + k * Og + o]
                    gw[grp * Og * CK + o * CK + k] = acc


cdef void _channel_sums(const real* x, real* out, Py_ssize_t N, Py_ssize_t C,
                        Py_ssize_t L) noexcept nogil:
    """out[c] = sum of x[n, c, :] over n (the bias gradient), accumulated in double, in
    parallel over channels."""
    cdef Py_ssize_t c
    cdef int nt = _threads_for(N * C * L)
    if nt > 1 and C > 1:
        for c in prange(C, num_threads=nt, schedule="static"):
            out[c] = <real>_channel_sum(x, N, C, L, c)
    else:
        for c in range(C):
            out[c] = <real>_channel_sum(x, N, C, L, c)


cdef double _channel_sum(const real* x, Py_ssize_t N, Py_ssize_t C, Py_ssize_t L,
                         Py_ssize_t c) noexcept nogil:
    cdef Py_ssize_t n
    cdef double s = 0
    for n in range(N):
        s += _sum(x + (n * C + c) * L, L)
    return s


cdef void _add_channel_bias(real* x, const real* b, Py_ssize_t N, Py_ssize_t C,
                            Py_ssize_t L) noexcept nogil:
    cdef Py_ssize_t n, c, l
    cdef real* row
    for n in range(N):
        for c in range(C):
            row = x + (n * C + c) * L
            for l in range(L):
                row[l] += b[c]


# ----- plans: geometry, scratch, dispatch ------------------------------------------------

cdef class _ConvArgs:
    """A checked convolution call: sizes as the op sees them (transposed or not)."""
    cdef int k
    cdef bint batched, transposed
    cdef Py_ssize_t N, C, O, groups
    cdef Py_ssize_t insz[3]
    cdef Py_ssize_t outsz[3]
    cdef Py_ssize_t ksz[3]
    cdef Py_ssize_t stride[3]
    cdef Py_ssize_t pad[3]
    cdef Py_ssize_t dil[3]
    cdef DType dtype, cdt
    cdef list w_shape
    cdef ConvPlan plan                  # the convolution (the adjoint's, when transposed)

    cdef list in_shape(self):
        return [self.N, self.C] + [self.insz[i] for i in range(self.k)]

    cdef list out_shape(self):
        return [self.N, self.O] + [self.outsz[i] for i in range(self.k)]

    cdef list img_shape(self):
        """The plan's image (batched): the input of a convolution, the output of a
        transposed one."""
        return self.out_shape() if self.transposed else self.in_shape()

    cdef list col_shape(self):
        """The plan's columns (batched): the other side of the convolution."""
        return self.in_shape() if self.transposed else self.out_shape()


cdef int _fill_plan(ConvPlan* p, _ConvArgs a) except -1:
    """The convolution that a's op is, or (transposed) whose adjoint it is."""
    cdef int i, j, lead = 3 - a.k
    cdef Py_ssize_t* img_sz = a.insz
    cdef Py_ssize_t* col_sz = a.outsz
    if a.transposed:
        img_sz = a.outsz
        col_sz = a.insz
    p.batch = a.N
    p.groups = a.groups
    p.channels = a.O if a.transposed else a.C
    p.out_channels = a.C if a.transposed else a.O
    p.g.channels = p.channels // a.groups
    for i in range(3):
        j = i - lead
        p.g.size[i] = img_sz[j] if j >= 0 else 1
        p.g.out[i] = col_sz[j] if j >= 0 else 1
        p.g.k[i] = a.ksz[j] if j >= 0 else 1
        p.g.stride[i] = a.stride[j] if j >= 0 else 1
        p.g.pad[i] = a.pad[j] if j >= 0 else 0
        p.g.dil[i] = a.dil[j] if j >= 0 else 1
    p.img_len = p.g.size[0] * p.g.size[1] * p.g.size[2]
    p.col_len = p.g.out[0] * p.g.out[1] * p.g.out[2]
    p.kvol = p.g.k[0] * p.g.k[1] * p.g.k[2]
    # rows 512 B (float) or 1 KB (double) apart, times a power of two, share cache sets:
    # 16 more elements keep the rows of a column matrix apart
    p.ldcol = p.col_len + (16 if p.col_len % 128 == 0 else 0)
    if p.ldcol > INT_MAX or p.g.channels * p.kvol > INT_MAX or p.out_channels > INT_MAX:
        raise RuntimeError("pyt: convolution too large for BLAS (matrix sizes must fit in int)")
    p.direct = p.kvol == 1 and all(p.g.stride[i] == 1 and p.g.pad[i] == 0 and
                                   p.g.size[i] == p.g.out[i] for i in range(3))
    # a fixed number of partial weight gradients (at most 16, at most 64 MB of them)
    p.wchunks = max(1, min(a.N, 16, (1 << 24) // max(1, p.out_channels * p.g.channels * p.kvol)))
    return 0


cdef int _run_forward(const ConvPlan* p, Tensor img, Tensor w, Tensor bias, Tensor out) except -1:
    """out = conv(img, w) + bias on contiguous tensors of one compute dtype."""
    cdef void* col = NULL
    cdef void* tmp = NULL
    cdef int nt
    cdef Py_ssize_t itemsize = out._dtype.itemsize
    cdef char* bp = bias._data if bias is not None else NULL
    if is_cuda(out):
        return _run_forward_cuda(p, img, w, bias, out)
    _load_blas()
    nt = _sample_threads(p, p.batch)
    col = _scratch(_per_thread(p) * nt * itemsize)
    try:
        with nogil:
            if itemsize == 4:
                _forward_samples(p, <float*>img._data, <float*>w._data, <float*>bp,
                                 <float*>out._data, <float*>col, nt)
            else:
                _forward_samples(p, <double*>img._data, <double*>w._data, <double*>bp,
                                 <double*>out._data, <double*>col, nt)
    finally:
        _scratch_done(col)
    return 0


cdef int _run_backward(const ConvPlan* p, Tensor gout, Tensor img, Tensor w, Tensor gimg,
                       Tensor gw) except -1:
    """gimg = input gradient, gw = weight gradient (either may be None)."""
    cdef void* col = NULL
    cdef void* parts = NULL
    cdef Py_ssize_t itemsize = gout._dtype.itemsize
    cdef Py_ssize_t nchunks = p.wchunks if gw is not None else p.batch
    cdef int nt
    cdef Py_ssize_t col_bytes, part_bytes
    cdef char* ip = img._data if img is not None else NULL
    cdef char* wp = w._data if w is not None else NULL
    cdef char* gip = gimg._data if gimg is not None else NULL
    cdef char* gwp = gw._data if gw is not None else NULL
    if is_cuda(gout):
        return _run_backward_cuda(p, gout, img, w, gimg, gw)
    _load_blas()
    nt = _sample_threads(p, nchunks)
    col_bytes = _per_thread(p) * nt * itemsize
    part_bytes = nchunks * gw._numel * itemsize if gw is not None else 0
    col = _scratch(col_bytes + part_bytes)
    try:
        if gw is not None:              # the partial weight gradients follow the columns
            parts = <char*>col + col_bytes
            memset(parts, 0, part_bytes)
        with nogil:
            if itemsize == 4:
                _backward_samples(p, <float*>gout._data, <float*>ip, <float*>wp, <float*>gip,
                                  <float*>gwp, <float*>parts, <float*>col, nt)
            else:
                _backward_samples(p, <double*>gout._data, <double*>ip, <double*>wp,
                                  <double*>gip, <double*>gwp, <double*>parts, <double*>col, nt)
    finally:
        _scratch_done(col)
    return 0



# ----- the GPU path (conv.cu + pyt_cuda_gemm_tf32) --------------------------------------------
# The same plan, batched by chunks of samples. The columns of a chunk are laid out
# [row][sample][L] (rows (channel, kernel offset)), so that each product spans the whole
# chunk: one launch per chunk (its groups batched), with cnt * L columns however small L is
# (a product per sample was a launch each, and deep layers' L of 16 made thin ones). The
# products' [channel][sample][L] sides are swapped to and from the tensors'
# [sample][channel][L] by conv.cu (the forward's bias added on the way). col2im gathers
# (no atomics), so the input gradient is deterministic. A 1x1 stride-1 convolution reads
# and writes the tensors directly, one product per sample in a strided batch.

cdef object _cudnn = None


cdef bint _conv_tf32() except -1:
    """pyt.backends.cudnn.allow_tf32 (True unless set): TensorFloat-32 in float32
    convolutions on the GPU, as torch's cuDNN convolutions default to."""
    global _cudnn
    if _cudnn is None:
        import pyt.backends.cudnn as cudnn
        _cudnn = cudnn
    return bool(_cudnn.allow_tf32)


cdef Tensor _new_on(object shape, DType dt, bint zeroed, Tensor like):
    """_new on like's device."""
    cdef Py_ssize_t sizes[PYT_MAX_DIMS]
    cdef int i, n = len(shape)
    for i in range(n):
        sizes[i] = shape[i]
    return new_empty(n, sizes, dt, like._device, zeroed)


cdef void _cuda_geom(const ConvPlan* p, int64_t* geom) noexcept:
    """conv.cu's geometry of a whole image (all groups' channels)."""
    cdef int i
    geom[0] = p.channels
    for i in range(3):
        geom[1 + i] = p.g.size[i]
        geom[4 + i] = p.g.out[i]
        geom[7 + i] = p.g.k[i]
        geom[10 + i] = p.g.stride[i]
        geom[13 + i] = p.g.pad[i]
        geom[16 + i] = p.g.dil[i]


cdef Py_ssize_t _cuda_chunk(const ConvPlan* p) noexcept:
    """Samples per chunk: at most 2^26 elements in its column buffer and in its
    [channel][sample][L] output (gradient) buffer (one sample at least)."""
    cdef Py_ssize_t per = max(p.channels * p.kvol, p.out_channels) * p.col_len
    if per <= 0:
        return p.batch if p.batch > 0 else 1
    return max(1, min(p.batch, (1 << 26) // per))


cdef int _run_forward_cuda(const ConvPlan* p, Tensor img, Tensor w, Tensor bias,
                           Tensor out) except -1:
    cdef int64_t geom[19]
    cdef int code = out._dtype.code, rc = 0, tf32 = _conv_tf32()
    cdef Py_ssize_t G = p.groups, Og = p.out_channels // p.groups, L = p.col_len
    cdef Py_ssize_t CK = p.g.channels * p.kvol, C = p.channels, O = p.out_channels
    cdef Py_ssize_t isz = out._dtype.itemsize, nb, n0, grp, cnt
    cdef Py_ssize_t imgstride = C * p.img_len
    cdef char* ip = img._data
    cdef char* wp = w._data
    cdef char* op = out._data
    cdef char* bp = bias._data if bias is not None else NULL
    cdef char* colp = NULL
    cdef char* otp = NULL
    cdef char cN = 78                   # 'N'
    cdef Tensor col = None, out_t = None
    if out._numel == 0:
        return 0
    _cuda_geom(p, geom)
    nb = _cuda_chunk(p)
    if not p.direct:
        col = _new_on([nb * CK * G * L], out._dtype, False, out)
        out_t = _new_on([nb * O * L], out._dtype, False, out)
        colp = col._data
        otp = out_t._data
    n0 = 0
    while n0 < p.batch:
        cnt = min(nb, p.batch - n0)
        with nogil:
            if p.direct:                # out[n] = W @ img[n], per group
                grp = 0
                while rc == 0 and grp < G:
                    rc = pyt_cuda_gemm_tf32(tf32, code, cN, cN, L, Og, CK, 1.0,
                                            ip + (n0 * C + grp * CK) * L * isz, L, C * L,
                                            wp + grp * Og * CK * isz, CK, 0, 0.0,
                                            op + (n0 * O + grp * Og) * L * isz, L, O * L, cnt)
                    grp += 1
            else:                       # out_t [Og, cnt L] = W @ cols [CK, cnt L], per group
                rc = pyt_cuda_im2col(code, ip + n0 * imgstride * isz, colp, geom, cnt,
                                     imgstride, L, cnt * L)
                if rc == 0:
                    rc = pyt_cuda_gemm_tf32(tf32, code, cN, cN, cnt * L, Og, CK, 1.0, colp,
                                            cnt * L, CK * cnt * L, wp, CK, Og * CK, 0.0, otp,
                                            cnt * L, Og * cnt * L, G)
                if rc == 0:
                    rc = pyt_cuda_swap_leading(code, otp, op + n0 * O * L * isz, bp, O, cnt, L)
        cuda_check(rc, "convolution")
        n0 += cnt
    if bias is not None and p.direct:
        with nogil:
            rc = pyt_cuda_channel_bias(code, op, bp, p.batch, O, L)
        cuda_check(rc, "convolution")
    return 0


cdef int _run_backward_cuda(const ConvPlan* p, Tensor gout, Tensor img, Tensor w, Tensor gimg,
                            Tensor gw) except -1:
    """gw must hold zeros (the products add into it)."""
    cdef int64_t geom[19]
    cdef int code = gout._dtype.code, rc = 0, tf32 = _conv_tf32()
    cdef Py_ssize_t G = p.groups, Og = p.out_channels // p.groups, L = p.col_len
    cdef Py_ssize_t CK = p.g.channels * p.kvol, C = p.channels, O = p.out_channels
    cdef Py_ssize_t isz = gout._dtype.itemsize, nb, n0, grp, cnt
    cdef Py_ssize_t imgstride = C * p.img_len
    cdef char* gp = gout._data
    cdef char* ip = img._data if img is not None else NULL
    cdef char* wp = w._data if w is not None else NULL
    cdef char* gip = gimg._data if gimg is not None else NULL
    cdef char* gwp = gw._data if gw is not None else NULL
    cdef char* colp = NULL
    cdef char* gtp = NULL
    cdef char cN = 78, cT = 84          # 'N', 'T'
    cdef Tensor col = None, gout_t = None
    if gip != NULL and gimg._numel == 0:
        gip = NULL
    if gip == NULL and gwp == NULL:
        return 0
    _cuda_geom(p, geom)
    nb = _cuda_chunk(p)
    if gwp != NULL or not p.direct:     # the columns, and gout as [O][cnt][L]
        col = _new_on([nb * CK * G * L], gout._dtype, False, gout)
        gout_t = _new_on([nb * O * L], gout._dtype, False, gout)
        colp = col._data
        gtp = gout_t._data
    n0 = 0
    while n0 < p.batch:
        cnt = min(nb, p.batch - n0)
        with nogil:
            if gtp != NULL:
                rc = pyt_cuda_swap_leading(code, gp + n0 * O * L * isz, gtp, NULL, cnt, O, L)
            if rc == 0 and gwp != NULL:     # gw^T [CK, Og] += cols [CK, cnt L] @ gout_t^T
                rc = pyt_cuda_im2col(code, ip + n0 * imgstride * isz, colp, geom, cnt,
                                     imgstride, L, cnt * L)
                if rc == 0:
                    rc = pyt_cuda_gemm_tf32(tf32, code, cT, cN, CK, Og, cnt * L, 1.0, colp,
                                            cnt * L, CK * cnt * L, gtp, cnt * L, Og * cnt * L,
                                            1.0, gwp, CK, Og * CK, G)
            if rc == 0 and gip != NULL and p.direct:    # gimg[n] = W^T @ gout[n]
                grp = 0
                while rc == 0 and grp < G:
                    rc = pyt_cuda_gemm_tf32(tf32, code, cN, cT, L, CK, Og, 1.0,
                                            gp + (n0 * O + grp * Og) * L * isz, L, O * L,
                                            wp + grp * Og * CK * isz, CK, 0, 0.0,
                                            gip + (n0 * C + grp * CK) * L * isz, L, C * L,
                                            cnt)
                    grp += 1
            elif rc == 0 and gip != NULL:   # cols [CK, cnt L] = W^T @ gout_t, then col2im
                rc = pyt_cuda_gemm_tf32(tf32, code, cN, cT, cnt * L, CK, Og, 1.0, gtp,
                                        cnt * L, Og * cnt * L, wp, CK, Og * CK, 0.0, colp,
                                        cnt * L, CK * cnt * L, G)
                if rc == 0:
                    rc = pyt_cuda_col2im(code, colp, gip + n0 * imgstride * isz, geom, cnt,
                                         imgstride, L, cnt * L)
        cuda_check(rc, "convolution_backward")
        n0 += cnt
    return 0


cdef int _check_conv_devices(tuple tensors) except -1:
    """All tensors of a convolution on one device (no CPU scalar exception here)."""
    cdef object dev = None
    for x in tensors:
        if isinstance(x, Tensor):
            if dev is None:
                dev = (<Tensor>x)._device
            elif (<Tensor>x)._device is not dev and (<Tensor>x)._device != dev:
                raise RuntimeError(f"Expected all tensors to be on the same device, but found "
                                   f"at least two devices, {dev} and {(<Tensor>x)._device}!")
    return 0


cdef Tensor _bias_grad(Tensor g, Py_ssize_t N, Py_ssize_t C, Py_ssize_t L):
    cdef Tensor out
    if is_cuda(g):                      # the GPU's reductions: a sum over N and L
        return contiguous(<Tensor>(_reshaped(g, [N, C, L]).sum((0, 2))))
    out = _new([C], g._dtype, False)
    with nogil:
        if g._dtype.code == PYT_FLOAT32:
            _channel_sums(<float*>g._data, <float*>out._data, N, C, L)
        else:
            _channel_sums(<double*>g._data, <double*>out._data, N, C, L)
    return out


# ----- argument checks ----------------------------------------------------------------------

cdef _ConvArgs _conv_args(object input, object weight, object bias, object stride,
                          object padding, object dilation, object groups, bint transposed,
                          object output_padding, str op):
    """Checks a convolution call like torch and computes its sizes."""
    cdef Tensor x = _tensor_arg(input, "input", op)
    cdef Tensor w = _tensor_arg(weight, "weight", op)
    cdef Tensor b = None
    cdef _ConvArgs a = _ConvArgs.__new__(_ConvArgs)
    cdef int k, i
    cdef Py_ssize_t wc, expected_c, total, padded, ksize
    if bias is not None:
        b = _tensor_arg(bias, "bias", op)
    if w._ndim < 3:
        raise RuntimeError("weight should have at least three dimensions")
    k = w._ndim - 2
    if k > 3:
        raise RuntimeError(f"pyt supports 1-D, 2-D and 3-D convolutions, but got a weight "
                           f"of size {_shape(w)}")
    if op is None:
        op = ("conv_transpose%dd" if transposed else "conv%dd") % k
    if x._ndim != k + 1 and x._ndim != k + 2:
        raise RuntimeError(f"Expected {k + 1}D (unbatched) or {k + 2}D (batched) input to "
                           f"{op}, but got input of size: {_shape(x)}")
    a.k = k
    a.transposed = transposed
    a.batched = x._ndim == k + 2
    in_shape = _shape(x) if a.batched else [1] + _shape(x)
    a.w_shape = _shape(w)
    strides = _ntuple(stride, k, "stride", op)
    dils = _ntuple(dilation, k, "dilation", op)
    if strides is None:
        raise RuntimeError(f"expected stride to be a single integer value or a list of {k} "
                           f"values to match the convolution dimensions, but got "
                           f"stride={list(stride)}")
    if dils is None:
        raise RuntimeError(f"expected dilation to be a single integer value or a list of {k} "
                           f"values to match the convolution dimensions, but got "
                           f"dilation={list(dilation)}")
    if isinstance(padding, str):
        if transposed:
            raise TypeError(f"{op}(): argument 'padding' must be tuple of ints, not str")
        if padding == "valid":
            pads = (0,) * k
        elif padding == "same":
            if any(s != 1 for s in strides):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = None
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        pads = _ntuple(padding, k, "padding", op)
        if pads is None:
            raise RuntimeError(f"expected padding to be a single integer value or a list of "
                               f"{k} values to match the convolution dimensions, but got "
                               f"padding={list(padding)}")
    if not _is_int(groups):
        raise TypeError(f"{op}(): argument 'groups' must be int, not {type(groups).__name__}")
    a.groups = groups
    if any(s <= 0 for s in strides):
        raise RuntimeError("non-positive stride is not supported")
    if pads is not None and any(q < 0 for q in pads):
        raise RuntimeError("negative padding is not supported")
    if any(d <= 0 for d in dils):
        raise RuntimeError("non-positive dilation is not supported")
    if a.groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    opads = (0,) * k
    if transposed:
        opads = _ntuple(output_padding, k, "output_padding", op)
        if opads is None:
            raise RuntimeError(f"expected output_padding to be a single integer value or a "
                               f"list of {k} values to match the convolution dimensions, but "
                               f"got output_padding={list(output_padding)}")
        if any(q < 0 for q in opads):
            raise RuntimeError("negative output_padding is not supported")
        if any(opads[i] >= strides[i] and opads[i] >= dils[i] for i in range(k)):
            names = ("depth", "height", "width")[3 - k:] if k > 1 else ("width",)
            raise RuntimeError(
                "output padding must be smaller than either stride or dilation, but got " +
                " ".join([f"output_padding_{n}: {v}" for n, v in zip(names, opads)]) + " " +
                " ".join([f"stride_{n}: {v}" for n, v in zip(names, strides)]) + " " +
                " ".join([f"dilation_{n}: {v}" for n, v in zip(names, dils)]))
    # dtypes
    if x._dtype is not w._dtype:
        raise RuntimeError(f"Input type ({x._dtype.name}) and weight type ({w._dtype.name}) "
                           f"should be the same")
    if b is not None and b._dtype is not x._dtype:
        raise RuntimeError(f"Input type ({x._dtype.name}) and bias type ({b._dtype.name}) "
                           f"should be the same")
    if x._dtype.code == PYT_BOOL:
        raise NotImplementedError(f'"{op}" not implemented for \'Bool\'')
    a.dtype = x._dtype
    a.cdt = _f32 if x._dtype.is_floating_point and x._dtype.code != PYT_FLOAT64 else _f64
    # channels, groups, bias
    if w._shape[0] < a.groups:
        raise RuntimeError(f"Given groups={a.groups}, expected weight to be at least "
                           f"{a.groups} at dimension 0, but got weight of size {a.w_shape} "
                           f"instead")
    if w._shape[0] % a.groups != 0:
        raise RuntimeError(f"Given groups={a.groups}, expected weight to be divisible by "
                           f"{a.groups} at dimension 0, but got weight of size {a.w_shape} "
                           f"instead")
    a.N = in_shape[0]
    a.C = in_shape[1]
    if transposed:
        expected_c = w._shape[0]
        a.O = w._shape[1] * a.groups
        if a.C != expected_c:
            raise RuntimeError(f"Given transposed=1, weight of size {a.w_shape}, expected "
                               f"input{in_shape} to have {expected_c} channels, but got "
                               f"{a.C} channels instead")
    else:
        expected_c = w._shape[1] * a.groups
        a.O = w._shape[0]
        if a.C != expected_c:
            raise RuntimeError(f"Given groups={a.groups}, weight of size {a.w_shape}, "
                               f"expected input{in_shape} to have {expected_c} channels, "
                               f"but got {a.C} channels instead")
    if b is not None and (b._ndim != 1 or b._shape[0] != a.O):
        raise RuntimeError(f"Given {'transposed=1, ' if transposed else ''}weight of size "
                           f"{a.w_shape}, expected bias to be 1-dimensional with {a.O} "
                           f"elements, but got bias of size {_shape(b)} instead")
    # spatial sizes
    pad_hi = []
    for i in range(k):
        a.insz[i] = in_shape[2 + i]
        a.ksz[i] = w._shape[2 + i]
        a.stride[i] = strides[i]
        a.dil[i] = dils[i]
        total = a.dil[i] * (a.ksz[i] - 1)
        if pads is None:                # 'same': any odd padding goes after
            a.pad[i] = total // 2
            pad_hi.append(total - total // 2)
        else:
            a.pad[i] = pads[i]
            pad_hi.append(pads[i])
    if transposed:
        for i in range(k):
            a.outsz[i] = ((a.insz[i] - 1) * a.stride[i] - 2 * a.pad[i] +
                          a.dil[i] * (a.ksz[i] - 1) + opads[i] + 1)
        if any(a.outsz[i] <= 0 for i in range(k)):
            raise RuntimeError(
                f"Given input size per channel: ({_dims_str(in_shape[2:], ' x ')}). "
                f"Calculated output size per channel: "
                f"({_dims_str([a.outsz[i] for i in range(k)], ' x ')}). "
                f"Output size is too small")
    else:
        padded = 0
        for i in range(k):
            ksize = a.dil[i] * (a.ksz[i] - 1) + 1
            if a.insz[i] + a.pad[i] + pad_hi[i] < ksize:
                raise RuntimeError(
                    f"Calculated padded input size per channel: "
                    f"({_dims_str([a.insz[j] + a.pad[j] + pad_hi[j] for j in range(k)], ' x ')}). "
                    f"Kernel size: ({_dims_str([a.dil[j] * (a.ksz[j] - 1) + 1 for j in range(k)], ' x ')}). "
                    f"Kernel size can't be greater than actual input size")
            a.outsz[i] = (a.insz[i] + a.pad[i] + pad_hi[i] - ksize) // a.stride[i] + 1
    _fill_plan(&a.plan, a)
    return a


cdef Tensor _check_grad_output(object grad_output, _ConvArgs a, str op):
    cdef Tensor g = _tensor_arg(grad_output, "grad_output", op)
    expected = a.out_shape() if a.batched else a.out_shape()[1:]
    if _shape(g) != expected:
        raise RuntimeError(f"{op}: expected grad_output of size {expected}, but got "
                           f"{_shape(g)}")
    if g._dtype is not a.dtype:
        raise RuntimeError(f"{op}: expected grad_output of dtype {a.dtype.name}, but got "
                           f"{g._dtype.name}")
    return _reshaped(_as(g, a.cdt), a.out_shape())


cdef Tensor _finish(Tensor r, _ConvArgs a, bint drop_batch):
    """r in the op's dtype, without the batch dim for an unbatched call."""
    r = _cast(r, a.dtype)
    if drop_batch and not a.batched:
        r = _reshaped(contiguous(r), _shape(r)[1:])
    return r


# ----- the three products, native and recorded ----------------------------------------------
# With P the plan's convolution (image -> columns, by weight w), every op here is one of
#     F(img, w)  = P_w(img)                     conv forward
#     Bi(col, w) = P_w^T(col)                   input gradient, transposed conv forward
#     Bw(col, img): <Bw(col, img), w> = <col, P_w(img)>    weight gradient
# all bilinear, and each one's derivatives are the other two: recorded, they give
# derivatives of every order. Tensors are batched, in the op's dtype.

cdef enum:
    _CONV_F = 0
    _CONV_BI = 1
    _CONV_BW = 2


cdef Tensor _conv_cols(_ConvArgs a, Tensor img, Tensor w, Tensor bias):
    """F: the plan's convolution of img by w, plus bias per column channel."""
    cdef Tensor x = _reshaped(_as(img, a.cdt), a.img_shape())
    cdef Tensor wc = _as(w, a.cdt)
    cdef Tensor b = _as(bias, a.cdt) if bias is not None else None
    cdef Tensor out = _new_on(a.col_shape(), a.cdt, False, x)
    _run_forward(&a.plan, x, wc, b, out)
    return _cast(out, a.dtype)


cdef Tensor _conv_img(_ConvArgs a, Tensor col, Tensor w, Tensor bias):
    """Bi: the plan's adjoint of col through w, plus bias per image channel."""
    cdef Tensor g = _reshaped(_as(col, a.cdt), a.col_shape())
    cdef Tensor wc = _as(w, a.cdt)
    cdef Tensor out = _new_on(a.img_shape(), a.cdt, False, g)
    cdef Tensor b
    cdef int rc
    _run_backward(&a.plan, g, None, wc, out, None)
    if bias is not None:
        b = _as(bias, a.cdt)
        if is_cuda(out):
            with nogil:
                rc = pyt_cuda_channel_bias(a.cdt.code, out._data, b._data, a.N, a.plan.channels,
                                           a.plan.img_len)
            cuda_check(rc, "conv_transpose")
            return _cast(out, a.dtype)
        with nogil:
            if a.cdt.code == PYT_FLOAT32:
                _add_channel_bias(<float*>out._data, <float*>b._data, a.N, a.plan.channels,
                                  a.plan.img_len)
            else:
                _add_channel_bias(<double*>out._data, <double*>b._data, a.N, a.plan.channels,
                                  a.plan.img_len)
    return _cast(out, a.dtype)


cdef Tensor _conv_weight(_ConvArgs a, Tensor col, Tensor img):
    """Bw: the plan's weight gradient for columns col and image img."""
    cdef Tensor g = _reshaped(_as(col, a.cdt), a.col_shape())
    cdef Tensor x = _reshaped(_as(img, a.cdt), a.img_shape())
    cdef Tensor gw = _new_on(a.w_shape, a.cdt, is_cuda(g), g)
    _run_backward(&a.plan, g, x, None, None, gw)
    return _cast(gw, a.dtype)


cdef Tensor _conv_native(int kind, _ConvArgs a, Tensor u, Tensor v, Tensor bias):
    if kind == _CONV_F:
        return _conv_cols(a, u, v, bias)
    if kind == _CONV_BI:
        return _conv_img(a, u, v, bias)
    return _conv_weight(a, u, v)


cdef Tensor _conv_op(int kind, _ConvArgs a, Tensor u, Tensor v, Tensor bias, str name):
    """F(img=u, w=v), Bi(col=u, w=v) or Bw(col=u, img=v), recorded when an input needs a
    gradient."""
    cdef Tensor r
    cdef Node node
    if not _wants_grad((u, v, bias)):
        return _conv_native(kind, a, u, v, bias)
    set_grad_enabled_flag(False)
    try:
        r = _conv_native(kind, a, u, v, bias)
    finally:
        set_grad_enabled_flag(True)
    node = _record(name, _conv_op_backward, (u, v, bias), (r,))
    node.save(u, v)
    node.ctx = (kind, a)
    return r


cdef tuple _conv_op_backward(Node node, tuple grads):
    cdef int kind
    cdef _ConvArgs a
    kind, a = node.ctx
    u, v = node.saved_values()
    cdef Tensor g = grads[0]
    need = _needs(node)
    name = "ConvolutionBackward0" if node._name.endswith("BackwardBackward0") else \
        "ConvolutionBackwardBackward0"
    gu = gv = gb = None
    if kind == _CONV_F:                 # r = F(img, w) + bias
        if not grad_enabled():          # first order: one fused native pass
            return _conv_grads_native(a, g, u, v, need[0], need[1], need[2])
        if need[0]:
            gu = _conv_op(_CONV_BI, a, g, v, None, name)
        if need[1]:
            gv = _conv_op(_CONV_BW, a, g, u, None, name)
        if need[2]:
            gb = _channel_grad(g)
    elif kind == _CONV_BI:              # r = Bi(col, w) + bias, image-shaped
        if need[0]:
            gu = _conv_op(_CONV_F, a, g, v, None, name)
        if need[1]:
            gv = _conv_op(_CONV_BW, a, u, g, None, name)
        if need[2]:
            gb = _channel_grad(g)
    else:                               # r = Bw(col, img), weight-shaped
        if need[0]:
            gu = _conv_op(_CONV_F, a, v, g, None, name)
        if need[1]:
            gv = _conv_op(_CONV_BI, a, u, g, None, name)
    return (gu, gv, gb)


cdef Tensor _channel_grad(Tensor g):
    """A bias's gradient: g summed over every dim but 1 (native unless recording)."""
    cdef Py_ssize_t L = 1
    cdef int i
    if grad_enabled():
        return g.sum(tuple([0] + list(range(2, g._ndim))))
    for i in range(2, g._ndim):
        L *= g._shape[i]
    return _cast(_bias_grad(_as(g, _compute_dtype(g._dtype)), g._shape[0], g._shape[1], L),
                 g._dtype)


cdef tuple _conv_grads_native(_ConvArgs a, Tensor g, Tensor x, Tensor w, bint need_input,
                              bint need_weight, bint need_bias):
    """(grad_input, grad_weight, grad_bias) of a convolution (batched), input and weight
    gradients in one native pass."""
    cdef Tensor gc = _reshaped(_as(g, a.cdt), a.col_shape())
    cdef Tensor gi = _new_on(a.img_shape(), a.cdt, False, gc) if need_input else None
    cdef Tensor gw = _new_on(a.w_shape, a.cdt, is_cuda(gc), gc) if need_weight else None
    cdef Tensor gb = None
    if gi is not None or gw is not None:
        _run_backward(&a.plan, gc, _reshaped(_as(x, a.cdt), a.img_shape()), _as(w, a.cdt), gi,
                      gw)
    if need_bias:
        gb = _cast(_bias_grad(gc, a.N, a.O, a.plan.col_len), a.dtype)
    return (_cast(gi, a.dtype) if gi is not None else None,
            _cast(gw, a.dtype) if gw is not None else None, gb)


cdef Tensor _batched(Tensor t, _ConvArgs a):
    return t if a.batched else t.unsqueeze(0)


cdef object _unbatched(object t, _ConvArgs a):
    return t if a.batched or t is None else (<Tensor>t).squeeze(0)


# ----- public API ---------------------------------------------------------------------------

def conv_forward(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Convolution over 1, 2 or 3 spatial dims (the weight's rank decides): torch's
    conv1d / conv2d / conv3d. padding is ints, 'same' or 'valid'."""
    _check_conv_devices((input, weight, bias))
    return _convolution(input, weight, bias, stride, padding, dilation, groups, None)


cdef Tensor _convolution(object input, object weight, object bias, object stride,
                         object padding, object dilation, object groups, str op):
    cdef _ConvArgs a = _conv_args(input, weight, bias, stride, padding, dilation, groups,
                                  False, 0, op)
    if _wants_grad((input, weight, bias)):
        return _unbatched(_conv_op(_CONV_F, a, _batched(<Tensor>input, a), weight, bias,
                                   "ConvolutionBackward0"), a)
    return _finish(_conv_cols(a, input, weight, bias), a, True)


def conv_backward(grad_output, input, weight, stride=1, padding=0, dilation=1, groups=1,
                  output_mask=(True, True, True)):
    """Gradients of conv_forward: (grad_input, grad_weight, grad_bias), each None
    where output_mask says so. Recorded when its inputs need gradients."""
    _check_conv_devices((grad_output, input, weight))
    cdef _ConvArgs a = _conv_args(input, weight, None, stride, padding, dilation, groups,
                                  False, 0, "conv_backward")
    cdef Tensor g = _check_grad_output(grad_output, a, "conv_backward")
    cdef Tensor x = _batched(<Tensor>input, a)
    if not _wants_grad((grad_output, input, weight)):
        gi, gw, gb = _conv_grads_native(a, g, x, weight, output_mask[0], output_mask[1],
                                        output_mask[2])
        return (_unbatched(gi, a), gw, gb)
    g = _batched(<Tensor>grad_output, a)
    return (_unbatched(_conv_op(_CONV_BI, a, g, weight, None, "ConvolutionBackwardBackward0"), a)
            if output_mask[0] else None,
            _conv_op(_CONV_BW, a, g, x, None, "ConvolutionBackwardBackward0")
            if output_mask[1] else None,
            _channel_grad(g) if output_mask[2] else None)


def conv_transpose_forward(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                           groups=1, dilation=1):
    """Transposed convolution over 1, 2 or 3 spatial dims: torch's conv_transpose*d.
    weight is [in_channels, out_channels / groups, *kernel]."""
    _check_conv_devices((input, weight, bias))
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, None)


cdef Tensor _conv_transpose(object input, object weight, object bias, object stride,
                            object padding, object output_padding, object groups,
                            object dilation, str op):
    cdef _ConvArgs a = _conv_args(input, weight, bias, stride, padding, dilation, groups,
                                  True, output_padding, op)
    if _wants_grad((input, weight, bias)):
        return _unbatched(_conv_op(_CONV_BI, a, _batched(<Tensor>input, a), weight, bias,
                                   "ConvolutionBackward0"), a)
    return _finish(_conv_img(a, input, weight, bias), a, True)


def conv_transpose_backward(grad_output, input, weight, stride=1, padding=0,
                            output_padding=0, groups=1, dilation=1,
                            output_mask=(True, True, True)):
    """Gradients of conv_transpose_forward: (grad_input, grad_weight, grad_bias)."""
    _check_conv_devices((grad_output, input, weight))
    cdef _ConvArgs a = _conv_args(input, weight, None, stride, padding, dilation, groups,
                                  True, output_padding, "conv_transpose_backward")
    cdef Tensor g
    cdef Tensor x = _batched(<Tensor>input, a)
    _check_grad_output(grad_output, a, "conv_transpose_backward")
    g = _batched(<Tensor>grad_output, a)
    name = "ConvolutionBackwardBackward0"
    return (_unbatched(_conv_op(_CONV_F, a, g, weight, None, name), a)  # the adjoint's adjoint
            if output_mask[0] else None,
            _conv_op(_CONV_BW, a, x, g, None, name) if output_mask[1] else None,
            _channel_grad(g) if output_mask[2] else None)


cdef int _check_weight_rank(object weight, int k, str op) except -1:
    if isinstance(weight, Tensor) and (<Tensor>weight)._ndim != k + 2:
        if (<Tensor>weight)._ndim < 3:
            raise RuntimeError("weight should have at least three dimensions")
        raise RuntimeError(f"{op}: expected a {k + 2}-dimensional weight, but got weight of "
                           f"size {_shape(<Tensor>weight)}")
    return 0


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution over an input [N, C, L] or [C, L]."""
    _check_conv_devices((input, weight, bias))
    _check_weight_rank(weight, 1, "conv1d")
    return _convolution(input, weight, bias, stride, padding, dilation, groups, "conv1d")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution over an input [N, C, H, W] or [C, H, W]."""
    _check_conv_devices((input, weight, bias))
    _check_weight_rank(weight, 2, "conv2d")
    return _convolution(input, weight, bias, stride, padding, dilation, groups, "conv2d")


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution over an input [N, C, D, H, W] or [C, D, H, W]."""
    _check_conv_devices((input, weight, bias))
    _check_weight_rank(weight, 3, "conv3d")
    return _convolution(input, weight, bias, stride, padding, dilation, groups, "conv3d")


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    _check_conv_devices((input, weight, bias))
    _check_weight_rank(weight, 1, "conv_transpose1d")
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, "conv_transpose1d")


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    _check_conv_devices((input, weight, bias))
    _check_weight_rank(weight, 2, "conv_transpose2d")
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, "conv_transpose2d")


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    _check_conv_devices((input, weight, bias))
    _check_weight_rank(weight, 3, "conv_transpose3d")
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, "conv_transpose3d")


# ----- unfold / fold (im2col / col2im as ops) ----------------------------------------------

cdef tuple _fold_params(object kernel_size, object dilation, object padding, object stride,
                        str op):
    ks = _ntuple(kernel_size, 2, "kernel_size", op)
    dl = _ntuple(dilation, 2, "dilation", op)
    pd = _ntuple(padding, 2, "padding", op)
    st = _ntuple(stride, 2, "stride", op)
    for name, v in (("kernel_size", ks), ("dilation", dl), ("padding", pd), ("stride", st)):
        if v is None:
            given = kernel_size if name == "kernel_size" else (
                dilation if name == "dilation" else (padding if name == "padding" else stride))
            raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(given)}")
    if ks[0] <= 0 or ks[1] <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: "
                           f"{ks[0]} kernel_width: {ks[1]}")
    if dl[0] <= 0 or dl[1] <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: "
                           f"{dl[0]} dilation_width: {dl[1]}")
    if pd[0] < 0 or pd[1] < 0:
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {pd[0]} "
                           f"pad_width: {pd[1]}")
    if st[0] <= 0 or st[1] <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: "
                           f"{st[0]} stride_width: {st[1]}")
    return ks, dl, pd, st


cdef int _fold_geom(pyt_im2col_geom* g, Py_ssize_t C, object size, tuple ks, tuple dl,
                    tuple pd, tuple st) except -1:
    cdef int i
    g.channels = C
    g.size[0] = g.out[0] = g.k[0] = g.stride[0] = g.dil[0] = 1
    g.pad[0] = 0
    for i in range(2):
        g.size[1 + i] = size[i]
        g.k[1 + i] = ks[i]
        g.dil[1 + i] = dl[i]
        g.pad[1 + i] = pd[i]
        g.stride[1 + i] = st[i]
        g.out[1 + i] = (size[i] + 2 * pd[i] - dl[i] * (ks[i] - 1) - 1) // st[i] + 1
    return 0


cdef void _unfold_kernel(const real* x, real* cols, const pyt_im2col_geom* g, Py_ssize_t N,
                         bint fold) noexcept nogil:
    """unfold: cols[n] = im2col(x[n]); fold: x[n] += col2im(cols[n])."""
    cdef Py_ssize_t n
    cdef Py_ssize_t img = g.channels * g.size[1] * g.size[2]
    cdef Py_ssize_t L = g.out[1] * g.out[2], rows = g.channels * g.k[1] * g.k[2]
    cdef int nt = _threads_for(N * rows * L)
    if nt > 1 and N > 1:
        for n in prange(N, num_threads=nt, schedule="static"):
            if fold:
                _col2im(cols + n * rows * L, <real*>x + n * img, g, L)
            else:
                _im2col(x + n * img, cols + n * rows * L, g, L)
    else:
        for n in range(N):
            if fold:
                _col2im(cols + n * rows * L, <real*>x + n * img, g, L)
            else:
                _im2col(x + n * img, cols + n * rows * L, g, L)


cdef int _unfold_cuda(Tensor im, Tensor cols, const pyt_im2col_geom* g, Py_ssize_t N,
                      bint fold) except -1:
    """conv.cu's im2col (unfold: cols from im) or col2im (fold: im, overwritten, from cols)
    over N samples of contiguous tensors on one device."""
    cdef int64_t geom[19]
    cdef int i, rc, code = im._dtype.code
    cdef Py_ssize_t L = g.out[1] * g.out[2], rows = g.channels * g.k[1] * g.k[2]
    cdef Py_ssize_t img = g.channels * g.size[1] * g.size[2]
    geom[0] = g.channels
    for i in range(3):
        geom[1 + i] = g.size[i]
        geom[4 + i] = g.out[i]
        geom[7 + i] = g.k[i]
        geom[10 + i] = g.stride[i]
        geom[13 + i] = g.pad[i]
        geom[16 + i] = g.dil[i]
    with nogil:
        if fold:
            rc = pyt_cuda_col2im(code, cols._data, im._data, geom, N, img, rows * L, L)
        else:
            rc = pyt_cuda_im2col(code, im._data, cols._data, geom, N, img, rows * L, L)
    cuda_check(rc, "fold" if fold else "unfold")
    return 0


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding local blocks of a [N, C, H, W] (or [C, H, W]) input as columns
    [N, C * kh * kw, L]: torch.nn.functional.unfold. Its gradient is fold."""
    cdef Tensor x = _tensor_arg(input, "input", "unfold")
    cdef pyt_im2col_geom g
    cdef Tensor xc, cols
    if x._ndim != 3 and x._ndim != 4:
        raise RuntimeError(f"Input Error: Only 3D or 4D input Tensors are supported "
                           f"(got {x._ndim}D)")
    if _tracks(x):
        params = (kernel_size, dilation, padding, stride)
        return _linear(x, _bind(unfold, params), "Im2ColBackward0",
                       _bind(fold, ((x._shape[x._ndim - 2], x._shape[x._ndim - 1]),) + params),
                       "Col2ImBackward0")
    ks, dl, pd, st = _fold_params(kernel_size, dilation, padding, stride, "unfold")
    shape = _shape(x) if x._ndim == 4 else [1] + _shape(x)
    if shape[1] == 0 or shape[2] == 0 or shape[3] == 0:
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with optional 0 dim batch "
                           f"size for input, but got: {_shape(x)}")
    _fold_geom(&g, shape[1], shape[2:], ks, dl, pd, st)
    if g.out[1] < 1 or g.out[2] < 1:
        raise RuntimeError(f"Given input with spatial size ({shape[2]}, {shape[3]}), "
                           f"kernel_size=({ks[0]}, {ks[1]}), dilation=({dl[0]}, {dl[1]}), "
                           f"padding=({pd[0]}, {pd[1]}), calculated shape of the array of "
                           f"sliding blocks as ({g.out[1]}, {g.out[2]}), but its components "
                           f"must be at least one.")
    xc = _float_input(x, "im2col_out_cpu")
    cols = _new_on([shape[0], shape[1] * ks[0] * ks[1], g.out[1] * g.out[2]], xc._dtype, False,
                   xc)
    if is_cuda(xc):
        _unfold_cuda(xc, cols, &g, cols._shape[0], False)
    else:
        with nogil:
            if xc._dtype.code == PYT_FLOAT32:
                _unfold_kernel(<float*>xc._data, <float*>cols._data, &g, cols._shape[0], False)
            else:
                _unfold_kernel(<double*>xc._data, <double*>cols._data, &g, cols._shape[0],
                               False)
    cols = _cast(cols, x._dtype)
    return cols if x._ndim == 4 else _reshaped(cols, _shape(cols)[1:])


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sums columns [N, C * kh * kw, L] (or [C * kh * kw, L]) back into an image
    [N, C, *output_size]: torch.nn.functional.fold, the adjoint of unfold."""
    cdef Tensor x = _tensor_arg(input, "input", "fold")
    cdef pyt_im2col_geom g
    cdef Tensor xc, img
    cdef Py_ssize_t kprod, N
    if x._ndim != 2 and x._ndim != 3:
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor with optional 0 dim batch "
                           f"size for input, but got: {_shape(x)}")
    if _tracks(x):
        params = (kernel_size, dilation, padding, stride)
        return _linear(x, _bind(fold, (output_size,) + params), "Col2ImBackward0",
                       _bind(unfold, params), "Im2ColBackward0")
    size = _ntuple(output_size, 2, "output_size", "fold")
    if size is None:
        raise RuntimeError(f"It is expected output_size equals to 2, but got size "
                           f"{len(output_size)}")
    ks, dl, pd, st = _fold_params(kernel_size, dilation, padding, stride, "fold")
    if size[0] <= 0 or size[1] <= 0:
        raise RuntimeError(f"Expected output spatial size to be positive, but got: "
                           f"output_size={size}")
    shape = _shape(x) if x._ndim == 3 else [1] + _shape(x)
    kprod = ks[0] * ks[1]
    if shape[1] % kprod != 0 or shape[1] == 0:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the "
                           f"product of kernel_size, but got input.size(1)={shape[1]} and "
                           f"kernel_size=({ks[0]}, {ks[1]}).")
    _fold_geom(&g, shape[1] // kprod, size, ks, dl, pd, st)
    if g.out[1] < 1 or g.out[2] < 1 or g.out[1] * g.out[2] != shape[2]:
        raise RuntimeError(f"Given output_size=({size[0]}, {size[1]}), kernel_size=({ks[0]}, "
                           f"{ks[1]}), dilation=({dl[0]}, {dl[1]}), padding=({pd[0]}, "
                           f"{pd[1]}), stride=({st[0]}, {st[1]}), expected size of input's "
                           f"dimension 2 to match the calculated number of sliding blocks "
                           f"{g.out[1]} * {g.out[2]} = {g.out[1] * g.out[2]}, but got "
                           f"input.size(2)={shape[2]}.")
    xc = _reshaped(_float_input(x, "col2im_out_cpu"), shape)
    N = shape[0]
    if is_cuda(xc):                     # col2im overwrites every pixel: no zero fill
        img = _new_on([shape[0], g.channels, size[0], size[1]], xc._dtype, False, xc)
        _unfold_cuda(img, xc, &g, N, True)
    else:
        img = _new([shape[0], g.channels, size[0], size[1]], xc._dtype, True)
        with nogil:
            if xc._dtype.code == PYT_FLOAT32:
                _unfold_kernel(<float*>img._data, <float*>xc._data, &g, N, True)
            else:
                _unfold_kernel(<double*>img._data, <double*>xc._data, &g, N, True)
    img = _cast(img, x._dtype)
    return img if x._ndim == 3 else _reshaped(img, _shape(img)[1:])
