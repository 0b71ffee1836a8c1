"""The dashboards end to end (docs/kibana.md, "The dashboards test").

    dashboards_integration_test.py WALCAST_BINARY [unittest arguments]

Starts a throwaway PostgreSQL (scripts/pg_cluster.sh) and search node
(scripts/elasticsearch.sh; OpenSearch unless WALCAST_ES_FLAVOUR says
otherwise), fills MOSIP's tables with `walcast generate-profiles`, runs
walcast with sinks=elasticsearch (raw documents in MOSIP's shape) and MOSIP's
metric set until the slot confirms everything, then checks with
dashboards_check.py that
  - every field walcast's shipped metric dashboards (docker/kibana) use
    exists with a usable type and every aggregation returns a bucket or a
    value;
  - the fields of MOSIP's "ID Issuance Profile" (40.idrepo_anonymous_profile)
    and "Registration Profile" (33.regprc_registration_profile) dashboards
    that walcast's raw documents carry today pass the same checks.
It prints the checker's table for all of MOSIP's dashboards. A server that
cannot start fails the test (never a skip).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import dashboards_check  # noqa: E402
import saved_objects  # noqa: E402

MOSIP = os.path.join(ROOT, "tests", "data", "mosip_dashboards")
WALCAST_OBJECTS = os.path.join(ROOT, "docker", "kibana", "walcast-metrics.ndjson")
IDREPO_DASHBOARD = "26da8750-58ea-11ec-b8eb-d572949d71c2"
REGPRC_DASHBOARD = "972446a0-2bfd-11ec-b110-b52a2fa7f9b3"
PREFIX = "mosip"  # walcast's demo prefix, which the shipped objects use
TABLES = ",".join(t.replace(".", "\\.") for t in (
    "idrepo.anonymous_profile", "idrepo.channel_info", "regprc.anonymous_profile",
    "prereg.anonymous_profile"))
WALCAST = None  # set from argv

# What walcast's raw documents give MOSIP's dashboards today. Fields not
# listed here are reported (printed), not asserted: other work adds the
# lookups (document names, centre positions) they need.
IDREPO_PASSING = {
    ("@timestamp_gen", "time_field"),
    ("documents_names.keyword", "terms"),
    ("profile.processName.keyword", "terms"),
    ("profile.newProfile.gender.keyword", "terms"),
    ("profile.newProfile.channel.keyword", "terms"),
    ("profile.newProfile.location.hierarchy1.keyword", "control"),
    ("profile.newProfile.location.hierarchy2.keyword", "control"),
    ("profile.newProfile.biometricInfo.Iris.digitalId.serialNo.keyword", "terms"),
    ("profile.newProfile.biometricInfo.Face.digitalId.serialNo.keyword", "terms"),
    ("profile.newProfile.biometricInfo.Iris.qualityScore", "median"),
    ("profile.newProfile.biometricInfo.Face.qualityScore", "median"),
    ("profile.newProfile.biometricInfo.Finger.qualityScore", "median"),
}
REGPRC_PASSING = {
    ("@timestamp_gen", "time_field"),
    ("documents_names.keyword", "terms"),
    ("process_stage.keyword", "filter"),
    ("profile.status.keyword", "filter"),
    ("profile.processName.keyword", "terms"),
    ("profile.gender.keyword", "terms"),
    ("profile.ageGroup.keyword", "terms"),
    ("profile.channel.keyword", "terms"),
    ("profile.enrollmentCenterId.keyword", "terms"),
    ("profile.assisted.keyword", "terms"),
    ("profile.location.hierarchy1.keyword", "control"),
    ("profile.location.hierarchy2.keyword", "control"),
} | {(f"profile.biometricInfo.{m}.{f}", a) for m in ("IRIS", "FINGER", "FACE")
     for f, a in (("qualityScore", "average"), ("attempts", "query"),
                  ("digitalId.serialNo.keyword", "terms"), ("digitalId.model.keyword", "terms"))}


def run(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)


def tail(path, lines=40):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return f"({path} missing)"


class DashboardsIntegrationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="walcast-dashboards-")
        cls.addClassCleanup(shutil.rmtree, cls.dir, True)
        # The servers run as postgres / nobody when the test runs as root.
        os.chmod(cls.dir, 0o755)
        env = dict(os.environ, WALCAST_ES_OWNER_PID=str(os.getpid()))
        pg_dir, es_dir = os.path.join(cls.dir, "pg"), os.path.join(cls.dir, "es")
        pg = run([os.path.join(ROOT, "scripts", "pg_cluster.sh"), "start", pg_dir], env=env)
        cls.addClassCleanup(run, [os.path.join(ROOT, "scripts", "pg_cluster.sh"), "destroy",
                                  pg_dir])
        if pg.returncode != 0:
            raise AssertionError(f"PostgreSQL did not start:\n{pg.stdout}{pg.stderr}")
        cls.pg_port = pg.stdout.split("port=")[-1].split()[0]
        es = run([os.path.join(ROOT, "scripts", "elasticsearch.sh"), "start", es_dir], env=env)
        cls.addClassCleanup(run, [os.path.join(ROOT, "scripts", "elasticsearch.sh"), "destroy",
                                  es_dir])
        if es.returncode != 0:
            raise AssertionError("the search node did not start:\n" + es.stdout + es.stderr +
                                 tail(os.path.join(es_dir, "logs", "server.log")))
        cls.es_url = es.stdout.split("url=")[-1].split()[0]
        cls.es = dashboards_check.Es(cls.es_url)

        cls.sql("CREATE DATABASE mosip_dashboards", db="postgres")
        properties = os.path.join(cls.dir, "walcast.properties")
        with open(properties, "w") as f:
            f.write(f"""database.hostname=127.0.0.1
