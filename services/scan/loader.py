"""Loading a rule set from disk: rule files (*.toml, `[[rules]]` tables) and taint specs.

Every rule's query is compiled for each of its languages here, so a broken rule fails at load
(RuleLoadError naming the file and the rule), not in the middle of a scan. Each taint spec's sink
kinds become rules with `dataflow = true`.

Holds: load (a directory -> rules, examples, compiled queries, taint specs) and the taint-spec
loading it uses; rule_tables (one rule file's text, TOML or YAML, -> its rule tables) and
compile_rule (one rule's query per language), shared with custom rules (custom.py).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from tree_sitter import Query

from codeintel.kernel import errors, structural, vocab
from codeintel.kernel.languages import get_language
from services.scan import anchors, owasp, sgpattern, taint
from services.scan.matching import compile_query, query_anchors
from services.scan.rules import (
    Example,
    Rule,
    RuleLoadError,
    parse_rule,
    predicate_capture,
    rule_error,
    rule_files,
)

__all__ = ["Loaded", "PatternCounts", "compile_rule", "load", "rule_tables"]

# (rule id, language) -> (number of patterns, anchors (None: the rule always runs), the rule's own query)
PatternCounts = dict[tuple[str, str], tuple[int, frozenset[anchors.Anchor] | None, Query]]
Loaded = tuple[list[Rule], list[Example], PatternCounts, list[taint.TaintSpec]]


def load(directory: Path, taint_directory: Path | None = None) -> Loaded:
    """Every rule of `directory`'s *.toml files, validated and compiled, then the rules of the taint
    specs in `taint_directory` (none when None)."""
    files = rule_files(directory)
    if not files:
        raise RuleLoadError(f"no rule files (*.toml) in {directory}")
    rules: list[Rule] = []
    examples: list[Example] = []
    counts: PatternCounts = {}
    seen: dict[str, str] = {}
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise RuleLoadError(f"{path.name}: not UTF-8: {exc}", file=path.name) from None
        for raw, index in rule_tables(path.name, text):
            rule, exs = parse_rule(raw, path.name, index)
            if rule.id in seen:
                raise rule_error(path.name, f'"{rule.id}"', "id", f"duplicate id (also in {seen[rule.id]})")
            seen[rule.id] = path.name
            counts.update(compile_rule(rule, path.name))
            rules.append(rule)
            examples.extend(exs)
    specs = _load_taint(taint_directory, seen) if taint_directory is not None else []
    for spec in specs:
        for tr in spec.rules:
            rules.append(
                Rule(
                    id=tr.id,
                    languages=tr.languages,
                    cwe=tr.cwe,
                    severity=tr.severity,
                    confidence="high",
                    message=tr.message,
                    query="",
                    predicate=None,
                    args={},
                    owasp=tr.owasp,
                    dataflow=True,
                )
            )
            examples.extend(Example(tr.id, ex["language"], ex["vulnerable"], ex["safe"]) for ex in tr.examples)
    return rules, examples, counts, specs


def rule_tables(file: str, text: str) -> list[tuple[object, int]]:
    """The rule tables of one rule file's text with their 1-based positions; the format is the file
    name's suffix: TOML `[[rules]]` tables, or YAML (.yaml / .yml) with the same fields under a
    top-level `rules:` list. Syntax errors say where (line and column)."""
    if file.endswith((".yaml", ".yml")):
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise RuleLoadError(f"{file}: not valid YAML: {_yaml_problem(exc)}", file=file) from None
        if data is None:
            data = {}
        shape = "a YAML rule file is a mapping with one key, `rules:`, holding a list of rules"
    elif file.endswith(".toml"):
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise RuleLoadError(f"{file}: not valid TOML: {exc}", file=file) from None
        shape = "a rule file holds only [[rules]] tables"
    else:
        raise RuleLoadError(f"{file}: unknown rule file format: name it *.toml, *.yaml or *.yml", file=file)
    if not isinstance(data, dict):
        raise RuleLoadError(f"{file}: {shape}", file=file)
    extra = sorted(map(str, set(data) - {"rules"}))
    if extra:
        raise RuleLoadError(f"{file}: {shape} (found {', '.join(extra)})", file=file)
    tables = data.get("rules") or []
    if not isinstance(tables, list):
        raise RuleLoadError(f"{file}: {shape}", file=file)
    return [(raw, i + 1) for i, raw in enumerate(tables)]


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """A YAML error as one line, its position 1-based."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is not None:
        return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"
    return problem


