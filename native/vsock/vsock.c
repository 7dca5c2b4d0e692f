// fastgrpc vsock addon: creates AF_VSOCK sockets and hands their file descriptors to JavaScript, which wraps them
// in libuv stream handles (src/transport/vsock-handle.ts). No I/O happens here; all reads and writes stay in libuv.
//
//   listen(cid, port, backlog) -> fd                      bound + listening, non-blocking, close-on-exec
//   connect(cid, port, timeoutMs, cb) -> fd               non-blocking connect; cb(err | null) once when it ends
//   cancelConnect(fd) -> boolean                          abandons a pending connect (closes the fd, no callback)
//   sockName(fd) / peerName(fd) -> { cid, port }
//   localCid() -> number                                  IOCTL_VM_SOCKETS_GET_LOCAL_CID on /dev/vsock
//   probe()                                               throws EAFNOSUPPORT when the kernel has no vsock
//   close(fd)
// Every failure is thrown (or passed to cb) as an Error with .code = errno name, .errno = -errno, .syscall.
// Written for fastgrpc after the measured prototype in ../shared/vsock-vm/addon (which only ran in the test VM).
#define _GNU_SOURCE
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>
#include <uv.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <linux/vm_sockets.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SO_VM_SOCKETS_CONNECT_TIMEOUT
#define SO_VM_SOCKETS_CONNECT_TIMEOUT 6
#endif

// ---------------------------------------------------------------------------------------------------- errors

static void cid_text(uint32_t cid, char *buf, size_t len) {
  if (cid == VMADDR_CID_ANY) snprintf(buf, len, "any");
  else snprintf(buf, len, "%u", cid);
}

// An Error like Node's own system errors: "connect ECONNRESET vsock:1:5000", code, errno (negative), syscall.
static napi_value make_error(napi_env env, const char *syscall, int err, const char *detail) {
  char code[64];
  uv_err_name_r(-err, code, sizeof code);
  if (strncmp(code, "Unknown", 7) == 0) snprintf(code, sizeof code, "ERRNO_%d", err);
  char msg[320];
  snprintf(msg, sizeof msg, "%s %s%s%s (%s)", syscall, code, detail ? " " : "", detail ? detail : "", strerror(err));
  napi_value m, c, e, n, s;
  if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &m) != napi_ok) return NULL;
  if (napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &c) != napi_ok) return NULL;
  if (napi_create_error(env, c, m, &e) != napi_ok) return NULL;
  if (napi_create_int32(env, -err, &n) == napi_ok) napi_set_named_property(env, e, "errno", n);
  if (napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &s) == napi_ok) napi_set_named_property(env, e, "syscall", s);
  return e;
}

static napi_value throw_errno(napi_env env, const char *syscall, int err, const char *detail) {
  napi_value e = make_error(env, syscall, err, detail);
  if (e) napi_throw(env, e);
  else napi_throw_error(env, NULL, syscall);
  return NULL;
}

// ---------------------------------------------------------------------------------------------------- arguments

// Reads argv[i] as a uint32; throws a TypeError naming `usage` and returns 0 when it is not a number in range.
static int arg_u32(napi_env env, napi_value *argv, size_t argc, size_t i, const char *usage, uint32_t *out) {
  napi_valuetype t;
  double d;
  if (i >= argc || napi_typeof(env, argv[i], &t) != napi_ok || t != napi_number ||
      napi_get_value_double(env, argv[i], &d) != napi_ok || !(d >= 0 && d <= 4294967295.0) || d != (double)(uint32_t)d) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", usage);
    return 0;
  }
  *out = (uint32_t)d;
  return 1;
}

