// Small ASCII string helpers shared by the parsers of headers, URLs and metadata.
//
// Thread safety: free functions.
#pragma once

#include <string>
#include <string_view>

namespace img2dataset {

// Without leading and trailing spaces, tabs, CR and LF.
std::string_view TrimWhitespace(std::string_view s);

// ASCII lower case; other bytes (UTF-8) unchanged.
char AsciiLower(char c);
std::string AsciiLower(std::string_view s);

// Lower-cased copy without surrounding whitespace: how directive names and tokens compare.
inline std::string TrimLower(std::string_view s) { return AsciiLower(TrimWhitespace(s)); }

// True when `s` starts with `lower_prefix` ignoring ASCII case.
// REQUIRES: lower_prefix is lower case
bool StartsWithNoCase(std::string_view s, std::string_view lower_prefix);

// Equal ignoring ASCII case (hex digests, for example).
bool EqualsNoCase(std::string_view a, std::string_view b);

}  // namespace img2dataset
