"""Result of scan_list_rules: the ``RulesOutput`` model and ``rules_output``, its converter."""

from __future__ import annotations

from pydantic import BaseModel, Field

from codeintel.kernel.vocab import confidence_name, severity_name
from codeintel.v1 import coordinator_pb2


class RuleOut(BaseModel):
    id: str
    languages: list[str]
    cwe: str
    owasp: str
    severity: str
    confidence: str
    dataflow: bool = Field(description="follows untrusted data to a sink (taint) rather than one pattern")
    description: str
    custom: bool = Field(default=False, description="a custom rule (from `rules`), not one the service ships")
    source: str = Field(default="", description="a custom rule's file")


class RulesOutput(BaseModel):
    """Result of scan_list_rules."""

    rules: list[RuleOut]
    total_rules: int
    custom_rules: int = Field(default=0, description="how many of them are custom rules")
    counts_by_language: dict[str, int]
    service_version: str


def rules_output(resp: coordinator_pb2.CodeIntelServiceListRulesResponse) -> RulesOutput:
    rules = [
        RuleOut(
            id=r.id,
            languages=list(r.languages),
            cwe=r.cwe,
            owasp=r.owasp,
            severity=severity_name(r.severity),
            confidence=confidence_name(r.confidence),
            dataflow=r.dataflow,
            description=r.description,
            custom=r.custom,
            source=r.source,
        )
        for r in resp.rules
    ]
    counts: dict[str, int] = {}
    for r in rules:
        for lang in r.languages:
            counts[lang] = counts.get(lang, 0) + 1
    return RulesOutput(
        rules=rules,
        total_rules=len(rules),
        custom_rules=sum(1 for r in rules if r.custom),
        counts_by_language=dict(sorted(counts.items())),
        service_version=resp.service_version,
    )
