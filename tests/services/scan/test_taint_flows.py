"""Taint that follows data the way real code moves it: constants and dead branches, collections read
back at constant keys, builders, calls of functions in the same file, declared types, guards per sink
kind, framework sinks, and pattern rules deferring to the taint pass. (Basics: test_taint.py.)"""

from __future__ import annotations

import pytest

from codeintel.kernel.source import prepare
from services.scan import engine

RULES = engine.RuleSet.load()


def ids(code: str, path: str) -> list[str]:
    return sorted({f.rule_id for f in RULES.scan(prepare(path, "", code.encode())).findings})


def servlet(body: str, extra: str = "") -> str:
    """A Java servlet method with `param` read from the request, then `body`."""
    return (
        "class T extends HttpServlet {\n"
        "  public void doPost(HttpServletRequest request, HttpServletResponse response) throws Exception {\n"
        '    String param = request.getParameter("p");\n'
        f"    {body}\n"
        "  }\n"
        f"{extra}"
        "}\n"
    )


SQL = 'statement.executeQuery("SELECT * FROM t WHERE a = \'" + bar + "\'");'


def java_sql(body: str, extra: str = "") -> list[str]:
    return [i for i in ids(servlet(body + "\n    " + SQL, extra), "T.java") if i == "java.taint.sql-injection"]


# --------------------------------------------------------------------------- constants and dead branches


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ('int num = 106;\n    String bar = (7 * 18) + num > 200 ? "fixed" : param;', False),
        ('int num = 106;\n    String bar = (7 * 18) + num > 200 ? param : "fixed";', True),
        ('int num = 86;\n    String bar;\n    if ((7 * 42) - num > 200) bar = "fixed"; else bar = param;', False),
        ('int num = 196;\n    String bar;\n    if ((7 * 42) - num > 200) bar = "fixed"; else bar = param;', True),
        ('String bar = param;\n    bar = "overwritten";', False),
        (
            'String guess = "ABC";\n    char t = guess.charAt(1);\n    String bar;\n'
            "    switch (t) {\n      case 'A': bar = param; break;\n      case 'B': bar = \"bob\"; break;\n"
            "      default: bar = param; break;\n    }",
            False,
        ),
        (
            'String guess = "ABC";\n    char t = guess.charAt(2);\n    String bar;\n'
            "    switch (t) {\n      case 'A': bar = \"x\"; break;\n      case 'B': bar = \"bob\"; break;\n"
            "      case 'C': case 'D': bar = param; break;\n      default: bar = \"y\"; break;\n    }",
            True,
        ),
        # a condition the pass cannot fold keeps both branches
        ('String bar = request.getHeader("h") != null ? "fixed" : param;', True),
    ],
)
def test_java_constant_conditions(body, found):
    assert bool(java_sql(body)) is found


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ('bar = "This should never happen"\n    if "should" in bar:\n        bar = param', True),
        ('bar = "This should never happen"\n    if "should" not in bar:\n        bar = param', False),
        ("num = 106\n    bar = 'fixed' if 7 * 18 + num > 200 else param", False),
        ("num = 106\n    bar = param if 7 * 18 + num > 200 else 'fixed'", True),
        (
            'possible = "ABC"\n    guess = possible[1]\n    match guess:\n        case "A":\n            bar = param\n'
            '        case "B":\n            bar = "bob"\n        case _:\n            bar = param',
            False,
        ),
        (
            'possible = "ABC"\n    guess = possible[2]\n    match guess:\n        case "A":\n            bar = "x"\n'
            '        case "C" | "D":\n            bar = param\n        case _:\n            bar = "y"',
            True,
        ),
    ],
)
def test_python_constant_conditions(body, found):
    code = (
        "from flask import request\n@app.route('/x', methods=['POST'])\ndef view():\n"
        "    param = request.form.get('p')\n"
        f"    {body}\n"
        '    cur.execute("SELECT * FROM t WHERE a = \'" + bar + "\'")\n'
    )
    assert ("py.taint.sql-injection" in ids(code, "app.py")) is found


# --------------------------------------------------------------------------- collections and builders


