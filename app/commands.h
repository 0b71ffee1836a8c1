#pragma once

#include <atomic>
#include <iosfwd>

#include "core/config.h"
#include "core/status.h"

namespace walcast::app {

// `walcast run`: prepares the publication and slot, then streams into the
// configured sinks until *stop turns true (SIGINT/SIGTERM) or a fatal error.
Status RunCommand(const Config& config, const std::atomic<bool>* stop);

// `walcast setup`: creates the publication (per publication.autocreate.mode)
// and the slot. With check_only, changes nothing: prints every preflight
// check with the SQL that fixes it, and returns kInvalidArgument if any
// check failed.
Status SetupCommand(const Config& config, bool check_only, std::ostream& out);

// `walcast status`: slot, plugin, confirmed_flush_lsn, current WAL LSN, lag.
Status StatusCommand(const Config& config, std::ostream& out);

}  // namespace walcast::app
