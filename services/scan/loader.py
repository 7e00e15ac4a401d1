"""Loading a rule set from disk: rule files (*.toml, `[[rules]]` tables) and taint specs.

Every rule's query is compiled for each of its languages here, so a broken rule fails at load
(RuleLoadError naming the file and the rule), not in the middle of a scan. Each taint spec's sink
kinds become rules with `dataflow = true`.

Holds: load (a directory -> rules, examples, compiled queries, taint specs) and the taint-spec
loading it uses.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from tree_sitter import Query

from codeintel.kernel import vocab
from codeintel.kernel.languages import get_language
from services.scan import anchors, owasp, taint
from services.scan.matching import compile_query, query_anchors
from services.scan.rules import Example, Rule, RuleLoadError, parse_rule, rule_files

__all__ = ["Loaded", "PatternCounts", "load"]

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
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise RuleLoadError(f"{path.name}: not valid TOML: {exc}") from None
        extra = sorted(set(data) - {"rules"})
        if extra or not isinstance(data.get("rules", []), list):
            raise RuleLoadError(f"{path.name}: a rule file holds only [[rules]] tables (found {', '.join(extra)})")
        for i, raw in enumerate(data.get("rules", [])):
            rule, exs = parse_rule(raw, f"{path.name}: [[rules]] #{i + 1}")
            where = f"{path.name}: rule {rule.id!r}"
            if rule.id in seen:
                raise RuleLoadError(f"{where}: duplicate id (also in {seen[rule.id]})")
            seen[rule.id] = path.name
            for lang in rule.languages:
                try:
                    get_language(lang)
                except Exception:
                    raise RuleLoadError(f"{where}: unknown language {lang!r}") from None
                try:
                    q = compile_query(lang, rule.query)
                except Exception as exc:
                    raise RuleLoadError(f"{where}: query does not compile for {lang}: {exc}") from None
                names = {q.capture_name(k) for k in range(q.capture_count)}
                if "match" not in names:
                    raise RuleLoadError(f"{where}: query has no @match capture (the reported range)")
                counts[(rule.id, lang)] = (q.pattern_count, query_anchors(q, rule.query), q)
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
