#include "fetch/opt_out.h"

#include <algorithm>

#include "util/strings.h"

namespace img2dataset {

OptOutPolicy::OptOutPolicy(const std::vector<std::string>& disallowed_directives,
                           std::string_view user_agent_token)
    : user_agent_token_(TrimLower(user_agent_token)) {
  for (const std::string& directive : disallowed_directives) {
    std::string normalised = TrimLower(directive);
    if (!normalised.empty()) disallowed_.push_back(std::move(normalised));
  }
}

bool OptOutPolicy::Disallows(std::string_view header_value) const {
  if (!enabled()) return false;
  std::string_view directives = header_value;
  const auto colon = header_value.find(':');
  if (colon != std::string_view::npos) {
    const std::string agent = TrimLower(header_value.substr(0, colon));
    if (user_agent_token_.empty() || agent != user_agent_token_) return false;
    directives = header_value.substr(colon + 1);
  }
  while (!directives.empty()) {
    const auto comma = directives.find(',');
    const std::string directive = TrimLower(directives.substr(0, comma));
    if (std::find(disallowed_.begin(), disallowed_.end(), directive) != disallowed_.end()) {
      return true;
    }
    if (comma == std::string_view::npos) break;
    directives.remove_prefix(comma + 1);
  }
  return false;
}

std::string UserAgent(std::string_view user_agent_token) {
  std::string agent =
      "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:72.0) Gecko/20100101 Firefox/72.0";
  const std::string token = TrimLower(user_agent_token);
  if (!token.empty()) {
    agent += " (compatible; " + token + "; +https://github.com/rom1504/img2dataset)";
  }
  return agent;
}

}  // namespace img2dataset
