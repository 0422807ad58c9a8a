#include "control/transition_runner.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <unordered_map>

#include "common/body_codec.hpp"
#include "control/ids.hpp"
#include "control/library_entry.hpp"
#include "library/exchange.hpp"
#include "library/uri_template.hpp"

namespace gostly::control {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr std::size_t kReadChunk = 1 << 20;

struct TrafficFile {
  fs::path path;
  std::string name;  // relative to the data directory: "traffic/x.jsonl"
  std::int64_t size = 0;
  std::int64_t start = 0;  // committed offset
};

// Tracks, per (service, key), the recording session seen last and the next sequence
// position, so a newer LEARN window restarts the sequence (ADR 0001).
class SequenceTracker {
 public:
  int Next(const std::string& service, const std::string& key, const std::string& session) {
    auto& slot = slots_[service + '\n' + key];
    if (slot.session != session) {
      slot.session = session;
      slot.next = 0;
    }
    return slot.next++;
  }

 private:
  struct Slot {
    std::string session;
    int next = 0;
  };
  std::unordered_map<std::string, Slot> slots_;
};

}  // namespace

TransitionRunner::TransitionRunner(TransitionOptions options, store::Store& store,
                                   const ProxyLink& link, ScrubberFor scrubber)
    : options_(std::move(options)), store_(store), link_(link), scrubber_(std::move(scrubber)) {}

TransitionRunner::~TransitionRunner() { Join(); }

void TransitionRunner::Join() {
  std::thread worker;
  {
    std::lock_guard lock(mu_);
    worker = std::move(worker_);
  }
  if (worker.joinable()) worker.join();
}

common::Result<store::TransitionJob> TransitionRunner::Start(const std::string& tenant,
                                                             const std::string& actor) {
  std::unique_lock lock(mu_);
  if (running_) {
    return common::MakeError("a transition is already running; wait for it to finish",
                             common::ErrorCode::kConflict);
  }
  auto mode = link_.GetMode();
  if (!mode) return mode.error_value();
  if (*mode == "TRANSITIONING") {
    return common::MakeError("the proxy is already TRANSITIONING", common::ErrorCode::kConflict);
  }
  store::TransitionJob job;
  job.id = NewId("tj_");
  job.state = "pending";
  job.previous_mode = *mode;
  auto created = store_.CreateJob(tenant, job);
  if (!created) return created.error_value();
  auto switched = link_.SetMode("TRANSITIONING");
  if (!switched) {
    (void)store_.DiscardJob(tenant, job.id, "could not switch the proxy to TRANSITIONING: " +
                                                switched.error());
    return switched.error_value();
  }
  store::AuditEvent event;
  event.actor = actor;
  event.action = "transition.start";
  event.target = job.id;
  event.detail_json = json::serialize(json::object{{"previous_mode", *mode}});
  (void)store_.AppendAudit(tenant, event);

  running_ = true;
  active_job_ = created->id;
  if (worker_.joinable()) worker_.join();
  worker_ = std::thread(&TransitionRunner::Run, this, tenant, *created, actor);
  return created;
}

void TransitionRunner::Run(std::string tenant, store::TransitionJob job, std::string actor) {
  auto result = Work(tenant, job);
  std::string outcome = "succeeded";
  if (result) {
    auto mocked = link_.SetMode("MOCK");
    if (!mocked) {
      spdlog::error("transition {}: could not switch the proxy to MOCK: {}", job.id,
                    mocked.error());
    } else {
      store::AuditEvent mode_event;
      mode_event.actor = actor;
      mode_event.action = "mode.set";
      mode_event.target = "MOCK";
      mode_event.detail_json = json::serialize(
          json::object{{"previous", job.previous_mode}, {"by", "transition " + job.id}});
      (void)store_.AppendAudit(tenant, mode_event);
    }
    spdlog::info("transition {}: published {} entries from {} exchanges", job.id,
                 job.entries_staged, job.exchanges_read);
  } else {
    outcome = "failed";
    spdlog::error("transition {} failed: {}", job.id, result.error());
    auto restored = link_.SetMode(job.previous_mode);
    if (!restored) {
      spdlog::error("transition {}: could not return the proxy to {}: {}", job.id,
                    job.previous_mode, restored.error());
    }
    auto discarded = store_.DiscardJob(tenant, job.id, result.error());
    if (!discarded) {
      spdlog::error("transition {}: could not record the failure: {} (the staged rows are "
                    "discarded at the next start)", job.id, discarded.error());
    }
  }
  store::AuditEvent event;
  event.actor = actor;
  event.action = "transition." + outcome;
  event.target = job.id;
  json::object detail{{"exchanges_read", job.exchanges_read}, {"entries", job.entries_staged}};
  if (!result) detail["error"] = result.error();
  event.detail_json = json::serialize(detail);
  (void)store_.AppendAudit(tenant, event);
  {
    // The job's state is final from here; a new transition may start.
    std::lock_guard lock(mu_);
    running_ = false;
    active_job_.clear();
  }
  // Garbage collection of the staging copy, off the job's critical path.
  auto purged = store_.PurgeStaging(tenant, job.id);
  if (!purged) spdlog::warn("transition {}: staging not purged yet: {}", job.id, purged.error());
}

