// The request path: admin routing, then per-mode handling (DESIGN §2–3).
//
//   TRANSITIONING -> 503; MOCK -> the match cascade (session-verbatim, exact, smart swap,
//   miss); LEARN -> forward, capture (redacted) and wait for the write, then answer;
//   PASSTHROUGH -> forward only.
//
// One RequestHandler is shared by all I/O threads; Handle() is re-entrant and takes no lock
// on the MOCK exact path.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "proxy/admin_api.hpp"
#include "proxy/forwarder.hpp"
#include "proxy/proxy_state.hpp"
#include "proxy/reply.hpp"

namespace gostly::proxy {

class RequestHandler {
 public:
  explicit RequestHandler(ProxyState& state);

  // A request that needs I/O: forwarding (route set) or the admin library write (route
  // null). Holds the view it was decided under, so the route stays valid across the await.
  struct Pending {
    ViewRef view;
    const Route* route = nullptr;
    std::string target;  // service-relative
    bool capture = false;
    std::optional<state::ChaosDecision> chaos;  // latency or dribble to add to the answer
  };

  // Routes the request once. Most answers (MOCK, TRANSITIONING, admin) are ready at once and
  // cost no coroutine frame; the rest come back as Pending for Complete().
  std::variant<Reply, Pending> Decide(const HttpRequest& request);

  // `pending` is the caller's and must outlive the await (the session keeps it in its own
  // frame, so this frame stays under the size Asio recycles).
  boost::asio::awaitable<Reply> Complete(const HttpRequest& request, const Pending& pending);

 private:
  Reply Mock(const HttpRequest& request, const ViewRef& view, const Route& route,
             std::string_view target);
  // LEARN's forward: the exchange is recorded before the answer is returned.
  boost::asio::awaitable<Reply> Learn(const HttpRequest& request, const Route& route,
                                      std::string_view target);
  // Forwarding's steps outside the coroutines (which keeps their frames small): the answer
  // instead of forwarding (no upstream, capture backlog), the answer to a failed forward,
  // the records LEARN writes, and the answer once they are written.
  bool RefuseForward(const Route& route, bool capture, Reply& reply);  // true: `reply` set
  Reply ForwardFailed(const HttpRequest& request, const Route& route, std::string_view target,
                      bool capture, const ForwardResult& result);
  std::vector<CaptureRecord> CaptureRecords(const HttpRequest& request, const Route& route,
                                            std::string_view recorded_target,
                                            const UpstreamResponse& response,
                                            std::chrono::system_clock::time_point started,
                                            double latency_ms);
  std::string AnswerRecorded(const HttpRequest& request, const Route& route,
                             std::string_view recorded_target, const UpstreamResponse& response,
                             bool capture_failed);
  Reply ResourceAnswer(const state::ResourceReply& answer);
  // The wait MOCK adds for learned latency (ProxyConfig::mock_latency); `recorded_ms` is the
  // hit's own recording (< 0: none, e.g. a swap).
  std::chrono::milliseconds LearnedDelay(const ProxyView& view, std::string_view service,
                                         std::string_view method, std::string_view target,
                                         double recorded_ms);
  // An injected error or connection fault answers instead of the request (nullopt: the
  // request is answered, with ApplyChaos's delay and marker).
  std::optional<Reply> ChaosInstead(const state::ChaosDecision& decision);
  void ApplyChaos(Reply& reply, const state::ChaosDecision& decision);
  Reply Miss(const ProxyView& view, std::string_view service, std::string_view method,
             std::string_view target);

  ProxyState& state_;
  AdminApi admin_;
};

// Serialises a forwarded response for the client: upstream status and reason, headers
// without hop-by-hop ones, Content-Length recomputed (kept as sent for HEAD), `extra`
// header lines appended.
std::string SerializeForwarded(const UpstreamResponse& response, bool head_request,
                               std::string_view extra);

// `wire` (serialised response bytes) with `header` ("Name: value\r\n") inserted after the
// status line.
std::string WithHeader(std::string_view wire, std::string_view header);

}  // namespace gostly::proxy
