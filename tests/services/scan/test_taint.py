"""Taint analysis (the taint package's analysis, guards and grammar): sources reaching sinks through
assignments, formatting and calls; sanitisers, allow-list guards and parameterised queries stopping it;
flow steps; bounded work. Spec loading: test_taint_spec.py."""

from __future__ import annotations

import pytest

from codeintel.kernel import errors
from codeintel.kernel.budget import Budget
from codeintel.kernel.source import prepare
from services.scan import engine

RULES = engine.RuleSet.load()


def scan(code: str, path: str = "app.py", **kw) -> engine.ScanOutcome:
    return RULES.scan(prepare(path, "", code.encode()), **kw)


def taint_ids(code: str, path: str = "app.py", **kw) -> list[str]:
    return [f.rule_id for f in scan(code, path, **kw).findings if RULES.by_id[f.rule_id].dataflow]


def flow_of(code: str, path: str = "app.py", rule: str = "") -> list[tuple[int, str]]:
    found = [f for f in scan(code, path).findings if f.flow and (not rule or f.rule_id == rule)]
    assert len(found) == 1, found
    return [(s.range.start_line + 1, s.message) for s in found[0].flow]


# --------------------------------------------------------------------------- Python

FLASK = "from flask import request\nimport os, subprocess, shlex\n"


@pytest.mark.parametrize(
    "body",
    [
        'cur.execute("SELECT * FROM t WHERE a = \'" + request.args["a"] + "\'")',
        'q = request.form["q"]\ncur.execute(f"SELECT {q} FROM t")',
        'q = "SELECT * FROM t WHERE id = %s" % request.values.get("id")\ncur.execute(q)',
        'q = "SELECT * FROM t WHERE id = {}".format(request.cookies["id"])\ncur.execute(q)',
        'parts = ["SELECT", request.args["cols"], "FROM t"]\ncur.execute(" ".join(parts))',
        'data = request.get_json()\nname = data["name"].strip().lower()\ncur.execute("SELECT " + name)',
        'q = request.args["q"]\nq += " OR 1=1"\ncur.executemany(q, rows)',
        'a, b = request.args["a"], 1\ncur.execute("SELECT " + a)',
        'for item in request.args.getlist("x"):\n        cur.execute("DELETE FROM t WHERE k = " + item)',
        'cur.execute(sql="SELECT " + request.headers["X-Col"])',
        # an unknown function's result carries its arguments (python.toml: unknown_calls = "propagate")
        'q = lookup(request.args["q"])\ncur.execute(q)',
    ],
)
def test_python_sql_flows(body):
    code = FLASK + "def view(cur, rows):\n    " + body.replace("\n", "\n    ") + "\n"
    assert taint_ids(code) == ["py.taint.sql-injection"], code


@pytest.mark.parametrize(
    "body",
    [
        'uid = request.args["id"]\ncur.execute("SELECT * FROM t WHERE id = %s", (uid,))',  # parameterised
        'uid = int(request.args["id"])\ncur.execute("SELECT * FROM t WHERE id = %d" % uid)',  # int() sanitises
        'q = request.args["q"]\nq = "SELECT 1"\ncur.execute(q)',  # constant reassignment clears
        'q = request.args["q"]\ncur.execute("SELECT 1", (q,))',
        'n = len(request.args["q"])\ncur.execute("SELECT %d" % n)',
        'ok = request.args["q"] == "yes"\ncur.execute("SELECT " + str(ok))',  # a comparison is a boolean
        'cur.execute("SELECT " + os.environ["TABLE"])',  # the environment is not untrusted
    ],
)
def test_python_sql_safe(body):
    code = FLASK + "def view(cur):\n    " + body.replace("\n", "\n    ") + "\n"
    assert taint_ids(code) == [], code


def test_reassignment_in_one_branch_does_not_clear():
    code = FLASK + (
        "def view(cur, fast):\n    q = request.args['q']\n    if fast:\n        q = 'SELECT 1'\n    cur.execute(q)\n"
    )
    assert taint_ids(code) == ["py.taint.sql-injection"]


def test_taint_in_a_branch_reaches_after_it():
    code = FLASK + (
        "def view(cur, fast):\n    q = 'SELECT 1'\n    if fast:\n        q = request.args['q']\n    cur.execute(q)\n"
    )
    assert taint_ids(code) == ["py.taint.sql-injection"]


