"""CMulTable: the elementwise product of a table of same-size tensors."""
from .CAddTable import CAddTable


class CMulTable(CAddTable):
    def __init__(self):
        super().__init__(False)

    def updateOutput(self, input):
        self._check(input)
        out = input[0].clone()
        for t in input[1:]:
            out.mul_(t)
        self.output = out
        return self.output

    def updateGradInput(self, input, gradOutput):
        # product of all the others, without dividing (inputs may hold zeros)
        grads = []
        for i in range(len(input)):
            g = gradOutput.clone()
            for j, t in enumerate(input):
                if j != i:
                    g.mul_(t)
            grads.append(g)
        self.gradInput = grads
        return self.gradInput
