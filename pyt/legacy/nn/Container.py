"""Container: a module made of child modules (``self.modules``)."""
from .Module import Module


def _add_tables(a, b):
    """a + b for tensors or (nested) tables of tensors, used to sum gradInputs."""
    if isinstance(a, (list, tuple)):
        return [_add_tables(x, y) for x, y in zip(a, b)]
    return a + b


class Container(Module):
    """Holds ``modules``; parameters, modes, types and state go to every child."""

    def __init__(self, *modules):
        super().__init__()
        self.modules = []
        for m in modules:
            self.add(m)

    def add(self, module):
        if not isinstance(module, Module):
            self._error(f"expected an nn module but got {type(module).__name__}", TypeError)
        self.modules.append(module)
        return self

    def get(self, index):
        return self.modules[index]

    def size(self):
        return len(self.modules)

    def __len__(self):
        return len(self.modules)

    def applyToModules(self, fn):
        for m in self.modules:
            fn(m)

    def _parameter_slots(self):
        slots = self._own_parameters()
        for m in self.modules:
            slots += m._parameter_slots()
        return slots

    def updateParameters(self, learningRate):
        params = self.parameters()
        if params is not None:
            done = set()    # a weight shared by several children steps once
            for p, g in zip(*params):
                if id(p) not in done:
                    done.add(id(p))
                    p.add_(g, alpha=-learningRate)

    def training(self):
        super().training()
        self.applyToModules(lambda m: m.training())

    def evaluate(self):
        super().evaluate()
        self.applyToModules(lambda m: m.evaluate())

    def reset(self, stdv=None):
        self.applyToModules(lambda m: m.reset(stdv))

    def clearState(self):
        super().clearState()
        self.applyToModules(lambda m: m.clearState())
        return self

    def listModules(self):
        result = [self]
        for m in self.modules:
            result += m.listModules()
        return result

    def apply(self, fn):
        fn(self)
        for m in self.modules:
            m.apply(fn)
        return self

    def _repr_children(self, head, arrow=" -> "):
        tab, nl = "  ", "\n"
        lines = [head + " {"]
        for i, m in enumerate(self.modules):
            lines.append(tab + f"({i}): " + repr(m).replace(nl, nl + tab))
        return nl.join(lines) + nl + "}"
