#include "wal_reader/copy_text.h"

#include <cctype>
#include <string>

namespace walcast::wal_reader {

Status ParseCopyTextRow(std::string_view line, size_t columns, Tuple* out) {
  out->clear();
  out->reserve(columns);
  size_t i = 0;
  for (;;) {
    // One field: up to the next unescaped tab or the end.
    if (line.substr(i, 2) == "\\N" && (i + 2 == line.size() || line[i + 2] == '\t')) {
      out->push_back(Datum::Null());
      i += 2;
    } else {
      std::string value;
      while (i < line.size() && line[i] != '\t') {
        char c = line[i++];
        if (c != '\\') {
          value.push_back(c);
          continue;
        }
        if (i >= line.size()) return Status::Corruption("COPY row ends inside an escape");
        const char e = line[i++];
        switch (e) {
          case 'b': value.push_back('\b'); break;
          case 'f': value.push_back('\f'); break;
          case 'n': value.push_back('\n'); break;
          case 'r': value.push_back('\r'); break;
          case 't': value.push_back('\t'); break;
          case 'v': value.push_back('\v'); break;
          case 'x': {
            int v = 0, n = 0;
            while (n < 2 && i < line.size() && std::isxdigit(static_cast<unsigned char>(line[i]))) {
              const char h = line[i++];
              v = v * 16 + (std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (h | 0x20) - 'a' + 10);
              ++n;
            }
            if (n == 0) {
              value.push_back('x');
            } else {
              value.push_back(static_cast<char>(v));
            }
            break;
          }
          default:
            if (e >= '0' && e <= '7') {
              int v = e - '0', n = 1;
              while (n < 3 && i < line.size() && line[i] >= '0' && line[i] <= '7') {
                v = v * 8 + (line[i++] - '0');
                ++n;
              }
              value.push_back(static_cast<char>(v));
            } else {
              value.push_back(e);  // \\ and any other escaped character
            }
        }
      }
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
