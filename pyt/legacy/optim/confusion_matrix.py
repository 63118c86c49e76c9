"""Confusion matrix with per-class and global accuracies, as Lua's optim.ConfusionMatrix."""
import math

import pyt


class ConfusionMatrix:
    """Counts `mat[target, prediction]` over classes 0..n-1 (negative targets are ignored).

    `ConfusionMatrix(n)` or `ConfusionMatrix(class_names)`. After `updateValids()`:
    `valids` (per-class recall), `unionvalids` (per-class intersection over union),
    `totalValid` (global accuracy), `averageValid`, `averageUnionValid`.
    """

    def __init__(self, nclasses, classes=None):
        if isinstance(nclasses, (list, tuple)):
            classes, nclasses = list(nclasses), len(nclasses)
        if not isinstance(nclasses, int) or nclasses < 1:
            raise ValueError(f"ConfusionMatrix needs a positive number of classes, got {nclasses!r}")
        self.nclasses = nclasses
        self.classes = list(classes) if classes else []
        self.mat = pyt.zeros(nclasses, nclasses, dtype=pyt.int64)
        self.valids = pyt.zeros(nclasses)
        self.unionvalids = pyt.zeros(nclasses)
        self.totalValid = 0.0
        self.averageValid = 0.0
        self.averageUnionValid = 0.0

    def _add(self, prediction, target):
        prediction, target = int(prediction), int(target)
        if target < 0:                   # a missing label
            return
        for name, value in (("prediction", prediction), ("target", target)):
            if value >= self.nclasses or value < 0:
                raise IndexError(f"ConfusionMatrix: {name} {value} is out of range for "
                                 f"{self.nclasses} classes")
        self.mat[target, prediction] += 1

    def add(self, prediction, target):
        """One sample: a class index, or a score vector (its argmax), for each."""
        self._add(_class_of(prediction), _class_of(target))

    def batchAdd(self, predictions, targets):
        """A batch: class indices (N or Nx1) or rows of scores / one-hot (NxC) for each."""
        preds, targs = _classes_of(predictions, "predictions"), _classes_of(targets, "targets")
        if len(preds) != len(targs):
            raise ValueError(f"ConfusionMatrix.batchAdd: {len(preds)} predictions for "
                             f"{len(targs)} targets")
        for p, t in zip(preds, targs):
            self._add(p, t)

    def zero(self):
        self.mat.zero_()
        self.valids.zero_()
        self.unionvalids.zero_()
        self.totalValid = self.averageValid = self.averageUnionValid = 0.0

    def updateValids(self):
        """Recomputes the accuracies from the counts (NaN for a class never seen)."""
        mat = self.mat.double()
        diag = mat.diagonal()
        rows, cols = mat.sum(1), mat.sum(0)
        self.valids.copy_(diag / rows)
        self.unionvalids.copy_(diag / (rows + cols - diag))
        total = float(mat.sum())
        self.totalValid = float(diag.sum()) / total if total else math.nan
        valids, unions = self.valids.tolist(), self.unionvalids.tolist()
        seen = [v for v in valids if not math.isnan(v)]
        both = [u for v, u in zip(valids, unions) if not math.isnan(v) and not math.isnan(u)]
        self.averageValid = sum(seen) / len(seen) if seen else math.nan
        self.averageUnionValid = sum(both) / len(both) if both else math.nan

    def __str__(self):
        self.updateValids()
        counts = self.mat.tolist()
        largest = max(max(row) for row in counts)
        width = max(8, 1 + math.ceil(math.log10(largest))) if largest > 0 else 8
        lines = []
        for t, row in enumerate(counts):
            cells = "".join(f"{c:{width}d}" for c in row)
            opening = "[[" if t == 0 else " ["
            closing = "]]  " if t == self.nclasses - 1 else "]   "
            line = f"{opening}{cells}{closing}{self.valids[t].item() * 100:2.3f}% "
            if self.classes:
                name = self.classes[t] if t < len(self.classes) else ""
                line += f"\t[class: {name}]"
            lines.append(line)
        return ("ConfusionMatrix:\n" + "\n".join(lines) + "\n"
                f" + average row correct: {self.averageValid * 100}% \n"
                f" + average rowUcol correct (VOC measure): {self.averageUnionValid * 100}% \n"
                f" + global correct: {self.totalValid * 100}%")

    __repr__ = __str__


def _class_of(value):
    """A class index from a number, a 0-d/one-element tensor or a score vector."""
    if isinstance(value, pyt.Tensor):
        if value.dim() == 0 or value.numel() == 1:
            return int(value.reshape(-1)[0].item())
        if value.dim() != 1:
            raise ValueError(f"ConfusionMatrix.add expects a class index or a vector of "
                             f"scores, got a {value.dim()}-d tensor")
        return int(value.argmax().item())
    return int(value)


def _classes_of(values, what):
    if not isinstance(values, pyt.Tensor):
        values = pyt.tensor(values)
    if values.dim() == 2:
        values = values[:, 0] if values.size(1) == 1 else values.argmax(1)
    elif values.dim() != 1:
        raise ValueError(f"ConfusionMatrix.batchAdd: {what} has invalid number of "
                         f"dimensions ({values.dim()})")
    return [int(v) for v in values.tolist()]
