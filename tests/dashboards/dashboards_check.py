#!/usr/bin/env python3
"""Checks Kibana dashboards against a live Elasticsearch / OpenSearch node.

    tests/dashboards/dashboards_check.py --es URL [options] FILE.ndjson...

For every (index pattern, field, aggregation) the saved objects use
(saved_objects.py extracts them), and every index pattern's time field:
  1. the pattern must match at least one index (GET /<pattern>/_mapping);
  2. the field must be in the mapping with a type its aggregation can use:
     terms and cardinality need an aggregatable field (keyword, numeric,
     date, boolean, ip; `text` is not, its `.keyword` sub-field is), date
     histograms a date, sums, averages, medians and histograms a number,
     geo grids a geo_point; query and filter fields only need to exist;
  3. the aggregation, run over the pattern as Kibana would run the panel
     (under the panel's query, its filters, and the query and filters of the
     dashboard showing it; KQL only when simple: `field : value` clauses
     joined by one of and/or, optionally negated), must return at least one
     bucket or a non-null value; for query, filter and column fields at least
     one document must have the field (and match the filter).
Prints a table (index pattern, field, aggregation, result) and exits 1 if
any row failed, 2 on bad arguments or an unreachable node.

Options:
  --es URL            the node (required), e.g. http://127.0.0.1:9200
  --user U            basic-auth user; the password is read from the
                      environment variable ES_PASSWORD (never an argument)
  --prefix P          replace MOSIP's ___DB_PREFIX_INDEX___ placeholder by P
  --object ID         check only the uses of this saved object (a dashboard
                      id covers its by-value panels); repeatable
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import saved_objects  # noqa: E402

NUMERIC = {"long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float",
           "unsigned_long"}
DATE = {"date", "date_nanos"}
AGGREGATABLE = NUMERIC | DATE | {"keyword", "constant_keyword", "wildcard", "boolean", "ip",
                                 "version"}
GEO = {"geo_point"}

# Aggregation (Kibana's names, legacy and Lens) -> the field types it can use
# and how to run it ("buckets", "value", "exists").
_NEEDS: dict[str, tuple[set[str], str]] = {}
for _name in ("terms", "significant_terms", "rare_terms", "multi_terms", "control"):
    _NEEDS[_name] = (AGGREGATABLE, "buckets")
for _name in ("cardinality", "unique_count", "top_hits", "last_value", "sort"):
    _NEEDS[_name] = (AGGREGATABLE, "value")
for _name in ("date_histogram", "date_range", "time_field"):
    _NEEDS[_name] = (DATE, "buckets")
for _name in ("histogram", "range"):
    _NEEDS[_name] = (NUMERIC | DATE, "buckets")
for _name in ("sum", "avg", "average", "median", "percentiles", "percentile", "percentile_rank",
              "percentile_ranks", "std_dev", "standard_deviation", "moving_average",
              "cumulative_sum", "counter_rate", "differences", "sum_bucket", "avg_bucket"):
    _NEEDS[_name] = (NUMERIC, "value")
for _name in ("min", "max"):
    _NEEDS[_name] = (NUMERIC | DATE, "value")
for _name in ("geohash_grid", "geotile_grid"):
    _NEEDS[_name] = (GEO, "buckets")
for _name in ("geo_centroid", "geo_bounds"):
    _NEEDS[_name] = (GEO, "value")
for _name in ("query", "filter", "column", "count", "value_count"):
    _NEEDS[_name] = (set(), "exists")  # any indexed type


@dataclasses.dataclass(frozen=True)
class Row:
    index_pattern: str
    field: str
    aggregation: str
    ok: bool
    result: str
    objects: tuple[str, ...] = ()


class EsError(RuntimeError):
    pass


class Es:
    """A minimal JSON-over-HTTP client (urllib): no dependency to install."""

    def __init__(self, url: str, user: str | None = None, password: str | None = None,
                 timeout_s: float = 30) -> None:
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        self.headers = {"Content-Type": "application/json"}
        if user:
            token = base64.b64encode(f"{user}:{password or ''}".encode()).decode()
            self.headers["Authorization"] = "Basic " + token

    def request(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers=self.headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                return json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as e:
            text = e.read().decode(errors="replace")[:300]
            raise EsError(f"{method} {path}: HTTP {e.code}: {text}") from None
        except (urllib.error.URLError, OSError) as e:
            raise EsError(f"{method} {path}: cannot reach {self.url}: {e}") from None


def flatten_mapping(properties: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """{"a": {"properties": {"b": {"type": "text", "fields": {"keyword": ...}}}}}
    -> {"a": "object", "a.b": "text", "a.b.keyword": "keyword"}."""
    out: dict[str, str] = {}
    for name, spec in (properties or {}).items():
        path = prefix + name
        out[path] = spec.get("type", "object")
        for sub, sub_spec in (spec.get("fields") or {}).items():
            out[f"{path}.{sub}"] = sub_spec.get("type", "object")
        if "properties" in spec:
            out.update(flatten_mapping(spec["properties"], path + "."))
    return out


def pattern_mapping(es: Es, pattern: str) -> tuple[list[str], dict[str, set[str]]]:
    """The indices `pattern` matches and each field's types across them."""
    quoted = urllib.parse.quote(pattern, safe="*,")
    body = es.request("GET", f"/{quoted}/_mapping?ignore_unavailable=true&allow_no_indices=true")
    types: dict[str, set[str]] = {}
    for index in body.values():
        mappings = index.get("mappings") or {}
        for field, ftype in flatten_mapping(mappings.get("properties") or {}).items():
            types.setdefault(field, set()).add(ftype)
    return sorted(body), types