static int arg_fd(napi_env env, napi_value *argv, size_t argc, const char *usage, int *fd) {
  uint32_t v;
  if (!arg_u32(env, argv, argc, 0, usage, &v)) return 0;
  if (v > INT32_MAX) { napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", usage); return 0; }
  *fd = (int)v;
  return 1;
}

#define GET_ARGS(n)                                                                        \
  size_t argc = (n);                                                                       \
  napi_value argv[(n)];                                                                    \
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {                   \
    napi_throw_error(env, NULL, "vsock: cannot read arguments");                           \
    return NULL;                                                                           \
  }

static void vm_addr(struct sockaddr_vm *a, uint32_t cid, uint32_t port) {
  memset(a, 0, sizeof *a);
  a->svm_family = AF_VSOCK;
  a->svm_cid = cid;
  a->svm_port = port;
}

static napi_value u32_value(napi_env env, uint32_t v) {
  napi_value r;
  return napi_create_uint32(env, v, &r) == napi_ok ? r : NULL;
}

// ---------------------------------------------------------------------------------------------------- listen

static napi_value Listen(napi_env env, napi_callback_info info) {
  GET_ARGS(3);
  const char *usage = "listen(cid: uint32, port: uint32, backlog: uint32)";
  uint32_t cid, port, backlog;
  if (!arg_u32(env, argv, argc, 0, usage, &cid) || !arg_u32(env, argv, argc, 1, usage, &port) ||
      !arg_u32(env, argv, argc, 2, usage, &backlog))
    return NULL;
  char where[64], c[16];
  cid_text(cid, c, sizeof c);
  snprintf(where, sizeof where, "vsock:%s:%u", c, port);
  int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return throw_errno(env, "socket", errno, where);
  struct sockaddr_vm a;
  vm_addr(&a, cid, port);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, "bind", e, where);
  }
  if (listen(fd, backlog > INT32_MAX ? INT32_MAX : (int)backlog) < 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, "listen", e, where);
  }
  return u32_value(env, (uint32_t)fd);
}

// ---------------------------------------------------------------------------------------------------- connect

// One pending non-blocking connect. The uv_poll watches the fd for writability; the timer enforces the timeout.
// The JS callback runs only after both handles are closed: closing a uv_poll removes its fd from epoll, which
// must happen before JS opens a Pipe handle on the same fd.
typedef struct conn_req {
  uv_poll_t poll;
  uv_timer_t timer;
  napi_env env;
  napi_ref cb;
  napi_async_context ctx;
  struct addon_state *state;
  struct conn_req *next;
  int fd;
  int err;
  int open_handles;
  int finished;
  int report;  // call the JS callback (0 after cancelConnect or environment teardown)
  char where[48];
} conn_req;

typedef struct addon_state {
  conn_req *pending;
} addon_state;

static void unlink_req(conn_req *r) {
  for (conn_req **p = &r->state->pending; *p; p = &(*p)->next) {
    if (*p == r) { *p = r->next; break; }
  }
  r->next = NULL;
}

static void release_js(conn_req *r) {
  if (r->cb) { napi_delete_reference(r->env, r->cb); r->cb = NULL; }
  if (r->ctx) { napi_async_destroy(r->env, r->ctx); r->ctx = NULL; }
}

static void report(conn_req *r) {
  napi_env env = r->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, recv, arg;
  // napi_make_callback (not napi_call_function): runs the microtask queue and async hooks like any libuv callback.
  // Its receiver must be an object.
  if (napi_get_reference_value(env, r->cb, &cb) == napi_ok && cb && napi_get_global(env, &recv) == napi_ok) {
    if (r->err) arg = make_error(env, "connect", r->err, r->where);
    else napi_get_null(env, &arg);
    if (arg && napi_make_callback(env, r->ctx, recv, cb, 1, &arg, NULL) == napi_pending_exception) {
      napi_value ex;
      if (napi_get_and_clear_last_exception(env, &ex) == napi_ok) napi_fatal_exception(env, ex);
    }
  }
  napi_close_handle_scope(env, scope);
}

static void on_handle_closed(uv_handle_t *h) {
  conn_req *r = h->data;
  if (--r->open_handles > 0) return;
  if (r->report) report(r);
  release_js(r);
  free(r);
}

static void finish(conn_req *r, int err) {
  if (r->finished) return;
  r->finished = 1;
  r->err = err;
  unlink_req(r);
  // uv_close on the poll stops it and removes the fd from epoll right now; only then may the fd be closed.
  uv_close((uv_handle_t *)&r->poll, on_handle_closed);
  uv_close((uv_handle_t *)&r->timer, on_handle_closed);
  if (err || !r->report) { close(r->fd); r->fd = -1; }
}

static void on_writable(uv_poll_t *h, int status, int events) {
  (void)events;
  conn_req *r = h->data;
  int soerr = 0;
  socklen_t len = sizeof soerr;
  // POLLERR arrives as status UV_EBADF: the socket's own error (SO_ERROR) says what really happened.
  if (getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0) soerr = errno;
  if (!soerr && status < 0) soerr = -status;
  if (!soerr) {
    struct sockaddr_vm a;
    socklen_t l = sizeof a;
    if (getpeername(r->fd, (struct sockaddr *)&a, &l) < 0) {
      if (errno != ENOTCONN) soerr = errno;
      else return;  // not connected yet and no error: keep waiting (the timer still runs)
    }
  }
  finish(r, soerr);
}

