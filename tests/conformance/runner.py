#!/usr/bin/env python3
"""Conformance runner for codeintel worker services, over gRPC only.

    python tests/conformance/runner.py --target HOST:PORT --service parse|analyze|scan [--cases DIR] [-v]

It knows nothing of any implementation: message types come from the server's own
reflection service, requests are built from the JSON case files with the protobuf JSON
mapping, methods are called generically, and rich status details are read with
grpcio-status. Only third-party packages are imported (grpcio, grpcio-reflection,
grpcio-status, protobuf) — never codeintel code. See README.md next to this file for
the case format and the expectation language.

Exit code: 0 when every built-in check and every case passes, 1 when any fails,
2 when the runner cannot run (bad arguments, unreachable target, malformed case).
"""

from __future__ import annotations

import argparse
import base64
import copy
import json
import os
import re
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf import descriptor_pool, json_format, message_factory
from google.protobuf.message import Message
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase
from grpc_status import rpc_status

SERVICES = {
    "parse": "codeintel.v1.ParseService",
    "analyze": "codeintel.v1.AnalyzeService",
    "scan": "codeintel.v1.ScanService",
}
INFO_SERVICE = "codeintel.v1.InfoService"
HEALTH_SERVICE = "grpc.health.v1.Health"
DEFAULT_DEADLINE_MS = 30_000
MAX_MESSAGE = 64 * 1024 * 1024
HERE = os.path.dirname(os.path.abspath(__file__))


class CaseError(Exception):
    """A malformed case file or expression (the case is wrong, not the server)."""


class CheckFailed(Exception):
    """An expectation did not hold."""


# --------------------------------------------------------------------------- gRPC plumbing


class Client:
    """Generic calls to any method the target's reflection describes."""

    def __init__(self, target: str):
        self.channel = grpc.insecure_channel(
            target,
            options=[("grpc.max_send_message_length", MAX_MESSAGE), ("grpc.max_receive_message_length", MAX_MESSAGE)],
        )
        self.db = ProtoReflectionDescriptorDatabase(self.channel)
        self.pool = descriptor_pool.DescriptorPool(self.db)

    def close(self) -> None:
        self.channel.close()

    def services(self) -> list[str]:
        return list(self.db.get_services())

    def method(self, full: str):
        """`pkg.Service/Method` -> MethodDescriptor."""
        if "/" not in full:
            raise CaseError(f"method {full!r} must look like 'pkg.Service/Method'")
        svc, name = full.lstrip("/").split("/", 1)
        try:
            service = self.pool.FindServiceByName(svc)
        except KeyError as exc:
            raise CheckFailed(f"reflection does not describe service {svc!r}") from exc
        m = service.methods_by_name.get(name)
        if m is None:
            raise CheckFailed(f"service {svc} has no method {name!r}")
        return m

    def call(self, full: str, request_dict: dict, timeout: float):
        """Returns (status code name, message, detail type names, response message or None)."""
        m = self.method(full)
        req_cls = message_factory.GetMessageClass(m.input_type)
        resp_cls = message_factory.GetMessageClass(m.output_type)
        try:
            request = json_format.ParseDict(request_dict, req_cls())
        except json_format.ParseError as exc:
            raise CaseError(f"request does not fit {m.input_type.full_name}: {exc}") from exc
        stub: grpc.UnaryUnaryMultiCallable[Message, Message] = self.channel.unary_unary(
            "/" + full.lstrip("/"),
            request_serializer=lambda msg: msg.SerializeToString(),
            response_deserializer=resp_cls.FromString,
        )
        try:
            response, _call = stub.with_call(request, timeout=timeout)
            return "OK", "", [], response
        except grpc.RpcError as err:
            code = err.code().name if err.code() is not None else "UNKNOWN"
            details = []
            try:
                st = rpc_status.from_call(err)
            except ValueError:  # status in trailers disagrees with the call's: report as is
                st = None
            if st is not None:
                details = [d.type_url.rsplit("/", 1)[-1] for d in st.details]
            return code, err.details() or "", details, None


def to_dict(msg) -> dict:
    return json_format.MessageToDict(msg, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)


