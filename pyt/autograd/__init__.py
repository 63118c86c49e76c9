"""pyt.autograd: the define-by-run tape (see pyt/_ext/autograd.pyx for the engine)."""
from pyt._ext.autograd import backward, grad
from pyt.autograd.grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode,
                                    is_grad_enabled, is_inference_mode_enabled)
from pyt.autograd.function import Function, FunctionCtx, once_differentiable
from pyt.autograd.gradcheck import gradcheck, gradgradcheck
from pyt.autograd.anomaly_mode import detect_anomaly, set_detect_anomaly
from pyt.autograd import functional

__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "Function", "once_differentiable", "gradcheck", "gradgradcheck", "detect_anomaly",
           "set_detect_anomaly"]
