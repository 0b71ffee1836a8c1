#include "mosip/mosip_tables_generator.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>
#include <utility>

#include "mosip/channel_hash.h"
#include "mosip/generator_time.h"
#include "mosip/population.h"
#include "mosip/rng.h"
#include "mosip/uuid_text.h"

namespace walcast::mosip {
namespace {

// Where a registration ended up.
enum class Outcome : uint8_t {
  kProcessed,        // PROCESSED at PrintingStage, PRINT_SERVICE
  kProcessedPostal,  // PROCESSED, PRINT_POSTAL_SERVICE
  kInProgress,       // PROCESSING, between two stages
  kRejected,         // REJECTED by a dedupe stage (or the supervisor)
  kFailed,           // FAILED validation
  kReprocess,        // REPROCESS, picked up by the reprocessor (PACKET_REPROCESS)
  kPaused,           // PAUSED by a rule, resumable
};
constexpr std::array<double, 7> kOutcomeWeights = {70.0, 6.0, 10.0, 5.0, 4.0, 3.0, 2.0};
// Every transaction type the "In-progress or On-hold" dashboard counts, so
// each of its metrics is non-empty once there are this many registrations.
constexpr std::pair<Outcome, int> kCoverageOutcomes[] = {
    {Outcome::kProcessed, kPrintingStage},
    {Outcome::kProcessedPostal, kPrintingStage},
    {Outcome::kInProgress, 1},
    {Outcome::kInProgress, 2},
    {Outcome::kFailed, 3},
    {Outcome::kInProgress, 5},
    {Outcome::kRejected, 6},
    {Outcome::kReprocess, 4},
};

// The first eight cover every filter of the authentication dashboards.
constexpr int kAuthCoverage = 8;

// ---- Deterministic ids ----

// SplitMix64's finaliser: ids are functions of (seed, domain, index), so a
// row and every row that points at it agree without storing the id.
uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

enum class Domain : uint64_t {
  kApplication = 1,
  kWorkflow,
  kAuth,
  kDocument,
  kAppointment,
  kOtp,
  kAudit,
  kTransaction,
  kTableRng = 100,
};

uint64_t KeyOf(uint64_t seed, Domain domain, uint64_t index) {
  return Mix(seed ^ Mix((static_cast<uint64_t>(domain) << 48) ^ index));
}

std::string Uuid(uint64_t seed, Domain domain, uint64_t index, uint64_t sub = 0) {
  const uint64_t k = KeyOf(seed, domain, index * 16 + sub);
  std::string out;
  AppendUuidV4(k, Mix(k), &out);
  return out;
}

// Digits of `v`, zero-padded to `width`.
std::string Digits(uint64_t v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*llu", width, static_cast<unsigned long long>(v));
  return buf;
}

// A 14-digit pre-registration id, unique per index: four digits from the
// seed, then the index.
std::string PreregId(uint64_t seed, uint64_t index) {
  return Digits(1000 + KeyOf(seed, Domain::kApplication, 0) % 9000, 4) + Digits(index, 10);
}

std::string Hex(const std::string& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xF]);
  }
  return out;
}

std::string RandomBytes(Rng* rng, int n) {
  std::string s(static_cast<size_t>(n), '\0');
  for (char& c : s) c = static_cast<char>(rng->Next() & 0xFF);
  return s;
}

std::string TimeOfDay(int minute) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d:00", minute / 60, minute % 60);
  return buf;
}

std::string DayText(int64_t day) { return DateText(day * kMicrosPerDay); }

// 0 Sunday … 6 Saturday; 1970-01-01 was a Thursday.
int Weekday(int64_t day) { return static_cast<int>(((day % 7) + 7 + 4) % 7); }

int64_t DayOf(int64_t us) {
  return us >= 0 ? us / kMicrosPerDay : (us - kMicrosPerDay + 1) / kMicrosPerDay;
}

std::string CenterId(int center) { return std::to_string(kFirstCenterId + center); }

// A centre's zone (population.h's kZones) and postal code, in the profiles'
// numbering (profile_renderer.cc: 10001 + zone * 1000 + postal * 7).
int CenterZone(int center) { return center % kZoneCount; }
std::string CenterPostalCode(int center) {
  return std::to_string(10001 + CenterZone(center) * 1000 + (center / kZoneCount) * 7);
}

std::string ApplicantLogin(uint32_t user) {
  if (user % 3 == 0) return "applicant" + std::to_string(user) + "@example.org";
  return "+2126" + Digits((uint64_t{user} * 7919) % 100000000, 8);
}

// ---- The plan ----

