// walcast: PostgreSQL logical replication to Kafka (Debezium format),
// Elasticsearch and in-process metrics. See README.md.

#include <curl/curl.h>

#include <atomic>
#include <boost/program_options.hpp>
#include <csignal>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/commands.h"
#include "app/config_file.h"
#include "app/exhaust_command.h"
#include "app/exhaust_http.h"
#include "app/generate_mosip.h"
#include "app/generate_profiles.h"
#include "app/generate_user_profiles.h"
#include "app/generate_program_users.h"
#include "app/http_endpoint.h"
#include "app/options.h"
#include "app/pipeline_config.h"
#include "app/pipeline_registry.h"
#include "app/privacy_commands.h"
#include "app/state_dir.h"
#include "core/log.h"

#ifndef WALCAST_VERSION
#define WALCAST_VERSION "0.0.0"
#endif

namespace {

namespace po = boost::program_options;

// The one piece of process-wide state besides the log level: set by the
// signal handler, read by the reader loop (STYLE.md).
std::atomic<bool> g_stop{false};

extern "C" void OnSignal(int) { g_stop.store(true); }

void InstallSignalHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocking select() returns EINTR at once
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

constexpr const char* kUsage =
    "Usage: walcast [OPTIONS] COMMAND\n"
    "\n"
    "Streams a PostgreSQL logical replication slot to sinks, confirming to the\n"
    "server only what every sink has made durable.\n"
    "\n"
    "Commands:\n"
    "  run               stream changes into the configured sinks until SIGINT/SIGTERM\n"
    "  setup             create the publication and the replication slot\n"
    "  setup --check     preflight: check server, role, publication, tables and slot\n"
    "                    (on a standby also hot_standby_feedback; a slot invalidated by\n"
    "                    max_slot_wal_keep_size); change nothing; print the SQL that\n"
    "                    fixes each problem\n"
    "  probe [URL|PATH]  GET URL; exit 0 on a 2xx answer (the container's HEALTHCHECK on\n"
    "                    http://127.0.0.1:8080/readyz); without a URL, or with a PATH\n"
    "                    such as /healthz, the configured http.bind and http.port\n"
    "                    (--config) and /readyz by default\n"
    "  status            slot, plugin, confirmed_flush_lsn, current WAL LSN, lag in bytes\n"
    "                    (one block per pipeline, with whether its database answered)\n"
    "  generate-profiles write sample MOSIP anonymous profiles (every shape, reproducible\n"
    "                    with --seed) into idrepo/regprc/prereg.anonymous_profile and\n"
    "                    idrepo.channel_info, creating missing tables from sql/mosip;\n"
    "                    --output FILE writes JSON lines instead (docs/profiles.md)\n"
    "  generate-mosip    fill every table MOSIP's reporting captures, in its six\n"
    "                    databases (or --single-database), consistently and\n"
    "                    reproducibly; MOSIP's dashboards all show data\n"
    "                    (docs/generated-data.md)\n"
    "  generate-user-profiles\n"
    "                    write randomuser.me-shaped user profiles (JSON) into\n"
    "                    public.user_profiles for the GDPR example, made locally from\n"
    "                    --seed; --updates/--deletes then change some\n"
    "                    (config/examples/gdpr-user-profiles/)\n"
    "  privacy report    which columns and JSON paths each sink receives in clear, masked,\n"
    "                    hashed, encrypted or not at all, from the configuration alone\n"
    "                    (Markdown; --json for JSON), for a GDPR Article 30 register\n"
    "  privacy decrypt   decrypt every walcast ciphertext in a Kafka record or search\n"
    "                    document (JSON, or JSON lines) from stdin or --input FILE;\n"
    "                    exit 1 naming each one that did not decrypt\n"
    "  privacy forget --subject ID\n"
    "                    destroy the subject's data key: its ciphertexts everywhere become\n"
    "                    undecryptable (crypto-shredding; walcast must be stopped)\n"
    "  privacy export-keys / import-keys\n"
    "                    back up / restore the wrapped subject keys (--output / --input FILE)\n"
    "                    (docs/privacy.md)\n"
    "  generate-program-users  fill Sunbird's program-user tables (sunbird.program_users,\n"
    "                    user_consent, users with e-mail/phone encrypted, job_request)\n"
    "                    with --count enrolments over --programs programs (docs/exhaust.md)\n"
    "  exhaust REPORT    write a report from the projections' state as CSV (-o FILE),\n"
    "                    e.g. Sunbird's program-user-exhaust: --program-id ID\n"
    "                    [--filter district=NAME]... or --request FILE (Sunbird's\n"
    "                    filter format); encrypt: true writes an AES-256 ZIP; needs\n"
    "                    projections.definitions.file and exhaust.definitions.file\n"
    "                    (docs/exhaust.md)\n"
    "\n"
    "Pipelines: each connector config (a Kafka Connect JSON body, or a file setting\n"
    "both name and connector.class) given with --config is one pipeline, named by its\n"
    "name, with its own slot, snapshot and state (state.dir/<name>/ when there are\n"
    "several). The other --config files and --set are defaults every pipeline\n"
    "inherits; a connector's own keys win. run streams all pipelines in one process;\n"
    "a failing pipeline is retried with backoff while the others go on. Pipelines\n"
    "with the same kafka.* / producer.override.* settings share one Kafka producer\n"
    "(not with exactly.once: each keeps its own transactional one)\n"
    "(docs/pipelines.md).\n"
    "\n"
    "Exit status: 0 on success or a clean stop, 1 on a runtime error, 2 on a\n"
    "configuration error.\n";

int Fail(const walcast::Status& status) {
  std::cerr << "walcast: error: " << status.message() << "\n";
  return status.code() == walcast::Status::Code::kInvalidArgument ? 2 : 1;
}

// The command line's options: the visible ones for --help, and all of them
// (with the positional command) for parsing.
struct CommandLine {
  po::options_description visible{"Options"};
  po::options_description all;
  po::positional_options_description positional;
};

void DescribeCommandLine(CommandLine* cl) {
  cl->visible.add_options()
      ("help,h", "print this help; with --config-keys, every configuration key")
      ("config-keys", "with --help: list every configuration key")
      ("version,V", "print the version")
      ("config,c", po::value<std::vector<std::string>>()->composing(),
       "properties file (key=value lines) or Kafka Connect connector JSON; repeatable, "
       "later files win; each connector config is one pipeline (see Pipelines above)")
      ("set,s", po::value<std::vector<std::string>>()->composing(),
       "override one key: --set key=value (repeatable)")
      ("check", "with setup: check only, change nothing")
      ("json", "with status: one JSON object (every pipeline's slot, positions, lag and "
               "snapshot state); with privacy report: the report as JSON");
  cl->visible.add(walcast::app::GenerateProfilesFlags());
  cl->visible.add(walcast::app::GenerateMosipFlags());
  cl->visible.add(walcast::app::GenerateUserProfilesFlags());
  cl->visible.add(walcast::app::PrivacyFlags());
  cl->visible.add(walcast::app::ExhaustFlags());
  cl->visible.add(walcast::app::GenerateProgramUsersFlags());
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::vector<std::string>>(), "command");
  cl->all.add(cl->visible).add(hidden);
  cl->positional.add("command", -1);
}

