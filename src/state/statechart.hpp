// Lifecycle state machines for stateful mocks (DESIGN §12): flat machines bound to a
// collection by name ("charges" → charge), driven by action verbs or by the target state's
// name. The five bundled machines are data; services may override or add machines.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace gostly::state {

struct Statechart {
  std::string name;              // "charge"; binds the collections "charge" and "charges"
  std::string initial;           // the state a resource created in MOCK starts in
  std::string field = "status";  // the resource field holding the state
  // state → action → next state, for the legal transitions only.
  std::map<std::string, std::map<std::string, std::string>> transitions;

  // The state after `action` from `from`: the action verb, or the target state's own name.
  // nullopt when the transition is not legal.
  std::optional<std::string> Next(std::string_view from, std::string_view action) const;
  // The actions legal from `from`, sorted ("capture", "void").
  std::vector<std::string> LegalActions(std::string_view from) const;
  bool HasState(std::string_view state) const;
  // Whether `word` is an action or a state name anywhere in the machine.
  bool KnowsAction(std::string_view word) const;

  boost::json::object ToJson() const;
};

// charge, customer, invoice, order, subscription (DESIGN §12).
const std::vector<Statechart>& BundledStatecharts();

// A machine from its JSON form: {"name", "initial", "field"?, "transitions":
// {"state": {"action": "next"}}}. Errors name the offending field.
// `root`: the key the caller holds the document under; errors then name fields from there.
common::Result<Statechart> StatechartFromJson(const boost::json::value& value,
                                              std::string_view root = {});

// One service's overrides as the route table and the control API carry them: an array of
// machines in StatechartFromJson's form, each name once (an empty array: none). Errors name
// the element and field under `where` ("statecharts[1].initial must be a non-empty string").
common::Result<std::vector<Statechart>> StatechartListFromJson(
    const boost::json::value& value, std::string_view where = "statecharts");
boost::json::array StatechartListToJson(const std::vector<Statechart>& charts);

// The machine bound to a collection path's last segment ("/v1/charges" → "charges"): one
// whose name is that segment, or the segment without a trailing "s". `overrides` (by
// machine name) win over the bundled machines. Null when none is bound.
const Statechart* StatechartFor(std::string_view collection_path,
                                const std::map<std::string, Statechart>& overrides);

}  // namespace gostly::state
