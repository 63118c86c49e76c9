"""Sequential: modules applied one after the other."""
from .Container import Container


class Sequential(Container):
    """``output = modules[-1](...modules[0](input))``; backward runs them in reverse."""

    def insert(self, module, index=None):
        if index is None:
            return self.add(module)
        self.add(module)            # type check
        self.modules.pop()
        self.modules.insert(index, module)
        return self

    def remove(self, index=None):
        """Remove (and return) the module at ``index``, the last one by default."""
        if not self.modules:
            self._error("cannot remove from an empty Sequential", IndexError)
        return self.modules.pop(len(self.modules) - 1 if index is None else index)

    def updateOutput(self, input):
        current = input
        for m in self.modules:
            current = m.updateOutput(current)
        self.output = current
        return self.output

    def _reverse(self, input, gradOutput, step):
        grad = gradOutput
        for i in range(len(self.modules) - 1, 0, -1):
            grad = step(self.modules[i], self.modules[i - 1].output, grad)
        return step(self.modules[0], input, grad)

    def updateGradInput(self, input, gradOutput):
        self.gradInput = self._reverse(input, gradOutput, lambda m, x, g: m.updateGradInput(x, g))
        return self.gradInput

    def accGradParameters(self, input, gradOutput, scale=1):
        def step(m, x, g):
            m.accGradParameters(x, g, scale)
            return m.gradInput
        self._reverse(input, gradOutput, step)

    def backward(self, input, gradOutput, scale=1):
        self.gradInput = self._reverse(input, gradOutput, lambda m, x, g: m.backward(x, g, scale))
        return self.gradInput

    def accUpdateGradParameters(self, input, gradOutput, lr):
        def step(m, x, g):
            m.accUpdateGradParameters(x, g, lr)
            return m.gradInput
        self._reverse(input, gradOutput, step)

    def __repr__(self):
        chain = "".join(f" -> ({i})" for i in range(len(self.modules)))
        tab, nl = "  ", "\n"
        lines = ["nn.Sequential {", tab + "[input" + chain + " -> output]"]
        for i, m in enumerate(self.modules):
            lines.append(tab + f"({i}): " + repr(m).replace(nl, nl + tab))
        return nl.join(lines) + nl + "}"
