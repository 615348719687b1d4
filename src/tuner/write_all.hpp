#pragma once
// write(2) until all of `data` is written (a write may be partial or interrupted).
#include <unistd.h>

#include <cerrno>
#include <cstddef>

namespace synetune {

/// True once every byte is written; false on an error (errno says which).
inline bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace synetune
