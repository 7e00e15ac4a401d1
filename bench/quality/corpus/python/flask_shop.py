"""A small Flask shop: product search, downloads, previews, checkout redirects."""

import os
import subprocess
import sqlite3
from urllib.parse import urlsplit, urlunsplit

import requests
from flask import Flask, abort, flash, make_response, redirect, request, send_file, url_for
from markupsafe import Markup, escape
from werkzeug.utils import safe_join

app = Flask(__name__)
DB = "shop.db"
UPLOADS = "/srv/shop/uploads"
ALLOWED_HOSTS = {"images.example.com", "cdn.example.com"}
NEXT_PAGES = {"cart": "/cart", "home": "/", "orders": "/orders"}


def db():
    return sqlite3.connect(DB)


@app.route("/products")
def products():
    term = request.args.get("q", "")
    cur = db().cursor()
    cur.execute("SELECT id, name FROM products WHERE name LIKE '%" + term + "%'")  # expect: sql-injection
    rows = cur.fetchall()
    cur.execute("SELECT id, name FROM products WHERE name LIKE ?", ("%" + term + "%",))  # safe: sql-injection
    return {"rows": rows + cur.fetchall()}


@app.route("/products/<pid>")
def product(pid):
    conn = db()
    query = f"SELECT * FROM products WHERE id = {pid}"  # flow: sql-injection
    row = conn.execute(query).fetchone()  # expect: sql-injection
    safe_query = "SELECT * FROM products WHERE id = %d" % int(pid)
    other = conn.execute(safe_query).fetchone()  # safe: sql-injection
    return {"row": row, "other": other}


@app.route("/orders")
def orders():
    sort = request.args.get("sort", "created")
    conn = db()
    sql = "SELECT * FROM orders ORDER BY {}".format(sort)  # flow: sql-injection
    rows = conn.execute(sql).fetchall()  # expect: sql-injection
    column = sort if sort in ("created", "total", "status") else "created"
    rows2 = conn.execute("SELECT * FROM orders ORDER BY " + column).fetchall()  # safe: sql-injection
    return {"rows": rows, "rows2": rows2}


@app.route("/hello")
def hello():
    name = request.args.get("name", "guest")
    return "<h1>Hello " + name + "</h1>"  # expect: xss


@app.route("/hello-safe")
def hello_safe():
    name = request.args.get("name", "guest")
    return "<h1>Hello " + str(escape(name)) + "</h1>"  # safe: xss


@app.route("/banner")
def banner():
    msg = request.args.get("msg", "")
    html = Markup("<div class='banner'>%s</div>" % msg)  # expect: xss
    resp = make_response(html)
    return resp


@app.route("/banner-safe")
def banner_safe():
    msg = request.args.get("msg", "")
    return Markup("<div class='banner'>%s</div>") % msg  # safe: xss


@app.route("/download")
def download():
    name = request.args["file"]
    return send_file(os.path.join(UPLOADS, name))  # expect: path-traversal


@app.route("/download-safe")
def download_safe():
    name = request.args["file"]
    path = safe_join(UPLOADS, name)
    if path is None:
        abort(404)
    return send_file(path)  # safe: path-traversal


@app.route("/invoice/<order_id>")
def invoice(order_id):
    with open("/srv/shop/invoices/" + order_id + ".pdf", "rb") as fh:  # expect: path-traversal
        data = fh.read()
    with open("/srv/shop/invoices/%d.pdf" % int(order_id), "rb") as fh:  # safe: path-traversal
        data += fh.read()
    return data


@app.route("/preview")
def preview():
    preview_url = request.args.get("src", "")
    resp = requests.get(preview_url, headers={"User-Agent": "shop-preview/1.0"}, timeout=(3, 10))  # expect: ssrf
    return resp.content


@app.route("/preview-safe")
def preview_safe():
    parts = urlsplit(request.args.get("src", ""))
    if parts.scheme != "https" or parts.netloc not in ALLOWED_HOSTS:
        abort(400)
    resp = requests.get(urlunsplit(parts), timeout=(3, 10), allow_redirects=False)  # safe: ssrf
    return resp.content


@app.route("/thumb")
def thumb():
    image = request.args.get("image", "")
    target = "http://127.0.0.1:9000/resize?src=" + image
    return requests.get(image, timeout=3).content + requests.get(target, timeout=3).content  # expect: ssrf


@app.route("/checkout/done")
def checkout_done():
    back = request.args.get("back", "/orders")
    flash("Thanks for your order!")
    return redirect(back, code=303)  # expect: open-redirect


@app.route("/checkout/done-safe")
def checkout_done_safe():
    nxt = request.args.get("next", "home")
    return redirect(NEXT_PAGES.get(nxt, "/"))  # safe: open-redirect


@app.route("/login/return")
def login_return():
    return redirect(request.referrer or url_for("home"))  # expect: open-redirect


@app.route("/convert")
def convert():
    fmt = request.args.get("fmt", "png")
    src = request.args.get("src", "in.jpg")
    os.system("convert uploads/" + src + " out." + fmt)  # expect: command-injection
    subprocess.run(["convert", "--", os.path.basename(src), "out.png"], check=True)  # safe: command-injection
    return "ok"


@app.route("/set-theme")
def set_theme():
    resp = make_response("ok")
    resp.set_cookie("theme", request.args.get("theme", "light"))
    resp.set_cookie("session_id", os.urandom(16).hex())  # expect: insecure-cookie
    resp.set_cookie("session_id", os.urandom(16).hex(), secure=True, httponly=True, samesite="Lax")  # safe: insecure-cookie
    return resp


@app.route("/")
def home():
    return "shop"


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000, debug=True)  # expect: debug
