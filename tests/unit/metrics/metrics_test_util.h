#pragma once

// Helpers for the metrics tests: MOSIP-shaped relations and change events,
// profile JSON written from a few fields, and a temporary directory.

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "core/event.h"
#include "metrics/codec.h"
#include "metrics/engine.h"

namespace walcast::metrics::testing {

// A fresh directory under TMPDIR, removed with the object.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    const char* base = std::getenv("TMPDIR");
    path_ =
        std::filesystem::path(base != nullptr ? base : "/tmp") /
        ("walcast-metrics-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path() const { return path_.string(); }
  std::string Sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline std::shared_ptr<const Relation> MakeRelation(uint32_t oid, std::string schema,
                                                    std::string name,
                                                    std::vector<std::string> columns,
                                                    std::vector<size_t> key = {0}) {
  auto r = std::make_shared<Relation>();
  r->oid = oid;
  r->schema = std::move(schema);
  r->name = std::move(name);
  for (std::string& c : columns) {
    Column col;
    col.name = std::move(c);
    r->columns.push_back(std::move(col));
  }
  for (size_t k : key) r->columns[k].is_key = true;
  r->primary_key = std::move(key);
  return r;
}

// MOSIP's tables (sql/mosip/), columns in their DDL order.
inline std::shared_ptr<const Relation> IdrepoRelation() {
  static const auto r = MakeRelation(
      16401, "idrepo", "anonymous_profile",
      {"id", "profile", "cr_by", "cr_dtimes", "upd_by", "upd_dtimes", "is_deleted", "del_dtimes"});
  return r;
}
inline std::shared_ptr<const Relation> RegprcRelation() {
  static const auto r = MakeRelation(16402, "regprc", "anonymous_profile",
                                     {"id", "process_stage", "profile", "cr_by", "cr_dtimes",
                                      "upd_by", "upd_dtimes", "is_deleted", "del_dtimes"});
  return r;
}
inline std::shared_ptr<const Relation> ChannelInfoRelation() {
  static const auto r =
      MakeRelation(16403, "idrepo", "channel_info",
                   {"hashed_channel", "channel_type", "no_of_records", "cr_by", "cr_dtimes",
                    "upd_by", "upd_dtimes", "is_deleted", "del_dtimes"});
  return r;
}

// A tuple from column -> text; columns not named are NULL. The value
// "<toast>" stands for an unchanged TOASTed value.
inline Tuple MakeTuple(const Relation& r, const std::map<std::string, std::string>& values) {
  Tuple t;
  for (const Column& c : r.columns) {
    const auto it = values.find(c.name);
    if (it == values.end()) {
      t.push_back(Datum::Null());
    } else if (it->second == "<toast>") {
      t.push_back(Datum::UnchangedToast());
    } else {
      t.push_back(Datum::Text(it->second));
    }
  }
  return t;
}

inline ChangeEvent Row(Op op, const std::shared_ptr<const Relation>& r,
                       const std::map<std::string, std::string>& values, uint64_t lsn = 0x100) {
  ChangeEvent e;
  e.op = op;
  e.lsn = Lsn(lsn);
  e.relation = r;
  if (op == Op::kDelete) {
    e.before = MakeTuple(*r, values);
    e.before_is_key_only = true;
  } else {
    e.after = MakeTuple(*r, values);
  }
  return e;
}

// One identity snapshot of an idrepo or Annexure profile.
struct Person {
  std::string yob = "\"1988\"";  // JSON text: "\"1988\"", "1988", "null"
  std::string gender = "Female";
  std::vector<std::string> location = {"Zone-North", "10101"};
  std::vector<std::string> languages = {"eng"};
  std::vector<std::string> channels = {"PHONE"};
  std::vector<std::pair<std::string, std::string>> hashed;  // Annexure: (hash, name)
  std::vector<std::pair<std::string, std::string>> exceptions;
  std::vector<std::string> verified;
  std::vector<std::string> documents = {"DOC001"};
};

inline std::string JsonList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ",\"" : "\"") + items[i] + "\"";
  return out + "]";
}

