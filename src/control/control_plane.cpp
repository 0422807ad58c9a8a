#include "control/control_plane.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <fstream>
#include <stdexcept>

#include "control/ids.hpp"

namespace gostly::control {

namespace fs = std::filesystem;

namespace {

// The secret pseudonyms are derived from: generated once per data directory, 0600, never
// logged. Losing it only means new pseudonyms differ from old ones.
std::string LoadOrCreateScrubKey(const fs::path& data_dir) {
  const fs::path file = data_dir / "scrub.key";
  std::ifstream in(file);
  std::string key;
  if (in && std::getline(in, key) && key.size() >= 32) return key;
  fs::create_directories(data_dir);
  key = NewId("");
  key += NewId("");
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << key << '\n';
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  ::chmod(tmp.c_str(), 0600);
  fs::rename(tmp, file);
  return key;
}

}  // namespace

ControlPlane::ControlPlane(ControlPlaneOptions options) : options_(std::move(options)) {
  if (options_.store.database_url.empty() &&
      options_.store.sqlite_path == store::StoreOptions{}.sqlite_path) {
    options_.store.sqlite_path = (options_.data_dir / "gostly.db").string();
  }
  if (options_.scrub_mode != "redact" && options_.scrub_mode != "pseudonym") {
    throw std::runtime_error("SCRUB_MODE must be redact or pseudonym (got '" +
                             options_.scrub_mode + "')");
  }
  if (!options_.scrub_key.empty() && options_.scrub_key.size() < 16) {
    throw std::runtime_error("SCRUB_KEY must be at least 16 characters");
  }
  scrub_master_key_ = options_.scrub_key.empty() ? LoadOrCreateScrubKey(options_.data_dir)
                                                 : options_.scrub_key;
  // Build the default tenant's scrubber now so a bad field path fails at start-up.
  (void)ScrubberFor(store::kDefaultTenant);

  auto opened = store::OpenStore(options_.store);
  if (!opened) {
    throw std::runtime_error("cannot open the store (" +
                             std::string(options_.store.database_url.empty() ? "SQLite at " +
                                                                                   options_.store.sqlite_path
                                                                             : "DATABASE_URL") +
                             "): " + opened.error());
  }
  store_ = std::move(opened).value();
  link_ = std::make_unique<ProxyLink>(options_.proxy_url, options_.proxy_api_key);
  TransitionOptions t;
  t.data_dir = options_.data_dir;
  auto scrubber_for = [this](const std::string& tenant) -> const scrub::Scrubber& {
    return ScrubberFor(tenant);
  };
  transitions_ = std::make_unique<TransitionRunner>(t, *store_, *link_, scrubber_for);
  ControlApiOptions a;
  a.data_dir = options_.data_dir;
  a.bootstrap_api_key = options_.bootstrap_api_key;
  api_ = std::make_unique<ControlApi>(a, *store_, *link_, *transitions_, scrubber_for);
  server_ = std::make_unique<ControlServer>(
      options_.server, [this](ApiRequest& request) { return api_->Handle(request); });
}

ControlPlane::~ControlPlane() { Stop(); }

const scrub::Scrubber& ControlPlane::ScrubberFor(const std::string& tenant) {
  std::lock_guard lock(scrub_mu_);
  auto& slot = scrubbers_[tenant];
  if (!slot) {
    scrub::ScrubPolicy policy;
    policy.replacement = options_.scrub_mode == "pseudonym" ? scrub::Replacement::kPseudonym
                                                            : scrub::Replacement::kRedact;
    policy.tenant_key = Sha256Hex(scrub_master_key_ + '\n' + tenant);
    policy.field_paths = options_.scrub_field_paths;
    auto created = scrub::Scrubber::Create(policy);
    if (!created) throw std::runtime_error("scrub policy: " + created.error());
    slot = std::make_unique<scrub::Scrubber>(std::move(created).value());
  }
  return *slot;
}

std::uint16_t ControlPlane::Start() {
  std::uint16_t port = server_->Listen();
  transitions_->RecoverInterrupted(store::kDefaultTenant);
  auto services = store_->ListServices(store::kDefaultTenant, {});
  if (services && !services->items.empty()) {
    auto pushed = api_->PushRoutes(store::kDefaultTenant);
    if (!pushed) spdlog::warn("control plane: services not pushed to the proxy yet: {}",
                              pushed.error());
  }
  server_->Start();
  sync_thread_ = std::thread(&ControlPlane::SyncLoop, this);
  spdlog::info("gostly control plane listening on http://{}:{} (store: {}, proxy: {})",
               options_.server.bind_address, port, store_->Backend(), options_.proxy_url);
  return port;
}

void ControlPlane::SyncLoop() {
  std::unique_lock lock(stop_mu_);
  while (!stop_cv_.wait_for(lock, options_.unmatched_sync_interval, [this] { return stopping_; })) {
    lock.unlock();
    auto synced = api_->SyncUnmatched(store::kDefaultTenant);
    if (!synced) spdlog::debug("unmatched sync: {}", synced.error());
    lock.lock();
  }
}

void ControlPlane::Stop() {
  {
    std::lock_guard lock(stop_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (sync_thread_.joinable()) sync_thread_.join();
  if (server_) server_->Stop();
  if (transitions_) transitions_->Join();
}

}  // namespace gostly::control
