#include "app/exhaust_http.h"

#include <random>

#include "app/options.h"
#include "exhaust/options.h"
#include "exhaust/request.h"
#include "pg/libpq.h"

namespace walcast::app {
namespace {

std::string JsonError(const std::string& message) {
  std::string out = "{\"error\":\"";
  for (char c : message) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(c) >= 0x20) out.push_back(c);
  }
  return out + "\"}";
}

std::string NewRequestId() {
  std::random_device device;
  std::mt19937_64 random((static_cast<uint64_t>(device()) << 32) ^ device());
  char buf[40];
  std::snprintf(buf, sizeof buf, "walcast-%016llx", static_cast<unsigned long long>(random()));
  return buf;
}

}  // namespace

HttpPostRoute ExhaustHttpRoute(const Config& config) {
  const std::string table = config.GetString("exhaust.job.table");
  if (table.empty()) return {};
  std::vector<std::string> reports;
  if (Result<std::vector<exhaust::ReportDefinition>> defs = exhaust::LoadReportDefinitions(config);
      defs.ok()) {
    for (const exhaust::ReportDefinition& d : *defs) reports.push_back(d.id);
  }
  const size_t dot = table.find('.');
  const std::string quoted = dot == std::string::npos
                                 ? pg::QuoteIdentifier(table)
                                 : pg::QuoteIdentifier(table.substr(0, dot)) + "." +
                                       pg::QuoteIdentifier(table.substr(dot + 1));
  const std::string conninfo = Conninfo(config);
  return {"/exhaust",
          [reports, quoted, conninfo](const std::string& body) -> std::pair<int, std::string> {
            Result<exhaust::ReportRequest> request = exhaust::ParseSunbirdRequest(body);
            if (!request.ok()) return {400, JsonError(request.status().message())};
            if (std::find(reports.begin(), reports.end(), request->report_id) == reports.end()) {
              return {400, JsonError("no report '" + request->report_id + "' is configured")};
            }
            pg::PgConnPtr conn(PQconnectdb(conninfo.c_str()));
            if (PQstatus(conn.get()) != CONNECTION_OK) {
              return {503, JsonError("the database cannot be reached")};
            }
            const std::string id = NewRequestId();
            const char* values[] = {id.c_str(), request->report_id.c_str(), body.c_str()};
            pg::PgResultPtr res(PQexecParams(
                conn.get(),
                ("INSERT INTO " + quoted +
                 " (tag, request_id, job_id, status, request_data, requested_by) VALUES "
                 "('walcast-http', $1, $2, 'SUBMITTED', $3, 'http')")
                    .c_str(),
                3, nullptr, values, nullptr, nullptr, 0));
            if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
              return {503, JsonError(pg::StatusFromResult(res.get(), "exhaust").message())};
            }
            return {202, "{\"request_id\":\"" + id + "\",\"status\":\"SUBMITTED\"}"};
          }};
}

}  // namespace walcast::app
