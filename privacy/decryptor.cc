#include "privacy/decryptor.h"

#include <openssl/crypto.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "privacy/cipher.h"
#include "privacy/row_transformer.h"

namespace walcast::privacy {
namespace {

using JsonValue = rapidjson::Value;
using Allocator = rapidjson::Document::AllocatorType;

std::string Serialize(const JsonValue& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

Result<std::string> Decryptor::DecryptValue(std::string_view text) {
  WALCAST_ASSIGN_OR_RETURN(Sealed sealed, ParseSealed(text));
  if (sealed.key_id.rfind("s.", 0) == 0) {
    if (subjects_ == nullptr) {
      return Status::NotFound("subject key '" + sealed.key_id + "': no privacy key state");
    }
    WALCAST_ASSIGN_OR_RETURN(std::string key, subjects_->Find(sealed.key_id, *ring_));
    Result<std::string> plain = Open(key, sealed);
    OPENSSL_cleanse(key.data(), key.size());
    return plain;
  }
  const std::string* key = ring_->Find(sealed.key_id);
  if (key == nullptr) {
    return Status::NotFound("master key '" + sealed.key_id + "' is not in the key ring");
  }
  return Open(*key, sealed);
}

Result<std::string> Decryptor::DecryptDocument(std::string_view json, Outcome* outcome) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) return Status::InvalidArgument("input is not JSON");
  // Returns whether anything below changed.
  auto walk = [&](auto&& self, JsonValue& v, const std::string& where, Allocator& alloc) -> bool {
    bool changed = false;
    if (v.IsObject()) {
      for (auto& m : v.GetObject()) {
        changed |= self(self, m.value, where + "/" + m.name.GetString(), alloc);
      }
    } else if (v.IsArray()) {
      for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
        changed |= self(self, v[i], where + "/" + std::to_string(i), alloc);
      }
    } else if (v.IsString()) {
      const std::string_view s(v.GetString(), v.GetStringLength());
      if (s.rfind(kSealedPrefix, 0) == 0) {
        Result<std::string> plain = DecryptValue(s);
        if (!plain.ok() || plain->empty()) {
          outcome->failures.push_back(
              where + ": " +
              (plain.ok() ? std::string("empty plaintext") : plain.status().message()));
          return false;
        }
        const char type = (*plain)[0];
        const std::string_view body = std::string_view(*plain).substr(1);
        rapidjson::Document parsed;
        if (type == kPlainJson) parsed.Parse(body.data(), body.size());
        if (type == kPlainJson && !parsed.HasParseError()) {
          v.CopyFrom(parsed, alloc);
        } else {
          v.SetString(body.data(), static_cast<rapidjson::SizeType>(body.size()), alloc);
        }
        OPENSSL_cleanse(plain->data(), plain->size());
        ++outcome->decrypted;
        return true;
      }
      if (!s.empty() && (s[0] == '{' || s[0] == '[')) {
        rapidjson::Document inner;
        inner.Parse(s.data(), s.size());
        if (!inner.HasParseError() && self(self, inner, where, inner.GetAllocator())) {
          const std::string text = Serialize(inner);
          v.SetString(text.data(), static_cast<rapidjson::SizeType>(text.size()), alloc);
          return true;
        }
      }
    }
    return changed;
  };
  walk(walk, doc, "", doc.GetAllocator());
  return Serialize(doc);
}

}  // namespace walcast::privacy
