#include "app/generate_program_users.h"

#include <random>
#include <string>

#include "app/copy_stream.h"
#include "app/options.h"
#include "projections/options.h"
#include "projections/sunbird_cipher.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace walcast::app {
namespace {

namespace po = boost::program_options;

constexpr const char* kDdl =
    "CREATE SCHEMA IF NOT EXISTS sunbird;"
    "CREATE TABLE IF NOT EXISTS sunbird.program_users (id text PRIMARY KEY, doc jsonb);"
    "CREATE TABLE IF NOT EXISTS sunbird.user_consent (user_id text, object_id text, "
    "status text, last_updated_on timestamptz, PRIMARY KEY (user_id, object_id));"
    "CREATE TABLE IF NOT EXISTS sunbird.users (userid text PRIMARY KEY, firstname text, "
    "lastname text, email text, phone text, username text);"
    "CREATE TABLE IF NOT EXISTS sunbird.job_request (tag text, request_id text PRIMARY KEY, "
    "job_id text, status text, request_data text, requested_by text, requested_channel text, "
    "dt_job_submitted timestamptz DEFAULT now(), download_urls text[], dt_file_created "
    "timestamptz, dt_job_completed timestamptz, execution_time bigint, err_message text, "
    "iteration int, encryption_key text)";

constexpr TableDdl kEnrolments = {"sunbird.program_users", "(generate-program-users)", kDdl,
                                  "COPY sunbird.program_users (id, doc) FROM STDIN"};
constexpr TableDdl kConsents = {
    "sunbird.user_consent", "(generate-program-users)", kDdl,
    "COPY sunbird.user_consent (user_id, object_id, status, last_updated_on) FROM STDIN"};
constexpr TableDdl kUsers = {
    "sunbird.users", "(generate-program-users)", kDdl,
    "COPY sunbird.users (userid, firstname, lastname, email, phone, username) FROM STDIN"};

constexpr const char* kStates[] = {"Maharashtra", "Karnataka", "Assam"};
constexpr const char* kFirstNames[] = {"Asha", "Ravi", "Meera", "Arjun", "Lata", "Kiran", "Zoya"};
constexpr const char* kLastNames[] = {"Patil", "Rao", "Das", "Iyer", "Khan", "O'Neil", "Shah"};

std::string ProgramId(uint64_t p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "6025%020llx", static_cast<unsigned long long>(p));
  return buf;
}

void Location(rapidjson::Writer<rapidjson::StringBuffer>& w, const char* type,
              const std::string& name, const std::string& id, const std::string& code) {
  w.StartObject();
  w.Key("code");
  w.String(code.c_str());
  w.Key("name");
  w.String(name.c_str());
  w.Key("id");
  w.String(id.c_str());
  w.Key("type");
  w.String(type);
  w.Key("parentId");
  w.String("");
  w.EndObject();
}

}  // namespace

po::options_description GenerateProgramUsersFlags() {
  po::options_description d("generate-program-users options (also --count, --seed)");
  d.add_options()("programs", po::value<uint64_t>()->value_name("N"),
                  "programs the enrolments spread over (default 10; every third one does not "
                  "ask for consent)");
  return d;
}

Result<GenerateProgramUsersRequest> GenerateProgramUsersRequestFrom(const po::variables_map& vm) {
  GenerateProgramUsersRequest r;
  if (vm.count("count")) r.enrolments = vm["count"].as<uint64_t>();
  if (vm.count("seed")) r.seed = vm["seed"].as<uint64_t>();
  if (vm.count("programs")) r.programs = vm["programs"].as<uint64_t>();
  if (r.programs == 0) return Status::InvalidArgument("--programs: expected at least 1");
  return r;
}

