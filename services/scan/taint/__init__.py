"""Light intra-procedural taint analysis: untrusted data (sources) reaching dangerous calls (sinks).

Specs are data (services/scan/taint/specs/*.toml, one file per language family): sources, sanitisers,
propagators and, per sink kind, the calls and argument positions that are dangerous. Each sink kind
becomes one scan rule with `dataflow = true` (built by the scan's loader from `TaintRule`).

Modules: spec (loading and validating the specs), analysis (the pass over one file), summaries (what
a file's functions return, for the calls of other files in a repository run), guards (checks that
make a name safe, per sink kind), fold (constant values), branches (dead branches skipped),
containers (local collections read back at constant keys, builders, shell argument lists), facts
(declared types, request-data parameters, imports and other facts read off the syntax), values (what
is tracked: Taint, Hit), grammar (node-type facts and dotted names). This package re-exports
what the scan engine and the tests use. No grpc here.
"""

from __future__ import annotations

from services.scan.taint.analysis import MAX_STEPS, Analysis, Hit, Outcome, Taint, analyse
from services.scan.taint.grammar import call_arguments, callee_of, dotted, name_of
from services.scan.taint.spec import TAINT_DIR, Sink, SpecError, TaintRule, TaintSpec, load_spec, spec_files
from services.scan.taint.summaries import MAX_SUMMARIES, Summary, Table, export

__all__ = [
    "MAX_STEPS",
    "MAX_SUMMARIES",
    "TAINT_DIR",
    "Analysis",
    "Hit",
    "Outcome",
    "Sink",
    "Summary",
    "Table",
    "SpecError",
    "Taint",
    "TaintRule",
    "TaintSpec",
    "analyse",
    "call_arguments",
    "callee_of",
    "dotted",
    "export",
    "load_spec",
    "name_of",
    "spec_files",
]
