#include <catch2/catch.hpp>

#include <cstdio>
#include <ctime>
#include <string>

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
  CHECK(CreditCardValid("6759649826438453193"));  // Maestro, 19 digits
  CHECK(CreditCardValid("5018123456789014"));     // Maestro, 16
  CHECK_FALSE(CreditCardValid("6760123456789012"));  // 6760 is no Maestro range
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
  CHECK(PublishedTestCard("4111 1111 1111 1111"));
  CHECK(PublishedTestCard("3782-822463-10005"));
  CHECK_FALSE(PublishedTestCard("4787 7893 2879 2170"));
  // Both ends of the list in sorted order, and each length it holds.
  CHECK(PublishedTestCard("2222 4000 7000 0005"));
  CHECK(PublishedTestCard("6200000000000005"));
  CHECK(PublishedTestCard("4222222222222"));    // 13 digits
  CHECK(PublishedTestCard("30569309025904"));   // 14
  CHECK(PublishedTestCard("371449635398431"));  // 15
  CHECK_FALSE(PublishedTestCard("422222222222"));  // a published number cut short
  CHECK_FALSE(PublishedTestCard("42424242424242424"));  // one digit longer
  // Stripe's declines and 3D Secure cards, listed or with eight zeros in a row.
  CHECK(PublishedTestCard("4000 0025 0000 3155"));
  CHECK(PublishedTestCard("6011 9811 1111 1113"));
  CHECK(PublishedTestCard("4000 0000 0000 0127"));
  CHECK(PublishedTestCard("4000 0000 0000 3220"));
  CHECK_FALSE(PublishedTestCard("4000 0010 0000 0127"));  // seven zeros
  CHECK_FALSE(PublishedTestCard("1234567890123456789012"));  // more digits than a card
  CHECK_FALSE(IssuedCreditCardValid("4242424242424242"));
  CHECK(IssuedCreditCardValid("4787789328792170"));
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
  // Nine of one digit: a form's placeholder.
  CHECK_FALSE(SsnValid("111-11-1111"));
  CHECK_FALSE(SsnValid("777777777"));
  CHECK(SsnValid("111-11-1112"));
  CHECK(SsnValid("536\xE2\x80\x93" "22\xE2\x80\x93" "8726"));  // en dashes
  CHECK_FALSE(SsnValid("536\xE2\x80\x93" "22\xE2\x80\x94" "8726"));  // en, then em
  CHECK_FALSE(SsnValid("536-22-0000"));
  CHECK_FALSE(SsnValid("078-05-1120"));  // Woolworth wallet sample
  CHECK_FALSE(SsnValid("123-45-6789"));
  CHECK_FALSE(SsnValid("987-65-4325"));  // advertising range
  CHECK_FALSE(SsnValid("536-22 8726"));  // mixed separators
  CHECK(SsnValid("536.22.8726"));
  CHECK(SsnValid("536\xC2\xA0" "22\xC2\xA0" "8726"));  // no-break spaces (UTF-8)
  CHECK_FALSE(SsnValid("536\xC2\xA0" "22 8726"));  // a no-break space and a space
  CHECK_FALSE(SsnValid("536.22-8726"));
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
  CHECK(MbiValid("1EG4 TE5 MK73"));  // spaced, as the card prints it
  CHECK_FALSE(MbiValid("1EG4 TE5 MK7"));
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
  // Toll-free: a business's line.
  CHECK_FALSE(NanpPhoneValid("1-800-234-5678"));
  CHECK_FALSE(NanpPhoneValid("(888) 234-5678"));
  CHECK_FALSE(NanpPhoneValid("833.234.5678"));
  CHECK(NanpPhoneValid("(808) 234-5678"));  // Hawaii
  CHECK(NanpPhoneValid("(828) 234-5678"));
  // N9X area codes are reserved for expansion: no number has one (899 is
  // no toll-free code either).
  CHECK_FALSE(NanpPhoneValid("(899) 317-3582"));
  CHECK_FALSE(NanpPhoneValid("296-234-5678"));
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

