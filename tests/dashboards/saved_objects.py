"""Reads Kibana saved-objects ndjson and lists what each panel aggregates on.

Kibana 7 and 8 export saved objects one JSON object per line. Several of
their attributes are JSON documents stored as strings (visState,
kibanaSavedObjectMeta.searchSourceJSON, a dashboard's panelsJSON), and an
object names its index pattern only indirectly: a `*RefName` inside that
JSON points at an entry of the object's `references` list, whose `id` is the
index pattern's saved-object id. Dashboards may also hold panels "by value"
(embeddableConfig.attributes for Lens, embeddableConfig.savedVis for a
legacy visualization); their references then sit in the dashboard's list,
prefixed with "<panelIndex>:".

`read_saved_objects(paths)` returns the index patterns (id, title,
timeFieldName, scripted fields) and one FieldUse per (panel, field,
aggregation), for:
  - legacy visualizations: every agg of visState with a params.field
    (terms, date_histogram, histogram, range, sum, avg, ...), the KQL of a
    `filters` agg, input controls (params.controls[].fieldName);
  - Lens (saved objects and by-value panels, datasource `indexpattern` or
    8.x's `formBased`): every column's operationType and sourceField, a
    last_value's sortField, the KQL of a `filters` column;
  - maps (saved or by value): each document layer's geoField
    (geotile_grid for a grid layer) and its metrics' fields;
  - saved searches: columns and sort fields;
  - every object's query (KQL or Lucene field names) and filters
    (meta.key, with the filter's own index pattern when it names one).

Nothing here talks to Elasticsearch: dashboards_check.py does.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any, Iterable

# Lens's count column names the pseudo-field "Records" (7.x) or
# "___records___" (8.x): no document field.
_LENS_NO_FIELD = {"Records", "___records___", ""}


@dataclasses.dataclass(frozen=True)
class IndexPattern:
    id: str
    title: str
    time_field: str | None
    scripted_fields: frozenset[str] = frozenset()


@dataclasses.dataclass(frozen=True)
class FieldUse:
    """One field one panel uses, and how.

    aggregation is the Kibana aggregation or operation (`terms`,
    `date_histogram`, `sum`, `median`, ...), or `query` (named by the KQL or
    Lucene query), `filter` (a filter pill's field), `control` (an input
    control's list), `column` (a saved search's column or sort).
    query is the panel's own query text in query_language (`kuery`,
    `lucene`), kept so a checker can run the aggregation under it; empty for
    none. For a filter it is the filter's query DSL as JSON (language `dsl`,
    negated filters wrapped in bool.must_not).
    """

    object_type: str  # visualization, lens, search, dashboard
    object_id: str
    title: str
    index_pattern_id: str | None
    field: str
    aggregation: str
    query: str = ""
    query_language: str = "kuery"
    # What else narrows the documents when Kibana runs this panel: the
    # panel's filter pills and, for a panel on a dashboard, the dashboard's
    # query and filters, as (language, text) pairs (`kuery`, `lucene`, `dsl`).
    context: tuple[tuple[str, str], ...] = ()


@dataclasses.dataclass
class SavedObjects:
    index_patterns: dict[str, IndexPattern]  # by saved-object id
    uses: list[FieldUse]
    # Objects whose type or vis type is not understood (TSVB, Vega, ...):
    # (type, id, title, why).
    skipped: list[tuple[str, str, str, str]]
    # dashboard id -> ids of the saved objects its panels show by reference.
    dashboard_panels: dict[str, list[str]] = dataclasses.field(default_factory=dict)


class SavedObjectsError(ValueError):
    """A line that is not a saved object, or a JSON-in-string that does not parse."""


def _loads(text: Any, where: str) -> Any:
    if text is None or text == "":
        return {}
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise SavedObjectsError(f"{where}: not JSON: {e}") from None


# A field name before a KQL/Lucene operator: `a.b.keyword : "x"`, `n >= 3`.
_QUERY_FIELD = re.compile(r"(?<![\w.@\\-])([A-Za-z_@][\w.@\-]*)\s*(?::|<=|>=|<|>)")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')


def query_fields(query: str) -> list[str]:
    """Field names a KQL or Lucene query names (quoted values removed first)."""
    if not isinstance(query, str):
        return []
    stripped = _QUOTED.sub('""', query)
    out: list[str] = []
    for m in _QUERY_FIELD.finditer(stripped):
        name = m.group(1)
        if name.lower() in ("and", "or", "not") or name in out:
            continue
        out.append(name)
    return out


class _Refs:
    """An object's references by name (optionally under a dashboard panel's prefix)."""

    def __init__(self, references: list[dict[str, Any]], prefix: str = "") -> None:
        self._by_name = {r.get("name"): r.get("id") for r in references or []}
        self._prefix = prefix

    def get(self, name: str | None) -> str | None:
        if not name:
            return None
        return self._by_name.get(self._prefix + name) or self._by_name.get(name)


class _Extractor:
    def __init__(self) -> None:
        self.index_patterns: dict[str, IndexPattern] = {}
        self.uses: list[FieldUse] = []
        self.skipped: list[tuple[str, str, str, str]] = []
        # saved search id -> index pattern id, for visualizations built on one.
        self._search_index: dict[str, str | None] = {}
        # dashboard id -> ids of the objects its panels show by reference.
        self.dashboard_panels: dict[str, list[str]] = {}
        # object (or by-value panel) id -> its filters and, for a dashboard,
        # its query: FieldUse.context.
        self.contexts: dict[str, list[tuple[str, str]]] = {}

    def add(self, use: FieldUse) -> None:
        if use.field and use.field not in _LENS_NO_FIELD and use not in self.uses:
            self.uses.append(use)

    # --- search source (legacy visualizations, searches, dashboards) -------

    def search_source(self, kind: str, oid: str, title: str, source: dict[str, Any],
                      refs: _Refs) -> tuple[str | None, str, str]:
        """The index pattern, query text and language of a searchSourceJSON;
        adds its query and filter fields."""
        index = refs.get(source.get("indexRefName")) or source.get("index")
        if isinstance(index, dict):  # 8.x may inline an ad-hoc data view spec
            index = index.get("id")
        query = source.get("query") or {}
        text = query.get("query", "") if isinstance(query, dict) else ""
        language = query.get("language", "kuery") if isinstance(query, dict) else "kuery"
        if not isinstance(text, str):  # a Lucene query object
            text = json.dumps(text)
        for name in query_fields(text):
            self.add(FieldUse(kind, oid, title, index, name, "query", text, language))
        self.filters(kind, oid, title, source.get("filter") or [], refs, index)
        return index, text, language

    def filters(self, kind: str, oid: str, title: str, filters: list[Any], refs: _Refs,
                index: str | None) -> None:
        for f in filters:
            meta = f.get("meta", {}) if isinstance(f, dict) else {}
            if meta.get("disabled"):
                continue
            own = refs.get(meta.get("indexRefName")) or meta.get("index") or index
            # The filter's query DSL: under "query" (7.x phrase, custom), or
            # the leaf itself at the top level (range, exists).
            dsl = f.get("query") if isinstance(f.get("query"), dict) else {
                k: v for k, v in f.items() if k not in ("meta", "$state")}
            if meta.get("negate"):
                dsl = {"bool": {"must_not": [dsl]}}
            dsl_text = json.dumps(dsl, sort_keys=True) if dsl else ""
            if dsl_text:
                self.contexts.setdefault(oid, []).append(("dsl", dsl_text))
            key = meta.get("key")
            if key and meta.get("type") != "custom":
                self.add(FieldUse(kind, oid, title, own, key, "filter", dsl_text, "dsl"))
            else:
                # A custom filter: the fields its leaf queries name.
                for name in _dsl_fields(dsl):
                    self.add(FieldUse(kind, oid, title, own, name, "filter", dsl_text, "dsl"))

    # --- legacy visualizations --------------------------------------------

    def visualization(self, oid: str, vis: dict[str, Any], source: dict[str, Any], refs: _Refs,
                      saved_search_ref: str | None, kind: str = "visualization") -> None:
        title = vis.get("title", "")
        index, text, language = self.search_source(kind, oid, title, source, refs)
        if index is None and saved_search_ref:
            index = self._search_index.get(saved_search_ref, saved_search_ref)
        vis_type = vis.get("type", "")
        params = vis.get("params") or {}
        if vis_type in ("metrics", "timelion", "vega", "markdown", "tagcloud_tsvb"):
            if vis_type != "markdown":
                self.skipped.append((kind, oid, title, f"vis type {vis_type} is not read"))
            return
        for control in params.get("controls") or []:
            ref = refs.get(control.get("indexPatternRefName")) or control.get("indexPattern")
            agg = "control" if control.get("type") == "list" else "min"
            self.add(FieldUse(kind, oid, title, ref, control.get("fieldName", ""), agg))
        for agg in vis.get("aggs") or []:
            if agg.get("enabled") is False:
                continue
            agg_params = agg.get("params") or {}
            agg_type = agg.get("type", "")
            field = agg_params.get("field")
            if isinstance(field, dict):  # very old exports inline the field spec
                field = field.get("name")
            if field:
                self.add(FieldUse(kind, oid, title, index, field, agg_type, text, language))
            if agg_type == "filters":
                for flt in agg_params.get("filters") or []:
                    q = (flt.get("input") or {}).get("query", "")
                    for name in query_fields(q):
                        self.add(FieldUse(kind, oid, title, index, name, "query", text, language))
            if agg_type == "top_hits" and agg_params.get("sortField"):
                self.add(FieldUse(kind, oid, title, index, agg_params["sortField"], "sort",
                                  text, language))

    # --- Lens --------------------------------------------------------------

    def lens(self, kind: str, oid: str, attributes: dict[str, Any], refs: _Refs) -> None:
        title = attributes.get("title", "")
        state = _loads(attributes.get("state"), f"{kind} {oid}: state")
        query = state.get("query") or {}
        text = query.get("query", "") if isinstance(query, dict) else ""
        language = query.get("language", "kuery") if isinstance(query, dict) else "kuery"
        datasources = state.get("datasourceStates") or {}
        ds = datasources.get("indexpattern") or datasources.get("formBased") or {}
        if not ds and datasources:
            self.skipped.append((kind, oid, title,
                                 "datasource " + ",".join(datasources) + " is not read"))
        default_index = refs.get("indexpattern-datasource-current-indexpattern")
        for layer_id, layer in (ds.get("layers") or {}).items():
            index = (refs.get(f"indexpattern-datasource-layer-{layer_id}")
                     or layer.get("indexPatternId") or default_index)
            for column in (layer.get("columns") or {}).values():
                op = column.get("operationType", "")
                field = column.get("sourceField")
                if field:
                    self.add(FieldUse(kind, oid, title, index, field, op, text, language))
                params = column.get("params") or {}
                if op == "last_value" and params.get("sortField"):
                    self.add(FieldUse(kind, oid, title, index, params["sortField"], "sort",
                                      text, language))
                if op == "filters":
                    for flt in params.get("filters") or []:
                        for name in query_fields((flt.get("input") or {}).get("query", "")):
                            self.add(FieldUse(kind, oid, title, index, name, "query", text,
                                              language))
                column_filter = column.get("filter") or {}
                for name in query_fields(column_filter.get("query", "")):
                    self.add(FieldUse(kind, oid, title, index, name, "query", text, language))
            for name in query_fields(text):
                self.add(FieldUse(kind, oid, title, index, name, "query", text, language))
            self.filters(kind, oid, title, state.get("filters") or [], refs, index)

    # --- Maps --------------------------------------------------------------

    def map_layers(self, kind: str, oid: str, attributes: dict[str, Any], refs: _Refs) -> None:
        """A map's document layers: a grid layer aggregates its geo field
        (geotile_grid), a documents layer needs the field to exist."""
        title = attributes.get("title", "")
        layers = _loads(attributes.get("layerListJSON"), f"{kind} {oid}: layerListJSON") or []
        for layer in layers:
            source = layer.get("sourceDescriptor") or {}
            geo_field = source.get("geoField")
            if not geo_field:
                continue
            index = refs.get(source.get("indexPatternRefName")) or source.get("indexPatternId")
            aggregation = "geotile_grid" if source.get("type") == "ES_GEO_GRID" else "geo_centroid"
            self.add(FieldUse(kind, oid, title, index, geo_field, aggregation))
            for metric in source.get("metrics") or []:
                if metric.get("field"):
                    self.add(FieldUse(kind, oid, title, index, metric["field"],
                                      metric.get("type", "sum")))

    # --- objects -----------------------------------------------------------

    def saved_object(self, obj: dict[str, Any], where: str) -> None:
        otype = obj.get("type")
        oid = obj.get("id", "")
        attributes = obj.get("attributes") or {}
        references = obj.get("references") or []
        refs = _Refs(references)
        if otype == "index-pattern":
            fields = _loads(attributes.get("fields"), f"{where}: fields")
            scripted = frozenset(f.get("name") for f in fields or [] if f.get("scripted"))
            self.index_patterns[oid] = IndexPattern(oid, attributes.get("title", ""),
                                                    attributes.get("timeFieldName") or None,
                                                    scripted)
        elif otype == "visualization":
            vis = _loads(attributes.get("visState"), f"{where}: visState")
            vis.setdefault("title", attributes.get("title", ""))
            source = _loads((attributes.get("kibanaSavedObjectMeta") or {}).get("searchSourceJSON"),
                            f"{where}: searchSourceJSON")
            search = (refs.get(attributes.get("savedSearchRefName"))
                      or attributes.get("savedSearchId"))
            self.visualization(oid, vis, source, refs, search)
        elif otype == "lens":
            self.lens("lens", oid, attributes, refs)
        elif otype == "map":
            self.map_layers("map", oid, attributes, refs)
        elif otype == "search":
            title = attributes.get("title", "")
            source = _loads((attributes.get("kibanaSavedObjectMeta") or {}).get("searchSourceJSON"),
                            f"{where}: searchSourceJSON")
            index, text, language = self.search_source("search", oid, title, source, refs)
            self._search_index[oid] = index
            for column in attributes.get("columns") or []:
                if column != "_source":
                    self.add(FieldUse("search", oid, title, index, column, "column", text,
                                      language))
            for sort in attributes.get("sort") or []:
                if isinstance(sort, list) and sort:
                    self.add(FieldUse("search", oid, title, index, sort[0], "column", text,
                                      language))
        elif otype == "dashboard":
            self.dashboard(oid, attributes, references, where)
        elif otype in (None,) and "exportedCount" in obj:
            return  # the export summary line
        else:
            self.skipped.append((str(otype), oid, attributes.get("title", ""), "type is not read"))

    def dashboard(self, oid: str, attributes: dict[str, Any], references: list[Any],
                  where: str) -> None:
        title = attributes.get("title", "")
        source = _loads((attributes.get("kibanaSavedObjectMeta") or {}).get("searchSourceJSON"),
                        f"{where}: searchSourceJSON")
        _, text, language = self.search_source("dashboard", oid, title, source,
                                               _Refs(references))
        if text.strip():
            self.contexts.setdefault(oid, []).insert(0, (language, text))
        self.dashboard_panels[oid] = [r.get("id") for r in references
                                      if r.get("type") in ("visualization", "lens", "search")]
        panels = _loads(attributes.get("panelsJSON"), f"{where}: panelsJSON") or []
        for panel in panels:
            config = panel.get("embeddableConfig") or {}
            prefix = (panel.get("panelIndex") or (panel.get("gridData") or {}).get("i") or "") + ":"
            refs = _Refs(references, prefix)
            panel_id = f"{oid}#{prefix[:-1]}"
            if panel.get("type") == "map" and isinstance(config.get("attributes"), dict):
                attrs = dict(config["attributes"])
                attrs["title"] = attrs.get("title") or panel.get("title") or ""
                self.map_layers("dashboard", panel_id, attrs, refs)
            elif isinstance(config.get("attributes"), dict):  # Lens by value
                attrs = dict(config["attributes"])
                own = attrs.get("references")
                if own:
                    refs = _Refs(own)
                attrs.setdefault("title", panel.get("title") or attrs.get("title", ""))
                if not attrs.get("title"):
                    attrs["title"] = panel.get("title") or config.get("title") or ""
                self.lens("dashboard", panel_id, attrs, refs)
            elif isinstance(config.get("savedVis"), dict):  # legacy visualization by value
                vis = dict(config["savedVis"])
                data = vis.get("data") or {}
                self.visualization(panel_id, vis, data.get("searchSource") or {}, refs,
                                   data.get("savedSearchId"), kind="dashboard")


def _dsl_fields(query: Any) -> list[str]:
    """Field names of a query DSL's leaf queries (term, match, range, ...)."""
    out: list[str] = []
    if isinstance(query, dict):
        for key, value in query.items():
            if key in ("term", "terms", "match", "match_phrase", "range", "prefix", "wildcard",
                       "regexp", "fuzzy") and isinstance(value, dict):
                out.extend(k for k in value if k not in ("boost",))
            elif key == "exists" and isinstance(value, dict) and "field" in value:
                out.append(value["field"])
            else:
                out.extend(_dsl_fields(value))
    elif isinstance(query, list):
        for item in query:
            out.extend(_dsl_fields(item))
    return out


