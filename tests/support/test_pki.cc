#include "tests/support/test_pki.h"

#include <unistd.h>

#include <chrono>
#include <fstream>

#include "tests/support/process.h"

namespace walcast::testing {
namespace {

// Runs `command` in `dir`; false with its output in *error on failure.
bool Run(const std::string& dir, const std::string& command, std::string* error) {
  std::string out;
  const int rc = RunCommand("cd " + ShellQuote(dir) + " && (" + command + ") 2>&1", &out);
  if (rc != 0) *error = command + " failed (exit " + std::to_string(rc) + "): " + out;
  return rc == 0;
}

}  // namespace

bool TestPki::Make(const std::string& dir, const std::string& client_role, TestPki* out,
                   std::string* error) {
  std::string ignored;
  RunCommand("mkdir -p " + ShellQuote(dir), &ignored);
  const std::string days = " -days 2";
  // Certificates signed by the CA carry the extensions of an ext file: a
  // server needs its names in subjectAltName for verify-full.
  {
    std::ofstream ext(dir + "/server.ext");
    ext << "subjectAltName=DNS:localhost,IP:127.0.0.1\nkeyUsage=digitalSignature,keyEncipherment\n"
           "extendedKeyUsage=serverAuth\n";
    std::ofstream client_ext(dir + "/client.ext");
    client_ext << "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n";
  }
  const std::string passphrase = "client-key-passphrase";
  const std::string steps[] = {
      "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -subj "
      "'/CN=walcast test CA'" + days,
      "openssl req -x509 -newkey rsa:2048 -nodes -keyout wrong_ca.key -out wrong_ca.crt -subj "
      "'/CN=walcast unrelated CA'" + days,
      "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj '/CN=localhost'",
      "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt "
      "-extfile server.ext" + days,
      "openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj " +
          ShellQuote("/CN=" + client_role),
      "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt "
      "-extfile client.ext" + days,
      "openssl pkey -in client.key -aes256 -passout pass:" + passphrase +
          " -out client_encrypted.key",
      // libpq refuses a client key that others can read.
      "chmod 0600 client.key client_encrypted.key",
  };
  for (const std::string& step : steps) {
    if (!Run(dir, step, error)) return false;
  }
  out->dir = dir;
  out->ca_cert = dir + "/ca.crt";
  out->server_cert = dir + "/server.crt";
  out->server_key = dir + "/server.key";
  out->client_cert = dir + "/client.crt";
  out->client_key = dir + "/client.key";
  out->client_key_encrypted = dir + "/client_encrypted.key";
  out->client_key_passphrase = passphrase;
  out->wrong_ca_cert = dir + "/wrong_ca.crt";
  return true;
}

bool EnableServerTls(PostgresCluster* pg, const TestPki& pki, const std::string& hba,
                     std::string* error) {
  const std::string data = pg->dir() + "/data";
  // The server reads its key only when the server's user owns it with mode
  // 0600; copies inside the data directory get both.
  const std::string owner = getuid() == 0 ? "chown postgres:postgres " : "true ";
  const std::string files = ShellQuote(data + "/server.crt") + " " +
                            ShellQuote(data + "/server.key") + " " + ShellQuote(data + "/ca.crt");
  if (!Run(pki.dir,
           "cp server.crt server.key ca.crt " + ShellQuote(data) + " && chmod 0600 " +
               ShellQuote(data + "/server.key") + " && " + owner + files,
           error)) {
    return false;
  }
  {
    std::ofstream f(data + "/pg_hba.conf", std::ios::trunc);
    f << "local all all trust\n" << hba;
    if (!f) {
      *error = "cannot write " + data + "/pg_hba.conf";
      return false;
    }
  }
  pg->Psql(
      "ALTER SYSTEM SET ssl = on; ALTER SYSTEM SET ssl_cert_file = 'server.crt';"
      "ALTER SYSTEM SET ssl_key_file = 'server.key'; ALTER SYSTEM SET ssl_ca_file = 'ca.crt';"
      "ALTER SYSTEM SET password_encryption = 'scram-sha-256'; SELECT pg_reload_conf();");
  // A reload that fails keeps the old settings and only logs; ask the server.
  std::string out;
  if (PollUntil(
          [&] {
            out = pg->Psql("SELECT current_setting('ssl') || ' ' || "
                           "(SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL)");
            return out == "on 0";
          },
          std::chrono::seconds(10))) {
    return true;
  }
  *error = "the server did not turn on TLS (ssl, bad pg_hba.conf rules): " + out + "\n" +
           ReadFile(pg->dir() + "/server.log");
  return false;
}

}  // namespace walcast::testing
