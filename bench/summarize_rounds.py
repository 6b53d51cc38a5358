#!/usr/bin/env python3
"""Summarise the output of bench/compare_peer.sh: per measurement, MetaMLIP's and the peer's
per-round medians (wall ms and CPU ms per step) and the per-round ratio peer / MetaMLIP
(> 1: MetaMLIP is faster), with the load averages seen before the runs.

    bash bench/compare_peer.sh mace > mace.log; python3 bench/summarize_rounds.py mace.log
"""
import re
import sys

LINE = re.compile(r"^(\w+)\s+[\d.]+ conf/s\s+[\d.]+ atoms/s\s+([\d.]+) ms/iter(?:\s+([\d.]+) cpu-ms/iter)?")
HEADER = re.compile(r"^== round (\d+): (\S+) \(load average: ([\d.]+)")


def summarise(path):
    rounds, side, loads = {}, None, []
    for line in open(path):
        if m := HEADER.match(line):
            r, side = int(m.group(1)), ("ours" if m.group(2) == "MetaMLIP" else "peer")
            loads.append(float(m.group(3)))
            continue
        if (m := LINE.match(line)) and side:
            rounds.setdefault(m.group(1), {}).setdefault(r, {})[side] = (float(m.group(2)), float(m.group(3)) if m.group(3) else None)
    print(f"{path}: load average {min(loads):.1f}-{max(loads):.1f}" if loads else f"{path}: no rounds")
    for name, by_round in rounds.items():
        pairs = [v for _, v in sorted(by_round.items()) if "ours" in v and "peer" in v]
        if not pairs:
            continue
        def fmt(k, side):
            return ", ".join(f"{p[side][k]:.1f}" for p in pairs)
        def ratio(k):
            rs = sorted(p["peer"][k] / p["ours"][k] for p in pairs)
            return f"{rs[0]:.2f}-{rs[-1]:.2f} (median {rs[len(rs) // 2]:.2f})"
        line = f"  {name}: wall ms ours [{fmt(0, 'ours')}] peer [{fmt(0, 'peer')}] ratio {ratio(0)}"
        if all(p[s][1] is not None for p in pairs for s in ("ours", "peer")):   # the TorchANI/hippynn scripts print no CPU time
            line += f"; cpu ms ours [{fmt(1, 'ours')}] peer [{fmt(1, 'peer')}] ratio {ratio(1)}"
        print(line)


for p in sys.argv[1:]:
    summarise(p)
