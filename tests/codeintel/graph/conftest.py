"""Fixtures of the graph tests: stores (SQLite in tmp_path, a database of its own on the PostgreSQL
server at 127.0.0.1:5432) and a parse stand-in whose facts come from Python's `ast`.

The stand-in answers like the coordinator's ParseBatch (results in order, BatchInfo.cache), records
which files it was sent, and can be told to fail files or to wait: the indexer's behaviour is
tested against it; the real facts extractor is exercised where it is imported (test_indexer's
in-process test)."""

from __future__ import annotations

import ast
import asyncio
import re
import uuid
from collections.abc import Iterator

import pytest

from codeintel.graph import open_store
from codeintel.kernel import languages
from codeintel.v1 import common_pb2, coordinator_pb2, parse_pb2

PG_ADMIN = "host=127.0.0.1 port=5432 dbname=postgres connect_timeout=3"
K = parse_pb2


def _admin():
    import psycopg

    for user in ("postgres", "root"):
        try:
            return psycopg.connect(f"{PG_ADMIN} user={user}", autocommit=True), user
        except psycopg.OperationalError as exc:
            err = exc
    raise RuntimeError(str(err))


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh database on the local PostgreSQL server, dropped afterwards."""
    try:
        admin, user = _admin()
    except Exception as exc:
        pytest.skip(f"no PostgreSQL server at 127.0.0.1:5432 (trust auth, user postgres or root): {exc}")
    name = f"codeintel_graph_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://{user}@127.0.0.1:5432/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite://{tmp_path / 'graph-store'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request) -> str:
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def store(store_url):
    s = open_store(store_url)
    yield s
    s.close()


# --------------------------------------------------------------------------- the parse stand-in


def rng(sl: int, sc: int, el: int, ec: int, sb: int = 0, eb: int = 0) -> common_pb2.Range:
    return common_pb2.Range(
        start=common_pb2.Position(line=sl, column=sc),
        end=common_pb2.Position(line=el, column=ec),
        start_byte=sb,
        end_byte=eb,
    )


class _Facts(ast.NodeVisitor):
    """Definitions, bare and attribute references, and imports of a Python module (enough of the
    facts semantics for the indexer's tests)."""

    def __init__(self, offsets: list[int]):
        self.offsets = offsets
        self.facts = parse_pb2.FileFacts(supported=True)
        self.stack: list[int] = []
        self.qual: list[str] = []

    def _range(self, node) -> common_pb2.Range:
        sl, el = node.lineno - 1, node.end_lineno - 1
        return rng(
            sl,
            node.col_offset,
            el,
            node.end_col_offset,
            self.offsets[sl] + node.col_offset,
            self.offsets[el] + node.end_col_offset,
        )

    def _enclosing(self) -> int:
        return self.stack[-1] if self.stack else -1

    def _define(self, node, kind) -> None:
        parent = self._enclosing()
        in_class = parent >= 0 and self.facts.definitions[parent].kind == K.SYMBOL_KIND_CLASS
        if kind == K.SYMBOL_KIND_FUNCTION and in_class:
            kind = K.SYMBOL_KIND_METHOD
        self.qual.append(node.name)
        r = self._range(node)
        self.facts.definitions.append(
            parse_pb2.FactDefinition(
                name=node.name,
                kind=kind,
                range=r,
                selection_range=r,
                qualified_name=".".join(self.qual),
                parent_index=parent,
                bases=[ast.unparse(b).split("[")[0] for b in getattr(node, "bases", [])],
                exported=not node.name.startswith("_"),
            )
        )
        self.stack.append(len(self.facts.definitions) - 1)
        self.generic_visit(node)
        self.stack.pop()
        self.qual.pop()

    def visit_FunctionDef(self, node) -> None:
        self._define(node, K.SYMBOL_KIND_FUNCTION)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node) -> None:
        self._define(node, K.SYMBOL_KIND_CLASS)

    def visit_Name(self, node) -> None:
        if isinstance(node.ctx, ast.Load):
            self.facts.references.append(
                parse_pb2.FactReference(
                    name=node.id, range=self._range(node), kind=K.REFERENCE_KIND_READ, enclosing_index=self._enclosing()
                )
            )

    def visit_Call(self, node) -> None:
        if isinstance(node.func, ast.Name):
            self.facts.references.append(
                parse_pb2.FactReference(
                    name=node.func.id,
                    range=self._range(node.func),
                    kind=K.REFERENCE_KIND_CALL,
                    enclosing_index=self._enclosing(),
                )
            )
            for a in [*node.args, *node.keywords]:
                self.visit(a)
            return
        self.generic_visit(node)

    def visit_Attribute(self, node) -> None:
        self.generic_visit(node)
        try:
            receiver = ast.unparse(node.value)
        except Exception:
            receiver = "?"
        if not re.fullmatch(r"[\w.]+", receiver):
            receiver = "?"
        self.facts.references.append(
            parse_pb2.FactReference(
                name=node.attr,
                range=self._range(node),
                kind=K.REFERENCE_KIND_READ,
                enclosing_index=self._enclosing(),
                receiver=receiver,
            )
        )

    def visit_Import(self, node) -> None:
        for a in node.names:
            self.facts.imports.append(
                parse_pb2.FactImport(
                    module=a.name,
                    alias=a.asname or a.name.split(".")[0],
                    range=self._range(node),
                    enclosing_index=self._enclosing(),
                )
            )

    def visit_ImportFrom(self, node) -> None:
        for a in node.names:
            self.facts.imports.append(
                parse_pb2.FactImport(
                    module=node.module or "",
                    name=a.name,
                    alias=a.asname or (a.name if a.name != "*" else ""),
                    level=node.level,
                    range=self._range(node),
                    enclosing_index=self._enclosing(),
                )
            )


