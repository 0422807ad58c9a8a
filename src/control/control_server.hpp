// The control plane's HTTP listener (:8000): Beast, one coroutine per connection on a small
// thread pool. Each request is turned into an ApiRequest and given to the handler, which
// may block (database calls): the control plane is not a hot path, and a few threads are
// enough for operators and scripts. A handler's ApiError becomes its JSON error body; any
// other exception a 500 whose detail is logged, not sent.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "control/api_types.hpp"

namespace gostly::control {

struct ServerOptions {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 8000;
  int threads = 2;
  std::size_t max_body_bytes = 64 * 1024 * 1024;
  std::chrono::milliseconds idle_timeout{60000};
};

class ControlServer {
 public:
  using Handler = std::function<ApiResponse(ApiRequest&)>;

  ControlServer(ServerOptions options, Handler handler);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Binds and listens; returns the bound port. Throws std::runtime_error with a clear
  // message when the address is taken or invalid.
  std::uint16_t Listen();
  // Starts the I/O threads and returns.
  void Start();
  // Stops accepting and joins the threads. Idempotent.
  void Stop();

 private:
  boost::asio::awaitable<void> AcceptLoop();
  boost::asio::awaitable<void> Session(boost::asio::ip::tcp::socket socket);

  ServerOptions options_;
  Handler handler_;
  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::vector<std::thread> threads_;
};

// The HTTP reason phrase's machine-readable cousin for error_code when none is given.
std::string DefaultErrorCode(int status);

}  // namespace gostly::control