@pytest.mark.parametrize(
    "guard, found",
    [
        ("    if col not in ALLOWED:\n        return None\n", []),
        ("    if col not in ('name', 'age'):\n        raise ValueError(col)\n", []),
        ("    if col not in ALLOWED:\n        abort(400)\n", []),
        ("    if col not in ALLOWED:\n        log(col)\n", ["py.taint.sql-injection"]),  # no exit: not a guard
        ("    if col not in allowed_for(user):\n        return None\n", ["py.taint.sql-injection"]),  # not constant
        ("", ["py.taint.sql-injection"]),
    ],
)
def test_allow_list_guard(guard, found):
    code = (
        FLASK
        + "ALLOWED = {'name', 'age'}\ndef view(cur, user):\n    col = request.args['sort']\n"
        + guard
        + "    cur.execute(f'SELECT * FROM t ORDER BY {col}')\n"
    )
    assert taint_ids(code) == found, code


def test_positive_allow_list_guard_covers_its_body_only():
    code = FLASK + (
        "ALLOWED = {'name', 'age'}\ndef view(cur):\n    col = request.args['sort']\n"
        "    if col in ALLOWED:\n        cur.execute(f'SELECT * FROM t ORDER BY {col}')\n"
        "    cur.execute('SELECT * FROM t ORDER BY ' + col)\n"
    )
    out = scan(code)
    assert [(f.rule_id, f.range.start_line) for f in out.findings if f.flow] == [("py.taint.sql-injection", 7)]


@pytest.mark.parametrize(
    "body, rule",
    [
        ('os.system("ping " + request.args["h"])', "py.taint.command-injection"),
        ('subprocess.run("ls " + request.args["d"], shell=True)', "py.taint.command-injection"),
        ("subprocess.check_output(f\"grep {request.form['p']} f\", shell=True)", "py.taint.command-injection"),
        ('eval(request.args["e"])', "py.taint.code-injection"),
        ('open(os.path.join("/srv", request.args["f"]))', "py.taint.path-traversal"),
        ('requests.get(request.args["u"])', "py.taint.ssrf"),
        ('return redirect(request.args.get("next"))', "py.taint.open-redirect"),
        ('return render_template_string("<p>" + request.args["n"] + "</p>")', "py.taint.template-injection"),
        ("return pickle.loads(request.data)", "py.taint.unsafe-deserialization"),
        ("return yaml.load(request.data, Loader=yaml.Loader)", "py.taint.unsafe-deserialization"),
        ('name = input()\nos.system("echo " + name)', "py.taint.command-injection"),
        ('import sys\nos.system("rm " + sys.argv[1])', "py.taint.command-injection"),
    ],
)
def test_python_sinks(body, rule):
    code = FLASK + "def view():\n    " + body.replace("\n", "\n    ") + "\n"
    assert rule in taint_ids(code), code


@pytest.mark.parametrize(
    "body",
    [
        'os.system("ping " + shlex.quote(request.args["h"]))',
        'subprocess.run(["ls", request.args["d"]])',  # no shell
        'subprocess.run("ls " + request.args["d"], shell=False)',
        'open(os.path.join("/srv", os.path.basename(request.args["f"])))',
        'return render_template_string("<p>{{ n }}</p>", n=request.args["n"])',
        "return yaml.load(request.data, Loader=yaml.SafeLoader)",
        'name = input\nos.system("echo " + name)',  # the function itself, not input read from it
        "import sys\nreturn open(sys.argv[1]).read()",  # a CLI opens the file its user names (not_for)
    ],
)
def test_python_sinks_safe(body):
    code = FLASK + "def view():\n    " + body.replace("\n", "\n    ") + "\n"
    assert taint_ids(code) == [], code


def test_kind_specific_sanitiser_does_not_stop_other_sinks():
    code = (
        FLASK
        + "def view(cur):\n    h = shlex.quote(request.args['h'])\n    os.system('ping ' + h)\n    cur.execute('SELECT ' + h)\n"
    )
    assert taint_ids(code) == ["py.taint.sql-injection"]


