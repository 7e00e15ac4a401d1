"""Custom scan rules: rule files sent with a request (ScanOptions.custom_rules, ListRulesRequest.custom_rules)
or read from a repository's `.codeintel/rules/`, in the scanner's own format (TOML `[[rules]]` tables)
or the same fields in YAML (a top-level `rules:` list). docs/scanner.md, "Custom rules", is the
reference.

They are validated as the shipped rules are (rules.parse_rule, loader.compile_rule: every field, the
query compiled for each language, the predicate's options and capture) and more: ids must not collide
with the shipped ids or each other, nor use a shipped id's prefix (so a later release cannot collide
with them), each example must behave (vulnerable flagged, safe not), and the files are bounded
(MAX_FILES, MAX_BYTES, MAX_RULES). Every error is a CustomRuleError naming the file (its `index`
among the files sent), the rule and the field.

A valid set becomes a RuleSet extending the shipped one (RuleSet.extended): the same engine,
predicates, suppressions, baselines, fingerprints and filters. CustomRuleCache keeps the last few
compiled sets by a digest of the files, so a repository run's batches compile their rules once.

Holds: RuleText, CustomRuleError, MAX_FILES / MAX_BYTES / MAX_RULES, build (files -> RuleSet),
digest, CustomRuleCache.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from codeintel.kernel import errors, vocab
from codeintel.kernel.budget import Budget, unlimited
from codeintel.kernel.source import prepare
from services.scan import loader
from services.scan.engine import RuleSet
from services.scan.rules import Example, Rule, RuleLoadError, parse_rule, rule_error

__all__ = [
    "MAX_BYTES",
    "MAX_FILES",
    "MAX_RULES",
    "CustomRuleCache",
    "CustomRuleError",
    "RuleText",
    "build",
    "digest",
]

MAX_FILES = vocab.CUSTOM_RULE_FILES
MAX_BYTES = vocab.CUSTOM_RULE_BYTES  # UTF-8 bytes of all files' content together
MAX_RULES = vocab.CUSTOM_RULES
SUFFIXES = vocab.RULE_FILE_SUFFIXES
CACHED_SETS = 16

# A file name for each example's language, so that language detection agrees with the one given.
_EXAMPLE_EXT = {"python": "py", "javascript": "js", "typescript": "ts", "tsx": "tsx", "go": "go", "java": "java"}


@dataclass(frozen=True, slots=True)
class RuleText:
    """One rule file: `path` names it in errors and gives its format by suffix; `content` its text."""

    path: str
    content: str


class CustomRuleError(RuleLoadError):
    """A custom rule file is unusable; `index` is its position among the files sent (0-based)."""

    def __init__(self, cause: RuleLoadError, index: int):
        super().__init__(str(cause), file=cause.file, rule=cause.rule, field=cause.field)
        self.index = index


def digest(files: Sequence[RuleText]) -> str:
    """What identifies a rule set: the files' paths and contents, in order."""
    h = hashlib.sha256()
    for f in files:
        for part in (f.path.encode("utf-8", "surrogatepass"), f.content.encode("utf-8", "surrogatepass")):
            h.update(len(part).to_bytes(8, "little"))
            h.update(part)
    return h.hexdigest()


def _check_files(files: Sequence[RuleText]) -> None:
    if len(files) > MAX_FILES:
        raise CustomRuleError(
            RuleLoadError(f"{len(files)} custom rule files; the limit is {MAX_FILES} (merge some)"), MAX_FILES
        )
    total = 0
    seen: set[str] = set()
    for i, f in enumerate(files):
        if not f.path or "\x00" in f.path:
            raise CustomRuleError(RuleLoadError(f"custom rule file #{i + 1}: path is empty or has a NUL byte"), i)
        if not f.path.endswith(SUFFIXES):
            raise CustomRuleError(
                RuleLoadError(f"{f.path}: unknown rule file format: name it *.toml, *.yaml or *.yml", file=f.path), i
            )
        if f.path in seen:
            raise CustomRuleError(RuleLoadError(f"{f.path}: sent twice (paths name files in errors)", file=f.path), i)
        seen.add(f.path)
        total += len(f.content.encode("utf-8", "surrogatepass"))
        if total > MAX_BYTES:
            raise CustomRuleError(
                RuleLoadError(
                    f"{f.path}: custom rule files hold more than {MAX_BYTES // 1024} KiB together "
                    f"({total:,} bytes up to this file)",
                    file=f.path,
                ),
                i,
            )


def _out_of_time(budget: Budget, done: str) -> errors.CodeIntelError:
    if budget.by_caller:
        return errors.DeadlineExceeded(
            f"the caller's deadline passed while the custom rules were compiled and checked ({done}); "
            "retry with more time: a rule set is compiled once and then kept"
        )
    return errors.InvalidInput(
        f"the custom rules take more than the server's limit of {budget.limit:g} s to compile and check "
        f"({done}); send fewer rules or examples"
    )


