#include "util/hash.h"

#include <openssl/evp.h>

#include <cassert>

namespace img2dataset {

namespace {
const EVP_MD* Digest(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kMd5:
      return EVP_md5();
    case HashAlgorithm::kSha256:
      return EVP_sha256();
    case HashAlgorithm::kSha512:
      return EVP_sha512();
    case HashAlgorithm::kNone:
      break;
  }
  return nullptr;
}

std::string Hex(const unsigned char* digest, unsigned int length) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(size_t{2} * length, '\0');
  for (size_t i = 0; i < length; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return hex;
}

}  // namespace

std::string HexDigest(HashAlgorithm algorithm, std::string_view bytes) {
  const EVP_MD* md = Digest(algorithm);
  assert(md != nullptr);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, md, nullptr);
  return Hex(digest, length);
}

StreamingDigest::StreamingDigest(HashAlgorithm algorithm)
    : algorithm_(algorithm), context_(EVP_MD_CTX_new()) {
  Reset();
}

StreamingDigest::~StreamingDigest() { EVP_MD_CTX_free(context_); }

void StreamingDigest::Reset() { EVP_DigestInit_ex(context_, Digest(algorithm_), nullptr); }

void StreamingDigest::Update(std::string_view bytes) {
  EVP_DigestUpdate(context_, bytes.data(), bytes.size());
}

std::string StreamingDigest::HexFinal() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context_, digest, &length);
  return Hex(digest, length);
}

}  // namespace img2dataset
