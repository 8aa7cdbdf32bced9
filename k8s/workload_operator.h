// WorkloadOperator: the Workload operator as the agent runs it (issue 6). It wires a Watcher on
// the namespace's Workload resources, a KubeWorker for the API writes and the
// WorkloadController (k8s/workload_controller.h) that runs on the agent's event loop:
//
//   watcher thread --batch--> post --> controller.OnBatch          (event loop)
//   supervisor --workload changed--> controller.OnWorkloadChanged  (event loop)
//   controller --patch--> KubeWorker thread --answer--> post --> controller
//
// Threading and lifetime: construct, Start and Stop from the owner thread. Start after the
// event loop and the supervisor started. Stop before the event loop stops (no batch or answer
// is posted after it returns); destroy after the event loop stopped and before the supervisor.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "k8s/kube_client.h"
#include "k8s/kube_worker.h"
#include "k8s/watcher.h"
#include "k8s/workload_controller.h"
#include "sidecar/supervisor.h"

namespace herd::k8s {

struct WorkloadOperatorOptions {
  std::string ns;  // the namespace whose Workload resources this member runs
  uint64_t seed = 1;
  WatcherHooks hooks;
};

class WorkloadOperator {
 public:
  using Post = std::function<void(std::function<void()>)>;

  // `client`, `supervisor` and `clock` (the event loop's) must outlive the operator; `post`
  // runs a closure on the event loop. Errors: kInvalidArgument when ns is not a DNS label.
  static Result<std::unique_ptr<WorkloadOperator>> Create(KubeClient& client,
                                                          sidecar::Supervisor& supervisor,
                                                          Clock& clock, Post post,
                                                          WorkloadOperatorOptions options);
  ~WorkloadOperator();
  WorkloadOperator(const WorkloadOperator&) = delete;
  WorkloadOperator& operator=(const WorkloadOperator&) = delete;

  Status Start();
  void Stop();  // idempotent

  WatcherStats watch_stats() const { return watcher_->Stats(); }

 private:
  WorkloadOperator() = default;

  Post post_;
  std::unique_ptr<WorkloadController> controller_;
  std::unique_ptr<KubeWorker> worker_;
  std::unique_ptr<Watcher> watcher_;
  sidecar::Supervisor* supervisor_ = nullptr;
};

}  // namespace herd::k8s
