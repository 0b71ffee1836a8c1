#include "exhaust/csv_writer.h"

#include <string>

namespace walcast::exhaust {

void AppendCsvField(std::string_view field, bool force_quote, std::string* out) {
  const bool quote = force_quote || field.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    out->append(field);
    return;
  }
  out->push_back('"');
  for (char c : field) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

CsvWriter::CsvWriter(std::ostream* out, bool bom) : out_(out) {
  if (bom) out_->write("\xEF\xBB\xBF", 3);
}

void CsvWriter::WriteRecord(const std::vector<std::string_view>& fields,
                            const std::vector<bool>& quote) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line.push_back(',');
    AppendCsvField(fields[i], i < quote.size() && quote[i], &line);
  }
  line.append("\r\n");
  out_->write(line.data(), static_cast<std::streamsize>(line.size()));
}

}  // namespace walcast::exhaust
