#include "http/route_template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace squall {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

RouteTemplate MustParse(std::string_view text) {
  auto t = RouteTemplate::Parse(text);
  EXPECT_TRUE(t.ok()) << text << ": " << t.status().ToString();
  if (!t.ok()) return RouteTemplate();
  return std::move(t).value();
}

// Matches `path` (encoded, split like a request) against `tmpl`.
bool Matches(std::string_view tmpl, std::string_view path, RouteParams* params = nullptr) {
  RouteTemplate t = MustParse(tmpl);
  RouteParams local;
  return t.Match(SplitPath(path), params != nullptr ? params : &local);
}

std::string ParseError(std::string_view tmpl) {
  auto t = RouteTemplate::Parse(tmpl);
  EXPECT_FALSE(t.ok()) << "expected '" << tmpl << "' to be rejected";
  if (t.ok()) return "";
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  return t.status().message();
}

// --- SplitPath ---

TEST(SplitPathTest, SplitsAndDropsEmptySegments) {
  EXPECT_THAT(SplitPath("/api/a/b"), ElementsAre("api", "a", "b"));
  EXPECT_THAT(SplitPath("//api///a/"), ElementsAre("api", "a"));
  EXPECT_THAT(SplitPath(""), ElementsAre());
  EXPECT_THAT(SplitPath("/"), ElementsAre());
  EXPECT_THAT(SplitPath("no-leading-slash"), ElementsAre("no-leading-slash"));
}

TEST(SplitPathTest, PercentDecodesEachSegment) {
  EXPECT_THAT(SplitPath("/api/a%20b/c"), ElementsAre("api", "a b", "c"));
  EXPECT_THAT(SplitPath("/%41%62%63"), ElementsAre("Abc"));
  // An encoded slash stays inside its segment.
  EXPECT_THAT(SplitPath("/a%2Fb/c"), ElementsAre("a/b", "c"));
  // '+' means '+' in a path, not a space.
  EXPECT_THAT(SplitPath("/a+b"), ElementsAre("a+b"));
  EXPECT_THAT(SplitPath("/%E2%82%AC"), ElementsAre("\xE2\x82\xAC"));
}

TEST(SplitPathTest, KeepsInvalidEscapesLiterally) {
  EXPECT_THAT(SplitPath("/100%/a%zzb/%4"), ElementsAre("100%", "a%zzb", "%4"));
  EXPECT_THAT(SplitPath("/%%41"), ElementsAre("%A"));
}

TEST(SplitPathTest, DropsQuery) {
  EXPECT_THAT(SplitPath("/api/x?code=abc/def"), ElementsAre("api", "x"));
}

// --- literals ---

TEST(RouteTemplateTest, LiteralsMatchCaseInsensitively) {
  EXPECT_TRUE(Matches("products/new", "/products/new"));
  EXPECT_TRUE(Matches("products/new", "/PRODUCTS/New"));
  EXPECT_FALSE(Matches("products/new", "/products"));
  EXPECT_FALSE(Matches("products/new", "/products/new/x"));
  EXPECT_FALSE(Matches("products/new", "/products/newer"));
}

TEST(RouteTemplateTest, LiteralMatchesDecodedSegment) {
  EXPECT_TRUE(Matches("hello world", "/hello%20world"));
}

TEST(RouteTemplateTest, EmptyTemplateMatchesOnlyEmptyPath) {
  EXPECT_TRUE(Matches("", "/"));
  EXPECT_TRUE(Matches("", ""));
  EXPECT_FALSE(Matches("", "/x"));
  EXPECT_TRUE(MustParse("").precedence().empty());
}

TEST(RouteTemplateTest, LeadingSlashOrTildeIsStripped) {
  EXPECT_TRUE(Matches("/a/b", "/a/b"));
  EXPECT_TRUE(Matches("~/a/b", "/a/b"));
  EXPECT_TRUE(Matches("/", "/"));
  EXPECT_TRUE(Matches("a/b/", "/a/b"));  // one trailing '/' is allowed
  EXPECT_EQ(MustParse("/a/{b}").precedence().size(), 2u);
}

TEST(RouteTemplateTest, EscapedBracesAreLiteral) {
  RouteParams p;
  EXPECT_TRUE(Matches("{{x}}/{id}", "/%7Bx%7D/5", &p));
  EXPECT_THAT(p, ElementsAre(Pair("id", "5")));
}

// --- parameters ---

