// Operator-configured JSON field paths (DESIGN §5): the value at such a path is replaced
// whatever it looks like.
//
// Syntax (a small subset of JSONPath, anchored at the document root):
//   [$ | $.] step (. step | [selector])*
//   step      name | *            (a member name; * is any member or element)
//   selector  N | * | 'name' | "name"   (array index, any child, quoted member name)
// Examples: `user.ssn`, `$.customer.tax_id`, `items[*].card.number`, `$[0].email`,
// `*.password`, `$['odd.key']`. Names are matched exactly (case-sensitive). Recursive
// descent (`..`), filters and slices are not supported and are rejected by Parse.
//
// Thread-safety: immutable value type.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace gostly::scrub {

class FieldPath {
 public:
  struct Step {
    enum class Kind { kMember, kIndex, kAny };
    Kind kind = Kind::kAny;
    std::string name;       // kMember
    std::size_t index = 0;  // kIndex
  };

  // Errors name the path and say what is wrong and where.
  static common::Result<FieldPath> Parse(std::string_view text);

  const std::string& text() const { return text_; }
  const std::vector<Step>& steps() const { return steps_; }

  // Whether step `i` accepts the object member `name` / the array element `index`.
  bool MatchesMember(std::size_t i, std::string_view name) const;
  bool MatchesIndex(std::size_t i, std::size_t index) const;

 private:
  std::string text_;
  std::vector<Step> steps_;
};

}  // namespace gostly::scrub
