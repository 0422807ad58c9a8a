// gostly_test_upstream: a small but real REST server for integration tests.
//
// It is the "production API" the proxy learns from. One thread per connection (synchronous
// Beast), keep-alive, optional TLS. Deterministic: customer ids come from a seeded RNG and
// item ids count up from 1, so two runs with the same requests give the same bodies.
//
//   --port N          listen port (0, the default, picks a free one)
//   --bind ADDR       listen address (default 127.0.0.1)
//   --port-file PATH  after listening, write the bound port and '\n' (temp file + rename)
//   --tls-cert PATH   serve HTTPS with this certificate chain (PEM) ...
//   --tls-key PATH    ... and this private key (PEM)
//   --name NAME       reported by /echo and in X-Upstream-Name (default "upstream")
//   --seed N          RNG seed for customer ids (default 1234)
//
// Endpoints (JSON responses are compact):
//   POST /api/items, GET /api/items, GET|PUT|PATCH|DELETE /api/items/{id}
//   POST /api/customers, GET /api/customers, GET|PUT|PATCH|DELETE /api/customers/{id}
//   POST /api/customers/{id}/suspend|reactivate   its own lifecycle: active ⇄ suspended,
//                        409 {"error":"invalid_state"} otherwise
//   ANY /echo            {"server","method","target","headers":{lower-case name: value|[values]},"body"}
//   GET /set-cookie      two Set-Cookie headers
//   GET /gzip            gzip-encoded JSON body (Content-Encoding: gzip)
//   GET /chunked         Transfer-Encoding: chunked, several chunks
//   GET /binary          bytes 0..255, application/octet-stream
//   GET /slow?ms=N       answers after N ms (other connections are unaffected)
//   ANY /status/{code}   answers with that status
//   GET /counter         {"n":k}, k = 1, 2, 3, ... across all connections
// Unknown paths and ids answer 404 {"error":"not_found",...}.
#include <zlib.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace json = boost::json;
using tcp = boost::asio::ip::tcp;

struct Options {
  std::uint16_t port = 0;
  std::string bind = "127.0.0.1";
  std::string port_file;
  std::string tls_cert;
  std::string tls_key;
  std::string name = "upstream";
  std::uint32_t seed = 1234;
};

[[noreturn]] void Usage(const std::string& why) {
  std::cerr << "gostly_test_upstream: " << why << "\n"
            << "usage: gostly_test_upstream [--port N] [--bind ADDR] [--port-file PATH]"
               " [--tls-cert PEM --tls-key PEM] [--name NAME] [--seed N]\n";
  std::exit(2);
}

std::optional<long> ParseLong(std::string_view text) {
  long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Options ParseOptions(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Usage(std::string(flag) + " needs a value");
      return argv[++i];
    };
    if (flag == "--port") {
      const auto port = ParseLong(next());
      if (!port || *port < 0 || *port > 65535) Usage("--port must be 0..65535");
      options.port = static_cast<std::uint16_t>(*port);
    } else if (flag == "--bind") {
      options.bind = next();
    } else if (flag == "--port-file") {
      options.port_file = next();
    } else if (flag == "--tls-cert") {
      options.tls_cert = next();
    } else if (flag == "--tls-key") {
      options.tls_key = next();
    } else if (flag == "--name") {
      options.name = next();
    } else if (flag == "--seed") {
      const auto seed = ParseLong(next());
      if (!seed || *seed < 0) Usage("--seed must be a non-negative integer");
      options.seed = static_cast<std::uint32_t>(*seed);
    } else if (flag == "--help" || flag == "-h") {
      Usage("help");
    } else {
      Usage("unknown flag " + std::string(flag));
    }
  }
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    Usage("--tls-cert and --tls-key go together");
  }
  return options;
}

