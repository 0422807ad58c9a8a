// Seeding end to end: `gostly seed FILE` and POST /v1/seed/{har,postman} against a running
// `gostly up`, with files from ../shared/corpus; MOCK then answers the seeded operations.
#include <fstream>
#include <sstream>
#include <thread>

#include "harness.hpp"

namespace gostly::integration {
namespace {

const fs::path kCorpus = fs::path(GOSTLY_SOURCE_DIR) / ".." / "shared" / "corpus";

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class Seeding : public WorkDirTest {};

TEST_F(Seeding, HarThroughTheCliIsServedWithTheRecordedStatusAndBody) {
  ASSERT_TRUE(fs::exists(kCorpus / "har")) << "the shared corpus is missing at " << kCorpus;
  ProxyProcess up(work_.path(),
                  {.data_dir = data_dir(), .env = {{"INITIAL_MODE", "mock"}}, .up = true});
  ASSERT_PROXY_STARTS(up);
  const fs::path har = kCorpus / "har" / "mitmproxy-successful_log.har";
  auto seeded = test_support::RunCommand(
      GOSTLY_BINARY,
      {"seed", har.string(), "--url", "http://127.0.0.1:" + std::to_string(up.control_port())},
      work_.path(), 60s);
  ASSERT_EQ(seeded.exit_status, 0) << seeded.output;
  EXPECT_NE(seeded.output.find("2 entries created, 0 skipped"), std::string::npos)
      << seeded.output;

  // The HAR's own response bodies, as the proxy must now serve them.
  const json::value file = ParseJson(Slurp(har));
  const auto& entries = file.at("log").at("entries").as_array();
  const auto& page = entries[0].at("response");
  const auto served = up.Get("/", {{"Host", "example.com"}});
  EXPECT_EQ(served.status, page.at("status").to_number<int>()) << Describe(served);
  EXPECT_EQ(served.body, StringField(page.at("content"), "text"));
  EXPECT_EQ(served.Header("X-Ghost-Mock"), "true");
  const auto& post = entries[1];
  const auto echoed =
      up.Send("POST", "/post", StringField(post.at("request").at("postData"), "text"));
  EXPECT_EQ(echoed.status, 200) << Describe(echoed);
  EXPECT_EQ(ParseJson(echoed.body),
            ParseJson(StringField(post.at("response").at("content"), "text")));

  const auto mocks = up.Control("GET", "/v1/mocks?limit=10");
  EXPECT_EQ(ParseJson(mocks.body).at("items").as_array().size(), 2u) << mocks.body;
  EXPECT_NE(mocks.body.find("\"source\":\"seed:har\""), std::string::npos);
  EXPECT_NE(up.Control("GET", "/v1/audit").body.find("seed.har"), std::string::npos);
}

TEST_F(Seeding, PostmanExamplesBecomeEntriesAndRequestsWithoutOneAreReported) {
  ProxyProcess up(work_.path(),
                  {.data_dir = data_dir(), .env = {{"INITIAL_MODE", "mock"}}, .up = true});
  ASSERT_PROXY_STARTS(up);
  const std::string collection =
      Slurp(kCorpus / "postman" / "sabre-lodging-v2025.04.postman_collection.json");
  ASSERT_FALSE(collection.empty());

  const auto dry = up.Control("POST", "/v1/seed/postman?dry_run=true&service=lodging", collection);
  ASSERT_EQ(dry.status, 200) << dry.body;
  EXPECT_EQ(ParseJson(dry.body).at("created").to_number<int>(), 12) << dry.body;
  EXPECT_EQ(ParseJson(up.Control("GET", "/v1/mocks").body).at("items").as_array().size(), 0u)
      << "a dry run changes nothing";

  const auto real = up.Control("POST", "/v1/seed/postman?service=lodging", collection);
  ASSERT_EQ(real.status, 201) << real.body;
  EXPECT_TRUE(ParseJson(real.body).at("pushed_to_proxy").as_bool()) << real.body;
  const auto listed = up.Control("GET", "/v1/mocks?service=lodging&limit=100");
  EXPECT_EQ(ParseJson(listed.body).at("items").as_array().size(), 12u);

  const auto echo = up.Control("POST", "/v1/seed/postman",
                               Slurp(kCorpus / "postman" / "newman-echo-v2.postman_collection.json"));
  ASSERT_EQ(echo.status, 201) << echo.body;
  const json::value report = ParseJson(echo.body);
  EXPECT_EQ(report.at("created").to_number<int>(), 10);
  EXPECT_EQ(report.at("skipped").as_array().size(), 15u);
  EXPECT_NE(echo.body.find("no saved response"), std::string::npos);

  // The wrong kind of file, and broken JSON, are clear 422s.
  const auto wrong = up.Control("POST", "/v1/seed/har", collection);
  EXPECT_EQ(wrong.status, 422);
  EXPECT_NE(wrong.body.find("/v1/seed/postman"), std::string::npos) << wrong.body;
  const auto torn = up.Control("POST", "/v1/seed/har", R"({"log":{"entries":[{"request":)");
  EXPECT_EQ(torn.status, 422);
  EXPECT_NE(StringField(ParseJson(torn.body), "detail").find("byte"), std::string::npos)
      << torn.body;
}

TEST_F(Seeding, OpenApiAndOtherToolsRecordingsAreDetectedAndServed) {
  ProxyProcess up(work_.path(),
                  {.data_dir = data_dir(), .env = {{"INITIAL_MODE", "mock"}}, .up = true});
  ASSERT_PROXY_STARTS(up);
  const std::string url = "http://127.0.0.1:" + std::to_string(up.control_port());
  auto seed = [&](const fs::path& file) {
    return test_support::RunCommand(GOSTLY_BINARY, {"seed", file.string(), "--url", url},
                                    work_.path(), 60s);
  };
  auto spec = seed(kCorpus / "openapi" / "oai-petstore-v3.0.yaml");
  ASSERT_EQ(spec.exit_status, 0) << spec.output;
  EXPECT_NE(spec.output.find("openapi 3.0.0, 3 entries created"), std::string::npos)
      << spec.output;
  // Path templates come from the spec: the synthesised id answers, and so does any other
  // id of the same shape (smart swap), with the example body from the schema.
  const auto listed = up.Get("/pets");
  EXPECT_EQ(listed.status, 200) << Describe(listed);
  EXPECT_TRUE(ParseJson(listed.body).is_array()) << listed.body;
  const auto pet = up.Get("/pets/0badcafe");
  EXPECT_EQ(pet.status, 200) << Describe(pet);
  EXPECT_EQ(pet.Header("X-Ghost-SwapMatch"), "true") << Describe(pet);
  EXPECT_TRUE(ParseJson(pet.body).as_object().contains("name")) << pet.body;

  auto wiremock = seed(kCorpus / "cassettes" / "wiremock-several-mappings-scenario.json");
  ASSERT_EQ(wiremock.exit_status, 0) << wiremock.output;
  EXPECT_NE(wiremock.output.find("wiremock, 2 entries created, 1 skipped"), std::string::npos)
      << wiremock.output;
  EXPECT_NE(wiremock.output.find("bodyFileName"), std::string::npos) << "the reason is shown";

  auto vcr = seed(kCorpus / "cassettes" / "go-vcr-golang-org.yaml");
  ASSERT_EQ(vcr.exit_status, 0) << vcr.output;
  EXPECT_NE(vcr.output.find("3 entries created"), std::string::npos) << vcr.output;

  auto unsafe_file = work_.path() / "unsafe.yaml";
  WriteFile(unsafe_file, "openapi: 3.0.0\ninfo: !!python/object:os.system {title: x}\npaths: {}\n");
  auto unsafe = seed(unsafe_file);
  EXPECT_NE(unsafe.exit_status, 0);
  EXPECT_NE(unsafe.output.find("python/object"), std::string::npos) << unsafe.output;
}

// A small HAR: a key answered three times in turn, a JSON POST and a binary response.
std::string SequenceHar() {
  json::array entries;
  auto entry = [&](std::string method, std::string url, json::object post, int status,
                   json::object content) {
    json::object request{{"method", method}, {"url", url}, {"headers", json::array()}};
    if (!post.empty()) request["postData"] = std::move(post);
    entries.push_back(json::object{
        {"startedDateTime", "2026-11-23T10:00:00.000Z"},
        {"request", std::move(request)},
        {"response", json::object{{"status", status},
                                  {"headers", json::array{json::object{
                                                  {"name", "Content-Type"},
                                                  {"value", content.at("mimeType")}}}},
                                  {"content", std::move(content)}}}});
  };
  for (int i = 0; i < 3; ++i) {
    entry("GET", "http://api.example.com/jobs/9", {}, 200,
          {{"mimeType", "application/json"},
           {"text", "{\"state\":" + std::to_string(i) + "}"}});
  }
  entry("POST", "http://api.example.com/jobs",
        {{"mimeType", "application/json"}, {"text", "{\"name\": \"nine\"}"}}, 201,
        {{"mimeType", "application/json"}, {"text", "{\"id\":9}"}});
  entry("GET", "http://api.example.com/logo.png", {}, 200,
        {{"mimeType", "image/png"}, {"text", "iVBORw0KGgoA/w=="}, {"encoding", "base64"}});
  return json::serialize(json::object{{"log", json::object{{"version", "1.2"},
                                                          {"entries", std::move(entries)}}}});
}

TEST_F(Seeding, ExportAsHarAndWireMockSeedsAnotherGostlyThatAnswersTheSame) {
  const fs::path source = work_.path() / "source.har";
  WriteFile(source, SequenceHar());
  auto start = [&](const std::string& name) {
    auto up = std::make_unique<ProxyProcess>(
        work_.path(), ProxyOptions{.data_dir = work_.path() / name,
                                   .env = {{"INITIAL_MODE", "mock"}},
                                   .up = true});
    return up;
  };
  auto cli = [&](const ProxyProcess& up, std::vector<std::string> args) {
    args.push_back("--url");
    args.push_back("http://127.0.0.1:" + std::to_string(up.control_port()));
    return test_support::RunCommand(GOSTLY_BINARY, args, work_.path(), 60s);
  };
  // What a client sees: the sequence (then stuck on its last), the POST, the binary body.
  auto observe = [](const ProxyProcess& up) {
    std::vector<std::string> seen;
    for (int i = 0; i < 4; ++i) seen.push_back(up.Get("/jobs/9").body);
    const auto created = up.Send("POST", "/jobs", "{\"name\":\"nine\"}",
                                 {{"Content-Type", "application/json"}});
    seen.push_back(std::to_string(created.status) + " " + created.body);
    seen.push_back(up.Get("/logo.png").body);
    return seen;
  };
  const std::vector<std::string> expected = {
      "{\"state\":0}", "{\"state\":1}", "{\"state\":2}", "{\"state\":2}", "201 {\"id\":9}",
      std::string("\x89PNG\r\n\x1a\n\0\xff", 10)};

  auto first = start("first");
  ASSERT_PROXY_STARTS(*first);
  auto seeded = cli(*first, {"seed", source.string()});
  ASSERT_EQ(seeded.exit_status, 0) << seeded.output;
  EXPECT_EQ(observe(*first), expected);

  const fs::path har = work_.path() / "export.har";
  const fs::path wiremock = work_.path() / "export-wiremock.json";
  auto as_har = cli(*first, {"export", "--format", "har", "-o", har.string()});
  ASSERT_EQ(as_har.exit_status, 0) << as_har.output;
  auto as_wiremock = cli(*first, {"export", "--format", "wiremock", "-o", wiremock.string()});
  ASSERT_EQ(as_wiremock.exit_status, 0) << as_wiremock.output;
  EXPECT_EQ(ParseJson(Slurp(har)).at("log").at("entries").as_array().size(), 5u);
  const json::value mappings = ParseJson(Slurp(wiremock));
  EXPECT_EQ(mappings.at("mappings").as_array().size(), 5u);
  EXPECT_NE(Slurp(wiremock).find("\"requiredScenarioState\":\"seq-2\""), std::string::npos);
  auto unknown = cli(*first, {"export", "--format", "postman"});
  EXPECT_NE(unknown.exit_status, 0);
  EXPECT_NE(unknown.output.find("supported: jsonl, har, wiremock"), std::string::npos)
      << unknown.output;
  EXPECT_EQ(first->Stop(), 0) << first->Log();

  // Each export, seeded into a fresh gostly, answers exactly as the original did.
  for (const fs::path& file : {har, wiremock}) {
    auto again = start("from-" + file.stem().string());
    ASSERT_PROXY_STARTS(*again);
    auto reseeded = cli(*again, {"seed", file.string()});
    ASSERT_EQ(reseeded.exit_status, 0) << reseeded.output;
    EXPECT_NE(reseeded.output.find("5 entries created, 0 skipped"), std::string::npos)
        << reseeded.output;
    EXPECT_EQ(observe(*again), expected) << file;
    EXPECT_EQ(again->Stop(), 0) << again->Log();
  }
}

TEST_F(Seeding, ASpecSplitOverFilesIsBundledByTheCli) {
  // root.yaml → paths/items.yaml → ../schemas/item.json, and one ref to a missing file.
  fs::create_directories(work_.path() / "spec" / "paths");
  fs::create_directories(work_.path() / "spec" / "schemas");
  WriteFile(work_.path() / "spec" / "root.yaml",
            "openapi: 3.0.3\ninfo: {title: split, version: '1'}\npaths:\n"
            "  /items/{id}:\n    $ref: paths/items.yaml\n"
            "  /gone:\n    $ref: paths/missing.yaml\n");
  WriteFile(work_.path() / "spec" / "paths" / "items.yaml",
            "get:\n  parameters:\n  - {name: id, in: path, required: true, example: 42,\n"
            "     schema: {type: integer}}\n  responses:\n    '200':\n      description: ok\n"
            "      content:\n        application/json:\n"
            "          schema: {$ref: '../schemas/item.json#/Item'}\n");
  WriteFile(work_.path() / "spec" / "schemas" / "item.json",
            R"({"Item": {"type": "object", "required": ["id", "label"], "properties": {
                "id": {"type": "integer", "example": 42},
                "label": {"type": "string", "example": "from item.json"}}}})");
  ProxyProcess up(work_.path(),
                  {.data_dir = data_dir(), .env = {{"INITIAL_MODE", "mock"}}, .up = true});
  ASSERT_PROXY_STARTS(up);
  auto seeded = test_support::RunCommand(
      GOSTLY_BINARY,
      {"seed", (work_.path() / "spec" / "root.yaml").string(), "--url",
       "http://127.0.0.1:" + std::to_string(up.control_port())},
      work_.path(), 60s);
  ASSERT_EQ(seeded.exit_status, 0) << seeded.output;
  EXPECT_NE(seeded.output.find("1 entries created, 1 skipped"), std::string::npos)
      << seeded.output;
  EXPECT_NE(seeded.output.find("read 2 referenced files"), std::string::npos) << seeded.output;
  EXPECT_NE(seeded.output.find("paths/missing.yaml: no such file"), std::string::npos)
      << seeded.output;
  const auto item = up.Get("/items/42");
  EXPECT_EQ(item.status, 200) << Describe(item);
  EXPECT_EQ(ParseJson(item.body), ParseJson(R"({"id":42,"label":"from item.json"})"));
}

