// The include rule of docs/design.md, checked against the real build: a
// source file includes walcast headers only from its own target and from the
// targets its target lists in target_link_libraries. CMake writes each
// product target's folder, sources and listed libraries to
// module_manifest.txt (tests/unit/layout/CMakeLists.txt); this test scans the
// #include lines of every file of every target.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace walcast {
namespace {

namespace fs = std::filesystem;

struct Target {
  std::string name;  // walcast_sink_kafka
  std::string dir;   // sinks/kafka, relative to the source root
  std::vector<std::string> sources;
  std::set<std::string> links;  // walcast_* targets only, aliases resolved
};

// "walcast::sink_kafka" → "walcast_sink_kafka"; other libraries → "".
std::string TargetOfLink(const std::string& link) {
  constexpr std::string_view kAlias = "walcast::";
  if (link.starts_with(kAlias)) return "walcast_" + link.substr(kAlias.size());
  if (link.starts_with("walcast_")) return link;
  return "";
}

std::vector<Target> ParseManifest(std::istream& in) {
  std::vector<Target> targets;
  Target t;
  std::string line;
  while (std::getline(in, line)) {
    const size_t space = line.find(' ');
    const std::string key = line.substr(0, space);
    std::istringstream words(space == std::string::npos ? "" : line.substr(space + 1));
    std::string word;
    if (key == "target") {
      words >> t.name;
    } else if (key == "dir") {
      words >> t.dir;
    } else if (key == "sources") {
      while (words >> word) t.sources.push_back(word);
    } else if (key == "links") {
      while (words >> word) {
        if (std::string target = TargetOfLink(word); !target.empty()) t.links.insert(target);
      }
    } else if (key == "end") {
      targets.push_back(t);
      t = Target{};
    }
  }
  return targets;
}

// The first path component of every folder that holds product targets: an
// include starting with one of these is walcast's own header.
std::set<std::string> OwnRoots(const std::vector<Target>& targets) {
  std::set<std::string> roots;
  for (const Target& t : targets) roots.insert(t.dir.substr(0, t.dir.find('/')));
  return roots;
}

// Which targets own each file (paths relative to the root): a target owns its
// sources and the header beside each of its .cc files; a header no .cc
// claims belongs to every target of its folder.
std::map<std::string, std::set<std::string>> Owners(const fs::path& root,
                                                    const std::vector<Target>& targets) {
  std::map<std::string, std::set<std::string>> owners;
  for (const Target& t : targets) {
    for (const std::string& source : t.sources) {
      fs::path rel = fs::path(source).is_absolute()
                         ? fs::relative(source, root)
                         : fs::path(t.dir) / source;
      owners[rel.generic_string()].insert(t.name);
      if (rel.extension() == ".cc") {
        rel.replace_extension(".h");
        if (fs::exists(root / rel)) owners[rel.generic_string()].insert(t.name);
      }
    }
  }
  for (const Target& t : targets) {
    for (const fs::directory_entry& e : fs::directory_iterator(root / t.dir)) {
      if (e.path().extension() != ".h") continue;
      const std::string rel = (fs::path(t.dir) / e.path().filename()).generic_string();
      if (!owners.contains(rel) || owners[rel].empty()) {
        for (const Target& other : targets) {
          if (other.dir == t.dir) owners[rel].insert(other.name);
        }
      }
    }
  }
  return owners;
}

// Every `#include "x/y.h"` of a walcast header that the file's targets may
// not include, as "file:line: includes x/y.h (target …), not listed by …".
std::vector<std::string> FindViolations(const fs::path& root, const std::vector<Target>& targets) {
  const std::set<std::string> roots = OwnRoots(targets);
  const std::map<std::string, std::set<std::string>> owners = Owners(root, targets);
  std::map<std::string, const Target*> by_name;
  for (const Target& t : targets) by_name[t.name] = &t;

  std::vector<std::string> violations;
  for (const auto& [file, file_targets] : owners) {
    std::ifstream in(root / file);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      constexpr std::string_view kInclude = "#include \"";
      if (!line.starts_with(kInclude)) continue;
      const size_t end = line.find('"', kInclude.size());
      const std::string inc = line.substr(kInclude.size(), end - kInclude.size());
      const std::string first = inc.substr(0, inc.find('/'));
      if (first == inc) continue;  // a bare name: not one of walcast's paths
      const bool own_root = roots.contains(first);
      if (!own_root && first != "tests" && first != "bench") continue;  // third-party
      const std::string inc_dir = fs::path(inc).parent_path().generic_string();
      const std::string file_dir = fs::path(file).parent_path().generic_string();
      const auto owner = owners.find(inc);
      if (owner == owners.end()) {
        // A header no product target owns: generated beside its user (the
        // build's app/mosip_sql.h), or outside the product (tests/).
        if (own_root && inc_dir == file_dir) continue;
        violations.push_back(file + ":" + std::to_string(n) + ": includes " + inc +
                             ", which no product target owns");
        continue;
      }
      // Allowed when one of the file's targets is, or lists, an owner.
      bool allowed = false;
      for (const std::string& ft : file_targets) {
        const Target& t = *by_name.at(ft);
        for (const std::string& o : owner->second) {
          if (o == ft || t.links.contains(o)) allowed = true;
        }
      }
      if (!allowed) {
        std::string who;
        for (const std::string& o : owner->second) who += (who.empty() ? "" : ", ") + o;
        std::string users;
        for (const std::string& ft : file_targets) users += (users.empty() ? "" : ", ") + ft;
        violations.push_back(file + ":" + std::to_string(n) + ": includes " + inc + " (" + who +
                             "), which " + users + " does not list");
      }
    }
  }
  return violations;
}

