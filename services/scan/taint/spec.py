"""Taint specs: the TOML files (taint/specs/*.toml, one per language family) that say what the taint
pass looks for, loaded and validated.

A spec names sources (untrusted data: `request.args`, `sys.argv`), sanitisers (all sink kinds, or
some: shlex.quote makes data safe for command injection only), propagators (calls whose result
carries their arguments' taint) and, per sink kind, the calls and argument positions (or assigned
properties) that are dangerous. Each sink kind becomes one scan rule, `<prefix>.taint.<kind>`.

Holds: TAINT_DIR and spec_files (the shipped specs); load_spec; SpecError (the message names the
file and the entry); the records TaintSpec, TaintRule, Sink; Names (dotted-name patterns).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["TAINT_DIR", "Names", "Sink", "SpecError", "TaintRule", "TaintSpec", "load_spec", "spec_files"]

TAINT_DIR = Path(__file__).resolve().parent / "specs"

_KIND = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CWE = re.compile(r"^CWE-[1-9][0-9]*$")
_PREFIX = re.compile(r"^[a-z0-9]+$")


class SpecError(ValueError):
    """A taint spec file is unusable; the message names the file and the entry."""


class Names:
    """Dotted-name patterns: `a.b` matches exactly, `*.b` matches `b` or anything ending in `.b`."""

    __slots__ = ("exact", "suffixes", "_by_suffix")

    def __init__(self, patterns=()):
        self.exact: dict[str, object] = {}
        self.suffixes: list[tuple[str, object]] = []
        for p, value in patterns:
            if p.startswith("*."):
                self.exact.setdefault(p[2:], value)
                self.suffixes.append((p[1:], value))
            else:
                self.exact.setdefault(p, value)
        # Every suffix starts with ".", so the suffixes a name ends with are among its tails from a
        # dot: a few dict look-ups per name instead of an endswith per pattern. The first pattern
        # listed wins, as it does scanning the list in order.
        self._by_suffix: dict[str, tuple[int, object]] = {}
        for k, (suffix, value) in enumerate(self.suffixes):
            self._by_suffix.setdefault(suffix, (k, value))

    def get(self, name: str):
        v = self._get(name)
        if v is None:
            short = unqualified(name)
            if short is not None:
                v = self._get(short)
        return v

    def _get(self, name: str):
        v = self.exact.get(name)
        if v is not None:
            return v
        by_suffix = self._by_suffix
        best: tuple[int, object] | None = None
        i = name.find(".")
        while i >= 0:
            hit = by_suffix.get(name[i:])
            if hit is not None and (best is None or hit[0] < best[0]):
                best = hit
            i = name.find(".", i + 1)
        return None if best is None else best[1]


def unqualified(name: str) -> str | None:
    """`java.net.URLDecoder.decode` -> `URLDecoder.decode`: the name without its package prefix (the
    leading lower-case segments before the first capitalised one); None when there is none to drop."""
    parts = name.split(".")
    for i, part in enumerate(parts):
        if part[:1].isupper():
            return ".".join(parts[i:]) if i else None
        if i == len(parts) - 1 or not part.isidentifier() or not part.islower():
            return None
    return None


@dataclass(frozen=True, slots=True)
class Sink:
    calls: tuple[str, ...]
    args: tuple[int, ...]
    keywords: frozenset[str]
    requires: tuple[tuple[str, re.Pattern], ...]  # keyword -> regex its value text must match
    properties: frozenset[str]  # `x.prop = value` assignments (innerHTML)
    returns_from: tuple[str, ...] = ()  # the value returned by functions with these decorators (routes)
    subscripts: tuple[re.Pattern, ...] = ()  # `store[key] = value` where the store's name matches
    imports: tuple[str, ...] = ()  # a sink only in files importing one of these modules
    shell_list: bool = False  # an argument list that runs a shell (["sh", "-c", cmd]): the items after -c
    unless: tuple[tuple[str, re.Pattern], ...] = ()  # not a sink when this argument is given and matches
    receiver: bool = False  # the object the method is called on counts too (url.openStream())


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


_NO_ANCHORS = re.compile(rb"(?!)")  # matches nothing: a spec without source words finds no source


@dataclass
class TaintSpec:
    """One spec file, loaded: its rules (one per sink kind) and the name tables the analysis looks up."""

    path: str
    languages: tuple[str, ...]
    prefix: str
    rules: list[TaintRule]
    sources: Names = field(default_factory=Names)  # name -> (message, calls_only, kinds it is no threat to)
    sanitizers: Names = field(default_factory=Names)  # name -> frozenset of kinds (empty: all)
    propagators: Names = field(default_factory=Names)
    sink_calls: Names = field(default_factory=Names)  # callee -> [(kind, Sink)]
    sink_properties: dict = field(default_factory=dict)  # property -> [(kind, Sink)]
    sink_returns: list = field(default_factory=list)  # [(kind, Names of decorators, Sink)]
    sink_subscripts: list = field(default_factory=list)  # [(kind, Sink)] with subscripts
    anchors: re.Pattern[bytes] = _NO_ANCHORS  # a file without any of these words has no source
    anchor_words: tuple[bytes, ...] = ()  # the same words, for _anchor_starts (sources feeding any kind)
    own_anchor_words: tuple[bytes, ...] = ()  # words of the sources of own_sources kinds only
    param_annotations: dict[str, str] = field(default_factory=dict)  # @RequestParam -> message
    param_handlers: Names = field(default_factory=Names)  # route decorator (`*.route`) -> message
    handler_anchor: re.Pattern[bytes] | None = None  # `@app.route(`: where a handler's parameters start
    # parameter names of a function -> message: its first parameter is request data (AWS Lambda's
    # handler(event, context))
    param_signatures: dict[tuple[str, ...], str] = field(default_factory=dict)
    signature_anchor: re.Pattern[bytes] | None = None  # where such a parameter list is
    signature_words: tuple[bytes, ...] = ()  # one of which a file holds before the pattern is worth a search
    # own_sources kind -> words one of which a file must hold for that kind's sinks to be there (a
    # random number is everywhere; a session or cookie to put it in is not); kinds absent: no such test
    own_words: dict[str, tuple[bytes, ...]] = field(default_factory=dict)
    unknown_calls: bool = False  # a call the spec does not know returns its arguments' taint
    scalar_blocks: frozenset[str] = frozenset()  # kinds a number cannot carry (all but own_sources kinds)
    kinds: frozenset[str] = frozenset()  # every sink kind of the spec


_TOP = frozenset({"languages", "prefix", "sources", "sanitizers", "propagators", "rules", "unknown_calls"})
_RULE = frozenset({"kind", "cwe", "owasp", "severity", "message", "sinks", "examples", "own_sources"})
_SINK = frozenset(
    {
        "calls",
        "args",
        "keywords",
        "requires",
        "unless",
        "properties",
        "returns_from",
        "subscripts",
        "imports",
        "shell_list",
        "receiver",
    }
)


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
    unknown = data.get("unknown_calls", "clean")
    if unknown not in ("clean", "propagate"):
        raise SpecError(f"{name}: unknown_calls must be 'clean' or 'propagate', got {unknown!r}")
    spec.unknown_calls = unknown == "propagate"

    sources: list = []
    source_kinds: list = []
    anchor_words: set[str] = set()
    own_anchor_words: set[str] = set()
    param_sources: list[tuple[str, str, str]] = []
    for i, s in enumerate(_tables(data, "sources", name)):
        where = f"{name}: [[sources]] #{i + 1}"
        _only(
            s, {"names", "annotations", "handlers", "signatures", "message", "calls_only", "not_for", "only_for"}, where
        )
        msg = s.get("message")
        if not isinstance(msg, str) or not msg.strip():
            raise SpecError(f"{where}: message must be a non-empty string")
        calls_only = s.get("calls_only", False)
        if not isinstance(calls_only, bool):
            raise SpecError(f"{where}: calls_only must be true or false")
        # not_for: sink kinds this source is not a threat to (a file named on the command line is
        # opened by the user who named it); checked against the kinds below
        not_for = frozenset(_str_list(s.get("not_for", []), where, "not_for"))
        # only_for: the sink kinds this source feeds, and only those (a predictable random number is a
        # threat where it becomes a token, not in a SQL string); resolved to not_for once kinds are known
        only_for = frozenset(_str_list(s.get("only_for", []), where, "only_for")) if "only_for" in s else None
        if only_for is not None and not_for:
            raise SpecError(f"{where}: give not_for or only_for, not both")
        source_kinds.append((where, not_for, only_for))
        # parameters as sources: annotated (@RequestParam, @Query) or of a request handler (@app.route)
        for key in ("annotations", "handlers"):
            for n in _str_list(s.get(key, []), where, key):
                param_sources.append((key, n, msg.strip()))
        sigs = s.get("signatures", [])
        if not isinstance(sigs, list) or not all(isinstance(x, list) and x for x in sigs):
            raise SpecError(f'{where}: signatures must be a list of parameter-name lists, e.g. [["event", "context"]]')
        for sig in sigs:
            spec.param_signatures[tuple(_str_list(sig, where, "signatures"))] = msg.strip()
        if "annotations" in s or "handlers" in s or "signatures" in s:
            if "names" not in s:
                continue
        for n in _str_list(s.get("names"), where, "names"):
            sources.append((n, (msg.strip(), calls_only, not_for, only_for)))
            # The longest word of the name must occur in a file that reads this source ("request",
            # not "self", for self.request.GET): it is usually the rarest.
            word = max(re.findall(r"\w+", n), key=len, default=n)
            (own_anchor_words if only_for is not None else anchor_words).add(word)
    if not sources:
        raise SpecError(f"{name}: no [[sources]]")
    rules_raw = _tables(data, "rules", name)
    kinds_all = frozenset(r["kind"] for r in rules_raw if isinstance(r.get("kind"), str))
    own = frozenset(r["kind"] for r in rules_raw if isinstance(r.get("kind"), str) and r.get("own_sources"))
    resolved: list[tuple[str, tuple[str, bool, frozenset[str]]]] = []
    for n, (msg, calls_only, not_for, only_for) in sources:
        if only_for is not None:
            not_for = kinds_all - only_for
        else:  # kinds with their own sources (weak randomness) take no other source
            not_for = not_for | own
        resolved.append((n, (msg, calls_only, not_for)))
    spec.sources = Names(resolved)
    spec.scalar_blocks = kinds_all - own
    handlers: list[tuple[str, str]] = []
    for key, n, msg in param_sources:
        if key == "annotations":
            spec.param_annotations[n] = msg
            anchor_words.add(max(re.findall(r"\w+", n), key=len, default=n))
        else:  # route decorators: their words (get, post) are everywhere; the decorator itself is not
            handlers.append((n, msg))
    if spec.param_signatures:  # `(event, context`: the parameter list itself, not words found everywhere
        lists = [rb"\s*,\s*".join(re.escape(n.encode()) for n in sig) for sig in spec.param_signatures]
        spec.signature_anchor = re.compile(rb"\(\s*(?:" + b"|".join(lists) + rb")\b")
        spec.signature_words = tuple(sorted({sig[-1].encode() for sig in spec.param_signatures}))
    if handlers:
        spec.param_handlers = Names(handlers)
        alternatives = [
            (rb"[\w.]+\." + re.escape(n[2:].encode())) if n.startswith("*.") else re.escape(n.encode())
            for n, _ in handlers
        ]
        spec.handler_anchor = re.compile(rb"@[ \t]*(?:" + b"|".join(alternatives) + rb")[ \t]*\(")
    every_word = anchor_words | own_anchor_words
    spec.anchors = re.compile(rb"\b(?:" + b"|".join(re.escape(w.encode()) for w in sorted(every_word)) + rb")\b")
    spec.anchor_words = tuple(sorted(w.encode() for w in anchor_words))
    spec.own_anchor_words = tuple(sorted(w.encode() for w in own_anchor_words - anchor_words))

    kinds_seen: dict[str, int] = {}
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
        if not isinstance(r.get("own_sources", False), bool):
            raise SpecError(f"{where}: own_sources must be true or false")
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
            returns_from = _str_list(s.get("returns_from", []), swhere, "returns_from")
            try:
                subscripts = tuple(re.compile(x) for x in _str_list(s.get("subscripts", []), swhere, "subscripts"))
            except re.error as exc:
                raise SpecError(f"{swhere}: bad regex in subscripts: {exc}") from None
            imports = _str_list(s.get("imports", []), swhere, "imports")
            shell_list = s.get("shell_list", False)
            if not isinstance(shell_list, bool):
                raise SpecError(f"{swhere}: shell_list must be true or false")
            receiver = s.get("receiver", False)
            if not isinstance(receiver, bool):
                raise SpecError(f"{swhere}: receiver must be true or false")
            if not calls and not props and not returns_from and not subscripts:
                raise SpecError(f"{swhere}: needs calls, properties, returns_from or subscripts")
            args = s.get("args", [0] if calls and not s.get("receiver") else [])
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
            unl = s.get("unless", {})
            if not isinstance(unl, dict) or not all(isinstance(v, str) for v in unl.values()):
                raise SpecError(f"{swhere}: unless must be a table of keyword (or argument position) = regex")
            try:
                unless = tuple((k, re.compile(v)) for k, v in unl.items())
            except re.error as exc:
                raise SpecError(f"{swhere}: bad regex in unless: {exc}") from None
            sinks.append(
                Sink(
                    calls,
                    tuple(args),
                    frozenset(keywords),
                    requires,
                    frozenset(props),
                    returns_from,
                    subscripts,
                    imports,
                    shell_list,
                    unless,
                    receiver,
                )
            )
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
    spec.kinds = frozenset(r.kind for r in spec.rules)
    for rule, raw in zip(spec.rules, rules_raw, strict=True):
        if raw.get("own_sources"):
            words = _sink_words(rule.sinks)
            if words:
                spec.own_words[rule.kind] = words
    for where, not_for, only_for in source_kinds:
        for key, kinds in (("not_for", not_for), ("only_for", only_for or frozenset())):
            if kinds - set(kinds_seen):
                raise SpecError(f"{where}: unknown kind(s) {', '.join(sorted(kinds - set(kinds_seen)))} in {key}")

    sanitizers: list[tuple[str, frozenset[str]]] = []
    for i, s in enumerate(_tables(data, "sanitizers", name)):
        where = f"{name}: [[sanitizers]] #{i + 1}"
        _only(s, {"names", "kinds"}, where)
        safe_for = _str_list(s.get("kinds", []), where, "kinds")
        unknown = sorted(set(safe_for) - set(kinds_seen))
        if unknown:
            raise SpecError(f"{where}: unknown kind(s) {', '.join(unknown)}; kinds here: {', '.join(kinds_seen)}")
        sanitizers.extend((n, frozenset(safe_for)) for n in _str_list(s.get("names"), where, "names"))
    spec.sanitizers = Names(sanitizers)
    prop = data.get("propagators", {})
    if not isinstance(prop, dict) or set(prop) - {"names"}:
        raise SpecError(f"{name}: [propagators] holds only names = [...]")
    spec.propagators = Names((n, True) for n in _str_list(prop.get("names", []), f"{name}: [propagators]", "names"))

    by_call: dict[str, list[tuple[str, Sink]]] = {}
    for rule in spec.rules:
        for sink in rule.sinks:
            for c in sink.calls:
                by_call.setdefault(c, []).append((rule.kind, sink))
            for p in sink.properties:
                spec.sink_properties.setdefault(p, []).append((rule.kind, sink))
            if sink.returns_from:
                spec.sink_returns.append((rule.kind, Names((d, True) for d in sink.returns_from), sink))
            if sink.subscripts:
                spec.sink_subscripts.append((rule.kind, sink))
    spec.sink_calls = Names(by_call.items())
    return spec


def _sink_words(sinks) -> tuple[bytes, ...]:
    """A word of each sink's name that every file with that sink holds, or () when some sink has
    none to give (then no file can be ruled out)."""
    words: set[bytes] = set()
    for sink in sinks:
        names = [c.rsplit(".", 1)[-1] for c in sink.calls] + list(sink.properties)
        names += [d.rsplit(".", 1)[-1] for d in sink.returns_from]
        for rx in sink.subscripts:  # "(?i)session$": the longest literal run, in both cases
            run = max(re.findall(r"[A-Za-z_]\w*", re.sub(r"\(\?[a-zA-Z]+\)", "", rx.pattern)), key=len, default="")
            if not run:
                return ()
            names += [run.lower(), run.capitalize(), run.upper()]
        for n in names:
            word = max(re.findall(r"\w+", n), key=len, default="")
            if not word:
                return ()
            words.add(word.encode())
    return tuple(sorted(words))


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
