#include "privacy/row_transformer.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>

#include "privacy/cipher.h"
#include "privacy/decryptor.h"
#include "tests/support/test_dir.h"
#include "tests/unit/privacy/test_keys.h"

namespace walcast::privacy {
namespace {

constexpr const char* kProfile =
    R"({"gender":"female","name":{"title":"Ms","first":"Jane","last":"Canary"},)"
    R"("location":{"street":{"number":12,"name":"Canary Lane"},"city":"Springfield",)"
    R"("postcode":"90210","coordinates":{"latitude":"1.5","longitude":"2.5"}},)"
    R"("email":"jane.canary@example.com","login":{"uuid":"u-1","password":"hunter2"},)"
    R"("dob":{"date":"1990-03-04T05:06:07.890+01:00","age":34},"phone":"555-0100",)"
    R"("cell":5550101,"nat":"GB"})";

std::shared_ptr<const Relation> UsersRelation() {
  auto r = std::make_shared<Relation>();
  r->oid = 42;
  r->schema = "public";
  r->name = "users";
  for (const auto& [name, oid] : {std::pair{"id", 23u}, std::pair{"email", 25u},
                                  std::pair{"ssn", 25u}, std::pair{"profile", 3802u}}) {
    Column c;
    c.name = name;
    c.type_oid = oid;
    c.is_key = c.name == "id";
    r->columns.push_back(c);
  }
  r->primary_key = {0};
  return r;
}

ChangeEvent Insert(const std::string& profile = kProfile) {
  ChangeEvent e;
  e.op = walcast::Op::kCreate;
  e.lsn = Lsn(0x100);
  e.relation = UsersRelation();
  e.after = Tuple{Datum::Text("7"), Datum::Text("Jane.Canary@Example.com"),
                  Datum::Text("123-45-6789"), Datum::Text(profile)};
  return e;
}

RuleSet GdprRules() {
  Result<RuleSet> set = ParseRules({
      {"rules", "fullname,address,contact,dob,age,mail,ssn,parts"},
      {"rule.fullname.table", "public.users"},
      {"rule.fullname.column", "profile"},
      {"rule.fullname.op", "concat"},
      {"rule.fullname.from", "name.first,name.last"},
      {"rule.fullname.to", "name.full"},
      {"rule.address.table", "public.users"},
      {"rule.address.column", "profile"},
      {"rule.address.op", "concat"},
      {"rule.address.from",
       "location.street.number,location.street.name,location.city,"
       "location.postcode"},
      {"rule.address.separator", ", "},
      {"rule.address.to", "location.full"},
      {"rule.contact.table", "public.users"},
      {"rule.contact.column", "profile"},
      {"rule.contact.op", "encrypt"},
      {"rule.contact.paths", "name.full,location.full,email,phone,cell"},
      {"rule.parts.table", "public.users"},
      {"rule.parts.column", "profile"},
      {"rule.parts.op", "drop"},
      {"rule.parts.paths",
       "name.first,name.last,location.street,location.city,"
       "location.postcode,location.coordinates,login.password"},
      {"rule.dob.table", "public.users"},
      {"rule.dob.column", "profile"},
      {"rule.dob.op", "date"},
      {"rule.dob.path", "dob.date"},
      {"rule.dob.to", "dob.parts"},
      {"rule.age.table", "public.users"},
      {"rule.age.column", "profile"},
      {"rule.age.op", "drop"},
      {"rule.age.path", "dob.age"},
      {"rule.mail.table", "public.users"},
      {"rule.mail.column", "email"},
      {"rule.mail.op", "hash"},
      {"rule.ssn.table", "public.users"},
      {"rule.ssn.column", "ssn"},
      {"rule.ssn.op", "mask"},
      {"rule.ssn.mask.keep", "4"},
  });
  EXPECT_TRUE(set.ok()) << set.status().ToString();
  return std::move(set).value();
}

// Rule a: encrypt these paths of the profile under each user's key.
std::map<std::string, std::string> EncryptUnderSubjects(const std::string& paths) {
  return {{"rules", "a"},
          {"rule.a.table", "public.users"},
          {"rule.a.column", "profile"},
          {"rule.a.paths", paths},
          {"rule.a.op", "encrypt"},
          {"subject.public.users", "profile:login.uuid"}};
}

class RowTransformerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ring_ = std::make_unique<KeyRing>(KeyRing::Parse(testing::KeyRingText("k1"), "t").value());
  }
  std::unique_ptr<RowTransformer> Make(RuleSet rules, SubjectKeyStore* store = nullptr) {
    Result<std::unique_ptr<RowTransformer>> t =
        RowTransformer::Create(std::move(rules), ring_.get(), store);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return std::move(t).value();
  }
  // A new subject key store in a directory of the test's own.
  std::unique_ptr<SubjectKeyStore> OpenStore() {
    store_dir_ = ::walcast::testing::FreshTestDir();
    return SubjectKeyStore::Open(store_dir_.string(), false).value();
  }
  void TearDown() override {
    if (!store_dir_.empty()) std::filesystem::remove_all(store_dir_);
  }
  std::unique_ptr<KeyRing> ring_;
  std::filesystem::path store_dir_;
};

