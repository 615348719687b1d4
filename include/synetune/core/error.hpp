#pragma once
/// Error model (see docs/architecture.md, "Errors"):
///  - programmer bugs (violated preconditions, broken invariants) -> SYNETUNE_CHECK, which
///    aborts (synetune/core/check.hpp);
///  - bad user input / configuration, unreadable or corrupt files -> exceptions derived from
///    `Error` below;
///  - expected runtime outcomes (trial failed, space exhausted) -> values, never exceptions.
#include <stdexcept>
#include <string>

namespace synetune {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
/// Invalid user input: a malformed config space, flag or option. The message names the
/// offending item and, where possible, how to fix it.
class InvalidArgument : public Error {
 public:
  using Error::Error;
};
/// Reading or writing experiment files failed (corrupt checkpoint, unwritable folder).
class StorageError : public Error {
 public:
  using Error::Error;
};
/// A backend could not do what it was asked (spawn failed, sbatch refused).
class BackendError : public Error {
 public:
  using Error::Error;
};

/// Collects every violated option constraint, so that one InvalidArgument names them all
/// (the user fixes them in one go instead of one per run).
class OptionErrors {
 public:
  void check(bool ok, const std::string& message) {
    if (!ok) errors_ += (errors_.empty() ? "" : "; ") + message;
  }
  /// Throws InvalidArgument("<context>: <messages>") if any check failed.
  void throw_if_any(const std::string& context) const {
    if (!errors_.empty()) throw InvalidArgument(context + ": " + errors_);
  }

 private:
  std::string errors_;
};

}  // namespace synetune
