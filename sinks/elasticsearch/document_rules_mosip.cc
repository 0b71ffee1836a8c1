#include "sinks/elasticsearch/document_rules_mosip.h"

#include <map>

#include "sinks/elasticsearch/document_rules.h"

namespace walcast::sinks::elasticsearch {
namespace {

constexpr char kIso[] = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";  // TimestampConverterAdv's default
constexpr char kTime[] = "HH:mm:ss";
constexpr char kDate[] = "yyyy-MM-dd";

// The audit columns most MOSIP tables end with.
std::vector<std::pair<std::string, std::string>> Iso(std::vector<std::string> fields) {
  std::vector<std::pair<std::string, std::string>> out;
  for (std::string& f : fields) out.emplace_back(std::move(f), kIso);
  return out;
}

std::vector<MosipSinkConnector> Build() {
  std::vector<MosipSinkConnector> c;
  c.push_back({"10.master_doc_type.api",
               {"master.doc_type"},
               true,
               true,
               "upd_dtimes,cr_dtimes",
               Iso({"cr_dtimes", "upd_dtimes", "del_dtimes"}),
               ""});
  MosipSinkConnector center{"11.master_registration_center.api",
                            {"master.registration_center"},
                            true,
                            true,
                            "upd_dtimes,cr_dtimes",
                            Iso({"cr_dtimes", "upd_dtimes", "del_dtimes"}),
                            ""};
  for (const char* f : {"per_kiosk_process_time", "center_start_time", "center_end_time",
                        "lunch_start_time", "lunch_end_time"}) {
    center.conversions.emplace_back(f, kTime);
  }
  c.push_back(std::move(center));
  c.push_back({"20.audit_app_audit_log.api",
               {"audit.app_audit_log"},
               true,
               true,
               "log_dtimes,action_dtimes",
               Iso({"action_dtimes", "log_dtimes"}),
               ""});
  c.push_back({"30.prereg_applicant_demographic.api",
               {"prereg.applicant_demographic", "prereg.applicant_demographic_consumed"},
               true,
               true,
               "upd_dtimes,cr_dtimes",
               Iso({"encrypted_dtimes", "cr_dtimes", "upd_dtimes"}),
               ""});
  c.push_back({"31.prereg_applicant_document.api",
               {"prereg.applicant_document", "prereg.applicant_document_consumed"},
               true,
               true,
               "upd_dtimes,cr_dtimes",
               Iso({"encrypted_dtimes", "cr_dtimes", "upd_dtimes"}),
               "doc_type_name (join01: master.doc_type lookup)"});
  c.push_back({"32.prereg_reg_appointment.api",
               {"prereg.reg_appointment", "prereg.reg_appointment_consumed"},
               true,
               true,
               "upd_dtimes,cr_dtimes",
               {{"booking_dtimes", kIso},
                {"appointment_date", kDate},
                {"slot_from_time", kTime},
                {"slot_to_time", kTime},
                {"cr_dtimes", kIso},
                {"upd_dtimes", kIso}},
               "regcntr_name (join01: master.registration_center lookup)"});
  c.push_back({"33.prereg_reg_available_slot.api",
               {"prereg.reg_available_slot"},
               true,
               true,
               "upd_dtimes,cr_dtimes",
               {{"availability_date", kDate},
                {"slot_from_time", kTime},
                {"slot_to_time", kTime},
                {"cr_dtimes", kIso},
                {"upd_dtimes", kIso},
                {"del_dtimes", kIso}},
               "regcntr_name (join01: master.registration_center lookup)"});
  c.push_back({"34.prereg_otp_transaction.api",
               {"prereg.otp_transaction"},
               true,
               true,
               "upd_dtimes,cr_dtimes",
               Iso({"generated_dtimes", "expiry_dtimes", "cr_dtimes", "upd_dtimes", "del_dtimes"}),
               ""});
  c.push_back({"40.ida_auth_transaction.api",
               {"ida.auth_transaction"},
               true,
               true,
               "upd_dtimes,cr_dtimes",
               Iso({"request_dtimes", "response_dtimes", "cr_dtimes", "upd_dtimes", "del_dtimes"}),
               ""});
  c.push_back({"50.regprc_registration.api",
               {"regprc.registration"},
               true,
               true,
               "upd_dtimes,cr_dtimes",
               Iso({"latest_trn_dtimes", "pkt_cr_dtimes", "cr_dtimes", "upd_dtimes", "del_dtimes",
                    "resume_timestamp"}),
               ""});
  c.push_back({"51.regprc_registration_list.api",
               {"regprc.registration_list"},
               true,
               true,
               "upd_dtimes,cr_dtimes",
               Iso({"cr_dtimes", "upd_dtimes", "del_dtimes"}),
               ""});
  c.push_back({"59.regprc_anon_profile.api",
               {"regprc.anonymous_profile"},
               false,
               true,
               "upd_dtimes,cr_dtimes",
               Iso({"cr_dtimes", "upd_dtimes", "del_dtimes"}),
               "the profile (StringToJson, AnonymousProfileTransform: the profile writer); "
               "registrationCenterGeoLocation and documents_names (DynamicNewField lookups)"});
  c.push_back({"60.idrepo_anon_profile.api",
               {"idrepo.anonymous_profile"},
               false,
               false,
               "upd_dtimes,cr_dtimes",
               Iso({"cr_dtimes", "upd_dtimes", "del_dtimes"}),
               "the profile (StringToJson, AnonymousProfileTransform: the profile writer); "
               "documents_names (DynamicNewField lookups)"});
  c.push_back({"61.idrepo_channel_info.api",
               {"idrepo.channel_info"},
               false,
               true,
               "upd_dtimes,cr_dtimes",
               Iso({"cr_dtimes", "upd_dtimes", "del_dtimes"}),
               ""});
  return c;
}

}  // namespace

const std::vector<MosipSinkConnector>& MosipSinkConnectors() {
  static const std::vector<MosipSinkConnector> kConnectors = Build();
  return kConnectors;
}

const std::map<std::string, std::string>& MosipPresetKeys() {
  static const std::map<std::string, std::string> kKeys = [] {
    std::map<std::string, std::string> keys;
    for (const MosipSinkConnector& connector : MosipSinkConnectors()) {
      for (const std::string& table : connector.tables) {
        const std::string at = "table." + table + ".";
        keys[at + "id"] = connector.key_json ? "connect-key-json" : "key";
        // schema.ignore=true: the sink writes the values Debezium's
        // JsonConverter wrote, as the transforms left them.
        keys[at + "values"] = "debezium";
        keys[at + "timestamp.gen"] = connector.timestamp_gen;
        keys[at + "timestamp.gen.field"] = "@timestamp_gen";
        // behavior.on.null.values=DELETE: a delete's tombstone (or, after
        // ExtractField, its null `after`) deletes the document.
        keys[at + "null.values"] = "delete";
        // Debezium's default skipped.operations=t: no truncate reaches
        // the sink.
        keys[at + "truncate"] = "ignore";
        if (connector.extract_new_record_state) {
          keys[at + "source.fields"] = "source.ts_ms:ts_ms,table,lsn";
          keys[at + "source.fields.prefix"] = "source_";
          keys[at + "convert.source_ts_ms"] = kIso;  // tsconvert01, input.type milli_sec
        } else {
          keys[at + "source.fields"] = "none";
        }
        for (const auto& [field, format] : connector.conversions) {
          keys[at + "convert." + field] = format;
        }
      }
    }
    return keys;
  }();
  return kKeys;
}

}  // namespace walcast::sinks::elasticsearch