_QUERY_AT = re.compile(r"^(.*?) at row (\d+), column (\d+)(?:: (.*))?$", re.S)


def _query_problem(exc: Exception) -> str:
    """tree-sitter's QueryError message with its 0-based row/column made a 1-based line/column of the query."""
    text = str(exc)
    if text == "Unexpected EOF":
        return "unexpected end of the query (an unclosed parenthesis or string?)"
    m = _QUERY_AT.match(text)
    if m is None:
        return text
    what = f"{m[1]} {m[4]!r}" if m[4] else m[1]
    return f"{what} at line {int(m[2]) + 1}, column {int(m[3]) + 1} of the query"


def compile_rule(rule: Rule, file: str) -> PatternCounts:
    """`rule`'s query compiled for each of its languages (what RuleSet keeps per rule and language);
    RuleLoadError names `file`, the rule and the field (languages, query, args.capture)."""
    label = f'"{rule.id}"'
    counts: PatternCounts = {}
    for lang in rule.languages:
        try:
            get_language(lang)
        except Exception:
            raise rule_error(file, label, "languages", f"unknown language {lang!r}") from None
        if rule.pattern:
            _check_pattern(rule, lang, file)
            continue
        try:
            q = compile_query(lang, rule.query)
        except Exception as exc:
            raise rule_error(file, label, "query", f"does not compile for {lang}: {_query_problem(exc)}") from None
        names = {q.capture_name(k) for k in range(q.capture_count)}
        if "match" not in names:
            raise rule_error(file, label, "query", "has no @match capture (the reported range)")
        capture = predicate_capture(rule)
        if capture is not None and capture not in names:
            raise rule_error(
                file,
                label,
                "args.capture",
                f"the predicate reads capture @{capture}, which the query does not have "
                f"(it has {', '.join('@' + n for n in sorted(names))})",
            )
        counts[(rule.id, lang)] = (q.pattern_count, query_anchors(q, rule.query), q)
    return counts


def _check_pattern(rule: Rule, lang: str, file: str) -> None:
    """A pattern rule (no query to compile: sgpattern.py): its language and the predicate's capture."""
    label = f'"{rule.id}"'
    if lang not in sgpattern.LANGUAGES:
        raise rule_error(
            file,
            label,
            "languages",
            f"pattern rules support {', '.join(sorted(sgpattern.LANGUAGES))}, not {lang!r}; write a query instead",
        )
    try:  # the same check as a code_query pattern: it must parse as code of the language
        structural.check_pattern(lang, rule.pattern)
    except errors.InvalidInput as exc:
        raise rule_error(file, label, "pattern", str(exc)) from None
    capture = predicate_capture(rule)
    names = {"match", *sgpattern.metavariables(rule.pattern)}
    if capture is not None and capture not in names:
        raise rule_error(
            file,
            label,
            "args.capture",
            f"the predicate reads capture {capture!r}, which the pattern does not have "
            f"(metavariables: {', '.join('$' + n for n in sorted(names - {'match'})) or 'none'}; or 'match')",
        )


def _load_taint(directory: Path, seen: dict[str, str]) -> list[taint.TaintSpec]:
    """Taint specs (*.toml in `directory`), validated; their rule ids must not clash with pattern rules.
    Errors name the spec as `taint/<file>`, whatever the directory is called."""
    specs = []
    for path in taint.spec_files(directory):
        try:
            spec = taint.load_spec(
                path, severities=vocab.SEVERITIES, owasp_for=owasp.category_for, known_languages=_known_language
            )
        except taint.SpecError as exc:
            raise RuleLoadError(f"taint/{exc}") from None
        for r in spec.rules:
            if r.id in seen:
                raise RuleLoadError(f"taint/{path.name}: rule {r.id!r}: duplicate id (also in {seen[r.id]})")
            seen[r.id] = f"taint/{path.name}"
        specs.append(spec)
    return specs


def _known_language(lang: str) -> bool:
    try:
        get_language(lang)
    except Exception:
        return False
    return True
