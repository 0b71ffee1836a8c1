#include "app/privacy_commands.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "core/log.h"
#include "privacy/decryptor.h"
#include "privacy/report.h"
#include "privacy/row_transformer.h"

namespace walcast::app {
namespace {

namespace po = boost::program_options;

Result<privacy::KeyRing> LoadRing(const privacy::RuleSet& rules) {
  Result<privacy::KeyRing> ring = privacy::KeyRing::Load(rules.keys_file, privacy::kKeysEnvVar);
  if (!ring.ok()) return Status::InvalidArgument(ring.status().message());
  return ring;
}

Status Report(const Config& config, bool json, std::ostream& out) {
  WALCAST_ASSIGN_OR_RETURN(privacy::RuleSet rules, PrivacyRulesFrom(config));
  const privacy::ProcessingReport report =
      privacy::BuildReport(rules, config.GetList("sinks"), config.GetList("table.include.list"),
                           config.Has("metrics.definitions.file") &&
                               !config.GetString("metrics.definitions.file").empty());
  out << (json ? privacy::ReportJson(report) : privacy::ReportMarkdown(report));
  return Status::Ok();
}

Status Decrypt(const Config& config, const po::variables_map& vm, std::istream& in,
               std::ostream& out, std::ostream& err) {
  WALCAST_ASSIGN_OR_RETURN(privacy::RuleSet rules, PrivacyRulesFrom(config));
  WALCAST_ASSIGN_OR_RETURN(privacy::KeyRing ring, LoadRing(rules));
  std::unique_ptr<privacy::SubjectKeyStore> subjects;
  if (rules.NeedsSubjectKeys()) {
    // Read-only: decrypting while `run` holds the store is fine.
    WALCAST_ASSIGN_OR_RETURN(subjects,
                             privacy::SubjectKeyStore::Open(PrivacyStateDir(config, rules), true));
  }
  std::ifstream file;
  std::istream* input = &in;
  if (vm.count("input") && vm["input"].as<std::string>() != "-") {
    file.open(vm["input"].as<std::string>());
    if (!file) {
      return Status::NotFound("--input '" + vm["input"].as<std::string>() + "' cannot be read");
    }
    input = &file;
  }
  privacy::Decryptor decryptor(&ring, subjects.get());
  // One JSON document per line (kafka-console-consumer, _search hits
  // extracted with jq -c), or one document over several lines.
  std::stringstream all;
  all << input->rdbuf();
  privacy::Decryptor::Outcome outcome;
  const std::string text = all.str();
  if (Result<std::string> whole = decryptor.DecryptDocument(text, &outcome); whole.ok()) {
    out << *whole << "\n";
  } else {
    outcome = {};
    std::istringstream lines(text);
    std::string line;
    int line_no = 0;
    while (std::getline(lines, line)) {
      ++line_no;
      if (Trim(line).empty()) continue;
      privacy::Decryptor::Outcome one;
      Result<std::string> clear = decryptor.DecryptDocument(line, &one);
      if (!clear.ok())
        return Status::InvalidArgument("line " + std::to_string(line_no) + " is not JSON");
      out << *clear << "\n";
      outcome.decrypted += one.decrypted;
      for (std::string& f : one.failures) {
        outcome.failures.push_back("line " + std::to_string(line_no) + " " + f);
      }
    }
  }
  out.flush();
  for (const std::string& f : outcome.failures) err << "walcast: not decrypted: " << f << "\n";
  if (!outcome.failures.empty()) {
    return Status::Corruption(std::to_string(outcome.failures.size()) +
                              " ciphertext(s) did not decrypt, " +
                              std::to_string(outcome.decrypted) + " did");
  }
  return Status::Ok();
}

Result<std::unique_ptr<privacy::SubjectKeyStore>> OpenStoreForWrite(const Config& config,
                                                                    const privacy::RuleSet& rules) {
  Result<std::unique_ptr<privacy::SubjectKeyStore>> store =
      privacy::SubjectKeyStore::Open(PrivacyStateDir(config, rules), false);
  if (!store.ok() && store.status().IsUnavailable()) {
    return Status::Unavailable(store.status().message() +
                               " (is walcast running on this pipeline? stop it first)");
  }
  return store;
}

Status Forget(const Config& config, const po::variables_map& vm, std::ostream& out) {
  if (!vm.count("subject")) {
    return Status::InvalidArgument("privacy forget needs --subject ID");
  }
  WALCAST_ASSIGN_OR_RETURN(privacy::RuleSet rules, PrivacyRulesFrom(config));
  if (!rules.NeedsSubjectKeys()) {
    return Status::InvalidArgument("privacy forget needs privacy.subject.<schema>.<table>");
  }
  WALCAST_ASSIGN_OR_RETURN(privacy::KeyRing ring, LoadRing(rules));
  const std::string id = rules.hash_key_id.empty() ? ring.current_id() : rules.hash_key_id;
  if (ring.Find(id) == nullptr) {
    return Status::InvalidArgument("config key 'privacy.hash.key.id': no key '" + id + "'");
  }
  WALCAST_ASSIGN_OR_RETURN(std::unique_ptr<privacy::SubjectKeyStore> store,
                           OpenStoreForWrite(config, rules));
  // The subject's index under every key of the ring, not only the hash key
  // in use now: keys made before a change of privacy.hash.key.id (or of the
  // current key it defaulted to) are indexed under the key of their time.
  int destroyed = 0;
  for (const std::string& key_id : ring.ids()) {
    const std::string index =
        privacy::SubjectIndex(*ring.Find(key_id), vm["subject"].as<std::string>());
    WALCAST_ASSIGN_OR_RETURN(int n, store->Forget(index));
    destroyed += n;
  }
  const std::string index = privacy::SubjectIndex(*ring.Find(id), vm["subject"].as<std::string>());
  // The subject id is personal data too: only its index is printed.
  log::Info("privacy: subject forgotten", {{"subject_index", index}, {"keys", destroyed}});
  out << "forgot subject " << index << ": " << destroyed << " key(s) destroyed\n";
  return Status::Ok();
}

Status ExportKeys(const Config& config, const po::variables_map& vm, std::ostream& out) {
  WALCAST_ASSIGN_OR_RETURN(privacy::RuleSet rules, PrivacyRulesFrom(config));
  WALCAST_ASSIGN_OR_RETURN(std::unique_ptr<privacy::SubjectKeyStore> store,
                           privacy::SubjectKeyStore::Open(PrivacyStateDir(config, rules), true));
  if (vm.count("output") && vm["output"].as<std::string>() != "-") {
    std::ofstream file(vm["output"].as<std::string>());
    if (!file) return Status::NotFound("--output cannot be written");
    return store->Export(file);
  }
  return store->Export(out);
}

Status ImportKeys(const Config& config, const po::variables_map& vm, std::istream& in,
                  std::ostream& out) {
  WALCAST_ASSIGN_OR_RETURN(privacy::RuleSet rules, PrivacyRulesFrom(config));
  WALCAST_ASSIGN_OR_RETURN(std::unique_ptr<privacy::SubjectKeyStore> store,
                           OpenStoreForWrite(config, rules));
  std::ifstream file;
  std::istream* input = &in;
  if (vm.count("input") && vm["input"].as<std::string>() != "-") {
    file.open(vm["input"].as<std::string>());
    if (!file) return Status::NotFound("--input cannot be read");
    input = &file;
  }
  WALCAST_ASSIGN_OR_RETURN(int count, store->Import(*input));
  out << "imported " << count << " entries\n";
  return Status::Ok();
}

}  // namespace

Result<privacy::RuleSet> PrivacyRulesFrom(const Config& config) {
  return privacy::ParseRules(config.WithPrefix("privacy."));
}

std::string PrivacyStateDir(const Config& config, const privacy::RuleSet& rules) {
  if (!rules.state_dir.empty()) return rules.state_dir;
  return config.GetString("state.dir") + "/privacy-" + config.GetString("slot.name");
}

Result<std::unique_ptr<PrivacyRuntime>> OpenPrivacy(const Config& config) {
  WALCAST_ASSIGN_OR_RETURN(privacy::RuleSet rules, PrivacyRulesFrom(config));
  if (rules.empty()) return std::unique_ptr<PrivacyRuntime>();
  auto runtime = std::make_unique<PrivacyRuntime>();
  if (rules.NeedsKeys() || rules.NeedsSubjectKeys()) {
    WALCAST_ASSIGN_OR_RETURN(runtime->ring, LoadRing(rules));
  }
  if (rules.NeedsSubjectKeys()) {
    WALCAST_ASSIGN_OR_RETURN(runtime->subjects, OpenStoreForWrite(config, rules));
  }
  runtime->rules = std::move(rules);
  return runtime;
}

Status InstallPrivacyTransform(PrivacyRuntime* runtime, Pipeline* pipeline) {
  Result<std::unique_ptr<privacy::RowTransformer>> transform =
      privacy::RowTransformer::Create(runtime->rules, &runtime->ring, runtime->subjects.get());
  if (!transform.ok()) return transform.status();
  log::Info("privacy transforms on",
            {{"rules", runtime->rules.rules.size()},
             {"subjects", runtime->rules.subjects.size()},
             {"thread", runtime->rules.transform_thread ? "true" : "false"}});
  pipeline->SetRowTransform(std::move(transform).value(), runtime->rules.transform_thread);
  return Status::Ok();
}

po::options_description PrivacyFlags() {
  po::options_description d("privacy options (docs/privacy.md)");
  auto add = d.add_options();
  add("subject", po::value<std::string>()->value_name("ID"),
      "with privacy forget: the subject whose data key is destroyed");
  add("input", po::value<std::string>()->value_name("FILE"),
      "with privacy decrypt / import-keys: read FILE instead of stdin");
  return d;
}

Status PrivacyCommand(const std::string& sub, const Config& config, const po::variables_map& vm,
                      std::istream& in, std::ostream& out, std::ostream& err) {
  if (sub == "report") return Report(config, vm.count("json") > 0, out);
  if (sub == "decrypt") return Decrypt(config, vm, in, out, err);
  if (sub == "forget") return Forget(config, vm, out);
  if (sub == "export-keys") return ExportKeys(config, vm, out);
  if (sub == "import-keys") return ImportKeys(config, vm, in, out);
  return Status::InvalidArgument("unknown privacy command '" + sub +
                                 "' (report, decrypt, forget, export-keys, import-keys)");
}

}  // namespace walcast::app
