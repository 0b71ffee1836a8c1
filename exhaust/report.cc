#include "exhaust/report.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <queue>
#include <sstream>
#include <vector>

#include "exhaust/csv_writer.h"
#include "exhaust/zip_archive.h"

namespace walcast::exhaust {
namespace {

using projections::ProjectedRow;

// Where one output column's value comes from.
enum class From { kEnrolment, kLocation, kConsentFlag, kConsentDate, kUser, kNone };

struct OutColumn {
  std::string header;
  std::string column;
  From from = From::kNone;
  bool quote = false;
  bool pii = false;
  bool encrypted = false;
};

bool Contains(const std::vector<std::string>& list, std::string_view v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

bool IsPii(std::string_view column) {
  return std::find(std::begin(kPiiColumns), std::end(kPiiColumns), column) != std::end(kPiiColumns);
}

std::vector<OutColumn> PlanColumns(const ReportDefinition& d) {
  const ReportTable& enrol = *d.Table("program_enrollment");
  const ReportTable* user = d.Table("user");
  std::vector<OutColumn> out;
  for (const std::string& header : d.order_of_csv_column) {
    OutColumn c;
    c.header = header;
    c.column = d.ColumnOf(header);
    c.quote = Contains(d.quote_column, header);
    c.pii = IsPii(c.column);
    if (c.column == "consentflag") {
      c.from = From::kConsentFlag;
    } else if (c.column == "consentprovideddate") {
      c.from = From::kConsentDate;
    } else if (Contains(enrol.user_locations_columns, c.column)) {
      c.from = From::kLocation;
    } else if (user != nullptr &&
               (Contains(user->final_columns, c.column) ||
                (user->final_columns.empty() && Contains(user->columns, c.column)))) {
      c.from = From::kUser;
      c.encrypted = Contains(user->encrypted_columns, c.column);
    } else if (Contains(enrol.columns, c.column)) {
      c.from = From::kEnrolment;
    }
    out.push_back(std::move(c));
  }
  return out;
}

bool Matches(const Filter& f, const ProjectedRow& row) {
  const std::string* v = row.Find(f.field);
  const std::string_view value = v != nullptr ? std::string_view(*v) : std::string_view();
  if (f.op == "=") return value == f.value;
  if (f.op == ">=") return value >= f.value;
  return value <= f.value;
}

void PutU32(std::string_view s, std::string* out) {
  const auto n = static_cast<uint32_t>(s.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    out->push_back(static_cast<char>((n >> shift) & 0xff));
  out->append(s);
}

bool GetU32(std::istream& in, std::string* s) {
  unsigned char b[4];
  if (!in.read(reinterpret_cast<char*>(b), 4)) return false;
  const uint32_t n = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  s->resize(n);
  return n == 0 || static_cast<bool>(in.read(s->data(), n));
}

// A record: the sort key (values each ended by '\0', so tuples compare
// field by field) and the encoded output values.
struct Record {
  std::string key;
  std::string values;
};

std::vector<std::string> DecodeValues(std::string_view bytes) {
  std::vector<std::string> out;
  std::istringstream in{std::string(bytes)};
  std::string v;
  while (GetU32(in, &v)) out.push_back(v);
  return out;
}

bool Cancelled(const ReportOptions& options) {
  return options.cancel != nullptr && options.cancel->load(std::memory_order_relaxed);
}

Status SyncAndRename(const std::string& from, const std::string& to) {
  const int fd = ::open(from.c_str(), O_RDONLY);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    return Status::Unavailable("exhaust: cannot sync " + from);
  }
  ::close(fd);
  std::error_code ec;
  std::filesystem::rename(from, to, ec);
  if (ec) return Status::Unavailable("exhaust: cannot rename to " + to + ": " + ec.message());
  return Status::Ok();
}

// Sorted runs spilled to files and merged (an external merge sort).
class RunSorter {
 public:
  RunSorter(std::string prefix, size_t max_rows)
      : prefix_(std::move(prefix)), max_rows_(max_rows) {}
  ~RunSorter() {
    for (const std::string& f : files_) std::remove(f.c_str());
  }
  Status Add(Record r) {
    run_.push_back(std::move(r));
    if (run_.size() >= max_rows_) return Spill();
    return Status::Ok();
  }
  size_t runs() const { return files_.size(); }
  // Calls fn with every record in key order (ties in arrival order).
  Status Drain(const std::function<void(const Record&)>& fn) {
    if (files_.empty()) {
      std::stable_sort(run_.begin(), run_.end(), Less);
      for (const Record& r : run_) fn(r);
      return Status::Ok();
    }
    if (!run_.empty()) WALCAST_RETURN_IF_ERROR(Spill());
    struct Head {
      Record r;
      size_t run;
    };
    auto greater = [](const Head& a, const Head& b) {
      return a.r.key != b.r.key ? a.r.key > b.r.key : a.run > b.run;
    };
    std::priority_queue<Head, std::vector<Head>, decltype(greater)> heap(greater);
    std::vector<std::unique_ptr<std::ifstream>> in;
    for (size_t i = 0; i < files_.size(); ++i) {
      in.push_back(std::make_unique<std::ifstream>(files_[i], std::ios::binary));
      Head h{{}, i};
      if (GetU32(*in[i], &h.r.key) && GetU32(*in[i], &h.r.values)) heap.push(std::move(h));
    }
    while (!heap.empty()) {
      Head h = heap.top();
      heap.pop();
      fn(h.r);
      if (GetU32(*in[h.run], &h.r.key) && GetU32(*in[h.run], &h.r.values)) heap.push(std::move(h));
    }
    return Status::Ok();
  }

 private:
  static bool Less(const Record& a, const Record& b) { return a.key < b.key; }
  Status Spill() {
    std::stable_sort(run_.begin(), run_.end(), Less);
    const std::string file = prefix_ + ".run" + std::to_string(files_.size());
    files_.push_back(file);
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    std::string buf;
    for (const Record& r : run_) {
      buf.clear();
      PutU32(r.key, &buf);
      PutU32(r.values, &buf);
      out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
    }
    run_.clear();
    run_.shrink_to_fit();
    if (!out.flush()) return Status::Unavailable("exhaust: cannot write the sort run " + file);
    return Status::Ok();
  }

  std::string prefix_;
  size_t max_rows_;
  std::vector<Record> run_;
  std::vector<std::string> files_;
};

}  // namespace

Result<ReportStats> WriteReport(const ReportDefinition& definition, const ReportRequest& request,
                                const projections::ProjectionReader& state,
                                const projections::SunbirdCipher* cipher,
                                const ReportOptions& options, const std::string& output) {
  if (request.program_id.empty()) return Status::InvalidArgument("exhaust: no program id");
  if (request.encrypt && options.zip_password.empty()) {
    return Status::InvalidArgument(
        "exhaust: the request asks for encryption and no ZIP password is configured");
  }
  const std::vector<OutColumn> columns = PlanColumns(definition);
  std::vector<size_t> sort_columns;
  for (const std::string& header : definition.sort) {
    for (size_t i = 0; i < columns.size(); ++i) {
      if (columns[i].header == header) sort_columns.push_back(i);
    }
  }
  ReportStats stats;
  RunSorter sorter(output + ".partial", std::max<size_t>(options.max_rows_in_memory, 1));
  Status failed;
  std::vector<std::string> values(columns.size());
  WALCAST_RETURN_IF_ERROR(
      state.Scan("program_enrollment", {request.program_id}, [&](const ProjectedRow& row) {
        if (Cancelled(options)) {
          failed = Status::Unavailable("exhaust: cancelled");
          return false;
        }
        for (const Filter& f : request.filters) {
          if (f.table == "program_enrollment" && !Matches(f, row)) {
            ++stats.enrolments_filtered_out;
            return true;
          }
        }
        const std::string* updated = row.Find("updated_at");
        const std::string day = updated != nullptr ? updated->substr(0, 10) : std::string();
        if (!day.empty() && (day < request.from_date || day > request.to_date)) {
          ++stats.enrolments_filtered_out;
          return true;
        }
        const std::string* user_id = row.Find("user_id");
        const std::string* required = row.Find("pii_consent_required");
        const bool ask = required != nullptr && *required == "true";
        stats.pii_columns = stats.pii_columns || ask;
        std::optional<ProjectedRow> consent;
        std::optional<ProjectedRow> user;
        bool active = false;
        if (ask && user_id != nullptr) {
          Result<std::optional<ProjectedRow>> c =
              state.Get("user_consent", {*user_id, request.program_id});
          if (!c.ok()) {
            failed = c.status();
            return false;
          }
          consent = std::move(*c);
          const std::string* status = consent ? consent->Find("status") : nullptr;
          active = status != nullptr && (*status == "active" || *status == "ACTIVE");
          if (active) {
            Result<std::optional<ProjectedRow>> u = state.Get("user", {*user_id});
            if (!u.ok()) {
              failed = u.status();
              return false;
            }
            user = std::move(*u);
            if (!user) ++stats.consent_for_unknown_user;
          }
        }
        for (size_t i = 0; i < columns.size(); ++i) {
          const OutColumn& c = columns[i];
          std::string& v = values[i];
          v.clear();
          if (c.pii && !active) continue;  // rules 1 and 2
          const std::string* found = nullptr;
          switch (c.from) {
            case From::kEnrolment:
              found = row.Find(c.column);
              break;
            case From::kLocation:
              found = row.Find("user_locations." + c.column);
              break;
            case From::kConsentFlag:
              v = "Yes";
              break;
            case From::kConsentDate:
              found = consent->Find("last_updated_on");
              break;
            case From::kUser:
              found = user ? user->Find(c.column) : nullptr;
              break;
            case From::kNone:
              break;
          }
          if (found == nullptr) continue;
          if (c.encrypted && !found->empty()) {
            Result<std::string> plain = cipher != nullptr
                                            ? cipher->Decrypt(*found)
                                            : Result<std::string>(Status::Rejected("no key"));
            if (plain.ok()) {
              v = std::move(*plain);
            } else {
              ++stats.undecryptable;  // left empty (docs/exhaust.md)
            }
          } else {
            v = *found;
          }
        }
        Record r;
        for (size_t i : sort_columns) {
          r.key.append(values[i]);
          r.key.push_back('\0');
        }
        for (const std::string& v : values) PutU32(v, &r.values);
        const Status s = sorter.Add(std::move(r));
        if (!s.ok()) {
          failed = s;
          return false;
        }
        return true;
      }));
  WALCAST_RETURN_IF_ERROR(failed);

  // Rule 1: a program that does not ask for consent has no personal columns.
  std::vector<size_t> shown;
  std::vector<std::string_view> header;
  std::vector<bool> quote;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].pii && !stats.pii_columns) continue;
    shown.push_back(i);
    header.push_back(columns[i].header);
    quote.push_back(columns[i].quote);
  }
  const std::string csv_path = request.encrypt ? output + ".csv.partial" : output + ".partial";
  {
    std::ofstream file(csv_path, std::ios::binary | std::ios::trunc);
    if (!file) return Status::Unavailable("exhaust: cannot create " + csv_path);
    CsvWriter csv(&file, options.bom);
    // Headers are never quoted by quote_column: it governs values.
    csv.WriteRecord(header, {});
    std::vector<std::string_view> fields(shown.size());
    WALCAST_RETURN_IF_ERROR(sorter.Drain([&](const Record& r) {
      const std::vector<std::string> all = DecodeValues(r.values);
      for (size_t j = 0; j < shown.size(); ++j) fields[j] = all[shown[j]];
      csv.WriteRecord(fields, quote);
      ++stats.rows;
    }));
    file.flush();
    if (!csv.ok()) return Status::Unavailable("exhaust: cannot write " + csv_path);
  }
  if (Cancelled(options)) {
    std::remove(csv_path.c_str());
    return Status::Unavailable("exhaust: cancelled");
  }
  stats.sort_runs = sorter.runs();
  if (!request.encrypt) {
    WALCAST_RETURN_IF_ERROR(SyncAndRename(csv_path, output));
    stats.output = output;
    return stats;
  }
  std::string zip_path = output;
  if (zip_path.size() < 4 || zip_path.substr(zip_path.size() - 4) != ".zip") zip_path += ".zip";
  std::string entry = std::filesystem::path(output).filename().string();
  if (entry.size() > 4 && entry.substr(entry.size() - 4) == ".zip") entry.resize(entry.size() - 4);
  if (entry.size() < 4 || entry.substr(entry.size() - 4) != ".csv") entry += ".csv";
  const Status zipped =
      WriteEncryptedZip(csv_path, entry, options.zip_password, zip_path + ".partial");
  std::remove(csv_path.c_str());
  WALCAST_RETURN_IF_ERROR(zipped);
  WALCAST_RETURN_IF_ERROR(SyncAndRename(zip_path + ".partial", zip_path));
  stats.output = zip_path;
  return stats;
}

}  // namespace walcast::exhaust
