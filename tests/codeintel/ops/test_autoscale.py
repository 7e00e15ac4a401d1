"""The autoscaler's decisions (codeintel.autoscale): up, down, hysteresis, bounds, cooldowns."""

from __future__ import annotations

import argparse

import pytest

from codeintel.kernel import settings
from codeintel.ops.autoscale import SETTINGS, Bounds, Policy, Sample, Scaler, policy_from_args

POLICY = Policy(
    interval=1.0,
    up_queue_per_worker=2.0,
    up_wait_p50_ms=50.0,
    up_wait_p95_ms=250.0,
    up_samples=3,
    up_step=1,
    up_cooldown=5.0,
    down_in_flight_per_worker=0.5,
    down_samples=4,
    down_cooldown=10.0,
)


class Clock:
    def __init__(self, scaler: Scaler):
        self.scaler, self.t = scaler, 100.0

    def feed(self, queue=0, in_flight=0, p50=0.0, p95=0.0, serving=None, times=1):
        """Feed `times` samples one second apart; the decisions that came out."""
        out = []
        for _ in range(times):
            self.t += 1.0
            d = self.scaler.observe(
                Sample(
                    t=self.t,
                    serving=self.scaler.current if serving is None else serving,
                    queue_depth=queue,
                    in_flight=in_flight,
                    wait_p50_ms=p50,
                    wait_p95_ms=p95,
                )
            )
            if d is not None:
                out.append(d)
        return out


def scaler(current=1, lo=1, hi=3, policy=POLICY):
    s = Scaler(policy, Bounds(lo, hi), current)
    return s, Clock(s)


def test_grows_only_after_up_samples_pressured_samples_in_a_row():
    s, clock = scaler()
    assert clock.feed(queue=10, in_flight=2, times=2) == []
    [d] = clock.feed(queue=10, in_flight=2)
    assert (d.current, d.target, d.delta) == (1, 2, 1)
    assert "queue 10 = 10.0 per worker > 2" in d.reason and "3 samples" in d.reason
    assert s.current == 2


def test_queue_per_worker_counts_serving_workers():
    s, clock = scaler(current=3, hi=5)
    assert clock.feed(queue=6, in_flight=6, times=5) == []  # 2 per worker: not above the threshold
    assert clock.feed(queue=7, in_flight=6, times=3)[0].target == 4


@pytest.mark.parametrize(
    "p50, p95, why", [(60.0, 0.0, "queue wait p50 60 ms > 50 ms"), (10.0, 300.0, "queue wait p95 300 ms > 250 ms")]
)
def test_queue_wait_above_its_threshold_is_pressure(p50, p95, why):
    s, clock = scaler()
    [d] = clock.feed(queue=1, in_flight=2, p50=p50, p95=p95, times=3)
    assert d.target == 2 and why in d.reason


def test_a_calm_sample_restarts_the_up_streak():
    s, clock = scaler()
    clock.feed(queue=10, in_flight=2, times=2)
    clock.feed(queue=1, in_flight=2)  # busy but not pressured
    assert clock.feed(queue=10, in_flight=2, times=2) == []
    assert len(clock.feed(queue=10, in_flight=2)) == 1


def test_never_above_max_and_says_so():
    s, clock = scaler(current=3, hi=3)
    assert clock.feed(queue=50, in_flight=6, times=20) == []
    assert s.current == 3 and "already at the maximum of 3" in s.hold


def test_up_step_is_capped_at_max():
    s, clock = scaler(current=2, hi=3, policy=Policy(up_samples=1, up_step=4))
    [d] = clock.feed(queue=50, in_flight=4)
    assert d.target == 3


def test_up_cooldown_spaces_consecutive_increases():
    s, clock = scaler(hi=5)
    decisions = clock.feed(queue=100, in_flight=2, times=12)  # t = 101 .. 112
    assert [d.current for d in decisions] == [1, 2]
    # The first at t=103 (3 samples); the second not at t=106 (3 fresh samples) but at t=108,
    # when the 5 s cooldown is over; a third would need t >= 113.
    assert s.current == 3 and s.last_change == 108.0


