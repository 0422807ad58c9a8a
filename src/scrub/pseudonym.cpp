#include "scrub/pseudonym.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <utility>

#include "scrub/detectors.hpp"

namespace gostly::scrub {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (IsUpper(c)) c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string DigitsOf(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (IsDigit(c)) out.push_back(c);
  }
  return out;
}

// A deterministic byte stream: HMAC-SHA256(key, kind NUL input NUL counter) per 32 bytes.
// `kind` separates the uses, so one input pseudonymised as a card and as a token gives
// unrelated outputs.
class Stream {
 public:
  Stream(std::string_view key, std::string_view kind, std::string_view input) : key_(key) {
    message_.reserve(kind.size() + input.size() + 6);
    message_.append(kind);
    message_.push_back('\0');
    message_.append(input);
    message_.push_back('\0');
    counter_at_ = message_.size();
    message_.append(4, '\0');
  }

  // Uniform in [0, bound), bound >= 1, by rejection sampling on 32-bit draws.
  std::uint32_t Below(std::uint32_t bound) {
    const std::uint64_t range = std::uint64_t{1} << 32;
    const std::uint64_t limit = range - range % bound;
    for (;;) {
      std::uint64_t x = 0;
      for (int i = 0; i < 4; ++i) x = (x << 8) | Byte();
      if (x < limit) return static_cast<std::uint32_t>(x % bound);
    }
  }

  char Digit() { return static_cast<char>('0' + Below(10)); }
  char DigitIn(char lo, char hi) {
    return static_cast<char>(lo +
                             static_cast<char>(Below(static_cast<std::uint32_t>(hi - lo + 1))));
  }
  char Upper() { return static_cast<char>('A' + Below(26)); }
  char LowerLetter() { return static_cast<char>('a' + Below(26)); }

 private:
  std::uint8_t Byte() {
    if (used_ == block_.size()) Refill();
    return block_[used_++];
  }

  void Refill() {
    for (int i = 0; i < 4; ++i) {
      message_[counter_at_ + static_cast<std::size_t>(i)] =
          static_cast<char>((counter_ >> (24 - 8 * i)) & 0xff);
    }
    ++counter_;
    unsigned int len = 0;
    HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
         reinterpret_cast<const unsigned char*>(message_.data()), message_.size(), block_.data(),
         &len);
    used_ = 0;
  }

  std::string_view key_;
  std::string message_;
  std::size_t counter_at_ = 0;
  std::uint32_t counter_ = 0;
  std::array<unsigned char, 32> block_{};
  std::size_t used_ = 32;
};

// Per-position class mapping; bytes >= 0x80 (a UTF-8 character, or a stray byte) become
// one letter of `lower_only` case, so no non-ASCII original leaks through.
std::string MapClasses(Stream& stream, std::string_view in, bool lower_only) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    auto u = static_cast<unsigned char>(c);
    if (IsDigit(c)) {
      out.push_back(stream.Digit());
    } else if (IsUpper(c)) {
      out.push_back(lower_only ? stream.LowerLetter() : stream.Upper());
    } else if (IsLower(c)) {
      out.push_back(stream.LowerLetter());
    } else if (u >= 0x80) {
      out.push_back(stream.LowerLetter());
      if (u >= 0xc0) {
        while (i + 1 < in.size() && (static_cast<unsigned char>(in[i + 1]) & 0xc0) == 0x80) ++i;
      }
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Writes `digits` back over the digit positions of `layout`.
std::string Relayout(std::string_view layout, std::string_view digits) {
  std::string out(layout);
  std::size_t k = 0;
  for (char& c : out) {
    if (IsDigit(c) && k < digits.size()) c = digits[k++];
  }
  return out;
}

int Mod97(std::string_view s) {
  int rem = 0;
  for (char c : s) {
    if (IsDigit(c)) {
      rem = (rem * 10 + (c - '0')) % 97;
    } else if (IsUpper(c)) {
      rem = (rem * 100 + (c - 'A' + 10)) % 97;
    } else if (IsLower(c)) {
      rem = (rem * 100 + (c - 'a' + 10)) % 97;
    }
  }
  return rem;
}

bool IsUuid(std::string_view v) {
  if (v.size() != 36) return false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? v[i] != '-' : !IsHex(v[i])) return false;
  }
  return true;
}

