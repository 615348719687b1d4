#pragma once
/// SYNETUNE_CHECK: the first of the three error channels (see docs/architecture.md, "Errors").
///
///   SYNETUNE_CHECK(rec != nullptr) << "trial " << id << " is not in the table";
///   SYNETUNE_CHECK_EQ(a.size(), b.size()) << "one value per row";
///
/// For conditions that only a programmer bug can break (a violated precondition of a call, an
/// invariant of a data structure), never for user input or runtime outcomes: on failure it
/// prints `file:line: check failed: <condition> (<values>) <message>` to stderr and calls
/// std::abort(), so that the bug is found where it happens, with a core dump, instead of being
/// caught and reported far away as if the user had done something wrong. (Bad input throws a
/// synetune::Error; an expected outcome, such as a failed trial, is a value.)
///
/// Checks are always on (not only in debug builds): they guard cheap conditions, and a silent
/// wrong state costs more than the test. The streamed message is evaluated only on failure.
#include <cstdlib>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

namespace synetune::check_detail {

/// Collects the message of a failed check; its destructor prints it and aborts.
class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition) {
    stream_ << file << ":" << line << ": check failed: " << condition << " ";
  }
  CheckFailure(const CheckFailure&) = delete;
  CheckFailure& operator=(const CheckFailure&) = delete;
  [[noreturn]] ~CheckFailure() {
    std::cerr << stream_.str() << std::endl;
    std::abort();
  }
  std::ostream& stream() { return stream_; }

 private:
  std::ostringstream stream_;
};

/// Gives the conditional operator of SYNETUNE_CHECK a void type on both branches: `&` binds
/// less tightly than `<<`, so the whole streamed message is its right operand.
struct Voidify {
  void operator&(std::ostream&) {}
};

/// nullopt when `op(a, b)` holds, else "(a vs b)" for the message of a failed CHECK_OP.
template <typename A, typename B, typename Op>
std::optional<std::string> failed_comparison(const A& a, const B& b, Op op) {
  if (op(a, b)) return std::nullopt;
  std::ostringstream s;
  s << "(" << a << " vs " << b << ")";
  return s.str();
}

}  // namespace synetune::check_detail

/// Aborts with file, line, the condition and the streamed message when `condition` is false.
#define SYNETUNE_CHECK(condition)                                      \
  (condition) ? (void)0                                                \
              : ::synetune::check_detail::Voidify() &                  \
                    ::synetune::check_detail::CheckFailure(__FILE__, __LINE__, #condition).stream()

// The operands are evaluated once, their values printed on failure (they need operator<<).
// A `while` whose body never returns: unlike an `if`, it cannot capture a following `else`.
#define SYNETUNE_CHECK_OP_(a, b, op)                                                          \
  while (const std::optional<std::string> synetune_check_values_ =                            \
             ::synetune::check_detail::failed_comparison(                                     \
                 (a), (b), [](const auto& x, const auto& y) { return x op y; }))              \
  ::synetune::check_detail::CheckFailure(__FILE__, __LINE__, #a " " #op " " #b).stream()      \
      << *synetune_check_values_ << " "

/// SYNETUNE_CHECK(a == b), printing both values on failure.
#define SYNETUNE_CHECK_EQ(a, b) SYNETUNE_CHECK_OP_(a, b, ==)
/// SYNETUNE_CHECK(a != b), printing both values on failure.
#define SYNETUNE_CHECK_NE(a, b) SYNETUNE_CHECK_OP_(a, b, !=)
/// SYNETUNE_CHECK(a < b), printing both values on failure.
#define SYNETUNE_CHECK_LT(a, b) SYNETUNE_CHECK_OP_(a, b, <)
/// SYNETUNE_CHECK(a <= b), printing both values on failure.
#define SYNETUNE_CHECK_LE(a, b) SYNETUNE_CHECK_OP_(a, b, <=)
/// SYNETUNE_CHECK(a > b), printing both values on failure.
#define SYNETUNE_CHECK_GT(a, b) SYNETUNE_CHECK_OP_(a, b, >)
/// SYNETUNE_CHECK(a >= b), printing both values on failure.
#define SYNETUNE_CHECK_GE(a, b) SYNETUNE_CHECK_OP_(a, b, >=)
