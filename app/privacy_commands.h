#pragma once

#include <boost/program_options.hpp>
#include <iosfwd>
#include <memory>
#include <string>

#include "core/config.h"
#include "core/pipeline.h"
#include "core/status.h"
#include "privacy/key_ring.h"
#include "privacy/rules.h"
#include "privacy/subject_keys.h"

namespace walcast::app {

// The privacy transforms of one pipeline (docs/privacy.md): the parsed
// rules, the master key ring and, with privacy.subject.*, the subject key
// store. Owned by RunCommand; must outlive the pipeline whose transform
// borrows it.
struct PrivacyRuntime {
  privacy::RuleSet rules;
  privacy::KeyRing ring;
  std::unique_ptr<privacy::SubjectKeyStore> subjects;
};

// The privacy.* settings of `config`. kInvalidArgument naming the key.
Result<privacy::RuleSet> PrivacyRulesFrom(const Config& config);

// Where the subject keys live: privacy.state.dir, or
// <state.dir>/privacy-<slot.name>.
std::string PrivacyStateDir(const Config& config, const privacy::RuleSet& rules);

// Opens what the rules need: null when there are no rules. kInvalidArgument
// for a missing or malformed key ring, kUnavailable when the subject key
// store is held by another walcast.
Result<std::unique_ptr<PrivacyRuntime>> OpenPrivacy(const Config& config);

// Sets the pipeline's row transform from `runtime` (borrowed).
Status InstallPrivacyTransform(PrivacyRuntime* runtime, Pipeline* pipeline);

// The flags of the `privacy` commands, for --help.
boost::program_options::options_description PrivacyFlags();

// `walcast privacy <sub>`: report, decrypt, forget, export-keys,
// import-keys. Writes results to `out`, problems to `err`.
// kInvalidArgument for an unknown sub-command or a missing flag; decrypt
// returns kCorruption when some ciphertext did not decrypt (each is
// listed on `err` by its place, never its value).
Status PrivacyCommand(const std::string& sub, const Config& config,
                      const boost::program_options::variables_map& vm, std::istream& in,
                      std::ostream& out, std::ostream& err);

}  // namespace walcast::app
