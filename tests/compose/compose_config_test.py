#!/usr/bin/env python3
"""Checks docker/compose.yaml without a container engine.

    compose_config_test.py --walcast BUILD/walcast --venv BUILD/tests/compose/venv

podman-compose (PyPI, pinned below) is installed into a virtual environment
under the build tree once and reused; a failed install fails the test. The
compose file must parse (`podman-compose config` exits 0) and its parsed form
must agree with:
  - pinned images: every service names a tag, never `latest`; Kafka and
    Elasticsearch/Kibana at the versions scripts/versions.env pins;
  - the files it mounts: every --config path of the walcast services, the
    metric definition file, the init script and the Kibana import inputs exist
    on the host side of a bind mount;
  - walcast's configuration: each key of the worker and generator files, the
    connection keys of the connector copies and every --set is one `walcast
    --help --config-keys` lists; the
    published port is worker.properties' http.port; Kafka and Elasticsearch
    URLs name services of the file on the ports they listen on; the connector
    copies are MOSIP's vendored ones (tests/data/config) with only the
    connection keys changed and no password;
  - dependencies: depends_on names services that exist, service_healthy only
    ones with a healthcheck, service_completed_successfully only one-shots;
  - the README's "Try it with Docker" section: its command, ports and keys.
Standard library plus PyYAML, which podman-compose brings.

    compose_config_test.py ... ComposeDataTest     (CTest: compose_data_test)

runs the postgres service's init script and the data services' walcast
command lines against a throwaway PostgreSQL 15 on loopback (integration).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

PODMAN_COMPOSE = "podman-compose==1.6.0"
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
COMPOSE = os.path.join(ROOT, "docker", "compose.yaml")
COMPOSE_DIR = os.path.dirname(COMPOSE)
DATABASES = ["master", "audit", "prereg", "ida", "regprc", "idrepo"]
# The keys the compose copies of MOSIP's connector configs may change.
CONNECTION_KEYS = {"database.hostname", "database.port", "database.password"}
WALCAST_SERVICES = ["walcast", "mosip-master-data", "mosip-data"]

ARGS = None


def bootstrap(venv):
    """Creates the venv with podman-compose unless it already has it; then
    re-runs this script with the venv's Python (which has PyYAML)."""
    python = os.path.join(venv, "bin", "python3")
    stamp = os.path.join(venv, "installed")
    installed = os.path.exists(stamp) and open(stamp).read().strip() == PODMAN_COMPOSE
    if not installed:
        for step in ([sys.executable, "-m", "venv", "--clear", venv],
                     [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                      PODMAN_COMPOSE]):
            done = subprocess.run(step, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, timeout=600)
            if done.returncode != 0:
                sys.exit(f"compose_config_test: cannot install {PODMAN_COMPOSE} "
                         f"({' '.join(step)}):\n{done.stdout}")
        with open(stamp, "w") as f:
            f.write(PODMAN_COMPOSE + "\n")
    os.execv(python, [python, "-B", os.path.abspath(__file__), *sys.argv[1:], "--in-venv"])


