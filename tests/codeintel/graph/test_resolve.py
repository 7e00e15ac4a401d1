"""File-local resolution (codeintel.graph.resolve): facts built by hand, targets checked one by one."""

from __future__ import annotations

from codeintel.graph.resolve import EXTERNAL, NAME_ONLY, SUPER, FileContext, import_target, js_relative, resolve_file
from codeintel.v1 import parse_pb2

K = parse_pb2
CLASS, FUNC, METHOD, CTOR, STRUCT, IFACE = (
    K.SYMBOL_KIND_CLASS,
    K.SYMBOL_KIND_FUNCTION,
    K.SYMBOL_KIND_METHOD,
    K.SYMBOL_KIND_CONSTRUCTOR,
    K.SYMBOL_KIND_STRUCT,
    K.SYMBOL_KIND_INTERFACE,
)
READ, CALL, TYPE, INHERIT = (
    K.REFERENCE_KIND_READ,
    K.REFERENCE_KIND_CALL,
    K.REFERENCE_KIND_TYPE,
    K.REFERENCE_KIND_INHERIT,
)


class Facts:
    """A FileFacts builder: defs return their index; refs are resolved in the order added."""

    def __init__(self, package: str = ""):
        self.f = parse_pb2.FileFacts(supported=True, package=package)

    def d(self, name: str, kind: int = FUNC, parent: int = -1, qname: str = "", bases: tuple[str, ...] = ()) -> int:
        if not qname:
            qname = name if parent < 0 else f"{self.f.definitions[parent].qualified_name}.{name}"
        self.f.definitions.append(
            parse_pb2.FactDefinition(name=name, kind=kind, parent_index=parent, qualified_name=qname, bases=bases)  # type: ignore[arg-type]
        )
        return len(self.f.definitions) - 1

    def r(self, name: str, recv: str = "", enc: int = -1, kind: int = READ) -> int:
        self.f.references.append(parse_pb2.FactReference(name=name, receiver=recv, enclosing_index=enc, kind=kind))  # type: ignore[arg-type]
        return len(self.f.references) - 1

    def i(
        self, module: str, name: str = "", alias: str = "", level: int = 0, export: bool = False, enc: int = -1
    ) -> int:
        self.f.imports.append(
            parse_pb2.FactImport(
                module=module, name=name, alias=alias, level=level, is_export=export, enclosing_index=enc
            )
        )
        return len(self.f.imports) - 1

    def h(self, name: str, type_name: str, enc: int = -1) -> None:
        self.f.type_hints.append(parse_pb2.FactTypeHint(name=name, type_name=type_name, enclosing_index=enc))

    def resolve(self, ctx: FileContext) -> list[tuple[str | None, str | None, int]]:
        return resolve_file(self.f, ctx).refs


def py(path: str, module: str) -> FileContext:
    return FileContext(path=path, language="python", module=module, scope=module)


# --------------------------------------------------------------------------- Python


def test_python_scopes_imports_and_builtins():
    f = Facts()
    f.i("os")
    f.i("os.path", alias="os")
    f.i("collections", name="OrderedDict", alias="OD")
    store = f.d("Store", CLASS)
    save = f.d("save", METHOD, store)
    helper = f.d("helper")
    inner = f.d("inner", FUNC, helper)
    f.i("json", name="dumps", alias="dumps", enc=helper)
    refs = [
        f.r("helper"),  # module-level def
        f.r("inner", enc=helper),  # nested def of the enclosing function
        f.r("inner"),  # not visible at module level: unresolved
        f.r("dumps", enc=inner),  # function-level import seen from a nested function
        f.r("dumps"),  # not imported at module level
        f.r("join", recv="os.path", enc=save, kind=CALL),  # `import os.path` binds os
        f.r("OD", kind=CALL),
        f.r("len", enc=save, kind=CALL),  # builtin
        f.r("Store", enc=save),
        f.r("save", enc=save),  # a method is not a bare name inside its class's methods
    ]
    got = f.resolve(py("pkg/mod.py", "pkg.mod"))
    assert [got[i] for i in refs] == [
        ("pkg.mod", "helper", 0),
        ("pkg.mod", "helper.inner", 0),
        (None, None, 0),
        ("json", "dumps", 0),
        (None, None, 0),
        ("os", "path.join", 0),
        ("collections", "OrderedDict", 0),
        ("builtins", "len", EXTERNAL),
        ("pkg.mod", "Store", 0),
        (None, None, 0),
    ]


