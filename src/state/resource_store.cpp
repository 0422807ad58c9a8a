#include "state/resource_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/parse_query.hpp>
#include <cctype>
#include <deque>
#include <mutex>

#include "common/body_codec.hpp"

namespace gostly::state {
namespace json = boost::json;
using common::ErrorCode;
using common::MakeError;

namespace {

constexpr char kSep = '\x1f';
constexpr int kMaxIdDepth = 3;

std::string CollKey(std::string_view service, std::string_view collection) {
  std::string k;
  k.reserve(service.size() + collection.size() + 1);
  k.append(service).push_back(kSep);
  k.append(collection);
  return k;
}

std::string Key(std::string_view service, std::string_view collection, std::string_view id) {
  std::string k = CollKey(service, collection);
  k.push_back(kSep);
  k.append(id);
  return k;
}

std::vector<std::string_view> Segments(std::string_view target) {
  target = target.substr(0, target.find('?'));
  std::vector<std::string_view> out;
  std::size_t at = 0;
  while (at < target.size()) {
    std::size_t slash = target.find('/', at);
    if (slash == std::string_view::npos) slash = target.size();
    if (slash > at) out.push_back(target.substr(at, slash - at));
    at = slash + 1;
  }
  return out;
}

std::string Join(const std::vector<std::string_view>& segs, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out.append("/").append(segs[i]);
  return out;
}

std::string Singular(std::string_view collection) {
  std::string_view last = collection.substr(collection.rfind('/') + 1);
  if (last.size() > 1 && last.back() == 's') last.remove_suffix(1);
  return std::string(last);
}

struct IdAt {
  std::vector<std::string> path;  // keys from the top to the id's key
  std::string id;
  bool numeric = false;
};

std::optional<std::string> IdText(const json::value& v, bool* numeric) {
  if (const auto* s = v.if_string(); s != nullptr && !s->empty()) {
    *numeric = false;
    return std::string(*s);
  }
  if (const auto* i = v.if_int64()) {
    *numeric = true;
    return std::to_string(*i);
  }
  if (const auto* u = v.if_uint64()) {
    *numeric = true;
    return std::to_string(*u);
  }
  return std::nullopt;
}

// Breadth-first: the shallowest id wins; at one level `id`, then `_id`, then `{singular}_id`.
std::optional<IdAt> FindId(const json::object& top, const std::string& singular) {
  struct Item {
    const json::object* object;
    std::vector<std::string> path;
  };
  std::deque<Item> queue{{&top, {}}};
  const std::string names[] = {"id", "_id", singular + "_id"};
  while (!queue.empty()) {
    Item item = std::move(queue.front());
    queue.pop_front();
    for (const auto& name : names) {
      const json::value* v = item.object->if_contains(name);
      bool numeric = false;
      if (v == nullptr) continue;
      if (auto text = IdText(*v, &numeric)) {
        IdAt at{item.path, std::move(*text), numeric};
        at.path.push_back(name);
        return at;
      }
    }
    if (static_cast<int>(item.path.size()) >= kMaxIdDepth) continue;
    for (const auto& [key, child] : *item.object) {
      if (const auto* o = child.if_object()) {
        std::vector<std::string> path = item.path;
        path.emplace_back(key);
        queue.push_back({o, std::move(path)});
      }
    }
  }
  return std::nullopt;
}

json::value* At(json::object& top, const std::vector<std::string>& path) {
  json::object* o = &top;
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    json::value* child = o->if_contains(path[i]);
    if (child == nullptr || !child->is_object()) return nullptr;
    o = &child->get_object();
  }
  return path.empty() ? nullptr : &(*o)[path.back()];
}

bool AllDigits(std::string_view s) {
  return !s.empty() && s.size() < 19 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (s[i] == '-')) return false;
    if (!dash && !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

// The request's fields: a JSON object, or a form (a=1&b=two), else none.
json::object RequestFields(std::string_view content_type, std::string_view body) {
  json::object out;
  if (body.empty()) return out;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (!ec) {
    if (auto* o = v.if_object()) out = std::move(*o);
    return out;
  }
  if (content_type.find("x-www-form-urlencoded") == std::string_view::npos) return out;
  std::string form;  // '+' is the form encoding's space; a literal space is not a query char
  for (char c : body) c == '+' ? form.append("%20") : form.append(1, c);
  auto params = boost::urls::parse_query(form);
  if (!params) return out;
  for (const auto& p : *params) {
    std::string key = p.key.decode();
    if (key.empty() || key.find('[') != std::string::npos) continue;  // nested: not merged
    out[key] = p.has_value ? json::value(p.value.decode()) : json::value(true);
  }
  return out;
}

// A form's text value in the type the recorded resource uses for that field.
json::value Coerce(json::value incoming, const json::value* existing) {
  const auto* text = incoming.if_string();
  if (text == nullptr || existing == nullptr) return incoming;
  std::string s(*text);
  if (existing->is_bool()) {
    if (s == "true") return true;
    if (s == "false") return false;
  } else if (existing->is_number()) {
    boost::system::error_code ec;
    json::value n = json::parse(s, ec);
    if (!ec && n.is_number()) return n;
  }
  return incoming;
}

void Merge(json::object& into, const json::object& fields, const std::vector<std::string>& id_path) {
  for (const auto& [key, value] : fields) {
    if (key == "action" || (id_path.size() == 1 && key == id_path.front())) continue;
    into[key] = Coerce(value, into.if_contains(key));
  }
}

std::string ErrorBody(std::string_view error, std::string_view message) {
  return json::serialize(json::object{{"error", error}, {"message", message}});
}

}  // namespace

// ---- the flat map ------------------------------------------------------------------------

std::size_t FlatStringMap::Probe(std::uint64_t hash, std::string_view key) const {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (!slot.used) return i;
    if (slot.hash == hash && slot.key_size == key.size() &&
        std::string_view(arena_).substr(slot.offset, slot.key_size) == key) {
      return i;
    }
  }
}

