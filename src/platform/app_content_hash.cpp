#include "platform/app_content_hash.h"

#include <openssl/evp.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <vector>

namespace squall {

namespace fs = std::filesystem;

namespace {

bool Skipped(const fs::path& name) {
  std::string n = name.string();
  return n.empty() || n.front() == '.' || n == "__pycache__" || n == "local.settings.json" ||
         name.extension() == ".pyc";
}

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr);
  }
  void Add(std::string_view bytes) { EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()); }
  std::string Hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_.get(), digest, &n);
    static const char* kHex = "0123456789abcdef";
    std::string out;
    for (unsigned int k = 0; k < n; ++k) {
      out += kHex[digest[k] >> 4];
      out += kHex[digest[k] & 15];
    }
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

}  // namespace

StatusOr<std::string> AppContentHash(const fs::path& app_dir, std::uintmax_t content_budget) {
  std::error_code ec;
  std::vector<fs::path> files;
  fs::recursive_directory_iterator it(app_dir, ec), end;
  if (ec) return Unavailable("cannot list " + app_dir.string() + ": " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) return Unavailable("cannot list " + app_dir.string() + ": " + ec.message());
    if (Skipped(it->path().filename())) {
      if (it->is_directory(ec) && !it->is_symlink(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec) || it->is_symlink(ec)) files.push_back(it->path());
  }
  std::vector<std::pair<std::string, fs::path>> sorted;
  for (const auto& f : files)
    sorted.emplace_back(f.lexically_relative(app_dir).generic_string(), f);
  std::sort(sorted.begin(), sorted.end());

  Sha256 all;
  std::uintmax_t budget = content_budget;
  for (const auto& [rel, path] : sorted) {
    all.Add(rel);
    all.Add(std::string_view("\0", 1));
    if (fs::is_symlink(path, ec)) {
      all.Add("symlink:" + fs::read_symlink(path, ec).string());
      continue;
    }
    std::uintmax_t size = fs::file_size(path, ec);
    if (ec) continue;  // gone meanwhile
    all.Add("size:" + std::to_string(size) + "\n");
    std::ifstream in(path, std::ios::binary);
    if (!in || size > budget) {
      auto mtime = fs::last_write_time(path, ec).time_since_epoch().count();
      all.Add("mtime:" + std::to_string(mtime) + "\n");
      continue;
    }
    budget -= size;
    char buf[65536];
    while (in.read(buf, sizeof(buf)) || in.gcount() > 0) {
      all.Add(std::string_view(buf, static_cast<std::size_t>(in.gcount())));
    }
  }
  return all.Hex().substr(0, 12);
}

}  // namespace squall
