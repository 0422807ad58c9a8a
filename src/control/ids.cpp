#include "control/ids.hpp"

#include "common/clock.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <chrono>
#include <stdexcept>

namespace gostly::control {

namespace {

void RandomBytes(unsigned char* out, int n) {
  // Failure means the kernel CSPRNG is unavailable: nothing safe can be issued.
  if (RAND_bytes(out, n) != 1) throw std::runtime_error("OpenSSL RAND_bytes failed");
}

}  // namespace

std::string NewId(std::string_view prefix) {
  unsigned char bytes[12];
  RandomBytes(bytes, sizeof bytes);
  std::string out(prefix);
  for (unsigned char b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

std::string NewApiKeySecret() {
  unsigned char bytes[32];
  RandomBytes(bytes, sizeof bytes);
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out = "gst_";
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 63];
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  std::string out;
  out.reserve(2 * sizeof digest);
  for (unsigned char b : digest) out += fmt::format("{:02x}", b);
  return out;
}

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string FormatMs(std::int64_t ms) {
  if (ms == 0) return {};
  return common::FormatRfc3339(
      std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

}  // namespace gostly::control
