"""Tests of services.parse.facts (through services.parse.domain) against real grammars, and of
the facts on the wire through a real ParseService."""

from __future__ import annotations

from concurrent import futures

import grpc
import pytest

from codeintel.kernel import errors
from codeintel.kernel.budget import Budget
from codeintel.kernel.source import prepare
from codeintel.rpc.worker import WorkerConfig
from codeintel.v1 import common_pb2, parse_pb2, parse_pb2_grpc
from services.parse import domain, facts
from services.parse.domain import parse_source
from services.parse.servicer import ParseServicer

KIND = {
    parse_pb2.REFERENCE_KIND_READ: "read",
    parse_pb2.REFERENCE_KIND_CALL: "call",
    parse_pb2.REFERENCE_KIND_TYPE: "type",
    parse_pb2.REFERENCE_KIND_INHERIT: "inherit",
}


def run(lang: str, code: str) -> parse_pb2.FileFacts:
    out = parse_source(prepare("", lang, code.encode()), include_facts=True)
    assert out.facts is not None
    check_ranges(code, out.facts)
    return out.facts


def check_ranges(code: str, f: parse_pb2.FileFacts) -> None:
    """Every reference range covers its name; lines and columns agree with the byte offsets."""
    data = code.encode()
    starts = [0] + [i + 1 for i, b in enumerate(data) if b == 10]
    last = -1
    for r in f.references:
        rng = r.range
        assert data[rng.start_byte : rng.end_byte].decode() == r.name, r
        assert starts[rng.start.line] + rng.start.column == rng.start_byte, r
        assert starts[rng.end.line] + rng.end.column == rng.end_byte, r
        assert rng.start_byte > last, "references are in document order, each name once"
        last = rng.start_byte
        assert -1 <= r.enclosing_index < len(f.definitions)
    for d in f.definitions:
        assert d.kind != parse_pb2.SYMBOL_KIND_IMPORT
        assert -1 <= d.parent_index < len(f.definitions)


def scope_name(f: parse_pb2.FileFacts, index: int) -> str:
    return f.definitions[index].qualified_name if index >= 0 else ""


def refs(f: parse_pb2.FileFacts) -> list[tuple[str, str, str, str]]:
    """(name, kind, receiver, enclosing qualified name) per reference."""
    return [(r.name, KIND[r.kind], r.receiver, scope_name(f, r.enclosing_index)) for r in f.references]


def names(f: parse_pb2.FileFacts) -> set[str]:
    return {r.name for r in f.references}


def defs(f: parse_pb2.FileFacts) -> list[tuple[str, str, int, list[str], bool]]:
    """(qualified name, kind, parent index, bases, exported) per definition."""
    return [
        (
            d.qualified_name,
            parse_pb2.SymbolKind.Name(d.kind).removeprefix("SYMBOL_KIND_").lower(),
            d.parent_index,
            list(d.bases),
            d.exported,
        )
        for d in f.definitions
    ]


def imports(f: parse_pb2.FileFacts) -> list[tuple]:
    """(module, name, alias, level, is_export, enclosing qualified name) per import."""
    return [(i.module, i.name, i.alias, i.level, i.is_export, scope_name(f, i.enclosing_index)) for i in f.imports]


def hints(f: parse_pb2.FileFacts) -> list[tuple[str, str, str]]:
    return [(h.name, h.type_name, scope_name(f, h.enclosing_index)) for h in f.type_hints]


# ===================================================================================== Python

PYTHON = """\
import os.path
import a.b as ab, sys
from .pkg.mod import (helper as h, Thing)
from . import sibling
from ..up import *
from __future__ import annotations

__all__ = ["_exported", "Store"]


@app.route("/")
class Store(models.Base, Generic[T], Mixin, metaclass=ABCMeta):
    limit: Optional[Item] = None

    @property
    def save(self, item: "models.Item", count: int = DEFAULT, *args, **kw) -> List[Result]:
        global counter
        counter = count
        self.db = Database(os.path.join("a", "b"))
        self.item = item
        local = compute(item)
        local.flush()
        with open(PATH) as fh:
            fh.read()
        for i, (j, k) in enumerate(items):
            print(i, j, k, sep=SEP)
        squares = [v * v for v in range(count) if v]
        fn = lambda u, t=TIMEOUT: u + t
        if (n := len(squares)) > 1:
            n += 1
        try:
            pass
        except ValueError as exc:
            raise Failed() from exc

        def inner(z):
            return z + local + undefined_global

        super().save(os.sep)
        f(x)[0].attr.more
        import json
        return inner(json.dumps(squares)), fn, n, counter

    def __init__(self):
        pass

    def _hidden(self):
        pass


def _exported(x: Union[A, None] = None) -> None:
    match x:
        case Point(x=0, y=yy) | [first, *rest]:
            return yy, first, rest
        case Color.RED:
            pass


def _private():
    class Local(Store):
        pass

    return Local
"""


