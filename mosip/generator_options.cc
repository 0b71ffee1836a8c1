#include "mosip/generator_options.h"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <string>

namespace walcast::mosip {
namespace {

constexpr std::string_view kKindNames[kProfileKindCount] = {
    "idrepo-new",    "idrepo-update", "idrepo-empty",   "regprc-new",
    "regprc-update", "regprc-lost",   "regprc-other",   "regprc-sync",
    "prereg",        "annexure-new",  "annexure-update"};

double& Weight(GeneratorOptions* o, ProfileKind k) { return o->weights[static_cast<size_t>(k)]; }

bool AnyWeight(const GeneratorOptions& o) {
  return std::any_of(o.weights.begin(), o.weights.end(), [](double w) { return w > 0; });
}

}  // namespace

std::string_view ProfileKindName(ProfileKind kind) { return kKindNames[static_cast<size_t>(kind)]; }

std::string_view ProfileTableName(ProfileTable table) {
  switch (table) {
    case ProfileTable::kIdrepo:
      return "idrepo.anonymous_profile";
    case ProfileTable::kRegprc:
      return "regprc.anonymous_profile";
    case ProfileTable::kPrereg:
      return "prereg.anonymous_profile";
  }
  return "";
}

ProfileTable TableOf(ProfileKind kind) {
  switch (kind) {
    case ProfileKind::kRegprcNew:
    case ProfileKind::kRegprcUpdate:
    case ProfileKind::kRegprcLost:
    case ProfileKind::kRegprcOther:
    case ProfileKind::kRegprcSync:
      return ProfileTable::kRegprc;
    case ProfileKind::kPrereg:
      return ProfileTable::kPrereg;
    default:
      return ProfileTable::kIdrepo;
  }
}

GeneratorOptions::GeneratorOptions() {
  Status s = ApplyShape("all", this);
  WALCAST_CHECK(s.ok());
}

Status ApplyShape(std::string_view shape, GeneratorOptions* options) {
  using K = ProfileKind;
  options->weights.fill(0);
  const bool all = shape == "all";
  if (all || shape == "idrepo") {
    // Mostly first issuance; MOSIP writes the all-null profile only when its
    // builder throws.
    Weight(options, K::kIdrepoNew) = all ? 33 : 70;
    Weight(options, K::kIdrepoUpdate) = all ? 12 : 29.9;
    Weight(options, K::kIdrepoEmpty) = 0.1;
  }
  if (all || shape == "regprc") {
    // One SYNC stub per registration plus its full profile(s).
    Weight(options, K::kRegprcNew) = all ? 16 : 40;
    Weight(options, K::kRegprcUpdate) = all ? 5 : 12;
    Weight(options, K::kRegprcLost) = all ? 2 : 5;
    Weight(options, K::kRegprcOther) = all ? 2 : 5;
    Weight(options, K::kRegprcSync) = all ? 15 : 38;
  }
  if (all || shape == "prereg") Weight(options, K::kPrereg) = all ? 12 : 1;
  if (all || shape == "annexure") {
    Weight(options, K::kAnnexureNew) = all ? 1.6 : 60;
    Weight(options, K::kAnnexureUpdate) = all ? 1.3 : 40;
  }
  if (!AnyWeight(*options)) {
    return Status::InvalidArgument("--shape '" + std::string(shape) +
                                   "': expected all, idrepo, regprc, prereg or annexure");
  }
  return Status::Ok();
}

Status ApplyMix(std::string_view mix, GeneratorOptions* options) {
  options->weights.fill(0);
  size_t start = 0;
  while (start <= mix.size()) {
    const size_t comma = std::min(mix.find(',', start), mix.size());
    const std::string_view item = mix.substr(start, comma - start);
    start = comma + 1;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return Status::InvalidArgument("--mix: '" + std::string(item) + "' is not kind=weight");
    }
    const std::string_view name = item.substr(0, eq);
    const std::string_view value = item.substr(eq + 1);
    const auto* it = std::find(std::begin(kKindNames), std::end(kKindNames), name);
    if (it == std::end(kKindNames)) {
      std::string known;
      for (std::string_view k : kKindNames) known += (known.empty() ? "" : ", ") + std::string(k);
      return Status::InvalidArgument("--mix: unknown kind '" + std::string(name) +
                                     "' (kinds: " + known + ")");
    }
    double w = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), w);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size() || !(w >= 0) ||
        w > 1e12) {
      return Status::InvalidArgument("--mix: weight '" + std::string(value) + "' for " +
                                     std::string(name) + " is not a number >= 0");
    }
    options->weights[static_cast<size_t>(it - std::begin(kKindNames))] = w;
  }
  if (!AnyWeight(*options)) return Status::InvalidArgument("--mix: every weight is 0");
  return Status::Ok();
}

}  // namespace walcast::mosip