def test_no_growth_while_added_workers_are_still_starting():
    s, clock = scaler(hi=5, policy=Policy(up_samples=1, up_cooldown=0))
    assert clock.feed(queue=100, in_flight=2)[0].target == 2
    assert clock.feed(queue=100, in_flight=2, serving=1, times=5) == []
    assert "not serving yet" in s.hold
    assert clock.feed(queue=100, in_flight=4, serving=2)[0].target == 3


def test_shrinks_after_down_samples_idle_samples_never_below_min():
    s, clock = scaler(current=3, lo=1, hi=3, policy=Policy(down_samples=4, down_cooldown=0))
    assert clock.feed(times=3) == []
    [d] = clock.feed()
    assert (d.current, d.target) == (3, 2) and "idle for 4 samples" in d.reason
    assert [d.target for d in clock.feed(times=20)] == [1]
    assert s.current == 1 and "minimum of 1" in s.hold


def test_busy_pool_without_queue_neither_grows_nor_shrinks():
    """The band between the two conditions: no queue but calls running (the state right after a
    scale-up absorbed the queue) must not shrink the pool back (no flapping)."""
    s, clock = scaler(current=2, policy=Policy(down_samples=2, down_cooldown=0))
    assert clock.feed(queue=0, in_flight=3, times=50) == []
    assert s.current == 2 and s.up_streak == 0 and s.down_streak == 0


def test_idle_means_empty_queue_and_few_calls_per_worker():
    s, _ = scaler(current=4)
    assert s.idle(Sample(t=0, serving=4, queue_depth=0, in_flight=2))  # 0.5 per worker
    assert not s.idle(Sample(t=0, serving=4, queue_depth=0, in_flight=3))
    assert not s.idle(Sample(t=0, serving=4, queue_depth=1, in_flight=0))


def test_down_cooldown_after_growing():
    s, clock = scaler(policy=Policy(up_samples=1, up_cooldown=0, down_samples=1, down_cooldown=10))
    assert clock.feed(queue=9, in_flight=2)[0].target == 2  # t=101
    assert clock.feed(times=9) == []  # t=102..110: cooling down
    assert "cooling down" in s.hold
    [d] = clock.feed()  # t=111
    assert d.target == 1


def test_pressure_between_idle_samples_restarts_the_down_streak():
    s, clock = scaler(current=2, policy=Policy(down_samples=4, down_cooldown=0))
    clock.feed(times=3)
    clock.feed(queue=9, in_flight=4)
    assert clock.feed(times=3) == []
    assert clock.feed()[0].target == 1


def test_a_pool_outside_its_bounds_is_brought_back():
    s, clock = scaler(current=0, lo=1, hi=3)
    [d] = clock.feed(queue=0)
    assert d.target == 1 and "below the minimum" in d.reason
    s, clock = scaler(current=7, lo=1, hi=3)
    assert clock.feed()[0].target == 3


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"interval": 0}, "--scale-interval must be a positive number"),
        ({"up_wait_p95_ms": float("nan")}, "--scale-up-wait-p95-ms must be a positive number"),
        ({"down_cooldown": -1}, "--scale-down-cooldown must be 0 or a positive number"),
        ({"up_samples": 0}, "--scale-up-samples must be a whole number >= 1"),
        ({"down_samples": 2.5}, "--scale-down-samples must be a whole number >= 1"),
    ],
)
def test_bad_policy_values_name_the_flag(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Policy(**kwargs)


def test_bounds_must_be_ordered():
    with pytest.raises(ValueError, match="min <= max"):
        Bounds(3, 2)


def test_policy_from_flags_and_environment(monkeypatch, capsys):
    monkeypatch.setenv("CODEINTEL_SCALE_DOWN_SAMPLES", "7")
    p = argparse.ArgumentParser()
    settings.add(p, SETTINGS)
    args = settings.check(p, SETTINGS, p.parse_args(["--scale-up-queue-per-worker", "1.5", "--scale-up-samples", "2"]))
    policy = policy_from_args(args)
    assert (policy.up_queue_per_worker, policy.up_samples, policy.down_samples) == (1.5, 2, 7)
    assert policy.interval == Policy().interval
    with pytest.raises(SystemExit):
        settings.check(p, SETTINGS, p.parse_args(["--scale-up-step", "two"]))
    assert "argument --scale-up-step: invalid int value: 'two'" in capsys.readouterr().err
