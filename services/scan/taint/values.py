"""What the taint pass tracks: a Taint (the flow steps from a source, and the sink kinds a sanitiser
made it safe for), a Hit (a sink reached), a name's binding; merging and extending them.

Holds: MAX_STEPS, Taint, Hit, _Binding, _extend, _merge, _block. No grpc here.
"""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node

from codeintel.kernel.span import Span

__all__ = ["MAX_STEPS", "Hit", "Taint"]

MAX_STEPS = 12  # flow steps kept per finding: the source, then the latest ones
_MAX_TAINTS = 3  # alternative taints kept per expression (differing in sanitised kinds)


@dataclass(frozen=True, slots=True)
class Taint:
    steps: tuple[tuple[Span, str], ...]  # source first
    blocked: frozenset[str] = frozenset()  # sink kinds a sanitiser made it safe for


@dataclass(frozen=True, slots=True)
class Hit:
    node: Node  # the sink call / assignment
    kind: str
    steps: tuple[tuple[Span, str], ...]  # source first, sink last


def _extend(steps: tuple, step: tuple) -> tuple:
    steps = steps + (step,)
    if len(steps) > MAX_STEPS:
        steps = steps[:1] + steps[-(MAX_STEPS - 1) :]
    return steps


def _merge(groups) -> tuple[Taint, ...]:
    best: dict[frozenset, Taint] = {}
    for g in groups:
        for t in g:
            if t.blocked not in best:
                best[t.blocked] = t
    if len(best) <= 1:
        return tuple(best.values())
    return tuple(sorted(best.values(), key=lambda t: len(t.blocked))[:_MAX_TAINTS])


class _Binding:
    __slots__ = ("taints", "depth")

    def __init__(self, taints: tuple[Taint, ...], depth: int):
        self.taints = taints
        self.depth = depth


def _block(taints: tuple[Taint, ...], kinds: frozenset[str], every: frozenset[str]) -> tuple[Taint, ...]:
    """`taints` made safe for `kinds`; a taint safe for `every` kind is gone."""
    out = tuple(Taint(t.steps, t.blocked | kinds) for t in taints)
    return _merge([tuple(t for t in out if not every <= t.blocked)])
