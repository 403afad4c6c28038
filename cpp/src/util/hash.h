// Digests of downloaded bytes (OpenSSL EVP).
//
// Thread safety: free functions, safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "img2dataset/options.h"

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace img2dataset {

// Lowercase hex digest of `bytes`. REQUIRES: algorithm != HashAlgorithm::kNone
std::string HexDigest(HashAlgorithm algorithm, std::string_view bytes);

// A digest fed piece by piece, as a body streams in.
class StreamingDigest {
 public:
  // REQUIRES: algorithm != HashAlgorithm::kNone
  explicit StreamingDigest(HashAlgorithm algorithm);
  ~StreamingDigest();
  StreamingDigest(const StreamingDigest&) = delete;
  StreamingDigest& operator=(const StreamingDigest&) = delete;

  void Reset();  // starts over, for a new attempt or redirect hop
  void Update(std::string_view bytes);
  std::string HexFinal();  // lowercase hex; then Reset() before reuse

 private:
  HashAlgorithm algorithm_;
  ::evp_md_ctx_st* context_;  // OpenSSL's EVP_MD_CTX
};

}  // namespace img2dataset
