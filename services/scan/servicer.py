"""gRPC face of the scan service: proto -> services.scan.engine -> proto (+ SARIF), function summaries
both ways (ScanOptions.summarize / ScanOptions.summaries, for repository runs), custom rules
(ScanOptions.custom_rules, ListRulesRequest.custom_rules: services.scan.custom, compiled once per
distinct set)."""

from __future__ import annotations

from codeintel.kernel import vocab
from codeintel.kernel.errors import InvalidInput
from codeintel.kernel.sarif import sarif_json
from codeintel.kernel.source import prepare
from codeintel.observability import tracing
from codeintel.rpc.batch import file_budget, run_batch
from codeintel.rpc.convert import range_pb
from codeintel.rpc.status import unary_guard
from codeintel.rpc.worker import WorkerConfig
from codeintel.v1 import scan_pb2, scan_pb2_grpc
from services.scan import custom, engine

_SEVERITY = vocab.SEVERITY_VALUES
_CONFIDENCE = vocab.CONFIDENCE_VALUES
_SEVERITY_NAME = {v: k for k, v in _SEVERITY.items()}
_CONFIDENCE_NAME = {v: k for k, v in _CONFIDENCE.items()}
_SUPPRESSION = {
    "": scan_pb2.SUPPRESSION_UNSPECIFIED,
    "inline": scan_pb2.SUPPRESSION_INLINE,
    "baseline": scan_pb2.SUPPRESSION_BASELINE,
}


def rule_pb(r: engine.Rule) -> scan_pb2.Rule:
    return scan_pb2.Rule(
        id=r.id,
        languages=sorted(r.languages),
        cwe=r.cwe,
        owasp=r.owasp,
        severity=_SEVERITY[r.severity],
        confidence=_CONFIDENCE[r.confidence],
        description=r.message,
        dataflow=r.dataflow,
        custom=r.custom,
        source=r.source,
    )


def result_pb(o: engine.ScanOutcome) -> scan_pb2.ScanResult:
    return scan_pb2.ScanResult(
        path=o.path,
        language=o.language,
        findings=[
            scan_pb2.Finding(
                rule_id=f.rule_id,
                cwe=f.cwe,
                severity=_SEVERITY[f.severity],
                confidence=_CONFIDENCE[f.confidence],
                range=range_pb(f.range),
                message=f.message,
                snippet=f.snippet,
                fingerprint=f.fingerprint,
                suppressed=f.suppressed,
                owasp=f.owasp,
                suppression=_SUPPRESSION[f.suppression],
                flow=[scan_pb2.FlowStep(range=range_pb(s.range), message=s.message) for s in f.flow],
            )
            for f in o.findings
        ],
        suppressed_count=o.suppressed_count,
        rules_evaluated=o.rules_evaluated,
        has_syntax_errors=o.has_syntax_errors,
    )


def summary_pb(s: engine.Summary) -> scan_pb2.FunctionSummary:
    return scan_pb2.FunctionSummary(
        name=s.name,
        language=s.language,
        parameters=[scan_pb2.ParameterFlow(position=i, sanitized_kinds=sorted(k)) for i, k in s.params],
        source_kinds=sorted(s.source_kinds),
        source_message=s.source_message,
        path=s.path,
        line=s.line,
    )


def summaries_of(options: scan_pb2.ScanOptions) -> tuple[engine.Summary, ...]:
    """ScanOptions.summaries as the engine's records; more than MAX_SUMMARIES is InvalidInput."""
    if len(options.summaries) > engine.MAX_SUMMARIES:
        raise InvalidInput(f"{len(options.summaries)} function summaries; the limit is {engine.MAX_SUMMARIES} per scan")
    return tuple(
        engine.Summary(
            s.name,
            tuple((p.position, frozenset(p.sanitized_kinds)) for p in s.parameters),
            frozenset(s.source_kinds),
            s.source_message,
            s.path,
            s.line,
            s.language,
        )
        for s in options.summaries
    )


