#include "synetune/backends/local_backend.hpp"
#include "synetune/reporter.hpp"

namespace synetune {

std::string format_cli_value(const Json& value) {
  switch (value.type()) {
    case Json::value_t::string:
      return value.get<std::string>();
    case Json::value_t::boolean:
      return value.get<bool>() ? "True" : "False";
    case Json::value_t::null:
      return "None";
    case Json::value_t::number_float:
      return python_float_repr(value.get<double>());
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return value.dump();
    default:  // lists and objects: compact JSON, one argv element (Syne Tune's repr breaks)
      return dump_json_python(value);
  }
}

}  // namespace synetune
