#include "sidecar/auth_tokens.h"

#include <openssl/sha.h>

#include <utility>

#include "common/log.h"

namespace herd::sidecar {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits one CSV line into trimmed fields; a double-quoted field may hold commas, and "" is a
// quote inside it. Errors: an unterminated quote, or text after a closing quote.
Result<std::vector<std::string>> SplitCsv(std::string_view line) {
  std::vector<std::string> fields;
  size_t i = 0;
  while (true) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::string field;
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        field += line[i++];
      }
      if (!closed) return InvalidArgument("unterminated quote");
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i < line.size() && line[i] != ',') {
        return InvalidArgument("text after a closing quote");
      }
    } else {
      const size_t comma = line.find(',', i);
      const size_t end = comma == std::string_view::npos ? line.size() : comma;
      field = std::string(Trim(line.substr(i, end - i)));
      i = end;
    }
    fields.push_back(std::move(field));
    if (i >= line.size()) break;
    ++i;  // the comma
  }
  return fields;
}

bool HasSpaceOrControl(std::string_view s) {
  for (unsigned char c : s) {
    if (c <= ' ' || c == 0x7f) return true;
  }
  return false;
}

// The groups of an extra field: "a,b" (quoted in the file) is two groups.
Status AddGroups(const std::string& field, std::vector<std::string>* groups) {
  size_t start = 0;
  while (start <= field.size()) {
    size_t comma = field.find(',', start);
    if (comma == std::string::npos) comma = field.size();
    std::string_view g = Trim(std::string_view(field).substr(start, comma - start));
    start = comma + 1;
    if (g.empty()) continue;
    if (g == "read" || g == "write") {
      return InvalidArgument("\"" + std::string(g) + "\" is a role: it goes in the third field");
    }
    groups->emplace_back(g);
  }
  return Status::Ok();
}

}  // namespace

std::string Sha256(std::string_view data) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

Result<TokenTable> TokenTable::Parse(std::string_view text) {
  TokenTable table;
  std::vector<int> lines;  // the line of each entry, for duplicate errors
  int number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;
    const std::string at = "line " + std::to_string(number) + ": ";
    Result<std::vector<std::string>> fields = SplitCsv(line);
    if (!fields.ok()) return InvalidArgument(at + std::string(fields.status().message()));
    if (fields->size() < 3) return InvalidArgument(at + "expected token,user,role[,group...]");
    const std::string& token = (*fields)[0];
    const std::string& user = (*fields)[1];
    const std::string& role = (*fields)[2];
    if (token.empty()) return InvalidArgument(at + "the token is empty");
    if (HasSpaceOrControl(token)) {
      return InvalidArgument(at + "the token contains whitespace or control characters");
    }
    if (user.empty()) return InvalidArgument(at + "the user name is empty");
    if (role != "read" && role != "write") {
      return InvalidArgument(at + "the role (third field) must be read or write");
    }
    Entry entry{Sha256(token), Identity{user, {role}}};
    for (size_t i = 3; i < fields->size(); ++i) {
      Status s = AddGroups((*fields)[i], &entry.identity.groups);
      if (!s.ok()) return InvalidArgument(at + std::string(s.message()));
    }
    for (size_t i = 0; i < table.entries_.size(); ++i) {
      if (table.entries_[i].digest == entry.digest) {
        return InvalidArgument(at + "the same token is already on line " +
                               std::to_string(lines[i]));
      }
    }
    table.entries_.push_back(std::move(entry));
    lines.push_back(number);
  }
  if (table.entries_.empty()) return InvalidArgument("no tokens");
  return table;
}

std::optional<Identity> TokenTable::Find(std::string_view token) const {
  const std::string digest = Sha256(token);
  const Entry* found = nullptr;
  // Every entry is compared, whether or not an earlier one matched.
  for (const Entry& e : entries_) {
    const bool match = ConstantTimeEquals(e.digest, digest);
    if (match && found == nullptr) found = &e;
  }
  if (found == nullptr) return std::nullopt;
  return found->identity;
}

StaticTokens::StaticTokens(std::unique_ptr<TokenFileSource> source, AuthNow now)
    : source_(std::move(source)), now_(std::move(now)) {}

Result<std::unique_ptr<StaticTokens>> StaticTokens::Create(std::unique_ptr<TokenFileSource> source,
                                                           AuthNow now) {
  const std::string path = source->path();
  auto out = std::unique_ptr<StaticTokens>(new StaticTokens(std::move(source), std::move(now)));
  ASSIGN_OR_RETURN(out->stamp_, out->source_->Stat());
  ASSIGN_OR_RETURN(std::string text, out->source_->Read());
  Result<TokenTable> table = TokenTable::Parse(text);
  if (!table.ok()) {
    return InvalidArgument(path + ": " + std::string(table.status().message()), "auth-token-file");
  }
  out->table_ = std::make_shared<const TokenTable>(std::move(table).value());
  out->last_check_ = out->now_();
  return out;
}

void StaticTokens::MaybeReloadLocked() {
  const Clock::TimePoint now = now_();
  if (last_check_ && now - *last_check_ < kCheckInterval) return;
  last_check_ = now;
  Result<FileStamp> stamp = source_->Stat();
  if (stamp.ok() && (*stamp == stamp_ || (bad_stamp_ && *stamp == *bad_stamp_))) return;
  Result<TokenTable> table = [&]() -> Result<TokenTable> {
    if (!stamp.ok()) return stamp.status();
    ASSIGN_OR_RETURN(std::string text, source_->Read());
    return TokenTable::Parse(text);
  }();
  if (!table.ok()) {
    if (stamp.ok()) bad_stamp_ = *stamp;
    const std::string error(table.status().message());
    if (error != last_error_) {
      LOG_WARNING("auth_token_file_invalid",
                  {{"path", source_->path()}, {"error", error}, {"tokens_kept", table_->size()}});
      last_error_ = error;
    }
    return;  // keep the old tokens; look again once the file changes
  }
  stamp_ = *stamp;
  bad_stamp_.reset();
  last_error_.clear();
  table_ = std::make_shared<const TokenTable>(std::move(table).value());
  ++reloads_;
  LOG_INFO("auth_token_file_reloaded", {{"path", source_->path()}, {"tokens", table_->size()}});
}

void StaticTokens::Authenticate(const std::string& token, Done done) {
  std::shared_ptr<const TokenTable> table;
  {
    std::lock_guard<std::mutex> lock(mu_);
    MaybeReloadLocked();
    table = table_;
  }
  std::optional<Identity> who = table->Find(token);
  if (!who) return done(Unauthenticated("invalid bearer token"));
  done(std::move(*who));
}

size_t StaticTokens::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return table_->size();
}

uint64_t StaticTokens::reloads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reloads_;
}

}  // namespace herd::sidecar
