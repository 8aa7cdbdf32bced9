// Static bearer tokens from a token file (`herd agent --auth-token-file FILE`), in the spirit of
// the Kubernetes API server's --token-auth-file: one CSV line per token,
//
//   # comment
//   token,user,role[,group...]
//
// where role is `read` or `write` (write implies read; see GroupAuthorizer in sidecar/auth.h)
// and any further fields are extra groups of the user. A field may be double-quoted to hold
// commas ("a,b" is two groups, as in the Kubernetes format). Blank lines and lines starting
// with '#' are skipped. Parse errors name the line number and what is wrong, never the token.
//
// TokenTable keeps only a SHA-256 digest of each token and compares the digest of a presented
// token against every entry in constant time, so neither timing nor a memory dump gives the
// tokens away.
//
// StaticTokens is the Authenticator over a table read from a TokenFileSource. The file is
// checked on request, at most once per kCheckInterval: when its modification time, size or
// inode changed it is read again; a new file that does not parse (or cannot be read) keeps the
// old tokens and logs one warning line naming the line number, once per bad version.
//
// Threading: TokenTable is immutable after Parse. StaticTokens may be called from any thread at
// once; the source is only used under its lock. No I/O here: the source does it (the agent's is
// in sidecar/posix/auth_setup.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "sidecar/auth.h"

namespace herd::sidecar {

// Monotonic time for the reload check and the review caches (steady_clock in the agent).
using AuthNow = std::function<Clock::TimePoint()>;

// SHA-256 of `data`, 32 raw bytes.
std::string Sha256(std::string_view data);

class TokenTable {
 public:
  // Parses a token file's text. Errors: kInvalidArgument "line N: ..." for the first bad line
  // (a missing field, an empty token or user, a token with whitespace, a role other than read or
  // write, an unterminated quote, a token already given on an earlier line), or "no tokens".
  static Result<TokenTable> Parse(std::string_view text);

  // The identity holding `token`: its user name, and its role and extra groups as groups.
  std::optional<Identity> Find(std::string_view token) const;
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string digest;  // Sha256(token)
    Identity identity;
  };
  std::vector<Entry> entries_;
};

// The modification time, size and inode of a file: any change means "read it again".
struct FileStamp {
  int64_t mtime_ns = 0;
  uint64_t size = 0;
  uint64_t inode = 0;
  friend bool operator==(const FileStamp&, const FileStamp&) = default;
};

// Where StaticTokens gets the file. Errors name the path.
class TokenFileSource {
 public:
  virtual ~TokenFileSource() = default;
  virtual std::string path() const = 0;
  virtual Result<FileStamp> Stat() = 0;
  virtual Result<std::string> Read() = 0;
};

class StaticTokens : public Authenticator {
 public:
  static constexpr std::chrono::seconds kCheckInterval{1};

  // Reads and parses the file now. Errors: the source's, or the parse error prefixed with the
  // path ("/etc/herd/tokens: line 3: ..."), as kInvalidArgument with field "auth-token-file".
  static Result<std::unique_ptr<StaticTokens>> Create(std::unique_ptr<TokenFileSource> source,
                                                      AuthNow now);

  // Checks the file when due (see the file comment), then looks the token up.
  void Authenticate(const std::string& token, Done done) override;

  size_t size() const;
  uint64_t reloads() const;  // successful re-reads after Create

 private:
  StaticTokens(std::unique_ptr<TokenFileSource> source, AuthNow now);
  // Re-reads the file when it changed and the interval has passed. Holds mu_.
  void MaybeReloadLocked();

  const std::unique_ptr<TokenFileSource> source_;
  const AuthNow now_;
  mutable std::mutex mu_;
  std::shared_ptr<const TokenTable> table_;
  FileStamp stamp_;                     // of the file the table came from
  std::optional<FileStamp> bad_stamp_;  // of a newer file that did not parse: not read again
  std::optional<Clock::TimePoint> last_check_;
  std::string last_error_;  // the last bad version's error, logged once
  uint64_t reloads_ = 0;
};

}  // namespace herd::sidecar