struct Application {
  int64_t created_us = 0;
  uint32_t user = 0;
  uint8_t language = 0;
  AppStatus status = AppStatus::kPending;
  int8_t center = -1;  // appointment centre; -1 without an appointment
  uint8_t slot = 0;
  int32_t appointment_day = 0;  // days since the epoch
  int64_t booked_us = 0;
  uint16_t documents = 0;  // bits over kDocTypeSpecs
  bool extra_otp = false;  // an earlier OTP that was never used
};

struct Registration {
  int64_t synced_us = 0;
  uint8_t center = 0;
  uint16_t machine = 0;
  uint8_t process = 0;
  Outcome outcome = Outcome::kProcessed;
  uint8_t stage = kPrintingStage;
  bool client_rejected = false;
  bool uploaded = true;
};

struct Auth {
  int64_t at_us = 0;
  uint8_t type = 0;
  uint8_t partner = 0;
  bool ok = true;
};

bool InConsumedTables(const Application& a) { return a.status == AppStatus::kConsumed; }

}  // namespace

class MosipDataGenerator::Impl {
 public:
  explicit Impl(const MosipDataOptions& options);

  Status Generate(ReportingTable table, const RowSink& emit) const;

 private:
  // The free values of a table come from their own generator.
  Rng TableRng(ReportingTable table) const {
    return Rng(KeyOf(options_.seed, Domain::kTableRng, static_cast<uint64_t>(table)));
  }
  int64_t Spread(uint64_t index, uint64_t count, Rng* rng) const {
    const int64_t step = std::max<int64_t>(
        1, options_.span_days * kMicrosPerDay / static_cast<int64_t>(std::max<uint64_t>(1, count)));
    return options_.start_us + static_cast<int64_t>(index) * step +
           static_cast<int64_t>(rng->Below(static_cast<uint64_t>(step)));
  }
  size_t SlotIndex(int center, int64_t day, int slot) const {
    return (static_cast<size_t>(center) * static_cast<size_t>(days_) +
            static_cast<size_t>(day - first_day_)) *
               kSlotsPerDay +
           static_cast<size_t>(slot);
  }
  // Books a slot at `center` 1–14 days after `created_us`; false when every
  // slot within reach is full.
  bool Book(Rng* rng, int center, int64_t created_us, Application* app);

  Status MasterDocType(const RowSink& emit) const;
  Status MasterRegistrationCenter(const RowSink& emit) const;
  Status Demographic(bool consumed, const RowSink& emit) const;
  Status Documents(bool consumed, const RowSink& emit) const;
  Status Appointments(bool consumed, const RowSink& emit) const;
  Status AvailableSlots(const RowSink& emit) const;
  Status OtpTransactions(const RowSink& emit) const;
  Status AuthTransactions(const RowSink& emit) const;
  Status Registrations(const RowSink& emit) const;
  Status RegistrationList(const RowSink& emit) const;
  Status AuditLog(const RowSink& emit) const;

  std::string Rid(uint64_t index) const;

  const MosipDataOptions options_;
  int64_t master_us_ = 0;  // when the master data was made
  int64_t first_day_ = 0;
  int64_t days_ = 0;  // days of the slot calendar
  const std::array<Center, kCenterCount> centers_ = ReferenceCenters();
  std::vector<Application> applications_;
  std::vector<Registration> registrations_;
  std::vector<Auth> auths_;
  std::vector<uint8_t> booked_;  // by SlotIndex: kiosks taken
};

