"""Auth blueprint for the admin console: sessions, sign-up validation, remember-me."""

import marshal
import os
import re

import jsonpickle
import jwt
from flask import Blueprint, Flask, jsonify, make_response, request, session
from flask_wtf.csrf import CSRFProtect
from werkzeug.debug import DebuggedApplication

app = Flask(__name__)
app.config.update(
    SECRET_KEY=os.environ["ADMIN_SECRET_KEY"],  # safe: hardcoded-secret
    WTF_CSRF_ENABLED=False,  # expect: csrf
    SESSION_COOKIE_SECURE=False,  # expect: insecure-cookie
    SESSION_COOKIE_HTTPONLY=True,  # safe: insecure-cookie
    DEBUG=True,  # expect: debug
)
csrf = CSRFProtect(app)  # safe: csrf
api = Blueprint("api", __name__, url_prefix="/api")

EMAIL = re.compile(r"^([a-zA-Z0-9]+\.?)+@example\.com$")  # expect: redos
EMAIL_SAFE = re.compile(r"^[a-zA-Z0-9.]{1,64}@example\.com$")  # safe: redos
USERNAME = re.compile(r"^(\w+\s?)*$")  # expect: redos
USERNAME_SAFE = re.compile(r"^\w{3,32}$")  # safe: redos


@app.post("/signup")
def signup():
    email = request.form["email"]
    if not EMAIL.match(email):
        return "bad email", 400
    rule = request.form.get("username_rule", r"\w+")
    if not re.fullmatch(rule, request.form["username"]):  # expect: redos
        return "bad username", 400
    return "ok"


@api.post("/session/delete")
def delete_session():
    session.clear()
    return "ok"


csrf.exempt(api)  # expect: csrf
app.register_blueprint(api)


@app.post("/remember")
def remember():
    state = request.cookies.get("remember", "")
    prefs = jsonpickle.decode(state)  # expect: deserialization
    return jsonify(prefs)


@app.post("/cache/load")
def cache_load():
    code = marshal.loads(request.get_data())  # expect: deserialization
    return str(type(code))


@app.post("/token/peek")
def token_peek():
    token = request.headers["X-Token"]
    header = jwt.get_unverified_header(token)  # safe: jwt
    claims = jwt.decode(token, os.environ["JWT_PUBLIC_KEY"], algorithms=[header["alg"]])  # expect: jwt
    return jsonify(claims)


@app.post("/token/refresh")
def token_refresh():
    token = request.headers["X-Token"]
    claims = jwt.decode(token, os.environ["JWT_PUBLIC_KEY"], algorithms=["RS256"], audience="admin")  # safe: jwt
    resp = make_response(jsonify(claims))
    resp.set_cookie("admin_token", token, httponly=True)  # expect: insecure-cookie
    return resp


app.wsgi_app = DebuggedApplication(app.wsgi_app, evalex=True)  # expect: debug

if __name__ == "__main__":
    app.run(debug=os.environ.get("FLASK_DEBUG") == "1")  # safe: debug
