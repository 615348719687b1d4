#pragma once
/// Header-only checkpoint helpers for C++ training programs, the counterpart of Syne Tune's
/// `syne_tune/utils/checkpoint.py`: the backend passes `--st_checkpoint_dir <dir>`; the program
/// saves `{"st_resource": epoch, "state": ...}` there and, when resumed (same folder, or a copy
/// of another trial's folder for PBT), continues after the saved epoch.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "synetune/core/error.hpp"
#include "synetune/core/json.hpp"

namespace synetune {

/// File name inside the checkpoint folder (same name and layout as the Python helper
/// `syne_tune.utils.checkpoint`'s JSON fallback).
inline constexpr const char* kCheckpointFileName = "checkpoint.json";

/// Value of `--st_checkpoint_dir <dir>` or `--st_checkpoint_dir=<dir>` in argv; nullopt when
/// absent (program run by hand: no checkpointing).
inline std::optional<std::filesystem::path> parse_checkpoint_dir(int argc, const char* const* argv) {
  constexpr std::string_view flag = "--st_checkpoint_dir";
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == flag && i + 1 < argc) return std::filesystem::path(argv[i + 1]);
    if (a.size() > flag.size() && a.substr(0, flag.size()) == flag && a[flag.size()] == '=')
      return std::filesystem::path(std::string(a.substr(flag.size() + 1)));
  }
  return std::nullopt;
}
inline std::optional<std::filesystem::path> parse_checkpoint_dir(int argc, char** argv) {
  return parse_checkpoint_dir(argc, const_cast<const char* const*>(argv));
}

/// The whole checkpoint document, or nullopt when there is none or it is unreadable (a
/// half-written checkpoint means "start from scratch", as in Syne Tune).
inline std::optional<Json> load_checkpoint(const std::filesystem::path& dir) {
  std::ifstream in(dir / kCheckpointFileName);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  Json j = Json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("st_resource")) return std::nullopt;
  return j;
}

/// Epoch (resource) of the last checkpoint in `dir`, 0 if none.
inline int load_checkpoint_epoch(const std::filesystem::path& dir) {
  auto j = load_checkpoint(dir);
  if (!j || !(*j)["st_resource"].is_number()) return 0;
  return (*j)["st_resource"].get<int>();
}

/// The `state` saved with the last checkpoint (null if none).
inline Json load_checkpoint_state(const std::filesystem::path& dir) {
  auto j = load_checkpoint(dir);
  if (!j || !j->contains("state")) return Json();
  return (*j)["state"];
}

/// Saves `epoch` and `state` into `dir` (created if needed). Written to a temporary file and
/// renamed, so a trial killed mid-write leaves the previous checkpoint intact.
inline void save_checkpoint(const std::filesystem::path& dir, int epoch, const Json& state) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  Json doc = Json::object();
  doc["st_resource"] = epoch;
  doc["state"] = state;
  const auto tmp = dir / (std::string(kCheckpointFileName) + ".tmp");
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) throw StorageError("cannot write checkpoint file " + tmp.string());
    out << doc.dump();
    if (!out.flush()) throw StorageError("cannot write checkpoint file " + tmp.string());
  }
  std::filesystem::rename(tmp, dir / kCheckpointFileName, ec);
  if (ec) throw StorageError("cannot rename checkpoint into " + dir.string() + ": " + ec.message());
}

}  // namespace synetune
