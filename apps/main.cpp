// gostly: one binary, one subcommand per component (DESIGN §1). Wiring only.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <string>

#include "common/logging.hpp"
#include "proxy_command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"gostly: a deterministic contract layer around HTTP APIs"};
  app.require_subcommand(1);
  std::string log_level = std::getenv("LOG_LEVEL") ? std::getenv("LOG_LEVEL") : "info";
  std::string log_format = std::getenv("LOG_FORMAT") ? std::getenv("LOG_FORMAT") : "text";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->envname("LOG_LEVEL");
  app.add_option("--log-format", log_format, "text or json")->envname("LOG_FORMAT");

  gostly::apps::ProxyOptions up_options;
  auto* up = app.add_subcommand(
      "up", "Run every component in one process on the embedded default (today: the proxy)");
  gostly::apps::AddProxyOptions(*up, up_options);

  gostly::apps::ProxyOptions proxy_options;
  auto* proxy = app.add_subcommand("proxy", "Run the proxy (LEARN / MOCK / PASSTHROUGH)");
  gostly::apps::AddProxyOptions(*proxy, proxy_options);

  CLI11_PARSE(app, argc, argv);
  gostly::common::InitLogging(log_level, log_format);

  if (*up) return gostly::apps::RunProxy(up_options);
  if (*proxy) return gostly::apps::RunProxy(proxy_options);
  return 1;
}
