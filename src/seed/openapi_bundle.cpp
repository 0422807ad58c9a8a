#include "seed/openapi_bundle.hpp"

#include <boost/json.hpp>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace gostly::seed {
namespace json = boost::json;
namespace fs = std::filesystem;
using common::ErrorCode;
using common::MakeError;

namespace {

constexpr std::string_view kBundleKey = "x-gostly-bundle";
constexpr std::string_view kUnresolvedKey = "x-gostly-unresolved";  // ref → why not
constexpr std::size_t kMaxFiles = 1000;

bool IsRemote(std::string_view file) {
  return file.starts_with("//") || file.find("://") != std::string_view::npos;
}

// Every string value under the key "$ref" in `root`, iteratively (documents nest deeply).
std::vector<json::string*> RefsIn(json::value& root) {
  std::vector<json::string*> refs;
  std::vector<json::value*> stack{&root};
  while (!stack.empty()) {
    json::value* v = stack.back();
    stack.pop_back();
    if (auto* o = v->if_object()) {
      for (auto& [key, child] : *o) {
        if (key == "$ref" && child.is_string()) {
          refs.push_back(&child.get_string());
        } else {
          stack.push_back(&child);
        }
      }
    } else if (auto* a = v->if_array()) {
      for (auto& child : *a) stack.push_back(&child);
    }
  }
  return refs;
}

class Bundler {
 public:
  Bundler(const SpecFileReader& read, const ImportOptions& options, BundleReport& report)
      : read_(read), options_(options), report_(report) {}

  // Rewrites the refs of `doc` (the document at `path`; `prefix` is where it will live in
  // the bundle, "" for the root). Files it refers to are queued and rewritten in turn.
  void Rewrite(json::value& doc, const std::string& path, const std::string& prefix) {
    for (json::string* ref : RefsIn(doc)) {
      std::string_view text(*ref);
      const std::size_t hash = text.find('#');
      std::string_view file = text.substr(0, hash);
      std::string_view fragment = hash == std::string_view::npos ? "" : text.substr(hash + 1);
      if (file.empty()) {
        if (!prefix.empty()) *ref = "#" + prefix + std::string(fragment);
        continue;
      }
      if (IsRemote(file)) {
        Unresolved(text, path, "remote files are not fetched (seeding reads local files only)");
        continue;
      }
      if (file.starts_with("/")) {
        Unresolved(text, path, "absolute paths are not read (only paths relative to the spec)");
        continue;
      }
      const std::string target =
          (fs::path(path).parent_path() / fs::path(std::string(file))).lexically_normal().string();
      auto where = Load(target, text, path);
      if (!where) continue;
      *ref = "#" + *where + std::string(fragment);
    }
  }

  // Rewrites queued documents until none is left.
  void Drain() {
    while (!queue_.empty()) {
      auto [index, path] = queue_.front();
      queue_.pop_front();
      Rewrite(docs_[index], path, Prefix(index));
    }
  }

  std::deque<json::value>& docs() { return docs_; }
  json::object& unresolved() { return unresolved_; }

 private:
  static std::string Prefix(std::size_t index) {
    return "/" + std::string(kBundleKey) + "/" + std::to_string(index);
  }

  // A ref left as it was: reported once, and kept for the importer's skip reason.
  void Unresolved(std::string_view ref, const std::string& from, const std::string& why) {
    std::string warning = "$ref '" + std::string(ref) + "' in " + from + ": " + why;
    if (warned_.insert(warning).second) report_.warnings.push_back(std::move(warning));
    unresolved_[ref] = why;
  }

