#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "core/ack_tracker.h"
#include "core/config.h"
#include "core/pipeline.h"
#include "tests/support/postgres_cluster.h"
#include "tests/support/process.h"
#include "tests/support/recording_sink.h"
#include "wal_reader/catalog_type_resolver.h"
#include "wal_reader/reader.h"
#include "wal_reader/slot_manager.h"

namespace walcast::testing {

// Runs the real wal_reader stack (slot manager, replication connection,
// decoder, pipeline) on a background thread against the throwaway cluster,
// with a RecordingSink as the only sink. One fresh database and slot per
// test.
class ReaderHarness : public ::testing::Test {
 protected:
  void SetUp() override {
    pg_ = PostgresEnvironment::Get();
    ASSERT_NE(pg_, nullptr) << "PostgreSQL did not start: " << PostgresEnvironment::StartError();
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    db_ = pg_->CreateDatabase(std::string(info->name()));
    slot_ = db_;
  }

  void TearDown() override {
    (void)StopReader();
    if (pg_ != nullptr && !db_.empty()) {
      (void)pg_->Psql("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                "WHERE slot_name = '" + slot_ + "' AND NOT active");
    }
  }

  std::string Sql(const std::string& sql) { return pg_->Psql(sql, db_); }

  // Creates publication and slot (filtered on `tables`) and starts the reader.
  void StartReader(const std::string& tables, wal_reader::ReaderOptions options = {}) {
    auto manager = wal_reader::SlotManager::Connect(pg_->Conninfo(db_));
    ASSERT_TRUE(manager.ok()) << manager.status().ToString();
    wal_reader::TableFilter filter;
    filter.include = walcast::SplitList(tables);
    if (options.plugin == "pgoutput") {
      ASSERT_TRUE((*manager)
                      ->EnsurePublication("pub", wal_reader::PublicationMode::kFiltered, filter)
                      .ok());
    }
    auto slot = (*manager)->EnsureSlot(slot_, options.plugin, /*failover=*/false);
    ASSERT_TRUE(slot.ok()) << slot.status().ToString();
    start_lsn_ = slot->confirmed_flush;
    options.conninfo = options.conninfo.empty() ? pg_->Conninfo(db_) : options.conninfo;
    options.slot = slot_;
    if (options.plugin_options.empty()) {
      if (options.plugin == "pgoutput") {
        options.plugin_options = {{"proto_version", std::to_string(options.pgoutput.proto_version)},
                                  {"publication_names", "pub"},
                                  {"messages", "true"}};
        if (options.pgoutput.streaming) options.plugin_options.emplace_back("streaming", "on");
      } else {
        options.plugin_options = {{"format-version", "2"},     {"include-xids", "1"},
                                  {"include-timestamp", "1"},  {"include-lsn", "1"},
                                  {"include-pk", "1"},         {"include-type-oids", "1"},
                                  {"include-transaction", "1"}};
      }
    }
    if (options.status_interval == std::chrono::milliseconds(10000)) {
      options.status_interval = std::chrono::milliseconds(200);
    }
    auto resolver = wal_reader::CatalogTypeResolver::Connect(pg_->Conninfo(db_));
    ASSERT_TRUE(resolver.ok());
    resolver_ = std::move(*resolver);
    tracker_ = std::make_unique<AckTracker>(start_lsn_);
    pipeline_ = std::make_unique<Pipeline>(tracker_.get());
    auto sink = std::make_unique<RecordingSink>();
    sink_ = sink.get();
    pipeline_->AddSink(std::move(sink));
    stop_.store(false);
    reader_done_.store(false);
    reader_ = std::make_unique<wal_reader::Reader>(std::move(options), pipeline_.get(),
                                                   tracker_.get(), resolver_.get(), &stop_);
    thread_ = std::thread([this] { RunReader(); });
    running_ = true;
  }

  Status StopReader() {
    if (!running_) return run_status_;
    stop_.store(true);
    thread_.join();
    running_ = false;
    return run_status_;
  }

  // Waits (up to 30 s) for the reader to end on its own, then returns its status.
  Status StopReaderWhenDone() {
    (void)PollUntil([&] { return reader_done_.load(); }, std::chrono::seconds(30));
    return StopReader();
  }

  // The slot's confirmed_flush_lsn as the server reports it.
  Lsn ConfirmedFlush() {
    return Lsn::Parse(pg_->Psql("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE "
                                "slot_name = '" + slot_ + "'"))
        .value_or(Lsn());
  }

  // Starts the same reader again (same tracker, pipeline and sink).
  void RestartReader() {
    stop_.store(false);
    reader_done_.store(false);
    thread_ = std::thread([this] { RunReader(); });
    running_ = true;
  }

  void RunReader() {
    run_status_ = reader_->Run();
    reader_done_.store(true);
  }

  PostgresCluster* pg_ = nullptr;
  std::atomic<bool> reader_done_{false};
  std::string db_;
  std::string slot_;
  Lsn start_lsn_;
  std::unique_ptr<wal_reader::CatalogTypeResolver> resolver_;
  std::unique_ptr<AckTracker> tracker_;
  std::unique_ptr<Pipeline> pipeline_;
  RecordingSink* sink_ = nullptr;
  std::unique_ptr<wal_reader::Reader> reader_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  bool running_ = false;
  Status run_status_;
};

}  // namespace walcast::testing
