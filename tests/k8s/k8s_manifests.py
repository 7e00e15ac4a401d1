"""Reading the built kustomize overlays the way Kubernetes would: objects by kind and name,
a container's effective environment, which Service a host name means and which pod port a
Service port reaches, and which NetworkPolicies admit a connection.

Only what our manifests use is implemented, and anything else is an error rather than a
guess, so a manifest that uses a feature this reader does not know fails the tests loudly.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
from dataclasses import dataclass

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OVERLAYS = ("dev", "prod")
CLUSTER_DOMAIN = "svc.cluster.local"


def kubectl() -> str:
    path = shutil.which("kubectl")
    if path is None:
        raise AssertionError("kubectl is not on PATH: the k8s tests build the overlays with `kubectl kustomize`")
    return path


def build_text(overlay: str) -> str:
    proc = subprocess.run(
        [kubectl(), "kustomize", os.path.join(ROOT, "k8s", "overlays", overlay)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if proc.returncode != 0:
        raise AssertionError(f"kubectl kustomize k8s/overlays/{overlay} failed:\n{proc.stderr}")
    return proc.stdout


def build(overlay: str) -> list[dict]:
    return [o for o in yaml.safe_load_all(build_text(overlay)) if o]


class Objects:
    """The objects of one built overlay, looked up by kind and name."""

    def __init__(self, objects: list[dict]):
        self.all = objects
        self._by: dict[tuple[str, str], dict] = {}
        for o in objects:
            key = (o["kind"], o["metadata"]["name"])
            assert key not in self._by, f"{key} defined twice"
            self._by[key] = o

    def get(self, kind: str, name: str) -> dict:
        try:
            return self._by[(kind, name)]
        except KeyError:
            raise AssertionError(f"the manifests define no {kind} {name!r}") from None

    def of_kind(self, kind: str) -> list[dict]:
        return [o for o in self.all if o["kind"] == kind]

    def namespace(self, o: dict) -> str:
        return o["metadata"].get("namespace", "default")

    # ------------------------------------------------------------------ config data

    def config_value(self, name: str, key: str) -> str:
        data = self.get("ConfigMap", name).get("data", {})
        assert key in data, f"ConfigMap {name} has no key {key!r}"
        return data[key]

    def secret_data(self, name: str) -> dict[str, bytes]:
        s = self.get("Secret", name)
        out = {k: base64.b64decode(v) for k, v in (s.get("data") or {}).items()}
        out.update({k: v.encode() for k, v in (s.get("stringData") or {}).items()})
        return out

    def container_env(self, container: dict, external_secrets: bool = False) -> dict[str, str]:
        """The environment Kubernetes gives the container: envFrom first, then env, which wins.

        external_secrets: a secretKeyRef to a Secret these manifests do not define (prod:
        the operator creates it) yields "<secret NAME/KEY>" instead of failing."""
        env: dict[str, str] = {}
        for src in container.get("envFrom", []):
            if "configMapRef" in src:
                env.update(self.get("ConfigMap", src["configMapRef"]["name"]).get("data", {}))
            elif "secretRef" in src:
                env.update({k: v.decode() for k, v in self.secret_data(src["secretRef"]["name"]).items()})
            else:
                raise AssertionError(f"envFrom source not understood: {src}")
        for e in container.get("env", []):
            if "value" in e:
                env[e["name"]] = expand(e["value"], env)
            elif "configMapKeyRef" in e["valueFrom"]:
                ref = e["valueFrom"]["configMapKeyRef"]
                env[e["name"]] = self.config_value(ref["name"], ref["key"])
            elif "secretKeyRef" in e["valueFrom"]:
                ref = e["valueFrom"]["secretKeyRef"]
                if external_secrets and ("Secret", ref["name"]) not in self._by:
                    env[e["name"]] = f"<secret {ref['name']}/{ref['key']}>"
                    continue
                data = self.secret_data(ref["name"])
                assert ref["key"] in data, f"Secret {ref['name']} has no key {ref['key']!r}"
                env[e["name"]] = data[ref["key"]].decode()
            else:
                raise AssertionError(f"env source not understood: {e}")
        return env

    # ------------------------------------------------------------------ services

    def pods_selected(self, selector: dict, namespace: str) -> list[dict]:
        """Deployments whose pod template labels match a Service's selector."""
        return [
            d
            for d in self.of_kind("Deployment")
            if self.namespace(d) == namespace
            and labels_match(selector, d["spec"]["template"]["metadata"].get("labels", {}))
        ]

    def service_for_host(self, host: str, from_namespace: str) -> dict | None:
        """The Service a DNS name means from a pod in `from_namespace`, or None (not a Service name)."""
        name, ns = host, from_namespace
        if host.endswith("." + CLUSTER_DOMAIN):
            parts = host[: -len(CLUSTER_DOMAIN) - 1].split(".")
            if len(parts) != 2:
                raise AssertionError(f"{host}: expected SERVICE.NAMESPACE.{CLUSTER_DOMAIN}")
            name, ns = parts
        elif host.count(".") == 1:
            name, ns = host.split(".")
        elif "." in host:
            return None
        for s in self.of_kind("Service"):
            if s["metadata"]["name"] == name and self.namespace(s) == ns:
                return s
        return None

    def resolve_service_port(self, service: dict, port: int) -> tuple[dict, dict]:
        """(Deployment, container port entry) that a connection to SERVICE:port reaches.

        Headless Service: DNS answers pod IPs, so the client connects to `port` on the pod
        itself and the port must be a container port. ClusterIP: the Service port maps to
        its targetPort (a number or a container port name)."""
        spec = service["spec"]
        name = service["metadata"]["name"]
        sp = [p for p in spec.get("ports", []) if p["port"] == port]
        assert sp, f"Service {name} has no port {port} (ports: {[p['port'] for p in spec.get('ports', [])]})"
        target = port if spec.get("clusterIP") == "None" else sp[0].get("targetPort", port)
        deployments = self.pods_selected(spec.get("selector", {}), self.namespace(service))
        assert len(deployments) == 1, (
            f"Service {name} selects {len(deployments)} Deployments ({[d['metadata']['name'] for d in deployments]}); expected 1"
        )
        d = deployments[0]
        for c in d["spec"]["template"]["spec"]["containers"]:
            for p in c.get("ports", []):
                if p["containerPort"] == target or p.get("name") == target:
                    return d, p
        raise AssertionError(
            f"Service {name} port {port} -> target {target!r}: no such container port "
            f"in Deployment {d['metadata']['name']}"
        )