MosipDataGenerator::Impl::Impl(const MosipDataOptions& options) : options_(options) {
  Rng rng(options.seed);
  master_us_ = options.start_us - 90 * kMicrosPerDay;
  first_day_ = DayOf(options.start_us);
  days_ = options.span_days + kBookingHorizonDays + 1;
  booked_.assign(static_cast<size_t>(kCenterCount) * static_cast<size_t>(days_) * kSlotsPerDay, 0);

  // Applications: about 1.4 per applicant login (families apply together).
  const uint64_t users = std::max<uint64_t>(1, options.applications * 7 / 10);
  applications_.resize(options.applications);
  for (uint64_t i = 0; i < options.applications; ++i) {
    Application& a = applications_[i];
    a.created_us = Spread(i, options.applications, &rng);
    a.user = static_cast<uint32_t>(rng.Below(users));
    a.language = static_cast<uint8_t>(rng.Weighted(kLanguageWeights));
    a.status = static_cast<AppStatus>(rng.Weighted(kAppStatusWeights));
    a.extra_otp = rng.Chance(0.2);
    if (a.status != AppStatus::kIncomplete) {
      // Proof of identity, proof of address, for some a birth certificate,
      // rarely a marriage certificate or an exception photo.
      a.documents |= static_cast<uint16_t>(1u << rng.Weighted(std::array{40.0, 30.0, 30.0}));
      a.documents |=
          static_cast<uint16_t>(1u << (3 + rng.Weighted(std::array{35.0, 20.0, 15.0, 30.0})));
      if (rng.Chance(0.3)) a.documents |= 1u << 7;
      if (rng.Chance(0.05)) a.documents |= 1u << 8;
      if (rng.Chance(0.02)) a.documents |= 1u << 9;
    }
    const bool has_appointment = a.status == AppStatus::kBooked ||
                                 a.status == AppStatus::kConsumed ||
                                 a.status == AppStatus::kExpired;
    if (has_appointment) {
      const int center = static_cast<int>(rng.Weighted(kCenterWeights));
      if (!Book(&rng, center, a.created_us, &a)) a.status = AppStatus::kPending;
    }
  }

  registrations_.resize(options.registrations);
  const uint64_t n = options.registrations;
  const uint64_t coverage = std::size(kCoverageOutcomes);
  const uint64_t stride = n >= coverage ? n / coverage : 0;
  for (uint64_t i = 0; i < n; ++i) {
    Registration& r = registrations_[i];
    r.synced_us = Spread(i, n, &rng);
    r.center = static_cast<uint8_t>(rng.Weighted(kCenterWeights));
    r.machine = static_cast<uint16_t>(10001 + r.center * 2 + rng.Below(2));
    r.process = static_cast<uint8_t>(rng.Weighted(kProcessWeights));
    r.outcome = static_cast<Outcome>(rng.Weighted(kOutcomeWeights));
    switch (r.outcome) {
      case Outcome::kProcessed:
      case Outcome::kProcessedPostal:
        r.stage = kPrintingStage;
        break;
      case Outcome::kInProgress:
        r.stage = static_cast<uint8_t>(rng.Between(1, 7));
        break;
      case Outcome::kRejected:
        r.stage = static_cast<uint8_t>(rng.Chance(0.5) ? 5 : 6);
        break;
      case Outcome::kFailed:
        r.stage = static_cast<uint8_t>(rng.Between(2, 4));
        break;
      case Outcome::kReprocess:
      case Outcome::kPaused:
        r.stage = static_cast<uint8_t>(rng.Between(4, 7));
        break;
    }
    r.client_rejected = rng.Chance(0.04);
    r.uploaded = !rng.Chance(0.03);
    if (r.client_rejected) {
      r.outcome = Outcome::kRejected;
      r.stage = 3;  // the operator/supervisor check refuses it
    }
    if (stride > 0 && i % stride == 0 && i / stride < coverage) {
      r.outcome = kCoverageOutcomes[i / stride].first;
      r.stage = static_cast<uint8_t>(kCoverageOutcomes[i / stride].second);
      r.client_rejected = false;
      r.uploaded = true;
    }
  }

  auths_.resize(options.authentications);
  const uint64_t m = options.authentications;
  const uint64_t auth_stride = m >= kAuthCoverage ? m / kAuthCoverage : 0;
  for (uint64_t i = 0; i < m; ++i) {
    Auth& a = auths_[i];
    a.at_us = Spread(i, m, &rng);
    a.type = static_cast<uint8_t>(rng.Weighted(kAuthTypeWeights));
    a.partner = static_cast<uint8_t>(rng.Weighted(kPartnerWeights));
    a.ok = !rng.Chance(0.08);
    if (auth_stride > 0 && i % auth_stride == 0 && i / auth_stride < kAuthCoverage) {
      a.type = static_cast<uint8_t>(i / auth_stride);
    }
  }
}

bool MosipDataGenerator::Impl::Book(Rng* rng, int center, int64_t created_us, Application* app) {
  int64_t day = DayOf(created_us) + 1 + static_cast<int64_t>(rng->Below(14));
  for (int tries = 0; tries < 5 && day < first_day_ + days_; ++tries, ++day) {
    while (Weekday(day) == 0 || Weekday(day) == 6) ++day;
    if (day >= first_day_ + days_) break;
    const int first = static_cast<int>(rng->Below(kSlotsPerDay));
    for (int k = 0; k < kSlotsPerDay; ++k) {
      const int slot = (first + k) % kSlotsPerDay;
      uint8_t& taken = booked_[SlotIndex(center, day, slot)];
      if (taken >= centers_[static_cast<size_t>(center)].kiosks) continue;
      ++taken;
      app->center = static_cast<int8_t>(center);
      app->slot = static_cast<uint8_t>(slot);
      app->appointment_day = static_cast<int32_t>(day);
      app->booked_us = created_us + kMicrosPerSecond * rng->Between(60, 4 * 3600);
      return true;
    }
  }
  return false;
}

