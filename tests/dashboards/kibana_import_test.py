"""Tests scripts/kibana-import.sh against a fake Kibana (http.server on
loopback) that records each request and checks it the way Kibana's
saved-objects import does: POST, kbn-xsrf, multipart/form-data with a
`file` part named *.ndjson."""

import base64
import email.parser
import email.policy
import http.server
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCRIPT = os.path.join(ROOT, "scripts", "kibana-import.sh")
MOSIP = os.path.join(ROOT, "tests", "data", "mosip_dashboards")
WALCAST = os.path.join(ROOT, "docker", "kibana", "walcast-metrics.ndjson")


class FakeKibana(http.server.ThreadingHTTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests = []
        self.answer = None  # (status, body) to force; None: a success

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        request = {"method": "POST", "path": self.path, "headers": dict(self.headers),
                   "body": body}
        self.server.requests.append(request)
        if self.server.answer:
            status, answer = self.server.answer
        elif "kbn-xsrf" not in {k.lower() for k in self.headers}:
            status, answer = 400, {"message": "Request must contain a kbn-xsrf header."}
        else:
            part = file_part(request)
            if part is None or not part[0].endswith(".ndjson"):
                status, answer = 415, {"message": "Unsupported Media Type"}
            else:
                count = sum(1 for line in part[1].splitlines()
                            if line.strip() and "exportedCount" not in line)
                status, answer = 200, {"success": True, "successCount": count}
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()


def file_part(request):
    """(filename, text) of the multipart body's `file` part, or None."""
    content_type = request["headers"].get("Content-Type", "")
    if not content_type.startswith("multipart/form-data; boundary="):
        return None
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + request["body"])
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "file":
            return part.get_filename(), part.get_payload(decode=True).decode()
    return None


class KibanaImportTest(unittest.TestCase):
    def setUp(self):
        self.kibana = FakeKibana()
        thread = threading.Thread(target=self.kibana.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(self.kibana.server_close)
        self.addCleanup(self.kibana.shutdown)

    def run_script(self, *args, env=None):
        full_env = {k: v for k, v in os.environ.items()
                    if k not in ("KIBANA_URL", "KIBANA_PASSWORD", "KIBANA_API_KEY")}
        full_env.update(env or {})
        return subprocess.run([SCRIPT, *args], capture_output=True, text=True, env=full_env,
                              timeout=60)

    def test_imports_walcast_dashboards_with_prefix_space_and_credentials(self):
        r = self.run_script("--url", self.kibana.url + "/", "--space", "ops", "--user", "elastic",
                            "--prefix", "prod_x", env={"KIBANA_PASSWORD": "s3cr\"et"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.kibana.requests), 1)
        request = self.kibana.requests[0]
        self.assertEqual(request["method"], "POST")
        self.assertEqual(request["path"], "/s/ops/api/saved_objects/_import?overwrite=true")
        headers = {k.lower(): v for k, v in request["headers"].items()}
        self.assertEqual(headers["kbn-xsrf"], "true")
        self.assertEqual(headers["authorization"],
                         "Basic " + base64.b64encode(b'elastic:s3cr"et').decode())
        name, text = file_part(request)
        self.assertEqual(name, "walcast-metrics.ndjson")
        with open(WALCAST) as f:
            original = f.read()
        self.assertEqual(text, original.replace('"mosip.metrics.anon_profile*"',
                                                '"prod_x.metrics.anon_profile*"'))
        self.assertIn('"title":"prod_x.metrics.anon_profile*"', text)
        objects = len(original.splitlines())
        self.assertIn(f"imported walcast-metrics.ndjson: {objects} objects", r.stdout)
        # The password is never on a command line or in the output.
        self.assertNotIn("s3cr", r.stdout + r.stderr)

    def test_imports_mosip_directory_in_order_with_the_placeholder_replaced(self):
        r = self.run_script("--url", self.kibana.url, "--mosip", MOSIP, "--prefix", "mosip")
        self.assertEqual(r.returncode, 0, r.stderr)
        names = [file_part(q)[0] for q in self.kibana.requests]
        expected = sorted(n for n in os.listdir(MOSIP) if n.endswith("json"))
        self.assertEqual(len(names), 9)
        # 10.ida.njson goes as .ndjson: Kibana refuses other extensions.
        self.assertEqual(names, [os.path.splitext(n)[0] + ".ndjson" for n in expected])
        for q in self.kibana.requests:
            self.assertEqual(q["path"], "/api/saved_objects/_import?overwrite=true")
            self.assertNotIn("authorization", {k.lower() for k in q["headers"]})
            self.assertNotIn("___DB_PREFIX_INDEX___", file_part(q)[1])
        self.assertIn("mosip.idrepo.anonymous_profile*", file_part(self.kibana.requests[0])[1])

    def test_api_key_header(self):
        r = self.run_script("--url", self.kibana.url, "--walcast", env={"KIBANA_API_KEY": "abc=="})
        self.assertEqual(r.returncode, 0, r.stderr)
        headers = {k.lower(): v for k, v in self.kibana.requests[0]["headers"].items()}
        self.assertEqual(headers["authorization"], "ApiKey abc==")

    def test_refused_objects_fail_with_kibanas_answer(self):
        self.kibana.answer = (200, {"success": False, "successCount": 0,
                                    "errors": [{"id": "x", "error": {"type": "conflict"}}]})
        r = self.run_script("--url", self.kibana.url)
        self.assertEqual(r.returncode, 1)
        self.assertIn("conflict", r.stderr)
        self.kibana.answer = (401, {"statusCode": 401, "message": "Unauthorized"})
        r = self.run_script("--url", self.kibana.url)
        self.assertEqual(r.returncode, 1)
        self.assertIn("HTTP 401", r.stderr)

    def test_unreachable_kibana_is_a_clear_error(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        # Nothing listens on the port once the socket is closed.
        r = self.run_script("--url", f"http://127.0.0.1:{port}")
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"cannot reach Kibana at http://127.0.0.1:{port}", r.stderr)

    def test_bad_arguments(self):
        for args, env, message in [
            (["--prefix", "Upper"], None, "--prefix must match"),
            (["--url", "localhost:5601"], None, "--url must be"),
            (["--user", "u"], None, "KIBANA_PASSWORD"),
            (["--mosip", "/nonexistent"], None, "not a directory"),
            (["--space", "a/b"], None, "--space"),
            (["--bogus"], None, "unknown argument"),
        ]:
            r = self.run_script("--url" if args[0] != "--url" else args[0],
                                self.kibana.url if args[0] != "--url" else args[1],
                                *(args if args[0] != "--url" else args[2:]), env=env)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn(message, r.stderr, args)
        self.assertEqual(self.kibana.requests, [])

    def test_empty_mosip_directory(self):
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        r = self.run_script("--url", self.kibana.url, "--mosip", d)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no *.ndjson", r.stderr)

    def test_help(self):
        r = self.run_script("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("--prefix", r.stdout)
        self.assertIn("saved_objects/_import", r.stdout)


if __name__ == "__main__":
    unittest.main()
