"""Result budgets of the single-file tools: one result stays under BridgeConfig.max_output_bytes.

Jobs:
- ``bound_parse``, ``bound_analyze``, ``bound_scan``: cut each list to its configured cap, attach
  (or refuse, saying why) the SARIF log, then fit the whole result into the byte budget;
- ``fit_to_budget``: halve the longest list until the JSON fits, dropping the SARIF log first;
- every cut is visible in the result: ``truncated``, ``returned_*`` next to ``total_*``.

code_analyze keeps the most complex functions when it cuts (in document order), since those
are the ones worth reporting; other lists keep their first items.
"""

from __future__ import annotations

import json

from mcp_bridge.config import BridgeConfig
from mcp_bridge.outputs.code import AnalyzeOutput, ParseOutput, ScanOutput

BoundedOutput = ParseOutput | AnalyzeOutput | ScanOutput

_RETURNED = {
    "symbols": "returned_symbols",
    "syntax_errors": "returned_syntax_errors",
    "ast": "returned_ast_nodes",
    "functions": "returned_functions",
    "duplicates": "returned_duplicates",
    "findings": "returned_findings",
}


def _cut(out: BoundedOutput, field: str, keep: int) -> bool:
    """Keep the first `keep` items of list `field`; update returned_* and truncated."""
    items = getattr(out, field)
    if items is None or len(items) <= keep:
        return False
    setattr(out, field, items[:keep])
    counter = _RETURNED.get(field)
    if counter:
        setattr(out, counter, keep)
    out.truncated = True
    if field == "ast" and isinstance(out, ParseOutput):
        out.ast_truncated = True
    return True


def _json_size(out: BoundedOutput) -> int:
    return len(out.model_dump_json(by_alias=True))


def fit_to_budget(out: BoundedOutput, fields: list[str], max_bytes: int) -> None:
    """Halve the longest of `fields` until the JSON of `out` fits in max_bytes."""
    while _json_size(out) > max_bytes:
        if isinstance(out, ScanOutput) and out.sarif is not None:
            out.sarif = None
            out.sarif_omitted_reason = "the SARIF log did not fit in the result size budget"
            continue
        longest = max(fields, key=lambda f: len(getattr(out, f) or ()))
        n = len(getattr(out, longest) or ())
        if n <= 1:
            break
        if longest == "functions" and isinstance(out, AnalyzeOutput):
            _keep_most_complex(out, n // 2)
        else:
            _cut(out, longest, n // 2)


def _keep_most_complex(out: AnalyzeOutput, keep: int) -> bool:
    if len(out.functions) <= keep:
        return False
    ranked = sorted(range(len(out.functions)), key=lambda i: (-out.functions[i].cyclomatic_complexity, i))
    chosen = sorted(ranked[:keep])
    out.functions = [out.functions[i] for i in chosen]
    out.returned_functions = keep
    out.truncated = True
    return True


def bound_parse(out: ParseOutput, cfg: BridgeConfig) -> None:
    _cut(out, "symbols", cfg.max_symbols)
    _cut(out, "syntax_errors", cfg.max_syntax_errors)
    _cut(out, "ast", cfg.max_ast_nodes)
    fit_to_budget(out, ["symbols", "syntax_errors", "ast"], cfg.max_output_bytes)


def bound_analyze(out: AnalyzeOutput, cfg: BridgeConfig) -> None:
    _keep_most_complex(out, cfg.max_functions)
    fit_to_budget(out, ["functions", "duplicates"], cfg.max_output_bytes)


def bound_scan(out: ScanOutput, cfg: BridgeConfig, sarif_json: str) -> None:
    _cut(out, "findings", cfg.max_findings)
    if sarif_json:
        if len(sarif_json.encode()) > cfg.max_sarif_bytes:
            out.sarif_omitted_reason = (
                f"the SARIF log is {len(sarif_json.encode()):,} bytes, over the {cfg.max_sarif_bytes:,}-byte limit; "
                f"narrow the scan (min_severity) or scan a smaller file"
            )
        else:
            try:
                out.sarif = json.loads(sarif_json)
            except ValueError:
                out.sarif_omitted_reason = "the backend returned a SARIF log that is not valid JSON"
    fit_to_budget(out, ["findings"], cfg.max_output_bytes)
