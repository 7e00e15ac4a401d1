import pytest

from coordinator.config import CoordinatorConfig


def test_flags_and_defaults():
    c = CoordinatorConfig.from_args(["--parse-workers", "127.0.0.1:1,127.0.0.1:2", "--max-queue", "5"])
    assert c.workers["parse"] == ("127.0.0.1:1", "127.0.0.1:2") and c.workers["scan"] == ()
    assert c.max_queue == 5 and c.port == 50051
    assert (c.micro_batch_files, c.micro_batch_wait) == (16, 0.0005)  # on by default


def test_env_defaults(monkeypatch):
    monkeypatch.setenv("CODEINTEL_SCAN_WORKERS", "scan-0.scan:50063")
    monkeypatch.setenv("CODEINTEL_MAX_ATTEMPTS", "4")
    c = CoordinatorConfig.from_args([])
    assert c.workers["scan"] == ("scan-0.scan:50063",) and c.max_attempts == 4


@pytest.mark.parametrize(
    "argv,message",
    [
        ([], "no workers configured"),
        (["--parse-workers", "nohost"], "not HOST:PORT"),
        (["--parse-workers", "a:1", "--max-queue", "0"], "--max-queue must be a positive number, got 0"),
        (["--parse-workers", "a:1", "--port", "99999"], "--port must be between"),
        (["--parse-workers", "a:1", "--micro-batch-files", "0"], "--micro-batch-files must be a positive number"),
        (["--parse-workers", "a:1", "--micro-batch-wait", "-1"], "--micro-batch-wait must be"),
    ],
)
def test_bad_values_are_rejected_clearly(argv, message, capsys):
    with pytest.raises(SystemExit) as ei:
        CoordinatorConfig.from_args(argv)
    assert ei.value.code == 2
    assert message in capsys.readouterr().err
