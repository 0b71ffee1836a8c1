#include "mosip/digital_id.h"

#include <rapidjson/memorystream.h>

#include "core/encoding.h"
#include "mosip/profile_text.h"

namespace walcast::mosip {
namespace {

// SAX handler filling a DigitalId from a flat JSON object of strings; nested
// values and unknown keys are skipped.
class DigitalIdHandler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, DigitalIdHandler> {
 public:
  explicit DigitalIdHandler(DigitalId* out) : out_(out) {}
  bool Default() { return depth_ >= 1; }  // scalars only inside the object
  bool String(const char* s, rapidjson::SizeType n, bool) {
    if (depth_ != 1 || field_ == nullptr) return depth_ >= 1;
    field_->assign(s, n);
    return true;
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (depth_ == 1) field_ = DigitalIdField(std::string_view(s, n), out_);
    return true;
  }
  bool StartObject() {
    ++depth_;
    field_ = nullptr;
    return true;
  }
  bool EndObject(rapidjson::SizeType) {
    --depth_;
    return true;
  }
  bool StartArray() {
    if (depth_ < 1) return false;
    ++depth_;
    return true;
  }
  bool EndArray(rapidjson::SizeType) {
    --depth_;
    return true;
  }

 private:
  DigitalId* out_;
  std::string* field_ = nullptr;
  int depth_ = 0;
};

bool ParseDigitalIdJson(std::string_view text, rapidjson::Reader* reader, DigitalId* d) {
  ClearDigitalId(d);
  DigitalIdHandler handler(d);
  rapidjson::MemoryStream ms(text.data(), text.size());
  return !reader->Parse<rapidjson::kParseIterativeFlag>(ms, handler).IsError();
}

}  // namespace

void ClearDigitalId(DigitalId* d) {
  d->serial_no.clear();
  d->make.clear();
  d->model.clear();
  d->type.clear();
  d->device_sub_type.clear();
  d->device_provider.clear();
  d->device_provider_id.clear();
  d->date_time.clear();
}

std::string* DigitalIdField(std::string_view key, DigitalId* d) {
  if (key == "serialNo") return &d->serial_no;
  if (key == "make") return &d->make;
  if (key == "model") return &d->model;
  if (key == "type") return &d->type;
  if (key == "deviceSubType") return &d->device_sub_type;
  if (key == "deviceProvider") return &d->device_provider;
  if (key == "deviceProviderId") return &d->device_provider_id;
  if (key == "dateTime") return &d->date_time;
  return nullptr;
}

bool ReadDigitalIdText(std::string_view text, rapidjson::Reader* reader, std::string* scratch,
                       DigitalId* d) {
  // §5: try JSON, then a raw JWT's payload or plain base64, then give up.
  if (ParseDigitalIdJson(text, reader, d)) return true;
  std::string_view encoded = Trim(text);
  const size_t dot = encoded.find('.');
  if (dot != std::string_view::npos) {
    const size_t dot2 = encoded.find('.', dot + 1);
    encoded = encoded.substr(
        dot + 1, dot2 == std::string_view::npos ? std::string_view::npos : dot2 - dot - 1);
  }
  return DecodeBase64(encoded, scratch) && ParseDigitalIdJson(*scratch, reader, d);
}

}  // namespace walcast::mosip