def test_python_relative_imports():
    f = Facts()
    f.i("util", name="helper", alias="helper", level=1)
    f.i("", name="sibling", alias="sibling", level=1)
    f.i("core.models", name="Model", alias="M", level=2)
    f.i("x", name="y", alias="y", level=9)  # beyond the top package: nowhere
    imports = resolve_file(f.f, py("pkg/sub/mod.py", "pkg.sub.mod")).imports
    assert imports == ["pkg.sub.util", "pkg.sub", "pkg.core.models", None]
    # an __init__ is its package: level 1 is the package itself
    init = resolve_file(f.f, py("pkg/sub/__init__.py", "pkg.sub")).imports
    assert init == ["pkg.sub.util", "pkg.sub", "pkg.core.models", None]
    f.r("helper", kind=CALL)
    f.r("sibling")
    f.r("Model", recv="M")
    assert f.resolve(py("pkg/sub/mod.py", "pkg.sub.mod")) == [
        ("pkg.sub.util", "helper", 0),
        ("pkg.sub", "sibling", 0),
        ("pkg.core.models", "Model.Model", 0),
    ]


def test_python_self_super_hints_and_inheritance():
    f = Facts()
    f.i("models", name="Repo", alias="Repo", level=1)
    base = f.d("Base", CLASS)
    f.d("close", METHOD, base)
    svc = f.d("Service", CLASS, bases=("Base",))
    init = f.d("__init__", METHOD, svc)
    run = f.d("run", METHOD, svc)
    cm = f.d("make", METHOD, svc)
    f.h("self.repo", "Repo", init)
    f.h("r", "Repo", run)
    f.h("x", "make_thing", run)  # a lowercase callee: not taken for a type
    f.h("b", "Base", run)
    refs = [
        f.r("close", recv="self", enc=run, kind=CALL),  # inherited: the query side walks bases
        f.r("save", recv="self.repo", enc=run, kind=CALL),  # hint from another method
        f.r("load", recv="r", enc=run, kind=CALL),
        f.r("poke", recv="x", enc=run, kind=CALL),
        f.r("close", recv="b", enc=run),
        f.r("__init__", recv="super()", enc=init, kind=CALL),
        f.r("run", recv="cls", enc=cm, kind=CALL),
        f.r("thing", recv="?", enc=run),
        f.r("a", recv="self.unknown", enc=run),  # untyped here: a base's file may type it (links)
        f.r("Base", enc=-1, kind=INHERIT),
        f.r("upper", recv="'x'", enc=run),  # the extractor sends "?" for literals; anything unknown is name-only
    ]
    got = f.resolve(py("pkg/svc.py", "pkg.svc"))
    assert [got[i] for i in refs] == [
        ("pkg.svc", "Service.close", 0),
        ("pkg.models", "Repo.save", 0),
        ("pkg.models", "Repo.load", 0),
        (None, None, NAME_ONLY),
        ("pkg.svc", "Base.close", 0),
        ("pkg.svc", "Service.__init__", SUPER),
        ("pkg.svc", "Service.run", 0),
        (None, None, NAME_ONLY),
        ("pkg.svc", "Service.unknown.a", 0),
        ("pkg.svc", "Base", 0),
        (None, None, NAME_ONLY),
    ]


def test_python_hint_shadowing_innermost_first_and_class_bodies():
    f = Facts()
    a = f.d("A", CLASS)
    b = f.d("B", CLASS)
    fn = f.d("fn")
    inner = f.d("inner", FUNC, fn)
    f.h("x", "A")  # module level
    f.h("x", "B", fn)  # shadows it inside fn (and inner)
    k = f.d("K", CLASS)
    f.d("helper", METHOD, k)
    m = f.d("m", METHOD, k)
    refs = [
        f.r("go", recv="x", enc=inner),
        f.r("go", recv="x"),
        f.r("helper", enc=k),  # class body code sees class names
        f.r("helper", enc=m),  # a method body does not
        f.r("A", recv="", enc=m),
    ]
    got = f.resolve(py("m.py", "m"))
    assert [got[i] for i in refs] == [
        ("m", "B.go", 0),
        ("m", "A.go", 0),
        ("m", "K.helper", 0),
        (None, None, 0),
        ("m", "A", 0),
    ]
    assert a == 0 and b == 1


def test_python_star_import_defers_to_the_query_side():
    f = Facts()
    f.i("core", name="*", level=1)
    f.r("Thing", kind=CALL)
    f.r("print", kind=CALL)
    assert f.resolve(py("pkg/x.py", "pkg.x")) == [("pkg.x", "Thing", 0), ("builtins", "print", EXTERNAL)]


