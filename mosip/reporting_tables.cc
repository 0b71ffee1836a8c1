#include "mosip/reporting_tables.h"

#include <array>

namespace walcast::mosip {
namespace {

using Col = std::string_view;

constexpr Col kDocTypeColumns[] = {"code",       "name",       "descr",     "lang_code",
                                   "is_active",  "cr_by",      "cr_dtimes", "upd_by",
                                   "upd_dtimes", "is_deleted", "del_dtimes"};
constexpr Col kRegistrationCenterColumns[] = {"id",
                                              "name",
                                              "cntrtyp_code",
                                              "addr_line1",
                                              "addr_line2",
                                              "addr_line3",
                                              "latitude",
                                              "longitude",
                                              "location_code",
                                              "contact_phone",
                                              "contact_person",
                                              "number_of_kiosks",
                                              "working_hours",
                                              "per_kiosk_process_time",
                                              "center_start_time",
                                              "center_end_time",
                                              "lunch_start_time",
                                              "lunch_end_time",
                                              "time_zone",
                                              "holiday_loc_code",
                                              "zone_code",
                                              "lang_code",
                                              "is_active",
                                              "cr_by",
                                              "cr_dtimes",
                                              "upd_by",
                                              "upd_dtimes",
                                              "is_deleted",
                                              "del_dtimes"};
constexpr Col kAppAuditLogColumns[] = {"log_id",          "log_dtimes",        "log_desc",
                                       "event_id",        "event_type",        "event_name",
                                       "action_dtimes",   "host_name",         "host_ip",
                                       "session_user_id", "session_user_name", "app_id",
                                       "app_name",        "module_id",         "module_name",
                                       "ref_id",          "ref_id_type",       "cr_by"};
constexpr Col kDemographicColumns[] = {"prereg_id",        "demog_detail", "demog_detail_hash",
                                       "encrypted_dtimes", "status_code",  "lang_code",
                                       "cr_appuser_id",    "cr_by",        "cr_dtimes",
                                       "upd_by",           "upd_dtimes"};
constexpr Col kDocumentColumns[] = {
    "id",     "prereg_id", "doc_name",   "doc_cat_code",     "doc_typ_code", "doc_file_format",
    "doc_id", "doc_hash",  "doc_ref_id", "encrypted_dtimes", "status_code",  "lang_code",
    "cr_by",  "cr_dtimes", "upd_by",     "upd_dtimes"};
constexpr Col kAppointmentColumns[] = {"id",
                                       "regcntr_id",
                                       "prereg_id",
                                       "booking_dtimes",
                                       "appointment_date",
                                       "slot_from_time",
                                       "slot_to_time",
                                       "lang_code",
                                       "cr_by",
                                       "cr_dtimes",
                                       "upd_by",
                                       "upd_dtimes"};
constexpr Col kAvailableSlotColumns[] = {
    "regcntr_id", "availability_date", "slot_from_time", "slot_to_time", "available_kiosks",
    "cr_by",      "cr_dtimes",         "upd_by",         "upd_dtimes",   "is_deleted",
    "del_dtimes"};
constexpr Col kOtpTransactionColumns[] = {"id",
                                          "ref_id",
                                          "otp_hash",
                                          "generated_dtimes",
                                          "expiry_dtimes",
                                          "validation_retry_count",
                                          "status_code",
                                          "lang_code",
                                          "cr_by",
                                          "cr_dtimes",
                                          "upd_by",
                                          "upd_dtimes",
                                          "is_deleted",
                                          "del_dtimes"};
constexpr Col kAuthTransactionColumns[] = {"id",
                                           "request_dtimes",
                                           "response_dtimes",
                                           "request_trn_id",
                                           "auth_type_code",
                                           "status_code",
                                           "status_comment",
                                           "lang_code",
                                           "ref_id_type",
                                           "ref_id",
                                           "token_id",
                                           "requested_entity_type",
                                           "requested_entity_id",
                                           "requested_entity_name",
                                           "static_tkn_id",
                                           "request_signature",
                                           "response_signature",
                                           "cr_by",
                                           "cr_dtimes",
                                           "upd_by",
                                           "upd_dtimes",
                                           "is_deleted",
                                           "del_dtimes"};
constexpr Col kRegistrationColumns[] = {"reg_id",
                                        "process",
                                        "ref_reg_id",
                                        "applicant_type",
                                        "status_code",
                                        "lang_code",
                                        "status_comment",
                                        "latest_trn_id",
                                        "latest_trn_type_code",
                                        "latest_trn_status_code",
                                        "latest_trn_dtimes",
                                        "reg_process_retry_count",
                                        "reg_stage_name",
                                        "trn_retry_count",
                                        "pkt_cr_dtimes",
                                        "is_active",
                                        "cr_by",
                                        "cr_dtimes",
                                        "upd_by",
                                        "upd_dtimes",
                                        "is_deleted",
                                        "del_dtimes",
                                        "resume_timestamp",
                                        "default_resume_action",
                                        "pause_rule_ids",
                                        "last_success_stage_name",
                                        "workflow_instance_id",
                                        "source",
                                        "iteration"};
constexpr Col kRegistrationListColumns[] = {"workflow_instance_id",
                                            "reg_id",
                                            "process",
                                            "packet_checksum",
                                            "packet_size",
                                            "client_status_code",
                                            "client_status_comment",
                                            "additional_info",
                                            "status_code",
                                            "status_comment",
                                            "lang_code",
                                            "cr_by",
                                            "cr_dtimes",
                                            "upd_by",
                                            "upd_dtimes",
                                            "is_deleted",
                                            "del_dtimes",
                                            "name",
                                            "phone",
                                            "email",
                                            "center_id",
                                            "registration_date",
                                            "location_code",
                                            "additional_info_req_id",
                                            "packet_id",
                                            "ref_id",
                                            "source"};

using T = ReportingTable;
using D = MosipDatabase;
constexpr std::array<ReportingTableSpec, kReportingTableCount> kSpecs = {{
    {T::kDocType, D::kMaster, "master.doc_type", "sql/mosip/master_doc_type.sql", kDocTypeColumns},
    {T::kRegistrationCenter, D::kMaster, "master.registration_center",
     "sql/mosip/master_registration_center.sql", kRegistrationCenterColumns},
    {T::kAppAuditLog, D::kAudit, "audit.app_audit_log", "sql/mosip/audit_app_audit_log.sql",
     kAppAuditLogColumns},
    {T::kApplicantDemographic, D::kPrereg, "prereg.applicant_demographic",
     "sql/mosip/prereg_applicant_demographic.sql", kDemographicColumns},
    {T::kApplicantDemographicConsumed, D::kPrereg, "prereg.applicant_demographic_consumed",
     "sql/mosip/prereg_applicant_demographic_consumed.sql", kDemographicColumns},
    {T::kApplicantDocument, D::kPrereg, "prereg.applicant_document",
     "sql/mosip/prereg_applicant_document.sql", kDocumentColumns},
    {T::kApplicantDocumentConsumed, D::kPrereg, "prereg.applicant_document_consumed",
     "sql/mosip/prereg_applicant_document_consumed.sql", kDocumentColumns},
    {T::kRegAppointment, D::kPrereg, "prereg.reg_appointment",
     "sql/mosip/prereg_reg_appointment.sql", kAppointmentColumns},
    {T::kRegAppointmentConsumed, D::kPrereg, "prereg.reg_appointment_consumed",
     "sql/mosip/prereg_reg_appointment_consumed.sql", kAppointmentColumns},
    {T::kRegAvailableSlot, D::kPrereg, "prereg.reg_available_slot",
     "sql/mosip/prereg_reg_available_slot.sql", kAvailableSlotColumns},
    {T::kOtpTransaction, D::kPrereg, "prereg.otp_transaction",
     "sql/mosip/prereg_otp_transaction.sql", kOtpTransactionColumns},
    {T::kAuthTransaction, D::kIda, "ida.auth_transaction", "sql/mosip/ida_auth_transaction.sql",
     kAuthTransactionColumns},
    {T::kRegistration, D::kRegprc, "regprc.registration", "sql/mosip/regprc_registration.sql",
     kRegistrationColumns},
    {T::kRegistrationList, D::kRegprc, "regprc.registration_list",
     "sql/mosip/regprc_registration_list.sql", kRegistrationListColumns},
}};

constexpr std::string_view kDatabaseNames[] = {"mosip_master", "mosip_audit",  "mosip_prereg",
                                               "mosip_ida",    "mosip_regprc", "mosip_idrepo"};
constexpr std::string_view kSchemaNames[] = {"master", "audit",  "prereg",
                                             "ida",    "regprc", "idrepo"};

}  // namespace

std::string_view MosipDatabaseName(MosipDatabase database) {
  return kDatabaseNames[static_cast<size_t>(database)];
}

std::string_view MosipSchemaName(MosipDatabase database) {
  return kSchemaNames[static_cast<size_t>(database)];
}

std::optional<MosipDatabase> ParseMosipDatabase(std::string_view text) {
  for (size_t i = 0; i < kMosipDatabaseCount; ++i) {
    if (text == kDatabaseNames[i] || text == kSchemaNames[i]) return static_cast<MosipDatabase>(i);
  }
  return std::nullopt;
}

const ReportingTableSpec& SpecOf(ReportingTable table) {
  return kSpecs[static_cast<size_t>(table)];
}

std::span<const ReportingTableSpec> AllReportingTables() { return kSpecs; }

}  // namespace walcast::mosip
