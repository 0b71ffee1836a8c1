#pragma once

#include <cstddef>
#include <string_view>

#include "core/event.h"
#include "core/status.h"

namespace walcast::wal_reader {

// Splits one row of COPY ... TO STDOUT text format (no trailing newline)
// into `columns` values, undoing COPY's escapes; \N is NULL. kCorruption
// when the field count differs or an escape is malformed.
Status ParseCopyTextRow(std::string_view line, size_t columns, Tuple* out);

}  // namespace walcast::wal_reader
