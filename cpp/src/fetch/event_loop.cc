#include "fetch/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

namespace img2dataset {

namespace {
constexpr int kMaxEvents = 256;
}  // namespace

EventLoop::~EventLoop() {
  if (wake_fd_ >= 0) close(wake_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

Status EventLoop::Init() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) {
    return Status::IOError(std::string("cannot create the network loop: ") + std::strerror(errno));
  }
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = wake_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event);
  return Status::OK();
}

void EventLoop::Watch(int fd, bool readable, bool writable, Handler* handler) {
  epoll_event event{};
  event.events = (readable ? uint32_t{EPOLLIN} : 0U) | (writable ? uint32_t{EPOLLOUT} : 0U);
  event.data.fd = fd;
  const bool known = handlers_.count(fd) > 0;
  handlers_[fd] = handler;
  // A descriptor number reused by another socket before we heard of the old one's removal is
  // "known" but not in the set, and the other way round: try the other operation.
  if (epoll_ctl(epoll_fd_, known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &event) != 0) {
    epoll_ctl(epoll_fd_, known ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &event);
  }
}

void EventLoop::Unwatch(int fd) {
  handlers_.erase(fd);
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

void EventLoop::Wait(int timeout_ms) {
  epoll_event events[kMaxEvents];
  const int n = epoll_wait(epoll_fd_, events, kMaxEvents, timeout_ms);
  for (int i = 0; i < n; ++i) {
    const int fd = events[i].data.fd;
    const uint32_t what = events[i].events;
    if (fd == wake_fd_) {
      uint64_t count = 0;
      [[maybe_unused]] const ssize_t read_bytes = read(wake_fd_, &count, sizeof(count));
      continue;
    }
    // Looked up for each event: a handler may unwatch descriptors of later events.
    const auto it = handlers_.find(fd);
    if (it == handlers_.end()) continue;
    it->second->OnReady(fd, (what & EPOLLIN) != 0, (what & EPOLLOUT) != 0,
                        (what & (EPOLLERR | EPOLLHUP)) != 0);
  }
}

void EventLoop::Wakeup() {
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = write(wake_fd_, &one, sizeof(one));
}

}  // namespace img2dataset