def test_python_definitions_bases_and_exported():
    f = run("python", PYTHON)
    assert defs(f) == [
        ("Store", "class", -1, ["models.Base", "Generic", "Mixin"], True),
        ("Store.save", "method", 0, [], True),
        ("Store.save.inner", "function", 1, [], False),
        ("Store.__init__", "method", 0, [], True),
        ("Store._hidden", "method", 0, [], False),
        ("_exported", "function", -1, [], True),  # listed in __all__
        ("_private", "function", -1, [], False),
        ("_private.Local", "class", 6, ["Store"], False),
    ]
    # Same ranges as the symbols.
    out = parse_source(prepare("", "python", PYTHON.encode()), include_facts=True)
    symbols = [s for s in out.symbols if s.kind != "import"]
    assert [(d.range.start_byte, d.range.end_byte) for d in f.definitions] == [
        (s.range.start_byte, s.range.end_byte) for s in symbols
    ]
    assert [d.selection_range.start_byte for d in f.definitions] == [s.selection.start_byte for s in symbols]
    assert f.supported and not f.package and not f.truncated


def test_python_references():
    f = run("python", PYTHON)
    got = refs(f)
    expected_in_order = [
        ("app", "read", "", "Store"),
        ("route", "call", "app", "Store"),
        ("models", "read", "", "Store"),
        ("Base", "inherit", "models", "Store"),
        ("Generic", "inherit", "", "Store"),
        ("T", "type", "", "Store"),
        ("Mixin", "inherit", "", "Store"),
        ("ABCMeta", "read", "", "Store"),
        ("Optional", "type", "", "Store"),
        ("Item", "type", "", "Store"),
        ("property", "read", "", "Store.save"),
        ("models", "read", "", "Store.save"),  # a string annotation
        ("Item", "type", "models", "Store.save"),
        ("int", "type", "", "Store.save"),
        ("DEFAULT", "read", "", "Store.save"),
        ("List", "type", "", "Store.save"),
        ("Result", "type", "", "Store.save"),
        ("db", "read", "self", "Store.save"),
        ("Database", "call", "", "Store.save"),
        ("os", "read", "", "Store.save"),
        ("path", "read", "os", "Store.save"),
        ("join", "call", "os.path", "Store.save"),
        ("item", "read", "self", "Store.save"),
        ("compute", "call", "", "Store.save"),
        ("flush", "call", "local", "Store.save"),
        ("open", "call", "", "Store.save"),
        ("PATH", "read", "", "Store.save"),
        ("read", "call", "fh", "Store.save"),
        ("enumerate", "call", "", "Store.save"),
        ("items", "read", "", "Store.save"),
        ("print", "call", "", "Store.save"),
        ("SEP", "read", "", "Store.save"),
        ("range", "call", "", "Store.save"),
        ("TIMEOUT", "read", "", "Store.save"),
        ("len", "call", "", "Store.save"),
        ("ValueError", "read", "", "Store.save"),
        ("Failed", "call", "", "Store.save"),
        ("undefined_global", "read", "", "Store.save.inner"),
        ("super", "call", "", "Store.save"),
        ("save", "call", "super()", "Store.save"),
        ("os", "read", "", "Store.save"),
        ("sep", "read", "os", "Store.save"),
        ("f", "call", "", "Store.save"),
        ("x", "read", "", "Store.save"),
        ("attr", "read", "?", "Store.save"),
        ("more", "read", "?", "Store.save"),
        ("inner", "call", "", "Store.save"),  # a nested def is a definition, not a local
        ("json", "read", "", "Store.save"),  # bound by an import: left to the resolver
        ("dumps", "call", "json", "Store.save"),
        ("counter", "read", "", "Store.save"),  # declared global
        ("Union", "type", "", "_exported"),
        ("A", "type", "", "_exported"),
        ("Point", "read", "", "_exported"),
        ("Color", "read", "", "_exported"),
        ("RED", "read", "Color", "_exported"),
        ("Store", "inherit", "", "_private.Local"),
        ("Local", "read", "", "_private"),
    ]
    assert got == expected_in_order


def test_python_locals_and_definition_names_are_not_references():
    f = run("python", PYTHON)
    bare = {r.name for r in f.references if not r.receiver}
    # Parameters, assignment/loop/with/except/comprehension/lambda/walrus/match targets.
    for local in ("self", "item", "count", "args", "kw", "local", "fh", "i", "j", "k", "v", "squares", "u", "t"):
        assert local not in bare, local
    for local in ("fn", "n", "exc", "z", "yy", "first", "rest"):
        assert local not in bare, local
    # Definition names, keyword-argument names, imported names in import statements.
    for name in ("Store", "save", "_hidden", "__init__", "_private", "sep", "metaclass", "sibling", "h"):
        assert (name, "") not in {
            (r.name, r.receiver) for r in f.references if r.kind != parse_pb2.REFERENCE_KIND_INHERIT
        }, name


def test_python_imports():
    f = run("python", PYTHON)
    assert imports(f) == [
        ("os.path", "", "os", 0, False, ""),
        ("a.b", "", "ab", 0, False, ""),
        ("sys", "", "sys", 0, False, ""),
        ("pkg.mod", "helper", "h", 1, False, ""),
        ("pkg.mod", "Thing", "Thing", 1, False, ""),
        ("", "sibling", "sibling", 1, False, ""),
        ("up", "*", "", 2, False, ""),
        ("__future__", "annotations", "annotations", 0, False, ""),
        ("json", "", "json", 0, False, "Store.save"),
    ]
    first = f.imports[0].range
    assert (first.start.line, first.start.column, first.end.line, first.end.column) == (0, 0, 0, 14)


