#pragma once

#include "core/event.h"
#include "core/status.h"

namespace walcast {

// Receives decoded transactions in commit order, one event at a time, so a
// transaction of any size passes through in bounded memory. Called on the
// reader thread only. A non-OK status stops the stream: kUnavailable /
// kTimeout mean "retry after reconnecting", anything else is fatal.
//
// A non-transactional logical decoding message arrives as its own
// transaction with xid 0 and end_lsn = message LSN + 1.
class EventHandler {
 public:
  virtual ~EventHandler() = default;
  virtual Status OnBegin(const TransactionInfo& txn) = 0;
  virtual Status OnChange(const TransactionInfo& txn, const ChangeEvent& event) = 0;
  // txn.end_lsn is set.
  virtual Status OnCommit(const TransactionInfo& txn) = 0;
};

}  // namespace walcast