def podman_compose(path):
    return subprocess.run([os.path.join(ARGS.venv, "bin", "podman-compose"), "-f", path,
                           "config"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=60)


def read_properties(path):
    props = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                key, _, value = line.partition("=")
                props[key.strip()] = value.strip()
    return props


def image_version(image):
    """The tag of an image reference: after the last ':' past the last '/'."""
    name = image.rsplit("/", 1)[-1]
    return name.split(":", 1)[1] if ":" in name else None


def bind_mounts(service):
    """(host path, container path) of each bind mount, host paths resolved
    against the compose file's directory as the Compose spec does."""
    mounts = []
    for volume in service.get("volumes", []):
        parts = volume.split(":")
        if parts[0].startswith((".", "/")):
            mounts.append((os.path.normpath(os.path.join(COMPOSE_DIR, parts[0])), parts[1]))
    return mounts


def host_path(service, container_path):
    """The host file behind a container path, through the service's bind
    mounts (the longest matching mount wins), or None."""
    best = None
    for host, target in bind_mounts(service):
        if container_path == target or container_path.startswith(target.rstrip("/") + "/"):
            if best is None or len(target) > len(best[1]):
                best = (host, target)
    if best is None:
        return None
    return best[0] + container_path[len(best[1]):]


def published(service):
    """{container port: host port} of the service's ports."""
    ports = {}
    for entry in service.get("ports", []):
        host, _, container = str(entry).rpartition(":")
        ports[int(container)] = int(host)
    return ports


def option_values(argv, option):
    return [argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == option]


def command_argv(service):
    """The walcast command line of a service: its command, or the walcast
    lines of an sh -c entrypoint, split into words."""
    entrypoint = service.get("entrypoint")
    if entrypoint and entrypoint[0] == "/bin/sh":
        return entrypoint[-1].replace("\\\n", " ").split()
    return list(service.get("command", []))


class ComposeConfigTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        import yaml  # from the venv, with podman-compose
        done = podman_compose(COMPOSE)
        if done.returncode != 0:
            raise AssertionError(f"podman-compose config failed:\n{done.stderr}")
        cls.config = yaml.safe_load(done.stdout)
        cls.services = cls.config["services"]
        keys = subprocess.run([ARGS.walcast, "--help", "--config-keys"],
                              stdout=subprocess.PIPE, text=True, timeout=30)
        if keys.returncode != 0:
            raise AssertionError("walcast --help --config-keys failed")
        # Key lines: two spaces, the key, and its default if it has one.
        cls.known_keys = set(re.findall(r"^  ([a-z][a-z0-9_.]*[a-z0-9])(?: \(default: .*\))?$",
                                        keys.stdout, re.MULTILINE))
        cls.versions = read_properties(os.path.join(ROOT, "scripts", "versions.env"))
        walcast = cls.services["walcast"]
        cls.worker = read_properties(cls.mounted(walcast, "/etc/walcast/compose/worker.properties"))

    @classmethod
    def mounted(cls, service, path):
        host = host_path(service, path)
        if host is None or not os.path.exists(host):
            raise AssertionError(f"{path} is not on a bind mount of an existing host path "
                                 f"({host})")
        return host

    def test_the_parser_rejects_a_broken_file(self):
        # The parse above means something only if a broken file fails it.
        with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
            with open(COMPOSE) as source:
                f.write(source.read().replace("services:\n", "services:\n  broken: [\n", 1))
            f.flush()
            self.assertNotEqual(podman_compose(f.name).returncode, 0)

    def test_the_stack_has_every_service(self):
        self.assertEqual(set(self.services),
                         {"postgres", "kafka", "elasticsearch", "kibana", "kibana-import",
                          "mosip-master-data", "walcast", "mosip-data"})

    def test_every_image_is_pinned(self):
        for name, service in self.services.items():
            with self.subTest(service=name):
                self.assertIn("image", service)
                tag = image_version(service["image"])
                self.assertIsNotNone(tag, service["image"])
                self.assertNotEqual(tag, "latest")
                if "build" not in service:
                    # A release (PostgreSQL's are major.minor), not a moving tag
                    # such as 15 or 7.
                    self.assertRegex(tag, r"^\d+\.\d+(\.\d+)?(-[a-z0-9]+)?$")

    def test_versions_follow_versions_env(self):
        self.assertEqual(self.services["kafka"]["image"],
                         "apache/kafka:" + self.versions["KAFKA_VERSION"])
        es7 = self.versions["ES7_VERSION"]
        self.assertEqual(image_version(self.services["elasticsearch"]["image"]), es7)
        self.assertEqual(image_version(self.services["kibana"]["image"]), es7)
        self.assertEqual(image_version(self.services["kibana-import"]["image"]), es7)
        self.assertTrue(image_version(self.services["postgres"]["image"]).startswith("15."))

    def test_postgres_decodes_logically_and_loads_mosip_tables(self):
        postgres = self.services["postgres"]
        self.assertEqual(postgres["command"][0], "postgres")
        self.assertIn("wal_level=logical", postgres["command"])
        init_dir = self.mounted(postgres, "/docker-entrypoint-initdb.d")
        sql_dir = self.mounted(postgres, "/walcast/sql/mosip")
        scripts = [f for f in os.listdir(init_dir) if f.endswith((".sh", ".sql"))]
        self.assertEqual(len(scripts), 1, scripts)
        with open(os.path.join(init_dir, scripts[0])) as f:
            script = f.read()
        schemas = re.search(r"for schema in ([a-z ]+);", script).group(1).split()
        self.assertEqual(sorted(schemas), sorted(DATABASES))
        self.assertIn("${WALCAST_SQL_DIR:-/walcast/sql}", script)
        self.assertTrue(os.path.exists(self.mounted(postgres,
                                                    "/walcast/sql/sample_profiles_insert.sql")))
        # Every table a connector captures has its DDL file.
        for db in DATABASES:
            connector = self.connector(db)
            for table in connector["config"]["table.include.list"].split(","):
                with self.subTest(table=table):
                    self.assertTrue(os.path.exists(
                        os.path.join(sql_dir, table.replace(".", "_") + ".sql")))

    def connector(self, db):
        path = self.mounted(self.services["walcast"],
                            f"/etc/walcast/compose/mosip_{db}_connector.json")
        with open(path) as f:
            return json.load(f)

    def test_walcast_runs_mosips_six_connectors_and_the_worker_file(self):
        walcast = self.services["walcast"]
        self.assertEqual(walcast["build"]["dockerfile"], "docker/Dockerfile")
        self.assertEqual(os.path.normpath(walcast["build"]["context"]), ROOT)
        argv = command_argv(walcast)
        self.assertEqual(argv[-1], "run")
        configs = option_values(argv, "--config")
        self.assertEqual(configs, [f"/etc/walcast/compose/mosip_{db}_connector.json"
                                   for db in DATABASES] +
                         ["/etc/walcast/compose/worker.properties"])
        for path in configs:
            self.mounted(walcast, path)
        self.assertIn("/var/lib/walcast", [v.split(":")[1] for v in walcast["volumes"]
                                           if not v.startswith((".", "/"))])
        self.assertEqual(self.worker["state.dir"], "/var/lib/walcast")

    def test_connector_copies_change_only_connection_keys(self):
        for db in DATABASES:
            with self.subTest(db=db):
                copy = self.connector(db)
                with open(os.path.join(ROOT, "tests", "data", "config",
                                       f"mosip_{db}_connector.json")) as f:
                    vendored = json.load(f)
                self.assertEqual(copy["name"], vendored["name"])
                self.assertNotIn("database.password", copy["config"])
                self.assertEqual(copy["config"]["database.hostname"], "postgres")
                self.assertEqual(copy["config"]["database.port"], "5432")
                strip = lambda c: {k: v for k, v in c.items() if k not in CONNECTION_KEYS}
                self.assertEqual(strip(copy["config"]), strip(vendored["config"]))
        self.assertIn(5432, published(self.services["postgres"]))

    def test_worker_keys_reach_the_other_services(self):
        walcast = self.services["walcast"]
        self.assertEqual(set(self.worker["sinks"].split(",")), {"kafka", "elasticsearch"})
        self.assertEqual(self.worker["elasticsearch.preset"], "mosip")
        self.mounted(walcast, self.worker["metrics.definitions.file"])
        # The published port is the one walcast listens on, on every interface.
        self.assertEqual(self.worker["http.bind"], "0.0.0.0")
        port = int(self.worker["http.port"])
        self.assertEqual(published(walcast), {port: port})
        self.assertIn(f"http://127.0.0.1:{port}/readyz", walcast["healthcheck"]["test"])
        # Kafka: a service of this file, on a listener it advertises under that name.
        host, _, kafka_port = self.worker["kafka.bootstrap.servers"].partition(":")
        kafka_env = self.services[host]["environment"]
        self.assertIn(f"PLAINTEXT://{host}:{kafka_port}", kafka_env["KAFKA_ADVERTISED_LISTENERS"])
        self.assertIn(f"PLAINTEXT://:{kafka_port}", kafka_env["KAFKA_LISTENERS"])
        match = re.fullmatch(r"http://([a-z-]+):(\d+)", self.worker["elasticsearch.url"])
        self.assertIsNotNone(match, self.worker["elasticsearch.url"])
        self.assertIn(int(match.group(2)), published(self.services[match.group(1)]))
        self.assertIn(self.worker["elasticsearch.url"],
                      self.services["kibana"]["environment"]["ELASTICSEARCH_HOSTS"])
        for name in WALCAST_SERVICES:
            self.assertIn("WALCAST_DATABASE_PASSWORD", self.services[name]["environment"])
            self.assertEqual(self.services[name]["environment"]["WALCAST_DATABASE_PASSWORD"],
                             self.services["postgres"]["environment"]["POSTGRES_PASSWORD"])

    def test_every_config_key_is_a_walcast_key(self):
        # The listing was parsed, and only keys came out of it.
        self.assertTrue({"http.port", "sinks", "database.password"} <= self.known_keys)
        self.assertNotIn("comma", self.known_keys)
        for name in WALCAST_SERVICES:
            service = self.services[name]
            argv = command_argv(service)
            files = [self.mounted(service, p) for p in option_values(argv, "--config")]
            self.assertTrue(files, name)
            for path in files:
                if path.endswith(".json"):
                    # MOSIP's other keys include Debezium's old names and Kafka
                    # Connect's (database.server.name, connector.class), which
                    # the listing leaves out; the copies keep them as vendored.
                    with open(path) as f:
                        keys = CONNECTION_KEYS & set(json.load(f)["config"])
                else:
                    keys = set(read_properties(path))
                # kafka.* go to librdkafka as they are; the listing leaves them out.
                unknown = {k for k in keys - self.known_keys if not k.startswith("kafka.")}
                with self.subTest(file=os.path.basename(path)):
                    self.assertEqual(unknown, set())
            for assignment in option_values(argv, "--set"):
                self.assertIn(assignment.partition("=")[0], self.known_keys)

    def test_walcast_accepts_each_command_lines_configuration(self):
        # walcast status reads every --config and --set as run does (an unknown
        # or refused key exits 2 naming it), then finds no server named
        # postgres here and exits 1.
        for name in WALCAST_SERVICES:
            service = self.services[name]
            argv = command_argv(service)
            for start in [i for i, word in enumerate(argv) if word == "walcast"] or [-1]:
                words = argv[start + 1:]
                end = next((i for i, w in enumerate(words) if w == "walcast"), len(words))
                words = words[:end]
                args = []
                for option, value in zip(words, words[1:]):
                    if option == "--config":
                        args += [option, self.mounted(service, value)]
                    elif option == "--set":
                        args += [option, value]
                with self.subTest(service=name, args=args):
                    self.assertTrue(args)
                    done = subprocess.run([ARGS.walcast, *args, "--set",
                                           "database.connect.timeout.ms=2000", "status"],
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                          text=True, timeout=60)
                    self.assertNotEqual(done.returncode, 2, done.stderr)
                    self.assertNotIn("config key", done.stderr)

    def test_dependencies_wait_for_what_they_name(self):
        for name, service in self.services.items():
            for dependency, spec in service.get("depends_on", {}).items():
                with self.subTest(service=name, dependency=dependency):
                    self.assertIn(dependency, self.services)
                    target = self.services[dependency]
                    if spec["condition"] == "service_healthy":
                        self.assertIn("healthcheck", target)
                    else:
                        self.assertEqual(spec["condition"], "service_completed_successfully")
                        self.assertEqual(target.get("restart"), "no")
        for name in ("postgres", "kafka", "elasticsearch", "kibana", "walcast"):
            self.assertIn("healthcheck", self.services[name], name)
        walcast = self.services["walcast"]["depends_on"]
        for dependency in ("postgres", "kafka", "elasticsearch"):
            self.assertEqual(walcast[dependency]["condition"], "service_healthy")
        self.assertEqual(self.services["mosip-data"]["depends_on"]["walcast"]["condition"],
                         "service_healthy")

    def test_kibana_import_gets_mosips_and_walcasts_dashboards(self):
        service = self.services["kibana-import"]
        argv = service["entrypoint"]
        script = self.mounted(service, argv[1])
        self.assertEqual(os.path.realpath(script),
                         os.path.join(ROOT, "scripts", "kibana-import.sh"))
        self.assertIn("--walcast", argv)
        self.mounted(service, "/walcast/docker/kibana/walcast-metrics.ndjson")
        mosip = self.mounted(service, option_values(argv, "--mosip")[0])
        self.assertTrue(any(f.endswith(".ndjson") for f in os.listdir(mosip)))
        url = option_values(argv, "--url")[0]
        host, _, port = url.removeprefix("http://").partition(":")
        self.assertIn(int(port), published(self.services[host]))
        # The index prefix is the connectors' database.server.name.
        self.assertEqual(option_values(argv, "--prefix")[0],
                         self.connector("idrepo")["config"]["database.server.name"])

    def test_readme_section_matches_the_file(self):
        with open(os.path.join(ROOT, "README.md")) as f:
            readme = f.read()
        section = readme.split("## Try it with Docker\n", 1)[1].split("\n## ", 1)[0]
        self.assertIn("docker compose -f docker/compose.yaml up", section)
        # Every localhost port the section gives is published by the service it names.
        ports = {int(p) for p in re.findall(r"localhost:(\d+)", section)}
        by_port = {host: name for name, service in self.services.items()
                   for host in published(service).values()}
        self.assertEqual(ports, set(by_port))
        for word, service in (("status page at http://localhost:", "walcast"),
                              ("Kibana at http://localhost:", "kibana"),
                              ("Elasticsearch at http://localhost:", "elasticsearch"),
                              ("PostgreSQL at localhost:", "postgres")):
            port = int(re.search(re.escape(word) + r"(\d+)", section).group(1))
            self.assertEqual(by_port[port], service, word)
        self.assertIn(f"localhost:{published(self.services['kafka'])[29092]}",
                      self.services["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"])
        # Every key=value it names is the worker file's.
        for key, value in re.findall(r"`([a-z][a-z.]*)=([^`]+)`", section):
            if key in self.known_keys:
                with self.subTest(key=key):
                    self.assertEqual(self.worker.get(key), value)
        for key in re.findall(r"`([a-z]+\.[a-z.]+)`", section):
            if key in self.known_keys:
                self.assertIn(key, self.worker)
        self.assertIn(f"`http.port={self.worker['http.port']}`", section)
        self.assertIn(self.versions["KAFKA_VERSION"], section)
        self.assertIn(self.versions["ES7_VERSION"], section)
        with open(COMPOSE) as f:
            password = re.search(r"POSTGRES_PASSWORD:-([^}]+)}", f.read()).group(1)
        self.assertIn(f"`{password}`", section)

    def test_operations_doc_gives_the_same_port(self):
        with open(os.path.join(ROOT, "docs", "operations.md")) as f:
            self.assertIn(f"http.port={self.worker['http.port']}\n", f.read())


class ComposeDataTest(unittest.TestCase):
    """The postgres service's init script and the data services' command
    lines, run here against a throwaway PostgreSQL 15 (scripts/pg_cluster.sh)
    instead of the containers: the script creates MOSIP's six databases and
    tables, mosip-master-data and mosip-data fill every captured table."""

    @classmethod
    def setUpClass(cls):
        import yaml
        done = podman_compose(COMPOSE)
        if done.returncode != 0:
            raise AssertionError(f"podman-compose config failed:\n{done.stderr}")
        cls.services = yaml.safe_load(done.stdout)["services"]
        cls.dir = tempfile.mkdtemp(prefix="compose_data_test.")
        cls.addClassCleanup(shutil.rmtree, cls.dir, ignore_errors=True)
        os.chmod(cls.dir, 0o755)  # pg_cluster.sh runs the server as postgres
        pg_dir = os.path.join(cls.dir, "pg")
        pg_cluster = os.path.join(ROOT, "scripts", "pg_cluster.sh")
        started = subprocess.run([pg_cluster, "start", pg_dir], stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True, timeout=300)
        cls.addClassCleanup(subprocess.run, [pg_cluster, "destroy", pg_dir],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if started.returncode != 0:
            raise AssertionError(f"PostgreSQL did not start:\n{started.stdout}")
        cls.port = started.stdout.split("port=")[-1].split()[0]
        cls.env = dict(os.environ, PGHOST="127.0.0.1", PGPORT=cls.port, PGUSER="postgres",
                       PGPASSWORD="postgres", POSTGRES_USER="postgres",
                       WALCAST_DATABASE_PASSWORD="postgres")

    def sql(self, db, query):
        done = subprocess.run(["psql", "-d", db, "-AtX", "-v", "ON_ERROR_STOP=1", "-c", query],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=self.env, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        return done.stdout.strip()

    def run_service(self, name):
        """Runs each walcast command line of a one-shot service, its files
        read from the host side of its mounts and the host pointed here."""
        service = self.services[name]
        argv = command_argv(service)
        starts = [i for i, word in enumerate(argv) if word == "walcast"] or [-1]
        for start, end in zip(starts, starts[1:] + [len(argv)]):
            words = argv[start + 1:end]
            args = [host_path(service, w) if w.startswith("/etc/walcast/") else w
                    for w in words]
            command = [ARGS.walcast, "--set", "database.hostname=127.0.0.1", "--set",
                       f"database.port={self.port}", *args]
            done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=self.env, timeout=300)
            self.assertEqual(done.returncode, 0, f"{command}\n{done.stderr}")

    def test_init_script_and_data_services_fill_every_captured_table(self):
        postgres = self.services["postgres"]
        init_dir = host_path(postgres, "/docker-entrypoint-initdb.d")
        env = dict(self.env, WALCAST_SQL_DIR=host_path(postgres, "/walcast/sql"))
        for script in sorted(os.listdir(init_dir)):
            done = subprocess.run(["bash", os.path.join(init_dir, script)],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                  env=env, timeout=300)
            self.assertEqual(done.returncode, 0, done.stdout)
        tables = {}
        for db in DATABASES:
            with open(host_path(self.services["walcast"],
                                f"/etc/walcast/compose/mosip_{db}_connector.json")) as f:
                config = json.load(f)["config"]
            tables[config["database.dbname"]] = config["table.include.list"].split(",")
        # The init script made every database and table the connectors capture.
        for db, names in tables.items():
            for table in names:
                self.assertEqual(self.sql(db, f"SELECT to_regclass('{table}') IS NOT NULL"),
                                 "t", table)
        self.assertEqual(self.sql("mosip_idrepo", "SELECT count(*) FROM idrepo.anonymous_profile"),
                         "3")
        # Master data before walcast, then the rest: every table has rows.
        self.run_service("mosip-master-data")
        self.assertGreater(int(self.sql("mosip_master", "SELECT count(*) FROM master.doc_type")), 0)
        self.assertEqual(self.sql("mosip_ida", "SELECT count(*) FROM ida.auth_transaction"), "0")
        self.run_service("mosip-data")
        for db, names in tables.items():
            for table in names:
                with self.subTest(table=table):
                    self.assertGreater(int(self.sql(db, f"SELECT count(*) FROM {table}")), 0)



def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--walcast", required=True)
    parser.add_argument("--venv", required=True)
    parser.add_argument("--in-venv", action="store_true")
    ARGS, rest = parser.parse_known_args()
    if not ARGS.in_venv:
        bootstrap(ARGS.venv)
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
