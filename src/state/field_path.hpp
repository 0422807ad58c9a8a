// Names a field of a nested JSON document from the caller's root. The readers in this module
// name the field at fault either as a path ("rules[0].errors.rate must be …") or quoted
// ("'rules' must be an array"); a caller that holds the document under a key of its own
// (a route's "chaos", the control API's "statecharts[2]") puts the message under that key.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace gostly::state {

// QualifyField("chaos", "'rules' must be an array") == "chaos.rules must be an array";
// QualifyField("chaos", "rules[0].match must be …") == "chaos.rules[0].match must be …";
// a message that names no field: "chaos: <message>".
inline std::string QualifyField(std::string_view where, std::string_view message) {
  const std::string root(where);
  if (message.size() > 2 && message.front() == '\'') {
    const auto close = message.find('\'', 1);
    if (close != std::string_view::npos && close > 1) {
      return root + "." + std::string(message.substr(1, close - 1)) +
             std::string(message.substr(close + 1));
    }
  }
  std::size_t i = 0;
  while (i < message.size() &&
         (std::islower(static_cast<unsigned char>(message[i])) || message[i] == '_')) {
    ++i;
  }
  if (i > 0 && i < message.size() && (message[i] == '.' || message[i] == '[')) {
    return root + "." + std::string(message);
  }
  return root + ": " + std::string(message);
}

}  // namespace gostly::state
