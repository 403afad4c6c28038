// The limits of one request, as FetchOptions defines them (0 means "timeout_s" or a multiple).
#pragma once

#include <string>

#include "img2dataset/options.h"

namespace img2dataset {

inline double ConnectTimeoutS(const FetchOptions& o) {
  return o.connect_timeout_s > 0 ? o.connect_timeout_s : o.timeout_s;
}
inline double FirstByteTimeoutS(const FetchOptions& o) {
  return o.first_byte_timeout_s > 0 ? o.first_byte_timeout_s : o.timeout_s;
}
// The whole request, redirects included.
inline double TotalTimeoutS(const FetchOptions& o) {
  return o.total_timeout_s > 0 ? o.total_timeout_s
                               : o.timeout_s * FetchOptions::kTotalDeadlineFactor;
}

// "2.5" for messages: the shortest form of a number of seconds.
std::string FormatSeconds(double seconds);

}  // namespace img2dataset
