// Specs split over files: the bundler inlines relative-file $refs (resolved against the file
// that holds each ref) so that the one-document importer serves every operation.
#include "seed/openapi_bundle.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <map>

namespace gostly::seed {
namespace {
namespace json = boost::json;

// Files in memory, by normalised path; every read is counted.
struct Files {
  std::map<std::string, std::string> text;
  std::map<std::string, int> reads;
  SpecFileReader Reader() {
    return [this](const std::string& path) -> common::Result<std::string> {
      ++reads[path];
      auto it = text.find(path);
      if (it == text.end()) return common::MakeError("no such file", common::ErrorCode::kNotFound);
      return it->second;
    };
  }
};

ImportOptions Options() {
  ImportOptions o;
  o.service = "svc";
  o.default_timestamp = "2024-01-01T00:00:00.000Z";
  return o;
}

const char* kRoot = R"(openapi: 3.0.3
info: {title: split, version: "1"}
paths:
  /pets/{id}:
    $ref: paths/pet.yaml
  /owners:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "schemas/owner.json#/Owner"}
  /remote:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "https://example.com/schemas.yaml#/Thing"}
)";

// paths/pet.yaml has a local definition of its own, which refers back up (../schemas).
const char* kPetPath = R"(get:
  parameters:
    - {name: id, in: path, required: true, schema: {type: integer}, example: 7}
  responses:
    "200":
      description: ok
      content:
        application/json:
          schema: {$ref: "#/PetEnvelope"}
PetEnvelope:
  type: object
  required: [pet, message]
  properties:
    pet: {$ref: "../schemas/pet.yaml#/Pet"}
    message: {type: string, example: found}
)";

// Pet and Owner refer to each other across files (a cycle the synthesiser must stop).
const char* kPetSchema = R"(Pet:
  type: object
  required: [id, name, owner]
  properties:
    id: {type: integer, example: 7}
    name: {type: string, example: Rex}
    owner: {$ref: "owner.json#/Owner"}
)";
const char* kOwnerSchema =
    R"({"Owner": {"type": "object", "required": ["name", "pets"], "properties": {
        "name": {"type": "string", "example": "Ada"},
        "pets": {"type": "array", "items": {"$ref": "pet.yaml#/Pet"}}}}})";

Files SplitSpec() {
  Files files;
  files.text["api/paths/pet.yaml"] = kPetPath;
  files.text["api/schemas/pet.yaml"] = kPetSchema;
  files.text["api/schemas/owner.json"] = kOwnerSchema;
  return files;
}

const library::Exchange* Find(const std::vector<library::Exchange>& exchanges,
                              std::string_view uri, int status) {
  for (const auto& ex : exchanges) {
    if (ex.uri == uri && ex.status == status) return &ex;
  }
  return nullptr;
}

TEST(BundleOpenApi, RelativeFilesAreInlinedAndEveryOperationImports) {
  Files files = SplitSpec();
  BundleReport report;
  auto bundled = BundleOpenApi(kRoot, "api/root.yaml", files.Reader(), Options(), &report);
  ASSERT_TRUE(bundled.ok()) << bundled.error();
  std::vector<std::string> read = report.files;
  std::sort(read.begin(), read.end());
  EXPECT_EQ(read, (std::vector<std::string>{"api/paths/pet.yaml", "api/schemas/owner.json",
                                            "api/schemas/pet.yaml"}));
  for (const auto& [path, count] : files.reads) EXPECT_EQ(count, 1) << path << " read once";
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_EQ(report.warnings[0],
            "$ref 'https://example.com/schemas.yaml#/Thing' in api/root.yaml: remote files are "
            "not fetched (seeding reads local files only)")
      << report.warnings[0];

  ImportReport imported;
  auto exchanges = ImportOpenApi(*bundled, Options(), &imported);
  ASSERT_TRUE(exchanges.ok()) << exchanges.error();
  const auto* pet = Find(*exchanges, "/pets/7", 200);
  ASSERT_NE(pet, nullptr) << "the path item from paths/pet.yaml, its id from the example";
  const json::value body = json::parse(pet->response_body);
  EXPECT_EQ(body.at("message"), "found") << "a local ref inside paths/pet.yaml";
  EXPECT_EQ(body.at("pet").at("name"), "Rex");
  EXPECT_EQ(body.at("pet").at("owner").at("name"), "Ada");
  const auto* owners = Find(*exchanges, "/owners", 200);
  ASSERT_NE(owners, nullptr);
  EXPECT_EQ(json::parse(owners->response_body).at("pets").at(0).at("name"), "Rex");
  // The remote ref is the one thing skipped, and the importer says why.
  ASSERT_EQ(imported.skipped.size(), 1u);
  EXPECT_NE(imported.skipped[0].where.find("/remote"), std::string::npos);
  EXPECT_NE(imported.skipped[0].reason.find("remote files are not fetched"), std::string::npos)
      << imported.skipped[0].reason;
}

