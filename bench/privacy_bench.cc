// Privacy throughput on one core: AES-256-GCM sealing of a 32-byte value
// (an email) and of a 1 KiB value, HMAC-SHA-256 of the same, and the whole
// GDPR rule set (concat, encrypt 5 paths, drop, date) on a randomuser.me
// profile, against parsing and re-serialising the same profile (the floor
// any JSON path rule pays) in the same run.
//
//   cmake --build build --target bench_privacy && build/bench/bench_privacy [NAME]
//
// NAME: run only the benchmarks whose name contains it (for perf record).
//
// Then the same rules with one data key per subject (login.uuid, kept in a
// SubjectKeyStore in a temporary directory, made durable every 8,192 rows
// as the pipeline does): every row a new subject (the worst case), and
// 100,000 rows over 20,000 subjects (updates of known users). Figures in
// CPU microseconds per row (process CPU time, little disturbed by other
// load) besides ops/s.
//
// Prints key=value lines; no assertions.

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>

#include "core/encoding.h"
#include "privacy/cipher.h"
#include "privacy/row_transformer.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

constexpr const char* kProfile =
    R"({"gender":"female","name":{"title":"Ms","first":"Jane","last":"Doe"},)"
    R"("location":{"street":{"number":12,"name":"Main Street"},"city":"Springfield",)"
    R"("state":"Oregon","country":"United States","postcode":"90210",)"
    R"("coordinates":{"latitude":"1.5","longitude":"2.5"},)"
    R"("timezone":{"offset":"-7:00","description":"Mountain Time"}},)"
    R"("email":"jane.doe@example.com","login":{"uuid":"155e77ee-ba6d-486f-95ce-0e0c0fb4b919",)"
    R"("username":"silverswan131","password":"firewall","salt":"TQA1Gz7x",)"
    R"("md5":"dc523cb313b63dfe5be2140b0c05b3bc","sha1":"7a4aa07d1bea9ee0d38b1b4a5b8c3f2e6b6d4e1a",)"
    R"("sha256":"74364e96174afa7d17ee52dd2c9c7a4651fe1254f471a78bda0190135dcd3480"},)"
    R"("dob":{"date":"1993-07-20T09:44:18.674Z","age":26},)"
    R"("registered":{"date":"2002-05-21T10:59:49.966Z","age":17},)"
    R"("phone":"(555) 555-0100","cell":"(555) 555-0101","id":{"name":"SSN","value":"405-88-3636"},)"
    R"("picture":{"large":"https://randomuser.me/api/portraits/women/1.jpg"},"nat":"US"})";

double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

const char* g_only = nullptr;  // run only the benchmarks whose name contains it

