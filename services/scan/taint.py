"""Light intra-procedural taint analysis: untrusted data (sources) reaching dangerous calls (sinks).

Specs are data (services/scan/taint/*.toml, one file per language family): sources, sanitisers,
propagators and, per sink kind, the calls and argument positions that are dangerous. Each sink
kind becomes one scan rule with `dataflow = true` (built by the engine from `TaintRule`).

The analysis walks the whole tree once, in document order. Every function body is its own scope
(it starts from a copy of the enclosing scope's names, minus its parameters). Assignments,
`for` targets, `with ... as` and destructuring bind local names to the taint of their value; an
untainted value clears a name unless the clearing assignment sits deeper in branches than the
tainting one (one branch assigning a constant does not make the other branch safe). Allow-list
guards (`if x not in ALLOWED: return`) clear a name after them, `if x in ALLOWED:` inside them.

An expression's taint is computed bottom-up with an explicit stack and memoised per node while
the names do not change, so nested sinks cost linear time. Taint carries the sink kinds that a
kind-specific sanitiser (shlex.quote: command injection only) already made it safe for.

No grpc here; every walk is iterative and checks the caller's budget.
"""

from __future__ import annotations

import bisect
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from codeintel.kernel.span import Span, span_of
from services.scan import anchors

TAINT_DIR = Path(__file__).resolve().parent / "taint"

MAX_STEPS = 12  # flow steps kept per finding: the source, then the latest ones
_MAX_TAINTS = 3  # alternative taints kept per expression (differing in sanitised kinds)
_MAX_CHAIN = 64  # parts of a dotted name looked at
_BUDGET_EVERY = 2048  # nodes between budget checks
_KIND = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CWE = re.compile(r"^CWE-[1-9][0-9]*$")
_PREFIX = re.compile(r"^[a-z0-9]+$")


class SpecError(ValueError):
    """A taint spec file is unusable; the message names the file and the entry."""


# --------------------------------------------------------------------------- specs


class _Names:
    """Dotted-name patterns: `a.b` matches exactly, `*.b` matches `b` or anything ending in `.b`."""

    __slots__ = ("exact", "suffixes")

    def __init__(self, patterns=()):
        self.exact: dict[str, object] = {}
        self.suffixes: list[tuple[str, object]] = []
        for p, value in patterns:
            if p.startswith("*."):
                self.exact.setdefault(p[2:], value)
                self.suffixes.append((p[1:], value))
            else:
                self.exact.setdefault(p, value)

    def get(self, name: str):
        v = self.exact.get(name)
        if v is not None:
            return v
        for suffix, value in self.suffixes:
            if name.endswith(suffix):
                return value
        return None


@dataclass(frozen=True, slots=True)
class Sink:
    calls: tuple[str, ...]
    args: tuple[int, ...]
    keywords: frozenset[str]
    requires: tuple[tuple[str, re.Pattern], ...]  # keyword -> regex its value text must match
    properties: frozenset[str]  # `x.prop = value` assignments (innerHTML)


@dataclass(frozen=True, slots=True)
class TaintRule:
    id: str
    kind: str
    languages: tuple[str, ...]
    cwe: str
    owasp: str
    severity: str
    message: str
    sinks: tuple[Sink, ...]
    examples: tuple[dict, ...]  # {"language", "vulnerable": [...], "safe": [...]}


@dataclass
class TaintSpec:
    path: str
    languages: tuple[str, ...]
    prefix: str
    rules: list[TaintRule]
    sources: _Names = field(default_factory=_Names)  # name -> (message, calls_only, kinds it is no threat to)
    sanitizers: _Names = field(default_factory=_Names)  # name -> frozenset of kinds (empty: all)
    propagators: _Names = field(default_factory=_Names)
    sink_calls: _Names = field(default_factory=_Names)  # callee -> [(kind, Sink)]
    sink_properties: dict = field(default_factory=dict)  # property -> [(kind, Sink)]
    anchors: re.Pattern | None = None  # a file without any of these words has no source
    anchor_words: tuple[bytes, ...] = ()  # the same words, for _anchor_starts


_TOP = frozenset({"languages", "prefix", "sources", "sanitizers", "propagators", "rules"})
_RULE = frozenset({"kind", "cwe", "owasp", "severity", "message", "sinks", "examples"})
_SINK = frozenset({"calls", "args", "keywords", "requires", "properties"})


