"""Code metrics of one source file: line counts and per-function complexity.

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
- Qualified name: enclosing classes (and structs, interfaces, enums, traits, Rust
  impl blocks, Ruby modules) and functions, dotted; a Go method is qualified by its
  receiver type and a C++ out-of-line `A::f` by its scope, e.g. "A.f". Beyond 64
  enclosing scopes the middle ones are elided ("f.g.g...g.g") to keep names bounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from codeintel.budget import Budget, unlimited
from codeintel.errors import UnsupportedLanguage
from codeintel.languages import get_language
from codeintel.source import Source, parse
from codeintel.span import Span, span_of
from services.analyze.languages import LANGUAGES, SPECS, Spec

__all__ = ["VERSION", "LANGUAGES", "LineStats", "FunctionStats", "AnalyzeOutcome", "analyze_source"]

# Bump whenever results for the same input could change (results are cached by version).
VERSION = "analyze-1.0.0"

ANONYMOUS = "<anonymous>"


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


# Roles of node kinds in the walk.
_DEC, _NEST, _NEST_DEC, _IF, _FUNC, _CLASS, _SCOPE, _COMMENT, _DOC, _BOOL, _ARM, _WRAP = range(1, 13)
# Exit kinds kept on the exit stack.
_X_NEST, _X_FUNC, _X_SCOPE = 1, 2, 3

# Qualified names of functions nested deeper than this elide the middle scopes ("a.b...y.z").
_MAX_QUALIFIED = 64

# Maps every byte but "\n" to a space: blanks out comment text, keeps line structure.
_MASK = bytes(10 if i == 10 else 32 for i in range(256))


@dataclass(frozen=True)
class _Tables:
    spec: Spec
    roles: dict[int, int]
    bool_parents: frozenset[int]
    else_ids: frozenset[int]
    doc_parents: frozenset[int]


@lru_cache(maxsize=None)
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
    return _Tables(
        spec=spec,
        roles=roles,
        bool_parents=frozenset(ids(spec.bool_parents)),
        else_ids=frozenset(ids({"else"}, anon)),
        doc_parents=frozenset(ids(spec.docstring_parents)),
    )


def analyze_source(src: Source, *, file_only: bool = False, budget: Budget | None = None) -> AnalyzeOutcome:
    """Measure `src` (already validated by codeintel.source.prepare) within `budget`."""
    lang = src.language
    if lang not in SPECS:
        raise UnsupportedLanguage(
            f"metrics are not available for {lang!r}; supported languages: {', '.join(sorted(LANGUAGES))}"
        )
    tables = _tables(lang)
    tree = parse(src)
    root = tree.root_node
    funcs, class_count, comments = _walk(tree, tables, lang, budget or unlimited())
    content = src.content
    lines, code_flags = _line_stats(content, comments)

    ccs = [f[3][0] for f in funcs]
    functions: list[FunctionStats] = []
    if not file_only and funcs:
        acc = list(accumulate(code_flags, initial=0))
        last = len(code_flags) - 1
        for name, qualified, node, frame, params in funcs:
            span = span_of(node)
            r0, r1 = span.start_line, span.end_line
            if span.end_col == 0 and r1 > r0:
                r1 -= 1
            length = r1 - r0 + 1
            lo, hi = min(r0, last), min(r1, last)
            code = acc[hi + 1] - acc[lo] if last >= 0 else 0
            functions.append(FunctionStats(
                name=name, qualified_name=qualified, range=span, cyclomatic_complexity=frame[0],
                max_nesting_depth=frame[2], parameter_count=params, length_lines=length, code_lines=code,
            ))
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
    )


def _line_stats(content: bytes, comments: list[tuple[int, int, int, int]]) -> tuple[LineStats, list[int]]:
    """Line counts, and a 0/1 "is a code line" flag per line."""
    if not content:
        return LineStats(0, 0, 0, 0), []
    lines = content.split(b"\n")
    if content.endswith(b"\n"):
        lines.pop()
    total = len(lines)
    flags = [1 if line.strip() else 0 for line in lines]
    blank = total - sum(flags)
    comment = 0
    if comments:
        masked = bytearray(content)
        for s, e, _, _ in comments:
            masked[s:e] = content[s:e].translate(_MASK)
        mlines = bytes(masked).split(b"\n")
        done = -1
        for _, _, r0, r1 in comments:
            for r in range(max(r0, done + 1), min(r1, total - 1) + 1):
                if flags[r] and not mlines[r].strip():
                    flags[r] = 0
                    comment += 1
            if r1 > done:
                done = r1
    return LineStats(total, total - blank - comment, comment, blank), flags


def _walk(tree, t: _Tables, lang: str, budget: Budget):
    """One pre-order pass: functions (with their complexity frames), class count, comment ranges.

    Each function is [name, qualified_name, node, frame, parameter_count]; frame is
    [cyclomatic complexity, current nesting depth, max nesting depth].
    """
    roles = t.roles
    get_role = roles.get
    bool_parents = t.bool_parents
    else_ids = t.else_ids
    doc_parents = t.doc_parents
    spec = t.spec

    funcs: list[list] = []
    comments: list[tuple[int, int, int, int]] = []
    class_count = 0
    scopes: list[tuple[str, bool]] = []  # (name, is_class) of enclosing classes/functions
    anc: list = []  # ancestor nodes of the cursor position
    exits: list[tuple] = []  # (node, exit kind, data) for entered scopes/blocks
    top = None  # exits[-1][0]: the node whose exit needs handling
    frame = [1, 0, 0]  # complexity frame of the innermost function (a dummy at file level)
    prev = None  # previous sibling of the cursor node (None for a first child)
    else_body = None  # Kotlin: the last `else` body wrapper entered (an if first in it is an else-if)

    cursor = tree.walk()
    goto_first_child = cursor.goto_first_child
    goto_next_sibling = cursor.goto_next_sibling
    goto_parent = cursor.goto_parent
    steps = 0

    while True:
        node = cursor.node
        role = get_role(node.kind_id)
        descend = True
        if role is not None:
            if role == _WRAP:
                if prev is not None and prev.kind_id in else_ids:
                    else_body = node
            elif role == _DEC:
                frame[0] += 1
            elif role == _BOOL:
                if anc and anc[-1].kind_id in bool_parents:
                    frame[0] += 1
            elif role == _IF or role == _NEST_DEC or role == _NEST:
                inc = 1
                if role == _IF:
                    frame[0] += 1
                    if prev is not None:
                        if prev.kind_id in else_ids:
                            inc = 0
                    elif anc and anc[-1] is else_body:
                        inc = 0
                elif role == _NEST_DEC:
                    frame[0] += 1
                if inc:
                    d = frame[1] + 1
                    frame[1] = d
                    if d > frame[2]:
                        frame[2] = d
                exits.append((node, _X_NEST, inc))
                top = node
            elif role == _COMMENT:
                comments.append((node.start_byte, node.end_byte, node.start_point[0], node.end_point[0]))
                descend = False
            elif role == _DOC:
                if anc and anc[-1].kind_id in doc_parents and (
                    anc[-1].type != "expression_statement" or anc[-1].named_child_count == 1
                ):
                    comments.append((node.start_byte, node.end_byte, node.start_point[0], node.end_point[0]))
                    descend = False
            elif role == _ARM:
                if not _is_default_arm(node):
                    frame[0] += 1
            elif role == _FUNC:
                info = _function_info(node, anc, lang, spec, bool(scopes) and scopes[-1][1])
                if info is not None:
                    name, prefix, params = info
                    if len(scopes) <= _MAX_QUALIFIED:
                        path = [s[0] for s in scopes]
                    else:  # keep names bounded in absurdly deep nesting
                        half = _MAX_QUALIFIED // 2
                        path = [s[0] for s in scopes[:half]] + ["..."] + [s[0] for s in scopes[-half:]]
                    if prefix:
                        path.append(prefix)
                    path.append(name)
                    new = [1, 0, 0]
                    funcs.append([name, ".".join(path), node, new, params])
                    exits.append((node, _X_FUNC, frame))
                    top = node
                    frame = new
                    scopes.append((f"{prefix}.{name}" if prefix else name, False))
            else:  # _CLASS / _SCOPE
                name = _class_name(node, lang, role == _CLASS and spec.class_needs_body)
                if name is not None:
                    if role == _CLASS:
                        class_count += 1
                    scopes.append((name, True))
                    exits.append((node, _X_SCOPE, None))
                    top = node

        if descend and goto_first_child():
            anc.append(node)
            prev = None
            steps += 1
            if not steps & 4095 and budget():
                raise budget.error("the metrics walk")
            continue
        # `node` is done: a leaf, or a subtree not entered.
        while True:
            if node is top:
                frame = _leave(exits, scopes, frame)
                top = exits[-1][0] if exits else None
            if goto_next_sibling():
                prev = node
                break
            if not goto_parent():
                return funcs, class_count, comments
            node = anc.pop()


def _leave(exits: list, scopes: list, frame: list) -> list:
    """Handle the exit of exits[-1]; return the complexity frame now current."""
    _, kind, data = exits.pop()
    if kind == _X_NEST:
        frame[1] -= data
        return frame
    scopes.pop()
    if kind == _X_FUNC:
        return data
    return frame


def _is_default_arm(node) -> bool:
    """A default case arm: `else ->`, `default =>`, or a lone `_` pattern."""
    first = node.child(0)
    if first is not None and first.type in ("else", "default"):
        return True
    pat = node.named_child(0)
    return pat is not None and pat.text == b"_"


def _text(node) -> str:
    return node.text.decode("utf-8", "replace") if node is not None else ""


# ---------------------------------------------------------------- classes


def _class_name(node, lang: str, needs_body: bool) -> str | None:
    """Name of a class-like scope, or None when the node is not one (e.g. `struct S x;`)."""
    if needs_body and node.child_by_field_name("body") is None:
        return None
    if lang == "go":  # type_spec: only struct and interface types are classes
        ty = node.child_by_field_name("type")
        if ty is None or ty.type not in ("struct_type", "interface_type"):
            return None
    if lang == "rust" and node.type == "impl_item":
        ty = node.child_by_field_name("type")
        return _strip_generics(_text(ty)) or ANONYMOUS
    if lang == "ruby" and node.type == "singleton_class":
        return _text(node.child_by_field_name("value")) or "self"
    name = node.child_by_field_name("name")
    if name is None:
        for child in node.named_children:
            if child.type in ("type_identifier", "simple_identifier", "identifier", "constant"):
                name = child
                break
    return _text(name) or ANONYMOUS


def _strip_generics(name: str) -> str:
    for sep in ("<", "["):
        i = name.find(sep)
        if i > 0:
            name = name[:i]
    return name.strip()


# ---------------------------------------------------------------- functions

_C_NAMES = frozenset({
    "identifier", "field_identifier", "qualified_identifier", "destructor_name", "operator_name",
    "template_function", "template_method", "operator_cast",
})


def _function_info(node, anc: list, lang: str, spec: Spec, in_class: bool):
    """(name, qualifying prefix, parameter count) of a function node, or None without a body."""
    prefix = ""
    plist = None
    if lang in ("c", "cpp"):
        decl = node.child_by_field_name("declarator")
        fdecl = None
        while decl is not None and decl.type not in _C_NAMES:
            if decl.type == "function_declarator":
                fdecl = decl
            nxt = decl.child_by_field_name("declarator")
            decl = nxt if nxt is not None else decl.named_child(0)
        full = _text(decl)
        if decl is not None and decl.type == "qualified_identifier":
            parts = full.replace(" ", "").split("::")
            name = parts[-1]
            prefix = ".".join(p for p in parts[:-1] if p)
        else:
            name = full
        name = name or ANONYMOUS
        if fdecl is not None:
            plist = fdecl.child_by_field_name("parameters")
        if plist is not None and plist.named_child_count == 1:
            only = plist.named_child(0)
            if only.type == "parameter_declaration" and only.text.strip() == b"void":
                return name, prefix, 0
    elif lang == "kotlin":
        if node.type != "secondary_constructor" and not any(
            c.type in ("function_body", "statements") for c in node.named_children
        ):
            return None
        name = ANONYMOUS
        if node.type == "secondary_constructor":
            name = "constructor"
        elif node.type == "function_declaration":
            for c in node.named_children:
                if c.type == "simple_identifier":
                    name = _text(c)
                    break
        for c in node.named_children:
            if c.type == "function_value_parameters":
                plist = c
                break
    else:
        if spec.needs_body and node.child_by_field_name("body") is None:
            return None
        name_node = node.child_by_field_name("name")
        if name_node is not None:
            name = _text(name_node)
            if lang == "php":
                name = name.lstrip("$")
        elif node.type in spec.anonymous:
            name = _context_name(node, anc)
        else:
            name = ANONYMOUS
        if lang == "go" and node.type == "method_declaration":
            recv = node.child_by_field_name("receiver")
            if recv is not None:
                for p in recv.named_children:
                    if p.type == "parameter_declaration":
                        prefix = _strip_generics(_text(p.child_by_field_name("type")).lstrip("*"))
                        break
        plist = node.child_by_field_name("parameters")
        if plist is None and lang in ("javascript", "typescript", "tsx"):
            if node.child_by_field_name("parameter") is not None:  # x => ...
                return name, prefix, 1
    return name, prefix, _count_params(plist, lang, spec, in_class)


def _count_params(plist, lang: str, spec: Spec, in_class: bool) -> int:
    if plist is None:
        return 0
    kinds = spec.param_kinds
    count = 0
    if lang == "go":
        for p in plist.named_children:
            if p.type in kinds:
                count += max(1, len(p.children_by_field_name("name")))
        return count
    first = True
    cursor = plist.walk()
    if not cursor.goto_first_child():
        return 0
    while True:
        p = cursor.node
        if p.is_named:
            if p.type in kinds:
                if lang == "python" and first and in_class and p.type == "identifier" and p.text in (b"self", b"cls"):
                    pass
                elif lang in ("typescript", "tsx") and p.type == "required_parameter" and _is_this(p):
                    pass
                else:
                    count += 1
                first = False
            elif lang == "csharp" and cursor.field_name == "name":
                count += 1  # `params T[] name` surfaces as bare fields of the list
        if not cursor.goto_next_sibling():
            return count


def _is_this(param) -> bool:
    pat = param.child_by_field_name("pattern")
    return pat is not None and pat.type == "this"


def _context_name(node, anc: list) -> str:
    """Name of an anonymous function from where it is bound (`const f = () => ...`)."""
    if not anc:
        return ANONYMOUS
    parent = anc[-1]
    ptype = parent.type
    if ptype == "variable_declarator":
        return _text(parent.child_by_field_name("name")) or ANONYMOUS
    if ptype == "pair":
        return _text(parent.child_by_field_name("key")).strip("'\"`") or ANONYMOUS
    if ptype in ("field_definition", "public_field_definition"):
        n = parent.child_by_field_name("property") or parent.child_by_field_name("name")
        return _text(n) or ANONYMOUS
    if ptype in ("assignment_expression", "assignment_pattern"):
        left = parent.child_by_field_name("left")
        if left is not None:
            if left.type == "member_expression":
                left = left.child_by_field_name("property")
            return _text(left).lstrip("$") or ANONYMOUS
    if ptype == "expression_list" and len(anc) > 1:  # Go: f := func() {...}
        grand = anc[-2]
        if grand.type in ("short_var_declaration", "assignment_statement"):
            left = grand.child_by_field_name("left")
            right = grand.child_by_field_name("right")
            if left is not None and right is not None and left.named_child_count == right.named_child_count:
                for lhs, rhs in zip(left.named_children, right.named_children):
                    if rhs.start_byte <= node.start_byte < rhs.end_byte:
                        return _text(lhs) or ANONYMOUS
        elif grand.type == "var_spec":
            names = grand.children_by_field_name("name")
            if len(names) == 1:
                return _text(names[0]) or ANONYMOUS
    return ANONYMOUS