TEST(BundleOpenApi, MissingAndUnreadableFilesAreReportedAndTheRestImports) {
  Files files = SplitSpec();
  files.text.erase("api/schemas/owner.json");
  files.text["api/schemas/pet.yaml"] = "Pet: [unclosed\n";
  BundleReport report;
  auto bundled = BundleOpenApi(kRoot, "api/root.yaml", files.Reader(), Options(), &report);
  ASSERT_TRUE(bundled.ok()) << bundled.error();
  std::string all;
  for (const auto& w : report.warnings) all += w + "\n";
  EXPECT_NE(all.find("cannot read api/schemas/owner.json: no such file"), std::string::npos) << all;
  EXPECT_NE(all.find("api/schemas/pet.yaml: invalid YAML at line"), std::string::npos) << all;

  ImportReport imported;
  auto exchanges = ImportOpenApi(*bundled, Options(), &imported);
  ASSERT_TRUE(exchanges.ok()) << exchanges.error();
  EXPECT_TRUE(exchanges->empty());
  std::string reasons;
  for (const auto& skip : imported.skipped) reasons += skip.where + ": " + skip.reason + "\n";
  EXPECT_NE(reasons.find("GET /owners: external $ref 'schemas/owner.json#/Owner' not resolved "
                         "(cannot read api/schemas/owner.json: no such file)"),
            std::string::npos)
      << reasons;
  EXPECT_NE(reasons.find("'../schemas/pet.yaml#/Pet' not resolved (api/schemas/pet.yaml: "
                         "invalid YAML at line"),
            std::string::npos)
      << reasons;
}

TEST(BundleOpenApi, ASpecWithoutFileRefsIsSentUnchanged) {
  const std::string spec = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n";
  Files files;
  auto bundled = BundleOpenApi(spec, "x.yaml", files.Reader(), Options(), nullptr);
  ASSERT_TRUE(bundled.ok());
  EXPECT_EQ(*bundled, spec);
  EXPECT_TRUE(files.reads.empty());
  auto broken = BundleOpenApi("openapi: [", "bad.yaml", files.Reader(), Options(), nullptr);
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().find("cannot read bad.yaml: invalid YAML at line 1"), std::string::npos)
      << broken.error();
}

TEST(BundleOpenApi, BytesOverAllFilesAreBounded) {
  Files files = SplitSpec();
  ImportOptions small = Options();
  small.max_bytes = std::string_view(kRoot).size() + 100;  // room for the root, not the rest
  BundleReport report;
  auto bundled = BundleOpenApi(kRoot, "api/root.yaml", files.Reader(), small, &report);
  ASSERT_TRUE(bundled.ok()) << bundled.error();
  std::string all;
  for (const auto& w : report.warnings) all += w + "\n";
  EXPECT_NE(all.find("(max_bytes)"), std::string::npos) << all;
}

TEST(LocalSpecFileReader, ReadsSpecFilesOnly) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("gostly-bundle-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "ok.yaml") << "a: 1\n";
  std::ofstream(dir / "secret.txt") << "password\n";
  auto read = LocalSpecFileReader(1 << 20);
  auto ok = read((dir / "ok.yaml").string());
  ASSERT_TRUE(ok.ok()) << ok.error();
  EXPECT_EQ(*ok, "a: 1\n");
  EXPECT_FALSE(read((dir / "secret.txt").string()).ok());
  EXPECT_FALSE(read((dir / "absent.json").string()).ok());
  EXPECT_FALSE(LocalSpecFileReader(2)((dir / "ok.yaml").string()).ok()) << "over the limit";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gostly::seed
