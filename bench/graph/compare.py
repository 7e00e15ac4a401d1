"""Scoring our answers against a reference table (bench.graph.reference.Reference).

Definitions, per usage (an identifier use the reference tool lists):
- the reference item: the usage lands, per the tool's go-to-definition, on a function / class / method
  declared in the project (a group of the table);
- our item: GetDefinition at the usage's position answers RESOLVED with a definition that is in the
  table (our answers that are variables, parameters, modules, ... are outside the comparison, like
  the tool's). AMBIGUOUS and NAME_ONLY answers are not counted as ours: they are shown as such to
  the user, not claimed; the table reports how often the right definition was among them;
- a match: both exist and share a group. Precision = matches / our items, recall = matches / reference
  items. Kinds: a reference item counts under the kind of the tool's target, ours under our target's.

References, per declaration group:
- the reference set: the tool's find-references entries that are usages, UNION the usages whose
  go-to-definition lands on the group (both are the tool's own statements that the use denotes the
  declaration; TypeScript's findReferences does not follow CommonJS `exports` / `module.exports`
  objects into importers while its go-to-definition does; Jedi's two answers disagree in a few
  places too; the JSON says how many came only from go-to-definition);
- ours: FindReferences at each declaration of the group (default request: name-only uses
  excluded), positions deduplicated; uses outside the reference tool's usages (e.g. a name it counts
  as a declaration or an export) are counted apart and left out of precision;
- precision = |ours & reference| / |ours|, recall = |ours & reference| / |reference|, summed over
  groups; a group counts under its declaration's kind and its declaration file's language.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.graph.reference import KINDS, Reference

RESOLVED, AMBIGUOUS, NAME_ONLY, NONE = "resolved", "ambiguous", "name-only", "none"


@dataclass(frozen=True)
class Def:
    """One definition in our answer."""

    path: str
    line: int  # 1-based line of the name
    name: str
    kind: str


@dataclass(frozen=True)
class DefAnswer:
    resolution: str  # RESOLVED / AMBIGUOUS / NAME_ONLY / NONE
    defs: tuple[Def, ...] = ()
    external: str = ""


@dataclass(frozen=True)
class RefAnswer:
    found: bool  # the declaration was found in our index
    uses: tuple[tuple[str, int, int], ...] = ()  # (path, 1-based line, byte col)
    name_only_omitted: int = 0


DefinitionAt = Callable[[str, int, int], DefAnswer]  # (path, 1-based line, byte col)
ReferencesOf = Callable[[str, int, int], RefAnswer]
Explain = Callable[[str, int, int], str]  # what our index stored for the use at a position


@dataclass
class Tally:
    ref: int = 0
    ref_hit: int = 0
    ours: int = 0
    ours_hit: int = 0

    @property
    def recall(self) -> float | None:
        return self.ref_hit / self.ref if self.ref else None

    @property
    def precision(self) -> float | None:
        return self.ours_hit / self.ours if self.ours else None

    def add(self, o: Tally) -> None:
        self.ref += o.ref
        self.ref_hit += o.ref_hit
        self.ours += o.ours
        self.ours_hit += o.ours_hit

    def as_dict(self) -> dict:
        return {
            "reference": self.ref,
            "reference_matched": self.ref_hit,
            "ours": self.ours,
            "ours_matched": self.ours_hit,
            "precision": self.precision,
            "recall": self.recall,
        }


@dataclass
class Miss:
    query: str  # "definition" / "references"
    side: str  # "fp" (ours, not the tool's) / "fn" (the tool's, not ours)
    language: str
    kind: str
    path: str
    line: int
    col: int
    name: str
    category: str
    tool_says: str
    ours_says: str
    text: str = ""
    index_row: str = ""  # what the index stored for the use there (receiver, target, flags), when known


@dataclass
class Score:
    # (query, language, kind) -> Tally
    tallies: dict[tuple[str, str, str], Tally] = field(default_factory=lambda: defaultdict(Tally))
    misses: list[Miss] = field(default_factory=list)
    info: Counter = field(default_factory=Counter)

    def tally(self, query: str, language: str = "", kind: str = "") -> Tally:
        t = Tally()
        for (q, lang, k), v in self.tallies.items():
            if q == query and (not language or lang == language) and (not kind or k == kind):
                t.add(v)
        return t

    def languages(self) -> list[str]:
        order = ("python", "javascript", "typescript", "tsx")
        return sorted({lang for _, lang, _ in self.tallies}, key=lambda x: (order.index(x) if x in order else 9, x))

    def merge(self, o: Score) -> None:
        for k, v in o.tallies.items():
            self.tallies[k].add(v)
        self.misses.extend(o.misses)
        self.info.update(o.info)


class _Lines:
    def __init__(self, root: str):
        self.root = root
        self._cache: dict[str, list[bytes]] = {}

    def get(self, path: str, line: int) -> bytes:
        ls = self._cache.get(path)
        if ls is None:
            try:
                with open(os.path.join(self.root, path), "rb") as fh:
                    ls = fh.read().split(b"\n")
            except OSError:
                ls = []
            self._cache[path] = ls
        return ls[line - 1] if 0 < line <= len(ls) else b""

    def text(self, path: str, line: int) -> str:
        return self.get(path, line).decode("utf-8", "replace").strip()[:160]


def usage_shape(line: bytes, col: int) -> str:
    """How a use is written: a bare name, `self.x` / `this.x`, `super().x`, or another attribute."""
    before = line[:col].rstrip()
    if not before.endswith(b"."):
        return "bare name"
    recv = before[:-1].rstrip()
    i = len(recv)
    while i > 0 and (chr(recv[i - 1]).isalnum() or recv[i - 1] in b"_$."):
        i -= 1
    head = recv[i:]
    if head in (b"self", b"cls", b"this"):
        return "self/this attribute"
    if recv.endswith(b"super()") or head == b"super":
        return "super attribute"
    if recv.endswith((b")", b"]")):
        return "attribute of a call/subscript"
    if head.startswith((b"self.", b"this.")):
        return "attribute of self.x/this.x"
    return "attribute of a name"


def score(
    ref: Reference,
    root: str,
    definition_at: DefinitionAt,
    references_of: ReferencesOf,
    explain: Explain | None = None,
) -> Score:
    s = Score()
    lines = _Lines(root)
    decl_group: dict[tuple[str, int, str], int] = {}
    decl_line_group: dict[tuple[str, int], int] = {}
    group_kind: dict[int, str] = {}
    group_decls: dict[int, list[tuple[str, int, int, str]]] = defaultdict(list)
    for path, line, col, name, kind, group in ref.declarations:
        decl_group[(path, line, name)] = group
        decl_line_group.setdefault((path, line), group)
        group_kind.setdefault(group, kind)
        group_decls[group].append((path, line, col, name))

    def group_of(d: Def) -> int | None:
        g = decl_group.get((d.path, d.line, d.name))
        if g is None and d.kind in KINDS:  # same line, the name spelled differently (e.g. quoted)
            g = decl_line_group.get((d.path, d.line))
        return g

    def describe_group(g: int) -> str:
        p, ln, _c, n = group_decls[g][0]
        return f"{group_kind[g]} {n} at {p}:{ln}"

    def describe_answer(a: DefAnswer) -> str:
        if a.resolution == NONE:
            return "no definition" + (f" (external {a.external})" if a.external else "")
        shown = ", ".join(f"{d.kind} {d.name} at {d.path}:{d.line}" for d in a.defs[:3])
        more = f" (+{len(a.defs) - 3})" if len(a.defs) > 3 else ""
        ext = f" external {a.external}" if a.external else ""
        return f"{a.resolution}: {shown}{more}{ext}"

    # ---- definitions
    usage_positions: set[tuple[str, int, int]] = set()
    inverse: dict[int, set[tuple[str, int, int]]] = defaultdict(set)
    for path, line, col, name, groups in ref.usages:
        usage_positions.add((path, line, col))
        for g in groups:
            inverse[g].add((path, line, col))
        lang = ref.files.get(path, "")
        ans = definition_at(path, line, col)
        s.info[f"definition answers {ans.resolution}"] += 1
        tool_gs = set(groups)
        our_gs: set[int] = set()
        if ans.resolution == RESOLVED:
            for d in ans.defs:
                og = group_of(d)
                if og is not None:
                    our_gs.add(og)
        if ans.resolution == NAME_ONLY and len(ans.defs) == 1 and ans.defs[0].kind in KINDS:
            # Would "a name-only answer with one candidate counts as resolved" be a safe policy?
            s.info[f"{lang}: name-only answers with a single candidate"] += 1
            if group_of(ans.defs[0]) in tool_gs:
                s.info[f"{lang}: name-only answers with a single candidate, the tool's answer"] += 1
        if tool_gs and ans.resolution in (AMBIGUOUS, NAME_ONLY):
            cands = {group_of(d) for d in ans.defs}
            s.info[f"reference items answered {ans.resolution}"] += 1
            if cands & tool_gs:
                s.info[f"reference items answered {ans.resolution}, right one among the candidates"] += 1
        hit = bool(tool_gs & our_gs)
        if tool_gs:
            kind = group_kind[min(tool_gs & our_gs) if hit else min(tool_gs)]
            t = s.tallies[("definition", lang, kind)]
            t.ref += 1
            t.ref_hit += hit
        if our_gs:
            kind = group_kind[min(tool_gs & our_gs) if hit else min(our_gs)]
            t = s.tallies[("definition", lang, kind)]
            t.ours += 1
            t.ours_hit += hit
        if (tool_gs or our_gs) and not hit:
            raw = lines.get(path, line)
            shape = usage_shape(raw, col)
            tool = (
                ", ".join(describe_group(x) for x in sorted(tool_gs))
                if tool_gs
                else "no function/class/method of the project"
            )
            ours = describe_answer(ans)
            if tool_gs:
                if ans.resolution == RESOLVED and our_gs:
                    cat = "ours resolved to another definition"
                elif ans.resolution == RESOLVED:
                    cat = "ours resolved to a non-function or outside the project"
                else:
                    cat = f"ours {ans.resolution}"
                s.misses.append(
                    Miss(
                        "definition",
                        "fn",
                        lang,
                        group_kind[min(tool_gs)],
                        path,
                        line,
                        col,
                        name,
                        f"{cat} / {shape}",
                        tool,
                        ours,
                        lines.text(path, line),
                    )
                )
            if our_gs:
                s.misses.append(
                    Miss(
                        "definition",
                        "fp",
                        lang,
                        group_kind[min(our_gs)],
                        path,
                        line,
                        col,
                        name,
                        ("tool: another definition" if tool_gs else "tool: none in the project") + f" / {shape}",
                        tool,
                        ours,
                        lines.text(path, line),
                    )
                )

    # ---- references
    for gid, decls in sorted(group_decls.items()):
        path0 = decls[0][0]
        lang = ref.files.get(path0, "")
        kind = group_kind[gid]
        found_refs = set(ref.references.get(gid, ()))
        tool_uses = found_refs | inverse.get(gid, set())
        s.info["reference uses only from go-to-definition"] += len(tool_uses - found_refs)
        s.info["reference uses only from find-references"] += len(found_refs - inverse.get(gid, set()))
        ours_all: set[tuple[str, int, int]] = set()
        found_any = False
        for path, line, col, _name in decls:
            a = references_of(path, line, col)
            found_any = found_any or a.found
            ours_all.update(a.uses)
        if not found_any:
            s.info["declarations not found in our index"] += 1
        our_uses = {u for u in ours_all if u in usage_positions}
        s.info["our references outside the tool's usages (not scored)"] += len(ours_all - our_uses)
        t = s.tallies[("references", lang, kind)]
        t.ref += len(tool_uses)
        t.ref_hit += len(tool_uses & our_uses)
        t.ours += len(our_uses)
        t.ours_hit += len(tool_uses & our_uses)
        name = decls[0][3]
        for side, items in (("fn", tool_uses - our_uses), ("fp", our_uses - tool_uses)):
            for p, ln, c in sorted(items):
                raw = lines.get(p, ln)
                shape = usage_shape(raw, c)
                if side == "fn":
                    cat = (
                        "declaration not in our index" if not found_any else "use not listed by ours"
                    ) + f" / {shape}"
                else:
                    cat = f"use not the tool's / {shape}"
                s.misses.append(
                    Miss(
                        "references",
                        side,
                        lang,
                        kind,
                        p,
                        ln,
                        c,
                        name,
                        cat,
                        f"references of {describe_group(gid)}" if side == "fn" else "not a reference of it",
                        "listed" if side == "fp" else "not listed",
                        lines.text(p, ln),
                    )
                )
    if explain is not None:
        for m in s.misses:
            m.index_row = explain(m.path, m.line, m.col)
            if m.side == "fn" and m.index_row:
                m.category += " / " + index_stage(m.index_row)
    return s


def index_stage(row: str) -> str:
    """Where a missed link was lost: no reference emitted (facts), no target at index time
    (resolve.py), or a target that the query-time linking did not follow (links.py)."""
    if row == "no reference row":
        return "no reference in the facts"
    if "target=unresolved" in row:
        return "unresolved at index time"
    if "name-only" in row:
        return "name-only at index time"
    return "target set at index time"


def pct(x: float | None) -> str:
    return "    -  " if x is None else f"{100 * x:6.1f}%"


def table(title: str, s: Score, query: str, target_p: float, target_r: float) -> list[str]:
    """Rows per language x kind and totals, in the style of the other benches."""
    out = [
        title,
        f"{'language':<11} {'kind':<9} {'reference':>9} {'ours':>7} {'matched':>8} {'precision':>9} {'recall':>8}  target P>={100 * target_p:.0f}% R>={100 * target_r:.0f}%",
        "-" * 96,
    ]

    def row(lang: str, kind: str, t: Tally, mark: bool = False) -> str:
        met = ""
        if mark:
            ok = (t.precision is not None and t.precision >= target_p) and (
                t.recall is not None and t.recall >= target_r
            )
            met = "yes" if ok else "NO"
        return f"{lang:<11} {kind:<9} {t.ref:>9} {t.ours:>7} {t.ref_hit:>8} {pct(t.precision):>9} {pct(t.recall):>8}  {met}"

    for lang in s.languages():
        for kind in KINDS:
            t = s.tally(query, lang, kind)
            if t.ref or t.ours:
                out.append(row(lang, kind, t))
        out.append(row(lang, "all", s.tally(query, lang), mark=True))
    out.append(row("overall", "all", s.tally(query), mark=True))
    return out


def miss_summary(s: Score, top: int = 8, examples: int = 3) -> list[str]:
    out: list[str] = []
    for query in ("definition", "references"):
        for side, label in (
            ("fp", "false positives (ours, not the tool's)"),
            ("fn", "false negatives (the tool's, not ours)"),
        ):
            ms = [m for m in s.misses if m.query == query and m.side == side]
            if not ms:
                continue
            out.append(f"{query}: {len(ms)} {label}")
            cats = Counter((m.language, m.category) for m in ms)
            for (lang, cat), n in cats.most_common(top):
                out.append(f"  {n:5d}  {lang:<10} {cat}")
                for m in [m for m in ms if m.language == lang and m.category == cat][:examples]:
                    out.append(
                        f"           {m.path}:{m.line}:{m.col} {m.name}: tool: {m.tool_says}; ours: {m.ours_says}"
                    )
                    if m.text:
                        out.append(f"             | {m.text}")
                    if m.index_row:
                        out.append(f"             index: {m.index_row}")
    return out
