#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>

#include "corpus_util.hpp"
#include "seed/importer.hpp"

namespace gostly::seed {
namespace {

using testing::ExpectRoundTrips;
using testing::ReadCorpus;

ImportOptions Options() {
  ImportOptions o;
  o.default_timestamp = "2024-01-01T00:00:00.000Z";
  return o;
}

const library::Exchange* Find(const std::vector<library::Exchange>& xs, std::string_view method,
                              std::string_view uri, int status) {
  for (const auto& x : xs) {
    if (x.method == method && x.uri == uri && x.status == status) return &x;
  }
  return nullptr;
}

struct OpenApiCase {
  const char* file;
  const char* format;
  std::size_t created;
};

// Counted by running the importer once, then checked by hand with python for the small
// files: created = sum over (path, method) of 2xx responses (any body, or none) plus non-2xx
// responses with an explicit example; `default` responses and operations whose only media
// types are binary (images, zip) are not imported. E.g. petstore v3.0: GET /pets 200,
// POST /pets 201, GET /pets/{petId} 200 = 3; api-with-examples: GET / 200 and 300 (example),
// GET /v2 200 and 203 = 4.
const OpenApiCase kOpenApiCorpus[] = {
    {"openapi/box-openapi.json", "openapi 3.0.2", 300},
    {"openapi/discord-openapi-3.1.json", "openapi 3.1.0", 253},
    {"openapi/github-api.github.com.json", "openapi 3.0.3", 643},
    {"openapi/oai-api-with-examples-v3.0.yaml", "openapi 3.0.0", 4},
    {"openapi/oai-petstore-expanded-v3.0.yaml", "openapi 3.0.0", 4},
    {"openapi/oai-petstore-swagger2.0.json", "swagger 2.0", 3},
    {"openapi/oai-petstore-v3.0.yaml", "openapi 3.0.0", 3},
    {"openapi/stripe-spec3.json", "openapi 3.0.0", 355},
    {"openapi/swagger-petstore3-openapi.yaml", "openapi 3.0.4", 19},
    {"openapi/twilio-api-v2010.json", "openapi 3.0.1", 198},
};

TEST(OpenApiImport, EveryCorpusFileImportsWithTheCountedExchanges) {
  for (const auto& c : kOpenApiCorpus) {
    SCOPED_TRACE(c.file);
    std::string text = ReadCorpus(c.file);
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(DetectFormat(text), Format::kOpenApi);
    ImportReport report;
    auto result = ImportOpenApi(text, Options(), &report);
    ASSERT_TRUE(result.ok()) << result.error();
    EXPECT_EQ(result->size(), c.created);
    EXPECT_EQ(report.created, c.created);
    EXPECT_EQ(report.format, c.format);
    for (const auto& ex : *result) {
      EXPECT_TRUE(ex.uri.starts_with("/")) << ex.uri;
      EXPECT_EQ(ex.uri.find('{'), std::string::npos) << ex.uri;
      EXPECT_GE(ex.status, 100);
      ExpectRoundTrips(ex, std::string(c.file) + " " + ex.method + " " + ex.uri);
    }
  }
}

TEST(OpenApiImport, PetstorePathTemplateIsFilled) {
  auto result = ImportOpenApi(ReadCorpus("openapi/oai-petstore-v3.0.yaml"), Options(), nullptr);
  ASSERT_TRUE(result.ok()) << result.error();
  // petId is a string without an example: 8 hex characters, templated by smart swap as {hex}.
  const auto* ex = Find(*result, "GET", "/pets/a1b2c3d4", 200);
  ASSERT_NE(ex, nullptr);
  EXPECT_EQ(ex->response_body, R"({"id":1,"name":"string","tag":"string"})");
  EXPECT_EQ(ex->response_headers, (common::HeaderList{{"Content-Type", "application/json"}}));
  // GET /pets requires no query parameter: limit is optional.
  EXPECT_NE(Find(*result, "GET", "/pets", 200), nullptr);
}

TEST(OpenApiImport, ExplicitExampleIsUsedAsWritten) {
  auto result =
      ImportOpenApi(ReadCorpus("openapi/oai-api-with-examples-v3.0.yaml"), Options(), nullptr);
  ASSERT_TRUE(result.ok()) << result.error();
  const auto* ex = Find(*result, "GET", "/", 200);
  ASSERT_NE(ex, nullptr);
  auto body = boost::json::parse(ex->response_body);
  auto expected = boost::json::parse(R"({"versions":[
    {"status":"CURRENT","updated":"2011-01-21T11:33:21Z","id":"v2.0",
     "links":[{"href":"http://127.0.0.1:8774/v2/","rel":"self"}]},
    {"status":"EXPERIMENTAL","updated":"2013-07-23T11:33:21Z","id":"v3.0",
     "links":[{"href":"http://127.0.0.1:8774/v3/","rel":"self"}]}]})");
  EXPECT_EQ(body, expected);
  // A 300 with an example is imported too (non-2xx responses only with examples).
  EXPECT_NE(Find(*result, "GET", "/", 300), nullptr);
}

