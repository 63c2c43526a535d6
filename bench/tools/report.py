#!/usr/bin/env python3
"""Renders bench/run's results (JSON lines) as the Markdown table of bench/results/latest.md."""
import json
import statistics
import sys

from overload_report import section as overload_section


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                rows.append(json.loads(line))
    return rows


def fmt_int(v):
    return "—" if v is None else f"{v:,.0f}"


def fmt_ms(us):
    return "—" if us is None else f"{us / 1000:.2f}"


def fmt_ratio(a, b):
    return "—" if not a or not b else f"{a / b:.2f}×"


def figures(r):
    """'4,583 | 6.51 | 14.89 | 0': req/s, p50 ms, p99 ms and errors of one wrk run, as table cells."""
    return f"{fmt_int(r['rps'])} | {fmt_ms(r['p50_us'])} | {fmt_ms(r['p99_us'])} | {r['non2xx'] + r['socket_errors']}"


def check(ok):
    return "—" if ok is None else ("met" if ok else "**not met**")


def shares_text(cpu, run_id):
    """'gateway 86%, viewpage 54%': CPU of each measured process during one run, largest first."""
    shares = [(r["process"], r["pct"]) for r in cpu if r["id"] == run_id and not r["process"].startswith("postgres")]
    # A PostgreSQL server is a process per connection and a few of its own: one entry for them all.
    server = [r["pct"] for r in cpu if r["id"] == run_id and r["process"].startswith("postgres")]
    if server:
        shares.append(("PostgreSQL server (all its processes)", sum(server)))
    return ", ".join(f"{name} {pct}%" for name, pct in sorted(shares, key=lambda x: -x[1]))


def cpu_ms_per_request(cpu, wrk, run_id):
    """CPU milliseconds the measured processes spent per request of one run (None if not measured)."""
    shares = [r["pct"] for r in cpu if r["id"] == run_id]
    rate = wrk.get(run_id, {}).get("rps")
    return sum(shares) * 10 / rate if shares and rate else None


SECURITY_ROUND_IDS = {"reserve": ("sec_dev_{n}_reserve", "sec_enf_{n}_reserve"), "views": ("secv_dev_{n}", "secv_enf_{n}")}


def security_rounds(cpu, wrk, kind="reserve"):
    """The paired dev/enforce rounds of the security cost (reserve or gzip views): each round's runs and CPU ratio."""
    dev_fmt, enf_fmt = SECURITY_ROUND_IDS[kind]
    rounds, n = [], 1
    while dev_fmt.format(n=n) in wrk or enf_fmt.format(n=n) in wrk:
        dev_id, enf_id = dev_fmt.format(n=n), enf_fmt.format(n=n)
        cd, ce = cpu_ms_per_request(cpu, wrk, dev_id), cpu_ms_per_request(cpu, wrk, enf_id)
        if cd and ce:
            rounds.append({"round": n, "dev": wrk[dev_id], "enf": wrk[enf_id], "cpu_dev": cd, "cpu_enf": ce,
                           "ratio": ce / cd, "dev_id": dev_id, "enf_id": enf_id})
        n += 1
    return rounds


PG_RUNS = ("pgemb", "pg", "pg2")  # each round: embedded, one instance, two instances on PostgreSQL


def pg_rounds(wrk):
    """The rounds of the PostgreSQL comparison: each round's embedded, one-instance and two-instance runs."""
    rounds, n = [], 1
    while any(f"{k}_{n}_reserve" in wrk for k in PG_RUNS):
        ids = {k: f"{k}_{n}_reserve" for k in PG_RUNS}
        rounds.append({"round": n, "ids": ids, **{k: wrk.get(i) for k, i in ids.items()}})
        n += 1
    return rounds


def median_ratio(rounds, a, b, field="rps"):
    """The median over rounds of a's figure / b's (None when no round has both)."""
    ratios = [r[a][field] / r[b][field] for r in rounds if r.get(a) and r.get(b) and r[b][field]]
    return (statistics.median(ratios), sorted(ratios)) if ratios else (None, [])


