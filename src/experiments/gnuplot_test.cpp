#include "experiments/gnuplot.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "synetune/core/error.hpp"

namespace synetune::gnuplot {
namespace {
namespace fs = std::filesystem;

class Dir {
 public:
  Dir() {
    static int n = 0;
    path_ = fs::temp_directory_path() / ("synetune-gnuplot-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~Dir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Texts that each try a way out of a gnuplot string literal; `pwned` is the file that any of
// them creates if gnuplot runs it.
std::vector<std::string> hostile(const fs::path& pwned) {
  const std::string touch = "touch " + pwned.string();
  return {"plain",
          "it's",
          "a' . system('" + touch + "') . '",
          "a\" . system(\"" + touch + "\") . \"",
          "`" + touch + "`",
          "a\nsystem(\"" + touch + "\")\n",
          "a\r\nsystem(\"" + touch + "\")",
          "@PWN",
          "trailing backslash \\",
          "continued \\\nsystem(\"" + touch + "\")",
          "# not a comment; print 'x'",
          std::string("nul \0 byte", 10) + "\x01\x1b[31m\x7f",
          "''''",
          "'",
          "'leading and trailing'",
          "unicode: \xc3\xa9t\xc3\xa9 \xe2\x82\xac"};
}

TEST(GnuplotQuote, SingleQuotesSplicesQuotesAndBlanksControlCharacters) {
  EXPECT_EQ(quote(""), "''");
  EXPECT_EQ(quote("loss"), "'loss'");
  EXPECT_EQ(quote("it's"), R"(('it' . "'" . 's'))");
  EXPECT_EQ(quote("''"), R"(('' . "'" . '' . "'" . ''))");
  // Plain characters inside '...': no backslash escapes, no `...`, no @macros.
  EXPECT_EQ(quote("a\\b`c`@d\"e"), "'a\\b`c`@d\"e'");
  EXPECT_EQ(quote("a\nb\rc\td"), "'a b c d'");
  EXPECT_EQ(quote(std::string("x\0y\x7f", 4)), "'x y '");
  EXPECT_EQ(quote("\xc3\xa9"), "'\xc3\xa9'");
  EXPECT_EQ(one_line("a\nb\x1f"), "a b ");
}

TEST(GnuplotQuote, PlainFileNames) {
  for (const char* ok : {"plot.gp", "best_0.dat", "sklearn_mlp_digits.png", "a-b"})
    EXPECT_TRUE(is_plain_file_name(ok)) << ok;
  for (const char* bad : {"", "-e", ".hidden", "a/b", "../x", "a b", "a'b", "a\nb", "\xc3\xa9"})
    EXPECT_FALSE(is_plain_file_name(bad)) << bad;
  EXPECT_FALSE(is_plain_file_name(std::string(201, 'a')));
}

// The property that matters, checked on the real gnuplot: a quoted text comes back as the
// same text (control characters blanked) and runs nothing.
TEST(GnuplotQuote, RealGnuplotPrintsHostileTextVerbatimAndRunsNothing) {
  const fs::path exe = find_executable();
  if (exe.empty()) GTEST_SKIP() << "gnuplot not installed";
  Dir d;
  const fs::path pwned = d.path() / "pwned";
  std::ofstream gp(d.path() / "t.gp");
  // @PWN would expand to this macro if it were outside a literal.
  gp << "PWN = 'system(\"touch " << pwned.string() << "\")'\nset print 'out.txt'\n";
  std::string expected;
  for (const auto& s : hostile(pwned)) {
    gp << "print " << quote(s) << "\n";
    expected += one_line(s) + "\n";
  }
  gp.close();
  const RunResult r = run_script(exe, d.path(), "t.gp");
  EXPECT_EQ(r.exit_code, 0) << r.log;
  EXPECT_EQ(slurp(d.path() / "out.txt"), expected) << r.log;
  EXPECT_FALSE(fs::exists(pwned));
}

TEST(GnuplotQuote, RealGnuplotDrawsAPlotLabelledWithHostileText) {
  const fs::path exe = find_executable();
  if (exe.empty()) GTEST_SKIP() << "gnuplot not installed";
  Dir d;
  const fs::path pwned = d.path() / "pwned";
  std::ofstream(d.path() / "xy.dat") << "1 2\n2 3\n";
  std::ofstream gp(d.path() / "plot.gp");
  const auto texts = hostile(pwned);
  gp << "set terminal png noenhanced\nset output 'p.png'\n";
  for (const auto& s : texts) gp << "set title " << quote(s) << "\nset ylabel " << quote(s) << "\n";
  gp << "plot 'xy.dat' using 1:2 title " << quote(texts[2]) << "\n";
  gp.close();
  const RunResult r = run_script(exe, d.path(), "plot.gp");
  EXPECT_EQ(r.exit_code, 0) << r.log;
  EXPECT_EQ(slurp(d.path() / "p.png").substr(1, 3), "PNG") << r.log;
  EXPECT_FALSE(fs::exists(pwned));
}

TEST(GnuplotRun, RefusesScriptNamesThatAreNotPlain) {
  Dir d;
  for (const char* bad : {"-e", "../x.gp", "a b.gp", "x.gp\nsystem('id')"})
    EXPECT_THROW(run_script("/nonexistent/gnuplot", d.path(), bad), InvalidArgument) << bad;
  EXPECT_THROW(has_terminal("/nonexistent/gnuplot", d.path(), "png; system('id')"), InvalidArgument);
}

TEST(GnuplotRun, MissingExecutableIsAFailedRunNotACrash) {
  Dir d;
  std::ofstream(d.path() / "t.gp") << "print 1\n";
  EXPECT_EQ(run_script(d.path() / "no-gnuplot", d.path(), "t.gp").exit_code, -1);
}

TEST(GnuplotRun, FindsTheExecutableOnPathOnly) {
  Dir d;
  const char* old = std::getenv("PATH");
  const std::string saved = old ? old : "";
  ::setenv("PATH", d.path().c_str(), 1);
  EXPECT_TRUE(find_executable().empty());
  std::ofstream(d.path() / "gnuplot") << "#!/bin/sh\n";
  fs::permissions(d.path() / "gnuplot", fs::perms::owner_all);
  EXPECT_EQ(find_executable(), d.path() / "gnuplot");
  ::setenv("PATH", saved.c_str(), 1);
}

TEST(GnuplotRun, MoveFileReplacesTheTarget) {
  Dir d;
  std::ofstream(d.path() / "a") << "new";
  std::ofstream(d.path() / "b") << "old";
  move_file(d.path() / "a", d.path() / "b");
  EXPECT_EQ(slurp(d.path() / "b"), "new");
  EXPECT_FALSE(fs::exists(d.path() / "a"));
  EXPECT_THROW(move_file(d.path() / "a", d.path() / "b"), StorageError);
}

}  // namespace
}  // namespace synetune::gnuplot
