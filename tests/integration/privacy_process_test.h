#pragma once

// The PII canaries and the GDPR rules the privacy integration tests share
// (docs/privacy.md): three randomuser.me-shaped profiles whose personal
// values are unusual enough to be searched for anywhere walcast writes.

#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/encoding.h"
#include "tests/support/walcast_process_test.h"

namespace walcast::testing {

// One subject's profile and the values that must never leave in clear.
struct Person {
  int id;
  std::string uuid;
  std::string first, last, email, phone, cell, street, city, postcode, password;
};

inline const std::vector<Person>& People() {
  static const std::vector<Person> kPeople = {
      {1, "uuid-zebulon", "Zebulonqa", "Quixotrel", "Zeb.Quix@Canary-Mail.example",
       "+44-7700-900123", "077-009-00456", "Xylophone Crescent", "Wobbleton", "ZX9 9QQ",
       "pw-Marzipan-77"},
      {2, "uuid-ottilie", "Ottiliewq", "O\"Brannigal", "ottilie.obr@canary-mail.example",
       "(555) 014-2299", "555-014-8811", "Jacaranda \\ Mews", "Plumbridgeford", "QP-40417",
       "pw-Tangelo-12"},
      {3, "uuid-raffaele", "Raffaelezz", "Ñandúvela", "raf.nand@canary-mail.example",
       "0039-06-5551234", "0039-347-5559876", "Via Quercianella", "Borgomarzio", "RM-5309X",
       "pw-Cardamom-31"},
  };
  return kPeople;
}

inline std::string JsonEscape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

inline std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The canaries of one person: every personal value the rules protect.
inline std::vector<std::string> Canaries(const Person& p) {
  return {p.first,  p.last, p.email,    p.phone,    p.cell,
          p.street, p.city, p.postcode, p.password, p.uuid};
}

inline std::string ProfileJson(const Person& p) {
  return R"({"gender":"female","name":{"title":"Ms","first":")" + JsonEscape(p.first) +
         R"(","last":")" + JsonEscape(p.last) + R"("},"location":{"street":{"number":4242,)" +
         R"("name":")" + JsonEscape(p.street) + R"("},"city":")" + JsonEscape(p.city) +
         R"(","state":"Somestate","country":"Norway","postcode":")" + JsonEscape(p.postcode) +
         R"(","coordinates":{"latitude":"-12.34","longitude":"56.78"}},"email":")" +
         JsonEscape(p.email) + R"(","login":{"uuid":")" + p.uuid + R"(","password":")" +
         JsonEscape(p.password) + R"("},"dob":{"date":"1984-02-29T23:30:00.000-02:00","age":40},)" +
         R"("phone":")" + JsonEscape(p.phone) + R"(","cell":")" + JsonEscape(p.cell) +
         R"(","nat":"NO"})";
}

inline std::string SqlQuote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

// A WalcastProcessTest whose configuration carries the GDPR privacy rules
// over a table t(id, email, profile) of randomuser.me-shaped profiles, with
// a key file and subjects by login.uuid; sinks are the subclass's.
class PrivacyProcessTest : public WalcastProcessTest {
 protected:
  void SetUp() override {
    WalcastProcessTest::SetUp();
    if (HasFatalFailure()) return;
    std::string key;
    AppendBase64(std::string("0123456789abcdef0123456789ABCDEF"), &key);
    std::ofstream(dir_ + "/privacy.keys") << "current=k1\nk1=" << key << "\n";
    WriteConfig({});
  }

  std::map<std::string, std::string> BaseConfig() const override {
    std::map<std::string, std::string> kv = WalcastProcessTest::BaseConfig();
    kv["topic.prefix"] = db_;
    kv["privacy.keys.file"] = dir_ + "/privacy.keys";
    kv["privacy.subject.public.t"] = "profile:login.uuid";
    kv["privacy.rules"] = "fullname,address,pii,parts,dob,age,mail";
    auto rule = [&](const std::string& name, std::map<std::string, std::string> settings) {
      settings["table"] = "public.t";
      if (settings.count("column") == 0) settings["column"] = "profile";
      for (const auto& [k, v] : settings) kv["privacy.rule." + name + "." + k] = v;
    };
    rule("fullname", {{"op", "concat"}, {"from", "name.first,name.last"}, {"to", "name.full"}});
    rule("address", {{"op", "concat"},
                     {"from",
                      "location.street.number,location.street.name,location.city,"
                      "location.state,location.postcode,location.country"},
                     {"separator", "|"},
                     {"to", "location.full"}});
    rule("pii", {{"op", "encrypt"}, {"paths", "name.full,location.full,email,phone,cell"}});
    rule("parts", {{"op", "drop"},
                   {"paths",
                    "name.first,name.last,location.street,location.city,location.state,"
                    "location.postcode,location.coordinates,login"}});
    rule("dob", {{"op", "date"}, {"path", "dob.date"}});
    rule("age", {{"op", "drop"}, {"path", "dob.age"}, {"derived.from", "dob.date"}});
    rule("mail", {{"column", "email"}, {"op", "encrypt"}});
    return kv;
  }

  // Runs walcast ("walcast") while every person is inserted, one
  // transaction each, until it has confirmed them; then stops it.
  void StreamEveryone() {
    auto walcast = Start("walcast");
    ASSERT_TRUE(WaitForLog("walcast", "streaming started", walcast.get())) << Log("walcast");
    for (const Person& p : People()) Insert(p);
    ASSERT_TRUE(WaitConfirmed(walcast.get(), std::chrono::seconds(60)));
    walcast->Signal(SIGTERM);
    ASSERT_EQ(walcast->Wait(std::chrono::seconds(30)), 0) << Log("walcast");
  }

  void Insert(const Person& p) {
    Sql("INSERT INTO t VALUES (" + std::to_string(p.id) + ", " + SqlQuote(p.email) + ", " +
        SqlQuote(ProfileJson(p)) +
        ") ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, "
        "profile = EXCLUDED.profile");
  }

  // Runs `walcast privacy decrypt` on `record`; returns the exit code.
  int Decrypt(const std::string& record, std::string* out, std::string* err) {
    const std::string path = dir_ + "/record.json";
    std::ofstream(path) << record;
    return RunToEnd({"privacy", "decrypt", "--input", path}, out, err);
  }

  // Every place a canary could leak to besides the sinks' servers: stdout
  // records and the log of every walcast run, and every file under
  // state.dir.
  std::vector<std::pair<std::string, std::string>> LocalArtifacts() {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_)) {
      if (!entry.is_regular_file()) continue;
      const std::string path = entry.path().string();
      const std::string name = entry.path().filename().string();
      const bool log =
          name.rfind("walcast", 0) == 0 && (name.ends_with(".err") || name.ends_with(".out"));
      const bool state = path.find("/state/") != std::string::npos;
      if (log || state) out.emplace_back(path, ReadFile(path));
    }
    return out;
  }

  // Fails for each canary of each person in `text`, as written, lower-cased
  // and JSON-escaped once or twice (a JSON column inside a record).
  void ExpectNoCanary(const std::string& where, const std::string& text) {
    for (const Person& p : People()) {
      for (const std::string& c : Canaries(p)) {
        for (const std::string& form : {c, Lower(c), JsonEscape(c), JsonEscape(JsonEscape(c))}) {
          EXPECT_EQ(text.find(form), std::string::npos) << "'" << form << "' leaked into " << where;
        }
      }
    }
  }
};

}  // namespace walcast::testing
