"""Argument checks shared by the modules: each raises naming the argument."""

from __future__ import annotations

import math
import numbers

import numpy as np
import torch


def positive_int(name: str, value, minimum: int = 1, maximum: int | None = None) -> int:
    """``value`` as an int in [``minimum``, ``maximum``]; ``TypeError``/``ValueError`` naming ``name``.

    ``maximum`` bounds sizes by what the machine can hold or the algorithm can
    finish, so a call like ``n = 2**40`` is refused at the door, not after
    minutes of work or an allocator error.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int; got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}; got {value}")
    return int(value)


#: A generous bound on element counts (array entries) any one call may allocate.
MAX_ELEMENTS = 1 << 31


def elements(name: str, *sizes: int, itemsize: int = 8) -> int:
    """Refuse a call whose arrays would need more than :data:`MAX_ELEMENTS` entries
    or more memory than the machine has; ``name`` names the size arguments."""
    total = 1
    for n in sizes:
        total *= int(n)
    if total > MAX_ELEMENTS:
        raise ValueError(f"{name}: {total:.3g} array entries exceed the limit of {MAX_ELEMENTS:.3g}")
    avail = _available_memory()
    if avail is not None and total * itemsize > avail:
        raise ValueError(f"{name}: needs about {total * itemsize / 2**30:.1f} GiB; "
                         f"{avail / 2**30:.1f} GiB are available")
    return total


def _available_memory() -> int | None:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def positive_float(name: str, value, allow_zero: bool = False) -> float:
    """``value`` as a finite float > 0 (>= 0 with ``allow_zero``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {bound}; got {value}")
    return value


def finite_float(name: str, value) -> float:
    """``value`` as a finite float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {type(value).__name__}")
    if not math.isfinite(float(value)):
        raise ValueError(f"{name} must be finite; got {value}")
    return float(value)


def boolean(name: str, value) -> bool:
    """``value`` as a bool; ``TypeError`` naming ``name`` for anything else (2, 0.5, None)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool; got {type(value).__name__}")
    return bool(value)


def one_of(name: str, value, options) -> str:
    """``value`` if it is in ``options``, else ``ValueError`` listing them."""
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}; got {value!r}")
    return value


def binary(name: str, x, values=(0, 1)) -> np.ndarray:
    """``x`` as an array whose entries all lie in ``values`` (0/1 or -1/+1)."""
    arr = np.asarray(x.detach().cpu() if hasattr(x, "detach") else x)
    if arr.size and not np.isin(arr, values).all():
        raise ValueError(f"{name} must contain only {values}; found other values")
    return arr


def real_array(name: str, x, *, ndim=None, finite: bool = True, min_size: int = 0) -> np.ndarray:
    """``x`` as a float64 array; ``TypeError``/``ValueError`` naming ``name`` if it is not one.

    ``ndim`` (an int or a tuple of allowed ranks) checks the rank; ``finite``
    rejects NaN and infinities; ``min_size`` the number of entries.
    """
    if x is None or isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be an array of numbers; got {type(x).__name__}")
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of numbers; got {type(x).__name__}") from None
    if ndim is not None and arr.ndim not in ((ndim,) if isinstance(ndim, int) else tuple(ndim)):
        raise ValueError(f"{name} must have {ndim} dimension(s); got shape {arr.shape}")
    if arr.size < min_size:
        raise ValueError(f"{name} must have at least {min_size} entries; got {arr.size}")
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


#: The floating dtypes the package computes in.
FLOAT_DTYPES = (torch.float32, torch.float64, torch.float16, torch.bfloat16)


def float_dtype(name: str, dtype, allow_none: bool = False):
    """``dtype`` if it is a floating torch dtype (or ``None`` when allowed), else ``ValueError``."""
    if dtype is None and allow_none:
        return None
    if not isinstance(dtype, torch.dtype) or dtype not in FLOAT_DTYPES:
        raise ValueError(f"{name} must be a floating torch dtype; got {dtype!r}")
    return dtype


def torch_device(name: str, device) -> torch.device:
    """``device`` as a usable :class:`torch.device` (refuses bad strings and absent GPUs)."""
    if isinstance(device, bool) or not isinstance(device, (str, torch.device)):
        raise TypeError(f"{name} must be a device name such as 'cpu' or 'cuda'; "
                        f"got {type(device).__name__}")
    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError):
        raise ValueError(f"{name} {device!r} is not a torch device") from None
    if dev.type == "cuda" and (not torch.cuda.is_available()
                               or (dev.index or 0) >= torch.cuda.device_count()):
        raise ValueError(f"{name}={device!r}, but torch sees no such CUDA device here")
    if dev.type not in ("cpu", "cuda"):
        raise ValueError(f"{name} must be a cpu or cuda device; got {device!r}")
    return dev


def optional_generator(name: str, value):
    """``value`` if it is ``None`` or a :class:`torch.Generator`, else ``TypeError``."""
    if value is not None and not isinstance(value, torch.Generator):
        raise TypeError(f"{name} must be None or a torch.Generator; got {type(value).__name__}")
    return value