static void on_timeout(uv_timer_t *t) { finish(t->data, ETIMEDOUT); }

static napi_value Connect(napi_env env, napi_callback_info info) {
  GET_ARGS(4);
  const char *usage = "connect(cid: uint32, port: uint32, timeoutMs: uint32, callback: (err) => void)";
  uint32_t cid, port, timeout_ms;
  napi_valuetype t;
  if (!arg_u32(env, argv, argc, 0, usage, &cid) || !arg_u32(env, argv, argc, 1, usage, &port) ||
      !arg_u32(env, argv, argc, 2, usage, &timeout_ms))
    return NULL;
  if (argc < 4 || napi_typeof(env, argv[3], &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", usage);
    return NULL;
  }
  addon_state *state;
  uv_loop_t *loop;
  if (napi_get_instance_data(env, (void **)&state) != napi_ok || !state || napi_get_uv_event_loop(env, &loop) != napi_ok) {
    napi_throw_error(env, NULL, "vsock: addon not initialised");
    return NULL;
  }
  char where[48];
  snprintf(where, sizeof where, "vsock:%u:%u", cid, port);
  int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return throw_errno(env, "socket", errno, where);
  if (timeout_ms > 0) {
    // The kernel gives up a vsock connect after its own timeout (2 s by default): make it longer than ours, so
    // that the caller's timeout is the one that applies.
    uint64_t ms = (uint64_t)timeout_ms + 1000;
    struct timeval tv = {.tv_sec = (time_t)(ms / 1000), .tv_usec = (suseconds_t)((ms % 1000) * 1000)};
    setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_CONNECT_TIMEOUT, &tv, sizeof tv);  // best effort
  }
  struct sockaddr_vm a;
  vm_addr(&a, cid, port);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS && errno != EINTR) {
    int e = errno;
    close(fd);
    return throw_errno(env, "connect", e, where);
  }
  conn_req *r = calloc(1, sizeof *r);
  if (!r) { close(fd); return throw_errno(env, "connect", ENOMEM, where); }
  r->env = env;
  r->state = state;
  r->fd = fd;
  r->report = 1;
  memcpy(r->where, where, sizeof where);
  napi_value name;
  int uerr;
  if (napi_create_reference(env, argv[3], 1, &r->cb) != napi_ok ||
      napi_create_string_utf8(env, "VSOCKCONNECT", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, NULL, name, &r->ctx) != napi_ok) {
    release_js(r);
    free(r);
    close(fd);
    napi_throw_error(env, NULL, "vsock: cannot set up the connect callback");
    return NULL;
  }
  if ((uerr = uv_poll_init(loop, &r->poll, fd)) != 0) {
    release_js(r);
    free(r);
    close(fd);
    return throw_errno(env, "connect", -uerr, where);
  }
  uv_timer_init(loop, &r->timer);
  r->poll.data = r;
  r->timer.data = r;
  r->open_handles = 2;
  r->next = state->pending;
  state->pending = r;
  if ((uerr = uv_poll_start(&r->poll, UV_WRITABLE, on_writable)) != 0) finish(r, -uerr);
  else if (timeout_ms > 0) {
    // libuv times timers from the loop's cached clock, read when the loop last woke: after synchronous work in the
    // same callback (a caller preparing its data) it is stale, and the timeout would run from the past.
    uv_update_time(loop);
    uv_timer_start(&r->timer, on_timeout, timeout_ms, 0);
  }
  return u32_value(env, (uint32_t)fd);
}

static napi_value CancelConnect(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  int fd;
  addon_state *state;
  if (!arg_fd(env, argv, argc, "cancelConnect(fd: uint32)", &fd)) return NULL;
  napi_value result;
  int found = 0;
  if (napi_get_instance_data(env, (void **)&state) == napi_ok && state) {
    for (conn_req *r = state->pending; r; r = r->next) {
      if (r->fd == fd) {
        r->report = 0;
        finish(r, ECANCELED);
        found = 1;
        break;
      }
    }
  }
  napi_get_boolean(env, found, &result);
  return result;
}

// ---------------------------------------------------------------------------------------------------- queries

