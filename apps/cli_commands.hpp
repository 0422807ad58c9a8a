// Host CLI verbs (DESIGN §11): `gostly mode`, `status`, `transition`, `export`, `seed`. Each talks
// to a running control plane's API (GOSTLY_URL, default http://127.0.0.1:8000) with the API
// key in GHOST_API_KEY, prints a result, and exits 0 on success or non-zero with a one-line
// reason on failure.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace gostly::apps {

struct CliOptions {
  std::string url = "http://127.0.0.1:8000";
  std::string api_key;
  // mode
  std::string mode;
  // transition
  bool no_wait = false;
  int timeout_s = 3600;
  // export
  std::string service;
  std::string output;
  std::string format = "jsonl";
  // seed
  std::string file;
  std::string seed_format;  // empty: detected from the content
  bool dry_run = false;
  bool progress = false;  // draw a progress bar even when stdout is not a terminal
};

void AddCliOptions(CLI::App& app, CliOptions& options);

int RunModeCommand(const CliOptions& options);
int RunStatusCommand(const CliOptions& options);
int RunTransitionCommand(const CliOptions& options);
int RunExportCommand(const CliOptions& options);
int RunSeedCommand(const CliOptions& options);

}  // namespace gostly::apps