TEST_F(RowTransformerTest, GdprProfileLeavesNoClearPii) {
  auto t = Make(GdprRules());
  const ChangeEvent in = Insert();
  ASSERT_TRUE(t->Applies(in));
  ChangeEvent out;
  ASSERT_TRUE(t->Apply({}, in, &out).ok());
  ASSERT_TRUE(out.after.has_value());
  const Tuple& row = *out.after;
  ASSERT_EQ(row.size(), 4u);
  EXPECT_EQ(row[0].data, "7");
  EXPECT_EQ(row[1].data.size(), 64u);  // HMAC hex
  EXPECT_EQ(row[1].data, HmacSha256Hex(std::string(32, '\x01'), "Jane.Canary@Example.com"));
  EXPECT_EQ(row[2].data, "*******6789");
  EXPECT_EQ(out.relation->columns[1].type_oid, 25u);
  EXPECT_EQ(out.relation->columns[3].type_oid, 3802u);
  for (const char* canary : {"Jane", "Canary", "canary", "Springfield", "90210", "555-0100",
                             "5550101", "hunter2", "Lane"}) {
    EXPECT_EQ(row[3].data.find(canary), std::string::npos) << canary << " in " << row[3].data;
  }
  rapidjson::Document doc;
  doc.Parse(row[3].data.c_str());
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_FALSE(doc["dob"].HasMember("age"));
  EXPECT_STREQ(doc["dob"]["date"].GetString(), "1990-03-04T04:06:07.890Z");
  EXPECT_EQ(doc["dob"]["parts"]["year"].GetInt(), 1990);
  EXPECT_EQ(doc["dob"]["parts"]["month"].GetInt(), 3);
  EXPECT_EQ(doc["dob"]["parts"]["day"].GetInt(), 4);
  EXPECT_STREQ(doc["nat"].GetString(), "GB");
  EXPECT_FALSE(doc["name"].HasMember("first"));
  EXPECT_TRUE(LooksSealed(doc["email"].GetString()));
  EXPECT_TRUE(LooksSealed(doc["cell"].GetString()));

  // Every ciphertext decrypts back to its value with its JSON type.
  Decryptor decryptor(ring_.get(), nullptr);
  Decryptor::Outcome outcome;
  Result<std::string> clear = decryptor.DecryptDocument(row[3].data, &outcome);
  ASSERT_TRUE(clear.ok());
  EXPECT_TRUE(outcome.failures.empty());
  EXPECT_EQ(outcome.decrypted, 5);
  rapidjson::Document plain;
  plain.Parse(clear->c_str());
  EXPECT_STREQ(plain["name"]["full"].GetString(), "Jane Canary");
  EXPECT_STREQ(plain["location"]["full"].GetString(), "12, Canary Lane, Springfield, 90210");
  EXPECT_STREQ(plain["email"].GetString(), "jane.canary@example.com");
  EXPECT_EQ(plain["cell"].GetInt(), 5550101);
}

