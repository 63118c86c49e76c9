/* Whether ops record autograd graphs, per thread (torch's grad mode is thread-local).
   Only the tensor module includes this header; other modules go through its functions. */
#ifndef PYT_GRAD_MODE_H
#define PYT_GRAD_MODE_H
static __thread int pyt_grad_disabled = 0;
static __thread int pyt_inference_mode = 0;
#endif