TEST(OpenApiImport, AllOfIsMerged) {
  auto result =
      ImportOpenApi(ReadCorpus("openapi/oai-petstore-expanded-v3.0.yaml"), Options(), nullptr);
  ASSERT_TRUE(result.ok()) << result.error();
  // Pet = allOf[NewPet{name, tag}, {id}]; id is int64.
  const auto* ex = Find(*result, "GET", "/pets/1", 200);
  ASSERT_NE(ex, nullptr);
  EXPECT_EQ(ex->response_body, R"({"name":"string","tag":"string","id":1})");
  const auto* post = Find(*result, "POST", "/pets", 200);
  ASSERT_NE(post, nullptr);
  EXPECT_EQ(post->request_body, R"({"name":"string","tag":"string"})");
  EXPECT_EQ(post->request_headers, (common::HeaderList{{"Content-Type", "application/json"}}));
  const auto* del = Find(*result, "DELETE", "/pets/1", 204);
  ASSERT_NE(del, nullptr);
  EXPECT_TRUE(del->response_body.empty());
}

TEST(OpenApiImport, Swagger2DefinitionsAreResolved) {
  ImportReport report;
  auto result =
      ImportOpenApi(ReadCorpus("openapi/oai-petstore-swagger2.0.json"), Options(), &report);
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(report.format, "swagger 2.0");
  // basePath /v1 is not part of the URI; Pets -> array of #/definitions/Pet.
  const auto* ex = Find(*result, "GET", "/pets", 200);
  ASSERT_NE(ex, nullptr);
  EXPECT_EQ(ex->response_body, R"([{"id":1,"name":"string","tag":"string"}])");
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_EQ(report.warnings[0], "3 'default' responses not imported (no status code)");
}

TEST(OpenApiImport, TypeArraysOf31) {
  auto result = ImportOpenApi(ReadCorpus("openapi/discord-openapi-3.1.json"), Options(), nullptr);
  ASSERT_TRUE(result.ok()) << result.error();
  // Snowflake ids (string, pattern ^(0|[1-9][0-9]*)$) become "1" in paths.
  const auto* ex = Find(*result, "GET", "/applications/1", 200);
  ASSERT_NE(ex, nullptr);
  auto body = boost::json::parse(ex->response_body).as_object();
  // description: {type: [string, null]} -> a string, never null.
  ASSERT_TRUE(body.contains("description"));
  EXPECT_TRUE(body["description"].is_string());
}

constexpr const char* kCycle = R"({
  "openapi": "3.0.0", "info": {"title": "t", "version": "1"},
  "paths": {"/nodes/{id}": {"get": {
    "parameters": [{"name": "id", "in": "path", "required": true,
                    "schema": {"type": "integer"}}],
    "responses": {"200": {"description": "ok", "content": {"application/json": {
      "schema": {"$ref": "#/components/schemas/Node"}}}}}}}},
  "components": {"schemas": {"Node": {"type": "object", "properties": {
    "name": {"type": "string", "format": "email"},
    "next": {"$ref": "#/components/schemas/Node"},
    "kids": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}}}}}
})";

TEST(OpenApiImport, RefCycleTerminates) {
  ImportReport report;
  auto result = ImportOpenApi(kCycle, Options(), &report);
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(result->size(), 1u);
  EXPECT_EQ((*result)[0].uri, "/nodes/1");
  EXPECT_EQ((*result)[0].response_body, R"({"name":"user@example.com","next":{},"kids":[{}]})");
}

TEST(OpenApiImport, UnknownRefSkipsTheOperation) {
  std::string text = R"({"openapi": "3.0.0", "paths": {
    "/a": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json":
      {"schema": {"$ref": "#/components/schemas/Missing"}}}}}}},
    "/b": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json":
      {"schema": {"type": "object", "properties": {"x": {"$ref": "other.yaml#/X"}}}}}}}}},
    "/c": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json":
      {"schema": {"type": "string", "enum": ["on", "off"]}}}}}}}}})";
  ImportReport report;
  auto result = ImportOpenApi(text, Options(), &report);
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(result->size(), 1u);
  EXPECT_EQ((*result)[0].response_body, R"("on")");
  ASSERT_EQ(report.skipped.size(), 2u);
  EXPECT_EQ(report.skipped[0].where, "GET /a");
  EXPECT_EQ(report.skipped[0].reason, "unknown $ref '#/components/schemas/Missing'");
  EXPECT_EQ(report.skipped[1].where, "GET /b");
  EXPECT_NE(report.skipped[1].reason.find("external $ref 'other.yaml#/X'"), std::string::npos);
}