def python_facts(content: bytes) -> tuple[parse_pb2.FileFacts, bool]:
    """(facts, has_errors): a file with a syntax error keeps the `def NAME` lines it has."""
    text = content.decode()
    offsets = [0]
    for raw in content.split(b"\n"):
        offsets.append(offsets[-1] + len(raw) + 1)
    try:
        tree = ast.parse(text)
    except SyntaxError:
        facts = parse_pb2.FileFacts(supported=True)
        for i, line in enumerate(text.split("\n")):
            m = re.match(r"def (\w+)", line)
            if m:
                r = rng(i, 0, i, len(line), offsets[i], offsets[i] + len(line))
                facts.definitions.append(
                    parse_pb2.FactDefinition(
                        name=m.group(1),
                        kind=K.SYMBOL_KIND_FUNCTION,
                        range=r,
                        selection_range=r,
                        qualified_name=m.group(1),
                        parent_index=-1,
                    )
                )
        return facts, True
    v = _Facts(offsets)
    v.visit(tree)
    return v.facts, False


class FakeParse:
    """A `send` for the indexer (see the module docstring)."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.calls = 0
        self.fail: dict[str, common_pb2.FileErrorCode] = {}  # path -> why it fails
        self.gate: asyncio.Event | None = None  # when set: batches wait for it
        self.entered = asyncio.Event()

    def reset(self) -> None:
        self.sent.clear()
        self.calls = 0

    async def __call__(self, files, timeout, options=None):
        self.calls += 1
        self.entered.set()
        if self.gate is not None:
            await asyncio.wait_for(self.gate.wait(), timeout)
        results = []
        for f in files:
            self.sent.append(f.path)
            if f.path in self.fail:
                results.append(
                    parse_pb2.ParseFileResult(error=common_pb2.FileError(code=self.fail[f.path], message="told to"))
                )
                continue
            lang = f.language or languages.from_path(f.path) or ""
            result = parse_pb2.ParseResult(path=f.path, language=lang, byte_count=len(f.content))
            if lang == "python":
                facts, errors = python_facts(f.content)
                result.facts.CopyFrom(facts)
                result.has_errors = errors
            else:
                result.facts.supported = False
            results.append(parse_pb2.ParseFileResult(result=result))
        return coordinator_pb2.CodeIntelServiceParseBatchResponse(
            results=results, info=coordinator_pb2.BatchInfo(cache=[coordinator_pb2.CACHE_STATUS_MISS] * len(files))
        )


@pytest.fixture
def fake() -> FakeParse:
    return FakeParse()
