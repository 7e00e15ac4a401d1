"""Tenants, tiers and API keys (no gRPC): who is calling, and what they may ask for.

Configured by a TOML file (a mounted Kubernetes Secret is just a file), found through
`CODEINTEL_TENANTS_FILE` or `--tenants-file`:

    [tiers.free]
    rate = 5                  # requests per second, 0 = unlimited          (default 10)
    burst = 10                # requests admitted at once from idle          (default 2 s of rate)
    bytes_per_second = 1e6    # source bytes per second, 0 = unlimited      (default 8 MiB/s)
    bytes_burst = 4_000_000   # bytes admitted at once from idle            (default 4 s of bytes_per_second)
    max_concurrent = 4        # calls in flight per replica, 0 = unlimited  (default 8)
    max_priority = "normal"   # highest priority it may ask for: low|normal|high (default "normal")

    [[tenants]]
    id = "acme"
    tier = "free"
    keys = ["sha256:<hex>"]   # `python -m coordinator.tenants new-key` prints a key and this line
    revoked_keys = []         # optional: old keys answered with "this API key was revoked"
    namespace = "acme"        # optional: own L2 cache namespace (omitted: results are shared)

Keys are stored only as sha256 hashes and looked up by hash. Without a file, authentication
is off and every caller is `DEFAULT_TENANT` (unlimited). A file that defines no tenants is an
error rather than a silent way to switch authentication off.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import secrets
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field

from codeintel.kernel import vocab
from codeintel.kernel.errors import CodeIntelError, Unauthenticated

log = logging.getLogger(__name__)

ENV_VAR = "CODEINTEL_TENANTS_FILE"
KEY_PREFIX = "ci_"

# Values of codeintel.v1.Priority by name; UNSPECIFIED means NORMAL.
PRIORITIES: Mapping[str, int] = vocab.PRIORITY_VALUES
PRIORITY_NORMAL = PRIORITIES["normal"]

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_HASH = re.compile(r"sha256:[0-9a-f]{64}")
_BEARER = re.compile(r"\s*bearer\s+(\S+)\s*", re.IGNORECASE)
_TIER_FIELDS = {"rate", "burst", "bytes_per_second", "bytes_burst", "max_concurrent", "max_priority"}
_TENANT_FIELDS = {"id", "tier", "keys", "revoked_keys", "namespace"}


class TenantConfigError(CodeIntelError):
    """The tenants file is unreadable or invalid; the message names the file, tenant/tier and field."""


@dataclass(frozen=True)
class Tier:
    """Limits shared by the tenants of one tier. A rate of 0 (or max_concurrent 0) means unlimited."""

    name: str
    rate: float  # requests per second
    burst: int  # requests
    bytes_per_second: float
    bytes_burst: int  # bytes
    max_concurrent: int  # per replica
    max_priority: str  # a key of PRIORITIES

    @property
    def unlimited(self) -> bool:
        return self.rate == 0 and self.bytes_per_second == 0


@dataclass(frozen=True)
class Tenant:
    id: str
    tier: Tier
    namespace: str | None = None  # L2 cache namespace; None: results are shared


UNLIMITED_TIER = Tier(
    "unlimited", rate=0.0, burst=0, bytes_per_second=0.0, bytes_burst=0, max_concurrent=0, max_priority="high"
)
# Everyone is this tenant when authentication is off; "" matches the coordinator's anonymous caller.
DEFAULT_TENANT = Tenant("", UNLIMITED_TIER)


def hash_key(key: str) -> str:
    """The stored form of an API key: "sha256:<hex>"."""
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    """A fresh random API key; the prefix makes leaked keys easy to recognise (and to scan for)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def clamp_priority(tenant: Tenant, requested: int) -> tuple[int, bool]:
    """(priority to use, whether it was lowered) for a requested codeintel.v1.Priority value.

    UNSPECIFIED counts as NORMAL; it is lowered to a tier's "low" but not reported as clamped,
    since the caller asked for nothing. Unknown values above the tier's maximum are clamped too.
    """
    ceiling = PRIORITIES[tenant.tier.max_priority]
    if requested <= 0:  # PRIORITY_UNSPECIFIED (or a nonsense negative value): normal
        return (requested, False) if PRIORITY_NORMAL <= ceiling else (ceiling, False)
    if requested > ceiling:
        return ceiling, True
    return requested, False


@dataclass(frozen=True)
class _Snapshot:
    """One parsed file, swapped in whole so readers never see half a reload."""

    tenants: dict[str, Tenant] = field(default_factory=dict)
    by_hash: dict[str, Tenant] = field(default_factory=dict)
    revoked: dict[str, Tenant] = field(default_factory=dict)
    stat: tuple[int, int, int] | None = None  # (inode, mtime_ns, size)
    digest: str = ""


