#include "wal_reader/session_options.h"

namespace walcast::wal_reader {

std::string SessionOptions() {
  // pgoutput sends values in the session's text output format: pin the
  // settings the encoders parse (ISO dates, postgres-style intervals, hex
  // bytea, shortest-exact floats), whatever the server or role defaults are.
  return " options='-c datestyle=ISO,YMD -c intervalstyle=postgres"
         " -c bytea_output=hex -c extra_float_digits=1'";
}

}  // namespace walcast::wal_reader
