"""pyt.device: where a tensor lives ('cpu' or 'cuda:N')."""

_DEVICE_TYPES = ("cpu", "cuda")


class device:
    __slots__ = ("_type", "_index")

    def __new__(cls, type_or_str, index=None):
        if isinstance(type_or_str, device):
            if index is not None:
                raise ValueError("device(): index given twice")
            return type_or_str
        if isinstance(type_or_str, int) and not isinstance(type_or_str, bool):
            type_or_str, index = "cuda", type_or_str
        if not isinstance(type_or_str, str):
            raise TypeError(f"device() received an invalid combination of arguments - got ({type(type_or_str).__name__})")
        text = type_or_str
        if ":" in text:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was passed explicitly: {text}")
            text, _, idx = text.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type_or_str}'")
            index = int(idx)
        if text not in _DEVICE_TYPES:
            raise RuntimeError(
                "Expected one of cpu, cuda device type at start of device string: " + type_or_str)
        if index is not None and (not isinstance(index, int) or index < 0):
            raise RuntimeError(f"Device index must not be negative, got {index}")
        if text == "cpu" and index is None and _cpu_device is not None:
            return _cpu_device
        self = object.__new__(cls)
        self._type = text
        self._index = index
        return self

    @property
    def type(self):
        return self._type

    @property
    def index(self):
        return self._index

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except (RuntimeError, TypeError):
                return False
        return isinstance(other, device) and other._type == self._type and other._index == self._index

    def __hash__(self):
        return hash((self._type, self._index))

    def __str__(self):
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __repr__(self):
        if self._index is None:
            return f"device(type='{self._type}')"
        return f"device(type='{self._type}', index={self._index})"

    def __reduce__(self):
        return (device, (str(self),))


_cpu_device = None
_cpu_device = cpu = device("cpu")
