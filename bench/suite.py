"""`make bench`: every figure of the speed-at-scale issue, each beside a baseline measured in
the same run, in one table and in bench/results/bench.json.

Corpus: the CPython standard library's *.py files without tests (bench.run.corpus); the scan
figure is taken twice, on that corpus and on application code (bench.scan_speed says why). Phases,
in order (each reuses the module named, which also runs on its own as `python -m bench.X`):

1. the two-process in-process parse ceiling (bench.run);
2. scan vs Bandit on the stdlib and on the app corpus (bench.scan_speed), and analyze vs lizard
   (bench.metrics_agreement): both tools of each pair run in this process, timed in its CPU time;
3. a parse-only stack: parse+symbols batched and one file per request vs the ceiling
   (bench.run), one ~8 KB file uncached vs in-process, and a cache hit of that same file vs a
   bare gRPC echo carrying as many bytes each way (bench.echo);
4. a full stack: 100 clients in 4 processes mixing the three tools on application-style files
   (bench.mixed, with `codeintel load`; files of 1-40 KB from the installed web frameworks and
   the quality corpus's handlers) against the p99 of one client alone, with the coordinator's CPU
   per call and peak RSS of every process; then a cold scan of the corpus and a rescan after 5 %
   of the files changed (bench.rescan);
5. dispatch with instantly answering fake workers (bench.dispatch): the coordinator's own CPU per
   uncached dispatch (the figure with the target; beside it what a bare grpc.aio server costs
   per call), and dispatches/s against the same clients calling the fakes directly (reported:
   on this 2-core box clients, fakes and coordinator share the cores, so it measures the box).

    python -m bench.suite [--quick] [--json bench/results/bench.json]

--quick: 40 stdlib files, one timed pass, short durations; a smoke test of the whole suite, its
numbers mean little. Nothing here asserts: the table says which targets are met.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass

from bench import dispatch, echo, metrics_agreement, mixed, rescan, scan_speed
from bench import run as parse_bench
from codeintel.ops.stack import LocalStack

OPS = {">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, "<": lambda a, b: a < b}


@dataclass(frozen=True)
class Profile:
    limit: int | None
    repeats: int  # best-of for throughput figures (ceiling and coordinator alike)
    scan_reps: int  # timed passes per tool for scan vs Bandit (the median is kept; see bench.scan_speed)
    echo_calls: int
    mixed_duration: float
    mixed_baseline: float  # seconds of one client alone before the load
    dispatch_duration: float
    dispatch_warmup: float
    workers: int = 2  # worker processes per service (this box has 2 cores)
    mixed_processes: int = mixed.PROCESSES  # load client processes sharing the mixed load's clients
    mixed_files: int = mixed.APP_FILES  # application-style files sampled for the mixed load
    batch: int = 64
    concurrency: int = 8
    clients: int = 100


FULL = Profile(
    limit=None,
    repeats=3,
    scan_reps=3,
    echo_calls=2000,
    mixed_duration=30.0,
    mixed_baseline=5.0,
    dispatch_duration=10.0,
    dispatch_warmup=5.0,
)
QUICK = Profile(
    limit=40,
    repeats=1,
    scan_reps=1,
    echo_calls=300,
    mixed_duration=2.0,
    mixed_baseline=1.0,
    dispatch_duration=1.5,
    dispatch_warmup=3.0,
    mixed_files=30,
)


def figure(
    fid: str, name: str, measured: float, baseline: float, unit: str, baseline_name: str, target: dict | None, **details
) -> dict:
    """One row: measured, baseline, ratio (measured / baseline) and, when there is a target,
    whether it is met. target = {"on": "ratio"|"measured"|"difference", "op": ">=", "value": x}."""
    ratio = measured / baseline if baseline else None
    met = None
    if target:
        value = {
            "ratio": ratio if ratio is not None else math.inf,
            "measured": measured,
            "difference": measured - baseline,
        }[target["on"]]
        met = OPS[target["op"]](value, target["value"]) and all(details.get("require", {}).values())
    return {
        "id": fid,
        "figure": name,
        "measured": measured,
        "baseline": baseline,
        "ratio": ratio,
        "unit": unit,
        "baseline_name": baseline_name,
        "target": target,
        "met": met,
        "details": details,
    }


def target_text(t: dict | None) -> str:
    if not t:
        return "(report)"
    on = {"ratio": "ratio", "measured": "", "difference": "diff"}[t["on"]]
    return f"{on} {t['op']} {t['value']:g}".strip()


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def parse_figures(files, p: Profile, ceiling: float, log) -> list[dict]:
    stack = parse_bench.parse_stack(p.workers, stderr=log)
    try:
        _log("coordinator throughput: batched and one file per request")
        m = parse_bench.through_stack(stack.address, files, batch=p.batch, concurrency=p.concurrency, repeats=p.repeats)
        _log("latency: 8 KB file uncached vs in-process; the same file as a cache hit vs a same-bytes gRPC echo")
        lat = echo.run(p.echo_calls, stack)
    finally:
        stack.stop()
    (b_rate, b_lat, b_err), (u_rate, u_lat, u_err) = m["batched"], m["unary"]
    pc = echo.pcts
    unc, direct, hit, ech, ech_empty, worker = (
        pc(lat["uncached"]),
        pc(lat["direct"]),
        pc(lat["hit"]),
        pc(lat["echo"]),
        pc(lat["echo_empty"]),
        pc(lat["worker"]),
    )
    ceil_name = f"in-process, {p.workers} processes, no RPC"
    return [
        figure(
            "parse_batched",
            f"parse+symbols via coordinator, batched x{p.batch}",
            b_rate,
            ceiling,
            "files/s",
            ceil_name,
            {"on": "ratio", "op": ">=", "value": 0.90},
            errors=b_err,
            p50_ms=parse_bench.pct(b_lat, 0.5),
            require={"no errors": b_err == 0},
        ),
        figure(
            "parse_unary",
            f"parse+symbols via coordinator, 1 file/request, {p.concurrency} in flight",
            u_rate,
            ceiling,
            "files/s",
            ceil_name,
            {"on": "ratio", "op": ">=", "value": 0.65},
            errors=u_err,
            p50_ms=parse_bench.pct(u_lat, 0.5),
            require={"no errors": u_err == 0},
        ),
        figure(
            "uncached_8kb_p50",
            f"one {lat['file_bytes']} B file uncached, p50",
            unc["p50_ms"],
            direct["p50_ms"],
            "ms",
            "in-process parse p50",
            {"on": "difference", "op": "<=", "value": 1.0},  # issue 17: in-process + 1.0 ms
            file=lat["file"],
            difference_ms=unc["p50_ms"] - direct["p50_ms"],
            worker_direct_p50_ms=worker["p50_ms"],
            uncached=unc,
            in_process=direct,
        ),
        figure(
            "cache_hit_p50",
            f"cache hit via coordinator, same {lat['file_bytes']} B file, p50",
            hit["p50_ms"],
            ech["p50_ms"],
            "ms",
            f"bare gRPC echo p50, {lat['hit_request_bytes']} B in / {lat['hit_response_bytes']} B out as the hit",
            {"on": "ratio", "op": "<=", "value": 1.5},
            file=lat["file"],
            hit_status=lat["hit_status"],
            request_bytes=lat["hit_request_bytes"],
            response_bytes=lat["hit_response_bytes"],
            hit=hit,
            echo=ech,
            echo_empty=ech_empty,
            require={"a check call after the timing was an L1 hit": lat["hit_status"] == "CACHE_STATUS_HIT_L1"},
        ),
    ]


def scan_figures(files, p: Profile) -> list[dict]:
    """Scan vs Bandit on two corpora, each tool timed the same way (bench.scan_speed.time_pair)."""
    app = scan_speed.app_paths()
    corpora = [
        ("stdlib", "stdlib", scan_speed.paths_of(files), 1),
        ("app", "app code", app, scan_speed.copies_for(len(app))),
    ]
    out = []
    for key, label, paths, copies in corpora:
        _log(f"scan vs Bandit on {label}: {len(paths)} files x{copies} (in this process, CPU time)")
        sv = scan_speed.versus_bandit(paths, reps=p.scan_reps, copies=copies)
        out.append(
            figure(
                f"scan_vs_bandit_{key}",
                f"scan, all rules, {label}, files/s (1 process, CPU time)",
                sv["codeintel_files_per_s"],
                sv["bandit_files_per_s"],
                "files/s",
                f"Bandit files/s, same files ({label}), timed the same way",
                {"on": "ratio", "op": ">=", "value": 10.0},
                **{k: v for k, v in sv.items() if k not in ("codeintel_files_per_s", "bandit_files_per_s")},
            )
        )
    return out


# Kept from bench.mixed's run in the mixed-load figure's details (the file-size summary among them).
MIXED_DETAILS = (
    "files",
    "in_flight_per_process",
    "coordinator_cpu_ms_per_call",
    "coordinator_cpu_ms_per_uncached_call",
    "uncached_calls",
)


def stack_figures(files, p: Profile, log) -> tuple[list[dict], dict]:
    """The mixed-load and rescan figures, and the mixed run itself (its coordinator CPU per call
    is set beside the dispatch figure once that is measured)."""
    app = mixed.app_files(p.mixed_files)
    with LocalStack(workers=p.workers, stderr=log) as stack:
        _log(
            f"mixed load: {p.clients} clients in {p.mixed_processes} processes, {p.mixed_duration:g} s "
            f"(after {p.mixed_baseline:g} s of one client); {mixed.size_text(mixed.size_summary(app))}"
        )
        mx = mixed.run(
            stack,
            p.clients,
            p.mixed_duration,
            "mixed",
            baseline_duration=p.mixed_baseline,
            processes=p.mixed_processes,
            files=app,
        )
        _log("rescan: cold scan, 5 % changed, rescan")
        rs = rescan.run(stack.address, files)
    rep, base = mx["report"], mx["baseline"]
    errors = rep["errors"]
    out = [
        figure(
            "mixed_p99",
            f"{p.clients} clients mixing 3 tools, application-style files, {p.mixed_duration:g} s, p99",
            rep["latency"]["p99_ms"],
            base["latency"]["p99_ms"],
            "ms",
            "same mix, one client, p99",
            {"on": "measured", "op": "<", "value": 100.0},
            errors=errors,
            errors_by_code=rep["errors_by_code"],
            requests=rep["requests"],
            throughput_rps=rep["throughput_rps"],
            p50_ms=rep["latency"]["p50_ms"],
            baseline_errors=base["errors"],
            client_processes=mx["processes"],
            clients_cpu_percent={
                n: m["cpu_percent"] for n, m in mx["memory"].items() if n.startswith(mixed.LOAD_CLIENT)
            },
            **{k: mx[k] for k in MIXED_DETAILS},
            require={"zero errors": errors == 0},
        )
    ]
    cold, warm, dig = rs["cold"], rs["rescan"], rs["rescan_by_digest"]
    rescan_errors = sum(x["file_errors"] + x["call_errors"] for x in (cold, warm, dig))
    out += [
        figure(
            "rescan_hits",
            f"rescan after {rs['changed']} of {rs['files']} files changed: cache-hit share",
            rs["hit_share"],
            rs["ideal_hit_share"],
            "share",
            "share of unchanged files",
            {"on": "measured", "op": ">=", "value": 0.95},
            statuses=warm["statuses"],
            errors=rescan_errors,
            require={"no errors": rescan_errors == 0},
        ),
        figure(
            "rescan_time",
            "rescan time",
            warm["seconds"],
            cold["seconds"],
            "s",
            "cold scan of the same files",
            {"on": "ratio", "op": "<=", "value": 0.10},
            cold_files_per_s=rs["files"] / cold["seconds"],
        ),
        figure(
            "rescan_time_by_digest",
            "rescan time, unchanged files named by digest (LookupBatch, then the changed files' content)",
            dig["seconds"],
            cold["seconds"],
            "s",
            "cold scan of the same files",
            {"on": "ratio", "op": "<=", "value": 0.10},
            # What no rescan can avoid: the changed files alone, scanned cold, and their share of the bytes.
            changed_only_seconds=rs["changed_only"]["seconds"],
            changed_only_ratio=rs["floor_ratio"],
            changed_bytes_share=rs["changed_bytes"] / max(rs["bytes"], 1),
            lookup_bytes=dig["lookup_bytes"],
            content_bytes=dig["content_bytes"],
            errors=dig["file_errors"] + dig["call_errors"],
        ),
    ]
    for name, m in mx["memory"].items():
        out.append(
            figure(
                f"peak_rss.{name}",
                f"peak RSS under the mixed load: {name}",
                m["peak_rss_mb"],
                m["rss_idle_mb"],
                "MB",
                "RSS before the load",
                None,
                cpu_percent=m["cpu_percent"],
                pid=m["pid"],
            )
        )
    return out, mx


def dispatch_figures(d: dict, mx: dict) -> list[dict]:
    direct = d["direct"]
    per = d["coordinator_cpu_ms_per_dispatch"]
    common = {
        "clients": f"{d['clients']} processes x {d['concurrency']} in flight",
        "clients_cpu_percent": d["clients_cpu_percent"],
        "coordinator_cpu_percent": d["coordinator_cpu_percent"],
        "dispatches_per_s": d["dispatches_per_s"],
        "direct_per_s": direct["per_s"],
        "errors": d["errors"],
    }
    return [
        figure(
            "dispatch_cpu",
            "coordinator CPU per uncached dispatch, instant workers",
            per,
            direct["fake_workers_cpu_ms_per_call"],
            "ms",
            "a bare grpc.aio server's CPU per call (the fakes, called directly)",
            {"on": "measured", "op": "<=", "value": dispatch.TARGET_CPU_MS},
            per_coordinator_cpu_second=d["dispatches_per_coordinator_cpu_second"],
            **common,
            require={"no errors": d["errors"] == 0, "dispatches answered": per > 0},
        ),
        figure(
            "dispatch",
            "coordinator dispatches/s, instant workers (the whole box)",
            d["dispatches_per_s"],
            direct["per_s"],
            "calls/s",
            "same clients straight to the fakes",
            None,
            **common,
        ),
        figure(
            "mixed_coordinator_cpu",
            "coordinator CPU per uncached call, mixed load (upper bound)",
            mx["coordinator_cpu_ms_per_uncached_call"],
            per,
            "ms",
            "coordinator CPU per dispatch, instant workers",
            None,
            per_call_ms=mx["coordinator_cpu_ms_per_call"],
            uncached_calls=mx["uncached_calls"],
            calls=mx["report"]["ok"],
            coordinator_cpu_s=mx["coordinator_cpu_s"],
        ),
    ]


def run_suite(p: Profile, log=None) -> dict:
    """All figures; `log` (a file) takes the stacks' own logs."""
    t_start = time.perf_counter()
    files = parse_bench.corpus(p.limit)
    mb = sum(len(d) for _, d in files) / 1e6
    _log(f"corpus: {len(files)} files, {mb:.1f} MB; in-process ceiling, {p.workers} processes")
    ceiling = parse_bench.direct_processes(files, p.workers, p.repeats)
    figures = []
    figures += scan_figures(files, p)
    _log("analyze vs lizard (one process each, CPU time)")
    az = metrics_agreement.compare(files)
    figures.append(
        figure(
            "analyze_vs_lizard",
            "analyze files/s (1 process, CPU time)",
            az["codeintel_files_per_s"],
            az["lizard_files_per_s"],
            "files/s",
            "lizard files/s",
            {"on": "ratio", "op": ">=", "value": 2.5},
            parse_share=az["parse_s"] / az["codeintel_s"],
            cyclomatic_agreement=az["agree"] / az["matched"] if az["matched"] else 0.0,
        )
    )
    figures += parse_figures(files, p, ceiling, log)
    stack, mx = stack_figures(files, p, log)
    figures += stack
    _log(f"dispatch: {p.dispatch_duration:g} s direct to fakes, then via the coordinator")
    figures += dispatch_figures(dispatch.run(duration=p.dispatch_duration, warmup=p.dispatch_warmup), mx)
    # Order of the list.
    order = [
        "parse_batched",
        "parse_unary",
        "uncached_8kb_p50",
        "cache_hit_p50",
        "mixed_p99",
        "mixed_coordinator_cpu",
        "scan_vs_bandit_stdlib",
        "scan_vs_bandit_app",
        "analyze_vs_lizard",
        "rescan_hits",
        "rescan_time",
        "rescan_time_by_digest",
        "dispatch_cpu",
        "dispatch",
    ]
    figures.sort(key=lambda f: order.index(f["id"]) if f["id"] in order else len(order))
    return {
        "profile": "quick" if p == QUICK else "full",
        "settings": asdict(p),
        "corpus_files": len(files),
        "corpus_mb": mb,
        "python": sys.version.split()[0],
        "machine": {"cores": os.cpu_count(), "platform": platform.platform(), "loadavg_at_end": os.getloadavg()},
        "elapsed_s": time.perf_counter() - t_start,
        "figures": figures,
    }


