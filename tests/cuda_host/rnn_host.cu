/* cuda_src/rnn.cu's per-element LSTM functions run on the host, for
   test_rnn_on_host.py to compare with rnn_kernels.pyx's CPU kernels through ctypes. */
#include "rnn.cu"

extern "C" pyt_cuda_stream pyt_cuda_current_stream(void) { return 0; }

template <int CODE>
static void forward_rows(void *gates, const void *c_prev, void *c, void *tanh_c, void *h,
                         int64_t batch, int64_t hidden)
{
    typedef typename lstm_elem<CODE>::storage S;
    for (int64_t e = 0; e < batch * hidden; e++)
        lstm_forward_at<CODE>(e, hidden, (S *)gates, (const S *)c_prev, (S *)c, (S *)tanh_c,
                              (S *)h);
}

template <int CODE>
static void backward_rows(const void *act, const void *tanh_c, const void *c_prev,
                          const void *dh_next, const void *d_out, void *dc, void *d_gates,
                          int64_t batch, int64_t hidden)
{
    typedef typename lstm_elem<CODE>::storage S;
    for (int64_t e = 0; e < batch * hidden; e++)
        lstm_backward_at<CODE>(e, hidden, (const S *)act, (const S *)tanh_c,
                               (const S *)c_prev, (const S *)dh_next, (const S *)d_out,
                               (S *)dc, (S *)d_gates);
}

/* the arguments of pyt_cuda_lstm_forward / _backward, host pointers; 0 or -1 (dtype) */
extern "C" int host_lstm_forward(int dtype, void *gates, const void *c_prev, void *c,
                                 void *tanh_c, void *h, int64_t batch, int64_t hidden)
{
    switch (dtype) {
    case PYT_FLOAT32: forward_rows<PYT_FLOAT32>(gates, c_prev, c, tanh_c, h, batch, hidden); break;
    case PYT_FLOAT64: forward_rows<PYT_FLOAT64>(gates, c_prev, c, tanh_c, h, batch, hidden); break;
    case PYT_FLOAT16: forward_rows<PYT_FLOAT16>(gates, c_prev, c, tanh_c, h, batch, hidden); break;
    case PYT_BFLOAT16: forward_rows<PYT_BFLOAT16>(gates, c_prev, c, tanh_c, h, batch, hidden); break;
    default: return -1;
    }
    return 0;
}

extern "C" int host_lstm_backward(int dtype, const void *act, const void *tanh_c,
                                  const void *c_prev, const void *dh_next, const void *d_out,
                                  void *dc, void *d_gates, int64_t batch, int64_t hidden)
{
    switch (dtype) {
    case PYT_FLOAT32: backward_rows<PYT_FLOAT32>(act, tanh_c, c_prev, dh_next, d_out, dc, d_gates, batch, hidden); break;
    case PYT_FLOAT64: backward_rows<PYT_FLOAT64>(act, tanh_c, c_prev, dh_next, d_out, dc, d_gates, batch, hidden); break;
    case PYT_FLOAT16: backward_rows<PYT_FLOAT16>(act, tanh_c, c_prev, dh_next, d_out, dc, d_gates, batch, hidden); break;
    case PYT_BFLOAT16: backward_rows<PYT_BFLOAT16>(act, tanh_c, c_prev, dh_next, d_out, dc, d_gates, batch, hidden); break;
    default: return -1;
    }
    return 0;
}
