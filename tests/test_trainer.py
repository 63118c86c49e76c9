"""pyt.utils.trainer: the Trainer's schedule, its plugins, stopping and interruption."""
import io
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import pyt
from pyt import nn
from pyt.utils.trainer import Trainer
from pyt.utils.trainer.plugins import (
    AccuracyMonitor, Checkpoint, EarlyStopping, Logger, LossMonitor, Monitor, Plugin,
    ProgressMonitor, TimeMonitor, Validation,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def make_data(n=96, batch=16, seed=0):
    g = pyt.Generator().manual_seed(seed)
    x = pyt.randn(n, 4, generator=g)
    y = (x[:, 0] - x[:, 1] > 0).long()
    return [(x[i:i + batch], y[i:i + batch]) for i in range(0, n, batch)]


def make_trainer(data=None, lr=0.1, optimizer=None):
    pyt.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
    optimizer = optimizer or pyt.optim.SGD(model.parameters(), lr=lr)
    return Trainer(model, nn.CrossEntropyLoss(), optimizer, data or make_data())


class Recorder(Plugin):
    """Remembers each call: (unit, time)."""

    def __init__(self, interval, calls=None):
        super().__init__(interval)
        self.calls = [] if calls is None else calls

    def iteration(self, i, *args):
        self.calls.append(("iteration", i))

    def batch(self, i, *args):
        self.calls.append(("batch", i))

    def epoch(self, i):
        self.calls.append(("epoch", i))

    def update(self, i, model):
        self.calls.append(("update", i))


def test_plugin_interval_scheduling():
    trainer = make_trainer()                 # 6 batches per epoch
    rec = Recorder([(4, "iteration"), (5, "batch"), (2, "epoch"), (3, "update")])
    trainer.register_plugin(rec)
    trainer.run(3)
    got = {unit: [t for u, t in rec.calls if u == unit]
           for unit in ("iteration", "batch", "epoch", "update")}
    assert got["iteration"] == [4, 8, 12, 16]
    assert got["batch"] == [5, 10, 15]
    assert got["update"] == [3, 6, 9, 12, 15, 18]
    assert got["epoch"] == [2]
    assert trainer.iterations == 18 and trainer.epochs == 3
    # A second run continues the counts and the schedule.
    trainer.run(1)
    assert [t for u, t in rec.calls if u == "epoch"] == [2, 4]
    assert [t for u, t in rec.calls if u == "iteration"][-1] == 24


def test_plugins_run_by_order_then_registration():
    calls = []

    class Late(Recorder):
        order = 100

    trainer = make_trainer(make_data(n=16))
    trainer.register_plugin(Late([(1, "epoch")], calls))
    trainer.register_plugin(Recorder([(1, "epoch")], calls))
    first, second = Recorder([(1, "epoch")]), Recorder([(1, "epoch")])
    trainer.register_plugin(first)
    trainer.register_plugin(second)
    trainer.run(1)
    assert calls == [("epoch", 1), ("epoch", 1)]
    assert trainer.plugins[1].calls is calls and trainer.plugins[0].calls is calls


def test_bad_plugin_intervals():
    trainer = make_trainer()
    with pytest.raises(ValueError, match="unknown trigger unit 'epochs'"):
        trainer.register_plugin(Recorder([(1, "epochs")]))
    with pytest.raises(ValueError, match="positive integer"):
        trainer.register_plugin(Recorder([(0, "iteration")]))
    with pytest.raises(ValueError, match=r"\(n, unit\) pair"):
        trainer.register_plugin(Recorder([5]))
    assert trainer.plugins == []


def test_trainer_steps_like_a_manual_loop():
    data = make_data()
    trainer = make_trainer(data)
    trainer.run(2)

    pyt.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
    opt = pyt.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(2):
        for x, y in data:
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
    for a, b in zip(trainer.model.parameters(), model.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6)


def test_closure_optimizer_lbfgs():
    data = make_data()
    trainer = make_trainer(data)
    trainer.optimizer = pyt.optim.LBFGS(trainer.model.parameters(), lr=0.1, max_iter=5)
    trainer.register_plugin(LossMonitor())
    trainer.run(3)
    # The monitor sees the closure's first evaluation: the loss before each step.
    assert trainer.stats["loss"]["epoch_history"][-1] < trainer.stats["loss"]["epoch_history"][0]


def test_monitors_values():
    data = make_data()
    trainer = make_trainer(data)
    seen = []

    class Spy(Plugin):
        def iteration(self, i, x, y, output, loss):
            seen.append((output.clone(), loss.item(), y))

    trainer.register_plugin(Spy([(1, "iteration")]))
    trainer.register_plugin(LossMonitor(smoothing=0.5))
    trainer.register_plugin(AccuracyMonitor())
    trainer.register_plugin(TimeMonitor())
    trainer.run(1)
    losses = [loss for _, loss, _ in seen]
    accs = [100.0 * (out.argmax(1) == y).sum().item() / len(y) for out, _, y in seen]
    stats = trainer.stats
    assert stats["loss"]["last"] == pytest.approx(losses[-1])
    running = losses[0]
    for value in losses[1:]:
        running = 0.5 * running + 0.5 * value
    assert stats["loss"]["running_avg"] == pytest.approx(running)
    assert stats["loss"]["epoch_mean"] == pytest.approx(np.mean(losses))
    assert stats["accuracy"]["last"] == pytest.approx(accs[-1])
    assert stats["accuracy"]["epoch_mean"] == pytest.approx(np.mean(accs))
    assert stats["time"]["last"] >= 0 and stats["time"]["epoch_mean"] > 0
    assert stats["accuracy"]["log_iter_fields"] == ["{last:.2f}%", "({running_avg:.2f}%)"]
    with pytest.raises(ValueError, match="smoothing"):
        LossMonitor(smoothing=1.0)


def test_logger_plugin_prints_fields():
    out = io.StringIO()
    trainer = make_trainer()
    trainer.register_plugin(LossMonitor())
    trainer.register_plugin(AccuracyMonitor())
    trainer.register_plugin(Validation(make_data(n=32, seed=1)))
    trainer.register_plugin(Logger(["loss", "accuracy.last", "validation", "missing"],
                                   interval=[(3, "iteration"), (1, "epoch")], stream=out))
    trainer.run(2)
    lines = out.getvalue().splitlines()
    iteration_lines = [l for l in lines if l.startswith("iteration")]
    epoch_lines = [l for l in lines if l.startswith("epoch")]
    assert [l.split()[1] for l in iteration_lines] == ["3", "6", "9", "12"]
    assert len(epoch_lines) == 2
    loss = trainer.stats["loss"]
    assert f"loss: {loss['epoch_mean']:.4f}" in epoch_lines[-1]
    assert f"validation: loss {trainer.stats['validation']['loss']:.4f} accuracy" \
        in epoch_lines[-1]
    assert "accuracy.last: " in iteration_lines[0] and "%" in iteration_lines[0]
    assert "missing" not in out.getvalue()


def test_progress_plain_lines_when_not_a_tty():
    out = io.StringIO()
    trainer = make_trainer(make_data(n=160))      # 10 batches
    trainer.register_plugin(ProgressMonitor(fields=["loss"], stream=out, lines=5))
    trainer.register_plugin(LossMonitor())
    trainer.run(2)
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert lines[0].startswith("epoch 1  2/10 (20.0%)") and "it/s" in lines[0]
    assert "ETA " in lines[0] and "loss " in lines[0]
    assert [l.split()[2] for l in lines[:4]] == ["2/10", "4/10", "6/10", "8/10"]
    assert lines[4].startswith("epoch 1 done: 10 batches in ")
    assert f"loss {trainer.stats['loss']['epoch_history'][0]:.4f}" in lines[4]
    assert lines[9].startswith("epoch 2 done")
    assert len(lines) == 10
    progress = trainer.stats["progress"]
    assert progress["epoch_size"] == 10 and progress["samples_used"] == 0


def test_progress_live_bar_on_a_tty():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    out = Terminal()
    trainer = make_trainer(make_data(n=64))
    trainer.register_plugin(ProgressMonitor(stream=out, width=8, refresh=0))
    trainer.run(1)
    text = out.getvalue()
    assert text.count("\r") == 5                  # 4 redraws and the summary
    assert "[########]  4/4 (100.0%)" in text and "[##......]  1/4" in text
    assert text.endswith("\n") and text.count("\n") == 1


def test_progress_without_length():
    out = io.StringIO()
    data = make_data()
    trainer = make_trainer(iter(data))
    trainer.register_plugin(ProgressMonitor(stream=out))
    trainer.run(1)
    assert out.getvalue().splitlines() == [l for l in out.getvalue().splitlines()
                                           if l.startswith("epoch 1 done: 6 batches")]


def test_validation_plugin():
    val = make_data(n=40, batch=16, seed=2)           # batches of 16, 16, 8
    trainer = make_trainer()
    trainer.register_plugin(Validation(val, every=2))
    trainer.model.train()
    trainer.run(4)
    stats = trainer.stats["validation"]
    assert [h[0] for h in stats["history"]] == [2, 4]
    model = trainer.model
    assert model.training                             # back in training mode
    with pyt.no_grad():
        model.eval()
        x = pyt.cat([b[0] for b in val])
        y = pyt.cat([b[1] for b in val])
        out = model(x)
        model.train()
    assert stats["loss"] == pytest.approx(nn.functional.cross_entropy(out, y).item(), rel=1e-5)
    assert stats["accuracy"] == pytest.approx(100.0 * (out.argmax(1) == y).float().mean().item())
    empty = Validation([])
    trainer.register_plugin(empty)
    with pytest.raises(ValueError, match="empty"):
        empty.evaluate()


class Scripted(Plugin):
    """Writes a scripted value per epoch into trainer.stats['score']['value']."""

    def __init__(self, values):
        super().__init__([(1, "epoch")])
        self.values = list(values)

    def register(self, trainer):
        super().register(trainer)
        trainer.stats["score"] = {}

    def epoch(self, epoch):
        self.trainer.stats["score"]["value"] = self.values[epoch - 1]


def test_early_stopping(capsys):
    trainer = make_trainer()
    # Registered before the value's recorder: its order (50) still runs it after.
    trainer.register_plugin(EarlyStopping("score.value", patience=2))
    trainer.register_plugin(Scripted([5.0, 4.0, 4.5, 3.9, 3.95, 4.0, 1.0, 1.0]))
    trainer.run(8)
    stats = trainer.stats["early_stopping"]
    assert trainer.epochs == 6
    assert stats == {"best": 3.9, "best_epoch": 4, "wait": 2, "stopped_epoch": 6}
    assert "early stopping at epoch 6" in trainer.stop_reason
    assert "early stopping at epoch 6" in capsys.readouterr().out

    trainer = make_trainer()
    trainer.register_plugin(Scripted([50, 60, 60.05, 61, 59, 58, 57, 56]))
    trainer.register_plugin(EarlyStopping("score.value", patience=3, mode="max",
                                          min_delta=0.5, verbose=False))
    trainer.run(8)
    assert trainer.epochs == 7 and trainer.stats["early_stopping"]["best"] == 61


def test_early_stopping_on_a_monitor_and_bad_input():
    trainer = make_trainer()
    trainer.register_plugin(LossMonitor())
    trainer.register_plugin(EarlyStopping("loss", patience=1, verbose=False))
    trainer.run(3)                               # the loss falls: no stop
    assert trainer.epochs == 3 and trainer.stats["early_stopping"]["best_epoch"] == 3

    trainer = make_trainer()
    trainer.register_plugin(EarlyStopping("validation.loss"))
    with pytest.raises(KeyError, match="no 'validation.loss'"):
        trainer.run(1)
    with pytest.raises(ValueError, match="mode"):
        EarlyStopping(mode="lowest")
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=0)