std::string MosipDataGenerator::Impl::Rid(uint64_t index) const {
  const Registration& r = registrations_[index];
  const int64_t created = r.synced_us - 20 * 60 * kMicrosPerSecond;
  const UtcTime t = UtcTimeOf(created);
  char stamp[96];
  std::snprintf(stamp, sizeof stamp, "%04d%02d%02d%02d%02d%02d", t.year, t.month, t.day, t.hour,
                t.minute, t.second);
  return CenterId(r.center) + std::to_string(r.machine) + Digits(index % 100000, 5) + stamp;
}

// ---- Rendering ----

namespace {

// Fills a TableRow column by column.
class RowBuilder {
 public:
  explicit RowBuilder(size_t columns) : row_(columns) {}
  RowBuilder& Text(std::string value) {
    row_[next_++] = std::move(value);
    return *this;
  }
  RowBuilder& Text(std::string_view value) { return Text(std::string(value)); }
  RowBuilder& Text(const char* value) { return Text(std::string(value)); }
  RowBuilder& Null() {
    row_[next_++].reset();
    return *this;
  }
  RowBuilder& Bool(bool value) { return Text(value ? "t" : "f"); }
  RowBuilder& Time(int64_t us) { return Text(TimestampText(us)); }
  RowBuilder& Int(int64_t v) { return Text(std::to_string(v)); }
  RowBuilder& Bytes(const std::string& bytes) { return Text("\\x" + Hex(bytes)); }
  // Sends the row; every column must have been set.
  Status Emit(const RowSink& emit) {
    WALCAST_CHECK(next_ == row_.size());
    next_ = 0;
    return emit(row_);
  }

 private:
  TableRow row_;
  size_t next_ = 0;
};

size_t Columns(ReportingTable table) { return SpecOf(table).columns.size(); }

}  // namespace

Status MosipDataGenerator::Impl::MasterDocType(const RowSink& emit) const {
  RowBuilder b(Columns(ReportingTable::kDocType));
  for (const DocTypeSpec& d : kDocTypeSpecs) {
    for (size_t lang = 0; lang < std::size(kLanguages); ++lang) {
      b.Text(d.code)
          .Text(d.names[lang])
          .Text(std::string(d.names[lang]) + " (" + std::string(d.category) + ")");
      b.Text(kLanguages[lang]).Bool(true).Text("superadmin").Time(master_us_);
      b.Null().Null().Bool(false).Null();
      WALCAST_RETURN_IF_ERROR(b.Emit(emit));
    }
  }
  return Status::Ok();
}

Status MosipDataGenerator::Impl::MasterRegistrationCenter(const RowSink& emit) const {
  RowBuilder b(Columns(ReportingTable::kRegistrationCenter));
  for (int c = 0; c < kCenterCount; ++c) {
    const Center& center = centers_[static_cast<size_t>(c)];
    const std::string place(kCenterPlaces[c]);
    const std::string names[3] = {place + " Registration Centre",
                                  "Centre d'enregistrement " + place, "مركز التسجيل " + place};
    char lat[32], lon[32];
    std::snprintf(lat, sizeof lat, "%.6f", center.latitude);
    std::snprintf(lon, sizeof lon, "%.6f", center.longitude);
    const std::string phone = "+2125" + Digits(22000000 + static_cast<uint64_t>(c) * 137, 8);
    for (size_t lang = 0; lang < std::size(kLanguages); ++lang) {
      b.Text(CenterId(c)).Text(names[lang]).Text("REG");
      b.Text(std::to_string(center.street) + " " + place + " Avenue")
          .Text(kZones[CenterZone(c)])
          .Null();
      b.Text(lat).Text(lon).Text(CenterPostalCode(c)).Text(phone);
      b.Text("Supervisor " + std::to_string(kFirstCenterId + c)).Int(center.kiosks);
      b.Text("9:00-17:00").Text(TimeOfDay(kSlotMinutes)).Text("09:00:00").Text("17:00:00");
      b.Text("13:00:00").Text("14:00:00").Text("(GMT+01:00) Casablanca");
      b.Text(kZones[CenterZone(c)]).Text(kZones[CenterZone(c)]).Text(kLanguages[lang]);
      b.Bool(true).Text("superadmin").Time(master_us_).Null().Null().Bool(false).Null();
      WALCAST_RETURN_IF_ERROR(b.Emit(emit));
    }
  }
  return Status::Ok();
}

