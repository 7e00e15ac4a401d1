"""Scanner quality: codeintel's scan rules vs Bandit on a labelled corpus, in one run.

    python -m bench.quality [--reps 3] [--stdlib 200] [--json PATH] [--list-misses]

Corpus: bench/quality/corpus/<language>/ -- small application-style files (Flask/Django/
FastAPI, Express/Koa, Go net/http, servlets/Spring) written for this benchmark. A line
that a scanner should report carries a label comment at its end, on the statement's first line:

    cursor.execute("SELECT * FROM t WHERE id = " + uid)  # expect: sql-injection

Several classes are comma-separated (`# expect: xss, open-redirect`: each must be found);
`a|b` names alternatives for one weakness that honest tools file either way (either class
counts, once). The safe twin of a case carries `# safe: <class>`; that and every other
unlabelled line is expected clean. When request data flows through variables, the label goes
on the sink; a line on the way that builds the dangerous value may carry `# flow: <class>`,
and a finding of that class there counts for the next `expect` of that class below it (pattern
rules report where the string is built, taint engines at the sink: both are right).

Scoring, identical for both tools: a labelled line stands for its statement -- from the
labelled line to the end of the largest syntax node that starts at that line's first token
and is not a compound statement/definition (tree-sitter, so a call spread over several
lines is one statement). A finding counts at its first line (codeintel: range.start_line+1,
Bandit: line_number); its CWE maps to a class through CLASSES (a few Bandit tests are
re-classed by test id, see BANDIT_OVERRIDES). Per (file, label, class): TP when a finding
of that class starts inside the labelled statement, else FN. Every other (file, line,
class) reported is one FP (duplicates on a line count once). Findings whose CWE maps to
no class are "other": counted and listed, never FPs. Nothing here asserts: it reports.

Speed: both tools are timed exactly as in bench.scan_speed (`time_pair`; its docstring lists
what a pass includes and excludes): in-process, rule / plugin loading excluded, one untimed
warm-up pass, then --reps timed passes that read every file from disk, the tools alternating;
the median pass, in CPU time of this process. The Python corpus is small, so a pass takes it
several times over (--repeat); codeintel's content caches are emptied whenever a file comes
round again, so a copy costs what a new file would.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import sysconfig
from collections import Counter, defaultdict
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "bench", "quality", "corpus")

# class -> CWEs (the number only). The table is the only link from a report to a class.
CLASSES: dict[str, tuple[int, ...]] = {
    "command-injection": (77, 78, 88),
    "code-injection": (94, 95, 96, 917, 1336),
    "sql-injection": (89, 564),
    "nosql-injection": (943,),
    "xss": (79, 80, 83, 87),
    "path-traversal": (22, 23, 35, 36, 73),
    "ssrf": (918,),
    "xxe": (611, 776, 827),
    "deserialization": (502,),
    "weak-crypto": (326, 327, 328, 759, 760, 916),
    "insecure-random": (330, 331, 338),
    "tls": (295, 297, 319, 757),
    "hardcoded-secret": (259, 321, 798),
    "open-redirect": (601,),
    "csrf": (352,),
    "insecure-cookie": (614, 1004, 1275),
    "jwt": (345, 347),
    "debug": (11, 209, 215, 489),
    "file-permissions": (276, 377, 378, 379, 732),
    "redos": (730, 1333),  # not CWE-400: that is any resource exhaustion (e.g. a missing timeout)
    "mass-assignment": (915, 1321),
}
CWE_CLASS: dict[int, str] = {cwe: cls for cls, cwes in CLASSES.items() for cwe in cwes}

# Bandit files some tests under a generic or neighbouring CWE (CWE-20 for every XML parser
# and yaml.load, CWE-94 for Flask debug and Jinja2 autoescape, CWE-78 for eval/exec,
# CWE-22 for urlopen, CWE-327 for old SSL/TLS protocol versions). Credit each to the class
# it actually detects, so Bandit is not penalised for its CWE choice. B4xx are import-only
# advisories ("consider the security implications of importing X"); they go to "other".
BANDIT_OVERRIDES: dict[str, str] = {
    "B102": "code-injection",  # exec_used (CWE-78)
    "B307": "code-injection",  # eval (CWE-78)
    "B201": "debug",  # flask_debug_true (CWE-94)
    "B701": "xss",  # jinja2_autoescape_false (CWE-94)
    "B506": "deserialization",  # yaml_load (CWE-20)
    "B310": "ssrf",  # urllib_urlopen (CWE-22)
    "B502": "tls",  # ssl_with_bad_version (CWE-327)
    "B503": "tls",  # ssl_with_bad_defaults (CWE-327)
    "B504": "tls",  # ssl_with_no_version (CWE-327)
    "B113": "other",  # request_without_timeout (CWE-400)
    **{f"B{n}": "xxe" for n in range(313, 321)},  # xml_bad_* (CWE-20)
    "B104": "other",  # hardcoded_bind_all_interfaces (CWE-605)
    **{f"B{n}": "other" for n in range(401, 416)},
}

LANGUAGES: dict[str, tuple[str, ...]] = {
    "python": (".py",),
    "javascript": (".js",),
    "typescript": (".ts",),
    "go": (".go",),
    "java": (".java",),
}
# Classes that do not apply to a language (so the corpus has no case for them there):
# Go's encoding/xml never resolves external entities, its regexp is RE2 (linear time), and
# its standard decoders build no objects from type names.
NOT_APPLICABLE: dict[str, frozenset[str]] = {
    "go": frozenset({"xxe", "redos", "deserialization"}),
}

# The issue's targets.
TARGET_PRECISION = 0.90
TARGET_SPEEDUP = 10.0

_LABEL = re.compile(r"(?:#|//)\s*(expect|safe|flow):\s*([a-z][a-z\-]*(?:\s*[|,]\s*[a-z][a-z\-]*)*)\s*$")

# Node types a labelled statement never grows into: definitions, blocks and compound statements.
_COMPOUND = frozenset(
    {
        "module",
        "program",
        "source_file",
        "block",
        "statement_block",
        "statement_list",
        "class_body",
        "interface_body",
        "enum_body",
        "declaration_list",
        "field_declaration_list",
        "switch_block",
        "switch_body",
        "switch_block_statement_group",
        "switch_rule",
        "expression_case",
        "type_case",
        "communication_case",
        "default_case",
        "switch_case",
        "switch_default",
        "if_statement",
        "for_statement",
        "for_in_statement",
        "enhanced_for_statement",
        "while_statement",
        "do_statement",
        "try_statement",
        "try_with_resources_statement",
        "with_statement",
        "switch_statement",
        "expression_switch_statement",
        "type_switch_statement",
        "select_statement",
        "labeled_statement",
        "synchronized_statement",
        "match_statement",
        "decorated_definition",
        "lambda",
        "lambda_expression",
        "arrow_function",
        "function_expression",
        "function",
        "func_literal",
        "generator_function",
        "class",
    }
)
# `*_declaration` nodes that are single statements, not definitions.
_DECLARATION_STATEMENTS = frozenset(
    {
        "lexical_declaration",
        "variable_declaration",
        "local_variable_declaration",
        "field_declaration",
        "constant_declaration",
        "var_declaration",
        "const_declaration",
        "short_var_declaration",
    }
)


def _is_compound(node_type: str) -> bool:
    if node_type in _COMPOUND:
        return True
    if node_type.endswith("_declaration"):
        return node_type not in _DECLARATION_STATEMENTS
    return node_type.endswith(("_definition", "_body", "_clause"))


# --------------------------------------------------------------------------- corpus


class CorpusError(ValueError):
    """A corpus file is mislabelled; the message names file and line."""


@dataclass
class Label:
    line: int  # 1-based, first line of the statement
    end: int  # last line of the statement
    groups: list[tuple[str, ...]]  # each group: alternatives; groups[i][0] names the case
    targets: list[tuple[int, int]] = field(default_factory=list)  # flow only: (expect index, group index)


@dataclass
class CorpusFile:
    path: str  # relative to the corpus root
    abspath: str
    language: str
    data: bytes
    expects: list[Label] = field(default_factory=list)
    safes: list[Label] = field(default_factory=list)
    flows: list[Label] = field(default_factory=list)


def parse_label(text: str) -> tuple[str, list[tuple[str, ...]]] | None:
    """('expect'|'safe'|'flow', groups) for a label comment at the end of `text`, else None."""
    m = _LABEL.search(text)
    if not m:
        return None
    groups = [tuple(a.strip() for a in g.split("|")) for g in m.group(2).split(",")]
    return m.group(1), groups


def _statement_end(root, line0: int, col: int) -> int:
    """0-based last line of the largest non-compound node starting at (line0, col)."""
    node = root.descendant_for_point_range((line0, col), (line0, col))
    if node is None:
        return line0
    while (
        node.parent is not None
        and node.parent.start_point == node.start_point
        and node.parent.parent is not None
        and not _is_compound(node.parent.type)
    ):
        node = node.parent
    return max(line0, node.end_point[0])


def load_file(path: str, language: str, root_dir: str = CORPUS) -> CorpusFile:
    """Read one corpus file and its labels; CorpusError for an unknown class or a stray label."""
    from codeintel.kernel.source import parse, prepare

    with open(path, "rb") as fh:
        data = fh.read()
    cf = CorpusFile(os.path.relpath(path, root_dir), os.path.abspath(path), language, data)
    root = None
    for i, text in enumerate(data.decode("utf-8").splitlines()):
        lab = parse_label(text)
        if lab is None:
            continue
        where = f"{cf.path}:{i + 1}"
        unknown = sorted({c for g in lab[1] for c in g} - set(CLASSES))
        if unknown:
            raise CorpusError(f"{where}: unknown class(es) {', '.join(unknown)}; known: {', '.join(CLASSES)}")
        stripped = text.lstrip()
        if stripped.startswith(("#", "//")):
            raise CorpusError(f"{where}: a label must end a line of code, not stand on a comment line")
        if root is None:
            root = parse(prepare(path, "", data)).root_node
        col = len(text) - len(stripped)
        end = _statement_end(root, i, col) + 1
        {"expect": cf.expects, "safe": cf.safes, "flow": cf.flows}[lab[0]].append(Label(i + 1, end, lab[1]))
    for flow in cf.flows:
        for cls in (c for g in flow.groups for c in g):
            target = next(
                (
                    (li, gi)
                    for li, lab in enumerate(cf.expects)
                    if lab.line > flow.line
                    for gi, g in enumerate(lab.groups)
                    if cls in g
                ),
                None,
            )
            if target is None:
                raise CorpusError(f"{cf.path}:{flow.line}: `flow: {cls}` has no `expect: {cls}` below it")
            flow.targets.append(target)
    return cf


def corpus_paths(root: str = CORPUS) -> list[tuple[str, str]]:
    """(absolute path, language) of every corpus file under `root`, sorted."""
    out: list[tuple[str, str]] = []
    for language, exts in LANGUAGES.items():
        d = os.path.join(root, language)
        for dirpath, _, names in os.walk(d):
            out.extend((os.path.join(dirpath, n), language) for n in names if n.endswith(exts))
    return sorted(out)


def load_corpus(root: str = CORPUS) -> list[CorpusFile]:
    files = [load_file(p, lang, root) for p, lang in corpus_paths(root)]
    files.sort(key=lambda f: f.path)
    return files


def label_counts(files: list[CorpusFile]) -> dict[str, dict[str, Counter]]:
    """language -> {"expect": Counter(class), "safe": Counter(class)}; a case counts under its first class."""
    out: dict[str, dict[str, Counter]] = defaultdict(lambda: {"expect": Counter(), "safe": Counter()})
    for cf in files:
        for kind, labels in (("expect", cf.expects), ("safe", cf.safes)):
            for lab in labels:
                for g in lab.groups:
                    out[cf.language][kind][g[0]] += 1
    return out


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class Finding:
    line: int  # 1-based first line
    cls: str  # a class name or "other"
    rule: str  # rule id / Bandit test id
    cwe: str
    severity: str  # lower case
    confidence: str  # lower case


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    def as_dict(self) -> dict:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "recall": self.recall, "precision": self.precision}


@dataclass
class FileScore:
    per_class: dict[str, Counts]
    misses: list[tuple[str, int, str, str]]  # (kind FN|FP, line, class, detail)
    other: list[Finding]
    fp_on_safe_twin: int = 0


def score(cf: CorpusFile, findings: list[Finding]) -> FileScore:
    """Match `findings` against the file's labels (see the module docstring)."""
    per_class: dict[str, Counts] = defaultdict(Counts)
    misses: list[tuple[str, int, str, str]] = []
    other = [f for f in findings if f.cls == "other"]
    hit: set[tuple[int, int]] = set()  # (label index, group index)
    fps: dict[tuple[int, str], Finding] = {}
    for f in findings:
        if f.cls == "other":
            continue
        matched = False
        for li, lab in enumerate(cf.expects):
            if lab.line <= f.line <= lab.end:
                for gi, group in enumerate(lab.groups):
                    if f.cls in group:
                        hit.add((li, gi))
                        matched = True
        for flow in cf.flows:
            if flow.line <= f.line <= flow.end:
                for li, gi in flow.targets:
                    if f.cls in cf.expects[li].groups[gi]:
                        hit.add((li, gi))
                        matched = True
        if not matched:
            fps.setdefault((f.line, f.cls), f)
    for li, lab in enumerate(cf.expects):
        for gi, group in enumerate(lab.groups):
            if (li, gi) in hit:
                per_class[group[0]].tp += 1
            else:
                per_class[group[0]].fn += 1
                misses.append(("FN", lab.line, group[0], "not reported"))
    on_twin = 0
    for (line, cls), f in sorted(fps.items()):
        per_class[cls].fp += 1
        twin = any(s.line <= line <= s.end for s in cf.safes)
        on_twin += twin
        misses.append(
            ("FP", line, cls, f"{f.rule} ({f.cwe}, {f.severity}/{f.confidence})" + (" on a safe twin" if twin else ""))
        )
    misses.sort(key=lambda m: (m[1], m[0], m[2]))
    return FileScore(dict(per_class), misses, other, on_twin)