def build(files: Sequence[RuleText], base: RuleSet, budget: Budget | None = None) -> RuleSet:
    """`base` extended with the rules of `files`, each validated, compiled and its examples checked.
    Raises CustomRuleError; DeadlineExceeded / InvalidInput when `budget` runs out first."""
    budget = budget or unlimited()
    _check_files(files)
    shipped = set(base.by_id)
    reserved = {rid.split(".", 1)[0].split("-", 1)[0] for rid in shipped}
    rules: list[Rule] = []
    examples: list[Example] = []
    counts: loader.PatternCounts = {}
    where: dict[str, str] = {}
    for i, f in enumerate(files):
        try:
            for raw, n in loader.rule_tables(f.path, f.content):
                if len(rules) >= MAX_RULES:
                    raise RuleLoadError(
                        f"{f.path}: more than {MAX_RULES} custom rules in all; the limit is {MAX_RULES}", file=f.path
                    )
                rule, exs = parse_rule(raw, f.path, n, source=f.path)
                label = f'"{rule.id}"'
                prefix = rule.id.split(".", 1)[0].split("-", 1)[0]
                if rule.id in shipped:
                    raise rule_error(f.path, label, "id", "collides with a shipped rule's id; pick your own prefix")
                if prefix in reserved:
                    raise rule_error(
                        f.path,
                        label,
                        "id",
                        f"the prefix {prefix!r} is reserved for shipped rules ({', '.join(sorted(reserved))}); "
                        f"use your own, e.g. 'acme.{rule.id.split('.', 1)[-1]}'",
                    )
                if rule.id in where:
                    raise rule_error(f.path, label, "id", f"duplicate id (also in {where[rule.id]})")
                where[rule.id] = f.path
                counts.update(loader.compile_rule(rule, f.path))
                rules.append(rule)
                examples.extend(exs)
                if budget():
                    raise _out_of_time(budget, f"{len(rules)} rules compiled")
        except CustomRuleError:
            raise
        except RuleLoadError as exc:
            raise CustomRuleError(exc, i) from None
    extended = base.extended(rules, examples, counts)
    index_of = {f.path: i for i, f in enumerate(files)}
    _check_examples(extended, examples, {r.id: r for r in rules}, index_of, budget)
    return extended


def _check_examples(
    rule_set: RuleSet, examples: list[Example], rules: dict[str, Rule], index_of: dict[str, int], budget: Budget
) -> None:
    """Each example's vulnerable snippets must be flagged by its rule, its safe ones not."""
    nth: dict[tuple[str, str], int] = {}  # the example's position among its rule's examples
    for done, ex in enumerate(examples):
        if budget():
            raise _out_of_time(budget, f"all rules compiled, {done} of {len(examples)} examples checked")
        rule = rules[ex.rule_id]
        n = nth[(ex.rule_id, rule.source)] = nth.get((ex.rule_id, rule.source), -1) + 1
        name = f"example.{_EXAMPLE_EXT.get(ex.language, 'txt')}"
        for kind, snippets, want in (("vulnerable", ex.vulnerable, True), ("safe", ex.safe, False)):
            for k, code in enumerate(snippets):
                found = rule_set.scan(
                    prepare(name, ex.language, code.encode("utf-8", "surrogatepass")),
                    rule_ids=[ex.rule_id],
                    include_suppressed=True,
                    budget=budget,
                ).findings
                if bool(found) != want:
                    which = f"{kind} snippet {k + 1}" if len(snippets) > 1 else f"the {kind} snippet"
                    problem = (
                        f"{which} ({ex.language}) is not flagged: the query (and predicate) does not match it"
                        if want
                        else f"{which} ({ex.language}) is flagged at line {found[0].range.start_line + 1}: "
                        "the rule would report safe code"
                    )
                    raise CustomRuleError(
                        rule_error(rule.source, f'"{rule.id}"', f"examples[{n}].{kind}", problem),
                        index_of[rule.source],
                    )


class CustomRuleCache:
    """The last CACHED_SETS rule sets built from custom rule files, by digest (failures too: a broken
    set sent with every batch of a run is rejected without being compiled again)."""

    def __init__(self, base: RuleSet, size: int = CACHED_SETS):
        self.base = base
        self.size = size
        self._sets: OrderedDict[str, RuleSet | CustomRuleError] = OrderedDict()
        self._lock = threading.Lock()
        self.builds = 0  # rule sets compiled (not found here): what tests and metrics read

    def get(self, files: Sequence[RuleText], budget: Budget | None = None) -> RuleSet:
        """The base set when `files` is empty, else the base extended with them; raises CustomRuleError
        (remembered), or DeadlineExceeded / InvalidInput when `budget` runs out while building (not
        remembered: more time may do)."""
        if not files:
            return self.base
        key = digest(files)
        with self._lock:  # held while building: the same set is never compiled twice at once
            got = self._sets.get(key)
            if got is None:
                self.builds += 1
                try:
                    got = build(files, self.base, budget)
                except CustomRuleError as exc:
                    got = exc
                self._sets[key] = got
                while len(self._sets) > self.size:
                    self._sets.popitem(last=False)
            else:
                self._sets.move_to_end(key)
        if isinstance(got, CustomRuleError):
            raise CustomRuleError(got, got.index)  # a fresh exception: no traceback piles up on the cached one
        return got