// Compresses with zlib in gzip framing. The header's mtime is 0, so the bytes are stable.
std::string Gzip(std::string_view plain) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out(deflateBound(&zs, static_cast<uLong>(plain.size())) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  zs.avail_in = static_cast<uInt>(plain.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  const auto written = out.size() - zs.avail_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate did not finish");
  out.resize(written);
  return out;
}

// Everything the endpoints share. Guarded by mu, except the atomics.
struct State {
  explicit State(const Options& options)
      : name(options.name), rng(options.seed) {
    std::string plain = R"({"compressed":true,"message":"hello from gzip","filler":")";
    for (int i = 0; i < 64; ++i) plain += "gostly ";
    plain += "\"}";
    gzip_body = Gzip(plain);
    for (int i = 0; i < 256; ++i) binary_body.push_back(static_cast<char>(i));
  }

  std::string NewCustomerId() {
    static constexpr std::string_view kAlphabet =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
    std::string suffix;
    bool has_digit = false;
    for (int i = 0; i < 10; ++i) {
      const char c = kAlphabet[pick(rng)];
      has_digit = has_digit || (c >= '0' && c <= '9');
      suffix.push_back(c);
    }
    // Real ids of this shape carry digits; a template matcher may rely on that.
    if (!has_digit) suffix[pick(rng) % suffix.size()] = static_cast<char>('0' + pick(rng) % 10);
    return "cus_" + suffix;
  }

  const std::string name;
  std::string gzip_body;
  std::string binary_body;
  std::atomic<std::int64_t> counter{0};

  std::mutex mu;
  std::mt19937 rng;
  std::int64_t next_item_id = 1;
  std::map<std::int64_t, json::object> items;
  std::map<std::string, json::object> customers;
  std::int64_t customers_created = 0;
};

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// What a handler decided to send. Chunked responses are written part by part.
struct Reply {
  Response response;
  std::vector<std::string> chunks;  // non-empty: send as Transfer-Encoding: chunked
};

Reply JsonReply(const Request& req, http::status status, const json::value& body) {
  Reply reply;
  reply.response = Response(status, req.version());
  reply.response.set(http::field::content_type, "application/json");
  reply.response.body() = json::serialize(body);
  return reply;
}

Reply NotFound(const Request& req, std::string_view what) {
  return JsonReply(req, http::status::not_found,
                   json::object{{"error", "not_found"},
                                {"message", std::string(what) + " not found"},
                                {"path", std::string(req.target())}});
}

Reply BadRequest(const Request& req, std::string_view message) {
  return JsonReply(req, http::status::bad_request,
                   json::object{{"error", "bad_request"}, {"message", message}});
}

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    const auto start = path.find_first_not_of('/');
    if (start == std::string_view::npos) break;
    path.remove_prefix(start);
    const auto end = path.find('/');
    parts.push_back(path.substr(0, end));
    if (end == std::string_view::npos) break;
    path.remove_prefix(end);
  }
  return parts;
}

