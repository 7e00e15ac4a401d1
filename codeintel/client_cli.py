"""The parse/analyze/scan/stats/workers commands: files -> coordinator batches -> output."""

from __future__ import annotations

import json
import sys

import grpc
from google.protobuf import json_format

from codeintel.files import collect
from codeintel.v1 import (analyze_pb2, common_pb2, coordinator_pb2, coordinator_pb2_grpc, parse_pb2, scan_pb2)

BATCH_FILES = 500
BATCH_BYTES = 32 * 1024 * 1024
MAX_READ = 64 * 1024 * 1024
SEVERITIES = ["info", "low", "medium", "high", "critical"]


def _batches(paths: list[str], language: str, errors: list[tuple[str, str]]):
    files, size = [], 0
    for path in collect(paths):
        try:
            with open(path, "rb") as fh:
                content = fh.read(MAX_READ)
        except OSError as e:
            errors.append((path, f"cannot read: {e.strerror}"))
            continue
        if files and (len(files) >= BATCH_FILES or size + len(content) > BATCH_BYTES):
            yield files
            files, size = [], 0
        files.append(common_pb2.SourceFile(path=path, language=language, content=content))
        size += len(content)
    if files:
        yield files


class BaselineError(ValueError):
    """A baseline file that cannot be used; the message says why."""