def rule_texts(files) -> list[custom.RuleText]:
    return [custom.RuleText(f.path, f.content) for f in files]


def custom_rules_pb(rules: engine.RuleSet) -> list[scan_pb2.Rule]:
    """The custom rules of a rule set (what SARIF logs list in the driver's rules)."""
    return [rule_pb(r) for r in rules.rules if r.custom]


class ScanServicer(scan_pb2_grpc.ScanServiceServicer):
    def __init__(self, rules: engine.RuleSet, limits: WorkerConfig):
        self.rules = rules
        self.limits = limits
        self.custom = custom.CustomRuleCache(rules)

    def _rule_set(self, files, field: str, context) -> engine.RuleSet:
        """The shipped rules plus `files` (custom rules), built within the caller's deadline and the
        per-file work limit; a bad file is InvalidInput naming `field[i]`."""
        if not files:
            return self.rules
        try:
            return self.custom.get(rule_texts(files), file_budget(context, self.limits.max_file_seconds))
        except custom.CustomRuleError as exc:
            raise InvalidInput(str(exc), field=f"{field}[{exc.index}]") from None

    @tracing.file_work("scan")
    def _one(
        self, f, options, budget, summaries: tuple[engine.Summary, ...] = (), rules: engine.RuleSet | None = None
    ) -> scan_pb2.ScanResult:
        rules = rules or self.rules
        src = prepare(f.path, f.language, f.content, self.limits.max_file_bytes)
        if options.summarize:
            found = rules.summarise(src, budget=budget)
            return scan_pb2.ScanResult(path=src.path, language=src.language, summaries=[summary_pb(s) for s in found])
        return result_pb(
            rules.scan(
                src,
                min_severity=_SEVERITY_NAME.get(options.min_severity, ""),
                min_confidence=_CONFIDENCE_NAME.get(options.min_confidence, ""),
                rule_ids=tuple(options.rule_ids),
                exclude_rule_ids=tuple(options.exclude_rule_ids),
                include_suppressed=options.include_suppressed,
                baseline=tuple(options.baseline_fingerprints),
                budget=budget,
                summaries=summaries,
            )
        )

    @unary_guard
    def Scan(self, request, context):
        rules = self._rule_set(request.options.custom_rules, "options.custom_rules", context)
        summaries = summaries_of(request.options)
        budget = file_budget(context, self.limits.max_file_seconds)
        result = self._one(request.file, request.options, budget, summaries, rules)
        sarif = ""
        if request.options.include_sarif:
            sarif = sarif_json([result], engine.VERSION, custom_rules_pb(rules))
        return scan_pb2.ScanResponse(result=result, sarif_json=sarif, service_version=engine.VERSION)

    @unary_guard
    def ListRules(self, request, context):
        rules = self._rule_set(request.custom_rules, "custom_rules", context)
        return scan_pb2.ListRulesResponse(
            rules=[rule_pb(r) for r in rules.describe(request.language)], service_version=engine.VERSION
        )

    @unary_guard
    def ScanBatch(self, request, context):
        # A bad rule set fails the call, not each file: no file could be scanned as asked.
        rules = self._rule_set(request.options.custom_rules, "options.custom_rules", context)
        failure: InvalidInput | None = None
        try:
            summaries = summaries_of(request.options)  # converted once for every file
        except InvalidInput as exc:  # each file fails with it, as with an unknown rule id
            summaries, failure = (), exc

        def one(f, budget):
            if failure is not None:
                raise failure
            return self._one(f, request.options, budget, summaries, rules)

        results = run_batch(
            request.files,
            one,
            scan_pb2.ScanFileResult,
            context,
            self.limits.max_batch_files,
            self.limits.max_file_seconds,
        )
        sarif = ""
        if request.options.include_sarif:
            sarif = sarif_json(
                [r.result for r in results if r.HasField("result")], engine.VERSION, custom_rules_pb(rules)
            )
        return scan_pb2.ScanBatchResponse(results=results, sarif_json=sarif, service_version=engine.VERSION)
