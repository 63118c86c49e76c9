"""Module: the base of Lua Torch's nn layers (forward/backward with explicit gradients)."""
import copy

import pyt

_TYPE_NAMES = {
    "torch.FloatTensor": pyt.float32, "pyt.FloatTensor": pyt.float32, "float": pyt.float32,
    "torch.DoubleTensor": pyt.float64, "pyt.DoubleTensor": pyt.float64, "double": pyt.float64,
    "torch.HalfTensor": pyt.float16, "pyt.HalfTensor": pyt.float16,
}


def _dtype_of(t):
    """A dtype from a pyt dtype or Lua's type names ('torch.DoubleTensor')."""
    if isinstance(t, pyt.dtype):
        return t
    if t in _TYPE_NAMES:
        return _TYPE_NAMES[t]
    raise TypeError(f"type: unknown tensor type {t!r}")


def _convert(value, dtype, seen):
    """value with every floating tensor in it cast to dtype (tensors shared stay shared)."""
    if isinstance(value, pyt.Tensor):
        if not value.is_floating_point():
            return value
        if id(value) not in seen:
            seen[id(value)] = value.to(dtype)
        return seen[id(value)]
    if isinstance(value, Module):
        value._convert(dtype, seen)
        return value
    if isinstance(value, list):
        return [_convert(v, dtype, seen) for v in value]
    if isinstance(value, tuple):
        return tuple(_convert(v, dtype, seen) for v in value)
    return value


def size_str(t):
    return str(list(t.shape))