# --------------------------------------------------------------------------- case loading

_EXPR = re.compile(r"^\s*(\d+)\s*$|^\s*([a-z_]+)\s*([+-])\s*(\d+)\s*$|^\s*([a-z_]+)\s*$")
_MIN = re.compile(r"^\s*min\((.+),(.+)\)\s*$")


def eval_count(value, variables: dict) -> int:
    """An int, or "VAR", "VAR + N", "VAR - N", "min(A, B)" with VAR from the target's ServiceInfo."""
    if isinstance(value, int):
        return value
    mm = _MIN.match(str(value))
    if mm:
        return min(eval_count(mm.group(1), variables), eval_count(mm.group(2), variables))
    m = _EXPR.match(str(value))
    if not m:
        raise CaseError(f"cannot evaluate count {value!r} (use N, VAR, VAR + N or VAR - N)")
    if m.group(1):
        return int(m.group(1))
    name = m.group(2) or m.group(5)
    if name not in variables:
        raise CaseError(f"unknown variable {name!r} (known: {', '.join(sorted(variables))})")
    base = int(variables[name])
    if m.group(3):
        return base + int(m.group(4)) if m.group(3) == "+" else base - int(m.group(4))
    return base


def expand(node, variables: dict):
    """Applies the conveniences of the case format (see README) to a request tree."""
    if isinstance(node, list):
        items: list[Any] = []
        for item in node:
            if isinstance(item, dict) and "$repeat" in item:
                n = eval_count(item["$repeat"], variables)
                one = expand(item["item"], variables)
                items.extend(copy.deepcopy(one) for _ in range(n))
            else:
                items.append(expand(item, variables))
        return items
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "content_text":
            out["content"] = base64.b64encode(value.encode("utf-8")).decode()
        elif key == "content_hex":
            out["content"] = base64.b64encode(bytes.fromhex(value.replace(" ", ""))).decode()
        elif key == "content_repeat":
            text = value["text"].encode("utf-8")
            if "bytes" in value:
                size = eval_count(value["bytes"], variables)
                data = (text * (size // max(1, len(text)) + 1))[:size]
            else:
                data = text * eval_count(value.get("times", 1), variables)
            data = value.get("prefix", "").encode("utf-8") + data + value.get("suffix", "").encode("utf-8")
            out["content"] = base64.b64encode(data).decode()
        else:
            out[key] = expand(value, variables)
    return out


def source_of(file_dict: dict) -> bytes:
    """Content bytes of an expanded SourceFile dict (a leading BOM stripped, as offsets count after it)."""
    data = base64.b64decode(file_dict.get("content", ""))
    return data[3:] if data.startswith(b"\xef\xbb\xbf") else data


@dataclass
class Case:
    name: str
    source: str
    raw: dict
    followups: list[Case] = field(default_factory=list)


def load_cases(directory: str) -> list[Case]:
    if not os.path.isdir(directory):
        raise CaseError(f"case directory {directory} does not exist")
    cases: list[Case] = []
    for fname in sorted(os.listdir(directory)):
        if not fname.endswith(".json"):
            continue
        path = os.path.join(directory, fname)
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as exc:
            raise CaseError(f"{path}: {exc}") from exc
        items = data["cases"] if isinstance(data, dict) and "cases" in data else data
        items = items if isinstance(items, list) else [items]
        for raw in items:
            cases.append(_case(raw, fname))
    names = [c.name for c in cases]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise CaseError(f"duplicate case names: {', '.join(sorted(dupes))}")
    return cases


def _case(raw: dict, fname: str) -> Case:
    for key in ("name", "method", "request", "expect"):
        if key not in raw:
            raise CaseError(f"{fname}: a case lacks {key!r}: {json.dumps(raw)[:120]}")
    then = raw.get("then")
    followups = []
    if then:
        for i, sub in enumerate(then if isinstance(then, list) else [then]):
            sub = dict(sub)
            sub.setdefault("name", f"{raw['name']} / then #{i + 1}")
            followups.append(_case(sub, fname))
    return Case(name=raw["name"], source=fname, raw=raw, followups=followups)


# --------------------------------------------------------------------------- expectations

_MISSING = object()
_CHECK = re.compile(
    r"^(?P<lhs>\S+)\s+(?P<op>==|!=|>=|<=|>|<|contains|excludes|matches)\s+(?P<rhs>.+?)\s*$"
    r"|^(?P<lhs2>\S+)\s+(?P<op2>exists|absent)\s*$"
    r"|^(?P<lhs3>\S+)\s*$"
)
_FUNC = re.compile(r"^(len|text|json)\((.+?)\)(\..+)?$")
_STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)?((?:\[[^\]]*\])*)$")