void FlatStringMap::Grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.size() * 2, Slot{});
  const std::size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (!slot.used) continue;
    std::size_t i = slot.hash & mask;
    while (slots_[i].used) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

bool FlatStringMap::Put(std::string_view key, std::string_view body) {
  if ((size_ + 1) * 2 > slots_.size()) Grow();  // load factor at most 1/2
  const std::uint64_t hash = common::Hash64(key);
  Slot& slot = slots_[Probe(hash, key)];
  const bool fresh = !slot.used;
  slot.used = true;
  slot.hash = hash;
  slot.offset = arena_.size();
  slot.key_size = static_cast<std::uint32_t>(key.size());
  slot.body_size = static_cast<std::uint32_t>(body.size());
  arena_.append(key).append(body);
  if (fresh) ++size_;
  return fresh;
}

std::optional<std::string_view> FlatStringMap::Find(std::string_view key) const {
  const Slot& slot = slots_[Probe(common::Hash64(key), key)];
  if (!slot.used) return std::nullopt;
  return std::string_view(arena_).substr(slot.offset + slot.key_size, slot.body_size);
}

// ---- records -----------------------------------------------------------------------------

std::string EncodeResourceLine(const ResourceRecord& r) {
  boost::system::error_code ec;
  json::value resource = json::parse(r.resource, ec);
  if (ec) resource = json::string(r.resource);
  json::object o{{"service", r.service}, {"collection", r.collection}, {"id", r.id},
                 {"resource", std::move(resource)}};
  if (r.create_status != 0) o["create_status"] = r.create_status;
  return json::serialize(o) + "\n";
}