@pytest.mark.parametrize(
    ("body", "found"),
    [
        (
            "java.util.HashMap<String, Object> m = new java.util.HashMap<String, Object>();\n"
            '    m.put("keyA", "a-Value");\n    m.put("keyB", param);\n    String bar = (String) m.get("keyB");',
            True,
        ),
        (
            "java.util.HashMap<String, Object> m = new java.util.HashMap<String, Object>();\n"
            '    m.put("keyA", "a-Value");\n    m.put("keyB", param);\n    String bar = (String) m.get("keyA");',
            False,
        ),
        (
            "java.util.List<String> l = new java.util.ArrayList<String>();\n"
            '    l.add("safe");\n    l.add(param);\n    l.add("moresafe");\n    l.remove(0);\n'
            "    String bar = l.get(0);",
            True,
        ),
        (
            "java.util.List<String> l = new java.util.ArrayList<String>();\n"
            '    l.add("safe");\n    l.add(param);\n    l.add("moresafe");\n    l.remove(0);\n'
            "    String bar = l.get(1);",
            False,
        ),
        (
            'StringBuilder sb = new StringBuilder();\n    sb.append("x").append(param);\n    String bar = sb.toString();',
            True,
        ),
        ('StringBuilder sb = new StringBuilder();\n    sb.append("x");\n    String bar = sb.toString();', False),
        # a map whose structure the pass cannot follow (non-constant key) holds whatever was put in it
        (
            'java.util.Map<String, String> m = new java.util.HashMap<>();\n    m.put(param, param);\n    String bar = m.get("k");',
            True,
        ),
    ],
)
def test_java_collections(body, found):
    assert bool(java_sql(body)) is found


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ("m = {}\n    m['a'] = 'x'\n    m['b'] = param\n    bar = m['b']", True),
        ("m = {}\n    m['a'] = 'x'\n    m['b'] = param\n    bar = m['a']", False),
        ("m = {'a': 'x', 'b': param}\n    bar = m.get('a', 'd')", False),
        (
            "lst = []\n    lst.append('safe')\n    lst.append(param)\n    lst.append('more')\n    lst.pop(0)\n    bar = lst[0]",
            True,
        ),
        (
            "lst = []\n    lst.append('safe')\n    lst.append(param)\n    lst.append('more')\n    lst.pop(0)\n    bar = lst[1]",
            False,
        ),
        (
            "import configparser\n    c = configparser.ConfigParser()\n    c.add_section('s')\n"
            "    c.set('s', 'a', 'x')\n    c.set('s', 'b', param)\n    bar = c.get('s', 'a')",
            False,
        ),
        (
            "import configparser\n    c = configparser.ConfigParser()\n    c.add_section('s')\n"
            "    c.set('s', 'a', 'x')\n    c.set('s', 'b', param)\n    bar = c.get('s', 'b')",
            True,
        ),
    ],
)
def test_python_collections(body, found):
    code = (
        "from flask import request\ndef view(cur):\n    param = request.args.get('p')\n"
        f"    {body}\n"
        "    cur.execute('SELECT ' + bar)\n"
    )
    assert ("py.taint.sql-injection" in ids(code, "app.py")) is found


# --------------------------------------------------------------------------- calls of functions in the file


INNER = (
    "  private static class Test {\n"
    "    public String doSomething(HttpServletRequest request, String param) throws Exception {\n"
    "      {inner}\n"
    "    }\n"
    "  }\n"
)


@pytest.mark.parametrize(
    ("inner", "found"),
    [
        ("String bar = param;\n      return bar;", True),
        ('String bar = "safe";\n      return bar;', False),
        ("int n = Integer.parseInt(param);\n      return String.valueOf(n);", False),
        ('int num = 106;\n      String bar = (7 * 18) + num > 200 ? "fixed" : param;\n      return bar;', False),
    ],
)
def test_java_same_file_summaries(inner, found):
    body = "String bar = new Test().doSomething(request, param);"
    assert bool(java_sql(body, INNER.replace("{inner}", inner))) is found


def test_python_same_file_summary_and_flow_step():
    code = (
        "from flask import request\n"
        "def tidy(value, unused):\n    return value.strip()\n"
        "def fixed(value):\n    return 'constant'\n"
        "def view(cur):\n"
        "    a = tidy(request.args['a'], 1)\n"
        "    cur.execute('SELECT ' + a)\n"
        "    b = fixed(request.args['b'])\n"
        "    cur.execute('SELECT ' + b)\n"
    )
    found = [
        f for f in RULES.scan(prepare("app.py", "", code.encode())).findings if f.rule_id == "py.taint.sql-injection"
    ]
    assert [f.range.start_line + 1 for f in found] == [8]
    assert any("returned by tidy()" in s.message for s in found[0].flow)


