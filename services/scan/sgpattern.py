"""Rules written as ast-grep patterns: a rule may give `pattern` (code with metavariables, e.g.
`os.popen($CMD)`, ast-grep's syntax) instead of a tree-sitter `query`.

ast-grep parses the file with its own copy of the grammar; each match's range is mapped back to the
node of our tree that spans it, so findings, predicates, suppression and fingerprints work as for
query rules. Metavariables are the captures a predicate reads (`$CMD` -> capture "CMD"; `$$$ARGS`
-> every node it matched), and `match` is the whole match.

Patterns are checked and run as code_query's are (codeintel.kernel.structural): one that does not
parse as code of the language is refused with its position (ast-grep itself would match nothing),
and Go statements run inside a function body, where they parse as what they are.

Holds: LANGUAGES, metavariables, hits.
"""

from __future__ import annotations

from ast_grep_py import SgRoot

from codeintel.kernel import structural
from codeintel.kernel.budget import Budget
from codeintel.kernel.source import Source
from services.scan.predicates import PREDICATES
from services.scan.rules import Rule

__all__ = ["LANGUAGES", "hits", "metavariables"]

# Language ids that are the same in ast-grep and here (ast-grep aborts the process on one it lacks).
LANGUAGES = frozenset({"python", "javascript", "typescript", "tsx", "go", "java"})


def metavariables(pattern: str) -> dict[str, bool]:
    """A pattern's metavariable names -> whether it matches a sequence ($$$NAME)."""
    return {m[2]: bool(m[1]) for m in structural.METAVARIABLE.finditer(pattern)}


def hits(src: Source, root, rules: list[Rule], budget: Budget) -> list[tuple]:
    """(start byte, end byte, rule id, node, rule, ()) per distinct match of the `rules` (pattern rules
    of src.language) over `root`, our tree of the same text, in document order."""
    text = src.content.decode("utf-8", "surrogatepass")
    byte = structural.CharOffsets(src.content).byte  # ast-grep counts characters; our nodes count bytes

    sg = SgRoot(text, src.language).root()
    seen: set[tuple] = set()
    out: list[tuple] = []
    for rule in rules:
        if budget():
            raise budget.error("pattern matching")
        names = metavariables(rule.pattern)
        for m in sg.find_all(**structural.pattern_rule(src.language, rule.pattern)):
            r = m.range()
            node = root.descendant_for_byte_range(byte(r.start.index), byte(r.end.index))
            if node is None:
                continue
            key = (rule.id, node.start_byte, node.end_byte)
            if key in seen:
                continue
            if rule.predicate is not None:
                captures = {"match": [node]}
                for name, many in names.items():
                    got = m.get_multiple_matches(name) if many else [x for x in [m.get_match(name)] if x is not None]
                    nodes = [
                        root.descendant_for_byte_range(byte(g.range().start.index), byte(g.range().end.index))
                        for g in got
                    ]
                    captures[name] = [n for n in nodes if n is not None]
                if not PREDICATES[rule.predicate].func(captures, **rule.args):
                    continue
            seen.add(key)
            out.append((node.start_byte, node.end_byte, rule.id, node, rule, ()))
    out.sort(key=lambda h: h[:3])
    return out