std::optional<std::string_view> QueryParam(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == key) {
      return eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

// The request body as a JSON object; an empty body is an empty object.
std::optional<json::object> BodyObject(const Request& req) {
  if (req.body().empty()) return json::object{};
  boost::system::error_code ec;
  auto value = json::parse(req.body(), ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.as_object());
}

json::object Merge(json::object base, const json::object& patch) {
  for (const auto& field : patch) {
    if (field.key() == "id") continue;
    base[field.key()] = field.value();
  }
  return base;
}

Reply HandleItems(const Request& req, State& state, const std::vector<std::string_view>& parts) {
  const auto method = req.method();
  std::lock_guard lock(state.mu);
  if (parts.size() == 2) {
    if (method == http::verb::get) {
      json::array list;
      for (const auto& [id, item] : state.items) list.push_back(item);
      const auto total = static_cast<std::int64_t>(list.size());
      return JsonReply(req, http::status::ok,
                       json::object{{"items", std::move(list)}, {"total", total}});
    }
    if (method == http::verb::post) {
      auto body = BodyObject(req);
      if (!body) return BadRequest(req, "body must be a JSON object");
      const auto id = state.next_item_id++;
      json::object item;
      item["id"] = id;
      item = Merge(std::move(item), *body);
      if (!item.contains("status")) item["status"] = "created";
      state.items[id] = item;
      auto reply = JsonReply(req, http::status::created, item);
      reply.response.set(http::field::location, "/api/items/" + std::to_string(id));
      return reply;
    }
    return JsonReply(req, http::status::method_not_allowed,
                     json::object{{"error", "method_not_allowed"}});
  }
  const auto id = ParseLong(parts[2]);
  if (!id || parts.size() != 3) return NotFound(req, "item");
  const auto it = state.items.find(*id);
  if (it == state.items.end()) return NotFound(req, "item " + std::string(parts[2]));
  switch (method) {
    case http::verb::get:
      return JsonReply(req, http::status::ok, it->second);
    case http::verb::put: {
      auto body = BodyObject(req);
      if (!body) return BadRequest(req, "body must be a JSON object");
      json::object item;
      item["id"] = *id;
      item = Merge(std::move(item), *body);
      if (!item.contains("status")) item["status"] = "replaced";
      it->second = item;
      return JsonReply(req, http::status::ok, item);
    }
    case http::verb::patch: {
      auto body = BodyObject(req);
      if (!body) return BadRequest(req, "body must be a JSON object");
      it->second = Merge(it->second, *body);
      return JsonReply(req, http::status::ok, it->second);
    }
    case http::verb::delete_: {
      state.items.erase(it);
      return JsonReply(req, http::status::ok, json::object{{"id", *id}, {"deleted", true}});
    }
    default:
      return JsonReply(req, http::status::method_not_allowed,
                       json::object{{"error", "method_not_allowed"}});
  }
}

Reply HandleCustomers(const Request& req, State& state,
                      const std::vector<std::string_view>& parts) {
  const auto method = req.method();
  std::lock_guard lock(state.mu);
  if (parts.size() == 2) {
    if (method == http::verb::get) {
      json::array list;
      for (const auto& [id, customer] : state.customers) list.push_back(customer);
      return JsonReply(req, http::status::ok,
                       json::object{{"object", "list"}, {"data", std::move(list)}});
    }
    if (method == http::verb::post) {
      auto body = BodyObject(req);
      if (!body) return BadRequest(req, "body must be a JSON object");
      const auto id = state.NewCustomerId();
      json::object customer;
      customer["id"] = id;
      customer["object"] = "customer";
      customer["created"] = 1700000000 + state.customers_created++;
      customer = Merge(std::move(customer), *body);
      if (!customer.contains("status")) customer["status"] = "active";
      state.customers[id] = customer;
      auto reply = JsonReply(req, http::status::created, customer);
      reply.response.set(http::field::location, "/api/customers/" + id);
      return reply;
    }
    return JsonReply(req, http::status::method_not_allowed,
                     json::object{{"error", "method_not_allowed"}});
  }
  if (parts.size() != 3 && parts.size() != 4) return NotFound(req, "customer");
  const auto it = state.customers.find(std::string(parts[2]));
  if (it == state.customers.end()) return NotFound(req, "customer " + std::string(parts[2]));
  if (parts.size() == 4) {
    const std::string_view action = parts[3];
    if (method != http::verb::post || (action != "suspend" && action != "reactivate")) {
      return NotFound(req, "customer action " + std::string(action));
    }
    const json::value* status = it->second.if_contains("status");
    const std::string from = status && status->is_string() ? std::string(status->as_string()) : "";
    const std::string want_from = action == "suspend" ? "active" : "suspended";
    if (from != want_from) {
      return JsonReply(req, http::status::conflict,
                       json::object{{"error", "invalid_state"}, {"status", from}});
    }
    it->second["status"] = action == "suspend" ? "suspended" : "active";
    return JsonReply(req, http::status::ok, it->second);
  }
  switch (method) {
    case http::verb::get:
      return JsonReply(req, http::status::ok, it->second);
    case http::verb::put:
    case http::verb::patch: {
      auto body = BodyObject(req);
      if (!body) return BadRequest(req, "body must be a JSON object");
      it->second = Merge(method == http::verb::put
                             ? json::object{{"id", it->first}, {"object", "customer"}}
                             : it->second,
                         *body);
      return JsonReply(req, http::status::ok, it->second);
    }
    case http::verb::delete_: {
      const auto id = it->first;
      state.customers.erase(it);
      return JsonReply(req, http::status::ok,
                       json::object{{"id", id}, {"object", "customer"}, {"deleted", true}});
    }
    default:
      return JsonReply(req, http::status::method_not_allowed,
                       json::object{{"error", "method_not_allowed"}});
  }
}

Reply HandleEcho(const Request& req, const State& state) {
  json::object headers;
  for (const auto& field : req) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const json::string value(field.value());
    if (auto* existing = headers.if_contains(name)) {
      if (!existing->is_array()) *existing = json::array{*existing};
      existing->as_array().push_back(value);
    } else {
      headers[name] = value;
    }
  }
  return JsonReply(req, http::status::ok,
                   json::object{{"server", state.name},
                                {"method", std::string(req.method_string())},
                                {"target", std::string(req.target())},
                                {"headers", std::move(headers)},
                                {"body", req.body()}});
}