Status MosipDataGenerator::Impl::Demographic(bool consumed, const RowSink& emit) const {
  const ReportingTable table = consumed ? ReportingTable::kApplicantDemographicConsumed
                                        : ReportingTable::kApplicantDemographic;
  RowBuilder b(Columns(table));
  Rng rng = TableRng(table);
  for (size_t i = 0; i < applications_.size(); ++i) {
    const Application& a = applications_[i];
    if (InConsumedTables(a) != consumed) continue;
    const std::string detail = RandomBytes(&rng, rng.Between(160, 400));  // encrypted JSON
    const std::string login = ApplicantLogin(a.user);
    const int64_t updated = a.center >= 0 ? a.booked_us : a.created_us + kMicrosPerSecond * 30;
    b.Text(PreregId(options_.seed, i)).Bytes(detail).Text(HashChannel(detail));
    b.Time(a.created_us).Text(kAppStatusCodes[static_cast<size_t>(a.status)]);
    b.Text(kLanguages[a.language]).Text(login).Text(login).Time(a.created_us);
    b.Text(login).Time(updated);
    WALCAST_RETURN_IF_ERROR(b.Emit(emit));
  }
  return Status::Ok();
}

Status MosipDataGenerator::Impl::Documents(bool consumed, const RowSink& emit) const {
  const ReportingTable table =
      consumed ? ReportingTable::kApplicantDocumentConsumed : ReportingTable::kApplicantDocument;
  RowBuilder b(Columns(table));
  Rng rng = TableRng(table);
  static constexpr std::string_view kFormats[] = {"pdf", "jpg", "png"};
  for (size_t i = 0; i < applications_.size(); ++i) {
    const Application& a = applications_[i];
    if (InConsumedTables(a) != consumed) continue;
    for (size_t d = 0; d < std::size(kDocTypeSpecs); ++d) {
      if ((a.documents & (1u << d)) == 0) continue;
      const DocTypeSpec& spec = kDocTypeSpecs[d];
      const std::string_view format = kFormats[rng.Weighted(std::array{70.0, 20.0, 10.0})];
      const std::string doc_id = Uuid(options_.seed, Domain::kDocument, i, 10 + d);
      const int64_t at = a.created_us + kMicrosPerSecond * rng.Between(20, 1800);
      b.Text(Uuid(options_.seed, Domain::kDocument, i, d)).Text(PreregId(options_.seed, i));
      b.Text(std::string(spec.names[0]) + "." + std::string(format)).Text(spec.category);
      b.Text(spec.code).Text(format).Text(doc_id).Text(HashChannel(doc_id)).Null().Time(at);
      b.Text(kAppStatusCodes[static_cast<size_t>(a.status)]).Text(kLanguages[a.language]);
      b.Text(ApplicantLogin(a.user)).Time(at).Null().Null();
      WALCAST_RETURN_IF_ERROR(b.Emit(emit));
    }
  }
  return Status::Ok();
}

Status MosipDataGenerator::Impl::Appointments(bool consumed, const RowSink& emit) const {
  const ReportingTable table =
      consumed ? ReportingTable::kRegAppointmentConsumed : ReportingTable::kRegAppointment;
  RowBuilder b(Columns(table));
  for (size_t i = 0; i < applications_.size(); ++i) {
    const Application& a = applications_[i];
    if (a.center < 0 || InConsumedTables(a) != consumed) continue;
    const int from = SlotStartMinute(a.slot);
    b.Text(Uuid(options_.seed, Domain::kAppointment, i)).Text(CenterId(a.center));
    b.Text(PreregId(options_.seed, i)).Time(a.booked_us).Text(DayText(a.appointment_day));
    b.Text(TimeOfDay(from)).Text(TimeOfDay(from + kSlotMinutes)).Text(kLanguages[a.language]);
    b.Text(ApplicantLogin(a.user)).Time(a.booked_us).Null().Null();
    WALCAST_RETURN_IF_ERROR(b.Emit(emit));
  }
  return Status::Ok();
}

