// Tells when a file changes, across processes (inotify on its folder). The embedded store's
// listeners use it on the store's change signal (storage.h EmbeddedChangeSignalPath), which
// every commit that makes work visible touches, in any process of the app (a `squall queue
// put`, an output of another instance): a waiting queue listener polls at once instead of
// after its back-off — milliseconds from put to invocation where Azure's polling takes up to a
// minute. Not the WAL itself: listeners' own takes and deletes write it thousands of times a
// second. A hint only: listeners still poll on their own.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>

#include "core/status.h"

namespace squall {

class EventLoop;

class FileChangeWatcher {
 public:
  // on_change runs on the loop after each batch of writes to `file` (created or modified).
  static StatusOr<std::unique_ptr<FileChangeWatcher>> Watch(EventLoop& loop,
                                                           const std::filesystem::path& file,
                                                           std::function<void()> on_change);
  ~FileChangeWatcher();

  struct Impl;

 private:
  explicit FileChangeWatcher(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace squall
