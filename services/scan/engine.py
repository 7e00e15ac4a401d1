"""The scan rule engine: TOML rules -> tree-sitter queries -> findings.

Rules are data (services/scan/rules/*.toml, one `[[rules]]` table per rule). Each rule
has a tree-sitter query whose `@match` capture is the reported range, and optionally
the name of a small Python predicate (registered in PREDICATES below) for checks a
query cannot express, e.g. "this argument is not a constant string".

Speed: all of a language's rule queries are concatenated into ONE tree_sitter.Query
(pattern index -> rule), compiled lazily on first use and cached, so a file costs one
parse plus one QueryCursor pass whatever the number of rules.

Suppression: `# nosec` / `// nosec` on the finding's first line, or on a comment-only
line just above it, suppresses every rule; `codeintel-ignore` does the same and
`codeintel-ignore: rule-id[, rule-id]` suppresses only the named rules.

Every walk over the tree is iterative (QueryCursor in C, explicit stacks here): files may
nest 10,000 levels deep and must not hit Python's recursion limit.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
import tomllib
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from codeintel.budget import Budget, unlimited
from codeintel.errors import InvalidInput, UnsupportedLanguage
from codeintel.query import matches as query_matches
from services.scan import owasp
from codeintel.languages import get_language
from codeintel.source import Source, parse
from codeintel.span import Span, span_of

__all__ = [
    "VERSION", "SEVERITIES", "CONFIDENCES", "RULES_DIR", "PREDICATES", "RuleLoadError",
    "Rule", "Example", "FindingInfo", "FlowStepInfo", "ScanOutcome", "RuleSet", "is_constant", "MAX_BASELINE",
]

SEVERITIES = ("info", "low", "medium", "high", "critical")
CONFIDENCES = ("low", "medium", "high")
RULES_DIR = Path(__file__).resolve().parent / "rules"

# Bump when the engine's behaviour changes; the rule files' hash is appended automatically.
_BASE_VERSION = "scan-1.0.0"

MAX_SNIPPET_BYTES = 200
_MAX_CACHED_QUERIES = 256  # per RuleSet: compiled queries over subsets of a language's rules
_COMPILE_AFTER_BYTES = 256 * 1024

_FIELDS = frozenset({"id", "languages", "cwe", "owasp", "severity", "confidence", "message", "query",
                     "predicate", "args", "examples"})
MAX_BASELINE = 10_000
SUPPRESSIONS = ("", "inline", "baseline")
_REQUIRED = ("id", "languages", "cwe", "severity", "confidence", "message", "query")
_EXAMPLE_FIELDS = frozenset({"language", "vulnerable", "safe"})
_RULE_ID = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)+$")
_CWE = re.compile(r"^CWE-[1-9][0-9]*$")


class RuleLoadError(ValueError):
    """A rule file is unusable; the message names the file and the rule."""


# --------------------------------------------------------------------------- predicates

# Node types that are constant by themselves (in every grammar we ship rules for).
_LITERALS = frozenset({
    "integer", "float", "true", "false", "none", "number", "null", "undefined",
    "string_content", "string_start", "string_end", "string_fragment", "escape_sequence",
    "escape_interpolation", "comment", '"', "'", "`", "(", ")", "[", "]", ",", "+",
})
# Containers that are constant when every child is.
_CONTAINERS = frozenset({"string", "concatenated_string", "parenthesized_expression", "list", "tuple",
                         "array", "template_string"})
# Children that make a string dynamic.
_DYNAMIC = frozenset({"interpolation", "template_substitution"})


def is_constant(node) -> bool:
    """Whether an expression is built only from literals (no names, calls or interpolation)."""
    stack = [node]
    while stack:
        n = stack.pop()
        t = n.type
        if t in _LITERALS:
            continue
        if t in _CONTAINERS:
            stack.extend(n.children)
            continue
        if t in ("binary_operator", "binary_expression"):
            op = n.child_by_field_name("operator")
            left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
            if op is None or op.type != "+" or left is None or right is None:
                return False
            stack.append(left)
            stack.append(right)
            continue
        return False
    return True


def _string_value(node) -> str | None:
    """Content of a constant string literal (quotes and prefixes dropped), or None."""
    if node.type not in ("string", "template_string"):
        return None
    parts = []
    for c in node.children:
        if c.type in _DYNAMIC:
            return None
        if c.type in ("string_content", "string_fragment", "escape_sequence"):
            parts.append(c.text.decode("utf-8", "replace"))
    return "".join(parts)


def _first(captures: dict, name: str):
    nodes = captures.get(name)
    return nodes[0] if nodes else None


def _p_non_constant(captures: dict, *, capture: str = "arg") -> bool:
    """Any node captured as `capture` is not a constant expression."""
    return any(not is_constant(n) for n in captures.get(capture, ()))


_PLACEHOLDER = re.compile(
    r"^(?:[$%{<\[].*|.*[}>\]]|[x*._\-#]+|none|null|nil|undefined|changeme|change[-_]?me|dummy|example|"
    r"test|testing|fake|secret|password|todo|fixme|redacted|hidden|unset|empty)$", re.I)
_SECRET_WORDS = ("password", "passwd", "secret", "token", "apikey", "key", "pass", "pwd")


def _p_secret_value(captures: dict, *, capture: str = "value", name: str = "name", min_length: int = 6) -> bool:
    """The captured string looks like a real credential, not a label, key name or placeholder."""
    node = _first(captures, capture)
    value = _string_value(node) if node is not None else None
    if value is None or len(value) < min_length or any(ch.isspace() for ch in value):
        return False
    if _PLACEHOLDER.match(value):
        return False
    folded = re.sub(r"[^a-z0-9]", "", value.lower())
    if folded.isalpha() and len(folded) <= 24 and any(w in folded for w in _SECRET_WORDS):
        return False  # "api_key", "X-Auth-Token": the name of a field, not its value
    n = _first(captures, name)
    if n is not None and re.sub(r"[^a-z0-9]", "", n.text.decode("utf-8", "replace").lower()) == folded:
        return False
    if re.fullmatch(r"[a-z]+(?:[._:/-][a-z]+)*", value) and len(value) < 12:
        return False  # a lower-case word such as "bearer" or "utf-8" is a setting
    if re.match(r"^(?:https?|file)://[^@]*$", value) or value.startswith(("/", "./")):
        return False  # URLs without credentials and paths are locations
    return True


def shannon_entropy(text: str) -> float:
    """Bits per character of `text`."""
    n = len(text)
    if not n:
        return 0.0
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


_TOKENISH = re.compile(r"^[A-Za-z0-9+/=_\-.~]+$")


def _p_high_entropy(captures: dict, *, capture: str = "value", min_length: int = 24,
                    min_entropy: float = 4.2) -> bool:
    """The captured constant string is long, token-like (no spaces) and of high entropy."""
    node = _first(captures, capture)
    value = _string_value(node) if node is not None else None
    if value is None or not (min_length <= len(value) <= 512) or not _TOKENISH.match(value):
        return False
    if not (re.search(r"[0-9]", value) and re.search(r"[A-Za-z]", value)):
        return False
    return shannon_entropy(value) >= min_entropy


def _call_arguments(arglist) -> tuple[dict, list, bool]:
    """(keyword -> value node, positional nodes, has *args/**kwargs) of a Python argument_list."""
    kw: dict = {}
    pos: list = []
    splat = False
    for c in arglist.named_children:
        if c.type == "keyword_argument":
            k, v = c.child_by_field_name("name"), c.child_by_field_name("value")
            if k is not None and v is not None:
                kw[k.text.decode("utf-8", "replace")] = v
        elif c.type in ("dictionary_splat", "list_splat"):
            splat = True
        elif c.type != "comment":
            pos.append(c)
    return kw, pos, splat


def _p_keyword_unsafe(captures: dict, *, capture: str = "args", name: str = "", safe: str = "",
                      position: int = -1) -> bool:
    """Keyword `name` is missing from the call (and not passed positionally at `position`),
    or its value does not match the regex `safe` (empty: any value is fine). Calls with
    *args / **kwargs get the benefit of the doubt when the keyword is missing."""
    node = _first(captures, capture)
    if node is None:
        return False
    kw, pos, splat = _call_arguments(node)
    value = kw.get(name)
    if value is None and 0 <= position < len(pos):
        value = pos[position]
    if value is None:
        return not splat
    return bool(safe) and re.search(safe, value.text.decode("utf-8", "replace")) is None


@dataclass(frozen=True, slots=True)
class _Predicate:
    func: Callable[..., bool]
    args: frozenset[str]


PREDICATES: dict[str, _Predicate] = {
    "non_constant": _Predicate(_p_non_constant, frozenset({"capture"})),
    "secret_value": _Predicate(_p_secret_value, frozenset({"capture", "name", "min_length"})),
    "high_entropy": _Predicate(_p_high_entropy, frozenset({"capture", "min_length", "min_entropy"})),
    "keyword_unsafe": _Predicate(_p_keyword_unsafe, frozenset({"capture", "name", "safe", "position"})),
}


# --------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class Rule:
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
class FlowStepInfo:
    """One step of a taint path: where, and what happens there."""

    range: Span
    message: str


@dataclass(frozen=True, slots=True)
class Example:
    """Code a rule must flag (`vulnerable`) and a safe twin it must not flag, kept with the rule."""

    rule_id: str
    language: str
    vulnerable: tuple[str, ...]
    safe: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FindingInfo:
    rule_id: str
    cwe: str
    severity: str
    confidence: str
    range: Span
    message: str
    snippet: str
    fingerprint: str
    suppressed: bool
    owasp: str = ""
    suppression: str = ""  # one of SUPPRESSIONS
    flow: tuple[FlowStepInfo, ...] = ()


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    path: str
    language: str
    findings: list[FindingInfo]
    suppressed_count: int
    rules_evaluated: int
    has_syntax_errors: bool


@dataclass(slots=True)
class _Compiled:
    """One language's rules as a single query; pattern index -> rule."""

    query: object
    pattern_rule: list[Rule]


# --------------------------------------------------------------------------- loading


def _rule_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.toml") if p.is_file())


def _version_of(directory: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(Path(__file__).resolve().parent.glob("*.py")):  # the engine and its helpers
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    for p in _rule_files(directory):
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return f"{_BASE_VERSION}+{h.hexdigest()[:12]}"


def _strs(value, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ValueError(f"{what} must be a string or a list of strings")


def _parse_rule(raw: dict, where: str) -> tuple[Rule, list[Example]]:
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
    if not _RULE_ID.match(rid):
        raise RuleLoadError(f"{where}: bad id (use lower-case words joined by '.' or '-', e.g. 'py.eval-non-constant')")
    if not _CWE.match(raw["cwe"]):
        raise RuleLoadError(f"{where}: cwe must look like 'CWE-78', got {raw['cwe']!r}")
    owasp_category = raw.get("owasp") or owasp.category_for(raw["cwe"])
    if owasp_category not in owasp.CATEGORIES:
        raise RuleLoadError(f"{where}: no OWASP Top 10 (2021) category for {raw['cwe']}; set owasp to one of: "
                            f"{'; '.join(owasp.CATEGORIES)}")
    if raw["severity"] not in SEVERITIES:
        raise RuleLoadError(f"{where}: severity must be one of {', '.join(SEVERITIES)}")
    if raw["confidence"] not in CONFIDENCES:
        raise RuleLoadError(f"{where}: confidence must be one of {', '.join(CONFIDENCES)}")
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
            raise RuleLoadError(f"{where}: predicate {predicate!r} takes no argument(s) {', '.join(bad)}; "
                                f"it takes: {', '.join(sorted(PREDICATES[predicate].args))}")
    elif args:
        raise RuleLoadError(f"{where}: args given without a predicate")
    rule = Rule(id=rid, languages=tuple(langs), cwe=raw["cwe"], severity=raw["severity"],
                confidence=raw["confidence"], message=raw["message"].strip(), query=raw["query"],
                predicate=predicate, args=dict(args), owasp=owasp_category)
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
            examples.append(Example(rid, ex["language"], _strs(ex.get("vulnerable", []), "vulnerable"),
                                    _strs(ex.get("safe", []), "safe")))
        except ValueError as exc:
            raise RuleLoadError(f"{where}: {exc}") from None
    return rule, examples


def _compile(language: str, text: str):
    from tree_sitter import Query

    return Query(get_language(language), text)


_TEXT_PREDICATE = re.compile(r'\(#(?:eq|any-of)\?\s+@[\w.-]+((?:\s+"(?:[^"\\]|\\.)*")+)\s*\)')
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TOKENS = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")


def _anchors(query, text: str) -> frozenset[bytes] | None:
    """Identifier tokens of which at least one must occur in a file for some pattern of the
    query to match, or None when a pattern has no such anchor (it must always run).

    A pattern is anchored by an #eq? / #any-of? predicate whose values are all identifiers:
    the captured node's text must then equal one of them, so the file contains that token.
    (This assumes predicate captures are not optional; tests check it over every example.)"""
    raw = text.encode("utf-8")
    found: set[bytes] = set()
    for i in range(query.pattern_count):
        pattern = raw[query.start_byte_for_pattern(i):query.end_byte_for_pattern(i)].decode("utf-8")
        best: list[str] | None = None
        for m in _TEXT_PREDICATE.finditer(pattern):
            values = _STRING.findall(m.group(1))
            if values and all(_IDENT.match(v) for v in values):
                if best is None or min(map(len, values)) > min(map(len, best)):
                    best = values
        if best is None:
            return None
        found.update(v.encode() for v in best)
    return frozenset(found)


# --------------------------------------------------------------------------- suppression

# `codeintel-ignore: a.b, c-d` or `codeintel-ignore a.b c-d` (without the colon only words shaped like rule
# ids count, so `codeintel-ignore because ...` still means every rule).
_MARK = re.compile(
    r"\b(nosec|codeintel-ignore)\b(?:[ \t]*:[ \t]*([A-Za-z0-9_.\-]+(?:[ \t]*,[ \t]*[A-Za-z0-9_.\-]+)*)"
    r"|[ \t]+((?:[a-z0-9]+(?:[.-][a-z0-9]+)+)(?:[ \t]*,?[ \t]*[a-z0-9]+(?:[.-][a-z0-9]+)+)*))?")
_ALL = frozenset({"*"})


def _line_suppressions(line: str, *, comment_only: bool) -> frozenset[str]:
    """Rule ids suppressed by comments on `line` ({"*"}: every rule)."""
    if comment_only and not line.lstrip().startswith(("#", "//", "/*", "*", "{/*")):
        return frozenset()
    found: set[str] = set()
    for m in _MARK.finditer(line):
        prefix = line[:m.start()]
        if "#" not in prefix and "//" not in prefix and "/*" not in prefix:
            continue
        ids = m.group(2) or m.group(3)
        if m.group(1) == "nosec" or not ids:
            return _ALL
        found.update(x for x in re.split(r"[\s,]+", ids) if x)
    return frozenset(found)


# --------------------------------------------------------------------------- rule set


def _rank(name: str, order: tuple[str, ...], what: str) -> int:
    if not name:
        return 0
    try:
        return order.index(name.lower())
    except ValueError:
        raise InvalidInput(f"unknown {what} {name!r}; use one of {', '.join(order)}") from None


class RuleSet:
    """Rules loaded from a directory of TOML files; queries compiled per language on demand."""

    def __init__(self, rules: list[Rule], examples: list[Example], pattern_counts: dict, source: str):
        self.rules: list[Rule] = rules
        self.examples: list[Example] = examples
        self.languages: frozenset[str] = frozenset(lang for r in rules for lang in r.languages)
        self.by_id: dict[str, Rule] = {r.id: r for r in rules}
        self._pattern_counts = pattern_counts  # (rule id, language) -> (number of patterns, anchors)
        self._source = source
        self._compiled: OrderedDict[tuple, _Compiled] = OrderedDict()
        self._demand: dict[tuple, int] = {}  # subset key -> bytes scanned that wanted it
        # Skip rules whose anchor identifiers do not occur (see _query_for). Off by default:
        # measured over the CPython stdlib it gains ~20% once the subset queries are compiled
        # but costs ~10-20% on a cold process (tokenising + compiling), and findings are the same.
        self.prefilter = False
        self._lock = threading.Lock()

    @classmethod
    def load(cls, directory: Path | None = None) -> "RuleSet":
        """Load and validate every *.toml rule file; compiles each rule's query for each of its
        languages so a broken rule fails here (RuleLoadError naming the file and rule)."""
        if directory is None:
            with _default_lock:
                global _default
                if _default is None:
                    _default = cls._load(RULES_DIR)
                return _default
        return cls._load(Path(directory))

    @classmethod
    def _load(cls, directory: Path) -> "RuleSet":
        files = _rule_files(directory)
        if not files:
            raise RuleLoadError(f"no rule files (*.toml) in {directory}")
        rules: list[Rule] = []
        examples: list[Example] = []
        counts: dict = {}
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
                rule, exs = _parse_rule(raw, f"{path.name}: [[rules]] #{i + 1}")
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
                        q = _compile(lang, rule.query)
                    except Exception as exc:
                        raise RuleLoadError(f"{where}: query does not compile for {lang}: {exc}") from None
                    names = {q.capture_name(k) for k in range(q.capture_count)}
                    if "match" not in names:
                        raise RuleLoadError(f"{where}: query has no @match capture (the reported range)")
                    counts[(rule.id, lang)] = (q.pattern_count, _anchors(q, rule.query))
                rules.append(rule)
                examples.extend(exs)
        return cls(rules, examples, counts, str(directory))

    def describe(self, language: str = "") -> list[Rule]:
        """Every rule (for `language` when given), sorted by id: what ListRules returns."""
        if language and language not in self.languages:
            raise UnsupportedLanguage(
                f"no scan rules for language {language!r}; scanning supports: {', '.join(sorted(self.languages))}")
        return sorted((r for r in self.rules if not language or language in r.languages), key=lambda r: r.id)

    def rules_for(self, language: str) -> list[Rule]:
        return [r for r in self.rules if language in r.languages]

    def _compiled_for(self, language: str, rules: tuple[Rule, ...] | None = None) -> _Compiled:
        """One query over `rules` (default: all rules of the language), compiled once and cached
        (subsets in a small LRU: compiling costs milliseconds, a scan pass about one)."""
        key = (language, None if rules is None else tuple(r.id for r in rules))
        c = self._compiled.get(key)
        if c is not None:
            if rules is not None:
                self._compiled.move_to_end(key)
            return c
        with self._lock:
            c = self._compiled.get(key)
            if c is None:
                members = self.rules_for(language) if rules is None else list(rules)
                query = _compile(language, "\n".join(r.query for r in members))
                pattern_rule: list[Rule] = []
                for r in members:
                    pattern_rule.extend([r] * self._pattern_counts[(r.id, language)][0])
                if query.pattern_count != len(pattern_rule):  # cannot happen unless tree-sitter changes
                    raise RuntimeError(f"combined {language} query has {query.pattern_count} patterns, "
                                       f"expected {len(pattern_rule)}")
                c = self._compiled[key] = _Compiled(query, pattern_rule)
                if rules is not None and len(self._compiled) > _MAX_CACHED_QUERIES:
                    for old in list(self._compiled):
                        if old[1] is not None:
                            del self._compiled[old]
                            break
        return c

    def _query_for(self, language: str, selected: list[Rule], content: bytes) -> tuple[_Compiled, set[str]]:
        """The query to run over `content` and the ids of the rules it should report.

        Prefilter: a rule whose every pattern needs an identifier (e.g. `subprocess`) that the
        file does not contain cannot match, so it is left out. When what remains is a small part
        of the language's rules, a query over just those (cached by rule set) is cheaper than
        the full one; otherwise the full query runs and matches of unselected rules are dropped."""
        wanted = {r.id for r in selected}
        if self.prefilter:
            tokens = set(_TOKENS.findall(content))
            live = tuple(r for r in selected
                         if (a := self._pattern_counts[(r.id, language)][1]) is None or not a.isdisjoint(tokens))
            wanted = {r.id for r in live}
            if len(live) * 2 <= len(self.rules_for(language)):
                key = (language, tuple(r.id for r in live))
                if key in self._compiled:
                    return self._compiled_for(language, live), wanted
                # Compiling a subset query costs about as much as scanning ~250 KB with the full
                # one, so only rule sets that keep coming back get their own query.
                with self._lock:
                    if len(self._demand) > 4 * _MAX_CACHED_QUERIES:
                        self._demand.clear()
                    seen = self._demand[key] = self._demand.get(key, 0) + len(content)
                if seen >= _COMPILE_AFTER_BYTES:
                    return self._compiled_for(language, live), wanted
        return self._compiled_for(language), wanted

    def select(self, language: str, *, min_severity: str = "", min_confidence: str = "",
               rule_ids: Iterable[str] = (), exclude_rule_ids: Iterable[str] = ()) -> list[Rule]:
        """The rules a scan with these options runs over a file of `language`."""
        sev = _rank(min_severity, SEVERITIES, "severity")
        conf = _rank(min_confidence, CONFIDENCES, "confidence")
        wanted = set(rule_ids)
        unknown = sorted(wanted - set(self.by_id))
        if unknown:
            raise InvalidInput(f"unknown rule id(s) {', '.join(unknown)}; valid ids: {', '.join(sorted(self.by_id))}")
        excluded = set(exclude_rule_ids)  # unknown ids here are harmless (e.g. a rule removed since)
        return [
            r for r in self.rules_for(language)
            if (not wanted or r.id in wanted) and r.id not in excluded
            and SEVERITIES.index(r.severity) >= sev and CONFIDENCES.index(r.confidence) >= conf
        ]

    def scan(self, src: Source, *, min_severity: str = "", min_confidence: str = "", rule_ids=(),
             exclude_rule_ids=(), include_suppressed: bool = False, baseline=(),
             budget: Budget | None = None) -> ScanOutcome:
        """Run the selected rules over one file within `budget`; findings in document order. Findings whose
        fingerprint is in `baseline` (accepted earlier) are suppressed like inline-suppressed ones."""
        if len(baseline) > MAX_BASELINE:
            raise InvalidInput(f"the baseline has {len(baseline)} fingerprints; the limit is {MAX_BASELINE}")
        if src.language not in self.languages:
            raise UnsupportedLanguage(
                f"no scan rules for language {src.language!r}; scanning supports: {', '.join(sorted(self.languages))}")
        selected = self.select(src.language, min_severity=min_severity, min_confidence=min_confidence,
                               rule_ids=rule_ids, exclude_rule_ids=exclude_rule_ids)
        tree = parse(src)
        root = tree.root_node
        if not selected:
            return ScanOutcome(src.path, src.language, [], 0, 0, root.has_error)
        compiled, wanted = self._query_for(src.language, selected, src.content)
        hits = self._matches(compiled, root, wanted, budget or unlimited()) if wanted else []
        findings, suppressed = self._findings(src, hits, include_suppressed, frozenset(baseline))
        return ScanOutcome(src.path, src.language, findings, suppressed, len(selected), root.has_error)

    def _matches(self, compiled: _Compiled, root, wanted: set[str], budget: Budget) -> list[tuple]:
        """(node, rule) per distinct finding, document order."""
        seen: set[tuple] = set()
        hits: list[tuple] = []
        for index, captures in query_matches(compiled.query, root, budget, "rule matching"):
            rule = compiled.pattern_rule[index]
            if rule.id not in wanted:
                continue
            nodes = captures.get("match")
            if nodes:
                node = nodes[0]
            else:  # a pattern without @match: report its outermost capture
                node = min((n for ns in captures.values() for n in ns), key=lambda n: (n.start_byte, -n.end_byte))
            key = (rule.id, node.start_byte, node.end_byte)
            if key in seen:
                continue
            if rule.predicate is not None and not PREDICATES[rule.predicate].func(captures, **rule.args):
                continue
            seen.add(key)
            hits.append((node.start_byte, node.end_byte, rule.id, node, rule, ()))
        hits.sort(key=lambda h: h[:3])
        return hits

    def _findings(self, src: Source, hits: list[tuple], include_suppressed: bool,
                  baseline: frozenset[str]) -> tuple[list[FindingInfo], int]:
        """hits: (start byte, end byte, rule id, node, rule, flow steps) in document order."""
        content = src.content
        occurrences: Counter = Counter()
        marks: dict[int, frozenset[str]] = {}
        findings: list[FindingInfo] = []
        suppressed_count = 0
        for start, end, rid, node, rule, flow in hits:
            text = " ".join(content[start:end].decode("utf-8", "replace").split())
            occurrence = occurrences[(rid, text)]
            occurrences[(rid, text)] += 1
            fingerprint = hashlib.sha256(
                f"{rid}\0{src.path}\0{text}\0{occurrence}".encode("utf-8", "surrogatepass")).hexdigest()
            line_start = content.rfind(b"\n", 0, start) + 1
            line_end = content.find(b"\n", end)
            if line_end < 0:
                line_end = len(content)
            if line_start not in marks:
                eol = content.find(b"\n", line_start)
                first = content[line_start:eol if eol >= 0 else len(content)]
                own = _line_suppressions(first.decode("utf-8", "replace"), comment_only=False)
                above = frozenset()
                if line_start > 0:
                    prev_start = content.rfind(b"\n", 0, line_start - 1) + 1
                    above = _line_suppressions(content[prev_start:line_start - 1].decode("utf-8", "replace"),
                                               comment_only=True)
                marks[line_start] = own | above
            mark = marks[line_start]
            suppression = "inline" if "*" in mark or rid in mark else "baseline" if fingerprint in baseline else ""
            is_suppressed = bool(suppression)
            if is_suppressed:
                suppressed_count += 1
                if not include_suppressed:
                    continue
            snippet = content[line_start:line_end].rstrip(b"\r\n \t")[:MAX_SNIPPET_BYTES]
            findings.append(FindingInfo(
                rule_id=rid, cwe=rule.cwe, severity=rule.severity, confidence=rule.confidence,
                range=span_of(node), message=rule.message,
                snippet=snippet.decode("utf-8", "ignore"),  # "ignore" drops a character cut at byte 200
                fingerprint=fingerprint, suppressed=is_suppressed, owasp=rule.owasp, suppression=suppression,
                flow=flow,
            ))
        return findings, suppressed_count


_default: RuleSet | None = None
_default_lock = threading.Lock()

VERSION: str = _version_of(RULES_DIR)
