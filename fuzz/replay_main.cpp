// The main() of fuzz targets built without libFuzzer (g++): runs each file given on the command
// line, and every file under each folder given (recursively, in sorted order), through
// LLVMFuzzerTestOneInput once. With no paths, stdin is the one input. Arguments starting with
// '-' are skipped, so a command line written for libFuzzer (-runs=0 corpus/) also works here.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
// Optional in a fuzz target, as with libFuzzer.
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

namespace fs = std::filesystem;

void RunOne(const std::string& bytes) {
  // An exact-size heap copy, so AddressSanitizer catches a read one past the end.
  std::unique_ptr<std::uint8_t[]> copy(new std::uint8_t[bytes.size()]);
  std::memcpy(copy.get(), bytes.data(), bytes.size());
  LLVMFuzzerTestOneInput(copy.get(), bytes.size());
}

bool ReadFile(const fs::path& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);

  std::vector<fs::path> files;
  bool any_path = false;
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '-') continue;
    any_path = true;
    const fs::path path(argv[i]);
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<fs::path> found;
      for (auto it = fs::recursive_directory_iterator(path, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec)) found.push_back(it->path());
      }
      if (ec) {
        std::cerr << "replay: cannot list " << path << ": " << ec.message() << "\n";
        return 1;
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(path, ec)) {
      files.push_back(path);
    } else {
      std::cerr << "replay: no such file or folder: " << path << "\n";
      return 1;
    }
  }

  if (!any_path) {
    std::string bytes(std::istreambuf_iterator<char>(std::cin), {});
    RunOne(bytes);
    std::cerr << "replay: ran 1 input from stdin\n";
    return 0;
  }
  for (const fs::path& file : files) {
    std::string bytes;
    if (!ReadFile(file, &bytes)) {
      std::cerr << "replay: cannot read " << file << "\n";
      return 1;
    }
    RunOne(bytes);
  }
  std::cerr << "replay: ran " << files.size() << " inputs\n";
  return 0;
}