class TenantRegistry:
    """The configured tenants; `enabled` is False (authentication off) when there is no file."""

    def __init__(self, path: str | None = None, snapshot: _Snapshot | None = None):
        self.path = path
        self._snap = snapshot or _Snapshot()

    @classmethod
    def load(cls, path: str) -> TenantRegistry:
        """Read and validate `path`; raises TenantConfigError."""
        return cls(path, _read(path))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> TenantRegistry:
        """Load the file named by CODEINTEL_TENANTS_FILE, or a disabled registry when it is unset."""
        path = environ.get(ENV_VAR, "").strip()
        return cls.load(path) if path else cls()

    @property
    def enabled(self) -> bool:
        return bool(self._snap.tenants)

    @property
    def tenants(self) -> dict[str, Tenant]:
        return dict(self._snap.tenants)

    def get(self, tenant_id: str) -> Tenant | None:
        return self._snap.tenants.get(tenant_id)

    def authenticate(self, authorization: str | None) -> Tenant:
        """The tenant owning the bearer key in an `authorization` value; raises Unauthenticated.

        With authentication off every caller is DEFAULT_TENANT, whatever it sends.
        """
        snap = self._snap
        if not snap.tenants:
            return DEFAULT_TENANT
        if authorization is None or not authorization.strip():
            raise Unauthenticated("missing authorization metadata: send 'authorization: Bearer <key>'")
        m = _BEARER.fullmatch(authorization)
        if m is None:
            raise Unauthenticated("malformed authorization metadata: send 'authorization: Bearer <key>'")
        digest = hash_key(m.group(1))
        tenant = snap.by_hash.get(digest)
        if tenant is not None:
            return tenant
        if digest in snap.revoked:
            raise Unauthenticated("this API key was revoked: ask your administrator for a new one")
        raise Unauthenticated("unknown API key: check the key, or ask your administrator for one")

    def reload_if_changed(self) -> bool:
        """Re-read the file if it changed (rotated Secret); True if a new config is in use.

        A file that became unreadable or invalid keeps the old config and logs why. Cheap
        (one stat) when nothing changed, so it can run every few seconds.
        """
        if not self.path:
            return False
        try:
            st = os.stat(self.path)
        except OSError as e:
            log.error("tenants file %s: cannot stat (%s); keeping the previous config", self.path, e)
            return False
        if (st.st_ino, st.st_mtime_ns, st.st_size) == self._snap.stat:
            return False
        try:
            snap = _read(self.path)
        except TenantConfigError as e:
            log.error("%s; keeping the previous config", e)
            return False
        if snap.digest == self._snap.digest:
            self._snap = snap  # touched, same content: remember the new stat only
            return False
        self._snap = snap
        log.info("tenants file %s reloaded: %d tenants", self.path, len(snap.tenants))
        return True


