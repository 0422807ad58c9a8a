#include "proxy/capture_writer.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fstream>
#include <sstream>

#include "test_env.hpp"

namespace gostly::proxy {
namespace {

TEST(CaptureWriter, CompletionArrivesOnlyAfterTheLinesAreInTheFiles) {
  auto dir = testing::MakeTempDir();
  common::Counter errors;
  CaptureWriter writer(8, &errors);
  boost::asio::io_context ioc;
  std::string seen_at_completion;
  ASSERT_TRUE(writer.TryReserve());
  boost::asio::co_spawn(
      ioc,
      [&]() -> boost::asio::awaitable<void> {
        std::vector<CaptureRecord> recs = {{dir / "t" / "a.jsonl", "one\n"},
                                           {dir / "m" / "a.jsonl", "two\n"}};
        auto [ec] = co_await writer.AsyncAppend(
            std::move(recs), boost::asio::as_tuple(boost::asio::use_awaitable));
        EXPECT_FALSE(ec);
        std::ifstream in(dir / "m" / "a.jsonl");
        std::stringstream ss;
        ss << in.rdbuf();
        seen_at_completion = ss.str();
      },
      boost::asio::detached);
  ioc.run();
  EXPECT_EQ(seen_at_completion, "two\n");
  EXPECT_EQ(errors.Value(), 0u);
  std::filesystem::remove_all(dir);
}

TEST(CaptureWriter, ReservationsAreBoundedByCapacity) {
  common::Counter errors;
  CaptureWriter writer(2, &errors);
  EXPECT_TRUE(writer.TryReserve());
  EXPECT_TRUE(writer.TryReserve());
  EXPECT_FALSE(writer.TryReserve());
  writer.Release();
  EXPECT_TRUE(writer.TryReserve());
  writer.Release();
  writer.Release();
}

TEST(CaptureWriter, WriteFailureIsReportedAndCounted) {
  common::Counter errors;
  CaptureWriter writer(8, &errors);
  boost::asio::io_context ioc;
  bool failed = false;
  ASSERT_TRUE(writer.TryReserve());
  boost::asio::co_spawn(
      ioc,
      [&]() -> boost::asio::awaitable<void> {
        // A path under a regular file cannot be created.
        std::vector<CaptureRecord> recs = {{"/proc/version/x/y.jsonl", "z\n"}};
        auto [ec] = co_await writer.AsyncAppend(
            std::move(recs), boost::asio::as_tuple(boost::asio::use_awaitable));
        failed = static_cast<bool>(ec);
      },
      boost::asio::detached);
  ioc.run();
  EXPECT_TRUE(failed);
  EXPECT_EQ(errors.Value(), 1u);
}

}  // namespace
}  // namespace gostly::proxy
