// robots.txt, the Robots Exclusion Protocol (RFC 9309): which paths of a host a crawler may fetch.
//
// A robots.txt is a list of groups. Each group opens with one or more `user-agent` lines naming
// the crawlers it applies to, followed by `allow`/`disallow` rules whose path patterns may hold
// '*' (any run of octets) and a final '$' (end of the path). A crawler obeys every group naming
// its product token, combined, or else every "*" group, or else nothing. Among the rules of the
// groups it obeys, the one whose pattern is longest (in octets) among those matching the path
// decides; allow wins a tie. Patterns and paths are compared in one canonical percent-encoding, so
// "/a%3cb", "/a%3Cb" and "/%61%3Cb" are the same path and a UTF-8 pattern matches its encoded form.
//
// The body is untrusted, so parsing never fails and is bounded: only the first 500 KiB are read
// (RFC 9309 §2.5; a line cut by that limit is dropped), each line is cut at 16,664 octets (as in
// Google's reference parser), and other lines that are not `key: value` with a known key are
// ignored. Matching one path is linear in the path times the number of rules plus the total
// pattern length, whatever the wildcards: no backtracking.
//
// Thread safety: immutable after construction; Allowed() may be called from any number of threads.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace img2dataset {

class RobotsTxt {
 public:
  // Octets of the body that are parsed; the rest is ignored (RFC 9309 §2.5 asks for at least
  // 500 KiB).
  static constexpr std::size_t kMaxBodyBytes = std::size_t{500} * 1024;
  // Octets of one line that are parsed; the rest of the line is ignored.
  static constexpr std::size_t kMaxLineBytes = std::size_t{2083} * 8;

  // Parses a robots.txt body. Never fails: lines that cannot be parsed are ignored.
  static RobotsTxt Parse(std::string_view body);

  // The rules when robots.txt could not be fetched. A 4xx ("unavailable") means everything is
  // allowed; a 5xx or a network failure ("unreachable") means everything is disallowed
  // (RFC 9309 §2.3.1.3, §2.3.1.4).
  static RobotsTxt AllowAll();
  static RobotsTxt DisallowAll();

  // True when a crawler with product token `user_agent_token` (e.g. "img2dataset", matched
  // case-insensitively; empty: only the "*" groups apply) may fetch `path`.
  // REQUIRES: `path` is the URL's path and, if any, "?" and query, starting with '/' (an empty
  // path means "/"); it may be percent-encoded or not.
  bool Allowed(std::string_view user_agent_token, std::string_view path) const;

 private:
  struct Rule {
    bool allow = false;
    // Octets of the canonical pattern, '*' and '$' included: the longest matching rule wins.
    std::size_t priority = 0;
    // True when the pattern ended in '$' (removed from `pattern`): the path must end where the
    // pattern does.
    bool anchored = false;
    // Canonical pattern: literal runs separated by single '*'s.
    std::string pattern;
  };

  struct Group {
    bool global = false;              // one of its user-agent lines is "*"
    std::vector<std::string> agents;  // lower-cased product tokens of its user-agent lines
    std::vector<Rule> rules;
  };

  std::vector<Group> groups_;
};

}  // namespace img2dataset
