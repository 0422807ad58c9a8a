#include "cli_commands.hpp"

#include <boost/json.hpp>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <iostream>
#include <thread>

#include "control/http_client.hpp"
#include "seed/exporter.hpp"
#include "seed/importer.hpp"
#include "seed/json_input.hpp"
#include "seed/openapi_bundle.hpp"

namespace gostly::apps {

namespace json = boost::json;

namespace {

// One-line failure: "gostly <verb>: <reason>", exit code 1.
int Fail(std::string_view verb, std::string_view reason) {
  std::cerr << "gostly " << verb << ": " << reason << '\n';
  return 1;
}

struct Reply {
  int status = 0;
  json::value body;
  std::string error;  // transport failure or an API error's detail
};

Reply Call(const CliOptions& o, const std::string& method, const std::string& target,
           const std::string& body = {}) {
  control::HttpCallOptions options;
  if (!o.api_key.empty()) options.headers.emplace_back("X-API-Key", o.api_key);
  options.timeout = std::chrono::seconds(60);
  Reply reply;
  auto result = control::HttpCall(o.url, method, target, body, options);
  if (!result) {
    reply.error = "control plane unreachable at " + o.url + " (" + result.error() +
                  "); is `gostly up` running? (set GOSTLY_URL to point elsewhere)";
    return reply;
  }
  reply.status = result->status;
  boost::system::error_code ec;
  reply.body = json::parse(result->body, ec);
  if (ec) reply.body = nullptr;
  if (reply.status >= 400) {
    const json::value* d = reply.body.is_object() ? reply.body.as_object().if_contains("detail")
                                                  : nullptr;
    reply.error = "HTTP " + std::to_string(reply.status) + ": " +
                  (d && d->is_string() ? std::string(d->as_string()) : result->body.substr(0, 200));
  }
  return reply;
}

std::string Str(const json::value& v, std::string_view key) {
  if (!v.is_object()) return {};
  const json::value* f = v.as_object().if_contains(key);
  if (f == nullptr || f->is_null()) return {};
  return f->is_string() ? std::string(f->as_string()) : json::serialize(*f);
}

void ProgressBar(double fraction, const std::string& state, std::int64_t count,
                 const char* noun = "exchanges") {
  constexpr int kWidth = 30;
  int filled = static_cast<int>(fraction * kWidth + 0.5);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(kWidth, '.');
  std::fprintf(stdout, "\r[%s] %3d%%  %-9s %lld %s", bar.c_str(),
               static_cast<int>(fraction * 100 + 0.5), state.c_str(),
               static_cast<long long>(count), noun);
  std::fflush(stdout);
}

std::string UrlEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace

void AddCliOptions(CLI::App& app, CliOptions& o) {
  app.add_option("--url", o.url, "Control plane URL")->envname("GOSTLY_URL");
  app.add_option("--api-key", o.api_key, "API key (X-API-Key)")->envname("GHOST_API_KEY");
}

int RunModeCommand(const CliOptions& o) {
  Reply r = o.mode.empty()
                ? Call(o, "GET", "/v1/mode")
                : Call(o, "POST", "/v1/mode", json::serialize(json::object{{"mode", o.mode}}));
  if (!r.error.empty()) return Fail("mode", r.error);
  std::cout << Str(r.body, "mode") << '\n';
  return 0;
}

int RunStatusCommand(const CliOptions& o) {
  Reply health = Call(o, "GET", "/healthz");
  if (health.status == 0) return Fail("status", health.error);
  std::cout << "control plane: " << o.url << " (" << Str(health.body, "status") << ")\n"
            << "store:         " << Str(health.body, "store")
            << (Str(health.body, "store_ok") == "true" ? "" : " (unreachable)") << '\n'
            << "proxy mode:    "
            << (Str(health.body, "proxy_mode").empty() ? "unreachable"
                                                        : Str(health.body, "proxy_mode"))
            << '\n';
  Reply jobs = Call(o, "GET", "/v1/transition/jobs?limit=1");
  if (jobs.error.empty() && jobs.body.is_object()) {
    const auto& items = jobs.body.as_object().at("items").as_array();
    if (!items.empty()) {
      std::cout << "last transition: " << Str(items[0], "job_id") << " " << Str(items[0], "state");
      if (!Str(items[0], "error").empty()) std::cout << " (" << Str(items[0], "error") << ")";
      std::cout << '\n';
    }
  }
  return health.status == 200 ? 0 : Fail("status", Str(health.body, "detail"));
}

int RunTransitionCommand(const CliOptions& o) {
  Reply started = Call(o, "POST", "/v1/transition/start", "{}");
  if (!started.error.empty()) return Fail("transition", started.error);
  const std::string id = Str(started.body, "job_id");
  std::cout << "transition " << id << " started\n";
  if (o.no_wait) return 0;
  const bool tty = ::isatty(STDOUT_FILENO) == 1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.timeout_s);
  for (;;) {
    Reply status = Call(o, "GET", "/v1/transition/" + id + "/status");
    if (!status.error.empty()) return Fail("transition", status.error);
    const std::string state = Str(status.body, "state");
    double progress = 0;
    if (status.body.is_object()) {
      if (const auto* p = status.body.as_object().if_contains("progress_percent");
          p && p->is_number()) {
        progress = p->to_number<double>() / 100.0;
      }
    }
    std::int64_t exchanges = std::atoll(Str(status.body, "exchanges_read").c_str());
    if (tty) ProgressBar(progress, state, exchanges);
    if (state == "succeeded") {
      if (tty) std::cout << '\n';
      std::cout << "transition " << id << " succeeded: " << exchanges << " exchanges, "
                << Str(status.body, "entries_staged") << " library entries; proxy now MOCK\n";
      return 0;
    }
    if (state == "failed") {
      if (tty) std::cout << '\n';
      return Fail("transition", id + " failed: " + Str(status.body, "error"));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      if (tty) std::cout << '\n';
      return Fail("transition", id + " still " + state + " after " + std::to_string(o.timeout_s) +
                                    " s; check `gostly status`");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

namespace {

// Every sealed row of GET /v1/export, page by page; `visit` gets each row object. Returns
// an error message, or "" when every page was read.
std::string ForEachSealedRow(const CliOptions& o,
                             const std::function<void(const json::object&)>& visit) {
  std::string cursor;
  for (;;) {
    std::string target = "/v1/export?limit=500";
    if (!o.service.empty()) target += "&service=" + UrlEncode(o.service);
    if (!cursor.empty()) target += "&cursor=" + UrlEncode(cursor);
    Reply page = Call(o, "GET", target);
    if (!page.error.empty()) return page.error;
    for (const auto& item : page.body.as_object().at("items").as_array()) {
      // Sealed rows only: the API filters, and so does the client.
      const json::value* sealed = item.as_object().if_contains("sealed");
      if (sealed == nullptr || !sealed->is_bool() || !sealed->as_bool()) continue;
      visit(item.as_object());
    }
    cursor = Str(page.body, "next_cursor");
    if (cursor.empty()) return {};
  }
}

std::string SequenceKey(const json::object& row) {
  return Str(row, "service") + " " + Str(row, "match_key");
}

}  // namespace

int RunExportCommand(const CliOptions& o) {
  const auto format = seed::ParseExportFormat(o.format);
  if (!format) {
    return Fail("export",
                "unknown --format '" + o.format + "' (supported: jsonl, har, wiremock)");
  }
  // WireMock scenarios need to know where each sequence ends: a first pass over the keys.
  std::map<std::string, std::int64_t> last_seq;
  if (*format == seed::ExportFormat::kWireMock) {
    std::string error = ForEachSealedRow(o, [&](const json::object& row) {
      std::int64_t& last = last_seq[SequenceKey(row)];
      last = std::max(last, row.at("seq").to_number<std::int64_t>());
    });
    if (!error.empty()) return Fail("export", error);
  }
  // HAR wants absolute URLs: the service's upstream when it has one, else the request's Host.
  std::map<std::string, std::string> upstreams;
  if (*format == seed::ExportFormat::kHar) {
    Reply services = Call(o, "GET", "/v1/services?limit=1000");
    if (!services.error.empty()) return Fail("export", services.error);
    for (const auto& s : services.body.as_object().at("items").as_array()) {
      std::string upstream = Str(s, "upstream");
      while (!upstream.empty() && upstream.back() == '/') upstream.pop_back();
      upstreams[Str(s, "id")] = upstream;
    }
  }

  std::ofstream file;
  if (!o.output.empty()) {
    file.open(o.output, std::ios::trunc | std::ios::binary);
    if (!file) return Fail("export", "cannot write " + o.output);
  }
  std::ostream& out = o.output.empty() ? std::cout : file;
  seed::ExportWriter writer(*format, out, GOSTLY_VERSION);
  std::string bad_row;
  std::string error = ForEachSealedRow(o, [&](const json::object& row) {
    auto exchange = library::DecodeExchangeLine(json::serialize(row.at("exchange")));
    if (!exchange) {
      if (bad_row.empty()) bad_row = Str(row, "id") + ": " + exchange.error();
      return;
    }
    const std::string key = SequenceKey(row);
    const auto seq = row.at("seq").to_number<std::int64_t>();
    std::string base = upstreams[exchange->service];
    if (base.empty()) {
      const std::string host(seed::detail::FindHeader(exchange->request_headers, "host"));
      base = "http://" + (host.empty() ? std::string("localhost") : host);
    }
    writer.Add({.exchange = &*exchange,
                .seq = static_cast<int>(seq),
                .last_in_sequence = !last_seq.contains(key) || last_seq[key] <= seq,
                .sequence_key = key,
                .base_url = base});
  });
  writer.Finish();
  if (!error.empty()) return Fail("export", error);
  if (!bad_row.empty()) return Fail("export", "unreadable exchange in row " + bad_row);
  if (!out) return Fail("export", "write failed");
  if (!o.output.empty()) {
    std::cerr << "exported " << writer.written() << " sealed entries to " << o.output << " ("
              << seed::ToString(*format) << ")\n";
  }
  return 0;
}

int RunSeedCommand(const CliOptions& o) {
  std::ifstream in(o.file, std::ios::binary);
  if (!in) return Fail("seed", "cannot read " + o.file);
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string format = o.seed_format;  // --format overrides detection
  if (format.empty()) {
    const seed::Format detected = seed::DetectFormat(body);
    if (detected == seed::Format::kUnknown) {
      return Fail("seed", o.file + ": not a format gostly imports (HAR, Postman, OpenAPI/Swagger, "
                          "Hoverfly, WireMock, VCR.py, go-vcr, Keploy, Betamax); pass --format "
                          "to force one and see why");
    }
    format = std::string(seed::ToString(detected));
  }
  if (!seed::ParseFormat(format)) {
    std::string known;
    for (seed::Format f : seed::ImportableFormats()) {
      known += (known.empty() ? "" : ", ") + std::string(seed::ToString(f));
    }
    return Fail("seed", "unknown --format '" + format + "' (supported: " + known + ")");
  }
  // A spec split over files: the control plane receives one document, so inline them here.
  seed::BundleReport bundle;
  if (format == seed::ToString(seed::Format::kOpenApi)) {
    seed::ImportOptions limits;
    auto bundled = seed::BundleOpenApi(body, o.file, seed::LocalSpecFileReader(limits.max_bytes),
                                       limits, &bundle);
    if (!bundled) return Fail("seed", bundled.error());
    body = std::move(bundled).value();
  }
  std::string target = "/v1/seed/" + format + "?service=" + UrlEncode(o.service.empty() ? "default" : o.service);
  if (o.dry_run) target += "&dry_run=true";
  Reply r;
  if (o.progress || ::isatty(STDOUT_FILENO) == 1) {
    // Asynchronous: the control plane reports each phase's progress while we draw it.
    Reply started = Call(o, "POST", target + "&async=true", body);
    if (!started.error.empty()) return Fail("seed", o.file + ": " + started.error);
    const std::string id = Str(started.body, "job_id");
    // Share of the bar per phase: sealing, storing and pushing each walk the entries.
    const std::map<std::string, std::pair<double, double>> kPhases = {
        {"queued", {0, 0}},      {"importing", {0, 0.1}}, {"sealing", {0.1, 0.3}},
        {"storing", {0.4, 0.4}}, {"pushing", {0.8, 0.2}}, {"done", {1, 0}}};
    Reply job;
    for (;;) {
      job = Call(o, "GET", "/v1/seed/jobs/" + id);
      if (!job.error.empty()) {
        std::cout << '\n';
        return Fail("seed", o.file + ": " + job.error);
      }
      const std::string phase = Str(job.body, "phase");
      const double done = job.body.at("done").to_number<double>();
      const double total = job.body.at("total").to_number<double>();
      auto share = kPhases.contains(phase) ? kPhases.at(phase) : std::pair<double, double>{0, 0};
      ProgressBar(share.first + (total > 0 ? share.second * done / total : 0), phase,
                  static_cast<std::int64_t>(total), "entries");
      if (Str(job.body, "state") != "running") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::cout << '\n';
    if (Str(job.body, "state") != "succeeded") {
      return Fail("seed", o.file + ": " + Str(job.body.at("error"), "detail"));
    }
    r.body = job.body.at("report");
  } else {
    r = Call(o, "POST", target, body);
    if (!r.error.empty()) return Fail("seed", o.file + ": " + r.error);
  }
  const auto& report = r.body.as_object();
  std::cout << o.file << ": " << Str(r.body, "format") << ", " << Str(r.body, "created")
            << (o.dry_run ? " entries would be created" : " entries created") << ", "
            << report.at("skipped").as_array().size() << " skipped\n";
  if (!bundle.files.empty()) {
    std::cout << "  read " << bundle.files.size() << " referenced file"
              << (bundle.files.size() == 1 ? "" : "s") << " (relative $ref)\n";
  }
  for (const auto& w : bundle.warnings) std::cout << "  warning: " << w << '\n';
  for (const auto& s : report.at("skipped").as_array()) {
    std::cout << "  skipped " << Str(s, "where") << ": " << Str(s, "reason") << '\n';
  }
  for (const auto& w : report.at("warnings").as_array()) {
    std::cout << "  warning: " << (w.is_string() ? std::string(w.as_string()) : "") << '\n';
  }
  return 0;
}

}  // namespace gostly::apps