TEST_CASE("ITIN: leading 9 and IRS group ranges") {
  CHECK(ItinValid("912-70-1234"));
  CHECK(ItinValid("900-50-1234"));
  CHECK(ItinValid("999 99 1234"));
  CHECK(ItinValid("912881234"));
  CHECK(ItinValid("912-94-0000"));
  CHECK_FALSE(ItinValid("812-70-1234"));   // must start with 9
  CHECK_FALSE(ItinValid("912-49-1234"));   // group 49 is below 50
  CHECK_FALSE(ItinValid("912-66-1234"));   // 66-69 are not issued
  CHECK_FALSE(ItinValid("912-89-1234"));
  CHECK_FALSE(ItinValid("912-93-1234"));
  // The advertising range is no one's number, though its shape is an ITIN's.
  CHECK_FALSE(ItinValid("987-65-4321"));
  CHECK_FALSE(ItinValid("987654320"));
  CHECK(ItinValid("987-65-4330"));
  CHECK_FALSE(ItinValid("912-70 1234"));   // mixed separators
  CHECK_FALSE(ItinValid("91270123"));
}

TEST_CASE("DEA registration check digit") {
  CHECK(DeaValid("AB1234563"));   // the textbook example: 1+3+5 + 2*(2+4+6) = 33
  CHECK(DeaValid("BJ6125341"));
  CHECK(DeaValid("M91234563"));   // second character 9 (business name)
  CHECK(DeaValid("ab1234563"));
  CHECK_FALSE(DeaValid("AB1234564"));  // wrong check digit
  CHECK_FALSE(DeaValid("ZB1234563"));  // Z is no registrant type
  CHECK_FALSE(DeaValid("A11234563"));  // second character is a letter or 9
  CHECK_FALSE(DeaValid("AB123456"));
  CHECK_FALSE(DeaValid("AB12345630"));
}

TEST_CASE("ABA routing: prefix ranges and 3-7-1 checksum") {
  CHECK(AbaValid("011000015"));   // Federal Reserve Bank of Boston
  CHECK(AbaValid("021000021"));   // JPMorgan Chase, New York
  CHECK(AbaValid("122105155"));
  CHECK(AbaValid("0110-0001-5"));
  CHECK_FALSE(AbaValid("021000022"));  // checksum
  CHECK_FALSE(AbaValid("131000016"));  // prefix 13 not assigned (checksum ok)
  CHECK_FALSE(AbaValid("000000000"));
  CHECK_FALSE(AbaValid("02100002"));
}

TEST_CASE("IBAN: country length table and mod 97") {
  CHECK(IbanValid("GB82 WEST 1234 5698 7654 32"));  // ECBS / registry example
  CHECK(IbanValid("GB82WEST12345698765432"));
  CHECK(IbanValid("DE89 3704 0044 0532 0130 00"));
  CHECK(IbanValid("FR14 2004 1010 0505 0001 3M02 606"));
  CHECK(IbanValid("NL91ABNA0417164300"));
  CHECK(IbanValid("BE68539007547034"));
  CHECK(IbanValid("NO9386011117947"));                // shortest: 15
  CHECK_FALSE(IbanValid("GB82 WEST 1234 5698 7654 33"));  // mod 97
  CHECK_FALSE(IbanValid("DE89 3704 0044 0532 0130 0"));   // DE is 22 long
  CHECK_FALSE(IbanValid("QQ82WEST12345698765432"));       // no such country
  CHECK_FALSE(IbanValid("GB82-WEST-1234-5698-7654-32"));
}

TEST_CASE("UK NHS number mod 11") {
  CHECK(NhsValid("943 476 5919"));  // the NHS Digital example
  CHECK(NhsValid("9434765919"));
  CHECK(NhsValid("401-023-2137"));
  CHECK_FALSE(NhsValid("943 476 5918"));
  CHECK_FALSE(NhsValid("943 476-5919"));  // mixed separators
  CHECK_FALSE(NhsValid("1111111111"));    // valid sum, but all one digit
  // Remainder 1 gives check value 10, which no NHS number has.
  CHECK_FALSE(NhsValid("0000000060"));
  CHECK_FALSE(NhsValid("943476591"));
}

TEST_CASE("Canadian SIN: Luhn, never 0 or 8 first") {
  CHECK(SinValid("130 692 544"));
  CHECK(SinValid("130-692-544"));
  CHECK(SinValid("130692544"));
  CHECK_FALSE(SinValid("130 692 545"));   // Luhn
  CHECK_FALSE(SinValid("046 454 286"));   // CRA's sample: Luhn-valid, but 0 is never issued
  CHECK_FALSE(SinValid("846 454 281"));
  CHECK_FALSE(SinValid("130 692-544"));
}

