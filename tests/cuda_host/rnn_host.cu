/* cuda_src/rnn.cu's per-element LSTM functions run on the host, for
   test_rnn_on_host.py to compare with rnn_kernels.pyx's CPU kernels through ctypes. */
#include "rnn.cu"

extern "C" pyt_cuda_stream pyt_cuda_current_stream(void) { return 0; }

template <int CODE>
static int forward_rows(void *gates, const void *c_prev, void *c, void *tanh_c, void *h,
                         int64_t batch, int64_t hidden)
{
    typedef typename lstm_elem<CODE>::storage S;
    for (int64_t e = 0; e < batch * hidden; e++)
        lstm_forward_at<CODE>(e, hidden, (S *)gates, (const S *)c_prev, (S *)c, (S *)tanh_c,
                              (S *)h);
    return 0;
}

template <int CODE>
static int backward_rows(const void *act, const void *tanh_c, const void *c_prev,
                          const void *dh_next, const void *d_out, void *dc, void *d_gates,
                          int64_t batch, int64_t hidden)
{
    typedef typename lstm_elem<CODE>::storage S;
    for (int64_t e = 0; e < batch * hidden; e++)
        lstm_backward_at<CODE>(e, hidden, (const S *)act, (const S *)tanh_c,
                               (const S *)c_prev, (const S *)dh_next, (const S *)d_out,
                               (S *)dc, (S *)d_gates);
    return 0;
}

/* pyt_cuda_lstm_forward / _backward on host pointers: 0, or PYT_CUDA_ERR_UNSUPPORTED */
extern "C" int host_lstm_forward(int dtype, void *gates, const void *c_prev, void *c,
                                 void *tanh_c, void *h, int64_t batch, int64_t hidden)
{
    LSTM_DISPATCH(dtype, forward_rows, gates, c_prev, c, tanh_c, h, batch, hidden)
}

extern "C" int host_lstm_backward(int dtype, const void *act, const void *tanh_c,
                                  const void *c_prev, const void *dh_next, const void *d_out,
                                  void *dc, void *d_gates, int64_t batch, int64_t hidden)
{
    LSTM_DISPATCH(dtype, backward_rows, act, tanh_c, c_prev, dh_next, d_out, dc, d_gates,
                  batch, hidden)
}
