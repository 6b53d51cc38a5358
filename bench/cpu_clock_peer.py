"""Runs a peer benchmark script with its wall clock replaced by the process CPU clock.

    python3 bench/cpu_clock_peer.py ../shared/peers/bench_torchani.py [peer arguments...]

On a machine shared with other work, wall time measures the scheduler as much as the code;
the CPU time a process spends is much steadier. The peers time with `time.perf_counter`, so
this wrapper points that name at `time.process_time` (CPU seconds of all the process's
threads) and runs the script unchanged. `PotentialBenchmark` prints the same CPU measure in
its `cpu-ms/iter` column, so the two can be compared on a loaded machine.
"""
import runpy
import sys
import time

time.perf_counter = time.process_time
script = sys.argv[1]
sys.argv = sys.argv[1:]
runpy.run_path(script, run_name="__main__")