TEST_CASE("Australian Medicare number checksum") {
  CHECK(AuMedicareValid("2123 45670 1"));   // 2+3+14+27+4+15+42+63 = 170 -> 0
  CHECK(AuMedicareValid("2123456701"));
  CHECK(AuMedicareValid("2123 45670 1 2"));  // with the individual reference number
  CHECK_FALSE(AuMedicareValid("2123 45671 1"));  // check digit
  CHECK_FALSE(AuMedicareValid("7123 45670 1"));  // first digit 2-6
  CHECK_FALSE(AuMedicareValid("2123 45670 0"));  // issue number 0
  CHECK_FALSE(AuMedicareValid("212345670"));
}

TEST_CASE("VIN check digit") {
  CHECK(VinValid("1M8GDM9AXKP042788"));  // the NHTSA example, check digit X
  CHECK(VinValid("1HGCM82633A004352"));
  CHECK_FALSE(VinValid("1M8GDM9A1KP042788"));
  CHECK_FALSE(VinValid("1M8GDM9AXKP04278O"));  // O is never used
  CHECK_FALSE(VinValid("11111111111111111"));  // digits only: not a VIN
  CHECK_FALSE(VinValid("1M8GDM9AXKP04278"));
}

TEST_CASE("IPv4 dotted quads") {
  CHECK(Ipv4Valid("192.168.1.20"));
  CHECK(Ipv4Valid("8.8.8.8"));
  CHECK(Ipv4Valid("10.0.0.1"));
  CHECK_FALSE(Ipv4Valid("256.1.1.1"));
  CHECK_FALSE(Ipv4Valid("10.01.0.1"));  // leading zero
  CHECK_FALSE(Ipv4Valid("1.2.3"));
  CHECK_FALSE(Ipv4Valid("1.2.3.4.5"));
  CHECK_FALSE(Ipv4Valid("0.0.0.0"));
  CHECK_FALSE(Ipv4Valid("255.255.255.255"));
  // Masks are no host's address: a netmask, a Cisco wildcard mask.
  CHECK_FALSE(Ipv4Valid("255.255.255.0"));
  CHECK_FALSE(Ipv4Valid("0.0.0.255"));
  CHECK(Ipv4Valid("254.255.255.0"));
}

TEST_CASE("Addresses of internet hosts, not of a network's own devices") {
  for (const char* a : {"8.8.8.8", "81.20.30.40", "172.15.0.1", "172.32.0.1", "192.169.0.1",
                        "100.63.0.1", "100.128.0.1", "169.253.1.1", "192.0.3.1", "203.0.114.9",
                        "223.255.255.254"}) {
    INFO(a);
    CHECK(PublicIpv4Valid(a));
  }
  for (const char* a : {"10.0.0.1", "127.0.0.1", "172.16.0.1", "172.31.255.1", "192.168.1.20",
                        "100.64.0.1", "100.127.0.1", "169.254.10.1", "192.0.2.1",
                        "198.51.100.7", "203.0.113.9", "224.0.0.251", "240.0.0.1"}) {
    INFO(a);
    CHECK(Ipv4Valid(a));
    CHECK_FALSE(PublicIpv4Valid(a));
  }
  CHECK_FALSE(PublicIpv4Valid("300.1.1.1"));  // not an address at all
  for (const char* a : {"2600:1f18::1", "2a02:c7f:1::1", "2001:4860:4860::8888",
                        "::ffff:81.20.30.40", "2001:dead::1"}) {
    INFO(a);
    CHECK(PublicIpv6Valid(a));
  }
  for (const char* a : {"::1:2", "fe80::1", "febf::1:2", "fd00::1", "fc12:3::4", "ff02::1",
                        "2001:db8::1", "2001:0db8:85a3::7334", "::ffff:10.1.2.3"}) {
    INFO(a);
    CHECK(Ipv6Valid(a));
    CHECK_FALSE(PublicIpv6Valid(a));
  }
  CHECK(PublicIpv6GroupedValid("2600:1f18::1"));
  CHECK_FALSE(PublicIpv6GroupedValid("fd00:1::2"));
  CHECK_FALSE(PublicIpv6GroupedValid("2600::1"));  // two groups
}

