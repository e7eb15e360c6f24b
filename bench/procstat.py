"""What the benchmarks read of a process from /proc: its CPU time and memory.
Shared by bench/ingest and bench/hls so that both count the same way."""


def cpu_ticks(pid):
    """utime + stime of every thread of `pid`, in clock ticks (SC_CLK_TCK)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5)


def memory_kib(pid):
    """(RSS, PSS) of `pid` in KiB; PSS is 0 when smaps_rollup cannot be read."""
    rss = pss = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss
