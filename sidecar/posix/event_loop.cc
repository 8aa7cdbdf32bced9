#include "sidecar/posix/event_loop.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <future>
#include <unordered_map>

namespace herd::sidecar {

// Steady time for deadlines, system time (plus the offset) for timestamps, Asio timers.
class EventLoop::AsioClock : public Clock {
 public:
  AsioClock(boost::asio::io_context& io, int64_t wall_offset_ms)
      : io_(io), wall_offset_ms_(wall_offset_ms) {}

  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  int64_t WallMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count() +
           wall_offset_ms_;
  }
  TimerId Schedule(Duration delay, std::function<void()> fn) override {
    const TimerId id = next_id_++;
    auto timer = std::make_unique<boost::asio::steady_timer>(io_, delay);
    timer->async_wait([this, id, fn = std::move(fn)](const boost::system::error_code& ec) {
      // Cancel() erased the timer already; an error means it was cancelled or the loop stops.
      if (ec || timers_.erase(id) == 0) return;
      fn();
    });
    timers_.emplace(id, std::move(timer));
    return id;
  }
  bool Cancel(TimerId id) override {
    auto it = timers_.find(id);
    if (it == timers_.end()) return false;
    it->second->cancel();
    timers_.erase(it);
    return true;
  }

 private:
  boost::asio::io_context& io_;
  const int64_t wall_offset_ms_;
  TimerId next_id_ = 1;
  // A cancelled timer's handler still runs (with operation_aborted) after the timer object is
  // gone: Asio keeps the handler, not the timer.
  std::unordered_map<TimerId, std::unique_ptr<boost::asio::steady_timer>> timers_;
};

EventLoop::EventLoop(int64_t wall_offset_ms)
    : work_(std::make_unique<
            boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
          io_.get_executor())),
      clock_(std::make_unique<AsioClock>(io_, wall_offset_ms)) {}

EventLoop::~EventLoop() {
  Stop();
  // Pending timer handlers reference the clock; they are destroyed, never run, with io_.
  clock_.reset();
}

void EventLoop::Start() {
  thread_ = std::thread([this] {
    loop_thread_id_ = std::this_thread::get_id();
    io_.run();
  });
}

void EventLoop::Stop() {
  work_.reset();
  io_.stop();
  if (thread_.joinable() && !InLoop()) thread_.join();
}

void EventLoop::Post(std::function<void()> fn) { boost::asio::post(io_, std::move(fn)); }

void EventLoop::PostAndWait(const std::function<void()>& fn) {
  std::promise<void> done;
  Post([&] {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

Clock& EventLoop::clock() { return *clock_; }

}  // namespace herd::sidecar
