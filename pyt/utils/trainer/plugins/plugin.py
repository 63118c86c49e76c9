"""Base class of the Trainer's plugins."""


class Plugin:
    """Something the Trainer calls every n units: `interval = [(n, unit), ...]`.

    Subclasses define a method per unit they asked for: `iteration(i, input, target,
    output, loss)`, `batch(i, input, target)`, `update(i, model)`, `epoch(epoch)`.
    Plugins due at the same time run by `order` (lower first), then by registration:
    0 for plugins that measure, 50 for those that act on measurements, 100 for those that
    print them.
    """
    order = 0

    def __init__(self, interval=None):
        self.trigger_interval = list(interval) if interval else []
        self.trainer = None

    def register(self, trainer):
        """Called once by `Trainer.register_plugin`; set up `trainer.stats` entries here."""
        self.trainer = trainer


def lookup(stats, path):
    """`stats['a']['b']` for the dotted `path` 'a.b'; KeyError naming the path if absent."""
    value = stats
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            raise KeyError(f"trainer.stats has no {path!r}")
        value = value[key]
    return value
