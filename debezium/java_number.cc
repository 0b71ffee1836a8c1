#include "debezium/java_number.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string_view>

namespace walcast::debezium {
namespace {

// `sci` is a to_chars scientific form: "-1.2345e+07", "5e-324", "4.9e-324".
void AppendJavaStyle(const char* sci, size_t len, std::string* out) {
  std::string_view s(sci, len);
  if (!s.empty() && s[0] == '-') {
    out->push_back('-');
    s.remove_prefix(1);
  }
  const size_t e = s.find('e');
  const std::string_view mantissa = s.substr(0, e);
  const int exponent = std::atoi(std::string(s.substr(e + 1)).c_str());
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits.push_back(c);
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  if (exponent >= -3 && exponent < 7) {
    if (exponent >= 0) {
      const size_t int_len = static_cast<size_t>(exponent) + 1;
      if (digits.size() <= int_len) {
        out->append(digits);
        out->append(int_len - digits.size(), '0');
        out->append(".0");
      } else {
        out->append(digits, 0, int_len);
        out->push_back('.');
        out->append(digits, int_len, std::string::npos);
      }
    } else {
      out->append("0.");
      out->append(static_cast<size_t>(-exponent - 1), '0');
      out->append(digits);
    }
    return;
  }
  out->push_back(digits[0]);
  out->push_back('.');
  if (digits.size() > 1) {
    out->append(digits, 1, std::string::npos);
  } else {
    out->push_back('0');
  }
  out->push_back('E');
  out->append(std::to_string(exponent));
}

}  // namespace

template <typename Float>
void AppendJava(Float value, std::string* out) {
  if (value == 0) {
    out->append(std::signbit(value) ? "-0.0" : "0.0");
    return;
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific);
  if (std::string_view(buf, static_cast<size_t>(r.ptr - buf)).find('.') == std::string_view::npos) {
    // One digit is enough, but Java (JDK 19+, JDK-4511638) picks the
    // two-digit decimal closest to the value when it still reads back as
    // the same value: Double.MIN_VALUE is "4.9E-324", not "5.0E-324".
    char two[64];
    const auto r2 = std::to_chars(two, two + sizeof(two), value, std::chars_format::scientific, 1);
    Float back = 0;
    const auto parsed = std::from_chars(two, r2.ptr, back);
    if (parsed.ec == std::errc() && back == value) {
      AppendJavaStyle(two, static_cast<size_t>(r2.ptr - two), out);
      return;
    }
  }
  AppendJavaStyle(buf, static_cast<size_t>(r.ptr - buf), out);
}

void AppendJavaDouble(double value, std::string* out) { AppendJava(value, out); }

void AppendJavaFloat(float value, std::string* out) { AppendJava(value, out); }

}  // namespace walcast::debezium