database.port={cls.pg_port}
database.user=postgres
database.dbname=mosip_dashboards
slot.name=walcast_dashboards
publication.name=walcast_dashboards
publication.autocreate.mode=filtered
table.include.list={TABLES}
topic.prefix={PREFIX}
state.dir={cls.dir}/state
status.update.interval.ms=500
sinks=elasticsearch
elasticsearch.url={cls.es_url}
elasticsearch.bulk.flush.interval.ms=200
metrics.definitions.file={ROOT}/config/metrics/mosip.json
checkpoint.interval.ms=200
""")
        walcast_env = dict(os.environ, WALCAST_DATABASE_PASSWORD="postgres")
        generated = run([WALCAST, "--config", properties, "generate-profiles", "--count", "600",
                         "--shape", "all", "--seed", "23"], env=walcast_env)
        if generated.returncode != 0:
            raise AssertionError("generate-profiles failed:\n" + generated.stderr)
        target = cls.sql("SELECT pg_current_wal_lsn()")

        log_path = os.path.join(cls.dir, "walcast.log")
        with open(log_path, "w") as log:
            walcast = subprocess.Popen([WALCAST, "--config", properties, "run"],
                                       stdout=subprocess.DEVNULL, stderr=log, env=walcast_env)
        cls.addClassCleanup(lambda: walcast.poll() is None and walcast.kill())
        # Metrics acknowledge a transaction only once its documents are
        # indexed, so a confirmed slot means everything is in the node. A new
        # slot starts confirmed at the snapshot's consistent point, so the
        # snapshot must also have completed (every sink durable).
        deadline = time.monotonic() + 240
        while True:
            if walcast.poll() is not None:
                raise AssertionError(f"walcast exited with {walcast.returncode}:\n"
                                     + tail(log_path))
            confirmed = cls.sql("SELECT coalesce(confirmed_flush_lsn >= '" + target +
                                "'::pg_lsn, false) FROM pg_replication_slots "
                                "WHERE slot_name = 'walcast_dashboards'")
            with open(log_path, errors="replace") as log:
                completed = "snapshot completed" in log.read()
            if confirmed == "t" and completed:
                break
            if time.monotonic() > deadline:
                raise AssertionError("the slot did not confirm " + target + ":\n"
                                     + tail(log_path))
            time.sleep(0.2)
        walcast.send_signal(signal.SIGTERM)
        if walcast.wait(timeout=60) != 0:
            raise AssertionError("walcast did not stop cleanly:\n" + tail(log_path))
        cls.es.request("POST", "/_refresh")

    @classmethod
    def sql(cls, query, db="mosip_dashboards"):
        psql = "/usr/lib/postgresql/15/bin/psql"
        psql = psql if os.path.exists(psql) else "psql"
        r = run([psql, "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                 cls.pg_port, "-U", "postgres", "-d", db, "-c", query],
                env=dict(os.environ, PGPASSWORD="postgres"))
        if r.returncode != 0:
            raise AssertionError(f"psql failed: {r.stderr}")
        return r.stdout.strip()

    def rows(self, files, only=None, prefix=None):
        objects = saved_objects.read_saved_objects(files, prefix)
        rows = dashboards_check.merge(dashboards_check.check(self.es, objects, only))
        sys.stdout.write(dashboards_check.format_table(rows))
        return rows

    def test_walcast_metric_dashboards_pass_every_check(self):
        rows = self.rows([WALCAST_OBJECTS])
        failed = [r for r in rows if not r.ok]
        self.assertEqual(failed, [])
        checked = {r.field for r in rows}
        self.assertGreaterEqual(len(rows), 20)
        for field in ("bucket_start", "value", "metric", "keys.gender", "keys.ageGroup",
                      "keys.location_L1", "keys.preferredLanguage", "keys.channelCategory",
                      "keys.channelType", "keys.exceptionType", "keys.verified",
                      "keys.changedAttribute", "keys.processName"):
            self.assertIn(field, checked)

    def test_checker_cli_exit_status(self):
        ok = run([sys.executable, "-B", os.path.join(HERE, "dashboards_check.py"), "--es",
                  self.es_url, WALCAST_OBJECTS])
        self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
        self.assertIn(" 0 failed", ok.stdout)
        # MOSIP's other indices (ida, prereg, regprc.registration...) do not
        # exist here: those rows fail, and so does the run.
        bad = run([sys.executable, "-B", os.path.join(HERE, "dashboards_check.py"), "--es",
                   self.es_url, "--prefix", PREFIX,
                   os.path.join(MOSIP, "01.index_patterns.ndjson"),
                   os.path.join(MOSIP, "10.ida.njson")])
        self.assertEqual(bad.returncode, 1, bad.stdout + bad.stderr)
        self.assertIn("FAIL: the pattern matches no index", bad.stdout)
        # --object with a dashboard id checks the panels it shows.
        one = run([sys.executable, "-B", os.path.join(HERE, "dashboards_check.py"), "--es",
                   self.es_url, "--object", "walcast-regprc-dashboard", WALCAST_OBJECTS])
        self.assertEqual(one.returncode, 0, one.stdout + one.stderr)
        self.assertIn("keys.modality", one.stdout)
        self.assertNotIn("keys.verified", one.stdout)
        unreachable = run([sys.executable, "-B", os.path.join(HERE, "dashboards_check.py"),
                           "--es", "http://127.0.0.1:1", WALCAST_OBJECTS])
        self.assertEqual(unreachable.returncode, 2)
        self.assertIn("cannot reach", unreachable.stderr)

    def test_checker_fails_a_panel_on_a_missing_or_mistyped_field(self):
        vis = {"title": "broken", "type": "histogram", "params": {}, "aggs": [
            {"id": "1", "type": "sum", "schema": "metric", "params": {"field": "metric"}},
            {"id": "2", "type": "terms", "schema": "segment", "params": {"field": "keys.nope"}},
            {"id": "3", "type": "date_histogram", "schema": "group",
             "params": {"field": "count"}}]}
        source = {"query": {"query": 'metric : "idrepo_by_gender"', "language": "kuery"},
                  "filter": [], "indexRefName": "kibanaSavedObjectMeta.searchSourceJSON.index"}
        broken = {"type": "visualization", "id": "broken", "references": [
            {"id": "walcast-metrics-anon-profile", "type": "index-pattern",
             "name": "kibanaSavedObjectMeta.searchSourceJSON.index"}],
            "attributes": {"title": "broken", "visState": json.dumps(vis),
                           "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps(source)}}}
        path = os.path.join(self.dir, "broken.ndjson")
        with open(path, "w") as f:
            f.write(json.dumps(broken) + "\n")
        rows = self.rows([WALCAST_OBJECTS, path], {"broken"})
        by_key = {(r.field, r.aggregation): r for r in rows}
        self.assertIn("type keyword cannot be used by sum", by_key[("metric", "sum")].result)
        self.assertEqual(by_key[("keys.nope", "terms")].result, "no such field in the mapping")
        self.assertIn("type long cannot be used by date_histogram",
                      by_key[("count", "date_histogram")].result)
        self.assertTrue(by_key[("metric", "query")].ok)
        self.assertEqual(sum(not r.ok for r in rows), 3)

    def assert_mosip_dashboard(self, file, dashboard, passing):
        """The `passing` (field, aggregation) pairs of a MOSIP dashboard pass;
        the others are printed."""
        rows = self.rows([os.path.join(MOSIP, "01.index_patterns.ndjson"),
                          os.path.join(MOSIP, file)], {dashboard}, PREFIX)
        by_key = {(r.field, r.aggregation): r for r in rows}
        for key in sorted(passing):
            self.assertIn(key, by_key)
            self.assertTrue(by_key[key].ok, f"{key}: {by_key[key].result}")
        for r in rows:
            if (r.field, r.aggregation) not in passing:
                print(f"not asserted: {r.field} {r.aggregation}: {r.result}")

    def test_mosip_id_issuance_profile_on_walcast_raw_documents(self):
        self.assert_mosip_dashboard("40.idrepo_anonymous_profile.ndjson", IDREPO_DASHBOARD,
                                    IDREPO_PASSING)

    def test_mosip_registration_profile_on_walcast_raw_documents(self):
        self.assert_mosip_dashboard("33.regprc_registration_profile.ndjson", REGPRC_DASHBOARD,
                                    REGPRC_PASSING)

    def test_report_for_all_mosip_dashboards(self):
        names = sorted(n for n in os.listdir(MOSIP) if n.endswith("json"))
        rows = self.rows([os.path.join(MOSIP, n) for n in names], None, PREFIX)
        # Every one of the nine index patterns is checked (used by a panel).
        self.assertEqual(len({r.index_pattern for r in rows}), 9)
        print(f"MOSIP dashboards: {sum(r.ok for r in rows)} ok, "
              f"{sum(not r.ok for r in rows)} failed")


if __name__ == "__main__":
    if len(sys.argv) < 2 or not os.access(sys.argv[1], os.X_OK):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    WALCAST = sys.argv.pop(1)
    unittest.main(verbosity=2)
