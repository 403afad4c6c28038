// Digests of downloaded bytes (OpenSSL EVP).
//
// Thread safety: free functions, safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "img2dataset/options.h"

namespace img2dataset {

// Lowercase hex digest of `bytes`. REQUIRES: algorithm != HashAlgorithm::kNone
std::string HexDigest(HashAlgorithm algorithm, std::string_view bytes);

}  // namespace img2dataset