_KQL_CLAUSE = re.compile(
    r'\s*(not\s+)?([A-Za-z_@][\w.@\-]*)\s*:\s*("(?:[^"\\]|\\.)*"|[^\s()"*]+)\s*', re.I)


def kql_to_dsl(text: str) -> dict[str, Any] | None:
    """Simple KQL (`a : "x" and not b : y`, one connector kind) as query DSL;
    None if the query is more than that (the check then runs without it)."""
    text = (text or "").strip()
    if not text:
        return {"match_all": {}}
    pos, clauses, connectors = 0, [], set()
    while True:
        m = _KQL_CLAUSE.match(text, pos)
        if not m:
            return None
        negate, field, value = m.group(1), m.group(2), m.group(3)
        if value.startswith('"'):
            leaf = {"match_phrase": {field: json.loads(value)}}
        else:
            leaf = {"match": {field: value}}
        clauses.append((bool(negate), leaf))
        pos = m.end()
        if pos >= len(text):
            break
        c = re.match(r"(and|or)\s+", text[pos:], re.I)
        if not c:
            return None
        connectors.add(c.group(1).lower())
        pos += c.end()
    if len(connectors) > 1:
        return None
    if connectors == {"or"}:
        should = [({"bool": {"must_not": [leaf]}} if neg else leaf) for neg, leaf in clauses]
        return {"bool": {"should": should, "minimum_should_match": 1}}
    return {"bool": {"filter": [leaf for neg, leaf in clauses if not neg],
                     "must_not": [leaf for neg, leaf in clauses if neg]}}


def _one_query(text: str, language: str) -> dict[str, Any] | None:
    if language == "dsl":
        return json.loads(text)
    if language == "lucene":
        return {"query_string": {"query": text}}
    return kql_to_dsl(text)


def _query(use_query: str, language: str,
           context: tuple[tuple[str, str], ...] = ()) -> tuple[dict[str, Any], str]:
    """The panel's query and its context (filters, dashboard query) as one
    query, and a note for the result."""
    parts, notes = [], []
    if use_query.strip():
        dsl = _one_query(use_query, language)
        if dsl is None:
            notes.append("its KQL is not simple: run without it")
        else:
            parts.append(dsl)
            notes.append("matching its filter" if language == "dsl" else "under its query")
    for context_language, text in context:
        dsl = _one_query(text, context_language)
        if dsl is None:
            notes.append("a dashboard KQL is not simple: run without it")
        elif dsl not in parts:
            parts.append(dsl)
    if context:
        notes.append(f"with {len(context)} panel/dashboard filters")
    note = (" (" + "; ".join(notes) + ")") if notes else ""
    if not parts:
        return {"match_all": {}}, note
    return (parts[0] if len(parts) == 1 else {"bool": {"filter": parts}}), note


