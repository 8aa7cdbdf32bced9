// Writes the seed corpus of the crdt_codec fuzz target: valid encodings of varied deltas and
// contexts, and a few corrupt ones. Run once by hand when the format changes:
//   build/tests/fuzz/crdt_codec_corpus_gen tests/fuzz/corpus/crdt_codec
// The seeds named format1_* were written so by a format 1 build, and stay: that format is
// still read (logs on disk).
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "crdt/aw_lww_map.h"
#include "crdt/codec.h"

namespace {

using herd::crdt::AwLwwMap;
using herd::crdt::CausalContext;
using herd::crdt::Delta;
using herd::crdt::Dot;

struct Seed {
  std::string name;
  std::string bytes;
};

std::vector<Seed> Seeds() {
  std::vector<Seed> out;
  auto delta = [&out](const std::string& name, const Delta& d) {
    out.push_back({"valid_delta_" + name, herd::crdt::EncodeDelta(d)});
  };
  auto context = [&out](const std::string& name, const CausalContext& c) {
    out.push_back({"valid_context_" + name, herd::crdt::EncodeContext(c)});
  };

  AwLwwMap a(1), b(0xfeedfacecafebeefULL), c(3);
  delta("empty", Delta{});
  delta("put", a.Put("workload/web", "{\"image\":\"nginx\"}", 1000));
  delta("overwrite", a.Put("workload/web", "{\"image\":\"nginx:2\"}", 1001));
  delta("remove", a.Remove("workload/web", 1002));
  delta("binary_value", a.Put(std::string("k\0ey", 4), std::string("\x00\xff\x80", 3), 7));
  delta("long_value", a.Put("member/a", std::string(300, 'v'), 1003));
  b.Join(a.Put("member/b", "up", 1004));  // b's context gets a cloud
  delta("concurrent", b.Put("member/a", "down", 1003));
  a.Join(b.State());
  delta("state_with_heads", a.State());
  delta("state_with_cloud", b.State());
  delta("delta_since", a.DeltaSince(c.context()));
  c.Join(a.State());
  delta("covers_two_heads", c.Put("member/a", "resolved", 1010));
  a.CollectGarbage(a.context().version_vector());
  delta("state_after_gc", a.State());

  context("empty", CausalContext{});
  context("map", a.context());
  context("cloud", b.context());
  CausalContext big;
  big.AddUpTo(UINT64_MAX, UINT64_MAX);
  big.Add(Dot{5, 1u << 30});
  context("extremes", big);

  const std::string valid = out[2].bytes;
  std::string flipped = valid;
  flipped[flipped.size() / 2] ^= 0x10;
  out.push_back({"corrupt_truncated", valid.substr(0, valid.size() - 3)});
  out.push_back({"corrupt_checksum", flipped});
  out.push_back({"corrupt_magic", "XX" + valid.substr(2)});
  out.push_back({"corrupt_version", valid.substr(0, 2) + '\x09' + valid.substr(3)});
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  for (const Seed& s : Seeds()) {
    const std::string path = std::string(argv[1]) + "/" + s.name;
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(s.bytes.data(), static_cast<std::streamsize>(s.bytes.size()));
    if (!f) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      return 1;
    }
  }
  std::printf("wrote %zu seeds to %s\n", Seeds().size(), argv[1]);
  return 0;
}
