#include "wal_reader/copy_text.h"

#include <cctype>
#include <cstring>
#include <string>

namespace walcast::wal_reader {
namespace {

int HexValue(char h) {
  return std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (h | 0x20) - 'a' + 10;
}

// Undoes COPY's escapes in the field starting at line[*i], up to the next
// unescaped tab or the end; leaves *i there. Copies the runs between
// escapes whole.
Status UnescapeField(std::string_view line, size_t* i, std::string* value) {
  size_t p = *i;
  for (;;) {
    size_t run = p;
    while (run < line.size() && line[run] != '\t' && line[run] != '\\') ++run;
    value->append(line.data() + p, run - p);
    p = run;
    if (p == line.size() || line[p] == '\t') break;
    ++p;  // the backslash
    if (p >= line.size()) return Status::Corruption("COPY row ends inside an escape");
    const char e = line[p++];
    switch (e) {
      case 'b':
        value->push_back('\b');
        break;
      case 'f':
        value->push_back('\f');
        break;
      case 'n':
        value->push_back('\n');
        break;
      case 'r':
        value->push_back('\r');
        break;
      case 't':
        value->push_back('\t');
        break;
      case 'v':
        value->push_back('\v');
        break;
      case 'x': {
        int v = 0, n = 0;
        while (n < 2 && p < line.size() && std::isxdigit(static_cast<unsigned char>(line[p]))) {
          v = v * 16 + HexValue(line[p++]);
          ++n;
        }
        value->push_back(n == 0 ? 'x' : static_cast<char>(v));
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          int v = e - '0', n = 1;
          while (n < 3 && p < line.size() && line[p] >= '0' && line[p] <= '7') {
            v = v * 8 + (line[p++] - '0');
            ++n;
          }
          value->push_back(static_cast<char>(v));
        } else {
          value->push_back(e);  // \\ and any other escaped character
        }
    }
  }
  *i = p;
  return Status::Ok();
}

}  // namespace

Status ParseCopyTextRow(std::string_view line, size_t columns, Tuple* out) {
  out->clear();
  out->reserve(columns);
  size_t i = 0;
  for (;;) {
    // One field: up to the next unescaped tab or the end. Most fields hold
    // no backslash: they are copied in one piece (the snapshot parses every
    // row of every table here, so this is its hot loop).
    const char* start = line.data() + i;
    const size_t left = line.size() - i;
    const void* tab = std::memchr(start, '\t', left);
    const size_t len =
        tab != nullptr ? static_cast<size_t>(static_cast<const char*>(tab) - start) : left;
    if (len == 2 && start[0] == '\\' && start[1] == 'N') {
      out->push_back(Datum::Null());
      i += 2;
    } else if (std::memchr(start, '\\', len) == nullptr) {
      out->push_back(Datum::Text(std::string(start, len)));
      i += len;
    } else {
      std::string value;
      value.reserve(len);
      WALCAST_RETURN_IF_ERROR(UnescapeField(line, &i, &value));
      out->push_back(Datum::Text(std::move(value)));
    }
    if (i == line.size()) break;
    ++i;  // the tab
  }
  if (out->size() != columns) {
    return Status::Corruption("COPY row has " + std::to_string(out->size()) + " fields, expected " +
                              std::to_string(columns));
  }
  return Status::Ok();
}

}  // namespace walcast::wal_reader