  // The bundle location of the document at `target`, loading it the first time.
  std::optional<std::string> Load(const std::string& target, std::string_view ref,
                                  const std::string& from) {
    if (auto it = index_.find(target); it != index_.end()) {
      if (!it->second) {  // failed before: the same reason for this ref
        Unresolved(ref, from, failures_[target]);
        return std::nullopt;
      }
      return Prefix(*it->second);
    }
    auto fail = [&](const std::string& why) {
      index_[target] = std::nullopt;
      failures_[target] = why;
      Unresolved(ref, from, why);
      return std::nullopt;
    };
    if (docs_.size() >= kMaxFiles) {
      return fail("more than " + std::to_string(kMaxFiles) + " referenced files");
    }
    auto text = read_(target);
    if (!text) return fail("cannot read " + target + ": " + text.error());
    bytes_ += text->size();
    if (bytes_ > options_.max_bytes) {
      return fail("the spec and its referenced files are over " +
                  std::to_string(options_.max_bytes) + " bytes (max_bytes)");
    }
    auto doc = detail::ParseSpecText(*text, options_);
    if (!doc) return fail(target + ": " + doc.error());
    index_[target] = docs_.size();
    report_.files.push_back(target);
    queue_.emplace_back(docs_.size(), target);
    docs_.push_back(std::move(doc).value());
    return Prefix(docs_.size() - 1);
  }

  const SpecFileReader& read_;
  const ImportOptions& options_;
  BundleReport& report_;
  std::deque<json::value> docs_;  // stable addresses while refs are rewritten
  std::map<std::string, std::optional<std::size_t>> index_;
  std::deque<std::pair<std::size_t, std::string>> queue_;
  std::set<std::string> warned_;
  std::map<std::string, std::string> failures_;  // file → why it could not be loaded
  json::object unresolved_;
  std::size_t bytes_ = 0;
};

bool HasFileRef(json::value& root) {
  for (const json::string* ref : RefsIn(root)) {
    if (!ref->empty() && ref->front() != '#') return true;
  }
  return false;
}

}  // namespace

common::Result<std::string> BundleOpenApi(std::string_view text, std::string_view path,
                                          const SpecFileReader& read,
                                          const ImportOptions& options, BundleReport* report) {
  BundleReport local;
  BundleReport& rep = report != nullptr ? *report : local;
  rep = BundleReport{};
  auto parsed = detail::ParseSpecText(text, options);
  if (!parsed) return MakeError("cannot read " + std::string(path) + ": " + parsed.error(),
                                parsed.error_code());
  json::value root = std::move(parsed).value();
  if (!root.is_object() || !HasFileRef(root)) return std::string(text);
  Bundler bundler(read, options, rep);
  bundler.Rewrite(root, fs::path(std::string(path)).lexically_normal().string(), "");
  bundler.Drain();
  if (!bundler.docs().empty()) {
    json::object bundle;
    for (std::size_t i = 0; i < bundler.docs().size(); ++i) {
      bundle[std::to_string(i)] = std::move(bundler.docs()[i]);
    }
    root.get_object()[kBundleKey] = std::move(bundle);
  }
  if (!bundler.unresolved().empty()) {
    root.get_object()[kUnresolvedKey] = std::move(bundler.unresolved());
  }
  return json::serialize(root);
}

SpecFileReader LocalSpecFileReader(std::size_t max_bytes) {
  return [max_bytes](const std::string& path) -> common::Result<std::string> {
    const fs::path p(path);
    const std::string ext = p.extension().string();
    if (ext != ".json" && ext != ".yaml" && ext != ".yml") {
      return MakeError("only .json, .yaml and .yml files are read", ErrorCode::kInvalidArgument);
    }
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) {
      return MakeError("no such file", ErrorCode::kNotFound);
    }
    const auto size = fs::file_size(p, ec);
    if (ec) return MakeError(ec.message(), ErrorCode::kInvalidArgument);
    if (size > max_bytes) {
      return MakeError(std::to_string(size) + " bytes, over the limit of " +
                           std::to_string(max_bytes),
                       ErrorCode::kInvalidArgument);
    }
    std::ifstream in(p, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    if (!in && !in.eof()) return MakeError("read failed", ErrorCode::kInvalidArgument);
    return out.str();
  };
}

}  // namespace gostly::seed