Status MosipDataGenerator::Impl::AvailableSlots(const RowSink& emit) const {
  RowBuilder b(Columns(ReportingTable::kRegAvailableSlot));
  for (int c = 0; c < kCenterCount; ++c) {
    for (int64_t day = first_day_; day < first_day_ + days_; ++day) {
      if (Weekday(day) == 0 || Weekday(day) == 6) continue;
      // The slot batch job opens a day's slots a month ahead.
      const int64_t opened = (day - 30) * kMicrosPerDay + 2 * 3600 * kMicrosPerSecond;
      for (int s = 0; s < kSlotsPerDay; ++s) {
        const int from = SlotStartMinute(s);
        const int taken = booked_[SlotIndex(c, day, s)];
        b.Text(CenterId(c)).Text(DayText(day)).Text(TimeOfDay(from));
        b.Text(TimeOfDay(from + kSlotMinutes)).Int(centers_[static_cast<size_t>(c)].kiosks - taken);
        b.Text("pre-registration-batch").Time(opened).Null().Null().Bool(false).Null();
        WALCAST_RETURN_IF_ERROR(b.Emit(emit));
      }
    }
  }
  return Status::Ok();
}

Status MosipDataGenerator::Impl::OtpTransactions(const RowSink& emit) const {
  RowBuilder b(Columns(ReportingTable::kOtpTransaction));
  Rng rng = TableRng(ReportingTable::kOtpTransaction);
  for (size_t i = 0; i < applications_.size(); ++i) {
    const Application& a = applications_[i];
    const std::string login = ApplicantLogin(a.user);
    // An OTP requested and never entered (status 'active'), then the one
    // the applicant logged in with ('used').
    for (int k = a.extra_otp ? 0 : 1; k < 2; ++k) {
      const bool used = k == 1;
      const int64_t generated =
          a.created_us - kMicrosPerSecond * (used ? rng.Between(60, 600) : rng.Between(1800, 5400));
      const std::string otp = Digits(rng.Below(1000000), 6);
      b.Text(Uuid(options_.seed, Domain::kOtp, i, static_cast<uint64_t>(k))).Text(login);
      b.Text(HashChannel(login + otp)).Time(generated).Time(generated + 180 * kMicrosPerSecond);
      b.Int(used ? rng.Between(0, 1) : 0).Text(used ? "used" : "active");
      b.Text(kLanguages[a.language]).Text(login).Time(generated);
      if (used) {
        b.Text(login).Time(generated + kMicrosPerSecond * rng.Between(10, 170));
      } else {
        b.Null().Null();
      }
      b.Bool(false).Null();
      WALCAST_RETURN_IF_ERROR(b.Emit(emit));
    }
  }
  return Status::Ok();
}

Status MosipDataGenerator::Impl::AuthTransactions(const RowSink& emit) const {
  RowBuilder b(Columns(ReportingTable::kAuthTransaction));
  Rng rng = TableRng(ReportingTable::kAuthTransaction);
  for (size_t i = 0; i < auths_.size(); ++i) {
    const Auth& a = auths_[i];
    const AuthType& type = kAuthTypes[a.type];
    const Partner& partner = kPartners[a.partner];
    const bool vid = rng.Chance(0.3);
    const std::string individual = Digits(rng.Below(10000000000ULL), 10);
    b.Text(Uuid(options_.seed, Domain::kAuth, i)).Time(a.at_us);
    b.Time(a.at_us + 1000 * rng.Between(80, 900)).Text(Digits(rng.Below(10000000000ULL), 10));
    b.Text(type.code).Text(a.ok ? "Y" : "N");
    b.Text(std::string(type.message) + (a.ok ? " Success" : " Failed")).Text("eng");
    b.Text(vid ? "VID" : "UIN").Text(HashChannel((vid ? "VID" : "UIN") + individual));
    b.Text(Digits(rng.Below(1000000000000000000ULL), 18) +
           Digits(rng.Below(1000000000000000000ULL), 18));
    b.Text(partner.type).Text(partner.id).Text(partner.name).Null().Null().Null();
    b.Text("IDA").Time(a.at_us).Null().Null().Bool(false).Null();
    WALCAST_RETURN_IF_ERROR(b.Emit(emit));
  }
  return Status::Ok();
}