def test_python_type_hints():
    f = run("python", PYTHON)
    assert hints(f) == [
        ("limit", "Item", "Store"),
        ("self.limit", "Item", "Store"),  # a class-body annotation declares the attribute
        ("item", "models.Item", "Store.save"),
        ("count", "int", "Store.save"),
        ("counter", "int", "Store.save"),  # a name assigned from a hinted one
        ("self.db", "Database", "Store.save"),
        ("self.item", "models.Item", "Store.save"),  # the parameter's annotation carried over
        ("local", "compute", "Store.save"),
        ("fh", "open", "Store.save"),
        ("x", "A", "_exported"),
    ]


def test_python_class_body_annotations_hint_self_attributes():
    code = """class App:
    session_interface: SessionInterface = SecureCookieSessionInterface()
    serializer: TaggedJSONSerializer
    other: "models.Thing"
    count: ClassVar[int] = 0
    plain = Factory()

    def run(self):
        local: Local = make()
x: Top = 1
"""
    assert hints(run("python", code)) == [
        ("session_interface", "SessionInterface", "App"),
        ("self.session_interface", "SessionInterface", "App"),
        ("serializer", "TaggedJSONSerializer", "App"),
        ("self.serializer", "TaggedJSONSerializer", "App"),
        ("other", "models.Thing", "App"),
        ("self.other", "models.Thing", "App"),
        ("count", "ClassVar", "App"),
        ("plain", "Factory", "App"),
        ("local", "Local", "App.run"),
        ("x", "Top", ""),
    ]


def test_python_type_hint_forms():
    code = """\
def f(a: Optional[Foo], b: Foo | None, c: "pkg.Bar", d: typing.Optional[Baz], e: List[Foo], g: Union[A, B]):
    x: mod.Foo = make()
    y = z = Thing()
    self.w: Widget = None
    with Lock() as lk, open(p) as (q, r):
        pass
"""
    f = run("python", code)
    assert hints(f) == [
        ("a", "Foo", "f"),
        ("b", "Foo", "f"),
        ("c", "pkg.Bar", "f"),
        ("d", "Baz", "f"),
        ("e", "List", "f"),
        ("x", "mod.Foo", "f"),
        ("y", "Thing", "f"),
        ("z", "Thing", "f"),
        ("self.w", "Widget", "f"),
        ("lk", "Lock", "f"),
    ]
    # `Union[A, B]` names no single class: no hint for g, but both are type references.
    assert {("A", "type"), ("B", "type")} <= {(r.name, KIND[r.kind]) for r in f.references}


def test_python_literal_and_class_level_names():
    code = """\
from typing import Literal
MODE = "a"
def f(m: Literal["a", "b"]) -> None:
    return MODE
class C:
    attr = 1
    other = attr + 1
    def m(self):
        return attr
"""
    f = run("python", code)
    assert refs(f) == [
        ("Literal", "type", "", "f"),
        ("MODE", "read", "", "f"),
        ("attr", "read", "", "C"),  # class-level names are not function locals
        ("attr", "read", "", "C.m"),
    ]


def test_python_type_parameters_are_locals():
    code = "def first[T: Base](xs: list[T]) -> T:\n    return xs[0]\nclass Box[K]:\n    item: K\n"
    f = run("python", code)
    assert refs(f) == [("Base", "type", "", "first"), ("list", "type", "", "first")]


# ================================================================================= JavaScript

JS = """\
import Default, { a as b, c } from './m';
import * as ns from './ns';
import './side-effect';
export * from './all';
export * as grouped from './grouped';
export { x as y, z } from './re';
export { local as renamed, helper };
export default Widget;
const { one, two: three } = require('./req');
const whole = require('./whole');
const member = require('./mem').prop;
const lazy = import('./lazy');

export function top(param, { key, other: alias }, [first, ...more], dflt = DEFAULT) {
  const value = new Thing(param);
  let count = 0;
  for (const item of items) { count += item; }
  try { run(); } catch (err) { report(err); }
  this.field = value;
  return helper(key, alias, first, more, dflt, ns.util.go(count), outer.deep.name);
}

class Widget extends Base {
  constructor() { super(); this.store = new Store(); }
  render() { return <Panel.Body title={this.title}><div/><Item /></Panel.Body>; }
  #secret() {}
}

function helper() { return arguments.length; }
const arrow = (u) => u + Config.limit;
module.exports = { arrow };
"""


def test_javascript_imports_and_exports():
    f = run("javascript", JS)
    assert imports(f) == [
        ("./m", "default", "Default", 0, False, ""),
        ("./m", "a", "b", 0, False, ""),
        ("./m", "c", "c", 0, False, ""),
        ("./ns", "", "ns", 0, False, ""),
        ("./side-effect", "", "", 0, False, ""),
        ("./all", "*", "", 0, True, ""),
        ("./grouped", "", "grouped", 0, True, ""),
        ("./re", "x", "y", 0, True, ""),
        ("./re", "z", "z", 0, True, ""),
        ("", "local", "renamed", 0, True, ""),
        ("", "helper", "helper", 0, True, ""),
        ("", "Widget", "default", 0, True, ""),
        ("./req", "one", "one", 0, False, ""),
        ("./req", "two", "three", 0, False, ""),
        ("./whole", "", "whole", 0, False, ""),
        ("./mem", "prop", "member", 0, False, ""),
        ("./lazy", "", "", 0, False, ""),
        ("", "arrow", "arrow", 0, True, ""),  # module.exports = { arrow }
    ]


