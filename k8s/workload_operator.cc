#include "k8s/workload_operator.h"

#include <utility>

#include "sidecar/workload_spec.h"

namespace herd::k8s {

Result<std::unique_ptr<WorkloadOperator>> WorkloadOperator::Create(
    KubeClient& client, sidecar::Supervisor& supervisor, Clock& clock, Post post,
    WorkloadOperatorOptions options) {
  if (!sidecar::IsDns1123Label(options.ns)) {
    return InvalidArgument("namespace: \"" + options.ns + "\" is not a DNS label");
  }
  std::unique_ptr<WorkloadOperator> op(new WorkloadOperator());
  op->post_ = post;
  op->supervisor_ = &supervisor;
  op->worker_ = std::make_unique<KubeWorker>(client, post);
  WorkloadControllerOptions co;
  co.ns = options.ns;
  KubeWorker* worker = op->worker_.get();
  op->controller_ = std::make_unique<WorkloadController>(
      co, supervisor, clock,
      [worker](std::string path, nlohmann::json patch, WorkloadController::Done done) {
        worker->Patch(std::move(path), std::move(patch), std::move(done));
      });
  WatcherOptions wo;
  wo.path = WorkloadsPath(options.ns);
  wo.name = "workloads";
  wo.seed = options.seed;
  WorkloadController* controller = op->controller_.get();
  op->watcher_ = std::make_unique<Watcher>(
      client, wo,
      [post, controller](const StoreBatch& batch) {
        post([controller, batch] { controller->OnBatch(batch); });
      },
      std::move(options.hooks));
  return op;
}

WorkloadOperator::~WorkloadOperator() {
  Stop();
  if (supervisor_ != nullptr) supervisor_->SetWorkloadObserver(nullptr);
}

Status WorkloadOperator::Start() {
  WorkloadController* controller = controller_.get();
  sidecar::Supervisor* supervisor = supervisor_;
  post_([controller, supervisor] {
    supervisor->SetWorkloadObserver(
        [controller](const std::string& name) { controller->OnWorkloadChanged(name); });
    controller->Start();
  });
  return watcher_->Start();
}

void WorkloadOperator::Stop() {
  if (watcher_) watcher_->Stop();
  if (worker_) worker_->Stop();
}

}  // namespace herd::k8s