class SigintAt(Plugin):
    """Sends SIGINT to this process at a given iteration, as Ctrl-C would."""

    def __init__(self, at):
        super().__init__([(1, "iteration")])
        self.at = at

    def iteration(self, i, *args):
        if i == self.at:
            os.kill(os.getpid(), signal.SIGINT)


def test_ctrl_c_stops_after_the_current_batch(capsys):
    before = signal.getsignal(signal.SIGINT)
    trainer = make_trainer()                      # 6 batches per epoch
    epochs = Recorder([(1, "epoch"), (1, "update")])
    trainer.register_plugin(SigintAt(9))
    trainer.register_plugin(epochs)
    trainer.run(5)
    assert trainer.interrupted and trainer.stop_reason == "interrupted"
    assert trainer.iterations == 9 and trainer.epochs == 1
    # the batch finished (its update plugins ran); the partial epoch called no epoch plugin
    assert ("update", 9) in epochs.calls and ("update", 10) not in epochs.calls
    assert [c for c in epochs.calls if c[0] == "epoch"] == [("epoch", 1)]
    assert signal.getsignal(signal.SIGINT) is before
    assert "Training interrupted after iteration 9" in capsys.readouterr().err
    # Training can go on afterwards.
    trainer.run(1)
    assert not trainer.interrupted and trainer.iterations == 15 and trainer.epochs == 2


