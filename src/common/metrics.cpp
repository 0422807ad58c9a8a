#include "common/metrics.hpp"

#include <fmt/format.h>

#include <cmath>

namespace gostly::common {

std::size_t ThreadShard() {
  static std::atomic<std::size_t> next{0};
  thread_local std::size_t shard = next.fetch_add(1, std::memory_order_relaxed) % kMetricShards;
  return shard;
}

std::uint64_t Counter::Value() const {
  std::uint64_t total = 0;
  for (const auto& s : shards_) total += s.v.load(std::memory_order_relaxed);
  return total;
}

void Gauge::Add(double d) {
  double cur = v_.load(std::memory_order_relaxed);
  while (!v_.compare_exchange_weak(cur, cur + d, std::memory_order_relaxed)) {
  }
}

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
  for (auto& s : shards_) {
    s.counts = std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1);
  }
}

void Histogram::Observe(double v) {
  auto& s = shards_[ThreadShard()];
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  s.counts[i].fetch_add(1, std::memory_order_relaxed);
  double cur = s.sum.load(std::memory_order_relaxed);
  while (!s.sum.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
}

std::vector<std::uint64_t> Histogram::Buckets() const {
  std::vector<std::uint64_t> out(bounds_.size() + 1, 0);
  for (const auto& s : shards_) {
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
      out[i] += s.counts[i].load(std::memory_order_relaxed);
    }
  }
  for (std::size_t i = 1; i < out.size(); ++i) out[i] += out[i - 1];
  return out;
}

double Histogram::Sum() const {
  double total = 0;
  for (const auto& s : shards_) total += s.sum.load(std::memory_order_relaxed);
  return total;
}

std::uint64_t Histogram::Count() const { return Buckets().back(); }

MetricsRegistry::Series* MetricsRegistry::FindOrAdd(std::string_view name, std::string_view help,
                                                    Kind kind, Labels labels) {
  std::lock_guard lock(mu_);
  Family* family = nullptr;
  for (auto& f : families_) {
    if (f->name == name) family = f.get();
  }
  if (family == nullptr) {
    families_.push_back(
        std::make_unique<Family>(Family{std::string(name), std::string(help), kind, {}}));
    family = families_.back().get();
  }
  for (auto& s : family->series) {
    if (s->labels == labels) return s.get();
  }
  family->series.push_back(std::make_unique<Series>());
  family->series.back()->labels = std::move(labels);
  return family->series.back().get();
}

Counter* MetricsRegistry::AddCounter(std::string_view name, std::string_view help,
                                     Labels labels) {
  Series* s = FindOrAdd(name, help, Kind::kCounter, std::move(labels));
  std::lock_guard lock(mu_);
  if (!s->counter) s->counter = std::make_unique<Counter>();
  return s->counter.get();
}

Gauge* MetricsRegistry::AddGauge(std::string_view name, std::string_view help, Labels labels) {
  Series* s = FindOrAdd(name, help, Kind::kGauge, std::move(labels));
  std::lock_guard lock(mu_);
  if (!s->gauge) s->gauge = std::make_unique<Gauge>();
  return s->gauge.get();
}

Histogram* MetricsRegistry::AddHistogram(std::string_view name, std::string_view help,
                                         Labels labels, std::vector<double> bounds) {
  Series* s = FindOrAdd(name, help, Kind::kHistogram, std::move(labels));
  std::lock_guard lock(mu_);
  if (!s->histogram) s->histogram = std::make_unique<Histogram>(std::move(bounds));
  return s->histogram.get();
}

namespace {

std::string EscapeLabel(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string RenderLabels(const Labels& labels, std::string_view extra_key = {},
                         std::string_view extra_value = {}) {
  if (labels.empty() && extra_key.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += fmt::format("{}=\"{}\"", k, EscapeLabel(v));
  }
  if (!extra_key.empty()) {
    if (!first) out += ',';
    out += fmt::format("{}=\"{}\"", extra_key, extra_value);
  }
  out += '}';
  return out;
}

std::string FormatDouble(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

}  // namespace

std::string MetricsRegistry::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& f : families_) {
    const char* type = f->kind == Kind::kCounter ? "counter"
                       : f->kind == Kind::kGauge ? "gauge"
                                                 : "histogram";
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", f->name, f->help, f->name, type);
    for (const auto& s : f->series) {
      if (s->counter) {
        out += fmt::format("{}{} {}\n", f->name, RenderLabels(s->labels), s->counter->Value());
      } else if (s->gauge) {
        out += fmt::format("{}{} {}\n", f->name, RenderLabels(s->labels),
                           FormatDouble(s->gauge->Value()));
      } else if (s->histogram) {
        const auto& h = *s->histogram;
        auto buckets = h.Buckets();
        for (std::size_t i = 0; i < buckets.size(); ++i) {
          std::string le = i < h.bounds().size() ? FormatDouble(h.bounds()[i]) : "+Inf";
          out += fmt::format("{}_bucket{} {}\n", f->name, RenderLabels(s->labels, "le", le),
                             buckets[i]);
        }
        out += fmt::format("{}_sum{} {}\n", f->name, RenderLabels(s->labels),
                           FormatDouble(h.Sum()));
        out += fmt::format("{}_count{} {}\n", f->name, RenderLabels(s->labels), buckets.back());
      }
    }
  }
  return out;
}

}  // namespace gostly::common
