// The Store's behaviour, written once and run against every backend (SQLite and
// PostgreSQL). Each test gets a fresh, empty, migrated store from OpenFreshStore.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "backends.hpp"
#include "store/store.hpp"

namespace gostly::store {
namespace {

using common::ErrorCode;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

#define GOSTLY_CONCAT_INNER(a, b) a##b
#define GOSTLY_CONCAT(a, b) GOSTLY_CONCAT_INNER(a, b)
#define ASSERT_OK(expr)                                 \
  do {                                                  \
    auto&& ok_result_ = (expr);                         \
    ASSERT_TRUE(ok_result_.ok()) << ok_result_.error(); \
  } while (0)
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  ASSERT_TRUE(tmp.ok()) << tmp.error();           \
  lhs = std::move(tmp).value()
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL(GOSTLY_CONCAT(result_, __LINE__), lhs, expr)

constexpr const char* kOther = "acme";  // a second tenant, created by tests that need one

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// A 64-digit lower-case hex string, distinct per n: stands in for a key's SHA-256.
std::string FakeSha256(int n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(64, 'a');
  for (int i = 63; i >= 0 && n > 0; --i, n /= 16) out[static_cast<std::size_t>(i)] = kHex[n % 16];
  return out;
}

// Builds a LibraryFilter: Filter().Service("svc").SealedOnly().
struct Filter {
  Filter& Service(std::string v) {
    f.service = std::move(v);
    return *this;
  }
  Filter& Method(std::string v) {
    f.method = std::move(v);
    return *this;
  }
  Filter& UriContains(std::string v) {
    f.uri_contains = std::move(v);
    return *this;
  }
  Filter& Status(int v) {
    f.status = v;
    return *this;
  }
  Filter& SealedOnly() {
    f.sealed_only = true;
    return *this;
  }
  operator LibraryFilter() const { return f; }  // NOLINT: implicit by design
  LibraryFilter f;
};

LibraryEntry Entry(const std::string& service, const std::string& key, int seq = 0,
                   bool sealed = true, const std::string& body = "{}") {
  LibraryEntry e;
  e.service = service;
  e.method = "GET";
  e.uri = "/v1/items/" + key;
  e.uri_template = "/v1/items/{id}";
  e.match_key = "GET " + e.uri;
  e.seq = seq;
  e.status = 200;
  e.exchange_json = body;
  e.source = "transition";
  if (sealed) e.scrubbed_at_ms = 1'700'000'000'000;
  return e;
}

ServiceRecord Service(const std::string& id) {
  ServiceRecord s;
  s.id = id;
  s.host = id + ".example.test";
  s.upstream = "https://" + id + ".upstream.test";
  return s;
}

TransitionJob Job(const std::string& id, int64_t created_at_ms = 0) {
  TransitionJob j;
  j.id = id;
  j.previous_mode = "LEARN";
  j.created_at_ms = created_at_ms;
  return j;
}

ApiKeyRecord Key(const std::string& id, int n) {
  ApiKeyRecord k;
  k.id = id;
  k.name = "key " + id;
  k.prefix = "gst_" + std::to_string(n);
  k.key_sha256 = FakeSha256(n);
  k.role = "editor";
  return k;
}

AuditEvent Audit(const std::string& action) {
  AuditEvent a;
  a.actor = "cli";
  a.action = action;
  a.target = "target-" + action;
  a.detail_json = R"({"why":"test"})";
  return a;
}

// Follows next_cursor from the first page to the last, failing the test on an error.
template <typename T>
std::vector<T> AllPages(const std::function<Result<Page<T>>(const PageRequest&)>& list, int limit,
                        int* pages = nullptr) {
  std::vector<T> all;
  PageRequest request;
  request.limit = limit;
  for (int guard = 0; guard < 10'000; ++guard) {
    auto page = list(request);
    if (!page.ok()) {
      ADD_FAILURE() << page.error();
      break;
    }
    if (pages != nullptr) ++*pages;
    all.insert(all.end(), page->items.begin(), page->items.end());
    if (page->next_cursor.empty()) break;
    request.cursor = page->next_cursor;
  }
  return all;
}

class StoreBehaviour : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    store_ = testing::OpenFreshStore(GetParam());
    ASSERT_NE(store_, nullptr) << "no " << GetParam() << " store to test";
  }

  Store& store() { return *store_; }

  void CreateOtherTenant() { ASSERT_OK(store().CreateTenant(Tenant{kOther, "Acme", 0})); }

  int64_t Count(const std::string& tenant, const LibraryFilter& filter = {}) {
    auto count = store().CountEntries(tenant, filter);
    EXPECT_TRUE(count.ok()) << count.error();
    return count.ok() ? count.value() : -1;
  }

  std::vector<LibraryEntry> AllEntries(const std::string& tenant,
                                       const LibraryFilter& filter = {}) {
    return AllPages<LibraryEntry>(
        [&](const PageRequest& p) { return store().ListEntries(tenant, filter, p); }, 1000);
  }

  std::unique_ptr<Store> store_;
};

// Basics.

TEST_P(StoreBehaviour, ReportsItsBackendName) { EXPECT_EQ(store().Backend(), GetParam()); }

TEST_P(StoreBehaviour, PingSucceedsOnAReachableDatabase) { ASSERT_OK(store().Ping()); }

TEST_P(StoreBehaviour, FreshStoreIsAtTheLatestSchemaVersion) {
  ASSERT_OK_AND_ASSIGN(int version, store().SchemaVersion());
  EXPECT_EQ(version, LatestSchemaVersion(GetParam()));
  EXPECT_GE(version, 1);
}

// Tenants.

TEST_P(StoreBehaviour, DefaultTenantExistsAfterMigration) {
  ASSERT_OK_AND_ASSIGN(auto tenants, store().ListTenants());
  ASSERT_EQ(tenants.size(), 1u);
  EXPECT_EQ(tenants[0].id, kDefaultTenant);
}

TEST_P(StoreBehaviour, CreatedTenantIsListedBesideTheDefault) {
  ASSERT_OK_AND_ASSIGN(Tenant created, store().CreateTenant(Tenant{kOther, "Acme", 0}));
  EXPECT_EQ(created.id, kOther);
  EXPECT_EQ(created.name, "Acme");
  EXPECT_GT(created.created_at_ms, 0);
  ASSERT_OK_AND_ASSIGN(auto tenants, store().ListTenants());
  std::vector<std::string> ids;
  for (const Tenant& t : tenants) ids.push_back(t.id);
  EXPECT_THAT(ids, UnorderedElementsAre(kDefaultTenant, kOther));
}

TEST_P(StoreBehaviour, CreatingAnExistingTenantConflicts) {
  auto again = store().CreateTenant(Tenant{kDefaultTenant, "Again", 0});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error_code(), ErrorCode::kConflict);
}

TEST_P(StoreBehaviour, TenantIdOutsideTheAllowedAlphabetIsInvalid) {
  for (const char* id : {"", "has space", "slash/y"}) {
    auto created = store().CreateTenant(Tenant{id, "x", 0});
    ASSERT_FALSE(created.ok()) << "'" << id << "'";
    EXPECT_EQ(created.error_code(), ErrorCode::kInvalidArgument) << "'" << id << "'";
  }
}

// Services.

