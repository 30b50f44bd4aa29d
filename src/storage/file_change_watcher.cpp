#include "storage/file_change_watcher.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstring>
#include <mutex>

#include "core/asio_context.h"

namespace squall {

struct FileChangeWatcher::Impl : std::enable_shared_from_this<FileChangeWatcher::Impl> {
  Impl(EventLoop& loop, int fd) : stream(AsioContext(loop), fd) {}
  boost::asio::posix::stream_descriptor stream;
  std::string name;
  std::mutex mu;  // on_change is cleared by the destructor while a handler may run
  std::function<void()> on_change;
  std::array<char, 4096> buffer{};

  void Read() {
    auto self = shared_from_this();
    stream.async_read_some(boost::asio::buffer(buffer),
                           [self](boost::system::error_code ec, std::size_t n) {
                             if (ec) return;  // closed
                             bool ours = false;
                             std::size_t off = 0;
                             while (off + sizeof(inotify_event) <= n) {
                               inotify_event ev;
                               std::memcpy(&ev, self->buffer.data() + off, sizeof ev);
                               const char* entry = self->buffer.data() + off + sizeof ev;
                               if (ev.len > 0 && self->name == entry) ours = true;
                               off += sizeof ev + ev.len;
                             }
                             if (ours) {
                               std::lock_guard lock(self->mu);
                               try {
                                 if (self->on_change) self->on_change();
                               } catch (...) {
                                 // A hint must never take the loop down.
                               }
                             }
                             self->Read();
                           });
  }
};

StatusOr<std::unique_ptr<FileChangeWatcher>> FileChangeWatcher::Watch(
    EventLoop& loop, const std::filesystem::path& file, std::function<void()> on_change) {
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return Unavailable(std::string("inotify: ") + std::strerror(errno));
  std::filesystem::path dir = file.parent_path();
  if (inotify_add_watch(fd, dir.c_str(), IN_MODIFY | IN_CREATE | IN_CLOSE_WRITE) < 0) {
    int err = errno;
    ::close(fd);
    return Unavailable("cannot watch " + dir.string() + ": " + std::strerror(err));
  }
  auto impl = std::make_shared<Impl>(loop, fd);
  impl->name = file.filename().string();
  impl->on_change = std::move(on_change);
  impl->Read();
  return std::unique_ptr<FileChangeWatcher>(new FileChangeWatcher(std::move(impl)));
}

FileChangeWatcher::~FileChangeWatcher() {
  boost::system::error_code ec;
  std::lock_guard lock(impl_->mu);
  impl_->on_change = nullptr;
  impl_->stream.close(ec);
}

}  // namespace squall