def _num(v: float, unit: str) -> str:
    if unit == "share":
        return f"{100 * v:.1f} %"
    if unit == "ms":
        return f"{v:.3f} ms"
    if unit == "s":
        return f"{v:.2f} s"
    if unit == "MB":
        return f"{v:.1f} MB"
    return f"{v:,.0f}/s"


def _ratio(r: float | None) -> str:
    return "-" if r is None else f"{r:.2f}x"


def format_table(result: dict) -> str:
    lines = [f"{'figure':<62} {'measured':>12} {'baseline':>12} {'ratio':>7}  {'target':<14} met?", "-" * 116]
    for f in result["figures"]:
        met = {True: "yes", False: "NO", None: "-"}[f["met"]]
        extra = [
            f"{k}={'; '.join(n for n, ok in v.items() if not ok)} failed"
            for k, v in f["details"].items()
            if k == "require" and not all(v.values())
        ]
        note = f"  ({extra[0]})" if extra else ""
        lines.append(
            f"{f['figure'][:62]:<62} {_num(f['measured'], f['unit']):>12} "
            f"{_num(f['baseline'], f['unit']):>12} {_ratio(f['ratio']):>7}  {target_text(f['target']):<14} "
            f"{met}{note}"
        )
    lines.append("")
    lines.append(
        "baselines: "
        + "; ".join(
            f"{f['id']}: {f['baseline_name']}" for f in result["figures"] if not f["id"].startswith("peak_rss.")
        )
        + "; peak RSS: RSS before the load"
    )
    lines.append(
        f"corpus {result['corpus_files']} files, {result['corpus_mb']:.1f} MB; {result['profile']} profile; "
        f"{result['elapsed_s']:.0f} s; load average at end {result['machine']['loadavg_at_end'][0]:.1f}"
    )
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small corpus, short durations (smoke test)")
    ap.add_argument("--json", default="bench/results/bench.json")
    a = ap.parse_args(argv)
    os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
    log_path = os.path.splitext(a.json)[0] + ".stack.log"
    with open(log_path, "w") as log:
        result = run_suite(QUICK if a.quick else FULL, log)
    print(format_table(result))
    with open(a.json, "w") as fh:
        json.dump(result, fh, indent=1, default=str)
        fh.write("\n")
    print(f"results written to {a.json} (the stacks' logs: {log_path})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
