#include "proxy/in_memory_session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>

namespace gostly::proxy {

std::string ServeBytes(RequestHandler& handler, ProxyMetrics& metrics, SessionLimits limits,
                       std::string_view input) {
  boost::asio::io_context ioc;
  boost::beast::test::stream server(ioc);
  boost::beast::test::stream client(ioc);
  server.connect(client);
  // The input is queued for the server end to read, followed by end-of-stream; whatever
  // the session writes lands in the client end's input.
  server.append(input);
  server.close_remote();
  boost::asio::co_spawn(
      ioc,
      [&]() -> boost::asio::awaitable<void> {
        co_await RunSession(server, handler, metrics, limits);
      },
      boost::asio::detached);
  ioc.run();
  return std::string(client.str());
}

}  // namespace gostly::proxy