# --------------------------------------------------------------------------- tools


def class_of_cwe(cwe: str) -> str:
    m = re.search(r"(\d+)", cwe or "")
    return CWE_CLASS.get(int(m.group(1)), "other") if m else "other"


class Codeintel:
    name = "codeintel"

    def __init__(self):
        from services.scan import engine

        self.version = engine.VERSION
        self.rules = engine.RuleSet.load()
        self.languages = set(self.rules.languages)

    def supports(self, language: str) -> bool:
        return language in self.languages

    def scan(self, cf: CorpusFile) -> list[Finding]:
        from codeintel.kernel.source import prepare

        if not self.supports(cf.language):
            return []
        out = self.rules.scan(prepare(cf.path, "", cf.data))
        return [
            Finding(
                f.range.start_line + 1, class_of_cwe(f.cwe), f.rule_id, f.cwe, f.severity.lower(), f.confidence.lower()
            )
            for f in out.findings
        ]


class Bandit:
    """Bandit in-process through its manager (the same code path as the CLI, minus argument parsing)."""

    name = "bandit"

    def __init__(self):
        import bandit
        from bandit.core import config, manager

        logging.getLogger("bandit").setLevel(logging.ERROR)
        self.version = getattr(bandit, "__version__", "?")
        self._config = config.BanditConfig()
        self._manager = manager

    def _run(self, paths: list[str]):
        m = self._manager.BanditManager(self._config, "file", quiet=True)
        m.files_list = list(paths)
        m.run_tests()
        return m

    def scan_many(self, files: list[CorpusFile]) -> dict[str, list[Finding]]:
        by_abs = {cf.abspath: cf.path for cf in files}
        m = self._run(sorted(by_abs))
        if m.skipped:
            raise RuntimeError(f"bandit skipped corpus files: {m.skipped}")
        out: dict[str, list[Finding]] = {cf.path: [] for cf in files}
        for issue in m.get_issue_list():
            cwe = f"CWE-{issue.cwe.id}" if issue.cwe.id else ""
            cls = BANDIT_OVERRIDES.get(issue.test_id) or class_of_cwe(cwe)
            out[by_abs[issue.fname]].append(
                Finding(
                    issue.lineno, cls, issue.test_id, cwe or "CWE-?", issue.severity.lower(), issue.confidence.lower()
                )
            )
        return out


