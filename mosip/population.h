#pragma once

// The people behind generated profiles (profile_generator.h): the values
// their profiled attributes take, how often, and how an identity changes
// between two snapshots. docs/profiles.md ("What the data looks like") gives
// the proportions in prose.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "mosip/generated_rows.h"
#include "mosip/rng.h"

namespace walcast::mosip {

inline constexpr std::string_view kGenders[] = {"Female", "Male", "Others"};
inline constexpr std::string_view kLanguages[] = {"eng", "fra", "ara"};
inline constexpr std::string_view kZones[] = {
    "Zone-North", "Zone-South", "Zone-East",    "Zone-West",  "Zone-Central", "Zone-Coast",
    "Zone-Hills", "Zone-Valley", "Zone-Delta", "Zone-Plateau", "Zone-Lakes",  "Zone-Desert"};
inline constexpr int kZoneCount = 12;
inline constexpr int kPostalPerZone = 20;
inline constexpr uint8_t kNoPostal = 0xFF;
inline constexpr uint8_t kNoLanguage = 0xFF;
// Document type codes (master.doc_type.code); bit i of Person::documents.
inline constexpr std::string_view kDocuments[] = {"DOC001", "DOC002", "DOC003", "DOC004",
                                                  "DOC005", "DOC006", "DOC007", "DOC008",
                                                  "DOC009", "DOC010"};
// Attributes that can be verified; bit i of Person::verified.
inline constexpr std::string_view kVerifiable[] = {"phone", "email", "fullName"};

// A biometric exception (bit i of Person::exceptions), in each producer's spelling.
struct ExceptionSpec {
  std::string_view type;   // idrepo
  std::string_view upper;  // regprc
  std::string_view sub_type;
  std::string_view label;  // Annexure A
};
inline constexpr ExceptionSpec kExceptionSpecs[] = {
    {"Finger", "FINGER", "Left Thumb", "Finger/LeftThumb"},
    {"Finger", "FINGER", "Right IndexFinger", "Finger/RightIndex"},
    {"Iris", "IRIS", "Left", "Iris/Left"},
};

// One person's profiled attributes: all a snapshot is rendered from, so the
// old side of an update is exactly the new side that person had before.
struct Person {
  int16_t birth_year = 0;  // 0: no date of birth (yearOfBirth null; regprc writes 0)
  uint8_t gender = 0;
  uint8_t language = 0;
  uint8_t second_language = kNoLanguage;  // Annexure A's preferredLanguages[1]
  uint8_t zone = 0;
  uint8_t postal = 0;    // kNoPostal: the level is missing (dropped, not blank)
  uint8_t verified = 0;  // bits over kVerifiable
  uint8_t exceptions = 0;
  uint16_t documents = 0;
  uint32_t phone = 0;  // 0: none; PhoneHash(phone) otherwise
  uint32_t email = 0;  // 0: none; EmailHash(email) otherwise
};

// Draws new people and changes existing ones. Phone and email numbers are
// handed out in order, so each value is new unless deliberately shared.
// Borrows `rng`, which must outlive it. Not thread-safe.
class Population {
 public:
  explicit Population(Rng* rng);

  // A new person whose events happen in `event_year`. Their phone or email
  // may be taken from someone in `pool` (may be null).
  Person NewPerson(int event_year, const std::vector<Person>* pool);
  // Changes one profiled attribute (or none, like a name change), recording
  // ChannelInfoHelper's steps, stamped `at_us`, in *changes when `changes`
  // is non-null. New phones and emails may be taken from someone in `pool`.
  void Mutate(Person* p, int64_t at_us, const std::vector<Person>* pool,
              std::vector<ChannelInfoChange>* changes);
  // ChannelInfoHelper's steps for a new identity: +1 on its phone hash (or
  // NO_PHONE) and on its email hash (or NO_EMAIL).
  static void ChannelsOfNew(const Person& p, int64_t at_us,
                            std::vector<ChannelInfoChange>* changes);

 private:
  enum Channel : uint8_t { kPhone, kEmail };  // kChannelSpecs' order (population.cc)

  uint8_t DrawZone();
  uint8_t DrawPostal();
  // A value for a new or changed channel: with probability `share`
  // someone's in `pool`, else a new one.
  uint32_t NewChannelValue(Channel channel, const std::vector<Person>* pool, double share);
  // The channel added, changed or removed.
  void ChangeChannel(Channel channel, Person* p, int64_t at_us, const std::vector<Person>* pool,
                     std::vector<ChannelInfoChange>* changes);

  Rng* rng_;
  double zone_weights_[kZoneCount] = {};
  uint32_t next_value_[2] = {1, 1};  // by Channel
};

}  // namespace walcast::mosip