TEST(RouteTemplateTest, ParametersCaptureDecodedValues) {
  RouteParams p;
  ASSERT_TRUE(Matches("users/{user}/items/{item}", "/users/a%20b/items/42", &p));
  EXPECT_THAT(p, ElementsAre(Pair("item", "42"), Pair("user", "a b")));
}

TEST(RouteTemplateTest, MatchReplacesParamsOnlyOnSuccess) {
  RouteTemplate t = MustParse("a/{x}");
  RouteParams p = {{"stale", "1"}};
  EXPECT_FALSE(t.Match({"b", "1"}, &p));
  EXPECT_THAT(p, ElementsAre(Pair("stale", "1")));
  EXPECT_TRUE(t.Match({"a", "1"}, &p));
  EXPECT_THAT(p, ElementsAre(Pair("x", "1")));
  EXPECT_TRUE(t.Match({"a", "1"}, nullptr));
}

TEST(RouteTemplateTest, OptionalParameter) {
  RouteParams p;
  ASSERT_TRUE(Matches("products/{category:alpha}/{id:int?}", "/products/books/7", &p));
  EXPECT_THAT(p, ElementsAre(Pair("category", "books"), Pair("id", "7")));
  ASSERT_TRUE(Matches("products/{category:alpha}/{id:int?}", "/products/books", &p));
  EXPECT_THAT(p, ElementsAre(Pair("category", "books")));  // absent optional is left out
  EXPECT_FALSE(Matches("products/{category:alpha}/{id:int?}", "/products/books/x"));
  EXPECT_FALSE(Matches("products/{category:alpha}/{id:int?}", "/products/b00ks/1"));
  EXPECT_TRUE(Matches("{name?}", "/"));
  EXPECT_TRUE(Matches("{a?}/{b?}", "/x"));
  EXPECT_TRUE(Matches("{a?}/{b?}", "/x/y"));
  EXPECT_FALSE(Matches("{a?}/{b?}", "/x/y/z"));
}

TEST(RouteTemplateTest, DefaultValues) {
  RouteParams p;
  const char* tmpl = "{controller=Home}/{action=Index}/{id?}";
  ASSERT_TRUE(Matches(tmpl, "/", &p));
  EXPECT_THAT(p, ElementsAre(Pair("action", "Index"), Pair("controller", "Home")));
  ASSERT_TRUE(Matches(tmpl, "/shop", &p));
  EXPECT_THAT(p, ElementsAre(Pair("action", "Index"), Pair("controller", "shop")));
  ASSERT_TRUE(Matches(tmpl, "/shop/buy/3", &p));
  EXPECT_THAT(p, ElementsAre(Pair("action", "buy"), Pair("controller", "shop"), Pair("id", "3")));
  ASSERT_TRUE(Matches("page/{n:int=1}", "/page", &p));
  EXPECT_THAT(p, ElementsAre(Pair("n", "1")));
  EXPECT_FALSE(Matches("page/{n:int=1}", "/page/x"));
  ASSERT_TRUE(Matches("x/{v=a:b}", "/x", &p));  // ':' after '=' belongs to the default
  EXPECT_THAT(p, ElementsAre(Pair("v", "a:b")));
}

TEST(RouteTemplateTest, CatchAll) {
  RouteParams p;
  ASSERT_TRUE(Matches("files/{*rest}", "/files/a/b%20c/d.txt", &p));
  EXPECT_THAT(p, ElementsAre(Pair("rest", "a/b c/d.txt")));
  ASSERT_TRUE(Matches("files/{**rest}", "/files/a", &p));
  EXPECT_THAT(p, ElementsAre(Pair("rest", "a")));
  ASSERT_TRUE(Matches("files/{*rest}", "/files", &p));  // zero segments
  EXPECT_TRUE(p.empty());
  ASSERT_TRUE(Matches("files/{*rest=index.html}", "/files", &p));
  EXPECT_THAT(p, ElementsAre(Pair("rest", "index.html")));
  EXPECT_FALSE(Matches("files/{*rest}", "/other/a"));
  ASSERT_TRUE(Matches("{*all}", "/x/y", &p));
  EXPECT_THAT(p, ElementsAre(Pair("all", "x/y")));
}

