"""Code metrics of one source file: line counts, per-function complexity, Halstead, duplicates.

Plain Python over tree-sitter; the gRPC layer (services.analyze.servicer) converts the
dataclasses here to the messages of proto/codeintel/v1/analyze.proto.

One iterative TreeCursor walk per file computes everything (files may nest 10,000
levels deep: nothing here recurses). Node kinds are compared by integer kind id,
from per-language tables built once (services.analyze.languages).

Definitions (the proto comments are the spec; choices made where it leaves room):

- Lines: `total` counts a last line without a newline (empty content: 0 lines).
  A line is `blank` when it holds only white space, `comment` when everything on it
  that is not white space lies inside comment nodes, and `code` otherwise
  (code = total - blank - comment). In Python a *standalone string statement*
  (a docstring, or any bare string used as a comment) counts as comment text;
  strings used as values are code.
- Cyclomatic complexity: 1 + decision points of the function's own body. Decision
  points: if / elif / else-if, loops (for, while, do, for-each; Rust `loop` is not a
  decision), each non-default case label or match arm (`default:`, `_ =>`,
  `case _:`, Kotlin `else ->` do not count; a `case 1, 2:` label counts once),
  catch / except / rescue clauses, conditional expressions (`?:`, Python
  `x if c else y`), and each short-circuit operator: `&&`, `||`, `and`, `or`, and the
  null-coalescing `??` (JS/TS/C#/PHP) and Kotlin elvis `?:`, which branch like `||`.
  Python comprehensions add 1 per `for` clause and 1 per `if` clause (as radon and
  lizard do). Nested functions are measured separately; their decision points do
  not count for the enclosing function. Lambdas that are not functions here (see
  services.analyze.languages) count for the enclosing function.
- Nesting depth: deepest nesting of control-flow blocks (if, loops, try, switch /
  match / when / select, with / using / lock) in the body; an if that is the `else`
  branch of another if (else-if chains, Python elif) stays at its parent's level.
- Parameters: declared parameters, counting variadic (*args, **kwargs, ...rest,
  `...`), defaulted and keyword-only ones and each name of a Go group (`a, b int`
  is 2). Not counted: Python `self` / `cls` as the first parameter of a method,
  receivers (Go receiver, Rust `self`, Java receiver parameter, TS `this:`), and a
  C `(void)` list.
- Range: the function node (Python decorators excluded). length_lines =
  end_line - start_line + 1 (a span ending at column 0 of a line does not include
  that line); code_lines = code lines (as above) inside those lines.
- Cognitive complexity (SonarSource white paper): +1 plus the nesting level for if,
  conditional expressions, switch-like statements (once), loops and catch clauses;
  +1 alone for else-if / elif / elsif, a plain else of an if (not of a loop or try),
  goto, labelled break/continue (PHP `break 2`), each run of like boolean operators
  (`a && b && c` 1, `a && b || c` 2) and a direct recursive call (once per function).
  The nesting level rises inside those structures and inside expression lambdas;
  try, finally, with and else-if add no level. Functions measured on their own
  (named nested functions, JS arrow functions, Go func literals, ...) start at level
  0 and do not add to the enclosing function, as for cyclomatic complexity.
- Halstead (services.analyze.halstead): per function over its own tokens (nested
  functions excluded, lambdas included); per file over all tokens.
- Maintainability index: Visual Studio's 0..100 scale with LOC = code lines; for the
  file, V = the file's volume and CC = the sum over its functions (1 without any).
- Duplicates (services.analyze.duplicates): from the same token stream.
- Qualified name: enclosing classes (and structs, interfaces, enums, traits, Rust
  impl blocks, Ruby modules) and functions, dotted; a Go method is qualified by its
  receiver type and a C++ out-of-line `A::f` by its scope, e.g. "A.f". Beyond 64
  enclosing scopes the middle ones are elided ("f.g.g...g.g") to keep names bounded.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
from array import array
from dataclasses import dataclass, field
from functools import cache
from itertools import accumulate, chain
from typing import Any

from codeintel.kernel.budget import Budget, unlimited
from codeintel.kernel.errors import UnsupportedLanguage
from codeintel.kernel.languages import get_language
from codeintel.kernel.source import Source, parse
from codeintel.kernel.span import Span, span_of
from services.analyze.duplicates import DuplicateBlock, find_duplicates
from services.analyze.halstead import EMPTY as EMPTY_HALSTEAD
from services.analyze.halstead import Halstead, halstead_of, maintainability_index
from services.analyze.languages import LANGUAGES, SPECS, Spec
from services.analyze.naming import class_name, function_info
from services.analyze.probes import PROBES

_log = logging.getLogger(__name__)


def _load_native() -> Any:
    """The walk in C (services/analyze/_fastwalk.c, built by `make install`), or None: not built, or
    built from another version of its source (in a checkout; installed packages carry no source)."""
    try:
        module: Any = importlib.import_module("services.analyze._fastwalk")
    except ImportError:
        return None
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_fastwalk.c")
    if os.path.exists(source):
        with open(source, "rb") as fh:
            if hashlib.sha256(fh.read()).hexdigest() != module.SOURCE_SHA256:
                _log.warning(
                    "analyze: %s changed since it was built (run `make install`); using the Python walk", source
                )
                return None
    return module


_native = _load_native()

__all__ = [
    "VERSION",
    "LANGUAGES",
    "LineStats",
    "FunctionStats",
    "AnalyzeOutcome",
    "Halstead",
    "DuplicateBlock",
    "analyze_source",
]

# Bump whenever results for the same input could change (results are cached by version).
VERSION = "analyze-1.1.0"


@dataclass(frozen=True, slots=True)
class LineStats:
    total: int
    code: int
    comment: int
    blank: int


@dataclass(frozen=True, slots=True)
class FunctionStats:
    name: str
    qualified_name: str
    range: Span
    cyclomatic_complexity: int
    max_nesting_depth: int
    parameter_count: int
    length_lines: int
    code_lines: int
    cognitive_complexity: int = 0
    halstead: Halstead = EMPTY_HALSTEAD
    maintainability_index: float = 100.0


@dataclass(frozen=True, slots=True)
class AnalyzeOutcome:
    path: str
    language: str
    lines: LineStats
    function_count: int
    class_count: int
    functions: list[FunctionStats]
    max_cyclomatic_complexity: int
    average_cyclomatic_complexity: float
    has_syntax_errors: bool
    halstead: Halstead = EMPTY_HALSTEAD
    maintainability_index: float = 100.0
    max_cognitive_complexity: int = 0
    duplicates: list[DuplicateBlock] = field(default_factory=list)


# Roles of node kinds in the walk.
_DEC, _NEST, _NEST_DEC, _IF, _FUNC, _CLASS, _SCOPE, _COMMENT, _DOC, _BOOL, _ARM, _WRAP = range(1, 13)
# Cognitive-complexity roles (a second table: a node can have one of each).
_C_IF, _C_ELIF, _C_ELSE, _C_STRUCT, _C_LAMBDA, _C_GOTO, _C_JUMP, _C_CALL, _C_LIT = range(1, 10)
# Exit kinds kept on the exit stack.
_X_NEST, _X_FUNC, _X_SCOPE = 1, 2, 3
# Complexity frame slots: cyclomatic, nesting depth, max nesting depth, cognitive, cognitive
# nesting level, recursion seen, function name (UTF-8: the recursion check compares bytes),
# (operator, operand) indexes of the function's first token and one past its last, those index
# ranges of the functions nested directly in it.
_CC, _DEPTH, _MAXD, _COG, _CNEST, _REC, _NAME, _FIRST, _LAST, _INNER = range(10)
# Per-kind tables are lists indexed by kind id; ids run up to ERROR's 0xFFFF.
_KIND_SLOTS = 0x10000
# Kind flags of the C walk's table (the sets of _Tables; _fastwalk.c has the same values).
_F_BOOL_PARENT, _F_BOOL_ID, _F_ELSE_ID, _F_DOC_PARENT, _F_COG_IF = 1, 2, 4, 8, 16
_F_ELSE_WRAPPER, _F_COG_ELSE_WRAPPER, _F_JUMP_LABEL, _F_EXPR_STMT = 32, 64, 128, 256

# Qualified names of functions nested deeper than this elide the middle scopes ("a.b...y.z").
_MAX_QUALIFIED = 64

# Maps every byte but "\n" to a space: blanks out comment text, keeps line structure.
_MASK = bytes(10 if i == 10 else 32 for i in range(256))

# Receivers under which a call to a function's own name is a direct recursive call.
_SELF_RECEIVERS = frozenset({b"", b"self", b"this", b"cls", b"$this", b"static", b"Self", b"@"})


def _frame(name: bytes | None, first: tuple[int, int]) -> list:
    return [1, 0, 0, 0, 0, 0, name, first, first, []]


@dataclass(frozen=True)
class _Tables:
    spec: Spec
    actions: list[tuple[int | None, int | None] | None]  # kind id -> (role, cognitive role)
    bool_parents: frozenset[int]
    bool_ids: frozenset[int]
    else_ids: frozenset[int]
    doc_parents: frozenset[int]
    cog_ifs: frozenset[int]
    else_wrappers: frozenset[int]
    cog_else_wrappers: frozenset[int]
    jump_labels: frozenset[int]
    kind_names: dict[int, str]  # anonymous kind id -> token text (ids of equal text merge)
    # Kind id -> Halstead operator key of an anonymous token (one int per spelling), None for
    # a named kind (an operand, keyed by its text).
    operator_keys: list[int | None]
    function_field: int | None  # id of the `function` field (a call's callee), if the grammar has one
    # The same tables for the C walk: role and cognitive role per kind id (0: none), flag bits per
    # kind id (_F_*), Halstead operator key per kind id (-1: an operand).
    native_roles: bytes
    native_croles: bytes
    native_flags: bytes
    native_operator_keys: bytes


@cache
def _tables(lang: str) -> _Tables:
    spec = SPECS[lang]
    language = get_language(lang)
    named: dict[str, list[int]] = {}
    anon: dict[str, list[int]] = {}
    for i in range(language.node_kind_count):
        name = language.node_kind_for_id(i)
        if name is None:
            continue
        (named if language.node_kind_is_named(i) else anon).setdefault(name, []).append(i)

    def ids(names, table=named) -> set[int]:
        return {i for n in names for i in table.get(n, ())}

    roles: dict[int, int] = {}
    # Later assignments win: the order sets the precedence of overlapping roles.
    for i in ids(spec.decisions):
        roles[i] = _DEC
    for i in ids(spec.nest):
        roles[i] = _NEST_DEC if roles.get(i) == _DEC else _NEST
    for i in ids(spec.if_types):
        roles[i] = _IF
    for i in ids(spec.arms):
        roles[i] = _ARM
    for i in ids(spec.tokens, anon):
        roles[i] = _DEC
    for i in ids(spec.bool_tokens, anon):
        roles[i] = _BOOL
    for i in ids(spec.else_wrappers):
        roles[i] = _WRAP
    for i in ids(spec.docstring_types):
        roles[i] = _DOC
    for i in ids(spec.comments):
        roles[i] = _COMMENT
    for i in ids(spec.scopes):
        roles[i] = _SCOPE
    for i in ids(spec.classes):
        roles[i] = _CLASS
    for i in ids(spec.functions):
        roles[i] = _FUNC

    croles: dict[int, int] = {}
    for names, crole, table in (
        (spec.literals, _C_LIT, named),
        (spec.calls, _C_CALL, named),
        (spec.label_jumps, _C_JUMP, named),
        (spec.gotos, _C_GOTO, named),
        (spec.lambdas, _C_LAMBDA, named),
        (spec.cog_structs, _C_STRUCT, named),
        ({"else"}, _C_ELSE, anon),
        (spec.cog_elifs, _C_ELIF, named),
        (spec.cog_ifs, _C_IF, named),
    ):
        for i in ids(names, table):
            croles[i] = crole
    actions: list[tuple[int | None, int | None] | None] = [None] * _KIND_SLOTS
    for i in set(roles) | set(croles):
        actions[i] = (roles.get(i), croles.get(i))
    operator_keys: list[int | None] = list(range(_KIND_SLOTS))
    for i in range(language.node_kind_count):
        if language.node_kind_is_named(i):
            operator_keys[i] = None
    operator_keys[_KIND_SLOTS - 1] = None  # ERROR
    for group in anon.values():
        for i in group:
            operator_keys[i] = group[0]
    flags = array("H", bytes(2 * _KIND_SLOTS))
    for bit, kind_ids in (
        (_F_BOOL_PARENT, ids(spec.bool_parents)),
        (_F_BOOL_ID, ids(spec.bool_tokens, anon)),
        (_F_ELSE_ID, ids({"else"}, anon)),
        (_F_DOC_PARENT, ids(spec.docstring_parents)),
        (_F_COG_IF, ids(spec.cog_ifs | spec.cog_elifs)),
        (_F_ELSE_WRAPPER, ids(spec.else_wrappers)),
        (_F_COG_ELSE_WRAPPER, ids(spec.cog_else_wrappers)),
        (_F_JUMP_LABEL, ids(spec.jump_labels)),
        (_F_EXPR_STMT, ids({"expression_statement"}) | ids({"expression_statement"}, anon)),
    ):
        for i in kind_ids:
            flags[i] |= bit
    return _Tables(
        spec=spec,
        actions=actions,
        bool_parents=frozenset(ids(spec.bool_parents)),
        bool_ids=frozenset(ids(spec.bool_tokens, anon)),
        else_ids=frozenset(ids({"else"}, anon)),
        doc_parents=frozenset(ids(spec.docstring_parents)),
        cog_ifs=frozenset(ids(spec.cog_ifs | spec.cog_elifs)),
        else_wrappers=frozenset(ids(spec.else_wrappers)),
        cog_else_wrappers=frozenset(ids(spec.cog_else_wrappers)),
        jump_labels=frozenset(ids(spec.jump_labels)),
        kind_names={i: n for n, group in anon.items() for i in group},
        operator_keys=operator_keys,
        function_field=language.field_id_for_name("function"),
        native_roles=bytes((a[0] or 0) if a else 0 for a in actions),
        native_croles=bytes((a[1] or 0) if a else 0 for a in actions),
        native_flags=flags.tobytes(),
        native_operator_keys=array("i", (-1 if k is None else k for k in operator_keys)).tobytes(),
    )


def analyze_source(
    src: Source, *, file_only: bool = False, budget: Budget | None = None, native: bool = True
) -> AnalyzeOutcome:
    """Measure `src` (already validated by codeintel.source.prepare) within `budget`.

    The walk runs in C when the extension is built and passed its self-check for the language;
    `native=False` forces the pure-Python walk (the reference the C one is checked against).
    """
    lang = src.language
    if lang not in SPECS:
        raise UnsupportedLanguage(
            f"metrics are not available for {lang!r}; supported languages: {', '.join(sorted(LANGUAGES))}"
        )
    budget = budget or unlimited()
    tables = _tables(lang)
    tree = parse(src)
    root = tree.root_node
    walk = _native_walk if native and _native_ok(lang) else _walk
    funcs, class_count, comments, kinds, starts, operators, operands = walk(tree, src.content, tables, lang, budget)
    content = src.content
    parts = content.split(b"\n")
    # Start byte of each line, and one past the end (a line per "\n", and the one after the last).
    line_starts = list(accumulate(map((1).__add__, map(len, parts)), initial=0))
    lines, code_flags = _line_stats(content, parts, comments)

    # Halstead per function over its own tokens; the file's over all of them.
    file_halstead = halstead_of(len(set(operators)), len(set(operands)), len(operators), len(operands))
    per_func: list[Halstead] = []
    if not file_only:
        per_func = [_own_halstead(f[3], operators, operands) for f in funcs]

    ccs = [f[3][_CC] for f in funcs]
    cogs = [f[3][_COG] for f in funcs]
    functions: list[FunctionStats] = []
    if not file_only and funcs:
        acc = list(accumulate(code_flags, initial=0))
        last = len(code_flags) - 1
        for (name, qualified, node, frame, params), hal in zip(funcs, per_func, strict=True):
            span = span_of(node)
            r0, r1 = span.start_line, span.end_line
            if span.end_col == 0 and r1 > r0:
                r1 -= 1
            length = r1 - r0 + 1
            lo, hi = min(r0, last), min(r1, last)
            code = acc[hi + 1] - acc[lo] if last >= 0 else 0
            functions.append(
                FunctionStats(
                    name=name,
                    qualified_name=qualified,
                    range=span,
                    cyclomatic_complexity=frame[_CC],
                    max_nesting_depth=frame[_MAXD],
                    parameter_count=params,
                    length_lines=length,
                    code_lines=code,
                    cognitive_complexity=frame[_COG],
                    halstead=hal,
                    maintainability_index=maintainability_index(hal.volume, frame[_CC], code),
                )
            )
    return AnalyzeOutcome(
        path=src.path,
        language=lang,
        lines=lines,
        function_count=len(funcs),
        class_count=class_count,
        functions=functions,
        max_cyclomatic_complexity=max(ccs, default=0),
        average_cyclomatic_complexity=(sum(ccs) / len(ccs)) if ccs else 0.0,
        has_syntax_errors=root.has_error,
        halstead=file_halstead,
        # File complexity: the sum over functions (1 for a file without any), as radon does.
        maintainability_index=maintainability_index(file_halstead.volume, sum(ccs) or 1, lines.code),
        max_cognitive_complexity=max(cogs, default=0),
        duplicates=find_duplicates(content, kinds, starts, budget=budget, line_starts=line_starts),
    )


def _own_halstead(frame: list, operators: list, operands: list) -> Halstead:
    """Halstead measures of a function's own tokens (those of nested functions left out)."""
    inner = frame[_INNER]
    if not inner:
        (op0, od0), (op1, od1) = frame[_FIRST], frame[_LAST]
        ops, opnds = operators[op0:op1], operands[od0:od1]
        return halstead_of(len(set(ops)), len(set(opnds)), len(ops), len(opnds))
    ops_seen: set = set()
    opnds_seen: set = set()
    n_ops = n_opnds = 0
    # Own token ranges: from the start to the first nested function, between nested ones, to the end.
    begins = chain([frame[_FIRST]], (last for _, last in inner))
    ends = chain((first for first, _ in inner), [frame[_LAST]])
    for (op0, od0), (op1, od1) in zip(begins, ends, strict=True):
        ops_seen.update(operators[op0:op1])
        opnds_seen.update(operands[od0:od1])
        n_ops += op1 - op0
        n_opnds += od1 - od0
    return halstead_of(len(ops_seen), len(opnds_seen), n_ops, n_opnds)


