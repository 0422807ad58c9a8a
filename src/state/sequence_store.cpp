#include "state/sequence_store.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <fstream>
#include <sstream>

namespace gostly::state {
namespace json = boost::json;
namespace fs = std::filesystem;
using common::ErrorCode;
using common::MakeError;

namespace {

common::Error Invalid(std::string message) {
  return MakeError(std::move(message), ErrorCode::kInvalidArgument);
}

}  // namespace

common::Result<Sequence> SequenceFromJson(const json::value& value) {
  const auto* o = value.if_object();
  if (o == nullptr) return Invalid("a sequence is a JSON object");
  Sequence s;
  if (const auto* service = o->if_contains("service")) {
    if (!service->is_string() || service->get_string().empty()) {
      return Invalid("'service' must be a non-empty string");
    }
    s.service = std::string(service->get_string());
  }
  const auto* method = o->if_contains("method");
  if (method == nullptr || !method->is_string() || method->get_string().empty()) {
    return Invalid("'method' must be an HTTP method such as \"GET\"");
  }
  s.method = std::string(method->get_string());
  std::transform(s.method.begin(), s.method.end(), s.method.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  const auto* path = o->if_contains("path");
  if (path == nullptr || !path->is_string() || !path->get_string().starts_with("/")) {
    return Invalid("'path' must be a path starting with '/'");
  }
  s.path = std::string(path->get_string());
  s.path = s.path.substr(0, s.path.find('?'));
  if (const auto* id = o->if_contains("id"); id != nullptr && id->is_string()) {
    s.id = std::string(id->get_string());
  }
  if (const auto* mode = o->if_contains("mode")) {
    if (!mode->is_string() || (mode->get_string() != "stick" && mode->get_string() != "loop")) {
      return Invalid("'mode' must be \"stick\" (repeat the last response) or \"loop\"");
    }
    s.loop = mode->get_string() == "loop";
  }
  const auto* responses = o->if_contains("responses");
  if (responses == nullptr || !responses->is_array() || responses->get_array().empty()) {
    return Invalid("'responses' must be a non-empty array");
  }
  for (std::size_t i = 0; i < responses->get_array().size(); ++i) {
    const std::string where = "responses[" + std::to_string(i) + "]";
    const auto* r = responses->get_array()[i].if_object();
    if (r == nullptr) return Invalid(where + " must be an object");
    SequenceResponse out;
    if (const auto* status = r->if_contains("status")) {
      if (!status->is_int64() || status->get_int64() < 100 || status->get_int64() > 599) {
        return Invalid(where + ".status must be an integer 100-599");
      }
      out.status = static_cast<int>(status->get_int64());
    }
    bool content_type = false;
    if (const auto* headers = r->if_contains("headers")) {
      if (!headers->is_object()) return Invalid(where + ".headers must be an object");
      for (const auto& [name, v] : headers->get_object()) {
        if (!v.is_string()) return Invalid(where + ".headers['" + std::string(name) + "'] must be a string");
        std::string text(v.get_string());
        if (name.empty() || text.find_first_of("\r\n") != std::string::npos) {
          return Invalid(where + ".headers['" + std::string(name) + "'] is not a valid header");
        }
        std::string lower(name);
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (lower == "content-length" || lower == "transfer-encoding" || lower == "connection") {
          continue;  // framing is the proxy's
        }
        content_type = content_type || lower == "content-type";
        out.headers.emplace_back(std::string(name), std::move(text));
      }
    }
    if (const auto* body = r->if_contains("body"); body != nullptr && !body->is_null()) {
      if (body->is_string()) {
        out.body = std::string(body->get_string());
      } else {
        out.body = json::serialize(*body);
        if (!content_type) out.headers.emplace_back("Content-Type", "application/json");
      }
    }
    s.responses.push_back(std::move(out));
  }
  return s;
}

json::object SequenceToJson(const Sequence& s) {
  json::array responses;
  for (const auto& r : s.responses) {
    json::object headers;
    for (const auto& [name, value] : r.headers) headers[name] = value;
    responses.push_back(
        json::object{{"status", r.status}, {"headers", std::move(headers)}, {"body", r.body}});
  }
  return json::object{{"id", s.id},
                      {"service", s.service},
                      {"method", s.method},
                      {"path", s.path},
                      {"mode", s.loop ? "loop" : "stick"},
                      {"position", s.position},
                      {"responses", std::move(responses)}};
}

SequenceStore::SequenceStore(fs::path file) : file_(std::move(file)) {}

common::Status SequenceStore::Load() {
  if (file_.empty() || !fs::exists(file_)) return common::OkStatus();
  std::ifstream in(file_, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  json::value v = json::parse(text.str(), ec);
  if (ec || !v.is_object() || !v.get_object().contains("sequences") ||
      !v.get_object().at("sequences").is_array()) {
    return MakeError(file_.string() + " is not a sequences file ({\"sequences\": [...]})",
                     ErrorCode::kInvalidArgument);
  }
  std::vector<Sequence> loaded;
  std::size_t next = 1;
  if (const auto* n = v.get_object().if_contains("next_id"); n != nullptr && n->is_int64() &&
                                                            n->get_int64() > 0) {
    next = static_cast<std::size_t>(n->get_int64());  // ids are never reused
  }
  const auto& list = v.get_object().at("sequences").get_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto s = SequenceFromJson(list[i]);
    if (!s) {
      return MakeError(file_.string() + ": sequences[" + std::to_string(i) + "]: " + s.error(),
                       ErrorCode::kInvalidArgument);
    }
    if (s->id.starts_with("seq-")) {
      next = std::max<std::size_t>(next, std::strtoull(s->id.c_str() + 4, nullptr, 10) + 1);
    }
    loaded.push_back(std::move(s).value());
  }
  std::lock_guard lock(mu_);
  sequences_ = std::move(loaded);
  for (auto& s : sequences_) {
    if (s.id.empty()) s.id = "seq-" + std::to_string(next++);
  }
  next_id_ = next;
  count_.store(sequences_.size(), std::memory_order_relaxed);
  return common::OkStatus();
}

common::Status SequenceStore::SaveLocked() const {
  if (file_.empty()) return common::OkStatus();
  json::array list;
  for (const auto& s : sequences_) {
    json::object o = SequenceToJson(s);
    o.erase("position");
    list.push_back(std::move(o));
  }
  fs::path tmp = file_;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << json::serialize(json::object{{"next_id", next_id_}, {"sequences", std::move(list)}})
        << '\n';
    out.flush();
    if (!out) return MakeError("cannot write " + tmp.string(), ErrorCode::kUnavailable);
  }
  std::error_code ec;
  fs::rename(tmp, file_, ec);
  if (ec) return MakeError("cannot replace " + file_.string() + ": " + ec.message(),
                           ErrorCode::kUnavailable);
  return common::OkStatus();
}

std::optional<SequenceAnswer> SequenceStore::Next(std::string_view service,
                                                  std::string_view method,
                                                  std::string_view target) {
  if (count_.load(std::memory_order_relaxed) == 0) return std::nullopt;
  const std::string_view path = target.substr(0, target.find('?'));
  std::lock_guard lock(mu_);
  for (auto& s : sequences_) {
    if (s.service != service || s.method != method || s.path != path) continue;
    const std::size_t count = s.responses.size();
    const std::size_t index = std::min(s.position, count - 1);
    SequenceAnswer answer{s.responses[index], s.id, index, count};
    if (s.loop) {
      s.position = (index + 1) % count;
    } else if (s.position < count) {
      ++s.position;
    }
    return answer;
  }
  return std::nullopt;
}

common::Result<Sequence> SequenceStore::Put(Sequence sequence) {
  std::lock_guard lock(mu_);
  sequence.position = 0;
  auto same = std::find_if(sequences_.begin(), sequences_.end(), [&](const Sequence& s) {
    return s.service == sequence.service && s.method == sequence.method &&
           s.path == sequence.path;
  });
  if (same != sequences_.end()) {
    sequence.id = same->id;
    *same = sequence;
  } else {
    sequence.id = "seq-" + std::to_string(next_id_++);
    sequences_.push_back(sequence);
  }
  count_.store(sequences_.size(), std::memory_order_relaxed);
  if (auto saved = SaveLocked(); !saved) return saved.error_value();
  return sequence;
}

std::vector<Sequence> SequenceStore::List() const {
  std::lock_guard lock(mu_);
  return sequences_;
}

bool SequenceStore::Reset(std::string_view id) {
  std::lock_guard lock(mu_);
  bool found = id.empty();
  for (auto& s : sequences_) {
    if (id.empty() || s.id == id) {
      s.position = 0;
      found = true;
    }
  }
  return found;
}

common::Result<bool> SequenceStore::Remove(std::string_view id) {
  std::lock_guard lock(mu_);
  const std::size_t before = sequences_.size();
  std::erase_if(sequences_, [&](const Sequence& s) { return id.empty() || s.id == id; });
  count_.store(sequences_.size(), std::memory_order_relaxed);
  const bool removed = id.empty() || sequences_.size() != before;
  if (removed) {
    if (auto saved = SaveLocked(); !saved) return saved.error_value();
  }
  return removed;
}

}  // namespace gostly::state
