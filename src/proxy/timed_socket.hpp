// A TCP socket with a deadline, for the proxy's client and upstream connections.
//
// Replaces beast::tcp_stream on the hot path. tcp_stream arms and cancels a timer around
// every read and write, which costs two timer-queue operations (each under the reactor's
// lock) and a handler allocation per I/O operation. Here the deadline is a plain time stored
// with the socket: setting it costs a read of the coarse monotonic clock (CoarseClock), and
// one timer per connection is re-armed lazily. When it fires before the deadline it waits again for the rest; it is moved earlier
// only when a deadline is set before the time it is armed for, which happens about once per
// connection, not once per request.
//
// On expiry, pending operations are cancelled (they complete with operation_aborted) and the
// receive side is shut down so that a read issued afterwards ends at once instead of waiting.
// The send side stays open: the session can still answer 408. expired() tells a caller that
// an error was the deadline's doing.
//
// Thread-safety: like the socket, used from its own I/O thread only.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <utility>

namespace gostly::proxy {

// CLOCK_MONOTONIC_COARSE: a few milliseconds of resolution, which deadlines of seconds do not
// notice, for a quarter of the cost of a steady_clock read (the proxy sets several deadlines
// per request).
struct CoarseClock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<CoarseClock>;
  static constexpr bool is_steady = true;
  static time_point now() noexcept;
};

class TimedSocket {
 public:
  using executor_type = boost::asio::ip::tcp::socket::executor_type;
  using lowest_layer_type = boost::asio::ip::tcp::socket::lowest_layer_type;
  using Clock = CoarseClock;

  explicit TimedSocket(boost::asio::ip::tcp::socket socket);
  explicit TimedSocket(const executor_type& executor);
  TimedSocket(TimedSocket&&) noexcept = default;
  TimedSocket& operator=(TimedSocket&&) noexcept = default;
  ~TimedSocket();

  executor_type get_executor() noexcept { return state_->socket.get_executor(); }
  boost::asio::ip::tcp::socket& socket() noexcept { return state_->socket; }
  lowest_layer_type& lowest_layer() noexcept { return state_->socket.lowest_layer(); }

  // The deadline for whatever I/O follows, until it is set again.
  void expires_after(Clock::duration after);
  void expires_never() noexcept { state_->deadline = Clock::time_point::max(); }
  // True once a deadline passed; the socket is then only good for a last write and a close.
  bool expired() const noexcept { return state_->expired; }

  template <typename MutableBuffers, typename Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return state_->socket.async_read_some(buffers, std::forward<Token>(token));
  }
  template <typename ConstBuffers, typename Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return state_->socket.async_write_some(buffers, std::forward<Token>(token));
  }

 private:
  struct State {
    explicit State(boost::asio::ip::tcp::socket s)
        : socket(std::move(s)), timer(socket.get_executor()) {}
    boost::asio::ip::tcp::socket socket;
    boost::asio::steady_timer timer;
    Clock::time_point deadline = Clock::time_point::max();
    Clock::time_point armed_for = Clock::time_point::max();  // max: no wait pending
    std::uint64_t generation = 0;  // of the pending wait; an older one's handler does nothing
    bool expired = false;
  };
  static void Arm(const std::shared_ptr<State>& state);

  // Shared with the pending timer wait, which may outlive this object by one handler run.
  std::shared_ptr<State> state_;
};

}  // namespace gostly::proxy
