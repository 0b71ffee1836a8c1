"""The dashboards end to end (docs/kibana.md, "The dashboards test").

    dashboards_integration_test.py WALCAST_BINARY [unittest arguments]

Starts a throwaway PostgreSQL (scripts/pg_cluster.sh) and search node
(scripts/elasticsearch.sh; OpenSearch unless WALCAST_ES_FLAVOUR says
otherwise), creates MOSIP's six databases and their master data with `walcast
generate-mosip`, and runs ONE walcast with MOSIP's six Debezium connector
configs (tests/data/config/mosip_*_connector.json) as pipelines, copied with
only their connection keys changed, and the shared keys sinks=elasticsearch,
elasticsearch.preset=mosip and MOSIP's metric set. Once every pipeline's
snapshot completed, generate-mosip writes the applications, registrations,
authentications and profiles (and generate-profiles Annexure A profiles),
which walcast streams; the test waits until every slot confirmed them (the
order makes the cross-database lookups deterministic: their rows are in
before the documents that need them). Then it checks with
dashboards_check.py that
  - every field walcast's shipped metric dashboards (docker/kibana) use
    exists with a usable type and every aggregation returns a bucket or a
    value;
  - every (index pattern, field, aggregation) of MOSIP's nine saved-objects
    files (the index patterns and eight dashboards) passes the same checks on
    walcast's documents, except the commented EXPECTED_FAILURES, which must
    still fail (the test fails when one passes, so the list stays honest);
  - every document with a lookup key carries its looked-up field
    (doc_type_name, regcntr_name, registrationCenterGeoLocation) and
    documents_names holds names, not codes.
It prints the checker's full table and each dashboard's passing/total. A
server that cannot start fails the test (never a skip).
"""

import json
import os
import re
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
# MOSIP's nine saved-objects files: the index patterns and eight dashboards
# (mosip/reporting `dashboards/*.ndjson`, and `10.ida.njson` with MOSIP's own
# extension). The `dashboards/mec/` files are not vendored.
MOSIP_FILES = sorted(os.path.join(MOSIP, n) for n in os.listdir(MOSIP) if n.endswith("json"))
WALCAST_OBJECTS = os.path.join(ROOT, "docker", "kibana", "walcast-metrics.ndjson")
CONNECTORS = os.path.join(ROOT, "tests", "data", "config")
DATABASES = ("mosip_master", "mosip_audit", "mosip_prereg", "mosip_ida", "mosip_regprc",
             "mosip_idrepo")
PREFIX = "mosip"  # the connectors' database.server.name, which the shipped objects use
WALCAST = None  # set from argv

# (index pattern, field, aggregation) rows of MOSIP's dashboards that cannot
# pass for a reason outside walcast, each with that reason in a comment. The
# test fails when any other row fails, and when one of these passes or is no
# longer checked, so the set stays honest.
#
# Empty: every row of MOSIP's nine files passes. (The one field generated data
# cannot serve, the MEC Registration dashboard's `reg_type`, a column today's
# DDL calls `process`, is in mosip/reporting's `dashboards/mec/`, which is not
# vendored here; docs/generated-data.md.) The cross-database lookups
# (doc_type_name, regcntr_name, registrationCenterGeoLocation) passed only
# once the pipelines shared one lookup store; this test found that.
EXPECTED_FAILURES: dict[tuple[str, str, str], str] = {}


def run(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)


def tail(path, lines=40):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return f"({path} missing)"


def connector_copy(name, directory, port):
    """MOSIP's connector config `name` as MOSIP ships it, with ONLY its
    connection keys changed for this test's PostgreSQL: host and port, and no
    `database.password` (the password comes from WALCAST_DATABASE_PASSWORD; a
    connector's own keys would win over it, docs/pipelines.md). Every other
    key (slot, publication, database, tables, database.server.name) is
    MOSIP's."""
    with open(os.path.join(CONNECTORS, f"{name}_connector.json")) as f:
        body = json.load(f)
    config = body["config"]
    config["database.hostname"] = "127.0.0.1"
    config["database.port"] = str(port)
    config.pop("database.password", None)
    path = os.path.join(directory, f"{name}.json")
    with open(path, "w") as f:
        json.dump(body, f, indent=2)
    return path, config["slot.name"]


class DashboardsIntegrationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        started = time.monotonic()
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

        walcast_env = dict(os.environ, WALCAST_DATABASE_PASSWORD="postgres")
        cls.walcast_env = walcast_env
        generator = os.path.join(cls.dir, "generator.properties")
        with open(generator, "w") as f:
            f.write(f"database.hostname=127.0.0.1\ndatabase.port={cls.pg_port}\n"
                    "database.user=postgres\ndatabase.dbname=postgres\n")
        # Two phases, as in a MOSIP installation: the master data exists before
        # the connectors start, the rest arrives while they run. Phase 1:
        # generate-mosip (docs/generated-data.md) creates MOSIP's six databases
        # and writes the master tables (and prereg's centre slots), no
        # applications, registrations, authentications or profiles; the
        # profile tables it leaves out are created from sql/mosip/.
        cls.generate(["generate-mosip", "--applications", "0", "--registrations", "0",
                      "--authentications", "0", "--profiles", "0"], generator)
        for db, table in (("mosip_regprc", "regprc_anonymous_profile"),
                          ("mosip_idrepo", "idrepo_anonymous_profile"),
                          ("mosip_idrepo", "idrepo_channel_info")):
            cls.sql_file(os.path.join(ROOT, "sql", "mosip", table + ".sql"), db)

        # One walcast, one pipeline per MOSIP connector config, and the shared
        # keys in a worker file (docs/pipelines.md).
        connectors = [connector_copy(db, cls.dir, cls.pg_port) for db in DATABASES]
        worker = os.path.join(cls.dir, "worker.properties")
        with open(worker, "w") as f:
            f.write(f"""state.dir={cls.dir}/state
status.update.interval.ms=500
sinks=elasticsearch
elasticsearch.url={cls.es_url}
elasticsearch.preset=mosip
elasticsearch.bulk.flush.interval.ms=200
metrics.definitions.file={ROOT}/config/metrics/mosip.json
checkpoint.interval.ms=200
""")
        args = [WALCAST]
        for path, _ in connectors:
            args += ["--config", path]
        args += ["--config", worker, "run"]
        cls.log_path = log_path = os.path.join(cls.dir, "walcast.log")
        with open(log_path, "w") as log:
            walcast = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=log,
                                       env=walcast_env)
        cls.addClassCleanup(lambda: walcast.poll() is None and walcast.kill())
        slots = [slot for _, slot in connectors]
        cls.wait_for(walcast, slots, cls.sql("SELECT pg_current_wal_lsn()"))

        # Phase 2, streamed: the applications, registrations, authentications
        # and profiles (generate-mosip merges the master data it already
        # wrote), and Annexure A profiles, which only generate-profiles writes
        # (walcast's metric dashboards show their shared channels).
        cls.generate(["generate-mosip", "--applications", "600", "--registrations", "600",
                      "--authentications", "1200", "--profiles", "600"], generator)
        annexure = os.path.join(cls.dir, "annexure.properties")
        with open(annexure, "w") as f:
            f.write(f"database.hostname=127.0.0.1\ndatabase.port={cls.pg_port}\n"
                    "database.user=postgres\ndatabase.dbname=mosip_idrepo\n")
        cls.generate(["generate-profiles", "--count", "200", "--shape", "annexure", "--seed",
                      "24"], annexure)
        cls.wait_for(walcast, slots, cls.sql("SELECT pg_current_wal_lsn()"))
        walcast.send_signal(signal.SIGTERM)
        if walcast.wait(timeout=60) != 0:
            raise AssertionError("walcast did not stop cleanly:\n" + tail(log_path))
        cls.es.request("POST", "/_refresh")
        print(f"setup took {time.monotonic() - started:.0f} s", file=sys.stderr)

    @classmethod
    def generate(cls, args, properties):
        """Runs a walcast generate command with the fixed seed and span."""
        if args[0] == "generate-mosip":
            args = args + ["--seed", "23", "--days", "30"]
        generated = run([WALCAST, "--config", properties] + args, env=cls.walcast_env)
        if generated.returncode != 0:
            raise AssertionError(f"{args[0]} failed:\n" + generated.stderr)

    @classmethod
    def wait_for(cls, walcast, slots, target):
        """Waits until every pipeline's snapshot completed and every slot
        confirmed `target`. Metrics acknowledge a transaction only once its
        documents are indexed, so a confirmed slot means everything is in
        the node; a new slot starts confirmed at the snapshot's consistent
        point, hence the snapshots too (every sink durable)."""
        names = "','".join(slots)
        deadline = time.monotonic() + 180
        while True:
            if walcast.poll() is not None:
                raise AssertionError(f"walcast exited with {walcast.returncode}:\n"
                                     + tail(cls.log_path))
            confirmed = cls.sql("SELECT count(*) FROM pg_replication_slots WHERE slot_name IN ('"
                                + names + "') AND confirmed_flush_lsn >= '" + target +
                                "'::pg_lsn")
            with open(cls.log_path, errors="replace") as log:
                lines = [line for line in log if "snapshot completed" in line]
            completed = {db for db in DATABASES if any(f"pipeline={db} " in l for l in lines)}
            if confirmed == str(len(slots)) and len(completed) == len(DATABASES):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{confirmed} of the slots confirmed {target}; snapshots "
                                     f"completed: {sorted(completed)}:\n" + tail(cls.log_path))
            time.sleep(0.2)

    @classmethod
    def sql_file(cls, path, db):
        cls.sql(None, db, path)

    @classmethod
    def sql(cls, query, db="postgres", path=None):
        psql = "/usr/lib/postgresql/15/bin/psql"
        psql = psql if os.path.exists(psql) else "psql"
        r = run([psql, "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                 cls.pg_port, "-U", "postgres", "-d", db] +
                (["-f", path] if path else ["-c", query]),
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
        # Under a prefix walcast did not write, MOSIP's patterns match no
        # index: those rows fail, and so does the run.
        bad = run([sys.executable, "-B", os.path.join(HERE, "dashboards_check.py"), "--es",
                   self.es_url, "--prefix", "nosuchprefix",
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

    def test_every_field_of_mosip_dashboards_on_walcast_documents(self):
        """Every (index pattern, field, aggregation) of MOSIP's nine files
        passes on the documents of the six pipelines, except the
        EXPECTED_FAILURES, which must still fail."""
        rows = self.rows(MOSIP_FILES, None, PREFIX)
        ok = sum(r.ok for r in rows)
        print(f"MOSIP dashboards: {ok} ok, {len(rows) - ok} failed, of {len(rows)}")
        # Every one of the nine index patterns is checked (used by a panel).
        self.assertEqual(len({r.index_pattern for r in rows}), 9)
        self.assertGreaterEqual(len(rows), 60)
        # Every panel is understood, so every field is checked.
        objects = saved_objects.read_saved_objects(MOSIP_FILES, PREFIX)
        self.assertEqual(objects.skipped, [])
        by_key = {(r.index_pattern, r.field, r.aggregation): r for r in rows}
        unexpected = [f"{k}: {r.result}" for k, r in sorted(by_key.items())
                      if not r.ok and k not in EXPECTED_FAILURES]
        now_passing = [f"{k}: {by_key[k].result}" for k in sorted(EXPECTED_FAILURES)
                       if k in by_key and by_key[k].ok]
        not_checked = [str(k) for k in sorted(EXPECTED_FAILURES) if k not in by_key]
        for k in sorted(EXPECTED_FAILURES):
            print(f"expected failure: {k}: {EXPECTED_FAILURES[k]}")
        self.assertEqual(unexpected, [], "fields that fail on walcast's documents")
        self.assertEqual(now_passing, [], "EXPECTED_FAILURES that pass now: remove them")
        self.assertEqual(not_checked, [], "EXPECTED_FAILURES no dashboard uses: remove them")

    # The checker asks for one bucket; the dashboards need the looked-up
    # field on every document, and names rather than codes in documents_names
    # (missing=key writes the code when the lookup misses; every generated
    # code, DOC001..., has a name in master.doc_type).
    def test_every_document_has_its_lookup_fields(self):
        def count(index, must):
            return self.es.request("POST", f"/{PREFIX}.{index}/_count",
                                   {"query": {"bool": {"must": must}}})["count"]

        for index, key, field in (("prereg.applicant_document", "doc_typ_code", "doc_type_name"),
                                  ("prereg.reg_appointment", "regcntr_id", "regcntr_name"),
                                  ("regprc.anonymous_profile", "profile.enrollmentCenterId",
                                   "registrationCenterGeoLocation")):
            with_key = count(index, [{"exists": {"field": key}}])
            self.assertGreater(with_key, 100, index)
            self.assertEqual(count(index, [{"exists": {"field": key}},
                                           {"exists": {"field": field}}]), with_key,
                             f"{index}: documents with {key} but no {field}")
        for index in ("idrepo.anonymous_profile", "regprc.anonymous_profile"):
            result = self.es.request("POST", f"/{PREFIX}.{index}/_search", {
                "size": 0, "aggs": {"names": {"terms": {"field": "documents_names.keyword",
                                                        "size": 100}}}})
            names = [b["key"] for b in result["aggregations"]["names"]["buckets"]]
            self.assertGreaterEqual(len(names), 5, index)
            self.assertEqual([n for n in names if re.fullmatch(r"DOC\d+", n)], [], index)

    def test_per_dashboard_results(self):
        """Each MOSIP dashboard's fields (those of its panels and its time
        fields), passing of total; every dashboard has some field."""
        objects = saved_objects.read_saved_objects(MOSIP_FILES, PREFIX)
        titles = {}
        for path in MOSIP_FILES:
            with open(path) as f:
                for line in f:
                    if line.strip():
                        obj = json.loads(line)
                        if obj.get("type") == "dashboard":
                            titles[obj["id"]] = obj["attributes"]["title"].replace(
                                "___DB_PREFIX_INDEX___", PREFIX)
        self.assertEqual(len(titles), 8)
        lines = []
        for oid, title in sorted(titles.items(), key=lambda t: t[1]):
            rows = dashboards_check.merge(dashboards_check.check(self.es, objects, {oid}))
            self.assertGreater(len(rows), 0, title)
            expected = sum((r.index_pattern, r.field, r.aggregation) in EXPECTED_FAILURES
                           for r in rows)
            lines.append(f"{title}: {sum(r.ok for r in rows)}/{len(rows)} fields pass"
                         + (f" ({expected} expected failures)" if expected else ""))
        print("\n".join(["per dashboard:"] + lines))


if __name__ == "__main__":
    if len(sys.argv) < 2 or not os.access(sys.argv[1], os.X_OK):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    WALCAST = sys.argv.pop(1)
    unittest.main(verbosity=2)
