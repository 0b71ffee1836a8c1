#include "privacy/key_ring.h"

#include <openssl/crypto.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/config.h"
#include "core/encoding.h"

namespace walcast::privacy {

KeyRing::~KeyRing() {
  for (auto& [id, key] : keys_) OPENSSL_cleanse(key.data(), key.size());
}

bool KeyRing::ValidId(std::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<KeyRing> KeyRing::Parse(std::string_view text, std::string_view source) {
  KeyRing ring;
  std::string current;
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find_first_of("\n;", pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string line = Trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    const std::string where = std::string(source) + " entry " + std::to_string(line_no);
    const size_t eq = line.find('=');
    if (eq == std::string::npos) {
      return Status::InvalidArgument(where + ": expected id=<base64 key> or current=<id>");
    }
    const std::string id = Trim(line.substr(0, eq));
    const std::string value = Trim(line.substr(eq + 1));
    if (id == "current") {
      current = value;
      continue;
    }
    if (!ValidId(id)) {
      return Status::InvalidArgument(where + ": key id '" + id +
                                     "' must be 1-32 characters of A-Z, a-z, 0-9, _ and -");
    }
    std::string key;
    if (!DecodeBase64(value, &key) || key.size() != kKeyBytes) {
      OPENSSL_cleanse(key.data(), key.size());
      return Status::InvalidArgument(where + ": key '" + id +
                                     "' is not the base64 of 32 bytes (AES-256)");
    }
    if (ring.keys_.count(id) != 0) {
      OPENSSL_cleanse(key.data(), key.size());
      return Status::InvalidArgument(where + ": key id '" + id + "' appears twice");
    }
    ring.keys_.emplace(id, std::move(key));
  }
  if (!current.empty() && ring.keys_.count(current) == 0) {
    return Status::InvalidArgument(std::string(source) + ": current=" + current +
                                   " names no key given there");
  }
  ring.current_id_ = std::move(current);
  return ring;
}

Status KeyRing::Merge(KeyRing&& other, std::string_view source) {
  for (auto& [id, key] : other.keys_) {
    auto it = keys_.find(id);
    if (it != keys_.end()) {
      if (CRYPTO_memcmp(it->second.data(), key.data(), kKeyBytes) != 0) {
        return Status::InvalidArgument(std::string(source) + ": key id '" + id +
                                       "' holds a different key than the key file");
      }
      continue;
    }
    keys_.emplace(id, key);
  }
  if (!other.current_id_.empty()) current_id_ = other.current_id_;
  return Status::Ok();
}

Result<KeyRing> KeyRing::Load(const std::string& path, const char* env_var) {
  KeyRing ring;
  if (!path.empty()) {
    std::ifstream in(path);
    if (!in) return Status::NotFound("privacy.keys.file '" + path + "' cannot be read");
    std::stringstream text;
    text << in.rdbuf();
    std::string content = text.str();
    Result<KeyRing> parsed = Parse(content, "privacy.keys.file '" + path + "'");
    OPENSSL_cleanse(content.data(), content.size());
    if (!parsed.ok()) return parsed.status();
    ring = std::move(parsed).value();
  }
  const char* env = env_var != nullptr ? std::getenv(env_var) : nullptr;
  if (env != nullptr && *env != '\0') {
    const std::string source = std::string("environment variable ") + env_var;
    WALCAST_ASSIGN_OR_RETURN(KeyRing from_env, Parse(env, source));
    WALCAST_RETURN_IF_ERROR(ring.Merge(std::move(from_env), source));
  }
  return ring;
}

std::vector<std::string> KeyRing::ids() const {
  std::vector<std::string> out;
  for (const auto& [id, key] : keys_) out.push_back(id);
  return out;
}

const std::string* KeyRing::Find(std::string_view id) const {
  auto it = keys_.find(id);
  return it == keys_.end() ? nullptr : &it->second;
}

}  // namespace walcast::privacy
