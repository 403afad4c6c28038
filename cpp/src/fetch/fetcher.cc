#include "fetch/fetcher.h"

namespace img2dataset {

bool FetchResponse::transient() const {
  switch (error_class) {
    case ErrorClass::kDns:
    case ErrorClass::kConnect:
    case ErrorClass::kTimeout:
    case ErrorClass::kNetwork:
    case ErrorClass::kHttp5xx:
    case ErrorClass::kHttp429:
      return true;
    default:
      return false;
  }
}

}  // namespace img2dataset
