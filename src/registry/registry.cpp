#include "synetune/registry.hpp"

#include <functional>
#include <map>

#include "synetune/core/error.hpp"

namespace synetune {
namespace {

using Factory = std::function<std::unique_ptr<Scheduler>(const MethodSpec&)>;
struct Entry {
  std::string name;
  std::string description;
  Factory factory;
};

// Each scheduler family adds its entries here (one line per short name).
const std::vector<Entry>& entries() {
  static const std::vector<Entry> kEntries = {
  };
  return kEntries;
}

}  // namespace

std::unique_ptr<Scheduler> make_scheduler(const std::string& method, const MethodSpec& spec) {
  for (const auto& e : entries())
    if (e.name == method) return e.factory(spec);
  std::string known;
  for (const auto& e : entries()) known += (known.empty() ? "" : ", ") + e.name;
  throw InvalidArgument("unknown method '" + method + "'; known methods: " + known);
}

std::vector<std::pair<std::string, std::string>> method_names() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : entries()) out.emplace_back(e.name, e.description);
  return out;
}

}  // namespace synetune
