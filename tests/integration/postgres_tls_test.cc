// TLS and authentication to PostgreSQL, end to end: the walcast binary
// against a throwaway PostgreSQL 15 with ssl=on, a certificate authority made
// in the test (tests/support/test_pki.h) and a pg_hba.conf that only takes
// TLS connections: SCRAM-SHA-256 passwords for one role, client certificates
// (`cert`) for another. Since no plain TCP line is left, every connection
// walcast opens (replication, catalog and slot SQL) must use TLS to work.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <string>

#include "tests/support/postgres_cluster.h"
#include "tests/support/process.h"
#include "tests/support/test_pki.h"
#include "tests/support/walcast_process_test.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kCertRole[] = "walcast_tls_cert";
constexpr char kScramRole[] = "walcast_tls_scram";
constexpr char kScramPassword[] = "Scram-Pw-7f3a91";

class PostgresTlsTest : public WalcastProcessTest {
 protected:
  void SetUp() override {
    WalcastProcessTest::SetUp();
    ASSERT_NE(pg_, nullptr);
    // The server's TLS is set up once per binary (the cluster is too); the
    // certificates live in the cluster's directory and go with it.
    static const std::string setup_error = [this] {
      std::string error;
      if (!TestPki::Make(pg_->dir() + "/pki", kCertRole, &Pki(), &error)) return error;
      pg_->Psql(std::string("CREATE ROLE ") + kScramRole + " LOGIN SUPERUSER PASSWORD '" +
                kScramPassword + "'; CREATE ROLE " + kCertRole + " LOGIN SUPERUSER;");
      const std::string hba =
          std::string("hostssl all ") + kCertRole + " 127.0.0.1/32 cert\n" +
          "hostssl replication " + kCertRole + " 127.0.0.1/32 cert\n" +
          "hostssl all all 127.0.0.1/32 scram-sha-256\n" +
          "hostssl replication all 127.0.0.1/32 scram-sha-256\n";
      if (!EnableServerTls(pg_, Pki(), hba, &error)) return error;
      return std::string();
    }();
    ASSERT_EQ(setup_error, "") << "TLS set-up failed";
    Sql("CREATE TABLE t(id int PRIMARY KEY, v text)");
  }

  static TestPki& Pki() {
    static TestPki pki;
    return pki;
  }

  // Streams two inserted rows through `walcast run`, then checks that every
  // server session of `role` uses TLS while it runs, and stops it cleanly.
  void ExpectStreamsOverTls(const std::string& role) {
    auto p = Start("run");
    ASSERT_TRUE(WaitForLog("run", "streaming started", p.get())) << Log("run");
    Sql("INSERT INTO t VALUES (1, 'a'); INSERT INTO t VALUES (2, 'b');");
    ASSERT_TRUE(PollUntil([&] { return ReadLines(dir_ + "/run.out").size() == 2; }, 30s))
        << Log("run");
    // The walsender and the SQL sessions walcast keeps open.
    const std::string sessions = "FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE "
                                 "a.usename = '" + role + "' AND a.datname = '" + db_ + "'";
    EXPECT_EQ(pg_->Psql("SELECT count(*) " + sessions + " AND NOT s.ssl"), "0");
    EXPECT_EQ(pg_->Psql("SELECT count(*) " + sessions +
                        " AND s.ssl AND s.version LIKE 'TLS%' AND a.backend_type = 'walsender'"),
              "1");
    p->Signal(SIGTERM);
    EXPECT_EQ(p->Wait(30s), 0) << Log("run");
    const auto lines = ReadLines(dir_ + "/run.out");
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_NE(lines[0].find("\"id\":1"), std::string::npos) << lines[0];
  }
};

TEST_F(PostgresTlsTest, ScramPasswordOverVerifyFullStreams) {
  EXPECT_EQ(pg_->Psql(std::string("SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid "
                                  "WHERE rolname = '") + kScramRole + "'"),
            "t");
  WriteConfig({{"database.user", kScramRole},
               {"database.password", kScramPassword},
               {"database.sslmode", "verify-full"},
               {"database.sslrootcert", Pki().ca_cert}});
  ExpectStreamsOverTls(kScramRole);
  // walcast status reads the slot over TLS too, and prints no secret.
  std::string out, err;
  EXPECT_EQ(RunToEnd({"status"}, &out, &err), 0) << err;
  EXPECT_NE(out.find(db_), std::string::npos) << out;
  EXPECT_EQ((out + err + Log("run")).find(kScramPassword), std::string::npos);
}

