#include "fetch/robots_txt.h"

#include <algorithm>
#include <utility>

namespace img2dataset {
namespace {

constexpr std::string_view kWhitespace = " \t\v\f";

std::string_view Trim(std::string_view s) {
  const auto first = s.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(kWhitespace);
  return s.substr(first, last - first + 1);
}

char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return AsciiLower(x) == AsciiLower(y);
         });
}

bool IsAsciiAlnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 §2.3: these mean the same encoded or not, so they are compared decoded.
bool IsUnreserved(unsigned char c) {
  return IsAsciiAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

// The form in which patterns and paths are compared: %XX of an unreserved character decoded,
// every other %xx upper-cased, a '%' that starts no escape encoded as %25, and octets outside
// printable ASCII (UTF-8, controls, NUL, space) encoded. '*' and '$' are printable and kept, so a
// pattern's wildcards survive while an escaped "%2A" stays a literal.
std::string Canonical(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c == '%') {
      const int high = i + 2 < in.size() ? HexValue(in[i + 1]) : -1;
      const int low = i + 2 < in.size() ? HexValue(in[i + 2]) : -1;
      if (high < 0 || low < 0) {
        out += "%25";
        continue;
      }
      const auto decoded = static_cast<unsigned char>(high * 16 + low);
      if (IsUnreserved(decoded)) {
        out += static_cast<char>(decoded);
      } else {
        out += '%';
        out += kHex[high];
        out += kHex[low];
      }
      i += 2;
    } else if (c <= 0x20 || c >= 0x7F) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// "*" alone, or followed by whitespace (as Google's parser accepts "* # everyone" and "* foo").
bool IsGlobalAgent(std::string_view value) {
  return !value.empty() && value[0] == '*' &&
         (value.size() == 1 || kWhitespace.find(value[1]) != std::string_view::npos);
}

// The product token a user-agent value names (RFC 9309 §2.2.1): its leading run of
// [a-zA-Z0-9_-], lower-cased, so "Img2Dataset/1.0 (+https://...)" names "img2dataset". Digits are
// accepted although the RFC's grammar omits them, since tokens such as "img2dataset" have them.
std::string ProductToken(std::string_view value) {
  std::string token;
  for (const char c : value) {
    if (!IsAsciiAlnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') break;
    token += AsciiLower(c);
  }
  return token;
}

// Index of the first occurrence of `needle` in `text` at or after `from`, or npos. A long needle
// is searched with Knuth-Morris-Pratt: std::string_view::find compares up to the whole needle at
// each offset, which a hostile pattern and path turn quadratic. `failure` is scratch space.
std::size_t Find(std::string_view text, std::string_view needle, std::size_t from,
                 std::vector<std::size_t>& failure) {
  constexpr std::size_t kShortNeedle = 16;  // find() costs at most this many times the text
  if (from > text.size() || text.size() - from < needle.size()) return std::string_view::npos;
  if (needle.size() <= kShortNeedle) return text.find(needle, from);
  failure.assign(needle.size(), 0);
  for (std::size_t i = 1, k = 0; i < needle.size(); ++i) {
    while (k > 0 && needle[i] != needle[k]) k = failure[k - 1];
    if (needle[i] == needle[k]) ++k;
    failure[i] = k;
  }
  for (std::size_t i = from, k = 0; i < text.size(); ++i) {
    while (k > 0 && text[i] != needle[k]) k = failure[k - 1];
    if (text[i] == needle[k]) ++k;
    if (k == needle.size()) return i + 1 - needle.size();
  }
  return std::string_view::npos;
}

// True when `pattern` (literal runs separated by single '*'s) matches `path` from its start, and
// to its end when `anchored`. Between wildcards, taking each literal run at its leftmost
// occurrence is never worse than a later one, so no backtracking is needed: the cost is linear in
// the path per literal run plus the pattern.
bool Matches(std::string_view pattern, bool anchored, std::string_view path,
             std::vector<std::size_t>& scratch) {
  auto star = pattern.find('*');
  if (star == std::string_view::npos) return anchored ? path == pattern : path.starts_with(pattern);
  if (!path.starts_with(pattern.substr(0, star))) return false;
  std::size_t pos = star;
  pattern.remove_prefix(star + 1);
  for (star = pattern.find('*'); star != std::string_view::npos; star = pattern.find('*')) {
    const std::string_view literal = pattern.substr(0, star);
    const std::size_t found = Find(path, literal, pos, scratch);
    if (found == std::string_view::npos) return false;
    pos = found + literal.size();
    pattern.remove_prefix(star + 1);
  }
  if (!anchored) return Find(path, pattern, pos, scratch) != std::string_view::npos;
  return path.size() - pos >= pattern.size() && path.ends_with(pattern);
}

// The body as far as it is parsed: without a leading UTF-8 BOM, and cut at kMaxBodyBytes before
// the line that limit would split, so that a rule is never read half ("Disallow: /private" cut
// to "Disallow: /" would forbid everything).
std::string_view ParsedPart(std::string_view body) {
  if (body.size() > RobotsTxt::kMaxBodyBytes) {
    const char next = body[RobotsTxt::kMaxBodyBytes];
    body = body.substr(0, RobotsTxt::kMaxBodyBytes);
    if (next != '\n' && next != '\r') {
      const auto last_end = body.find_last_of("\r\n");
      body = last_end == std::string_view::npos ? std::string_view() : body.substr(0, last_end);
    }
  }
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (body.starts_with(kBom)) body.remove_prefix(kBom.size());
  return body;
}

// Removes and returns the first line of `text`, which ends at CR, LF or CRLF.
std::string_view NextLine(std::string_view& text) {
  const auto end = text.find_first_of("\r\n");
  const std::string_view line = text.substr(0, end);
  if (end == std::string_view::npos) {
    text = {};
  } else {
    const bool crlf = text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n';
    text.remove_prefix(end + (crlf ? 2 : 1));
  }
  return line;
}

}  // namespace

RobotsTxt RobotsTxt::Parse(std::string_view body) {
  RobotsTxt robots;
  // True while the lines read since the last rule are user-agent lines: another one joins the
  // current group instead of opening a new one.
  bool reading_agents = false;
  for (std::string_view text = ParsedPart(body); !text.empty();) {
    std::string_view line = NextLine(text).substr(0, kMaxLineBytes);
    line = line.substr(0, line.find('#'));
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view key = Trim(line.substr(0, colon));
    const std::string_view value = Trim(line.substr(colon + 1));

    if (EqualsIgnoreCase(key, "user-agent")) {
      if (!reading_agents) robots.groups_.emplace_back();
      reading_agents = true;
      Group& group = robots.groups_.back();
      if (IsGlobalAgent(value)) {
        group.global = true;
      } else if (std::string token = ProductToken(value); !token.empty()) {
        group.agents.push_back(std::move(token));
      }
      continue;
    }
    const bool allow = EqualsIgnoreCase(key, "allow");
    if (!allow && !EqualsIgnoreCase(key, "disallow")) continue;  // sitemap, crawl-delay, typos
    if (robots.groups_.empty()) continue;  // a rule before any user-agent applies to no one
    reading_agents = false;
    // An empty allow or disallow matches nothing (RFC 9309 §2.2.2: "disallow:" allows all).
    if (value.empty()) continue;
    Rule rule;
    rule.allow = allow;
    rule.pattern = Canonical(value);
    rule.priority = rule.pattern.size();
    rule.anchored = rule.pattern.ends_with('$');
    if (rule.anchored) rule.pattern.pop_back();
    // "a**b" matches what "a*b" does; collapsing keeps "*" runs from costing anything later.
    rule.pattern.erase(std::unique(rule.pattern.begin(), rule.pattern.end(),
                                   [](char a, char b) { return a == '*' && b == '*'; }),
                       rule.pattern.end());
    robots.groups_.back().rules.push_back(std::move(rule));
  }
  return robots;
}

RobotsTxt RobotsTxt::AllowAll() { return RobotsTxt(); }

RobotsTxt RobotsTxt::DisallowAll() {
  RobotsTxt robots;
  Group& group = robots.groups_.emplace_back();
  group.global = true;
  group.rules.push_back(Rule{.allow = false, .priority = 1, .anchored = false, .pattern = "/"});
  return robots;
}

bool RobotsTxt::Allowed(std::string_view user_agent_token, std::string_view path) const {
  if (path.empty()) path = "/";
  // RFC 9309 §2.3: the robots.txt itself is implicitly allowed.
  if (path.substr(0, path.find('?')) == "/robots.txt") return true;

  const auto names_token = [user_agent_token](const Group& group) {
    return std::any_of(group.agents.begin(), group.agents.end(), [&](const std::string& agent) {
      return EqualsIgnoreCase(agent, user_agent_token);
    });
  };
  // Groups naming the token replace the "*" groups entirely, even when they have no rules.
  const bool specific =
      !user_agent_token.empty() && std::any_of(groups_.begin(), groups_.end(), names_token);

  const std::string canonical_path = Canonical(path);
  std::vector<std::size_t> scratch;
  bool matched = false;
  std::size_t best_priority = 0;
  bool best_allows = true;
  for (const Group& group : groups_) {
    if (specific ? !names_token(group) : !group.global) continue;
    for (const Rule& rule : group.rules) {
      // Skip the matching when the rule could not change the decision.
      if (matched && (rule.priority < best_priority ||
                      (rule.priority == best_priority && (best_allows || !rule.allow)))) {
        continue;
      }
      if (!Matches(rule.pattern, rule.anchored, canonical_path, scratch)) continue;
      matched = true;
      best_priority = rule.priority;
      best_allows = rule.allow;
    }
  }
  return !matched || best_allows;
}

}  // namespace img2dataset
