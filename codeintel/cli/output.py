"""What the per-file commands print: text lines, a JSON list of results, or one SARIF log."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from google.protobuf import json_format

from codeintel.client import ClientError
from codeintel.kernel import vocab
from codeintel.kernel.sarif import build_sarif
from codeintel.v1 import coordinator_pb2, parse_pb2


def _loc(r: Any) -> str:
    return f"{r.start.line + 1}:{r.start.column + 1}"


def text(command: str, res: Any) -> str:
    """One result as the text lines of `command` (parse, analyze or scan)."""
    if command == "parse":
        lines = [f"{res.path}: {res.language}, {len(res.symbols)} symbols, {len(res.errors)} syntax errors"]
        for s in res.symbols:
            kind = vocab.enum_name(parse_pb2.SymbolKind, s.kind, "SYMBOL_KIND_")
            lines.append(f"  {'  ' * s.depth}{kind} {s.qualified_name or s.name}  [{_loc(s.range)}]")
        for e in res.errors:
            lines.append(f"  error {_loc(e.range)}: {e.message}")
        return "\n".join(lines)
    if command == "analyze":
        ln = res.lines
        lines = [
            f"{res.path}: {res.language}, {ln.total} lines ({ln.code} code, {ln.comment} comment, "
            f"{ln.blank} blank), {res.function_count} functions, max complexity {res.max_cyclomatic_complexity}, "
            f"max cognitive {res.max_cognitive_complexity}, maintainability {res.maintainability_index:.1f}, "
            f"Halstead volume {res.halstead.volume:.0f}, {len(res.duplicates)} duplicated blocks"
        ]
        for f in res.functions:
            lines.append(
                f"  {f.qualified_name}  cc={f.cyclomatic_complexity} cognitive={f.cognitive_complexity} "
                f"nesting={f.max_nesting_depth} params={f.parameter_count} lines={f.length_lines} "
                f"mi={f.maintainability_index:.1f} volume={f.halstead.volume:.0f}  [{_loc(f.range)}]"
            )
        for d in res.duplicates:
            where = ", ".join(f"{o.start.line + 1}-{o.end.line + 1}" for o in d.occurrences)
            lines.append(f"  duplicate: {d.line_count} lines, {d.token_count} tokens at lines {where}")
        return "\n".join(lines)
    return "\n".join(
        f"{res.path}:{_loc(f.range)}: {vocab.severity_name(f.severity).upper()} {f.rule_id} ({f.cwe}) {f.message}"
        for f in res.findings
    )


def call_failed(command: str, e: ClientError) -> int:
    """Say on stderr that a coordinator call failed (its status and the server's words); exit status 1."""
    print(f"codeintel {command}: {e.code}: {e.details}", file=sys.stderr)
    return 1


def print_results(command: str, fmt: str, ordered: Sequence[Any], custom_rules: Sequence[Any] = ()) -> None:
    """Results to stdout in `fmt` (text, json or sarif, whose driver lists `custom_rules` too), in the
    order given."""
    if fmt == "json":
        print(json.dumps([json_format.MessageToDict(r, preserving_proto_field_name=True) for r in ordered], indent=1))
    elif fmt == "sarif":
        print(json.dumps(build_sarif(ordered, tool_version="", custom_rules=custom_rules), indent=1))
    else:
        for r in ordered:
            out = text(command, r)
            if out:
                print(out)


def stats_text(s: coordinator_pb2.GetStatsResponse) -> str:
    lines = [
        f"coordinator {s.version}, up {s.uptime_seconds:.0f}s, workers serving {s.workers_serving}/{s.workers_total}",
        f"{'operation':<9} {'requests':>9} {'files':>8} {'errors':>7} {'l1 hits':>8} {'misses':>8} {'merged':>7} "
        f"{'retries':>7} {'queued':>6} {'p50 ms':>8} {'p99 ms':>8}",
    ]
    for o in s.operations:
        lines.append(
            f"{o.operation:<9} {o.requests:>9} {o.files:>8} {o.errors:>7} {o.cache_hits_l1:>8} "
            f"{o.cache_misses:>8} {o.merged:>7} {o.retries:>7} {o.queue_depth:>6} "
            f"{o.latency_p50_ms:>8.2f} {o.latency_p99_ms:>8.2f}"
        )
    for c in s.caches:
        total = c.hits + c.misses
        ratio = f"{100 * c.hits / total:.1f}%" if total else "-"
        lines.append(
            f"cache {c.tier}: {c.entries} entries, {c.bytes / 1e6:.1f}/{c.max_bytes / 1e6:.0f} MB, "
            f"hit ratio {ratio}, {c.evictions} evictions"
        )
    return "\n".join(lines)


def workers_text(resp: coordinator_pb2.ListWorkersResponse) -> str:
    return "\n".join(
        f"{w.service.rsplit('.', 1)[-1]:<15} {w.address:<22} "
        f"{vocab.enum_name(coordinator_pb2.WorkerState, w.state, 'WORKER_STATE_'):<12} "
        f"{w.version:<24} in-flight {w.in_flight}  calls {w.calls}  failures {w.failures}"
        + (f"  last error: {w.last_error}" if w.last_error else "")
        for w in resp.workers
    )


def rules_text(resp: coordinator_pb2.CodeIntelServiceListRulesResponse) -> str:
    lines = []
    for r in resp.rules:
        kind = "dataflow" if r.dataflow else "pattern"
        sev = vocab.severity_name(r.severity)
        line = f"{r.id:<40} {r.cwe:<9} {sev:<8} {kind:<8} {','.join(r.languages):<34} {r.owasp}"
        lines.append(line + (f"  custom: {r.source}" if r.custom else ""))
    custom = sum(1 for r in resp.rules if r.custom)
    lines.append(f"{len(resp.rules)} rules" + (f", {custom} custom" if custom else "") + f" ({resp.service_version})")
    return "\n".join(lines)
