"""A Transformer encoder's forward and backward, pyt against PyTorch, the same model code
run on each library.

    python benchmarks/bench_transformer.py [--quick] [--threads N] [--parts] [--dropout P]

Run from the repository root after building (``python setup.py build_ext --inplace``).
Case (issue 6, at 2 threads): nn.TransformerEncoder of 2 layers, d_model 256, 4 heads,
dim_feedforward 1024, batch_first, on a (16, 128, 256) batch, in training mode (dropout 0
unless --dropout). Target: pyt at most 1.2x torch's time. --parts also times the forward
alone and the attention block (nn.MultiheadAttention, need_weights=False) alone.
NumPy has no autograd: its column reads "-".
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

D_MODEL, HEADS, FF, LAYERS, SEQ, BATCH = 256, 4, 1024, 2, 128, 16


def make_cases(lib, x_np, dropout):
    """forward+backward, forward, attention forward+backward as closures over `lib`."""
    nn = lib.nn
    lib.manual_seed(0)
    layer = nn.TransformerEncoderLayer(D_MODEL, HEADS, FF, dropout=dropout, batch_first=True)
    encoder = nn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
    attention = nn.MultiheadAttention(D_MODEL, HEADS, batch_first=True)
    x = lib.from_numpy(x_np.copy()).requires_grad_()

    def train_step():
        encoder.zero_grad()
        encoder(x).sum().backward()

    def forward():
        encoder(x)

    def attn_step():
        attention.zero_grad()
        attention(x, x, x, need_weights=False)[0].sum().backward()

    return {"forward+backward": train_step, "forward": forward,
            "MultiheadAttention fwd+bwd": attn_step}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short timings (noisier)")
    parser.add_argument("--threads", type=int, default=2, help="threads for both libraries")
    parser.add_argument("--parts", action="store_true",
                        help="also time the forward alone and the attention block alone")
    parser.add_argument("--dropout", type=float, default=0.0, help="the layers' dropout")
    args = parser.parse_args()
    set_threads(args.threads)
    min_time, repeat = (0.2, 3) if args.quick else (0.5, 7)
    x = np.random.default_rng(0).standard_normal((BATCH, SEQ, D_MODEL)).astype(np.float32)
    mine = make_cases(pyt, x, args.dropout)
    theirs = make_cases(torch, x, args.dropout) if torch is not None else None
    rows = []
    label = (f"TransformerEncoder {LAYERS}x(d {D_MODEL}, {HEADS} heads, ff {FF}), "
             f"(N, L) = ({BATCH}, {SEQ}), dropout {args.dropout}")
    for part in list(mine) if args.parts else ["forward+backward"]:
        p = measure(mine[part], min_time, repeat)
        t = measure(theirs[part], min_time, repeat) if theirs else "-"
        rows.append((label if part == "forward+backward" else f"  {part}", p, "-", t, ""))
    versions = f"torch {torch.__version__}" if torch else "torch not installed"
    print_table(rows, title=f"pyt {pyt.__version__} vs {versions}; {args.threads} thread(s)"
                            f"{', quick' if args.quick else ''}; median time per call")


if __name__ == "__main__":
    main()
