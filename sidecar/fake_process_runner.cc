#include "sidecar/fake_process_runner.h"

#include <algorithm>
#include <utility>

namespace herd::sidecar {

FakeProcessRunner::~FakeProcessRunner() {
  if (clock_ == nullptr) return;
  for (auto& [id, child] : running_) {
    if (child.timer.has_value()) clock_->Cancel(*child.timer);
  }
}

Result<StartedChild> FakeProcessRunner::Start(const StartRequest& req) {
  if (fail_next_.has_value()) {
    Status s = std::move(*fail_next_);
    fail_next_.reset();
    return s;
  }
  if (req.spec == nullptr || req.spec->command.empty() || req.spec->command[0].empty()) {
    return InvalidArgument("workload " + req.workload + ": empty command", "spec.command");
  }
  if (running_.count(req.instance) > 0) {
    return AlreadyExists("instance " + std::to_string(req.instance) + " is already running");
  }
  int pid = next_pid_++;
  running_[req.instance] =
      Child{.workload = req.workload, .pid = pid, .exiting = false, .timer = {}};
  if (keep_history_) {
    starts_.push_back(StartRecord{.instance = req.instance,
                                  .workload = req.workload,
                                  .generation = req.generation,
                                  .member = req.member,
                                  .spec = *req.spec,
                                  .pid = pid});
  }
  StartedChild started{.pid = pid, .container_id = {}};
  if (req.spec->runtime == Runtime::kContainer) {
    started.container_id = req.workload + "-" + std::to_string(req.instance);
  }
  return started;
}

void FakeProcessRunner::Stop(InstanceId instance, std::chrono::milliseconds timeout) {
  if (keep_history_) stops_.push_back(StopRecord{.instance = instance, .timeout = timeout});
  auto it = running_.find(instance);
  if (it == running_.end() || it->second.exiting) return;
  timeout = std::max(timeout, std::chrono::milliseconds(0));
  if (stop_delay_ > timeout) {
    Finish(instance, ChildExit{.exit_code = -1, .signal = kSigKill, .error = {}}, timeout);
  } else {
    Finish(instance, term_exit_, stop_delay_);
  }
}

void FakeProcessRunner::KillAll() {
  std::vector<InstanceId> ids;
  for (const auto& [id, child] : running_) ids.push_back(id);
  for (InstanceId id : ids) {
    auto it = running_.find(id);
    if (it == running_.end()) continue;  // a synchronous callback may have changed the set
    Child& child = it->second;
    if (child.exiting && child.timer.has_value() && clock_ != nullptr) {
      // A pending graceful exit becomes a kill now.
      clock_->Cancel(*child.timer);
      child.exiting = false;
    }
    if (child.exiting) continue;
    Finish(id, ChildExit{.exit_code = -1, .signal = kSigKill, .error = {}},
           std::chrono::milliseconds(0));
  }
}

bool FakeProcessRunner::Exit(InstanceId instance, const ChildExit& exit) {
  auto it = running_.find(instance);
  if (it == running_.end() || it->second.exiting) return false;
  Finish(instance, exit, std::chrono::milliseconds(0));
  return true;
}

Result<std::string> FakeProcessRunner::ReadLog(std::string_view workload, size_t tail_lines) const {
  auto it = logs_.find(std::string(workload));
  if (it == logs_.end()) return NotFound("no log for workload " + std::string(workload));
  const std::string& text = it->second;
  if (tail_lines == 0) return text;
  // Walk back over `tail_lines` line ends (a trailing newline ends the last line).
  size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  for (size_t n = 0; n < tail_lines; ++n) {
    size_t nl = pos == 0 ? std::string::npos : text.rfind('\n', pos - 1);
    if (nl == std::string::npos) return text;
    if (n + 1 == tail_lines) return text.substr(nl + 1);
    pos = nl;
  }
  return text;
}

std::map<InstanceId, std::string> FakeProcessRunner::RunningInstances() const {
  std::map<InstanceId, std::string> out;
  for (const auto& [id, child] : running_) out[id] = child.workload;
  return out;
}

void FakeProcessRunner::Finish(InstanceId instance, ChildExit exit,
                               std::chrono::milliseconds delay) {
  Child& child = running_.at(instance);
  child.exiting = true;
  if (clock_ == nullptr) {
    Deliver(instance, exit);
    return;
  }
  child.timer = clock_->Schedule(
      delay, [this, instance, exit = std::move(exit)] { Deliver(instance, exit); });
}

void FakeProcessRunner::Deliver(InstanceId instance, const ChildExit& exit) {
  running_.erase(instance);
  if (keep_history_) exits_.emplace_back(instance, exit);
  if (callback_) callback_(instance, exit);
}

}  // namespace herd::sidecar