def test_javascript_commonjs_exports():
    # CommonJS exports are export rows like `export { b as a }`; `module.exports = X` has the
    # alias "module.exports". Only file-level statements (`if`/`try` blocks included) count.
    code = """
const b = 1, c = 2;
function helper() {}
class Store {}
module.exports = Store;
module.exports = class Named {};
module.exports = function made() {};
module.exports = function () {};
module.exports = make();
module.exports = { a: b, c, 'q': helper, m() {}, anon: function () {}, n: 3 };
exports.x = b;
module.exports.y = c;
exports.f = function () {};
exports.g = function named() {};
exports = module.exports = helper;
if (cond) { exports.k = b; } else { module.exports.j = c; }
try { exports.t = b; } catch (e) { exports.u = c; } finally { exports.v = b; }
function inner() { exports.no = b; module.exports = b; }
const arrow = () => { module.exports = Store; };
class K { static { exports.no = b; } }
exports.deep.x = b;
module.exports[key] = b;
"""
    f = run("javascript", code)
    assert imports(f) == [
        ("", "Store", "module.exports", 0, True, ""),
        ("", "Named", "module.exports", 0, True, ""),
        ("", "made", "module.exports", 0, True, ""),
        ("", "b", "a", 0, True, ""),
        ("", "c", "c", 0, True, ""),
        ("", "helper", "q", 0, True, ""),
        ("", "m", "m", 0, True, ""),  # a method of the object is a definition
        ("", "b", "x", 0, True, ""),
        ("", "c", "y", 0, True, ""),
        ("", "named", "g", 0, True, ""),
        ("", "helper", "module.exports", 0, True, ""),
        ("", "b", "k", 0, True, ""),
        ("", "c", "j", 0, True, ""),
        ("", "b", "t", 0, True, ""),
        ("", "c", "u", 0, True, ""),
        ("", "b", "v", 0, True, ""),
    ]
    # the references of these statements are those of any assignment
    assert [r for r in refs(f) if r[3] == "" and r[0] in ("module", "exports", "b", "x", "Store")][:6] == [
        ("module", "read", "", ""),
        ("exports", "read", "module", ""),
        ("Store", "read", "", ""),
        ("module", "read", "", ""),
        ("exports", "read", "module", ""),
        ("module", "read", "", ""),
    ]


def test_typescript_commonjs_exports():
    f = run("typescript", "class Store {}\nmodule.exports = Store;\nexports.save = Store;\n")
    assert imports(f) == [("", "Store", "module.exports", 0, True, ""), ("", "Store", "save", 0, True, "")]


def test_javascript_definitions():
    f = run("javascript", JS)
    assert defs(f) == [
        ("top", "function", -1, [], True),
        ("Widget", "class", -1, ["Base"], True),  # `export default Widget`
        ("Widget.constructor", "constructor", 1, [], True),
        ("Widget.render", "method", 1, [], True),
        ("Widget.#secret", "method", 1, [], False),
        ("helper", "function", -1, [], True),  # `export { helper }`
        ("arrow", "function", -1, [], True),  # module.exports = { arrow }
    ]


def test_javascript_references():
    f = run("javascript", JS)
    assert refs(f) == [
        ("DEFAULT", "read", "", "top"),
        ("Thing", "call", "", "top"),
        ("items", "read", "", "top"),
        ("run", "call", "", "top"),
        ("report", "call", "", "top"),
        ("field", "read", "this", "top"),
        ("helper", "call", "", "top"),
        ("ns", "read", "", "top"),
        ("util", "read", "ns", "top"),
        ("go", "call", "ns.util", "top"),
        ("outer", "read", "", "top"),
        ("deep", "read", "outer", "top"),
        ("name", "read", "outer.deep", "top"),
        ("Base", "inherit", "", "Widget"),
        ("store", "read", "this", "Widget.constructor"),
        ("Store", "call", "", "Widget.constructor"),
        ("Panel", "read", "", "Widget.render"),
        ("Body", "call", "Panel", "Widget.render"),
        ("title", "read", "this", "Widget.render"),
        ("Item", "call", "", "Widget.render"),
        ("arguments", "read", "", "helper"),
        ("length", "read", "arguments", "helper"),
        ("Config", "read", "", "arrow"),
        ("limit", "read", "Config", "arrow"),
        ("module", "read", "", ""),
        ("exports", "read", "module", ""),
        ("arrow", "read", "", ""),
    ]


