#include "privacy/report.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace walcast::privacy {
namespace {

RuleSet Rules() {
  return ParseRules({{"rules", "full,enc,drop,dob,mail"},
                     {"rule.full.table", "public.users"},
                     {"rule.full.column", "profile"},
                     {"rule.full.op", "concat"},
                     {"rule.full.from", "name.first,name.last"},
                     {"rule.full.to", "name.full"},
                     {"rule.enc.table", "public.users"},
                     {"rule.enc.column", "profile"},
                     {"rule.enc.op", "encrypt"},
                     {"rule.enc.paths", "name.full,email"},
                     {"rule.drop.table", "public.users"},
                     {"rule.drop.column", "profile"},
                     {"rule.drop.op", "drop"},
                     {"rule.drop.paths", "dob.age"},
                     {"rule.drop.derived.from", "dob.date"},
                     {"rule.dob.table", "public.users"},
                     {"rule.dob.column", "profile"},
                     {"rule.dob.op", "date"},
                     {"rule.dob.path", "dob.date"},
                     {"rule.mail.table", "public.users"},
                     {"rule.mail.column", "email"},
                     {"rule.mail.op", "hash"},
                     {"subject.public.users", "id"}})
      .value();
}

TEST(ReportTest, FoldsRulesIntoFinalTreatments) {
  const ProcessingReport r = BuildReport(Rules(), {"kafka"}, {"public.users"}, true);
  auto find = [&](const std::string& column, const std::string& path) {
    for (const FieldTreatment& f : r.fields) {
      if (f.column == column && f.path == path) return f;
    }
    return FieldTreatment{};
  };
  EXPECT_EQ(find("profile", "name.full").treatment, "encrypted");
  EXPECT_EQ(find("profile", "name.full").detail,
            "derived: name.first + name.last; AES-256-GCM, per-subject key (forgettable)");
  EXPECT_EQ(find("profile", "dob.age").treatment, "removed");
  EXPECT_EQ(find("profile", "dob.age").detail, "derivable from dob.date");
  EXPECT_EQ(find("profile", "dob.date_parts").treatment, "clear");
  EXPECT_EQ(find("email", "").treatment, "hashed");
}

TEST(ReportTest, MarkdownAndJsonListEverySink) {
  const ProcessingReport r =
      BuildReport(Rules(), {"kafka", "elasticsearch"}, {"public.users"}, true);
  const std::string md = ReportMarkdown(r);
  EXPECT_NE(md.find("## kafka"), std::string::npos);
  EXPECT_NE(md.find("## elasticsearch"), std::string::npos);
  EXPECT_NE(md.find("| public.users | email | (column) | hashed |"), std::string::npos);
  EXPECT_NE(md.find("## metrics (input)"), std::string::npos);
  rapidjson::Document doc;
  doc.Parse(ReportJson(r).c_str());
  ASSERT_FALSE(doc.HasParseError());
  ASSERT_EQ(doc["sinks"].Size(), 2u);
  EXPECT_STREQ(doc["sinks"][1]["name"].GetString(), "elasticsearch");
  EXPECT_EQ(doc["sinks"][0]["fields"].Size(), r.fields.size());
}

}  // namespace
}  // namespace walcast::privacy
