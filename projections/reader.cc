#include "projections/reader.h"

#include "projections/engine.h"

namespace walcast::projections {

Result<std::optional<ProjectedRow>> ReadEntry(const metrics::StateReader& state,
                                              std::string_view projection,
                                              const std::vector<std::string>& key) {
  WALCAST_ASSIGN_OR_RETURN(std::optional<std::string> bytes, state.Get(EntryKey(projection, key)));
  if (!bytes) return std::optional<ProjectedRow>();
  std::optional<ProjectedRow> row = ProjectedRow::Decode(*bytes);
  if (!row)
    return Status::Corruption("projection state: bad entry of '" + std::string(projection) + "'");
  return row;
}

Status ScanEntries(const metrics::StateReader& state, std::string_view projection,
                   const std::vector<std::string>& key_prefix,
                   const std::function<bool(const ProjectedRow&)>& fn) {
  Status bad;
  WALCAST_RETURN_IF_ERROR(
      state.Scan(EntryKey(projection, key_prefix), [&](std::string_view, std::string_view value) {
        std::optional<ProjectedRow> row = ProjectedRow::Decode(value);
        if (!row) {
          bad = Status::Corruption("projection state: bad entry");
          return false;
        }
        return fn(*row);
      }));
  return bad;
}

}  // namespace walcast::projections
