#include "sidecar/posix/cli_system.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace herd::sidecar {
namespace {

namespace fs = std::filesystem;

bool IsSpecFileName(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

Result<std::string> ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument("cannot read \"" + path + "\"");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return InvalidArgument("cannot read \"" + path + "\"");
  return text.str();
}

Status ReadDirectory(const fs::path& dir, bool recursive, std::vector<SpecFile>* out) {
  std::error_code ec;
  std::vector<fs::directory_entry> entries;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    entries.push_back(*it);
  }
  if (ec) return InvalidArgument("cannot read directory \"" + dir.string() + "\": " + ec.message());
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.path().filename() < b.path().filename(); });
  for (const fs::directory_entry& entry : entries) {
    if (entry.is_directory(ec)) {
      if (recursive) RETURN_IF_ERROR(ReadDirectory(entry.path(), recursive, out));
      continue;
    }
    if (!IsSpecFileName(entry.path())) continue;
    ASSIGN_OR_RETURN(std::string text, ReadWhole(entry.path().string()));
    out->push_back(SpecFile{entry.path().string(), std::move(text)});
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<SpecFile>> ReadSpecFiles(const std::string& path, bool recursive) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return NotFound("the path \"" + path + "\" does not exist");
  std::vector<SpecFile> out;
  if (fs::is_directory(st)) {
    RETURN_IF_ERROR(ReadDirectory(path, recursive, &out));
    if (out.empty()) {
      return FailedPrecondition("no .yaml, .yml or .json files in \"" + path + "\"");
    }
    return out;
  }
  ASSIGN_OR_RETURN(std::string text, ReadWhole(path));
  out.push_back(SpecFile{path, std::move(text)});
  return out;
}

int64_t RealWallMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace herd::sidecar