Reply Handle(const Request& req, State& state) {
  const std::string_view target = req.target();
  const auto qmark = target.find('?');
  const auto path = target.substr(0, qmark);
  const auto query = qmark == std::string_view::npos ? std::string_view{}
                                                     : target.substr(qmark + 1);
  const auto parts = SplitPath(path);
  const auto method = req.method();

  if (parts.size() >= 2 && parts[0] == "api" && parts[1] == "items") {
    return HandleItems(req, state, parts);
  }
  if (parts.size() >= 2 && parts[0] == "api" && parts[1] == "customers") {
    return HandleCustomers(req, state, parts);
  }
  if (parts.size() == 1 && parts[0] == "echo") return HandleEcho(req, state);
  if (parts.size() == 1 && parts[0] == "set-cookie" && method == http::verb::get) {
    auto reply = JsonReply(req, http::status::ok, json::object{{"cookies", 2}});
    reply.response.insert(http::field::set_cookie,
                          "session=upstream-cookie-alpha; Path=/; HttpOnly");
    reply.response.insert(http::field::set_cookie, "csrf=upstream-cookie-beta; Path=/");
    return reply;
  }
  if (parts.size() == 1 && parts[0] == "gzip" && method == http::verb::get) {
    Reply reply;
    reply.response = Response(http::status::ok, req.version());
    reply.response.set(http::field::content_type, "application/json");
    reply.response.set(http::field::content_encoding, "gzip");
    reply.response.body() = state.gzip_body;
    return reply;
  }
  if (parts.size() == 1 && parts[0] == "chunked" && method == http::verb::get) {
    Reply reply;
    reply.response = Response(http::status::ok, req.version());
    reply.response.set(http::field::content_type, "text/plain; charset=utf-8");
    for (int i = 1; i <= 5; ++i) {
      reply.chunks.push_back("chunk " + std::to_string(i) + " of 5: " +
                             std::string(static_cast<std::size_t>(i) * 7, 'a' + i) + "\n");
    }
    return reply;
  }
  if (parts.size() == 1 && parts[0] == "binary" && method == http::verb::get) {
    Reply reply;
    reply.response = Response(http::status::ok, req.version());
    reply.response.set(http::field::content_type, "application/octet-stream");
    reply.response.body() = state.binary_body;
    return reply;
  }
  if (parts.size() == 1 && parts[0] == "slow") {
    const auto ms = ParseLong(QueryParam(query, "ms").value_or("0"));
    if (!ms || *ms < 0 || *ms > 600000) return BadRequest(req, "ms must be 0..600000");
    std::this_thread::sleep_for(std::chrono::milliseconds(*ms));
    return JsonReply(req, http::status::ok, json::object{{"slept_ms", *ms}});
  }
  if (parts.size() == 2 && parts[0] == "status") {
    const auto code = ParseLong(parts[1]);
    if (!code || *code < 200 || *code > 599) return BadRequest(req, "status must be 200..599");
    const auto status = static_cast<http::status>(*code);
    if (*code == 204 || *code == 304) {
      Reply reply;
      reply.response = Response(status, req.version());
      return reply;
    }
    return JsonReply(req, status, json::object{{"status", *code}});
  }
  if (parts.size() == 1 && parts[0] == "counter" && method == http::verb::get) {
    const auto n = ++state.counter;
    return JsonReply(req, http::status::ok, json::object{{"n", n}});
  }
  return NotFound(req, "route " + std::string(path));
}

