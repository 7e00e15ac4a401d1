"""Cross-origin access for the partner dashboard API (Flask + Flask-CORS)."""

from flask import Flask, jsonify, request
from flask_cors import CORS, cross_origin

app = Flask(__name__)
partners = Flask("partners")
status_app = Flask("status")

TRUSTED_ORIGINS = {"https://dashboard.example.com", "https://admin.example.com"}

CORS(partners, resources={r"/v1/*": {"origins": "*"}}, supports_credentials=True)  # expect: cors
CORS(status_app, resources={r"/health": {"origins": "*"}})  # safe: cors
CORS(app, origins=sorted(TRUSTED_ORIGINS), supports_credentials=True)  # safe: cors


@app.route("/v1/statements")
@cross_origin(supports_credentials=True, methods=["GET"])  # expect: cors
def statements():
    return jsonify([])


@app.after_request
def echo_origin(response):
    caller = request.headers.get("Origin", "")
    response.headers["Access-Control-Allow-Origin"] = caller  # expect: cors
    response.headers["Access-Control-Allow-Credentials"] = "true"
    response.headers["Vary"] = "Origin"
    return response


@partners.after_request
def allow_listed_origin(response):
    caller = request.headers.get("Origin")
    if caller in TRUSTED_ORIGINS:
        response.headers["Access-Control-Allow-Origin"] = caller  # safe: cors
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Vary"] = "Origin"
    return response


@status_app.after_request
def open_status(response):
    response.headers["Access-Control-Allow-Origin"] = "*"  # safe: cors
    response.headers["Cache-Control"] = "no-store"
    return response
