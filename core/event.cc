#include "core/event.h"

namespace walcast {

bool ChangeEvent::operator==(const ChangeEvent& other) const {
  const bool same_relation =
      (relation == nullptr && other.relation == nullptr) ||
      (relation != nullptr && other.relation != nullptr && *relation == *other.relation);
  return op == other.op && lsn == other.lsn && same_relation && before == other.before &&
         before_is_key_only == other.before_is_key_only && after == other.after &&
         snapshot == other.snapshot && truncate_options == other.truncate_options &&
         message_transactional == other.message_transactional &&
         message_prefix == other.message_prefix && message_content == other.message_content;
}

}  // namespace walcast