Status MosipDataGenerator::Impl::Registrations(const RowSink& emit) const {
  RowBuilder b(Columns(ReportingTable::kRegistration));
  Rng rng = TableRng(ReportingTable::kRegistration);
  for (size_t i = 0; i < registrations_.size(); ++i) {
    const Registration& r = registrations_[i];
    if (!r.uploaded) continue;
    const Stage& stage = kStages[r.stage];
    std::string_view status = "PROCESSED", trn_type = stage.trn_type, trn_status = "PROCESSED",
                     comment = "Packet processed successfully";
    std::string_view last_success = stage.name;
    int retries = 0;
    switch (r.outcome) {
      case Outcome::kProcessed:
        break;
      case Outcome::kProcessedPostal:
        trn_type = "PRINT_POSTAL_SERVICE";
        break;
      case Outcome::kInProgress:
        status = "PROCESSING";
        trn_status = "SUCCESS";
        comment = "Packet is in progress";
        break;
      case Outcome::kRejected:
        status = "REJECTED";
        trn_status = "REJECTED";
        comment = r.client_rejected ? "Packet rejected by the supervisor" : "Duplicate found";
        last_success = kStages[r.stage - 1].name;
        break;
      case Outcome::kFailed:
        status = "FAILED";
        trn_status = "FAILED";
        comment = "Packet validation failed";
        last_success = kStages[r.stage - 1].name;
        break;
      case Outcome::kReprocess:
        status = "REPROCESS";
        trn_type = "PACKET_REPROCESS";
        trn_status = "REPROCESS";
        comment = "Packet sent for reprocessing";
        last_success = kStages[r.stage - 1].name;
        retries = rng.Between(1, 3);
        break;
      case Outcome::kPaused:
        status = "PAUSED";
        trn_status = "PROCESSED";
        comment = "Packet paused by a rule";
        last_success = kStages[r.stage - 1].name;
        break;
    }
    const int64_t uploaded = r.synced_us + kMicrosPerSecond * rng.Between(30, 1800);
    const int64_t latest = uploaded + kMicrosPerSecond * rng.Between(60, 6 * 3600) * (r.stage + 1);
    const bool paused = r.outcome == Outcome::kPaused;
    b.Text(Rid(i)).Text(kProcesses[r.process]).Null().Null().Text(status).Text("eng").Text(comment);
    b.Text(Uuid(options_.seed, Domain::kTransaction, i)).Text(trn_type).Text(trn_status);
    b.Time(latest).Int(retries).Text(stage.name).Int(0);
    b.Time(r.synced_us - 20 * 60 * kMicrosPerSecond).Bool(true).Text("MOSIP_SYSTEM").Time(uploaded);
    b.Text("MOSIP_SYSTEM").Time(latest).Bool(false).Null();
    if (paused) {
      b.Time(latest + 24 * 3600 * kMicrosPerSecond)
          .Text("RESUME_PROCESSING")
          .Text("HOTLISTED_OPERATOR");
    } else {
      b.Null().Null().Null();
    }
    b.Text(last_success).Text(Uuid(options_.seed, Domain::kWorkflow, i));
    b.Text("REGISTRATION_CLIENT").Int(1);
    WALCAST_RETURN_IF_ERROR(b.Emit(emit));
  }
  return Status::Ok();
}

Status MosipDataGenerator::Impl::RegistrationList(const RowSink& emit) const {
  RowBuilder b(Columns(ReportingTable::kRegistrationList));
  Rng rng = TableRng(ReportingTable::kRegistrationList);
  for (size_t i = 0; i < registrations_.size(); ++i) {
    const Registration& r = registrations_[i];
    const std::string rid = Rid(i);
    b.Text(Uuid(options_.seed, Domain::kWorkflow, i)).Text(rid).Text(kProcesses[r.process]);
    b.Text(HashChannel(rid + "/packet")).Int(rng.Between(400000, 4000000));
    if (r.client_rejected) {
      b.Text("REJECTED").Text("Photo does not match the applicant");
    } else {
      b.Text("APPROVED").Null();
    }
    b.Bytes(RandomBytes(&rng, rng.Between(64, 160))).Null().Null().Text("eng");
    b.Text("MOSIP_SYSTEM").Time(r.synced_us).Text("MOSIP_SYSTEM").Time(r.synced_us);
    b.Bool(false).Null().Text(HashChannel(rid + "/name"));
    if (rng.Chance(0.85)) {
      b.Text(HashChannel(rid + "/phone"));
    } else {
      b.Null();
    }
    if (rng.Chance(0.45)) {
      b.Text(HashChannel(rid + "/email"));
    } else {
      b.Null();
    }
    b.Text(HashChannel(CenterId(r.center))).Text(DateText(r.synced_us));
    b.Text(HashChannel(CenterPostalCode(r.center))).Null().Text(rid);
    b.Text(CenterId(r.center) + "_" + std::to_string(r.machine)).Text("REGISTRATION_CLIENT");
    WALCAST_RETURN_IF_ERROR(b.Emit(emit));
  }
  return Status::Ok();
}

