// TimedSocket's deadline over a real loopback connection: it ends a pending read, moving it
// earlier takes effect, clearing it disarms it, and the send side survives an expiry.
// CoarseClock, which the deadlines are kept on, follows the steady clock within a tick.
// Each test has a guard timer that stops the io_context, so none can hang; the guards are
// far longer than the deadlines they check, and nothing asserts how fast anything ran.
#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "proxy/timed_socket.hpp"

namespace gostly::proxy {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// A connected loopback pair: `ours` wrapped in a TimedSocket, `peer` a plain socket.
struct Pair {
  explicit Pair(asio::io_context& io) : ours(io.get_executor()), peer(io) {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    peer.connect(acceptor.local_endpoint());
    ours.socket() = acceptor.accept();
  }
  TimedSocket ours;
  tcp::socket peer;
};

// Runs `body` to completion, or stops after `guard` and reports that it did not finish.
template <typename Body>
bool RunWithGuard(asio::io_context& io, std::chrono::milliseconds guard, Body body) {
  bool finished = false;
  asio::steady_timer stop(io, guard);
  stop.async_wait([&](const boost::system::error_code& ec) {
    if (!ec) io.stop();
  });
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await body();
        finished = true;
        stop.cancel();
      },
      asio::detached);
  io.run();
  return finished;
}

TEST(TimedSocket, DeadlineEndsAPendingReadAndMarksTheSocketExpired) {
  asio::io_context io;
  Pair pair(io);
  boost::system::error_code read_ec;
  ASSERT_TRUE(RunWithGuard(io, 10s, [&]() -> asio::awaitable<void> {
    char byte;
    pair.ours.expires_after(50ms);
    std::tie(read_ec, std::ignore) =
        co_await pair.ours.async_read_some(asio::buffer(&byte, 1), kNoThrow);
  })) << "the read outlived its 50 ms deadline by the whole 10 s guard";
  EXPECT_TRUE(read_ec) << "the peer sent nothing, so the read can only end in an error";
  EXPECT_TRUE(pair.ours.expired());
}

TEST(TimedSocket, AnEarlierDeadlineReplacesALaterOne) {
  asio::io_context io;
  Pair pair(io);
  ASSERT_TRUE(RunWithGuard(io, 10s, [&]() -> asio::awaitable<void> {
    char byte;
    pair.ours.expires_after(1h);  // armed for an hour ...
    pair.ours.expires_after(50ms);  // ... then moved to 50 ms
    co_await pair.ours.async_read_some(asio::buffer(&byte, 1), kNoThrow);
  })) << "the timer stayed armed for the hour";
  EXPECT_TRUE(pair.ours.expired());
}

TEST(TimedSocket, ALaterDeadlineIsHonouredWhenTheTimerFiresEarly) {
  asio::io_context io;
  Pair pair(io);
  bool expired_at_first_check = true;
  ASSERT_TRUE(RunWithGuard(io, 20s, [&]() -> asio::awaitable<void> {
    char byte;
    pair.ours.expires_after(30ms);  // the timer is armed for 30 ms
    pair.ours.expires_after(2s);  // the deadline moves later; the timer is not touched
    asio::steady_timer wait(co_await asio::this_coro::executor, 100ms);
    co_await wait.async_wait(kNoThrow);
    // The 30 ms wait has fired by now and found the deadline still ahead.
    expired_at_first_check = pair.ours.expired();
    co_await pair.ours.async_read_some(asio::buffer(&byte, 1), kNoThrow);
  }));
  EXPECT_FALSE(expired_at_first_check) << "expired at the timer's first wake-up, before its deadline";
  EXPECT_TRUE(pair.ours.expired()) << "the re-armed wait never ended the read";
}

TEST(TimedSocket, ExpiresNeverDisarmsTheDeadline) {
  asio::io_context io;
  Pair pair(io);
  std::string got;
  ASSERT_TRUE(RunWithGuard(io, 20s, [&]() -> asio::awaitable<void> {
    pair.ours.expires_after(30ms);
    pair.ours.expires_never();
    asio::steady_timer wait(co_await asio::this_coro::executor, 200ms);
    co_await wait.async_wait(kNoThrow);
    co_await asio::async_write(pair.peer, asio::buffer(std::string_view("hello")), kNoThrow);
    char buf[5];
    auto [ec, n] = co_await asio::async_read(pair.ours, asio::buffer(buf), kNoThrow);
    if (!ec) got.assign(buf, n);
  }));
  EXPECT_FALSE(pair.ours.expired());
  EXPECT_EQ(got, "hello");
}

TEST(TimedSocket, AfterExpiryReadsEndAtOnceButALastAnswerStillReachesThePeer) {
  asio::io_context io;
  Pair pair(io);
  boost::system::error_code second_read;
  std::string peer_got;
  ASSERT_TRUE(RunWithGuard(io, 10s, [&]() -> asio::awaitable<void> {
    char byte;
    pair.ours.expires_after(30ms);
    co_await pair.ours.async_read_some(asio::buffer(&byte, 1), kNoThrow);
    // Without a deadline now, a read that still waited for the peer would hang to the guard.
    pair.ours.expires_never();
    std::tie(second_read, std::ignore) =
        co_await pair.ours.async_read_some(asio::buffer(&byte, 1), kNoThrow);
    co_await asio::async_write(pair.ours, asio::buffer(std::string_view("HTTP/1.1 408")),
                               kNoThrow);
    pair.ours.socket().shutdown(tcp::socket::shutdown_send);
    char buf[64];
    auto [ec, n] = co_await asio::async_read(pair.peer, asio::buffer(buf), kNoThrow);
    peer_got.assign(buf, n);
  })) << "a read after the expiry waited for the peer";
  EXPECT_TRUE(pair.ours.expired());
  EXPECT_TRUE(second_read);
  EXPECT_EQ(peer_got, "HTTP/1.1 408");
}

TEST(TimedSocket, DestroyingTheSocketWithAWaitPendingIsSafe) {
  asio::io_context io;
  std::optional<Pair> pair(std::in_place, io);
  pair->ours.expires_after(1h);
  pair.reset();  // the pending wait is cancelled and its handler keeps the state alive
  EXPECT_NO_THROW(io.run());
}

TEST(CoarseClock, FollowsTheSteadyClockWithinItsResolution) {
  const auto steady0 = std::chrono::steady_clock::now();
  const auto coarse0 = CoarseClock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  const auto coarse1 = CoarseClock::now();
  const auto steady1 = std::chrono::steady_clock::now();
  EXPECT_GE(coarse1, coarse0);
  // Both are CLOCK_MONOTONIC; the coarse one lags by less than a tick (at most 10 ms on
  // any HZ setting).
  const auto coarse_elapsed = coarse1 - coarse0;
  const auto steady_elapsed = steady1 - steady0;
  EXPECT_LE(coarse_elapsed, steady_elapsed + std::chrono::milliseconds(10));
  EXPECT_GE(coarse_elapsed, std::chrono::milliseconds(30) - std::chrono::milliseconds(10));
}

}  // namespace
}  // namespace gostly::proxy
