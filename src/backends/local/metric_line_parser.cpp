#include "backends/local/metric_line_parser.hpp"

#include <cstring>

namespace synetune::local {
namespace {
constexpr std::string_view kTag = "[tune-metric]: ";
}

void MetricLineParser::parse_line(std::string_view line, std::vector<Json>& metrics,
                                  std::vector<std::string>& warnings) const {
  const std::size_t pos = line.find(kTag);
  if (pos == std::string_view::npos) return;
  std::string_view body = line.substr(pos + kTag.size());
  const std::size_t close = body.rfind('}');
  if (body.empty() || body[0] != '{' || close == std::string_view::npos) {
    warnings.emplace_back("skipped a metric line that holds no JSON object");
    return;
  }
  try {
    Json j = parse_json_lenient(body.substr(0, close + 1));
    if (j.is_object()) metrics.push_back(std::move(j));
    else warnings.emplace_back("skipped a metric line whose JSON is not an object");
  } catch (const std::exception& e) {
    warnings.emplace_back(std::string("skipped a malformed metric line (") + e.what() + ")");
  }
}

void MetricLineParser::feed(std::string_view data, std::vector<Json>& metrics,
                            std::vector<std::string>& warnings) {
  while (!data.empty()) {
    const std::size_t nl = data.find('\n');
    const std::string_view seg = data.substr(0, nl);
    if (!overlong_ && partial_.size() + seg.size() > kMaxLineBytes) {
      overlong_ = true;
      overlong_metric_ = (partial_ + std::string(seg.substr(0, 64))).find("[tune-metric]") !=
                         std::string::npos;
      partial_.clear();
    }
    if (nl == std::string_view::npos) {
      if (!overlong_) partial_.append(seg);
      return;
    }
    if (overlong_) {
      if (overlong_metric_) warnings.emplace_back("skipped a metric line longer than 50000 bytes");
      overlong_ = overlong_metric_ = false;
    } else if (partial_.empty()) {
      parse_line(seg, metrics, warnings);  // common case: the whole line is in this chunk
    } else {
      partial_.append(seg);
      parse_line(partial_, metrics, warnings);
      partial_.clear();
    }
    data.remove_prefix(nl + 1);
  }
}

void MetricLineParser::finish(std::vector<Json>& metrics, std::vector<std::string>& warnings) {
  if (!overlong_ && !partial_.empty()) parse_line(partial_, metrics, warnings);
  partial_.clear();
  overlong_ = overlong_metric_ = false;
}

}  // namespace synetune::local
