"""Module and scope keys of indexed files (codeintel.graph.modules)."""

from __future__ import annotations

import pytest

from codeintel.graph.modules import go_package, module_key, read_go_module

PACKAGES = {"pkg", "pkg/sub", "src/app", "Lib/test"}


def is_pkg(d: str) -> bool:
    return d in PACKAGES


@pytest.mark.parametrize(
    "path, expected",
    [
        ("pkg/__init__.py", "pkg"),
        ("pkg/mod.py", "pkg.mod"),
        ("pkg/sub/__init__.py", "pkg.sub"),
        ("pkg/sub/deep.pyi", "pkg.sub.deep"),
        ("top.py", "top"),
        ("scripts/tool.py", "tool"),  # not a package: a top-level module
        ("src/app/main.py", "app.main"),  # src/ is not a package: the import root
        ("Lib/test/test_x.py", "test.test_x"),
        ("bin/run", "run"),  # a shebang script
    ],
)
def test_python_modules_follow_the_init_chain(path, expected):
    assert module_key(path, "python", is_pkg) == (expected, expected)


def test_a_root_that_is_a_package_leads_with_its_name():
    def root_pkg(d: str) -> bool:
        return d in ("", "sub")

    assert module_key("app.py", "python", root_pkg, root_name="flask")[0] == "flask.app"
    assert module_key("__init__.py", "python", root_pkg, root_name="flask")[0] == "flask"
    assert module_key("sub/x.py", "python", root_pkg, root_name="flask")[0] == "flask.sub.x"


def test_namespace_subpackages_continue_the_dotted_path():
    # PEP 420: a directory without __init__.py inside a package is a namespace subpackage
    def pkgs(d: str) -> bool:
        return d in ("flask", "a", "a/b/c")

    assert module_key("flask/sansio/app.py", "python", pkgs)[0] == "flask.sansio.app"
    assert module_key("flask/sansio/deep/x.py", "python", pkgs)[0] == "flask.sansio.deep.x"
    assert module_key("a/b/c/m.py", "python", pkgs)[0] == "a.b.c.m"  # the outermost package leads
    # loose scripts with no package above them stay top-level modules
    assert module_key("tools/gen.py", "python", pkgs)[0] == "gen"
    assert module_key("run.py", "python", pkgs)[0] == "run"
    # below a root that is a package, a plain directory is a namespace subpackage of it
    assert module_key("ns/x.py", "python", lambda d: d == "", root_name="flask")[0] == "flask.ns.x"


@pytest.mark.parametrize(
    "path, language, expected",
    [
        ("src/util.ts", "typescript", "src/util"),
        ("src/util/index.js", "javascript", "src/util/index"),
        ("types/api.d.ts", "typescript", "types/api"),
        ("ui/App.tsx", "tsx", "ui/App"),
        ("lib/x.mjs", "javascript", "lib/x"),
    ],
)
def test_js_modules_are_paths_without_extension(path, language, expected):
    assert module_key(path, language, is_pkg) == (expected, expected)


def test_go_packages_are_directories_and_java_packages_are_declared():
    assert module_key("pkg/server/s.go", "go", is_pkg, "example.com/x") == ("pkg/server", "pkg/server")
    assert module_key("main.go", "go", is_pkg) == (".", ".")
    assert module_key("src/com/acme/A.java", "java", is_pkg, package="com.acme") == ("com.acme", "com.acme")
    assert module_key("A.java", "java", is_pkg) == ("", "")
    assert module_key("native/m.c", "c", is_pkg) == ("native/m", "native/m")


def test_go_import_paths_map_onto_package_directories():
    assert go_package("example.com/x/pkg/server", "example.com/x") == "pkg/server"
    assert go_package("example.com/x", "example.com/x") == "."
    assert go_package("example.com/xy/z", "example.com/x") is None
    assert go_package("fmt", "") is None
    assert read_go_module('// c\nmodule "example.com/q"\n\ngo 1.22\n') == "example.com/q"
    assert read_go_module("go 1.22\n") == ""
