"""Reads a SYNETUNE_SLURM_TRACE file and prints latency figures (median / p90 / max)."""
import statistics
import sys

submit, first, seen = {}, {}, []
for line in open(sys.argv[1]):
    w = line.split()
    if w[0] == "submit":
        submit[w[2]] = float(w[3])
    elif w[0] == "result":
        job, wall, ts = w[2], float(w[3]), float(w[4])
        seen.append(wall - ts)
        first.setdefault(job, ts)
start = [first[j] - submit[j] for j in first if j in submit]


def fmt(name, xs):
    xs = sorted(xs)
    if not xs:
        return f"{name}: no data"
    p90 = xs[min(len(xs) - 1, int(0.9 * len(xs)))]
    return (f"{name}: n={len(xs)} median={statistics.median(xs)*1000:.0f} ms "
            f"p90={p90*1000:.0f} ms max={xs[-1]*1000:.0f} ms")


print(fmt("metric line written -> seen by the tuner", seen))
print(fmt("sbatch -> first metric line written", start))
if len(sys.argv) > 2 and seen and statistics.median(seen) >= float(sys.argv[2]):
    sys.exit(f"median metric latency {statistics.median(seen):.3f} s >= {sys.argv[2]} s")
