#pragma once

// RFC 4180 CSV: fields separated by ',', records ended by CRLF, a field
// quoted when it holds ',', '"', CR or LF (or when the caller asks), '"'
// doubled inside quotes. Optionally starts with the UTF-8 byte order mark
// spreadsheet programs use to recognise UTF-8. Streams: nothing is held
// beyond one record.
//
// Thread: one caller at a time. Borrows the stream, which must outlive it.

#include <ostream>
#include <string_view>
#include <vector>

namespace walcast::exhaust {

class CsvWriter {
 public:
  CsvWriter(std::ostream* out, bool bom);
  // `quote[i]` forces quotes on field i (Sunbird's quote_column); may be
  // shorter than `fields`.
  void WriteRecord(const std::vector<std::string_view>& fields, const std::vector<bool>& quote);
  bool ok() const { return out_->good(); }

 private:
  std::ostream* out_;
};

// One field as RFC 4180 writes it.
void AppendCsvField(std::string_view field, bool force_quote, std::string* out);

}  // namespace walcast::exhaust
