"""Scan rules as data: the Rule and Example records and the validation of one `[[rules]]` table of a
rule file (services/scan/rules/*.toml).

Holds: RULES_DIR and rule_files (the shipped rule files); Rule, Example; RuleLoadError (the message
names the file, the rule and the field: `rule_error`, `rule_label`); parse_rule (one table -> Rule +
its Examples, every field checked: id shape, CWE, OWASP category, severity and confidence from the
shared vocabulary, languages, the predicate and its options with their types); predicate_capture.
"""

from __future__ import annotations

import inspect
import json
import re
from dataclasses import dataclass
from pathlib import Path

from codeintel.kernel import vocab
from services.scan import owasp
from services.scan.predicates import PREDICATES

__all__ = [
    "RULES_DIR",
    "Example",
    "Rule",
    "RuleLoadError",
    "parse_rule",
    "predicate_capture",
    "rule_error",
    "rule_label",
    "rule_files",
]

RULES_DIR = Path(__file__).resolve().parent / "rules"

_FIELDS = frozenset(
    {
        "id",
        "languages",
        "cwe",
        "owasp",
        "severity",
        "confidence",
        "message",
        "query",
        "pattern",
        "predicate",
        "args",
        "examples",
    }
)
_REQUIRED = ("id", "languages", "cwe", "severity", "confidence", "message")
_EXAMPLE_FIELDS = frozenset({"language", "vulnerable", "safe"})
_RULE_ID = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)+$")
_CWE = re.compile(r"^CWE-[1-9][0-9]*$")


class RuleLoadError(ValueError):
    """A rule file is unusable. The message names the file, the rule (its id, or `#N` while it has no
    valid id) and the field; `file`, `rule` and `field` hold the same parts for callers that map them."""

    def __init__(self, message: str, *, file: str = "", rule: str = "", field: str = ""):
        super().__init__(message)
        self.file, self.rule, self.field = file, rule, field


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
    source: str = ""  # a custom rule's file (ScanOptions.custom_rules); "" for the shipped rules
    pattern: str = ""  # an ast-grep pattern, instead of `query` (sgpattern.py)

    @property
    def custom(self) -> bool:
        return bool(self.source)


@dataclass(frozen=True, slots=True)
class Example:
    """Code a rule must flag (`vulnerable`) and a safe twin it must not flag, kept with the rule."""

    rule_id: str
    language: str
    vulnerable: tuple[str, ...]
    safe: tuple[str, ...]