// The configuration of each pipeline: each --config file in order, then
// each --set, then defaults and environment secrets (Config::Build); with
// several connector configs, one configuration per connector over the shared
// keys (app/pipeline_config.h). `ignored` receives the keys accepted without
// effect, for the start-up warnings.
walcast::Result<std::vector<walcast::app::PipelineConfig>> ConfigsFrom(
    const po::variables_map& vm, std::vector<walcast::app::IgnoredKey>* ignored,
    std::optional<walcast::app::DefaultStateDir>* default_state_dir) {
  const std::vector<std::string> none;
  const auto& paths = vm.count("config") ? vm["config"].as<std::vector<std::string>>() : none;
  const auto& sets = vm.count("set") ? vm["set"].as<std::vector<std::string>>() : none;
  const walcast::app::DefaultStateDir state_dir =
      walcast::app::ChooseDefaultStateDir(walcast::app::StateDirEnvironment::FromProcess());
  walcast::Result<walcast::app::LoadedPipelines> loaded =
      walcast::app::LoadPipelineSources(paths, sets, state_dir.path);
  // A missing file is a configuration error too (exit status 2).
  if (!loaded.ok()) return walcast::Status::InvalidArgument(loaded.status().message());
  *ignored = std::move(loaded->ignored);
  if (loaded->used_default_state_dir) *default_state_dir = state_dir;
  const bool several = loaded->pipelines.size() > 1;
  std::vector<walcast::app::PipelineConfig> configs;
  for (walcast::app::PipelineSource& source : loaded->pipelines) {
    walcast::Result<walcast::Config> config = walcast::Config::Build(
        walcast::app::AllOptions(), source.values, walcast::app::PassthroughPrefixes());
    if (!config.ok()) {
      if (!several) return config.status();
      return walcast::Status(config.status().code(),
                             "pipeline '" + source.name + "': " + config.status().message());
    }
    configs.push_back({source.name, std::move(config).value()});
  }
  walcast::Status valid = walcast::app::ValidatePipelines(configs);
  if (!valid.ok()) return valid;
  return configs;
}

