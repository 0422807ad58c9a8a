#include "common/metrics.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace gostly::common {
namespace {

TEST(Metrics, CountersSumAcrossThreads) {
  MetricsRegistry reg;
  Counter* c = reg.AddCounter("x_total", "help", {{"k", "v"}});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([c] {
      for (int i = 0; i < 1000; ++i) c->Inc();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c->Value(), 4000u);
  EXPECT_NE(reg.Render().find("x_total{k=\"v\"} 4000\n"), std::string::npos);
}

TEST(Metrics, SameNameAndLabelsReturnTheSameHandle) {
  MetricsRegistry reg;
  EXPECT_EQ(reg.AddCounter("a", "h", {{"x", "1"}}), reg.AddCounter("a", "h", {{"x", "1"}}));
  EXPECT_NE(reg.AddCounter("a", "h", {{"x", "1"}}), reg.AddCounter("a", "h", {{"x", "2"}}));
}

TEST(Metrics, HistogramRendersCumulativeBuckets) {
  MetricsRegistry reg;
  Histogram* h = reg.AddHistogram("lat", "h", {}, {0.1, 1});
  h->Observe(0.05);
  h->Observe(0.5);
  h->Observe(5);
  std::string out = reg.Render();
  EXPECT_NE(out.find("lat_bucket{le=\"0.1\"} 1\n"), std::string::npos);
  EXPECT_NE(out.find("lat_bucket{le=\"1\"} 2\n"), std::string::npos);
  EXPECT_NE(out.find("lat_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(out.find("lat_count 3\n"), std::string::npos);
}

}  // namespace
}  // namespace gostly::common
