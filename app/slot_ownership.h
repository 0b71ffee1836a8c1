#pragma once

#include <string>

#include "core/status.h"

namespace walcast::app {

// Whether walcast created the replication slot of this name, as recorded in
// state.dir:
//   <slot>.slot    "created <plugin>\n", written (atomically, fsynced) just
//                  before walcast creates the slot, so that a crash in
//                  between cannot make walcast's own slot look foreign;
//                  removed when walcast finds no slot of that name (the
//                  record is stale then) or drops the slot itself.
// walcast drops or re-creates only a slot it created (this record, or a
// completed snapshot in <slot>.snapshot, which only a slot walcast created
// can have: state.dir from before the record existed). A slot someone else
// made (Debezium's, a DBA's) is never dropped: see CheckSlotOwnership in
// app/run_plan.h. Not thread-safe; `run` and `setup` use it on their main
// thread.
class SlotOwnership {
 public:
  SlotOwnership(std::string dir, std::string slot);

  // True when the record says walcast created the slot.
  bool Recorded() const;
  // Records that walcast created the slot with `plugin` (creating state.dir
  // if needed). kUnavailable when the file cannot be written.
  Status MarkCreated(const std::string& plugin) const;
  // Forgets the record. kUnavailable when it cannot be removed.
  Status Clear() const;

  const std::string& path() const { return path_; }

 private:
  std::string dir_;
  std::string path_;
};

}  // namespace walcast::app
