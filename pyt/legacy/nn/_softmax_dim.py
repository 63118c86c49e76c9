"""The dim Lua's SoftMax/LogSoftMax normalise over: features, or planes for images."""


def softmax_dim(module, input):
    module._check_tensor(input)
    if input.dim() not in (1, 2, 3, 4):
        module._error(f"expected input of 1 to 4 dims but got {list(input.shape)}")
    return 0 if input.dim() in (1, 3) else 1
