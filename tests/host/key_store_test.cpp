#include "host/key_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/log.h"

namespace squall {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

class KeyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLogLevel(LogLevel::kWarning);  // key creation is logged at Information; keep tests quiet
    std::string tmpl = (fs::temp_directory_path() / "squall-keys-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
  }
  void TearDown() override {
    SetLogLevel(LogLevel::kInformation);
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  fs::path Secrets() const { return root_ / ".squall" / "secrets"; }

  KeyStore MustLoad(const std::vector<std::string>& fns) {
    auto ks = KeyStore::LoadOrCreate(root_, fns);
    EXPECT_TRUE(ks.ok()) << ks.status().ToString();
    if (!ks.ok()) return KeyStore();
    return std::move(ks).value();
  }

  Status LoadError(const std::vector<std::string>& fns) {
    auto ks = KeyStore::LoadOrCreate(root_, fns);
    EXPECT_FALSE(ks.ok());
    return ks.status();
  }

  // Writes a secret file by hand, mode 0600.
  void WriteSecret(const std::string& name, const std::string& text) {
    fs::create_directories(Secrets());
    fs::permissions(Secrets(), fs::perms::owner_all, fs::perm_options::replace);
    const fs::path p = Secrets() / name;
    std::ofstream(p) << text;
    fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  }

  static std::string Read(const fs::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  static mode_t Mode(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
  }

  fs::path root_;
};

constexpr const char* kKeyA = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
constexpr const char* kKeyB = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
constexpr const char* kKeyC = "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC";

TEST_F(KeyStoreTest, CreatesKeysOnFirstRun) {
  KeyStore ks = MustLoad({"alpha", "Beta"});
  const AppKeys& k = ks.keys();
  EXPECT_EQ(k.master_key.size(), 54u);  // 40 random bytes, base64url
  ASSERT_EQ(k.host_keys.count("default"), 1u);
  ASSERT_EQ(k.function_keys.size(), 2u);
  ASSERT_EQ(k.function_keys.at("alpha").count("default"), 1u);
  ASSERT_EQ(k.function_keys.at("Beta").count("default"), 1u);
  std::set<std::string> all = {k.master_key, k.host_keys.at("default"),
                               k.function_keys.at("alpha").at("default"),
                               k.function_keys.at("Beta").at("default")};
  EXPECT_EQ(all.size(), 4u) << "every key is distinct";
  EXPECT_TRUE(fs::exists(Secrets() / "host.json"));
  EXPECT_TRUE(fs::exists(Secrets() / "alpha.json"));
  EXPECT_TRUE(fs::exists(Secrets() / "beta.json"));  // lower-cased, as Azure names them
  for (const auto& e : fs::directory_iterator(Secrets())) {
    EXPECT_THAT(e.path().filename().string(), Not(HasSubstr(".tmp-"))) << "no temporaries left";
  }
}

TEST_F(KeyStoreTest, FilesAreAzureShaped) {
  KeyStore ks = MustLoad({"fn"});
  auto host = boost::json::parse(Read(Secrets() / "host.json"));
  EXPECT_EQ(host.at("masterKey").at("name").as_string(), "master");
  EXPECT_EQ(host.at("masterKey").at("value").as_string(), ks.keys().master_key);
  EXPECT_EQ(host.at("masterKey").at("encrypted").as_bool(), false);
  const auto& host_keys = host.at("functionKeys").as_array();
  ASSERT_EQ(host_keys.size(), 1u);
  EXPECT_EQ(host_keys[0].at("name").as_string(), "default");
  EXPECT_EQ(host_keys[0].at("value").as_string(), ks.keys().host_keys.at("default"));
  auto fn = boost::json::parse(Read(Secrets() / "fn.json"));
  ASSERT_EQ(fn.at("keys").as_array().size(), 1u);
  EXPECT_EQ(fn.at("keys").as_array()[0].at("value").as_string(),
            ks.keys().function_keys.at("fn").at("default"));
}

TEST_F(KeyStoreTest, ModesArePrivateWhateverTheUmask) {
  const mode_t old = ::umask(0);  // the loosest umask: modes must still be exact
  KeyStore ks = MustLoad({"fn"});
  ::umask(old);
  EXPECT_EQ(Mode(Secrets()), 0700u);
  EXPECT_EQ(Mode(Secrets() / "host.json"), 0600u);
  EXPECT_EQ(Mode(Secrets() / "fn.json"), 0600u);
}

TEST_F(KeyStoreTest, KeysAreStableAcrossRestarts) {
  KeyStore first = MustLoad({"a", "b"});
  const std::string host_text = Read(Secrets() / "host.json");
  const std::string a_text = Read(Secrets() / "a.json");
  KeyStore second = MustLoad({"a", "b"});
  EXPECT_EQ(second.keys().master_key, first.keys().master_key);
  EXPECT_EQ(second.keys().host_keys, first.keys().host_keys);
  EXPECT_EQ(second.keys().function_keys, first.keys().function_keys);
  EXPECT_EQ(Read(Secrets() / "host.json"), host_text) << "nothing to add: file untouched";
  EXPECT_EQ(Read(Secrets() / "a.json"), a_text);
}

TEST_F(KeyStoreTest, NewFunctionGetsKeyOldKeysPersist) {
  KeyStore first = MustLoad({"a"});
  KeyStore second = MustLoad({"a", "b"});
  EXPECT_EQ(second.keys().master_key, first.keys().master_key);
  EXPECT_EQ(second.keys().host_keys, first.keys().host_keys);
  EXPECT_EQ(second.keys().function_keys.at("a"), first.keys().function_keys.at("a"));
  ASSERT_EQ(second.keys().function_keys.at("b").count("default"), 1u);
  EXPECT_EQ(Mode(Secrets() / "b.json"), 0600u);
  // A function that went away keeps its file (Azure does too) but is not served.
  KeyStore third = MustLoad({"b"});
  EXPECT_EQ(third.keys().function_keys.count("a"), 0u);
  EXPECT_TRUE(fs::exists(Secrets() / "a.json"));
  KeyStore fourth = MustLoad({"a", "b"});
  EXPECT_EQ(fourth.keys().function_keys.at("a"), first.keys().function_keys.at("a"));
}

TEST_F(KeyStoreTest, HandWrittenKeysAreUsedAndKept) {
  WriteSecret("host.json", std::string(R"({"MasterKey": {"value": ")") + kKeyA +
                               R"("}, "functionKeys": [{"name": "ci", "value": ")" + kKeyB +
                               R"("}], "hostName": "kept", "systemKeys": []})");
  WriteSecret("fn.json", std::string(R"({"keys": [{"name": "default", "value": ")") + kKeyC +
                             R"(", "encrypted": false},], // trailing comma and comment, as JSON.NET
                             })");
  KeyStore ks = MustLoad({"fn"});
  EXPECT_EQ(ks.keys().master_key, kKeyA);
  EXPECT_EQ(ks.keys().host_keys.at("ci"), kKeyB);
  ASSERT_EQ(ks.keys().host_keys.count("default"), 1u) << "a default host key is always added";
  EXPECT_EQ(ks.keys().function_keys.at("fn").at("default"), kKeyC);
  // host.json gained its default key and kept what it had, including members it does not know.
  auto host = boost::json::parse(Read(Secrets() / "host.json"));
  EXPECT_EQ(host.at("hostName").as_string(), "kept");
  EXPECT_EQ(host.at("functionKeys").as_array().size(), 2u);
  EXPECT_EQ(Mode(Secrets() / "host.json"), 0600u);
  EXPECT_EQ(ks.Check("fn", kKeyB), KeyMatch::kHost);
}

