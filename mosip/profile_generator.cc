#include "mosip/profile_generator.h"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "core/json_writer.h"
#include "mosip/generator_time.h"
#include "mosip/malformed_profile.h"
#include "mosip/population.h"
#include "mosip/profile_renderer.h"
#include "mosip/rng.h"
#include "mosip/uuid_text.h"
#include "rapidjson/stringbuffer.h"

namespace walcast::mosip {
namespace {

using json::String;

void AppendUuid(Rng* rng, std::string* out) {
  const uint64_t hi = rng->Next();
  AppendUuidV4(hi, rng->Next(), out);
}

void NullMembers(std::initializer_list<const char*> keys, JsonWriter& w) {
  for (const char* key : keys) {
    w.Key(key);
    w.Null();
  }
}

}  // namespace

class ProfileGenerator::Impl {
 public:
  explicit Impl(const GeneratorOptions& options)
      : options_(options),
        rng_(options.seed),
        population_(&rng_),
        render_(&rng_, options.biometrics),
        writer_(buffer_) {
    step_us_ = std::max<int64_t>(1, options.span_days * kMicrosPerDay /
                                        static_cast<int64_t>(std::max<uint64_t>(1, options.count)));
  }

  bool Next(GeneratedProfile* row, std::vector<ChannelInfoChange>* changes);

 private:
  int64_t EventTime() {
    const int64_t slot = options_.start_us + static_cast<int64_t>(produced_) * step_us_;
    return slot + static_cast<int64_t>(rng_.Below(static_cast<uint64_t>(step_us_)));
  }

  // The identity a row is about: one of `pool` for an update, a new one added
  // to it otherwise, or for a malformed row *stand_in, a fresh person who
  // changes no identity. The pointer is valid until the pool grows.
  Person* PersonFor(bool update, bool malformed, int64_t at, std::vector<Person>* pool,
                    Person* stand_in);

  // Each writes the row's profile into writer_ and sets its other columns.
  void Idrepo(ProfileKind kind, bool malformed, int64_t at, GeneratedProfile* row,
              std::vector<ChannelInfoChange>* changes);
  void Annexure(ProfileKind kind, bool malformed, int64_t at, GeneratedProfile* row);
  void Regprc(ProfileKind kind, int64_t at, GeneratedProfile* row);
  void RegprcSync(int64_t at, int center, GeneratedProfile* row);
  void RegprcFull(ProfileKind kind, int64_t at, int center, GeneratedProfile* row);
  void Prereg(int64_t at, GeneratedProfile* row);

