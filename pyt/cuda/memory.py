"""The caching allocator's statistics and cache (torch.cuda.memory_allocated & co.).

Without CUDA every counter is 0 and memory_stats() is empty, as in torch's CPU build."""
import collections

from pyt._ext import cuda as _cuda

__all__ = ["memory_allocated", "max_memory_allocated", "memory_reserved",
           "max_memory_reserved", "memory_stats", "reset_peak_memory_stats",
           "reset_max_memory_allocated", "empty_cache", "memory_summary", "mem_get_info"]


def _device(device):
    return _cuda.device_index(device, True)


def memory_stats(device=None):
    """The allocator's counters on a device, under torch's key names (an empty dict
    without CUDA)."""
    if _cuda.device_count() == 0:
        return collections.OrderedDict()
    raw = _cuda.memory_stats(_device(device))

    def counter(name, current, peak, allocated=None, freed=None):
        stats[f"{name}.all.current"] = current
        stats[f"{name}.all.peak"] = peak
        if allocated is not None:
            stats[f"{name}.all.allocated"] = allocated
            stats[f"{name}.all.freed"] = freed

    stats = {}
    counter("active", raw["active_blocks"], raw["max_active_blocks"],
            raw["num_allocs"], raw["num_frees"])
    counter("active_bytes", raw["allocated"], raw["max_allocated"],
            raw["allocated_total"], raw["freed_total"])
    counter("allocated_bytes", raw["allocated"], raw["max_allocated"],
            raw["allocated_total"], raw["freed_total"])
    counter("allocation", raw["active_blocks"], raw["max_active_blocks"],
            raw["num_allocs"], raw["num_frees"])
    stats["inactive_split.all.current"] = raw["inactive_split"]
    stats["inactive_split_bytes.all.current"] = raw["inactive_split_bytes"]
    counter("reserved_bytes", raw["reserved"], raw["max_reserved"])
    counter("requested_bytes", raw["requested"], raw["max_requested"])
    counter("segment", raw["segments"], raw["max_segments"],
            raw["num_device_allocs"], raw["num_device_frees"])
    stats["num_alloc_retries"] = raw["num_alloc_retries"]
    stats["num_ooms"] = raw["num_ooms"]
    stats["num_device_alloc"] = raw["num_device_allocs"]
    stats["num_device_free"] = raw["num_device_frees"]
    return collections.OrderedDict(sorted(stats.items()))


def _stat(key, device):
    return memory_stats(device).get(key, 0)


def memory_allocated(device=None):
    """Bytes in tensors (blocks handed out, rounded to 512 B) on a device."""
    return _stat("allocated_bytes.all.current", device)


def max_memory_allocated(device=None):
    """The peak of memory_allocated() since the start or reset_peak_memory_stats()."""
    return _stat("allocated_bytes.all.peak", device)


def memory_reserved(device=None):
    """Bytes the allocator holds from the device (in use or cached)."""
    return _stat("reserved_bytes.all.current", device)


def max_memory_reserved(device=None):
    return _stat("reserved_bytes.all.peak", device)


def reset_peak_memory_stats(device=None):
    """Restarts the peaks from the current values."""
    if _cuda.device_count() == 0:
        return
    _cuda.reset_peak_memory_stats(_device(device))


def reset_max_memory_allocated(device=None):
    """Restarts the peaks (torch's older name for reset_peak_memory_stats)."""
    reset_peak_memory_stats(device)


def empty_cache():
    """Gives the cached, unused memory back to the device (a no-op without CUDA)."""
    _cuda.empty_cache()


def mem_get_info(device=None):
    """(free, total) bytes of a device's memory."""
    from pyt.cuda import _lazy_init
    _lazy_init()
    return _cuda.mem_get_info(device)


def _format(nbytes):
    if nbytes < 1024:
        return f"{nbytes} B"
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        nbytes /= 1024
        if nbytes < 1024 or unit == "TiB":
            return f"{nbytes:.2f} {unit}"


def memory_summary(device=None, abbreviated=False):
    """A table of the allocator's statistics on a device."""
    stats = memory_stats(device)
    if not stats:
        return "No CUDA memory statistics: CUDA is not available.\n"
    rows = [("Allocated memory", "allocated_bytes", _format),
            ("Active memory", "active_bytes", _format),
            ("Requested memory", "requested_bytes", _format),
            ("GPU reserved memory", "reserved_bytes", _format),
            ("Allocations", "allocation", str),
            ("Active allocs", "active", str),
            ("GPU reserved segments", "segment", str)]
    header = f"{'Metric':<24}" + "".join(
        f"{h:>14}" for h in ("Cur Usage", "Peak Usage", "Tot Alloc", "Tot Freed"))
    rule = "=" * len(header)
    lines = [rule,
             f"pyt CUDA memory summary, device ID {_device(device)}".center(len(header)),
             "-" * len(header),
             f"num_alloc_retries: {stats['num_alloc_retries']}    num_ooms: {stats['num_ooms']}",
             rule, header, "-" * len(header)]
    for title, key, fmt in rows:
        cells = []
        for part in ("current", "peak", "allocated", "freed"):
            value = stats.get(f"{key}.all.{part}")
            cells.append("" if value is None else fmt(value))
        lines.append(f"{title:<24}" + "".join(f"{c:>14}" for c in cells))
    lines.append(rule)
    return "\n".join(lines) + "\n"