def _line_stats(content: bytes, parts: list[bytes], comments: list[tuple[int, int]]) -> tuple[LineStats, list[bool]]:
    """Line counts, and a 0/1 "is a code line" flag per line.

    `parts` is content.split(b"\\n"), `comments` the comments' byte ranges. A code line is one
    that still holds something once comment text is blanked out; a comment line is one that held
    something before.
    """
    if not content:
        return LineStats(0, 0, 0, 0), []
    lines = parts[:-1] if content.endswith(b"\n") else parts
    total = len(lines)
    flags = list(map(bool, map(bytes.strip, lines)))  # per line in C: files have many lines
    blank = total - sum(flags)
    if not comments:
        return LineStats(total, total - blank, 0, blank), flags
    masked = bytearray(content)
    for s, e in comments:
        masked[s:e] = content[s:e].translate(_MASK)
    code_flags = list(map(bool, map(bytes.strip, bytes(masked).split(b"\n")[:total])))
    code = sum(code_flags)
    return LineStats(total, code, total - blank - code, blank), code_flags


def _walk(tree, content: bytes, t: _Tables, lang: str, budget: Budget):
    """One pre-order pass: functions (with their complexity frames), class count, comment byte
    ranges, every token's kind and start byte, and the Halstead operator keys and operand texts.

    Each function is [name, qualified_name, node, frame, parameter_count]; a frame is a
    list indexed by the _CC.._INNER slots.
    """
    actions = t.actions
    operator_keys = t.operator_keys
    bool_parents = t.bool_parents
    else_ids = t.else_ids
    doc_parents = t.doc_parents
    spec = t.spec
    function_field = t.function_field

    funcs: list[list] = []
    comments: list[tuple[int, int]] = []  # byte ranges
    kinds: list[int] = []  # every token's kind id, in document order
    starts: list[int] = []  # and its start byte
    operators: list[int] = []  # Halstead keys of the tokens that are operators (see _Tables)
    operands: list[bytes] = []  # and texts of those that are operands
    add_kind = kinds.append
    add_start = starts.append
    add_operator = operators.append
    add_operand = operands.append
    class_count = 0
    scopes: list[tuple[str, bool]] = []  # (name, is_class) of enclosing classes/functions
    anc: list = []  # ancestor nodes of the cursor position
    exits: list[tuple] = []  # (node, exit kind, data) for entered scopes/blocks
    top = None  # exits[-1][0]: the node whose exit needs handling
    frame = _frame(None, (0, 0))  # the innermost function's frame (file level outside functions)
    prev = None  # previous sibling of the cursor node (None for a first child)
    else_body = None  # Kotlin: the last `else` body wrapper entered (an if first in it is an else-if)
    lit_end = 0  # end byte of the last string literal counted whole (its tokens are skipped for Halstead)
    after_else = False  # the previous token was the `else` of an if: this node is its branch

    cursor = tree.walk()
    goto_first_child = cursor.goto_first_child
    goto_next_sibling = cursor.goto_next_sibling
    goto_parent = cursor.goto_parent
    steps = 0

    while True:
        node = cursor.node
        kid = node.kind_id
        action = actions[kid]
        if action is None and not after_else:  # most nodes: no role, just walk through
            if goto_first_child():
                anc.append(node)
                prev = None
                steps += 1
                if not steps & 4095 and budget():
                    raise budget.error("the metrics walk")
                continue
            # a token
            start = node.start_byte
            # Not inside a literal (counted whole). Token starts never decrease in pre-order, so a
            # stale lit_end (or 0) lets every later token through: no reset needed.
            if start >= lit_end:
                add_kind(kid)
                add_start(start)
                key = operator_keys[kid]
                if key is None:
                    add_operand(content[start : node.end_byte])  # slicing beats node.text
                else:
                    add_operator(key)
        else:  # a node with a role, or the branch after an `else`
            descend = True
            if after_else and (action is None or action[0] != _COMMENT):
                after_else = False
                if not _is_if_branch(node, t):
                    frame[_COG] += 1  # a plain else (an else-if counts at its if)
            if action is not None:  # most nodes have no role
                role, crole = action
                nest = -1  # nesting-depth increment of a block entered here (-1: no block)
                cnest = 0  # cognitive nesting increment
                if role is not None:
                    if role == _WRAP:
                        if prev is not None and prev.kind_id in else_ids:
                            else_body = node
                    elif role == _DEC:
                        frame[_CC] += 1
                    elif role == _BOOL:
                        if anc and anc[-1].kind_id in bool_parents:
                            frame[_CC] += 1
                            if len(anc) < 2 or not _same_bool_run(anc[-2], kid, t):
                                frame[_COG] += 1
                    elif role == _IF or role == _NEST_DEC or role == _NEST:
                        nest = 1
                        if role == _IF:
                            frame[_CC] += 1
                            if prev is not None:
                                if prev.kind_id in else_ids:
                                    nest = 0
                            elif anc and anc[-1] is else_body:
                                nest = 0
                        elif role == _NEST_DEC:
                            frame[_CC] += 1
                        if nest:
                            d = frame[_DEPTH] + 1
                            frame[_DEPTH] = d
                            if d > frame[_MAXD]:
                                frame[_MAXD] = d
                    elif role == _COMMENT:
                        comments.append(node.byte_range)
                        descend = False
                    elif role == _DOC:
                        if (
                            anc
                            and anc[-1].kind_id in doc_parents
                            and (anc[-1].type != "expression_statement" or anc[-1].named_child_count == 1)
                        ):
                            comments.append(node.byte_range)
                            descend = False
                            crole = None
                    elif role == _ARM:
                        if not _is_default_arm(node):
                            frame[_CC] += 1
                    elif role == _FUNC:
                        info = function_info(node, anc, lang, spec, bool(scopes) and scopes[-1][1])
                        if info is not None:
                            name, prefix, params = info
                            new = _frame(name.encode(), (len(operators), len(operands)))
                            funcs.append([name, _qualified(scopes, prefix, name), node, new, params])
                            exits.append((node, _X_FUNC, frame))
                            top = node
                            frame = new
                            scopes.append((f"{prefix}.{name}" if prefix else name, False))
                    else:  # _CLASS / _SCOPE
                        name = class_name(node, lang, role == _CLASS and spec.class_needs_body)
                        if name is not None:
                            if role == _CLASS:
                                class_count += 1
                            scopes.append((name, True))
                            exits.append((node, _X_SCOPE, None))
                            top = node
                if crole is not None:
                    if crole == _C_LIT:
                        start = node.start_byte
                        if start >= lit_end:  # not inside another literal
                            add_kind(kid)
                            add_start(start)
                            lit_end = node.end_byte
                            add_operand(content[start:lit_end])
                        if node.descendant_count == node.child_count + 1:
                            # Only tokens inside (quotes, text; no interpolation): none counts.
                            descend = False
                    elif crole == _C_CALL:
                        name = frame[_NAME]
                        if name is not None and not frame[_REC] and _calls_itself(node, name, content, function_field):
                            frame[_REC] = 1
                            frame[_COG] += 1
                    elif crole == _C_STRUCT:
                        frame[_COG] += 1 + frame[_CNEST]
                        cnest = 1
                    elif crole == _C_IF:
                        if nest == 0:  # an else-if
                            frame[_COG] += 1
                        else:
                            frame[_COG] += 1 + frame[_CNEST]
                            cnest = 1
                    elif crole == _C_ELIF:
                        frame[_COG] += 1
                    elif crole == _C_ELSE:
                        after_else = _is_else_of_if(anc, t)
                    elif crole == _C_LAMBDA:
                        cnest = 1
                    elif crole == _C_GOTO:
                        frame[_COG] += 1
                    elif crole == _C_JUMP:
                        if _has_label(node, t):
                            frame[_COG] += 1
                    if cnest:
                        frame[_CNEST] += 1
                if nest >= 0 or cnest:
                    exits.append((node, _X_NEST, (nest if nest > 0 else 0, cnest)))
                    top = node

            if descend and goto_first_child():
                anc.append(node)
                prev = None
                steps += 1
                if not steps & 4095 and budget():
                    raise budget.error("the metrics walk")
                continue
            if descend:  # a token
                start = node.start_byte
                if start >= lit_end:  # not inside a literal (counted whole)
                    add_kind(kid)
                    add_start(start)
                    key = operator_keys[kid]
                    if key is None:
                        add_operand(content[start : node.end_byte])  # slicing beats node.text
                    else:
                        add_operator(key)
        # `node` is done: a leaf, or a subtree not entered.
        while True:
            while node is top:
                frame = _leave(exits, scopes, frame, operators, operands)
                top = exits[-1][0] if exits else None
            if goto_next_sibling():
                prev = node
                break
            if not goto_parent():
                return funcs, class_count, comments, kinds, starts, operators, operands
            node = anc.pop()


