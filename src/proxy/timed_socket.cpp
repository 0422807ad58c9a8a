#include "proxy/timed_socket.hpp"

#include <time.h>

namespace gostly::proxy {

namespace asio = boost::asio;

CoarseClock::time_point CoarseClock::now() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return time_point(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
}

TimedSocket::TimedSocket(asio::ip::tcp::socket socket)
    : state_(std::make_shared<State>(std::move(socket))) {}

TimedSocket::TimedSocket(const executor_type& executor)
    : TimedSocket(asio::ip::tcp::socket(executor)) {}

TimedSocket::~TimedSocket() {
  if (!state_) return;  // moved from
  boost::system::error_code ignored;
  state_->timer.cancel();
  state_->socket.close(ignored);
}

void TimedSocket::expires_after(Clock::duration after) {
  State& s = *state_;
  s.deadline = Clock::now() + after;
  // A wait already pending for an earlier time re-checks then; only an earlier deadline
  // needs the timer moved.
  if (s.deadline < s.armed_for) Arm(state_);
}

void TimedSocket::Arm(const std::shared_ptr<State>& state) {
  State& s = *state;
  s.armed_for = s.deadline;
  // The timer runs on steady_clock; the deadline is on the coarse clock, which lags it by
  // less than its resolution, so at worst the wait ends that much early and is re-armed.
  s.timer.expires_after(s.deadline - Clock::now());  // cancels a wait pending for a later time
  const std::uint64_t generation = ++s.generation;
  s.timer.async_wait([state, generation](const boost::system::error_code& ec) {
    State& st = *state;
    // Cancelled, or superseded by a later Arm whose own wait is pending.
    if (ec == asio::error::operation_aborted || generation != st.generation) return;
    st.armed_for = Clock::time_point::max();
    if (st.deadline == Clock::time_point::max()) return;
    if (Clock::now() < st.deadline) {
      Arm(state);
      return;
    }
    st.expired = true;
    boost::system::error_code ignored;
    st.socket.cancel(ignored);
    st.socket.shutdown(asio::socket_base::shutdown_receive, ignored);
  });
}

}  // namespace gostly::proxy
