#pragma once

// RocksDB's info log (the LOG file in a database's directory), written so
// that a full disk can never abort the process.
//
// RocksDB's own logger appends through a WritableFileWriter. Once one append
// has failed (ENOSPC), every later append to that writer hits an assertion
// (WritableFileWriter::AssertFalseAndGetStatusForPrevError,
// `sync_without_flush_called_`) in builds with assertions on, as Debian's
// librocksdb 7.8 is: the first WAL write that fails on a full disk makes the
// error handler log a line, and that line aborts the process. This logger
// writes each line with one write(2) on an O_APPEND descriptor and drops
// the lines it cannot write; RocksDB's data files are unaffected.

#include <rocksdb/env.h>

#include <memory>
#include <string>

namespace walcast::rocks {

// A logger for options.info_log that appends to `dir`/LOG (the previous
// file becomes LOG.old, replacing an older one) at RocksDB's default level
// (INFO). `dir` must exist. Never null: when the file cannot be opened,
// the logger drops every line. Thread-safe (RocksDB logs from its
// background threads too); each call may block on the disk.
std::shared_ptr<rocksdb::Logger> OpenInfoLog(const std::string& dir);

}  // namespace walcast::rocks