def _show(value: object) -> str:
    """A value as a message quotes it: JSON-like, short."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def rule_label(rid: object, index: int) -> str:
    """How messages name a rule: its id in double quotes, or `#N` (1-based) while it has no valid id."""
    return f'"{rid}"' if isinstance(rid, str) and _RULE_ID.match(rid) else f"#{index}"


def rule_error(file: str, rule: str, field: str, problem: str) -> RuleLoadError:
    """`<file>: rule <rule>: field "<field>": <problem>` (parts left out when empty)."""
    parts = [file] if file else []
    if rule:
        parts.append(f"rule {rule}")
    if field:
        parts.append(f'field "{field}"')
    return RuleLoadError(": ".join(parts + [problem]), file=file, rule=rule, field=field)


_ARG_TYPES: dict[str, tuple[type, ...]] = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,)}


def _check_args(predicate: str, args: dict, fail) -> None:
    """Each predicate option has the type of its default (predicates.py's signatures); regexes compile."""
    params = inspect.signature(PREDICATES[predicate].func).parameters
    for name, value in args.items():
        annotation = str(params[name].annotation)
        if annotation == "str | list":
            ok = isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
            want = "a string or a list of strings"
        else:
            types = _ARG_TYPES.get(annotation, (object,))
            ok = isinstance(value, types) and (bool in types or not isinstance(value, bool))
            want = {"str": "a string", "int": "an integer", "float": "a number", "bool": "true or false"}.get(
                annotation, "a value"
            )
        if not ok:
            raise fail(f"args.{name}", f"{_show(value)} must be {want}")
        if name in ("pattern", "file_pattern") and isinstance(value, str):
            try:
                re.compile(value)
            except re.error as exc:
                raise fail(f"args.{name}", f"not a valid regular expression: {exc}") from None


def predicate_capture(rule: Rule) -> str | None:
    """The capture a rule's predicate reads (its `capture` option or the predicate's default)."""
    if rule.predicate is None:
        return None
    default = inspect.signature(PREDICATES[rule.predicate].func).parameters["capture"].default
    value = rule.args.get("capture", default)
    return value if isinstance(value, str) else None


def _strs(value: object) -> tuple[str, ...] | None:
    """An example's `vulnerable` / `safe`: one snippet or a list of them (None: neither)."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def parse_rule(raw: object, file: str, index: int, *, source: str = "") -> tuple[Rule, list[Example]]:
    """One `[[rules]]` table (the `index`-th of `file`, 1-based), validated, and its examples; a
    RuleLoadError names the file, the rule and the field. The query is not compiled here (loader.py
    does that, per language). `source`: set for custom rules (the file they came from)."""
    if not isinstance(raw, dict):
        raise rule_error(file, f"#{index}", "", f"each rule must be a table (a mapping), got {_show(raw)}")
    label = rule_label(raw.get("id"), index)

    def fail(field: str, problem: str) -> RuleLoadError:
        return rule_error(file, label, field, problem)

    unknown = sorted(map(str, set(raw) - _FIELDS))
    if unknown:
        raise fail(unknown[0], f"unknown field; allowed: {', '.join(sorted(_FIELDS))}")
    for k in _REQUIRED:
        if k not in raw:
            raise fail(k, "missing (required)")
    if "query" in raw and "pattern" in raw:
        raise fail("pattern", "give either query (a tree-sitter query) or pattern (an ast-grep pattern), not both")
    if "query" not in raw and "pattern" not in raw:
        raise fail("query", "missing (required, unless the rule gives `pattern`, an ast-grep pattern)")
    matcher = "query" if "query" in raw else "pattern"
    for k in ("id", "cwe", "severity", "confidence", "message", matcher):
        if not isinstance(raw[k], str) or not raw[k].strip():
            raise fail(k, f"must be a non-empty string, got {_show(raw[k])}")
    rid = raw["id"]
    if not _RULE_ID.match(rid):
        raise fail(
            "id",
            f"{_show(rid)} is not a valid id: use lower-case words (a-z, 0-9) joined by '.' or '-', "
            "at least two, e.g. 'acme.raw-sql'",
        )
    if not _CWE.match(raw["cwe"]):
        raise fail("cwe", f'{_show(raw["cwe"])} must look like "CWE-78"')
    if "owasp" in raw and not isinstance(raw["owasp"], str):
        raise fail("owasp", f"must be a string, got {_show(raw['owasp'])}")
    owasp_category = raw.get("owasp") or owasp.category_for(raw["cwe"])
    if owasp_category not in owasp.CATEGORIES:
        field = "owasp" if raw.get("owasp") else "cwe"
        raise fail(
            field,
            f"no OWASP Top 10 (2021) category for {raw['cwe']}"
            + (f" ({_show(raw['owasp'])} is not one)" if raw.get("owasp") else "")
            + f"; set owasp to one of: {'; '.join(owasp.CATEGORIES)}",
        )
    if raw["severity"] not in vocab.SEVERITIES:
        raise fail("severity", f"{_show(raw['severity'])} is not one of {', '.join(vocab.SEVERITIES)}")
    if raw["confidence"] not in vocab.CONFIDENCES:
        raise fail("confidence", f"{_show(raw['confidence'])} is not one of {', '.join(vocab.CONFIDENCES)}")
    langs = raw["languages"]
    if not isinstance(langs, list) or not langs or not all(isinstance(x, str) and x for x in langs):
        raise fail("languages", f"must be a non-empty list of language ids, got {_show(langs)}")
    predicate = raw.get("predicate")
    args = raw.get("args", {})
    if not isinstance(args, dict):
        raise fail("args", f"must be a table (a mapping), got {_show(args)}")
    if predicate is not None:
        if not isinstance(predicate, str) or predicate not in PREDICATES:
            raise fail("predicate", f"unknown predicate {_show(predicate)}; known: {', '.join(sorted(PREDICATES))}")
        bad_args = sorted(map(str, set(args) - PREDICATES[predicate].args))
        if bad_args:
            bad = bad_args[0]
            raise fail(
                f"args.{bad}",
                f"predicate {predicate!r} takes no argument {bad!r}; "
                f"it takes: {', '.join(sorted(PREDICATES[predicate].args))}",
            )
        _check_args(predicate, args, fail)
    elif args:
        raise fail("args", "args given without a predicate")
    rule = Rule(
        id=rid,
        languages=tuple(langs),
        cwe=raw["cwe"],
        severity=raw["severity"],
        confidence=raw["confidence"],
        message=raw["message"].strip(),
        query=raw.get("query", ""),
        predicate=predicate,
        args=dict(args),
        owasp=owasp_category,
        source=source,
        pattern=raw.get("pattern", "").strip(),
    )
    examples = []
    raw_examples = raw.get("examples", [])
    if not isinstance(raw_examples, list):
        raise fail("examples", "must be a list of tables ([[rules.examples]] in TOML)")
    for n, ex in enumerate(raw_examples):
        at = f"examples[{n}]"
        if not isinstance(ex, dict):
            raise fail(at, f"must be a table with 'language' and 'vulnerable' and/or 'safe', got {_show(ex)}")
        extra = sorted(map(str, set(ex) - _EXAMPLE_FIELDS))
        if extra:
            raise fail(f"{at}.{extra[0]}", "unknown field; an example has language, vulnerable, safe")
        if "language" not in ex:
            raise fail(f"{at}.language", "missing (required)")
        if ex["language"] not in rule.languages:
            raise fail(f"{at}.language", f"{_show(ex['language'])} is not in the rule's languages")
        snippets = {}
        for k in ("vulnerable", "safe"):
            got = _strs(ex.get(k, []))
            if got is None:
                raise fail(f"{at}.{k}", "must be a string or a list of strings")
            snippets[k] = got
        examples.append(Example(rid, ex["language"], snippets["vulnerable"], snippets["safe"]))
    if rule.pattern and not any(ex.vulnerable for ex in examples):
        raise fail(
            "examples",
            "a rule with a pattern needs at least one vulnerable example: a pattern is code, and ast-grep may "
            "read it otherwise than meant (a call that is an attribute, a statement that is an expression); "
            "the example shows that this one matches",
        )
    return rule, examples


def rule_files(directory: Path) -> list[Path]:
    """The rule files of a directory (*.toml), in name order: the order rules load and hash in."""
    return sorted(p for p in directory.glob("*.toml") if p.is_file())
