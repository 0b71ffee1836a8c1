#pragma once

// Helpers shared by the libFuzzer targets (docs/fuzzing.md): the framing of
// multi-message inputs and an event handler that reads every decoded byte,
// so AddressSanitizer sees a decoder that hands out dangling views.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/event_handler.h"
#include "core/lsn.h"

namespace walcast::fuzz {

// One message of a multi-message input and its synthetic WAL position.
struct FuzzMessage {
  Lsn lsn;
  std::span<const std::byte> bytes;
};

// Splits `data` into messages, each a 4-byte big-endian length and that many
// bytes (tests/fuzz/make_seeds.py writes the seeds this way). A final
// message longer than what is left is cut short rather than dropped, so
// every mutation reaches the decoder. LSNs grow by each message's size, as
// consecutive WAL records would.
inline std::vector<FuzzMessage> SplitMessages(std::span<const std::byte> data) {
  std::vector<FuzzMessage> out;
  uint64_t lsn = 0x1000000;
  while (data.size() >= 4) {
    uint32_t len = 0;
    for (size_t i = 0; i < 4; ++i) len = (len << 8) | std::to_integer<uint32_t>(data[i]);
    data = data.subspan(4);
    const size_t n = std::min<size_t>(len, data.size());
    out.push_back({Lsn(lsn), data.first(n)});
    lsn += n + 1;
    data = data.subspan(n);
  }
  return out;
}

// Reads every field of every event: a decoder bug that leaves a view into
// a freed buffer shows up as a heap-use-after-free here.
class TouchingHandler : public EventHandler {
 public:
  Status OnBegin(const TransactionInfo& txn) override {
    sum_ += txn.xid + txn.commit_lsn.value();
    return Status::Ok();
  }
  Status OnChange(const TransactionInfo& txn, const ChangeEvent& event) override {
    sum_ += txn.xid + event.lsn.value() + static_cast<uint64_t>(event.op);
    if (event.relation) {
      sum_ += event.relation->oid + event.relation->name.size() + event.relation->columns.size();
      for (const auto& column : event.relation->columns) sum_ += Touch(column.name);
    }
    if (event.before) TouchTuple(*event.before);
    if (event.after) TouchTuple(*event.after);
    sum_ += Touch(event.message_prefix) + Touch(event.message_content);
    return Status::Ok();
  }
  Status OnCommit(const TransactionInfo& txn) override {
    sum_ += txn.end_lsn.value();
    return Status::Ok();
  }
  uint64_t sum() const { return sum_; }

 private:
  template <typename S>
  static uint64_t Touch(const S& s) {
    uint64_t h = 0;
    for (const char c : s) h = h * 31 + static_cast<unsigned char>(c);
    return h;
  }
  void TouchTuple(const Tuple& tuple) {
    for (const Datum& d : tuple) sum_ += static_cast<uint64_t>(d.kind) + Touch(d.data);
  }

  uint64_t sum_ = 0;
};

}  // namespace walcast::fuzz
