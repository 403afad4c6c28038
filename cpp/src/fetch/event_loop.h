// The descriptors the network thread waits on: an epoll set, and an eventfd that wakes it from
// any thread. Each watched descriptor has a handler (libcurl's sockets the transport, c-ares's
// the resolver) that is told what became ready; the loop itself decides nothing.
//
// Thread safety: Wakeup from any thread; everything else from the network thread.
#pragma once

#include <unordered_map>

#include "img2dataset/status.h"

namespace img2dataset {

class EventLoop {
 public:
  class Handler {
   public:
    virtual ~Handler() = default;
    // `error`: an error or hang-up (the socket should be read or written to learn which).
    virtual void OnReady(int fd, bool readable, bool writable, bool error) = 0;
  };

  EventLoop() = default;
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  Status Init();

  // Watches `fd` for the given readiness (replacing what it was watched for), telling `handler`.
  void Watch(int fd, bool readable, bool writable, Handler* handler);
  void Unwatch(int fd);

  // Waits up to `timeout_ms` for descriptors to become ready, or for Wakeup, and tells their
  // handlers.
  void Wait(int timeout_ms);

  void Wakeup();

 private:
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::unordered_map<int, Handler*> handlers_;
};

}  // namespace img2dataset
