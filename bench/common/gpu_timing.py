"""Device time per call of small GPU work, for the bench/*/bench.py scripts (import with
`sys.path.insert(0, <bench>/common)`).

Timing a batch of calls between two CUDA events only measures the GPU when the host enqueues faster than the
GPU runs them. For small problems it does not: a Python call that launches a kernel (ctypes, torch's op
dispatch) costs 10-40 us of host time, more than the kernel itself, so the events measured the host's launch
rate (every small-M shape read ~21 us for ours and ~31-37 us for torch._scaled_mm on the 2026-12-06 H100 run,
whatever its size). Here each batch is queued behind a spin kernel (torch.cuda._sleep) long enough for the host
to enqueue the whole batch first; the events bracket only the batch, so they time back-to-back device
execution, as in a CUDA graph or a deep launch queue. If the host still was not done when the spin ended, the
batch is discarded and the spin doubled.
"""
import math
import statistics
import time

import torch

# Spin cycles per microsecond of host time to cover (above the H100/H200 SM clock of <= 1.98 GHz, so the spin
# lasts at least that long).
_CYCLES_PER_US = 2000
# Kernel launches queued at once stay well below the driver's launch queue depth.
_MAX_REPS = 400


def timeit(fns, min_batch_us=300.0, batches=15):
    """Median device time per call (us) over `batches` batches, rotating through `fns` (one per input set).

    Each batch holds enough calls to take >= min_batch_us of device time (at most _MAX_REPS).
    """
    for f in fns:
        f()
    torch.cuda.synchronize()
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    # One call's host cost and device time (the device time from a queued-up call, as below).
    t0 = time.perf_counter()
    fns[0]()
    host_us = (time.perf_counter() - t0) * 1e6
    torch.cuda.synchronize()
    torch.cuda._sleep(int(4 * host_us * _CYCLES_PER_US) + 10000)
    s.record()
    fns[0]()
    e.record()
    torch.cuda.synchronize()
    one = max(s.elapsed_time(e) * 1000, 0.5)
    reps = min(_MAX_REPS, max(len(fns), int(math.ceil(min_batch_us / one))))
    spin_us = 2 * reps * host_us + 50
    times = []
    while len(times) < batches:
        torch.cuda._sleep(int(spin_us * _CYCLES_PER_US))
        t0 = time.perf_counter()
        s.record()
        for i in range(reps):
            fns[i % len(fns)]()
        e.record()
        enqueue_us = (time.perf_counter() - t0) * 1e6
        spin_done = e.query()  # the batch already ran while the host was still enqueueing it
        torch.cuda.synchronize()
        if spin_done or enqueue_us > spin_us:
            spin_us *= 2
            if spin_us > 2e6:
                raise RuntimeError(f'cannot queue {reps} calls ahead of the device (host {enqueue_us:.0f} us)')
            continue
        times.append(s.elapsed_time(e) * 1000 / reps)
    return statistics.median(times)
