// The five bundled machines against DESIGN §12, transition by transition: every listed edge
// is legal (by verb and by the target state's name), every other action is refused.
#include "state/statechart.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>
#include <tuple>

namespace gostly::state {
namespace {

using Edge = std::tuple<const char*, const char*, const char*>;  // from, action, to

// Written from DESIGN §12, not from the code.
const std::map<std::string, std::pair<std::string, std::vector<Edge>>> kDesign = {
    {"charge",
     {"created",
      {{"created", "capture", "captured"}, {"created", "void", "voided"},
       {"captured", "refund", "refunded"}}}},
    {"customer",
     {"active",
      {{"active", "suspend", "suspended"}, {"suspended", "reactivate", "active"},
       {"suspended", "delete", "deleted"}, {"active", "delete", "deleted"}}}},
    {"invoice",
     {"draft",
      {{"draft", "finalize", "open"}, {"draft", "void", "voided"}, {"open", "pay", "paid"},
       {"open", "void", "voided"}, {"open", "mark_uncollectible", "uncollectible"},
       {"paid", "refund", "refunded"}, {"uncollectible", "pay", "paid"},
       {"uncollectible", "void", "voided"}}}},
    {"order",
     {"pending",
      {{"pending", "pay", "paid"}, {"pending", "cancel", "cancelled"},
       {"paid", "ship", "shipped"}, {"paid", "refund", "refunded"},
       {"shipped", "deliver", "delivered"}, {"shipped", "return", "returned"},
       {"delivered", "return", "returned"}, {"returned", "refund", "refunded"}}}},
    {"subscription",
     {"trialing",
      {{"trialing", "activate", "active"}, {"trialing", "cancel", "cancelled"},
       {"active", "pause", "paused"}, {"active", "cancel", "cancelled"},
       {"paused", "resume", "active"}, {"paused", "cancel", "cancelled"}}}},
};

TEST(Statecharts, EveryBundledMachineMatchesTheDesign) {
  ASSERT_EQ(BundledStatecharts().size(), kDesign.size());
  for (const auto& chart : BundledStatecharts()) {
    SCOPED_TRACE(chart.name);
    ASSERT_TRUE(kDesign.contains(chart.name));
    const auto& [initial, edges] = kDesign.at(chart.name);
    EXPECT_EQ(chart.initial, initial);
    EXPECT_EQ(chart.field, "status");
    std::set<std::string> states, words;
    for (const auto& [from, action, to] : edges) {
      states.insert(from);
      states.insert(to);
      words.insert(action);
      words.insert(to);
    }
    for (const auto& state : states) {
      for (const auto& word : words) {
        std::optional<std::string> want;
        for (const auto& [from, action, to] : edges) {
          if (state == from && (word == action || word == to)) want = to;
        }
        EXPECT_EQ(chart.Next(state, word), want) << state << " --" << word << "-->";
      }
    }
    EXPECT_EQ(chart.Next(initial, "no_such_action"), std::nullopt);
  }
}

TEST(Statecharts, LegalActionsAreNamedAndFinalStatesHaveNone) {
  const Statechart* charge = StatechartFor("/v1/charges", {});
  ASSERT_NE(charge, nullptr);
  EXPECT_EQ(charge->LegalActions("created"), (std::vector<std::string>{"capture", "void"}));
  EXPECT_TRUE(charge->LegalActions("refunded").empty());
  EXPECT_TRUE(charge->KnowsAction("refunded"));
  EXPECT_FALSE(charge->KnowsAction("sources"));
}

TEST(Statecharts, BoundByCollectionNameWithOverridesFirst) {
  EXPECT_EQ(StatechartFor("/v1/charges", {})->name, "charge");
  EXPECT_EQ(StatechartFor("/orders", {})->name, "order");
  EXPECT_EQ(StatechartFor("/api/subscription", {})->name, "subscription");
  EXPECT_EQ(StatechartFor("/users", {}), nullptr);
  EXPECT_EQ(StatechartFor("", {}), nullptr);

  auto custom = StatechartFromJson(boost::json::parse(
      R"({"name": "order", "initial": "new", "field": "state",
          "transitions": {"new": {"confirm": "confirmed"}}})"));
  ASSERT_TRUE(custom.ok()) << custom.error();
  std::map<std::string, Statechart> overrides{{"order", *custom}};
  const Statechart* order = StatechartFor("/orders", overrides);
  ASSERT_NE(order, nullptr);
  EXPECT_EQ(order->initial, "new");
  EXPECT_EQ(order->field, "state");
  EXPECT_EQ(order->Next("new", "confirm"), "confirmed");
  EXPECT_EQ(StatechartFor("/charges", overrides)->name, "charge") << "others stay bundled";
  EXPECT_EQ(StatechartFromJson(order->ToJson()).value().transitions, order->transitions);
}

TEST(Statecharts, BadDefinitionsNameTheirProblem) {
  auto check = [](const char* text, const char* expected) {
    auto chart = StatechartFromJson(boost::json::parse(text));
    ASSERT_FALSE(chart.ok()) << text;
    EXPECT_NE(chart.error().find(expected), std::string::npos) << chart.error();
  };
  check("[]", "JSON object");
  check(R"({"initial": "a", "transitions": {"a": {"go": "b"}}})", "'name'");
  check(R"({"name": "x", "initial": "a"})", "'transitions'");
  check(R"({"name": "x", "initial": "a", "transitions": {"a": {"go": 3}}})", "next state");
  check(R"({"name": "x", "initial": "z", "transitions": {"a": {"go": "b"}}})", "'z'");
}

TEST(Statecharts, AServicesListRoundTripsAndNamesTheElementAndField) {
  const char* text = R"([{"name": "charge", "initial": "pending", "field": "state",
      "transitions": {"pending": {"authorize": "authorized"}}},
      {"name": "refund", "initial": "new", "transitions": {"new": {"settle": "settled"}}}])";
  auto list = StatechartListFromJson(boost::json::parse(text));
  ASSERT_TRUE(list.ok()) << list.error();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].field, "state");
  EXPECT_EQ((*list)[1].field, "status");
  auto again = StatechartListFromJson(StatechartListToJson(*list));
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(boost::json::value(StatechartListToJson(*again)),
            boost::json::value(StatechartListToJson(*list)));
  EXPECT_TRUE(StatechartListFromJson(boost::json::parse("[]")).value().empty());

  auto check = [](const char* bad, const char* expected) {
    auto l = StatechartListFromJson(boost::json::parse(bad), "statecharts");
    ASSERT_FALSE(l.ok()) << bad;
    EXPECT_EQ(l.error(), expected);
  };
  check("{}", "statecharts must be an array of statecharts");
  check("[3]", "statecharts[0]: a statechart is a JSON object");
  check(R"([{"name": "x", "initial": "a", "transitions": {"a": {"go": "b"}}}, {"initial": "a"}])",
        "statecharts[1].name must be a non-empty string");
  check(R"([{"name": "x", "initial": "a", "transitions": {"a": {"go": 1}}}])",
        "statecharts[0].transitions['a']['go'] must name the next state");
  check(R"([{"name": "x", "initial": "a", "transitions": {"a": {"go": "b"}}},
            {"name": "x", "initial": "a", "transitions": {"a": {"go": "c"}}}])",
        "statecharts[1].name 'x' is defined twice");
}

}  // namespace
}  // namespace gostly::state