def _qualified(scopes: list[tuple[str, bool]], prefix: str, name: str) -> str:
    """Dotted name of a function named `name` (and `prefix`, e.g. a Go receiver) inside `scopes`."""
    if len(scopes) <= _MAX_QUALIFIED:
        path = [s[0] for s in scopes]
    else:  # keep names bounded in absurdly deep nesting
        half = _MAX_QUALIFIED // 2
        path = [s[0] for s in scopes[:half]] + ["..."] + [s[0] for s in scopes[-half:]]
    if prefix:
        path.append(prefix)
    path.append(name)
    return ".".join(path)


def _native_walk(tree, content: bytes, t: _Tables, lang: str, budget: Budget):
    """_walk in C (services/analyze/_fastwalk.c): the same results. Functions and classes are named
    here (a callback per definition), and the rare calls that may be recursive are decided here."""
    spec = t.spec
    funcs: list[list] = []
    scopes: list[tuple[str, bool]] = []

    def enter_function(node, anc: list) -> bytes | None:
        info = function_info(node, anc, lang, spec, bool(scopes) and scopes[-1][1])
        if info is None:
            return None
        name, prefix, params = info
        funcs.append([name, _qualified(scopes, prefix, name), node, None, params])
        scopes.append((f"{prefix}.{name}" if prefix else name, False))
        return name.encode()

    def enter_class(node, is_class: bool) -> bool:
        name = class_name(node, lang, is_class and spec.class_needs_body)
        if name is None:
            return False
        scopes.append((name, True))
        return True

    def calls_itself(call, name: bytes) -> bool:
        return _calls_itself(call, name, content, t.function_field)

    out = _native.walk(
        tree,
        content,
        t.native_roles,
        t.native_croles,
        t.native_flags,
        t.native_operator_keys,
        t.function_field or 0,
        type(tree.root_node),
        enter_function,
        enter_class,
        scopes.pop,
        calls_itself,
        budget,
    )
    if out is None:
        raise budget.error("the metrics walk")
    frames, class_count, comments, kinds, starts, operators, operands = out
    for func, (cc, maxd, cog, first, last, parent) in zip(funcs, frames, strict=True):
        func[3] = [cc, 0, maxd, cog, 0, 0, None, first, last, []]
        if parent >= 0:  # nested in funcs[parent]: its own tokens leave these out
            funcs[parent][3][_INNER].append((first, last))
    return funcs, class_count, comments, kinds, starts, operators, operands


