"""Prepare an augmented, shuffled train/test split of scikit-learn's handwritten digits
with pyt tensors, and show a few samples as ASCII art.

Everything here runs on pyt's core: zero-copy NumPy import, views (reshape,
transpose, narrow), boolean-mask and integer-array indexing, flips and rolls as data
augmentation, random permutations from pyt's Philox generator, and cat/stack.

    pip install ".[examples]" && python examples/digits_augment.py
"""
import argparse

import numpy as np

import pyt

SHADES = " .:-=+*#%@"


def ascii_art(image):
    """One 8x8 image (values 0..16) as lines of characters."""
    rows = []
    for row in image.tolist():
        rows.append("".join(SHADES[min(int(v) * len(SHADES) // 17, len(SHADES) - 1)] * 2
                            for v in row))
    return rows


def show(images, labels, title):
    print(title)
    blocks = [ascii_art(img) for img in images]
    for line in zip(*blocks):
        print("   ".join(line))
    print("   ".join(f"label {int(lab)}".ljust(16) for lab in labels))
    print()


def augment(images):
    """Each image plus a mirrored copy and copies shifted by one pixel each way."""
    shifted = [images,
               images.flip(-1),
               images.roll(1, dims=-1),
               images.roll(-1, dims=-2)]
    return pyt.cat(shifted)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--test-fraction", type=float, default=0.2)
    args = parser.parse_args()

    from sklearn.datasets import load_digits
    digits = load_digits()
    gen = pyt.Generator().manual_seed(args.seed)

    # zero-copy: the tensors read scikit-learn's arrays in place
    pixels = pyt.from_numpy(digits.data)                  # (1797, 64) float64
    labels = pyt.from_numpy(digits.target)                # (1797,) int64
    images = pixels.view(-1, 8, 8)
    print(f"{images.shape[0]} images of {tuple(images.shape[1:])} pixels, "
          f"dtype {images.dtype}, shared with NumPy: "
          f"{images.data_ptr() == digits.data.__array_interface__['data'][0]}")

    show(images[:6], labels[:6], "The first six digits:")
    is_seven = labels == 7                                  # a bool mask
    sevens = images[is_seven]
    show(sevens[:6], labels[is_seven][:6], f"Boolean-mask selection: {len(sevens)} sevens")

    # a shuffled split from pyt's counter-based generator
    order = pyt.randperm(len(images), generator=gen)
    n_test = int(len(images) * args.test_fraction)
    test_idx, train_idx = order[:n_test], order[n_test:]
    train_x, train_y = images[train_idx], labels[train_idx]          # advanced indexing
    test_x, test_y = images.index_select(0, test_idx), labels.index_select(0, test_idx)

    train_x = augment(train_x).to(pyt.float32)
    train_y = pyt.cat([train_y] * 4)
    n = len(train_idx)
    show(train_x[::n], train_y[::n],
         "A training image and its augmentations (original, mirrored, shifted right, up):")

    # the batches a training loop would see
    batch = pyt.stack([train_x[i] for i in range(32)])
    print(f"train: {tuple(train_x.shape)} {train_x.dtype}, labels {tuple(train_y.shape)}")
    print(f"test:  {tuple(test_x.shape)} {test_x.dtype}, labels {tuple(test_y.shape)}")
    print(f"first batch: {tuple(batch.shape)}, contiguous: {batch.is_contiguous()}")
    print("test images per digit:", np.bincount(test_y.numpy(), minlength=10).tolist())


if __name__ == "__main__":
    main()
