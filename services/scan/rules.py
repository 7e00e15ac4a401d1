"""Scan rules as data: the Rule and Example records and the validation of one `[[rules]]` table of a
rule file (services/scan/rules/*.toml).

Holds: RULES_DIR and rule_files (the shipped rule files); Rule, Example; RuleLoadError (the message
names the file and the rule); parse_rule (one table -> Rule + its Examples, every field checked:
id shape, CWE, OWASP category, severity and confidence from the shared vocabulary, languages, the
predicate and its options).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from codeintel.kernel import vocab
from services.scan import owasp
from services.scan.predicates import PREDICATES

__all__ = ["RULES_DIR", "Example", "Rule", "RuleLoadError", "parse_rule", "rule_files"]

RULES_DIR = Path(__file__).resolve().parent / "rules"

_FIELDS = frozenset(
    {"id", "languages", "cwe", "owasp", "severity", "confidence", "message", "query", "predicate", "args", "examples"}
)
_REQUIRED = ("id", "languages", "cwe", "severity", "confidence", "message", "query")
_EXAMPLE_FIELDS = frozenset({"language", "vulnerable", "safe"})
_RULE_ID = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)+$")
_CWE = re.compile(r"^CWE-[1-9][0-9]*$")


class RuleLoadError(ValueError):
    """A rule file is unusable; the message names the file and the rule."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One scan rule: a tree-sitter query (plus an optional predicate) or, with `dataflow`, one sink kind
    of a taint spec (then `query` is empty and the taint pass finds it)."""

    id: str
    languages: tuple[str, ...]
    cwe: str
    severity: str
    confidence: str
    message: str
    query: str
    predicate: str | None
    args: dict
    owasp: str = ""
    dataflow: bool = False  # a taint rule (source -> sink) rather than one syntax pattern


@dataclass(frozen=True, slots=True)
class Example:
    """Code a rule must flag (`vulnerable`) and a safe twin it must not flag, kept with the rule."""

    rule_id: str
    language: str
    vulnerable: tuple[str, ...]
    safe: tuple[str, ...]


def _strs(value: object, what: str) -> tuple[str, ...]:
    """An example's `vulnerable` / `safe`: one snippet or a list of them."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ValueError(f"{what} must be a string or a list of strings")


def parse_rule(raw: object, where: str) -> tuple[Rule, list[Example]]:
    """One `[[rules]]` table, validated, and its examples; RuleLoadError names `where` and the rule id.
    The query is not compiled here (loader.py does that, per language)."""
    if not isinstance(raw, dict):
        raise RuleLoadError(f"{where}: each [[rules]] entry must be a table")
    rid = raw.get("id")
    where = f"{where}: rule {rid!r}" if isinstance(rid, str) else where
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise RuleLoadError(f"{where}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_FIELDS))}")
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise RuleLoadError(f"{where}: missing field(s) {', '.join(missing)}")
    for k in ("id", "cwe", "severity", "confidence", "message", "query"):
        if not isinstance(raw[k], str) or not raw[k].strip():
            raise RuleLoadError(f"{where}: field {k!r} must be a non-empty string")
    rid = raw["id"]  # a non-empty string now
    if not _RULE_ID.match(rid):
        raise RuleLoadError(f"{where}: bad id (use lower-case words joined by '.' or '-', e.g. 'py.eval-non-constant')")
    if not _CWE.match(raw["cwe"]):
        raise RuleLoadError(f"{where}: cwe must look like 'CWE-78', got {raw['cwe']!r}")
    owasp_category = raw.get("owasp") or owasp.category_for(raw["cwe"])
    if owasp_category not in owasp.CATEGORIES:
        raise RuleLoadError(
            f"{where}: no OWASP Top 10 (2021) category for {raw['cwe']}; set owasp to one of: "
            f"{'; '.join(owasp.CATEGORIES)}"
        )
    if raw["severity"] not in vocab.SEVERITIES:
        raise RuleLoadError(f"{where}: severity must be one of {', '.join(vocab.SEVERITIES)}")
    if raw["confidence"] not in vocab.CONFIDENCES:
        raise RuleLoadError(f"{where}: confidence must be one of {', '.join(vocab.CONFIDENCES)}")
    langs = raw["languages"]
    if not isinstance(langs, list) or not langs or not all(isinstance(x, str) for x in langs):
        raise RuleLoadError(f"{where}: languages must be a non-empty list of language ids")
    predicate = raw.get("predicate")
    args = raw.get("args", {})
    if not isinstance(args, dict):
        raise RuleLoadError(f"{where}: args must be a table")
    if predicate is not None:
        if predicate not in PREDICATES:
            raise RuleLoadError(f"{where}: unknown predicate {predicate!r}; known: {', '.join(sorted(PREDICATES))}")
        bad = sorted(set(args) - PREDICATES[predicate].args)
        if bad:
            raise RuleLoadError(
                f"{where}: predicate {predicate!r} takes no argument(s) {', '.join(bad)}; "
                f"it takes: {', '.join(sorted(PREDICATES[predicate].args))}"
            )
    elif args:
        raise RuleLoadError(f"{where}: args given without a predicate")
    rule = Rule(
        id=rid,
        languages=tuple(langs),
        cwe=raw["cwe"],
        severity=raw["severity"],
        confidence=raw["confidence"],
        message=raw["message"].strip(),
        query=raw["query"],
        predicate=predicate,
        args=dict(args),
        owasp=owasp_category,
    )
    examples = []
    raw_examples = raw.get("examples", [])
    if not isinstance(raw_examples, list):
        raise RuleLoadError(f"{where}: examples must be an array of tables ([[rules.examples]])")
    for ex in raw_examples:
        if not isinstance(ex, dict) or set(ex) - _EXAMPLE_FIELDS or "language" not in ex:
            raise RuleLoadError(f"{where}: each example needs 'language' and may have 'vulnerable', 'safe'")
        if ex["language"] not in rule.languages:
            raise RuleLoadError(f"{where}: example language {ex['language']!r} is not in the rule's languages")
        try:
            examples.append(
                Example(
                    rid,
                    ex["language"],
                    _strs(ex.get("vulnerable", []), "vulnerable"),
                    _strs(ex.get("safe", []), "safe"),
                )
            )
        except ValueError as exc:
            raise RuleLoadError(f"{where}: {exc}") from None
    return rule, examples


def rule_files(directory: Path) -> list[Path]:
    """The rule files of a directory (*.toml), in name order: the order rules load and hash in."""
    return sorted(p for p in directory.glob("*.toml") if p.is_file())
