#include "app/kafka_client_config.h"

#include <array>
#include <fstream>
#include <regex>
#include <string_view>
#include <utility>

namespace walcast::app {

namespace {

Status Invalid(const std::string& key, const std::string& why) {
  return Status::InvalidArgument("config key '" + key + "': " + why);
}

// KEY's value in the Java properties file PATH (key=value or key: value
// lines, # and ! comments), as FileConfigProvider reads it.
Result<std::string> PropertiesFileValue(const std::string& config_key, const std::string& path,
                                        const std::string& key) {
  std::ifstream in(path);
  if (!in) return Invalid(config_key, "cannot read the secrets file " + path);
  std::string line;
  while (std::getline(in, line)) {
    const std::string trimmed = Trim(line);
    if (trimmed.empty() || trimmed[0] == '#' || trimmed[0] == '!') continue;
    const size_t sep = trimmed.find_first_of("=:");
    if (sep == std::string::npos || Trim(trimmed.substr(0, sep)) != key) continue;
    return Trim(trimmed.substr(sep + 1));
  }
  return Invalid(config_key, "no key '" + key + "' in the secrets file " + path);
}

// `value` with a whole-value ${env:NAME} or ${file:PATH:KEY} replaced.
Result<std::string> Resolve(const std::string& config_key, const std::string& value,
                            const EnvLookup& env) {
  if (!value.starts_with("${") || !value.ends_with("}")) return value;
  const std::string inner = value.substr(2, value.size() - 3);
  if (inner.starts_with("env:")) {
    const std::string name = inner.substr(4);
    const char* found = env(name.c_str());
    if (found == nullptr)
      return Invalid(config_key, "environment variable " + name + " is not set");
    return std::string(found);
  }
  if (inner.starts_with("file:")) {
    const std::string rest = inner.substr(5);
    const size_t colon = rest.rfind(':');
    if (colon == std::string::npos || colon == 0) {
      return Invalid(config_key, "expected ${file:PATH:KEY}");
    }
    return PropertiesFileValue(config_key, rest.substr(0, colon), rest.substr(colon + 1));
  }
  return Invalid(config_key, "unknown config provider in ${...}; walcast knows env: and file:");
}

// sasl.jaas.config: `<LoginModule class> required username="u" password="p";`.
Status MapJaas(const std::string& config_key, const std::string& jaas,
               std::map<std::string, std::string>* out) {
  static const std::regex kModule(
      R"(^\s*([A-Za-z0-9_.$]+)\s+(required|requisite|sufficient|optional)\b)");
  std::smatch module;
  if (!std::regex_search(jaas, module, kModule)) {
    return Invalid(config_key, "not a JAAS login module line");
  }
  const std::string cls = module[1];
  if (cls != "org.apache.kafka.common.security.scram.ScramLoginModule" &&
      cls != "org.apache.kafka.common.security.plain.PlainLoginModule") {
    return Invalid(config_key, "login module " + cls +
                                   " is not supported; use ScramLoginModule or PlainLoginModule, "
                                   "or librdkafka's sasl.* keys");
  }
  static const std::regex kOption(R"re(\b(username|password)\s*=\s*"((?:[^"\\]|\\.)*)")re");
  for (auto it = std::sregex_iterator(jaas.begin(), jaas.end(), kOption);
       it != std::sregex_iterator(); ++it) {
    std::string text = (*it)[2];
    std::string unescaped;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\\' && i + 1 < text.size()) ++i;
      unescaped += text[i];
    }
    // An explicit sasl.username / sasl.password wins.
    out->emplace("sasl." + std::string((*it)[1]), std::move(unescaped));
  }
  if (out->find("sasl.username") == out->end()) {
    return Invalid(config_key, "no username=\"...\" in the JAAS line");
  }
  return Status::Ok();
}

// Java's trust and key store settings, which librdkafka names differently.
Status MapStores(const std::string& key_prefix, std::map<std::string, std::string>* settings) {
  auto take = [&](const std::string& key) {
    std::string value;
    if (auto it = settings->find(key); it != settings->end()) {
      value = it->second;
      settings->erase(it);
    }
    return value;
  };
  const std::string truststore_type = LowerAscii(take("ssl.truststore.type"));
  if (settings->count("ssl.truststore.location") != 0) {
    if (truststore_type != "pem") {
      return Invalid(key_prefix + "ssl.truststore.location",
                     "librdkafka reads no Java truststore; export its CA certificates to a PEM "
                     "file (keytool -exportcert -rfc) and set kafka.ssl.ca.location");
    }
    settings->emplace("ssl.ca.location", take("ssl.truststore.location"));
    (void)take("ssl.truststore.password");
  }
  const std::string keystore_type = LowerAscii(take("ssl.keystore.type"));
  if (!keystore_type.empty() && keystore_type != "pkcs12") {
    return Invalid(key_prefix + "ssl.keystore.type",
                   "librdkafka reads PKCS12 keystores only; convert it (keytool -importkeystore "
                   "-deststoretype PKCS12) or set kafka.ssl.certificate.location and "
                   "kafka.ssl.key.location");
  }
  return Status::Ok();
}

}  // namespace

Result<std::map<std::string, std::string>> KafkaClientSettings(const Config& config,
                                                               const EnvLookup& env) {
  std::map<std::string, std::string> settings;
  std::string jaas;
  std::string jaas_key;
  for (const std::string prefix : {"producer.", "producer.override.", "kafka."}) {
    for (const auto& [key, raw] : config.WithPrefix(prefix)) {
      // producer.override.* is a family of its own, not a worker key.
      if (prefix == "producer." && key.starts_with("override.")) continue;
      WALCAST_ASSIGN_OR_RETURN(std::string value, Resolve(prefix + key, raw, env));
      if (key == "sasl.jaas.config") {
        jaas = std::move(value);
        jaas_key = prefix + key;
        continue;
      }
      settings[key] = std::move(value);
    }
  }
  if (!jaas_key.empty()) WALCAST_RETURN_IF_ERROR(MapJaas(jaas_key, jaas, &settings));
  WALCAST_RETURN_IF_ERROR(MapStores("kafka.", &settings));
  static constexpr std::array<std::pair<std::string_view, const char*>, 3> kSecretEnv = {{
      {"sasl.password", "WALCAST_KAFKA_SASL_PASSWORD"},
      {"ssl.key.password", "WALCAST_KAFKA_SSL_KEY_PASSWORD"},
      {"ssl.keystore.password", "WALCAST_KAFKA_SSL_KEYSTORE_PASSWORD"},
  }};
  for (const auto& [key, variable] : kSecretEnv) {
    if (settings.count(std::string(key)) != 0) continue;
    if (const char* value = env(variable); value != nullptr) settings.emplace(key, value);
  }
  return settings;
}

}  // namespace walcast::app
