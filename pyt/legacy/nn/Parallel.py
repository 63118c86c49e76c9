"""Parallel: module i gets slice i of the input along inputDimension; outputs are joined
along outputDimension."""
import pyt

from .Container import Container


class Parallel(Container):
    def __init__(self, inputDimension, outputDimension, *modules):
        super().__init__(*modules)
        self.inputDimension = inputDimension
        self.outputDimension = outputDimension
        self._sizes = []

    def updateOutput(self, input):
        self._check_tensor(input)
        d = self.inputDimension
        if input.dim() <= d or input.shape[d] != len(self.modules):
            self._error(f"expected input with {len(self.modules)} slices along dimension "
                        f"{self.inputDimension} but got size {list(input.shape)}")
        outputs = [m.updateOutput(input.select(self.inputDimension, i))
                   for i, m in enumerate(self.modules)]
        self._sizes = [o.shape[self.outputDimension] for o in outputs]
        self.output = pyt.cat(outputs, self.outputDimension)
        return self.output

    def _each(self, input, gradOutput, step):
        offset = 0
        grads = []
        for i, (m, size) in enumerate(zip(self.modules, self._sizes)):
            g = gradOutput.narrow(self.outputDimension, offset, size)
            grads.append(step(m, input.select(self.inputDimension, i), g))
            offset += size
        return grads

    def updateGradInput(self, input, gradOutput):
        grads = self._each(input, gradOutput, lambda m, x, g: m.updateGradInput(x, g))
        self.gradInput = pyt.stack(grads, self.inputDimension)
        return self.gradInput

    def accGradParameters(self, input, gradOutput, scale=1):
        self._each(input, gradOutput, lambda m, x, g: m.accGradParameters(x, g, scale))

    def backward(self, input, gradOutput, scale=1):
        grads = self._each(input, gradOutput, lambda m, x, g: m.backward(x, g, scale))
        self.gradInput = pyt.stack(grads, self.inputDimension)
        return self.gradInput

    def __repr__(self):
        return self._repr_children("nn.Parallel")