template <typename F>
void Measure(const char* name, int rounds, size_t bytes, F&& f) {
  if (g_only != nullptr && std::string_view(name).find(g_only) == std::string_view::npos) return;
  const auto start = Clock::now();
  const double cpu_start = CpuSeconds();
  for (int i = 0; i < rounds; ++i) f(i);
  const double s = Seconds(start);
  const double cpu = CpuSeconds() - cpu_start;
  std::printf("bench=%s ops_per_s=%.0f mb_per_s=%.1f cpu_us_per_op=%.2f\n", name, rounds / s,
              rounds * static_cast<double>(bytes) / s / 1e6, cpu * 1e6 / rounds);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace walcast;
  if (argc > 1) g_only = argv[1];
  const std::string key(32, '\x5a');
  const std::string small(32, 'e');
  const std::string large(1024, 'x');
  Measure("seal_32B", 500000, small.size(), [&](int) { (void)privacy::Seal(key, "k1", small); });
  privacy::Sealer sealer = privacy::Sealer::Create(key, "k1").value();
  Measure("sealer_32B", 500000, small.size(), [&](int) { (void)sealer.Seal(small); });
  Measure("random_iv", 500000, privacy::kIvBytes,
          [&](int) { (void)privacy::RandomBytes(privacy::kIvBytes); });
  Measure("seal_1KiB", 200000, large.size(), [&](int) { (void)privacy::Seal(key, "k1", large); });
  const privacy::Sealed sealed =
      privacy::ParseSealed(privacy::Seal(key, "k1", small).value()).value();
  Measure("open_32B", 500000, small.size(), [&](int) { (void)privacy::Open(key, sealed); });
  Measure("hmac_32B", 500000, small.size(), [&](int) { (void)privacy::HmacSha256Hex(key, small); });
  privacy::Hmac hmac = privacy::Hmac::Create(key).value();
  Measure("hmac_keyed_32B", 500000, small.size(), [&](int) { (void)hmac.Hex(small); });
  privacy::RandomPool pool;
  unsigned char iv[privacy::kIvBytes];
  Measure("random_pool_iv", 500000, privacy::kIvBytes,
          [&](int) { (void)pool.Take(privacy::kIvBytes, iv); });

  // The floor: parse and write the profile back.
  const std::string profile = kProfile;
  Measure("profile_parse_serialize", 100000, profile.size(), [&](int) {
    rapidjson::Document doc;
    doc.Parse(profile.data(), profile.size());
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    doc.Accept(writer);
  });

  std::string key_b64;
  AppendBase64(key, &key_b64);
  privacy::KeyRing ring = privacy::KeyRing::Parse("current=k1;k1=" + key_b64, "bench").value();
  std::map<std::string, std::string> values = {
      {"rules", "fullname,address,pii,parts,dob,age"},
      {"rule.fullname.op", "concat"},
      {"rule.fullname.from", "name.first,name.last"},
      {"rule.fullname.to", "name.full"},
      {"rule.address.op", "concat"},
      {"rule.address.from",
       "location.street.number,location.street.name,location.city,"
       "location.state,location.postcode,location.country"},
      {"rule.address.to", "location.full"},
      {"rule.pii.op", "encrypt"},
      {"rule.pii.paths", "name.full,location.full,email,phone,cell"},
      {"rule.parts.op", "drop"},
      {"rule.parts.paths",
       "name.first,name.last,location.street,location.city,location.state,"
       "location.postcode,location.coordinates,login"},
      {"rule.dob.op", "date"},
      {"rule.dob.path", "dob.date"},
      {"rule.age.op", "drop"},
      {"rule.age.path", "dob.age"}};
  for (const char* r : {"fullname", "address", "pii", "parts", "dob", "age"}) {
    values[std::string("rule.") + r + ".table"] = "public.users";
    values[std::string("rule.") + r + ".column"] = "profile";
  }
  auto transformer =
      privacy::RowTransformer::Create(privacy::ParseRules(values).value(), &ring, nullptr).value();
  auto relation = std::make_shared<Relation>();
  relation->schema = "public";
  relation->name = "users";
  Column id;
  id.name = "id";
  id.type_oid = 23;
  Column column;
  column.name = "profile";
  column.type_oid = 3802;
  relation->columns = {id, column};
  relation->primary_key = {0};
  ChangeEvent in;
  in.relation = relation;
  in.after = Tuple{Datum::Text("1"), Datum::Text(profile)};
  ChangeEvent out;
  Measure("gdpr_rules_per_row", 100000, profile.size(),
          [&](int) { (void)transformer->Apply({}, in, &out); });

  // With one data key per subject, as the example runs.
  values["subject.public.users"] = "profile:login.uuid";
  const std::string uuid = "155e77ee-ba6d-486f-95ce-0e0c0fb4b919";
  const size_t uuid_at = profile.find(uuid);
  auto subjects = [&](const char* name, int rows, int users) {
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("walcast-bench-privacy-" + std::string(name));
    std::filesystem::remove_all(dir);
    auto store = privacy::SubjectKeyStore::Open(dir.string(), false).value();
    auto t =
        privacy::RowTransformer::Create(privacy::ParseRules(values).value(), &ring, store.get())
            .value();
    ChangeEvent row = in;
    Measure(name, rows, profile.size(), [&](int i) {
      char id[13];
      std::snprintf(id, sizeof id, "%012d", i % users);
      std::string p = profile;
      p.replace(uuid_at + uuid.size() - 12, 12, id);
      row.after = Tuple{Datum::Text(std::to_string(i)), Datum::Text(std::move(p))};
      if (!t->Apply({}, row, &out).ok()) std::abort();
      if (i % 8192 == 8191 && !t->MakeDurable().ok()) std::abort();
    });
    t.reset();
    store.reset();
    std::filesystem::remove_all(dir);
  };
  subjects("gdpr_rules_new_subject_per_row", 100000, 100000);
  subjects("gdpr_rules_100k_rows_20k_subjects", 100000, 20000);
  return 0;
}