def _agg_body(aggregation: str, field: str, stats: dict[str, Any] | None) -> dict[str, Any]:
    if aggregation in ("terms", "significant_terms", "rare_terms", "multi_terms", "control"):
        return {"terms": {"field": field, "size": 10}}
    if aggregation in ("date_histogram", "date_range", "time_field"):
        return {"date_histogram": {"field": field, "calendar_interval": "year",
                                   "min_doc_count": 1}}
    if aggregation in ("histogram", "range"):
        lo, hi = (stats or {}).get("min"), (stats or {}).get("max")
        interval = max((hi - lo) / 10, 1e-6) if lo is not None and hi is not None else 1
        return {"histogram": {"field": field, "interval": interval, "min_doc_count": 1}}
    if aggregation in ("geohash_grid", "geotile_grid"):
        return {aggregation: {"field": field, "precision": 1}}
    if aggregation in ("geo_centroid", "geo_bounds"):
        return {aggregation: {"field": field}}
    if aggregation in ("median", "percentiles", "percentile", "percentile_rank",
                       "percentile_ranks"):
        return {"percentiles": {"field": field, "percents": [50]}}
    if aggregation in ("avg", "average", "moving_average", "avg_bucket"):
        return {"avg": {"field": field}}
    if aggregation in ("min",):
        return {"min": {"field": field}}
    if aggregation in ("max",):
        return {"max": {"field": field}}
    if aggregation in ("cardinality", "unique_count"):
        return {"cardinality": {"field": field}}
    if aggregation in ("std_dev", "standard_deviation"):
        return {"extended_stats": {"field": field}}
    if aggregation in ("top_hits", "last_value", "sort"):
        return {"value_count": {"field": field}}
    return {"sum": {"field": field}}  # sum, cumulative_sum, counter_rate, differences, ...


def _agg_result(agg: dict[str, Any], how: str) -> tuple[bool, str]:
    if how == "buckets":
        buckets = [b for b in agg.get("buckets", []) if b.get("doc_count", 0) > 0]
        return bool(buckets), f"{len(buckets)} buckets"
    if "values" in agg:  # percentiles
        value = next(iter(agg["values"].values()), None)
    elif "centroid" in agg or "bounds" in agg:
        value = agg.get("centroid") or agg.get("bounds")
    elif "avg" in agg and "value" not in agg:  # extended_stats
        value = agg.get("std_deviation")
    else:
        value = agg.get("value")
    return value is not None, f"value {value}"


def _exists(es: Es, path: str, dsl: dict[str, Any], field: str) -> int:
    body = {"size": 0, "track_total_hits": True,
            "query": {"bool": {"filter": [dsl, {"exists": {"field": field}}]}}}
    hits = es.request("POST", path, body)["hits"]["total"]
    return hits["value"] if isinstance(hits, dict) else hits


def check_field(es: Es, pattern: str, types: dict[str, set[str]], field: str,
                aggregation: str, query: str, language: str, scripted: bool,
                context: tuple[tuple[str, str], ...] = ()) -> tuple[bool, str]:
    if scripted:
        return True, "scripted field (not in the mapping; not run)"
    allowed, how = _NEEDS.get(aggregation, (AGGREGATABLE, "value"))
    found = types.get(field)
    if not found:
        return False, "no such field in the mapping"
    if len(found) > 1:
        return False, "conflicting types across indices: " + ",".join(sorted(found))
    ftype = next(iter(found))
    if ftype == "object":
        return False, "an object, not a field"
    if allowed and ftype not in allowed:
        hint = ""
        if ftype == "text" and types.get(field + ".keyword") == {"keyword"}:
            hint = f" (use {field}.keyword)"
        elif ftype == "text":
            hint = " (text is not aggregatable)"
        return False, f"type {ftype} cannot be used by {aggregation}{hint}"
    dsl, note = _query(query, language, context)
    quoted = urllib.parse.quote(pattern, safe="*,")
    path = f"/{quoted}/_search?ignore_unavailable=true&allow_no_indices=true"
    if how == "exists":
        count = _exists(es, path, dsl, field)
        return count > 0, f"{ftype}, {count} documents have it{note}"
    stats = None
    if aggregation in ("histogram", "range") and ftype in NUMERIC:
        stats = es.request("POST", path, {"size": 0, "query": dsl,
                                          "aggs": {"s": {"stats": {"field": field}}}})[
            "aggregations"]["s"]
    body = {"size": 0, "query": dsl, "aggs": {"a": _agg_body(aggregation, field, stats),
                                              "n": {"value_count": {"field": field}}}}
    try:
        aggs = es.request("POST", path, body)["aggregations"]
    except EsError as e:
        if "Unknown aggregation type" not in str(e):
            raise
        # OpenSearch's test distribution has no geo module (geo grids):
        # the type was checked above; check that documents have the field.
        count = _exists(es, path, dsl, field)
        return count > 0, (f"{ftype}, {count} documents have it ({aggregation} is not "
                           f"available on this node){note}")
    ok, text = _agg_result(aggs["a"], how)
    if aggs["n"].get("value", 0) == 0:
        ok = False
    return ok, f"{ftype}, {text}{note}"


