"""A word-level LSTM language model's training step, pyt against PyTorch.

    python benchmarks/bench_rnn.py [--quick] [--threads N] [--parts]

Run from the repository root after building (``python setup.py build_ext --inplace``).
Case (issue 6, at 2 threads): Embedding(1000, 200) -> LSTM(200, 200, 2 layers) ->
Linear(200, 1000), sequence 35, batch 20, cross_entropy, backward and an SGD step.
Target: pyt at most 1.2x torch's time. --parts also times forward+loss and
forward+backward on their own. NumPy has no autograd: its column reads "-".
"""
import argparse
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)                      # the in-place build, not an installed pyt
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pyt                                    # noqa: E402
from _timing import measure, print_table, set_threads, torch   # noqa: E402

VOCAB, HIDDEN, LAYERS, SEQ, BATCH = 1000, 200, 2, 35, 20


def language_model(lib):
    nn = lib.nn

    class WordLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(VOCAB, HIDDEN)
            self.lstm = nn.LSTM(HIDDEN, HIDDEN, LAYERS)
            self.decoder = nn.Linear(HIDDEN, VOCAB)

        def forward(self, tokens):
            output, _ = self.lstm(self.embed(tokens))
            return self.decoder(output).reshape(-1, VOCAB)

    return WordLM()


def make_steps(lib, tokens_np, targets_np):
    """The full step and its parts, as closures over one model on `lib`."""
    lib.manual_seed(0)
    model = language_model(lib)
    optimizer = lib.optim.SGD(model.parameters(), lr=0.1)
    tokens, targets = lib.from_numpy(tokens_np.copy()), lib.from_numpy(targets_np.copy())
    F = lib.nn.functional

    def step():
        loss = F.cross_entropy(model(tokens), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    def forward():
        F.cross_entropy(model(tokens), targets)

    def backward():
        optimizer.zero_grad()
        F.cross_entropy(model(tokens), targets).backward()

    return {"step": step, "forward+loss": forward, "forward+backward": backward}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short timings (noisier)")
    parser.add_argument("--threads", type=int, default=2, help="threads for both libraries")
    parser.add_argument("--parts", action="store_true",
                        help="also time forward+loss and forward+backward")
    args = parser.parse_args()
    set_threads(args.threads)
    min_time, repeat = (0.05, 3) if args.quick else (0.3, 7)
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, VOCAB, (SEQ, BATCH))
    targets = rng.integers(0, VOCAB, SEQ * BATCH)
    mine = make_steps(pyt, tokens, targets)
    theirs = make_steps(torch, tokens, targets) if torch is not None else None
    rows = []
    for part in (list(mine) if args.parts else ["step"]):
        p = measure(mine[part], min_time, repeat)
        t = measure(theirs[part], min_time, repeat) if theirs else "-"
        label = (f"LSTM LM {VOCAB}-{HIDDEN}x{LAYERS}, seq {SEQ}, batch {BATCH}, SGD"
                 if part == "step" else f"  {part}")
        rows.append((label, p, "-", t, ""))
    versions = f"torch {torch.__version__}" if torch else "torch not installed"
    print_table(rows, title=f"pyt {pyt.__version__} vs {versions}; {args.threads} thread(s)"
                            f"{', quick' if args.quick else ''}; median time per training step")


if __name__ == "__main__":
    main()