def read_baseline(path: str) -> list[str]:
    """Fingerprints from a baseline file (ours: {"fingerprints": [...]}) or a SARIF log (partialFingerprints)."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except OSError as e:
        raise BaselineError(f"cannot read baseline {path}: {e.strerror}") from None
    except ValueError as e:
        raise BaselineError(f"baseline {path} is not JSON: {e}") from None
    if isinstance(data, dict) and isinstance(data.get("fingerprints"), list):
        prints = data["fingerprints"]
    elif isinstance(data, dict) and isinstance(data.get("runs"), list):
        from codeintel.sarif import FINGERPRINT_KEY

        prints = [res.get("partialFingerprints", {}).get(FINGERPRINT_KEY) for run in data["runs"]
                  for res in run.get("results", [])]
        prints = [p for p in prints if p]
    else:
        raise BaselineError(f"baseline {path}: expected {{\"fingerprints\": [...]}} or a SARIF log")
    if not all(isinstance(p, str) for p in prints):
        raise BaselineError(f"baseline {path}: fingerprints must be strings")
    return sorted(set(prints))


def write_baseline(path: str, results) -> int:
    prints = sorted({f.fingerprint for r in results for f in r.findings})
    with open(path, "w", encoding="utf-8") as fh:
        json.dump({"tool": "codeintel", "fingerprints": prints}, fh, indent=1)
        fh.write("\n")
    return len(prints)


def _request(args, files):
    prio = getattr(coordinator_pb2, f"PRIORITY_{args.priority.upper()}")
    ro = coordinator_pb2.RequestOptions(priority=prio)
    if args.command == "parse":
        return coordinator_pb2.CodeIntelServiceParseBatchRequest(
            files=files, options=parse_pb2.ParseOptions(include_ast=args.ast), request_options=ro)
    if args.command == "analyze":
        return coordinator_pb2.CodeIntelServiceAnalyzeBatchRequest(files=files, options=analyze_pb2.AnalyzeOptions(),
                                                                    request_options=ro)
    sev = getattr(scan_pb2, f"SEVERITY_{args.min_severity.upper()}")
    return coordinator_pb2.CodeIntelServiceScanBatchRequest(
        files=files, options=scan_pb2.ScanOptions(min_severity=sev, baseline_fingerprints=args.baseline_prints),
        request_options=ro)


def _rules(stub, args) -> int:
    try:
        resp = stub.ListRules(coordinator_pb2.CodeIntelServiceListRulesRequest(language=args.language), timeout=30)
    except grpc.RpcError as e:
        print(f"codeintel rules: {e.code().name}: {e.details()}", file=sys.stderr)
        return 1
    if args.format == "json":
        print(json_format.MessageToJson(resp, preserving_proto_field_name=True))
        return 0
    for r in resp.rules:
        sev = scan_pb2.Severity.Name(r.severity).removeprefix("SEVERITY_").lower()
        kind = "dataflow" if r.dataflow else "pattern"
        print(f"{r.id:<40} {r.cwe:<9} {sev:<8} {kind:<8} {','.join(r.languages):<34} {r.owasp}")
    print(f"{len(resp.rules)} rules ({resp.service_version})")
    return 0


def _loc(r) -> str:
    return f"{r.start.line + 1}:{r.start.column + 1}"


def _text(command: str, res) -> str:
    if command == "parse":
        lines = [f"{res.path}: {res.language}, {len(res.symbols)} symbols, {len(res.errors)} syntax errors"]
        for s in res.symbols:
            kind = parse_pb2.SymbolKind.Name(s.kind).removeprefix("SYMBOL_KIND_").lower()
            lines.append(f"  {'  ' * s.depth}{kind} {s.qualified_name or s.name}  [{_loc(s.range)}]")
        for e in res.errors:
            lines.append(f"  error {_loc(e.range)}: {e.message}")
        return "\n".join(lines)
    if command == "analyze":
        ln = res.lines
        lines = [f"{res.path}: {res.language}, {ln.total} lines ({ln.code} code, {ln.comment} comment, "
                 f"{ln.blank} blank), {res.function_count} functions, max complexity {res.max_cyclomatic_complexity}, "
                 f"max cognitive {res.max_cognitive_complexity}, maintainability {res.maintainability_index:.1f}, "
                 f"Halstead volume {res.halstead.volume:.0f}, {len(res.duplicates)} duplicated blocks"]
        for f in res.functions:
            lines.append(f"  {f.qualified_name}  cc={f.cyclomatic_complexity} cognitive={f.cognitive_complexity} "
                         f"nesting={f.max_nesting_depth} params={f.parameter_count} lines={f.length_lines} "
                         f"mi={f.maintainability_index:.1f} volume={f.halstead.volume:.0f}  [{_loc(f.range)}]")
        for d in res.duplicates:
            where = ", ".join(f"{o.start.line + 1}-{o.end.line + 1}" for o in d.occurrences)
            lines.append(f"  duplicate: {d.line_count} lines, {d.token_count} tokens at lines {where}")
        return "\n".join(lines)
    return "\n".join(
        f"{res.path}:{_loc(f.range)}: {scan_pb2.Severity.Name(f.severity).removeprefix('SEVERITY_')} "
        f"{f.rule_id} ({f.cwe}) {f.message}"
        for f in res.findings
    )


def _stats_text(s) -> str:
    lines = [f"coordinator {s.version}, up {s.uptime_seconds:.0f}s, workers serving {s.workers_serving}/{s.workers_total}",
             f"{'operation':<9} {'requests':>9} {'files':>8} {'errors':>7} {'l1 hits':>8} {'misses':>8} {'merged':>7} "
             f"{'retries':>7} {'queued':>6} {'p50 ms':>8} {'p99 ms':>8}"]
    for o in s.operations:
        lines.append(f"{o.operation:<9} {o.requests:>9} {o.files:>8} {o.errors:>7} {o.cache_hits_l1:>8} "
                     f"{o.cache_misses:>8} {o.merged:>7} {o.retries:>7} {o.queue_depth:>6} "
                     f"{o.latency_p50_ms:>8.2f} {o.latency_p99_ms:>8.2f}")
    for c in s.caches:
        total = c.hits + c.misses
        ratio = f"{100 * c.hits / total:.1f}%" if total else "-"
        lines.append(f"cache {c.tier}: {c.entries} entries, {c.bytes / 1e6:.1f}/{c.max_bytes / 1e6:.0f} MB, "
                     f"hit ratio {ratio}, {c.evictions} evictions")
    return "\n".join(lines)


def _workers_text(resp) -> str:
    return "\n".join(
        f"{w.service.rsplit('.', 1)[-1]:<15} {w.address:<22} "
        f"{coordinator_pb2.WorkerState.Name(w.state).removeprefix('WORKER_STATE_').lower():<12} "
        f"{w.version:<24} in-flight {w.in_flight}  calls {w.calls}  failures {w.failures}"
        + (f"  last error: {w.last_error}" if w.last_error else "")
        for w in resp.workers
    )


class _Bearer(grpc.UnaryUnaryClientInterceptor):
    """Adds `authorization: Bearer <key>` to every call (coordinators with tenants)."""

    def __init__(self, key: str):
        self.metadata = (("authorization", f"Bearer {key}"),)

    def intercept_unary_unary(self, continuation, details, request):
        details = details._replace(metadata=tuple(details.metadata or ()) + self.metadata)
        return continuation(details, request)


def run(args, address: str) -> int:
    channel = grpc.insecure_channel(address, options=[("grpc.max_receive_message_length", 256 * 1024 * 1024),
                                                      ("grpc.max_send_message_length", 256 * 1024 * 1024)])
    if getattr(args, "api_key", None):
        channel = grpc.intercept_channel(channel, _Bearer(args.api_key))
    if args.command in ("stats", "workers"):
        stub = coordinator_pb2_grpc.AdminServiceStub(channel)
        try:
            resp = stub.GetStats(coordinator_pb2.GetStatsRequest(), timeout=10) if args.command == "stats" else \
                stub.ListWorkers(coordinator_pb2.ListWorkersRequest(), timeout=10)
        except grpc.RpcError as e:
            print(f"codeintel {args.command}: {e.code().name}: {e.details()}", file=sys.stderr)
            return 1
        if args.format == "json":
            print(json_format.MessageToJson(resp))
        else:
            print(_stats_text(resp) if args.command == "stats" else _workers_text(resp))
        return 0
    stub = coordinator_pb2_grpc.CodeIntelServiceStub(channel)
    if args.command == "rules":
        return _rules(stub, args)
    if args.command == "scan":
        try:
            args.baseline_prints = read_baseline(args.baseline) if args.baseline else []
        except BaselineError as e:
            print(f"codeintel scan: {e}", file=sys.stderr)
            return 2
    from codeintel import repo_cli

    if repo_cli.wants_repo(args.paths):  # directories and globs: .gitignore, skips with reasons, progress
        return repo_cli.run(args, address)
    method = {"parse": stub.ParseBatch, "analyze": stub.AnalyzeBatch, "scan": stub.ScanBatch}[args.command]
    errors: list[tuple[str, str]] = []
    results = []
    try:
        for files in _batches(args.paths, args.language, errors):
            resp = method(_request(args, files), timeout=600)
            for f, r in zip(files, resp.results):
                if r.HasField("result"):
                    results.append(r.result)
                else:
                    errors.append((f.path, r.error.message))
    except grpc.RpcError as e:
        print(f"codeintel {args.command}: {e.code().name}: {e.details()}", file=sys.stderr)
        return 1
    if args.format == "json":
        print(json.dumps([json_format.MessageToDict(r, preserving_proto_field_name=True) for r in results], indent=1))
    elif args.format == "sarif":
        from codeintel.sarif import build_sarif

        print(json.dumps(build_sarif(results, tool_version=""), indent=1))
    else:
        for r in results:
            out = _text(args.command, r)
            if out:
                print(out)
    if args.command == "scan" and args.write_baseline:
        n = write_baseline(args.write_baseline, results)
        print(f"codeintel scan: wrote {n} fingerprints to {args.write_baseline}", file=sys.stderr)
    for path, msg in errors:
        print(f"{path}: error: {msg}", file=sys.stderr)
    status = 1 if errors else 0
    if args.command == "scan" and args.fail_on:
        floor = SEVERITIES.index(args.fail_on) + 1  # enum values: INFO=1 .. CRITICAL=5
        if any(f.severity >= floor for r in results for f in r.findings):
            status = 1
    return status
