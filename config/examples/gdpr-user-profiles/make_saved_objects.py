#!/usr/bin/env python3
"""Writes kibana.ndjson: Kibana saved objects over the GDPR example's metrics.

    config/examples/gdpr-user-profiles/make_saved_objects.py [OUTPUT]

Generated, not edited by hand, with the helpers of docker/kibana/
make_saved_objects.py (which documents the format): one index pattern over
the example's metric index (metrics.index=users.metrics.user_profiles;
import with scripts/kibana-import.sh --file kibana.ndjson), one monthly pattern on
bucket_start, and a dashboard with users by nationality, by gender and
country, the average age at registration, the ten most common email domains
and registrations per month. The unit test dashboards_saved_objects_test
checks that the committed file is this script's output and that every panel
reads a metric of metrics.json with its keys.
"""

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
spec = importlib.util.spec_from_file_location(
    "walcast_kibana", ROOT / "docker" / "kibana" / "make_saved_objects.py")
kibana = importlib.util.module_from_spec(spec)
spec.loader.exec_module(kibana)

kibana.INDEX_TITLE = "users.metrics.user_profiles*"
PATTERN = "walcast-gdpr-users"
MONTHLY = "walcast-gdpr-users-monthly"


def chart(oid, title, vis_type, metric, aggs):
    return kibana.visualization(oid, title, vis_type, metric, aggs, pattern=PATTERN,
                                description=f"walcast metric {metric} "
                                            "(config/examples/gdpr-user-profiles)")


def objects():
    sum_users = kibana.sum_value("Users")
    panels = [
        (chart("walcast-gdpr-users", "Users", "metric", "gdpr_users", [sum_users]), 12, 8),
        (chart("walcast-gdpr-average-age", "Average age at registration", "metric",
               "gdpr_average_age",
               [{"id": "1", "enabled": True, "type": "avg", "schema": "metric",
                 "params": {"field": "value", "customLabel": "Years"}}]), 12, 8),
        (chart("walcast-gdpr-by-nationality", "Users by nationality", "pie",
               "gdpr_users_by_nationality",
               [sum_users, kibana.terms("2", "keys.nationality", "segment", "Nationality")]),
         24, 12),
        (chart("walcast-gdpr-top-email-domains", "Most common email domains", "table",
               "gdpr_top_email_domains",
               [kibana.sum_value("Users"),
                kibana.terms("2", "keys.email_domain", "bucket", "Email domain", size=10)]),
         16, 12),
        (chart("walcast-gdpr-by-gender-country", "Users by country and gender", "histogram",
               "gdpr_users_by_gender_country",
               [sum_users, kibana.terms("2", "keys.country", "segment", "Country"),
                kibana.terms("3", "keys.gender", "group", "Gender")]), 32, 12),
        (chart("walcast-gdpr-age-by-nationality", "Average age by nationality", "histogram",
               "gdpr_average_age_by_nationality",
               [{"id": "1", "enabled": True, "type": "avg", "schema": "metric",
                 "params": {"field": "value", "customLabel": "Years"}},
                kibana.terms("2", "keys.nationality", "segment", "Nationality")]), 24, 12),
        (kibana.visualization(
            "walcast-gdpr-registrations-monthly", "Registrations per month", "histogram",
            "gdpr_registrations_monthly",
            [kibana.sum_value("Users"),
             {"id": "2", "enabled": True, "type": "date_histogram", "schema": "segment",
              "params": {"field": "bucket_start", "interval": "M", "min_doc_count": 1,
                         "extended_bounds": {}, "customLabel": "Month"}}],
            pattern=MONTHLY,
            description="walcast metric gdpr_registrations_monthly (one bucket per month)"),
         24, 12),
    ]
    board = kibana.dashboard(
        "walcast-gdpr-dashboard", "walcast: GDPR user profiles",
        "Users by nationality, age, email domain, gender and country from "
        "public.user_profiles (walcast metrics, config/examples/gdpr-user-profiles)", panels)
    return ([kibana.index_pattern(PATTERN, None), kibana.index_pattern(MONTHLY, "bucket_start")]
            + [vis for vis, _, _ in panels] + [board])


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "kibana.ndjson"
    if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1] in ("-h", "--help")):
        print(__doc__)
        return 0 if len(sys.argv) == 2 else 2
    out.write_text("".join(kibana.dumps(o) + "\n" for o in objects()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
