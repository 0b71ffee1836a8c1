#pragma once

// Helpers of the profile parser (profile_parser.cc) that hold no MOSIP
// knowledge: a depth limit on a RapidJSON SAX stream, and a bounded pool
// of list elements reused across parses.

#include <cstddef>
#include <cstdint>
#include <vector>

#include <rapidjson/rapidjson.h>

namespace walcast::mosip {

// SAX handler that forwards to a document and refuses nesting deeper than a
// limit (§5: a nesting-depth limit sends hand-made monsters to the DLQ).
template <typename Handler>
class DepthLimiter {
 public:
  DepthLimiter(Handler& inner, int max_depth) : inner_(inner), max_depth_(max_depth) {}
  bool exceeded() const { return exceeded_; }

  bool Null() { return inner_.Null(); }
  bool Bool(bool b) { return inner_.Bool(b); }
  bool Int(int i) { return inner_.Int(i); }
  bool Uint(unsigned u) { return inner_.Uint(u); }
  bool Int64(int64_t i) { return inner_.Int64(i); }
  bool Uint64(uint64_t u) { return inner_.Uint64(u); }
  bool Double(double d) { return inner_.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
    return inner_.RawNumber(s, n, copy);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return inner_.String(s, n, copy); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return inner_.Key(s, n, copy); }
  bool StartObject() { return Enter() && inner_.StartObject(); }
  bool EndObject(rapidjson::SizeType n) {
    --depth_;
    return inner_.EndObject(n);
  }
  bool StartArray() { return Enter() && inner_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) {
    --depth_;
    return inner_.EndArray(n);
  }

 private:
  bool Enter() {
    if (++depth_ > max_depth_) exceeded_ = true;
    return !exceeded_;
  }
  Handler& inner_;
  int max_depth_;
  int depth_ = 0;
  bool exceeded_ = false;
};

// Elements taken out of a reused Profile's lists, kept so that their long
// strings (digitalId text, hashes) lend their capacity to the next profile's
// elements instead of being freed and allocated again. Bounded.
template <typename T>
class Spares {
 public:
  void Reclaim(std::vector<T>* v) {
    for (T& e : *v) {
      if (spare_.size() < kMaxSpares) spare_.push_back(std::move(e));
    }
    v->clear();
  }
  // Appends an element to *v: a spare one (stale contents: overwrite them all)
  // or a new one.
  T& Add(std::vector<T>* v) {
    if (spare_.empty()) return v->emplace_back();
    v->push_back(std::move(spare_.back()));
    spare_.pop_back();
    return v->back();
  }

 private:
  static constexpr size_t kMaxSpares = 64;
  std::vector<T> spare_;
};

}  // namespace walcast::mosip
