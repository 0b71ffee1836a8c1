// Raw-document building speed: RawDocumentBuilder::Build over the golden
// MOSIP rows (tests/support/mosip_rows.h), against the profile parser alone
// on the same profiles in the same run (the floor: Build parses each
// profile once, plus the updateId pass for idrepo rows).
//
//   cmake --build build --target bench_raw_document && build/bench/bench_raw_document [ROW]
//
// Prints key=value lines; no assertions.

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "mosip/profile.h"
#include "sinks/elasticsearch/raw_document.h"
#include "tests/support/mosip_rows.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  // An argument names the one row to run (for profiling).
  const std::string only = argc > 1 ? argv[1] : "";
  using walcast::sinks::elasticsearch::RawDocument;
  using walcast::sinks::elasticsearch::RawDocumentBuilder;
  const std::vector<walcast::testing::MosipRow> rows =
      walcast::testing::MosipGoldenRows(WALCAST_TEST_DATA_DIR);
  constexpr int kRounds = 20000;
  for (const walcast::testing::MosipRow& row : rows) {
    if (!only.empty() && row.name != only) continue;
    const bool profile = row.relation->name == "anonymous_profile";
    RawDocumentBuilder builder(walcast::testing::MosipGoldenOptions());
    RawDocument doc;
    size_t bytes = 0;
    Clock::time_point start = Clock::now();
    for (int i = 0; i < kRounds; ++i) {
      if (!builder.Build(*row.relation, row.row, 0, &doc).ok()) return 1;
      bytes += doc.source.size();
    }
    const double build_s = Seconds(start);
    double parse_s = 0;
    if (profile) {
      walcast::mosip::ProfileParser parser;
      walcast::mosip::Profile parsed;
      const std::string& text = row.row[row.relation->schema == "regprc" ? 2 : 1].data;
      start = Clock::now();
      for (int i = 0; i < kRounds; ++i) {
        if (!parser.Parse(text, &parsed).ok()) return 1;
      }
      parse_s = Seconds(start);
    }
    std::printf("row=%s docs_per_s=%.0f doc_bytes=%zu parse_only_per_s=%.0f\n", row.name.c_str(),
                kRounds / build_s, bytes / kRounds, profile ? kRounds / parse_s : 0.0);
  }
  return 0;
}
