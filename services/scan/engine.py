"""The scan engine: TOML rules -> tree-sitter queries -> findings, for one file at a time.

Rules are data (services/scan/rules/*.toml, one `[[rules]]` table per rule; rules.py). Each rule
has a tree-sitter query whose `@match` capture is the reported range, and optionally the name of
a small Python predicate (predicates.py) for checks a query cannot express, e.g. "this argument is
not a constant string". Taint specs (services/scan/taint/specs/*.toml; the taint package) add one
dataflow rule per sink kind. A scan parses the file once, runs the pattern rules' queries (near
their anchors only: matching.py), the taint pass when a dataflow rule is selected, then drops or
marks suppressed findings (suppression.py). For repository runs, `summarise` gives a file's function
summaries and `scan(..., summaries=...)` uses other files' summaries at calls it cannot resolve.
Custom rules (custom.py: sent with a request or read from a repository) extend a RuleSet
(`extended`) and run by the same machinery; those written as ast-grep patterns go through
sgpattern.py.

Holds: RuleSet (load, select, scan, summarise), ScanOutcome, FindingInfo, FlowStepInfo, VERSION; and, for
callers, the rule records and errors (Rule, Example, RuleLoadError, RULES_DIR, TAINT_DIR, MAX_BASELINE).

Every walk over the tree is iterative (QueryCursor in C, explicit stacks elsewhere): files may
nest 10,000 levels deep and must not hit Python's recursion limit.
"""

from __future__ import annotations

import difflib
import hashlib
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from codeintel.kernel import vocab
from codeintel.kernel.budget import Budget, unlimited
from codeintel.kernel.errors import InvalidInput, UnsupportedLanguage
from codeintel.kernel.source import Source, parse
from codeintel.kernel.span import Span, span_of
from services.scan import anchors, loader, matching, sgpattern, suppression, taint
from services.scan.rules import RULES_DIR, Example, Rule, RuleLoadError, rule_files
from services.scan.suppression import MAX_BASELINE, SUPPRESSIONS
from services.scan.taint import MAX_SUMMARIES, TAINT_DIR, Summary

__all__ = [
    "VERSION",
    "RULES_DIR",
    "TAINT_DIR",
    "RuleLoadError",
    "Rule",
    "Example",
    "FindingInfo",
    "FlowStepInfo",
    "ScanOutcome",
    "RuleSet",
    "MAX_BASELINE",
    "SUPPRESSIONS",
    "MAX_SUMMARIES",
    "Summary",
    "version_of",
]

# Bump when the engine's behaviour changes; the hash of the code and the rule files is appended automatically.
_BASE_VERSION = "scan-1.0.0"

MAX_SNIPPET_BYTES = 200
_HERE = Path(__file__).resolve().parent


@dataclass(frozen=True, slots=True)
class FlowStepInfo:
    """One step of a taint path: where, and what happens there."""

    range: Span
    message: str


@dataclass(frozen=True, slots=True)
class FindingInfo:
    """One finding: the rule, where (`range`, the `snippet` of its first line), a `fingerprint` that
    stays the same when lines are inserted above, and why it is suppressed, if it is."""

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
    """One file's scan: findings in document order, how many were suppressed, how many rules ran."""

    path: str
    language: str
    findings: list[FindingInfo]
    suppressed_count: int
    rules_evaluated: int
    has_syntax_errors: bool