class Module:
    """Base class of legacy modules.

    Every module keeps its last result in ``output`` and its last input gradient in
    ``gradInput``. ``backward`` is ``updateGradInput`` then ``accGradParameters``:
    parameter gradients accumulate until ``zeroGradParameters``.
    """

    # (parameter, gradient) attribute pairs; modules with others override this
    _parameter_names = (("weight", "gradWeight"), ("bias", "gradBias"))

    def __init__(self):
        self.gradInput = pyt.tensor([])
        self.output = pyt.tensor([])
        self.train = True

    # ------------------------------------------------------------ protocol
    def forward(self, input):
        return self.updateOutput(input)

    def backward(self, input, gradOutput, scale=1):
        self.updateGradInput(input, gradOutput)
        self.accGradParameters(input, gradOutput, scale)
        return self.gradInput

    def backwardUpdate(self, input, gradOutput, lr):
        self.updateGradInput(input, gradOutput)
        self.accUpdateGradParameters(input, gradOutput, lr)
        return self.gradInput

    def updateOutput(self, input):
        return self.output

    def updateGradInput(self, input, gradOutput):
        return self.gradInput

    def accGradParameters(self, input, gradOutput, scale=1):
        pass

    def accUpdateGradParameters(self, input, gradOutput, lr):
        # Lua's trick: accumulate into the weights by making the gradients alias them
        saved = {g: getattr(self, g) for p, g in self._parameter_names if hasattr(self, g)}
        for p, g in self._parameter_names:
            if g in saved:
                setattr(self, g, getattr(self, p))
        try:
            self.accGradParameters(input, gradOutput, -lr)
        finally:
            for g, v in saved.items():
                setattr(self, g, v)

    def sharedAccUpdateGradParameters(self, input, gradOutput, lr):
        if self.parameters():
            self.zeroGradParameters()
            self.accGradParameters(input, gradOutput, 1)
            self.updateParameters(lr)

    # ------------------------------------------------------------ parameters
    def _own_parameters(self):
        """(owner, parameter name, gradient name) of this module's own tensors."""
        return [(self, p, g) for p, g in self._parameter_names
                if getattr(self, p, None) is not None and getattr(self, g, None) is not None]

    def _parameter_slots(self):
        return self._own_parameters()

    def parameters(self):
        """(params, gradParams) lists, or None for a module without parameters."""
        slots = self._parameter_slots()
        if not slots:
            return None
        return ([getattr(m, p) for m, p, g in slots], [getattr(m, g) for m, p, g in slots])

    def zeroGradParameters(self):
        params = self.parameters()
        if params is not None:
            for g in params[1]:
                g.zero_()

    def updateParameters(self, learningRate):
        params = self.parameters()
        if params is not None:
            for p, g in zip(*params):
                p.add_(g, alpha=-learningRate)

    def flattenParameters(self):
        """One flat parameter tensor and one flat gradient tensor (Lua's getParameters).

        Every module's weight/bias/gradWeight/gradBias is replaced by a view into them, so
        writing the flat tensor updates the modules and the other way round. A tensor
        shared by several modules is stored once. References taken before the call keep
        pointing to the old tensors.
        """
        slots = self._parameter_slots()
        flat = []
        for side in (1, 2):
            tensors = {}
            for slot in slots:
                t = getattr(slot[0], slot[side])
                tensors.setdefault(id(t), (t, []))[1].append(slot)
            if not tensors:
                flat.append(None)
                continue
            dtype = next(iter(tensors.values()))[0].dtype
            total = sum(t.numel() for t, _ in tensors.values())
            buffer = pyt.zeros(total, dtype=dtype)
            offset = 0
            for t, owners in tensors.values():
                n = t.numel()
                view = buffer[offset:offset + n].view(t.shape)
                view.copy_(t)
                for slot in owners:
                    setattr(slot[0], slot[side], view)
                offset += n
            flat.append(buffer)
        return flat[0], flat[1]

    getParameters = flattenParameters

    # ------------------------------------------------------------ modes and types
    def training(self):
        self.train = True

    def evaluate(self):
        self.train = False

    def type(self, type=None, tensorCache=None):
        """Cast the module's floating tensors to ``type``; with no argument, name it."""
        if type is None:
            t = getattr(self, "weight", None)
            t = t if isinstance(t, pyt.Tensor) else self.output
            if isinstance(t, pyt.Tensor):
                return t.type().replace("pyt.", "torch.")
            return None
        self._convert(_dtype_of(type), {} if tensorCache is None else tensorCache)
        return self

    def _convert(self, dtype, seen):
        for key, value in list(self.__dict__.items()):
            self.__dict__[key] = _convert(value, dtype, seen)

    def float(self):
        return self.type(pyt.float32)

    def double(self):
        return self.type(pyt.float64)

    def clearState(self):
        """Drop the buffers of the last pass (output, gradInput, caches)."""
        for key in ("output", "gradInput") + getattr(self, "_buffers", ()):
            value = getattr(self, key, None)
            if isinstance(value, pyt.Tensor):
                setattr(self, key, pyt.tensor([], dtype=value.dtype))
            elif isinstance(value, list):
                setattr(self, key, [])
            elif value is not None:
                setattr(self, key, None)
        return self

    def reset(self, stdv=None):
        pass

    # ------------------------------------------------------------ structure
    def clone(self, *shared):
        """A deep copy; names in ``shared`` ('weight', 'gradWeight'...) stay shared."""
        c = copy.deepcopy(self)
        if shared:
            c.share(self, *shared)
        return c

    def share(self, other, *names):
        for name in names:
            if hasattr(self, name):
                setattr(self, name, getattr(other, name))
        return self

    def apply(self, fn):
        fn(self)
        return self

    def listModules(self):
        return [self]

    def findModules(self, typename):
        return [m for m in self.listModules() if type(m).__name__ == typename]

    def __repr__(self):
        return "nn." + type(self).__name__

    # ------------------------------------------------------------ helpers for layers
    def _error(self, message, kind=RuntimeError):
        raise kind(f"{type(self).__name__}: {message}")

    def _check_tensor(self, input, what="input"):
        if not isinstance(input, pyt.Tensor):
            self._error(f"expected {what} to be a Tensor but got {type(input).__name__}",
                        TypeError)

    def _check_size(self, input, ok, expected):
        """Raise 'Name: expected input of size EXPECTED but got [..]' unless ok."""
        self._check_tensor(input)
        if not ok:
            self._error(f"expected input of size {expected} but got {size_str(input)}")

    def _check_table(self, input, n=None):
        if not isinstance(input, (list, tuple)):
            self._error(f"expected a table (list) of tensors but got {type(input).__name__}",
                        TypeError)
        if n is not None and len(input) != n:
            self._error(f"expected a table of {n} tensors but got {len(input)}")

    @staticmethod
    def _autograd(fn, inputs, params, gradOutput):
        """Gradients of <fn(*inputs, *params), gradOutput> for inputs and params.

        The long backwards (convolution, pooling, normalisation) reuse pyt's recorded
        derivatives: the forward runs again on detached leaves.
        """
        leaves = [t.detach().requires_grad_(True) for t in inputs]
        weights = [p.detach().requires_grad_(True) for p in params]
        with pyt.enable_grad():
            out = fn(*leaves, *weights)
        return pyt.autograd.grad(out, leaves + weights, gradOutput, allow_unused=True)
