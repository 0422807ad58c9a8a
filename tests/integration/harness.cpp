#include "harness.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace gostly::integration {
namespace {

constexpr auto kStartTimeout = 15s;
constexpr std::size_t kLogTail = 4000;

std::string Tail(const std::string& text, std::size_t n) {
  return text.size() <= n ? text : "..." + text.substr(text.size() - n);
}

}  // namespace

UpstreamProcess::UpstreamProcess(const fs::path& work_dir, Options options)
    : tls_(!options.tls_cert.empty()) {
  static int sequence = 0;
  const std::string stem = "upstream-" + options.name + "-" + std::to_string(++sequence);
  const fs::path port_file = work_dir / (stem + ".port");
  test_support::SpawnOptions spawn;
  spawn.program = GOSTLY_UPSTREAM_BINARY;
  spawn.args = {"--port", "0", "--port-file", port_file.string(), "--name", options.name};
  if (tls_) {
    spawn.args.insert(spawn.args.end(), {"--tls-cert", options.tls_cert.string(), "--tls-key",
                                         options.tls_key.string()});
  }
  spawn.output_file = work_dir / (stem + ".log");
  try {
    process_ = ChildProcess::Spawn(spawn);
  } catch (const std::exception& e) {
    why_ = std::string("cannot spawn the test upstream: ") + e.what();
    return;
  }
  std::string why;
  if (auto port = test_support::WaitForPortFile(port_file, process_, kStartTimeout, &why)) {
    port_ = *port;
  } else {
    why_ = "test upstream did not start: " + why + "\n" + Tail(process_.Output(), kLogTail);
    process_.Stop();
  }
}

std::string UpstreamProcess::url() const {
  return std::string(tls_ ? "https" : "http") + "://" + host_port();
}

void UpstreamProcess::Stop() { process_.Stop(); }

ProxyProcess::ProxyProcess(const fs::path& work_dir, ProxyOptions options)
    : work_dir_(work_dir), options_(std::move(options)) {
  static int sequence = 0;
  const std::string stem = "proxy-" + std::to_string(++sequence);
  port_file_ = work_dir_ / (stem + ".port");
  control_port_file_ = work_dir_ / (stem + ".control-port");
  log_file_ = work_dir_ / (stem + ".log");
  if (options_.data_dir.empty()) options_.data_dir = work_dir_ / "data";
}

bool ProxyProcess::Start(std::string* why) {
  process_.Stop();
  std::error_code ec;
  fs::remove(port_file_, ec);
  fs::remove(control_port_file_, ec);
  fs::create_directories(options_.data_dir, ec);
  test_support::SpawnOptions spawn;
  spawn.program = GOSTLY_BINARY;
  spawn.args = {options_.up ? "up" : "proxy", "--port",
                "0",           "--port-file",
                port_file_.string(), "--data-dir",
                options_.data_dir.string()};
  if (options_.up) {
    spawn.args.insert(spawn.args.end(), {"--control-port", "0", "--control-port-file",
                                         control_port_file_.string()});
  }
  spawn.args.insert(spawn.args.end(), options_.args.begin(), options_.args.end());
  // Quiet defaults that keep two cores usable; a test's own env entries win.
  spawn.env = {{"PROXY_THREADS", "2"}, {"LOG_LEVEL", "info"}};
  for (const auto& entry : options_.env) {
    std::erase_if(spawn.env, [&](const auto& kv) { return kv.first == entry.first; });
    spawn.env.push_back(entry);
  }
  spawn.output_file = log_file_;
  AppendFile(log_file_, "=== gostly proxy start ===\n");
  try {
    process_ = ChildProcess::Spawn(spawn);
  } catch (const std::exception& e) {
    if (why != nullptr) *why = std::string("cannot spawn gostly: ") + e.what();
    return false;
  }
  std::string reason;
  if (auto port = test_support::WaitForPortFile(port_file_, process_, kStartTimeout, &reason)) {
    port_ = *port;
    if (!options_.up) return true;
    // `up` writes the control port before the proxy's.
    if (auto control = test_support::WaitForPortFile(control_port_file_, process_, kStartTimeout,
                                                     &reason)) {
      control_port_ = *control;
      return true;
    }
  }
  port_ = 0;
  if (why != nullptr) *why = "gostly proxy did not start: " + reason + "\n--- log ---\n" +
                             Tail(Log(), kLogTail);
  process_.Stop();
  return false;
}

