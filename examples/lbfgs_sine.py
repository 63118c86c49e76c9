"""Fit a small MLP to a noisy sine wave with L-BFGS, using pyt ops directly.

The model y = W3 tanh(W2 tanh(W1 x + b1) + b2) + b3 is written with plain tensor ops;
autograd gives the gradients and pyt.optim.LBFGS (with a strong-Wolfe line search) does
full-batch quasi-Newton steps, each of which re-evaluates the loss through a closure.

    python examples/lbfgs_sine.py --steps 15
"""
import argparse
import math

import pyt
from pyt import optim


def make_data(n, noise, generator):
    x = pyt.linspace(-math.pi, math.pi, n, dtype=pyt.float64).reshape(n, 1)
    y = pyt.sin(x) + noise * pyt.randn(n, 1, dtype=pyt.float64, generator=generator)
    return x, y


def init_mlp(sizes, generator):
    """Weights scaled by 1/sqrt(fan_in), zero biases; all leaves that require grad."""
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        w = pyt.randn(fan_in, fan_out, dtype=pyt.float64, generator=generator) / math.sqrt(fan_in)
        params += [w.requires_grad_(), pyt.zeros(fan_out, dtype=pyt.float64, requires_grad=True)]
    return params


def mlp(params, x):
    h = x
    for i in range(0, len(params), 2):
        h = h @ params[i] + params[i + 1]
        if i + 2 < len(params):
            h = pyt.tanh(h)
    return h


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=15, help="L-BFGS steps (closures)")
    parser.add_argument("--hidden", type=int, default=16)
    parser.add_argument("--points", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    generator = pyt.Generator().manual_seed(args.seed)
    x, y = make_data(args.points, 0.05, generator)
    params = init_mlp([1, args.hidden, args.hidden, 1], generator)
    opt = optim.LBFGS(params, lr=1, max_iter=20, history_size=20,
                      line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = ((mlp(params, x) - y) ** 2).mean()
        loss.backward()
        return loss

    print(f"fitting sin(x) on {args.points} noisy points with a 1-{args.hidden}-"
          f"{args.hidden}-1 tanh MLP ({sum(p.numel() for p in params)} parameters)")
    for step in range(args.steps):
        loss = opt.step(closure)
        print(f"step {step:3d}  loss {float(loss):.6f}")

    with pyt.no_grad():
        final = float(((mlp(params, x) - y) ** 2).mean())
        x_test = pyt.linspace(-3.0, 3.0, 97, dtype=pyt.float64).reshape(-1, 1)
        test_error = float((mlp(params, x_test) - pyt.sin(x_test)).abs().max())
    print(f"final loss {final:.6f}")
    print(f"max |model - sin| on [-3, 3]: {test_error:.4f}")


if __name__ == "__main__":
    main()
