// gostly: one binary, one subcommand per component and host CLI verbs (DESIGN §1, §11).
// Wiring only.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <string>

#include "cli_commands.hpp"
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
  gostly::apps::ControlOptions up_control;
  auto* up = app.add_subcommand(
      "up", "Run the proxy and the control plane in one process (SQLite under DATA_DIR)");
  gostly::apps::AddProxyOptions(*up, up_options);
  gostly::apps::AddControlOptions(*up, up_control, false);

  gostly::apps::ProxyOptions proxy_options;
  auto* proxy = app.add_subcommand("proxy", "Run the proxy (LEARN / MOCK / PASSTHROUGH)");
  gostly::apps::AddProxyOptions(*proxy, proxy_options);

  gostly::apps::ControlOptions control_options;
  auto* control = app.add_subcommand("control", "Run the control plane (REST API on :8000)");
  gostly::apps::AddControlOptions(*control, control_options, true);

  gostly::apps::CliOptions cli;
  auto* mode = app.add_subcommand("mode", "Show or set the proxy's mode through the control API");
  gostly::apps::AddCliOptions(*mode, cli);
  mode->add_option("mode", cli.mode, "learn, mock or passthrough (omit to show)")
      ->check(CLI::IsMember({"learn", "mock", "passthrough", "LEARN", "MOCK", "PASSTHROUGH"}));
  auto* status = app.add_subcommand("status", "Show the stack's health, mode and last transition");
  gostly::apps::AddCliOptions(*status, cli);
  auto* transition = app.add_subcommand(
      "transition", "Run a LEARN → MOCK transition and wait for it (exit code = outcome)");
  gostly::apps::AddCliOptions(*transition, cli);
  transition->add_flag("--no-wait", cli.no_wait, "Start it and return at once");
  transition->add_option("--timeout", cli.timeout_s, "Give up waiting after this many seconds");
  auto* export_cmd = app.add_subcommand(
      "export", "Write the sealed library as JSON Lines, one HAR log or WireMock mappings");
  gostly::apps::AddCliOptions(*export_cmd, cli);
  export_cmd->add_option("--service", cli.service, "Only this service");
  export_cmd->add_option("-o,--output", cli.output, "File to write (default stdout)");
  export_cmd->add_option("--format", cli.format, "jsonl (default), har or wiremock");

  auto* seed = app.add_subcommand(
      "seed", "Seed the library from HAR, Postman, OpenAPI or another tool's recordings");
  gostly::apps::AddCliOptions(*seed, cli);
  seed->add_option("file", cli.file, "The file to import")->required();
  seed->add_option("--service", cli.service, "Service the entries belong to (default: default)");
  seed->add_flag("--dry-run", cli.dry_run, "Report what would be created; change nothing");
  seed->add_flag("--progress", cli.progress,
                 "Show a progress bar (the default when stdout is a terminal)");
  seed->add_option("--format", cli.seed_format,
                   "har, postman, openapi, hoverfly, wiremock, vcr, go-vcr, keploy, betamax "
                   "(default: detected from the content)");

  CLI11_PARSE(app, argc, argv);
  gostly::common::InitLogging(log_level, log_format);

  if (*up) return gostly::apps::RunUp(up_options, up_control);
  if (*proxy) return gostly::apps::RunProxy(proxy_options);
  if (*control) return gostly::apps::RunControl(control_options);
  if (*mode) return gostly::apps::RunModeCommand(cli);
  if (*status) return gostly::apps::RunStatusCommand(cli);
  if (*transition) return gostly::apps::RunTransitionCommand(cli);
  if (*export_cmd) return gostly::apps::RunExportCommand(cli);
  if (*seed) return gostly::apps::RunSeedCommand(cli);
  return 1;
}