def check(es: Es, objects: saved_objects.SavedObjects,
          only: set[str] | None = None) -> list[Row]:
    """One Row per (index pattern, field, aggregation, query) of the objects."""
    if only:
        # A dashboard covers the objects its panels show.
        only = set(only)
        for oid in list(only):
            only.update(objects.dashboard_panels.get(oid, []))
    wanted = [u for u in objects.uses
              if not only or u.object_id in only or u.object_id.split("#")[0] in only]
    groups: dict[tuple[str, str, str, str, str, tuple[tuple[str, str], ...]], list[str]] = {}
    rows: list[Row] = []
    patterns_used: set[str] = set()
    for use in wanted:
        pattern = objects.index_patterns.get(use.index_pattern_id or "")
        if pattern is None:
            rows.append(Row(str(use.index_pattern_id), use.field, use.aggregation, False,
                            "index pattern not in the saved objects", (use.object_id,)))
            continue
        patterns_used.add(pattern.id)
        key = (pattern.id, use.field, use.aggregation, use.query, use.query_language, use.context)
        groups.setdefault(key, []).append(use.object_id)
    for pid in sorted(patterns_used):
        time_field = objects.index_patterns[pid].time_field
        if time_field:
            groups.setdefault((pid, time_field, "time_field", "", "kuery", ()), []).append(pid)
    mappings: dict[str, tuple[list[str], dict[str, set[str]]]] = {}
    for (pid, field, aggregation, query, language, context), ids in groups.items():
        pattern = objects.index_patterns[pid]
        if pattern.title not in mappings:
            mappings[pattern.title] = pattern_mapping(es, pattern.title)
        indices, types = mappings[pattern.title]
        if not indices:
            ok, text = False, "the pattern matches no index"
        else:
            ok, text = check_field(es, pattern.title, types, field, aggregation, query, language,
                                   field in pattern.scripted_fields, context)
        rows.append(Row(pattern.title, field, aggregation, ok, text, tuple(sorted(set(ids)))))
    return rows


def merge(rows: list[Row]) -> list[Row]:
    """One row per (pattern, field, aggregation): failed if any query's run failed."""
    merged: dict[tuple[str, str, str], Row] = {}
    for row in rows:
        key = (row.index_pattern, row.field, row.aggregation)
        old = merged.get(key)
        if old is None or (old.ok and not row.ok):
            objects = tuple(sorted(set(row.objects) | set(old.objects if old else ())))
            merged[key] = dataclasses.replace(row, objects=objects)
        else:
            merged[key] = dataclasses.replace(
                old, objects=tuple(sorted(set(old.objects) | set(row.objects))))
    return sorted(merged.values(), key=lambda r: (r.index_pattern, r.field, r.aggregation))


def format_table(rows: list[Row]) -> str:
    header = ("index pattern", "field", "aggregation", "result")
    lines = [header] + [(r.index_pattern, r.field, r.aggregation,
                         ("ok: " if r.ok else "FAIL: ") + r.result) for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(3)]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) if i < 3 else cell for i, cell in enumerate(line))
        for line in lines) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description="Check Kibana saved objects' fields and aggregations against a node.",
        epilog="The password comes from the environment variable ES_PASSWORD.")
    parser.add_argument("--es", required=True, help="Elasticsearch / OpenSearch URL")
    parser.add_argument("--user", help="basic-auth user (password: $ES_PASSWORD)")
    parser.add_argument("--prefix", help="replaces ___DB_PREFIX_INDEX___ in the objects")
    parser.add_argument("--object", action="append", default=[], help="check only this id")
    parser.add_argument("files", nargs="+", help="saved-objects ndjson files")
    args = parser.parse_args(argv)
    try:
        objects = saved_objects.read_saved_objects(args.files, args.prefix)
    except (OSError, saved_objects.SavedObjectsError) as e:
        print(f"dashboards_check: {e}", file=sys.stderr)
        return 2
    es = Es(args.es, args.user, os.environ.get("ES_PASSWORD"))
    try:
        rows = merge(check(es, objects, set(args.object) or None))
    except EsError as e:
        print(f"dashboards_check: {e}", file=sys.stderr)
        return 2
    for otype, oid, title, why in objects.skipped:
        print(f"not checked: {otype} {oid} ({title}): {why}", file=sys.stderr)
    sys.stdout.write(format_table(rows))
    failed = sum(not r.ok for r in rows)
    print(f"{len(rows) - failed} ok, {failed} failed")
    if not rows:
        print("dashboards_check: no field to check", file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