common::Result<ResourceRecord> DecodeResourceLine(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec) return MakeError("not JSON: " + ec.message(), ErrorCode::kInvalidArgument);
  const auto* o = v.if_object();
  if (o == nullptr) return MakeError("not a JSON object", ErrorCode::kInvalidArgument);
  ResourceRecord r;
  for (auto [field, out] : {std::pair{"service", &r.service}, std::pair{"collection", &r.collection},
                            std::pair{"id", &r.id}}) {
    const auto* s = o->if_contains(field);
    if (s == nullptr || !s->is_string() || s->get_string().empty()) {
      return MakeError(std::string("'") + field + "' must be a non-empty string",
                       ErrorCode::kInvalidArgument);
    }
    *out = std::string(s->get_string());
  }
  const auto* resource = o->if_contains("resource");
  if (resource == nullptr || !resource->is_object()) {
    return MakeError("'resource' must be a JSON object", ErrorCode::kInvalidArgument);
  }
  r.resource = json::serialize(*resource);
  if (const auto* s = o->if_contains("create_status"); s != nullptr && s->is_int64()) {
    r.create_status = static_cast<int>(s->get_int64());
  }
  return r;
}

// ---- the store ---------------------------------------------------------------------------

ResourceStore::ResourceStore(std::uint64_t seed) : seed_(seed), rng_(seed) {}

