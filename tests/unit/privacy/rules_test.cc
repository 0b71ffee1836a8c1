#include "privacy/rules.h"

#include <gtest/gtest.h>

namespace walcast::privacy {
namespace {

TEST(RulesTest, ParsesRulesInListedOrder) {
  Result<RuleSet> set = ParseRules({
      {"rules", "full,contact,age"},
      {"rule.contact.table", "public.users"},
      {"rule.contact.column", "profile"},
      {"rule.contact.paths", "email, phone"},
      {"rule.contact.op", "encrypt"},
      {"rule.full.table", "public.users"},
      {"rule.full.column", "profile"},
      {"rule.full.op", "concat"},
      {"rule.full.from", "name.first,name.last"},
      {"rule.full.to", "name.full"},
      {"rule.age.table", "public.users"},
      {"rule.age.column", "profile"},
      {"rule.age.path", "dob.age"},
      {"rule.age.op", "DROP"},
      {"rule.age.derived.from", "dob.date"},
      {"subject.public.users", "profile:login.uuid"},
      {"hash.key.id", "k1"},
      {"on.error", "redact"},
      {"transform.thread", "true"},
  });
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_EQ(set->rules.size(), 3u);
  EXPECT_EQ(set->rules[0].name, "full");
  EXPECT_EQ(set->rules[0].op, Action::kConcat);
  EXPECT_EQ(set->rules[0].from, (std::vector<std::string>{"name.first", "name.last"}));
  EXPECT_EQ(set->rules[1].paths, (std::vector<std::string>{"email", "phone"}));
  EXPECT_EQ(set->rules[2].op, Action::kDrop);
  EXPECT_EQ(set->rules[2].derived_from, "dob.date");
  EXPECT_EQ(set->subjects.at("public.users").path, "login.uuid");
  EXPECT_EQ(set->on_error, OnError::kRedact);
  EXPECT_TRUE(set->transform_thread);
  EXPECT_TRUE(set->NeedsKeys());
}

// Values are trimmed where they are read, so spaces at a separator's ends
// need the quotes; inside them everything is kept.
TEST(RulesTest, AQuotedSeparatorKeepsItsSpaces) {
  auto parse = [](const std::string& separator) {
    return ParseRules({{"rules", "full"},
                       {"rule.full.table", "public.users"},
                       {"rule.full.column", "profile"},
                       {"rule.full.op", "concat"},
                       {"rule.full.from", "a,b"},
                       {"rule.full.to", "c"},
                       {"rule.full.separator", separator}});
  };
  Result<RuleSet> quoted = parse("\", \"");
  ASSERT_TRUE(quoted.ok()) << quoted.status().ToString();
  EXPECT_EQ(quoted->rules[0].separator, ", ");
  Result<RuleSet> bare = parse("/");
  ASSERT_TRUE(bare.ok()) << bare.status().ToString();
  EXPECT_EQ(bare->rules[0].separator, "/");
  Result<RuleSet> one_quote = parse("\"");
  ASSERT_TRUE(one_quote.ok()) << one_quote.status().ToString();
  EXPECT_EQ(one_quote->rules[0].separator, "\"");
}

TEST(RulesTest, ErrorsNameTheKey) {
  struct Case {
    std::map<std::string, std::string> values;
    std::string key;
  };
  const std::vector<Case> cases = {
      {{{"rules", "a"}}, "privacy.rules"},
      {{{"rule.a.op", "drop"}}, "privacy.rule.a.op"},
      {{{"rules", "a"}, {"rule.a.table", "users"}, {"rule.a.column", "c"}, {"rule.a.op", "drop"}},
       "privacy.rule.a.table"},
      {{{"rules", "a"},
        {"rule.a.table", "public.u"},
        {"rule.a.column", "c"},
        {"rule.a.op", "rot13"}},
       "privacy.rule.a.op"},
      {{{"rules", "a"},
        {"rule.a.table", "public.u"},
        {"rule.a.column", "c"},
        {"rule.a.op", "concat"}},
       "privacy.rule.a.from"},
      {{{"rules", "a"},
        {"rule.a.table", "public.u"},
        {"rule.a.column", "c"},
        {"rule.a.op", "drop"},
        {"rule.a.paths", "a..b"}},
       "privacy.rule.a.paths"},
      {{{"rules", "a"},
        {"rule.a.table", "public.u"},
        {"rule.a.column", "c"},
        {"rule.a.op", "mask"},
        {"rule.a.mask.keep", "x"}},
       "privacy.rule.a.mask.keep"},
      {{{"rule.a.colour", "red"}}, "privacy.rule.a.colour"},
      {{{"keys.inline", "AAAA"}}, "privacy.keys.inline"},
      {{{"on.error", "ignore"}}, "privacy.on.error"},
      {{{"transform.thread", "yes"}}, "privacy.transform.thread"},
      {{{"subject.users", "id"}}, "privacy.subject.users"},
  };
  for (const Case& c : cases) {
    Result<RuleSet> set = ParseRules(c.values);
    ASSERT_FALSE(set.ok()) << c.key;
    EXPECT_EQ(set.status().code(), Status::Code::kInvalidArgument) << c.key;
    EXPECT_NE(set.status().message().find(c.key), std::string::npos) << set.status().message();
  }
}

TEST(RulesTest, SplitPath) {
  EXPECT_EQ(SplitPath("location.street.name").value(),
            (std::vector<std::string>{"location", "street", "name"}));
  EXPECT_FALSE(SplitPath("").ok());
  EXPECT_FALSE(SplitPath("a.").ok());
}

}  // namespace
}  // namespace walcast::privacy