TEST_CASE("IPv6 text forms") {
  CHECK(Ipv6Valid("2001:db8:85a3:0:0:8a2e:370:7334"));
  CHECK(Ipv6Valid("2001:0db8:85a3:0000:0000:8a2e:0370:7334"));
  CHECK(Ipv6Valid("2001:db8::8a2e:370:7334"));
  CHECK(Ipv6Valid("fe80::1"));
  CHECK(Ipv6Valid("::ffff:192.0.2.128"));
  CHECK(Ipv6Valid("2001:db8::"));
  // A Fibre Channel WWPN or EUI-64: eight groups of two hex digits.
  CHECK_FALSE(Ipv6Valid("50:06:01:60:3b:20:19:c3"));
  CHECK_FALSE(Ipv6Valid("20:00:00:25:b5:aa:00:0f"));
  CHECK(Ipv6Valid("2001:db8:0:25:b5:aa:0:f"));
  CHECK_FALSE(Ipv6Valid("12:30:45"));              // a clock time
  CHECK_FALSE(Ipv6Valid("00:1a:2b:3c:4d:5e"));     // a MAC address
  CHECK_FALSE(Ipv6Valid("2001:db8::1::2"));        // two "::"
  CHECK_FALSE(Ipv6Valid("2001:db8:85a3:0:0:8a2e:370:7334:1"));  // nine groups
  CHECK_FALSE(Ipv6Valid("2001:db8:85g3::1"));      // not hex
  CHECK_FALSE(Ipv6Valid("12345::1"));
  CHECK_FALSE(Ipv6Valid("::"));
  // Three groups written, for an address without an IP keyword.
  CHECK(Ipv6GroupedValid("2001:db8::1"));
  CHECK(Ipv6GroupedValid("::ffff:192.0.2.128"));
  CHECK(Ipv6GroupedValid("2001:db8:85a3:0:0:8a2e:370:7334"));
  CHECK_FALSE(Ipv6GroupedValid("dead::beef"));
  CHECK_FALSE(Ipv6GroupedValid("fe80::1"));
  CHECK_FALSE(Ipv6GroupedValid("12:30:45"));
}

TEST_CASE("Dates must exist on the calendar and carry no time of day") {
  CHECK(DateValid("2024-02-29"));   // leap year
  CHECK(DateValid("2000-02-29"));   // divisible by 400
  CHECK(DateValid("03/15/1980"));
  CHECK(DateValid("3/5/80"));
  CHECK(DateValid("15/03/1980"));   // day first
  CHECK(DateValid("15.03.1980"));
  CHECK(DateValid("March 3, 1980"));
  CHECK(DateValid("Sept 30 1999"));
  CHECK(DateValid("3rd Mar 1980"));
  CHECK(DateValid("Mar-03-1980"));
  CHECK(DateValid("19800315"));
  CHECK_FALSE(DateValid("2023-02-29"));  // not a leap year
  CHECK_FALSE(DateValid("1900-02-29"));  // divisible by 100
  CHECK_FALSE(DateValid("2024-04-31"));
  CHECK_FALSE(DateValid("13/13/1980"));
  CHECK_FALSE(DateValid("1850-01-01"));  // outside 1900-2099
  CHECK_FALSE(DateValid("2024-03-05 12:30"));  // a timestamp
  CHECK_FALSE(DateValid("2024-03-05T12:30"));
  CHECK_FALSE(DateValid("Smarch 3, 1980"));
  CHECK_FALSE(DateValid("03/15-1980"));
  CHECK_FALSE(DateValid("19801315"));
}

TEST_CASE("A whole-name field's value that names no one is no name") {
  CHECK(WholeNameValid("Corwin Thornbury"));
  CHECK(WholeNameValid("DELACROIX, MARGUERITE"));
  CHECK(WholeNameValid("QUILLON^XAVIERA^B"));
  CHECK(WholeNameValid("Notley Summers"));  // a word that starts like one is not one
  CHECK_FALSE(WholeNameValid("UNKNOWN, UNKNOWN"));
  CHECK_FALSE(WholeNameValid("Not Provided"));
  CHECK_FALSE(WholeNameValid("Same As Above"));
  CHECK_FALSE(WholeNameValid("Test Patient"));
  CHECK_FALSE(WholeNameValid("Discharge Summary"));
  CHECK_FALSE(WholeNameValid("Gait Steady"));
}

