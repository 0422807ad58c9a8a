// Transition throughput (issue 3): exchanges/s for a LEARN → MOCK transition of N recorded
// exchanges, on SQLite and on PostgreSQL, beside the raw insert rate of the same backend in
// the same run. The raw rate is the store's own bulk path (UpsertEntries in batches of the
// transition's size, rows prepared in advance), so the ratio shows what reading, scrubbing,
// templating, staging and publishing cost on top of writing the rows.
//
//   gostly_transition_bench [--exchanges N] [--backend sqlite|postgres|both]
//
// The proxy is a real `gostly proxy` child process (the transition switches its mode through
// the admin API); PostgreSQL is a throw-away cluster (tests/support/pg_cluster). Loopback only.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/body_codec.hpp"
#include "control/ids.hpp"
#include "control/proxy_link.hpp"
#include "control/transition_runner.hpp"
#include "library/exchange.hpp"
#include "library/uri_template.hpp"
#include "scrub/scrubber.hpp"
#include "store/store.hpp"
#include "support/pg_cluster.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace gostly;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

// A realistic recorded exchange: ~1 KB, JSON bodies with an email and a card to scrub.
std::string TrafficLine(int i) {
  library::Exchange ex;
  ex.timestamp = "2026-11-22T10:00:00.000Z";
  ex.service = "default";
  ex.method = i % 3 == 0 ? "POST" : "GET";
  ex.uri = i % 3 == 0 ? "/v1/customers" : "/v1/customers/cus_" + std::to_string(100000 + i);
  ex.request_headers = {{"Host", "api.example.test"}, {"Accept", "application/json"},
                        {"Authorization", "[REDACTED]"}, {"User-Agent", "bench/1.0"}};
  if (ex.method == "POST") {
    ex.request_body = R"({"name":"Customer )" + std::to_string(i) + R"(","email":"c)" +
                      std::to_string(i) + R"(@corp.test"})";
  }
  ex.status = ex.method == "POST" ? 201 : 200;
  ex.response_headers = {{"Content-Type", "application/json"}, {"Request-Id", "req_" + std::to_string(i)}};
  ex.response_body = R"({"id":"cus_)" + std::to_string(100000 + i) +
                     R"(","object":"customer","email":"c)" + std::to_string(i) +
                     R"(@corp.test","card":"4242 4242 4242 4242","created":1700000000,)"
                     R"("metadata":{"plan":"gold","seats":)" + std::to_string(i % 50) +
                     R"(},"address":{"city":"Berlin","line1":"Unter den Linden 1"}})";
  ex.latency_ms = 12;
  ex.recording_session_id = "bench";
  return library::EncodeExchangeLine(ex);
}

store::LibraryEntry EntryFor(int i) {
  auto ex = library::DecodeExchangeLine(TrafficLine(i)).value();
  store::LibraryEntry e;
  e.service = ex.service;
  e.method = ex.method;
  e.uri = ex.uri;
  e.uri_template = library::TemplatePath(ex.uri);
  e.match_key = ex.method + " " + library::NormalizeTarget(ex.uri) + " " +
                std::to_string(common::BodyHash(ex.request_body));
  e.seq = ex.method == "POST" ? i / 3 : 0;  // POSTs share a key: distinct sequence positions
  e.status = ex.status;
  e.exchange_json = library::EncodeExchangeLine(ex);
  e.exchange_json.pop_back();
  e.source = "bench";
  e.scrubbed_at_ms = control::NowMs();
  return e;
}

struct Backend {
  std::string name;
  store::StoreOptions options;
};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Rows/s of UpsertEntries in batches on a fresh store.
double RawInsertRate(const store::StoreOptions& options, int n, std::size_t batch) {
  auto opened = store::OpenStore(options);
  if (!opened) {
    std::fprintf(stderr, "cannot open store: %s\n", opened.error().c_str());
    std::exit(1);
  }
  auto& s = *opened.value();
  std::vector<store::LibraryEntry> all;
  all.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) all.push_back(EntryFor(i));
  const auto start = Clock::now();
  for (std::size_t i = 0; i < all.size(); i += batch) {
    std::vector<store::LibraryEntry> chunk(all.begin() + static_cast<long>(i),
                                           all.begin() + static_cast<long>(std::min(all.size(), i + batch)));
    auto r = s.UpsertEntries(store::kDefaultTenant, chunk);
    if (!r) {
      std::fprintf(stderr, "insert failed: %s\n", r.error().c_str());
      std::exit(1);
    }
  }
  return n / Seconds(Clock::now() - start);
}

