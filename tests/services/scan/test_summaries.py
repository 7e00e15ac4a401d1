"""Cross-file function summaries (taint.summaries through RuleSet.summarise / scan(summaries=...)): what a
file's functions export, and other files' calls taking their taint from them."""

from __future__ import annotations

import pytest

from codeintel.kernel import errors
from codeintel.kernel.source import prepare
from services.scan import engine
from services.scan.taint import MAX_SUMMARIES, Summary

RULES = engine.RuleSet.load()

WRAPPER = """package app.helpers;
import javax.servlet.http.HttpServletRequest;
public class RequestWrapper {
    private HttpServletRequest request;
    public RequestWrapper(HttpServletRequest request) { this.request = request; }
    public String getTheParameter(String p) { return request.getParameter(p); }
    public String getTheValue(String p) { return "bar"; }
}
"""
HELPER = """package app.helpers;
public class Text implements Transformer {
    public String passThrough(String s) { return s; }
    public String asNumber(String s) { return String.valueOf(Integer.parseInt(s)); }
    public static String same(String s) { String r = s; return r; }
}
"""
SERVLET = """package app;
import app.helpers.*;
public class Servlet {
    void doPost(HttpServletRequest request, HttpServletResponse response, Statement st) throws Exception {
        BODY
    }
}
"""


def summaries(*files: tuple[str, str]) -> list[Summary]:
    out: list[Summary] = []
    for path, code in files:
        out += RULES.summarise(prepare(path, "", code.encode()))
    return out


def taint_findings(path: str, code: str, sums=()) -> list[engine.FindingInfo]:
    found = RULES.scan(prepare(path, "", code.encode()), summaries=sums).findings
    return [f for f in found if RULES.by_id[f.rule_id].dataflow]


def servlet(body: str) -> str:
    return SERVLET.replace("BODY", body.replace("\n", "\n        "))


JAVA_SUMS = summaries(("helpers/RequestWrapper.java", WRAPPER), ("helpers/Text.java", HELPER))


def test_java_summaries_name_class_methods_and_say_what_reaches_the_return():
    by_name = {s.name: s for s in JAVA_SUMS}
    assert set(by_name) >= {
        "RequestWrapper.getTheParameter",
        "RequestWrapper.getTheValue",
        "Text.passThrough",
        "Transformer.passThrough",  # an interface it implements names it too
        "Text.asNumber",
        "Text.same",
    }
    assert not any(s.simple == "RequestWrapper" for s in JAVA_SUMS)  # constructors are not summarised
    source = by_name["RequestWrapper.getTheParameter"]
    assert source.params == () and "sql-injection" in source.source_kinds
    assert source.source_message == "request data read here" and source.line == 6
    assert by_name["RequestWrapper.getTheValue"].returns_taint is False
    assert by_name["Text.passThrough"].params == ((0, frozenset()),)
    assert by_name["Text.same"].params == ((0, frozenset()),)
    number = by_name["Text.asNumber"]
    assert [i for i, _ in number.params] == [0] and "sql-injection" in number.params[0][1]


def test_a_wrapper_in_another_file_returning_request_data_is_a_source():
    code = servlet(
        'RequestWrapper w = new RequestWrapper(request);\nString p = w.getTheParameter("id");\n'
        'st.executeQuery("SELECT * FROM t WHERE id = " + p);'
    )
    assert taint_findings("app/Servlet.java", code) == []  # per file: the wrapper is unknown
    found = taint_findings("app/Servlet.java", code, JAVA_SUMS)
    assert [f.rule_id for f in found] == ["java.taint.sql-injection"]
    first = found[0].flow[0].message
    assert "RequestWrapper.getTheParameter()" in first and "helpers/RequestWrapper.java:6" in first
    assert found[0].flow[0].range.start_line == 5  # the call in this file


def test_a_helper_returning_its_argument_carries_the_taint_and_a_constant_one_does_not():
    flows = servlet('Text t = new Text();\nst.executeQuery("SELECT " + t.passThrough(request.getParameter("q")));')
    assert [f.rule_id for f in taint_findings("S.java", flows, JAVA_SUMS)] == ["java.taint.sql-injection"]
    static = servlet('st.executeQuery("SELECT " + Text.same(request.getParameter("q")));')
    assert [f.rule_id for f in taint_findings("S.java", static, JAVA_SUMS)] == ["java.taint.sql-injection"]
    constant = servlet(
        "RequestWrapper w = new RequestWrapper(request);\n"
        'st.executeQuery("SELECT " + w.getTheValue(request.getParameter("q")));'
    )
    # java.toml propagates unknown calls: per file this is a finding; the summary says "bar" comes back
    assert [f.rule_id for f in taint_findings("S.java", constant)] == ["java.taint.sql-injection"]
    assert taint_findings("S.java", constant, JAVA_SUMS) == []


def test_a_helper_that_sanitises_makes_no_finding():
    code = servlet('Text t = new Text();\nst.executeQuery("SELECT " + t.asNumber(request.getParameter("q")));')
    assert [f.rule_id for f in taint_findings("S.java", code)] == ["java.taint.sql-injection"]
    assert taint_findings("S.java", code, JAVA_SUMS) == []