def _read(path: str) -> _Snapshot:
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            raw = f.read()
    except OSError as e:
        raise TenantConfigError(f"tenants file {path}: cannot read: {e.strerror or e}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise TenantConfigError(f"tenants file {path}: not valid TOML: {e}") from None
    snap = parse(data, f"tenants file {path}")
    return _Snapshot(
        snap.tenants,
        snap.by_hash,
        snap.revoked,
        (st.st_ino, st.st_mtime_ns, st.st_size),
        hashlib.sha256(raw).hexdigest(),
    )


def parse(data: Mapping, source: str = "<config>") -> _Snapshot:
    """Validate a decoded tenants document; errors name `source`, the table and the field."""
    unknown = set(data) - {"tiers", "tenants"}
    if unknown:
        raise TenantConfigError(
            f"{source}: unknown top-level key(s) {sorted(unknown)}; expected [tiers.*] and [[tenants]]"
        )
    raw_tiers = data.get("tiers", {})
    if not isinstance(raw_tiers, Mapping):
        raise TenantConfigError(f"{source}: 'tiers' must be tables like [tiers.free]")
    tiers = {name: _tier(name, spec, source) for name, spec in raw_tiers.items()}
    raw_tenants = data.get("tenants", [])
    if not isinstance(raw_tenants, list) or not raw_tenants:
        raise TenantConfigError(
            f"{source}: defines no [[tenants]]; to turn authentication off, do not configure a tenants file"
        )
    tenants: dict[str, Tenant] = {}
    by_hash: dict[str, Tenant] = {}
    revoked: dict[str, Tenant] = {}
    for i, spec in enumerate(raw_tenants):
        where = f"{source}: tenants[{i}]"
        if not isinstance(spec, Mapping):
            raise TenantConfigError(f"{where}: must be a [[tenants]] table")
        tid = spec.get("id")
        if not isinstance(tid, str) or not _NAME.fullmatch(tid):
            raise TenantConfigError(f"{where}: 'id' must be 1-64 characters of letters, digits, '.', '_' or '-'")
        where = f"{source}: tenant {tid!r}"
        if tid in tenants:
            raise TenantConfigError(f"{where}: defined twice")
        extra = set(spec) - _TENANT_FIELDS
        if extra:
            raise TenantConfigError(f"{where}: unknown field(s) {sorted(extra)}; allowed: {sorted(_TENANT_FIELDS)}")
        tier_name = spec.get("tier")
        if tier_name not in tiers:
            raise TenantConfigError(
                f"{where}: field 'tier': unknown tier {tier_name!r}; defined tiers: {sorted(tiers)}"
            )
        namespace = spec.get("namespace")
        if namespace is not None and (not isinstance(namespace, str) or not _NAME.fullmatch(namespace)):
            raise TenantConfigError(
                f"{where}: field 'namespace' must be 1-64 characters of letters, digits, '.', '_' or '-'"
            )
        tenant = Tenant(tid, tiers[tier_name], namespace)
        if "keys" not in spec:
            raise TenantConfigError(
                f"{where}: field 'keys' is missing; add keys = [\"sha256:...\"] (python -m coordinator.tenants new-key)"
            )
        for fname, index in (("keys", by_hash), ("revoked_keys", revoked)):
            for h in _hashes(spec.get(fname, []), f"{where}: field {fname!r}"):
                owner = by_hash.get(h) or revoked.get(h)
                if owner is not None:
                    raise TenantConfigError(
                        f"{where}: field {fname!r}: key hash {h[:15]}... is also listed "
                        f"for tenant {owner.id!r}; every key must belong to one tenant once"
                    )
                index[h] = tenant
        tenants[tid] = tenant
    return _Snapshot(tenants, by_hash, revoked)


def _hashes(value, where: str) -> list[str]:
    if not isinstance(value, list):
        raise TenantConfigError(f'{where}: must be a list of "sha256:<hex>" strings')
    out = []
    for h in value:
        if not isinstance(h, str):
            raise TenantConfigError(f'{where}: must be a list of "sha256:<hex>" strings')
        h = h.strip().lower()
        if not _HASH.fullmatch(h):
            hint = (
                " (it looks like a raw key: store only its hash, see `python -m coordinator.tenants hash-key`)"
                if h.startswith(KEY_PREFIX)
                else ""
            )
            raise TenantConfigError(f'{where}: {h[:12]!r}... is not "sha256:" followed by 64 hex digits{hint}')
        out.append(h)
    return out


def _tier(name: str, spec, source: str) -> Tier:
    where = f"{source}: tier {name!r}"
    if not _NAME.fullmatch(name):
        raise TenantConfigError(f"{where}: name must be 1-64 characters of letters, digits, '.', '_' or '-'")
    if not isinstance(spec, Mapping):
        raise TenantConfigError(f"{where}: must be a table like [tiers.{name}]")
    extra = set(spec) - _TIER_FIELDS
    if extra:
        raise TenantConfigError(f"{where}: unknown field(s) {sorted(extra)}; allowed: {sorted(_TIER_FIELDS)}")

    def number(key: str, default: float) -> float:
        v = spec.get(key, default)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
            raise TenantConfigError(f"{where}: field {key!r} must be a finite number >= 0 (0 = unlimited), got {v!r}")
        return float(v)

    def integer(key: str, default: int, least: int) -> int:
        v = spec.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int) or v < least:
            raise TenantConfigError(f"{where}: field {key!r} must be an integer >= {least}, got {v!r}")
        return v

    rate = number("rate", 10.0)
    bps = number("bytes_per_second", 8 * 1024 * 1024.0)
    # Omitted bursts scale with the rate: two seconds of requests, four seconds of bytes.
    burst = integer("burst", max(1, math.ceil(2 * rate)), 1)
    bytes_burst = integer("bytes_burst", max(1, math.ceil(4 * bps)), 1)
    max_concurrent = integer("max_concurrent", 8, 0)
    prio = spec.get("max_priority", "normal")
    if prio not in PRIORITIES:
        raise TenantConfigError(f"{where}: field 'max_priority' must be one of {list(PRIORITIES)}, got {prio!r}")
    return Tier(name, rate, burst, bps, bytes_burst, max_concurrent, prio)


def main(argv: list[str] | None = None) -> int:
    """`new-key`, `hash-key KEY` and `check FILE` for operators."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m coordinator.tenants", description="Manage codeintel API keys.")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("new-key", help="print a new API key and the hash line for the tenants file")
    hk = sub.add_parser("hash-key", help="print the stored form of an API key")
    hk.add_argument("key")
    ck = sub.add_parser("check", help="validate a tenants file")
    ck.add_argument("file")
    a = p.parse_args(argv)
    if a.cmd == "new-key":
        key = new_key()
        print(key)
        print(f'keys = ["{hash_key(key)}"]')
        print(
            "# Give the first line to the tenant (it is stored nowhere); paste the second into the tenants file.",
            file=sys.stderr,
        )
    elif a.cmd == "hash-key":
        print(hash_key(a.key))
    else:
        try:
            reg = TenantRegistry.load(a.file)
        except TenantConfigError as e:
            print(e, file=sys.stderr)
            return 1
        print(f"{a.file}: OK, {len(reg.tenants)} tenants")
    return 0


if __name__ == "__main__":
    sys.exit(main())