std::vector<Target> LoadManifest() {
  std::ifstream in(WALCAST_MODULE_MANIFEST);
  EXPECT_TRUE(in) << "cannot read " << WALCAST_MODULE_MANIFEST;
  return ParseManifest(in);
}

TEST(IncludeRulesTest, ManifestNamesEveryModule) {
  const std::vector<Target> targets = LoadManifest();
  std::set<std::string> names;
  for (const Target& t : targets) {
    names.insert(t.name);
    EXPECT_FALSE(t.sources.empty()) << t.name;
  }
  for (const char* module : {"walcast_core", "walcast_pg", "walcast_debezium", "walcast_mosip",
                             "walcast_wal_reader", "walcast_sink_kafka",
                             "walcast_sink_elasticsearch", "walcast_sink_stdout",
                             "walcast_metrics", "walcast_app", "walcast"}) {
    EXPECT_TRUE(names.contains(module)) << module;
  }
}

TEST(IncludeRulesTest, EveryIncludeIsOfAListedTarget) {
  const std::vector<std::string> violations = FindViolations(WALCAST_SOURCE_DIR, LoadManifest());
  std::string all;
  for (const std::string& v : violations) all += v + "\n";
  EXPECT_TRUE(violations.empty()) << all;
}

// DESIGN.md: sinks and metrics depend on core and the shared domain modules
// only, never on each other; only app/ sees every module.
TEST(IncludeRulesTest, SinksAndMetricsListOnlySharedModules) {
  // walcast_rocks: what the RocksDB users (metrics, privacy) share.
  const std::set<std::string> shared = {"walcast_core",     "walcast_pg",    "walcast_debezium",
                                        "walcast_mosip",    "walcast_rocks", "walcast_warnings",
                                        "walcast_rapidjson"};
  const std::vector<Target> targets = LoadManifest();
  for (const Target& t : targets) {
    if (!t.dir.starts_with("sinks/") && t.dir != "metrics") continue;
    for (const std::string& link : t.links) {
      const bool same_folder = std::any_of(targets.begin(), targets.end(), [&](const Target& o) {
        return o.name == link && o.dir == t.dir;
      });
      EXPECT_TRUE(shared.contains(link) || same_folder) << t.name << " lists " << link;
    }
  }
}

// The checker itself, on a made-up tree: it must catch a sideways include
// and accept a listed one.
TEST(IncludeRulesTest, CheckerFindsAnUnlistedInclude) {
  const fs::path root = fs::temp_directory_path() / ("walcast_layout_" + std::to_string(getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "core");
  fs::create_directories(root / "sinks/a");
  fs::create_directories(root / "sinks/b");
  std::ofstream(root / "core/x.h") << "#pragma once\n";
  std::ofstream(root / "core/x.cc") << "#include \"core/x.h\"\n";
  std::ofstream(root / "sinks/a/a.h") << "#pragma once\n";
  std::ofstream(root / "sinks/a/a.cc") << "#include \"sinks/a/a.h\"\n#include \"core/x.h\"\n";
  std::ofstream(root / "sinks/b/b.cc") << "#include \"core/x.h\"\n#include \"sinks/a/a.h\"\n";
  std::istringstream manifest(
      "target walcast_core\ndir core\nsources x.cc\nlinks \nend\n"
      "target walcast_a\ndir sinks/a\nsources a.cc\nlinks walcast::core\nend\n"
      "target walcast_b\ndir sinks/b\nsources b.cc\nlinks walcast::core\nend\n");
  const std::vector<std::string> violations = FindViolations(root, ParseManifest(manifest));
  fs::remove_all(root);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0],
            "sinks/b/b.cc:2: includes sinks/a/a.h (walcast_a), which walcast_b does not list");
}

}  // namespace
}  // namespace walcast