def test_function_scopes_are_separate_and_parameters_shadow():
    code = FLASK + (
        "q = request.args['q']\ndef f(cur, q):\n    cur.execute(q)\ndef g(cur):\n    cur.execute(q)\n"
        "def h(cur):\n    x = request.args['x']\ndef k(cur):\n    cur.execute(x)\n"
    )
    out = scan(code)
    # f's parameter q shadows the module's tainted q; g reads the module's; k cannot see h's x
    assert [(f.rule_id, f.range.start_line) for f in out.findings if f.flow] == [("py.taint.sql-injection", 6)]


def test_attribute_and_with_targets():
    code = FLASK + (
        "class V:\n    def get(self, cur):\n        self.name = request.args['n']\n"
        "        cur.execute('SELECT ' + self.name)\n"
        "def w():\n    with open(request.args['p']) as fh:\n        pass\n"
    )
    assert taint_ids(code) == ["py.taint.sql-injection", "py.taint.path-traversal"]


def test_flow_steps_order_and_lines():
    code = (
        FLASK + "def view(cur):\n"  # 3
        "    name = request.args.get('name')\n"  # 4
        "    where = f\"name = '{name}'\"\n"  # 5
        "    q = 'SELECT * FROM users WHERE ' + where\n"  # 6
        "    cur.execute(q)\n"
    )  # 7
    assert flow_of(code) == [
        (4, "request data read here"),
        (4, "flows into `name`"),
        (5, "flows into `where`"),
        (6, "flows into `q`"),
        (7, "reaches cur.execute()"),
    ]
    f = next(f for f in scan(code).findings if f.flow)
    assert f.confidence == "high" and f.severity == "critical" and f.cwe == "CWE-89"
    assert code.encode()[f.range.start_byte : f.range.end_byte] == b"cur.execute(q)"
    assert f.flow[0].range.start_byte == code.index("request.args")


# --------------------------------------------------------------------------- JavaScript / TypeScript


@pytest.mark.parametrize(
    "path, code, rule",
    [
        (
            "a.js",
            "app.get('/', (req, res) => {\n  const id = req.query.id;\n  db.query(`SELECT * FROM t WHERE id = ${id}`);\n});\n",
            "js.taint.sql-injection",
        ),
        (
            "a.js",
            "function h(req, res) {\n  const { host } = req.body;\n  child_process.exec('ping ' + host);\n}\n",
            "js.taint.command-injection",
        ),
        (
            "a.js",
            "function h(req, res) {\n  const [first] = req.params.list;\n  execSync(`rm ${first}`);\n}\n",
            "js.taint.command-injection",
        ),
        (
            "a.js",
            "function h(req, res) {\n  let n = req.query.n;\n  n = n.trim();\n  res.send('<b>' + n + '</b>');\n}\n",
            "js.taint.xss",
        ),
        (
            "a.js",
            "const h = location.hash.substring(1);\ndocument.querySelector('#o').innerHTML = h;\n",
            "js.taint.xss",
        ),
        (
            "a.js",
            "window.addEventListener('message', (event) => {\n  eval(event.data);\n});\n",
            "js.taint.code-injection",
        ),
        (
            "a.js",
            "function h(req, res) {\n  res.sendFile(path.join(ROOT, req.params.file));\n}\n",
            "js.taint.path-traversal",
        ),
        ("a.js", "async function h(req, res) {\n  const r = await axios.get(req.query.url);\n}\n", "js.taint.ssrf"),
        ("a.js", "function h(req, res) {\n  res.redirect(req.query.next);\n}\n", "js.taint.open-redirect"),
        ("a.js", "const c = document.cookie;\nwindow.location = c;\n", "js.taint.open-redirect"),
        (
            "a.ts",
            "function h(req: Request, res: Response): void {\n  const id: string = req.params.id as string;\n"
            "  knex.raw('SELECT * FROM t WHERE id = ' + id);\n}\n",
            "js.taint.sql-injection",
        ),
        (
            "a.tsx",
            "export function P() {\n  const q = window.name;\n  return <div ref={(el) => { el.innerHTML = q; }} />;\n}\n",
            "js.taint.xss",
        ),
    ],
)
def test_javascript_flows(path, code, rule):
    assert rule in taint_ids(code, path), code