def test_javascript_jsdoc_hints():
    code = """/**
 * @param {Argument} arg the argument
 * @param {?Store} store
 * @param {Foo|null} [opt]
 * @param {Array<Foo>} list
 * @param {Foo[]} list2
 * @param {string} s
 * @param {Map<string, Foo>} m
 * @param {ns.Bar=} d
 * @param {Foo|Bar} both
 */
function f(arg, store, opt, list, list2, s, m, d = 1, both) {
  return arg.run();
}
class C {
  /** @param {Thing} t */
  m(t) { t.go(); }
}
/** @type {Foo} */
let x = make();
/** @type {Foo} */ const y = 1, z = new Baz();
/** @param {Q} q */
export const g = (q) => q.x;
// @type {Nope}
let n;
/** @type {Array<Foo>} */
let arr;

/** @type {Far} */
let far;
/** @param {Spaced} sp blank lines between a comment and its declaration are fine */


function h(sp) {}
/** @type {Lost} code between: not this declaration's comment */
foo();
let lost;
"""
    assert hints(run("javascript", code)) == [
        ("arg", "Argument", "f"),
        ("store", "Store", "f"),
        ("opt", "Foo", "f"),
        ("m", "Map", "f"),
        ("d", "ns.Bar", "f"),
        ("t", "Thing", "C.m"),
        ("x", "Foo", ""),
        ("z", "Baz", ""),
        ("q", "Q", "g"),
        ("far", "Far", ""),
        ("sp", "Spaced", "h"),
    ]


def test_typescript_declared_types_win_over_jsdoc():
    code = """/** @param {Doc} a */
function f(a: Declared, b) {}
/** @type {Doc} */
let x: Declared;
"""
    assert hints(run("typescript", code)) == [("a", "Declared", "f"), ("x", "Declared", "")]


def test_typescript_declared_return_types_hint_call_results():
    code = """class Page {
  getSubject(): Subject { return new Subject(); }
  maybe(): Subject | null { return null; }
  run() {
    const s = this.getSubject();
    let m = this.maybe();
    const n = other.getSubject();
    const late = this.later();
    const a = await this.getSubject();
  }
  later(): Later { return x; }
}
class Other {
  run() { const o = this.getSubject(); }
}
const c = makeThing();
function makeThing(): Thing<number> { return t; }
function noType() { return 1; }
const d = noType();
const e: Declared = makeThing();
"""
    assert hints(run("typescript", code)) == [
        ("s", "Subject", "Page.run"),
        ("m", "Subject", "Page.run"),
        ("late", "Later", "Page.run"),
        ("c", "Thing", ""),
        ("e", "Declared", ""),
    ]


def test_javascript_jsdoc_return_types_hint_call_results():
    code = """class Command {
  /**
   * @param {string} name
   * @returns {Command} the new command
   */
  createCommand(name) { return new Command(name); }
  /** @return {string} */
  label() { return ''; }
  add(name) {
    const cmd = this.createCommand(name);
    const text = this.label();
    return cmd;
  }
}
/** @returns {?Help} */
function makeHelp() { return null; }
const help = makeHelp();
"""
    assert hints(run("javascript", code)) == [
        ("cmd", "Command", "Command.add"),
        ("help", "Help", ""),
    ]


def test_javascript_hints():
    f = run("javascript", JS)
    assert hints(f) == [
        ("value", "Thing", "top"),
        ("this.field", "Thing", "top"),
        ("this.store", "Store", "Widget.constructor"),
    ]


# ================================================================================= TypeScript

TS = """\
import type { Repo } from './repo';
export interface Shape<T> extends Base, ns.Named<T> { area(): number; owner: Owner; }
export class Service<T> extends Core<T> implements Runner, api.Handler<Req> {
  private cache: Map<string, Entry>;
  client = new HttpClient();
  constructor(private readonly repo: Repo, public name?: string, plain?: Plain) { super(); }
  async run(input: T, opts?: Options | undefined): Promise<Result | null> {
    const parsed: Parsed = parse(input);
    const made = new models.Made<T>();
    return this.repo.save(parsed, made, opts);
  }
  private hidden(): void {}
}
type Alias<K> = Record<K, Value>;
enum Color { Red = BASE, Blue }
namespace Outer { export function inner(): Inner { return make(); } }
"""


@pytest.mark.parametrize("lang", ["typescript", "tsx"])
def test_typescript_definitions_and_references(lang):
    f = run(lang, TS)
    assert defs(f) == [
        ("Shape", "interface", -1, ["Base", "ns.Named"], True),
        ("Shape.area", "method", 0, [], True),
        ("Service", "class", -1, ["Core", "Runner", "api.Handler"], True),
        ("Service.constructor", "constructor", 2, [], True),
        ("Service.run", "method", 2, [], True),
        ("Service.hidden", "method", 2, [], False),
        ("Alias", "type", -1, [], False),
        ("Color", "enum", -1, [], False),
        ("Outer", "module", -1, [], False),
        ("Outer.inner", "function", 8, [], False),
    ]
    assert refs(f) == [
        ("Base", "inherit", "", "Shape"),
        ("ns", "read", "", "Shape"),
        ("Named", "inherit", "ns", "Shape"),
        ("Owner", "type", "", "Shape"),
        ("Core", "inherit", "", "Service"),
        ("Runner", "inherit", "", "Service"),
        ("api", "read", "", "Service"),
        ("Handler", "inherit", "api", "Service"),
        ("Req", "type", "", "Service"),
        ("Map", "type", "", "Service"),
        ("Entry", "type", "", "Service"),
        ("HttpClient", "call", "", "Service"),
        ("Repo", "type", "", "Service.constructor"),
        ("Plain", "type", "", "Service.constructor"),
        ("Options", "type", "", "Service.run"),
        ("Promise", "type", "", "Service.run"),
        ("Result", "type", "", "Service.run"),
        ("Parsed", "type", "", "Service.run"),
        ("parse", "call", "", "Service.run"),
        ("models", "read", "", "Service.run"),
        ("Made", "call", "models", "Service.run"),
        ("repo", "read", "this", "Service.run"),
        ("save", "call", "this.repo", "Service.run"),
        ("Record", "type", "", "Alias"),
        ("Value", "type", "", "Alias"),
        ("BASE", "read", "", "Color"),
        ("Inner", "type", "", "Outer.inner"),
        ("make", "call", "", "Outer.inner"),
    ]