def parse_lines(lines: Iterable[str], where: str = "<input>") -> list[dict[str, Any]]:
    objects = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise SavedObjectsError(f"{where}:{number}: not JSON: {e}") from None
        if not isinstance(obj, dict):
            raise SavedObjectsError(f"{where}:{number}: not a JSON object")
        objects.append(obj)
    return objects


def read_saved_objects(paths: Iterable[str], prefix: str | None = None) -> SavedObjects:
    """Reads ndjson files; with `prefix`, MOSIP's ___DB_PREFIX_INDEX___ placeholder
    is replaced by it first (as MOSIP's loading script does)."""
    extractor = _Extractor()
    objects: list[tuple[dict[str, Any], str]] = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if prefix is not None:
            text = text.replace("___DB_PREFIX_INDEX___", prefix)
        for number, obj in enumerate(parse_lines(text.splitlines(), path), 1):
            objects.append((obj, f"{path}:{number}"))
    # Searches first, so that a visualization built on one finds its pattern.
    objects.sort(key=lambda o: 0 if o[0].get("type") in ("index-pattern", "search") else 1)
    for obj, where in objects:
        extractor.saved_object(obj, where)
    # A visualization on a saved search recorded the search's id: resolve it.
    uses = [dataclasses.replace(u, index_pattern_id=extractor._search_index.get(
        u.index_pattern_id, u.index_pattern_id)) for u in extractor.uses]
    # A dashboard's own query and filters name no index pattern: Kibana
    # applies them to every panel, so they count for each panel's pattern.
    out: list[FieldUse] = []
    for use in uses:
        if use.index_pattern_id is not None or use.object_id not in extractor.dashboard_panels:
            if use not in out:
                out.append(use)
            continue
        shown = set(extractor.dashboard_panels[use.object_id])
        patterns = sorted({u.index_pattern_id for u in uses
                           if u.index_pattern_id and (u.object_id in shown or
                                                      u.object_id.startswith(use.object_id + "#"))})
        for pattern in patterns or [None]:
            expanded = dataclasses.replace(use, index_pattern_id=pattern)
            if expanded not in out:
                out.append(expanded)
    return SavedObjects(extractor.index_patterns, _with_context(out, extractor),
                        extractor.skipped, extractor.dashboard_panels)


def _with_context(uses: list[FieldUse], extractor: _Extractor) -> list[FieldUse]:
    """Each use with its object's filters, and once per dashboard showing it
    with that dashboard's query and filters too."""
    shown_on: dict[str, list[str]] = {}
    for dashboard, panels in extractor.dashboard_panels.items():
        for panel in panels:
            shown_on.setdefault(panel, []).append(dashboard)
    out: list[FieldUse] = []
    for use in uses:
        own = tuple(extractor.contexts.get(use.object_id, []))
        base = use.object_id.split("#")[0]
        if "#" in use.object_id:  # a by-value panel: its dashboard's too
            dashboards = [base]
        else:
            dashboards = shown_on.get(use.object_id, [])
        variants = [own + tuple(c for c in extractor.contexts.get(d, []) if c not in own)
                    for d in dashboards] or [own]
        for context in variants:
            item = dataclasses.replace(use, context=context)
            if item not in out:
                out.append(item)
    return out
