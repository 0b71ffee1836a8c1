#pragma once

// A small JSON path over a RapidJSON value, for projection fields that read
// inside a JSON/JSONB column: `$` (the document), `.name` (member), `[N]`
// (array element) and `[*]` (every element; the values found are joined).
// Parsed once when the definitions load; evaluation allocates nothing.
//
// Thread: immutable after Parse; any thread.

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "rapidjson/document.h"

namespace walcast::projections {

class JsonPath {
 public:
  // kInvalidArgument (naming the offset) when `text` is not `$` followed by
  // `.name`, `['name']`, `[N]` or `[*]` steps.
  static Result<JsonPath> Parse(std::string_view text);

  // Calls fn(value) for every value the path reaches in `root` (none when a
  // member is missing or a step meets the wrong type).
  template <typename Fn>
  void Visit(const rapidjson::Value& root, Fn&& fn) const {
    VisitFrom(root, 0, fn);
  }
  // The first value reached, or nullptr.
  const rapidjson::Value* First(const rapidjson::Value& root) const;

  const std::string& text() const { return text_; }

 private:
  struct Step {
    enum class Kind { kMember, kIndex, kAll } kind = Kind::kMember;
    std::string name;
    size_t index = 0;
  };

  template <typename Fn>
  void VisitFrom(const rapidjson::Value& v, size_t step, Fn& fn) const {
    if (step == steps_.size()) {
      fn(v);
      return;
    }
    const Step& s = steps_[step];
    switch (s.kind) {
      case Step::Kind::kMember: {
        if (!v.IsObject()) return;
        const auto it = v.FindMember(rapidjson::StringRef(s.name.data(), s.name.size()));
        if (it != v.MemberEnd()) VisitFrom(it->value, step + 1, fn);
        return;
      }
      case Step::Kind::kIndex:
        if (v.IsArray() && s.index < v.Size())
          VisitFrom(v[static_cast<rapidjson::SizeType>(s.index)], step + 1, fn);
        return;
      case Step::Kind::kAll:
        if (!v.IsArray()) return;
        for (const rapidjson::Value& e : v.GetArray()) VisitFrom(e, step + 1, fn);
        return;
    }
  }

  std::string text_;
  std::vector<Step> steps_;
};

// A scalar as text: strings as they are, numbers and booleans in JSON's
// spelling; nullopt for null, objects and arrays.
std::optional<std::string> ScalarText(const rapidjson::Value& v);

}  // namespace walcast::projections