TEST_F(KeyStoreTest, CheckClassifiesEveryKey) {
  KeyStore ks = MustLoad({"f1", "f2"});
  const AppKeys& k = ks.keys();
  const std::string f1 = k.function_keys.at("f1").at("default");
  const std::string f2 = k.function_keys.at("f2").at("default");
  const std::string host = k.host_keys.at("default");

  EXPECT_EQ(ks.Check("f1", k.master_key), KeyMatch::kMaster);
  EXPECT_EQ(ks.Check("f1", host), KeyMatch::kHost);
  EXPECT_EQ(ks.Check("f1", f1), KeyMatch::kFunction);
  EXPECT_EQ(ks.Check("f2", f2), KeyMatch::kFunction);
  EXPECT_EQ(ks.Check("f1", f2), KeyMatch::kNone) << "another function's key";
  EXPECT_EQ(ks.Check("unknown", k.master_key), KeyMatch::kMaster);
  EXPECT_EQ(ks.Check("unknown", host), KeyMatch::kHost);
  EXPECT_EQ(ks.Check("unknown", f1), KeyMatch::kNone);
  EXPECT_TRUE(ks.IsMaster(k.master_key));
  EXPECT_FALSE(ks.IsMaster(host));
  EXPECT_FALSE(ks.IsMaster(f1));
}

