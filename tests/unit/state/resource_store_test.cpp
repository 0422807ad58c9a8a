// The resource store: what LEARN records, what MOCK creates, reads, updates, deletes and
// moves through statecharts, and the overlay that Reset() drops.
#include "state/resource_store.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <regex>

namespace gostly::state {
namespace {
namespace json = boost::json;

constexpr const char* kCharge =
    R"({"id":"ch_3MmlLrLkdIwHu7ix0snN0B15","object":"charge","amount":1099,"currency":"usd","status":"created","captured":false})";

json::value Json(const std::string& text) { return json::parse(text); }

// Learns one charge through POST /v1/charges (status 200, as Stripe answers).
void LearnCharge(ResourceStore& store) {
  auto record = store.Observe("stripe", "POST", "/v1/charges", 200, kCharge);
  EXPECT_TRUE(record.has_value());
}

std::optional<ResourceReply> Mock(ResourceStore& store, std::string_view method,
                                  std::string_view target, std::string_view body = {},
                                  std::string_view content_type = "application/json") {
  if (auto early = store.Handle("stripe", method, target, content_type, body, true)) return early;
  if (method != "GET") return std::nullopt;
  return store.Handle("stripe", method, target, content_type, body, false);
}

TEST(ResourceStore, LearnRecordsCreatesWithTheirCollectionAndId) {
  ResourceStore store;
  auto record = store.Observe("stripe", "POST", "/v1/charges", 200, kCharge);
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->collection, "/v1/charges");
  EXPECT_EQ(record->id, "ch_3MmlLrLkdIwHu7ix0snN0B15");
  EXPECT_EQ(record->create_status, 200);
  // Item paths (update, read, action) name the collection without the id.
  auto update = store.Observe("stripe", "POST", "/v1/charges/ch_3MmlLrLkdIwHu7ix0snN0B15", 200, kCharge);
  ASSERT_TRUE(update.has_value());
  EXPECT_EQ(update->collection, "/v1/charges");
  auto action =
      store.Observe("stripe", "POST", "/v1/charges/ch_3MmlLrLkdIwHu7ix0snN0B15/capture", 200, kCharge);
  ASSERT_TRUE(action.has_value());
  EXPECT_EQ(action->collection, "/v1/charges");
  // Not resources: errors, non-JSON, no id, a GET of a list, DELETE.
  EXPECT_FALSE(store.Observe("stripe", "POST", "/v1/charges", 402, kCharge));
  EXPECT_FALSE(store.Observe("stripe", "POST", "/v1/charges", 200, "<html/>"));
  EXPECT_FALSE(store.Observe("stripe", "POST", "/v1/charges", 200, R"({"ok":true})"));
  EXPECT_FALSE(store.Observe("stripe", "GET", "/v1/charges", 200, kCharge));
  EXPECT_FALSE(store.Observe("stripe", "DELETE", "/v1/charges/ch_1", 200, kCharge));
  EXPECT_EQ(store.recorded(), 1u);

  // Nested ids ({"data": {"user_id": …}}) at depth ≤ 3.
  auto nested = store.Observe("api", "POST", "/users", 201, R"({"data":{"user_id":41,"name":"Ada"}})");
  ASSERT_TRUE(nested.has_value());
  EXPECT_EQ(nested->id, "41");
  EXPECT_FALSE(store.Observe("api", "POST", "/deep", 201, R"({"a":{"b":{"c":{"d":{"id":1}}}}})"));
  // A 200 whose only id is nested is not a create: GraphQL and logins stay exact replay.
  EXPECT_FALSE(store.Observe("api", "POST", "/graphql", 200,
                             R"({"data":{"createUser":{"id":"5","name":"Ada"}}})"));
  EXPECT_FALSE(store.Observe("api", "POST", "/login", 200, R"({"token":"t","user":{"id":3}})"));
}

TEST(ResourceStore, RecordsRoundTripThroughTheirLine) {
  ResourceRecord r{"stripe", "/v1/charges", "ch_1", kCharge, 200};
  const std::string line = EncodeResourceLine(r);
  ASSERT_EQ(line.back(), '\n');
  auto back = DecodeResourceLine(line);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->collection, r.collection);
  EXPECT_EQ(back->id, r.id);
  EXPECT_EQ(Json(back->resource), Json(r.resource));
  EXPECT_EQ(back->create_status, 200);
  EXPECT_FALSE(DecodeResourceLine("{").ok());
  EXPECT_NE(DecodeResourceLine(R"({"service":"s","collection":"/c","id":"1","resource":[]})")
                .error()
                .find("'resource'"),
            std::string::npos);
}