static napi_value addr_object(napi_env env, const struct sockaddr_vm *a) {
  napi_value o;
  if (napi_create_object(env, &o) != napi_ok) return NULL;
  napi_set_named_property(env, o, "cid", u32_value(env, a->svm_cid));
  napi_set_named_property(env, o, "port", u32_value(env, a->svm_port));
  return o;
}

static napi_value name_of(napi_env env, napi_callback_info info, int peer) {
  GET_ARGS(1);
  int fd;
  if (!arg_fd(env, argv, argc, peer ? "peerName(fd: uint32)" : "sockName(fd: uint32)", &fd)) return NULL;
  struct sockaddr_vm a;
  socklen_t l = sizeof a;
  memset(&a, 0, sizeof a);
  int rc = peer ? getpeername(fd, (struct sockaddr *)&a, &l) : getsockname(fd, (struct sockaddr *)&a, &l);
  if (rc < 0) return throw_errno(env, peer ? "getpeername" : "getsockname", errno, NULL);
  if (a.svm_family != AF_VSOCK) return throw_errno(env, peer ? "getpeername" : "getsockname", EAFNOSUPPORT, "(not an AF_VSOCK socket)");
  return addr_object(env, &a);
}

static napi_value SockName(napi_env env, napi_callback_info info) { return name_of(env, info, 0); }
static napi_value PeerName(napi_env env, napi_callback_info info) { return name_of(env, info, 1); }

static napi_value LocalCid(napi_env env, napi_callback_info info) {
  (void)info;
  int f = open("/dev/vsock", O_RDONLY | O_CLOEXEC);
  if (f < 0) return throw_errno(env, "open", errno, "/dev/vsock");
  unsigned int cid = 0;
  if (ioctl(f, IOCTL_VM_SOCKETS_GET_LOCAL_CID, &cid) < 0) {
    int e = errno;
    close(f);
    return throw_errno(env, "ioctl", e, "IOCTL_VM_SOCKETS_GET_LOCAL_CID");
  }
  close(f);
  return u32_value(env, cid);
}

// Creating (not connecting) a socket is the cheapest way to learn whether this kernel has AF_VSOCK at all.
static napi_value Probe(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno, "AF_VSOCK");
  close(fd);
  return NULL;
}

static napi_value Close(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  int fd;
  if (!arg_fd(env, argv, argc, "close(fd: uint32)", &fd)) return NULL;
  if (close(fd) < 0 && errno != EINTR) return throw_errno(env, "close", errno, NULL);
  return NULL;
}

// ---------------------------------------------------------------------------------------------------- lifecycle

// Environment teardown (process exit, worker exit): abandon pending connects without calling into JS.
static void cleanup(void *data) {
  addon_state *state = data;
  while (state->pending) {
    conn_req *r = state->pending;
    r->report = 0;
    release_js(r);
    finish(r, ECANCELED);
  }
}

static void free_state(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

static napi_value Init(napi_env env, napi_value exports) {
  addon_state *state = calloc(1, sizeof *state);
  if (!state || napi_set_instance_data(env, state, free_state, NULL) != napi_ok) {
    free(state);
    napi_throw_error(env, NULL, "vsock: cannot allocate addon state");
    return NULL;
  }
  napi_add_env_cleanup_hook(env, cleanup, state);
  napi_property_descriptor d[] = {
      {"listen", 0, Listen, 0, 0, 0, napi_enumerable, 0},
      {"connect", 0, Connect, 0, 0, 0, napi_enumerable, 0},
      {"cancelConnect", 0, CancelConnect, 0, 0, 0, napi_enumerable, 0},
      {"sockName", 0, SockName, 0, 0, 0, napi_enumerable, 0},
      {"peerName", 0, PeerName, 0, 0, 0, napi_enumerable, 0},
      {"localCid", 0, LocalCid, 0, 0, 0, napi_enumerable, 0},
      {"probe", 0, Probe, 0, 0, 0, napi_enumerable, 0},
      {"close", 0, Close, 0, 0, 0, napi_enumerable, 0},
      {"CID_ANY", 0, 0, 0, 0, u32_value(env, VMADDR_CID_ANY), napi_enumerable, 0},
      {"PORT_ANY", 0, 0, 0, 0, u32_value(env, VMADDR_PORT_ANY), napi_enumerable, 0},
  };
  if (napi_define_properties(env, exports, sizeof d / sizeof d[0], d) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