TEST_F(RowTransformerTest, DropsWholeColumnsFromTheSchema) {
  RuleSet rules = ParseRules({{"rules", "a"},
                              {"rule.a.table", "public.users"},
                              {"rule.a.column", "ssn"},
                              {"rule.a.op", "drop"}})
                      .value();
  auto t = Make(std::move(rules));
  ChangeEvent in = Insert();
  in.op = walcast::Op::kUpdate;
  in.before = in.after;
  ChangeEvent out;
  ASSERT_TRUE(t->Apply({}, in, &out).ok());
  ASSERT_EQ(out.relation->columns.size(), 3u);
  EXPECT_EQ(out.relation->columns[2].name, "profile");
  EXPECT_EQ(out.relation->primary_key, std::vector<size_t>{0});
  EXPECT_EQ(out.after->size(), 3u);
  EXPECT_EQ(out.before->size(), 3u);
  EXPECT_EQ((*out.before)[2].data, kProfile);
  // The relation is built once and shared by every change of the table.
  ChangeEvent again;
  ASSERT_TRUE(t->Apply({}, in, &again).ok());
  EXPECT_EQ(again.relation.get(), out.relation.get());
}

TEST_F(RowTransformerTest, WholeColumnEncryptionRoundTripsAndRotates) {
  RuleSet rules = ParseRules({{"rules", "a"},
                              {"rule.a.table", "public.users"},
                              {"rule.a.column", "email"},
                              {"rule.a.op", "encrypt"}})
                      .value();
  auto t = Make(rules);
  ChangeEvent out;
  ASSERT_TRUE(t->Apply({}, Insert(), &out).ok());
  const std::string under_k1 = (*out.after)[1].data;
  EXPECT_EQ(under_k1.rfind("wc1:k1:", 0), 0u);

  // Rotation: new rows under k2, old ciphertexts still open with k1.
  ring_ = std::make_unique<KeyRing>(KeyRing::Parse(testing::KeyRingText("k2"), "t").value());
  auto rotated = Make(rules);
  ASSERT_TRUE(rotated->Apply({}, Insert(), &out).ok());
  const std::string under_k2 = (*out.after)[1].data;
  EXPECT_EQ(under_k2.rfind("wc1:k2:", 0), 0u);
  Decryptor decryptor(ring_.get(), nullptr);
  EXPECT_EQ(decryptor.DecryptValue(under_k1).value(), "tJane.Canary@Example.com");
  EXPECT_EQ(decryptor.DecryptValue(under_k2).value(), "tJane.Canary@Example.com");

  // Without k1 the old one is refused, naming the key id.
  KeyRing only_k2 = KeyRing::Parse("current=k2;k2=" + std::string(43, 'A') + "=", "t").value();
  Decryptor without(&only_k2, nullptr);
  EXPECT_EQ(without.DecryptValue(under_k1).status().code(), Status::Code::kNotFound);
}

TEST_F(RowTransformerTest, RefusesToEncryptAKeyColumn) {
  RuleSet rules = ParseRules({{"rules", "a"},
                              {"rule.a.table", "public.users"},
                              {"rule.a.column", "id"},
                              {"rule.a.op", "encrypt"}})
                      .value();
  auto t = Make(std::move(rules));
  ChangeEvent out;
  EXPECT_EQ(t->Apply({}, Insert(), &out).code(), Status::Code::kFatal);
}

TEST_F(RowTransformerTest, UnknownColumnIsAClearError) {
  RuleSet rules = ParseRules({{"rules", "a"},
                              {"rule.a.table", "public.users"},
                              {"rule.a.column", "nope"},
                              {"rule.a.op", "drop"}})
                      .value();
  auto t = Make(std::move(rules));
  ChangeEvent out;
  const Status s = t->Apply({}, Insert(), &out);
  EXPECT_EQ(s.code(), Status::Code::kFatal);
  EXPECT_NE(s.message().find("nope"), std::string::npos);
}

