#include "control/http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <cctype>

namespace gostly::control {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

namespace {

struct Target {
  std::string host;
  std::string port;
  std::string prefix;
};

common::Result<Target> ParseBase(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) {
    return common::MakeError("URL '" + url + "' must start with http://",
                             common::ErrorCode::kInvalidArgument);
  }
  std::string rest = url.substr(kScheme.size());
  Target t;
  std::size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) t.prefix = rest.substr(slash);
  while (!t.prefix.empty() && t.prefix.back() == '/') t.prefix.pop_back();
  std::size_t colon = authority.rfind(':');
  if (colon == std::string::npos) {
    t.host = authority;
    t.port = "80";
  } else {
    t.host = authority.substr(0, colon);
    t.port = authority.substr(colon + 1);
  }
  if (t.host.size() > 2 && t.host.front() == '[' && t.host.back() == ']') {
    t.host = t.host.substr(1, t.host.size() - 2);
  }
  if (t.host.empty() || t.port.empty()) {
    return common::MakeError("URL '" + url + "' has no host or port",
                             common::ErrorCode::kInvalidArgument);
  }
  return t;
}

}  // namespace

common::Result<HttpResult> HttpCall(const std::string& base_url, const std::string& method,
                                    const std::string& target, const std::string& body,
                                    const HttpCallOptions& options) {
  auto base = ParseBase(base_url);
  if (!base) return base.error_value();
  asio::io_context io;
  std::string failure;
  HttpResult result;
  auto run = [&]() -> asio::awaitable<void> {
    tcp::resolver resolver(io);
    auto [rec, endpoints] = co_await resolver.async_resolve(base->host, base->port, kNoThrow);
    if (rec) {
      failure = "cannot resolve " + base->host + ": " + rec.message();
      co_return;
    }
    beast::tcp_stream stream(io);
    stream.expires_after(options.timeout);
    auto [cec, ep] = co_await stream.async_connect(endpoints, kNoThrow);
    (void)ep;
    if (cec) {
      failure = "cannot connect to " + base_url + ": " + cec.message();
      co_return;
    }
    http::request<http::string_body> req{http::string_to_verb(method), base->prefix + target, 11};
    req.set(http::field::host, base->host + ":" + base->port);
    req.set(http::field::user_agent, "gostly");
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : options.headers) req.set(name, value);
    req.body() = body;
    req.keep_alive(false);
    req.prepare_payload();
    auto [wec, w] = co_await http::async_write(stream, req, kNoThrow);
    (void)w;
    if (wec) {
      failure = "cannot send to " + base_url + ": " + wec.message();
      co_return;
    }
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(256 * 1024 * 1024);
    auto [rdec, r] = co_await http::async_read(stream, buffer, parser, kNoThrow);
    (void)r;
    if (rdec) {
      failure = "no answer from " + base_url + ": " + rdec.message();
      co_return;
    }
    auto& msg = parser.get();
    result.status = static_cast<int>(msg.result_int());
    for (const auto& f : msg) {
      std::string name(f.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      result.headers[name] = std::string(f.value());
    }
    result.body = std::move(msg.body());
  };
  asio::co_spawn(io, run(), [&](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      failure = ex.what();
    }
  });
  io.run();
  if (!failure.empty()) return common::MakeError(failure, common::ErrorCode::kUnavailable);
  return result;
}

}  // namespace gostly::control
