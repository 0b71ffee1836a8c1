#pragma once

// A password-protected ZIP holding one file, encrypted with WinZip's AES-256
// (the method spreadsheet users' tools open), written by libzip. The
// password is only handed to libzip, never logged.
//
// Thread: any; blocking file I/O.

#include <string>

#include "core/status.h"

namespace walcast::exhaust {

// Writes `zip_path` with `source_path`'s content as `entry_name`.
// kInvalidArgument: empty password; kUnavailable: libzip lacks AES-256 or
// the file cannot be written (the message is libzip's).
Status WriteEncryptedZip(const std::string& source_path, const std::string& entry_name,
                         const std::string& password, const std::string& zip_path);

}  // namespace walcast::exhaust