TEST_F(KeyStoreTest, RejectsWrongEmptyAndPartialKeys) {
  KeyStore ks = MustLoad({"f"});
  const std::string master = ks.keys().master_key;
  const std::string fkey = ks.keys().function_keys.at("f").at("default");
  for (const std::string& bad :
       {std::string(), std::string("wrong"), master.substr(0, master.size() - 1), master.substr(1),
        master + "x", fkey.substr(0, 10), std::string(master.size(), 'A'), std::string(1, '\0'),
        master + std::string(1, '\0')}) {
    EXPECT_EQ(ks.Check("f", bad), KeyMatch::kNone) << "'" << bad << "'";
    EXPECT_FALSE(ks.IsMaster(bad));
  }
  // Keys are case-sensitive.
  std::string flipped = master;
  for (char& c : flipped) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
      break;
    }
  }
  if (flipped != master) {
    EXPECT_EQ(ks.Check("f", flipped), KeyMatch::kNone);
  }
}

TEST_F(KeyStoreTest, RefusesGroupOrOtherReadableFile) {
  MustLoad({"f"});
  const fs::path host = Secrets() / "host.json";
  ASSERT_EQ(::chmod(host.c_str(), 0644), 0);
  Status s = LoadError({"f"});
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(s.message(), HasSubstr(host.string()));
  EXPECT_THAT(s.message(), HasSubstr("0644"));
  EXPECT_EQ(Mode(host), 0644u) << "refused, not silently fixed";

  ASSERT_EQ(::chmod(host.c_str(), 0600), 0);
  const fs::path fn = Secrets() / "f.json";
  ASSERT_EQ(::chmod(fn.c_str(), 0620), 0);  // group-writable counts too
  s = LoadError({"f"});
  EXPECT_THAT(s.message(), HasSubstr(fn.string()));
  EXPECT_THAT(s.message(), HasSubstr("0620"));
}

TEST_F(KeyStoreTest, RefusesOpenDirectory) {
  MustLoad({"f"});
  ASSERT_EQ(::chmod(Secrets().c_str(), 0755), 0);
  Status s = LoadError({"f"});
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(s.message(), HasSubstr("secrets directory " + Secrets().string()));
  EXPECT_THAT(s.message(), HasSubstr("0755"));
}

TEST_F(KeyStoreTest, MalformedFilesAreNamedWithWhatIsWrong) {
  struct Case {
    std::string file;
    std::string text;
    std::string expect;
  };
  const std::string good_fn =
      std::string(R"({"keys":[{"name":"default","value":")") + kKeyA + "\"}]}";
  const std::vector<Case> cases = {
      {"host.json", "{", "not valid JSON"},
      {"host.json", "[]", "expected a JSON object"},
      {"host.json", R"({"functionKeys": []})", "missing \"masterKey\""},
      {"host.json", R"({"masterKey": 5})", "/masterKey: expected an object"},
      {"host.json", R"({"masterKey": {"name": "master"}})", "/masterKey: missing \"value\""},
      {"host.json", R"({"masterKey": {"value": 7}})", "/masterKey/value: expected a string"},
      {"host.json", R"({"masterKey": {"value": "short"}})", "at least 16 characters"},
      {"host.json", std::string(R"({"masterKey": {"value": "has space in it 0123456789"}})"),
       "may contain only"},
      {"host.json",
       std::string(R"({"masterKey": {"value": ")") + kKeyA + R"(", "encrypted": true}})",
       "/masterKey/encrypted: encrypted keys are not supported"},
      {"host.json",
       std::string(R"({"masterKey": {"value": ")") + kKeyA + R"("}, "functionKeys": {}})",
       "/functionKeys: expected an array"},
      {"f.json", R"({"keys": [{"value": "x"}]})", "/keys/0: missing \"name\""},
      {"f.json", R"({"keys": [{"name": "", "value": "x"}]})", "/keys/0/name: expected a non-empty"},
      {"f.json",
       std::string(R"({"keys": [{"name": "k", "value": ")") + kKeyA +
           R"("}, {"name": "k", "value": ")" + kKeyB + R"("}]})",
       "/keys/1: key name 'k' appears twice"},
  };
  for (const Case& c : cases) {
    fs::remove_all(root_);
    fs::create_directories(root_);
    if (c.file != "host.json") {
      WriteSecret("host.json", std::string(R"({"masterKey": {"value": ")") + kKeyA + "\"}}");
    }
    WriteSecret(c.file, c.text);
    Status s = LoadError({"f"});
    EXPECT_THAT(s.message(), HasSubstr((Secrets() / c.file).string())) << c.text;
    EXPECT_THAT(s.message(), HasSubstr(c.expect)) << c.text;
  }
}

