// Random valid WorkloadSpecs for round-trip tests: names, labels and env names drawn from the
// valid alphabets, and free text full of what breaks writers (quotes, backslashes, YAML
// indicators, words YAML reads as bools or null, numbers, control characters, non-ASCII and
// line separators). Deterministic for a seed.
#pragma once

#include <string>
#include <vector>

#include "common/random.h"
#include "sidecar/workload_spec.h"

namespace herd::sidecar::testing {

inline std::string RandomFrom(Random& rng, std::string_view alphabet, size_t min, size_t max) {
  size_t n = min + rng.Uniform(max - min + 1);
  std::string out;
  for (size_t i = 0; i < n; ++i) out += alphabet[rng.Uniform(alphabet.size())];
  return out;
}

inline std::string RandomLabelName(Random& rng) {
  const std::string_view alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string s = RandomFrom(rng, alnum, 1, 1);
  if (rng.OneIn(2)) s += RandomFrom(rng, "abcXYZ019._-", 0, 10) + RandomFrom(rng, alnum, 1, 1);
  return s;
}

inline std::string RandomText(Random& rng, size_t max_pieces) {
  static const std::vector<std::string> kPieces = {
      "a",
      "Z",
      "0",
      "9",
      " ",
      "  ",
      "\t",
      "\n",
      "\r",
      "\"",
      "'",
      "\\",
      "#",
      " #",
      ": ",
      ":",
      "-",
      "- ",
      "--",
      "---",
      "?",
      ",",
      "[",
      "]",
      "{",
      "}",
      "&",
      "*",
      "!",
      "|",
      ">",
      "%",
      "@",
      "`",
      "~",
      "yes",
      "No",
      "null",
      "NULL",
      "true",
      "off",
      "y",
      "1.5",
      "010",
      "0x1F",
      "1e3",
      ".inf",
      ".nan",
      "+1",
      "-2",
      "<<",
      "=",
      "/",
      "./",
      "\x01",
      "\x1b",
      "\x7f",
      "\xC3\xA9",
      "\xE2\x80\xA8",
      "\xC2\x85",
      "\xEF\xBB\xBF",
      "\xF0\x9F\x98\x80",
      "\xE4\xB8\xAD",
      "\xC2\xA0",
      "echo hello",
      "sh -c",
      "$HOME",
      "a:b",
      "a #b",
      "k: v",
      "%d",
  };
  std::string out;
  size_t n = rng.Uniform(max_pieces + 1);
  for (size_t i = 0; i < n; ++i) out += kPieces[rng.Uniform(kPieces.size())];
  return out;
}

inline WorkloadSpec RandomSpec(Random& rng) {
  WorkloadSpec s;
  const std::string_view lower = "abcdefghijklmnopqrstuvwxyz0123456789";
  s.name = RandomFrom(rng, lower, 1, 1);
  if (rng.OneIn(2)) s.name += RandomFrom(rng, "abz09-", 0, 20) + RandomFrom(rng, lower, 1, 1);
  for (size_t i = rng.Uniform(5); i > 0; --i) {
    std::string key = RandomLabelName(rng);
    if (rng.OneIn(3)) key = RandomFrom(rng, "abc", 1, 5) + ".example.com/" + key;
    s.labels[key] = rng.OneIn(4) ? "" : RandomLabelName(rng);
  }
  s.runtime = rng.OneIn(4) ? Runtime::kContainer : Runtime::kProcess;
  size_t argc = rng.Uniform(6) + (s.runtime == Runtime::kProcess ? 1 : 0);
  for (size_t i = 0; i < argc; ++i) {
    std::string arg = RandomText(rng, 6);
    if (i == 0 && arg.empty()) arg = "/bin/sh";
    s.command.push_back(arg);
  }
  size_t envc = rng.Uniform(5);
  for (size_t i = 0; i < envc; ++i) {
    s.env.push_back(
        {"V" + std::to_string(i) + RandomFrom(rng, "AZ_09az", 0, 5), RandomText(rng, 5)});
  }
  if (rng.OneIn(2)) s.working_dir = "/" + RandomText(rng, 4);
  if (s.runtime == Runtime::kContainer || rng.OneIn(4)) s.image = "img" + RandomText(rng, 3);
  s.restart = static_cast<RestartPolicy>(rng.Uniform(3));
  s.shutdown_timeout_seconds = static_cast<int32_t>(rng.Range(0, 3600));
  s.max_restarts = static_cast<int32_t>(rng.Range(0, 10000));
  s.max_seconds = static_cast<int32_t>(rng.Range(1, 86400));
  switch (rng.Uniform(4)) {
    case 0:
      s.resources.memory_bytes = 0;
      break;
    case 1:
      s.resources.memory_bytes = rng.Range(1, 4096) << 20;
      break;
    case 2:
      s.resources.memory_bytes = rng.Range(1, 1000) * 1000000;
      break;
    default:
      s.resources.memory_bytes = rng.Range(0, int64_t{1} << 62);
      break;
  }
  s.resources.pids = rng.OneIn(2) ? 0 : rng.Range(1, WorkloadSpec::kMaxPids);
  return s;
}

}  // namespace herd::sidecar::testing