@pytest.mark.parametrize(
    "path, code",
    [
        (
            "a.js",
            "function h(req, res) {\n  const id = req.query.id;\n  db.query('SELECT * FROM t WHERE id = ?', [id]);\n}\n",
        ),
        ("a.js", "function h(req, res) {\n  const id = parseInt(req.query.id, 10);\n  db.query(`SELECT ${id}`);\n}\n"),
        ("a.js", "function h(req, res) {\n  const id = Number(req.query.id);\n  db.query('SELECT ' + id);\n}\n"),
        ("a.js", "function h(req, res) {\n  res.send('<b>' + escapeHtml(req.query.n) + '</b>');\n}\n"),
        ("a.js", "function h(req, res) {\n  res.redirect('/search?q=' + encodeURIComponent(req.query.q));\n}\n"),
        ("a.js", "function h(req, res) {\n  let cmd = req.query.c;\n  cmd = 'ls';\n  execSync(cmd);\n}\n"),
        (
            "a.js",
            "const MODES = ['a', 'b'];\nfunction h(req, res) {\n  const m = req.query.m;\n"
            "  if (!MODES.includes(m)) return;\n  execSync('run ' + m);\n}\n",
        ),
        ("a.js", "const h = location.hash;\ndocument.querySelector('#o').textContent = h;\n"),
        ("a.js", "function h(req, res) {\n  execFile('ls', [req.query.d]);\n}\n"),
    ],
)
def test_javascript_safe(path, code):
    assert taint_ids(code, path) == [], code


def test_javascript_flow_steps():
    code = (
        "app.get('/', (req, res) => {\n"  # 1
        "  const id = req.query.id;\n"  # 2
        "  const sql = `SELECT ${id}`;\n"  # 3
        "  db.query(sql);\n"  # 4
        "});\n"
    )
    assert flow_of(code, "a.js", "js.taint.sql-injection") == [
        (2, "request data read here"),
        (2, "flows into `id`"),
        (3, "flows into `sql`"),
        (4, "reaches db.query()"),
    ]


# --------------------------------------------------------------------------- engine integration


def test_taint_finding_dedupes_the_pattern_finding_on_the_same_sink():
    code = FLASK + "def view():\n    os.system('ping ' + request.args['h'])\n"
    out = scan(code)
    cmd = [f for f in out.findings if f.cwe == "CWE-78"]
    assert [f.rule_id for f in cmd] == ["py.taint.command-injection"] and cmd[0].flow
    # Without the taint rule the pattern rule still reports the call.
    out = scan(code, exclude_rule_ids=["py.taint.command-injection"])
    assert [f.rule_id for f in out.findings if f.cwe == "CWE-78"] == ["py.os-system-non-constant"]
    # And a sink without an untrusted source is left to the pattern rule.
    out = scan("import os\ndef f(h):\n    os.system('ping ' + h)\n")
    assert [f.rule_id for f in out.findings if f.cwe == "CWE-78"] == ["py.os-system-non-constant"]


def test_taint_rules_filter_and_suppress_like_any_rule():
    code = FLASK + "def view(cur):\n    cur.execute('SELECT ' + request.args['c'])\n"
    assert taint_ids(code, rule_ids=["py.taint.sql-injection"]) == ["py.taint.sql-injection"]
    assert taint_ids(code, exclude_rule_ids=["py.taint.sql-injection"]) == []
    assert taint_ids(code, min_severity="critical") == ["py.taint.sql-injection"]
    assert taint_ids(code, min_confidence="high") == ["py.taint.sql-injection"]
    redirect = FLASK + "def view():\n    return redirect(request.args['n'])\n"
    assert taint_ids(redirect, min_severity="high") == []  # open redirect is medium
    inline = code.replace("['c'])\n", "['c'])  # codeintel-ignore: py.taint.sql-injection\n")
    out = scan(inline, include_suppressed=True)
    f = next(f for f in out.findings if f.rule_id == "py.taint.sql-injection")
    assert f.suppressed and f.suppression == "inline"
    fp = next(f for f in scan(code).findings if f.rule_id == "py.taint.sql-injection").fingerprint
    out = scan(code, baseline=[fp])
    assert "py.taint.sql-injection" not in [f.rule_id for f in out.findings] and out.suppressed_count >= 1