# --------------------------------------------------------------------------- JS / TS


def ts(path: str) -> FileContext:
    module = path.rsplit(".", 1)[0]
    return FileContext(path=path, language="typescript", module=module, scope=module)


def test_js_relative_paths():
    assert js_relative("./util", "src/app/main.ts") == "src/app/util"
    assert js_relative("../lib/x.js", "src/app/main.ts") == "src/lib/x"
    assert js_relative("./config.service", "src/a.ts") == "src/config.service"
    assert js_relative(".", "src/a.ts") == "src"
    assert js_relative("../../../x", "src/a.ts") is None
    assert js_relative("react", "src/a.ts") is None


def test_js_imports_this_and_exports():
    f = Facts()
    f.i("./store", name="Store", alias="Store")
    f.i("./db", name="default", alias="Db")
    f.i("./util", alias="u")  # import * as u
    f.i("react", name="useState", alias="useState")
    f.i("./other", name="*", export=True)  # export * binds nothing here
    f.i("", name="App", alias="default", export=True)
    app = f.d("App", CLASS)
    ctor = f.d("constructor", CTOR, app)
    render = f.d("render", METHOD, app)
    f.h("this.store", "Store", app)
    f.h("db", "Db", ctor)
    refs = [
        f.r("save", recv="this.store", enc=render, kind=CALL),
        f.r("render", recv="this", enc=ctor, kind=CALL),
        f.r("open", recv="db", enc=ctor, kind=CALL),
        f.r("fmt", recv="u", enc=render, kind=CALL),
        f.r("useState", enc=render, kind=CALL),
        f.r("render", enc=ctor),  # class members are not bare names in JS
        f.r("console"),
    ]
    ctx = ts("src/app.ts")
    res = resolve_file(f.f, ctx)
    assert res.imports == ["src/store", "src/db", "src/util", None, "src/other", "src/app"]
    assert [res.refs[i] for i in refs] == [
        ("src/store", "Store.save", 0),
        ("src/app", "App.render", 0),
        ("src/db", "default.open", 0),
        ("src/util", "fmt", 0),
        ("react", "useState", EXTERNAL),
        (None, None, 0),
        (None, None, 0),
    ]


# --------------------------------------------------------------------------- Go


def go(path: str, go_module: str = "example.com/app") -> FileContext:
    directory = path.rsplit("/", 1)[0] if "/" in path else "."
    return FileContext(path=path, language="go", module=directory, scope=directory, go_module=go_module)


def test_go_packages_receivers_and_builtins():
    f = Facts(package="server")
    f.i("example.com/app/pkg/store", alias="store")
    f.i("fmt", alias="fmt")
    f.i("example.com/app", alias="app")
    srv = f.d("Server", STRUCT)
    handle = f.d("Handle", METHOD, qname="Server.Handle")
    f.h("s", "Server", handle)
    f.h("db", "store.DB", handle)
    refs = [
        f.r("Get", recv="db", enc=handle, kind=CALL),
        f.r("Println", recv="fmt", enc=handle, kind=CALL),
        f.r("helper", enc=handle, kind=CALL),  # same package, maybe another file
        f.r("Close", recv="s", enc=handle, kind=CALL),
        f.r("len", enc=handle, kind=CALL),  # checked at query time (package first)
        f.r("Handle", enc=handle),  # a method is not a bare name
        f.r("Other", recv="x", enc=handle),  # a local without a hint
        f.r("NewThing", recv="app", enc=handle, kind=CALL),
    ]
    res = resolve_file(f.f, go("pkg/server/server.go"))
    assert res.imports == ["pkg/store", None, "."]
    assert [res.refs[i] for i in refs] == [
        ("pkg/store", "DB.Get", 0),
        ("fmt", "Println", EXTERNAL),
        ("pkg/server", "helper", 0),
        ("pkg/server", "Server.Close", 0),
        ("pkg/server", "len", 0),
        ("pkg/server", "Handle", 0),
        (None, None, NAME_ONLY),
        (".", "NewThing", 0),
    ]
    assert srv == 0


# --------------------------------------------------------------------------- Java


def java(path: str, package: str) -> FileContext:
    return FileContext(path=path, language="java", module=package, scope=package, package=package)