# --------------------------------------------------------------------------- declared types


def test_java_scalar_declarations_carry_no_injection():
    assert not java_sql("int n = Integer.valueOf(param.length());\n    long bar = param.hashCode() + n;")
    assert java_sql("Object bar = param.trim();")


def test_java_receiver_type_declared_before_the_taint_picks_the_sink():
    code = servlet(
        "javax.xml.xpath.XPath xp = javax.xml.xpath.XPathFactory.newInstance().newXPath();\n"
        '    String expression = "/users/user[@id=\'" + param + "\']";\n'
        "    xp.evaluate(expression, doc);"
    )
    assert "java.taint.xpath-injection" in ids(code, "T.java")


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ("float rand = new java.util.Random().nextFloat();", True),
        ("java.util.Random g = new java.util.Random();\n    float rand = g.nextFloat();", True),
        (
            'java.util.Random g = java.security.SecureRandom.getInstance("SHA1PRNG");\n    float rand = g.nextFloat();',
            False,
        ),
        ("double rand = java.lang.Math.random();", True),
        ("double rand = new java.security.SecureRandom().nextDouble();", False),
    ],
)
def test_java_weak_randomness_into_a_cookie(line, found):
    code = servlet(
        f'{line}\n    String key = Float.toString((float) rand);\n    response.addCookie(new javax.servlet.http.Cookie("remember", key));'
    )
    assert ("java.taint.weak-randomness" in ids(code, "T.java")) is found


def test_request_data_into_a_cookie_is_not_weak_randomness():
    assert "java.taint.weak-randomness" not in ids(servlet('response.addCookie(new Cookie("c", param));'), "T.java")


# --------------------------------------------------------------------------- guards per sink kind


def py_view(body: str) -> str:
    return f"from flask import request\nimport os, requests, urllib.parse\ndef view(cur):\n    bar = request.args.get('p')\n    {body}\n"


def test_deny_character_check_guards_its_kinds_only():
    code = py_view("if '../' in bar:\n        return 'no'\n    open('/srv/' + bar)\n    cur.execute('SELECT ' + bar)")
    assert ids(code, "app.py") == ["py.taint.sql-injection"]


def test_url_host_allow_list_after_parsing_guards_redirects_and_ssrf():
    safe = py_view(
        "u = urllib.parse.urlparse(bar)\n"
        "    if u.netloc not in ['example.com'] or u.scheme != 'https':\n        return 'no'\n"
        "    requests.get(bar)"
    )
    assert "py.taint.ssrf" not in ids(safe, "app.py")
    assert "py.taint.ssrf" in ids(py_view("u = urllib.parse.urlparse(bar)\n    requests.get(bar)"), "app.py")


def test_resolved_path_with_prefix_check_guards_path_traversal_only_when_resolved():
    guarded = "if not str(p).startswith('/srv/files'):\n        return 'no'\n    open(p)"
    assert "py.taint.path-traversal" not in ids(
        py_view(f"p = os.path.realpath('/srv/files/' + bar)\n    {guarded}"), "app.py"
    )
    assert "py.taint.path-traversal" in ids(py_view(f"p = '/srv/files/' + bar\n    {guarded}"), "app.py")


def test_anchored_regex_and_constant_tables():
    js = (
        "app.get('/go', (req, res) => {\n  const t = String(req.query.to);\n"
        "  res.redirect(/^\\/(?![\\/\\\\])/.test(t) ? t : '/');\n});\n"
        "app.get('/go2', (req, res) => {\n  res.redirect(PAGES[req.query.to] || '/');\n});\n"
    )
    assert "js.taint.open-redirect" not in ids(js, "app.js")
    assert "js.taint.open-redirect" in ids(
        "app.get('/g', (req, res) => {\n  res.redirect(req.query.to);\n});\n", "app.js"
    )
    assert "py.taint.sql-injection" not in ids(py_view("cur.execute('SELECT ' + COLUMNS.get(bar, 'id'))"), "app.py")