Status MosipDataGenerator::Impl::AuditLog(const RowSink& emit) const {
  RowBuilder b(Columns(ReportingTable::kAppAuditLog));
  Rng rng = TableRng(ReportingTable::kAppAuditLog);
  uint64_t n = 0;
  struct Event {
    int64_t at_us;
    std::string_view event_id, event_type, event_name, desc, app_id, app_name, module_id,
        module_name, ref_id_type, host;
    std::string user, ref_id;
  };
  auto write = [&](const Event& e) {
    const int64_t logged = e.at_us + 1000 * rng.Between(5, 50);
    b.Text(Uuid(options_.seed, Domain::kAudit, n++)).Time(logged).Text(e.desc).Text(e.event_id);
    b.Text(e.event_type).Text(e.event_name).Time(e.at_us);
    b.Text(std::string(e.host) + "-" + std::to_string(rng.Between(0, 2)));
    b.Text("10.42." + std::to_string(rng.Between(0, 7)) + "." +
           std::to_string(rng.Between(2, 250)));
    b.Text(e.user).Text(e.user).Text(e.app_id).Text(e.app_name).Text(e.module_id);
    b.Text(e.module_name).Text(e.ref_id).Text(e.ref_id_type).Text(e.user);
    return b.Emit(emit);
  };
  for (size_t i = 0; i < applications_.size(); ++i) {
    const Application& a = applications_[i];
    const std::string login = ApplicantLogin(a.user);
    WALCAST_RETURN_IF_ERROR(
        write({a.created_us, "PRE_400", "USER", "PERSIST", "Application saved", "PRE_REGISTRATION",
               "Pre-registration", "PRE-DEM", "Demographic service", "PRE_REGISTRATION_ID",
               "prereg-application-service", login, PreregId(options_.seed, i)}));
    if (a.center >= 0) {
      WALCAST_RETURN_IF_ERROR(write({a.booked_us, "PRE_402", "USER", "PERSIST",
                                     "Appointment booked", "PRE_REGISTRATION", "Pre-registration",
                                     "PRE-BOOK", "Booking service", "PRE_REGISTRATION_ID",
                                     "prereg-booking-service", login, PreregId(options_.seed, i)}));
    }
  }
  for (size_t i = 0; i < registrations_.size(); ++i) {
    WALCAST_RETURN_IF_ERROR(
        write({registrations_[i].synced_us, "RPR_405", "SYSTEM", "ADD", "Registration synced",
               "REGISTRATION_PROCESSOR", "Registration processor", "RPR-REG-SYNC",
               "Registration sync service", "REGISTRATION_ID", "regproc-status-service",
               "MOSIP_SYSTEM", Rid(i)}));
  }
  for (size_t i = 0; i < auths_.size(); ++i) {
    WALCAST_RETURN_IF_ERROR(write(
        {auths_[i].at_us, "IDA_101", "SYSTEM", "AUTH_REQUEST_RESPONSE",
         "Authentication request served", "ID_AUTHENTICATION", "ID Authentication", "IDA-AUT",
         "Authentication request", "AUTH_TRANSACTION_ID", "ida-auth-service",
         std::string(kPartners[auths_[i].partner].id), Uuid(options_.seed, Domain::kAuth, i)}));
  }
  return Status::Ok();
}

Status MosipDataGenerator::Impl::Generate(ReportingTable table, const RowSink& emit) const {
  switch (table) {
    case ReportingTable::kDocType:
      return MasterDocType(emit);
    case ReportingTable::kRegistrationCenter:
      return MasterRegistrationCenter(emit);
    case ReportingTable::kAppAuditLog:
      return AuditLog(emit);
    case ReportingTable::kApplicantDemographic:
      return Demographic(false, emit);
    case ReportingTable::kApplicantDemographicConsumed:
      return Demographic(true, emit);
    case ReportingTable::kApplicantDocument:
      return Documents(false, emit);
    case ReportingTable::kApplicantDocumentConsumed:
      return Documents(true, emit);
    case ReportingTable::kRegAppointment:
      return Appointments(false, emit);
    case ReportingTable::kRegAppointmentConsumed:
      return Appointments(true, emit);
    case ReportingTable::kRegAvailableSlot:
      return AvailableSlots(emit);
    case ReportingTable::kOtpTransaction:
      return OtpTransactions(emit);
    case ReportingTable::kAuthTransaction:
      return AuthTransactions(emit);
    case ReportingTable::kRegistration:
      return Registrations(emit);
    case ReportingTable::kRegistrationList:
      return RegistrationList(emit);
  }
  return Status::InvalidArgument("unknown reporting table");
}

MosipDataGenerator::MosipDataGenerator(const MosipDataOptions& options)
    : impl_(std::make_unique<Impl>(options)) {}
MosipDataGenerator::~MosipDataGenerator() = default;

Status MosipDataGenerator::Generate(ReportingTable table, const RowSink& emit) const {
  return impl_->Generate(table, emit);
}

}  // namespace walcast::mosip
