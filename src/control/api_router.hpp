// Routes API requests to handlers by method and path pattern ("/v1/mocks/{id}"), and
// describes the registered operations as an OpenAPI 3.1 document, so the document served
// at /v1/openapi.json can never list an endpoint that does not exist or miss one that does.
//
// Routes are registered at start-up; Dispatch is then const and thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <string>
#include <vector>

#include "control/api_types.hpp"

namespace gostly::control {

// Who may call an operation. Viewers may only read; editors change the library, services,
// the mode and transitions; admins also manage API keys.
enum class Access { kPublic, kViewer, kEditor, kAdmin };

struct Operation {
  std::string method;          // GET, POST, PUT, PATCH, DELETE
  std::string pattern;         // "/v1/mocks/{id}"
  std::string summary;
  Access access = Access::kViewer;
  boost::json::value request_schema;   // JSON Schema of the body; null when none
  boost::json::value response_schema;  // JSON Schema of a success body; null: any object
  int success_status = 200;
  bool paginated = false;      // accepts cursor and limit query parameters
  std::vector<std::string> query_params;  // other documented query parameters
};

using Handler = std::function<ApiResponse(ApiRequest&)>;

class ApiRouter {
 public:
  void Add(Operation operation, Handler handler);

  struct Match {
    const Operation* operation = nullptr;
    const Handler* handler = nullptr;
    bool path_known = false;  // some route has this path (for 405 vs 404)
  };
  // Fills request.params on a match.
  Match Find(ApiRequest& request) const;

  boost::json::object OpenApi(const std::string& title, const std::string& version) const;

 private:
  struct Route {
    Operation operation;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace gostly::control