TEST_F(Seeding, ProgressBarFollowsAnAsynchronousJob) {
  ProxyProcess up(work_.path(),
                  {.data_dir = data_dir(), .env = {{"INITIAL_MODE", "mock"}}, .up = true});
  ASSERT_PROXY_STARTS(up);
  const std::string url = "http://127.0.0.1:" + std::to_string(up.control_port());
  const fs::path spec = kCorpus / "openapi" / "swagger-petstore3-openapi.yaml";
  auto seeded = test_support::RunCommand(
      GOSTLY_BINARY, {"seed", spec.string(), "--progress", "--url", url}, work_.path(), 60s);
  ASSERT_EQ(seeded.exit_status, 0) << seeded.output;
  EXPECT_NE(seeded.output.find("] 100%  done"), std::string::npos) << seeded.output;
  EXPECT_NE(seeded.output.find("entries created"), std::string::npos) << seeded.output;
  EXPECT_EQ(up.Get("/store/inventory").status, 200);

  // The job stays readable: its report, and progress that reached the total.
  const auto audit = ParseJson(up.Control("GET", "/v1/audit?limit=10").body);
  EXPECT_NE(json::serialize(audit).find("seed.openapi"), std::string::npos);
  const auto started = up.Control("POST", "/v1/seed/har?async=true", Slurp(spec));
  ASSERT_EQ(started.status, 202) << started.body;
  const std::string id = StringField(ParseJson(started.body), "job_id");
  EXPECT_EQ(started.Header("Location"), "/v1/seed/jobs/" + id);
  json::value job;
  for (int i = 0; i < 100; ++i) {  // bounded: 10 s at most
    job = ParseJson(up.Control("GET", "/v1/seed/jobs/" + id).body);
    if (StringField(job, "state") != "running") break;
    std::this_thread::sleep_for(100ms);
  }
  // A YAML spec sent as HAR: the job fails with the importer's reason.
  EXPECT_EQ(StringField(job, "state"), "failed") << job;
  EXPECT_NE(StringField(job.at("error"), "detail").find("HAR"), std::string::npos) << job;
  EXPECT_EQ(up.Control("GET", "/v1/seed/jobs/seedjob-unknown").status, 404);

  // Through the CLI, the same failure is one line and a non-zero exit.
  auto wrong = test_support::RunCommand(
      GOSTLY_BINARY, {"seed", spec.string(), "--format", "har", "--progress", "--url", url},
      work_.path(), 60s);
  EXPECT_NE(wrong.exit_status, 0);
  EXPECT_NE(wrong.output.find("gostly seed: "), std::string::npos) << wrong.output;
}

// curl sends "Expect: 100-continue" before a large body and waits for the go-ahead: the
// control plane gives it after the header, before any body byte.
TEST_F(Seeding, TheControlPlaneAnswers100ContinueBeforeTheBody) {
  ProxyProcess up(work_.path(),
                  {.data_dir = data_dir(), .env = {{"INITIAL_MODE", "mock"}}, .up = true});
  ASSERT_PROXY_STARTS(up);
  const auto result = test_support::RawExchange(
      up.control_port(),
      "POST /v1/seed/har?dry_run=true HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
      "Content-Length: 2\r\nExpect: 100-continue\r\n\r\n",
      1s);
  EXPECT_EQ(result.received.rfind("HTTP/1.1 100 Continue\r\n", 0), 0u) << result.received;
}

}  // namespace
}  // namespace gostly::integration