@cache
def _native_ok(lang: str) -> bool:
    """Whether the C walk is there and gives the Python walk's results on this language's probe
    (services.analyze.probes): a build against other tree-sitter sources must not change results."""
    if _native is None:
        return False
    content = PROBES[lang].encode()
    src = Source(path="probe", language=lang, content=content)
    t = _tables(lang)
    tree = parse(src)  # both walks only read it
    try:
        got = _native_walk(tree, content, t, lang, unlimited())
    except Exception:  # noqa: BLE001 - any failure of the extension means: use the Python walk
        _log.warning("analyze: the C walk failed its self-check for %s; using the Python walk", lang, exc_info=True)
        return False
    want = _walk(tree, content, t, lang, unlimited())
    if _comparable(got) != _comparable(want):
        _log.warning("analyze: the C walk disagrees with the Python walk on %s; using the Python walk", lang)
        return False
    return True


def native_walk_languages() -> frozenset[str]:
    """The languages analyze walks in C (all of them once the extension is built and checked)."""
    return frozenset(lang for lang in LANGUAGES if _native_ok(lang))


def _comparable(walked: tuple) -> tuple:
    """A walk's results without node objects and scratch frame slots, for comparison."""
    funcs = [
        (name, qualified, node.byte_range, params, [frame[i] for i in (_CC, _MAXD, _COG, _FIRST, _LAST, _INNER)])
        for name, qualified, node, frame, params in walked[0]
    ]
    return (funcs, *walked[1:])