def test_typescript_hints():
    f = run("typescript", TS)
    assert hints(f) == [
        ("this.cache", "Map", "Service"),
        ("this.client", "HttpClient", "Service"),
        ("repo", "Repo", "Service.constructor"),
        ("this.repo", "Repo", "Service"),  # a parameter property is a field of the class
        ("plain", "Plain", "Service.constructor"),
        ("opts", "Options", "Service.run"),
        ("parsed", "Parsed", "Service.run"),
        ("made", "models.Made", "Service.run"),
    ]
    assert imports(f) == [("./repo", "Repo", "Repo", 0, False, "")]


# ========================================================================================= Go

GO = """\
package server

import (
	"fmt"
	alias "example.com/lib/v2"
	. "dotted/pkg"
	_ "side/effect"
)

type Server struct {
	Base
	*store.Embedded
	name string
	db   *sql.DB
}

type Reader interface {
	io.Closer
	Read(p []byte) (n int, err error)
}

type internal[T any] struct{ items []T }

func (s *Server) Run(ctx context.Context, count int) error {
	cfg := Config{Name: s.name}
	ptr := &pkg.Options{}
	made := new(Buffer)
	var w Writer
	client := NewClient(ctx)
	for i, item := range items {
		process(i, item, cfg, ptr, made, w, client)
	}
	switch v := value.(type) {
	case *Kind:
		use(v)
	}
	go func(n int) { fmt.Println(n, count) }(1)
	return s.db.Close()
}

func helper[T any](x T) *internal[T] { return &internal[T]{items: nil} }
"""


def test_go_facts():
    f = run("go", GO)
    assert f.package == "server"
    assert imports(f) == [
        ("fmt", "", "fmt", 0, False, ""),
        ("example.com/lib/v2", "", "alias", 0, False, ""),
        ("dotted/pkg", "*", "", 0, False, ""),
        ("side/effect", "", "_", 0, False, ""),
    ]
    versioned = run("go", 'package p\nimport (\n\t"example.com/lib/v2"\n\t"gopkg.in/yaml.v3"\n)\n')
    assert [i.alias for i in versioned.imports] == ["lib", "yaml"]
    assert defs(f) == [
        ("Server", "struct", -1, ["Base", "store.Embedded"], True),
        ("Reader", "interface", -1, ["io.Closer"], True),
        ("Reader.Read", "method", 1, [], True),
        ("internal", "struct", -1, [], False),
        ("Server.Run", "method", -1, [], True),
        ("helper", "function", -1, [], False),
    ]
    assert refs(f) == [
        ("Base", "inherit", "", "Server"),
        ("store", "read", "", "Server"),
        ("Embedded", "inherit", "store", "Server"),
        ("sql", "read", "", "Server"),
        ("DB", "type", "sql", "Server"),
        ("io", "read", "", "Reader"),
        ("Closer", "inherit", "io", "Reader"),
        ("Server", "type", "", "Server.Run"),
        ("context", "read", "", "Server.Run"),
        ("Context", "type", "context", "Server.Run"),
        ("Config", "type", "", "Server.Run"),
        ("name", "read", "s", "Server.Run"),
        ("pkg", "read", "", "Server.Run"),
        ("Options", "type", "pkg", "Server.Run"),
        ("new", "call", "", "Server.Run"),
        ("Buffer", "type", "", "Server.Run"),
        ("Writer", "type", "", "Server.Run"),
        ("NewClient", "call", "", "Server.Run"),
        ("items", "read", "", "Server.Run"),
        ("process", "call", "", "Server.Run"),
        ("value", "read", "", "Server.Run"),
        ("Kind", "type", "", "Server.Run"),
        ("use", "call", "", "Server.Run"),
        ("fmt", "read", "", "Server.Run"),
        ("Println", "call", "fmt", "Server.Run"),
        ("db", "read", "s", "Server.Run"),
        ("Close", "call", "s.db", "Server.Run"),
        ("internal", "type", "", "helper"),
        ("internal", "type", "", "helper"),
    ]
    assert hints(f) == [
        ("s", "Server", "Server.Run"),
        ("ctx", "context.Context", "Server.Run"),
        ("cfg", "Config", "Server.Run"),
        ("ptr", "pkg.Options", "Server.Run"),
        ("made", "Buffer", "Server.Run"),
        ("w", "Writer", "Server.Run"),
        ("client", "NewClient()", "Server.Run"),
    ]  # no ("x", "T"): a type parameter names no class


# ======================================================================================= Java

JAVA = """\
package com.acme.app;

import java.util.List;
import java.io.*;
import static org.junit.Assert.assertEquals;
import static java.lang.Math.*;

@Service
public class Handler<T> extends BaseHandler<T> implements Runnable, com.acme.Named<T> {
    private final Store store;
    protected List<Item> items = new ArrayList<>();

    public Handler(Store store) { this.store = store; }

    @Override
    public void run() {
        var made = new Maker();
        Result result = compute(made);
        for (Item item : items) { item.apply(result); }
        try (Resource res = open()) { res.use(); } catch (IOException e) { log(e); }
        Runnable task = () -> this.store.save(result);
        super.run();
        this.other = new Other();
        Util.helper(made).value.get();
    }

    private static class Inner { void hidden() {} }
}
"""


