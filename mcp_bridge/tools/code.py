"""The single-file tools: ``code_parse``, ``code_analyze`` and ``vulnerability_scan``.

Each takes one file, inline (`code`) or read under the allowed roots (`path`), sends it to the
coordinator with the tool's options, and answers a bounded structured result (mcp_bridge.bounds)
plus its text summary (mcp_bridge.text).
"""

from __future__ import annotations

from typing import Annotated

from mcp.server import MCPServer
from mcp_types import CallToolResult
from pydantic import Field

from codeintel.v1 import analyze_pb2, parse_pb2, scan_pb2
from mcp_bridge.args import (
    CodeArg,
    ConfidenceName,
    FilenameArg,
    LanguageArg,
    PathArg,
    PriorityArg,
    SeverityName,
    confidence_value,
    severity_value,
)
from mcp_bridge.bounds import bound_analyze, bound_parse, bound_scan
from mcp_bridge.bridge import Bridge, guard, result, tool_annotations
from mcp_bridge.outputs.code import AnalyzeOutput, ParseOutput, ScanOutput, analyze_output, parse_output, scan_output
from mcp_bridge.text import analyze_text, parse_text, scan_text
from mcp_bridge.tools.rules import RulesArg, RulesFormatArg, custom_rule_file

MAX_BASELINE = 10_000  # fingerprints in one vulnerability_scan baseline


def register(server: MCPServer, bridge: Bridge) -> None:
    """Add code_parse, code_analyze and vulnerability_scan to `server`."""
    cfg = bridge.config

    @server.tool(
        name="code_parse",
        title="Parse source code",
        description=(
            "Parse one source file and list its symbols (functions, classes, methods, imports, ...) with line "
            "ranges, its syntax errors, and optionally its syntax tree (include_ast). Input: `code` or `path`."
        ),
        annotations=tool_annotations("Parse source code"),
    )
    @guard("code_parse")
    async def code_parse(
        code: CodeArg = None,
        path: PathArg = None,
        language: LanguageArg = None,
        filename: FilenameArg = None,
        include_ast: Annotated[bool, Field(description="Also return the syntax tree (pre-order node list).")] = False,
        ast_max_depth: Annotated[
            int | None, Field(ge=1, le=256, description="Deepest AST level returned (root is 0; default 64).")
        ] = None,
        ast_max_nodes: Annotated[
            int | None, Field(ge=1, description="Most AST nodes returned (capped by the server, default 300).")
        ] = None,
        ast_named_only: Annotated[bool, Field(description="Only named AST nodes (no punctuation).")] = False,
        priority: PriorityArg = "normal",
    ) -> Annotated[CallToolResult, ParseOutput]:
        file = bridge.source(code, path, language, filename)
        notes: list[str] = []
        nodes = cfg.max_ast_nodes
        if ast_max_nodes is not None:
            if ast_max_nodes > cfg.max_ast_nodes:
                notes.append(f"Note: ast_max_nodes was capped at {cfg.max_ast_nodes} by this server.")
            nodes = min(ast_max_nodes, cfg.max_ast_nodes)
        options = parse_pb2.ParseOptions(
            include_ast=include_ast,
            ast_max_depth=ast_max_depth or 0,
            ast_max_nodes=nodes if include_ast else 0,
            ast_named_only=ast_named_only,
        )
        resp = await bridge.call(bridge.client.parse(file, options, priority))
        out = parse_output(resp, include_ast=include_ast)
        bound_parse(out, cfg)
        return result(out, parse_text(out, notes))

    @server.tool(
        name="code_analyze",
        title="Analyze code metrics",
        description=(
            "Measure one source file: line counts, number of functions and classes, per-function cyclomatic and "
            "cognitive complexity, nesting depth, parameter count, length, Halstead volume and maintainability "
            "index, and duplicated blocks within the file. Input: `code` or `path`."
        ),
        annotations=tool_annotations("Analyze code metrics"),
    )
    @guard("code_analyze")
    async def code_analyze(
        code: CodeArg = None,
        path: PathArg = None,
        language: LanguageArg = None,
        filename: FilenameArg = None,
        file_only: Annotated[bool, Field(description="Only file totals, no per-function list.")] = False,
        priority: PriorityArg = "normal",
    ) -> Annotated[CallToolResult, AnalyzeOutput]:
        file = bridge.source(code, path, language, filename)
        options = analyze_pb2.AnalyzeOptions(file_only=file_only)
        resp = await bridge.call(bridge.client.analyze(file, options, priority))
        out = analyze_output(resp)
        bound_analyze(out, cfg)
        return result(out, analyze_text(out, []))

    @server.tool(
        name="vulnerability_scan",
        title="Scan for vulnerabilities",
        description=(
            "Scan one source file for security issues (command/SQL injection, unsafe deserialization, hard-coded "
            "secrets, ...). Each finding has a rule id, CWE, severity, confidence, line and a fix hint. "
            "Input: `code` or `path`. Optional `rules`: your own rules (YAML or TOML text) run too."
        ),
        annotations=tool_annotations("Scan for vulnerabilities"),
    )
    @guard("vulnerability_scan")
    async def vulnerability_scan(
        code: CodeArg = None,
        path: PathArg = None,
        language: LanguageArg = None,
        filename: FilenameArg = None,
        min_severity: Annotated[
            SeverityName | None, Field(description="Report only findings at or above this severity.")
        ] = None,
        min_confidence: Annotated[
            ConfidenceName | None, Field(description="Report only findings at or above this confidence.")
        ] = None,
        include_sarif: Annotated[bool, Field(description="Also return a SARIF 2.1.0 log.")] = False,
        baseline_fingerprints: Annotated[
            list[str] | None,
            Field(
                description="Fingerprints of accepted findings (from an earlier scan): those are not reported, "
                "so only new findings show.",
                max_length=MAX_BASELINE,
            ),
        ] = None,
        rules: RulesArg = None,
        rules_format: RulesFormatArg = None,
        priority: PriorityArg = "normal",
    ) -> Annotated[CallToolResult, ScanOutput]:
        file = bridge.source(code, path, language, filename)
        options = scan_pb2.ScanOptions(
            min_severity=severity_value(min_severity),
            min_confidence=confidence_value(min_confidence),
            include_sarif=include_sarif,
            baseline_fingerprints=baseline_fingerprints or [],
            custom_rules=custom_rule_file(rules, rules_format),
        )
        resp = await bridge.call(bridge.client.scan(file, options, priority))
        out = scan_output(resp)
        bound_scan(out, cfg, resp.sarif_json if include_sarif else "")
        return result(out, scan_text(out, []))
