"""The Kubernetes manifests and the Dockerfile, checked without a cluster: both overlays
build, every object validates against the Kubernetes schemas, checkov and hadolint find
nothing, and the properties the deployment relies on hold in the built objects."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tomllib

import kubernetes_validate
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:  # import-mode=importlib: make the helper next to this file importable
    sys.path.insert(0, HERE)

from k8s_manifests import OVERLAYS, ROOT, Objects, Peer, build, build_text, ingress_allowed  # noqa: E402

# The oldest Kubernetes we claim (native gRPC probes are GA since 1.27; 1.33 is the oldest
# minor still supported upstream here) and the newest the schema package knows.
KUBERNETES_VERSIONS = ("1.33.0", kubernetes_validate.latest_version())
TOOLS_VENV = os.path.join(ROOT, ".venv-tools")
CHECKOV = os.path.join(TOOLS_VENV, "bin", "checkov")
HADOLINT = os.path.join(os.path.dirname(sys.executable), "hadolint")
WORKERS = ("parse", "analyze", "scan")
GRPC_COMPONENTS = ("coordinator", "parse-worker", "analyze-worker", "scan-worker")
DEPLOYMENTS = GRPC_COMPONENTS + ("mcp-bridge",)


@pytest.fixture(scope="module", params=OVERLAYS)
def overlay(request) -> tuple[str, Objects]:
    return request.param, Objects(build(request.param))


@pytest.fixture(scope="module")
def dev() -> Objects:
    return Objects(build("dev"))


@pytest.fixture(scope="module")
def prod() -> Objects:
    return Objects(build("prod"))


def containers(d: dict) -> list[dict]:
    return d["spec"]["template"]["spec"]["containers"]


# ---------------------------------------------------------------------- schemas, scanners


def test_both_overlays_build_with_every_component(overlay):
    name, objs = overlay
    for d in DEPLOYMENTS:
        objs.get("Deployment", d)
    for w in WORKERS:
        assert objs.get("Service", f"{w}-workers")["spec"]["clusterIP"] == "None"
    for s in ("coordinator", "mcp-bridge"):
        assert objs.get("Service", s)["spec"]["type"] == "ClusterIP"
    objs.get("ConfigMap", "codeintel-config")
    assert {objs.namespace(o) for o in objs.all if o["kind"] != "Namespace"} == {"codeintel"}


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_object_validates_against_the_kubernetes_schema(overlay, version):
    name, objs = overlay
    for o in objs.all:
        try:
            kubernetes_validate.validate(o, version, strict=True)
        except kubernetes_validate.ValidationError as e:
            pytest.fail(
                f"{name}: {o['kind']} {o['metadata']['name']} is invalid for Kubernetes {version}: "
                f"{e.message} at {'/'.join(map(str, e.path))}"
            )


def test_checkov_finds_nothing_in_the_manifests_or_the_dockerfile(tmp_path):
    """Zero failed checks of any severity (open-source checkov reports no severities, so
    'no HIGH/CRITICAL' can only be checked as 'none at all'); a skip needs a written reason."""
    assert os.path.exists(CHECKOV), f"{CHECKOV} missing: run `make install` (it creates {TOOLS_VENV})"
    scan = tmp_path / "scan"
    scan.mkdir()
    for o in OVERLAYS:
        (scan / f"{o}.yaml").write_text(build_text(o))
    (scan / "Dockerfile").write_text(open(os.path.join(ROOT, "Dockerfile")).read())
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE")  # offline: no guideline download
    proc = subprocess.run(
        [CHECKOV, "-d", str(scan), "--framework", "kubernetes", "dockerfile", "-o", "json", "--skip-download"],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert proc.returncode == 0, f"checkov exited {proc.returncode}:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    reports = json.loads(proc.stdout)
    reports = {r["check_type"]: r for r in (reports if isinstance(reports, list) else [reports])}
    assert set(reports) == {"kubernetes", "dockerfile"}
    for kind, r in reports.items():
        failed = [(c["check_id"], c["check_name"], c["resource"]) for c in r["results"]["failed_checks"]]
        assert not failed, f"checkov {kind} findings: {failed}"
        assert r["summary"]["parsing_errors"] == 0
        assert r["summary"]["passed"] > 0
        for c in r["results"]["skipped_checks"]:
            reason = (c["check_result"].get("suppress_comment") or "").strip()
            assert len(reason) > 20, f"checkov skip of {c['check_id']} on {c['resource']} has no written reason"
    assert reports["kubernetes"]["summary"]["resource_count"] >= sum(len(build(o)) for o in OVERLAYS)


def test_hadolint_finds_nothing_in_the_dockerfile():
    proc = subprocess.run(
        [HADOLINT, "--failure-threshold", "info", os.path.join(ROOT, "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


# ---------------------------------------------------------------------- the image


def dockerfile_stages() -> list[list[str]]:
    """Instructions of each stage, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", open(os.path.join(ROOT, "Dockerfile")).read())
    stages: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def test_image_is_multi_stage_slim_non_root_without_build_tools():
    stages = dockerfile_stages()
    assert len(stages) >= 2
    final = stages[-1]
    assert re.match(r"FROM \S*python:\S*slim\S*$", final[0], re.I), final[0]
    users = [i.split()[1] for i in final if i.upper().startswith("USER ")]
    assert users, "no USER in the final stage"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) > 0, f"USER {users[-1]}: must be numeric and not root (runAsNonRoot checks it)"
    body = " ".join(final).lower()
    for tool in ("gcc", "g++", "build-essential", "make ", "clang", "apt-get install", "pip install"):
        assert tool not in body, f"final stage installs build tooling: {tool!r}"
    assert any(i.startswith("COPY --from=") and "/opt/venv" in i for i in final)
    # The pods run with this uid; the manifests must agree with the image.
    for o in OVERLAYS:
        for d in Objects(build(o)).of_kind("Deployment"):
            if any(c["image"].split("/")[-1].startswith("codeintel") for c in containers(d)):
                assert d["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == int(uid)


def test_image_contains_every_package_the_wheel_installs():
    """The builder COPYs the sources setuptools packages; a new top-level package must be
    copied too, or the image would install a wheel without it."""
    project = tomllib.load(open(os.path.join(ROOT, "pyproject.toml"), "rb"))
    packages = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    copied = {i.split()[1].rstrip("/") for i in dockerfile_stages()[0] if i.startswith("COPY ") and "--from" not in i}
    assert packages <= copied, f"not copied into the builder: {packages - copied}"
    ignored = {
        line.strip() for line in open(os.path.join(ROOT, ".dockerignore")) if line.strip() and not line.startswith("#")
    }
    assert not packages & ignored
    assert {".venv", ".git", "node_modules", "tests"} <= ignored


def test_grammars_load_without_network_as_the_image_build_checks():
    """Runs the Dockerfile's own offline check (sockets disabled, every grammar loaded) here."""
    runs = [i for i in dockerfile_stages()[-1] if i.startswith("RUN python -c ")]
    assert len(runs) == 1
    argv = shlex.split(runs[0][len("RUN ") :])
    proc = subprocess.run([sys.executable] + argv[1:], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "grammars bundled" in proc.stdout


# ---------------------------------------------------------------------- deployment properties


def test_every_grpc_server_has_native_grpc_probes_on_a_numeric_declared_port(overlay):
    _, objs = overlay
    for name in GRPC_COMPONENTS:
        (c,) = containers(objs.get("Deployment", name))
        declared = {p["containerPort"] for p in c["ports"]}
        port_args = [a for a in c["args"] if a.startswith("--port=")]
        assert len(port_args) == 1
        grpc_port = int(port_args[0].split("=")[1])
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            g = c[probe]["grpc"]
            assert isinstance(g["port"], int) and g["port"] in declared and g["port"] == grpc_port, (name, probe)


def test_bridge_has_http_probes_on_its_http_port(overlay):
    _, objs = overlay
    (c,) = containers(objs.get("Deployment", "mcp-bridge"))
    port = int(next(a for a in c["args"] if a.startswith("--port=")).split("=")[1])
    assert "--transport=http" in c["args"]
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": port}
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": port}


def test_pods_are_locked_down(overlay):
    _, objs = overlay
    for d in objs.of_kind("Deployment"):
        spec = d["spec"]["template"]["spec"]
        psc = spec["securityContext"]
        assert psc["runAsNonRoot"] is True and psc["runAsUser"] >= 10000
        assert psc["seccompProfile"] == {"type": "RuntimeDefault"}
        assert spec["automountServiceAccountToken"] is False
        for c in spec["containers"]:
            sc = c["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False
            assert sc["readOnlyRootFilesystem"] is True
            assert sc["capabilities"] == {"drop": ["ALL"]}
            assert c["resources"]["requests"] and c["resources"]["limits"]


def test_termination_grace_outlasts_the_drain(overlay):
    """kubelet SIGKILLs after terminationGracePeriodSeconds; the processes drain for
    drain delay + grace (the ConfigMap) first, and must never be cut short."""
    _, objs = overlay
    for name in DEPLOYMENTS:
        d = objs.get("Deployment", name)
        (c,) = containers(d)
        env = objs.container_env(c, external_secrets=True)
        drain = float(env.get("CODEINTEL_DRAIN_DELAY", 0.5)) + float(env.get("CODEINTEL_GRACE", 30))
        assert d["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > drain + 2, name


def test_grpc_servers_set_max_connection_age(overlay):
    _, objs = overlay
    for name in GRPC_COMPONENTS:
        (c,) = containers(objs.get("Deployment", name))
        assert float(objs.container_env(c, external_secrets=True)["CODEINTEL_MAX_CONNECTION_AGE"]) > 0, name


def test_metrics_are_scrapable_where_the_annotations_say(overlay):
    _, objs = overlay
    for name in DEPLOYMENTS:
        t = objs.get("Deployment", name)["spec"]["template"]
        ann = t["metadata"]["annotations"]
        assert ann["prometheus.io/scrape"] == "true" and ann["prometheus.io/path"] == "/metrics"
        (c,) = t["spec"]["containers"]
        assert int(ann["prometheus.io/port"]) in {p["containerPort"] for p in c["ports"]}, name


def test_coordinator_finds_workers_through_their_headless_services(overlay):
    _, objs = overlay
    (c,) = containers(objs.get("Deployment", "coordinator"))
    for w in WORKERS:
        (entry,) = [a.split("=", 1)[1] for a in c["args"] if a.startswith(f"--{w}-workers=")]
        assert entry.startswith("dns:"), entry
        host, port = entry[4:].rsplit(":", 1)
        svc = objs.service_for_host(host, "codeintel")
        assert svc is not None and svc["spec"]["clusterIP"] == "None", f"{host} is not a headless Service"
        deployment, _ = objs.resolve_service_port(svc, int(port))
        assert deployment["metadata"]["name"] == f"{w}-worker"


def pod_peer(objs: Objects, deployment: str) -> Peer:
    d = objs.get("Deployment", deployment)
    return Peer("codeintel", d["spec"]["template"]["metadata"]["labels"], {"kubernetes.io/metadata.name": "codeintel"})


def test_network_policies_admit_only_the_intended_callers(overlay):
    _, objs = overlay
    coordinator, bridge = pod_peer(objs, "coordinator"), pod_peer(objs, "mcp-bridge")
    stranger = Peer("codeintel", {"app": "something-else"}, {"kubernetes.io/metadata.name": "codeintel"})
    outsider = Peer("default", {"app": "web"}, {"kubernetes.io/metadata.name": "default"})
    client_ns = Peer("ci", {"app": "runner"}, {"kubernetes.io/metadata.name": "ci", "codeintel.io/client": "true"})
    client_pod = Peer("codeintel", {"codeintel.io/client": "true"}, {"kubernetes.io/metadata.name": "codeintel"})
    workers = {w: pod_peer(objs, f"{w}-worker") for w in WORKERS}
    for w, peer in workers.items():
        port = containers(objs.get("Deployment", f"{w}-worker"))[0]["ports"][0]["containerPort"]
        assert ingress_allowed(objs, coordinator, peer, port), w
        for other in [bridge, stranger, outsider, client_ns, client_pod] + [p for x, p in workers.items() if x != w]:
            assert not ingress_allowed(objs, other, peer, port), (w, other)
    for caller in (bridge, client_ns, client_pod):
        assert ingress_allowed(objs, caller, coordinator, 50051)
    for caller in [stranger, outsider] + list(workers.values()):
        assert not ingress_allowed(objs, caller, coordinator, 50051)
    assert ingress_allowed(objs, outsider, bridge, 8765)
    monitoring = Peer("monitoring", {"app": "prometheus"}, {"kubernetes.io/metadata.name": "monitoring"})
    assert ingress_allowed(objs, monitoring, workers["parse"], 9090)
    assert not ingress_allowed(objs, outsider, workers["parse"], 9090)


def test_dev_runs_one_replica_of_everything_and_its_own_redis(dev):
    for d in dev.of_kind("Deployment"):
        assert d["spec"]["replicas"] == 1, d["metadata"]["name"]
    redis = dev.get("Deployment", "redis")
    (c,) = containers(dev.get("Deployment", "coordinator"))
    url = dev.container_env(c)["REDIS_URL"]
    m = re.match(r"redis://([^:/]+):(\d+)/", url)
    assert m is not None, url
    host, port = m.groups()
    assert dev.resolve_service_port(dev.service_for_host(host, "codeintel"), int(port))[0] is redis
    coordinator, bridge = pod_peer(dev, "coordinator"), pod_peer(dev, "mcp-bridge")
    redis_peer = Peer("codeintel", redis["spec"]["template"]["metadata"]["labels"], {})
    assert ingress_allowed(dev, coordinator, redis_peer, int(port))
    for other in [bridge] + [pod_peer(dev, f"{w}-worker") for w in WORKERS]:
        assert not ingress_allowed(dev, other, redis_peer, int(port))


def test_prod_scales_workers_with_hpa_and_keeps_budgets(prod):
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in prod.of_kind("HorizontalPodAutoscaler")}
    for w in WORKERS:
        d = prod.get("Deployment", f"{w}-worker")
        assert "replicas" not in d["spec"], "the HPA owns the worker replica count; a fixed one fights it on apply"
        h = hpas[f"{w}-worker"]
        assert h["spec"]["scaleTargetRef"]["kind"] == "Deployment"
        assert h["spec"]["minReplicas"] >= 2 and h["spec"]["maxReplicas"] > h["spec"]["minReplicas"]
        assert [m["resource"]["name"] for m in h["spec"]["metrics"]] == ["cpu"]
        (c,) = containers(d)
        assert c["resources"]["requests"]["cpu"]  # CPU utilisation needs a request
    for name in ("coordinator", "mcp-bridge"):
        assert prod.get("Deployment", name)["spec"]["replicas"] >= 2
    budgets = prod.of_kind("PodDisruptionBudget")
    for name in DEPLOYMENTS:
        labels = prod.get("Deployment", name)["spec"]["template"]["metadata"]["labels"]
        assert any(all(labels.get(k) == v for k, v in b["spec"]["selector"]["matchLabels"].items()) for b in budgets), (
            name
        )
    # External Redis from a Secret, no Redis Deployment.
    (c,) = containers(prod.get("Deployment", "coordinator"))
    (redis_env,) = [e for e in c["env"] if e["name"] == "REDIS_URL"]
    assert "secretKeyRef" in redis_env["valueFrom"]
    assert not [d for d in prod.of_kind("Deployment") if d["metadata"]["name"] == "redis"]


def test_tenants_come_from_a_mounted_secret_directory(overlay):
    """Mounted as a directory, not subPath: only then does an edited Secret reach the pod,
    where the coordinator re-reads the file."""
    name, objs = overlay
    d = objs.get("Deployment", "coordinator")
    (c,) = containers(d)
    path = objs.container_env(c, external_secrets=True)["CODEINTEL_TENANTS_FILE"]
    (mount,) = [m for m in c["volumeMounts"] if path.startswith(m["mountPath"].rstrip("/") + "/")]
    assert "subPath" not in mount and mount.get("readOnly") is True
    (vol,) = [v for v in d["spec"]["template"]["spec"]["volumes"] if v["name"] == mount["name"]]
    secret = vol["secret"]["secretName"]
    if name == "dev":  # prod: the operator creates it (docs/deploy.md)
        assert os.path.basename(path) in dev_secret_keys(objs, secret)


def dev_secret_keys(objs: Objects, name: str) -> set[str]:
    return set(objs.secret_data(name))


def _volume_of(d: dict, c: dict, path: str) -> dict:
    (mount,) = [m for m in c["volumeMounts"] if m["mountPath"].rstrip("/") == path.rstrip("/")]
    (vol,) = [v for v in d["spec"]["template"]["spec"]["volumes"] if v["name"] == mount["name"]]
    return {"mount": mount, "volume": vol}


def test_graph_store_is_embedded_on_a_claim_in_dev_and_postgresql_from_a_secret_in_prod(dev, prod):
    """Dev keeps the embedded SQLite store on a PersistentVolumeClaim (indexes survive restarts);
    prod shares one PostgreSQL between replicas, its URL (with the password) from a Secret."""
    d = dev.get("Deployment", "coordinator")
    (c,) = containers(d)
    env = dev.container_env(c)
    assert "CODEINTEL_GRAPH_STORE" not in env
    graph = _volume_of(d, c, env["CODEINTEL_GRAPH_DIR"])
    claim = graph["volume"]["persistentVolumeClaim"]["claimName"]
    assert "emptyDir" not in graph["volume"] and not graph["mount"].get("readOnly")
    assert dev.get("PersistentVolumeClaim", claim)["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert d["spec"]["replicas"] == 1  # a ReadWriteOnce SQLite volume serves one coordinator

    d = prod.get("Deployment", "coordinator")
    (c,) = containers(d)
    (store,) = [e for e in c["env"] if e["name"] == "CODEINTEL_GRAPH_STORE"]
    assert store["valueFrom"]["secretKeyRef"]["name"] == "codeintel-graph-store"


def test_repositories_are_mounted_read_only_where_the_coordinator_may_index(overlay):
    name, objs = overlay
    d = objs.get("Deployment", "coordinator")
    (c,) = containers(d)
    roots = objs.container_env(c, external_secrets=True)["CODEINTEL_REPO_ROOTS"].split(",")
    for root in roots:
        repos = _volume_of(d, c, root)
        assert repos["mount"].get("readOnly") is True
        assert "persistentVolumeClaim" in repos["volume"], f"{name}: repositories on a claim, not an emptyDir"