TEST_CASE("A credential with a dozen x in a row is a placeholder") {
  CHECK(NotPlaceholderValid("ghp_x1xx2xxxabcdefghijklmnopqrstuvwx0123"));
  CHECK(NotPlaceholderValid("sk_live_" + std::string(11, 'x') + "A" + std::string(11, 'X')));
  CHECK_FALSE(NotPlaceholderValid("sk_live_" + std::string(12, 'x')));
  CHECK_FALSE(NotPlaceholderValid("AIzaSy" + std::string(6, 'X') + std::string(6, 'x') + "12"));
  CHECK(NotPlaceholderValid(""));
}

TEST_CASE("A date of birth is a date not in the future") {
  CHECK(BirthDateValid("03/15/1980"));
  CHECK(BirthDateValid("1900-01-01"));
  CHECK(BirthDateValid("3/5/30"));         // two-digit year: 1930, not 2030
  CHECK(BirthDateValid("March 3, 1980"));
  CHECK(BirthDateValid("19800315"));
  CHECK_FALSE(BirthDateValid("2099-12-31"));
  CHECK_FALSE(BirthDateValid("Dec 1, 2098"));
  CHECK_FALSE(BirthDateValid("20980101"));
  CHECK_FALSE(BirthDateValid("2024-04-31"));  // DateValid's rules still apply
  CHECK_FALSE(BirthDateValid("1980-03-15 10:30"));

  // Around today, from the clock: today and tomorrow (UTC) pass (somewhere
  // it is already tomorrow); three days ahead does not. Read month first or
  // day first, a value passes if either reading does.
  auto day = [](int days_ahead) {
    const time_t t = time(nullptr) + days_ahead * 24 * 60 * 60;
    struct tm utc {};
    gmtime_r(&t, &utc);
    char out[48];
    std::snprintf(out, sizeof out, "%04d-%02d-%02d", utc.tm_year + 1900, utc.tm_mon + 1,
                  utc.tm_mday);
    return std::string(out);
  };
  CHECK(BirthDateValid(day(0)));
  CHECK(BirthDateValid(day(-1)));
  CHECK_FALSE(BirthDateValid(day(3)));
  CHECK_FALSE(BirthDateValid(day(400)));
  CHECK(DateValid(day(400)));  // still a date
  CHECK(BirthDateValid("12/01/2030") == false);
  CHECK(BirthDateValid("01/12/1990"));
}

TEST_CASE("ICD-10 code shapes") {
  CHECK(Icd10Valid("E11.9"));
  CHECK(Icd10Valid("J45.909"));
  CHECK(Icd10Valid("S72.001A"));
  CHECK(Icd10Valid("I10"));
  CHECK(Icd10Valid("U07.1"));
  CHECK(Icd10Valid("C4A.0"));
  CHECK_FALSE(Icd10Valid("1E1.9"));
  CHECK_FALSE(Icd10Valid("E1.9"));
  CHECK_FALSE(Icd10Valid("E11."));
  CHECK(Icd10Valid("E119"));  // without the dot, as claims write it
  CHECK(Icd10Valid("S72001A"));
  CHECK(Icd10Valid("T360X1A"));
  CHECK_FALSE(Icd10Valid("E11A"));      // a letter only seventh
  CHECK_FALSE(Icd10Valid("S72001AB"));  // eight without the dot
  CHECK_FALSE(Icd10Valid("A1C"));       // HbA1c: no category has a C third
  CHECK_FALSE(Icd10Valid("H1N1"));
  CHECK_FALSE(Icd10Valid("e11.9"));
  CHECK_FALSE(Icd10Valid("E11.90000"));
}

