"""Benchmarks of the repository graph (issue 15): correctness against reference implementations
and speed at scale.

- `python -m bench.graph.correctness` (bench.graph.correctness): Python definitions and references
  against Jedi on the installed sources of flask and requests; JavaScript and TypeScript against the
  TypeScript language service on real npm packages (bench.graph.projects). Precision and recall per
  language, per kind (function / class / method) and overall.
- `python -m bench.graph.speed [--scale]` (bench.graph.speed): cold index of the CPython standard
  library, one edited file queryable again, query latency p50/p99; `--scale` adds a synthetic
  repository of >= 50,000 files (files/s at 10k / 25k / 50k, peak RSS of every process).

`make bench-graph` runs both. Results: bench/results/graph.json (one section per command);
the reference tools' answers are cached under bench/results/graph-ref/ (Jedi and tsserver are slow;
their time never enters our figures).
"""