TEST_F(RowTransformerTest, BadJsonFailsOrRedactsWithoutLeaking) {
  std::map<std::string, std::string> values = {{"rules", "a"},
                                               {"rule.a.table", "public.users"},
                                               {"rule.a.column", "profile"},
                                               {"rule.a.paths", "email"},
                                               {"rule.a.op", "encrypt"}};
  const ChangeEvent bad = Insert("{not json jane.canary@example.com");
  ChangeEvent out;
  auto failing = Make(ParseRules(values).value());
  const Status s = failing->Apply({}, bad, &out);
  EXPECT_EQ(s.code(), Status::Code::kRejected);
  EXPECT_EQ(s.message().find("canary"), std::string::npos);
  EXPECT_NE(s.message().find("public.users.profile"), std::string::npos);

  values["on.error"] = "redact";
  auto redacting = Make(ParseRules(values).value());
  ASSERT_TRUE(redacting->Apply({}, bad, &out).ok());
  EXPECT_EQ((*out.after)[3].kind, Datum::Kind::kNull);
  EXPECT_EQ(redacting->redacted(), 1u);
}

TEST_F(RowTransformerTest, BadDateIsRejected) {
  auto t = Make(ParseRules({{"rules", "a"},
                            {"rule.a.table", "public.users"},
                            {"rule.a.column", "profile"},
                            {"rule.a.path", "dob.date"},
                            {"rule.a.op", "date"}})
                    .value());
  ChangeEvent out;
  EXPECT_EQ(t->Apply({}, Insert(R"({"dob":{"date":"yesterday"}})"), &out).code(),
            Status::Code::kRejected);
  ASSERT_TRUE(t->Apply({}, Insert(R"({"dob":{"date":"1990-03-04"}})"), &out).ok());
  EXPECT_EQ((*out.after)[3].data,
            R"({"dob":{"date":"1990-03-04","date_parts":{"year":1990,"month":3,"day":4}}})");
}

TEST_F(RowTransformerTest, OtherTablesPassUntouched) {
  auto t = Make(GdprRules());
  ChangeEvent e = Insert();
  auto other = std::make_shared<Relation>(*e.relation);
  other->name = "orders";
  e.relation = other;
  EXPECT_FALSE(t->Applies(e));
}

TEST_F(RowTransformerTest, NullsAndMissingPathsStay) {
  auto t = Make(GdprRules());
  ChangeEvent e = Insert(R"({"nat":"FR","email":null})");
  (*e.after)[1] = Datum::Null();
  ChangeEvent out;
  ASSERT_TRUE(t->Apply({}, e, &out).ok());
  EXPECT_EQ((*out.after)[1].kind, Datum::Kind::kNull);
  EXPECT_EQ((*out.after)[3].data, R"({"nat":"FR","email":null})");
}

