#include "k8s/kube_worker.h"

#include <utility>

namespace herd::k8s {

KubeWorker::KubeWorker(KubeClient& client, Post post)
    : client_(client), post_(std::move(post)), thread_([this] { Run(); }) {}

KubeWorker::~KubeWorker() { Stop(); }

void KubeWorker::Patch(std::string path, nlohmann::json patch, Done done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    queue_.push_back(Request{std::move(path), std::move(patch), std::move(done)});
  }
  wake_.notify_one();
}

void KubeWorker::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    queue_.clear();
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

size_t KubeWorker::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

void KubeWorker::Run() {
  for (;;) {
    Request req;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      req = std::move(queue_.front());
      queue_.pop_front();
    }
    Result<nlohmann::json> r = client_.Patch(req.path, req.patch);
    post_([done = std::move(req.done), r = std::move(r)]() mutable { done(std::move(r)); });
  }
}

}  // namespace herd::k8s