def _leave(exits: list, scopes: list, frame: list, operators: list, operands: list) -> list:
    """Handle the exit of exits[-1] (with the tokens seen so far); return the complexity frame now current."""
    _, kind, data = exits.pop()
    if kind == _X_NEST:
        frame[_DEPTH] -= data[0]
        frame[_CNEST] -= data[1]
        return frame
    scopes.pop()
    if kind == _X_FUNC:
        frame[_LAST] = last = (len(operators), len(operands))
        data[_INNER].append((frame[_FIRST], last))
        return data
    return frame


def _same_bool_run(parent, op_kind: int, t: _Tables) -> bool:
    """Whether `parent` is a boolean expression with the same operator (one run: a && b && c)."""
    if parent.kind_id not in t.bool_parents:
        return False
    for child in parent.children:
        if child.kind_id in t.bool_ids:
            return t.kind_names.get(child.kind_id) == t.kind_names.get(op_kind)
    return False


def _is_else_of_if(anc: list, t: _Tables) -> bool:
    """Whether an `else` token belongs to an if (not to a loop, try, ternary or switch)."""
    if not anc:
        return False
    owner = anc[-1]
    if owner.kind_id in t.cog_else_wrappers:
        if len(anc) < 2:
            return False
        owner = anc[-2]
    return owner.kind_id in t.cog_ifs


