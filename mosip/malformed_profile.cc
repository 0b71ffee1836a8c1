#include "mosip/malformed_profile.h"

#include <string_view>
#include <utility>

#include "core/json_writer.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace walcast::mosip {

void CorruptProfile(ProfileTable table, Rng* rng, std::string* profile) {
  std::string& j = *profile;
  const bool idrepo_side = j.find("\"newProfile\":{") != std::string::npos;
  const bool annexure_side = j.find("\"new\":{") != std::string::npos;
  const bool flat = table != ProfileTable::kIdrepo;
  size_t variant = rng->Below(5);
  // The regprc table's process_stage column marks the shape by itself.
  if (variant == 4 && table == ProfileTable::kRegprc) variant = 0;
  if (variant == 2 && !flat && !idrepo_side && !annexure_side) variant = 0;
  switch (variant) {
    case 0: {  // truncated: a partial write or a cut-off paste
      j.resize(1 + rng->Below(j.size() - 1));
      break;
    }
    case 1: {  // double-encoded: the JSON text as a JSON string
      rapidjson::StringBuffer text;
      rapidjson::Writer<rapidjson::StringBuffer> w(text);
      json::String(w, j);
      j.assign(text.GetString(), text.GetSize());
      break;
    }
    case 2: {  // a known field of the wrong type
      const std::string wrong = "\"location\":\"Zone-North\",";
      const size_t at = flat          ? 1
                        : idrepo_side ? j.find("\"newProfile\":{") + 14
                                      : j.find("\"new\":{") + 7;
      j.insert(at, wrong);
      break;
    }
    case 3: {  // processName missing; every rendering starts with it
      const size_t comma = j.find(',');
      j.erase(1, comma);
      break;
    }
    default: {  // no shape marker left
      for (const auto& [from, to] :
           {std::pair<std::string_view, std::string_view>{"\"oldProfile\":", "\"previous\":"},
            {"\"newProfile\":", "\"current\":"},
            {"\"old\":", "\"before\":"},
            {"\"new\":", "\"after\":"},
            {"\"processStage\":", "\"stage\":"}}) {
        const size_t at = j.find(from);
        if (at != std::string::npos) j.replace(at, from.size(), to);
      }
      break;
    }
  }
}

}  // namespace walcast::mosip
