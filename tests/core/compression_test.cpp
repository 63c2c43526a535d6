#include "core/http/compression.hpp"

#include <zlib.h>

#include <gtest/gtest.h>

namespace cinema::http {
namespace {

Request with_accept_encoding(std::string value) {
  Request request;
  request.headers.set("Accept-Encoding", std::move(value));
  return request;
}

std::string gunzip(const std::string& compressed) {
  z_stream stream{};
  EXPECT_EQ(inflateInit2(&stream, 15 + 16), Z_OK);  // gzip wrapper only
  std::string out(1 << 20, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  inflateEnd(&stream);
  return out;
}

TEST(CompressionTest, GzipIsAGzipMemberThatInflatesToTheInput) {
  std::string json = "[";
  for (int i = 0; i < 1000; ++i) json += R"({"movieId":)" + std::to_string(i) + R"(,"status":"available"},)";
  json.back() = ']';
  auto compressed = gzip(json);
  ASSERT_GE(compressed.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(compressed[0]), 0x1f);  // the gzip magic number
  EXPECT_EQ(static_cast<unsigned char>(compressed[1]), 0x8b);
  EXPECT_LT(compressed.size(), json.size() / 5) << "repetitive JSON compresses well";
  EXPECT_EQ(gunzip(compressed), json);
  EXPECT_EQ(gunzip(gzip("")), "");
}

TEST(CompressionTest, AcceptEncodingListingGzipWithoutQZeroAcceptsIt) {
  EXPECT_TRUE(accepts_gzip(with_accept_encoding("gzip")));
  EXPECT_TRUE(accepts_gzip(with_accept_encoding("deflate, GZip;q=0.5, br")));
  EXPECT_TRUE(accepts_gzip(with_accept_encoding("*")));
  EXPECT_FALSE(accepts_gzip(Request{})) << "no header: identity only";
  EXPECT_FALSE(accepts_gzip(with_accept_encoding("br, deflate")));
  EXPECT_FALSE(accepts_gzip(with_accept_encoding("gzip;q=0")));
  EXPECT_FALSE(accepts_gzip(with_accept_encoding("gzip; q=0.000, identity")));
  EXPECT_FALSE(accepts_gzip(with_accept_encoding("xgzip")));
}

TEST(CompressionTest, GzippedJsonSaysHowItIsEncoded) {
  auto response = gzipped_json(200, gzip("{}"));
  EXPECT_EQ(response.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(response.headers.get("Content-Encoding"), "gzip");
  EXPECT_EQ(response.headers.get("Vary"), "Accept-Encoding");
}

}  // namespace
}  // namespace cinema::http