TEST(RouteTemplateTest, CatchAllConstraintSeesWholeRest) {
  EXPECT_TRUE(Matches("n/{*rest:regex(^[0-9/]+$)}", "/n/1/2/3"));
  EXPECT_FALSE(Matches("n/{*rest:regex(^[0-9/]+$)}", "/n/1/x/3"));
  EXPECT_TRUE(Matches("n/{*rest:maxlength(3)}", "/n/1/2"));
  EXPECT_FALSE(Matches("n/{*rest:maxlength(3)}", "/n/1/2/3"));
  EXPECT_FALSE(Matches("n/{*rest:maxlength(3)}", "/n"));  // a constrained catch-all needs a value
  EXPECT_TRUE(Matches("n/{*rest:int=5}", "/n"));
}

TEST(RouteTemplateTest, ComplexSegments) {
  RouteParams p;
  ASSERT_TRUE(Matches("file.{ext}", "/file.txt", &p));
  EXPECT_THAT(p, ElementsAre(Pair("ext", "txt")));
  EXPECT_TRUE(Matches("file.{ext}", "/FILE.txt"));
  EXPECT_FALSE(Matches("file.{ext}", "/file."));
  EXPECT_FALSE(Matches("file.{ext}", "/myfile.txt"));
  ASSERT_TRUE(Matches("{name}.json", "/data.json", &p));
  EXPECT_THAT(p, ElementsAre(Pair("name", "data")));
  EXPECT_FALSE(Matches("{name}.json", "/data.jsonx"));
  ASSERT_TRUE(Matches("{a}-{b}-{c}", "/x-y-z-w", &p));  // leftmost takes the most, as ASP.NET
  EXPECT_THAT(p, ElementsAre(Pair("a", "x-y"), Pair("b", "z"), Pair("c", "w")));
  ASSERT_TRUE(Matches("v{major:int}.{minor:int}", "/v2.10", &p));
  EXPECT_THAT(p, ElementsAre(Pair("major", "2"), Pair("minor", "10")));
  EXPECT_FALSE(Matches("v{major:int}.{minor:int}", "/v2.x"));
}

TEST(RouteTemplateTest, ComplexSegmentWithOptionalExtension) {
  RouteParams p;
  ASSERT_TRUE(Matches("{name}.{ext?}", "/report.tar.gz", &p));
  EXPECT_THAT(p, ElementsAre(Pair("ext", "gz"), Pair("name", "report.tar")));
  ASSERT_TRUE(Matches("{name}.{ext?}", "/report", &p));
  EXPECT_THAT(p, ElementsAre(Pair("name", "report")));
}

TEST(RouteTemplateTest, ComplexSegmentAdversarialInputStaysFast) {
  std::string tmpl;
  for (int i = 0; i < 30; ++i) tmpl += "{p" + std::to_string(i) + "}a";
  std::string path = "/" + std::string(3000, 'a') + "b";
  EXPECT_FALSE(Matches(tmpl, path));
}

// --- constraints, one by one ---

struct ConstraintCase {
  const char* constraint;
  std::vector<const char*> good;
  std::vector<const char*> bad;
};

class ConstraintTest : public ::testing::TestWithParam<ConstraintCase> {};

TEST_P(ConstraintTest, MatchesAndRejects) {
  const ConstraintCase& c = GetParam();
  RouteTemplate t = MustParse(std::string("x/{v:") + c.constraint + "}");
  for (const char* v : c.good) {
    RouteParams p;
    EXPECT_TRUE(t.Match({"x", v}, &p)) << c.constraint << " should accept '" << v << "'";
    EXPECT_EQ(p["v"], v);
  }
  for (const char* v : c.bad) {
    RouteParams p;
    EXPECT_FALSE(t.Match({"x", v}, &p)) << c.constraint << " should reject '" << v << "'";
  }
}