// Exchanges/s of a whole transition (Start → published → MOCK).
double TransitionRate(const store::StoreOptions& options, const fs::path& data_dir,
                      const std::string& proxy_url, int n, std::size_t batch,
                      std::int64_t* staged) {
  auto opened = store::OpenStore(options);
  if (!opened) {
    std::fprintf(stderr, "cannot open store: %s\n", opened.error().c_str());
    std::exit(1);
  }
  auto& s = *opened.value();
  control::ProxyLink link(proxy_url, "");
  if (auto m = link.SetMode("LEARN"); !m) {
    std::fprintf(stderr, "proxy: %s\n", m.error().c_str());
    std::exit(1);
  }
  auto scrubber = scrub::Scrubber::Create({}).value();
  control::TransitionOptions t;
  t.data_dir = data_dir;
  t.batch_size = batch;
  control::TransitionRunner runner(t, s, link,
                                   [&](const std::string&) -> const scrub::Scrubber& { return scrubber; });
  const auto start = Clock::now();
  auto job = runner.Start(store::kDefaultTenant, "bench");
  if (!job) {
    std::fprintf(stderr, "transition: %s\n", job.error().c_str());
    std::exit(1);
  }
  // Done for the user when the job's state is final (published, proxy in MOCK); the purge
  // of the staging copy that follows is garbage collection and not timed.
  while (!runner.ActiveJob().empty()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const double secs = Seconds(Clock::now() - start);
  runner.Join();
  auto done = s.GetJob(store::kDefaultTenant, job->id).value();
  if (done.state != "succeeded" || done.exchanges_read != n) {
    std::fprintf(stderr, "transition ended %s after %lld exchanges: %s\n", done.state.c_str(),
                 static_cast<long long>(done.exchanges_read), done.error.c_str());
    std::exit(1);
  }
  *staged = done.entries_staged;
  return n / secs;
}

}  // namespace

int main(int argc, char** argv) {
  int n = 100000;
  std::string which = "both";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--exchanges") == 0) n = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--backend") == 0) which = argv[i + 1];
  }
  const std::size_t batch = control::TransitionOptions{}.batch_size;
  test_support::TempDir work("gostly-transition-bench");
  const fs::path data = work.path() / "data";
  fs::create_directories(data / "traffic");
  {
    std::ofstream out(data / "traffic" / "default.jsonl", std::ios::binary);
    for (int i = 0; i < n; ++i) out << TrafficLine(i);
  }
  std::printf("traffic: %d exchanges, %.1f MB\n", n,
              static_cast<double>(fs::file_size(data / "traffic" / "default.jsonl")) / 1e6);

  test_support::SpawnOptions spawn;
  spawn.program = GOSTLY_BINARY;
  spawn.args = {"proxy", "--port", "0", "--port-file", (work.path() / "proxy.port").string(),
                "--data-dir", data.string(), "--initial-mode", "learn"};
  spawn.output_file = work.path() / "proxy.log";
  auto proxy = test_support::ChildProcess::Spawn(spawn);
  std::string why;
  auto port = test_support::WaitForPortFile(work.path() / "proxy.port", proxy,
                                            std::chrono::seconds(15), &why);
  if (!port) {
    std::fprintf(stderr, "proxy did not start: %s\n", why.c_str());
    return 1;
  }
  const std::string proxy_url = "http://127.0.0.1:" + std::to_string(*port);

  std::vector<Backend> backends;
  std::unique_ptr<test_support::PgCluster> cluster;
  if (which == "sqlite" || which == "both") {
    Backend b{"sqlite", {}};
    b.options.sqlite_path = (work.path() / "raw.db").string();
    backends.push_back(b);
  }
  if (which == "postgres" || which == "both") cluster = std::make_unique<test_support::PgCluster>();

  std::printf("\n| backend | raw insert (rows/s) | transition (exchanges/s) | ratio | target | library rows |\n");
  std::printf("|---|---:|---:|---:|---:|---:|\n");
  auto run = [&](const std::string& name, store::StoreOptions raw, store::StoreOptions trans) {
    const double raw_rate = RawInsertRate(raw, n, batch);
    std::int64_t staged = 0;
    const double rate = TransitionRate(trans, data, proxy_url, n, batch, &staged);
    std::printf("| %s | %.0f | %.0f | %.2f | ≥ 0.5 | %lld |\n", name.c_str(), raw_rate, rate,
                rate / raw_rate, static_cast<long long>(staged));
    std::fflush(stdout);
  };
  for (const auto& b : backends) {
    store::StoreOptions trans;
    trans.sqlite_path = (work.path() / "transition.db").string();
    run(b.name, b.options, trans);
  }
  if (cluster) {
    const std::string raw_db = cluster->CreateDatabase("bench_raw");
    const std::string trans_db = cluster->CreateDatabase("bench_transition");
    store::StoreOptions raw;
    raw.database_url = cluster->AppUrl(raw_db);
    raw.admin_database_url = cluster->OwnerUrl(raw_db);
    store::StoreOptions trans;
    trans.database_url = cluster->AppUrl(trans_db);
    trans.admin_database_url = cluster->OwnerUrl(trans_db);
    run("postgres", raw, trans);
  }
  proxy.Stop(std::chrono::seconds(10));
  return 0;
}