template <class Stream>
void Serve(Stream& stream, State& state) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(64 * 1024);
    parser.body_limit(64 * 1024 * 1024);
    beast::error_code ec;
    http::read(stream, buffer, parser, ec);
    if (ec) return;  // end of stream, reset or garbage: this connection is done
    Request req = parser.release();
    const bool keep_alive = req.keep_alive();
    Reply reply = Handle(req, state);
    auto& res = reply.response;
    res.set(http::field::server, "gostly-test-upstream");
    res.set("X-Upstream-Name", state.name);
    res.keep_alive(keep_alive);
    if (reply.chunks.empty()) {
      res.prepare_payload();
      const auto code = res.result_int();
      if (code == 204 || code == 304) res.erase(http::field::content_length);
      http::write(stream, res, ec);
      if (ec) return;
    } else {
      http::response<http::empty_body> head(res.result(), res.version());
      for (const auto& field : res) head.insert(field.name_string(), field.value());
      head.keep_alive(keep_alive);
      head.chunked(true);
      http::response_serializer<http::empty_body> serializer(head);
      http::write_header(stream, serializer, ec);
      if (ec) return;
      for (const auto& chunk : reply.chunks) {
        net::write(stream, http::make_chunk(net::buffer(chunk)), ec);
        if (ec) return;
      }
      net::write(stream, http::make_chunk_last(), ec);
      if (ec) return;
    }
    if (!keep_alive) return;
  }
}

void ServePlain(tcp::socket socket, State& state) {
  Serve(socket, state);
  beast::error_code ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
}

void ServeTls(tcp::socket socket, ssl::context& tls, State& state) {
  ssl::stream<tcp::socket> stream(std::move(socket), tls);
  beast::error_code ec;
  stream.handshake(ssl::stream_base::server, ec);
  if (ec) return;
  Serve(stream, state);
  stream.shutdown(ec);
}

void WritePortFile(const std::string& path, std::uint16_t port) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << port << '\n';
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + temp);
  }
  std::filesystem::rename(temp, path);
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  const Options options = ParseOptions(argc, argv);
  try {
    State state(options);
    std::optional<ssl::context> tls;
    if (!options.tls_cert.empty()) {
      tls.emplace(ssl::context::tls_server);
      tls->use_certificate_chain_file(options.tls_cert);
      tls->use_private_key_file(options.tls_key, ssl::context::pem);
    }
    net::io_context ioc;
    const tcp::endpoint endpoint(net::ip::make_address(options.bind), options.port);
    tcp::acceptor acceptor(ioc);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(net::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(net::socket_base::max_listen_connections);
    const auto port = acceptor.local_endpoint().port();
    if (!options.port_file.empty()) WritePortFile(options.port_file, port);
    std::cerr << "gostly_test_upstream " << options.name << " listening on " << options.bind
              << ":" << port << (tls ? " (https)" : " (http)") << std::endl;
    for (;;) {
      beast::error_code ec;
      tcp::socket socket(ioc);
      acceptor.accept(socket, ec);
      if (ec) continue;  // e.g. EMFILE: keep serving the connections we have
      std::thread([socket = std::move(socket), &state, &tls]() mutable {
        if (tls) {
          ServeTls(std::move(socket), *tls, state);
        } else {
          ServePlain(std::move(socket), state);
        }
      }).detach();
    }
  } catch (const std::exception& e) {
    std::cerr << "gostly_test_upstream: " << e.what() << std::endl;
    return 1;
  }
}