INSTANTIATE_TEST_SUITE_P(
    All, ConstraintTest,
    ::testing::Values(
        ConstraintCase{"int",
                       {"0", "42", "-7", "+7", "007", "2147483647", "-2147483648"},
                       {"", "x", "1.5", "2147483648", "-2147483649", "1e3", " 1", "0x10", "+-1"}},
        ConstraintCase{"long",
                       {"9223372036854775807", "-9223372036854775808", "12"},
                       {"9223372036854775808", "1.0", "abc"}},
        ConstraintCase{"bool", {"true", "False", "TRUE"}, {"1", "yes", "tru", "truee"}},
        ConstraintCase{
            "datetime",
            {"2024-02-29", "2023-12-31T23:59:59", "2023-01-02T03:04", "2023-01-02 03:04:05.1234567",
             "2023-01-02T03:04:05Z", "2023-01-02T03:04:05+05:30", "2023-01-02T03:04:05-0800"},
            {"2023-02-29", "2023-13-01", "2023-00-10", "2023-1-1", "20230101", "2023-01-02T24:00",
             "2023-01-02T03:60", "2023-01-02T03:04:05.12345678", "2023-01-02T03:04:05+15:00",
             "yesterday", "0000-01-01"}},
        ConstraintCase{"decimal",
                       {"1", "-1.5", "+0.25", ".5", "5.", "79228162514264337593543950335",
                        "00079228162514264337593543950335"},
                       {"1e5", "abc", "1.2.3", ".", "-", "79228162514264337593543950336", "NaN"}},
        ConstraintCase{"double",
                       {"1", "-1.5", "1e10", "1.5E-3", ".5", "NaN", "Infinity", "-infinity"},
                       {"abc", "1.2.3", "0x10", "inf", "1e", "e5", "+-1", "1e999"}},
        ConstraintCase{"float", {"1", "-2.5", "3.4e38", "Infinity"}, {"3.5e38", "-1e39", "abc"}},
        ConstraintCase{
            "guid",
            {"3f2504e0-4f89-41d3-9a0c-0305e82c3301", "3F2504E0-4F89-41D3-9A0C-0305E82C3301",
             "3f2504e04f8941d39a0c0305e82c3301", "{3f2504e0-4f89-41d3-9a0c-0305e82c3301}",
             "(3f2504e0-4f89-41d3-9a0c-0305e82c3301)"},
            {"3f2504e0-4f89-41d3-9a0c-0305e82c330", "3f2504e0-4f89-41d3-9a0c_0305e82c3301",
             "gf2504e0-4f89-41d3-9a0c-0305e82c3301", "{3f2504e0-4f89-41d3-9a0c-0305e82c3301)",
             "x"}},
        ConstraintCase{"alpha", {"abc", "ABCdef"}, {"abc1", "a-b", "\xC3\xA9t\xC3\xA9"}},
        ConstraintCase{"minlength(3)", {"abc", "abcdef"}, {"ab", "a"}},
        ConstraintCase{
            "maxlength(3)", {"a", "abc", "\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC"}, {"abcd"}},
        ConstraintCase{"length(3)", {"abc", "\xC3\xA9t\xC3\xA9"}, {"ab", "abcd"}},
        ConstraintCase{"length(2,4)", {"ab", "abc", "abcd"}, {"a", "abcde"}},
        ConstraintCase{"length( 2 , 4 )", {"ab"}, {"a"}},
        ConstraintCase{"min(10)", {"10", "11", "+99999"}, {"9", "-10", "abc", "10.5"}},
        ConstraintCase{"max(10)", {"10", "-5"}, {"11", "x"}},
        ConstraintCase{"range(-2,2)", {"-2", "0", "2"}, {"-3", "3", "a"}},
        ConstraintCase{"regex(^\\d{{3}}-\\d{{4}}$)", {"555-1234"}, {"5555-1234", "555-123"}},
        ConstraintCase{"regex(ab|cd)", {"ab", "CD"}, {"abcd", "xab"}},  // anchored, icase
        ConstraintCase{"regex((a)(b))", {"ab"}, {"a"}},                 // ')' inside the pattern
        ConstraintCase{"regex(a,b)", {"a,b"}, {"a"}},  // ',' belongs to the pattern
        ConstraintCase{"required", {"x"}, {}},
        ConstraintCase{"INT", {"1"}, {"x"}},  // constraint names are case-insensitive
        ConstraintCase{"int:min(1):max(3)", {"1", "3"}, {"0", "4", "x"}}));

TEST(RouteTemplateTest, RegexHandlesLongValuesWithoutBlowingUp) {
  RouteTemplate t = MustParse("{v:regex((a*)*b)}");
  EXPECT_FALSE(t.Match({std::string(5000, 'a')}, nullptr));
  EXPECT_TRUE(t.Match({std::string(5000, 'a') + "b"}, nullptr));
}

// --- parse errors ---