def test_java_imports_members_fields_and_super():
    f = Facts(package="com.acme.app")
    f.i("com.acme.util", name="Helper", alias="Helper")
    f.i("java.util", name="List", alias="List")
    f.i("com.acme.util.Strings", name="trim", alias="trim")  # import static
    f.i("com.acme.model", name="*")
    svc = f.d("Service", CLASS, bases=("Base",))
    run = f.d("run", METHOD, svc)
    f.d("stop", METHOD, svc)
    f.h("this.repo", "Repo", svc)
    f.h("repo", "Repo", svc)
    f.h("h", "Helper", run)
    refs = [
        f.r("stop", enc=run, kind=CALL),  # own member
        f.r("start", enc=run, kind=CALL),  # inherited: query side walks Base
        f.r("go", recv="h", enc=run, kind=CALL),
        f.r("load", recv="this.repo", enc=run, kind=CALL),
        f.r("load", recv="repo", enc=run, kind=CALL),
        f.r("trim", enc=run, kind=CALL),
        f.r("init", recv="super", enc=run, kind=CALL),
        f.r("Widget", enc=run, kind=TYPE),  # same package or a wildcard import: query side
        f.r("of", recv="List", enc=run, kind=CALL),
        f.r("Base", enc=svc, kind=INHERIT),
    ]
    res = resolve_file(f.f, java("src/com/acme/app/Service.java", "com.acme.app"))
    assert res.imports == ["com.acme.util", "java.util", "com.acme.util", "com.acme.model"]
    assert [res.refs[i] for i in refs] == [
        ("com.acme.app", "Service.stop", 0),
        ("com.acme.app", "Service.start", 0),
        ("com.acme.util", "Helper.go", 0),
        ("com.acme.app", "Repo.load", 0),
        ("com.acme.app", "Repo.load", 0),
        ("com.acme.util", "Strings.trim", 0),
        ("com.acme.app", "Service.init", SUPER),
        ("com.acme.app", "Widget", 0),
        ("java.util", "List.of", 0),
        ("com.acme.app", "Base", 0),
    ]


def test_import_target_per_language():
    imp = parse_pb2.FactImport(module="a.b.c")
    assert import_target(imp, py("x.py", "x")) == "a.b.c"
    assert import_target(parse_pb2.FactImport(module="java.util.Map.Entry"), java("A.java", "p")) == "java.util"
    assert import_target(parse_pb2.FactImport(module="rust::x"), FileContext("a.rs", "rust", "a", "a")) is None


def test_empty_and_large_files():
    assert resolve_file(parse_pb2.FileFacts(), py("x.py", "x")).refs == []
    # a large synthetic file resolves every reference (its speed is bench.graph.speed's to measure)
    f = Facts()
    for n in range(20):
        f.i(f"mod{n}", alias=f"m{n}")
    classes = [f.d(f"C{n}", CLASS) for n in range(50)]
    methods = [f.d(f"m{n}", METHOD, c) for n, c in enumerate(classes)]
    for n, m in enumerate(methods):
        f.h("self.x", f"C{(n + 1) % 50}", m)
        f.h("v", f"m{n % 20}.Thing", m)
    for rep in range(40):
        for n, m in enumerate(methods):
            f.r(f"m{n}", recv="self", enc=m, kind=CALL)
            f.r("go", recv="self.x", enc=m, kind=CALL)
            f.r("run", recv="v", enc=m, kind=CALL)
            f.r("len", enc=m, kind=CALL)
            f.r(f"C{rep}", enc=m)
    ctx = py("big.py", "big")
    refs = resolve_file(f.f, ctx).refs
    assert len(refs) == 10_000
    by_name: dict[tuple[str, str], set[tuple[str | None, str | None, int]]] = {}
    for ref, target in zip(f.f.references, refs, strict=True):
        by_name.setdefault((ref.name, ref.receiver), set()).add(target)
    assert by_name[("m7", "self")] == {("big", "C7.m7", 0)}
    assert by_name[("len", "")] == {("builtins", "len", EXTERNAL)}


def test_malformed_facts_do_not_loop_or_raise():
    f = Facts()
    a = f.d("A", CLASS)
    f.f.definitions[a].parent_index = 5  # points forward (and past the end)
    f.d("m", METHOD, a)
    f.r("m", recv="self", enc=1)
    f.r("x", enc=99)  # an enclosing index past the end
    f.h("y", "A", 42)
    assert f.resolve(py("m.py", "m")) == [("m", "A.m", 0), (None, None, 0)]


# --------------------------------------------------------------------------- positions, content, variables


