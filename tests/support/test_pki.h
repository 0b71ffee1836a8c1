#pragma once

#include <string>

#include "tests/support/postgres_cluster.h"

namespace walcast::testing {

// A throwaway certificate authority made with the openssl CLI for TLS
// tests: a CA, a server certificate it signs for CN=localhost with the
// subject alternative names DNS:localhost and IP:127.0.0.1, a client
// certificate for one role (CN = the role name, as PostgreSQL's `cert`
// authentication requires) with its key also kept encrypted under a
// passphrase, and a second, unrelated CA that signs nothing. Files live in
// `dir` (created) and stay until the caller removes it.
struct TestPki {
  std::string dir;
  std::string ca_cert;
  std::string server_cert;
  std::string server_key;
  std::string client_cert;
  std::string client_key;            // unencrypted, mode 0600
  std::string client_key_encrypted;  // the same key under `client_key_passphrase`
  std::string client_key_passphrase;
  std::string wrong_ca_cert;

  // Makes every file; on failure returns false and fills *error with
  // openssl's output.
  static bool Make(const std::string& dir, const std::string& client_role, TestPki* out,
                   std::string* error);
};

// Turns on TLS in a running cluster (ssl=on with the PKI's server
// certificate, and its CA for client certificates), replaces pg_hba.conf
// with `hba` (local connections stay trusted) and reloads. False with the
// reason in *error when the server refuses the configuration.
bool EnableServerTls(PostgresCluster* pg, const TestPki& pki, const std::string& hba,
                     std::string* error);

}  // namespace walcast::testing