def main():
    rows = load(sys.argv[1])
    meta = next((r for r in rows if r["kind"] == "meta"), {})
    end = next((r for r in rows if r["kind"] == "end"), {})
    wrk = {r["id"]: r for r in rows if r["kind"] == "wrk"}
    fresh = {r["bus"]: r for r in rows if r["kind"] == "fresh"}
    startup = {r["system"]: r["ms"] for r in rows if r["kind"] == "startup"}
    drain = {r["id"]: r["ms"] for r in rows if r["kind"] == "drain"}
    notes = [r["text"] for r in rows if r["kind"] == "note"]
    rss = [r for r in rows if r["kind"] == "rss"]
    cpu = [r for r in rows if r["kind"] == "cpu"]
    rps = lambda i: wrk.get(i, {}).get("rps")
    p99 = lambda i: wrk.get(i, {}).get("p99_us")
    out = []
    w = out.append

    w(f"# cinema benchmarks: {meta.get('date', '?')}, rev {meta.get('rev', '?')}"
      f"{' (src/ had uncommitted changes)' if meta.get('dirty') else ''}")
    w("")
    if meta.get("quick"):
        w("**Quick smoke run** (`bench/run --quick`): checks that every benchmark runs; the figures are too short to mean much.")
        w("")
    w(f"Machine: {meta.get('cpu', '?')}; the load generator (wrk, {meta.get('threads')} thread) and every server share "
      f"those cores, and the machine is shared with other work (load average {meta.get('load', '?')} at the start, "
      f"{end.get('load', '?')} at the end). Each load run lasts {meta.get('seconds')} s; HTTP ceiling runs use "
      f"{meta.get('conns')} connections, reserve and view runs {meta.get('load_conns')}; everything on 127.0.0.1. "
      f"{meta.get('wrk', 'wrk')}, nginx {meta.get('nginx', '?')}, Node {meta.get('node', '?')}. "
      "Compare ratios taken in one run rather than absolute figures; the \"other work\" columns show how much CPU "
      "processes outside the benchmark took during each run (200% = both cores). What each row measures: "
      "docs/PERFORMANCE.md.")
    w("")

    # ---- targets ----
    idle = [r for r in rss if r["system"] == "cinema" and r["phase"] == "idle" and r["process"] not in ("cinema",)]
    max_idle = max((r["kb"] for r in idle), default=None)
    targets = []

    def target(name, value_text, ok):
        targets.append((name, value_text, check(ok)))

    def paired_target(case, rounds):
        """The security cost of `case`, judged on the median of its paired rounds' CPU ratios."""
        ratios = sorted(r["ratio"] for r in rounds)
        middle = statistics.median(ratios)
        target(f"security.mode enforce costs ≤ 10% of dev: {case} (servers' CPU per request, median of "
               f"{len(rounds)} paired rounds)",
               f"{(middle - 1) * 100:+.1f}% (rounds: " + ", ".join(f"{(x - 1) * 100:+.1f}%" for x in ratios) + ")",
               middle <= 1.1)

    bare, n200, gw, nproxy = rps("bare_liveness"), rps("nginx_200"), rps("gateway_lag"), rps("nginx_proxy_lag")
    target("bare service route ≥ 0.7× nginx `return 200`", fmt_ratio(bare, n200), None if not bare or not n200 else bare / n200 >= 0.7)
    target("gateway ≥ 0.9× nginx reverse proxy", fmt_ratio(gw, nproxy), None if not gw or not nproxy else gw / nproxy >= 0.9)
    r_ours, r_peer = rps("ours_reserve"), rps("peer_reserve")
    ours_reserve = wrk.get("ours_reserve")
    if ours_reserve:
        ok = ours_reserve["rps"] >= 5000 and ours_reserve["p99_us"] < 20000 and ours_reserve["non2xx"] == 0
        target("reserve through the gateway ≥ 5,000/s, p99 < 20 ms (embedded bus)",
               f"{fmt_int(ours_reserve['rps'])}/s, p99 {fmt_ms(ours_reserve['p99_us'])} ms", ok)
    else:
        target("reserve through the gateway ≥ 5,000/s, p99 < 20 ms (embedded bus)", "—", None)
    # Like for like: the peer has no event consumers, so it is compared with cinema's reserve path alone.
    r_core = rps("ours_core_reserve") or r_ours
    target("reserve ≥ 5× the Node peer (reserve path alone, as the peer)", fmt_ratio(r_core, r_peer),
           None if not r_core or not r_peer else r_core / r_peer >= 5)
    # Counted as clients ask for it, with Accept-Encoding: gzip; the plain figure is shown beside it.
    v, v_gz = rps("ours_views_all"), rps("ours_views_all_gzip")
    target("GET /movieViews ≥ 30,000 req/s (client accepts gzip)",
           f"{fmt_int(v_gz)}/s (without gzip: {fmt_int(v)}/s)" if v_gz and v else "—",
           None if not v_gz else v_gz >= 30000)
    fe = fresh.get("embedded")
    target("freshness p99 < 20 ms (embedded bus)", f"{fe['p99_ms']} ms" if fe and fe.get("p99_ms") is not None else "—",
           None if not fe or fe.get("p99_ms") is None else fe["p99_ms"] < 20)
    target("idle RSS < 15 MB per service", f"largest {max_idle / 1024:.1f} MB" if max_idle else "—",
           None if not max_idle else max_idle < 15 * 1024)
    # Enforce mode against dev in the same run: reserve, and the view answer clients ask for (gzip).
    # The verdict reads the CPU the servers spend per request, which is what enforcing adds to; the
    # request rates of runs minutes apart on a shared 2-core machine differ by more than 10% with no
    # change at all (the rates stand beside it).
    rounds = security_rounds(cpu, wrk)
    if rounds:
        paired_target("reserve", rounds)
    d, e = rps("ours_views_all_gzip"), rps("enf_views_all_gzip")
    cd, ce = cpu_ms_per_request(cpu, wrk, "ours_views_all_gzip"), cpu_ms_per_request(cpu, wrk, "enf_views_all_gzip")
    rates = f"{fmt_int(e)}/s against {fmt_int(d)}/s" if d and e else "—"
    view_rounds = security_rounds(cpu, wrk, "views")
    if view_rounds:
        paired_target("GET /movieViews, gzip", view_rounds)
    elif cd and ce:
        target("security.mode enforce costs ≤ 10% of dev: GET /movieViews (servers' CPU per request)",
               f"{ce:.3f} ms against {cd:.3f} ms ({(ce / cd - 1) * 100:+.1f}%); {rates}", ce <= 1.1 * cd)
    elif d or e:
        target("security.mode enforce costs ≤ 10% of dev: GET /movieViews", rates, None if not d or not e else e >= 0.9 * d)
    # Reserve with reservation and payment on PostgreSQL, beside an embedded run of the same round.
    pg_r = pg_rounds(wrk)
    rate, rate_ratios = median_ratio(pg_r, "pg", "pgemb")
    p99, p99s = median_ratio(pg_r, "pg", "pgemb", "p99_us")
    listed = lambda xs: ", ".join(f"{x:.2f}×" for x in xs)
    target(f"reserve on PostgreSQL ≥ 40% of embedded, p99 < 3× embedded p99 (medians of {len(rate_ratios)} rounds)",
           f"{rate:.2f}× (rounds: {listed(rate_ratios)}); p99 {p99:.2f}× (rounds: {listed(p99s)})" if rate and p99 else "—",
           None if not rate or not p99 else rate >= 0.4 and p99 < 3)
    two, twos = median_ratio(pg_r, "pg2", "pg")
    target(f"two instances of reservation and payment on PostgreSQL faster than one (median of {len(twos)} rounds)",
           f"{two:.2f}× (rounds: {listed(twos)})" if two else "—", None if not two else two > 1)
    s = startup.get("cinema embedded")
    target("`cinema up` ready < 1 s", f"{s} ms" if s is not None else "—", None if s is None else s < 1000)
    w("## Targets")
    w("")
    w("| target | measured | |")
    w("|---|---|---|")
    for t in targets:
        w(f"| {t[0]} | {t[1]} | {t[2]} |")
    w("")

    # ---- 1. HTTP ceiling ----
    if any(i in wrk for i in ("nginx_200", "bare_liveness", "gateway_lag")):
        w(f"## 1. HTTP ceiling (wrk -t{meta.get('threads')} -c{meta.get('conns')})")
        w("")
        w("| case | req/s | p50 ms | p99 ms | errors | servers' CPU, % of a core | wrk's CPU | other work |")
        w("|---|---:|---:|---:|---:|---|---:|---:|")
        for i in ("nginx_200", "bare_liveness", "direct_lag", "nginx_proxy_lag", "gateway_lag"):
            r = wrk.get(i)
            if r:
                w(f"| {r['label']} | {figures(r)} | {shares_text(cpu, i) or '—'} | {r.get('wrk_cpu_pct', '—')} | "
                  f"{r.get('other_cpu_pct', '—')} |")
        w("")
        w(f"Ratios: bare service route / nginx `return 200` = **{fmt_ratio(bare, n200)}**; "
          f"gateway / nginx reverse proxy = **{fmt_ratio(gw, nproxy)}**; "
          f"gateway / the same route without a proxy = {fmt_ratio(gw, rps('direct_lag'))}; "
          f"nginx proxy / the same route without a proxy = {fmt_ratio(nproxy, rps('direct_lag'))}.")
        w("")

    # ---- 2-3. reserve and views ----
    pairs = [("reserve", "POST /reservations (one new seat each, through the gateway for cinema)"),
             ("core_reserve", "the same, cinema with the reserve path alone (movie, reservation, payment, gateway)"),
             ("views_all", "GET /movieViews (100 movies × 11 screenings; through the gateway for cinema)"),
             ("views_all_gzip", "the same, the client accepting gzip (the Node peer answers uncompressed)"),
             ("views_one", "GET /movieViews/{id} (one movie)"),
             ("views_all_direct", "GET /movieViews on the viewpage port (no gateway)")]
    if any(f"ours_{k}" in wrk or f"peer_{k}" in wrk for k, _ in pairs):
        w(f"## 2–3. Reserve and views, side by side with the Node.js peer (wrk -t{meta.get('threads')} -c{meta.get('load_conns')})")
        w("")
        w("| case | cinema req/s | p50 ms | p99 ms | errors | Node peer req/s | p50 ms | p99 ms | errors | cinema / peer "
          "| other work, % of a core (cinema / peer) |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for key, label in pairs:
            a, b = wrk.get(f"ours_{key}"), wrk.get("peer_reserve" if key == "core_reserve" else f"peer_{key}")
            if not a and not b:
                continue
            cell = lambda r: ([fmt_int(r["rps"]), fmt_ms(r["p50_us"]), fmt_ms(r["p99_us"]), str(r["non2xx"] + r["socket_errors"])]
                              if r else ["—"] * 4)
            other = " / ".join(str(r.get("other_cpu_pct", "—")) if r else "—" for r in (a, b))
            w(f"| {label} | " + " | ".join(cell(a) + cell(b)) + f" | {fmt_ratio(a and a['rps'], b and b['rps'])} | {other} |")
        w("")
        body = wrk.get("ours_views_all") or wrk.get("peer_views_all")
        if body and body.get("bytes") and body.get("requests"):
            gz = wrk.get("ours_views_all_gzip")
            compressed = (f"; cinema's gzip answer about {gz['bytes'] / gz['requests'] / 1024:.1f} KB"
                          if gz and gz.get("bytes") and gz.get("requests") else "")
            w(f"A GET /movieViews answer is about {body['bytes'] / body['requests'] / 1024:.0f} KB (headers included){compressed}.")
            w("")
        for sysid, name in (("ours_reserve", "cinema reserve"), ("ours_core_reserve", "cinema reserve path alone"),
                            ("peer_reserve", "Node peer reserve"),
                            ("ours_views_all", "cinema GET /movieViews"), ("peer_views_all", "Node peer GET /movieViews")):
            shares = [r for r in cpu if r["id"] == sysid and r["pct"] > 0]
            if shares:
                total = sum(r["pct"] for r in shares)
                per = f"; {total * 10 / wrk[sysid]['rps']:.2f} ms of CPU per request" if wrk.get(sysid, {}).get("rps") else ""
                w(f"CPU during the {name} run (100% = one core): "
                  + ", ".join(f"{r['process']} {r['pct']}%" for r in sorted(shares, key=lambda r: -r["pct"]))
                  + f" (total {total}%{per}).")
                w("")
        if "ours_reserve" in drain:
            w(f"After the reserve run the view page had applied every event {drain['ours_reserve'] / 1000:.1f} s later "
              "(the consumers' backlog).")
            w("")

    # ---- 3b. security cost ----
    sec = [("views_all_gzip", "GET /movieViews, gzip: enforce reads as one signed-in customer"),
           ("views_one", "GET /movieViews/{id}: the same reader")]
    rounds, view_rounds = security_rounds(cpu, wrk), security_rounds(cpu, wrk, "views")
    if rounds or view_rounds or any(f"enf_{k}" in wrk for k, _ in sec):
        w("## 3b. What security costs: `security.mode` enforce beside dev (same run, embedded bus, gateway limits off)")
        w("")
        w("| case | dev req/s | p50 ms | p99 ms | enforce req/s | p50 ms | p99 ms | errors (enforce) | enforce / dev |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        paired = [(rounds, "POST /reservations", "enforce signs in as 2,000 customers in turn", "reserve"),
                  (view_rounds, "GET /movieViews, gzip", "enforce reads as one signed-in customer", "GET /movieViews gzip")]
        for each, case, how, _ in paired:
            for r in each:
                d, e = r["dev"], r["enf"]
                w(f"| {case}, round {r['round']}: {how} | "
                  f"{fmt_int(d['rps'])} | {fmt_ms(d['p50_us'])} | {fmt_ms(d['p99_us'])} | {fmt_int(e['rps'])} | "
                  f"{fmt_ms(e['p50_us'])} | {fmt_ms(e['p99_us'])} | {e['non2xx'] + e['socket_errors']} | "
                  f"{fmt_ratio(e['rps'], d['rps'])} |")
        for key, label in sec:
            d, e = wrk.get(f"ours_{key}"), wrk.get(f"enf_{key}")
            if not e:
                continue
            dev_cells = [fmt_int(d["rps"]), fmt_ms(d["p50_us"]), fmt_ms(d["p99_us"])] if d else ["—"] * 3
            w(f"| {label} | " + " | ".join(dev_cells) + f" | {fmt_int(e['rps'])} | {fmt_ms(e['p50_us'])} | "
              f"{fmt_ms(e['p99_us'])} | {e['non2xx'] + e['socket_errors']} | {fmt_ratio(e['rps'], d and d['rps'])} |")
        w("")
        if rounds:
            w("Reserve is measured in paired rounds (dev, then enforce, each on a fresh system): its CPU per request "
              "moves with how many writes share a commit, by more between runs than what enforcing adds.")
            w("")
        if view_rounds:
            w("GET /movieViews with gzip is measured in paired rounds too (dev, then enforce, each on a fresh system): "
              "one run each moved by more between full runs than what enforcing adds.")
            w("")
        for each, _, _, name in paired:
            for r in each:
                w(f"Servers' CPU per request, {name} round {r['round']}: dev {r['cpu_dev']:.3f} ms "
                  f"({shares_text(cpu, r['dev_id'])}), enforce {r['cpu_enf']:.3f} ms ({shares_text(cpu, r['enf_id'])}): "
                  f"{(r['ratio'] - 1) * 100:+.1f}%.")
                w("")
        for key, label in sec:
            cd, ce = cpu_ms_per_request(cpu, wrk, f"ours_{key}"), cpu_ms_per_request(cpu, wrk, f"enf_{key}")
            if cd and ce:
                w(f"Servers' CPU per request, {label.split(':')[0]}: dev {cd:.3f} ms ({shares_text(cpu, f'ours_{key}')}), "
                  f"enforce {ce:.3f} ms ({shares_text(cpu, f'enf_{key}')}): {(ce / cd - 1) * 100:+.1f}%.")
                w("")

    # ---- 3c. PostgreSQL ----
    pg_labels = dict(zip(PG_RUNS, ("embedded (SQLite files), one instance each",
                                   "reservation and payment on PostgreSQL, one instance each",
                                   "reservation and payment on PostgreSQL, two instances each")))
    if pg_r:
        w("## 3c. Reserve on PostgreSQL (POST /reservations through the gateway, every service running)")
        w("")
        w("Rounds of three runs, each on a fresh system: embedded, then reservation and payment on PostgreSQL "
          "with one instance each, then two. Ratios are to the embedded run of the same round.")
        w("")
        w("| round | store | req/s | p50 ms | p99 ms | errors | / embedded | servers' CPU, % of a core |")
        w("|---|---|---:|---:|---:|---:|---:|---|")
        for rnd in pg_r:
            base = rnd.get("pgemb")
            for key, label in pg_labels.items():
                r = rnd.get(key)
                if r:
                    w(f"| {rnd['round']} | {label} | {figures(r)} | {fmt_ratio(r['rps'], base and base['rps'])} | "
                      f"{shares_text(cpu, rnd['ids'][key]) or '—'} |")
        w("")
        w("An Express + Sequelize + PostgreSQL + Redis booking service held ~470 seats/s on this kind of machine "
          "without any payment step (../shared/FACTS.md).")
        w("")

    # ---- 4. freshness ----
    if fresh:
        w("## 4. Event freshness: reservation's 201 → visible in the view (sequential, unloaded)")
        w("")
        w("| bus | measured | p50 ms | p99 ms | max ms | timeouts (> 5 s) | reserve latency p50 / p99 ms |")
        w("|---|---:|---:|---:|---:|---:|---:|")
        for bus in ("embedded", "kafka"):
            f = fresh.get(bus)
            if f:
                w(f"| {bus} | {f['n']} | {f['p50_ms']} | {f['p99_ms']} | {f['max_ms']} | {f['timeouts']} | "
                  f"{f['reserve_p50_ms']} / {f['reserve_p99_ms']} |")
        w("")

    # ---- 5. footprint ----
    if rss or startup:
        w("## 5. Footprint")
        w("")
        w("| process | idle RSS MB | RSS after the load runs MB |")
        w("|---|---:|---:|")
        for system in ("cinema", "node peer"):
            procs = []
            for r in rss:
                if r["system"] == system and r["process"] not in procs:
                    procs.append(r["process"])
            for p in procs:
                kb = {r["phase"]: r["kb"] for r in rss if r["system"] == system and r["process"] == p}
                label = f"{system}: {'supervisor (`cinema up`)' if p == 'cinema' else p}"
                w(f"| {label} | {kb.get('idle', 0) / 1024:.1f} | "
                  f"{(kb['after load'] / 1024) if 'after load' in kb else float('nan'):.1f} |")
            total = {ph: sum(r["kb"] for r in rss if r["system"] == system and r["phase"] == ph) for ph in ("idle", "after load")}
            if procs:
                w(f"| **{system}: all processes** | **{total['idle'] / 1024:.1f}** | **{total['after load'] / 1024:.1f}** |")
        w("")
        if startup:
            w("Start-up until ready: " + "; ".join(f"{k} {v} ms" for k, v in startup.items()) +
              " (cinema: `cinema up` printed that every service answered readiness and the gateway's health is 200;"
              " the Kafka figure includes the in-process mock cluster).")
            w("")

    out.extend(overload_section(rows))

    if notes:
        w("## Notes from this run")
        w("")
        for n in notes:
            w(f"- {n}")
        w("")
    w(f"Whole run: {end.get('ms', 0) / 1000:.0f} s.")
    print("\n".join(out))


if __name__ == "__main__":
    main()
