"""Turning the containers of a built overlay into local processes, changing only what one
host forces us to change (each change is listed in LocalProcess.remaps):

- ports: every declared containerPort gets a free local port (pods have an IP each; here all
  share 127.0.0.1, and other tests may hold the manifest's numbers). A `--flag=N` / `-p N`
  argument or a *_PORT env value equal to a declared port of that container follows it;
- Service DNS names: `NAME.NAMESPACE.svc.cluster.local:PORT` (also `dns:` entries and URLs)
  becomes `localhost:LOCAL` where LOCAL is the local port of the container port the Service
  port reaches (headless: the same number on the pod; ClusterIP: through targetPort). A
  cluster name that is no Service of the overlay, or a port the Service does not have, fails;
- volume mounts: each mountPath becomes a temp directory (Secret / ConfigMap volumes filled
  with their keys, emptyDir empty), and paths under it in args and env follow;
- executables: the image's `python` (the venv on its PATH) is this test's interpreter, whose
  venv has the same packages installed; redis's `redis-server` / `redis-cli` come from PATH.

The environment is exactly the one the manifests give the container, plus the image's own
ENV lines, PATH, and CODEINTEL_PARENT_PID (so a killed test run leaves no orphans).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sys
from dataclasses import dataclass, field

from k8s_manifests import CLUSTER_DOMAIN, Objects, expand

NAMESPACE = "codeintel"
_ADDRESS = re.compile(r"(?P<host>[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?):(?P<port>\d{1,5})(?![\d])")
LOCAL_HOSTS = {"0.0.0.0", "127.0.0.1", "localhost", "::"}
# The image's ENV (Dockerfile, final stage) that matters to Python processes.
IMAGE_ENV = {"PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LocalProcess:
    deployment: str
    container: dict
    argv: list[str]
    env: dict[str, str]
    ports: dict[int, int]  # declared containerPort -> local port
    remaps: list[str] = field(default_factory=list)

    def local_port(self, port: int | str) -> int:
        for p in self.container.get("ports", []):
            if p["containerPort"] == port or p.get("name") == port:
                return self.ports[p["containerPort"]]
        raise AssertionError(
            f"{self.deployment}: port {port!r} is not a declared container port "
            f"({[p['containerPort'] for p in self.container.get('ports', [])]})"
        )


class LocalPlan:
    """Every container of every Deployment of `objs` (one replica each) as a LocalProcess."""

    def __init__(self, objs: Objects, workdir: str):
        self.objs = objs
        self.workdir = workdir
        # The processes' working directory, empty like the image's WORKDIR: `python -m` puts
        # it first on sys.path, where a directory named like a package would shadow it.
        self.cwd = os.path.join(workdir, "cwd")
        os.makedirs(self.cwd, exist_ok=True)
        self.ports: dict[tuple[str, int], int] = {}
        for d in objs.of_kind("Deployment"):
            replicas = d["spec"].get("replicas", 1)
            assert replicas == 1, f"{d['metadata']['name']}: {replicas} replicas; the local run maps one pod each"
            for c in d["spec"]["template"]["spec"]["containers"]:
                for p in c.get("ports", []):
                    self.ports[(d["metadata"]["name"], p["containerPort"])] = free_port()
        self.processes = [
            self._process(d, c) for d in objs.of_kind("Deployment") for c in d["spec"]["template"]["spec"]["containers"]
        ]

    def by_deployment(self, name: str) -> LocalProcess:
        (p,) = [p for p in self.processes if p.deployment == name]
        return p

    # ------------------------------------------------------------------ building

    def _process(self, d: dict, c: dict) -> LocalProcess:
        name = d["metadata"]["name"]
        ports = {p["containerPort"]: self.ports[(name, p["containerPort"])] for p in c.get("ports", [])}
        proc = LocalProcess(name, c, [], {}, ports)
        mounts = self._mounts(d, c, proc)
        env = self.objs.container_env(c)
        proc.env = {k: self._rewrite_value(v, proc, mounts, env_key=k) for k, v in env.items()}
        command = [expand(x, env) for x in c.get("command", [])]
        args = [expand(x, env) for x in c.get("args", [])]
        assert command, f"{name}: no command; every container states what it runs"
        proc.argv = self._executable(c["image"], command[0], proc) + self._rewrite_tokens(
            command[1:] + args, proc, mounts
        )
        path = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin")
        proc.env = {**IMAGE_ENV, "PATH": path, "HOME": self.cwd, "CODEINTEL_PARENT_PID": str(os.getpid()), **proc.env}
        return proc

    def rewrite_exec(self, proc: LocalProcess, command: list[str]) -> list[str]:
        """An exec probe's command, remapped like the container's own."""
        return self._executable(proc.container["image"], command[0], proc) + self._rewrite_tokens(command[1:], proc, {})

    def _executable(self, image: str, exe: str, proc: LocalProcess) -> list[str]:
        repo = image.rsplit("/", 1)[-1].split(":")[0].split("@")[0]
        if repo == "codeintel":
            assert exe == "python", f"{proc.deployment}: {exe!r}; the codeintel image runs `python -m <component>`"
            proc.remaps.append(f"python -> {sys.executable}")
            return [sys.executable]
        if repo == "redis":
            found = shutil.which(exe)
            assert found, f"{exe} not on PATH"
            proc.remaps.append(f"{exe} -> {found}")
            return [found]
        raise AssertionError(f"{proc.deployment}: no local stand-in for image {image}")

    def _mounts(self, d: dict, c: dict, proc: LocalProcess) -> dict[str, str]:
        volumes = {v["name"]: v for v in d["spec"]["template"]["spec"].get("volumes", [])}
        out = {}
        for m in c.get("volumeMounts", []):
            v = volumes[m["name"]]
            local = os.path.join(self.workdir, "mounts", proc.deployment, m["name"])
            os.makedirs(local, exist_ok=True)
            assert "subPath" not in m, "subPath mounts are not mapped"
            if "secret" in v:
                files = self.objs.secret_data(v["secret"]["secretName"])
            elif "configMap" in v:
                files = {
                    k: s.encode() for k, s in self.objs.get("ConfigMap", v["configMap"]["name"]).get("data", {}).items()
                }
            elif "emptyDir" in v or "persistentVolumeClaim" in v:
                # A claim starts empty like an emptyDir; locally both are a fresh directory.
                files = {}
            else:
                raise AssertionError(f"{proc.deployment}: volume {m['name']} of an unmapped kind")
            items = (v.get("secret") or v.get("configMap") or {}).get("items")
            if items:
                files = {i["path"]: files[i["key"]] for i in items}
            for key, data in files.items():
                with open(os.path.join(local, key), "wb") as f:
                    f.write(data)
            out[m["mountPath"].rstrip("/")] = local
            proc.remaps.append(f"{m['mountPath']} -> {local}")
        return out

    def _rewrite_tokens(self, tokens: list[str], proc: LocalProcess, mounts: dict[str, str]) -> list[str]:
        out = []
        for i, t in enumerate(tokens):
            flag, eq, value = t.partition("=")
            if eq and flag.startswith("-") and value.isdigit() and int(value) in proc.ports:
                t = f"{flag}={proc.ports[int(value)]}"
                proc.remaps.append(f"{flag}={value} -> {t}")
            elif t.isdigit() and int(t) in proc.ports and i > 0 and tokens[i - 1].startswith("-"):
                proc.remaps.append(f"{tokens[i - 1]} {t} -> {proc.ports[int(t)]}")
                t = str(proc.ports[int(t)])
            else:
                t = self._rewrite_value(t, proc, mounts)
            out.append(t)
        return out

    def _rewrite_value(self, value: str, proc: LocalProcess, mounts: dict[str, str], env_key: str = "") -> str:
        if env_key.endswith("PORT") and value.isdigit() and int(value) in proc.ports:
            proc.remaps.append(f"{env_key}={value} -> {proc.ports[int(value)]}")
            return str(proc.ports[int(value)])
        if mounts:  # one pass, longest mount first: a replaced path is never replaced again
            alternation = "|".join(re.escape(m) for m in sorted(mounts, key=len, reverse=True))
            new = re.sub(rf"(?<![\w/.-])({alternation})(?=/|$|[^\w.-])", lambda m: mounts[m.group(1)], value)
            if new != value:
                proc.remaps.append(f"{value} -> {new}")
                value = new

        def service(m: re.Match) -> str:
            host, port = m.group("host"), int(m.group("port"))
            if host in LOCAL_HOSTS:
                return m.group(0)
            svc = self.objs.service_for_host(host, NAMESPACE)
            if svc is None:
                assert not host.endswith(CLUSTER_DOMAIN), f"{proc.deployment}: {host} names no Service of the overlay"
                return m.group(0)
            d, p = self.objs.resolve_service_port(svc, port)
            local = f"localhost:{self.ports[(d['metadata']['name'], p['containerPort'])]}"
            proc.remaps.append(
                f"{host}:{port} -> {local} (Service {svc['metadata']['name']} -> "
                f"{d['metadata']['name']}:{p['containerPort']})"
            )
            return local

        return _ADDRESS.sub(service, value)