TEST_P(StoreBehaviour, UpsertedServiceRoundTripsEveryField) {
  ServiceRecord in = Service("payments");
  in.path_prefix = "/pay";
  in.mode = "MOCK";
  in.redact_headers = {"X-Tenant-Secret", "X-Other"};
  in.repeat_policy = "cycle";
  in.chaos = R"({"seed":7,"rules":[{"match":"GET /v1/*","errors":{"rate":1}}]})";
  in.statecharts = R"([{"name":"charge","initial":"a","transitions":{"a":{"go":"b"}}}])";
  ASSERT_OK_AND_ASSIGN(ServiceRecord stored, store().UpsertService(kDefaultTenant, in));
  ASSERT_OK_AND_ASSIGN(ServiceRecord got, store().GetService(kDefaultTenant, "payments"));
  for (const ServiceRecord& s : {stored, got}) {
    EXPECT_EQ(s.id, "payments");
    EXPECT_EQ(s.host, in.host);
    EXPECT_EQ(s.path_prefix, "/pay");
    EXPECT_EQ(s.upstream, in.upstream);
    EXPECT_EQ(s.mode, "MOCK");
    EXPECT_THAT(s.redact_headers, ElementsAre("X-Tenant-Secret", "X-Other"));
    EXPECT_EQ(s.repeat_policy, "cycle");
    EXPECT_EQ(s.chaos, in.chaos);
    EXPECT_EQ(s.statecharts, in.statecharts);
    EXPECT_GT(s.created_at_ms, 0);
    EXPECT_GE(s.updated_at_ms, s.created_at_ms);
  }
}

TEST_P(StoreBehaviour, UpsertingAServiceAgainReplacesItById) {
  ASSERT_OK_AND_ASSIGN(ServiceRecord first, store().UpsertService(kDefaultTenant, Service("svc")));
  ServiceRecord changed = Service("svc");
  changed.upstream = "https://elsewhere.test";
  changed.host = "";
  ASSERT_OK_AND_ASSIGN(ServiceRecord second, store().UpsertService(kDefaultTenant, changed));
  EXPECT_EQ(second.upstream, "https://elsewhere.test");
  EXPECT_EQ(second.host, "");
  EXPECT_EQ(second.created_at_ms, first.created_at_ms);
  ASSERT_OK_AND_ASSIGN(auto page, store().ListServices(kDefaultTenant, PageRequest{}));
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].upstream, "https://elsewhere.test");
}

TEST_P(StoreBehaviour, AServiceHasNoChaosOrStatechartsUntilSetAndEmptyClearsThem) {
  ASSERT_OK_AND_ASSIGN(ServiceRecord plain, store().UpsertService(kDefaultTenant, Service("svc")));
  EXPECT_EQ(plain.chaos, "");
  EXPECT_EQ(plain.statecharts, "");
  ServiceRecord with = Service("svc");
  with.chaos = R"({"seed":0,"rules":[{"match":"*"}]})";
  with.statecharts = "[]";
  ASSERT_OK(store().UpsertService(kDefaultTenant, with));
  ASSERT_OK_AND_ASSIGN(ServiceRecord got, store().GetService(kDefaultTenant, "svc"));
  EXPECT_EQ(got.chaos, with.chaos);
  EXPECT_EQ(got.statecharts, "[]");
  ASSERT_OK_AND_ASSIGN(ServiceRecord cleared,
                       store().UpsertService(kDefaultTenant, Service("svc")));
  EXPECT_EQ(cleared.chaos, "");
  EXPECT_EQ(cleared.statecharts, "");
  ASSERT_OK_AND_ASSIGN(auto page, store().ListServices(kDefaultTenant, PageRequest{}));
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].chaos, "");
}

TEST_P(StoreBehaviour, UnknownServiceIsNotFound) {
  auto got = store().GetService(kDefaultTenant, "nope");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error_code(), ErrorCode::kNotFound);
  auto deleted = store().DeleteService(kDefaultTenant, "nope");
  ASSERT_FALSE(deleted.ok());
  EXPECT_EQ(deleted.error_code(), ErrorCode::kNotFound);
}

TEST_P(StoreBehaviour, DeletedServiceIsGone) {
  ASSERT_OK(store().UpsertService(kDefaultTenant, Service("svc")));
  ASSERT_OK(store().DeleteService(kDefaultTenant, "svc"));
  auto got = store().GetService(kDefaultTenant, "svc");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error_code(), ErrorCode::kNotFound);
}

TEST_P(StoreBehaviour, ServiceWithAnInvalidIdModeOrRepeatPolicyIsRefused) {
  ServiceRecord bad_id = Service("ok");
  bad_id.id = "no spaces allowed";
  ServiceRecord bad_mode = Service("ok");
  bad_mode.mode = "RECORD";
  ServiceRecord bad_policy = Service("ok");
  bad_policy.repeat_policy = "random";
  for (const ServiceRecord& s : {bad_id, bad_mode, bad_policy}) {
    auto stored = store().UpsertService(kDefaultTenant, s);
    ASSERT_FALSE(stored.ok());
    EXPECT_EQ(stored.error_code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_FALSE(store().GetService(kDefaultTenant, "ok").ok());
}

TEST_P(StoreBehaviour, ListServicesPagesInIdOrderWithoutDuplicatesOrGaps) {
  std::vector<std::string> expected;
  for (int i = 0; i < 22; ++i) {
    std::string id = "svc-" + std::string(i < 10 ? "0" : "") + std::to_string(i);
    expected.push_back(id);
  }
  // Inserted out of order: the listing orders by id, not by insertion.
  for (auto it = expected.rbegin(); it != expected.rend(); ++it) {
    ASSERT_OK(store().UpsertService(kDefaultTenant, Service(*it)));
  }
  int pages = 0;
  auto all = AllPages<ServiceRecord>(
      [&](const PageRequest& p) { return store().ListServices(kDefaultTenant, p); }, 7, &pages);
  std::vector<std::string> ids;
  for (const ServiceRecord& s : all) ids.push_back(s.id);
  EXPECT_EQ(ids, expected);
  EXPECT_EQ(pages, 4);
}

// Pagination rules shared by every list.

TEST_P(StoreBehaviour, PageLimitIsClampedToAtLeastOne) {
  ASSERT_OK(store().UpsertEntries(kDefaultTenant, {Entry("svc", "a"), Entry("svc", "b")}));
  for (int limit : {0, -5}) {
    ASSERT_OK_AND_ASSIGN(auto page,
                         store().ListEntries(kDefaultTenant, {}, PageRequest{"", limit}));
    EXPECT_EQ(page.items.size(), 1u) << "limit " << limit;
    EXPECT_FALSE(page.next_cursor.empty()) << "limit " << limit;
  }
}

TEST_P(StoreBehaviour, PageLimitIsClampedToAtMostOneThousand) {
  std::vector<LibraryEntry> entries;
  for (int i = 0; i < 1001; ++i) entries.push_back(Entry("svc", "k" + std::to_string(i)));
  ASSERT_OK(store().UpsertEntries(kDefaultTenant, entries));
  ASSERT_OK_AND_ASSIGN(auto first, store().ListEntries(kDefaultTenant, {}, PageRequest{"", 5000}));
  EXPECT_EQ(first.items.size(), 1000u);
  ASSERT_FALSE(first.next_cursor.empty());
  ASSERT_OK_AND_ASSIGN(
      auto second, store().ListEntries(kDefaultTenant, {}, PageRequest{first.next_cursor, 5000}));
  EXPECT_EQ(second.items.size(), 1u);
  EXPECT_TRUE(second.next_cursor.empty());
}

TEST_P(StoreBehaviour, MalformedCursorIsAnInvalidArgument) {
  ASSERT_OK(store().UpsertEntries(kDefaultTenant, {Entry("svc", "a")}));
  auto page = store().ListEntries(kDefaultTenant, {}, PageRequest{"not a cursor!", 10});
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error_code(), ErrorCode::kInvalidArgument);
}

// Library entries.

TEST_P(StoreBehaviour, UpsertedEntriesComeBackWithIdsAndEveryField) {
  LibraryEntry in = Entry("svc", "a", 0, true, R"({"request":{},"response":{}})");
  in.method = "POST";
  in.status = 201;
  in.source = "seed:har";
  ASSERT_OK_AND_ASSIGN(auto stored, store().UpsertEntries(kDefaultTenant, {in}));
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_GT(stored[0].id, 0);
  ASSERT_OK_AND_ASSIGN(LibraryEntry got, store().GetEntry(kDefaultTenant, stored[0].id));
  for (const LibraryEntry& e : {stored[0], got}) {
    EXPECT_EQ(e.id, stored[0].id);
    EXPECT_EQ(e.service, "svc");
    EXPECT_EQ(e.method, "POST");
    EXPECT_EQ(e.uri, in.uri);
    EXPECT_EQ(e.uri_template, in.uri_template);
    EXPECT_EQ(e.match_key, in.match_key);
    EXPECT_EQ(e.seq, 0);
    EXPECT_EQ(e.status, 201);
    EXPECT_EQ(e.exchange_json, in.exchange_json);
    EXPECT_EQ(e.source, "seed:har");
    EXPECT_EQ(e.scrubbed_at_ms, in.scrubbed_at_ms);
    EXPECT_GT(e.created_at_ms, 0);
    EXPECT_GE(e.updated_at_ms, e.created_at_ms);
  }
}

TEST_P(StoreBehaviour, UnsealedEntryKeepsItsScrubbedAtEmpty) {
  ASSERT_OK_AND_ASSIGN(auto stored,
                       store().UpsertEntries(kDefaultTenant, {Entry("svc", "a", 0, false)}));
  ASSERT_OK_AND_ASSIGN(LibraryEntry got, store().GetEntry(kDefaultTenant, stored[0].id));
  EXPECT_FALSE(got.scrubbed_at_ms.has_value());
}

TEST_P(StoreBehaviour, UpsertingTheSameKeyReplacesTheRowInsteadOfDuplicatingIt) {
  ASSERT_OK_AND_ASSIGN(auto first,
                       store().UpsertEntries(kDefaultTenant, {Entry("svc", "a", 0, true, "{}")}));
  ASSERT_OK_AND_ASSIGN(
      auto second,
      store().UpsertEntries(kDefaultTenant, {Entry("svc", "a", 0, true, R"({"v":2})")}));
  EXPECT_EQ(second[0].id, first[0].id);
  EXPECT_EQ(Count(kDefaultTenant), 1);
  ASSERT_OK_AND_ASSIGN(LibraryEntry got, store().GetEntry(kDefaultTenant, first[0].id));
  EXPECT_EQ(got.exchange_json, R"({"v":2})");
  EXPECT_EQ(got.created_at_ms, first[0].created_at_ms);
}

TEST_P(StoreBehaviour, EntriesDifferingOnlyInSeqOrServiceAreDistinct) {
  ASSERT_OK_AND_ASSIGN(auto stored, store().UpsertEntries(
                                        kDefaultTenant, {Entry("svc", "a", 0), Entry("svc", "a", 1),
                                                         Entry("other", "a", 0)}));
  std::set<int64_t> ids;
  for (const LibraryEntry& e : stored) ids.insert(e.id);
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(Count(kDefaultTenant), 3);
}

TEST_P(StoreBehaviour, EmptyBatchWritesNothing) {
  ASSERT_OK_AND_ASSIGN(auto stored, store().UpsertEntries(kDefaultTenant, {}));
  EXPECT_THAT(stored, IsEmpty());
  EXPECT_EQ(Count(kDefaultTenant), 0);
}

TEST_P(StoreBehaviour, UnknownEntryIsNotFound) {
  auto got = store().GetEntry(kDefaultTenant, 987654);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error_code(), ErrorCode::kNotFound);
  LibraryEntry ghost = Entry("svc", "ghost");
  ghost.id = 987654;
  auto updated = store().UpdateEntry(kDefaultTenant, ghost);
  ASSERT_FALSE(updated.ok());
  EXPECT_EQ(updated.error_code(), ErrorCode::kNotFound);
  auto deleted = store().DeleteEntry(kDefaultTenant, 987654);
  ASSERT_FALSE(deleted.ok());
  EXPECT_EQ(deleted.error_code(), ErrorCode::kNotFound);
}

TEST_P(StoreBehaviour, ListAndCountFilterByServiceMethodStatusUriAndSeal) {
  LibraryEntry post = Entry("svc", "p");
  post.method = "POST";
  post.match_key = "POST /v1/items/p";
  LibraryEntry missing = Entry("svc", "m");
  missing.status = 404;
  ASSERT_OK(store().UpsertEntries(kDefaultTenant, {Entry("svc", "a"), Entry("svc", "b", 0, false),
                                                   post, missing, Entry("other", "a")}));
  auto uris = [&](const LibraryFilter& f) {
    std::vector<std::string> out;
    for (const LibraryEntry& e : AllEntries(kDefaultTenant, f)) out.push_back(e.service + e.uri);
    return out;
  };
  EXPECT_THAT(uris(Filter().Service("other")), ElementsAre("other/v1/items/a"));
  EXPECT_THAT(uris(Filter().Method("POST")), ElementsAre("svc/v1/items/p"));
  EXPECT_THAT(uris(Filter().Status(404)), ElementsAre("svc/v1/items/m"));
  EXPECT_THAT(uris(Filter().UriContains("items/b")), ElementsAre("svc/v1/items/b"));
  EXPECT_THAT(uris(Filter().Service("svc").SealedOnly()),
              UnorderedElementsAre("svc/v1/items/a", "svc/v1/items/p", "svc/v1/items/m"));
  EXPECT_EQ(Count(kDefaultTenant), 5);
  EXPECT_EQ(Count(kDefaultTenant, Filter().Service("svc")), 4);
  EXPECT_EQ(Count(kDefaultTenant, Filter().SealedOnly()), 4);
  EXPECT_EQ(Count(kDefaultTenant, Filter().Service("svc").Method("GET").Status(200)), 2);
  EXPECT_EQ(Count(kDefaultTenant, Filter().UriContains("%")), 0);  // not a wildcard
}

TEST_P(StoreBehaviour, ListEntriesPagesWithoutDuplicatesOrGaps) {
  std::vector<LibraryEntry> entries;
  for (int i = 0; i < 50; ++i) entries.push_back(Entry(i % 2 ? "odd" : "even", std::to_string(i)));
  ASSERT_OK_AND_ASSIGN(auto stored, store().UpsertEntries(kDefaultTenant, entries));
  std::vector<int64_t> expected;
  for (const LibraryEntry& e : stored) expected.push_back(e.id);
  std::sort(expected.begin(), expected.end());

  int pages = 0;
  auto all = AllPages<LibraryEntry>(
      [&](const PageRequest& p) { return store().ListEntries(kDefaultTenant, {}, p); }, 8, &pages);
  std::vector<int64_t> ids;
  for (const LibraryEntry& e : all) ids.push_back(e.id);
  EXPECT_EQ(ids, expected);
  EXPECT_EQ(pages, 7);

  auto evens = AllPages<LibraryEntry>(
      [&](const PageRequest& p) {
        return store().ListEntries(kDefaultTenant, Filter().Service("even"), p);
      },
      3);
  EXPECT_EQ(evens.size(), 25u);
  std::set<int64_t> unique;
  for (const LibraryEntry& e : evens) unique.insert(e.id);
  EXPECT_EQ(unique.size(), 25u);
}

TEST_P(StoreBehaviour, UpdateEntryReplacesTheRowById) {
  ASSERT_OK_AND_ASSIGN(auto stored, store().UpsertEntries(kDefaultTenant, {Entry("svc", "a")}));
  LibraryEntry edit = stored[0];
  edit.status = 503;
  edit.exchange_json = R"({"edited":true})";
  edit.source = "api";
  ASSERT_OK_AND_ASSIGN(LibraryEntry updated, store().UpdateEntry(kDefaultTenant, edit));
  EXPECT_EQ(updated.id, stored[0].id);
  EXPECT_EQ(updated.status, 503);
  ASSERT_OK_AND_ASSIGN(LibraryEntry got, store().GetEntry(kDefaultTenant, stored[0].id));
  EXPECT_EQ(got.status, 503);
  EXPECT_EQ(got.exchange_json, R"({"edited":true})");
  EXPECT_EQ(got.source, "api");
  EXPECT_EQ(got.created_at_ms, stored[0].created_at_ms);
  EXPECT_EQ(Count(kDefaultTenant), 1);
}

TEST_P(StoreBehaviour, UpdateEntryOntoAnotherEntrysKeyConflicts) {
  ASSERT_OK_AND_ASSIGN(
      auto stored, store().UpsertEntries(kDefaultTenant, {Entry("svc", "a"), Entry("svc", "b")}));
  LibraryEntry edit = stored[1];
  edit.match_key = stored[0].match_key;
  auto updated = store().UpdateEntry(kDefaultTenant, edit);
  ASSERT_FALSE(updated.ok());
  EXPECT_EQ(updated.error_code(), ErrorCode::kConflict);
}

TEST_P(StoreBehaviour, DeletedEntryIsGone) {
  ASSERT_OK_AND_ASSIGN(
      auto stored, store().UpsertEntries(kDefaultTenant, {Entry("svc", "a"), Entry("svc", "b")}));
  ASSERT_OK(store().DeleteEntry(kDefaultTenant, stored[0].id));
  EXPECT_FALSE(store().GetEntry(kDefaultTenant, stored[0].id).ok());
  EXPECT_EQ(Count(kDefaultTenant), 1);
}

// The scrub seal.

TEST_P(StoreBehaviour, SealRefusesAnUpsertOfUnsealedOverSealedAndWritesNothingOfTheBatch) {
  ASSERT_OK_AND_ASSIGN(auto sealed,
                       store().UpsertEntries(kDefaultTenant, {Entry("svc", "a", 0, true, "{}")}));
  auto refused = store().UpsertEntries(
      kDefaultTenant,
      {Entry("svc", "earlier", 0, true), Entry("svc", "unsealed-new", 0, false),
       Entry("svc", "a", 0, false, R"({"secret":"leak"})"), Entry("svc", "later", 0, true)});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error_code(), ErrorCode::kConflict);
  EXPECT_THAT(Lower(refused.error()), ::testing::HasSubstr("seal"));

  EXPECT_EQ(Count(kDefaultTenant), 1) << "earlier rows of the refused batch were written";
  ASSERT_OK_AND_ASSIGN(LibraryEntry kept, store().GetEntry(kDefaultTenant, sealed[0].id));
  EXPECT_TRUE(kept.scrubbed_at_ms.has_value());
  EXPECT_EQ(kept.exchange_json, "{}");
}

TEST_P(StoreBehaviour, SealRefusesAnEditThatWouldUnsealAnEntry) {
  ASSERT_OK_AND_ASSIGN(auto sealed, store().UpsertEntries(kDefaultTenant, {Entry("svc", "a")}));
  LibraryEntry edit = sealed[0];
  edit.scrubbed_at_ms.reset();
  edit.exchange_json = R"({"secret":"leak"})";
  auto refused = store().UpdateEntry(kDefaultTenant, edit);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error_code(), ErrorCode::kConflict);
  EXPECT_THAT(Lower(refused.error()), ::testing::HasSubstr("seal"));
  ASSERT_OK_AND_ASSIGN(LibraryEntry kept, store().GetEntry(kDefaultTenant, sealed[0].id));
  EXPECT_TRUE(kept.scrubbed_at_ms.has_value());
  EXPECT_EQ(kept.exchange_json, "{}");
}

TEST_P(StoreBehaviour, SealAllowsSealedOverSealedAndSealedOverUnsealed) {
  ASSERT_OK(store().UpsertEntries(kDefaultTenant,
                                  {Entry("svc", "a", 0, true), Entry("svc", "b", 0, false)}));
  ASSERT_OK_AND_ASSIGN(
      auto replaced,
      store().UpsertEntries(kDefaultTenant, {Entry("svc", "a", 0, true, R"({"v":2})"),
                                             Entry("svc", "b", 0, true, R"({"v":2})")}));
  for (const LibraryEntry& e : replaced) {
    EXPECT_TRUE(e.scrubbed_at_ms.has_value());
    EXPECT_EQ(e.exchange_json, R"({"v":2})");
  }
  EXPECT_EQ(Count(kDefaultTenant, Filter().SealedOnly()), 2);
}

TEST_P(StoreBehaviour, UnsealedEntriesMayReplaceUnsealedOnes) {
  ASSERT_OK(store().UpsertEntries(kDefaultTenant, {Entry("svc", "a", 0, false)}));
  ASSERT_OK_AND_ASSIGN(
      auto replaced,
      store().UpsertEntries(kDefaultTenant, {Entry("svc", "a", 0, false, R"({"v":2})")}));
  EXPECT_EQ(replaced[0].exchange_json, R"({"v":2})");
  EXPECT_EQ(Count(kDefaultTenant), 1);
}

// Tenant isolation.

TEST_P(StoreBehaviour, EntriesOfOneTenantAreInvisibleToAnother) {
  CreateOtherTenant();
  ASSERT_OK_AND_ASSIGN(auto mine, store().UpsertEntries(kDefaultTenant, {Entry("svc", "a")}));
  const int64_t id = mine[0].id;

  EXPECT_EQ(Count(kOther), 0);
  EXPECT_THAT(AllEntries(kOther), IsEmpty());
  auto got = store().GetEntry(kOther, id);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error_code(), ErrorCode::kNotFound);
  LibraryEntry edit = mine[0];
  edit.exchange_json = R"({"hijacked":true})";
  auto updated = store().UpdateEntry(kOther, edit);
  ASSERT_FALSE(updated.ok());
  EXPECT_EQ(updated.error_code(), ErrorCode::kNotFound);
  auto deleted = store().DeleteEntry(kOther, id);
  ASSERT_FALSE(deleted.ok());
  EXPECT_EQ(deleted.error_code(), ErrorCode::kNotFound);

  ASSERT_OK_AND_ASSIGN(LibraryEntry still, store().GetEntry(kDefaultTenant, id));
  EXPECT_EQ(still.exchange_json, "{}");
}

TEST_P(StoreBehaviour, TheSameKeyUnderTwoTenantsIsTwoRows) {
  CreateOtherTenant();
  ASSERT_OK_AND_ASSIGN(auto mine,
                       store().UpsertEntries(kDefaultTenant, {Entry("svc", "a", 0, true, "{}")}));
  ASSERT_OK_AND_ASSIGN(auto theirs,
                       store().UpsertEntries(kOther, {Entry("svc", "a", 0, false, R"({"t":2})")}));
  EXPECT_NE(mine[0].id, theirs[0].id);
  EXPECT_EQ(Count(kDefaultTenant), 1);
  EXPECT_EQ(Count(kOther), 1);
  ASSERT_OK_AND_ASSIGN(LibraryEntry kept, store().GetEntry(kDefaultTenant, mine[0].id));
  EXPECT_EQ(kept.exchange_json, "{}");
}

TEST_P(StoreBehaviour, ServicesJobsOffsetsAndUnmatchedAreTenantScoped) {
  CreateOtherTenant();
  ASSERT_OK(store().UpsertService(kDefaultTenant, Service("svc")));
  ASSERT_OK(store().CreateJob(kDefaultTenant, Job("job-1")));
  ASSERT_OK(store().StageBatch(kDefaultTenant, "job-1", {Entry("svc", "a")},
                               {{"traffic/svc.jsonl", 10}}, {}));
  ASSERT_OK(store().RecordUnmatched(kDefaultTenant, {{"svc", "GET", "/x", 1, 0, 0}}));

  EXPECT_EQ(store().GetService(kOther, "svc").error_code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().DeleteService(kOther, "svc").error_code(), ErrorCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(auto services, store().ListServices(kOther, {}));
  EXPECT_THAT(services.items, IsEmpty());

  EXPECT_EQ(store().GetJob(kOther, "job-1").error_code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().StagedOffsets(kOther, "job-1").error_code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().PublishJob(kOther, "job-1").error_code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().DiscardJob(kOther, "job-1", "x").error_code(), ErrorCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(auto jobs, store().ListJobs(kOther, {}));
  EXPECT_THAT(jobs.items, IsEmpty());
  ASSERT_OK_AND_ASSIGN(auto unfinished, store().UnfinishedJobs(kOther));
  EXPECT_THAT(unfinished, IsEmpty());

  // The same job id under the other tenant is a different job.
  ASSERT_OK(store().CreateJob(kOther, Job("job-1")));
  ASSERT_OK(store().PublishJob(kOther, "job-1"));
  EXPECT_EQ(Count(kOther), 0);
  ASSERT_OK_AND_ASSIGN(auto mine, store().GetJob(kDefaultTenant, "job-1"));
  EXPECT_EQ(mine.state, "pending");

  ASSERT_OK(store().PublishJob(kDefaultTenant, "job-1"));
  ASSERT_OK_AND_ASSIGN(auto their_offsets, store().CommittedOffsets(kOther));
  EXPECT_THAT(their_offsets, IsEmpty());
  EXPECT_EQ(Count(kOther), 0);

  ASSERT_OK_AND_ASSIGN(auto unmatched, store().ListUnmatched(kOther, {}));
  EXPECT_THAT(unmatched.items, IsEmpty());
}

TEST_P(StoreBehaviour, KeysAuditAndIdempotencyAreTenantScoped) {
  CreateOtherTenant();
  ASSERT_OK(store().CreateApiKey(kDefaultTenant, Key("k1", 1)));
  ASSERT_OK(store().AppendAudit(kDefaultTenant, Audit("mode.set")));
  ASSERT_OK(store().PutIdempotent(kDefaultTenant, {"idem-1", FakeSha256(9), 201, "{}", 0}));

  ASSERT_OK_AND_ASSIGN(auto keys, store().ListApiKeys(kOther, {}));
  EXPECT_THAT(keys.items, IsEmpty());
  EXPECT_EQ(store().RevokeApiKey(kOther, "k1").error_code(), ErrorCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(auto audit, store().ListAudit(kOther, {}));
  EXPECT_THAT(audit.items, IsEmpty());
  ASSERT_OK_AND_ASSIGN(auto idem, store().GetIdempotent(kOther, "idem-1"));
  EXPECT_FALSE(idem.has_value());
  // The same idempotency key under another tenant is a different key.
  ASSERT_OK(store().PutIdempotent(kOther, {"idem-1", FakeSha256(10), 200, "[]", 0}));

  ASSERT_OK_AND_ASSIGN(auto found, store().FindApiKey(FakeSha256(1)));
  EXPECT_FALSE(found.second.revoked_at_ms.has_value());
}

// Transition jobs.

TEST_P(StoreBehaviour, CreatedJobIsPendingAndRoundTrips) {
  ASSERT_OK_AND_ASSIGN(TransitionJob created, store().CreateJob(kDefaultTenant, Job("job-1")));
  EXPECT_EQ(created.id, "job-1");
  EXPECT_EQ(created.state, "pending");
  EXPECT_EQ(created.previous_mode, "LEARN");
  EXPECT_GT(created.created_at_ms, 0);
  EXPECT_EQ(created.finished_at_ms, 0);
  ASSERT_OK_AND_ASSIGN(TransitionJob got, store().GetJob(kDefaultTenant, "job-1"));
  EXPECT_EQ(got.state, "pending");
  EXPECT_EQ(got.previous_mode, "LEARN");
  EXPECT_EQ(got.created_at_ms, created.created_at_ms);
  EXPECT_EQ(got.read_bytes, 0);
  EXPECT_EQ(got.error, "");
}

TEST_P(StoreBehaviour, CreateJobAssignsAnIdWhenNoneIsGiven) {
  ASSERT_OK_AND_ASSIGN(TransitionJob a, store().CreateJob(kDefaultTenant, Job("")));
  ASSERT_OK_AND_ASSIGN(TransitionJob b, store().CreateJob(kDefaultTenant, Job("")));
  EXPECT_FALSE(a.id.empty());
  EXPECT_NE(a.id, b.id);
  ASSERT_OK(store().GetJob(kDefaultTenant, a.id));
}

TEST_P(StoreBehaviour, CreatingAnExistingJobConflicts) {
  ASSERT_OK(store().CreateJob(kDefaultTenant, Job("job-1")));
  auto again = store().CreateJob(kDefaultTenant, Job("job-1"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error_code(), ErrorCode::kConflict);
}

TEST_P(StoreBehaviour, UnknownJobIsNotFoundEverywhere) {
  const std::string id = "no-such-job";
  EXPECT_EQ(store().GetJob(kDefaultTenant, id).error_code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().MarkJobRunning(kDefaultTenant, id, 1).error_code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().StageBatch(kDefaultTenant, id, {Entry("svc", "a")}, {}, {}).error_code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(store().StagedOffsets(kDefaultTenant, id).error_code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().PublishJob(kDefaultTenant, id).error_code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().DiscardJob(kDefaultTenant, id, "x").error_code(), ErrorCode::kNotFound);
}

TEST_P(StoreBehaviour, MarkJobRunningSetsTheStateAndTotal) {
  ASSERT_OK(store().CreateJob(kDefaultTenant, Job("job-1")));
  ASSERT_OK(store().MarkJobRunning(kDefaultTenant, "job-1", 4096));
  ASSERT_OK_AND_ASSIGN(TransitionJob got, store().GetJob(kDefaultTenant, "job-1"));
  EXPECT_EQ(got.state, "running");
  EXPECT_EQ(got.total_bytes, 4096);
}

TEST_P(StoreBehaviour, ListJobsIsNewestFirstAcrossPages) {
  std::vector<std::string> expected;
  for (int i = 0; i < 9; ++i) {
    std::string id = "job-" + std::to_string(i);
    ASSERT_OK(store().CreateJob(kDefaultTenant, Job(id, 1'700'000'000'000 + i * 1000)));
    expected.insert(expected.begin(), id);
  }
  int pages = 0;
  auto all = AllPages<TransitionJob>(
      [&](const PageRequest& p) { return store().ListJobs(kDefaultTenant, p); }, 4, &pages);
  std::vector<std::string> ids;
  for (const TransitionJob& j : all) ids.push_back(j.id);
  EXPECT_EQ(ids, expected);
  EXPECT_EQ(pages, 3);
}

TEST_P(StoreBehaviour, UnfinishedJobsArePendingAndRunningOnes) {
  for (const char* id : {"pending", "running", "published", "discarded"}) {
    ASSERT_OK(store().CreateJob(kDefaultTenant, Job(id)));
  }
  ASSERT_OK(store().MarkJobRunning(kDefaultTenant, "running", 10));
  ASSERT_OK(store().PublishJob(kDefaultTenant, "published"));
  ASSERT_OK(store().DiscardJob(kDefaultTenant, "discarded", "test"));
  ASSERT_OK_AND_ASSIGN(auto unfinished, store().UnfinishedJobs(kDefaultTenant));
  std::vector<std::string> ids;
  for (const TransitionJob& j : unfinished) ids.push_back(j.id);
  EXPECT_THAT(ids, UnorderedElementsAre("pending", "running"));
}

TEST_P(StoreBehaviour, StagedBatchRecordsProgressAndOffsetsWithoutTouchingTheLibrary) {
  ASSERT_OK(store().CreateJob(kDefaultTenant, Job("job-1")));
  ASSERT_OK(store().MarkJobRunning(kDefaultTenant, "job-1", 1000));
  ASSERT_OK(store().StageBatch(kDefaultTenant, "job-1", {Entry("svc", "a"), Entry("svc", "b")},
                               {{"traffic/svc.jsonl", 400}}, {400, 3, 2, 1}));
  ASSERT_OK_AND_ASSIGN(TransitionJob job, store().GetJob(kDefaultTenant, "job-1"));
  EXPECT_EQ(job.state, "running");
  EXPECT_EQ(job.read_bytes, 400);
  EXPECT_EQ(job.exchanges_read, 3);
  EXPECT_EQ(job.entries_staged, 2);
  EXPECT_EQ(job.entries_skipped, 1);
  ASSERT_OK_AND_ASSIGN(auto staged, store().StagedOffsets(kDefaultTenant, "job-1"));
  ASSERT_EQ(staged.size(), 1u);
  EXPECT_EQ(staged[0].file, "traffic/svc.jsonl");
  EXPECT_EQ(staged[0].offset, 400);

  EXPECT_EQ(Count(kDefaultTenant), 0);
  ASSERT_OK_AND_ASSIGN(auto committed, store().CommittedOffsets(kDefaultTenant));
  EXPECT_THAT(committed, IsEmpty());
}

TEST_P(StoreBehaviour, EachStagedBatchAddsItsProgressAndMovesItsOffsets) {
  ASSERT_OK(store().CreateJob(kDefaultTenant, Job("job-1")));
  ASSERT_OK(store().MarkJobRunning(kDefaultTenant, "job-1", 1000));
  ASSERT_OK(store().StageBatch(kDefaultTenant, "job-1", {Entry("a", "1")},
                               {{"traffic/a.jsonl", 100}}, {100, 2, 1, 0}));
  ASSERT_OK(store().StageBatch(kDefaultTenant, "job-1", {Entry("b", "1")},
                               {{"traffic/a.jsonl", 250}, {"traffic/b.jsonl", 50}},
                               {200, 3, 1, 2}));
  ASSERT_OK_AND_ASSIGN(TransitionJob job, store().GetJob(kDefaultTenant, "job-1"));
  EXPECT_EQ(job.read_bytes, 300);
  EXPECT_EQ(job.exchanges_read, 5);
  EXPECT_EQ(job.entries_staged, 2);
  EXPECT_EQ(job.entries_skipped, 2);
  ASSERT_OK_AND_ASSIGN(auto staged, store().StagedOffsets(kDefaultTenant, "job-1"));
  std::vector<std::pair<std::string, int64_t>> offsets;
  for (const TrafficOffset& o : staged) offsets.emplace_back(o.file, o.offset);
  EXPECT_THAT(offsets,
              UnorderedElementsAre(std::pair<std::string, int64_t>{"traffic/a.jsonl", 250},
                                   std::pair<std::string, int64_t>{"traffic/b.jsonl", 50}));
}

TEST_P(StoreBehaviour, PublishMovesStagedEntriesIntoTheLibraryAndCommitsTheOffsets) {
  ASSERT_OK(store().CreateJob(kDefaultTenant, Job("job-1")));
  ASSERT_OK(store().MarkJobRunning(kDefaultTenant, "job-1", 500));
  ASSERT_OK(store().StageBatch(
      kDefaultTenant, "job-1", {Entry("svc", "a"), Entry("svc", "a", 1), Entry("other", "b")},
      {{"traffic/svc.jsonl", 300}, {"traffic/other.jsonl", 200}}, {500, 3, 3, 0}));
  ASSERT_OK(store().PublishJob(kDefaultTenant, "job-1"));

  EXPECT_EQ(Count(kDefaultTenant), 3);
  EXPECT_EQ(Count(kDefaultTenant, Filter().Service("svc")), 2);
  ASSERT_OK_AND_ASSIGN(TransitionJob job, store().GetJob(kDefaultTenant, "job-1"));
  EXPECT_EQ(job.state, "succeeded");
  EXPECT_GT(job.finished_at_ms, 0);
  EXPECT_EQ(job.error, "");
  ASSERT_OK_AND_ASSIGN(auto staged, store().StagedOffsets(kDefaultTenant, "job-1"));
  EXPECT_THAT(staged, IsEmpty());
  ASSERT_OK_AND_ASSIGN(auto committed, store().CommittedOffsets(kDefaultTenant));
  std::vector<std::pair<std::string, int64_t>> offsets;
  for (const TrafficOffset& o : committed) offsets.emplace_back(o.file, o.offset);
  EXPECT_THAT(offsets,
              UnorderedElementsAre(std::pair<std::string, int64_t>{"traffic/svc.jsonl", 300},
                                   std::pair<std::string, int64_t>{"traffic/other.jsonl", 200}));
}

TEST_P(StoreBehaviour, PurgeStagingOnlyForFinishedJobsAndKeepsTheLibrary) {
  ASSERT_OK(store().CreateJob(kDefaultTenant, Job("job-1")));
  ASSERT_OK(store().MarkJobRunning(kDefaultTenant, "job-1", 100));
  ASSERT_OK(store().StageBatch(kDefaultTenant, "job-1", {Entry("svc", "a"), Entry("svc", "b")},
                               {{"traffic/svc.jsonl", 100}}, {100, 2, 2, 0}));
  EXPECT_EQ(store().PurgeStaging(kDefaultTenant, "job-1").error_code(),
            ErrorCode::kFailedPrecondition)
      << "a running job's staging is its only copy";
  ASSERT_OK(store().PublishJob(kDefaultTenant, "job-1"));
  ASSERT_OK(store().PurgeStaging(kDefaultTenant, "job-1"));
  ASSERT_OK(store().PurgeStaging(kDefaultTenant, "job-1"));
  EXPECT_EQ(Count(kDefaultTenant), 2);
  ASSERT_OK(store().PublishJob(kDefaultTenant, "job-1"));
  EXPECT_EQ(Count(kDefaultTenant), 2) << "publishing again after the purge changes nothing";
  EXPECT_EQ(store().PurgeStaging(kDefaultTenant, "no-such-job").error_code(),
            ErrorCode::kNotFound);
}

TEST_P(StoreBehaviour, ALargeBatchWithRepeatedKeysKeepsTheLastOfEach) {
  // More rows than one multi-row statement holds, and keys repeated inside one call.
  std::vector<LibraryEntry> batch;
  for (int i = 0; i < 1200; ++i) batch.push_back(Entry("svc", "k" + std::to_string(i)));
  batch.push_back(Entry("svc", "k7", 0, true, R"({"v":"later"})"));
  ASSERT_OK_AND_ASSIGN(auto stored, store().UpsertEntries(kDefaultTenant, batch));
  ASSERT_EQ(stored.size(), batch.size());
  EXPECT_EQ(stored[7].id, stored.back().id) << "the same row, returned for both inputs";
  EXPECT_EQ(stored.back().exchange_json, R"({"v":"later"})");
  EXPECT_EQ(Count(kDefaultTenant), 1200);

  ASSERT_OK(store().CreateJob(kDefaultTenant, Job("job-1")));
  std::vector<LibraryEntry> staged;
  for (int i = 0; i < 700; ++i) staged.push_back(Entry("svc", "s" + std::to_string(i)));
  staged.push_back(Entry("svc", "s3", 0, true, R"({"v":"staged-later"})"));
  ASSERT_OK(store().StageBatch(kDefaultTenant, "job-1", staged, {}, {}));
  ASSERT_OK(store().PublishJob(kDefaultTenant, "job-1"));
  EXPECT_EQ(Count(kDefaultTenant), 1900);
  bool found = false;
  for (const auto& e : AllEntries(kDefaultTenant)) {
    if (e.match_key == "GET /v1/items/s3") {
      found = true;
      EXPECT_EQ(e.exchange_json, R"({"v":"staged-later"})");
    }
  }
  EXPECT_TRUE(found);
}

TEST_P(StoreBehaviour, RestagingTheSameKeyReplacesTheStagedEntry) {
  ASSERT_OK(store().CreateJob(kDefaultTenant, Job("job-1")));
  ASSERT_OK(store().StageBatch(kDefaultTenant, "job-1", {Entry("svc", "a", 0, true, R"({"v":1})")},
                               {}, {}));
  ASSERT_OK(store().StageBatch(kDefaultTenant, "job-1", {Entry("svc", "a", 0, true, R"({"v":2})")},
                               {}, {}));
  ASSERT_OK(store().PublishJob(kDefaultTenant, "job-1"));
  auto all = AllEntries(kDefaultTenant);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].exchange_json, R"({"v":2})");
}

TEST_P(StoreBehaviour, RepublishingTheSameEntriesReplacesThemInsteadOfDuplicating) {
  ASSERT_OK(store().CreateJob(kDefaultTenant, Job("job-1")));
  ASSERT_OK(store().StageBatch(kDefaultTenant, "job-1", {Entry("svc", "a"), Entry("svc", "b")},
                               {{"traffic/svc.jsonl", 100}}, {}));
  ASSERT_OK(store().PublishJob(kDefaultTenant, "job-1"));
  auto before = AllEntries(kDefaultTenant);

  ASSERT_OK(store().CreateJob(kDefaultTenant, Job("job-2")));
  ASSERT_OK(store().StageBatch(
      kDefaultTenant, "job-2",
      {Entry("svc", "a", 0, true, R"({"v":2})"), Entry("svc", "b", 0, true, R"({"v":2})")},
      {{"traffic/svc.jsonl", 200}}, {}));
  ASSERT_OK(store().PublishJob(kDefaultTenant, "job-2"));
  auto after = AllEntries(kDefaultTenant);
  ASSERT_EQ(after.size(), 2u);
  for (std::size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].id, before[i].id);
    EXPECT_EQ(after[i].exchange_json, R"({"v":2})");
  }
  ASSERT_OK_AND_ASSIGN(auto committed, store().CommittedOffsets(kDefaultTenant));
  ASSERT_EQ(committed.size(), 1u);
  EXPECT_EQ(committed[0].offset, 200);
}

TEST_P(StoreBehaviour, PublishingAPublishedJobAgainChangesNothing) {
  ASSERT_OK(store().CreateJob(kDefaultTenant, Job("job-1")));
  ASSERT_OK(store().StageBatch(kDefaultTenant, "job-1", {Entry("svc", "a")},
                               {{"traffic/svc.jsonl", 100}}, {}));
  ASSERT_OK(store().PublishJob(kDefaultTenant, "job-1"));
  ASSERT_OK_AND_ASSIGN(TransitionJob first, store().GetJob(kDefaultTenant, "job-1"));
  ASSERT_OK(store().PublishJob(kDefaultTenant, "job-1"));
  ASSERT_OK_AND_ASSIGN(TransitionJob second, store().GetJob(kDefaultTenant, "job-1"));
  EXPECT_EQ(second.state, "succeeded");
  EXPECT_EQ(second.finished_at_ms, first.finished_at_ms);
  EXPECT_EQ(Count(kDefaultTenant), 1);
}

TEST_P(StoreBehaviour, SealRefusesPublishingUnsealedOverSealedAndKeepsTheStaging) {
  ASSERT_OK(store().UpsertEntries(kDefaultTenant, {Entry("svc", "a", 0, true, "{}")}));
  ASSERT_OK(store().CreateJob(kDefaultTenant, Job("job-1")));
  ASSERT_OK(store().MarkJobRunning(kDefaultTenant, "job-1", 100));
  ASSERT_OK(store().StageBatch(
      kDefaultTenant, "job-1",
      {Entry("svc", "new", 0, true), Entry("svc", "a", 0, false, R"({"secret":"leak"})")},
      {{"traffic/svc.jsonl", 100}}, {100, 2, 2, 0}));
  auto published = store().PublishJob(kDefaultTenant, "job-1");
  ASSERT_FALSE(published.ok());
  EXPECT_EQ(published.error_code(), ErrorCode::kConflict);
  EXPECT_THAT(Lower(published.error()), ::testing::HasSubstr("seal"));

  auto library = AllEntries(kDefaultTenant);
  ASSERT_EQ(library.size(), 1u);
  EXPECT_EQ(library[0].exchange_json, "{}");
  EXPECT_TRUE(library[0].scrubbed_at_ms.has_value());
  ASSERT_OK_AND_ASSIGN(auto committed, store().CommittedOffsets(kDefaultTenant));
  EXPECT_THAT(committed, IsEmpty());
  ASSERT_OK_AND_ASSIGN(TransitionJob job, store().GetJob(kDefaultTenant, "job-1"));
  EXPECT_EQ(job.state, "running");
  ASSERT_OK_AND_ASSIGN(auto staged, store().StagedOffsets(kDefaultTenant, "job-1"));
  EXPECT_EQ(staged.size(), 1u);
}

TEST_P(StoreBehaviour, DiscardDropsTheStagingAndFailsTheJobWithTheReason) {
  ASSERT_OK(store().UpsertEntries(kDefaultTenant, {Entry("svc", "existing")}));
  ASSERT_OK(store().CreateJob(kDefaultTenant, Job("job-1")));
  ASSERT_OK(store().MarkJobRunning(kDefaultTenant, "job-1", 100));
  ASSERT_OK(store().StageBatch(kDefaultTenant, "job-1", {Entry("svc", "a")},
                               {{"traffic/svc.jsonl", 100}}, {100, 1, 1, 0}));
  ASSERT_OK(store().DiscardJob(kDefaultTenant, "job-1", "scrubber crashed"));

  ASSERT_OK_AND_ASSIGN(TransitionJob job, store().GetJob(kDefaultTenant, "job-1"));
  EXPECT_EQ(job.state, "failed");
  EXPECT_EQ(job.error, "scrubber crashed");
  EXPECT_GT(job.finished_at_ms, 0);
  ASSERT_OK_AND_ASSIGN(auto staged, store().StagedOffsets(kDefaultTenant, "job-1"));
  EXPECT_THAT(staged, IsEmpty());
  EXPECT_EQ(Count(kDefaultTenant), 1);
  ASSERT_OK_AND_ASSIGN(auto committed, store().CommittedOffsets(kDefaultTenant));
  EXPECT_THAT(committed, IsEmpty());
}

TEST_P(StoreBehaviour, FinishedJobsRefuseFurtherTransitions) {
  ASSERT_OK(store().CreateJob(kDefaultTenant, Job("discarded")));
  ASSERT_OK(store().DiscardJob(kDefaultTenant, "discarded", "first reason"));
  ASSERT_OK(store().CreateJob(kDefaultTenant, Job("published")));
  ASSERT_OK(store().PublishJob(kDefaultTenant, "published"));

  EXPECT_EQ(store().PublishJob(kDefaultTenant, "discarded").error_code(),
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store().DiscardJob(kDefaultTenant, "published", "late").error_code(),
            ErrorCode::kFailedPrecondition);
  for (const char* id : {"discarded", "published"}) {
    EXPECT_EQ(store().StageBatch(kDefaultTenant, id, {Entry("svc", "a")}, {}, {}).error_code(),
              ErrorCode::kFailedPrecondition)
        << id;
    EXPECT_EQ(store().MarkJobRunning(kDefaultTenant, id, 1).error_code(),
              ErrorCode::kFailedPrecondition)
        << id;
  }
  // Discarding again is harmless and keeps the first reason.
  ASSERT_OK(store().DiscardJob(kDefaultTenant, "discarded", "second reason"));
  ASSERT_OK_AND_ASSIGN(TransitionJob job, store().GetJob(kDefaultTenant, "discarded"));
  EXPECT_EQ(job.error, "first reason");
  EXPECT_EQ(Count(kDefaultTenant), 0);
}

TEST_P(StoreBehaviour, CommittedOffsetsAdvanceOnlyWhenAJobIsPublished) {
  ASSERT_OK(store().CreateJob(kDefaultTenant, Job("job-1")));
  ASSERT_OK(store().StageBatch(kDefaultTenant, "job-1", {}, {{"traffic/svc.jsonl", 100}}, {}));
  ASSERT_OK_AND_ASSIGN(auto before, store().CommittedOffsets(kDefaultTenant));
  EXPECT_THAT(before, IsEmpty());
  ASSERT_OK(store().PublishJob(kDefaultTenant, "job-1"));
  ASSERT_OK_AND_ASSIGN(auto after, store().CommittedOffsets(kDefaultTenant));
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].file, "traffic/svc.jsonl");
  EXPECT_EQ(after[0].offset, 100);
}

// Unmatched requests.

TEST_P(StoreBehaviour, RecordUnmatchedAddsCountsToAnExistingRow) {
  ASSERT_OK(store().RecordUnmatched(kDefaultTenant, {{"svc", "GET", "/a", 2, 1000, 2000}}));
  ASSERT_OK(store().RecordUnmatched(
      kDefaultTenant, {{"svc", "GET", "/a", 3, 500, 3000}, {"svc", "POST", "/a", 1, 1500, 1500}}));
  ASSERT_OK_AND_ASSIGN(auto page, store().ListUnmatched(kDefaultTenant, {}));
  ASSERT_EQ(page.items.size(), 2u);
  const UnmatchedRequest* get = nullptr;
  for (const UnmatchedRequest& u : page.items) {
    if (u.method == "GET") get = &u;
  }
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(get->service, "svc");
  EXPECT_EQ(get->uri, "/a");
  EXPECT_EQ(get->count, 5);
  EXPECT_EQ(get->first_seen_ms, 500);
  EXPECT_EQ(get->last_seen_ms, 3000);
}

TEST_P(StoreBehaviour, ListUnmatchedPagesWithoutDuplicatesOrGaps) {
  std::vector<UnmatchedRequest> requests;
  for (int i = 0; i < 17; ++i)
    requests.push_back({"svc", "GET", "/u/" + std::to_string(i), 1, 0, 0});
  ASSERT_OK(store().RecordUnmatched(kDefaultTenant, requests));
  auto all = AllPages<UnmatchedRequest>(
      [&](const PageRequest& p) { return store().ListUnmatched(kDefaultTenant, p); }, 5);
  std::set<std::string> uris;
  for (const UnmatchedRequest& u : all) uris.insert(u.uri);
  EXPECT_EQ(all.size(), 17u);
  EXPECT_EQ(uris.size(), 17u);
}

// API keys.

TEST_P(StoreBehaviour, ApiKeyIsFoundByItsHashFromAnyTenant) {
  CreateOtherTenant();
  ASSERT_OK_AND_ASSIGN(ApiKeyRecord created, store().CreateApiKey(kOther, Key("k1", 1)));
  EXPECT_EQ(created.id, "k1");
  EXPECT_GT(created.created_at_ms, 0);
  ASSERT_OK(store().CreateApiKey(kDefaultTenant, Key("k2", 2)));

  ASSERT_OK_AND_ASSIGN(auto found, store().FindApiKey(FakeSha256(1)));
  EXPECT_EQ(found.first, kOther);
  EXPECT_EQ(found.second.id, "k1");
  EXPECT_EQ(found.second.name, "key k1");
  EXPECT_EQ(found.second.prefix, "gst_1");
  EXPECT_EQ(found.second.key_sha256, FakeSha256(1));
  EXPECT_EQ(found.second.role, "editor");
  EXPECT_FALSE(found.second.revoked_at_ms.has_value());
  ASSERT_OK_AND_ASSIGN(auto mine, store().FindApiKey(FakeSha256(2)));
  EXPECT_EQ(mine.first, kDefaultTenant);
}

TEST_P(StoreBehaviour, UnknownApiKeyHashIsNotFound) {
  auto found = store().FindApiKey(FakeSha256(77));
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.error_code(), ErrorCode::kNotFound);
}

TEST_P(StoreBehaviour, ApiKeyMustBeStoredAsALowerCaseHexSha256) {
  ApiKeyRecord raw = Key("raw", 1);
  raw.key_sha256 = "gst_live_0123456789abcdef";
  ApiKeyRecord upper = Key("upper", 2);
  for (char& c : upper.key_sha256)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const ApiKeyRecord& k : {raw, upper}) {
    auto created = store().CreateApiKey(kDefaultTenant, k);
    ASSERT_FALSE(created.ok()) << k.id;
    EXPECT_EQ(created.error_code(), ErrorCode::kInvalidArgument) << k.id;
  }
  ASSERT_OK_AND_ASSIGN(auto keys, store().ListApiKeys(kDefaultTenant, {}));
  EXPECT_THAT(keys.items, IsEmpty());
}

TEST_P(StoreBehaviour, TwoApiKeysWithTheSameHashConflictEvenAcrossTenants) {
  CreateOtherTenant();
  ASSERT_OK(store().CreateApiKey(kDefaultTenant, Key("k1", 1)));
  auto again = store().CreateApiKey(kOther, Key("k2", 1));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error_code(), ErrorCode::kConflict);
}

TEST_P(StoreBehaviour, RevokedApiKeyCarriesItsRevocationTime) {
  ASSERT_OK(store().CreateApiKey(kDefaultTenant, Key("k1", 1)));
  ASSERT_OK(store().RevokeApiKey(kDefaultTenant, "k1"));
  ASSERT_OK_AND_ASSIGN(auto found, store().FindApiKey(FakeSha256(1)));
  ASSERT_TRUE(found.second.revoked_at_ms.has_value());
  EXPECT_GT(*found.second.revoked_at_ms, 0);
  auto unknown = store().RevokeApiKey(kDefaultTenant, "nope");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error_code(), ErrorCode::kNotFound);
}

TEST_P(StoreBehaviour, ListApiKeysPagesWithoutDuplicatesOrGaps) {
  for (int i = 0; i < 11; ++i) {
    ASSERT_OK(store().CreateApiKey(kDefaultTenant, Key("k" + std::to_string(i), i + 1)));
  }
  auto all = AllPages<ApiKeyRecord>(
      [&](const PageRequest& p) { return store().ListApiKeys(kDefaultTenant, p); }, 4);
  std::set<std::string> ids;
  for (const ApiKeyRecord& k : all) ids.insert(k.id);
  EXPECT_EQ(all.size(), 11u);
  EXPECT_EQ(ids.size(), 11u);
}

// Audit log.

TEST_P(StoreBehaviour, AppendedAuditEventGetsAnIdAndATime) {
  AuditEvent event = Audit("service.upsert");
  event.detail_json = "";
  ASSERT_OK_AND_ASSIGN(AuditEvent stored, store().AppendAudit(kDefaultTenant, event));
  EXPECT_GT(stored.id, 0);
  EXPECT_GT(stored.at_ms, 0);
  ASSERT_OK_AND_ASSIGN(auto page, store().ListAudit(kDefaultTenant, {}));
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].id, stored.id);
  EXPECT_EQ(page.items[0].actor, "cli");
  EXPECT_EQ(page.items[0].action, "service.upsert");
  EXPECT_EQ(page.items[0].target, "target-service.upsert");
  EXPECT_EQ(page.items[0].detail_json, "{}");
}

TEST_P(StoreBehaviour, AuditDetailMustBeAJsonObject) {
  AuditEvent event = Audit("mode.set");
  event.detail_json = "not json";
  auto stored = store().AppendAudit(kDefaultTenant, event);
  ASSERT_FALSE(stored.ok());
  EXPECT_EQ(stored.error_code(), ErrorCode::kInvalidArgument);
}

TEST_P(StoreBehaviour, ListAuditIsNewestFirstAcrossPages) {
  std::vector<std::string> expected;
  for (int i = 0; i < 7; ++i) {
    std::string action = "action." + std::to_string(i);
    ASSERT_OK(store().AppendAudit(kDefaultTenant, Audit(action)));
    expected.insert(expected.begin(), action);
  }
  int pages = 0;
  auto all = AllPages<AuditEvent>(
      [&](const PageRequest& p) { return store().ListAudit(kDefaultTenant, p); }, 3, &pages);
  std::vector<std::string> actions;
  for (const AuditEvent& a : all) actions.push_back(a.action);
  EXPECT_EQ(actions, expected);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(all.front().detail_json, R"({"why":"test"})");
}

// Idempotency keys.

TEST_P(StoreBehaviour, StoredIdempotentResponseRoundTrips) {
  IdempotentResponse in{"idem-1", FakeSha256(5), 201, R"({"job_id":"j1"})", 0};
  ASSERT_OK(store().PutIdempotent(kDefaultTenant, in));
  ASSERT_OK_AND_ASSIGN(auto got, store().GetIdempotent(kDefaultTenant, "idem-1"));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->key, "idem-1");
  EXPECT_EQ(got->request_sha256, FakeSha256(5));
  EXPECT_EQ(got->status, 201);
  EXPECT_EQ(got->body, R"({"job_id":"j1"})");
  EXPECT_GT(got->created_at_ms, 0);
}

TEST_P(StoreBehaviour, MissingIdempotencyKeyIsEmptyNotAnError) {
  ASSERT_OK_AND_ASSIGN(auto got, store().GetIdempotent(kDefaultTenant, "never-used"));
  EXPECT_FALSE(got.has_value());
}

TEST_P(StoreBehaviour, PuttingAnExistingIdempotencyKeyConflictsAndKeepsTheFirst) {
  ASSERT_OK(store().PutIdempotent(kDefaultTenant, {"idem-1", FakeSha256(5), 201, "first", 0}));
  auto again = store().PutIdempotent(kDefaultTenant, {"idem-1", FakeSha256(6), 200, "second", 0});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error_code(), ErrorCode::kConflict);
  ASSERT_OK_AND_ASSIGN(auto got, store().GetIdempotent(kDefaultTenant, "idem-1"));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->body, "first");
}

// Concurrency.

TEST_P(StoreBehaviour, CallsFromManyThreadsAtOnceAllLand) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string key = std::to_string(t) + "-" + std::to_string(i);
        if (!store().UpsertEntries(kDefaultTenant, {Entry("svc", key)}).ok()) ++failures;
        if (!store().AppendAudit(kDefaultTenant, Audit(key)).ok()) ++failures;
        if (!store().CountEntries(kDefaultTenant, {}).ok()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Count(kDefaultTenant), kThreads * kPerThread);
  auto audit = AllPages<AuditEvent>(
      [&](const PageRequest& p) { return store().ListAudit(kDefaultTenant, p); }, 1000);
  EXPECT_EQ(audit.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreBehaviour, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& backend) {
                           return backend.param;
                         });

}  // namespace
}  // namespace gostly::store