def test_go_map_allow_list_with_reset():
    code = (
        'package m\nimport "net/http"\nvar cols = map[string]bool{"a": true}\n'
        'func h(w http.ResponseWriter, r *http.Request) {\n\tc := r.URL.Query().Get("s")\n'
        '\tif !cols[c] {\n\t\tc = "a"\n\t}\n\tdb.Query("SELECT * FROM t ORDER BY " + c)\n}\n'
    )
    assert "go.taint.sql-injection" not in ids(code, "m.go")
    assert "go.taint.sql-injection" in ids(code.replace('\tif !cols[c] {\n\t\tc = "a"\n\t}\n', ""), "m.go")


# --------------------------------------------------------------------------- framework sinks


def test_flask_route_returning_built_text_is_xss_but_json_or_templates_are_not():
    base = "from flask import request, jsonify, render_template\n@app.route('/a')\ndef a():\n    name = request.args['n']\n"
    assert "py.taint.xss" in ids(base + "    out = ''\n    out += f'<p>{name}</p>'\n    return out\n", "app.py")
    assert "py.taint.xss" not in ids(base + "    return jsonify({'name': name})\n", "app.py")
    assert "py.taint.xss" not in ids(base + "    return render_template('a.html', name=name)\n", "app.py")
    # not a route: a helper returning text is no response
    assert "py.taint.xss" not in ids(base.replace("@app.route('/a')\n", "") + "    return '<p>' + name\n", "app.py")


def test_session_stores_and_shell_argument_lists():
    code = (
        "import flask, random, subprocess\nfrom flask import request\ndef v():\n"
        "    bar = request.args['x']\n    flask.session['user'] = bar\n"
        "    flask.session['token'] = str(random.getrandbits(64))\n"
        "    args = ['sh', '-c', 'echo ' + bar]\n    subprocess.run(args)\n"
        "    subprocess.run(['echo', bar])\n"
    )
    found = ids(code, "app.py")
    assert {"py.taint.trust-boundary", "py.taint.weak-randomness", "py.taint.command-injection"} <= set(found)
    cmd = [
        f
        for f in RULES.scan(prepare("app.py", "", code.encode())).findings
        if f.rule_id == "py.taint.command-injection"
    ]
    assert [f.range.start_line + 1 for f in cmd] == [8]  # the list without a shell runs no shell


def test_ldap_search_is_a_sink_only_where_an_ldap_module_is_imported():
    body = "from flask import request\ndef v(conn):\n    uid = request.args['u']\n    conn.search('dc=x', '(uid=' + uid + ')')\n"
    assert "py.taint.ldap-injection" in ids("import ldap3\n" + body, "app.py")
    assert "py.taint.ldap-injection" not in ids("import re\n" + body, "app.py")


def test_a_sink_result_is_reported_once_along_its_flow():
    code = (
        "from flask import request, make_response\nfrom markupsafe import Markup\ndef v():\n"
        "    html = Markup('<b>%s</b>' % request.args['m'])\n    return make_response(html)\n"
    )
    found = [f for f in RULES.scan(prepare("app.py", "", code.encode())).findings if f.rule_id == "py.taint.xss"]
    assert [f.range.start_line + 1 for f in found] == [4]


# --------------------------------------------------------------------------- pattern rules defer to the taint pass


def test_pattern_rule_defers_where_the_taint_pass_saw_the_input():
    handler = (
        "from flask import request\n@app.route('/e', methods=['POST'])\ndef e():\n"
        "    param = request.form.get('p')\n    bar = 'fixed' if 7 * 18 > 100 else param\n    return str(eval(bar))\n"
    )
    assert not [i for i in ids(handler, "app.py") if i in ("py.eval-non-constant", "py.taint.code-injection")]
    library = "def run(expr):\n    return eval(expr)\n"  # no untrusted input seen: the pattern rule still warns
    assert "py.eval-non-constant" in ids(library, "lib.py")


# --------------------------------------------------------------------------- parameters that carry request data