def version_of(rules_dir: Path, taint_dir: Path) -> str:
    """_BASE_VERSION + a hash of the scan code (every .py file of services/scan, subpackages included),
    the rule files and the taint specs: cached results are keyed by it, so any change to what a scan
    finds changes it. Taint specs hash as `taint/<name>` wherever they live."""
    h = hashlib.sha256()
    for p in sorted(_HERE.rglob("*.py"), key=lambda p: p.relative_to(_HERE).as_posix()):
        h.update(p.relative_to(_HERE).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    for p in rule_files(rules_dir):
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    for p in taint.spec_files(taint_dir):  # taint specs are rules too
        h.update(b"taint/" + p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return f"{_BASE_VERSION}+{h.hexdigest()[:12]}"


def _rank(name: str, order: tuple[str, ...], what: str) -> int:
    if not name:
        return 0
    try:
        return order.index(name.lower())
    except ValueError:
        raise InvalidInput(f"unknown {what} {name!r}; use one of {', '.join(order)}") from None


class RuleSet:
    """Rules loaded from a directory of TOML files; queries compiled per language on demand."""

    def __init__(
        self,
        rules: list[Rule],
        examples: list[Example],
        pattern_counts: loader.PatternCounts,
        source: str,
        taint_specs: Iterable[taint.TaintSpec] = (),
    ):
        self.rules: list[Rule] = rules
        self.examples: list[Example] = examples
        self.languages: frozenset[str] = frozenset(lang for r in rules for lang in r.languages)
        self.by_id: dict[str, Rule] = {r.id: r for r in rules}
        # (rule id, language) -> (number of patterns, anchors, the rule's own compiled query)
        self._pattern_counts = pattern_counts
        self.taint_specs: tuple[taint.TaintSpec, ...] = tuple(taint_specs)
        self._taint: dict[str, taint.TaintSpec] = {lang: s for s in self.taint_specs for lang in s.languages}
        self._taint_kind: dict[str, str] = {r.id: r.kind for s in self.taint_specs for r in s.rules}
        self._source = source
        self._compiled: dict[tuple, matching.Compiled] = {}
        self._plans: dict[str, matching.Plan] = {}
        self._by_language: dict[str, list[Rule]] = {}
        # Run anchored rules only where their anchor words occur (see _pattern_hits); False runs
        # one query over the whole file. Findings are the same either way (tests compare them).
        self.prefilter = True
        self._lock = threading.Lock()

    @classmethod
    def load(cls, directory: Path | None = None, taint_directory: Path | None = None) -> RuleSet:
        """Load and validate every *.toml rule file; compiles each rule's query for each of its
        languages so a broken rule fails here (RuleLoadError naming the file and rule). Taint specs
        come from `taint_directory` (default: services/scan/taint/specs with the shipped rules, else none)."""
        if directory is None:
            with _default_lock:
                global _default
                if _default is None:
                    _default = cls._load(RULES_DIR, TAINT_DIR)
                return _default
        directory = Path(directory)
        if taint_directory is None and directory.resolve() == RULES_DIR:
            taint_directory = TAINT_DIR
        return cls._load(directory, None if taint_directory is None else Path(taint_directory))

    @classmethod
    def _load(cls, directory: Path, taint_directory: Path | None = None) -> RuleSet:
        rules, examples, counts, specs = loader.load(directory, taint_directory)
        return cls(rules, examples, counts, str(directory), specs)

    def extended(self, rules: list[Rule], examples: list[Example], pattern_counts: loader.PatternCounts) -> RuleSet:
        """A new rule set: these rules (already validated and compiled: custom.py) run with this set's
        rules, predicates and taint specs; this set is left as it is."""
        return RuleSet(
            self.rules + rules,
            self.examples + examples,
            {**self._pattern_counts, **pattern_counts},
            self._source,
            self.taint_specs,
        )

    def describe(self, language: str = "") -> list[Rule]:
        """Every rule (for `language` when given), sorted by id: what ListRules returns."""
        if language and language not in self.languages:
            raise UnsupportedLanguage(
                f"no scan rules for language {language!r}; scanning supports: {', '.join(sorted(self.languages))}"
            )
        return sorted((r for r in self.rules if not language or language in r.languages), key=lambda r: r.id)

    def rules_for(self, language: str) -> list[Rule]:
        got = self._by_language.get(language)
        if got is None:  # a benign race: two threads compute the same list
            got = self._by_language[language] = [r for r in self.rules if language in r.languages]
        return list(got)

    def _pattern_rules_for(self, language: str) -> list[Rule]:
        """The language's rules with a tree-sitter query (not taint, not ast-grep patterns)."""
        return [r for r in self.rules_for(language) if not r.dataflow and not r.pattern]

    def _compiled_for(self, language: str, part: str = "all") -> matching.Compiled:
        """One query over the language's pattern rules (`part`: "all", or "free": those without
        anchors), compiled on first use and kept."""
        key = (language, part)
        c = self._compiled.get(key)
        if c is not None:
            return c
        with self._lock:
            c = self._compiled.get(key)
            if c is None:
                members = self._pattern_rules_for(language)
                if part == "free":
                    members = [r for r in members if self._pattern_counts[(r.id, language)][1] is None]
                query = matching.compile_query(language, "\n".join(r.query for r in members))
                pattern_rule: list[Rule] = []
                for r in members:
                    pattern_rule.extend([r] * self._pattern_counts[(r.id, language)][0])
                if query.pattern_count != len(pattern_rule):  # cannot happen unless tree-sitter changes
                    raise RuntimeError(
                        f"combined {language} query has {query.pattern_count} patterns, expected {len(pattern_rule)}"
                    )
                c = self._compiled[key] = matching.Compiled(query, pattern_rule)
        return c

    def _plan_for(self, language: str) -> matching.Plan:
        plan = self._plans.get(language)
        if plan is None:
            anchored = {}
            for r in self._pattern_rules_for(language):
                count, rule_anchors, query = self._pattern_counts[(r.id, language)]
                if rule_anchors is not None:
                    anchored[r.id] = (rule_anchors, matching.Compiled(query, [r] * count))
            has_free = len(anchored) < len(self._pattern_rules_for(language))
            every = {a for rule_anchors, _ in anchored.values() for a in rule_anchors}
            plan = self._plans[language] = matching.Plan(
                self._compiled_for(language, "free") if has_free else None,
                anchored,
                frozenset(a.text for a in every if a.kind == anchors.TOKEN),
                tuple(sorted(a.text for a in every if a.kind == anchors.SUBSTRING)),
                tuple(sorted(a.text for a in every if a.kind == anchors.FOLDED)),
            )
        return plan

    def _pattern_hits(self, src: Source, root, patterns: list[Rule], budget: Budget) -> list[tuple]:
        """(start byte, end byte, rule id, node, rule, ()) per distinct finding of the `patterns` rules,
        document order. Anchored rules run only near their anchors (matching.ranged_runs). Trees with
        syntax errors are not prefiltered (anchors.py says why) and take codeintel.query's walk, which
        keeps big ERROR nodes from costing quadratic time."""
        language = src.language
        if not self.prefilter or root.has_error:
            return matching.matches([(self._compiled_for(language), None)], root, {r.id for r in patterns}, budget)
        runs, wanted = matching.ranged_runs(self._plan_for(language), src.content, patterns)
        return matching.matches(runs, root, wanted, budget) if runs else []

    def select(
        self,
        language: str,
        *,
        min_severity: str = "",
        min_confidence: str = "",
        rule_ids: Iterable[str] = (),
        exclude_rule_ids: Iterable[str] = (),
    ) -> list[Rule]:
        """The rules a scan with these options runs over a file of `language`."""
        sev = _rank(min_severity, vocab.SEVERITIES, "severity")
        conf = _rank(min_confidence, vocab.CONFIDENCES, "confidence")
        wanted = set(rule_ids)
        excluded = set(exclude_rule_ids)  # unknown ids here are harmless (e.g. a rule removed since)
        if not (sev or conf or wanted or excluded):  # the usual scan: every rule of the language
            return self.rules_for(language)
        unknown = sorted(wanted - self.by_id.keys())
        if unknown:
            # Suggest near misses, not all ids: the full list (ListRules) is far too long for a status message.
            near = list(
                dict.fromkeys(
                    m
                    for u in unknown  # best match first
                    for m in difflib.get_close_matches(u, list(self.by_id), n=3, cutoff=0.6)
                )
            )
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            raise InvalidInput(
                f"unknown rule id(s) {', '.join(unknown[:10])}{hint} (ListRules lists the {len(self.by_id)} rule ids)"
            )
        return [
            r
            for r in self.rules_for(language)
            if (not wanted or r.id in wanted)
            and r.id not in excluded
            and vocab.SEVERITIES.index(r.severity) >= sev
            and vocab.CONFIDENCES.index(r.confidence) >= conf
        ]

    def scan(
        self,
        src: Source,
        *,
        min_severity: str = "",
        min_confidence: str = "",
        rule_ids=(),
        exclude_rule_ids=(),
        include_suppressed: bool = False,
        baseline=(),
        budget: Budget | None = None,
        summaries: Sequence[Summary] = (),
    ) -> ScanOutcome:
        """Run the selected rules over one file within `budget`; findings in document order. Findings whose
        fingerprint is in `baseline` (accepted earlier) are suppressed like inline-suppressed ones.
        `summaries`: other files' function summaries (at most MAX_SUMMARIES), for the taint pass's
        calls of functions this file does not define."""
        if len(baseline) > MAX_BASELINE:
            raise InvalidInput(f"the baseline has {len(baseline)} fingerprints; the limit is {MAX_BASELINE}")
        if len(summaries) > MAX_SUMMARIES:
            raise InvalidInput(f"{len(summaries)} function summaries; the limit is {MAX_SUMMARIES} per scan")
        if src.language not in self.languages:
            raise UnsupportedLanguage(
                f"no scan rules for language {src.language!r}; scanning supports: {', '.join(sorted(self.languages))}"
            )
        selected = self.select(
            src.language,
            min_severity=min_severity,
            min_confidence=min_confidence,
            rule_ids=rule_ids,
            exclude_rule_ids=exclude_rule_ids,
        )
        tree = parse(src)
        root = tree.root_node
        if not selected:
            return ScanOutcome(src.path, src.language, [], 0, 0, root.has_error)
        budget = budget or unlimited()
        patterns = [r for r in selected if not r.dataflow and not r.pattern]
        hits: list[tuple] = []
        if patterns:
            hits = self._pattern_hits(src, root, patterns, budget)
        written = [r for r in selected if r.pattern]  # ast-grep patterns (custom rules)
        if written:
            hits = sorted(hits + sgpattern.hits(src, root, written, budget), key=lambda h: h[:3])
        flows = [r for r in selected if r.dataflow]
        if flows:
            hits = self._with_taint(src.language, root, flows, hits, budget, summaries)
        findings, suppressed = self._findings(src, hits, include_suppressed, frozenset(baseline))
        return ScanOutcome(src.path, src.language, findings, suppressed, len(selected), root.has_error)

    def summarise(self, src: Source, *, budget: Budget | None = None) -> list[Summary]:
        """The summary of every named function / method `src` defines (taint.summaries): what a call
        of it returns, for other files' scans. Empty for a language without a taint spec."""
        if src.language not in self.languages:
            raise UnsupportedLanguage(
                f"no scan rules for language {src.language!r}; scanning supports: {', '.join(sorted(self.languages))}"
            )
        spec = self._taint.get(src.language)
        if spec is None:
            return []
        return taint.export(parse(src).root_node, spec, src.language, src.path, budget or unlimited())

    def _with_taint(
        self, language: str, root, flows: list[Rule], hits: list[tuple], budget: Budget, summaries: Sequence[Summary]
    ) -> list[tuple]:
        """`hits` plus the taint findings of the `flows` rules. A pattern hit of the same CWE on the
        same sink call (inside it, or around it) is dropped: the taint finding says more (its flow).
        So is a pattern hit on a sink call the taint pass examined for a kind of the same CWE inside a
        function where it saw the untrusted input that kind cares about: there the pass knows where
        data comes from, and a sink it does not report is fed by constants, checked or sanitised data.
        Pattern hits on calls the pass has no model of stay, and so do custom rules' hits (a caller's own
        rule reports what it matches: its examples are checked without the taint pass)."""
        spec = self._taint.get(language)
        if spec is None:
            return hits
        by_kind = {self._taint_kind[r.id]: r for r in flows}
        external = taint.Table(summaries, spec) if summaries else None
        outcome = taint.analyse(root, spec, frozenset(by_kind), budget, language, external)
        found = outcome.hits
        if outcome.scopes and outcome.checked:
            kinds_of_cwe: dict[str, set[str]] = {}
            for kind, r in by_kind.items():
                kinds_of_cwe.setdefault(r.cwe, set()).add(kind)

            def vouched(x) -> bool:
                kinds = kinds_of_cwe.get(x[4].cwe)
                if not kinds:
                    return False
                on_sink = [
                    k
                    for s, e, k in outcome.checked
                    if k in kinds and ((s <= x[0] and x[1] <= e) or (x[0] <= s and e <= x[1]))
                ]
                return any(
                    s <= x[0] and x[1] <= e and fed.intersection(on_sink) for (s, e), fed in outcome.scopes.items()
                )

            hits = [x for x in hits if x[4].custom or not vouched(x)]
        if not found:
            return hits
        sinks: dict[str, list[tuple[int, int]]] = {}
        extra = []
        for h in found:
            rule = by_kind[h.kind]
            flow = tuple(FlowStepInfo(span, message) for span, message in h.steps)
            extra.append((h.node.start_byte, h.node.end_byte, rule.id, h.node, rule, flow))
            sinks.setdefault(rule.cwe, []).append((h.node.start_byte, h.node.end_byte))
        kept = [
            x
            for x in hits
            if x[4].custom
            or not any((s <= x[0] and x[1] <= e) or (x[0] <= s and e <= x[1]) for s, e in sinks.get(x[4].cwe, ()))
        ]
        return sorted(kept + extra, key=lambda h: h[:3])

    def _findings(
        self, src: Source, hits: list[tuple], include_suppressed: bool, baseline: frozenset[str]
    ) -> tuple[list[FindingInfo], int]:
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
                f"{rid}\0{src.path}\0{text}\0{occurrence}".encode("utf-8", "surrogatepass")
            ).hexdigest()
            line_start = content.rfind(b"\n", 0, start) + 1
            line_end = content.find(b"\n", end)
            if line_end < 0:
                line_end = len(content)
            if line_start not in marks:
                marks[line_start] = suppression.marks_at(content, line_start)
            why = suppression.suppression_of(marks[line_start], rid, fingerprint, baseline)
            is_suppressed = bool(why)
            if is_suppressed:
                suppressed_count += 1
                if not include_suppressed:
                    continue
            snippet = content[line_start:line_end].rstrip(b"\r\n \t")[:MAX_SNIPPET_BYTES]
            findings.append(
                FindingInfo(
                    rule_id=rid,
                    cwe=rule.cwe,
                    severity=rule.severity,
                    confidence=rule.confidence,
                    range=span_of(node),
                    message=rule.message,
                    snippet=snippet.decode("utf-8", "ignore"),  # "ignore" drops a character cut at byte 200
                    fingerprint=fingerprint,
                    suppressed=is_suppressed,
                    owasp=rule.owasp,
                    suppression=why,
                    flow=flow,
                )
            )
        return findings, suppressed_count


_default: RuleSet | None = None
_default_lock = threading.Lock()

VERSION: str = version_of(RULES_DIR, TAINT_DIR)