TEST_CASE("NDC segment shapes") {
  CHECK(NdcValid("0002-3227-30"));   // 4-4-2
  CHECK(NdcValid("00378-180-01"));   // 5-3-2
  CHECK(NdcValid("50090-2875-0"));   // 5-4-1
  CHECK(NdcValid("00002-3227-30"));  // 11-digit billing form 5-4-2
  CHECK_FALSE(NdcValid("0002-3227-3"));
  CHECK_FALSE(NdcValid("000-3227-30"));
  CHECK_FALSE(NdcValid("00000-3227-30"));  // zero labeler
  CHECK_FALSE(NdcValid("0002322730"));     // no hyphens: too ambiguous
  CHECK_FALSE(NdcValid("0002-0000-30"));
  // The billing form's 11 digits without hyphens (a field named NDC gives
  // them): labeler and product not all zeros.
  CHECK(NdcValid("00093104801"));
  CHECK_FALSE(NdcValid("00000104801"));
  CHECK_FALSE(NdcValid("00093000001"));
  CHECK_FALSE(NdcValid("0009310480"));
}

TEST_CASE("JWT header must decode to JSON naming an alg") {
  // The jwt.io example token.
  CHECK(JwtValid("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
                 "eyJzdWIiOiI4ODQxMjA3IiwibmFtZSI6IkFkYSBRdWlsbCIsImlhdCI6MTcxNjIzOTAyMn0"
                 ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"));
  // jwt.io's sample token, in every tutorial: documentation.
  CHECK_FALSE(JwtValid("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
                       "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
                       ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"));
  // {"typ":"JWT"} without alg.
  CHECK_FALSE(JwtValid("eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"));
  CHECK_FALSE(JwtValid("eyJhbGciOiJIUzI1NiJ9"));  // one segment
  CHECK_FALSE(JwtValid("abc!def.ghi.jkl"));
}

TEST_CASE("Secret values reject placeholders") {
  CHECK(SecretValueValid("Gr4nite&Owl7"));
  CHECK(SecretValueValid("hunter2hunter2"));
  CHECK_FALSE(SecretValueValid("${DB_PASSWORD}"));
  // Code and deployment tools' variables around the value, and the defaults
  // every template or JDK ships.
  for (const char* v : {"None):", "#{PacsDbPassword}#", "change_me", "Change-Me", "changeit",
                        "try(var.reporting_password", "lookup(var.secrets"}) {
    INFO(v);
    CHECK_FALSE(SecretValueValid(v));
  }
  CHECK(SecretValueValid("Summer(2024"));  // a number in brackets is no call's argument
  // References and examples a secrets review found reported (2026-12-07):
  // a path, PowerShell reading it, a secret object's name, minified code,
  // an ellipsis, a template's or fixture's value, tutorial passwords.
  for (const char* v : {"/home/ana/projects", "Read-Host", "ConvertTo-SecureString",
                        "emr-db-credentials", "basic-auth-secret", "e.password})})}var",
                        "self.password)", "function(e){return", "sk_live_...",
                        "xoxb-your-bot-token", "sample-api-key", "dummy-password",
                        "TODO-generate-one", "{{vault_pw}}", "hunter2", "Tr0ub4dor&3"}) {
    INFO(v);
    CHECK_FALSE(SecretValueValid(v));
  }
  // A Vault token is random, not an attribute read.
  CHECK(SecretValueValid("hvs.CAESIJ4kXq9mW2pZ"));
  // A variable holding the secret, and a log's filtered value.
  CHECK_FALSE(SecretValueValid("db_password_from_vault"));
  CHECK_FALSE(SecretValueValid("hashedPassword"));
  CHECK_FALSE(SecretValueValid("API_TOKEN_VALUE"));
  CHECK_FALSE(SecretValueValid("[FILTERED]"));
  // The closing bracket of the call around it: password=password).
  CHECK_FALSE(SecretValueValid("password)"));
  CHECK_FALSE(SecretValueValid("db_pass)"));
  CHECK(SecretValueValid("Pa55w0rd!)"));
  CHECK(SecretValueValid("correct_horse_battery"));
  CHECK(SecretValueValid("Secret_2024!"));
  CHECK_FALSE(SecretValueValid("%(pw)s"));
  CHECK_FALSE(SecretValueValid("{{ secret }}"));
  CHECK_FALSE(SecretValueValid("<your-password>"));
  CHECK_FALSE(SecretValueValid("********"));
  CHECK_FALSE(SecretValueValid("changeme"));
  CHECK_FALSE(SecretValueValid("NULL"));
  CHECK_FALSE(SecretValueValid("REDACTED_BY_OPS"));
  CHECK_FALSE(SecretValueValid("abc"));  // too short
}

TEST_CASE("Every validator name resolves") {
  for (auto names = ValidatorNames(); *names; ++names) {
    INFO(*names);
    CHECK(FindValidator(*names) != nullptr);
  }
  CHECK(FindValidator("nope") == nullptr);
}

TEST_CASE("E.164 international numbers") {
  CHECK(E164PhoneValid("+44 20 7946 0958"));
  CHECK(E164PhoneValid("+4930123456"));
  CHECK(E164PhoneValid("+61-2-9876-5432"));
  CHECK_FALSE(E164PhoneValid("+1 202 555 0123"));  // NANP: its own validator
  CHECK_FALSE(E164PhoneValid("+44 20 7946-0958"));  // mixed separators
  CHECK_FALSE(E164PhoneValid("+44 123"));            // too short
  CHECK_FALSE(E164PhoneValid("+44 1234 5678 9012 3456"));  // 18 digits
  CHECK_FALSE(E164PhoneValid("44 20 7946 0958"));    // no '+'
}

TEST_CASE("Secret values: template placeholders and code that fetches the secret are no secret") {
  // Placeholders from templates, READMEs and .env.example files.
  for (const char* v : {"your_password", "YOUR_API_KEY", "your-secret-here", "yourpassword",
                        "YourApiKey", "INSERT_KEY_HERE", "api-key-here", "REPLACE_ME",
                        "replace-with-your-token"}) {
    INFO(v);
    CHECK_FALSE(SecretValueValid(v));
  }
  // The right-hand side of code: a call, an environment lookup, a type.
  for (const char* v : {"getpass.getpass()", "os.environ[", "os.getenv(", "process.env.DB_PASSWORD",
                        "Optional[str]", "SecretStr", "config.get(", "read_secret()"}) {
    INFO(v);
    CHECK_FALSE(SecretValueValid(v));
  }
  // Attribute reads and subscripts: where the secret is, not the secret.
  for (const char* v : {"form.password", "self.password", "req.body.secret", "settings.API_KEY",
                        "options.apiKey", "request.form[", "this.$secret", "!vault"}) {
    INFO(v);
    CHECK_FALSE(SecretValueValid(v));
  }
  // Real-looking secrets stay secrets, parentheses, dots and all.
  for (const char* v : {"Gr4nite&Owl7", "hunter2hunter2", "Yt7(qP2!x9", "s3cr3t)Pa55",
                        "yourock2024!", "Summer.2024", "pa.ss!w0rd", "Welcome1.", ".hidden99",
                        "v3ry.long.9x"}) {
    INFO(v);
    CHECK(SecretValueValid(v));
  }
}

TEST_CASE("A role's or a machine's address is no person's") {
  for (const char* role :
       {"info@clinic.example", "Support@clinic.example", "noreply+billing@portal.example",
        "POSTMASTER@mail.example", "no-reply@x.example", "webmaster@x.example",
        // machines' and groups' mailboxes
        "release-bot@x.example", "build_bot@x.example", "ap-team@x.example", "it.alerts@x.example",
        "git@github.com", "deploy@x.example", "Jenkins@ci.example", "it-servicedesk@x.example",
        "net-ops@x.example",
        // finance and supply mailboxes on invoices
        "remit@x.example", "AR@x.example", "payroll@x.example", "buchhaltung@x.example",
        "compta@x.example", "dicom-help@x.example", "bedsupport@x.example", "techsupport@x.example",
        // distribution lists a staff mail goes to
        "4w-nurses@x.example", "nursing-education@x.example", "icu.staff@x.example",
        "all-staff@x.example", "ed_dept@x.example"}) {
    INFO(role);
    CHECK(EmailValid(role));
    CHECK_FALSE(PersonalEmailValid(role));
  }
  for (const char* person :
       {"jane.doe@clinic.example", "information.desk.jane@x.example", "abbot@x.example",
        "tbot.morgan@x.example", "info2@x.example", "m\xC3\xBCller@beispiel.example",
        "arthur@x.example", "remy.payet@x.example", "allison.ward@x.example", "alli@x.example",
        "kstaffen@x.example"}) {
    INFO(person);
    CHECK(PersonalEmailValid(person));
  }
  CHECK_FALSE(PersonalEmailValid("not-an-address"));
}
