"""Utilities under torch.utils' names (dlpack, hooks, data)."""
import importlib


def __getattr__(name):
    # pyt.utils.data is imported on first use: `import pyt` stays light, and pyt.nn's
    # import of pyt.utils.hooks during pyt's own import does not pull in the DataLoader
    if name == "data":
        return importlib.import_module("pyt.utils.data")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
