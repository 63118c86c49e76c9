"""DataLoader throughput, pyt against PyTorch: one epoch over a TensorDataset of
60,000 x 784 float32 images with int64 labels at batch 128 (MNIST's shape), with the
data loaded in the main process (num_workers=0) and by 2 worker processes.

    python benchmarks/bench_dataloader.py [--quick] [--threads N]

Run from the repository root after building. The issue's target: 2 workers no slower
than 0 workers by more than the cost of sending the batches between processes. With 2
workers each batch (401 KB) crosses a pipe: torch sends tensors through shared memory,
pyt (until pyt.multiprocessing lands) pickles their bytes; the "transfer" rows time that
cost per batch on its own. The per-batch rows time the hot path of one batch in one
process: 128 TensorDataset rows indexed by int, then default_collate (stack).
NumPy has no DataLoader: its column times the same per-batch work with NumPy (fancy
indexing of the rows), as a floor.
"""
import argparse
import gc
import os
import pickle
import resource
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)                      # the in-place build, not an installed pyt
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pyt                                    # noqa: E402
from _timing import measure, print_table, set_threads, torch   # noqa: E402

N, FEATURES, BATCH = 60000, 784, 128


def make_dataset(lib, x_np, y_np):
    return lib.utils.data.TensorDataset(lib.from_numpy(x_np), lib.from_numpy(y_np))


def epoch_fn(lib, dataset, workers, persistent=False):
    """One full pass of a DataLoader (workers started and stopped inside, like a plain
    `for batch in loader` epoch; with persistent workers the pool is started once)."""
    kwargs = dict(batch_size=BATCH, num_workers=workers)
    if workers:
        kwargs["persistent_workers"] = persistent
    loader = lib.utils.data.DataLoader(dataset, **kwargs)

    def run():
        count = 0
        for x, y in loader:
            count += x.shape[0]
        assert count == N
    return run


def batch_fn(lib, dataset):
    """The per-batch hot path in one process: index 128 rows one by one, collate."""
    collate = lib.utils.data.default_collate
    indices = list(range(1000, 1000 + BATCH))

    def run():
        return collate([dataset[i] for i in indices])
    return run


def transfer_fn(lib, batch):
    """Pickling and unpickling one collated batch (what a pipe transfer costs beyond
    the copy into the pipe; torch's shared-memory path is timed by its own epoch)."""
    def run():
        return pickle.loads(pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL))
    return run


def epoch_cpu(run):
    """CPU seconds of one epoch (main process, and worker processes once reaped): on
    a machine shared with other jobs these show the work done, which wall time hides."""
    before_self = resource.getrusage(resource.RUSAGE_SELF)
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    run()
    gc.collect()                               # the iterator's workers are joined
    after_self = resource.getrusage(resource.RUSAGE_SELF)
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = lambda a, b: (b.ru_utime + b.ru_stime) - (a.ru_utime + a.ru_stime)
    return used(before_self, after_self), used(before_children, after_children)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one timed epoch per case")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    set_threads(args.threads)
    repeat = 1 if args.quick else 3

    rng = np.random.default_rng(0)
    x_np = rng.random((N, FEATURES), dtype=np.float32)
    y_np = rng.integers(0, 10, N).astype(np.int64)
    pyt_ds = make_dataset(pyt, x_np, y_np)
    torch_ds = make_dataset(torch, x_np, y_np) if torch is not None else None

    def both(make):
        mine = measure(make(pyt, pyt_ds), min_time=0, repeat=repeat)
        theirs = measure(make(torch, torch_ds), min_time=0, repeat=repeat) if torch else "-"
        return mine, theirs

    rows = []
    batch_np = lambda: (x_np[1000:1000 + BATCH][np.arange(BATCH)], y_np[1000:1000 + BATCH])
    for label, make, np_time in [
        ("per batch: 128 x dataset[i] + default_collate", batch_fn, measure(batch_np)),
    ]:
        p = measure(make(pyt, pyt_ds))
        t = measure(make(torch, torch_ds)) if torch else "-"
        rows.append((label, p, np_time, t, ""))
    pyt_batch = batch_fn(pyt, pyt_ds)()
    p = measure(transfer_fn(pyt, pyt_batch))
    t = measure(transfer_fn(torch, batch_fn(torch, torch_ds)())) if torch else "-"
    rows.append(("per batch: pickle round trip of the batch", p, "-", t,
                 "torch's workers use shared memory instead"))
    epochs = {}
    for label, workers, persistent in [("epoch, num_workers=0", 0, False),
                                       ("epoch, num_workers=2", 2, False),
                                       ("epoch, num_workers=2, persistent", 2, True)]:
        mine, theirs = both(lambda lib, ds: epoch_fn(lib, ds, workers, persistent))
        epochs[label] = mine
        rows.append((label, mine, "-", theirs, f"{N // BATCH + 1} batches"))
    print_table(rows, title=f"DataLoader, TensorDataset {N}x{FEATURES} float32 + int64 "
                            f"labels, batch {BATCH}, {args.threads} threads")
    print("\nCPU seconds per epoch (main process + workers):")
    for name, lib, ds in [("pyt", pyt, pyt_ds), ("torch", torch, torch_ds)]:
        if lib is None:
            continue
        for workers in (0, 2):
            main_cpu, worker_cpu = epoch_cpu(epoch_fn(lib, ds, workers))
            print(f"  {name:5} num_workers={workers}: main {main_cpu:.3f} s + workers "
                  f"{worker_cpu:.3f} s")
    base = epochs["epoch, num_workers=0"]
    print(f"\npyt 2 workers / 0 workers: {epochs['epoch, num_workers=2'] / base:.2f} "
          f"(persistent: {epochs['epoch, num_workers=2, persistent'] / base:.2f})")


if __name__ == "__main__":
    main()
