#include "app/slot_ownership.h"

#include <filesystem>
#include <fstream>
#include <utility>

#include "app/snapshot_state.h"

namespace walcast::app {

SlotOwnership::SlotOwnership(std::string dir, std::string slot)
    : dir_(std::move(dir)), path_(dir_ + "/" + slot + ".slot") {}

bool SlotOwnership::Recorded() const {
  std::ifstream in(path_);
  std::string word;
  return static_cast<bool>(in >> word) && word == "created";
}

Status SlotOwnership::MarkCreated(const std::string& plugin) const {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return Status::Unavailable("cannot create state.dir " + dir_ + ": " + ec.message());
  return WriteFileAtomically(path_, "created " + plugin + "\n");
}

Status SlotOwnership::Clear() const {
  std::error_code ec;
  std::filesystem::remove(path_, ec);
  if (ec) return Status::Unavailable("cannot remove " + path_ + ": " + ec.message());
  return Status::Ok();
}

}  // namespace walcast::app
