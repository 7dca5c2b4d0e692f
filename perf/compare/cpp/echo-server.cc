// Google's C++ gRPC as the reference server for `make bench-compare`: fastgrpc.echo.v1.EchoService/Echo (and the
// bidi EchoStream, for the streaming comparison) on the
// async API with ONE completion queue polled by ONE thread (the classic CallData state machine, 128 calls requested
// ahead), the set-up the reference figures in shared/README.md were measured with. The server-streaming Download
// (count messages of message_bytes random bytes, for perf/download-compare.sh) is served on the same queue.
// Usage: echo-server PORT (listens on 127.0.0.1:PORT).
// Prints a line containing "listening" when ready; SIGTERM or SIGINT shuts it down and it exits 0.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "fastgrpc/echo/v1/echo.grpc.pb.h"

using fastgrpc::echo::v1::EchoRequest;
using fastgrpc::echo::v1::EchoResponse;
using fastgrpc::echo::v1::EchoService;

namespace {

// Guards the one race of shutdown: no operation may start on a completion queue that the stopper thread has
// already shut down (gRPC aborts the process). Taken once per call, never contended in steady state.
std::mutex shutdown_mutex;
bool shutting_down = false;

// Every tag on the queue is one of these; the polling loop only ever calls Proceed.
class Tag {
 public:
  virtual ~Tag() = default;
  virtual void Proceed(bool ok) = 0;
};

// One unary Echo call: REQUESTED (waiting for a call) -> FINISHING (reply sent) -> deleted.
class EchoCall final : public Tag {
 public:
  EchoCall(EchoService::AsyncService* service, grpc::ServerCompletionQueue* cq)
      : service_(service), cq_(cq), responder_(&context_) {
    service_->RequestEcho(&context_, &request_, &responder_, cq_, cq_, this);
  }

  void Proceed(bool ok) override {
    if (state_ == State::kRequested) {
      if (!ok) {  // the server is shutting down: this call never started
        delete this;
        return;
      }
      std::unique_lock<std::mutex> lock(shutdown_mutex);
      if (shutting_down) {  // the queue may be shut already: start nothing on it (deleting the call cancels it)
        lock.unlock();
        delete this;
        return;
      }
      // Request the next call before answering this one, so one request is always pending on the queue.
      new EchoCall(service_, cq_);
      response_.mutable_payload()->swap(*request_.mutable_payload());
      state_ = State::kFinishing;
      responder_.Finish(response_, grpc::Status::OK, this);
      return;
    }
    delete this;  // Finish completed (ok is false when the client went away first: nothing more to do)
  }

 private:
  enum class State { kRequested, kFinishing };
  EchoService::AsyncService* service_;
  grpc::ServerCompletionQueue* cq_;
  grpc::ServerContext context_;
  EchoRequest request_;
  EchoResponse response_;
  grpc::ServerAsyncResponseWriter<EchoResponse> responder_;
  State state_ = State::kRequested;
};

#ifdef FASTGRPC_ECHO_HAS_ECHO_STREAM
// One bidi EchoStream call, the streaming reference for docs/benchmarks.md: each request message is answered with
// its payload as soon as it is read (READING -> WRITING -> READING ...); the client's half-close ends the call OK.
// One read and one write outstanding at a time, as gRPC's own async streaming benchmark server does.
class EchoStreamCall final : public Tag {
 public:
  EchoStreamCall(EchoService::AsyncService* service, grpc::ServerCompletionQueue* cq)
      : service_(service), cq_(cq), stream_(&context_) {
    service_->RequestEchoStream(&context_, &stream_, cq_, cq_, this);
  }

