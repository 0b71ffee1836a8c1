#pragma once

#include <optional>
#include <string>

#include "core/lsn.h"
#include "core/status.h"

namespace walcast::app {

// What walcast keeps in state.dir about a slot's initial snapshot:
//   <slot>.snapshot           "completed <lsn>" once every sink acknowledged
//                             the snapshot (written atomically, fsynced)
//   <slot>.snapshot.progress  "<rows_done> <rows_estimated> <tables_done>
//                             <tables_total>" while a snapshot runs
// The recorded state of a slot's initial snapshot, for `walcast status`.
struct SnapshotReport {
  enum class State { kNone, kRunning, kCompleted };
  State state = State::kNone;  // kRunning: running now, or interrupted
  Lsn completed_at;            // kCompleted
  uint64_t rows_done = 0;      // kRunning: the last progress written
  uint64_t rows_estimated = 0;
  uint32_t tables_done = 0;
  uint32_t tables_total = 0;
};

class SnapshotState {
 public:
  SnapshotState(std::string dir, std::string slot);

  // The consistent point of the completed snapshot, or nullopt.
  std::optional<Lsn> Completed() const;
  // Records completion (creating the directory if needed) and removes the
  // progress file. kUnavailable when the file cannot be written.
  Status MarkCompleted(Lsn lsn) const;
  // Forgets a completed snapshot (before taking a new one).
  Status Clear() const;

  Status WriteProgress(uint64_t rows_done, uint64_t rows_estimated, uint32_t tables_done,
                       uint32_t tables_total) const;
  // What state.dir records.
  SnapshotReport Report() const;
  // One line for `walcast status`.
  std::string Describe() const;

 private:
  std::string marker_path() const { return dir_ + "/" + slot_ + ".snapshot"; }
  std::string progress_path() const { return marker_path() + ".progress"; }

  std::string dir_;
  std::string slot_;
};

// Writes `content` to `path` through a temporary file, fsync and rename, so
// a crash leaves either the old or the new content.
Status WriteFileAtomically(const std::string& path, const std::string& content);

}  // namespace walcast::app
