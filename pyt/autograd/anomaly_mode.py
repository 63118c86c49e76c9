"""Anomaly detection: name the op whose backward produced NaN."""
from pyt._ext import autograd as _engine


class detect_anomaly:
    """Within this context, a backward that returns NaN raises an error naming its op."""

    def __init__(self, check_nan=True):
        self._check_nan = check_nan

    def __enter__(self):
        self._prev = _engine.anomaly_enabled()
        _engine.set_anomaly_enabled(self._check_nan)

    def __exit__(self, *exc):
        _engine.set_anomaly_enabled(self._prev)


class set_detect_anomaly(detect_anomaly):
    """Turns anomaly detection on or off (right away and as a context manager)."""

    def __init__(self, mode, check_nan=True):
        self._prev = _engine.anomaly_enabled()
        _engine.set_anomaly_enabled(bool(mode) and check_nan)

    def __enter__(self):
        pass