def stdlib_paths(limit: int) -> list[str]:
    """`limit` CPython stdlib modules spread evenly over the sorted list (tests and site-packages
    left out), UTF-8 only so both tools read every one."""
    if limit <= 0:
        return []
    root = sysconfig.get_paths()["stdlib"]
    skip = {"site-packages", "test", "tests", "idle_test", "lib2to3"}
    paths: list[str] = []
    for dirpath, dirnames, names in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in skip and d != "__pycache__")
        paths.extend(os.path.join(dirpath, n) for n in names if n.endswith(".py"))
    paths.sort()
    step = max(1, len(paths) // limit)
    chosen = []
    for p in paths[::step]:
        try:
            with open(p, "rb") as fh:
                fh.read().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        chosen.append(p)
    return chosen[:limit]


# --------------------------------------------------------------------------- report


def _pct(x: float | None) -> str:
    return "   -  " if x is None else f"{100 * x:5.1f}%"


def _cells(c: Counts | None) -> str:
    if c is None:
        return " " * len(_HEAD)
    return f"{c.tp:4d} {c.fp:4d} {c.fn:4d} {_pct(c.recall)} {_pct(c.precision)} "


_HEAD = "  TP   FP   FN recall  prec. "


def _total(scores: dict[str, FileScore], files: list[CorpusFile], *, language: str = "", cls: str = "") -> Counts:
    total = Counts()
    for cf in files:
        if language and cf.language != language:
            continue
        s = scores.get(cf.path)
        if s is None:
            continue
        for k, c in s.per_class.items():
            if not cls or k == cls:
                total.add(c)
    return total


_ORDER = ("info", "low", "medium", "high", "critical")


def _at_least(findings: list[Finding], minimum: str) -> list[Finding]:
    lo = _ORDER.index(minimum)
    return [f for f in findings if f.severity in _ORDER and _ORDER.index(f.severity) >= lo]


def run(
    reps: int = 3,
    json_path: str = "",
    list_misses: bool = False,
    *,
    corpus: str = CORPUS,
    repeat: int = 0,
    stdlib: int = 200,
    use_bandit: bool = True,
    out=sys.stdout,
) -> dict:
    """Score both tools, time them, print the report; returns every figure as a dict."""

    def p(*a):
        print(*a, file=out)

    files = load_corpus(corpus)
    py_files = [cf for cf in files if cf.language == "python"]
    ci = Codeintel()
    bandit = None
    if use_bandit:
        try:
            bandit = Bandit()
        except ImportError:
            p("bandit is not installed: its columns stay empty")

    ci_found = {cf.path: ci.scan(cf) for cf in files}
    bd_found = bandit.scan_many(py_files) if bandit and py_files else {}
    ci_scores = {cf.path: score(cf, ci_found[cf.path]) for cf in files}
    bd_scores = {cf.path: score(cf, bd_found[cf.path]) for cf in py_files} if bandit else {}

    langs = [lang for lang in LANGUAGES if any(cf.language == lang for cf in files)]
    classes = list(CLASSES)
    result: dict = {
        "corpus": {},
        "codeintel": {"version": ci.version},
        "bandit": {"version": bandit.version if bandit else None},
        "targets": {},
        "speed": {},
    }

    # --- corpus
    p(f"Scanner quality benchmark: codeintel vs Bandit on {os.path.relpath(corpus, ROOT)}")
    p(
        f"codeintel {ci.version}: {len(ci.rules.rules)} rules for {', '.join(sorted(ci.languages))}; "
        f"bandit {bandit.version if bandit else 'absent'}"
    )
    p("")
    p(f"{'corpus':12s} {'files':>5s} {'vulnerable':>10s} {'safe twins':>10s}")
    counts = label_counts(files)
    for lang in langs:
        nv, ns = sum(counts[lang]["expect"].values()), sum(counts[lang]["safe"].values())
        result["corpus"][lang] = {"files": sum(cf.language == lang for cf in files), "vulnerable": nv, "safe": ns}
        p(f"{lang:12s} {result['corpus'][lang]['files']:5d} {nv:10d} {ns:10d}")
    tv = sum(v["vulnerable"] for v in result["corpus"].values())
    ts = sum(v["safe"] for v in result["corpus"].values())
    p(f"{'total':12s} {len(files):5d} {tv:10d} {ts:10d}")
    p("")

    # --- per language
    p(f"{'Per language':18s}| codeintel{' ' * 20}| bandit (python only)")
    p(f"{'language':18s}|{_HEAD}|{_HEAD}")
    for lang in langs:
        c = _total(ci_scores, files, language=lang)
        note = "" if ci.supports(lang) else "  (codeintel: no rules for this language)"
        b = _total(bd_scores, py_files) if lang == "python" and bandit else None
        p(f"{lang:18s}|{_cells(c)}|{_cells(b)}{note}")
        result["codeintel"].setdefault("per_language", {})[lang] = c.as_dict() | {"supported": ci.supports(lang)}
        if b:
            result["bandit"].setdefault("per_language", {})[lang] = b.as_dict()
    p("")

    # --- per class: codeintel over all languages and on python, bandit on python
    p(f"{'Per class':18s}| codeintel, all languages    | codeintel, python           | bandit, python")
    p(f"{'class':18s}|{_HEAD}|{_HEAD}|{_HEAD}")
    for cls in classes:
        c = _total(ci_scores, files, cls=cls)
        cp = _total(ci_scores, py_files, cls=cls)
        b = _total(bd_scores, py_files, cls=cls) if bandit else None
        p(f"{cls:18s}|{_cells(c)}|{_cells(cp)}|{_cells(b)}")
        result["codeintel"].setdefault("per_class", {})[cls] = c.as_dict()
        result["codeintel"].setdefault("per_class_python", {})[cls] = cp.as_dict()
        if b:
            result["bandit"].setdefault("per_class", {})[cls] = b.as_dict()
    p("")

    # --- class x language matrix (codeintel: found/labelled, +FP)
    p("codeintel by class and language: found/labelled (+false positives)")
    p(f"{'class':18s}" + "".join(f"{lang:>12s}" for lang in langs))
    matrix: dict = {}
    for cls in classes:
        row = []
        for lang in langs:
            c = _total(ci_scores, files, language=lang, cls=cls)
            matrix.setdefault(cls, {})[lang] = c.as_dict()
            if c.tp + c.fn == 0 and c.fp == 0:
                row.append(f"{'n/a' if cls in NOT_APPLICABLE.get(lang, ()) else '-':>12s}")
            else:
                row.append(f"{f'{c.tp}/{c.tp + c.fn}' + (f' +{c.fp}' if c.fp else ''):>12s}")
        p(f"{cls:18s}" + "".join(row))
    result["codeintel"]["per_class_language"] = matrix
    p("")

    # --- overall
    ci_all = _total(ci_scores, files)
    ci_py = _total(ci_scores, py_files)
    bd_py = _total(bd_scores, py_files) if bandit else Counts()
    ci_sup = Counts()
    for lang in langs:
        if ci.supports(lang):
            ci_sup.add(_total(ci_scores, files, language=lang))
    ci_med = {cf.path: score(cf, _at_least(ci_found[cf.path], "medium")) for cf in py_files}
    bd_med = {cf.path: score(cf, _at_least(bd_found[cf.path], "medium")) for cf in py_files} if bandit else {}
    ci_py_med = _total(ci_med, py_files)
    bd_py_med = _total(bd_med, py_files)
    p(f"{'Overall':42s}|{_HEAD}")
    p(f"{'codeintel, all languages':42s}|{_cells(ci_all)}")
    p(f"{'codeintel, languages it has rules for':42s}|{_cells(ci_sup)}")
    p(f"{'codeintel, python':42s}|{_cells(ci_py)}")
    p(f"{'codeintel, python, severity >= medium':42s}|{_cells(ci_py_med)}")
    if bandit:
        p(f"{'bandit, python':42s}|{_cells(bd_py)}")
        p(f"{'bandit, python, severity >= medium':42s}|{_cells(bd_py_med)}")
    ci_twin = sum(s.fp_on_safe_twin for s in ci_scores.values())
    bd_twin = sum(s.fp_on_safe_twin for s in bd_scores.values())
    p(
        f"false positives on safe twins: codeintel {ci_twin} of {ci_all.fp}"
        + (f", bandit {bd_twin} of {bd_py.fp}" if bandit else "")
    )
    result["codeintel"].update(
        {
            "overall": ci_all.as_dict(),
            "overall_supported_languages": ci_sup.as_dict(),
            "python": ci_py.as_dict(),
            "python_min_medium": ci_py_med.as_dict(),
            "fp_on_safe_twins": ci_twin,
        }
    )
    if bandit:
        result["bandit"].update(
            {"python": bd_py.as_dict(), "python_min_medium": bd_py_med.as_dict(), "fp_on_safe_twins": bd_twin}
        )

    tools = [("codeintel", ci_found, ci_scores)] + ([("bandit", bd_found, bd_scores)] if bandit else [])
    for tool, found, scores_ in tools:
        conf = Counter((f.severity, f.confidence) for fs in found.values() for f in fs if f.cls != "other")
        result[tool]["findings_by_severity_confidence"] = {f"{s}/{c}": n for (s, c), n in sorted(conf.items())}
        others = Counter(f"{f.rule} ({f.cwe})" for s in scores_.values() for f in s.other)
        result[tool]["other"] = dict(others)
        p(
            f"{tool}: {sum(others.values())} finding(s) with a CWE outside the class table (not scored)"
            + (": " + ", ".join(f"{k} x{v}" for k, v in others.most_common()) if others else "")
        )
    if bandit:
        p(
            f"bandit findings re-classed by test id (BANDIT_OVERRIDES): "
            f"{sum(1 for fs in bd_found.values() for f in fs if f.rule in BANDIT_OVERRIDES)}"
        )
    p("")

    # --- speed
    from bench import scan_speed

    py_paths = [cf.abspath for cf in py_files]
    n_repeat = repeat or scan_speed.copies_for(len(py_paths))
    py_timed = py_paths * n_repeat
    std = stdlib_paths(stdlib)
    ci_timer = scan_speed.CodeintelScan(ci.rules)
    timers: list = [ci_timer] + ([scan_speed.BanditScan()] if bandit else [])
    speed: dict = {
        "method": "bench.scan_speed.time_pair: both in-process (rules / plugins loaded once, not timed); "
        f"{scan_speed.WARMUP} untimed warm-up pass, then reps timed passes, the tools alternating; each pass "
        "reads every file from disk; median pass, CPU time of this process",
        "reps": reps,
        "warmup_passes": scan_speed.WARMUP,
        "python_corpus_repeat": n_repeat,
    }
    p(
        f"Speed: both in-process, {scan_speed.WARMUP} warm-up pass, median of {reps} timed pass(es), "
        "CPU time; files read from disk each pass (bench.scan_speed)"
    )
    rows = [
        ("python corpus", f"{len(py_paths)} files x{n_repeat}", py_timed),
        ("CPython stdlib", f"{len(std)} files", std),
    ]
    for label, desc, paths in rows:
        if not paths:
            continue
        timings = scan_speed.time_pair(timers, paths, reps)
        ci_fps, ci_secs = timings[0].files_per_s, timings[0].seconds
        bd_fps, bd_secs = (timings[1].files_per_s, timings[1].seconds) if bandit else (0.0, 0.0)
        ratio = ci_fps / bd_fps if bd_fps else None
        key = "python_corpus" if label == "python corpus" else "stdlib"
        speed[key] = {
            "files": len(paths),
            "codeintel_files_per_s": ci_fps,
            "bandit_files_per_s": bd_fps or None,
            "speedup": ratio,
        }
        p(
            f"  {label:15s} ({desc:>16s}): codeintel {ci_fps:8.1f} files/s ({1000 * ci_secs:7.1f} ms/pass)"
            + (f", bandit {bd_fps:7.1f} files/s ({1000 * bd_secs:7.1f} ms/pass), ratio {ratio:.1f}x" if bandit else "")
        )
    supported = [cf.abspath for cf in files if ci.supports(cf.language)]
    ci_all_fps = scan_speed.time_pair([ci_timer], supported, reps)[0].files_per_s if supported else 0.0
    speed["codeintel_whole_corpus_files_per_s"] = ci_all_fps
    p(f"  codeintel over every corpus file it has rules for: {ci_all_fps:.1f} files/s")
    result["speed"] = speed
    p("")

    # --- targets
    speedup = min((v["speedup"] for k, v in speed.items() if isinstance(v, dict) and v.get("speedup")), default=None)
    t_recall = bool(bandit) and (ci_py.recall or 0) >= (bd_py.recall or 0)
    t_prec = (ci_all.precision or 0) >= TARGET_PRECISION
    t_speed = speedup is not None and speedup >= TARGET_SPEEDUP
    p("Targets (reported, not enforced)")
    p(
        f"  [{'PASS' if t_recall else 'MISS'}] python recall >= bandit's: "
        f"codeintel {_pct(ci_py.recall).strip()} vs bandit {_pct(bd_py.recall).strip() if bandit else 'n/a'}"
    )
    p(
        f"  [{'PASS' if t_prec else 'MISS'}] precision >= {TARGET_PRECISION:.0%}: codeintel {_pct(ci_all.precision).strip()}"
        f" (python {_pct(ci_py.precision).strip()}"
        + (f"; bandit python {_pct(bd_py.precision).strip()})" if bandit else ")")
    )
    p(
        f"  [{'PASS' if t_speed else 'MISS'}] files/s >= {TARGET_SPEEDUP:.0f}x bandit's (lower of the two figures): "
        + (f"{speedup:.1f}x" if speedup else "n/a")
    )
    result["targets"] = {
        "python_recall_at_least_bandit": {
            "pass": t_recall,
            "codeintel": ci_py.recall,
            "bandit": bd_py.recall if bandit else None,
        },
        "precision_at_least_90": {"pass": t_prec, "codeintel": ci_all.precision},
        "speed_10x_bandit": {"pass": t_speed, "speedup": speedup},
    }

    # --- misses
    result["misses"] = {tool: _miss_list(scores_, corpus) for tool, _, scores_ in tools}
    if list_misses:
        for tool, _, _ in tools:
            p("")
            p(f"{tool}: false negatives and false positives (file:line class detail)")
            for m in result["misses"][tool]:
                p(f"  {m['kind']} {m['file']}:{m['line']} {m['class']} {m['detail']}")

    if json_path:
        os.makedirs(os.path.dirname(os.path.abspath(json_path)), exist_ok=True)
        with open(json_path, "w") as fh:
            json.dump(result, fh, indent=2, sort_keys=True)
        p(f"\nwrote {json_path}")
    return result


def _miss_list(scores: dict[str, FileScore], corpus: str) -> list[dict]:
    base = os.path.relpath(corpus, ROOT)
    return [
        {"kind": k, "file": os.path.join(base, path), "line": line, "class": cls, "detail": d}
        for path, s in sorted(scores.items())
        for k, line, cls, d in s.misses
    ]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=3, help="timed passes per tool and file set (the median is kept)")
    ap.add_argument(
        "--repeat", type=int, default=0, help="python corpus copies per timed pass (default: enough for >= 200 files)"
    )
    ap.add_argument(
        "--stdlib",
        type=int,
        default=200,
        metavar="N",
        help="also time both tools on N CPython stdlib modules (0: skip)",
    )
    ap.add_argument("--corpus", default=CORPUS, help="corpus root (default: bench/quality/corpus)")
    ap.add_argument("--json", default="", metavar="PATH", help="also write every number to PATH")
    ap.add_argument("--list-misses", action="store_true", help="print each FN/FP as file:line")
    args = ap.parse_args(argv)
    try:
        run(
            reps=max(1, args.reps),
            json_path=args.json,
            list_misses=args.list_misses,
            corpus=args.corpus,
            repeat=max(0, args.repeat),
            stdlib=max(0, args.stdlib),
        )
    except CorpusError as exc:
        print(f"corpus error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
