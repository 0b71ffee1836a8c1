#pragma once

#include <string>

namespace walcast::wal_reader {

// The libpq `options=` setting that pins the text output formats walcast
// parses (datestyle, intervalstyle, bytea_output, extra_float_digits); every
// connection whose values reach an encoder appends it to its conninfo.
std::string SessionOptions();

}  // namespace walcast::wal_reader