TEST(ResourceStore, MockCreatesAFreshIdOfTheSameFormatAndReadsItBack) {
  ResourceStore store(7);
  LearnCharge(store);
  auto created = Mock(store, "POST", "/v1/charges", "amount=500&currency=eur&description=Two+words",
                      "application/x-www-form-urlencoded");
  ASSERT_TRUE(created.has_value());
  EXPECT_EQ(created->op, "create");
  EXPECT_EQ(created->status, 200) << "the recorded create's status";
  const json::value body = Json(created->body);
  const std::string id(body.at("id").as_string());
  EXPECT_NE(id, "ch_3MmlLrLkdIwHu7ix0snN0B15");
  EXPECT_TRUE(std::regex_match(id, std::regex("ch_[A-Za-z0-9]{24}"))) << id;
  EXPECT_EQ(body.at("amount"), 500) << "a form value takes the recorded field's type";
  EXPECT_EQ(body.at("currency"), "eur");
  EXPECT_EQ(body.at("description"), "Two words");
  EXPECT_EQ(body.at("object"), "charge") << "the rest of the recorded shape";
  EXPECT_EQ(body.at("status"), "created") << "the statechart's initial state";

  auto read = Mock(store, "GET", "/v1/charges/" + id);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(Json(read->body), body);
  // The recorded charge is served after the exact tier only (early = false).
  EXPECT_FALSE(store.Handle("stripe", "GET", "/v1/charges/ch_3MmlLrLkdIwHu7ix0snN0B15", "", "", true));
  EXPECT_TRUE(store.Handle("stripe", "GET", "/v1/charges/ch_3MmlLrLkdIwHu7ix0snN0B15", "", "", false));
  // Unknown collections and ids are not ours.
  EXPECT_FALSE(Mock(store, "POST", "/v1/refunds", "{}"));
  EXPECT_FALSE(Mock(store, "GET", "/v1/charges/ch_unknown"));
}

