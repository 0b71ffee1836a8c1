#include "privacy/report.h"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <sstream>

#include "core/json_writer.h"

namespace walcast::privacy {
namespace {

std::string Join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : sep) + item;
  return out;
}

const char* Treatment(Action op) {
  switch (op) {
    case Action::kDrop:
      return "removed";
    case Action::kMask:
      return "masked";
    case Action::kHash:
      return "hashed";
    case Action::kEncrypt:
      return "encrypted";
    default:
      return "clear";
  }
}

constexpr const char* kOtherColumns =
    "every other column of the captured tables, and every other path inside these columns";

}  // namespace

ProcessingReport BuildReport(const RuleSet& rules, std::vector<std::string> sinks,
                             std::vector<std::string> tables, bool metrics) {
  ProcessingReport report;
  report.sinks = std::move(sinks);
  report.tables = std::move(tables);
  report.metrics = metrics;
  auto field = [&](const std::string& table, const std::string& column,
                   const std::string& path) -> FieldTreatment& {
    for (FieldTreatment& f : report.fields) {
      if (f.table == table && f.column == column && f.path == path) return f;
    }
    report.fields.push_back({table, column, path, "clear", ""});
    return report.fields.back();
  };
  for (const Rule& rule : rules.rules) {
    if (rule.op == Action::kConcat) {
      FieldTreatment& f = field(rule.table, rule.column, rule.to);
      f.treatment = "clear";
      f.detail = "derived: " + Join(rule.from, " + ");
      continue;
    }
    const std::vector<std::string> paths =
        rule.paths.empty() ? std::vector<std::string>{""} : rule.paths;
    for (const std::string& path : paths) {
      FieldTreatment& f = field(rule.table, rule.column, path);
      if (rule.op == Action::kDate) {
        f.treatment = "clear";
        f.detail = "normalised to ISO 8601 (UTC)";
        FieldTreatment& parts =
            field(rule.table, rule.column, rule.to.empty() ? path + "_parts" : rule.to);
        parts.treatment = "clear";
        parts.detail = "derived: year, month, day of " + path;
        continue;
      }
      f.treatment = Treatment(rule.op);
      // A derived field keeps saying what it was derived from.
      const std::string derived = f.detail.rfind("derived: ", 0) == 0 ? f.detail + "; " : "";
      f.detail.clear();
      if (rule.op == Action::kEncrypt) {
        f.detail = rules.subjects.count(rule.table) != 0
                       ? "AES-256-GCM, per-subject key (forgettable)"
                       : "AES-256-GCM, master key";
      } else if (rule.op == Action::kHash) {
        f.detail = "HMAC-SHA-256 with a secret key";
      } else if (rule.op == Action::kMask) {
        f.detail = "all but the last " + std::to_string(rule.mask_keep) + " characters";
      } else if (rule.op == Action::kDrop) {
        f.detail = rule.derived_from.empty() ? "" : "derivable from " + rule.derived_from;
      }
      f.detail = derived + f.detail;
    }
  }
  return report;
}

std::string ReportMarkdown(const ProcessingReport& report) {
  std::ostringstream out;
  out << "# Record of processing (walcast privacy report)\n\n"
      << "Captured tables: "
      << (report.tables.empty() ? "every table of the publication" : Join(report.tables, ", "))
      << "\n\n";
  for (const std::string& sink : report.sinks) {
    out << "## " << sink << "\n\n| table | column | path | treatment | detail |\n"
        << "|---|---|---|---|---|\n";
    for (const FieldTreatment& f : report.fields) {
      out << "| " << f.table << " | " << f.column << " | " << (f.path.empty() ? "(column)" : f.path)
          << " | " << f.treatment << " | " << f.detail << " |\n";
    }
    out << "| " << kOtherColumns << " | | | clear | |\n\n";
  }
  if (report.metrics) {
    out << "## metrics (input)\n\nThe metric engine reads the rows as decoded, before any rule; "
           "only the aggregates its definitions compute leave walcast (metric documents in "
           "Elasticsearch), and its state under state.dir holds per-row contributions.\n";
  }
  return out.str();
}

std::string ReportJson(const ProcessingReport& report) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  json::Key(w, "tables");
  w.StartArray();
  for (const std::string& t : report.tables) json::String(w, t);
  w.EndArray();
  json::Key(w, "sinks");
  w.StartArray();
  for (const std::string& sink : report.sinks) {
    w.StartObject();
    json::Key(w, "name");
    json::String(w, sink);
    json::Key(w, "fields");
    w.StartArray();
    for (const FieldTreatment& f : report.fields) {
      w.StartObject();
      for (const auto& [k, v] : {std::pair{"table", &f.table}, std::pair{"column", &f.column},
                                 std::pair{"path", &f.path}, std::pair{"treatment", &f.treatment},
                                 std::pair{"detail", &f.detail}}) {
        json::Key(w, k);
        json::String(w, *v);
      }
      w.EndObject();
    }
    w.EndArray();
    json::Key(w, "other_columns");
    json::String(w, "clear");
    w.EndObject();
  }
  w.EndArray();
  json::Key(w, "metrics_input");
  json::String(w, report.metrics ? "original rows (aggregates only leave walcast)" : "off");
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

}  // namespace walcast::privacy