TEST_F(KeyStoreTest, ErrorsNeverEchoAKey) {
  const std::string almost = "abc def ghi jkl mno pqr stu vwx";  // a key with a bad character
  WriteSecret("host.json", R"({"masterKey": {"value": ")" + almost + "\"}}");
  Status s = LoadError({});
  EXPECT_THAT(s.message(), Not(HasSubstr(almost)));
}

TEST_F(KeyStoreTest, AnErrorWritesNothing) {
  MustLoad({"a"});
  WriteSecret("a.json", "{not json");
  LoadError({"a", "b"});
  EXPECT_FALSE(fs::exists(Secrets() / "b.json")) << "b's key is made only when all loaded";
}

TEST_F(KeyStoreTest, RefusesUnsafeFunctionNames) {
  EXPECT_THAT(LoadError({"../escape"}).message(), HasSubstr("cannot name a secrets file"));
  EXPECT_THAT(LoadError({".hidden"}).message(), HasSubstr("cannot name a secrets file"));
  EXPECT_THAT(LoadError({"Host"}).message(), HasSubstr("host.json"));
  EXPECT_THAT(LoadError({"Foo", "foo"}).message(), HasSubstr("differ only in case"));
  EXPECT_FALSE(fs::exists(Secrets())) << "nothing created for a bad name";
}

TEST_F(KeyStoreTest, NeverLogsAKey) {
  SetLogLevel(LogLevel::kTrace);
  ::testing::internal::CaptureStderr();
  KeyStore ks = MustLoad({"f"});
  MustLoad({"f", "g"});
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, HasSubstr("generated key 'default' for function 'g'"));
  EXPECT_THAT(log, Not(HasSubstr(ks.keys().master_key)));
  EXPECT_THAT(log, Not(HasSubstr(ks.keys().host_keys.at("default"))));
  EXPECT_THAT(log, Not(HasSubstr(ks.keys().function_keys.at("f").at("default"))));
}

TEST_F(KeyStoreTest, ConcurrentFirstStartsAgreeOnKeys) {
  constexpr int kThreads = 8;
  std::vector<std::string> masters(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto ks = KeyStore::LoadOrCreate(root_, {"f"});
      if (ks.ok()) masters[static_cast<std::size_t>(i)] = ks->keys().master_key;
    });
  }
  for (auto& t : threads) t.join();
  for (const std::string& m : masters) {
    EXPECT_FALSE(m.empty());
    EXPECT_EQ(m, masters[0]);
  }
}

TEST_F(KeyStoreTest, ToJsonShape) {
  KeyStore ks = MustLoad({"Hello", "world"});
  const AppKeys& k = ks.keys();
  boost::json::value v = boost::json::parse(ks.ToJson());
  const auto& o = v.as_object();
  EXPECT_EQ(o.size(), 3u);
  EXPECT_EQ(o.at("masterKey").as_string(), k.master_key);
  const auto& host = o.at("hostKeys").as_object();
  EXPECT_EQ(host.size(), 1u);
  EXPECT_EQ(host.at("default").as_string(), k.host_keys.at("default"));
  const auto& fns = o.at("functionKeys").as_object();
  EXPECT_EQ(fns.size(), 2u);
  EXPECT_EQ(fns.at("Hello").at("default").as_string(), k.function_keys.at("Hello").at("default"));
  EXPECT_EQ(fns.at("world").at("default").as_string(), k.function_keys.at("world").at("default"));
}

TEST(AuthorizedTest, Matrix) {
  struct Row {
    AuthLevel level;
    KeyMatch match;
    bool allowed;
  };
  const Row rows[] = {
      {AuthLevel::kAnonymous, KeyMatch::kNone, true},
      {AuthLevel::kAnonymous, KeyMatch::kFunction, true},
      {AuthLevel::kAnonymous, KeyMatch::kHost, true},
      {AuthLevel::kAnonymous, KeyMatch::kMaster, true},
      {AuthLevel::kFunction, KeyMatch::kNone, false},
      {AuthLevel::kFunction, KeyMatch::kFunction, true},
      {AuthLevel::kFunction, KeyMatch::kHost, true},
      {AuthLevel::kFunction, KeyMatch::kMaster, true},
      {AuthLevel::kAdmin, KeyMatch::kNone, false},
      {AuthLevel::kAdmin, KeyMatch::kFunction, false},
      {AuthLevel::kAdmin, KeyMatch::kHost, false},
      {AuthLevel::kAdmin, KeyMatch::kMaster, true},
  };
  for (const Row& r : rows) {
    EXPECT_EQ(Authorized(r.level, r.match), r.allowed)
        << AuthLevelName(r.level) << " with match " << static_cast<int>(r.match);
  }
}

}  // namespace
}  // namespace squall
