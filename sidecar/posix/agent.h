// Agent: the composition root of `herd agent`. It builds the real implementations of every
// seam (DESIGN.md): the event loop and its Clock, the FileStore on --data-dir, the
// PosixProcessRunner, the HTTP peer transport and servers; then the Supervisor and the REST
// API on top of them, and wires events into the loop:
//
//   REST request  -> API server thread -> RestApi -> loop.Post -> Supervisor -> Responder
//   peer message  -> peer server thread ------------> loop.Post -> Supervisor::OnPeerMessage
//   child exit    -> runner thread ---------------> loop.Post -> Supervisor::OnChildExit
//   timers        -> loop's Clock ------------------------------> Supervisor
//   GET /metrics  -> exposer thread -> AgentCollector -> loop.Post -> TakeMetricsSnapshot
//
// Metrics (sidecar/metrics.h) are served by prometheus-cpp's Exposer on --metrics-address
// (none when it is empty); REST requests are counted by a wrapper around the API router.
//
// Lifecycle: Create (validates and opens what can fail: data dir lock, runner, listeners),
// Start (loads the map, joins, serves), BeginShutdown (SIGTERM: graceful handoff, `done` when
// every child exited), then destruction (stops servers, loop, runner: no child survives).
//
// Threading: Create, Start, ports and the destructor from the owner (main) thread;
// BeginShutdown and KillNow from any thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "sidecar/agent_config.h"

namespace herd::sidecar {

class Agent {
 public:
  // `binary_dir` is where the herd binary lives (the default launcher is next to it).
  static Result<std::unique_ptr<Agent>> Create(AgentConfig config, const std::string& binary_dir);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Loads the map from the data dir and starts serving. Errors: the store's (kDataLoss for a
  // corrupt snapshot), the servers'.
  Status Start();
  // Graceful shutdown; `done` runs (on the loop thread) once every child has exited.
  void BeginShutdown(std::function<void()> done);
  // Second SIGTERM: kill every child now.
  void KillNow();

  int api_port() const;
  int peer_port() const;
  // The port /metrics is served on; 0 before Start or when --metrics-address is empty.
  int metrics_port() const;

  struct Impl;

 private:
  explicit Agent(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace herd::sidecar