Status GenerateProgramUsersCommand(const Config& config, const GenerateProgramUsersRequest& request,
                                   std::ostream& out) {
  Result<std::unique_ptr<projections::SunbirdCipher>> cipher = projections::LoadSunbirdCipher(
      config.GetString("projections.decrypt.key.file"), projections::kSunbirdKeyEnv);
  if (!cipher.ok()) {
    return Status(cipher.status().code(),
                  "generate-program-users encrypts e-mail and phone as Sunbird does: " +
                      cipher.status().message());
  }
  const std::string conninfo = Conninfo(config);
  std::unique_ptr<CopyStream> enrolments;
  std::unique_ptr<CopyStream> consents;
  std::unique_ptr<CopyStream> users;
  WALCAST_RETURN_IF_ERROR(OpenStream(conninfo, kEnrolments, "", &enrolments));
  WALCAST_RETURN_IF_ERROR(OpenStream(conninfo, kConsents, "", &consents));
  WALCAST_RETURN_IF_ERROR(OpenStream(conninfo, kUsers, "", &users));
  // job_request too, which no COPY fills (IF NOT EXISTS throughout).
  WALCAST_RETURN_IF_ERROR(Exec(users->conn(), kDdl));
  std::mt19937_64 random(request.seed);
  const uint64_t user_count = (request.enrolments + request.programs - 1) / request.programs;
  uint64_t consent_rows = 0;
  // Users first: each user's current profile, e-mail and phone encrypted.
  for (uint64_t u = 0; u < user_count; ++u) {
    const std::string id = "user-" + std::to_string(request.seed) + "-" + std::to_string(u);
    const std::string first = kFirstNames[random() % std::size(kFirstNames)];
    const std::string last = kLastNames[random() % std::size(kLastNames)];
    WALCAST_ASSIGN_OR_RETURN(std::string email,
                             (*cipher)->Encrypt(first + "." + std::to_string(u) + "@example.org"));
    WALCAST_ASSIGN_OR_RETURN(
        std::string phone,
        (*cipher)->Encrypt(std::to_string(9000000000ULL + random() % 999999999)));
    WALCAST_ASSIGN_OR_RETURN(std::string * row, users->Row());
    for (const std::string* v :
         std::initializer_list<const std::string*>{&id, &first, &last, &email, &phone}) {
      AppendCopyText(*v, row);
      row->push_back('\t');
    }
    AppendCopyText(first + "_" + std::to_string(u), row);
    row->push_back('\n');
    WALCAST_RETURN_IF_ERROR(users->Sent());
  }
  for (uint64_t i = 0; i < request.enrolments; ++i) {
    const uint64_t p = i % request.programs;
    const uint64_t u = i / request.programs;
    const std::string program = ProgramId(p);
    const std::string user = "user-" + std::to_string(request.seed) + "-" + std::to_string(u);
    const bool asks = p % 3 != 2;
    const uint64_t s = random() % std::size(kStates);
    const uint64_t d = random() % 10;
    const uint64_t b = random() % 5;
    const uint64_t c = random() % 4;
    const uint64_t sc = random() % 10;
    const std::string ds = std::to_string(s) + "-" + std::to_string(d);
    const std::string bs = ds + "-" + std::to_string(b);
    const std::string cs = bs + "-" + std::to_string(c);
    const std::string scs = cs + "-" + std::to_string(sc);
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    w.Key("_id");
    w.String(("e" + std::to_string(i)).c_str());
    w.Key("programId");
    w.String(program.c_str());
    w.Key("programName");
    w.String(("Program " + std::to_string(p) + ", \"Grade " + std::to_string(p % 12 + 1) + "\"")
                 .c_str());
    w.Key("programExternalId");
    w.String(("PGM-" + std::to_string(p)).c_str());
    w.Key("requestForPIIConsent");
    w.Bool(asks);
    w.Key("userId");
    w.String(user.c_str());
    w.Key("userRoleInformation");
    w.StartObject();
    w.Key("role");
    w.String(random() % 2 ? "HM" : "HM,DEO");
    w.EndObject();
    w.Key("appInformation");
    w.StartObject();
    w.Key("appName");
    w.String("diksha");
    w.Key("appVersion");
    w.String("5.1");
    w.EndObject();
    w.Key("userProfile");
    w.StartObject();
    w.Key("userLocations");
    w.StartArray();
    Location(w, "state", kStates[s], "state-" + std::to_string(s), std::to_string(27 + s));
    Location(w, "district", "District " + ds, "district-" + ds, "D" + ds);
    Location(w, "block", "Block " + bs, "block-" + bs, "B" + bs);
    Location(w, "cluster", "Cluster " + cs, "cluster-" + cs, "C" + cs);
    Location(w, "school", "School " + scs, "school-" + scs, "S" + scs);
    w.EndArray();
    w.Key("profileUserTypes");
    w.StartArray();
    w.StartObject();
    w.Key("type");
    w.String("administrator");
    w.Key("subType");
    w.String(random() % 2 ? "hm" : "deo");
    w.EndObject();
    w.EndArray();
    w.Key("rootOrg");
    w.StartObject();
    w.Key("id");
    w.String(("org-" + std::to_string(s)).c_str());
    w.Key("orgName");
    w.String((std::string(kStates[s]) + " Education Department").c_str());
    w.EndObject();
    w.EndObject();
    w.Key("noOfResourcesStarted");
    w.Uint64(random() % 20);
    const std::string day =
        "2021-0" + std::to_string(1 + random() % 9) + "-1" + std::to_string(random() % 10);
    w.Key("createdAt");
    w.String((day + "T10:00:00.000Z").c_str());
    w.Key("updatedAt");
    w.String((day + "T12:00:00.000Z").c_str());
    w.Key("deleted");
    w.Bool(false);
    w.Key("__v");
    w.Int(0);
    w.EndObject();
    WALCAST_ASSIGN_OR_RETURN(std::string * row, enrolments->Row());
    AppendCopyText("e-" + std::to_string(request.seed) + "-" + std::to_string(i), row);
    row->push_back('\t');
    AppendCopyText(std::string_view(buffer.GetString(), buffer.GetSize()), row);
    row->push_back('\n');
    WALCAST_RETURN_IF_ERROR(enrolments->Sent());
    // Consents: 60 % active, 20 % revoked, 20 % none.
    const uint64_t roll = random() % 10;
    if (asks && roll < 8) {
      WALCAST_ASSIGN_OR_RETURN(std::string * crow, consents->Row());
      *crow += user + "\t" + program + "\t" + (roll < 6 ? "active" : "revoked") + "\t" + day +
               " 11:00:00+00\n";
      WALCAST_RETURN_IF_ERROR(consents->Sent());
      ++consent_rows;
    }
  }
  WALCAST_RETURN_IF_ERROR(users->EndBatch());
  WALCAST_RETURN_IF_ERROR(enrolments->EndBatch());
  WALCAST_RETURN_IF_ERROR(consents->EndBatch());
  out << "generated enrolments=" << request.enrolments << " programs=" << request.programs
      << " users=" << user_count << " consents=" << consent_rows << " seed=" << request.seed
      << " first_program=" << ProgramId(0) << "\n";
  return Status::Ok();
}

}  // namespace walcast::app
