#include "scrub/detectors.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace gostly::scrub {
namespace {

struct Hit {
  Detector detector;
  std::string span;
};

std::vector<Hit> Hits(std::string_view text) {
  std::vector<Hit> out;
  for (const auto& f : DetectorSet::Default().Find(text)) {
    out.push_back(Hit{f.detector, std::string(text.substr(f.begin, f.end - f.begin))});
  }
  return out;
}

// The one finding in `text`, which must be of `detector` and cover exactly `span`.
void ExpectOnly(std::string_view text, Detector detector, std::string_view span) {
  auto hits = Hits(text);
  ASSERT_EQ(hits.size(), 1u) << "text: " << text;
  EXPECT_EQ(hits[0].detector, detector)
      << "text: " << text << " got " << ToString(hits[0].detector);
  EXPECT_EQ(hits[0].span, span) << "text: " << text;
}

void ExpectNone(std::string_view text) {
  auto hits = Hits(text);
  EXPECT_TRUE(hits.empty()) << "text: " << text
                            << " first hit: " << (hits.empty() ? "" : hits[0].span) << " ("
                            << (hits.empty() ? "" : ToString(hits[0].detector)) << ")";
}

TEST(PrivateKeyDetector, FindsPemBodiesAndKeepsTheArmour) {
  std::string pem =
      "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7bq\n-----END RSA PRIVATE KEY-----";
  ExpectOnly("key: " + pem, Detector::kPrivateKey, "\nMIIEpAIBAAKCAQEA7bq\n");
  ExpectOnly("-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADAN\\n-----END PRIVATE KEY-----\\n",
             Detector::kPrivateKey, "\\nMIIEvQIBADAN\\n");
  ExpectOnly(
      "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----",
      Detector::kPrivateKey, "\nb3BlbnNzaC1rZXk\n");
}

TEST(PrivateKeyDetector, FindsTruncatedBlocksWithoutAnEndLine) {
  ExpectOnly("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwN", Detector::kPrivateKey,
             "\nMHcCAQEEIBkg4LVWM9nuwN");
}

TEST(PrivateKeyDetector, IgnoresPublicKeysCertificatesAndRedactedBlocks) {
  ExpectNone("-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOC\n-----END PUBLIC KEY-----");
  ExpectNone("-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIE\n-----END CERTIFICATE-----");
  ExpectNone("-----BEGIN PRIVATE KEY-----[REDACTED]-----END PRIVATE KEY-----");
}

TEST(JwtDetector, FindsCompactTokens) {
  const char* jwt =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
      "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
  ExpectOnly(std::string("token ") + jwt + " end", Detector::kJwt, jwt);
  ExpectOnly("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", Detector::kJwt,
             "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.");
}

TEST(JwtDetector, IgnoresDottedWordsAndShortSegments) {
  ExpectNone("eyJ.abc.def");
  ExpectNone("com.example.package.name");
  ExpectNone("keyJunk.something.else");
}

TEST(BearerDetector, KeepsTheSchemeAndFindsTheToken) {
  ExpectOnly("Authorization: Bearer vp7jxTwqgczoFHs0uIdOvv4VdBWmvCkbVbNBCuaT", Detector::kBearer,
             "vp7jxTwqgczoFHs0uIdOvv4VdBWmvCkbVbNBCuaT");
  ExpectOnly("curl -H 'x: bearer abc.def-123'", Detector::kBearer, "abc.def-123");
}

TEST(BearerDetector, IgnoresProseAndPlaceholders) {
  ExpectNone("Use Bearer authentication for this endpoint");
  ExpectNone("Bearer {{TOKEN}}");
  ExpectNone("Bearer <token>");
  ExpectNone("a bearer token");
}

TEST(BasicAuthDetector, FindsBase64UserColonPassword) {
  ExpectOnly("header Basic dXNlcjpwYXNzd29yZA== sent", Detector::kBasicAuth,
             "dXNlcjpwYXNzd29yZA==");
}

TEST(BasicAuthDetector, IgnoresBasicFollowedByWords) {
  ExpectNone("Basic authentication is supported");
  ExpectNone("basic usage");
}

TEST(ApiKeyDetectors, FindVendorKeysAfterTheirPublicPrefix) {
  ExpectOnly("stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc", Detector::kStripeKey,
             "4eC39HqLyjWDarjtT1zdp7dc");
  ExpectOnly("pk_test_TYooMQauvdEDq54NiTphI7jx", Detector::kStripeKey, "TYooMQauvdEDq54NiTphI7jx");
  ExpectOnly("rk_live_51H8abcdefghijklmnop", Detector::kStripeKey, "51H8abcdefghijklmnop");
  ExpectOnly("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Detector::kStripeKey,
             "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  ExpectOnly("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", Detector::kGithubToken,
             "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx");
  ExpectOnly("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuv", Detector::kGithubToken,
             "11ABCDEFG0123456789_abcdefghijklmnopqrstuv");
  ExpectOnly("xoxb-2345678901-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", Detector::kSlackToken,
             "2345678901-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx");
  ExpectOnly("AIzaSyA-1234567890abcdefghijklmnopqrstu", Detector::kGoogleApiKey,
             "SyA-1234567890abcdefghijklmnopqrstu");
  ExpectOnly("AKIAIOSFODNN7EXAMPLE", Detector::kAwsAccessKeyId, "IOSFODNN7EXAMPLE");
  ExpectOnly("id ASIAY34FZKBOKMUTVV7A used", Detector::kAwsAccessKeyId, "Y34FZKBOKMUTVV7A");
}

TEST(ApiKeyDetectors, IgnoreLookalikes) {
  ExpectNone("sk_live_short");
  ExpectNone("task_live_4eC39HqLyjWDarjtT1zdp7dc");  // no word boundary before sk_
  ExpectNone("cus_4eC39HqLyjWDarjtT1zdp7dc");        // Stripe object ids are not secrets
  ExpectNone("ghp_tooShort");
  ExpectNone("AKIA1234");
  ExpectNone("AKIAIOSFODNN7EXAMPLEX");  // 17 characters
}

TEST(AwsSecretKeyDetector, FindsTheKeyNextToItsName) {
  ExpectOnly("aws_secret_access_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
             Detector::kAwsSecretKey, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
}

TEST(SecretAssignmentDetector, FindsValuesOfSecretNames) {
  ExpectOnly("password=hunter2&user=bob", Detector::kSecretAssignment, "hunter2");
  ExpectOnly("{\"client_secret\": \"s3cr3t-value\"}", Detector::kSecretAssignment, "s3cr3t-value");
  ExpectOnly("api_key: abc123", Detector::kSecretAssignment, "abc123");
  ExpectOnly("apiKey='zzz'", Detector::kSecretAssignment, "zzz");
  ExpectOnly("?access_token=ya29.a0Af", Detector::kSecretAssignment, "ya29.a0Af");
  ExpectOnly("accessToken = q1w2e3", Detector::kSecretAssignment, "q1w2e3");
  ExpectOnly("<password>letmein</password>", Detector::kSecretAssignment, "letmein");
  ExpectOnly("Authorization: Token 0123456789abcdef", Detector::kSecretAssignment,
             "0123456789abcdef");
  ExpectOnly("Authorization: s3cr3t", Detector::kSecretAssignment, "s3cr3t");
}

TEST(SecretAssignmentDetector, IgnoresNamesThatOnlyContainTheWordsAndNonValues) {
  ExpectNone("token_type=bearer");
  ExpectNone("password_hint=your pet");
  ExpectNone("mytoken=abc");
  ExpectNone("\"password\": {\"type\": \"string\"}");
  ExpectNone("\"secret\": true");
  ExpectNone("password: [REDACTED]");
  ExpectNone("password=%5BREDACTED%5D");
  ExpectNone("password:\n  type: string");
  ExpectNone("Authorization: Basic [REDACTED]");
  ExpectNone("var token = pm.variables.get(\"t\");");
  ExpectNone("password=${DB_PASSWORD}");
  ExpectOnly("password=$ecret1", Detector::kSecretAssignment, "$ecret1");
  ExpectNone("Authorization: Bearer {{token}}");
}

TEST(UrlPasswordDetector, FindsPasswordsInUserinfo) {
  ExpectOnly("postgres://app:s3cret@db.internal:5432/app", Detector::kUrlPassword, "s3cret");
  ExpectOnly("https://:tok3n@api.acme.io/v1", Detector::kUrlPassword, "tok3n");
  ExpectNone("https://user:[REDACTED]@api.acme.io/v1");
  ExpectNone("https://u:%5BREDACTED%5D@h.io/x");
  ExpectOnly(R"({"a":"https://example.com"],"b":["mailto:test@example.com"]})", Detector::kEmail,
             "test@example.com");
}

TEST(EmailDetector, FindsAddresses) {
  ExpectOnly("contact jane.doe+tag@corp.co.uk today", Detector::kEmail, "jane.doe+tag@corp.co.uk");
  ExpectOnly("mailto:ops@acme.io", Detector::kEmail, "ops@acme.io");
  ExpectOnly("/users/bob%40acme.io/orders", Detector::kEmail, "bob%40acme.io");
  ExpectOnly("jos\xc3\xa9@exampl\xc3\xa9.fr", Detector::kEmail, "jos\xc3\xa9@exampl\xc3\xa9.fr");
}

// Reserved documentation domains are flagged like any other: fixtures and planted test
// data live there. Only the pseudonymiser's own shape (one label under example.com) is not.
TEST(EmailDetector, FindsReservedDomainsButNotPseudonyms) {
  ExpectOnly("someone@example.com", Detector::kEmail, "someone@example.com");
  ExpectOnly("a@mail.example.org", Detector::kEmail, "a@mail.example.org");
  ExpectOnly("dev@service.test", Detector::kEmail, "dev@service.test");
  ExpectOnly("jane@a.b.example.com", Detector::kEmail, "jane@a.b.example.com");
  ExpectNone("kqzv.wpe@acme.example.com");
  EXPECT_TRUE(IsPseudonymEmailDomain("Acme.EXAMPLE.com"));
  EXPECT_FALSE(IsPseudonymEmailDomain("example.com"));
  EXPECT_FALSE(IsPseudonymEmailDomain("notexample.com"));
}

TEST(EmailDetector, IgnoresAssetNamesAndPackageVersions) {
  ExpectNone("logo@2x.png");
  ExpectNone("lodash@4.17.21");
  ExpectNone("user@localhost");
  ExpectNone("@handle");
}

TEST(PhoneDetector, FindsE164AndNationalFormats) {
  ExpectOnly("call +14155552671 now", Detector::kPhone, "+14155552671");
  ExpectOnly("+44 20 7946 0958", Detector::kPhone, "+44 20 7946 0958");
  ExpectOnly("tel: +1 (415) 555-2671.", Detector::kPhone, "+1 (415) 555-2671");
  ExpectOnly("+33 1 23 45 67 89", Detector::kPhone, "+33 1 23 45 67 89");
  ExpectOnly("(415) 555-2671", Detector::kPhone, "(415) 555-2671");
  ExpectOnly("415-555-2671", Detector::kPhone, "415-555-2671");
  ExpectOnly("at 415.555.2671", Detector::kPhone, "415.555.2671");
  ExpectOnly("1-800-555-0199", Detector::kPhone, "1-800-555-0199");
  ExpectOnly("020 7946 0958", Detector::kPhone, "020 7946 0958");
  ExpectOnly("07700 900123", Detector::kPhone, "07700 900123");
  ExpectOnly("01 23 45 67 89", Detector::kPhone, "01 23 45 67 89");
}

TEST(PhoneDetector, IgnoresIdsTimestampsVersionsAndUuids) {
  ExpectNone("id 4155552671");             // bare digits
  ExpectNone("1697123456789");             // epoch milliseconds
  ExpectNone("2023-10-12T14:30:00+0100");  // timestamp with offset
  ExpectNone("2023-10-12 14:30:00");
  ExpectNone("version 10.15.7");
  ExpectNone("192.168.100.200");
  ExpectNone("123e4567-e89b-12d3-a456-426614174000");
  ExpectNone("123-456-7890");    // area code cannot start with 1
  ExpectNone("0001 2345 6789");  // zero-padded id
  ExpectNone("1e+10");
  ExpectNone("+123");  // too short
  ExpectNone("ISBN 978-3-16-148410-0");
  ExpectNone("abc+12345678901def");  // inside base64
}

TEST(CardDetector, FindsLuhnValidCardsOfKnownIssuers) {
  ExpectOnly("4111111111111111", Detector::kCard, "4111111111111111");
  ExpectOnly("card 4111 1111 1111 1111 exp", Detector::kCard, "4111 1111 1111 1111");
  ExpectOnly("5555-5555-5555-4444", Detector::kCard, "5555-5555-5555-4444");
  ExpectOnly("3782 822463 10005", Detector::kCard, "3782 822463 10005");
  ExpectOnly("2223000048400011", Detector::kCard, "2223000048400011");
  ExpectOnly("6011111111111117", Detector::kCard, "6011111111111117");
  ExpectOnly("4111 1111 1111 1111 2024", Detector::kCard, "4111 1111 1111 1111");
}

TEST(CardDetector, RejectsNumbersFailingLuhn) {
  ExpectNone("4111111111111112");
  ExpectNone("4111 1111 1111 1112");
}

TEST(CardDetector, IgnoresIdsTimestampsAndUnknownIssuers) {
  ExpectNone("1697123456789");         // epoch ms: issuer 1
  ExpectNone("1445078208190291968");   // snowflake id
  ExpectNone("9999999999999995");      // Luhn-valid, no issuer
  ExpectNone("41111111111111111111");  // 20 digits
  ExpectNone("4111-1111 1111-1111");   // mixed separators
  ExpectNone("v1.4111111111111111");
  ExpectNone("123e4567-e89b-12d3-a456-426614174000");
  ExpectNone("40000000000000000");  // Visa prefix, 17 digits
}

TEST(SsnDetector, FindsValidSsns) {
  ExpectOnly("ssn 123-45-6789.", Detector::kSsn, "123-45-6789");
  ExpectOnly("536 22 1234", Detector::kSsn, "536 22 1234");
}

TEST(SsnDetector, RejectsInvalidRanges) {
  ExpectNone("000-12-3456");
  ExpectNone("666-12-3456");
  ExpectNone("900-12-3456");
  ExpectNone("123-00-4567");
  ExpectNone("123-45-0000");
  ExpectNone("078-05-1120");
  ExpectNone("123456789");  // bare digits
  ExpectNone("2023-10-1234");
}

TEST(NinoDetector, FindsAllocatedNinos) {
  ExpectOnly("NI AB123456C", Detector::kNino, "AB123456C");
  ExpectOnly("JG 10 37 42 A", Detector::kNino, "JG 10 37 42 A");
}

TEST(NinoDetector, RejectsUnallocatedPrefixesAndBadLetters) {
  ExpectNone("GB123456A");
  ExpectNone("BG123456A");
  ExpectNone("DA123456A");  // D is never a first letter
  ExpectNone("AO123456A");  // O is never a second letter
  ExpectNone("AB123456E");  // suffix is A-D
  ExpectNone("AB 123456 C");
}

TEST(IbanDetector, FindsMod97ValidIbans) {
  ExpectOnly("DE89370400440532013000", Detector::kIban, "DE89370400440532013000");
  ExpectOnly("pay GB82 WEST 1234 5698 7654 32 TODAY", Detector::kIban,
             "GB82 WEST 1234 5698 7654 32");
  ExpectOnly("FR1420041010050500013M02606", Detector::kIban, "FR1420041010050500013M02606");
}

TEST(IbanDetector, RejectsBadChecksumsAndUnknownCountries) {
  ExpectNone("DE89370400440532013001");
  ExpectNone("ZZ89370400440532013000");
  ExpectNone("DE8937040044053201300");  // one character short
}

TEST(Checks, LuhnIbanSsn) {
  EXPECT_TRUE(LuhnValid("79927398713"));
  EXPECT_FALSE(LuhnValid("79927398710"));
  EXPECT_FALSE(LuhnValid(""));
  EXPECT_TRUE(IsCardNumber("378282246310005"));
  EXPECT_FALSE(IsCardNumber("4111111111111"));  // 13 digits, fails Luhn
  EXPECT_TRUE(IbanValid("NL91ABNA0417164300"));
  EXPECT_FALSE(IbanValid("NL91ABNA0417164301"));
  EXPECT_TRUE(SsnValid("001", "01", "0001"));
  EXPECT_FALSE(SsnValid("666", "01", "0001"));
  EXPECT_TRUE(IsReservedEmailDomain("EXAMPLE.com"));
  EXPECT_TRUE(IsReservedEmailDomain("abc.example.net"));
  EXPECT_FALSE(IsReservedEmailDomain("notexample.com"));
}

TEST(DetectorSet, MergesOverlappingFindings) {
  // A secret assignment whose value is a Stripe key: one span, the whole value.
  auto assignment = DetectorSet::Default().Find("api_key=sk_live_4eC39HqLyjWDarjtT1zdp7dc");
  ASSERT_EQ(assignment.size(), 1u);
  EXPECT_EQ(assignment[0].begin, 8u);
  EXPECT_EQ(assignment[0].detector, Detector::kSecretAssignment);
  // An email whose domain runs into a phone-like tail: one span.
  auto spans = DetectorSet::Default().Find("x +14155552671@sms.acme.io");
  ASSERT_EQ(spans.size(), 1u);
  // The JWT is also a bearer token: one finding.
  auto hits = Hits("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl");
  ASSERT_EQ(hits.size(), 1u);
}

TEST(DetectorSet, AcceptsArbitraryBytes) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  bytes += "\xff\xfe bob@acme.io \x80\x81";
  auto hits = Hits(bytes);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].span, "bob@acme.io");
}

}  // namespace
}  // namespace gostly::scrub