def _at(facts: Facts, kind: str, i: int, start: int, end: int | None = None) -> None:
    """Give definition / reference `i` a byte span (a definition: its name's)."""
    end = start + 1 if end is None else end
    if kind == "def":
        rng = facts.f.definitions[i].selection_range
    else:
        rng = facts.f.references[i].range
    rng.start_byte, rng.end_byte = start, end


def test_a_decorator_is_evaluated_in_the_scope_around_its_definition():
    # class C:                    @p.setter on the second `p` names the class body's `p`
    #     @property / def p(self): ...
    #     @p.setter / def p(self, v): ...
    f = Facts()
    c = f.d("C", CLASS)
    getter = f.d("p", METHOD, c)
    setter = f.d("p", METHOD, c)
    _at(f, "def", getter, 40)
    _at(f, "def", setter, 90)
    refs = [
        f.r("property", enc=getter),
        f.r("p", enc=setter),
        f.r("setter", recv="p", enc=setter),
        f.r("p", enc=setter),
    ]
    _at(f, "ref", refs[0], 25)  # @property, before the getter's name
    _at(f, "ref", refs[1], 70)  # @p.setter, before the setter's name
    _at(f, "ref", refs[2], 72)
    _at(f, "ref", refs[3], 120)  # `p` in the setter's body: class members are not in scope there
    got = f.resolve(py("pkg/m.py", "pkg.m"))
    assert got[refs[0]] == ("builtins", "property", EXTERNAL)
    assert got[refs[1]] == ("pkg.m", "C.p", 0)
    assert got[refs[2]] == (None, None, NAME_ONLY)  # an attribute of a function object
    assert got[refs[3]] == (None, None, 0)


def test_object_literal_methods_are_not_names_in_scope():
    text = b"export const provider = {\n  setTimeout(h) { return setTimeout(h); },\n};\nfunction run() {}\nconst f = () => 1;\n"
    f = Facts()
    method = f.d("setTimeout")
    f.d("run")
    arrow = f.d("f")
    for i, (start, name) in enumerate(
        [(text.index(b"setTimeout"), b"setTimeout"), (text.index(b"function run"), b"run"), (text.index(b"f ="), b"f")]
    ):
        d = f.f.definitions[i]
        d.range.start_byte = start
        at = text.index(name, start)
        d.selection_range.start_byte, d.selection_range.end_byte = at, at + len(name)
    refs = [f.r("setTimeout", enc=method, kind=CALL), f.r("run", kind=CALL), f.r("f", kind=CALL)]
    ctx = FileContext(path="src/p.ts", language="typescript", module="src/p", scope="src/p")
    got = resolve_file(f.f, ctx, text).refs
    assert got[refs[0]] == (None, None, 0)  # the global setTimeout, not the object's method
    assert got[refs[1]] == ("src/p", "run", 0)
    assert got[refs[2]] == ("src/p", "f", 0)
    assert (method, arrow) == (0, 2)
    # without the content nothing tells them apart (the former answer)
    assert resolve_file(f.f, ctx).refs[refs[0]] == ("src/p", "setTimeout", 0)


def test_module_level_typed_variables_are_listed_with_their_type():
    f = Facts()
    f.i("wrappers", name="Request", alias="Request", level=1)
    f.d("make")
    f.h("request", "Request")  # request: Request = LocalProxy(...)
    f.h("app", "Flask")  # a capitalised name the file does not show: not a type it can place
    f.h("x", "make")  # x = make(): a function's result, not a type
    f.h("local", "Request", enc=0)  # not module level
    f.r("request")
    res = resolve_file(f.f, py("pkg/globals.py", "pkg.globals"))
    assert res.variables == [("request", ("pkg.wrappers", "Request", 0))]


def test_class_attributes_with_a_type_are_listed_as_class_members():
    f = Facts()
    f.i("wrappers", name="Request", alias="Request", level=1)
    app = f.d("App", CLASS)
    init = f.d("__init__", METHOD, app)
    f.h("self.request", "Request", init)  # self.request = Request() in a method
    f.h("json", "Request", app)  # json: Request in the class body
    f.h("__init__", "Request", app)  # a method of the class: its definition answers, not a hint
    f.r("Request")
    res = resolve_file(f.f, py("pkg/app.py", "pkg.app"))
    assert sorted(res.variables) == [
        ("App.json", ("pkg.wrappers", "Request", 0)),
        ("App.request", ("pkg.wrappers", "Request", 0)),
    ]