def test_java_facts():
    f = run("java", JAVA)
    assert f.package == "com.acme.app"
    assert imports(f) == [
        ("java.util", "List", "List", 0, False, ""),
        ("java.io", "*", "", 0, False, ""),
        ("org.junit.Assert", "assertEquals", "assertEquals", 0, False, ""),
        ("java.lang.Math", "*", "", 0, False, ""),
    ]
    assert defs(f) == [
        ("Handler", "class", -1, ["BaseHandler", "Runnable", "com.acme.Named"], True),
        ("Handler.Handler", "constructor", 0, [], True),
        ("Handler.run", "method", 0, [], True),
        ("Handler.Inner", "class", 0, [], False),
        ("Handler.Inner.hidden", "method", 3, [], False),
    ]
    assert refs(f) == [
        ("Service", "type", "", "Handler"),
        ("BaseHandler", "inherit", "", "Handler"),
        ("Runnable", "inherit", "", "Handler"),
        ("com", "read", "", "Handler"),
        ("acme", "read", "com", "Handler"),
        ("Named", "inherit", "com.acme", "Handler"),
        ("Store", "type", "", "Handler"),
        ("List", "type", "", "Handler"),
        ("Item", "type", "", "Handler"),
        ("ArrayList", "call", "", "Handler"),
        ("Store", "type", "", "Handler.Handler"),
        ("store", "read", "this", "Handler.Handler"),
        ("Override", "type", "", "Handler.run"),
        ("Maker", "call", "", "Handler.run"),
        ("Result", "type", "", "Handler.run"),
        ("compute", "call", "", "Handler.run"),
        ("Item", "type", "", "Handler.run"),
        ("items", "read", "", "Handler.run"),
        ("apply", "call", "item", "Handler.run"),
        ("Resource", "type", "", "Handler.run"),
        ("open", "call", "", "Handler.run"),
        ("use", "call", "res", "Handler.run"),
        ("IOException", "type", "", "Handler.run"),
        ("log", "call", "", "Handler.run"),
        ("Runnable", "type", "", "Handler.run"),
        ("store", "read", "this", "Handler.run"),
        ("save", "call", "this.store", "Handler.run"),
        ("run", "call", "super", "Handler.run"),
        ("other", "read", "this", "Handler.run"),
        ("Other", "call", "", "Handler.run"),
        ("Util", "read", "", "Handler.run"),
        ("helper", "call", "Util", "Handler.run"),
        ("value", "read", "?", "Handler.run"),
        ("get", "call", "?", "Handler.run"),
    ]
    assert hints(f) == [
        ("this.store", "Store", "Handler"),
        ("store", "Store", "Handler"),
        ("this.items", "List", "Handler"),
        ("items", "List", "Handler"),
        ("store", "Store", "Handler.Handler"),
        ("this.store", "Store", "Handler.Handler"),  # from the parameter's declared type
        ("made", "Maker", "Handler.run"),
        ("result", "Result", "Handler.run"),
        ("item", "Item", "Handler.run"),
        ("res", "Resource", "Handler.run"),
        ("task", "Runnable", "Handler.run"),
        ("this.other", "Other", "Handler.run"),
    ]


# ===================================================================================== common


def test_facts_are_off_by_default_and_unsupported_languages_say_so():
    out = parse_source(prepare("a.py", "", b"import os\nos.getcwd()\n"))
    assert out.facts is None
    rust = parse_source(prepare("a.rs", "", b"fn main() { helper(); }\n"), include_facts=True)
    assert rust.facts is not None and not rust.facts.supported
    assert not rust.facts.references and not rust.facts.definitions
    assert facts.SUPPORTED_LANGUAGES == {"python", "javascript", "typescript", "tsx", "go", "java"}
    assert domain.FACT_LANGUAGES == facts.SUPPORTED_LANGUAGES


@pytest.mark.parametrize(
    ("lang", "code", "wanted"),
    [
        (
            "python",
            "def ok(a):\n    return helper(a)\n\ndef broken(:\n    pass\n\nvalue = other()\n",
            {"helper", "other"},
        ),
        ("javascript", "function ok(a) { return helper(a); }\nfunction broken( { \nconst v = other();\n", {"helper"}),
        ("go", "package p\nfunc ok() { helper() }\nfunc broken( {\n", {"helper"}),
        ("java", "class A { void ok() { helper(); } void broken( { } }", {"helper"}),
    ],
)
def test_syntax_errors_still_yield_facts(lang, code, wanted):
    out = parse_source(prepare("", lang, code.encode()), include_facts=True)
    assert out.has_errors and out.facts is not None and out.facts.supported
    assert wanted <= names(out.facts)
    assert "ok" in {d.name for d in out.facts.definitions}