// Runs one command over one or several pipelines; returns the process's
// exit code.
int RunOne(const std::string& cmd, const std::vector<walcast::app::PipelineConfig>& configs,
           const po::variables_map& vm) {
  walcast::Status status;
  const bool several = configs.size() > 1;
  const walcast::Config& config = configs.front().config;
  if (cmd == "run") {
    walcast::app::PipelineRegistry registry;
    std::unique_ptr<walcast::app::HttpEndpoint> http;
    if (const int64_t port = config.GetInt("http.port"); port > 0) {
      // POST /exhaust submits a report as a job_request row (docs/exhaust.md).
      std::vector<walcast::app::HttpPostRoute> routes;
      if (walcast::app::HttpPostRoute route = walcast::app::ExhaustHttpRoute(config);
          !route.path.empty()) {
        routes.push_back(std::move(route));
      }
      walcast::Result<std::unique_ptr<walcast::app::HttpEndpoint>> started =
          walcast::app::HttpEndpoint::Start({config.GetString("http.bind"), static_cast<int>(port)},
                                            [&registry] { return registry.Figures(); },
                                            std::move(routes));
      if (!started.ok()) return Fail(started.status());
      http = std::move(started).value();
    }
    status = several ? walcast::app::RunPipelines(configs, &g_stop, &registry)
                     : walcast::app::RunSingle(config, &g_stop, &registry);
  } else if (cmd == "setup") {
    status = several ? walcast::app::SetupPipelines(configs, vm.count("check") > 0, std::cout)
                     : walcast::app::SetupCommand(config, vm.count("check") > 0, std::cout);
  } else if (cmd == "status" && vm.count("json")) {
    status = walcast::app::StatusJsonCommand(configs, std::cout);
  } else if (cmd == "status") {
    status = several ? walcast::app::StatusPipelines(configs, std::cout)
                     : walcast::app::StatusCommand(config, std::cout);
  } else if (cmd == "generate-profiles") {
    if (several) {
      return Fail(walcast::Status::InvalidArgument(
          "generate-profiles writes into one database: give one connector config"));
    }
    walcast::Result<walcast::app::GenerateProfilesRequest> request =
        walcast::app::GenerateProfilesRequestFrom(vm);
    if (!request.ok()) return Fail(request.status());
    status = walcast::app::GenerateProfilesCommand(config, *request, std::cout);
  } else if (cmd == "generate-user-profiles") {
    if (several) {
      return Fail(walcast::Status::InvalidArgument(
          "generate-user-profiles writes into one database: give one connector config"));
    }
    auto request = walcast::app::GenerateUserProfilesRequestFrom(vm);
    if (!request.ok()) return Fail(request.status());
    status = walcast::app::GenerateUserProfilesCommand(config, *request, std::cout);
  } else if (cmd == "generate-program-users") {
    walcast::Result<walcast::app::GenerateProgramUsersRequest> request =
        walcast::app::GenerateProgramUsersRequestFrom(vm);
    if (!request.ok()) return Fail(request.status());
    status = walcast::app::GenerateProgramUsersCommand(config, *request, std::cout);
  } else if (cmd == "exhaust") {
    const std::vector<std::string> words = vm["command"].as<std::vector<std::string>>();
    walcast::Result<walcast::app::ExhaustCommandRequest> request =
        walcast::app::ExhaustRequestFrom(vm, words);
    if (!request.ok()) return Fail(request.status());
    status = walcast::app::ExhaustCommand(config, *request, std::cout);
  } else if (cmd == "generate-mosip") {
    auto request = walcast::app::GenerateMosipRequestFrom(vm);
    if (!request.ok()) return Fail(request.status());
    status = walcast::app::GenerateMosipCommand(config, *request, std::cout);
  } else {
    std::cerr << "walcast: error: unknown command '" << cmd << "'\n" << kUsage;
    return 2;
  }
  return status.ok() ? 0 : Fail(status);
}

// `walcast probe URL`: GETs URL (a container HEALTHCHECK on /readyz, where
// the image has no curl) and exits 0 on a 2xx answer, 1 otherwise, printing
// the status and the body.
size_t AppendBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