def _str_list(value, where: str, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise SpecError(f"{where}: {what} must be a list of non-empty strings")
    return tuple(value)


def load_spec(path: Path, *, severities: tuple[str, ...], owasp_for, known_languages) -> TaintSpec:
    """Parse and validate one spec file. `owasp_for(cwe)` gives the OWASP category (None: unknown);
    `known_languages(lang)` says whether a grammar exists."""
    name = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SpecError(f"{name}: not valid TOML: {exc}") from None
    extra = sorted(set(data) - _TOP)
    if extra:
        raise SpecError(f"{name}: unknown key(s) {', '.join(extra)}; allowed: {', '.join(sorted(_TOP))}")
    langs = _str_list(data.get("languages"), name, "languages")
    if not langs:
        raise SpecError(f"{name}: languages must not be empty")
    for lang in langs:
        if not known_languages(lang):
            raise SpecError(f"{name}: unknown language {lang!r}")
    prefix = data.get("prefix")
    if not isinstance(prefix, str) or not _PREFIX.match(prefix):
        raise SpecError(f"{name}: prefix must be a short lower-case word such as 'py'")
    spec = TaintSpec(str(path), langs, prefix, [])

    sources, anchor_words, source_kinds = [], set(), []
    for i, s in enumerate(_tables(data, "sources", name)):
        where = f"{name}: [[sources]] #{i + 1}"
        _only(s, {"names", "message", "calls_only", "not_for"}, where)
        msg = s.get("message")
        if not isinstance(msg, str) or not msg.strip():
            raise SpecError(f"{where}: message must be a non-empty string")
        calls_only = s.get("calls_only", False)
        if not isinstance(calls_only, bool):
            raise SpecError(f"{where}: calls_only must be true or false")
        # not_for: sink kinds this source is not a threat to (a file named on the command line is
        # opened by the user who named it); checked against the kinds below
        not_for = frozenset(_str_list(s.get("not_for", []), where, "not_for"))
        source_kinds.append((where, not_for))
        for n in _str_list(s.get("names"), where, "names"):
            sources.append((n, (msg.strip(), calls_only, not_for)))
            # The longest word of the name must occur in a file that reads this source ("request",
            # not "self", for self.request.GET): it is usually the rarest.
            anchor_words.add(max(re.findall(r"\w+", n), key=len, default=n))
    if not sources:
        raise SpecError(f"{name}: no [[sources]]")
    spec.sources = _Names(sources)
    spec.anchors = re.compile(rb"\b(?:" + b"|".join(re.escape(w.encode()) for w in sorted(anchor_words)) + rb")\b")
    spec.anchor_words = tuple(sorted(w.encode() for w in anchor_words))

    kinds_seen: dict[str, int] = {}
    rules_raw = _tables(data, "rules", name)
    for i, r in enumerate(rules_raw):
        kind = r.get("kind")
        where = f"{name}: [[rules]] #{i + 1}" + (f" (kind {kind!r})" if isinstance(kind, str) else "")
        _only(r, _RULE, where)
        if not isinstance(kind, str) or not _KIND.match(kind):
            raise SpecError(f"{where}: kind must be lower-case words joined by '-', e.g. 'sql-injection'")
        if kind in kinds_seen:
            raise SpecError(f"{where}: duplicate kind")
        kinds_seen[kind] = i
        for k in ("cwe", "severity", "message"):
            if not isinstance(r.get(k), str) or not r[k].strip():
                raise SpecError(f"{where}: {k} must be a non-empty string")
        if not _CWE.match(r["cwe"]):
            raise SpecError(f"{where}: cwe must look like 'CWE-89', got {r['cwe']!r}")
        if r["severity"] not in severities:
            raise SpecError(f"{where}: severity must be one of {', '.join(severities)}")
        category = r.get("owasp") or owasp_for(r["cwe"])
        if not category:
            raise SpecError(f"{where}: no OWASP category known for {r['cwe']}; set owasp")
        sinks = []
        for j, s in enumerate(_tables(r, "sinks", where)):
            swhere = f"{where}: sink #{j + 1}"
            _only(s, _SINK, swhere)
            calls = _str_list(s.get("calls", []), swhere, "calls")
            props = _str_list(s.get("properties", []), swhere, "properties")
            if not calls and not props:
                raise SpecError(f"{swhere}: needs calls or properties")
            args = s.get("args", [0] if calls else [])
            if not isinstance(args, list) or not all(isinstance(a, int) and a >= 0 for a in args):
                raise SpecError(f"{swhere}: args must be a list of argument positions (0 = first)")
            keywords = _str_list(s.get("keywords", []), swhere, "keywords")
            req = s.get("requires", {})
            if not isinstance(req, dict) or not all(isinstance(v, str) for v in req.values()):
                raise SpecError(f"{swhere}: requires must be a table of keyword = regex")
            try:
                requires = tuple((k, re.compile(v)) for k, v in req.items())
            except re.error as exc:
                raise SpecError(f"{swhere}: bad regex in requires: {exc}") from None
            sinks.append(Sink(calls, tuple(args), frozenset(keywords), requires, frozenset(props)))
        if not sinks:
            raise SpecError(f"{where}: no [[rules.sinks]]")
        examples = []
        for ex in _tables(r, "examples", where):
            if (
                not isinstance(ex, dict)
                or set(ex) - {"language", "vulnerable", "safe"}
                or ex.get("language") not in langs
            ):
                raise SpecError(
                    f"{where}: each example needs a 'language' of this file and may have 'vulnerable', 'safe'"
                )
            out = {"language": ex["language"]}
            for k in ("vulnerable", "safe"):
                v = ex.get(k, [])
                out[k] = (v,) if isinstance(v, str) else _str_list(v, where, f"example {k}")
            examples.append(out)
        rule = TaintRule(
            f"{prefix}.taint.{kind}",
            kind,
            langs,
            r["cwe"],
            category,
            r["severity"],
            r["message"].strip(),
            tuple(sinks),
            tuple(examples),
        )
        spec.rules.append(rule)
    if not spec.rules:
        raise SpecError(f"{name}: no [[rules]]")
    for where, kinds in source_kinds:
        if kinds - set(kinds_seen):
            raise SpecError(f"{where}: unknown kind(s) {', '.join(sorted(kinds - set(kinds_seen)))} in not_for")

    sanitizers = []
    for i, s in enumerate(_tables(data, "sanitizers", name)):
        where = f"{name}: [[sanitizers]] #{i + 1}"
        _only(s, {"names", "kinds"}, where)
        kinds = _str_list(s.get("kinds", []), where, "kinds")
        unknown = sorted(set(kinds) - set(kinds_seen))
        if unknown:
            raise SpecError(f"{where}: unknown kind(s) {', '.join(unknown)}; kinds here: {', '.join(kinds_seen)}")
        sanitizers.extend((n, frozenset(kinds)) for n in _str_list(s.get("names"), where, "names"))
    spec.sanitizers = _Names(sanitizers)
    prop = data.get("propagators", {})
    if not isinstance(prop, dict) or set(prop) - {"names"}:
        raise SpecError(f"{name}: [propagators] holds only names = [...]")
    spec.propagators = _Names((n, True) for n in _str_list(prop.get("names", []), f"{name}: [propagators]", "names"))

    calls: dict[str, list] = {}
    for rule in spec.rules:
        for s in rule.sinks:
            for c in s.calls:
                calls.setdefault(c, []).append((rule.kind, s))
            for p in s.properties:
                spec.sink_properties.setdefault(p, []).append((rule.kind, s))
    spec.sink_calls = _Names(calls.items())
    return spec


def _tables(data: dict, key: str, where: str) -> list:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise SpecError(f"{where}: {key} must be an array of tables ([[{key}]])")
    return value


def _only(table: dict, allowed, where: str) -> None:
    extra = sorted(set(table) - set(allowed))
    if extra:
        raise SpecError(f"{where}: unknown key(s) {', '.join(extra)}; allowed: {', '.join(sorted(allowed))}")


def spec_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.toml") if p.is_file())


# --------------------------------------------------------------------------- grammar facts

_FUNCTIONS = frozenset(
    {
        "function_definition",
        "lambda",
        "function_declaration",
        "function_expression",
        "arrow_function",
        "method_definition",
        "generator_function_declaration",
        "generator_function",
        "func_literal",
        "method_declaration",
        "constructor_declaration",
        "lambda_expression",
    }
)
_CALLS = frozenset({"call", "call_expression", "new_expression", "method_invocation", "object_creation_expression"})
_NAMES = frozenset(
    {
        "identifier",
        "property_identifier",
        "field_identifier",
        "type_identifier",
        "package_identifier",
        "shorthand_property_identifier",
        "this",
        "self",
    }
)
# node type -> (object field, member field)
_MEMBERS = {
    "attribute": ("object", "attribute"),
    "member_expression": ("object", "property"),
    "selector_expression": ("operand", "field"),
    "field_access": ("object", "field"),
}
_SUBSCRIPTS = {
    "subscript": "value",
    "subscript_expression": "object",
    "index_expression": "operand",
    "array_access": "array",
}
_CLEAN = frozenset(
    {
        "integer",
        "float",
        "true",
        "false",
        "none",
        "number",
        "null",
        "undefined",
        "comparison_operator",
        "not_operator",
        "unary_expression",
        "unary_operator",
        "lambda",
        "arrow_function",
        "function_expression",
        "function_definition",
        "func_literal",
        "lambda_expression",
        "regex",
        "int_literal",
        "float_literal",
        "decimal_integer_literal",
        "instanceof_expression",
        "type",
        "type_identifier",
        "comment",
        "line_comment",
        "block_comment",
        "class",
        "class_definition",
        "keyword_argument_name",
    }
)
_PROPAGATING_OPS = frozenset({"+", "%", "||", "&&", "??", "or", "and"})
_BINARY = frozenset({"binary_operator", "binary_expression", "boolean_operator"})
# Children of these run maybe (or more than once): a clean assignment there does not clear a name.
_CONDITIONAL = frozenset(
    {
        "if_statement",
        "elif_clause",
        "else_clause",
        "else",
        "for_statement",
        "for_in_statement",
        "enhanced_for_statement",
        "while_statement",
        "do_statement",
        "except_clause",
        "except_group_clause",
        "catch_clause",
        "conditional_expression",
        "ternary_expression",
        "switch_statement",
        "switch_case",
        "switch_default",
        "switch_block_statement_group",
        "expression_case",
        "default_case",
        "type_switch_statement",
        "case_clause",
        "match_statement",
        "case_block",
        "if_clause",
        "for_in_clause",
        "communication_case",
    }
)
_EXITS = frozenset({"return_statement", "raise_statement", "throw_statement", "continue_statement", "break_statement"})
_EXIT_CALLS = frozenset({"abort", "flask.abort", "sys.exit", "exit", "os._exit", "next"})
_ALL_CAPS = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?_?[A-Z][A-Z0-9_]*$")


def _text(node) -> str:
    return node.text.decode("utf-8", "replace")


def dotted(node) -> str | None:
    """`a.b.c` for a name / member chain (calls as `f()`, subscripts as `x[]`), else None."""
    parts: list[str] = []
    n = node
    for _ in range(_MAX_CHAIN):
        t = n.type
        if t in _NAMES:
            parts.append(_text(n))
            return ".".join(reversed(parts))
        if t in _MEMBERS:
            obj_f, mem_f = _MEMBERS[t]
            mem = n.child_by_field_name(mem_f)
            nxt = n.child_by_field_name(obj_f)
            if mem is None or nxt is None:
                return None
            parts.append(_text(mem))
            n = nxt
        elif t == "method_invocation":
            parts.append(_text(n.child_by_field_name("name")) + "()")
            nxt = n.child_by_field_name("object")
            if nxt is None:
                return ".".join(reversed(parts))
            n = nxt
        elif t in ("call", "call_expression"):
            fn = n.child_by_field_name("function")
            if fn is None:
                return None
            parts.append("()")
            n = fn  # "f.()" is folded into "f()" by _join
        elif t in _SUBSCRIPTS:
            parts.append("[]")
            n = n.child_by_field_name(_SUBSCRIPTS[t])
            if n is None:
                return None
        elif t in ("parenthesized_expression", "await", "await_expression", "non_null_expression"):
            kids = n.named_children
            if len(kids) != 1:
                return None
            n = kids[0]
        else:
            return None
    return None


def _join(parts: str) -> str:
    return parts.replace(".()", "()").replace(".[]", "[]")


def name_of(node) -> str | None:
    d = dotted(node)
    return None if d is None else _join(d)


def callee_of(call) -> tuple[str | None, object]:
    """(dotted callee name, receiver node or None) of a call-like node."""
    t = call.type
    if t == "method_invocation":
        obj = call.child_by_field_name("object")
        name = _text(call.child_by_field_name("name"))
        if obj is None:
            return name, None
        base = name_of(obj)
        return (f"{base}.{name}" if base else f"?.{name}"), obj
    if t == "object_creation_expression":
        ty = call.child_by_field_name("type")
        return (_text(ty) if ty is not None else None), None
    fn = call.child_by_field_name("constructor" if t == "new_expression" else "function")
    if fn is None:
        return None, None
    receiver = None
    if fn.type in _MEMBERS:
        receiver = fn.child_by_field_name(_MEMBERS[fn.type][0])
    name = name_of(fn)
    if name is None and receiver is not None:  # `"...".format`, `[...].join`: keep the method name
        mem = fn.child_by_field_name(_MEMBERS[fn.type][1])
        name = "?." + _text(mem) if mem is not None else None
    return name, receiver


def call_arguments(call) -> tuple[list, dict]:
    """(positional argument nodes, keyword -> value node)."""
    args = call.child_by_field_name("arguments")
    pos, kw = [], {}
    if args is None:
        return pos, kw
    for c in args.named_children:
        if c.type == "keyword_argument":
            k, v = c.child_by_field_name("name"), c.child_by_field_name("value")
            if k is not None and v is not None:
                kw[_text(k)] = v
        elif c.type not in ("comment", "line_comment", "block_comment"):
            pos.append(c)
    return pos, kw


# --------------------------------------------------------------------------- analysis


@dataclass(frozen=True, slots=True)
class Taint:
    steps: tuple[tuple[Span, str], ...]  # source first
    blocked: frozenset[str] = frozenset()  # sink kinds a sanitiser made it safe for


@dataclass(frozen=True, slots=True)
class Hit:
    node: object  # the sink call / assignment
    kind: str
    steps: tuple[tuple[Span, str], ...]  # source first, sink last


def _extend(steps: tuple, step: tuple) -> tuple:
    steps = steps + (step,)
    if len(steps) > MAX_STEPS:
        steps = steps[:1] + steps[-(MAX_STEPS - 1) :]
    return steps


def _merge(groups) -> tuple[Taint, ...]:
    best: dict[frozenset, Taint] = {}
    for g in groups:
        for t in g:
            if t.blocked not in best:
                best[t.blocked] = t
    if len(best) <= 1:
        return tuple(best.values())
    return tuple(sorted(best.values(), key=lambda t: len(t.blocked))[:_MAX_TAINTS])


class _Binding:
    __slots__ = ("taints", "depth")

    def __init__(self, taints: tuple[Taint, ...], depth: int):
        self.taints = taints
        self.depth = depth


class Analysis:
    """One file's taint pass; `run()` returns the hits for the wanted sink kinds."""

    def __init__(self, spec: TaintSpec, kinds: frozenset[str], budget):
        self.spec = spec
        self.kinds = kinds
        self.budget = budget
        self.env: dict[str, _Binding] = {}
        self.memo: dict[int, tuple[Taint, ...]] = {}
        self.hits: dict[tuple[int, str], Hit] = {}
        self.visited = 0

    # -- budget

    def _tick(self, n: int = 1) -> None:
        before = self.visited
        self.visited += n
        if self.visited // _BUDGET_EVERY != before // _BUDGET_EVERY and self.budget():
            raise self.budget.error("taint analysis")

    # -- names

    def _set(self, name: str, taints: tuple[Taint, ...], node, depth: int, *, keep: bool = False) -> None:
        """Bind `name` to `taints` (a flow step at `node`); untainted values clear it unless `keep`."""
        old = self.env.get(name)
        if taints:
            step = (span_of(node), f"flows into `{name}`")
            new = tuple(Taint(_extend(t.steps, step), t.blocked) for t in taints)
            if keep and old is not None:
                new = _merge((new, old.taints))
            self.env[name] = _Binding(new, depth if old is None or keep is False else min(depth, old.depth))
            self.memo.clear()
        elif old is not None and not keep and depth <= old.depth:
            del self.env[name]
            self.memo.clear()

    def _bind_target(self, target, taints, node, depth: int, *, augmented: bool = False) -> None:
        """Bind every name in an assignment target (tuples and destructuring get the whole value's taint)."""
        stack = [target]
        count = 0
        while stack and count < 256:
            count += 1
            t = stack.pop()
            ty = t.type
            if ty in ("identifier", "shorthand_property_identifier_pattern") or ty in _MEMBERS:
                name = _text(t) if ty != "attribute" and ty not in _MEMBERS else name_of(t)
                if name is not None:
                    self._set(name, taints, node, depth, keep=augmented)
            elif ty in _SUBSCRIPTS:  # d[k] = tainted: the container now holds tainted data
                base = t.child_by_field_name(_SUBSCRIPTS[ty])
                name = name_of(base) if base is not None else None
                if name is not None and taints:
                    self._set(name, taints, node, depth, keep=True)
            elif ty == "pair_pattern":
                v = t.child_by_field_name("value")
                if v is not None:
                    stack.append(v)
            elif ty in ("assignment_pattern", "object_assignment_pattern"):
                v = t.child_by_field_name("left")
                if v is not None:
                    stack.append(v)
            else:
                stack.extend(t.named_children)

    # -- expressions

    def taint_of(self, node) -> tuple[Taint, ...]:
        """Taints of an expression (empty: clean), bottom-up with an explicit stack."""
        memo = self.memo
        got = memo.get(node.id)
        if got is not None:
            return got
        no_names = not self.env
        if no_names and not self._may_hold_source(node):
            return ()
        stack: list = [(node, None)]
        while stack:
            n, plan = stack.pop()
            if plan is None:
                if n.id in memo:
                    continue
                self._tick()
                if no_names and not self._may_hold_source(n):  # e.g. most of a big literal
                    memo[n.id] = ()
                    continue
                result, kids, blocked = self._plan(n)
                if result is not None:
                    memo[n.id] = result
                    continue
                stack.append((n, (kids, blocked)))
                stack.extend((k, None) for k in kids)
                continue
            kids, blocked = plan
            merged = _merge(memo.get(k.id, ()) for k in kids)
            if blocked:
                merged = _merge([tuple(Taint(t.steps, t.blocked | blocked) for t in merged)])
            memo[n.id] = merged
        return memo.get(node.id, ())

    def _source(self, node, name: str, call: bool):
        hit = self.spec.sources.get(name)
        if hit is None:
            return None
        message, calls_only, not_for = hit
        if calls_only and not call:
            return None
        return (Taint(((span_of(node), message),), not_for),)

    def _plan(self, n):
        """(direct result, or None with the children whose taint flows into n and the sink kinds n sanitises)."""
        t = n.type
        if t in _CLEAN:
            return (), (), None
        if t in _NAMES or t in _MEMBERS:
            name = name_of(n)
            if name is not None:
                src = self._source(n, name, False)
                if src is not None:
                    return src, (), None
                b = self.env.get(name)
                if b is not None:
                    return b.taints, (), None
            if t in _MEMBERS:
                obj = n.child_by_field_name(_MEMBERS[t][0])
                return None, ([obj] if obj is not None else []), None
            return (), (), None
        if t in _SUBSCRIPTS:
            base = n.child_by_field_name(_SUBSCRIPTS[t])
            name = name_of(n)
            if name is not None:
                b = self.env.get(name)
                if b is not None:
                    return b.taints, (), None
            return None, ([base] if base is not None else []), None
        if t in _CALLS:
            name, receiver = callee_of(n)
            if name is not None:
                src = self._source(n, name, True)
                if src is not None:
                    return src, (), None
                kinds = self.spec.sanitizers.get(name)
                pos, kw = call_arguments(n)
                args = pos + list(kw.values())
                if kinds is not None:
                    if not kinds:
                        return (), (), None
                    return None, args + ([receiver] if receiver is not None else []), kinds
                if self.spec.propagators.get(name) is not None:
                    return None, args + ([receiver] if receiver is not None else []), None
            if receiver is not None:  # a method of a tainted value (.strip(), .get("k")) stays tainted
                return None, [receiver], None
            return (), (), None
        if t in _BINARY:
            op = n.child_by_field_name("operator")
            if op is None or op.type not in _PROPAGATING_OPS:
                return (), (), None
            return None, [c for c in (n.child_by_field_name("left"), n.child_by_field_name("right")) if c], None
        if t in ("conditional_expression", "ternary_expression"):
            if t == "conditional_expression":  # Python: a if cond else b
                parts = n.named_children
                if len(parts) != 3:
                    return None, parts, None
                yes, cond, no = parts
            else:
                cond, yes, no = (n.child_by_field_name(f) for f in ("condition", "consequence", "alternative"))
                if cond is None or yes is None or no is None:
                    return None, n.named_children, None
            check = self._check(cond)
            if check is not None and check[2] is None:  # `x if x in ALLOWED else "default"`: the x taken is safe
                name, holds, _ = check
                if name_of(yes if holds else no) == name:
                    return None, [no if holds else yes], None
            return None, [yes, no], None
        if t in _FUNCTIONS:
            return (), (), None
        if t in ("keyword_argument", "pair"):  # the key is a label, not a variable
            v = n.child_by_field_name("value")
            return None, ([v] if v is not None else []), None
        return None, n.named_children, None

    # -- sinks

    def _report(self, node, kind: str, taints: tuple[Taint, ...], label: str) -> bool:
        for taint in taints:
            if kind in taint.blocked:
                continue
            key = (node.id, kind)
            if key not in self.hits:
                self.hits[key] = Hit(node, kind, _extend(taint.steps, (span_of(node), f"reaches {label}")))
            return True
        return False

    def _check_call(self, call) -> None:
        name, _ = callee_of(call)
        if name is None:
            return
        sinks = self.spec.sink_calls.get(name)
        if not sinks:
            return
        pos, kw = call_arguments(call)
        for kind, sink in sinks:
            if kind not in self.kinds or (call.id, kind) in self.hits:
                continue
            if not all(_required(k, rx, pos, kw) for k, rx in sink.requires):
                continue
            values = [pos[i] for i in sink.args if i < len(pos)] + [kw[k] for k in sink.keywords if k in kw]
            for v in values:
                if v.type in ("list_splat", "dictionary_splat", "spread_element"):
                    v = v.named_children[0] if v.named_children else v
                if self._report(call, kind, self.taint_of(v), f"{name.removeprefix('?.')}()"):
                    break

    def _check_property(self, node, left, right) -> None:
        if left.type not in _MEMBERS:
            return
        mem = left.child_by_field_name(_MEMBERS[left.type][1])
        sinks = self.spec.sink_properties.get(_text(mem)) if mem is not None else None
        for kind, _sink in sinks or ():
            if kind in self.kinds:
                self._report(node, kind, self.taint_of(right), f"the {_text(mem)} property")

    # -- guards

    def _check(self, cond):
        """(name, holds, kinds) when `cond` is true exactly when the named value is safe for `kinds`
        (None: every kind) -- `x in ALLOWED`, `ALLOWED.includes(x)`, `is_safe_url(x)` -- or false
        exactly then (`holds` False: `x not in ALLOWED`, `not is_safe_url(x)`); else None."""
        negated = False
        for _ in range(8):
            if cond.type == "parenthesized_expression" and cond.named_child_count == 1:
                cond = cond.named_children[0]
            elif cond.type == "not_operator" or (
                cond.type == "unary_expression" and cond.children and cond.children[0].type == "!"
            ):
                negated = not negated
                cond = cond.child_by_field_name("argument")
                if cond is None:
                    return None
            else:
                break
        name, kinds = None, None
        if cond.type == "comparison_operator" and cond.named_child_count == 2:
            ops = [c.type for c in cond.children if not c.is_named]
            if ops in (["in"], ["not in"], ["not", "in"]):
                subject, container = cond.named_children
                if _constant_collection(container):
                    name = name_of(subject)
                    negated ^= ops != ["in"]
        elif cond.type in _CALLS:
            callee, receiver = callee_of(cond)
            pos, _ = call_arguments(cond)
            method = callee.rsplit(".", 1)[-1] if callee else ""
            if (
                method in ("includes", "has", "contains")
                and receiver is not None
                and len(pos) == 1
                and _constant_collection(receiver)
            ):  # ALLOWED.includes(x)
                name = name_of(pos[0])
            elif callee is not None and (k := self.spec.sanitizers.get(callee)) is not None:  # is_safe_url(x)
                subject = pos[0] if pos else receiver
                name = name_of(subject) if subject is not None else None
                kinds = k or None
        return None if name is None else (name, not negated, kinds)

    def _guard(self, if_node):
        """(name, positive, kinds): `if <check>:` makes the name safe inside (positive); `if not <check>:`
        followed by an exit (return / raise / abort) or by resetting the name to a constant makes it
        safe after the if. None when the if is no such guard."""
        cond = if_node.child_by_field_name("condition")
        check = self._check(cond) if cond is not None else None
        if check is None:
            return None
        name, holds, kinds = check
        if holds:
            return name, True, kinds
        body = if_node.child_by_field_name("consequence")
        if body is None or if_node.child_by_field_name("alternative") is not None:
            return None
        return (name, False, kinds) if _exits(body) or _resets(body, name) else None

    def _make_safe(self, name: str, kinds) -> None:
        b = self.env.get(name)
        if b is None:
            return
        if kinds is None:
            del self.env[name]
        else:
            self.env[name] = _Binding(tuple(Taint(t.steps, t.blocked | kinds) for t in b.taints), b.depth)
        self.memo.clear()

    # -- statements

    def _may_hold_source(self, node) -> bool:
        """Whether a source's anchor word occurs inside `node` (binary search over the file's matches)."""
        i = bisect.bisect_left(self.anchor_at, node.start_byte)
        return i < len(self.anchor_at) and self.anchor_at[i] < node.end_byte

    def run(self, root) -> list[Hit]:
        self.anchor_at = _anchor_starts(root.text, self.spec)
        if not self.anchor_at:
            return []
        stack: list = [("node", root, 0)]
        while stack:
            item = stack.pop()
            op = item[0]
            if op == "bind":
                _, node, target, value, depth, augmented = item
                self._bind_target(target, self.taint_of(value), node, depth, augmented=augmented)
                continue
            if op == "env":
                self.env = item[1]
                self.memo.clear()
                continue
            if op == "drop":  # after `if x not in ALLOWED: return`
                self._make_safe(item[1], item[2])
                continue
            if op == "clear":  # the body of `if x in ALLOWED:`, with x clean
                _, name, kinds, body, depth = item
                self._make_safe(name, kinds)
                stack.append(("node", body, depth))
                continue
            if op == "unguard":
                _, name, binding = item
                if self.env.get(name) is not binding:
                    self.env[name] = binding
                    self.memo.clear()
                continue
            _, n, depth = item
            self._tick()
            if not self.env and not self._may_hold_source(n):
                continue  # nothing tainted flows in and no source inside: nothing to find
            t = n.type
            later: list = []  # items to run after the children
            if t in _FUNCTIONS and n is not root:
                stack.append(("env", self.env))
                self.env = dict(self.env)
                for p in _parameters(n):
                    self.env.pop(p, None)
                self.memo.clear()
                depth = 0
            elif t in _CALLS:
                self._check_call(n)
            elif t in (
                "assignment",
                "augmented_assignment",
                "assignment_expression",
                "augmented_assignment_expression",
                "named_expression",
                "variable_declarator",
            ):
                left = n.child_by_field_name("left") or n.child_by_field_name("name")
                right = n.child_by_field_name("right") or n.child_by_field_name("value")
                if left is not None and right is not None:
                    if t in ("assignment_expression", "augmented_assignment_expression"):
                        self._check_property(n, left, right)
                    later.append(("bind", n, left, right, depth, t.startswith("augmented")))
            elif t in ("short_var_declaration", "assignment_statement", "var_spec"):  # Go: a, b := x, y
                left = n.child_by_field_name("left") or n.child_by_field_name("name")
                right = n.child_by_field_name("right") or n.child_by_field_name("value")
                if left is not None and right is not None:
                    ls = left.named_children if left.type == "expression_list" else [left]
                    rs = right.named_children if right.type == "expression_list" else [right]
                    op_node = n.child_by_field_name("operator")
                    augmented = op_node is not None and op_node.type not in ("=", ":=")
                    for i, target in enumerate(ls):
                        value = rs[i] if len(rs) == len(ls) else right
                        later.append(("bind", n, target, value, depth, augmented))
            elif t in ("for_statement", "for_in_statement", "enhanced_for_statement", "for_in_clause"):
                left = n.child_by_field_name("left") or n.child_by_field_name("name")
                right = n.child_by_field_name("right") or n.child_by_field_name("value")
                if left is not None and right is not None:
                    self._bind_target(left, self.taint_of(right), n, depth + 1)
            elif t == "range_clause":
                left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
                if left is not None and right is not None:
                    self._bind_target(left, self.taint_of(right), n, depth + 1)
            elif t == "as_pattern" and n.parent is not None and n.parent.type == "with_item":
                alias = n.child_by_field_name("alias")
                value = n.named_children[0] if n.named_children else None
                if alias is not None and value is not None:
                    later.append(("bind", n, alias, value, depth, False))
            elif t == "if_statement":
                guard = self._guard(n)
                if guard is not None:
                    name, positive, kinds = guard
                    if positive:
                        body = n.child_by_field_name("consequence")
                        saved = self.env.get(name)
                        if body is not None and saved is not None:
                            for c in reversed(n.children):
                                if c.id == body.id:
                                    stack.append(("unguard", name, saved))
                                    stack.append(("clear", name, kinds, body, depth + 1))
                                else:
                                    stack.append(("node", c, depth + 1))
                            continue
                    else:
                        later.append(("drop", name, kinds))
            stack.extend(later)
            child_depth = depth + 1 if t in _CONDITIONAL else depth
            # Leaves (names, literals, punctuation) bind, check and guard nothing: not worth a visit.
            kids = n.named_children
            self._tick(len(kids))
            for c in reversed(kids):
                if c.child_count:
                    stack.append(("node", c, child_depth))
        return sorted(self.hits.values(), key=lambda h: (h.node.start_byte, h.kind))


def _required(key: str, rx: re.Pattern, pos: list, kw: dict) -> bool:
    """A sink's `requires` entry holds: keyword `key` (or positional argument number `key`) is given
    and its text matches `rx`."""
    if key.isdigit():
        i = int(key)
        return i < len(pos) and rx.search(_text(pos[i])) is not None
    return key in kw and rx.search(_text(kw[key])) is not None


_COLLECTION_CALLS = frozenset(
    {
        "frozenset",
        "set",
        "tuple",
        "Set.of",
        "List.of",
        "Arrays.asList",
        "new Set",
        "Set",
        "Map.of",
        "Collections.unmodifiableSet",
    }
)


def _constant_collection(node) -> bool:
    """A literal list / set / tuple / array of constants (also frozenset({...}), Set.of(...), new Set([...])),
    or an ALL_CAPS name (a module constant)."""
    if node.type in ("identifier", "attribute", "member_expression", "field_access", "selector_expression"):
        return _ALL_CAPS.match(_text(node)) is not None
    if node.type in ("parenthesized_expression",) and node.named_child_count == 1:
        node = node.named_children[0]
    if node.type in _CALLS:
        name, _ = callee_of(node)
        pos, kw = call_arguments(node)
        if name not in _COLLECTION_CALLS or kw:
            return False
        if len(pos) == 1 and pos[0].type in ("list", "set", "tuple", "array"):
            return _constant_collection(pos[0])
        return all(
            c.type in ("string", "string_literal", "integer", "number", "decimal_integer_literal")
            and not any(k.type in ("interpolation", "template_substitution") for k in c.named_children)
            for c in pos
        )
    if node.type not in ("list", "set", "tuple", "array"):
        return False
    for c in node.named_children:
        if c.type not in (
            "string",
            "integer",
            "float",
            "number",
            "true",
            "false",
            "none",
            "null",
            "comment",
            "string_literal",
            "interpolated_string_literal",
        ):
            return False
        if c.type == "string" and any(k.type == "interpolation" for k in c.named_children):
            return False
    return True


def _last_statement(body):
    """The last statement of a block (the node itself when it is not a block), or None when empty."""
    if body.type not in ("block", "statement_block"):
        return body
    kids = [c for c in body.named_children if c.type != "comment"]
    return kids[-1] if kids else None


def _exits(body) -> bool:
    """The block ends by leaving: return / raise / throw / continue / break / abort(...)."""
    last = _last_statement(body)
    if last is None:
        return False
    if last.type in _EXITS:
        return True
    call = last
    if last.type == "expression_statement" and last.named_child_count:
        call = last.named_children[0]
    if call.type in ("call", "call_expression"):  # Python blocks hold the call without a statement node
        name, _ = callee_of(call)
        return name in _EXIT_CALLS
    return False


def _resets(body, name: str) -> bool:
    """The block ends by assigning a constant to `name` (`x = "/"`)."""
    last = _last_statement(body)
    if last is None:
        return False
    if last.type == "expression_statement" and last.named_child_count == 1:
        last = last.named_children[0]
    if last.type not in ("assignment", "assignment_expression"):
        return False
    left, right = last.child_by_field_name("left"), last.child_by_field_name("right")
    return (
        left is not None
        and right is not None
        and name_of(left) == name
        and right.type in ("string", "integer", "none", "number", "null", "true", "false", "template_string")
        and not any(c.type in ("interpolation", "template_substitution") for c in right.named_children)
    )


def _parameters(fn) -> list[str]:
    params = fn.child_by_field_name("parameters") or fn.child_by_field_name("parameter")
    if params is None:
        return []
    if params.type == "identifier":
        return [_text(params)]
    names = []
    for p in params.named_children[:256]:
        n = p
        for _ in range(4):
            if n.type == "identifier":
                names.append(_text(n))
                break
            nxt = n.child_by_field_name("name") or n.child_by_field_name("pattern") or n.child_by_field_name("left")
            if nxt is None:
                kids = [c for c in n.named_children if c.type == "identifier"]
                nxt = kids[0] if kids else None
            if nxt is None:
                break
            n = nxt
    return names


def _anchor_starts(text: bytes, spec: TaintSpec) -> list[int]:
    """Sorted start offsets of `spec.anchors` matches: whole ASCII-word occurrences of an anchor word.
    bytes.find per word (anchors.occurrences) is ~10x faster than the regex's alternation, which tries
    every word at every offset; the regex stays for words it would treat differently (non-ASCII)."""
    words = spec.anchor_words
    if not words or not all(w.isascii() and w and all(c in anchors.WORD_CHARS for c in w) for w in words):
        return [m.start() for m in spec.anchors.finditer(text)]
    return sorted(i for w in words for i, _ in anchors.occurrences(text, (anchors.TOKEN, w)))


def analyse(root, spec: TaintSpec, kinds: frozenset[str], budget) -> list[Hit]:
    """Taint hits (sink node, kind, flow steps) of the wanted `kinds` in one parsed file."""
    if not kinds:
        return []
    return Analysis(spec, kinds, budget).run(root)
