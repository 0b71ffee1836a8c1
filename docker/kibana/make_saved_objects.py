#!/usr/bin/env python3
"""Writes walcast-metrics.ndjson: Kibana saved objects over walcast's metric index.

    docker/kibana/make_saved_objects.py [OUTPUT]   (default: next to this script)

The ndjson is generated, not edited by hand: Kibana keeps visState and
searchSourceJSON as JSON inside strings, which is easy to get wrong by hand.
Change the panels here, run this script, and commit both files; the unit
test dashboards_saved_objects_test checks that the committed file is this
script's output and that every field it aggregates on is one walcast's
metric documents have, with the type the aggregation needs.

The objects are in Kibana 7.17's export format (legacy "aggregation based"
visualizations, index patterns, dashboards with panels by reference), which
Kibana 7.17 imports as it is and Kibana 8.x imports through its saved-object
migrations (an index pattern becomes a data view). docs/kibana.md has the
details.

Metric documents (docs/metrics.md "Documents") hold one aggregate each:
`metric` names the metric, `keys.<name>` its group keys (keywords),
`value` the figure (a double), `bucket_start` the day of a time-bucketed
metric (a date, null otherwise). Every panel below filters on one `metric`
and sums `value` over the keys, which adds up the figures of several walcast
instances writing to the same index.
"""

import json
import sys
from pathlib import Path

# The index walcast's demo writes (topic.prefix=mosip). scripts/kibana-import.sh
# --prefix rewrites it.
INDEX_TITLE = "mosip.metrics.anon_profile*"
PATTERN_ID = "walcast-metrics-anon-profile"
DAILY_PATTERN_ID = "walcast-metrics-anon-profile-daily"
KIBANA_VERSION = "7.17.0"
# The last migration of each type in Kibana 7.17 (as its exports show them):
# 8.x runs every later one at import.
MIGRATION = {"index-pattern": "7.11.0", "visualization": "7.14.0", "dashboard": "7.17.0"}