def expand(value: str, env: dict[str, str]) -> str:
    """Kubernetes' $(VAR) expansion in command, args and env values ($$ escapes)."""

    def sub(m: re.Match) -> str:
        if m.group(0) == "$$":
            return "$"
        return env.get(m.group(1), m.group(0))

    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)", sub, value)


def labels_match(selector: dict, labels: dict) -> bool:
    """A Service selector (plain map) or a LabelSelector (matchLabels / matchExpressions)."""
    if "matchLabels" in selector or "matchExpressions" in selector:
        match_labels = selector.get("matchLabels", {})
        expressions = selector.get("matchExpressions", [])
    else:
        match_labels, expressions = selector, []
    if any(labels.get(k) != v for k, v in match_labels.items()):
        return False
    return all(_expression_matches(e, labels) for e in expressions)


def _expression_matches(expression: dict, labels: dict) -> bool:
    """One matchExpressions entry of a LabelSelector."""
    op, key, values = expression["operator"], expression["key"], expression.get("values", [])
    if op == "In":
        return labels.get(key) in values
    if op == "NotIn":
        return labels.get(key) not in values
    if op == "Exists":
        return key in labels
    if op == "DoesNotExist":
        return key not in labels
    raise AssertionError(f"selector operator {op!r} not understood")


# ---------------------------------------------------------------------- network policies


@dataclass(frozen=True)
class Peer:
    """One side of a connection: a pod's labels and its namespace's labels."""

    namespace: str
    labels: dict
    namespace_labels: dict


def ingress_allowed(objs: Objects, source: Peer, dest: Peer, port: int) -> bool:
    """Whether NetworkPolicies admit a TCP connection from `source` to `dest`:`port`.

    A pod that no Ingress policy selects admits everything; otherwise the connection needs
    one rule of one selecting policy whose peers and ports both match."""
    selecting = [
        p
        for p in objs.of_kind("NetworkPolicy")
        if objs.namespace(p) == dest.namespace
        and "Ingress" in p["spec"].get("policyTypes", ["Ingress"])
        and labels_match(p["spec"]["podSelector"], dest.labels)
    ]
    if not selecting:
        return True
    for policy in selecting:
        for rule in policy["spec"].get("ingress", []):
            ports = rule.get("ports")
            if ports is not None and not any(
                p.get("protocol", "TCP") == "TCP" and _port_matches(p, port, dest) for p in ports
            ):
                continue
            peers = rule.get("from")
            if peers is None or any(_peer_matches(peer, source, dest.namespace) for peer in peers):
                return True
    return False


def _port_matches(rule_port: dict, port: int, dest: Peer) -> bool:
    if "port" not in rule_port:
        return True
    if isinstance(rule_port["port"], str):
        raise AssertionError("named ports in NetworkPolicies are not understood by this reader")
    return rule_port["port"] <= port <= rule_port.get("endPort", rule_port["port"])


def _peer_matches(peer: dict, source: Peer, policy_namespace: str) -> bool:
    if "ipBlock" in peer:
        raise AssertionError("ipBlock peers are not understood by this reader")
    pod_sel, ns_sel = peer.get("podSelector"), peer.get("namespaceSelector")
    if ns_sel is None:  # podSelector alone: pods of the policy's own namespace
        if pod_sel is None:
            raise AssertionError(f"a NetworkPolicy peer with neither podSelector nor namespaceSelector: {peer}")
        return source.namespace == policy_namespace and labels_match(pod_sel, source.labels)
    if not labels_match(ns_sel, source.namespace_labels):
        return False
    return pod_sel is None or labels_match(pod_sel, source.labels)
