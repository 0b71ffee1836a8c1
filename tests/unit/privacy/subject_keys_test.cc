#include "privacy/subject_keys.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "privacy/cipher.h"
#include "tests/support/test_dir.h"
#include "tests/unit/privacy/test_keys.h"

namespace walcast::privacy {
namespace {

class SubjectKeyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::walcast::testing::FreshTestDir();
    ring_ = std::make_unique<KeyRing>(KeyRing::Parse(testing::KeyRingText("k1"), "t").value());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::unique_ptr<KeyRing> ring_;
};

TEST_F(SubjectKeyStoreTest, KeyIsStableAndSurvivesReopen) {
  std::string id, key;
  {
    auto store = SubjectKeyStore::Open(dir_.string(), false).value();
    SubjectKey a = store->KeyFor("abc", *ring_).value();
    EXPECT_EQ(a.id.rfind("s.abc.", 0), 0u);
    EXPECT_EQ(a.key.size(), 32u);
    SubjectKey again = store->KeyFor("abc", *ring_).value();
    EXPECT_EQ(again.id, a.id);
    EXPECT_EQ(again.key, a.key);
    EXPECT_NE(store->KeyFor("def", *ring_).value().key, a.key);
    id = a.id;
    key = a.key;
  }
  auto reopened = SubjectKeyStore::Open(dir_.string(), true).value();
  EXPECT_EQ(reopened->Find(id, *ring_).value(), key);
}

TEST_F(SubjectKeyStoreTest, NoKeyIsStoredInClear) {
  std::string key;
  {
    auto store = SubjectKeyStore::Open(dir_.string(), false).value();
    key = store->KeyFor("abc", *ring_).value().key;
  }
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    EXPECT_EQ(content.str().find(key), std::string::npos) << entry.path();
  }
}

TEST_F(SubjectKeyStoreTest, ForgetDestroysOnlyThatSubject) {
  auto store = SubjectKeyStore::Open(dir_.string(), false).value();
  const SubjectKey a = store->KeyFor("aaa", *ring_).value();
  const SubjectKey b = store->KeyFor("bbb", *ring_).value();
  EXPECT_EQ(store->Forget("aaa").value(), 1);
  EXPECT_EQ(store->Find(a.id, *ring_).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(store->Find(b.id, *ring_).value(), b.key);
  // A forgotten subject that comes back gets a new key, never the old one.
  const SubjectKey again = store->KeyFor("aaa", *ring_).value();
  EXPECT_NE(again.id, a.id);
  EXPECT_NE(again.key, a.key);
  EXPECT_EQ(store->Forget("zzz").value(), 0);
}

TEST_F(SubjectKeyStoreTest, WrongMasterKeyFails) {
  auto store = SubjectKeyStore::Open(dir_.string(), false).value();
  const SubjectKey a = store->KeyFor("aaa", *ring_).value();
  KeyRing other = KeyRing::Parse("current=k1;k1=" + std::string(43, 'B') + "=", "t").value();
  EXPECT_EQ(store->Find(a.id, other).status().code(), Status::Code::kCorruption);
  KeyRing lacking = KeyRing::Parse("current=k9;k9=" + std::string(43, 'B') + "=", "t").value();
  EXPECT_EQ(store->Find(a.id, lacking).status().code(), Status::Code::kNotFound);
}

TEST_F(SubjectKeyStoreTest, ExportImportRoundTrip) {
  std::stringstream backup;
  SubjectKey a;
  {
    auto store = SubjectKeyStore::Open(dir_.string(), false).value();
    a = store->KeyFor("aaa", *ring_).value();
    ASSERT_TRUE(store->Export(backup).ok());
  }
  EXPECT_EQ(backup.str().find(a.key), std::string::npos);
  std::filesystem::remove_all(dir_);
  auto fresh = SubjectKeyStore::Open(dir_.string(), false).value();
  EXPECT_EQ(fresh->Import(backup).value(), 2);
  EXPECT_EQ(fresh->Find(a.id, *ring_).value(), a.key);
  std::stringstream junk("hello\n");
  EXPECT_EQ(fresh->Import(junk).status().code(), Status::Code::kInvalidArgument);
}

TEST_F(SubjectKeyStoreTest, SecondWriterIsRefused) {
  auto store = SubjectKeyStore::Open(dir_.string(), false).value();
  EXPECT_EQ(SubjectKeyStore::Open(dir_.string(), false).status().code(),
            Status::Code::kUnavailable);
  EXPECT_TRUE(SubjectKeyStore::Open(dir_.string(), true).ok());
  EXPECT_EQ(SubjectKeyStore::Open((dir_ / "missing").string(), true).status().code(),
            Status::Code::kNotFound);
}

TEST_F(SubjectKeyStoreTest, DeferredKeysAreSeenAtOnceAndOnDiskOnlyAfterSyncPending) {
  std::string synced_id, synced_key, lost_id;
  {
    auto store = SubjectKeyStore::Open(dir_.string(), false).value();
    store->set_deferred_sync(true);
    SubjectKey a = store->KeyFor("abc", *ring_).value();
    EXPECT_TRUE(store->has_unsynced());
    // Not written yet, and still the one key of the subject.
    EXPECT_EQ(store->KeyFor("abc", *ring_).value().id, a.id);
    EXPECT_EQ(store->Find(a.id, *ring_).value(), a.key);
    ASSERT_TRUE(store->SyncPending().ok());
    EXPECT_FALSE(store->has_unsynced());
    EXPECT_EQ(store->KeyFor("abc", *ring_).value().id, a.id);
    synced_id = a.id;
    synced_key = a.key;
    // Made after the last SyncPending: a crash now loses it (its
    // ciphertexts were held, so none left).
    lost_id = store->KeyFor("def", *ring_).value().id;
    EXPECT_TRUE(store->has_unsynced());
  }
  auto reopened = SubjectKeyStore::Open(dir_.string(), true).value();
  EXPECT_EQ(reopened->Find(synced_id, *ring_).value(), synced_key);
  EXPECT_EQ(reopened->Find(lost_id, *ring_).status().code(), Status::Code::kNotFound);
}

TEST_F(SubjectKeyStoreTest, ForgetCoversKeysNotYetSynced) {
  auto store = SubjectKeyStore::Open(dir_.string(), false).value();
  store->set_deferred_sync(true);
  const SubjectKey a = store->KeyFor("abc", *ring_).value();
  const SubjectKey b = store->KeyFor("def", *ring_).value();
  EXPECT_EQ(store->Forget("abc").value(), 1);
  EXPECT_EQ(store->Find(a.id, *ring_).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(store->Find(b.id, *ring_).value(), b.key);
  EXPECT_FALSE(store->has_unsynced());
}

}  // namespace
}  // namespace walcast::privacy
