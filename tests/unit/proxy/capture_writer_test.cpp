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

std::string ReadFile(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Appends made in one event-loop turn are committed together: more lines than one writev
// takes (IOV_MAX), each to two files, all written in arrival order before any completes.
TEST(CaptureWriter, OneTurnCommitsEveryAppendInOrderToEachFile) {
  auto dir = testing::MakeTempDir();
  common::Counter errors;
  constexpr int kAppends = 2500;
  CaptureWriter writer(kAppends, &errors);
  boost::asio::io_context ioc;
  std::string expected;
  int completed = 0;
  bool all_there_at_first_completion = false;
  for (int i = 0; i < kAppends; ++i) {
    const std::string line = "line " + std::to_string(i) + " " + std::string(i % 97, 'x') + "\n";
    expected += line;
    ASSERT_TRUE(writer.TryReserve());
    boost::asio::co_spawn(
        ioc,
        [&, line]() -> boost::asio::awaitable<void> {
          std::vector<CaptureRecord> recs;
          recs.push_back({dir / "t" / "a.jsonl", line, dir / "m" / "a.jsonl"});
          auto [ec] = co_await writer.AsyncAppend(
              std::move(recs), boost::asio::as_tuple(boost::asio::use_awaitable));
          EXPECT_FALSE(ec);
          if (completed++ == 0) {
            all_there_at_first_completion = ReadFile(dir / "m" / "a.jsonl").size() == expected.size();
          }
        },
        boost::asio::detached);
  }
  ioc.run();
  EXPECT_EQ(completed, kAppends);
  EXPECT_TRUE(all_there_at_first_completion) << "one flush wrote the whole turn";
  EXPECT_EQ(ReadFile(dir / "t" / "a.jsonl"), expected);
  EXPECT_EQ(ReadFile(dir / "m" / "a.jsonl"), expected);
  EXPECT_EQ(writer.depth(), 0u);
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