@pytest.mark.parametrize(
    ("lang", "code"),
    [
        ("python", "x = " + "(" * 10000 + "a" + ")" * 10000 + "\n"),
        ("python", "x = " + "f(" * 10000 + ")" * 10000 + "\n"),
        ("python", "x = y" + ".a" * 10000 + "\n"),
        ("python", "x = " + "lambda a: " * 3000 + "a\n"),
        ("python", "[" * 10000),
        ("javascript", "x = " + "[" * 10000 + "]" * 10000 + ";"),
        ("javascript", "x = " + "() => " * 10000 + "a;"),
        ("typescript", "let x: " + "A<" * 10000 + "B" + ">" * 10000 + ";"),
        ("tsx", "<A>" * 10000 + "</A>" * 10000),
        ("go", "package p\nfunc f() { " + "{" * 10000 + "}" * 10000 + " }\n"),
        ("go", "package p\nvar x = " + "f(" * 10000 + ")" * 10000 + "\n"),
        ("java", "class A { Object x = " + "f(" * 10000 + ")" * 10000 + "; }"),
        ("java", "class A { void f() { " + "{" * 10000 + "}" * 10000 + " } }"),
    ],
)
def test_deep_nesting_does_not_recurse(lang, code):
    out = parse_source(prepare("", lang, code.encode()), include_facts=True)
    assert out.facts is not None and out.facts.supported


def test_reference_cap_sets_truncated(monkeypatch):
    monkeypatch.setattr(facts, "MAX_REFERENCES", 5)
    f = run("python", "".join(f"use{i}()\n" for i in range(12)))
    assert [r.name for r in f.references] == [f"use{i}" for i in range(5)]
    assert f.truncated and f.references_dropped == 7


def test_long_receivers_become_unknown():
    chain = ".".join(f"segment{i}" for i in range(20))
    f = run("python", f"{chain}.last()\n")
    receivers = [r.receiver for r in f.references]
    assert receivers[1] == "segment0"
    assert all(len(r.encode()) <= facts.MAX_RECEIVER_BYTES for r in receivers)
    assert receivers[-1] == "?" and f.references[-1].name == "last" and KIND[f.references[-1].kind] == "call"


def test_spent_budget_stops_fact_extraction():
    src = prepare("", "python", b"x = 1\n")
    with pytest.raises(errors.TooComplex):
        parse_source(src, include_facts=True, budget=Budget(0.0))


def test_unicode_names_use_byte_columns():
    code = "é = 1\ndef f():\n    return naïve(é)\n"
    f = run("python", code)
    assert [(r.name, r.range.start.column) for r in f.references] == [("naïve", 11), ("é", 18)]


# ====================================================================================== gRPC


@pytest.fixture(scope="module")
def stub():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    parse_pb2_grpc.add_ParseServiceServicer_to_server(ParseServicer(WorkerConfig()), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield parse_pb2_grpc.ParseServiceStub(channel)
    finally:
        channel.close()
        server.stop(None)


def test_parse_service_returns_facts_only_when_asked(stub):
    file = common_pb2.SourceFile(path="app/main.py", content=b"from app import util\n\ndef main():\n    util.run()\n")
    plain = stub.Parse(parse_pb2.ParseRequest(file=file), timeout=30)
    assert plain.service_version == domain.VERSION
    assert not plain.result.HasField("facts")
    asked = stub.Parse(
        parse_pb2.ParseRequest(file=file, options=parse_pb2.ParseOptions(include_facts=True)), timeout=30
    )
    f = asked.result.facts
    assert asked.result.HasField("facts") and f.supported
    assert [d.name for d in f.definitions] == ["main"]
    assert [(r.name, r.receiver, r.enclosing_index) for r in f.references] == [("util", "", 0), ("run", "util", 0)]
    assert [(i.module, i.name, i.alias) for i in f.imports] == [("app", "util", "util")]
    # Symbols are unchanged by the option.
    assert list(asked.result.symbols) == list(plain.result.symbols)


def test_parse_batch_carries_facts_per_file(stub):
    files = [
        common_pb2.SourceFile(path="a.go", content=b"package a\nfunc F() { G() }\n"),
        common_pb2.SourceFile(path="b.rb", content=b"def f; end\n"),
    ]
    resp = stub.ParseBatch(
        parse_pb2.ParseBatchRequest(files=files, options=parse_pb2.ParseOptions(include_facts=True)), timeout=30
    )
    go, ruby = (r.result for r in resp.results)
    assert go.facts.supported and go.facts.package == "a" and [r.name for r in go.facts.references] == ["G"]
    assert ruby.HasField("facts") and not ruby.facts.supported


@pytest.mark.parametrize(
    ("lang", "code"),
    [("python", PYTHON), ("javascript", JS), ("typescript", TS), ("tsx", TS), ("go", GO), ("java", JAVA)],
)
def test_broken_prefixes_yield_consistent_facts(lang, code):
    """Every prefix of a sample (mostly syntax errors) yields facts with valid ranges and indexes."""
    step = max(1, len(code) // 80)
    for cut in range(0, len(code), step):
        run(lang, code[:cut])


def test_typescript_typeof_member_chain():
    # tree-sitter answers field lookups on this aliased member_expression with a grandchild.
    f = run("typescript", "let run: typeof Scheduler.prototype.flush;\n")
    assert refs(f) == [
        ("Scheduler", "read", "", ""),
        ("prototype", "read", "Scheduler", ""),
        ("flush", "read", "Scheduler.prototype", ""),
    ]
