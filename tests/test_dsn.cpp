// Connection strings: a password must never reach the console or a result file, and the
// per-transport variants must point where they say.
#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>

#include "db/dsn.hpp"

namespace wpbench {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(Dsn, RedactKeywordForm) {
  const auto r = redact_conninfo("host=/tmp user=bob password=s3cret dbname=x");
  EXPECT_FALSE(contains(r, "s3cret")) << r;
  EXPECT_TRUE(contains(r, "password=***")) << r;
  // Everything else survives, so the printed target still says where the run went.
  EXPECT_TRUE(contains(r, "host=/tmp")) << r;
  EXPECT_TRUE(contains(r, "user=bob")) << r;
  EXPECT_TRUE(contains(r, "dbname=x")) << r;
}

TEST(Dsn, RedactUriForm) {
  const auto r = redact_conninfo("postgresql://bob:s3cret@localhost:5432/db");
  EXPECT_FALSE(contains(r, "s3cret")) << r;
  EXPECT_TRUE(contains(r, "***")) << r;
  EXPECT_TRUE(contains(r, "host=localhost")) << r;
  EXPECT_TRUE(contains(r, "port=5432")) << r;
  EXPECT_TRUE(contains(r, "user=bob")) << r;
  EXPECT_TRUE(contains(r, "dbname=db")) << r;
}

TEST(Dsn, RedactQuotedPasswordAndOtherSecrets) {
  const auto r = redact_conninfo(
      "host=h password='s3 cret' passfile=/home/bob/.pgpass-s3cret sslpassword=s3cretkey");
  EXPECT_FALSE(contains(r, "s3")) << r;
  EXPECT_TRUE(contains(r, "password=***")) << r;
  EXPECT_TRUE(contains(r, "passfile=***")) << r;
  EXPECT_TRUE(contains(r, "sslpassword=***")) << r;
}

TEST(Dsn, RedactWithoutPasswordKeepsEverything) {
  EXPECT_EQ(redact_conninfo("host=/tmp dbname=x"), "dbname=x host=/tmp");
}

TEST(Dsn, UnparsableIsNotEchoed) {
  for (const std::string bad :
       {"host='abc password=s3cret", "password=s3cret garbage", "postgresql://bob:s3cret@[::1/db",
        "postgresql://bob:s3%ZZcret@localhost/db"}) {
    const auto r = redact_conninfo(bad);
    EXPECT_EQ(r, "<unparsable conninfo>") << bad;
    EXPECT_FALSE(contains(r, "s3cret")) << bad;
  }
}

TEST(Dsn, ParseKeywordAndUri) {
  const auto kw = parse_conninfo(R"(host=/tmp user=bob password='it\'s a pw' dbname=x)");
  EXPECT_EQ(kw.at("host"), "/tmp");
  EXPECT_EQ(kw.at("password"), "it's a pw");
  EXPECT_EQ(kw.at("user"), "bob");
  EXPECT_EQ(kw.at("dbname"), "x");

  const auto uri = parse_conninfo("postgresql://bob:s3cret@localhost:5432/db");
  EXPECT_EQ(uri.at("user"), "bob");
  EXPECT_EQ(uri.at("password"), "s3cret");
  EXPECT_EQ(uri.at("host"), "localhost");
  EXPECT_EQ(uri.at("port"), "5432");
  EXPECT_EQ(uri.at("dbname"), "db");
}

TEST(Dsn, ParseRejectsGarbage) {
  EXPECT_THROW(parse_conninfo("host='abc"), std::invalid_argument);    // unterminated quote
  EXPECT_THROW(parse_conninfo("justgarbage"), std::invalid_argument);  // no '='
  EXPECT_THROW(parse_conninfo("nosuchoption=1"), std::invalid_argument);
  EXPECT_THROW(parse_conninfo("postgresql://h/db?nosuchparam=1"), std::invalid_argument);
}

TEST(Dsn, BuildQuotesWhatLibpqNeeds) {
  const std::map<std::string, std::string> kv = {
      {"host", "/tmp"}, {"password", "a b'c\\d"}, {"dbname", ""}};
  const auto s = build_conninfo(kv);
  EXPECT_EQ(s, R"(dbname='' host=/tmp password='a b\'c\\d')");
  // And it parses back to the same values.
  const auto back = parse_conninfo(s);
  EXPECT_EQ(back.at("host"), "/tmp");
  EXPECT_EQ(back.at("password"), "a b'c\\d");
  EXPECT_EQ(back.at("dbname"), "");
}

TEST(Dsn, WithHostReplacesHostAndDropsHostaddr) {
  const auto s = with_host("host=db.example hostaddr=10.0.0.5 port=5433 user=bob", "/run/pg");
  const auto kv = parse_conninfo(s);
  EXPECT_EQ(kv.at("host"), "/run/pg");
  EXPECT_EQ(kv.count("hostaddr"), 0u);
  EXPECT_EQ(kv.at("port"), "5433");
  EXPECT_EQ(kv.at("user"), "bob");
}

TEST(Dsn, WithHostOnUriKeepsPassword) {
  // with_host is for connecting, not printing: it keeps the password (redact separately).
  const auto kv = parse_conninfo(with_host("postgresql://bob:pw@10.0.0.1:5433/db", "127.0.0.1"));
  EXPECT_EQ(kv.at("host"), "127.0.0.1");
  EXPECT_EQ(kv.at("password"), "pw");
  EXPECT_EQ(kv.at("dbname"), "db");
}

TEST(Dsn, PlainTcpStaysPlainWhateverTheDsnSays) {
  // libpq's default sslmode (prefer) would encrypt against a server with ssl=on; "tcp" is the
  // transport without TLS, so it says disable even over a DSN that asks for TLS.
  const TransportSpec& tcp = spec_of(Transport::tcp);
  for (const char* dsn : {"dbname=x", "dbname=x sslmode=prefer", "dbname=x sslmode=verify-full"}) {
    EXPECT_EQ(parse_conninfo(dsn_for_transport(dsn, tcp, "db.example")).at("sslmode"), "disable")
        << dsn;
  }
  // The socket has no TLS: no sslmode is added, the DSN's own is left alone.
  const auto sock =
      parse_conninfo(dsn_for_transport("dbname=x", spec_of(Transport::unix_socket), "/run/pg"));
  EXPECT_EQ(sock.count("sslmode"), 0u);
  EXPECT_EQ(sock.at("host"), "/run/pg");
}

TEST(Dsn, ConnectHintsNameTheFix) {
  const std::string peer = "FATAL:  Peer authentication failed for user \"botuser\"";
  EXPECT_EQ(connect_hint(peer, "dbname=kalshi_trades user=botuser", "root"),
            "peer authentication admits only the OS user named like the role: run as the OS user "
            "botuser: sudo -u botuser wpbench ... (as root without sudo: runuser -u botuser -- "
            "wpbench ...)");
  EXPECT_NE(connect_hint(peer, "dbname=x", "alice").find("a role named alice"), std::string::npos);
  EXPECT_NE(connect_hint("fe_sendauth: no password supplied", "host=h", "bob").find("password="),
            std::string::npos);
  EXPECT_EQ(connect_hint("Connection refused", "host=h", "bob"), "");
}

TEST(Dsn, WithHostRejectsGarbage) {
  EXPECT_THROW(with_host("host='abc", "/tmp"), std::invalid_argument);
}

}  // namespace
}  // namespace wpbench
