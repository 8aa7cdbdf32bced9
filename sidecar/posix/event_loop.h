// EventLoop: the agent's one thread that owns the supervisor, and the real Clock it runs on.
//
// Everything that touches supervisor state runs on this thread: HTTP handlers, peer messages
// and child exits Post() into it; timers scheduled on clock() fire on it. Built on a
// Boost.Asio io_context (cpprestsdk and Beast already bring Asio).
//
// The clock's monotonic time is std::chrono::steady_clock; its wall time is the system clock
// plus an optional offset (a test-only flag of the fault lab, to skew one member's clock).
//
// Threading: Post(), PostAndWait() and Stop() from any thread (PostAndWait never from the loop
// thread itself); clock() methods only from the loop thread.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <thread>

#include "common/clock.h"

namespace herd::sidecar {

class EventLoop {
 public:
  explicit EventLoop(int64_t wall_offset_ms = 0);
  ~EventLoop();  // Stop()s and joins the thread
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Starts the loop thread.
  void Start();
  // Stops the loop and, called from another thread, waits for the loop thread to end. Pending
  // handlers and timers are dropped, not run. Idempotent.
  void Stop();
  // Runs `fn` on the loop thread, after what was posted before it.
  void Post(std::function<void()> fn);
  // Runs `fn` on the loop thread and waits until it returned.
  void PostAndWait(const std::function<void()>& fn);

  Clock& clock();
  bool InLoop() const { return std::this_thread::get_id() == loop_thread_id_.load(); }

 private:
  class AsioClock;
  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::unique_ptr<AsioClock> clock_;
  std::thread thread_;
  std::atomic<std::thread::id> loop_thread_id_{};
};

}  // namespace herd::sidecar
