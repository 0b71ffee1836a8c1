#pragma once

// MOSIP's code lists and the reference data behind the generated reporting
// rows (mosip_tables_generator.h): document types, registration centres
// and their hours, the registration workflow's stages, pre-registration's
// statuses, ID Authentication's request types and partners, each with the
// share of rows it gets. docs/generated-data.md gives the proportions in
// prose. The centres and document types are the same for every seed and
// match the profile generator's (population.h): centre ids are the
// profiles' enrollmentCenterId values, document codes their `documents`.

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "mosip/population.h"

namespace walcast::mosip {

// The registration centres (master.registration_center.id): kFirstCenterId
// onwards, kCenterCount of them, each in every language of kLanguages.
inline constexpr int kFirstCenterId = 10001;
inline constexpr int kCenterCount = 20;

// A document type (master.doc_type): its code, MOSIP's document category
// (POI, POA, POB, POR, POE) and its name in eng, fra and ara.
struct DocTypeSpec {
  std::string_view code;
  std::string_view category;
  std::string_view names[3];
};

inline constexpr DocTypeSpec kDocTypeSpecs[] = {
    {"DOC001", "POI", {"Passport", "Passeport", "جواز السفر"}},
    {"DOC002", "POI", {"National ID Card", "Carte nationale d'identité", "بطاقة الهوية الوطنية"}},
    {"DOC003", "POI", {"Driving Licence", "Permis de conduire", "رخصة القيادة"}},
    {"DOC004", "POA", {"Electricity Bill", "Facture d'électricité", "فاتورة الكهرباء"}},
    {"DOC005", "POA", {"Rental Agreement", "Contrat de location", "عقد الإيجار"}},
    {"DOC006", "POA", {"Bank Statement", "Relevé bancaire", "كشف حساب بنكي"}},
    {"DOC007", "POA", {"Water Bill", "Facture d'eau", "فاتورة الماء"}},
    {"DOC008", "POB", {"Birth Certificate", "Acte de naissance", "شهادة الميلاد"}},
    {"DOC009", "POR", {"Marriage Certificate", "Acte de mariage", "عقد الزواج"}},
    {"DOC010", "POE", {"Exception Photo", "Photo d'exception", "صورة الاستثناء"}},
};
static_assert(std::size(kDocTypeSpecs) == std::size(kDocuments),
              "master.doc_type holds every document code the profiles carry");

inline constexpr std::string_view kCenterPlaces[kCenterCount] = {
    "Harbour",      "Old Town",        "Riverside",    "Market Square",   "University",
    "Airport Road", "Hill Top",        "Lakeside",     "Central Station", "Garden City",
    "Palm Grove",   "Industrial Park", "North Gate",   "South Gate",      "East Side",
    "West End",     "Valley Road",     "Coastal Road", "Desert Road",     "Plateau"};
// How busy each centre is; the profile generator's regprc weights.
inline constexpr std::array<double, kCenterCount> kCenterWeights = {
    9.0, 7.0, 6.0, 5.0, 5.0, 4.0, 4.0, 3.0, 3.0, 3.0,
    2.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5};
inline constexpr std::array<double, 3> kLanguageWeights = {60.0, 25.0, 15.0};  // eng, fra, ara

// Slots: every 30 minutes from 09:00 to 13:00 and from 14:00 to 17:00, on
// weekdays, as the centres' hours and per_kiosk_process_time say.
inline constexpr int kSlotsPerDay = 14;
inline constexpr int kSlotMinutes = 30;
inline int SlotStartMinute(int slot) {
  return slot < 8 ? 9 * 60 + kSlotMinutes * slot : 14 * 60 + kSlotMinutes * (slot - 8);
}
// Appointments are booked 1 to 14 days ahead (a weekend moves them on).
inline constexpr int kBookingHorizonDays = 17;

// The registration workflow's stages with the transaction type each records
// (RegistrationTransactionTypeCode; OSI_VALIDATE as older versions name the
// operator/supervisor/introducer check, which the dashboard still queries).
struct Stage {
  std::string_view name;
  std::string_view trn_type;
};
inline constexpr Stage kStages[] = {
    {"PacketReceiverStage", "PACKET_RECEIVER"},
    {"PacketUploaderStage", "UPLOAD_PACKET"},
    {"PacketValidatorStage", "VALIDATE_PACKET"},
    {"OSIValidatorStage", "OSI_VALIDATE"},
    {"QualityClassifierStage", "QUALITY_CLASSIFIER"},
    {"DemodedupStage", "DEMOGRAPHIC_VERIFICATION"},
    {"BioDedupeStage", "BIOGRAPHIC_VERIFICATION"},
    {"UinGeneratorStage", "UIN_GENERATOR"},
    {"PrintingStage", "PRINT_SERVICE"},
};
inline constexpr int kPrintingStage = 8;

inline constexpr std::string_view kProcesses[] = {"NEW", "UPDATE", "LOST", "RES_UPDATE",
                                                  "RES_REPRINT"};
inline constexpr std::array<double, 5> kProcessWeights = {72.0, 12.0, 6.0, 6.0, 4.0};

// Pre-registration's StatusCodes.
enum class AppStatus : uint8_t { kIncomplete, kPending, kBooked, kConsumed, kExpired, kCancelled };
inline constexpr std::string_view kAppStatusCodes[] = {
    "Application_Incomplete", "Pending_Appointment", "Booked", "Consumed", "Expired", "Cancelled"};
inline constexpr std::array<double, 6> kAppStatusWeights = {5.0, 20.0, 45.0, 20.0, 5.0, 5.0};

// ID Authentication's request types as auth_type_code holds them (joined by
// commas, eKYC first), with the message status_comment starts with.
struct AuthType {
  std::string_view code;
  std::string_view message;
};
inline constexpr AuthType kAuthTypes[] = {
    {"OTP-REQUEST", "OTP Request"},
    {"OTP-AUTH", "OTP Authentication"},
    {"DEMO-AUTH", "Demo Authentication"},
    {"FINGERPRINT-AUTH", "Finger Authentication"},
    {"IRIS-AUTH", "Iris Authentication"},
    {"FACE-AUTH", "Face Authentication"},
    {"EKYC-AUTH,OTP-AUTH", "EKYC Authentication Request"},
    {"KYC-AUTH,FINGERPRINT-AUTH", "KYC Authentication Request"},
    {"DEMO-AUTH,OTP-AUTH", "Demo Authentication"},
};
inline constexpr std::array<double, 9> kAuthTypeWeights = {25.0, 20.0, 14.0, 12.0, 5.0,
                                                           8.0,  8.0,  4.0,  4.0};

// Who asked: relying partners, and MOSIP's own resident service, whose
// requests ID Authentication records as INTERNAL (the combined dashboard
// leaves those out).
struct Partner {
  std::string_view type;
  std::string_view id;
  std::string_view name;
};
inline constexpr Partner kPartners[] = {
    {"partner", "mpartner-default-auth", "Default Auth Partner"},
    {"partner", "mpartner-health-01", "Ministry of Health"},
    {"partner", "mpartner-bank-02", "National Bank"},
    {"partner", "mpartner-telco-03", "Telecom Operator"},
    {"partner", "mpartner-social-04", "Social Protection Agency"},
    {"partner", "mpartner-mobile-05", "Resident Mobile App"},
    {"INTERNAL", "mosip-resident-client", "Resident Service"},
};
inline constexpr std::array<double, 7> kPartnerWeights = {30.0, 20.0, 20.0, 15.0, 10.0, 5.0, 5.0};

// A registration centre's attributes that vary between centres.
struct Center {
  uint8_t kiosks = 0;
  double latitude = 0;
  double longitude = 0;
  int street = 0;
};

// The centres are reference data: the same for every seed, so that runs
// with different seeds can share one master database.
std::array<Center, kCenterCount> ReferenceCenters();

// Every document type, in code order.
std::span<const DocTypeSpec> DocTypes();
// Kiosks of centre kFirstCenterId + `center` (0 <= center < kCenterCount).
int CenterKiosks(int center);

}  // namespace walcast::mosip
