// libFuzzer target: MOSIP anonymous profile JSON to metric contributions
// (mosip/profile.h, metrics/extractor.h). Each input is parsed as a profile
// twice, without and with a regprc process_stage column; each profile that
// parses goes through the shipped metric definitions
// (config/metrics/mosip.json) and its contributions through the row-state
// encoding the state store keeps, which must read back equal.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "metrics/contributions.h"
#include "metrics/definition.h"
#include "metrics/extractor.h"
#include "mosip/profile.h"

#ifndef WALCAST_SOURCE_DIR
#error "WALCAST_SOURCE_DIR must be defined"
#endif

namespace {

const walcast::metrics::MetricSet& Metrics() {
  static const walcast::metrics::MetricSet set = [] {
    auto loaded = walcast::metrics::LoadMetricDefinitions(std::string(WALCAST_SOURCE_DIR) +
                                                          "/config/metrics/mosip.json");
    if (!loaded.ok()) std::abort();  // the shipped definitions must load
    return std::move(loaded).value();
  }();
  return set;
}

void Check(const walcast::mosip::Profile& profile,
           walcast::metrics::ContributionExtractor* extractor) {
  walcast::metrics::RowInput row;
  row.source = walcast::metrics::SourceOfShape(profile.shape);
  row.profile = &profile;
  walcast::metrics::Contributions out;
  extractor->Compute(row, &out);
  walcast::metrics::RowState state;
  state.contributions = out;
  for (auto& a : state.contributions.aggregates) a.canonical.clear();
  for (auto& d : state.contributions.distinct) d.group.clear();
  const auto decoded = walcast::metrics::RowState::Decode(state.Encode());
  if (!decoded || !(*decoded == state)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static walcast::mosip::ProfileParser* parser = new walcast::mosip::ProfileParser();
  static walcast::metrics::ContributionExtractor* extractor =
      new walcast::metrics::ContributionExtractor(Metrics());
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  walcast::mosip::Profile profile;
  if (parser->Parse(json, &profile).ok()) Check(profile, extractor);
  walcast::mosip::ProfileRowContext regprc;
  regprc.process_stage_column = "PRINTING";
  if (parser->Parse(json, regprc, &profile).ok()) Check(profile, extractor);
  return 0;
}
