#include "tuner/background_saver.hpp"

#include <exception>
#include <iostream>
#include <utility>

namespace synetune {

BackgroundSaver::~BackgroundSaver() {
  if (!thread_.joinable()) return;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    wait_idle(lock);  // the files the tuner was told are being saved do get saved
    closing_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

bool BackgroundSaver::submit(Job job) {
  Job replaced;  // destroyed outside the lock: it may own a large snapshot
  {
    std::lock_guard<std::mutex> lock(mutex_);
    replaced = std::exchange(pending_, std::move(job));
  }
  if (!thread_.joinable()) thread_ = std::thread([this] { work(); });
  changed_.notify_all();
  return !replaced;
}

void BackgroundSaver::run_now(const Job& job) {
  wait();
  job();
}

std::string BackgroundSaver::wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  wait_idle(lock);
  return std::exchange(error_, std::string());
}

bool BackgroundSaver::busy() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return running_ || pending_;
}

void BackgroundSaver::wait_idle(std::unique_lock<std::mutex>& lock) {
  changed_.wait(lock, [this] { return !running_ && !pending_; });
}

void BackgroundSaver::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return closing_ || pending_; });
    if (!pending_) return;  // closing, nothing left to save
    Job job = std::exchange(pending_, Job());
    running_ = true;
    lock.unlock();
    std::string error;
    try {
      job();
    } catch (const std::exception& e) {
      error = e.what();
    } catch (...) {
      error = "unknown error";
    }
    job = Job();  // its snapshot is freed here, not under the lock
    if (!error.empty())  // one write: lines of other threads do not cut into it
      std::cerr << ("[synetune] warning: a periodic save failed: " + error + "\n");
    lock.lock();
    running_ = false;
    if (!error.empty()) error_ = std::move(error);
    changed_.notify_all();
  }
}

}  // namespace synetune
