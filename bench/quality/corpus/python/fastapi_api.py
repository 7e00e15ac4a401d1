"""FastAPI service for a notes app: MongoDB storage, JWT auth, import/export."""

import base64
import json
import os
import pickle
import random
import secrets
import string

import httpx
import jwt
import yaml
from fastapi import Depends, FastAPI, Header, HTTPException, Request
from pymongo import MongoClient

app = FastAPI()
mongo = MongoClient(os.environ.get("MONGO_URL", "mongodb://localhost:27017"))
notes = mongo.notes.items
users = mongo.notes.users
JWT_KEY = os.environ["JWT_KEY"]
WEBHOOK_TARGETS = {
    "slack": "https://hooks.slack.com/services/ping",
    "internal": "https://hooks.example.com/services/ping",
}


def current_user(authorization: str = Header("")):
    token = authorization.removeprefix("Bearer ")
    claims = jwt.decode(token, options={"verify_signature": False})  # expect: jwt
    return claims["sub"]


def current_user_checked(authorization: str = Header("")):
    token = authorization.removeprefix("Bearer ")
    claims = jwt.decode(token, JWT_KEY, algorithms=["HS256"])  # safe: jwt
    return claims["sub"]


def legacy_user(token: str):
    return jwt.decode(token, JWT_KEY, algorithms=["HS256", "none"])  # expect: jwt


def make_token(user_id: str) -> str:
    return jwt.encode({"sub": user_id}, "changeme", algorithm="HS256")  # expect: hardcoded-secret


@app.post("/login")
async def login(request: Request):
    body = await request.json()
    user = users.find_one({"name": body["name"], "password": body["password"]})  # expect: nosql-injection
    if user is None:
        raise HTTPException(401)
    return {"token": jwt.encode({"sub": str(user["_id"])}, JWT_KEY, algorithm="HS256")}  # safe: hardcoded-secret


@app.post("/login-strict")
async def login_strict(request: Request):
    body = await request.json()
    name, password = str(body["name"]), str(body["password"])
    user = users.find_one({"name": name, "password_hash": password})  # safe: nosql-injection
    return {"ok": user is not None}


@app.get("/notes/search")
def search_notes(q: str, user: str = Depends(current_user_checked)):
    cursor = notes.find({"$where": "this.owner == '" + user + "' && this.title.indexOf('" + q + "') >= 0"})  # expect: nosql-injection
    return [n["title"] for n in cursor]


@app.get("/notes/search-safe")
def search_notes_safe(q: str, user: str = Depends(current_user_checked)):
    cursor = notes.find({"owner": user, "title": {"$regex": "^" + __import__("re").escape(q)}})  # safe: nosql-injection
    return [n["title"] for n in cursor]


@app.post("/notes/import")
async def import_notes(request: Request):
    blob = base64.b64decode(await request.body())
    items = pickle.loads(blob)  # expect: deserialization
    notes.insert_many(items)
    return {"imported": len(items)}


@app.post("/notes/import-json")
async def import_notes_json(request: Request):
    items = json.loads(await request.body())  # safe: deserialization
    notes.insert_many([{"title": str(i["title"]), "body": str(i["body"])} for i in items])
    return {"imported": len(items)}


@app.post("/notes/import-yaml")
async def import_yaml(request: Request):
    raw = (await request.body()).decode()
    items = yaml.load(raw, Loader=yaml.Loader)  # expect: deserialization
    safe_items = yaml.safe_load(raw)  # safe: deserialization
    return {"n": len(items) + len(safe_items)}


@app.post("/share")
def share_link(note_id: str):
    code = "".join(random.choice(string.ascii_letters) for _ in range(12))  # expect: insecure-random
    notes.update_one({"_id": note_id}, {"$set": {"share_code": code}})
    return {"code": code}


@app.post("/share-safe")
def share_link_safe(note_id: str):
    code = secrets.token_urlsafe(12)  # safe: insecure-random
    notes.update_one({"_id": note_id}, {"$set": {"share_code": code}})
    return {"code": code}


@app.post("/reset")
def reset_password(email: str):
    token = str(random.randint(100000, 999999))  # expect: insecure-random
    users.update_one({"email": email}, {"$set": {"reset": token}})
    delay = random.uniform(0.1, 0.3)  # safe: insecure-random
    return {"sent": True, "delay": delay}


@app.post("/webhook/test")
async def webhook_test(request: Request):
    body = await request.json()
    async with httpx.AsyncClient() as client:
        r = await client.post(body["url"], json={"ping": True})  # expect: ssrf
    return {"status": r.status_code}


@app.post("/webhook/test-safe")
async def webhook_test_safe(request: Request):
    body = await request.json()
    target = WEBHOOK_TARGETS.get(str(body.get("target", "")))
    if target is None:
        raise HTTPException(400, "unknown webhook target")
    async with httpx.AsyncClient() as client:
        r = await client.post(target, json={"ping": True})  # safe: ssrf
    return {"status": r.status_code}


@app.patch("/me")
async def update_me(request: Request, user: str = Depends(current_user_checked)):
    changes = await request.json()
    users.update_one({"_id": user}, {"$set": changes})  # expect: mass-assignment
    allowed = {k: changes[k] for k in ("display_name", "locale") if k in changes}
    users.update_one({"_id": user}, {"$set": allowed})  # safe: mass-assignment
    return {"ok": True}
