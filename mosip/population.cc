#include "mosip/population.h"

#include <array>
#include <iterator>
#include <string>

#include "mosip/channel_hash.h"

namespace walcast::mosip {
namespace {

constexpr double kGenderWeights[] = {49.5, 49.5, 1};
constexpr double kLanguageWeights[] = {50, 30, 20};
constexpr double kExceptionChance[] = {0.03, 0.01, 0.007};

// Age bands: [lo, hi] and weight; the remaining weight is "no date of birth".
struct AgeBand {
  int lo, hi;
  double weight;
};
constexpr AgeBand kAgeBands[] = {{0, 4, 8}, {5, 17, 20}, {18, 59, 57}, {60, 95, 13}};
constexpr double kUnknownBirthWeight = 2;

constexpr uint8_t kPhoneVerified = 1;
constexpr uint8_t kEmailVerified = 2;
constexpr uint8_t kNameVerified = 4;

// A person's phone or email: where it is kept, how channel_info names and
// hashes it, and how often a changed value is someone else's.
struct ChannelSpec {
  uint32_t Person::*value;
  std::string_view type;
  std::string_view none;
  std::string (*hash)(uint32_t);
  double changed_share;
  uint8_t verified;
};
constexpr ChannelSpec kChannelSpecs[] = {
    {&Person::phone, "phone", "NO_PHONE", PhoneHash, 0.05, kPhoneVerified},
    {&Person::email, "email", "NO_EMAIL", EmailHash, 0.01, kEmailVerified},
};

}  // namespace

Population::Population(Rng* rng) : rng_(rng) {
  for (int z = 0; z < kZoneCount; ++z) {
    zone_weights_[z] = 1.0 / (1 + z % 6);  // populous zones and quiet ones
  }
}

uint8_t Population::DrawZone() { return static_cast<uint8_t>(rng_->Weighted(zone_weights_)); }

uint8_t Population::DrawPostal() {
  return rng_->Chance(0.03) ? kNoPostal : static_cast<uint8_t>(rng_->Below(kPostalPerZone));
}

uint32_t Population::NewChannelValue(Channel channel, const std::vector<Person>* pool,
                                     double share) {
  // A family phone, or an operator typing their own number: the same value
  // on several identities (the "shared channel" metric, §4.4).
  const uint32_t Person::*value = kChannelSpecs[channel].value;
  if (pool != nullptr && !pool->empty() && rng_->Chance(share)) {
    const Person& other = (*pool)[rng_->Below(pool->size())];
    if (other.*value != 0) return other.*value;
  }
  return next_value_[channel]++;
}

Person Population::NewPerson(int event_year, const std::vector<Person>* pool) {
  Person p;
  double band_weights[std::size(kAgeBands) + 1];
  for (size_t i = 0; i < std::size(kAgeBands); ++i) band_weights[i] = kAgeBands[i].weight;
  band_weights[std::size(kAgeBands)] = kUnknownBirthWeight;
  const size_t band = rng_->Weighted(band_weights);
  int age = 30;
  if (band < std::size(kAgeBands)) {
    age = rng_->Between(kAgeBands[band].lo, kAgeBands[band].hi);
    p.birth_year = static_cast<int16_t>(event_year - age);
  }
  p.gender = static_cast<uint8_t>(rng_->Weighted(kGenderWeights));
  p.language = static_cast<uint8_t>(rng_->Weighted(kLanguageWeights));
  if (rng_->Chance(0.3)) p.second_language = static_cast<uint8_t>((p.language + 1) % 3);
  p.zone = DrawZone();
  p.postal = DrawPostal();
  if (rng_->Chance(0.85)) p.phone = NewChannelValue(kPhone, pool, 0.06);
  if (rng_->Chance(age < 15 ? 0.1 : 0.45)) p.email = NewChannelValue(kEmail, pool, 0.01);
  if (p.phone != 0 && rng_->Chance(0.15)) p.verified |= kPhoneVerified;
  if (p.email != 0 && rng_->Chance(0.05)) p.verified |= kEmailVerified;
  for (size_t i = 0; i < std::size(kExceptionSpecs); ++i) {
    if (rng_->Chance(kExceptionChance[i])) p.exceptions |= static_cast<uint8_t>(1u << i);
  }
  // Proof of identity, proof of address, and for most children a birth certificate.
  p.documents |= static_cast<uint16_t>(1u << rng_->Weighted(std::array{40.0, 30.0, 30.0}));
  p.documents |=
      static_cast<uint16_t>(1u << (3 + rng_->Weighted(std::array{35.0, 20.0, 15.0, 30.0})));
  if (rng_->Chance(age < 18 ? 0.9 : 0.2)) p.documents |= 1u << 7;
  return p;
}

void Population::ChannelsOfNew(const Person& p, int64_t at_us,
                               std::vector<ChannelInfoChange>* changes) {
  for (const ChannelSpec& spec : kChannelSpecs) {
    const uint32_t value = p.*spec.value;
    changes->push_back({value != 0 ? spec.hash(value) : std::string(spec.none),
                        std::string(spec.type), 1, at_us});
  }
}

// ChannelInfoHelper (§4.4): the old value -1 and the new one +1, where no
// value counts as NO_PHONE/NO_EMAIL; a removed value is never decremented.
// Nothing is recorded when `changes` is null.
void Population::ChangeChannel(Channel channel, Person* p, int64_t at_us,
                               const std::vector<Person>* pool,
                               std::vector<ChannelInfoChange>* changes) {
  const ChannelSpec& spec = kChannelSpecs[channel];
  uint32_t& value = p->*spec.value;
  const bool removed = value != 0 && rng_->Chance(0.1);
  const uint32_t replacement = removed ? 0 : NewChannelValue(channel, pool, spec.changed_share);
  if (changes != nullptr && replacement != 0 && replacement != value) {
    const std::string type(spec.type);
    changes->push_back({value != 0 ? spec.hash(value) : std::string(spec.none), type, -1, at_us});
    changes->push_back({spec.hash(replacement), type, 1, at_us});
  }
  value = replacement;
  p->verified &= static_cast<uint8_t>(~spec.verified);
}

void Population::Mutate(Person* p, int64_t at_us, const std::vector<Person>* pool,
                        std::vector<ChannelInfoChange>* changes) {
  switch (rng_->Weighted(std::array{25.0, 15.0, 10.0, 15.0, 10.0, 5.0, 3.0, 2.0, 15.0})) {
    case 0:  // moved
      p->zone = DrawZone();
      p->postal = DrawPostal();
      break;
    case 1:  // phone added, changed or removed
      ChangeChannel(kPhone, p, at_us, pool, changes);
      break;
    case 2:  // email added, changed or removed
      ChangeChannel(kEmail, p, at_us, pool, changes);
      break;
    case 3:  // an attribute verified (OTP, eKYC)
      if (p->phone != 0 && !(p->verified & kPhoneVerified)) {
        p->verified |= kPhoneVerified;
      } else if (p->email != 0 && !(p->verified & kEmailVerified)) {
        p->verified |= kEmailVerified;
      } else {
        p->verified |= kNameVerified;
      }
      break;
    case 4:  // a document added
      p->documents |= static_cast<uint16_t>(1u << rng_->Below(std::size(kDocuments)));
      break;
    case 5:
      p->language = static_cast<uint8_t>(rng_->Weighted(kLanguageWeights));
      break;
    case 6:
      p->gender = static_cast<uint8_t>(rng_->Weighted(kGenderWeights));
      break;
    case 7:  // date of birth corrected
      if (p->birth_year > 0) {
        p->birth_year = static_cast<int16_t>(p->birth_year + (rng_->Chance(0.5) ? 1 : -1));
      }
      break;
    default:  // a name or address-line change: nothing profiled changes (§4.6)
      break;
  }
}

}  // namespace walcast::mosip
