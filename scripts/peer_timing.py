"""The timing loop and result line shared by the peer timing scripts (`mace_torch_timing.py`,
`deepmd_timing.py`): one warm-up pass over the batches, then `reps` timed steps cycling through
them, printed as PotentialBenchmark prints (the line `bench/summarize_rounds.py` reads): medians
of wall and CPU time (`time.process_time`) per step."""

import statistics
import time


def time_steps(name, step, batches, reps, batch, atoms):
    """Times `step(b)` for b in `batches`; `batch` conformations of `atoms` atoms per step."""
    for b in batches:  # warm-up
        step(b)
    wall, cpu = [], []
    for r in range(reps):
        w0, c0 = time.perf_counter(), time.process_time()
        step(batches[r % len(batches)])
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    t = statistics.median(wall)
    print(f"{name:<28}{batch / t:10.1f} conf/s {batch * atoms / t:11.1f} atoms/s "
          f"{t * 1000:8.2f} ms/iter {statistics.median(cpu) * 1000:8.2f} cpu-ms/iter")