  const GeneratorOptions options_;
  Rng rng_;
  Population population_;
  ProfileRenderer render_;
  int64_t step_us_ = 1;
  uint64_t produced_ = 0;
  std::vector<Person> idrepo_pool_;
  std::vector<Person> annexure_pool_;
  rapidjson::StringBuffer buffer_;  // the profile being written
  JsonWriter writer_;               // over buffer_
};

Person* ProfileGenerator::Impl::PersonFor(bool update, bool malformed, int64_t at,
                                          std::vector<Person>* pool, Person* stand_in) {
  const int year = UtcTimeOf(at).year;
  if (malformed) {
    *stand_in = population_.NewPerson(year, nullptr);
    return stand_in;
  }
  if (update) return &(*pool)[rng_.Below(pool->size())];
  pool->push_back(population_.NewPerson(year, pool));
  return &pool->back();
}

void ProfileGenerator::Impl::Idrepo(ProfileKind kind, bool malformed, int64_t at,
                                    GeneratedProfile* row,
                                    std::vector<ChannelInfoChange>* changes) {
  JsonWriter& w = writer_;
  row->cr_by = "idrepo-service";
  w.StartObject();
  if (kind == ProfileKind::kIdrepoEmpty) {
    NullMembers({"processName", "date", "oldProfile", "newProfile"}, w);
    w.EndObject();
    return;
  }
  const bool update = kind == ProfileKind::kIdrepoUpdate;
  Person stand_in;
  Person* person = PersonFor(update, malformed, at, &idrepo_pool_, &stand_in);
  if (!update && !malformed) Population::ChannelsOfNew(*person, at, changes);
  w.Key("processName");
  w.String(update ? "Update" : "New");
  w.Key("date");
  String(w, DateText(at));
  w.Key("oldProfile");
  if (update) {
    // Updates carry no biometrics on either side: the CBEFF is loaded only
    // when a reference exists (§3.2).
    render_.IdrepoSnapshot(*person, /*biometrics=*/false, at, w);
    population_.Mutate(person, at, &idrepo_pool_, malformed ? nullptr : changes);
  } else {
    w.Null();
  }
  w.Key("newProfile");
  render_.IdrepoSnapshot(*person, /*biometrics=*/!update, at, w);
  w.EndObject();
}

void ProfileGenerator::Impl::Annexure(ProfileKind kind, bool malformed, int64_t at,
                                      GeneratedProfile* row) {
  JsonWriter& w = writer_;
  row->cr_by = "seed";  // hand-inserted, as the design document does
  const bool update = kind == ProfileKind::kAnnexureUpdate;
  Person stand_in;
  Person* person = PersonFor(update, malformed, at, &annexure_pool_, &stand_in);
  w.StartObject();
  w.Key("processName");
  w.String(update ? "update" : "new");
  w.Key("old");
  if (update) {
    ProfileRenderer::AnnexureSnapshot(*person, w);
    // Annexure A's hashes live in the profile, not in channel_info.
    population_.Mutate(person, at, &annexure_pool_, nullptr);
  } else {
    w.Null();
  }
  w.Key("new");
  ProfileRenderer::AnnexureSnapshot(*person, w);
  w.EndObject();
}

void ProfileGenerator::Impl::Regprc(ProfileKind kind, int64_t at, GeneratedProfile* row) {
  row->cr_by = "SYSTEM";
  row->upd_dtimes_us = at;  // set to the insert time (§1.3)
  const int center =
      10001 +
      static_cast<int>(rng_.Weighted(std::array{9.0, 7.0, 6.0, 5.0, 5.0, 4.0, 4.0, 3.0, 3.0, 3.0,
                                                2.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5}));
  if (kind == ProfileKind::kRegprcSync) {
    RegprcSync(at, center, row);
  } else {
    RegprcFull(kind, at, center, row);
  }
}

// The stub written at packet sync: nulls, yearOfBirth 0, channel names with
// nulls for the missing ones.
void ProfileGenerator::Impl::RegprcSync(int64_t at, int center, GeneratedProfile* row) {
  JsonWriter& w = writer_;
  // The sync request's type: its case may differ from the packet's (§2.2).
  static constexpr std::string_view kTypes[] = {"NEW", "UPDATE", "LOST", "RES_UPDATE"};
  std::string type(kTypes[rng_.Weighted(std::array{70.0, 15.0, 10.0, 5.0})]);
  if (rng_.Chance(0.1)) {
    for (char& c : type) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
  }
  row->process_stage = "SYNC";
  w.StartObject();
  w.Key("processName");
  String(w, type);
  w.Key("processStage");
  w.String("SYNC");
  w.Key("date");
  String(w, DateText(at));
  w.Key("startDateTime");
  String(w, IsoMillisText(at - kMicrosPerSecond * rng_.Between(30, 3600), /*zone=*/true));
  NullMembers({"endDateTime"}, w);
  w.Key("yearOfBirth");
  w.Int(0);
  NullMembers({"gender", "location", "preferredLanguages"}, w);
  // ["email",null], [null,"phone"], ["email","phone"] or [null,null].
  const size_t channels = rng_.Weighted(std::array{25.0, 35.0, 30.0, 10.0});
  w.Key("channel");
  w.StartArray();
  for (const auto& [name, present] : {std::pair{"email", channels == 0 || channels == 2},
                                      std::pair{"phone", channels == 1 || channels == 2}}) {
    if (present) {
      w.String(name);
    } else {
      w.Null();
    }
  }
  w.EndArray();
  NullMembers({"exceptions", "verified", "biometricInfo", "device", "documents", "assisted"}, w);
  w.Key("enrollmentCenterId");
  String(w, std::to_string(center));
  w.Key("status");
  w.String("REGISTERED");
  w.EndObject();
}

void ProfileGenerator::Impl::RegprcFull(ProfileKind kind, int64_t at, int center,
                                        GeneratedProfile* row) {
  JsonWriter& w = writer_;
  std::string_view process = "NEW";
  if (kind == ProfileKind::kRegprcUpdate) process = "UPDATE";
  if (kind == ProfileKind::kRegprcLost) process = "LOST";
  if (kind == ProfileKind::kRegprcOther) {
    static constexpr std::string_view kOther[] = {"RES_UPDATE", "RES_REPRINT", "ACTIVATED",
                                                  "DEACTIVATED"};
    process = kOther[rng_.Weighted(std::array{50.0, 30.0, 10.0, 10.0})];
  }
  // Where the workflow asked for the profile; MOSIP's dashboard counts
  // PrintingStage + PROCESSED (metrics.md §2).
  static constexpr std::string_view kStages[] = {"PrintingStage", "UinGeneratorStage",
                                                 "BioDedupeStage", "QualityClassifierStage"};
  static constexpr std::string_view kStatuses[] = {"PROCESSED", "PROCESSED", "REJECTED", "FAILED"};
  const size_t stage = rng_.Weighted(std::array{82.0, 8.0, 6.0, 4.0});
  row->process_stage = std::string(kStages[stage]);
  const Person person = population_.NewPerson(UtcTimeOf(at).year, nullptr);
  w.StartObject();
  w.Key("processName");
  String(w, process);
  w.Key("processStage");
  String(w, kStages[stage]);
  for (const char* key : {"date", "startDateTime", "endDateTime"}) {
    w.Key(key);
    String(w, IsoMillisText(at, /*zone=*/true));
  }
  render_.RegprcPerson(person, kind == ProfileKind::kRegprcLost, at, w);
  w.Key("assisted");
  w.StartArray();
  String(w, std::to_string(110001 + rng_.Below(60)));
  if (rng_.Chance(0.6)) String(w, std::to_string(110101 + rng_.Below(15)));
  w.EndArray();
  w.Key("enrollmentCenterId");
  String(w, std::to_string(center));
  w.Key("status");
  String(w, kStatuses[stage]);
  w.EndObject();
}

void ProfileGenerator::Impl::Prereg(int64_t at, GeneratedProfile* row) {
  JsonWriter& w = writer_;
  row->cr_by = "pre-registration";
  const Person p = population_.NewPerson(UtcTimeOf(at).year, nullptr);
  static constexpr std::string_view kStatuses[] = {"Pending_Appointment", "Booked", "Expired",
                                                   "Cancelled"};
  w.StartObject();
  w.Key("processName");
  w.String("preregistration");
  w.Key("processStage");
  w.String("preregistration");
  w.Key("date");
  String(w, IsoMillisText(at, /*zone=*/false));  // a LocalDateTime in UTC (§2.3)
  ProfileRenderer::YearOfBirthAndGender(p, w);
  w.Key("location");
  ProfileRenderer::Location(p, w);
  w.Key("preferredLanguage");
  String(w, kLanguages[p.language]);
  w.Key("channel");
  ProfileRenderer::ChannelNames(p, w);
  w.Key("enrollmentCenterId");
  String(w, std::to_string(10001 + rng_.Below(20)));
  w.Key("documents");
  ProfileRenderer::Documents(p, w);
  w.Key("status");
  String(w, kStatuses[rng_.Weighted(std::array{30.0, 50.0, 10.0, 10.0})]);
  w.EndObject();
}

bool ProfileGenerator::Impl::Next(GeneratedProfile* row, std::vector<ChannelInfoChange>* changes) {
  changes->clear();
  if (produced_ >= options_.count) return false;
  const int64_t at = EventTime();
  ProfileKind kind = static_cast<ProfileKind>(rng_.Weighted(options_.weights));
  // An update needs someone to update: the first ones of a run are new.
  if (kind == ProfileKind::kIdrepoUpdate && idrepo_pool_.empty()) kind = ProfileKind::kIdrepoNew;
  if (kind == ProfileKind::kAnnexureUpdate && annexure_pool_.empty()) {
    kind = ProfileKind::kAnnexureNew;
  }
  const bool malformed = options_.malformed_ratio > 0 && rng_.Chance(options_.malformed_ratio);
  row->table = TableOf(kind);
  row->kind = kind;
  row->malformed = malformed;
  row->id.clear();
  AppendUuid(&rng_, &row->id);
  row->process_stage.clear();
  row->cr_dtimes_us = at;
  row->upd_dtimes_us.reset();
  buffer_.Clear();
  writer_.Reset(buffer_);
  switch (row->table) {
    case ProfileTable::kIdrepo:
      if (kind == ProfileKind::kAnnexureNew || kind == ProfileKind::kAnnexureUpdate) {
        Annexure(kind, malformed, at, row);
      } else {
        Idrepo(kind, malformed, at, row, changes);
      }
      break;
    case ProfileTable::kRegprc:
      Regprc(kind, at, row);
      break;
    case ProfileTable::kPrereg:
      Prereg(at, row);
      break;
  }
  row->profile.assign(buffer_.GetString(), buffer_.GetSize());
  if (malformed) CorruptProfile(row->table, &rng_, &row->profile);
  ++produced_;
  return true;
}

ProfileGenerator::ProfileGenerator(const GeneratorOptions& options)
    : impl_(std::make_unique<Impl>(options)) {}
ProfileGenerator::~ProfileGenerator() = default;

bool ProfileGenerator::Next(GeneratedProfile* row, std::vector<ChannelInfoChange>* changes) {
  return impl_->Next(row, changes);
}

}  // namespace walcast::mosip