std::string TransitionRunner::ActiveJob() const {
  std::lock_guard lock(mu_);
  return active_job_;
}

common::Status TransitionRunner::Work(const std::string& tenant, store::TransitionJob& job) {
  const auto started_at = std::chrono::steady_clock::now();
  const scrub::Scrubber& scrubber = scrubber_(tenant);
  auto committed = store_.CommittedOffsets(tenant);
  if (!committed) return committed.error_value();
  std::map<std::string, std::int64_t> offsets;
  for (const auto& o : *committed) offsets[o.file] = o.offset;

  std::vector<TrafficFile> files;
  const fs::path traffic_dir = options_.data_dir / "traffic";
  std::error_code ec;
  if (fs::exists(traffic_dir, ec)) {
    for (fs::directory_iterator it(traffic_dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() != ".jsonl") continue;
      TrafficFile f;
      f.path = it->path();
      f.name = "traffic/" + it->path().filename().string();
      std::error_code size_ec;
      f.size = it->is_regular_file(size_ec)
                   ? static_cast<std::int64_t>(fs::file_size(it->path(), size_ec))
                   : 0;
      if (!it->is_regular_file(size_ec)) {
        return common::MakeError(f.name + " is not a regular file; move it out of " +
                                 traffic_dir.string() + " and start the transition again");
      }
      f.start = offsets.count(f.name) ? offsets[f.name] : 0;
      // A file shorter than its committed offset was replaced: read it from the start.
      if (f.start > f.size) f.start = 0;
      files.push_back(std::move(f));
    }
    if (ec) return common::MakeError("cannot list " + traffic_dir.string() + ": " + ec.message());
  }
  std::sort(files.begin(), files.end(),
            [](const TrafficFile& a, const TrafficFile& b) { return a.name < b.name; });

  std::int64_t total = 0;
  for (const auto& f : files) total += f.size - f.start;
  job.total_bytes = total;
  auto running = store_.MarkJobRunning(tenant, job.id, total);
  if (!running) return running;

  SequenceTracker sequences;
  store::BatchProgress progress;  // since the last staged batch (the store adds them up)
  store::BatchProgress staged_so_far;
  std::vector<store::LibraryEntry> batch;
  std::map<std::tuple<std::string, std::string, int>, std::size_t> in_batch;

  // Staging runs on its own thread, so reading and scrubbing the next batch overlaps the
  // database writing the previous one. At most two batches wait; the first staging error
  // stops the reader.
  struct Ready {
    std::vector<store::LibraryEntry> entries;
    store::TrafficOffset offset;
    store::BatchProgress progress;
  };
  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::deque<Ready> queue;
  bool closed = false;
  common::Status stage_status = common::OkStatus();
  std::thread stager([&] {
    for (;;) {
      Ready ready;
      {
        std::unique_lock lock(queue_mu);
        queue_cv.wait(lock, [&] { return closed || !queue.empty(); });
        if (queue.empty()) return;
        ready = std::move(queue.front());
        queue.pop_front();
      }
      queue_cv.notify_all();
      auto staged = store_.StageBatch(tenant, job.id, ready.entries, {ready.offset},
                                      ready.progress);
      std::lock_guard lock(queue_mu);
      if (!staged) {
        stage_status = staged;
        queue.clear();
        queue_cv.notify_all();
        return;
      }
      staged_so_far.read_bytes += ready.progress.read_bytes;
      staged_so_far.exchanges_read += ready.progress.exchanges_read;
      staged_so_far.entries_staged += ready.progress.entries_staged;
      staged_so_far.entries_skipped += ready.progress.entries_skipped;
    }
  });
  // Drains (or abandons, after an error) the queue and joins the stager on every way out.
  auto finish_staging = [&]() -> common::Status {
    {
      std::lock_guard lock(queue_mu);
      closed = true;
    }
    queue_cv.notify_all();
    if (stager.joinable()) stager.join();
    return stage_status;
  };
  struct JoinOnExit {
    std::function<common::Status()> finish;
    ~JoinOnExit() { finish(); }
  } join_on_exit{finish_staging};

  auto flush = [&](const std::string& file, std::int64_t offset) -> common::Status {
    Ready ready{std::move(batch), {file, offset}, progress};
    progress = {};
    batch.clear();
    in_batch.clear();
    std::unique_lock lock(queue_mu);
    queue_cv.wait(lock, [&] { return queue.size() < 2 || !stage_status.ok(); });
    if (!stage_status.ok()) return stage_status;
    queue.push_back(std::move(ready));
    lock.unlock();
    queue_cv.notify_all();
    return common::OkStatus();
  };

  for (const TrafficFile& f : files) {
    std::ifstream in(f.path, std::ios::binary);
    if (!in) {
      return common::MakeError("cannot open " + f.name + ": " + std::strerror(errno));
    }
    in.seekg(f.start);
    std::int64_t consumed = f.start;  // offset after the last complete line
    std::string pending;
    std::string chunk(kReadChunk, '\0');
    for (;;) {
      in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      std::streamsize got = in.gcount();
      if (got <= 0) {
        if (in.bad()) return common::MakeError("cannot read " + f.name);
        break;
      }
      pending.append(chunk.data(), static_cast<std::size_t>(got));
      std::size_t start = 0;
      for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
        std::string_view line(pending.data() + start, nl - start);
        consumed += static_cast<std::int64_t>(nl - start + 1);
        progress.read_bytes += static_cast<std::int64_t>(nl - start + 1);
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        ++progress.exchanges_read;
        auto decoded = library::DecodeExchangeLine(line);
        if (!decoded) {
          ++progress.entries_skipped;
          spdlog::warn("transition {}: {} at byte {}: {}; skipped", job.id, f.name,
                       consumed - static_cast<std::int64_t>(line.size()) - 1, decoded.error());
          continue;
        }
        library::Exchange ex = std::move(decoded).value();
        if (ex.deleted) continue;
        if (ex.service.empty()) ex.service = f.path.stem().string();
        scrubber.ScrubExchange(ex);
        const int seq = sequences.Next(ex.service, MatchKey(ex), ex.recording_session_id);
        store::LibraryEntry entry = SealedEntry(ex, seq, "transition");
        auto key = std::make_tuple(entry.service, entry.match_key, entry.seq);
        if (auto it = in_batch.find(key); it != in_batch.end()) {
          batch[it->second] = std::move(entry);
        } else {
          in_batch.emplace(key, batch.size());
          batch.push_back(std::move(entry));
          ++progress.entries_staged;
        }
        if (batch.size() >= options_.batch_size) {
          auto flushed = flush(f.name, consumed);
          if (!flushed) return flushed;
        }
      }
      pending.erase(0, start);
    }
    // What is left without a '\n' is a torn or in-progress write: not consumed, so the
    // committed offset stays before it.
    auto flushed = flush(f.name, consumed);
    if (!flushed) return flushed;
  }
  if (auto staged = finish_staging(); !staged) return staged;
  const auto staged_at = std::chrono::steady_clock::now();
  job.read_bytes = staged_so_far.read_bytes;
  job.exchanges_read = staged_so_far.exchanges_read;
  job.entries_staged = staged_so_far.entries_staged;
  job.entries_skipped = staged_so_far.entries_skipped;
  auto published = store_.PublishJob(tenant, job.id);
  spdlog::info("transition {}: staged {} entries in {:.2f} s, published in {:.2f} s", job.id,
               job.entries_staged,
               std::chrono::duration<double>(staged_at - started_at).count(),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - staged_at).count());
  return published;
}

void TransitionRunner::RecoverInterrupted(const std::string& tenant) {
  auto jobs = store_.UnfinishedJobs(tenant);
  if (!jobs) {
    spdlog::warn("transitions: cannot check for interrupted jobs: {}", jobs.error());
    return;
  }
  // Staging left behind by a job that finished just before a crash.
  if (auto recent = store_.ListJobs(tenant, {}); recent) {
    for (const auto& job : recent->items) {
      if (job.state == "succeeded") (void)store_.PurgeStaging(tenant, job.id);
    }
  }
  for (const auto& job : *jobs) {
    auto discarded = store_.DiscardJob(
        tenant, job.id,
        "interrupted by a restart before it finished; rolled back (the store and the library "
        "are as they were); start a new transition");
    if (discarded) {
      spdlog::warn("transition {} was interrupted by a restart; rolled back", job.id);
      store::AuditEvent event;
      event.actor = "system";
      event.action = "transition.rolled_back";
      event.target = job.id;
      event.detail_json = "{}";
      (void)store_.AppendAudit(tenant, event);
    }
  }
}

}  // namespace gostly::control
