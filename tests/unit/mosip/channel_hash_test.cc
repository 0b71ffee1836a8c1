// Hashed channels of generated profiles (mosip/channel_hash.h): SHA-256 of
// the normalised value in upper-case hex.

#include "mosip/channel_hash.h"

#include <gtest/gtest.h>

namespace walcast::mosip {
namespace {

TEST(ChannelHashTest, Sha256InUpperCaseHex) {
  // FIPS 180-2's "abc" test vector.
  EXPECT_EQ(HashChannel("abc"),
            "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
}

TEST(ChannelHashTest, PhonesAndEmailsAreHashedNormalised) {
  EXPECT_EQ(PhoneHash(1), HashChannel("212600000001"));
  EXPECT_EQ(PhoneHash(1), "9A045D8B1A13CBA2AFE7662F7F7132DBDDC9350374F23D62CE34793C7B06A6E3");
  EXPECT_EQ(EmailHash(7), HashChannel("person7@example.org"));
  EXPECT_EQ(EmailHash(7), "A0FDF4F6947BC4CD61CAB55A1DD7B6E11E1B0FEA932ABBB7BACFA91C054E0C56");
}

}  // namespace
}  // namespace walcast::mosip
