// The listener: N single-threaded io_contexts (one per I/O thread), an acceptor that hands
// connections out round-robin, and one RunSession coroutine per connection. Each thread has
// its own upstream pool and metric shard, so connections share no lock.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "proxy/proxy_state.hpp"
#include "proxy/request_handler.hpp"
#include "proxy/session.hpp"

namespace gostly::proxy {

class ProxyServer {
 public:
  explicit ProxyServer(ProxyState& state);
  ~ProxyServer();

  // Binds and listens; returns the bound port. Throws std::runtime_error with a clear
  // message when the address is taken or invalid.
  std::uint16_t Listen();

  // Runs the I/O threads until Stop(); the calling thread becomes I/O thread 0.
  void Run();

  // Thread-safe; may be called from a signal-handling coroutine.
  void Stop();

 private:
  boost::asio::awaitable<void> AcceptLoop();

  ProxyState& state_;
  RequestHandler handler_;
  SessionLimits limits_;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::vector<std::thread> threads_;
};

}  // namespace gostly::proxy
