"""The examples run and print what they promise."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_example(name, *args):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, os.path.join(ROOT, "examples", name), *args],
                          capture_output=True, text=True, timeout=300, env=env)


def test_digits_augment():
    pytest.importorskip("sklearn")
    result = run_example("digits_augment.py", "--seed", "3")
    assert result.returncode == 0, result.stderr
    assert "179 sevens" in result.stdout
    assert "train: (5752, 8, 8) pyt.float32" in result.stdout
    assert "test images per digit:" in result.stdout


def test_lbfgs_sine():
    result = run_example("lbfgs_sine.py", "--steps", "5", "--seed", "1")
    assert result.returncode == 0, result.stderr
    assert "step   4  loss" in result.stdout
    final = float(result.stdout.split("final loss")[1].split()[0])
    assert final < 0.01  # the noise alone contributes 0.0025


def test_digits_mlp():
    pytest.importorskip("sklearn")
    result = run_example("digits_mlp.py", "--epochs", "5")
    assert result.returncode == 0, result.stderr
    assert "epoch   5" in result.stdout
    accuracy = float(result.stdout.split("test accuracy:")[1].split()[0])
    assert accuracy > 0.85


def test_digits_cnn_reaches_97_percent():
    pytest.importorskip("sklearn")
    result = run_example("digits_cnn.py")           # the default 20 epochs: a few seconds
    assert result.returncode == 0, result.stderr
    assert "epoch  20" in result.stdout
    accuracy = float(result.stdout.split("test accuracy:")[1].split()[0])
    assert accuracy >= 0.97