TEST(ResourceStore, IntegerAndUuidIdsKeepTheirFormat) {
  ResourceStore store;
  store.Observe("api", "POST", "/users", 201, R"({"id":41,"name":"Ada"})");
  store.Observe("api", "POST", "/sessions", 201,
                R"({"id":"6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b","user":41})");
  auto user = store.Handle("api", "POST", "/users", "application/json", R"({"name":"Bob"})", true);
  ASSERT_TRUE(user.has_value());
  EXPECT_EQ(user->status, 201);
  EXPECT_EQ(Json(user->body), Json(R"({"id":42,"name":"Bob"})"));
  auto next = store.Handle("api", "POST", "/users", "application/json", "{}", true);
  EXPECT_EQ(Json(next->body).at("id"), 43);
  auto session = store.Handle("api", "POST", "/sessions", "application/json", "{}", true);
  ASSERT_TRUE(session.has_value());
  const std::string id(Json(session->body).at("id").as_string());
  EXPECT_TRUE(std::regex_match(
      id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << id;
}

TEST(ResourceStore, UpdateDeleteAndTheOverlayReset) {
  ResourceStore store(7);
  LearnCharge(store);
  const std::string item = "/v1/charges/ch_3MmlLrLkdIwHu7ix0snN0B15";
  auto updated = Mock(store, "POST", item, R"({"description":"updated"})");
  ASSERT_TRUE(updated.has_value());
  EXPECT_EQ(updated->op, "update");
  EXPECT_EQ(Json(updated->body).at("description"), "updated");
  EXPECT_EQ(Json(Mock(store, "GET", item)->body).at("description"), "updated")
      << "a changed resource is answered before the exact tier";
  auto patched = Mock(store, "PATCH", item, R"({"amount":5})");
  EXPECT_EQ(Json(patched->body).at("amount"), 5);
  EXPECT_EQ(Json(patched->body).at("description"), "updated");

  auto deleted = Mock(store, "DELETE", item);
  ASSERT_TRUE(deleted.has_value());
  EXPECT_EQ(Json(deleted->body), Json(R"({"id":"ch_3MmlLrLkdIwHu7ix0snN0B15","deleted":true})"));
  auto gone = Mock(store, "GET", item);
  ASSERT_TRUE(gone.has_value());
  EXPECT_EQ(gone->status, 404);
  EXPECT_FALSE(Mock(store, "DELETE", item)) << "already deleted";

  store.Reset();
  EXPECT_EQ(store.changed(), 0u);
  auto recorded = store.Handle("stripe", "GET", item, "", "", false);
  ASSERT_TRUE(recorded.has_value());
  EXPECT_EQ(Json(recorded->body), Json(kCharge));
}

TEST(ResourceStore, ActionsFollowTheStatechartAndIllegalOnesAre409) {
  ResourceStore store(7);
  LearnCharge(store);
  const std::string id(Json(Mock(store, "POST", "/v1/charges", "{}")->body).at("id").as_string());
  const std::string item = "/v1/charges/" + id;
  auto captured = Mock(store, "POST", item + "/capture");
  ASSERT_TRUE(captured.has_value());
  EXPECT_EQ(captured->status, 200);
  EXPECT_EQ(captured->transition, "captured");
  EXPECT_EQ(Json(captured->body).at("status"), "captured");

  auto again = Mock(store, "POST", item + "/capture");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->status, 409);
  const json::value refusal = Json(again->body);
  EXPECT_EQ(refusal.at("state"), "captured");
  EXPECT_EQ(refusal.at("legal_actions"), json::array{"refund"});
  EXPECT_NE(std::string(refusal.at("message").as_string()).find("legal: refund"), std::string::npos);

  // PATCH with {"action": …}; the target state's name works as an action too.
  auto refunded = Mock(store, "PATCH", item, R"({"action":"refunded"})");
  EXPECT_EQ(refunded->transition, "refunded");
  EXPECT_EQ(Json(Mock(store, "GET", item)->body).at("status"), "refunded");
  // A word the machine does not know is not an action (e.g. a nested collection).
  EXPECT_FALSE(Mock(store, "POST", item + "/sources", "{}"));
}

TEST(ResourceStore, TheSameSeedGivesTheSameIds) {
  ResourceStore a(7);
  ResourceStore b(7);
  LearnCharge(a);
  LearnCharge(b);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Mock(a, "POST", "/v1/charges", "{}")->body, Mock(b, "POST", "/v1/charges", "{}")->body);
  }
  const std::string first = Mock(a, "POST", "/v1/charges", "{}")->body;
  a.Reset();
  a.Handle("stripe", "POST", "/v1/charges", "", "{}", true);
  a.Handle("stripe", "POST", "/v1/charges", "", "{}", true);
  a.Handle("stripe", "POST", "/v1/charges", "", "{}", true);
  EXPECT_EQ(Mock(a, "POST", "/v1/charges", "{}")->body, first) << "Reset reseeds";
}

TEST(ResourceStore, OverridesRebindAMachine) {
  ResourceStore store(7);
  LearnCharge(store);
  auto chart = StatechartFromJson(json::parse(
      R"({"name":"charge","initial":"pending","transitions":{"pending":{"approve":"approved"}}})"));
  ASSERT_TRUE(chart.ok());
  store.SetStatecharts("stripe", {{"charge", *chart}});
  const std::string id(Json(Mock(store, "POST", "/v1/charges", "{}")->body).at("id").as_string());
  EXPECT_EQ(Mock(store, "POST", "/v1/charges/" + id + "/approve")->transition, "approved");
  EXPECT_FALSE(Mock(store, "POST", "/v1/charges/" + id + "/capture")) << "not this machine's word";
}

}  // namespace
}  // namespace gostly::state