def test_keyboard_interrupt_raised_in_a_batch_hook():
    class RaiseAt(Plugin):
        def batch(self, i, *args):
            if i == 4:
                raise KeyboardInterrupt

    trainer = make_trainer()
    trainer.register_plugin(RaiseAt([(1, "batch")]))
    before = [p.detach().clone() for p in trainer.model.parameters()]
    trainer.run(3)
    assert trainer.interrupted and trainer.iterations == 3 and trainer.epochs == 0
    assert any(not pyt.equal(a, b) for a, b in zip(before, trainer.model.parameters()))


def test_a_second_ctrl_c_stops_at_once():
    class DoubleSigint(Plugin):
        def iteration(self, i, *args):
            if i == 2:
                os.kill(os.getpid(), signal.SIGINT)
                os.kill(os.getpid(), signal.SIGINT)

    trainer = make_trainer()
    calls = Recorder([(1, "update")])
    trainer.register_plugin(DoubleSigint([(1, "iteration")]))
    trainer.register_plugin(calls)
    trainer.run(2)
    assert trainer.interrupted and trainer.iterations == 2
    assert calls.calls == [("update", 1)]        # stopped before batch 2's update plugins


def test_a_plugin_exception_stops_training():
    class Broken(Plugin):
        def iteration(self, i, *args):
            if i == 5:
                raise RuntimeError("plugin failed")

    before = signal.getsignal(signal.SIGINT)
    trainer = make_trainer()
    rec = Recorder([(1, "epoch")])
    trainer.register_plugin(Broken([(1, "iteration")]))
    trainer.register_plugin(rec)
    with pytest.raises(RuntimeError, match="plugin failed"):
        trainer.run(3)
    assert trainer.iterations == 5 and trainer.epochs == 0 and rec.calls == []
    assert signal.getsignal(signal.SIGINT) is before
    assert not trainer.interrupted


