#pragma once
// A minimal JSON writer for the show/explain outputs of fwd/lag (slow path only). Keys are
// emitted in the order written, so outputs are stable and diffable.

#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace fwd::lag::detail {

inline void json_escape(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        else out.push_back(c);
    }
  }
  out.push_back('"');
}

inline std::string json_str(std::string_view s) {
  std::string out;
  json_escape(out, s);
  return out;
}

/// Builds one JSON object: `Obj o; o.add("k", json_str("v")); o.add("n", "3"); o.str()`.
class JsonObject {
public:
  JsonObject& raw(std::string_view key, std::string_view json_value) {
    out_.push_back(first_ ? '{' : ',');
    first_ = false;
    json_escape(out_, key);
    out_.push_back(':');
    out_ += json_value;
    return *this;
  }
  JsonObject& str(std::string_view key, std::string_view value) { return raw(key, json_str(value)); }
  JsonObject& num(std::string_view key, std::int64_t v) { return raw(key, fmt::format("{}", v)); }
  JsonObject& unum(std::string_view key, std::uint64_t v) { return raw(key, fmt::format("{}", v)); }
  JsonObject& real(std::string_view key, double v) { return raw(key, fmt::format("{}", v)); }
  JsonObject& boolean(std::string_view key, bool v) { return raw(key, v ? "true" : "false"); }
  std::string done() const { return first_ ? std::string("{}") : out_ + "}"; }

private:
  std::string out_;
  bool first_ = true;
};

/// Builds one JSON array from already-encoded values.
class JsonArray {
public:
  JsonArray& raw(std::string_view json_value) {
    out_.push_back(first_ ? '[' : ',');
    first_ = false;
    out_ += json_value;
    return *this;
  }
  JsonArray& str(std::string_view v) { return raw(json_str(v)); }
  JsonArray& num(std::int64_t v) { return raw(fmt::format("{}", v)); }
  std::string done() const { return first_ ? std::string("[]") : out_ + "]"; }

private:
  std::string out_;
  bool first_ = true;
};

}  // namespace fwd::lag::detail