std::string MapHex(Stream& stream, std::string_view in, bool upper, std::size_t keep_a,
                   std::size_t keep_b) {
  static constexpr std::string_view kLowerHex = "0123456789abcdef";
  static constexpr std::string_view kUpperHex = "0123456789ABCDEF";
  std::string out(in);
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i == keep_a || i == keep_b || !IsHex(out[i])) continue;
    out[i] = (upper ? kUpperHex : kLowerHex)[stream.Below(16)];
  }
  return out;
}

}  // namespace

Pseudonymizer::Pseudonymizer(std::string tenant_key) : key_(std::move(tenant_key)) {}

std::string Pseudonymizer::Token(std::string_view token) const {
  Stream stream(key_, "token", token);
  return MapClasses(stream, token, false);
}

std::string Pseudonymizer::Email(std::string_view email) const {
  std::size_t at = email.find('@');
  std::size_t sep = 1;
  if (at == std::string_view::npos) {
    at = email.find("%40");
    sep = 3;
  }
  if (at == std::string_view::npos) return Token(email);
  auto local = email.substr(0, at);
  auto domain = email.substr(at + sep);
  // Seeded with the lower-cased address: case variants of one mailbox map alike.
  Stream local_stream(key_, "email", Lower(email));
  std::string out = MapClasses(local_stream, local, false);
  if (out.empty()) out = "x";
  out.append(email.substr(at, sep));
  auto label = domain.substr(0, domain.find('.'));
  Stream domain_stream(key_, "email-domain", Lower(domain));
  std::string pseudo_label = MapClasses(domain_stream, label, true);
  if (pseudo_label.empty()) pseudo_label = "x";
  out.append(pseudo_label);
  out.append(".example.com");
  return out;
}

std::string Pseudonymizer::Card(std::string_view card) const {
  std::string digits = DigitsOf(card);
  if (digits.size() < 2) return Token(card);
  std::size_t keep = static_cast<std::size_t>(CardBrandPrefixLength(digits));
  if (keep == 0) keep = 1;
  Stream stream(key_, "card", digits);
  std::string out = digits.substr(0, keep);
  while (out.size() + 1 < digits.size()) out.push_back(stream.Digit());
  // Luhn check digit over the payload: double every second digit from the right.
  int sum = 0;
  bool twice = true;
  for (auto it = out.rbegin(); it != out.rend(); ++it) {
    int d = *it - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  out.push_back(static_cast<char>('0' + (10 - sum % 10) % 10));
  return Relayout(card, out);
}

std::string Pseudonymizer::Phone(std::string_view phone) const {
  std::string digits = DigitsOf(phone);
  Stream stream(key_, "phone", digits);
  std::string out(phone);
  std::size_t seen = 0;
  char first = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    char c = out[i];
    if (!IsDigit(c)) continue;
    ++seen;
    if (seen == 1) {
      first = c;
      continue;
    }
    bool opens_group = i > 0 && !IsDigit(out[i - 1]);
    if (opens_group && c >= '2') {
      out[i] = stream.DigitIn('2', '9');
    } else if (seen == 2 && first == '0' && c != '0') {
      out[i] = stream.DigitIn('1', '9');
    } else {
      out[i] = stream.Digit();
    }
  }
  return out;
}

std::string Pseudonymizer::Ssn(std::string_view ssn) const {
  if (ssn.size() != 11) return Token(ssn);
  Stream stream(key_, "ssn", DigitsOf(ssn));
  std::uint32_t area = 0;
  do {
    area = 1 + stream.Below(899);
  } while (area == 666);
  std::uint32_t group = 1 + stream.Below(99);
  std::uint32_t serial = 1 + stream.Below(9999);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%03u%c%02u%c%04u", area, ssn[3], group, ssn[6], serial);
  return buf;
}

std::string Pseudonymizer::Nino(std::string_view nino) const {
  static constexpr std::string_view kFirst = "ABCEGHJKLMNOPRSTWXYZ";
  static constexpr std::string_view kSecond = "ABCEGHJKLMNPRSTWXYZ";
  static constexpr std::array<std::string_view, 7> kUnallocated = {"BG", "GB", "KN", "NK",
                                                                   "NT", "TN", "ZZ"};
  std::string compact;
  for (char c : nino) {
    if (c != ' ') compact.push_back(c);
  }
  Stream stream(key_, "nino", compact);
  std::string fresh;
  for (;;) {
    fresh = {kFirst[stream.Below(static_cast<std::uint32_t>(kFirst.size()))],
             kSecond[stream.Below(static_cast<std::uint32_t>(kSecond.size()))]};
    bool bad = false;
    for (auto u : kUnallocated) bad = bad || fresh == u;
    if (!bad) break;
  }
  for (int i = 0; i < 6; ++i) fresh.push_back(stream.Digit());
  fresh.push_back(static_cast<char>('A' + stream.Below(4)));
  std::string out(nino);
  std::size_t k = 0;
  for (char& c : out) {
    if (c != ' ' && k < fresh.size()) c = fresh[k++];
  }
  return out;
}

