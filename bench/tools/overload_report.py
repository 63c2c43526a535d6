#!/usr/bin/env python3
"""Section 6 of bench/results/latest.md: offered load at 1x, 2x and 4x the reserve path's measured
capacity (bench/tools/openloop, open loop), with the verdicts of issue 15 (NFR 3).

  overload_report.py --splice latest.md results.jsonl
      replaces section 6 of latest.md (or appends it) with the one rendered from results.jsonl:
      what `BENCH_ONLY=overload bench/run` does, so the other sections stay as the full run left them.
"""
import json
import sys

HEADING = "## 6. Overload"


def goodput(r):
    return r["accepted"] / r["send_seconds"] if r.get("send_seconds") else 0


def rate(r, key):
    return r[key] / r["send_seconds"] if r.get("send_seconds") else 0


def check(ok):
    return "met" if ok else "**not met**"


def section(rows):
    """The section's lines, or [] when the run measured no overload."""
    meta = next((r for r in rows if r["kind"] == "meta"), {})
    runs = sorted((r for r in rows if r["kind"] == "overload"), key=lambda r: r["factor"])
    capacity = next((r for r in rows if r["kind"] == "overload_capacity"), None)
    if not runs or not capacity:
        return []
    out = []
    w = out.append
    w(f"{HEADING}: offered load past capacity, admission control on POST /reservations")
    w("")
    w(f"Run {capacity.get('date', '?')}, rev {capacity.get('rev', '?')}; {meta.get('cpu', '?')}, load average "
      f"{capacity.get('load', '?')} when it began. Every service of `cinema up` (embedded "
      "bus) and the load generator share the 2 cores; requests go through the gateway, each reserving a seat nobody asked "
      "for before. Capacity is the goodput (201s) of a closed-loop reserve run with admission control off (wrk, "
      f"{capacity['conns']} connections, {capacity['seconds']} s): **{capacity['goodput']:,.0f}/s** "
      f"(p99 {capacity['p99_us'] / 1000:.2f} ms, {capacity['rejected']} errors). Each row then offers a multiple of it "
      f"for {runs[0]['seconds_planned']} s in an open loop (bench/tools/openloop: requests leave on schedule whatever "
      "the answers, latency counted from when each was due, so a queue shows as latency; \"from sending\" counts "
      "from when it was written, which leaves out the generator's own lag on a busy machine) to a cinema with the "
      "default settings.")
    w("")
    w("| offered | offered req/s | accepted (201/409) req/s | turned away (503) req/s | other | accepted p50 / p99 ms "
      "| 503 p50 / p99 ms | p99 from sending ms (accepted / 503) | 503 without Retry-After or JSON | goodput / 1× | limit at the end (gateway / reservation) | other work, % of a core |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    base = next((goodput(r) for r in runs if r["factor"] == 1), None)
    for r in runs:
        other = r["other"] + r["unanswered"] + sum(r["errors"].values())
        bad = r["rejected_without_retry_after"] + r["rejected_without_json_error"]
        ratio = f"{goodput(r) / base:.2f}×" if base else "—"
        w(f"| {r['factor']}× | {r['offered_rps']:,.0f} | {goodput(r):,.0f} | {rate(r, 'rejected'):,.0f} | {other} | "
          f"{r['accepted_p50_ms']:.2f} / {r['accepted_p99_ms']:.2f} | "
          f"{r['rejected_p50_ms']:.2f} / {r['rejected_p99_ms']:.2f} | "
          f"{r.get('accepted_sent_p99_ms', 0):.2f} / {r.get('rejected_sent_p99_ms', 0):.2f} | {bad} | {ratio} | {r.get('limit', '—')} | "
          f"{r.get('other_cpu_pct', '—')} |")
    w("")
    top = next((r for r in runs if r["factor"] == 4), None)
    if top:
        w("| target (issue 15, NFR 3) | measured | |")
        w("|---|---|---|")
        w(f"| at 4×, the accepted requests keep p99 < 50 ms | {top['accepted_p99_ms']:.2f} ms | "
          f"{check(top['accepted'] > 0 and top['accepted_p99_ms'] < 50)} |")
        if base:
            w(f"| at 4×, goodput ≥ 80% of the 1× figure | {goodput(top):,.0f}/s against {base:,.0f}/s "
              f"({goodput(top) / base:.0%}) | {check(goodput(top) >= 0.8 * base)} |")
        w(f"| a turned-away request is answered in < 5 ms (p99 of the 503s at 4×) | {top['rejected_p99_ms']:.2f} ms | "
          f"{check(top['rejected'] > 0 and top['rejected_p99_ms'] < 5)} |")
        w("")
    lag = max(r["send_lag_p99_ms"] for r in runs)
    w(f"The generator sent 99% of its requests within {lag:.2f} ms of their schedule (worst row); \"other\" counts "
      "answers that are neither 201/409 nor 503, connection errors and requests unanswered at the end. "
      "What the rows mean: docs/PERFORMANCE.md, docs/RESILIENCE.md.")
    w("")
    return out


def splice(markdown_path, rows):
    lines = section(rows)
    if not lines:
        sys.exit("overload_report: the results hold no overload run")
    with open(markdown_path) as f:
        text = f.read().rstrip("\n").split("\n")
    start = next((i for i, line in enumerate(text) if line.startswith(HEADING)), None)
    if start is None:
        # Before the run's notes and closing line, after everything else.
        start = next((i for i, line in enumerate(text) if line.startswith("## Notes") or line.startswith("Whole run")),
                     len(text))
        end = start
    else:
        end = next((i for i in range(start + 1, len(text)) if text[i].startswith("## ") or text[i].startswith("Whole run")),
                   len(text))
    text[start:end] = lines
    with open(markdown_path, "w") as f:
        f.write("\n".join(text) + "\n")


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "--splice":
        sys.exit(__doc__)
    splice(sys.argv[2], load(sys.argv[3]))