TEST(OpenApiImport, RequiredQueryAndRequestBody) {
  std::string text = R"(openapi: "3.1.0"
info: {title: t, version: "1"}
paths:
  /search:
    post:
      parameters:
        - {name: q, in: query, required: true, schema: {type: string, example: "a b"}}
        - {name: page, in: query, schema: {type: integer}}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [when]
              properties:
                when: {type: string, format: date-time}
                id: {type: [string, "null"], format: uuid}
                n: {type: integer, minimum: 5}
      responses:
        "201":
          description: ok
          content:
            text/plain:
              example: created
)";
  auto result = ImportOpenApi(text, Options(), nullptr);
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(result->size(), 1u);
  const auto& ex = (*result)[0];
  EXPECT_EQ(ex.uri, "/search?q=a+b");
  EXPECT_EQ(ex.request_body,
            R"({"when":"2024-01-02T03:04:05Z","id":"3f2b6c1e-8a4d-4b7e-9c1a-2d3e4f5a6b7c","n":5})");
  EXPECT_EQ(ex.status, 201);
  EXPECT_EQ(ex.response_body, "created");
  EXPECT_EQ(ex.response_headers, (common::HeaderList{{"Content-Type", "text/plain"}}));
}

TEST(OpenApiImport, UnsafeYamlTagIsRefused) {
  std::string text = "openapi: 3.0.0\npaths: !!python/object:os.system\n  x: 1\n";
  auto result = ImportOpenApi(text, Options(), nullptr);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().find("python/object"), std::string::npos) << result.error();
  EXPECT_NE(result.error().find("refused"), std::string::npos) << result.error();
}

TEST(OpenApiImport, YamlAliasBombIsRefused) {
  std::string text = "openapi: 3.0.0\na: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'i'; ++c, ++prev) {
    text += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) text += std::string(i ? ", *" : "*") + prev;
    text += "]\n";
  }
  text += "paths: {}\n";  // 10^9 nodes once expanded
  auto result = ImportOpenApi(text, Options(), nullptr);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().find("alias bomb"), std::string::npos) << result.error();
}

TEST(OpenApiImport, TruncatedInputNamesWhere) {
  std::string json = ReadCorpus("openapi/oai-petstore-swagger2.0.json");
  auto r1 = ImportOpenApi(json.substr(0, 1000), Options(), nullptr);
  ASSERT_FALSE(r1.ok());
  EXPECT_NE(r1.error().find("line"), std::string::npos) << r1.error();
  EXPECT_NE(r1.error().find("byte"), std::string::npos) << r1.error();

  std::string yaml = "openapi: 3.0.0\npaths:\n  /a: {get: {responses: {\"200\": {description: ok";
  auto r2 = ImportOpenApi(yaml, Options(), nullptr);
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.error().find("invalid YAML at line"), std::string::npos) << r2.error();
}

TEST(OpenApiImport, NotAnOpenApiDocument) {
  auto r1 = ImportOpenApi(R"({"log": {"entries": []}})", Options(), nullptr);
  ASSERT_FALSE(r1.ok());
  EXPECT_NE(r1.error().find("not an OpenAPI document"), std::string::npos) << r1.error();
  auto r2 = ImportOpenApi("- a\n- b\n", Options(), nullptr);
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.error().find("not an OpenAPI document"), std::string::npos) << r2.error();
  auto r3 = ImportOpenApi(R"({"swagger": "1.2"})", Options(), nullptr);
  ASSERT_FALSE(r3.ok());
  EXPECT_NE(r3.error().find("unsupported Swagger version"), std::string::npos) << r3.error();
}

TEST(OpenApiImport, MaxEntriesStopsTheImport) {
  ImportOptions o = Options();
  o.max_entries = 2;
  ImportReport report;
  auto result = ImportOpenApi(ReadCorpus("openapi/oai-petstore-v3.0.yaml"), o, &report);
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result->size(), 2u);
  ASSERT_FALSE(report.skipped.empty());
  EXPECT_NE(report.skipped.back().reason.find("max_entries"), std::string::npos);
}

}  // namespace
}  // namespace gostly::seed