TEST(RouteTemplateParseTest, ErrorsNameTheProblemAndPosition) {
  EXPECT_EQ(ParseError("a/{id:integer}"),
            "route 'a/{id:integer}': unknown constraint 'integer' at position 5");
  EXPECT_THAT(ParseError("a/{id"), HasSubstr("no closing '}' at position 2"));
  EXPECT_THAT(ParseError("a/id}"),
              HasSubstr("unmatched '}' (write '}}' for a literal brace) at position 4"));
  EXPECT_THAT(ParseError("a//b"), HasSubstr("'/' twice in a row) at position 2"));
  EXPECT_THAT(ParseError("//a"), HasSubstr("at position 1"));
  EXPECT_THAT(ParseError("a/{}"), HasSubstr("parameter name is empty at position 3"));
  EXPECT_THAT(ParseError("a/{?}"), HasSubstr("parameter name is empty"));
  EXPECT_THAT(ParseError("{a b}"), HasSubstr("invalid character ' ' in parameter name 'a b' at "
                                             "position 2"));
  EXPECT_THAT(ParseError("a?b"), HasSubstr("'?' may only end a parameter"));
  EXPECT_THAT(ParseError("{a{b}"), HasSubstr("'{' inside a parameter"));
  EXPECT_THAT(ParseError("~a"), HasSubstr("'~' may only start a template as '~/' at position 0"));
}

TEST(RouteTemplateParseTest, ConstraintArgumentErrors) {
  EXPECT_THAT(ParseError("{x:int(3)}"), HasSubstr("'int' takes no arguments at position 6"));
  EXPECT_THAT(ParseError("{x:min}"), HasSubstr("'min' needs an argument"));
  EXPECT_THAT(ParseError("{x:min(a)}"), HasSubstr("expects integer arguments, got 'a'"));
  EXPECT_THAT(ParseError("{x:range(1)}"), HasSubstr("expects 2 argument(s), got 1"));
  EXPECT_THAT(ParseError("{x:length(1,2,3)}"), HasSubstr("expects 1 or 2 argument(s), got 3"));
  EXPECT_THAT(ParseError("{x:range(5,1)}"), HasSubstr("minimum 5 is greater than maximum 1"));
  EXPECT_THAT(ParseError("{x:minlength(-1)}"), HasSubstr("cannot be negative"));
  EXPECT_THAT(ParseError("{x:min(1}"), HasSubstr("'min' has no closing ')' at position 6"));
  EXPECT_THAT(ParseError("{x:regex(a[)}"), HasSubstr("invalid regex 'a['"));
  EXPECT_THAT(ParseError("{x:regex()}"), HasSubstr("needs a pattern"));
  // libstdc++ would overflow reading these numbers.
  EXPECT_THAT(ParseError("{x:regex((a)\\55555555555555555555)}"), HasSubstr("limited to 6 digits"));
  EXPECT_THAT(ParseError("{x:regex(a{{1,99999999999}})}"), HasSubstr("limited to 6 digits"));
  EXPECT_THAT(ParseError("{x:regex((a)\\1)}"), HasSubstr("invalid regex"));  // no back-references
  EXPECT_THAT(ParseError("{x:}"), HasSubstr("empty constraint name after ':' at position 2"));
  EXPECT_THAT(ParseError("{x:regex(\\d{3})}"), HasSubstr("'{' inside a parameter"));
}

TEST(RouteTemplateParseTest, StructureErrors) {
  EXPECT_THAT(
      ParseError("{a?}/b"),
      HasSubstr("only optional parameters may follow optional parameter 'a' at position 5"));
  EXPECT_THAT(ParseError("{a=1}/{b}"), HasSubstr("may follow optional parameter 'a'"));
  EXPECT_THAT(ParseError("{*rest}/x"),
              HasSubstr("catch-all parameter 'rest' must be the last segment at position 0"));
  EXPECT_THAT(ParseError("a{*rest}"), HasSubstr("must be a whole segment at position 1"));
  EXPECT_THAT(ParseError("{*rest?}"), HasSubstr("cannot be optional"));
  EXPECT_THAT(ParseError("{a=1?}"), HasSubstr("cannot both be optional and have a default"));
  EXPECT_THAT(ParseError("{a=}"), HasSubstr("empty default value"));
  EXPECT_THAT(ParseError("{id:int=abc}"),
              HasSubstr("default value 'abc' of parameter 'id' does not satisfy constraint 'int'"));
  EXPECT_THAT(ParseError("{a}{b}"), HasSubstr("separated by literal text at position 3"));
  EXPECT_THAT(ParseError("{a?}.{b}"), HasSubstr("optional parameter 'a'"));
  EXPECT_THAT(ParseError("{a}-{b?}"), HasSubstr("right after a '.'"));
  EXPECT_THAT(ParseError("x{a=1}"), HasSubstr("cannot have a default value"));
}

