"""ASGI apps of the reporting service and how they answer cross-origin requests."""

import os

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.applications import Starlette
from starlette.middleware import Middleware

reports = FastAPI(title="reports")
reports.add_middleware(  # expect: cors
    CORSMiddleware,
    allow_origins=["*"],
    allow_methods=["GET", "POST"],
    allow_headers=["Authorization", "Content-Type"],
    allow_credentials=True,
)

public_feed = FastAPI(title="feed")
public_feed.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET"])  # safe: cors

ui_origins = [o.strip() for o in os.environ.get("UI_ORIGINS", "https://reports.example.com").split(",")]
exports = FastAPI(title="exports")
exports.add_middleware(CORSMiddleware, allow_origins=ui_origins, allow_credentials=True)  # safe: cors

widgets = Starlette(
    middleware=[
        Middleware(CORSMiddleware, allow_origin_regex=r"https?://.*", allow_credentials=True),  # expect: cors
    ]
)