std::string Pseudonymizer::Iban(std::string_view iban) const {
  std::string compact;
  for (char c : iban) {
    if (c != ' ') compact.push_back(c);
  }
  if (compact.size() < 5) return Token(iban);
  Stream stream(key_, "iban", compact);
  std::string bban = MapClasses(stream, std::string_view(compact).substr(4), false);
  int rem = Mod97(bban + compact.substr(0, 2) + "00");
  int check = 98 - rem;
  std::string fresh = compact.substr(0, 2);
  fresh.push_back(static_cast<char>('0' + check / 10));
  fresh.push_back(static_cast<char>('0' + check % 10));
  fresh += bban;
  std::string out(iban);
  std::size_t k = 0;
  for (char& c : out) {
    if (c != ' ' && k < fresh.size()) c = fresh[k++];
  }
  return out;
}

std::string Pseudonymizer::Value(std::string_view value) const {
  bool has_upper = false;
  bool has_lower = false;
  bool all_hex = !value.empty();
  bool has_digit = false;
  for (char c : value) {
    has_upper = has_upper || (c >= 'A' && c <= 'F');
    has_lower = has_lower || (c >= 'a' && c <= 'f');
    has_digit = has_digit || IsDigit(c);
    all_hex = all_hex && IsHex(c);
  }
  if (IsUuid(value)) {
    Stream stream(key_, "uuid", Lower(value));
    // Version nibble (offset 14) and variant (offset 19) kept: the result is still a
    // valid UUID of the same version.
    return MapHex(stream, value, has_upper && !has_lower, 14, 19);
  }
  if (all_hex && value.size() >= 8 && has_digit && (has_upper != has_lower)) {
    Stream stream(key_, "hex", Lower(value));
    return MapHex(stream, value, has_upper, std::string_view::npos, std::string_view::npos);
  }
  return Token(value);
}

std::int64_t Pseudonymizer::Int64(std::int64_t value) const {
  bool negative = value < 0;
  std::uint64_t magnitude =
      negative ? static_cast<std::uint64_t>(-(value + 1)) + 1 : static_cast<std::uint64_t>(value);
  std::uint64_t fresh = Uint64(magnitude);
  // 19-digit magnitudes above INT64_MAX are folded back into range (one digit fewer).
  if (fresh > static_cast<std::uint64_t>(INT64_MAX)) fresh %= 1000000000000000000ULL;
  auto signed_value = static_cast<std::int64_t>(fresh);
  return negative ? -signed_value : signed_value;
}

std::uint64_t Pseudonymizer::Uint64(std::uint64_t value) const {
  std::string digits = std::to_string(value);
  Stream stream(key_, "int", digits);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i == 0 && digits.size() > 1) {
      // 20-digit numbers start with 1 and stay below UINT64_MAX.
      out.push_back(digits.size() == 20 ? '1' : stream.DigitIn('1', '9'));
    } else if (i == 1 && digits.size() == 20) {
      out.push_back(stream.DigitIn('0', '7'));
    } else {
      out.push_back(stream.Digit());
    }
  }
  std::uint64_t result = 0;
  std::from_chars(out.data(), out.data() + out.size(), result);
  return result;
}

double Pseudonymizer::Double(double value) const {
  if (!std::isfinite(value)) return value;
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  if (ec != std::errc()) return value;
  std::string_view text(buf, static_cast<std::size_t>(end - buf));
  Stream stream(key_, "double", text);
  std::string out(text);
  bool in_exponent = false;
  bool first = true;
  for (char& c : out) {
    if (c == 'e' || c == 'E') in_exponent = true;
    if (in_exponent || !IsDigit(c)) continue;
    bool leading_nonzero = first && c != '0';
    c = leading_nonzero ? stream.DigitIn('1', '9') : stream.Digit();
    first = false;
  }
  double result = value;
  std::from_chars(out.data(), out.data() + out.size(), result);
  return result;
}

}  // namespace gostly::scrub
