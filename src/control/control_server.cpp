#include "control/control_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <tuple>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <stdexcept>

namespace gostly::control {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

ApiResponse JsonResponse(int status, const json::value& body) {
  ApiResponse r;
  r.status = status;
  r.body = json::serialize(body);
  return r;
}

ApiResponse ErrorResponse(int status, std::string_view error_code, std::string_view detail) {
  return JsonResponse(status, json::object{{"detail", detail}, {"error_code", error_code}});
}

void ThrowStoreError(const common::Error& error) {
  using common::ErrorCode;
  switch (error.code) {
    case ErrorCode::kNotFound: throw ApiError(404, "not_found", error.message);
    case ErrorCode::kConflict: throw ApiError(409, "conflict", error.message);
    case ErrorCode::kInvalidArgument: throw ApiError(422, "invalid_argument", error.message);
    case ErrorCode::kUnavailable:
      throw ApiError(503, "store_unavailable",
                     "The database is unavailable (" + error.message +
                         "); the proxy keeps serving its library. Retry when it is back.");
    case ErrorCode::kFailedPrecondition:
      throw ApiError(409, "failed_precondition", error.message);
    case ErrorCode::kUnspecified: break;
  }
  throw ApiError(500, "internal_error", error.message);
}

std::string DefaultErrorCode(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 408: return "request_timeout";
    case 413: return "payload_too_large";
    case 422: return "invalid_request";
    case 503: return "unavailable";
    default: return status >= 500 ? "internal_error" : "error";
  }
}

ControlServer::ControlServer(ServerOptions options, Handler handler)
    : options_(std::move(options)), handler_(std::move(handler)), io_(options_.threads) {}

ControlServer::~ControlServer() { Stop(); }

std::uint16_t ControlServer::Listen() {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(options_.bind_address, ec);
  if (ec) {
    throw std::runtime_error("control bind address '" + options_.bind_address +
                             "' is not an IP address");
  }
  tcp::endpoint endpoint(address, options_.port);
  acceptor_ = std::make_unique<tcp::acceptor>(io_);
  acceptor_->open(endpoint.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(endpoint, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error(fmt::format("control plane cannot listen on {}:{}: {}",
                                         options_.bind_address, options_.port, ec.message()));
  }
  return acceptor_->local_endpoint().port();
}

void ControlServer::Start() {
  asio::co_spawn(io_, AcceptLoop(), asio::detached);
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    threads_.emplace_back([this] { io_.run(); });
  }
}

void ControlServer::Stop() {
  if (acceptor_) {
    asio::post(io_, [this] {
      boost::system::error_code ec;
      acceptor_->close(ec);
    });
  }
  io_.stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

asio::awaitable<void> ControlServer::AcceptLoop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_->async_accept(kNoThrow);
    if (ec == asio::error::operation_aborted || !acceptor_->is_open()) co_return;
    if (ec) {
      spdlog::warn("control plane: accept failed: {}", ec.message());
      asio::steady_timer timer(io_);
      timer.expires_after(std::chrono::milliseconds(50));
      co_await timer.async_wait(kNoThrow);
      continue;
    }
    asio::co_spawn(io_, Session(std::move(socket)), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        spdlog::error("control plane: connection ended by an unexpected error: {}", ex.what());
      }
    });
  }
}

namespace {

ApiResponse Dispatch(const ControlServer::Handler& handler, ApiRequest& request) {
  try {
    return handler(request);
  } catch (const ApiError& e) {
    return ErrorResponse(e.status(), e.error_code(), e.what());
  } catch (const std::exception& e) {
    spdlog::error("control plane: {} {} failed: {}", request.method, request.path, e.what());
    return ErrorResponse(500, "internal_error",
                         "The request failed unexpectedly; the control plane log has details.");
  }
}

}  // namespace

asio::awaitable<void> ControlServer::Session(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(64 * 1024);
    parser.body_limit(options_.max_body_bytes);
    stream.expires_after(options_.idle_timeout);
    // Header first: a client that sent "Expect: 100-continue" (curl does for large bodies)
    // waits for the go-ahead before it sends the body.
    auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kNoThrow);
    if (!ec && !parser.is_done()) {
      if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        co_await asio::async_write(stream, asio::buffer(kContinue.data(), kContinue.size()),
                                   kNoThrow);
      }
      std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, kNoThrow);
    }
    (void)n;
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == beast::error::timeout) {
      break;
    }
    ApiResponse response;
    bool keep_alive = false;
    if (ec) {
      int status = ec == http::error::body_limit ? 413
                   : ec == http::error::header_limit ? 431 : 400;
      response = ErrorResponse(
          status, status == 413 ? "payload_too_large" : "bad_request",
          status == 413 ? fmt::format("The body exceeds {} bytes.", options_.max_body_bytes)
                        : "Malformed HTTP request: " + ec.message());
    } else {
      auto& msg = parser.get();
      keep_alive = msg.keep_alive();
      ApiRequest request;
      request.method = std::string(msg.method_string());
      std::string_view target = msg.target();
      std::size_t q = target.find('?');
      request.path = std::string(target.substr(0, q));
      if (q != std::string_view::npos) request.query = std::string(target.substr(q + 1));
      for (const auto& field : msg) {
        std::string name(field.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        request.headers[name] = std::string(field.value());
      }
      request.body = std::move(msg.body());
      response = Dispatch(handler_, request);
    }
    http::response<http::string_body> out{static_cast<http::status>(response.status), 11};
    out.set(http::field::content_type, response.content_type);
    out.set(http::field::server, "gostly-control");
    for (const auto& [name, value] : response.headers) out.set(name, value);
    out.body() = std::move(response.body);
    out.keep_alive(keep_alive);
    out.prepare_payload();
    stream.expires_after(options_.idle_timeout);
    auto [wec, written] = co_await http::async_write(stream, out, kNoThrow);
    (void)written;
    if (wec || !keep_alive) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace gostly::control