std::optional<ResourceRecord> ResourceStore::Observe(std::string_view service,
                                                     std::string_view method,
                                                     std::string_view target, int status,
                                                     std::string_view response_body) {
  if (status < 200 || status > 299 || response_body.empty()) return std::nullopt;
  // GETs are not observed: they are most of LEARN's traffic, and parsing every response
  // body would tax the hot path; reads of recorded resources are the exact tier's job.
  if (method != "POST" && method != "PUT" && method != "PATCH") return std::nullopt;
  const auto segs = Segments(target);
  if (segs.empty()) return std::nullopt;
  boost::system::error_code ec;
  json::value v = json::parse(response_body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  // Which collection: the path itself (a create), or the path up to the id.
  const std::size_t n = segs.size();
  auto id_in_path = [&](std::size_t at) {
    return FindId(v.get_object(), Singular(Join(segs, at)));
  };
  ResourceRecord record;
  std::optional<IdAt> id;
  if (n >= 2 && (id = id_in_path(n - 1)) && id->id == segs[n - 1]) {
    record.collection = Join(segs, n - 1);
  } else if (n >= 3 && (id = id_in_path(n - 2)) && id->id == segs[n - 2]) {
    record.collection = Join(segs, n - 2);  // POST /collection/{id}/{action}
  } else if (method == "POST" && (id = FindId(v.get_object(), Singular(Join(segs, n)))) &&
             (status == 201 || id->path.size() == 1)) {
    // A create: 201 Created, or an id at the top of the answer. A 200 whose only id is nested
    // (GraphQL's {"data":{…{"id"}}}, a login's {"user":{"id"}}) is not a collection: it stays
    // exact replay instead of being turned into fresh resources.
    record.collection = Join(segs, n);
    record.create_status = status;
  } else {
    return std::nullopt;
  }
  record.service = std::string(service);
  record.id = id->id;
  record.resource = std::string(response_body);
  Load(record);
  return record;
}

void ResourceStore::Load(const ResourceRecord& record) {
  boost::system::error_code ec;
  json::value v = json::parse(record.resource, ec);
  if (ec || !v.is_object()) return;
  auto id = FindId(v.get_object(), Singular(record.collection));
  std::unique_lock lock(mu_);
  Collection& c = collections_[CollKey(record.service, record.collection)];
  c.template_body = record.resource;
  if (id) {
    c.id_path = id->path;
    c.numeric_id = id->numeric;
  }
  if (AllDigits(record.id)) c.max_int = std::max<std::int64_t>(c.max_int, std::stoll(record.id));
  if (record.create_status != 0) c.create_status = record.create_status;
  if (recorded_.Put(Key(record.service, record.collection, record.id), record.resource)) {
    recorded_count_.fetch_add(1, std::memory_order_relaxed);
  }
}

std::optional<std::string> ResourceStore::Live(const std::string& key) const {
  if (auto o = overlay_.find(key); o != overlay_.end()) return o->second;
  if (auto r = recorded_.Find(key)) return std::string(*r);
  return std::nullopt;
}

std::optional<ResourceReply> ResourceStore::Read(const std::string& key, bool early) const {
  if (auto o = overlay_.empty() ? overlay_.end() : overlay_.find(key); o != overlay_.end()) {
    if (!o->second) {
      return ResourceReply{404, ErrorBody("not_found", "This resource was deleted."), "", "gone"};
    }
    return ResourceReply{200, *o->second, "", "read"};
  }
  if (early) return std::nullopt;
  if (auto r = recorded_.Find(key)) return ResourceReply{200, std::string(*r), "", "read"};
  return std::nullopt;
}

std::optional<ResourceReply> ResourceStore::Handle(std::string_view service,
                                                   std::string_view method,
                                                   std::string_view target,
                                                   std::string_view content_type,
                                                   std::string_view body, bool early) {
  if (empty() && overlay_count_.load(std::memory_order_relaxed) == 0) return std::nullopt;
  if (method == "GET") {
    // The hot read: no allocation (the key is built in a per-thread buffer).
    if (early && overlay_count_.load(std::memory_order_relaxed) == 0) return std::nullopt;
    std::string_view path = target.substr(0, target.find('?'));
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    const std::size_t slash = path.rfind('/');
    if (slash == std::string_view::npos || slash == 0) return std::nullopt;
    const std::string_view collection = path.substr(0, slash);
    if (collection.find("//") == std::string_view::npos && collection.front() == '/') {
      thread_local std::string key;
      key.clear();
      key.append(service).push_back(kSep);
      key.append(collection).push_back(kSep);
      key.append(path.substr(slash + 1));
      std::shared_lock lock(mu_);
      return Read(key, early);
    }
  }
  const auto segs = Segments(target);
  const std::size_t n = segs.size();
  if (n == 0) return std::nullopt;
  if (method == "GET") {
    if (n < 2 || (early && overlay_count_.load(std::memory_order_relaxed) == 0)) {
      return std::nullopt;
    }
    std::shared_lock lock(mu_);
    return Read(Key(service, Join(segs, n - 1), segs[n - 1]), early);
  }
  if (method != "POST" && method != "PUT" && method != "PATCH" && method != "DELETE") {
    return std::nullopt;
  }
  std::unique_lock lock(mu_);
  const std::string svc(service);
  if (method == "POST") {
    const std::string whole = Join(segs, n);
    if (collections_.contains(CollKey(service, whole))) {
      return Create(svc, whole, content_type, body);
    }
  }
  if (n < 2) return std::nullopt;
  const std::string collection = Join(segs, n - 1);
  const std::string key = Key(service, collection, segs[n - 1]);
  auto current = Live(key);
  if (!current) {
    // POST /collection/{id}/{action}
    if (method != "POST" || n < 3) return std::nullopt;
    const std::string parent = Join(segs, n - 2);
    const std::string parent_key = Key(service, parent, segs[n - 2]);
    auto resource = Live(parent_key);
    if (!resource) return std::nullopt;
    return Transition(svc, parent, parent_key, *resource, segs[n - 1]);
  }
  if (method == "DELETE") {
    if (overlay_.insert_or_assign(key, std::nullopt).second) {
      overlay_count_.fetch_add(1, std::memory_order_relaxed);
    }
    json::object gone{{"id", std::string(segs[n - 1])}, {"deleted", true}};
    auto c = collections_.find(CollKey(service, collection));
    if (c != collections_.end() && c->second.numeric_id && AllDigits(segs[n - 1])) {
      gone["id"] = std::stoll(std::string(segs[n - 1]));
    }
    return ResourceReply{200, json::serialize(gone), "", "delete"};
  }
  if (method == "PATCH" || method == "PUT") {
    json::object fields = RequestFields(content_type, body);
    if (const auto* action = fields.if_contains("action"); action != nullptr && action->is_string()) {
      return Transition(svc, collection, key, *current, action->get_string());
    }
  }
  return Update(key, *current, content_type, body, method == "PUT");
}

std::optional<ResourceReply> ResourceStore::Create(const std::string& service,
                                                   const std::string& collection,
                                                   std::string_view content_type,
                                                   std::string_view body) {
  const std::string ck = CollKey(service, collection);
  Collection& c = collections_.at(ck);
  boost::system::error_code ec;
  json::value resource = json::parse(c.template_body, ec);
  if (ec || !resource.is_object() || c.id_path.empty()) return std::nullopt;
  json::object& o = resource.get_object();
  json::value* id_slot = At(o, c.id_path);
  if (id_slot == nullptr) return std::nullopt;
  bool numeric = false;
  const std::string example = IdText(*id_slot, &numeric).value_or("");
  Merge(o, RequestFields(content_type, body), c.id_path);
  const std::string id = FreshId(ck, c, example);
  id_slot = At(o, c.id_path);  // Merge may have replaced objects on the way
  if (id_slot == nullptr) return std::nullopt;
  if (c.numeric_id) {
    *id_slot = std::stoll(id);
  } else {
    *id_slot = id;
  }
  std::string transition;
  if (const Statechart* chart = StatechartFor(collection, charts_[service])) {
    o[chart->field] = chart->initial;
  }
  std::string text = json::serialize(resource);
  if (overlay_.insert_or_assign(Key(service, collection, id), text).second) {
    overlay_count_.fetch_add(1, std::memory_order_relaxed);
  }
  return ResourceReply{c.create_status != 0 ? c.create_status : 201, std::move(text), transition,
                       "create"};
}

ResourceReply ResourceStore::Update(const std::string& key, const std::string& current,
                                    std::string_view content_type, std::string_view body,
                                    bool replace) {
  (void)replace;  // PUT and PATCH both merge: fields not sent keep their recorded values
  boost::system::error_code ec;
  json::value resource = json::parse(current, ec);
  if (ec || !resource.is_object()) return ResourceReply{200, current, "", "update"};
  const std::string ck = key.substr(0, key.rfind(kSep));
  auto c = collections_.find(ck);
  Merge(resource.get_object(), RequestFields(content_type, body),
        c == collections_.end() ? std::vector<std::string>{} : c->second.id_path);
  std::string text = json::serialize(resource);
  if (overlay_.insert_or_assign(key, text).second) {
    overlay_count_.fetch_add(1, std::memory_order_relaxed);
  }
  return ResourceReply{200, std::move(text), "", "update"};
}

std::optional<ResourceReply> ResourceStore::Transition(const std::string& service,
                                                       const std::string& collection,
                                                       const std::string& key,
                                                       const std::string& current,
                                                       std::string_view action) {
  const Statechart* chart = StatechartFor(collection, charts_[service]);
  if (chart == nullptr || !chart->KnowsAction(action)) return std::nullopt;
  boost::system::error_code ec;
  json::value resource = json::parse(current, ec);
  if (ec || !resource.is_object()) return std::nullopt;
  json::object& o = resource.get_object();
  std::string state = chart->initial;
  if (const auto* s = o.if_contains(chart->field); s != nullptr && s->is_string() &&
                                                   chart->HasState(s->get_string())) {
    state = std::string(s->get_string());
  }
  auto next = chart->Next(state, action);
  if (!next) {
    const auto legal = chart->LegalActions(state);
    json::array names;
    for (const auto& a : legal) names.emplace_back(a);
    std::string list;
    for (const auto& a : legal) list += (list.empty() ? "" : ", ") + a;
    json::object refusal{
        {"error", "illegal_transition"},
        {"message", fmt::format("cannot {} a {} in state '{}'; legal: {}", action, chart->name,
                                state, list.empty() ? "none (a final state)" : list)},
        {"state", state},
        {"action", action},
        {"legal_actions", std::move(names)}};
    return ResourceReply{409, json::serialize(refusal), "", "refused"};
  }
  o[chart->field] = *next;
  std::string text = json::serialize(resource);
  if (overlay_.insert_or_assign(key, text).second) {
    overlay_count_.fetch_add(1, std::memory_order_relaxed);
  }
  return ResourceReply{200, std::move(text), *next, "transition"};
}

std::string ResourceStore::FreshId(const std::string& coll_key, const Collection& collection,
                                   std::string_view example) {
  static constexpr std::string_view kAlnum =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  static constexpr std::string_view kHex = "0123456789abcdef";
  auto pick = [&](std::string_view alphabet) {
    return alphabet[static_cast<std::size_t>(rng_() % alphabet.size())];
  };
  const auto taken = [&](const std::string& id) {
    const std::string key = coll_key + kSep + id;
    return overlay_.contains(key) || recorded_.Find(key).has_value();
  };
  for (;;) {
    std::string id;
    if (collection.numeric_id || AllDigits(example)) {
      std::int64_t& max = overlay_max_int_[coll_key];
      max = std::max<std::int64_t>(max, collection.max_int) + 1;
      id = std::to_string(max);
    } else if (IsUuid(example)) {
      for (std::size_t i = 0; i < 36; ++i) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
          id += '-';
        } else if (i == 14) {
          id += '4';  // version 4
        } else if (i == 19) {
          id += "89ab"[rng_() % 4];  // RFC 4122 variant
        } else {
          id += pick(kHex);
        }
      }
      if (std::any_of(example.begin(), example.end(), [](char ch) { return ch >= 'A' && ch <= 'F'; })) {
        std::transform(id.begin(), id.end(), id.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
      }
    } else {
      // "ch_3MmlLrLkdIwHu7ix0snN0B15": the prefix kept, the rest the same length.
      const std::size_t cut = example.find_last_of("_-");
      std::size_t keep = cut == std::string_view::npos ? 0 : cut + 1;
      id = std::string(example.substr(0, keep));
      const std::string_view tail = example.substr(keep);
      const bool hex = !tail.empty() && std::all_of(tail.begin(), tail.end(), [](unsigned char ch) {
        return std::isdigit(ch) || (ch >= 'a' && ch <= 'f');
      });
      const std::size_t length = std::max<std::size_t>(tail.size(), 8);
      for (std::size_t i = 0; i < length; ++i) id += pick(hex ? kHex : kAlnum);
    }
    if (!taken(id)) return id;
  }
}

void ResourceStore::Reset() {
  std::unique_lock lock(mu_);
  overlay_.clear();
  overlay_max_int_.clear();
  overlay_count_.store(0, std::memory_order_relaxed);
  rng_.seed(seed_);
}

void ResourceStore::SetStatecharts(const std::string& service,
                                   std::map<std::string, Statechart> charts) {
  std::unique_lock lock(mu_);
  charts_[service] = std::move(charts);
}

std::vector<Statechart> ResourceStore::Statecharts(const std::string& service) const {
  std::shared_lock lock(mu_);
  std::vector<Statechart> out;
  auto it = charts_.find(service);
  if (it != charts_.end()) {
    for (const auto& [name, chart] : it->second) out.push_back(chart);
  }
  for (const auto& chart : BundledStatecharts()) {
    if (it == charts_.end() || !it->second.contains(chart.name)) out.push_back(chart);
  }
  return out;
}

std::size_t ResourceStore::recorded() const { return recorded_count_.load(); }
std::size_t ResourceStore::changed() const { return overlay_count_.load(); }

}  // namespace gostly::state