def literal(text: str):
    """JSON literal if it parses (numbers, true/false/null, "strings", lists), else the bare text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def split_path(path: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in path:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "." and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p for p in parts if p]


def same(a, b) -> bool:
    """Equality, lenient about 64-bit integers that the JSON mapping renders as strings."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    na, nb = number(a), number(b)
    if na is not None and nb is not None and not isinstance(a, bool) and not isinstance(b, bool):
        return na == nb
    return a == b


def number(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return v
    if isinstance(v, str) and re.fullmatch(r"-?\d+(\.\d+)?", v):
        return float(v) if "." in v else int(v)
    return None


def resolve(root, path: str) -> tuple[list, bool]:
    """Values at `path` and whether the path projects ([*] or [key=value]) to many values."""
    values, multi = [root], False
    for part in split_path(path):
        m = _STEP.match(part)
        if not m:
            raise CaseError(f"bad path step {part!r} in {path!r}")
        name, selectors = m.group(1), re.findall(r"\[([^\]]*)\]", m.group(2) or "")
        nxt = []
        for v in values:
            if name:
                v = v.get(name, _MISSING) if isinstance(v, dict) else _MISSING
            if v is not _MISSING:
                nxt.append(v)
        values = nxt
        for sel in selectors:
            nxt = []
            for v in values:
                if not isinstance(v, list):
                    continue
                if sel == "*":
                    nxt.extend(v)
                    multi = True
                elif re.fullmatch(r"-?\d+", sel):
                    i = int(sel)
                    if -len(v) <= i < len(v):
                        nxt.append(v[i])
                elif "=" in sel:
                    key, want = sel.split("=", 1)
                    want = literal(want)
                    for item in v:
                        got, _ = resolve(item, key)
                        if got and same(got[0], want):
                            nxt.append(item)
                    multi = True
                else:
                    raise CaseError(f"bad selector [{sel}] in {path!r}")
            values = nxt
    return values, multi


def range_text(rng: dict, source: bytes) -> str:
    """The source text a Range covers; also checks its line/column agree with its byte offsets."""
    start, end = int(rng.get("start_byte", 0)), int(rng.get("end_byte", 0))
    if not 0 <= start <= end <= len(source):
        raise CheckFailed(f"range bytes [{start}, {end}) outside the {len(source)}-byte content")
    for label, offset in (("start", start), ("end", end)):
        line = source.count(b"\n", 0, offset)
        column = offset - (source.rfind(b"\n", 0, offset) + 1)
        pos = rng.get(label, {})
        got = (int(pos.get("line", 0)), int(pos.get("column", 0)))
        if got != (line, column):
            raise CheckFailed(
                f"range {label} is line {got[0]} column {got[1]} but byte offset {offset} "
                f"is line {line} column {column} (zero-based, byte columns)"
            )
    return source[start:end].decode("utf-8", errors="replace")


def evaluate_check(check: str, response: dict, request: dict, variables: dict | None = None) -> None:
    m = _CHECK.match(check)
    if not m:
        raise CaseError(f"cannot read check {check!r}")
    rhs: Any  # a JSON value: a literal of the check, value(s) of the response, or a ServiceInfo count
    if m.group("lhs3"):
        lhs, op, rhs = m.group("lhs3"), "==", True
    elif m.group("lhs2"):
        lhs, op, rhs = m.group("lhs2"), m.group("op2"), None
    else:
        lhs, op, rhs = m.group("lhs"), m.group("op"), literal(m.group("rhs"))
        if isinstance(rhs, str) and rhs.startswith("@"):  # another value of the same response
            ref, ref_multi = resolve(response, rhs[1:])
            if not ref:
                raise CheckFailed(f"{rhs[1:]} does not exist")
            rhs = ref if ref_multi else ref[0]
        elif isinstance(rhs, str) and rhs.startswith("$"):  # a ServiceInfo variable
            rhs = eval_count(rhs[1:], variables or {})

    values: list[Any]  # the values the check is about
    fm = _FUNC.match(lhs)
    if fm:
        fn, inner, rest = fm.group(1), fm.group(2), fm.group(3)
        found, multi = resolve(response, inner)
        if fn == "len":
            values = [len(v) if isinstance(v, list | str | dict) else _bad(f"len() of non-list {v!r}") for v in found]
            if not found and not multi:
                values = [0]  # an absent repeated field is empty
        elif fn == "text":
            src = _source_for(inner, request)
            values = [range_text(v, src) for v in found]
        else:  # json
            values = []
            for v in found:
                try:
                    doc = json.loads(v)
                except (TypeError, ValueError) as exc:
                    raise CheckFailed(f"{inner} is not JSON: {exc}") from None
                if rest:
                    sub, sub_multi = resolve(doc, rest[1:])
                    multi = multi or sub_multi
                    values.extend(sub)
                else:
                    values.append(doc)
    else:
        values, multi = resolve(response, lhs)

    if op == "exists":
        if not values:
            raise CheckFailed(f"{lhs} does not exist")
        return
    if op == "absent":
        if values:
            raise CheckFailed(f"{lhs} exists: {_show(values if multi else values[0])}")
        return
    if op in ("contains", "excludes"):
        pool = values if multi else (values[0] if values else _MISSING)
        if pool is _MISSING:
            raise CheckFailed(f"{lhs} does not exist")
        if isinstance(pool, str):
            has = isinstance(rhs, str) and rhs in pool
        elif isinstance(pool, list):
            has = any(same(x, rhs) for x in pool)
        else:
            raise CheckFailed(f"{lhs} is neither a list nor a string: {_show(pool)}")
        if op == "contains" and not has:
            raise CheckFailed(f"{lhs} does not contain {_show(rhs)}; it is {_show(pool)}")
        if op == "excludes" and has:
            raise CheckFailed(f"{lhs} contains {_show(rhs)}; it is {_show(pool)}")
        return
    if not values:
        raise CheckFailed(f"{lhs} does not exist" + (" (no value matched)" if multi else ""))
    subjects: list[Any]
    if multi and isinstance(rhs, list):
        subjects = [values]  # compare the whole projection
    elif multi:
        subjects = values  # every projected value must satisfy the comparison
    else:
        subjects = values[:1]
    for v in subjects:
        if not _compare(v, op, rhs):
            who = f"{lhs} (every value)" if multi and not isinstance(rhs, list) else lhs
            shown = _show(values) if multi else _show(v)
            raise CheckFailed(f"expected {who} {op} {_show(rhs)}, got {shown}")


def _compare(v, op: str, rhs) -> bool:
    if op == "==":
        return same(v, rhs)
    if op == "!=":
        return not same(v, rhs)
    if op == "matches":
        return isinstance(v, str) and re.search(str(rhs), v) is not None
    a, b = number(v), number(rhs)
    if a is None or b is None:
        raise CheckFailed(f"cannot compare {_show(v)} {op} {_show(rhs)}: not numbers")
    return {">=": a >= b, "<=": a <= b, ">": a > b, "<": a < b}[op]


def _bad(msg: str):
    raise CheckFailed(msg)


def _source_for(path: str, request: dict) -> bytes:
    """text(): a range under results[i] belongs to files[i]; anything else to request.file."""
    m = re.match(r"^results\[(-?\d+)\]", path)
    if m:
        files = request.get("files", [])
        return source_of(files[int(m.group(1))])
    if path.startswith("results"):
        raise CaseError("text() under results needs a literal index, e.g. results[2]")
    return source_of(request.get("file", {}))


def _show(v) -> str:
    s = json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else repr(v)
    return s if len(s) <= 300 else s[:300] + "…"


# --------------------------------------------------------------------------- running


@dataclass
class Outcome:
    name: str
    ok: bool
    problems: list[str]
    seconds: float = 0.0
    source: str = ""


class Runner:
    def __init__(self, client: Client, service: str, verbose: bool):
        self.client = client
        self.service = service
        self.verbose = verbose
        self.info: dict = {}
        self.variables: dict = {}
        self.outcomes: list[Outcome] = []

    # ---- built-in checks

    def builtin(self, name: str, fn) -> None:
        t0 = time.monotonic()
        try:
            fn()
            self.record(Outcome(f"[built-in] {name}", True, [], time.monotonic() - t0))
        except (CheckFailed, CaseError) as exc:
            self.record(Outcome(f"[built-in] {name}", False, [str(exc)], time.monotonic() - t0))
        except grpc.RpcError as exc:
            self.record(Outcome(f"[built-in] {name}", False, [f"{exc.code()}: {exc.details()}"], time.monotonic() - t0))

    def check_reflection(self) -> None:
        listed = set(self.client.services())
        missing = [s for s in (self.service, INFO_SERVICE, HEALTH_SERVICE) if s not in listed]
        if missing:
            raise CheckFailed(f"reflection lists {sorted(listed)}; missing {missing}")
        for s in (self.service, INFO_SERVICE, HEALTH_SERVICE):
            self.client.pool.FindServiceByName(s)  # descriptors must resolve, with their dependencies

    def health(self, name: str) -> str:
        code, msg, _, resp = self.client.call(f"{HEALTH_SERVICE}/Check", {"service": name}, 5)
        if code != "OK":
            return code
        return to_dict(resp).get("status", "UNKNOWN")

    def check_health(self) -> None:
        for name in ("", self.service):
            got = self.health(name)
            if got != "SERVING":
                raise CheckFailed(f"health of {name!r} is {got}, expected SERVING")

    def check_health_unknown(self) -> None:
        got = self.health("codeintel.v1.NoSuchService")
        if got != "NOT_FOUND":
            raise CheckFailed(f"health of an unknown service name is {got}, expected NOT_FOUND")

    def check_info(self) -> None:
        code, msg, _, resp = self.client.call(f"{INFO_SERVICE}/GetServiceInfo", {}, 10)
        if code != "OK":
            raise CheckFailed(f"GetServiceInfo failed: {code} {msg}")
        entries = [s for s in to_dict(resp).get("services", []) if s.get("service") == self.service]
        if len(entries) != 1:
            raise CheckFailed(f"GetServiceInfo has {len(entries)} entries for {self.service}, expected 1")
        info = entries[0]
        problems = []
        if not info.get("version"):
            problems.append("version is empty")
        for key in ("max_file_bytes", "max_batch_files"):
            if not number(info.get(key, 0)) or number(info.get(key)) <= 0:
                problems.append(f"{key} is {info.get(key)!r}, expected > 0")
        langs = info.get("languages", [])
        if langs != sorted(langs):
            problems.append("languages are not sorted")
        if problems:
            raise CheckFailed("; ".join(problems))
        self.info = info
        self.variables = {
            "max_file_bytes": int(info["max_file_bytes"]),
            "max_batch_files": int(info["max_batch_files"]),
        }

    def check_languages(self, cases: list[Case]) -> None:
        needed = set()
        for c in cases:
            needed.update(c.raw.get("languages", []))
        langs = set(self.info.get("languages", []))
        missing = sorted(needed - langs)
        if missing:
            raise CheckFailed(f"ServiceInfo.languages lacks {missing}, which the cases use (it lists {sorted(langs)})")

    # ---- cases

    def run_case(self, case: Case) -> Outcome:
        t0 = time.monotonic()
        problems: list[str] = []
        raw = case.raw
        try:
            if not raw["method"].lstrip("/").startswith(self.service + "/"):
                raise CaseError(f"method {raw['method']} is not a method of {self.service}")
            request = expand(raw["request"], self.variables)
            timeout = raw.get("deadline_ms", DEFAULT_DEADLINE_MS) / 1000
            code, message, details, response = self.client.call(raw["method"], request, timeout)
            expect = raw["expect"]
            want = expect.get("status", "OK")
            if code != want:
                problems.append(f"status {code} ({message!r}), expected {want}")
            else:
                sub = expect.get("message_contains")
                if sub and sub.lower() not in message.lower():
                    problems.append(f"status message {message!r} does not contain {sub!r}")
                pattern = expect.get("message_matches")
                if pattern and not re.search(pattern, message):
                    problems.append(f"status message {message!r} does not match /{pattern}/")
                for d in expect.get("details", []):
                    if d not in details:
                        problems.append(f"status details {details} lack {d}")
                if response is not None:
                    data = to_dict(response)
                    version = self.info.get("version")
                    if "service_version" in data and version and data["service_version"] != version:
                        problems.append(
                            f"service_version {data['service_version']!r} != InfoService version {version!r}"
                        )
                    for check in expect.get("checks", []):
                        try:
                            evaluate_check(check, data, request, self.variables)
                        except CheckFailed as exc:
                            problems.append(f"{check}: {exc}")
        except CaseError as exc:
            problems.append(f"malformed case: {exc}")
        except CheckFailed as exc:
            problems.append(str(exc))
        return Outcome(case.name, not problems, problems, time.monotonic() - t0, case.source)

    def record(self, o: Outcome) -> None:
        self.outcomes.append(o)
        if self.verbose or not o.ok:
            mark = "PASS" if o.ok else "FAIL"
            where = f" ({o.source})" if o.source else ""
            print(f"{mark}  {o.name}{where}  [{o.seconds * 1000:.0f} ms]")
            for p in o.problems:
                print(f"      - {p}")
            sys.stdout.flush()

    def run(self, cases: list[Case]) -> bool:
        self.builtin("reflection lists the service, InfoService and Health", self.check_reflection)
        self.builtin("health SERVING for '' and the service name", self.check_health)
        self.builtin("health NOT_FOUND for an unknown service name", self.check_health_unknown)
        self.builtin("InfoService describes the service", self.check_info)
        if not self.info:
            print("cannot run the cases without ServiceInfo (max_file_bytes, max_batch_files)")
            return False
        self.builtin("ServiceInfo.languages covers the languages the cases use", lambda: self.check_languages(cases))
        for case in cases:
            self.record(self.run_case(case))
            for sub in case.followups:
                self.record(self.run_case(sub))
        self.builtin("still SERVING after all cases", self.check_health)
        return all(o.ok for o in self.outcomes)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Check a codeintel worker implementation against the v1 contract.")
    p.add_argument("--target", required=True, help="HOST:PORT of the worker process")
    p.add_argument("--service", required=True, choices=sorted(SERVICES))
    p.add_argument(
        "--cases",
        help="case directory (DIR/<service>/ if present, else DIR itself); default: cases/<service>/ next to this file",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="list passing cases too")
    p.add_argument("--connect-timeout", type=float, default=10.0)
    a = p.parse_args(argv)

    service = SERVICES[a.service]
    directory = a.cases or os.path.join(HERE, "cases")
    if os.path.isdir(os.path.join(directory, a.service)):
        directory = os.path.join(directory, a.service)
    try:
        cases = load_cases(directory)
    except CaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    client = Client(a.target)
    try:
        grpc.channel_ready_future(client.channel).result(timeout=a.connect_timeout)
    except grpc.FutureTimeoutError:
        print(f"error: cannot connect to {a.target} within {a.connect_timeout:.0f} s", file=sys.stderr)
        return 2

    print(f"conformance: {service} at {a.target}, {len(cases)} cases from {directory}")
    t0 = time.monotonic()
    runner = Runner(client, service, a.verbose)
    try:
        ok = runner.run(cases)
    finally:
        client.close()
    failed = [o for o in runner.outcomes if not o.ok]
    total = len(runner.outcomes)
    print(
        f"{total - len(failed)}/{total} passed in {time.monotonic() - t0:.1f} s"
        + (f"; FAILED: {', '.join(o.name for o in failed)}" if failed else "")
    )
    if runner.info:
        print(f"implementation: {runner.info.get('implementation', '?')} version {runner.info.get('version')}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
