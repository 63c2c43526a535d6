// Unit tier: what every service accepts as a customer id (contracts/customer_id.hpp).
#include "contracts/customer_id.hpp"

#include <gtest/gtest.h>

#include "core/http/errors.hpp"

namespace cinema::contracts {
namespace {

TEST(CustomerId, NamesInAnyScriptUpToATokensSubjectAreAccepted) {
  for (const std::string& id : {std::string("kim"), std::string("김민수"), std::string("Zoë O'Neil"), std::string("a b"),
                                std::string("😀"), std::string(128, 'k')})
    EXPECT_TRUE(is_valid_customer_id(id)) << id;
  EXPECT_EQ(checked_customer_id("김민수"), "김민수");
}

TEST(CustomerId, WhatAStoreWouldKeepAsSomethingElseIsRefused) {
  const std::string refused[] = {
      "",                    // nobody
      std::string(129, 'k'), // longer than a token's subject may be
      std::string("a\0b", 3), "tab\there", "del\x7f",  // C0 and DEL
      "c1\xc2\x85",          // U+0085, a C1 control
      "ab\xff", "ab\xc3",    // not UTF-8, cut short
      "\xc0\xaf",            // an overlong '/'
      "\xed\xa0\x80",        // a surrogate
      "\xf4\x90\x80\x80",    // past U+10FFFF
  };
  for (const auto& id : refused) {
    EXPECT_FALSE(is_valid_customer_id(id)) << id;
    EXPECT_THROW(checked_customer_id(id), http::BadRequest) << id;
  }
}

}  // namespace
}  // namespace cinema::contracts
