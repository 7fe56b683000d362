#include <catch2/catch.hpp>

#include "classifiers/validators.h"

using namespace phiscan::classifiers;

TEST_CASE("Luhn accepts published test numbers and rejects a changed digit") {
  CHECK(LuhnValid("79927398713"));  // the textbook example
  CHECK_FALSE(LuhnValid("79927398710"));
  CHECK(LuhnValid("4111 1111 1111 1111"));
  CHECK_FALSE(LuhnValid("4111 1111 1111 1112"));
  CHECK_FALSE(LuhnValid("7"));
}

TEST_CASE("Credit card needs an issuer prefix, a brand length and Luhn") {
  CHECK(CreditCardValid("4111111111111111"));      // Visa test PAN
  CHECK(CreditCardValid("5555-5555-5555-4444"));   // Mastercard test PAN
  CHECK(CreditCardValid("2223000048400011"));      // Mastercard 2-series
  CHECK(CreditCardValid("378282246310005"));       // Amex
  CHECK(CreditCardValid("3782 822463 10005"));
  CHECK(CreditCardValid("6011111111111117"));      // Discover
  CHECK(CreditCardValid("3530111333300000"));      // JCB
  CHECK(CreditCardValid("30569309025904"));        // Diners 14
  CHECK(CreditCardValid("6200000000000005"));      // UnionPay
  CHECK_FALSE(CreditCardValid("4111111111111112"));  // Luhn fails
  CHECK_FALSE(CreditCardValid("9111111111111111"));  // no issuer
  CHECK_FALSE(CreditCardValid("378282246310005000"));  // Amex at wrong length
  CHECK_FALSE(CreditCardValid("0000000000000000"));
  CHECK_FALSE(CreditCardValid("411111111111"));      // too short
}

TEST_CASE("SSN structure rules") {
  CHECK(SsnValid("536-22-8726"));
  CHECK(SsnValid("536 22 8726"));
  CHECK(SsnValid("536228726"));
  CHECK_FALSE(SsnValid("000-22-8726"));
  CHECK_FALSE(SsnValid("666-22-8726"));
  CHECK_FALSE(SsnValid("900-22-8726"));
  CHECK_FALSE(SsnValid("999-22-8726"));
  CHECK_FALSE(SsnValid("536-00-8726"));
  CHECK_FALSE(SsnValid("536-22-0000"));
  CHECK_FALSE(SsnValid("078-05-1120"));  // Woolworth wallet sample
  CHECK_FALSE(SsnValid("123-45-6789"));
  CHECK_FALSE(SsnValid("987-65-4325"));  // advertising range
  CHECK_FALSE(SsnValid("536-22 8726"));  // mixed separators
  CHECK_FALSE(SsnValid("53622872"));
}

TEST_CASE("NPI uses Luhn over 80840 + the ten digits") {
  CHECK(NpiValid("1234567893"));  // the CMS example
  CHECK_FALSE(NpiValid("1234567890"));
  CHECK(NpiValid("1234 567 893"));
  CHECK_FALSE(NpiValid("3234567893"));  // must start with 1 or 2
  CHECK_FALSE(NpiValid("123456789"));
}

TEST_CASE("MBI position classes") {
  CHECK(MbiValid("1EG4TE5MK73"));  // the CMS example
  CHECK(MbiValid("1EG4-TE5-MK73"));
  CHECK_FALSE(MbiValid("0EG4TE5MK73"));  // position 1 is 1-9
  CHECK_FALSE(MbiValid("1SG4TE5MK73"));  // S is excluded
  CHECK_FALSE(MbiValid("1EG4TE5MK7A"));  // position 11 is a digit
  CHECK_FALSE(MbiValid("1eg4te5mk73"));  // lower case is not an MBI
  CHECK_FALSE(MbiValid("1EG4TE5MK7"));
}

TEST_CASE("NANP phone rules") {
  CHECK(NanpPhoneValid("(415) 555-2671"));
  CHECK(NanpPhoneValid("+1 415 555 2671"));
  CHECK(NanpPhoneValid("415.555.2671"));
  CHECK_FALSE(NanpPhoneValid("115-555-2671"));  // area starts with 1
  CHECK_FALSE(NanpPhoneValid("415-155-2671"));  // exchange starts with 1
  CHECK_FALSE(NanpPhoneValid("911-555-2671"));  // N11
  CHECK_FALSE(NanpPhoneValid("415-555-0123"));  // fictional 555-01xx
  CHECK_FALSE(NanpPhoneValid("415-555-267"));
}

TEST_CASE("Email rules") {
  CHECK(EmailValid("jane.doe@example.org"));
  CHECK(EmailValid("a+tag@mail.example.co.uk"));
  CHECK_FALSE(EmailValid("icon@2x.png"));
  CHECK_FALSE(EmailValid("user@localhost"));
  CHECK_FALSE(EmailValid(".dot@example.org"));
  CHECK_FALSE(EmailValid("a..b@example.org"));
  CHECK_FALSE(EmailValid("a@-bad.example.org"));
  CHECK_FALSE(EmailValid("a@b@example.org"));
}

TEST_CASE("Validators are found by name") {
  CHECK(FindValidator("npi") == &NpiValid);
  CHECK(FindValidator("luhn") == &LuhnValid);
  CHECK(FindValidator("nope") == nullptr);
  CHECK(FindValidator("") == nullptr);
}
