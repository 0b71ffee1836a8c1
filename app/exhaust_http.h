#pragma once

// POST /exhaust on walcast's HTTP endpoint (docs/exhaust.md, "HTTP"): the
// body is a request in Sunbird's filter format; walcast inserts it as a
// SUBMITTED row of exhaust.job.table, so the report runs through the
// job_request trigger (once, even across a crash) and the row carries its
// status and file. Answers 202 {"request_id": ...}; 400 for a bad request
// or an unknown report; 503 when the database cannot be reached.

#include <string>
#include <utility>

#include "app/http_endpoint.h"
#include "core/config.h"

namespace walcast::app {

// The route, or none (empty path) when exhaust.job.table is not set. The
// route keeps copies of what it needs from `config`.
HttpPostRoute ExhaustHttpRoute(const Config& config);

}  // namespace walcast::app
