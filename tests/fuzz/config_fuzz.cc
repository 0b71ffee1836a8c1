// libFuzzer target: the config parser (app/config_file.h): properties text
// and Kafka Connect JSON, then the Debezium key translation and validation
// against every walcast key (app/options.h), then the libpq connection
// string built from a valid config.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "app/config_file.h"
#include "app/debezium_keys.h"
#include "app/options.h"
#include "core/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  walcast::Result<walcast::app::ConfigFile> file = walcast::app::ParseConfigText(text, "fuzz");
  if (!file.ok()) return 0;
  std::vector<walcast::app::IgnoredKey> ignored;
  if (!walcast::app::TranslateDebeziumKeys(&file->values, &ignored).ok()) return 0;
  const walcast::Result<walcast::Config> config = walcast::Config::Build(
      walcast::app::AllOptions(), file->values, walcast::app::PassthroughPrefixes());
  if (config.ok()) (void)walcast::app::Conninfo(*config);
  return 0;
}