def test_listed_in_describe_with_dataflow():
    ids = {r.id: r for r in RULES.describe("typescript")}
    assert ids["js.taint.xss"].dataflow and not ids["js.taint.xss"].query
    assert all(not r.dataflow for r in RULES._compiled_for("python").pattern_rule)


# --------------------------------------------------------------------------- bounded work


N = 10_000
DEEP = {
    "parens": ("a.py", FLASK + "x = " + "(" * N + "request.args['a']" + ")" * N + "\nos.system(x)\n"),
    "lists": ("a.py", FLASK + "x = " + "[" * N + "request.args['a']" + "]" * N + "\nos.system(x)\n"),
    "plus": ("a.py", FLASK + "x = request.args['a']" + " + x" * N + "\nos.system(x)\n"),
    "str-calls": ("a.py", FLASK + "os.system(" + "str(" * N + "request.args['a']" + ")" * N + ")\n"),
    "eval-calls": ("a.py", FLASK + "eval(" * N + "request.args['a']" + ")" * N + "\n"),
    "js-blocks": ("a.js", "const x = req.query.a;\n" + "if (c) {" * N + "execSync(x);" + "}" * N + "\n"),
    "js-calls": ("a.js", "execSync(" + "String(" * N + "req.query.a" + ")" * N + ");\n"),
}


@pytest.mark.parametrize("shape", sorted(DEEP))
def test_deep_nesting_finishes_without_recursion_error(shape):
    path, code = DEEP[shape]
    src = prepare(path, "", code.encode())
    # Nested calls make the pattern query itself slow (tree-sitter's cursor), so those shapes run
    # the taint rules alone: this test is about the taint pass.
    only = [r.id for r in RULES.rules_for(src.language) if r.dataflow] if "calls" in shape else ()
    # The budget only stops a runaway pass; how long these take depends on the machine, not on what is
    # tested here (bounded work is test_budget_stops_the_taint_pass's).
    out = RULES.scan(src, rule_ids=only, budget=Budget(300.0))
    flows = [f for f in out.findings if f.flow]
    assert len(flows) == 1 and flows[0].flow[0].message.endswith("read here"), out.findings


def test_budget_stops_the_taint_pass():
    code = FLASK + "def v(cur):\n" + "".join(f"    x{i} = request.args['a'] + x{i - 1}\n" for i in range(1, 20_000))
    budget = Budget(0.05)
    with pytest.raises((errors.TooComplex, errors.DeadlineExceeded)):
        RULES.scan(prepare("a.py", "", code.encode()), rule_ids=["py.taint.sql-injection"], budget=budget)


# --------------------------------------------------------------------------- Go and Java

GO_HEAD = "package h\nfunc h(w http.ResponseWriter, r *http.Request) {\n"


@pytest.mark.parametrize(
    "body, found",
    [
        (
            '\tq := "SELECT * FROM t WHERE a = \'" + r.FormValue("a") + "\'"\n\tdb.Query(q)\n',
            ["go.taint.sql-injection"],
        ),
        (
            '\tq := r.URL.Query().Get("a")\n\tdb.QueryContext(ctx, fmt.Sprintf("SELECT %s", q))\n',
            ["go.taint.sql-injection"],
        ),
        ('\tq := r.FormValue("a")\n\tdb.Query("SELECT * FROM t WHERE a = $1", q)\n', []),  # parameterised
        ('\tn, _ := strconv.Atoi(r.FormValue("n"))\n\tdb.Query(fmt.Sprintf("SELECT %d", n))\n', []),
        ('\tvar s string = r.FormValue("a")\n\ts = "x"\n\texec.Command(s).Run()\n', []),  # constant reassignment
        ('\tvar s string = r.FormValue("a")\n\ts += "x"\n\texec.Command(s).Run()\n', ["go.taint.command-injection"]),
        ('\tfor _, v := range r.URL.Query()["f"] {\n\t\tos.Open(v)\n\t}\n', ["go.taint.path-traversal"]),
    ],
)
def test_go(body, found):
    assert taint_ids(GO_HEAD + body + "}\n", "h.go") == found


JAVA_HEAD = "class C {\n  void h(HttpServletRequest request, HttpServletResponse response) throws Exception {\n"