TEST(RouteTemplateParseTest, DuplicateNamesAreCaseInsensitive) {
  EXPECT_THAT(ParseError("{id}/x/{ID}"),
              HasSubstr("parameter name 'ID' is used more than once (names are case-insensitive) "
                        "at position 7"));
  EXPECT_THAT(ParseError("{a}.{A}"), HasSubstr("used more than once"));
}

TEST(RouteTemplateParseTest, AcceptsValidTemplates) {
  for (const char* t : {"api/{a}/{b:int}/{c?}", "{*rest}", "{**rest}", "{a}.{b}.{c?}",
                        "x/{id:regex(^a(b)c$):minlength(1)}", "{a:int?}", "{a:int=5}", "~/",
                        "a-b_c.d~e", "{a.b}", "{a-b}"}) {
    EXPECT_TRUE(RouteTemplate::Parse(t).ok())
        << t << ": " << RouteTemplate::Parse(t).status().ToString();
  }
}

// --- precedence and the router ---

TEST(RoutePrecedenceTest, OrdersSegmentKinds) {
  const auto p = [](std::string_view t) { return MustParse(t).precedence(); };
  const int literal = p("a")[0];
  const int constrained = p("{a:int}")[0];
  const int complex = p("{a}.txt")[0];
  const int plain = p("{a}")[0];
  const int optional = p("{a?}")[0];
  const int defaulted = p("{a=1}")[0];
  const int catch_all = p("{*a}")[0];
  EXPECT_GT(literal, constrained);
  EXPECT_EQ(complex, constrained);
  EXPECT_GT(constrained, plain);
  EXPECT_GT(plain, optional);
  EXPECT_EQ(optional, defaulted);
  EXPECT_GT(p("{a:int?}")[0], optional);
  EXPECT_GT(optional, catch_all);
  EXPECT_GT(p("{*a:minlength(1)}")[0], catch_all);
  EXPECT_THAT(p("products/{id:int}/{x?}"), ElementsAre(literal, constrained, optional));
}

std::vector<int> MatchIds(const Router& router, std::string_view path) {
  std::vector<int> ids;
  for (const Router::Match& m : router.MatchAll(SplitPath(path))) ids.push_back(m.route_id);
  return ids;
}

TEST(RouterTest, LiteralBeatsParameter) {
  Router r;
  r.Add(1, MustParse("products/{id}"));
  r.Add(2, MustParse("products/new"));
  EXPECT_THAT(MatchIds(r, "/products/new"), ElementsAre(2, 1));
  EXPECT_THAT(MatchIds(r, "/products/5"), ElementsAre(1));
  EXPECT_THAT(MatchIds(r, "/other"), ElementsAre());
}

TEST(RouterTest, ConstrainedBeatsPlain) {
  Router r;
  r.Add(1, MustParse("{name}"));
  r.Add(2, MustParse("{id:int}"));
  EXPECT_THAT(MatchIds(r, "/5"), ElementsAre(2, 1));
  auto matches = r.MatchAll(SplitPath("/bob"));
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].route_id, 1);
  EXPECT_THAT(matches[0].params, ElementsAre(Pair("name", "bob")));
}

TEST(RouterTest, FullOrdering) {
  Router r;
  r.Add(1, MustParse("files/{*rest}"));
  r.Add(2, MustParse("files/{name?}"));
  r.Add(3, MustParse("files/{name}"));
  r.Add(4, MustParse("files/{name:alpha}"));
  r.Add(5, MustParse("files/readme"));
  EXPECT_THAT(MatchIds(r, "/files/readme"), ElementsAre(5, 4, 3, 2, 1));
  EXPECT_THAT(MatchIds(r, "/files/a/b"), ElementsAre(1));
  // Ending earlier is more specific: nothing beats an exact "files" for "/files".
  r.Add(6, MustParse("files"));
  EXPECT_THAT(MatchIds(r, "/files"), ElementsAre(6, 2, 1));
}

TEST(RouterTest, TiesKeepRegistrationOrder) {
  Router r;
  r.Add(7, MustParse("{a}/x"));
  r.Add(3, MustParse("{b}/x"));
  r.Add(5, MustParse("{c}/x"));
  EXPECT_THAT(MatchIds(r, "/q/x"), ElementsAre(7, 3, 5));
}

TEST(RouterTest, EarlierSegmentsDecide) {
  Router r;
  r.Add(1, MustParse("{a}/b/c"));
  r.Add(2, MustParse("a/{b}/{c}"));
  EXPECT_THAT(MatchIds(r, "/a/b/c"), ElementsAre(2, 1));
}

}  // namespace
}  // namespace squall