std::optional<int> ProxyProcess::Stop() { return process_.Stop(10s); }

std::optional<int> ProxyProcess::Kill9() { return process_.KillNow(); }

std::string ProxyProcess::Log() const { return test_support::ReadFile(log_file_); }

HttpResponse ProxyProcess::Send(std::string_view method, std::string_view target,
                                std::string_view body, const HeaderList& headers) const {
  return test_support::Request(port_, method, target, body, headers);
}

HttpResponse ProxyProcess::Control(std::string_view method, std::string_view target,
                                   std::string_view body, const HeaderList& headers) const {
  return test_support::Request(control_port_, method, target, body, headers,
                               std::chrono::seconds(30));
}

HttpResponse ProxyProcess::Get(std::string_view target, const HeaderList& headers) const {
  return Send("GET", target, {}, headers);
}

std::string ProxyProcess::Mode(const HeaderList& headers) const {
  const auto response = Get("/ghost/mode", headers);
  if (response.status != 200) return {};
  return StringField(ParseJson(response.body), "mode");
}

HttpResponse ProxyProcess::SetMode(std::string_view mode, const HeaderList& headers) const {
  return Send("POST", "/ghost/mode",
              json::serialize(json::object{{"mode", json::string(mode)}}), headers);
}

json::value ParseJson(std::string_view text) {
  boost::system::error_code ec;
  auto value = json::parse(text, ec);
  if (ec) return nullptr;
  return value;
}

std::vector<json::object> ReadJsonLines(const fs::path& path) {
  std::vector<json::object> records;
  std::ifstream in(path, std::ios::binary);
  std::string line;
  while (std::getline(in, line)) {
    auto value = ParseJson(line);
    if (value.is_object()) records.push_back(std::move(value.as_object()));
  }
  return records;
}

std::string StringField(const json::value& value, std::string_view key) {
  if (!value.is_object()) return {};
  const auto* field = value.as_object().if_contains(key);
  if (field == nullptr || !field->is_string()) return {};
  return std::string(field->as_string());
}

bool HasRecord(const std::vector<json::object>& records, std::string_view method,
               std::string_view uri) {
  return std::any_of(records.begin(), records.end(), [&](const json::object& record) {
    return StringField(record, "method") == method && StringField(record, "uri") == uri;
  });
}

std::vector<fs::path> FilesUnder(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file()) files.push_back(it->path());
  }
  return files;
}

void WriteFile(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

void AppendFile(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

int RawStatus(std::string_view received) {
  // "HTTP/1.1 431 ..." — the code sits after the first space.
  if (received.substr(0, 5) != "HTTP/") return 0;
  const auto space = received.find(' ');
  if (space == std::string_view::npos || received.size() < space + 4) return 0;
  int code = 0;
  for (std::size_t i = space + 1; i < space + 4; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(received[i]))) return 0;
    code = code * 10 + (received[i] - '0');
  }
  return code;
}

std::string Describe(const HttpResponse& response) {
  std::ostringstream out;
  if (!response.error.empty()) {
    out << "transport error: " << response.error;
    return out.str();
  }
  out << response.status;
  for (const auto& [name, value] : response.headers) {
    const auto lower = ToLower(name);
    if (lower.rfind("x-ghost", 0) == 0 || lower == "content-type" || lower == "retry-after") {
      out << " [" << name << ": " << value << "]";
    }
  }
  out << " body=" << Tail(response.body, 400);
  return out.str();
}

std::string ToLower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace gostly::integration
