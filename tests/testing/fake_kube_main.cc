// fake-kube: the fake Kubernetes API server (tests/testing/fake_kube_server.h) as a process, for
// integration and e2e tests that run real agents against it.
//
//   fake-kube [--listen 127.0.0.1:0] [--token TOKEN] [--bookmark-interval-ms N]
//
// Prints "listening <port>" on stdout once it serves, then runs until SIGTERM or SIGINT. Tests
// edit objects through the API itself or the control endpoints: POST /fake/drop, /fake/compact,
// /fake/bookmark, /fake/fail?n=&status=, /fake/delay?ms=, /fake/stall?on=0|1,
// PUT /fake/apply?path=<object path> (create or replace, any version), /fake/remove?path=.
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "tests/testing/fake_kube_server.h"

int main(int argc, char** argv) {
  herd::testing::FakeKubeServerOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "fake-kube: %s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--listen") {
      options.listen_address = value();
    } else if (arg == "--token") {
      options.token = value();
    } else if (arg == "--bookmark-interval-ms") {
      options.bookmark_interval = std::chrono::milliseconds(std::stoll(value()));
    } else {
      std::fprintf(stderr,
                   "usage: fake-kube [--listen host:port] [--token T] "
                   "[--bookmark-interval-ms N]\n");
      return 2;
    }
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before any thread starts

  herd::testing::FakeKubeServer server(options);
  herd::Status s = server.Start();
  if (!s.ok()) {
    std::fprintf(stderr, "fake-kube: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("listening %d\n", server.port());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  server.Stop();
  return 0;
}
