"""Report builder: user-defined formulas, templates and plugin hooks."""

import ast
import importlib
import operator

from flask import Flask, render_template, render_template_string, request
from jinja2 import Environment, FileSystemLoader, Template, select_autoescape

app = Flask(__name__)
OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul}
PLUGINS = {"csv": "reports.plugins.csv", "pdf": "reports.plugins.pdf"}


@app.post("/formula")
def formula():
    expr = request.form["expr"]
    return str(eval(expr))  # expect: code-injection


@app.post("/formula-safe")
def formula_safe():
    expr = request.form["expr"]
    return str(ast.literal_eval(expr))  # safe: code-injection


@app.post("/formula-ops")
def formula_ops():
    a, op, b = request.form["a"], request.form["op"], request.form["b"]
    code = "result = " + a + op + b  # flow: code-injection
    scope = {}
    exec(code, scope)  # expect: code-injection
    return str(scope["result"])


@app.post("/formula-ops-safe")
def formula_ops_safe():
    a, op, b = int(request.form["a"]), request.form["op"], int(request.form["b"])
    return str(OPS[op](a, b))  # safe: code-injection


@app.post("/compile")
def compile_hook():
    src = request.form["hook"]
    exec(compile(src, "<hook>", "exec"), {})  # expect: code-injection
    return "ok"


@app.get("/plugin")
def plugin():
    name = request.args["name"]
    mod = importlib.import_module(name)  # expect: code-injection
    safe_mod = importlib.import_module(PLUGINS.get(name, "reports.plugins.csv"))  # safe: code-injection
    return mod.__name__ + safe_mod.__name__


@app.get("/greeting")
def greeting():
    name = request.args.get("name", "")
    tpl = "<p>Hello " + name + "</p>"  # flow: code-injection
    return render_template_string(tpl)  # expect: code-injection


@app.get("/greeting-safe")
def greeting_safe():
    name = request.args.get("name", "")
    return render_template_string("<p>Hello {{ name }}</p>", name=name)  # safe: code-injection


@app.get("/card")
def card():
    title = request.args.get("title", "")
    return Template("<h2>" + title + "</h2>").render()  # expect: code-injection


@app.get("/card-file")
def card_file():
    return render_template("card.html", title=request.args.get("title", ""))  # safe: xss


def make_env():
    return Environment(loader=FileSystemLoader("templates"), autoescape=False)  # expect: xss


def make_env_safe():
    return Environment(loader=FileSystemLoader("templates"), autoescape=select_autoescape(["html"]))  # safe: xss


@app.get("/report")
def report():
    env = Environment(loader=FileSystemLoader("templates"))  # expect: xss
    return env.get_template("report.html").render(q=request.args.get("q", ""))
