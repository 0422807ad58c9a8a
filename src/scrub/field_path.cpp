#include "scrub/field_path.hpp"

#include <charconv>

namespace gostly::scrub {

namespace {

common::Error PathError(std::string_view text, std::string_view what, std::size_t offset) {
  return common::MakeError("field path '" + std::string(text) + "': " + std::string(what) +
                               " at offset " + std::to_string(offset) +
                               " (expected e.g. user.ssn, items[*].card.number or $.a['b.c'])",
                           common::ErrorCode::kInvalidArgument);
}

}  // namespace

common::Result<FieldPath> FieldPath::Parse(std::string_view text) {
  FieldPath path;
  path.text_ = std::string(text);
  if (text.empty()) {
    return common::MakeError("field path is empty (expected e.g. user.ssn)",
                             common::ErrorCode::kInvalidArgument);
  }
  std::size_t pos = 0;
  if (text[0] == '$') {
    pos = 1;
    if (pos < text.size() && text[pos] == '.') ++pos;
    if (pos == text.size()) return PathError(text, "nothing after '$'", pos);
  }
  bool need_step = text[pos] != '[';  // a name must follow the root or a '.'
  while (pos < text.size()) {
    char c = text[pos];
    if (need_step) {
      if (c == '.')
        return PathError(text, "empty step ('..' recursive descent is not supported)", pos);
      if (c == '[' || c == ']') return PathError(text, "expected a member name", pos);
      std::size_t end = pos;
      while (end < text.size() && text[end] != '.' && text[end] != '[' && text[end] != ']') ++end;
      auto name = text.substr(pos, end - pos);
      Step step;
      if (name == "*") {
        step.kind = Step::Kind::kAny;
      } else {
        step.kind = Step::Kind::kMember;
        step.name = std::string(name);
      }
      path.steps_.push_back(std::move(step));
      pos = end;
      need_step = false;
      continue;
    }
    if (c == '.') {
      ++pos;
      if (pos == text.size()) return PathError(text, "empty step after '.'", pos);
      need_step = true;
      continue;
    }
    if (c != '[') return PathError(text, "unexpected character", pos);
    std::size_t open = pos++;
    if (pos >= text.size()) return PathError(text, "unterminated '['", open);
    Step step;
    if (text[pos] == '\'' || text[pos] == '"') {
      char quote = text[pos++];
      std::size_t close = text.find(quote, pos);
      if (close == std::string_view::npos) return PathError(text, "unterminated quoted name", open);
      step.kind = Step::Kind::kMember;
      step.name = std::string(text.substr(pos, close - pos));
      pos = close + 1;
    } else if (text[pos] == '*') {
      step.kind = Step::Kind::kAny;
      ++pos;
    } else {
      std::size_t end = pos;
      while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
      if (end == pos)
        return PathError(text, "expected an index, '*' or a quoted name in '[]'", pos);
      auto [p, ec] = std::from_chars(text.data() + pos, text.data() + end, step.index);
      if (ec != std::errc() || p != text.data() + end)
        return PathError(text, "index out of range", pos);
      step.kind = Step::Kind::kIndex;
      pos = end;
    }
    if (pos >= text.size() || text[pos] != ']') return PathError(text, "expected ']'", pos);
    ++pos;
    path.steps_.push_back(std::move(step));
  }
  if (path.steps_.empty()) return PathError(text, "no steps", 0);
  return path;
}

bool FieldPath::MatchesMember(std::size_t i, std::string_view name) const {
  const Step& step = steps_[i];
  return step.kind == Step::Kind::kAny || (step.kind == Step::Kind::kMember && step.name == name);
}

bool FieldPath::MatchesIndex(std::size_t i, std::size_t index) const {
  const Step& step = steps_[i];
  return step.kind == Step::Kind::kAny || (step.kind == Step::Kind::kIndex && step.index == index);
}

}  // namespace gostly::scrub
