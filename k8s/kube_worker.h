// KubeWorker: runs KubeClient writes for a loop-thread component (the Workload operator) on a
// thread of its own, in order, and hands each answer back through `post` (into the event loop).
// KubeClient calls block, and the event loop must never block.
//
// Threading: Patch() from any thread; answers run wherever `post` puts them. Stop() (and the
// destructor) from the owner thread: requests not started yet are dropped without an answer,
// the one running finishes (its answer is still posted), then the thread is joined.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "common/status.h"
#include "k8s/kube_client.h"

namespace herd::k8s {

class KubeWorker {
 public:
  using Post = std::function<void(std::function<void()>)>;
  using Done = std::function<void(Result<nlohmann::json>)>;

  // `client` must outlive the worker. Starts the thread.
  KubeWorker(KubeClient& client, Post post);
  ~KubeWorker();
  KubeWorker(const KubeWorker&) = delete;
  KubeWorker& operator=(const KubeWorker&) = delete;

  // Queues a merge patch of `path`; `done` gets the stored object or the client's error.
  void Patch(std::string path, nlohmann::json patch, Done done);
  void Stop();
  size_t queued() const;

 private:
  struct Request {
    std::string path;
    nlohmann::json patch;
    Done done;
  };
  void Run();

  KubeClient& client_;
  Post post_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Request> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace herd::k8s
