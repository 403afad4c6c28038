// Status and Result<T>: how the engine reports run-level errors across module boundaries.
//
// Thread safety: Status and Result are values; distinct objects may be used from distinct threads
// freely, a shared one only for reading.
//
// A sample-level failure (404, undecodable image) is NOT a Status: it is data, carried by
// SampleResult. Status is for problems that stop a shard: an unwritable staging directory, an
// invalid option that slipped past the Python validation, a broken Arrow input.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace img2dataset {

enum class StatusCode { kOk, kInvalid, kIOError, kNotFound, kUnsupported, kCancelled, kInternal };

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK

  static Status OK() { return {}; }
  static Status Invalid(std::string msg) { return {StatusCode::kInvalid, std::move(msg)}; }
  static Status IOError(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status Unsupported(std::string msg) { return {StatusCode::kUnsupported, std::move(msg)}; }
  static Status Cancelled(std::string msg) { return {StatusCode::kCancelled, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "IOError: cannot open /x: No such file or directory", or "OK".
  std::string ToString() const;

 private:
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!status_.ok() && "a Result holding a Status must hold an error");
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

  // REQUIRES: ok()
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace img2dataset

#define IMG2DATASET_CONCAT_INNER(a, b) a##b
#define IMG2DATASET_CONCAT(a, b) IMG2DATASET_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function if `expr` is not OK.
#define RETURN_NOT_OK(expr)             \
  do {                                  \
    ::img2dataset::Status _st = (expr); \
    if (!_st.ok()) return _st;          \
  } while (false)

// `lhs` may be a declaration ("auto x"), so it cannot be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)

// `ASSIGN_OR_RETURN(auto x, MakeX());` — declares x from a Result, or returns its error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(IMG2DATASET_CONCAT(_result_, __LINE__), lhs, expr)
