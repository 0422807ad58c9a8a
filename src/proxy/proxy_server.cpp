#include "proxy/proxy_server.hpp"

#include "proxy/timed_socket.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <stdexcept>

namespace gostly::proxy {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

ProxyServer::ProxyServer(ProxyState& state) : state_(state), handler_(state) {
  const auto& c = state.config();
  limits_.max_header_bytes = c.max_header_bytes;
  limits_.max_body_bytes = c.max_body_bytes;
  limits_.idle_timeout = c.idle_timeout;
  limits_.header_timeout = c.header_timeout;
  int n = std::max(1, c.threads);
  // One thread runs each context, and every operation on a context's sockets and timers is
  // started from a coroutine on that thread; the acceptor on context 0 only registers the
  // accepted socket (registration stays locked). So the reactor's per-socket I/O locks,
  // taken several times per request, are left out.
  for (int i = 0; i < n; ++i) {
    contexts_.push_back(std::make_unique<asio::io_context>(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO));
  }
}

ProxyServer::~ProxyServer() {
  Stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

std::uint16_t ProxyServer::Listen() {
  const auto& c = state_.config();
  boost::system::error_code ec;
  auto address = asio::ip::make_address(c.bind_address, ec);
  if (ec) throw std::runtime_error("bind address '" + c.bind_address + "' is not an IP address");
  tcp::endpoint endpoint(address, c.port);
  acceptor_ = std::make_unique<tcp::acceptor>(*contexts_[0]);
  acceptor_->open(endpoint.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(endpoint, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error(fmt::format("cannot listen on {}:{}: {}", c.bind_address, c.port,
                                         ec.message()));
  }
  return acceptor_->local_endpoint().port();
}

asio::awaitable<void> ProxyServer::AcceptLoop() {
  std::size_t next = 0;
  for (;;) {
    auto& ctx = *contexts_[next];
    next = (next + 1) % contexts_.size();
    auto [ec, socket] = co_await acceptor_->async_accept(ctx, kNoThrow);
    if (ec == asio::error::operation_aborted || !acceptor_->is_open()) co_return;
    if (ec) {
      // EMFILE and friends: back off briefly instead of spinning.
      spdlog::warn("accept failed: {}", ec.message());
      asio::steady_timer timer(co_await asio::this_coro::executor);
      timer.expires_after(std::chrono::milliseconds(50));
      co_await timer.async_wait(kNoThrow);
      continue;
    }
    boost::system::error_code opt_ec;
    socket.set_option(tcp::no_delay(true), opt_ec);
    auto executor = socket.get_executor();
    asio::co_spawn(
        executor,
        [this, s = TimedSocket(std::move(socket))]() mutable -> asio::awaitable<void> {
          co_await RunSession(s, handler_, state_.metrics(), limits_);
        },
        [](std::exception_ptr e) {
          if (!e) return;
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& ex) {
            spdlog::error("connection ended by an unexpected error: {}", ex.what());
          }
        });
  }
}

void ProxyServer::Run() {
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& ctx : contexts_) guards.push_back(asio::make_work_guard(*ctx));
  asio::co_spawn(*contexts_[0], AcceptLoop(), asio::detached);
  for (std::size_t i = 1; i < contexts_.size(); ++i) {
    threads_.emplace_back([ctx = contexts_[i].get()] {
      ctx->run();
      Forwarder::ReleaseThreadPool();
    });
  }
  contexts_[0]->run();
  // Pooled upstream sockets are thread-local but belong to this thread's io_context: close
  // them now, not at thread exit after the io_context is gone.
  Forwarder::ReleaseThreadPool();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void ProxyServer::Stop() {
  for (auto& ctx : contexts_) ctx->stop();
}

}  // namespace gostly::proxy