def _is_if_branch(branch, t: _Tables) -> bool:
    """Whether the node after an `else` is an if (directly or alone in a Kotlin body): an else-if.

    Decided on the branch node itself: looking ahead from the `else` token with
    next_sibling costs time proportional to the depth in tree-sitter.
    """
    if branch.kind_id in t.else_wrappers and branch.named_child_count == 1:
        branch = branch.named_child(0)
    return branch.kind_id in t.cog_ifs


def _has_label(node, t: _Tables) -> bool:
    """Whether a break/continue names a label (`break outer`, PHP `break 2`); not Kotlin `return@l`."""
    first = node.child(0)
    if first is not None and first.type.startswith("return"):
        return False
    return any(c.kind_id in t.jump_labels for c in node.named_children)


def _calls_itself(call, name: bytes, content: bytes, function_field: int | None) -> bool:
    """Whether `call` calls `name` directly (bare, or through self/this/cls/$this)."""
    # By field id: child_by_field_name looks the name up on every call.
    callee = None if function_field is None else call.child_by_field_id(function_field)
    if callee is not None:
        text = content[callee.start_byte : callee.end_byte]  # slicing beats callee.text
        if name not in text:  # the usual case: no need to split
            return False
        for sep in (b".", b"->", b"::"):
            head, found, tail = text.rpartition(sep)
            if found:
                return tail.strip() == name and head.strip() in _SELF_RECEIVERS
        return text == name
    method = call.child_by_field_name("name") or call.child_by_field_name("method")
    if method is None:
        first = call.named_child(0)  # Kotlin: the callee is the first child
        return first is not None and first.text == name
    recv = call.child_by_field_name("object") or call.child_by_field_name("receiver")
    return method.text.lstrip(b"$") == name and (recv is None or recv.text in _SELF_RECEIVERS)


def _is_default_arm(node) -> bool:
    """A default case arm: `else ->`, `default =>`, or a lone `_` pattern."""
    first = node.child(0)
    if first is not None and first.type in ("else", "default"):
        return True
    pat = node.named_child(0)
    return pat is not None and pat.text == b"_"
