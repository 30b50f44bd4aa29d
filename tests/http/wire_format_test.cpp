#include "http/wire_format.h"

#include <gtest/gtest.h>

namespace squall {
namespace {

TEST(WireFormatTest, ResponseHeadHasStatusHeadersAndLength) {
  HttpResponse r;
  r.status = 201;
  r.headers = {{"Content-Type", "text/plain"}, {"X-A", "1"}};
  r.body = "hello";
  EXPECT_EQ(SerializeResponseHead(r, 11, true),
            "HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nX-A: 1\r\nContent-Length: 5\r\n\r\n");
}

TEST(WireFormatTest, FramingHeadersFromTheWorkerAreReplaced) {
  HttpResponse r;
  r.headers = {{"Content-Length", "999"}, {"transfer-encoding", "chunked"}, {"Connection", "x"}};
  r.body = "ab";
  EXPECT_EQ(SerializeResponseHead(r, 11, false),
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n");
}

TEST(WireFormatTest, Http10KeepAliveIsExplicit) {
  HttpResponse r;
  EXPECT_EQ(SerializeResponseHead(r, 10, true),
            "HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_EQ(SerializeResponseHead(r, 10, false), "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
}

TEST(WireFormatTest, NoContentLengthOn204And304) {
  HttpResponse r;
  r.status = 204;
  EXPECT_EQ(SerializeResponseHead(r, 11, true), "HTTP/1.1 204 No Content\r\n\r\n");
  r.status = 304;
  EXPECT_EQ(SerializeResponseHead(r, 11, true), "HTTP/1.1 304 Not Modified\r\n\r\n");
}

TEST(WireFormatTest, HeaderInjectionIsDropped) {
  HttpResponse r;
  r.headers = {{"X-Evil", "a\r\nSet-Cookie: stolen"},
               {"Bad Name", "v"},
               {"X-Nul", std::string("a\0b", 3)},
               {"", "empty"},
               {"X-Good", "fine"}};
  std::string head = SerializeResponseHead(r, 11, true);
  EXPECT_EQ(head, "HTTP/1.1 200 OK\r\nX-Good: fine\r\nContent-Length: 0\r\n\r\n");
}

TEST(WireFormatTest, OutOfRangeStatusBecomes500) {
  HttpResponse r;
  r.status = 42;
  EXPECT_EQ(SerializeResponseHead(r, 11, true).rfind("HTTP/1.1 500 ", 0), 0u);
}

TEST(WireFormatTest, RequestHead) {
  HttpRequest q;
  q.method = "POST";
  q.target = "/hello?x=1";
  q.headers = {{"Host", "127.0.0.1:9"}, {"Content-Length", "7"}, {"X-Evil", "a\nb"}};
  q.body = "{}";
  EXPECT_EQ(SerializeRequestHead(q),
            "POST /hello?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9\r\nContent-Length: 2\r\n\r\n");
}

TEST(WireFormatTest, IsSafeHeader) {
  EXPECT_TRUE(IsSafeHeader({"X-Functions-Key", "abc def"}));
  EXPECT_FALSE(IsSafeHeader({"X:Y", "v"}));
  EXPECT_FALSE(IsSafeHeader({"X", "v\r"}));
  EXPECT_FALSE(IsSafeHeader({"X\x7f", "v"}));
}

}  // namespace
}  // namespace squall
