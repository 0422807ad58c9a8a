#include "state/statechart.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "state/field_path.hpp"

namespace gostly::state {
namespace json = boost::json;
using common::ErrorCode;
using common::MakeError;

namespace {

using Edges = std::map<std::string, std::map<std::string, std::string>>;

Statechart Make(std::string name, std::string initial, Edges edges) {
  Statechart chart;
  chart.name = std::move(name);
  chart.initial = std::move(initial);
  chart.transitions = std::move(edges);
  return chart;
}

std::vector<Statechart> Bundled() {
  std::vector<Statechart> charts;
  charts.push_back(Make("charge", "created",
                        {{"created", {{"capture", "captured"}, {"void", "voided"}}},
                         {"captured", {{"refund", "refunded"}}}}));
  // active ⇄ suspended → deleted; an active customer may be deleted too.
  charts.push_back(Make("customer", "active",
                        {{"active", {{"suspend", "suspended"}, {"delete", "deleted"}}},
                         {"suspended", {{"reactivate", "active"}, {"delete", "deleted"}}}}));
  charts.push_back(Make("invoice", "draft",
                        {{"draft", {{"finalize", "open"}, {"void", "voided"}}},
                         {"open",
                          {{"pay", "paid"}, {"void", "voided"},
                           {"mark_uncollectible", "uncollectible"}}},
                         {"paid", {{"refund", "refunded"}}},
                         {"uncollectible", {{"pay", "paid"}, {"void", "voided"}}}}));
  charts.push_back(Make("order", "pending",
                        {{"pending", {{"pay", "paid"}, {"cancel", "cancelled"}}},
                         {"paid", {{"ship", "shipped"}, {"refund", "refunded"}}},
                         {"shipped", {{"deliver", "delivered"}, {"return", "returned"}}},
                         {"delivered", {{"return", "returned"}}},
                         {"returned", {{"refund", "refunded"}}}}));
  charts.push_back(Make("subscription", "trialing",
                        {{"trialing", {{"activate", "active"}, {"cancel", "cancelled"}}},
                         {"active", {{"pause", "paused"}, {"cancel", "cancelled"}}},
                         {"paused", {{"resume", "active"}, {"cancel", "cancelled"}}}}));
  return charts;
}

}  // namespace

std::optional<std::string> Statechart::Next(std::string_view from,
                                            std::string_view action) const {
  auto state = transitions.find(std::string(from));
  if (state == transitions.end()) return std::nullopt;
  for (const auto& [verb, next] : state->second) {
    if (verb == action || next == action) return next;
  }
  return std::nullopt;
}

std::vector<std::string> Statechart::LegalActions(std::string_view from) const {
  std::vector<std::string> out;
  auto state = transitions.find(std::string(from));
  if (state == transitions.end()) return out;
  for (const auto& [verb, next] : state->second) out.push_back(verb);
  return out;  // std::map keeps them sorted
}

bool Statechart::HasState(std::string_view state) const {
  if (state == initial || transitions.contains(std::string(state))) return true;
  for (const auto& [from, edges] : transitions) {
    for (const auto& [verb, next] : edges) {
      if (next == state) return true;
    }
  }
  return false;
}

bool Statechart::KnowsAction(std::string_view word) const {
  for (const auto& [from, edges] : transitions) {
    for (const auto& [verb, next] : edges) {
      if (verb == word || next == word) return true;
    }
  }
  return false;
}

json::object Statechart::ToJson() const {
  json::object edges;
  for (const auto& [from, actions] : transitions) {
    json::object o;
    for (const auto& [verb, next] : actions) o[verb] = next;
    edges[from] = std::move(o);
  }
  return json::object{{"name", name},
                      {"initial", initial},
                      {"field", field},
                      {"transitions", std::move(edges)}};
}

const std::vector<Statechart>& BundledStatecharts() {
  static const std::vector<Statechart> charts = Bundled();
  return charts;
}

common::Result<Statechart> StatechartFromJson(const json::value& value, std::string_view root) {
  const auto* o = value.if_object();
  if (o == nullptr) {
    return MakeError(AboutDocument(root, "a statechart is a JSON object"),
                     ErrorCode::kInvalidArgument);
  }
  auto text = [&](std::string_view key, bool required) -> common::Result<std::string> {
    const auto* v = o->if_contains(key);
    if (v == nullptr && !required) return std::string();
    if (v == nullptr || !v->is_string() || v->get_string().empty()) {
      return MakeError(FieldName(root, key) + " must be a non-empty string",
                       ErrorCode::kInvalidArgument);
    }
    return std::string(v->get_string());
  };
  Statechart chart;
  auto name = text("name", true);
  if (!name) return MakeError(name.error(), ErrorCode::kInvalidArgument);
  auto initial = text("initial", true);
  if (!initial) return MakeError(initial.error(), ErrorCode::kInvalidArgument);
  auto field = text("field", false);
  if (!field) return MakeError(field.error(), ErrorCode::kInvalidArgument);
  chart.name = *name;
  chart.initial = *initial;
  if (!field->empty()) chart.field = *field;
  const auto* edges = o->if_contains("transitions");
  if (edges == nullptr || !edges->is_object() || edges->get_object().empty()) {
    return MakeError(FieldName(root, "transitions") +
                         " must be an object {\"state\": {\"action\": \"next\"}}",
                     ErrorCode::kInvalidArgument);
  }
  for (const auto& [from, actions] : edges->get_object()) {
    if (!actions.is_object()) {
      return MakeError(FieldPath(root, "transitions['" + std::string(from) + "']") +
                           " must be an object",
                       ErrorCode::kInvalidArgument);
    }
    for (const auto& [verb, next] : actions.get_object()) {
      if (!next.is_string() || next.get_string().empty() || verb.empty()) {
        return MakeError(FieldPath(root, "transitions['" + std::string(from) + "']['" +
                                             std::string(verb) + "']") +
                             " must name the next state",
                         ErrorCode::kInvalidArgument);
      }
      chart.transitions[std::string(from)][std::string(verb)] = std::string(next.get_string());
    }
  }
  if (!chart.transitions.contains(chart.initial)) {
    return MakeError(AboutDocument(root, "the initial state '" + chart.initial +
                                             "' has no transitions"),
                     ErrorCode::kInvalidArgument);
  }
  return chart;
}

common::Result<std::vector<Statechart>> StatechartListFromJson(const json::value& value,
                                                               std::string_view where) {
  const auto* list = value.if_array();
  if (list == nullptr) {
    return MakeError(std::string(where) + " must be an array of statecharts",
                     ErrorCode::kInvalidArgument);
  }
  std::vector<Statechart> out;
  std::set<std::string> names;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string at = std::string(where) + "[" + std::to_string(i) + "]";
    auto chart = StatechartFromJson((*list)[i], at);
    if (!chart) return chart.error_value();
    // Overrides are kept by name: a second machine of one name would silently replace the
    // first, so say so instead.
    if (!names.insert(chart->name).second) {
      return MakeError(at + ".name '" + chart->name + "' is defined twice",
                       ErrorCode::kInvalidArgument);
    }
    out.push_back(std::move(chart).value());
  }
  return out;
}

json::array StatechartListToJson(const std::vector<Statechart>& charts) {
  json::array out;
  for (const auto& chart : charts) out.push_back(chart.ToJson());
  return out;
}

const Statechart* StatechartFor(std::string_view collection_path,
                                const std::map<std::string, Statechart>& overrides) {
  std::string_view segment = collection_path;
  if (auto slash = segment.rfind('/'); slash != std::string_view::npos) {
    segment = segment.substr(slash + 1);
  }
  if (segment.empty()) return nullptr;
  auto matches = [&](const std::string& name) {
    return segment == name || (segment.size() == name.size() + 1 && segment.back() == 's' &&
                               segment.starts_with(name));
  };
  for (const auto& [name, chart] : overrides) {
    if (matches(name)) return &chart;
  }
  for (const auto& chart : BundledStatecharts()) {
    if (overrides.contains(chart.name)) continue;
    if (matches(chart.name)) return &chart;
  }
  return nullptr;
}

}  // namespace gostly::state