@pytest.mark.parametrize(
    ("code", "path", "rule"),
    [
        (
            'class C {\n  @GetMapping("/u")\n  List<User> find(@RequestParam("q") String q, JdbcTemplate t) {\n'
            '    return t.queryForList("SELECT * FROM u WHERE n = \'" + q + "\'");\n  }\n}\n',
            "C.java",
            "java.taint.sql-injection",
        ),
        (
            "class C {\n  @Get('x')\n  f(@Query('role') role: string) {\n"
            '    return this.db.query("SELECT * FROM u WHERE r = \'" + role + "\'");\n  }\n}\n',
            "c.ts",
            "js.taint.sql-injection",
        ),
        (
            "import os\n@app.route('/files/<name>')\ndef show(name):\n    return open('/srv/' + name).read()\n",
            "app.py",
            "py.taint.path-traversal",
        ),
        (
            "import subprocess\ndef lambda_handler(event, context):\n"
            "    subprocess.run('echo ' + event['queryStringParameters']['n'], shell=True)\n",
            "fn.py",
            "py.taint.command-injection",
        ),
        (
            "const { exec } = require('child_process');\n"
            "exports.handler = async (event, context) => {\n  exec('ls ' + event.queryStringParameters.dir);\n};\n",
            "fn.js",
            "js.taint.command-injection",
        ),
        (
            "async def h(request):\n    name = request.match_info['name']\n"
            '    cur.execute("SELECT * FROM t WHERE n = \'" + name + "\'")\n',
            "aio.py",
            "py.taint.sql-injection",
        ),
    ],
)
def test_framework_parameters_and_events_are_sources(code, path, rule):
    assert rule in ids(code, path)


def test_numbers_and_dependencies_are_not_request_data():
    code = (
        "@app.get('/items/{item_id}')\nasync def read(item_id: int, db: Session = Depends(get_db), "
        "q: str = ''):\n    db.execute('SELECT * FROM t WHERE id = ' + str(item_id))\n"
    )
    assert "py.taint.sql-injection" not in ids(code, "api.py")
    assert "py.taint.sql-injection" in ids(code.replace("str(item_id)", "q"), "api.py")
    # a plain function with the same parameters is no route
    assert "py.taint.path-traversal" not in ids("def show(name):\n    return open('/srv/' + name).read()\n", "lib.py")


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ('new ProcessBuilder("sh", "-c", "echo " + param).start();', True),
        ('new ProcessBuilder("echo", param).start();', False),  # no shell: one argument, not a command line
        (
            'java.util.List<String> a = new java.util.ArrayList<String>();\n    a.add("sh");\n    a.add("-c");\n'
            '    a.add("echo " + param);\n    ProcessBuilder pb = new ProcessBuilder();\n    pb.command(a);',
            True,
        ),
        ('String[] env = {"X=" + param};\n    Runtime.getRuntime().exec("ls", env);', True),  # the environment
        ('response.getWriter().format(java.util.Locale.US, "%s", new Object[] {param});', False),
    ],
)
def test_java_process_and_writer_sinks(line, found):
    assert ("java.taint.command-injection" in ids(servlet(line), "T.java")) is found


def test_java_formatted_response_is_xss():
    code = servlet('Object[] obj = {"a", param};\n    response.getWriter().format(java.util.Locale.US, "%s %s", obj);')
    assert "java.taint.xss" in ids(code, "T.java")


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ('jdbcTemplate.query("SELECT * FROM t WHERE a = \'" + param + "\'", mapper);', True),
        ('Db.JDBCtemplate.batchUpdate("DELETE FROM t WHERE a = \'" + param + "\'");', True),
        ('cache.query("k" + param);', False),  # a query method of something that is no SQL template
    ],
)
def test_java_spring_jdbc_template_sinks(line, found):
    assert ("java.taint.sql-injection" in ids(servlet(line), "T.java")) is found


def test_replacing_a_character_guards_the_kinds_it_matters_to():
    quoted = py_view(
        'q = "//u[@id=\'" + bar.replace("\'", "&apos;") + "\']"\n    tree.xpath(q)\n    open(bar.replace("\'", ""))'
    )
    found = ids("from lxml import etree\n" + quoted, "app.py")
    assert "py.taint.xpath-injection" not in found and "py.taint.path-traversal" in found
    # a replacement that puts the character back protects nothing
    kept = py_view('tree.xpath("//u[@id=\'" + bar.replace("\'", "\\\\\'") + "\']")')
    assert "py.taint.xpath-injection" in ids(kept, "app.py")