int Probe(const std::string& url) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return 1;
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 3000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  const CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK) {
    std::cerr << "walcast: probe " << url << ": " << curl_easy_strerror(code) << "\n";
    return 1;
  }
  std::cout << status << " " << body << (body.empty() || body.back() != '\n' ? "\n" : "");
  return status >= 200 && status < 300 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CommandLine cl;
  DescribeCommandLine(&cl);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(cl.all).positional(cl.positional).run(),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "walcast: error: " << e.what() << "\n" << kUsage;
    return 2;
  }
  if (vm.count("version")) {
    std::cout << "walcast " << WALCAST_VERSION << "\n";
    return 0;
  }
  if (vm.count("help")) {
    std::cout << kUsage << "\n" << cl.visible << "\n";
    if (vm.count("config-keys")) {
      std::cout << walcast::app::ConfigHelp();
    } else {
      std::cout << "Run 'walcast --help --config-keys' to list every configuration key.\n";
    }
    return 0;
  }
  const std::vector<std::string> command =
      vm.count("command") ? vm["command"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (command.size() == 2 && command.front() == "probe" && command.back().rfind('/', 0) != 0) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return Probe(command.back());
  }
  if (!command.empty() && command.front() == "probe" && command.size() <= 2) {
    // The endpoint this configuration serves (http.bind, http.port).
    std::vector<walcast::app::IgnoredKey> ignored;
    std::optional<walcast::app::DefaultStateDir> unused;
    walcast::Result<std::vector<walcast::app::PipelineConfig>> configs =
        ConfigsFrom(vm, &ignored, &unused);
    if (!configs.ok()) return Fail(configs.status());
    const walcast::Config& config = configs->front().config;
    walcast::Result<std::string> url =
        walcast::app::ProbeUrl(config.GetString("http.bind"), config.GetInt("http.port"),
                               command.size() == 2 ? command.back() : "/readyz");
    if (!url.ok()) return Fail(url.status());
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return Probe(*url);
  }
  const bool privacy = command.size() == 2 && command.front() == "privacy";
  const bool exhaust = command.size() == 2 && command.front() == "exhaust";
  if (command.size() != 1 && !privacy && !exhaust) {
    std::cerr << (command.empty() ? "walcast: error: no command given\n"
                                  : "walcast: error: expected one command\n")
              << kUsage;
    return 2;
  }
  std::vector<walcast::app::IgnoredKey> ignored;
  std::optional<walcast::app::DefaultStateDir> default_state_dir;
  walcast::Result<std::vector<walcast::app::PipelineConfig>> configs =
      ConfigsFrom(vm, &ignored, &default_state_dir);
  if (!configs.ok()) return Fail(configs.status());
  // log.level is a worker-wide key: the first pipeline's value is everyone's.
  walcast::log::Level level = walcast::log::Level::kInfo;
  walcast::log::ParseLevel(configs->front().config.GetString("log.level"), &level);
  walcast::log::SetLevel(level);
  walcast::log::Format format = walcast::log::Format::kText;
  walcast::log::ParseFormat(configs->front().config.GetString("log.format"), &format);
  walcast::log::SetFormat(format);
  for (const walcast::app::IgnoredKey& item : ignored) {
    walcast::log::Warn("config key accepted without effect",
                       {{"key", item.key}, {"why", item.why}});
  }
  if (default_state_dir && default_state_dir->legacy()) {
    walcast::log::Warn(
        "state.dir is not set; using ./walcast-state in the working directory, the old default. "
        "Set state.dir to its absolute path: the default no longer depends on the working "
        "directory (README, Configuration)",
        {{"state.dir", default_state_dir->path}});
  } else if (default_state_dir && command.front() == "run") {
    walcast::log::Info(
        "state.dir is not set; using the default",
        {{"state.dir", default_state_dir->path}, {"from", default_state_dir->origin}});
  }

  if (privacy) {
    if (configs->size() > 1) {
      return Fail(walcast::Status::InvalidArgument(
          "privacy commands act on one pipeline: give one connector config"));
    }
    const walcast::Status status = walcast::app::PrivacyCommand(
        command.back(), configs->front().config, vm, std::cin, std::cout, std::cerr);
    return status.ok() ? 0 : Fail(status);
  }
  InstallSignalHandlers();
  // libcurl's global state (the Elasticsearch client), once, before any
  // thread starts.
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    return Fail(walcast::Status::Internal("curl_global_init failed"));
  }
  return RunOne(command.front(), *configs, vm);
}