def dumps(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def saved_object(otype, oid, attributes, references):
    return {
        "attributes": attributes,
        "coreMigrationVersion": KIBANA_VERSION,
        "id": oid,
        "migrationVersion": {otype: MIGRATION[otype]},
        "references": references,
        "type": otype,
    }


def index_pattern(oid, time_field):
    attributes = {"fieldAttrs": "{}", "fields": "[]", "runtimeFieldMap": "{}",
                  "title": INDEX_TITLE, "typeMeta": "{}"}
    if time_field:
        attributes["timeFieldName"] = time_field
    return saved_object("index-pattern", oid, attributes, [])


def sum_value(label, agg_id="1"):
    return {"id": agg_id, "enabled": True, "type": "sum", "schema": "metric",
            "params": {"field": "value", "customLabel": label}}


def terms(agg_id, field, schema, label, size=20):
    return {"id": agg_id, "enabled": True, "type": "terms", "schema": schema,
            "params": {"field": field, "orderBy": "1", "order": "desc", "size": size,
                       "otherBucket": False, "missingBucket": False, "customLabel": label}}


def daily(agg_id, label):
    return {"id": agg_id, "enabled": True, "type": "date_histogram", "schema": "segment",
            "params": {"field": "bucket_start", "interval": "d", "min_doc_count": 1,
                       "extended_bounds": {}, "customLabel": label}}


CHART_PARAMS = {
    "pie": {"type": "pie", "addTooltip": True, "addLegend": True, "legendPosition": "right",
            "isDonut": True, "labels": {"show": True, "values": True, "last_level": True,
                                        "truncate": 100}},
    "table": {"perPage": 20, "showPartialRows": False, "showMetricsAtAllLevels": False,
              "showTotal": True, "totalFunc": "sum", "percentageCol": ""},
    "metric": {"addTooltip": True, "addLegend": False, "type": "metric",
               "metric": {"percentageMode": False, "useRanges": False,
                          "colorSchema": "Green to Red", "metricColorMode": "None",
                          "colorsRange": [{"from": 0, "to": 10000}], "labels": {"show": True},
                          "invertColors": False,
                          "style": {"bgFill": "#000", "bgColor": False, "labelColor": False,
                                    "subText": "", "fontSize": 60}}},
}


def xy_params(kind):
    return {"type": kind, "addTooltip": True, "addLegend": True, "legendPosition": "right",
            "times": [], "addTimeMarker": False,
            "categoryAxes": [{"id": "CategoryAxis-1", "type": "category", "position": "bottom",
                              "show": True, "scale": {"type": "linear"},
                              "labels": {"show": True, "filter": True, "truncate": 100},
                              "title": {}}],
            "valueAxes": [{"id": "ValueAxis-1", "name": "LeftAxis-1", "type": "value",
                           "position": "left", "show": True,
                           "scale": {"type": "linear", "mode": "normal"},
                           "labels": {"show": True, "rotate": 0, "filter": False,
                                      "truncate": 100},
                           "title": {"text": "Count"}}],
            "seriesParams": [{"show": True, "type": "line" if kind == "line" else "histogram",
                              "mode": "stacked" if kind != "line" else "normal",
                              "data": {"label": "Count", "id": "1"},
                              "valueAxis": "ValueAxis-1", "drawLinesBetweenPoints": True,
                              "lineWidth": 2, "showCircles": True}],
            "grid": {"categoryLines": False}, "labels": {"show": False},
            "thresholdLine": {"show": False, "value": 10, "width": 1, "style": "full",
                              "color": "#E7664C"}}


def visualization(oid, title, vis_type, metric, aggs, pattern=PATTERN_ID, description=""):
    params = CHART_PARAMS.get(vis_type) or xy_params(vis_type)
    vis_state = {"title": title, "type": vis_type, "aggs": aggs, "params": params}
    source = {"query": {"query": f'metric : "{metric}"', "language": "kuery"}, "filter": [],
              "indexRefName": "kibanaSavedObjectMeta.searchSourceJSON.index"}
    attributes = {"title": title, "description": description, "uiStateJSON": "{}",
                  "version": 1, "visState": dumps(vis_state),
                  "kibanaSavedObjectMeta": {"searchSourceJSON": dumps(source)}}
    references = [{"id": pattern, "name": "kibanaSavedObjectMeta.searchSourceJSON.index",
                   "type": "index-pattern"}]
    return saved_object("visualization", oid, attributes, references)


def by_key(oid, title, vis_type, metric, key, label, unit="Identities", split=None, size=20):
    """A chart of metric `metric`: sum of value per keys.<key> (x axis or slices),
    optionally split by keys.<split>."""
    bucket_schema = {"pie": "segment", "table": "bucket"}.get(vis_type, "segment")
    aggs = [sum_value(unit), terms("2", f"keys.{key}", bucket_schema, label, size)]
    if split:
        aggs.append(terms("3", f"keys.{split[0]}", "group" if vis_type not in ("pie", "table")
                          else bucket_schema, split[1]))
    return visualization(oid, title, vis_type, metric, aggs,
                         description=f"walcast metric {metric}, docs/metrics.md")


def over_time(oid, title, metric):
    aggs = [sum_value("Profiles"), daily("2", "Day"),
            terms("3", "keys.processName", "group", "Process")]
    return visualization(oid, title, "histogram", metric, aggs, pattern=DAILY_PATTERN_ID,
                         description=f"walcast metric {metric} (one bucket per day)")


def total(oid, title, metric, label):
    return visualization(oid, title, "metric", metric, [sum_value(label)],
                         description=f"walcast metric {metric}")


def dashboard(oid, title, description, panels):
    """panels: (visualization object, width, height), laid out left to right."""
    panels_json, references = [], []
    x = y = row_height = 0
    for number, (vis, width, height) in enumerate(panels):
        if x + width > 48:
            x, y, row_height = 0, y + row_height, 0
        panel_index = str(number + 1)
        panels_json.append({"version": KIBANA_VERSION, "type": "visualization",
                            "gridData": {"x": x, "y": y, "w": width, "h": height,
                                         "i": panel_index},
                            "panelIndex": panel_index, "embeddableConfig": {},
                            "panelRefName": f"panel_{panel_index}"})
        # Kibana 7.17 names a panel's reference "<panelIndex>:panel_<panelIndex>".
        references.append({"id": vis["id"], "name": f"{panel_index}:panel_{panel_index}",
                           "type": "visualization"})
        x += width
        row_height = max(row_height, height)
    attributes = {
        "title": title, "description": description, "hits": 0, "version": 1,
        "timeRestore": True, "timeFrom": "now-5y", "timeTo": "now",
        "refreshInterval": {"pause": True, "value": 0},
        "optionsJSON": dumps({"useMargins": True, "syncColors": False, "hidePanelTitles": False}),
        "panelsJSON": dumps(panels_json),
        "kibanaSavedObjectMeta": {"searchSourceJSON": dumps(
            {"query": {"query": "", "language": "kuery"}, "filter": []})},
    }
    return saved_object("dashboard", oid, attributes, references)


def objects():
    v = {}

    def add(obj):
        v[obj["id"]] = obj
        return obj

    idrepo = [
        (add(total("walcast-idrepo-identities", "Identities in the register",
                   "idrepo_identities", "Identities")), 12, 8),
        (add(by_key("walcast-idrepo-by-process", "Issuances and updates by process",
                    "table", "idrepo_by_process", "processName", "Process", "Profiles")), 12, 8),
        (add(over_time("walcast-idrepo-by-process-daily", "Issuances and updates per day",
                       "idrepo_by_process_daily")), 24, 12),
        (add(by_key("walcast-idrepo-by-gender", "Identities by gender", "pie",
                    "idrepo_by_gender", "gender", "Gender")), 16, 12),
        (add(by_key("walcast-idrepo-by-age-group", "Identities by age group", "histogram",
                    "idrepo_by_age_group", "ageGroup", "Age group")), 16, 12),
        (add(by_key("walcast-idrepo-by-channel-type", "Identities by contact channel", "pie",
                    "idrepo_by_channel_type", "channelCategory", "Channels")), 16, 12),
        (add(by_key("walcast-idrepo-by-location-l1", "Identities by location (level 1)",
                    "histogram", "idrepo_by_location_l1", "location_L1", "Location")), 24, 12),
        (add(by_key("walcast-idrepo-by-location-l2", "Identities by location (level 2)",
                    "table", "idrepo_by_location_l2", "location_L2", "Location", size=50)),
         24, 12),
        (add(by_key("walcast-idrepo-by-language", "Identities by preferred language", "pie",
                    "idrepo_by_preferred_language", "preferredLanguage", "Language")), 16, 12),
        (add(by_key("walcast-idrepo-verified", "Verified attributes", "histogram",
                    "idrepo_verified_attributes", "verified", "Attribute")), 16, 12),
        (add(by_key("walcast-idrepo-exceptions", "Biometric exceptions", "histogram",
                    "idrepo_exceptions", "exceptionType", "Exception type",
                    split=("exceptionSubType", "Sub-type"))), 16, 12),
        (add(by_key("walcast-idrepo-changed-attributes", "What updates changed",
                    "histogram", "idrepo_update_changed_attributes", "changedAttribute",
                    "Attribute", "Updates")), 24, 12),
        (add(by_key("walcast-idrepo-by-document", "Identities by document type", "table",
                    "idrepo_by_document", "document", "Document")), 24, 12),
        (add(by_key("walcast-shared-channels", "Hashed channels shared by identities",
                    "table", "shared_channels", "channelType", "Channel", "Shared channels")),
         16, 10),
        (add(by_key("walcast-shared-channels-histogram", "Identities per shared channel",
                    "histogram", "shared_channels_histogram", "identitiesPerChannel",
                    "Identities per channel", "Channels",
                    split=("channelType", "Channel"))), 16, 10),
        (add(by_key("walcast-identities-without-channel", "Identities without phone / email",
                    "table", "identities_without_channel", "channelType", "Channel")), 16, 10),
    ]
    regprc = [
        (add(by_key("walcast-regprc-by-process", "Registrations by process", "table",
                    "regprc_by_process", "processName", "Process", "Registrations")), 16, 10),
        (add(over_time("walcast-regprc-by-process-daily", "Registrations per day",
                       "regprc_by_process_daily")), 32, 10),
        (add(by_key("walcast-regprc-by-gender", "Registrations by gender", "pie",
                    "regprc_by_gender", "gender", "Gender", "Registrations")), 16, 12),
        (add(by_key("walcast-regprc-by-age-group", "Registrations by age group and gender",
                    "histogram", "regprc_by_age_group", "ageGroup", "Age group",
                    "Registrations", split=("gender", "Gender"))), 16, 12),
        (add(by_key("walcast-regprc-by-channel-type", "Registrations by contact channel",
                    "pie", "regprc_by_channel_type", "channelCategory", "Channels",
                    "Registrations")), 16, 12),
        (add(by_key("walcast-regprc-by-location-l1", "Registrations by location (level 1)",
                    "histogram", "regprc_by_location_l1", "location_L1", "Location",
                    "Registrations")), 24, 12),
        (add(by_key("walcast-regprc-by-language", "Registrations by preferred language",
                    "pie", "regprc_by_preferred_language", "preferredLanguage", "Language",
                    "Registrations")), 24, 12),
        (add(by_key("walcast-regprc-exceptions", "Registrations' biometric exceptions",
                    "histogram", "regprc_exceptions", "exceptionType", "Exception type",
                    "Exceptions", split=("exceptionSubType", "Sub-type"))), 24, 12),
        (add(visualization("walcast-regprc-quality", "Average capture quality by modality",
                           "histogram", "regprc_quality_by_modality",
                           [{"id": "1", "enabled": True, "type": "avg", "schema": "metric",
                             "params": {"field": "value", "customLabel": "Quality score"}},
                            terms("2", "keys.modality", "segment", "Modality")],
                           description="walcast metric regprc_quality_by_modality (the "
                           "average of each instance's average)")), 24, 12),
        (add(by_key("walcast-regprc-stage-funnel", "Registrations by stage and status",
                    "table", "regprc_stage_funnel", "process_stage", "Stage", "Registrations",
                    split=("status", "Status"), size=50)), 48, 14),
    ]
    dashboards = [
        dashboard("walcast-idrepo-dashboard", "walcast: ID repository metrics",
                  "Identities and updates from idrepo.anonymous_profile and idrepo.channel_info "
                  "(walcast metrics, docs/kibana.md)", idrepo),
        dashboard("walcast-regprc-dashboard", "walcast: registration metrics",
                  "Registrations from regprc.anonymous_profile (walcast metrics, "
                  "docs/kibana.md)", regprc),
    ]
    return ([index_pattern(PATTERN_ID, None), index_pattern(DAILY_PATTERN_ID, "bucket_start")]
            + list(v.values()) + dashboards)


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name(
        "walcast-metrics.ndjson")
    if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1] in ("-h", "--help")):
        print(__doc__)
        return 0 if len(sys.argv) == 2 else 2
    out.write_text("".join(dumps(o) + "\n" for o in objects()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