TEST_F(RowTransformerTest, SubjectKeysForgetOneSubjectOnly) {
  auto store = OpenStore();
  auto t = Make(ParseRules(EncryptUnderSubjects("email")).value(), store.get());
  ChangeEvent out;
  ASSERT_TRUE(t->Apply({}, Insert(R"({"login":{"uuid":"u-1"},"email":"a@x"})"), &out).ok());
  rapidjson::Document a;
  a.Parse((*out.after)[3].data.c_str());
  ASSERT_TRUE(t->Apply({}, Insert(R"({"login":{"uuid":"u-2"},"email":"b@x"})"), &out).ok());
  rapidjson::Document b;
  b.Parse((*out.after)[3].data.c_str());
  const std::string ca = a["email"].GetString();
  const std::string cb = b["email"].GetString();
  EXPECT_EQ(ca.rfind("wc1:s.", 0), 0u);
  EXPECT_EQ(ca.find("u-1"), std::string::npos);

  Decryptor decryptor(ring_.get(), store.get());
  EXPECT_EQ(decryptor.DecryptValue(ca).value(), "sa@x");
  EXPECT_EQ(decryptor.DecryptValue(cb).value(), "sb@x");
  EXPECT_EQ(store->Forget(SubjectIndex(std::string(32, '\x01'), "u-1")).value(), 1);
  EXPECT_EQ(decryptor.DecryptValue(ca).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(decryptor.DecryptValue(cb).value(), "sb@x");

  // A row without a subject cannot be encrypted under its subject's key.
  EXPECT_EQ(t->Apply({}, Insert(R"({"email":"c@x"})"), &out).code(), Status::Code::kRejected);
}

TEST_F(RowTransformerTest, KnownSubjectsReuseTheirKeyWithoutALookUp) {
  auto store = OpenStore();
  std::map<std::string, std::string> values = EncryptUnderSubjects("email,phone");
  values["rules"] = "a,b";
  values["rule.b.table"] = "public.users";
  values["rule.b.column"] = "profile";
  values["rule.b.paths"] = "login";
  values["rule.b.op"] = "drop";
  auto t = Make(ParseRules(values).value(), store.get());
  auto key_id = [](const std::string& sealed) { return ParseSealed(sealed).value().key_id; };
  std::vector<std::string> ids;
  // u-1, u-2, u-1 again: two subjects, two keys, each taken from the store once.
  for (const char* uuid : {"u-1", "u-2", "u-1"}) {
    ChangeEvent out;
    const std::string profile =
        std::string(R"({"login":{"uuid":")") + uuid + R"("},"email":"a@x","phone":"1"})";
    ASSERT_TRUE(t->Apply({}, Insert(profile), &out).ok());
    rapidjson::Document doc;
    doc.Parse((*out.after)[3].data.c_str());
    // The subject came from the same parse, before its path was dropped.
    EXPECT_FALSE(doc.HasMember("login"));
    EXPECT_EQ(key_id(doc["email"].GetString()), key_id(doc["phone"].GetString()));
    ids.push_back(key_id(doc["email"].GetString()));
  }
  EXPECT_EQ(t->key_lookups(), 2u);
  EXPECT_NE(ids[0], ids[1]);
  EXPECT_EQ(ids[0], ids[2]);
  const std::string index = SubjectIndex(std::string(32, '\x01'), "u-1");
  EXPECT_EQ(ids[0].rfind("s." + index + ".", 0), 0u);

  // A second transformer on the same store (a restart) finds the same key.
  auto again = Make(ParseRules(values).value(), store.get());
  ChangeEvent out;
  ASSERT_TRUE(again->Apply({}, Insert(R"({"login":{"uuid":"u-1"},"email":"c@x"})"), &out).ok());
  rapidjson::Document doc;
  doc.Parse((*out.after)[3].data.c_str());
  EXPECT_EQ(key_id(doc["email"].GetString()), ids[0]);
  Decryptor decryptor(ring_.get(), store.get());
  EXPECT_EQ(decryptor.DecryptValue(doc["email"].GetString()).value(), "sc@x");
}

TEST_F(RowTransformerTest, SubjectInAColumnAfterTheEncryptedOneIsReadFromTheRow) {
  auto store = OpenStore();
  // email (column 1) is sealed before profile (column 3), which holds the
  // subject and is parsed by a rule of its own.
  auto t = Make(ParseRules({{"rules", "a,b"},
                            {"rule.a.table", "public.users"},
                            {"rule.a.column", "email"},
                            {"rule.a.op", "encrypt"},
                            {"rule.b.table", "public.users"},
                            {"rule.b.column", "profile"},
                            {"rule.b.paths", "login.uuid"},
                            {"rule.b.op", "drop"},
                            {"subject.public.users", "profile:login.uuid"}})
                    .value(),
                store.get());
  ChangeEvent out;
  ASSERT_TRUE(t->Apply({}, Insert(R"({"login":{"uuid":"u-9"}})"), &out).ok());
  const std::string sealed = (*out.after)[1].data;
  EXPECT_EQ(sealed.rfind("wc1:s." + SubjectIndex(std::string(32, '\x01'), "u-9") + ".", 0), 0u);
  EXPECT_EQ((*out.after)[3].data, R"({"login":{}})");
  // Master-key and subject-key tables alternate on the one re-keyed context.
  Decryptor decryptor(ring_.get(), store.get());
  EXPECT_EQ(decryptor.DecryptValue(sealed).value(), "tJane.Canary@Example.com");
  EXPECT_EQ(t->Apply({}, Insert(R"({"login":{}})"), &out).code(), Status::Code::kRejected);
}

}  // namespace
}  // namespace walcast::privacy