def test_an_interface_typed_receiver_takes_its_implementations_and_another_type_takes_none():
    via_interface = servlet(
        'Transformer t = make();\nst.executeQuery("SELECT " + t.passThrough(request.getParameter("q")));'
    )
    assert [f.rule_id for f in taint_findings("S.java", via_interface, JAVA_SUMS)] == ["java.taint.sql-injection"]
    # a receiver of a known type no summary names calls some other class's method: the spec decides
    other = servlet('Unrelated u = make();\nst.executeQuery("SELECT " + u.getTheValue(request.getParameter("q")));')
    assert [f.rule_id for f in taint_findings("S.java", other, JAVA_SUMS)] == ["java.taint.sql-injection"]


def test_same_simple_name_in_several_files_merges_them():
    clean = Summary("A.fetch", (), language="java")
    sourced = Summary("B.fetch", (), frozenset({"sql-injection"}), "request data read here", "B.java", 3, "java")
    code = servlet('st.executeQuery("SELECT " + make().fetch("x"));')
    assert taint_findings("S.java", code, [clean]) == []
    assert [f.rule_id for f in taint_findings("S.java", code, [clean, sourced])] == ["java.taint.sql-injection"]
    # an exact match (the static call's class) wins over the others of that name
    exact = servlet('st.executeQuery("SELECT " + A.fetch("x"));')
    assert taint_findings("S.java", exact, [clean, sourced]) == []


def test_functions_of_the_file_itself_come_before_summaries():
    code = servlet(
        'st.executeQuery("SELECT " + passThrough(request.getParameter("q")));\n}\n'
        "String passThrough(String s) { return s; }\nvoid unused() {"
    )
    constant = [Summary("Text.passThrough", (), language="java")]
    assert [f.rule_id for f in taint_findings("S.java", code, constant)] == ["java.taint.sql-injection"]


PY_WRAPPER = """import flask

class RequestWrapper:
    def __init__(self, request: flask.Request):
        self.request = request

    def form_value(self, name):
        return self.request.form.get(name)

    def constant(self, name):
        return "bar"
"""
PY_HELPERS = """def same(x):
    return x

def as_int(x):
    return str(int(x))
"""
PY_VIEW = """from flask import request
import helpers
from separate import RequestWrapper

def view(cur):
    BODY
"""


def py_view(body: str) -> str:
    return PY_VIEW.replace("BODY", body.replace("\n", "\n    "))


PY_SUMS = summaries(("pkg/separate.py", PY_WRAPPER), ("pkg/helpers.py", PY_HELPERS))


def test_python_summaries_name_module_functions_and_methods_without_self():
    by_name = {s.name: s for s in PY_SUMS}
    assert set(by_name) == {"RequestWrapper.form_value", "RequestWrapper.constant", "helpers.same", "helpers.as_int"}
    assert by_name["RequestWrapper.form_value"].source_kinds
    assert by_name["helpers.same"].params == ((0, frozenset()),)
    assert by_name["RequestWrapper.constant"].returns_taint is False


def test_python_cross_file_flows_and_sanitising_helpers():
    wrapper = py_view('w = RequestWrapper(request)\ncur.execute("SELECT " + w.form_value("q"))')
    assert taint_findings("view.py", wrapper) == []
    found = taint_findings("view.py", wrapper, PY_SUMS)
    assert [f.rule_id for f in found] == ["py.taint.sql-injection"]
    assert "RequestWrapper.form_value()" in found[0].flow[0].message
    same = py_view('cur.execute("SELECT " + helpers.same(request.args["q"]))')
    assert [f.rule_id for f in taint_findings("view.py", same, PY_SUMS)] == ["py.taint.sql-injection"]
    as_int = py_view('cur.execute("SELECT " + helpers.as_int(request.args["q"]))')
    assert [f.rule_id for f in taint_findings("view.py", as_int)] == ["py.taint.sql-injection"]
    assert taint_findings("view.py", as_int, PY_SUMS) == []


def test_summaries_of_another_language_are_ignored():
    code = py_view('cur.execute("SELECT " + helpers.same(request.args["q"]))')
    java_only = [Summary("helpers.same", (), language="java")]
    assert [f.rule_id for f in taint_findings("view.py", code, java_only)] == ["py.taint.sql-injection"]


def test_too_many_summaries_is_invalid_input():
    many = [Summary(f"A.f{i}", (), language="java") for i in range(MAX_SUMMARIES + 1)]
    with pytest.raises(errors.InvalidInput, match="limit is 20000"):
        RULES.scan(prepare("S.java", "", servlet("").encode()), summaries=many)
    assert RULES.scan(prepare("S.java", "", servlet("").encode()), summaries=many[:MAX_SUMMARIES]).findings == []


def test_summarise_of_a_language_without_scan_rules_is_unsupported():
    with pytest.raises(errors.UnsupportedLanguage):
        RULES.summarise(prepare("a.rs", "", b"fn f(x: i32) -> i32 { x }\n"))
