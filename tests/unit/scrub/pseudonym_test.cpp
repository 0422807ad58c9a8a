#include "scrub/pseudonym.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "scrub/detectors.hpp"

namespace gostly::scrub {
namespace {

std::string Digits(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c))) out.push_back(c);
  }
  return out;
}

// Same length, and every position keeps its character class.
void ExpectSameShape(std::string_view a, std::string_view b) {
  ASSERT_EQ(a.size(), b.size()) << a << " vs " << b;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto x = static_cast<unsigned char>(a[i]);
    auto y = static_cast<unsigned char>(b[i]);
    EXPECT_EQ(std::isdigit(x) != 0, std::isdigit(y) != 0) << a << " vs " << b << " at " << i;
    EXPECT_EQ(std::isupper(x) != 0, std::isupper(y) != 0) << a << " vs " << b << " at " << i;
    EXPECT_EQ(std::islower(x) != 0, std::islower(y) != 0) << a << " vs " << b << " at " << i;
    if (!std::isalnum(x)) {
      EXPECT_EQ(x, y) << a << " vs " << b << " at " << i;
    }
  }
}

TEST(Pseudonymizer, IsDeterministicPerTenantAndDiffersAcrossTenants) {
  Pseudonymizer a("tenant-a");
  Pseudonymizer a_again("tenant-a");
  Pseudonymizer b("tenant-b");
  EXPECT_EQ(a.Email("jane@acme.io"), a_again.Email("jane@acme.io"));
  EXPECT_EQ(a.Card("4111111111111111"), a.Card("4111111111111111"));
  EXPECT_NE(a.Email("jane@acme.io"), b.Email("jane@acme.io"));
  EXPECT_NE(a.Card("4111111111111111"), b.Card("4111111111111111"));
  EXPECT_NE(a.Token("abcdefghijklmnopqrstuvwx"), b.Token("abcdefghijklmnopqrstuvwx"));
  EXPECT_NE(a.Email("jane@acme.io"), a.Email("john@acme.io"));
}

TEST(Pseudonymizer, EmailsStayEmailsAtAReservedDomain) {
  Pseudonymizer p("k");
  std::string email = p.Email("Jane.Doe+news@mail.acme.co.uk");
  auto at = email.find('@');
  ASSERT_NE(at, std::string::npos);
  ExpectSameShape(email.substr(0, at), "Jane.Doe+news");
  EXPECT_TRUE(IsReservedEmailDomain(email.substr(at + 1))) << email;
  EXPECT_TRUE(DetectorSet::Default().Find(email).empty()) << email;
  // One mailbox, spelled with different case, maps to one pseudonym (up to case).
  std::string lower = p.Email("jane.doe+news@MAIL.ACME.CO.UK");
  EXPECT_EQ(lower.substr(lower.find('@')), email.substr(at));
  std::string encoded = p.Email("bob%40acme.io");
  EXPECT_NE(encoded.find("%40"), std::string::npos) << encoded;
}

TEST(Pseudonymizer, CardsKeepLengthSeparatorsIssuerAndLuhn) {
  Pseudonymizer p("k");
  for (std::string card : {"4111 1111 1111 1111", "5555-5555-5555-4444", "378282246310005",
                           "2223000048400011", "4222222222222"}) {
    std::string fake = p.Card(card);
    ExpectSameShape(card, fake);
    EXPECT_TRUE(IsCardNumber(Digits(fake))) << card << " -> " << fake;
    EXPECT_EQ(CardBrandPrefixLength(Digits(fake)), CardBrandPrefixLength(Digits(card)));
    EXPECT_NE(fake, card);
  }
}

TEST(Pseudonymizer, PhonesKeepTheirLayout) {
  Pseudonymizer p("k");
  for (std::string phone : {"+1 (415) 555-2671", "+14155552671", "020 7946 0958", "415.555.2671"}) {
    std::string fake = p.Phone(phone);
    ExpectSameShape(phone, fake);
    EXPECT_EQ(fake[0], phone[0]);
    EXPECT_NE(fake, phone);
  }
}

TEST(Pseudonymizer, NationalIdsStayValid) {
  Pseudonymizer p("k");
  std::string ssn = p.Ssn("123-45-6789");
  ExpectSameShape("123-45-6789", ssn);
  EXPECT_TRUE(SsnValid(ssn.substr(0, 3), ssn.substr(4, 2), ssn.substr(7, 4))) << ssn;
  std::string nino = p.Nino("JG 10 37 42 A");
  ASSERT_EQ(nino.size(), 13u);
  EXPECT_EQ(DetectorSet::Default().Find(nino).size(), 1u) << nino;
  std::string iban = p.Iban("GB82 WEST 1234 5698 7654 32");
  ExpectSameShape("GB82 WEST 1234 5698 7654 32", iban);
  std::string compact;
  for (char c : iban) {
    if (c != ' ') compact.push_back(c);
  }
  EXPECT_TRUE(IbanValid(compact)) << iban;
  EXPECT_EQ(iban.substr(0, 2), "GB");
}

TEST(Pseudonymizer, TokensKeepLengthAndCharacterClasses) {
  Pseudonymizer p("k");
  std::string key = "4eC39HqLyjWDarjtT1zdp7dc";
  ExpectSameShape(key, p.Token(key));
  EXPECT_EQ(p.Token("caf\xc3\xa9").size(), 4u);  // a UTF-8 character becomes one letter
}

TEST(Pseudonymizer, UuidsStayUuidsAndHexStaysHex) {
  Pseudonymizer p("k");
  std::string uuid = "123e4567-e89b-42d3-a456-426614174000";
  std::string fake = p.Value(uuid);
  ASSERT_EQ(fake.size(), uuid.size());
  EXPECT_NE(fake, uuid);
  for (std::size_t i = 0; i < fake.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      EXPECT_EQ(fake[i], '-');
    } else {
      EXPECT_TRUE(std::isxdigit(static_cast<unsigned char>(fake[i])) &&
                  !std::isupper(static_cast<unsigned char>(fake[i])))
          << fake;
    }
  }
  EXPECT_EQ(fake[14], '4');  // version kept
  std::string hex = p.Value("DEADBEEF0042");
  ASSERT_EQ(hex.size(), 12u);
  for (char c : hex)
    EXPECT_TRUE(std::isxdigit(static_cast<unsigned char>(c)) && !std::islower(c)) << hex;
  ExpectSameShape("John Smith", p.Value("John Smith"));
}

TEST(Pseudonymizer, NumbersKeepSignAndDigitCount) {
  Pseudonymizer p("k");
  EXPECT_EQ(std::to_string(p.Int64(123456)).size(), 6u);
  EXPECT_LT(p.Int64(-42), 0);
  EXPECT_EQ(std::to_string(-p.Int64(-42)).size(), 2u);
  EXPECT_EQ(std::to_string(p.Uint64(18446744073709551615ULL)).size(), 20u);
  EXPECT_EQ(p.Int64(7), p.Int64(7));
  double d = p.Double(1234.5);
  EXPECT_GE(d, 1000.0);
  EXPECT_LT(d, 10000.0);
}

}  // namespace
}  // namespace gostly::scrub