def test_dataset_must_yield_pairs():
    trainer = make_trainer([pyt.zeros(3, 4)])
    with pytest.raises(TypeError, match=r"\(input, target\) pairs"):
        trainer.run(1)


@pytest.mark.skipif(not hasattr(pyt, "save"), reason="pyt.save is not available")
def test_checkpoint_every_n_epochs_and_after_ctrl_c(tmp_path):
    path = tmp_path / "ckpt" / "model.pt"
    trainer = make_trainer()
    trainer.optimizer = pyt.optim.SGD(trainer.model.parameters(), lr=0.1, momentum=0.9)
    trainer.register_plugin(Checkpoint(str(path), every=2))
    trainer.register_plugin(SigintAt(6 * 5 + 2))     # Ctrl-C in epoch 6
    trainer.run(10)
    assert trainer.interrupted and trainer.epochs == 5
    saved = pyt.load(str(path))
    assert saved["epoch"] == 4 and trainer.stats["checkpoint"]["epoch"] == 4
    assert set(saved["model"]) == set(trainer.model.state_dict())
    assert set(saved["optimizer"]) == {"state", "param_groups"}
    assert sorted(os.listdir(path.parent)) == ["model.pt"]   # no temporary file left

    per_epoch = tmp_path / "e{epoch}.pt"
    trainer = make_trainer()
    trainer.register_plugin(Checkpoint(str(per_epoch)))
    trainer.run(2)
    assert sorted(os.listdir(tmp_path)) == ["ckpt", "e1.pt", "e2.pt"]
    state = pyt.load(str(tmp_path / "e2.pt"))
    for name, value in trainer.model.state_dict().items():
        assert pyt.equal(state["model"][name], value)


def test_checkpoint_needs_pyt_save(monkeypatch, tmp_path):
    if hasattr(pyt, "save"):
        monkeypatch.delattr(pyt, "save")
    trainer = make_trainer()
    with pytest.raises(RuntimeError, match="pyt.save"):
        trainer.register_plugin(Checkpoint(str(tmp_path / "m.pt")))


def test_trainer_digits_example():
    pytest.importorskip("sklearn")
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "examples", "trainer_digits.py"), "--epochs", "3",
         "--checkpoint", ""], capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    assert "epoch 3 done" in result.stdout
    accuracy = float(result.stdout.split("test accuracy:")[1].split("%")[0])
    assert accuracy > 85


def test_checkpoint_plugin_with_a_stand_in_save(monkeypatch, tmp_path):
    # The plugin's schedule and contents, whatever pyt.save's file format.
    saved = []
    monkeypatch.setattr(pyt, "save", lambda obj, path: saved.append((obj, path)),
                        raising=False)
    trainer = make_trainer()
    trainer.register_plugin(Checkpoint(str(tmp_path / "sub" / "m{epoch}.pt"), every=3))
    trainer.register_plugin(SigintAt(6 * 7 + 1))
    trainer.run(10)
    assert [obj["epoch"] for obj, _ in saved] == [3, 6]
    assert [os.path.basename(p) for _, p in saved] == ["m3.pt", "m6.pt"]
    assert (tmp_path / "sub").is_dir()
    obj = saved[-1][0]
    assert set(obj) == {"model", "optimizer", "epoch"}
    assert list(obj["model"]) == list(trainer.model.state_dict())
    assert obj["optimizer"]["param_groups"][0]["lr"] == 0.1
    assert trainer.stats["checkpoint"] == {"path": saved[-1][1], "epoch": 6}
