"""Utilities under torch.utils' names (dlpack, hooks, data, trainer)."""
import importlib


def __getattr__(name):
    # pyt.utils.data and pyt.utils.trainer are imported on first use: `import pyt` stays
    # light, and pyt.nn's import of pyt.utils.hooks during pyt's own import does not pull
    # in the DataLoader
    if name in ("data", "trainer"):
        return importlib.import_module(f"pyt.utils.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
