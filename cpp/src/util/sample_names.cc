#include "img2dataset/sample.h"

namespace img2dataset {

const char* SampleStatusName(SampleStatus status) {
  switch (status) {
    case SampleStatus::kSuccess:
      return "success";
    case SampleStatus::kFailedToDownload:
      return "failed_to_download";
    case SampleStatus::kFailedToResize:
      return "failed_to_resize";
  }
  return "failed_to_download";
}

const char* ErrorClassName(ErrorClass error_class) {
  switch (error_class) {
    case ErrorClass::kNone:
      return "";
    case ErrorClass::kInvalidUrl:
      return "invalid_url";
    case ErrorClass::kDns:
      return "dns";
    case ErrorClass::kConnect:
      return "connect";
    case ErrorClass::kTls:
      return "tls";
    case ErrorClass::kTimeout:
      return "timeout";
    case ErrorClass::kRedirectLoop:
      return "redirect_loop";
    case ErrorClass::kBlockedAddress:
      return "blocked_address";
    case ErrorClass::kRobotsTxt:
      return "robots_txt";
    case ErrorClass::kHashMismatch:
      return "hash_mismatch";
    case ErrorClass::kHttp4xx:
      return "http_4xx";
    case ErrorClass::kHttp429:
      return "http_429";
    case ErrorClass::kHttp5xx:
      return "http_5xx";
    case ErrorClass::kNetwork:
      return "network";
    case ErrorClass::kTooLarge:
      return "too_large";
    case ErrorClass::kOptedOut:
      return "opted_out";
    case ErrorClass::kDecode:
      return "decode";
    case ErrorClass::kFiltered:
      return "filtered";
    case ErrorClass::kEncode:
      return "encode";
    case ErrorClass::kInvalidBbox:
      return "invalid_bbox";
    case ErrorClass::kUnsupportedFormat:
      return "unsupported_format";
  }
  return "";
}

}  // namespace img2dataset
