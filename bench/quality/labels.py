"""The labelled corpus: the class table, labels, files and their statements."""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

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
    "cors": (346, 942),  # any origin with credentials; the request Origin echoed unchecked
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
