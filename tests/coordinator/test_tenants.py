import logging
import os
import subprocess
import sys

import pytest

from codeintel.kernel.errors import CodeIntelError, Unauthenticated
from codeintel.v1 import coordinator_pb2 as pb
from coordinator import tenants as t
from coordinator.tenants import DEFAULT_TENANT, TenantConfigError, TenantRegistry, clamp_priority, hash_key, new_key

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

KEY_A, KEY_A_OLD, KEY_B = "ci_alpha-key", "ci_alpha-old", "ci_beta-key"

CONFIG = f"""
[tiers.free]
rate = 5
burst = 10
bytes_per_second = 1_000_000
bytes_burst = 4_000_000
max_concurrent = 2
max_priority = "low"

[tiers.pro]
rate = 100
max_priority = "high"

[[tenants]]
id = "alpha"
tier = "free"
keys = ["{hash_key(KEY_A)}"]
revoked_keys = ["{hash_key(KEY_A_OLD)}"]

[[tenants]]
id = "beta"
tier = "pro"
keys = ["{hash_key(KEY_B)}"]
namespace = "beta-private"
"""


def write(tmp_path, text, name="tenants.toml"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


@pytest.fixture
def registry(tmp_path):
    return TenantRegistry.load(write(tmp_path, CONFIG))


def test_load_tiers_tenants_and_defaults(registry):
    assert registry.enabled
    alpha, beta = registry.get("alpha"), registry.get("beta")
    assert alpha.tier == t.Tier("free", 5.0, 10, 1_000_000.0, 4_000_000, 2, "low")
    assert alpha.namespace is None and beta.namespace == "beta-private"
    # Omitted fields: burst two seconds of rate, bytes_burst four seconds of bytes.
    assert beta.tier == t.Tier("pro", 100.0, 200, 8 * 1024 * 1024.0, 4 * 8 * 1024 * 1024, 8, "high")
    assert sorted(registry.tenants) == ["alpha", "beta"]


def test_authenticate_by_key(registry):
    assert registry.authenticate(f"Bearer {KEY_A}").id == "alpha"
    assert registry.authenticate(f"Bearer {KEY_B}").id == "beta"
    # Scheme is case-insensitive; surrounding whitespace is tolerated.
    assert registry.authenticate(f"  bEaReR   {KEY_B}\t").id == "beta"


@pytest.mark.parametrize(
    "header, message",
    [
        (None, "missing authorization metadata: send 'authorization: Bearer <key>'"),
        ("", "missing authorization metadata"),
        ("   ", "missing authorization metadata"),
        (KEY_A, "malformed authorization metadata"),
        (f"Basic {KEY_A}", "malformed authorization metadata"),
        (f"Bearer {KEY_A} extra", "malformed authorization metadata"),
        ("Bearer", "malformed authorization metadata"),
        ("Bearer ci_nobody", "unknown API key"),
        (f"Bearer {KEY_A_OLD}", "this API key was revoked"),
        (f"Bearer {hash_key(KEY_A)}", "unknown API key"),  # the stored hash is not a key
    ],
)
def test_authenticate_rejects(registry, header, message):
    with pytest.raises(Unauthenticated) as e:
        registry.authenticate(header)
    assert str(e.value).startswith(message)
    assert isinstance(e.value, CodeIntelError)


def test_key_of_another_tenant_is_that_tenant(registry):
    # A key identifies its own tenant only: alpha's key never yields beta's tier or namespace.
    a = registry.authenticate(f"Bearer {KEY_A}")
    assert a.id == "alpha" and a.tier.name == "free" and a.namespace is None


def test_disabled_registry_lets_everyone_in(monkeypatch):
    monkeypatch.delenv(t.ENV_VAR, raising=False)
    reg = TenantRegistry.from_env()
    assert not reg.enabled
    assert reg.authenticate(None) is DEFAULT_TENANT
    assert reg.authenticate("Bearer whatever") is DEFAULT_TENANT
    assert DEFAULT_TENANT.tier.unlimited and DEFAULT_TENANT.tier.max_concurrent == 0
    assert not reg.reload_if_changed()


def test_from_env_reads_the_named_file(tmp_path, monkeypatch):
    monkeypatch.setenv(t.ENV_VAR, write(tmp_path, CONFIG))
    reg = TenantRegistry.from_env()
    assert reg.enabled and reg.authenticate(f"Bearer {KEY_B}").id == "beta"


def test_keys_are_hashes():
    k = new_key()
    assert k.startswith("ci_") and len(k) > 40 and new_key() != k
    assert hash_key("abc") == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_priority_names_match_the_proto():
    assert t.PRIORITIES == {"low": pb.PRIORITY_LOW, "normal": pb.PRIORITY_NORMAL, "high": pb.PRIORITY_HIGH}
    assert pb.PRIORITY_UNSPECIFIED == 0  # clamp_priority reads a requested value <= 0 as unspecified


def test_clamp_priority(registry):
    low, high = registry.get("alpha"), registry.get("beta")
    assert clamp_priority(low, pb.PRIORITY_HIGH) == (pb.PRIORITY_LOW, True)
    assert clamp_priority(low, pb.PRIORITY_NORMAL) == (pb.PRIORITY_LOW, True)
    assert clamp_priority(low, pb.PRIORITY_LOW) == (pb.PRIORITY_LOW, False)
    # Unspecified means normal: lowered for a low tier, but the caller asked for nothing.
    assert clamp_priority(low, pb.PRIORITY_UNSPECIFIED) == (pb.PRIORITY_LOW, False)
    assert clamp_priority(high, pb.PRIORITY_UNSPECIFIED) == (pb.PRIORITY_UNSPECIFIED, False)
    assert clamp_priority(high, pb.PRIORITY_HIGH) == (pb.PRIORITY_HIGH, False)
    assert clamp_priority(high, 7) == (pb.PRIORITY_HIGH, True)  # a value from a newer client
    normal = t.Tenant("n", t.Tier("n", 1, 1, 1, 1, 1, "normal"))
    assert clamp_priority(normal, pb.PRIORITY_HIGH) == (pb.PRIORITY_NORMAL, True)
    assert clamp_priority(DEFAULT_TENANT, pb.PRIORITY_HIGH) == (pb.PRIORITY_HIGH, False)


TENANT_OK = f'[[tenants]]\nid = "x"\ntier = "t"\nkeys = ["{hash_key("k1")}"]\n'


@pytest.mark.parametrize(
    "text, message",
    [
        ("[tiers.t]\n", "defines no [[tenants]]"),
        ("[[tenants]\n", "not valid TOML"),
        ("[tiers.t]\nrate = -1\n" + TENANT_OK, "tier 't': field 'rate' must be a finite number >= 0"),
        ("[tiers.t]\nrate = inf\n" + TENANT_OK, "field 'rate' must be a finite number"),
        ("[tiers.t]\nrate = true\n" + TENANT_OK, "field 'rate' must be a finite number"),
        ("[tiers.t]\nburst = 0\n" + TENANT_OK, "field 'burst' must be an integer >= 1"),
        ("[tiers.t]\nbytes_burst = 1.5\n" + TENANT_OK, "field 'bytes_burst' must be an integer >= 1"),
        ('[tiers.t]\nmax_priority = "critical"\n' + TENANT_OK, "field 'max_priority' must be one of"),
        ("[tiers.t]\nbrust = 3\n" + TENANT_OK, "tier 't': unknown field(s) ['brust']"),
        (
            "[tiers.t]\n" + TENANT_OK.replace('tier = "t"', 'tier = "gold"'),
            "tenant 'x': field 'tier': unknown tier 'gold'",
        ),
        ("[tiers.t]\n" + TENANT_OK.replace('id = "x"', 'id = "no spaces"'), "tenants[0]: 'id' must be"),
        ("[tiers.t]\n" + TENANT_OK + TENANT_OK, "tenant 'x': defined twice"),
        ("[tiers.t]\n" + TENANT_OK + TENANT_OK.replace('"x"', '"y"'), "tenant 'y': field 'keys': key hash sha256:"),
        ("[tiers.t]\n" + TENANT_OK.replace(hash_key("k1"), "ci_rawkey"), "looks like a raw key"),
        ("[tiers.t]\n" + TENANT_OK.replace(hash_key("k1"), "sha256:abc"), 'is not "sha256:" followed by 64 hex'),
        ("[tiers.t]\n" + TENANT_OK.replace("keys =", "revoked_keys ="), "tenant 'x': field 'keys' is missing"),
        ("[tiers.t]\n" + TENANT_OK + 'namespace = "a/b"\n', "field 'namespace' must be"),
        ("[tiers.t]\n" + TENANT_OK + "color = 1\n", "tenant 'x': unknown field(s) ['color']"),
        ("[tiers.t]\n" + TENANT_OK + f'revoked_keys = ["{hash_key("k1")}"]\n', "is also listed for tenant 'x'"),
        ("tenant = 1\n", "unknown top-level key(s) ['tenant']"),
    ],
)
def test_config_errors_name_file_and_field(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(TenantConfigError) as e:
        TenantRegistry.load(path)
    assert str(e.value).startswith(f"tenants file {path}: ")
    assert message in str(e.value)


def test_missing_file(tmp_path):
    with pytest.raises(TenantConfigError, match="cannot read"):
        TenantRegistry.load(str(tmp_path / "nope.toml"))


def test_reload_picks_up_rotated_keys_and_keeps_old_config_on_errors(tmp_path, caplog):
    path = write(tmp_path, CONFIG)
    reg = TenantRegistry.load(path)
    assert not reg.reload_if_changed()  # nothing changed
    new_b = new_key()
    rotated = CONFIG.replace(
        f'keys = ["{hash_key(KEY_B)}"]', f'keys = ["{hash_key(new_b)}"]\nrevoked_keys = ["{hash_key(KEY_B)}"]'
    )
    # Replace the file the way a Secret update does: a new file renamed over the old path.
    tmp = write(tmp_path, rotated, "tenants.toml.new")
    os.replace(tmp, path)
    assert reg.reload_if_changed()
    assert reg.authenticate(f"Bearer {new_b}").id == "beta"
    with pytest.raises(Unauthenticated, match="revoked"):
        reg.authenticate(f"Bearer {KEY_B}")

    with caplog.at_level(logging.ERROR, logger="coordinator.tenants"):
        write(tmp_path, rotated.replace('tier = "pro"', 'tier = "gold"'))
        os.utime(path, ns=(1, 1))  # a different mtime even on coarse file systems
        assert not reg.reload_if_changed()
        os.remove(path)
        assert not reg.reload_if_changed()
    assert "unknown tier 'gold'" in caplog.text and "keeping the previous config" in caplog.text
    assert reg.authenticate(f"Bearer {new_b}").id == "beta"  # old config still serves

    write(tmp_path, CONFIG)
    assert reg.reload_if_changed()
    assert reg.authenticate(f"Bearer {KEY_B}").id == "beta"


def test_touched_but_unchanged_file_is_not_a_reload(tmp_path):
    path = write(tmp_path, CONFIG)
    reg = TenantRegistry.load(path)
    os.utime(path, ns=(2, 2))
    assert not reg.reload_if_changed()
    assert reg.authenticate(f"Bearer {KEY_A}").id == "alpha"


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "coordinator.tenants", *args], capture_output=True, text=True, cwd=ROOT, timeout=60
    )


def test_cli_new_key_hash_key_and_check(tmp_path):
    out = run_cli("new-key")
    assert out.returncode == 0, out.stderr
    key, line = out.stdout.splitlines()
    assert key.startswith("ci_") and line == f'keys = ["{hash_key(key)}"]'
    # The printed line pasted into a file authenticates the printed key.
    path = write(tmp_path, f'[tiers.t]\n[[tenants]]\nid = "z"\ntier = "t"\n{line}\n')
    assert TenantRegistry.load(path).authenticate(f"Bearer {key}").id == "z"

    out = run_cli("hash-key", "abc")
    assert out.returncode == 0 and out.stdout.strip() == hash_key("abc")
    out = run_cli("check", path)
    assert out.returncode == 0 and "1 tenants" in out.stdout
    bad = write(tmp_path, "[tiers.t]\n", "bad.toml")
    out = run_cli("check", bad)
    assert out.returncode == 1 and "defines no [[tenants]]" in out.stderr and "Traceback" not in out.stderr