@pytest.mark.parametrize(
    "body, found",
    [
        (
            '    String q = "SELECT * FROM t WHERE a = \'" + request.getParameter("a") + "\'";\n    stmt.executeQuery(q);\n',
            ["java.taint.sql-injection"],
        ),
        (
            '    String q = String.format("SELECT %s", request.getHeader("X"));\n    stmt.execute(q);\n',
            ["java.taint.sql-injection"],
        ),
        (
            '    String a = request.getParameter("a");\n    PreparedStatement ps = conn.prepareStatement("SELECT ?");\n'
            "    ps.setString(1, a);\n",
            [],
        ),
        ('    int n = Integer.parseInt(request.getParameter("n"));\n    stmt.executeQuery("SELECT " + n);\n', []),
        ('    String f = request.getParameter("f");\n    f = "report.txt";\n    new File(f);\n', []),
        ('    String f = request.getParameter("f");\n    new File("/srv", f);\n', ["java.taint.path-traversal"]),
        ('    response.sendRedirect(request.getParameter("next"));\n', ["java.taint.open-redirect"]),
    ],
)
def test_java(body, found):
    assert taint_ids(JAVA_HEAD + body + "  }\n}\n", "C.java") == found


def test_go_flow_steps():
    code = GO_HEAD + '\tname := r.URL.Query().Get("n")\n\tq := "SELECT " + name\n\tdb.Query(q)\n}\n'
    assert flow_of(code, "h.go") == [
        (3, "request data read here"),
        (3, "flows into `name`"),
        (4, "flows into `q`"),
        (5, "reaches db.Query()"),
    ]


@pytest.mark.parametrize(
    "body, found",
    [
        # a ternary over an allow-list picks a safe value
        ("s = request.args['s']\n    col = s if s in ('a', 'b') else 'a'\n    cur.execute('SELECT ' + col)", []),
        (
            "s = request.args['s']\n    col = s if s not in ('a', 'b') else 'a'\n    cur.execute('SELECT ' + col)",
            ["py.taint.sql-injection"],
        ),
        # a failed check resets the value to a constant
        ("t = request.args['next']\n    if t not in SAFE:\n        t = '/'\n    return redirect(t)", []),
        (
            "t = request.args['next']\n    if not url_has_allowed_host_and_scheme(t, allowed_hosts=H):\n        t = '/'\n"
            "    return redirect(t)",
            [],
        ),
        (
            "t = request.args['next']\n    if not url_has_allowed_host_and_scheme(t, allowed_hosts=H):\n        log(t)\n"
            "    return redirect(t)",
            ["py.taint.open-redirect"],
        ),
        # a kind-specific check makes the value safe for that kind only
        (
            "t = request.args['next']\n    if not url_has_allowed_host_and_scheme(t, allowed_hosts=H):\n        return None\n"
            "    cur.execute('SELECT ' + t)\n    return redirect(t)",
            ["py.taint.sql-injection"],
        ),
    ],
)
def test_guards_and_ternaries(body, found):
    code = FLASK + "SAFE = ('/', '/home')\ndef view(cur):\n    " + body + "\n"
    assert taint_ids(code) == found, code


def test_javascript_ternary_allow_list():
    code = (
        "const OK = ['/', '/a'];\nfunction h(req, res) {\n  const t = req.query.t;\n"
        "  res.redirect(OK.includes(t) ? t : '/');\n  res.redirect(OK.includes(t) ? '/' : t);\n}\n"
    )
    out = scan(code, "a.js")
    assert [(f.rule_id, f.range.start_line) for f in out.findings if f.flow] == [("js.taint.open-redirect", 4)]


def test_java_ternary_over_set_of_constants():
    body = (
        '    String s = request.getParameter("s");\n'
        '    String c = Set.of("a", "b").contains(s) ? s : "a";\n    stmt.executeQuery("SELECT " + c);\n'
    )
    assert taint_ids(JAVA_HEAD + body + "  }\n}\n", "C.java") == []
    assert taint_ids(JAVA_HEAD + body.replace('? s : "a"', '? "a" : s') + "  }\n}\n", "C.java") == [
        "java.taint.sql-injection"
    ]
