#include "mosip/reporting_codes.h"

#include "mosip/rng.h"

namespace walcast::mosip {

std::array<Center, kCenterCount> ReferenceCenters() {
  Rng rng(0x4D4F534950ULL);  // "MOSIP": a fixed seed, not the run's
  std::array<Center, kCenterCount> centers{};
  for (Center& c : centers) {
    c.kiosks = static_cast<uint8_t>(rng.Between(2, 6));
    c.latitude = 30.0 + 5.5 * rng.Unit();
    c.longitude = -9.5 + 7.5 * rng.Unit();
    c.street = rng.Between(1, 240);
  }
  return centers;
}

std::span<const DocTypeSpec> DocTypes() { return kDocTypeSpecs; }

int CenterKiosks(int center) { return ReferenceCenters()[static_cast<size_t>(center)].kiosks; }

}  // namespace walcast::mosip