TEST_F(PostgresTlsTest, ClientCertificateOnlyRoleStreams) {
  WriteConfig({{"database.user", kCertRole},
               {"database.sslmode", "verify-full"},
               {"database.sslrootcert", Pki().ca_cert},
               {"database.sslcert", Pki().client_cert},
               {"database.sslkey", Pki().client_key}});
  ExpectStreamsOverTls(kCertRole);
}

TEST_F(PostgresTlsTest, EncryptedClientKeyIsUnlockedWithSslPassword) {
  WriteConfig({{"database.user", kCertRole},
               {"database.sslmode", "verify-full"},
               {"database.sslrootcert", Pki().ca_cert},
               {"database.sslcert", Pki().client_cert},
               {"database.sslkey", Pki().client_key_encrypted},
               {"database.sslpassword", Pki().client_key_passphrase}});
  std::string out, err;
  EXPECT_EQ(RunToEnd({"--set", "snapshot.mode=initial_only", "run"}, &out, &err), 0) << err;
  EXPECT_EQ((out + err).find(Pki().client_key_passphrase), std::string::npos);

  // A wrong passphrase: one clear line, no retrying, no passphrase in it.
  WriteConfig({{"database.user", kCertRole},
               {"database.sslmode", "verify-full"},
               {"database.sslrootcert", Pki().ca_cert},
               {"database.sslcert", Pki().client_cert},
               {"database.sslkey", Pki().client_key_encrypted},
               {"database.sslpassword", "not-the-passphrase"}});
  EXPECT_EQ(RunToEnd({"run"}, &out, &err), 2) << err;
  EXPECT_NE(err.find("private key file"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_EQ((out + err).find("not-the-passphrase"), std::string::npos) << err;
}

TEST_F(PostgresTlsTest, VerifyFullAgainstAnotherCaIsOneClearError) {
  WriteConfig({{"database.user", kScramRole},
               {"database.password", kScramPassword},
               {"database.sslmode", "verify-full"},
               {"database.sslrootcert", Pki().wrong_ca_cert}});
  std::string out, err;
  EXPECT_EQ(RunToEnd({"run"}, &out, &err), 2) << err;
  EXPECT_NE(err.find("certificate verify failed"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_EQ((out + err).find(kScramPassword), std::string::npos) << err;
}

TEST_F(PostgresTlsTest, VerifyFullRefusesAHostNameTheCertificateDoesNotName) {
  // The IPv4-mapped IPv6 address reaches the server on 127.0.0.1, but it is
  // neither of the certificate's names (localhost, 127.0.0.1): verify-ca
  // accepts, verify-full refuses.
  WriteConfig({{"database.hostname", "::ffff:127.0.0.1"},
               {"database.user", kScramRole},
               {"database.password", kScramPassword},
               {"database.sslmode", "verify-ca"},
               {"database.sslrootcert", Pki().ca_cert}});
  std::string out, err;
  EXPECT_EQ(RunToEnd({"--set", "snapshot.mode=initial_only", "run"}, &out, &err), 0) << err;
  EXPECT_EQ(RunToEnd({"--set", "database.sslmode=verify-full", "run"}, &out, &err), 2) << err;
  EXPECT_NE(err.find("does not match host name"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}

TEST_F(PostgresTlsTest, WrongPasswordIsOneClearErrorWithoutThePassword) {
  const std::string wrong = "Wrong-Pw-19c2e7";
  WriteConfig({{"database.user", kScramRole},
               {"database.password", wrong},
               {"database.sslmode", "verify-full"},
               {"database.sslrootcert", Pki().ca_cert}});
  std::string out, err;
  EXPECT_EQ(RunToEnd({"run"}, &out, &err), 2) << err;
  EXPECT_NE(err.find("password authentication failed"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_EQ((out + err).find(wrong), std::string::npos) << err;
}

TEST_F(PostgresTlsTest, SslModeDisableIsRefusedByAServerThatOnlyTakesTls) {
  WriteConfig({{"database.user", kScramRole},
               {"database.password", kScramPassword},
               {"database.sslmode", "disable"}});
  std::string out, err;
  EXPECT_EQ(RunToEnd({"run"}, &out, &err), 2) << err;
  EXPECT_NE(err.find("no pg_hba.conf entry"), std::string::npos) << err;
}

}  // namespace
}  // namespace walcast::testing