// idrepo's AnonymousProfile, or Annexure A's <profile> when `annexure`.
inline std::string PersonJson(const Person& p, bool annexure = false) {
  std::string j = "{\"yearOfBirth\":" + p.yob + ",\"gender\":\"" + p.gender +
                  "\",\"location\":" + JsonList(p.location);
  if (annexure) {
    j += ",\"preferredLanguages\":" + JsonList(p.languages) + ",\"channel\":[";
    for (size_t i = 0; i < p.hashed.size(); ++i) {
      j += (i ? "," : "") + std::string("{\"hashedchannel\":\"") + p.hashed[i].first +
           "\",\"name\":\"" + p.hashed[i].second + "\"}";
    }
    j += "],\"exceptions\":[";
    for (size_t i = 0; i < p.exceptions.size(); ++i) {
      j += (i ? ",\"" : "\"") + p.exceptions[i].first + "\"";
    }
    j += "]";
  } else {
    j += ",\"preferredLanguage\":" +
         (p.languages.empty() ? std::string("null") : "\"" + p.languages[0] + "\"") +
         ",\"channel\":" + JsonList(p.channels) + ",\"exceptions\":[";
    for (size_t i = 0; i < p.exceptions.size(); ++i) {
      j += (i ? "," : "") + std::string("{\"type\":\"") + p.exceptions[i].first +
           "\",\"subType\":\"" + p.exceptions[i].second + "\"}";
    }
    j += "],\"biometricInfo\":[]";
  }
  j += ",\"verified\":" + JsonList(p.verified) + ",\"documents\":" + JsonList(p.documents) + "}";
  return j;
}

inline std::string IdrepoProfile(const std::string& process, const std::string& date,
                                 const std::optional<Person>& old_side,
                                 const std::optional<Person>& new_side) {
  return "{\"processName\":\"" + process +
         "\",\"date\":" + (date.empty() ? std::string("null") : "\"" + date + "\"") +
         ",\"oldProfile\":" + (old_side ? PersonJson(*old_side) : std::string("null")) +
         ",\"newProfile\":" + (new_side ? PersonJson(*new_side) : std::string("null")) + "}";
}

inline std::string AnnexureProfile(const std::string& process,
                                   const std::optional<Person>& old_side, const Person& new_side) {
  return "{\"processName\":\"" + process +
         "\",\"old\":" + (old_side ? PersonJson(*old_side, true) : std::string("null")) +
         ",\"new\":" + PersonJson(new_side, true) + "}";
}

// A full regprc profile (anonymous-profile.md §3.3's shape).
struct Registration {
  std::string process = "NEW";
  std::string stage = "PrintingStage";
  std::string status = "PROCESSED";
  std::string date = "2025-03-14T09:12:44.120Z";
  int yob = 1988;
  std::string gender = "Female";
  std::vector<std::string> location = {"Zone-North", "10101"};
  std::string biometrics =
      "[{\"type\":\"FINGER\",\"subType\":\"Right IndexFinger\",\"qualityScore\":78,"
      "\"attempts\":\"2\",\"digitalId\":null},{\"type\":\"FINGER\",\"subType\":\"Left "
      "Thumb\",\"qualityScore\":81,\"attempts\":\"1\",\"digitalId\":null},{\"type\":\"FACE\","
      "\"subType\":null,\"qualityScore\":90,\"attempts\":\"1\",\"digitalId\":null}]";
};

inline std::string RegprcProfile(const Registration& r) {
  return "{\"processName\":\"" + r.process + "\",\"processStage\":\"" + r.stage + "\",\"date\":\"" +
         r.date + "\",\"yearOfBirth\":" + std::to_string(r.yob) + ",\"gender\":\"" + r.gender +
         "\",\"location\":" + JsonList(r.location) +
         ",\"preferredLanguages\":[\"eng\"],\"channel\":[\"email\",\"phone\"],"
         "\"exceptions\":[],\"verified\":null,\"biometricInfo\":" +
         r.biometrics +
         ",\"documents\":[\"DOC001\"],\"assisted\":[\"110045\"],"
         "\"enrollmentCenterId\":\"10005\",\"status\":\"" +
         r.status + "\"}";
}

// Commits and reads one metric's aggregates: "v1|v2[@bucket]" -> count (or
// sum), leaving out those at 0 (what a SQL GROUP BY over the table returns).
inline std::map<std::string, int64_t> CommittedCounts(MetricsEngine& engine,
                                                      const std::string& metric,
                                                      bool sums = false) {
  EXPECT_TRUE(engine.Commit().ok());
  Result<std::vector<AggregateValue>> all = engine.ReadAggregates(metric);
  EXPECT_TRUE(all.ok()) << all.status().ToString();
  std::map<std::string, int64_t> out;
  if (!all.ok()) return out;
  for (const AggregateValue& v : *all) {
    if (v.count == 0 && v.sum == 0) continue;
    std::string key;
    for (const auto& [name, value] : v.key.keys) key += (key.empty() ? "" : "|") + value;
    if (v.key.bucket) key += "@" + FormatDays(*v.key.bucket);
    out[key] = sums ? v.sum : v.count;
  }
  return out;
}

}  // namespace walcast::metrics::testing
