#include "metrics/definition.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

namespace walcast::metrics {

using mosip::ProfileShape;

std::string_view SourceName(Source source) {
  switch (source) {
    case Source::kIdRepo:
      return "idrepo";
    case Source::kRegProc:
      return "regprc";
    case Source::kPreReg:
      return "prereg";
    case Source::kAnnexure:
      return "annexure";
    case Source::kChannelInfo:
      return "channel_info";
    case Source::kDocument:
      return "document";
  }
  return "unknown";
}

Source SourceOfShape(ProfileShape shape) {
  switch (shape) {
    case ProfileShape::kIdRepo:
      return Source::kIdRepo;
    case ProfileShape::kRegProc:
      return Source::kRegProc;
    case ProfileShape::kPreReg:
      return Source::kPreReg;
    case ProfileShape::kAnnexureA:
      return Source::kAnnexure;
  }
  return Source::kIdRepo;
}

std::string_view ModeName(Mode mode) { return mode == Mode::kState ? "state" : "event"; }

std::string_view TimeBucketName(TimeBucket bucket) {
  switch (bucket) {
    case TimeBucket::kNone:
      return "none";
    case TimeBucket::kDay:
      return "day";
    case TimeBucket::kWeek:
      return "week";
    case TimeBucket::kMonth:
      return "month";
  }
  return "none";
}

std::string_view MeasureName(MeasureKind kind) {
  switch (kind) {
    case MeasureKind::kCount:
      return "count";
    case MeasureKind::kSum:
      return "sum";
    case MeasureKind::kAvg:
      return "avg";
    case MeasureKind::kCountDistinct:
      return "count_distinct";
    case MeasureKind::kTopK:
      return "top_k";
  }
  return "count";
}


bool MetricDefinition::HasSource(Source s) const {
  return std::find(sources.begin(), sources.end(), s) != sources.end();
}

std::string MetricDefinition::SourceNames() const {
  std::string out;
  for (Source s : sources) {
    if (!out.empty()) out.push_back(',');
    out.append(SourceName(s));
  }
  return out;
}

const MetricDefinition* MetricSet::Find(std::string_view id) const {
  for (const MetricDefinition& d : metrics) {
    if (d.id == id) return &d;
  }
  return nullptr;
}

Result<MetricSet> LoadMetricDefinitions(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read metric definitions " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  Result<MetricSet> set = ParseMetricDefinitions(ss.str());
  if (!set.ok()) {
    return Status(set.status().code(), path + ": " + set.status().message());
  }
  return set;
}

}  // namespace walcast::metrics