  void Proceed(bool ok) override {
    switch (state_) {
      case State::kRequested: {
        if (!ok) {  // the server is shutting down: this call never started
          delete this;
          return;
        }
        std::unique_lock<std::mutex> lock(shutdown_mutex);
        if (shutting_down) {
          lock.unlock();
          delete this;
          return;
        }
        new EchoStreamCall(service_, cq_);
        Read();
        return;
      }
      case State::kReading:
        if (!ok) {  // the client half-closed (or went away): end the call
          state_ = State::kFinishing;
          stream_.Finish(grpc::Status::OK, this);
          return;
        }
        response_.mutable_payload()->swap(*request_.mutable_payload());
        state_ = State::kWriting;
        stream_.Write(response_, this);
        return;
      case State::kWriting:
        if (!ok) {  // the client went away: nothing more to do but finish
          state_ = State::kFinishing;
          stream_.Finish(grpc::Status::CANCELLED, this);
          return;
        }
        Read();
        return;
      case State::kFinishing:
        delete this;
        return;
    }
  }

 private:
  enum class State { kRequested, kReading, kWriting, kFinishing };

  void Read() {
    state_ = State::kReading;
    stream_.Read(&request_, this);
  }

  EchoService::AsyncService* service_;
  grpc::ServerCompletionQueue* cq_;
  grpc::ServerContext context_;
  grpc::ServerAsyncReaderWriter<fastgrpc::echo::v1::EchoStreamResponse, fastgrpc::echo::v1::EchoStreamRequest> stream_;
  fastgrpc::echo::v1::EchoStreamRequest request_;
  fastgrpc::echo::v1::EchoStreamResponse response_;
  State state_ = State::kRequested;
};
#endif

#ifdef FASTGRPC_ECHO_HAS_DOWNLOAD
// One server-streaming Download call, the download reference for docs/benchmarks.md: `count` messages of
// `message_bytes` random bytes (one payload filled once per call, the same in every message), one write outstanding
// at a time as gRPC's async streaming benchmark server does (WRITING -> WRITING ... -> FINISHING). The same limits
// as fastgrpc's Download: a message above 4 MiB is RESOURCE_EXHAUSTED, more than 64 GiB in all INVALID_ARGUMENT.
class DownloadCall final : public Tag {
 public:
  DownloadCall(EchoService::AsyncService* service, grpc::ServerCompletionQueue* cq)
      : service_(service), cq_(cq), writer_(&context_) {
    service_->RequestDownload(&context_, &request_, &writer_, cq_, cq_, this);
  }

  void Proceed(bool ok) override {
    switch (state_) {
      case State::kRequested: {
        if (!ok) {  // the server is shutting down: this call never started
          delete this;
          return;
        }
        std::unique_lock<std::mutex> lock(shutdown_mutex);
        if (shutting_down) {
          lock.unlock();
          delete this;
          return;
        }
        new DownloadCall(service_, cq_);
        Start();
        return;
      }
      case State::kWriting:
        if (!ok) {  // the client went away: nothing more to write
          Finish(grpc::Status::CANCELLED);
          return;
        }
        WriteNext();
        return;
      case State::kFinishing:
        delete this;
        return;
    }
  }

 private:
  enum class State { kRequested, kWriting, kFinishing };
  static constexpr uint64_t kMaxMessageBytes = 4 * 1024 * 1024;
  static constexpr uint64_t kMaxDownloadBytes = 64ULL * 1024 * 1024 * 1024;

  void Start() {
    const uint64_t message_bytes = request_.message_bytes();
    if (message_bytes > kMaxMessageBytes) {
      Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "message_bytes above the 4 MiB max message size"));
      return;
    }
    if (static_cast<uint64_t>(request_.count()) * message_bytes > kMaxDownloadBytes) {
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "count x message_bytes above 64 GiB"));
      return;
    }
    std::string* payload = response_.mutable_payload();
    payload->resize(message_bytes);
    std::mt19937_64 random(std::random_device{}());
    for (char& byte : *payload) byte = static_cast<char>(random());
    WriteNext();
  }

  void WriteNext() {
    if (sent_ == request_.count()) {
      Finish(grpc::Status::OK);
      return;
    }
    sent_++;
    state_ = State::kWriting;
    writer_.Write(response_, this);
  }

  void Finish(const grpc::Status& status) {
    state_ = State::kFinishing;
    writer_.Finish(status, this);
  }

  EchoService::AsyncService* service_;
  grpc::ServerCompletionQueue* cq_;
  grpc::ServerContext context_;
  grpc::ServerAsyncWriter<fastgrpc::echo::v1::DownloadResponse> writer_;
  fastgrpc::echo::v1::DownloadRequest request_;
  fastgrpc::echo::v1::DownloadResponse response_;
  uint32_t sent_ = 0;
  State state_ = State::kRequested;
};
#endif

constexpr int kPrepostedCalls = 128;
// Largest message either way, for the Echo call's payload sizes up to 4 MiB (and the prefix and field header on top).
constexpr int kMaxMessageBytesOnTheWire = 16 * 1024 * 1024;

bool ParsePort(const char* text, int* port) {
  char* end = nullptr;
  long value = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || value < 1 || value > 65535) return false;
  *port = static_cast<int>(value);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  if (argc != 2 || !ParsePort(argv[1], &port)) {
    std::fprintf(stderr, "usage: %s PORT   (listens on 127.0.0.1:PORT)\n", argv[0]);
    return 2;
  }

  // Block SIGTERM/SIGINT in every thread (gRPC's own threads inherit this mask) and take them with sigwait on a
  // thread of our own: Server::Shutdown is not async-signal-safe, so it cannot run in a signal handler.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const std::string address = "127.0.0.1:" + std::to_string(port);
  EchoService::AsyncService service;
  grpc::ServerBuilder builder;
  int bound_port = 0;
  // gRPC sets SO_REUSEPORT by default, which would let a second server share a busy port and split the load.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &bound_port);
  // The same 16 MiB limit the harness gives fastgrpc (--max-message-bytes 16777216): gRPC's default of 4 MiB
  // refuses a 4 MiB payload (a 4,194,309-byte message) with RESOURCE_EXHAUSTED, which h2load counts as a success.
  builder.SetMaxReceiveMessageSize(kMaxMessageBytesOnTheWire);
  builder.SetMaxSendMessageSize(kMaxMessageBytesOnTheWire);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::ServerCompletionQueue> cq = builder.AddCompletionQueue();
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || bound_port == 0) {
    std::fprintf(stderr, "C++ gRPC echo: cannot listen on %s (port in use?)\n", address.c_str());
    return 1;
  }

  // Many calls requested up front, as gRPC's own async benchmark server does: with a single pending request,
  // every call that arrives while the loop is busy waits in the server's unmatched queue. Measured here at
  // 1 conn x 100 streams: about +20% calls/s over one pending request (docs/benchmarks.md).
  for (int i = 0; i < kPrepostedCalls; i++) new EchoCall(&service, cq.get());
#ifdef FASTGRPC_ECHO_HAS_ECHO_STREAM
  for (int i = 0; i < 8; i++) new EchoStreamCall(&service, cq.get());
#endif
#ifdef FASTGRPC_ECHO_HAS_DOWNLOAD
  for (int i = 0; i < 8; i++) new DownloadCall(&service, cq.get());
#endif

  std::thread stopper([&] {
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    // Calls in flight get up to 1 s, then are cancelled; pending requests come back with ok == false.
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
    {
      std::lock_guard<std::mutex> lock(shutdown_mutex);
      shutting_down = true;
    }
    cq->Shutdown();
  });

  std::printf("C++ gRPC %s echo (async, 1 completion queue) listening on tcp://%s\n", grpc::Version().c_str(),
              address.c_str());
  std::fflush(stdout);

  void* tag = nullptr;
  bool ok = false;
  while (cq->Next(&tag, &ok)) static_cast<Tag*>(tag)->Proceed(ok);  // returns false once shut down and drained

  stopper.join();
  return 0;
}
