// `squall queue put|peek|length|clear QUEUE [--app APP] [--json]`: the app's queues on whichever
// storage the app is configured for (the connection of a binding on that queue, else
// AzureWebJobsStorage). Safe while the app runs: the embedded store is shared through SQLite.
#include <fmt/format.h>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <iostream>
#include <iterator>

#include "cli/app_loading.h"
#include "cli/commands.h"
#include "core/base64.h"
#include "core/event_loop.h"
#include "core/real_clock.h"
#include "storage/storage.h"
#include "triggers/queue_output_writer.h"
#include "triggers/trigger_config.h"

namespace squall::cli {

namespace {

namespace json = boost::json;

// Runs one asynchronous store call to completion on a private loop.
template <typename T, typename Call>
T Await(EventLoop& loop, Call call) {
  std::optional<T> result;
  call([&](T value) {
    result.emplace(std::move(value));
    loop.Stop();
  });
  if (!result) loop.Run(1);
  return std::move(*result);
}

std::string ConnectionFor(const AppConfig& app, const std::string& queue,
                          const std::string& given) {
  if (!given.empty()) return given;
  std::vector<ConfigIssue> ignored;
  TriggerSpecs specs = ReadTriggerSpecs(app, &ignored);
  for (const auto* list : {&specs.queue_triggers, &specs.queue_outputs}) {
    for (const auto& s : *list) {
      if (s.queue == queue) return s.connection_name;
    }
  }
  return kDefaultStorageSetting;
}

json::object MessageJson(const QueueMessage& m, bool base64) {
  json::object o;
  o["id"] = m.id;
  std::optional<std::string> decoded = base64 ? Base64Decode(m.text) : std::optional(m.text);
  o["text"] = decoded ? *decoded : m.text;
  if (base64 && !decoded) o["invalidBase64"] = true;
  o["dequeueCount"] = m.dequeue_count;
  o["insertionTime"] = FormatIso8601(m.insertion_time);
  o["expirationTime"] = FormatIso8601(m.expiration_time);
  return o;
}

}  // namespace

int RunQueueCommand(const QueueCommandOptions& options) {
  auto app = LoadAppOrReport(options.app_dir);
  if (!app) return kExitConfig;
  if (std::string problem = QueueNameProblem(options.queue); !problem.empty()) {
    fmt::print(stderr, "squall: \"{}\" is not a valid queue name: {}\n", options.queue, problem);
    return kExitConfig;
  }
  std::string setting = ConnectionFor(*app, options.queue, options.connection);
  auto connection = ParseStorageConnection(LookupAppSetting(*app, setting).value_or(""));
  if (!connection.ok()) {
    fmt::print(stderr, "squall: app setting {}: {}\n", setting, connection.status().message());
    return kExitConfig;
  }
  EventLoop loop(1);
  auto clock = MakeRealClock(loop);
  auto storage = OpenStorage(*connection, app->root, loop, *clock);
  if (!storage.ok()) {
    fmt::print(stderr, "squall: {}\n", storage.status().message());
    return kExitFailure;
  }
  QueueStore& store = *storage->queues;
  const bool base64 = app->host.queues.base64_encoding;

  if (options.action == "put") {
    std::string text = options.message;
    if (text == "-") {
      text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    }
    auto encoded = EncodeQueueMessage(text, base64);
    if (!encoded.ok()) {
      fmt::print(stderr, "squall: refused: {}\n", encoded.status().message());
      return kExitFailure;
    }
    // Every copy is put at once: the store commits them in groups (one transaction for many).
    std::optional<QueueMessage> first;
    Status failed = Status::Ok();
    int pending = options.repeat;
    for (int i = 0; i < options.repeat; ++i) {
      store.Put(options.queue, *encoded, Duration::zero(), std::chrono::hours(24 * 7),
                [&](StatusOr<QueueMessage> put) {
                  if (!put.ok() && failed.ok()) failed = put.status();
                  if (put.ok() && !first) first = *put;
                  if (--pending == 0) loop.Stop();
                });
    }
    if (pending > 0) loop.Run(1);
    if (!failed.ok()) {
      fmt::print(stderr, "squall: put on queue '{}' failed: {}\n", options.queue,
                 failed.message());
      return kExitFailure;
    }
    if (options.repeat > 1) {
      if (options.json) {
        fmt::print("{{\"queue\":{},\"put\":{}}}\n", json::serialize(json::string(options.queue)),
                   options.repeat);
      } else {
        fmt::print("put {} messages on queue '{}' ({})\n", options.repeat, options.queue,
                   store.Describe());
      }
    } else if (options.json) {
      fmt::print("{}\n", json::serialize(MessageJson(*first, base64)));
    } else {
      fmt::print("put message {} on queue '{}' ({})\n", first->id, options.queue,
                 store.Describe());
    }
    return kExitOk;
  }
  if (options.action == "peek") {
    auto peeked = Await<StatusOr<std::vector<QueueMessage>>>(
        loop, [&](auto done) { store.Peek(options.queue, options.count, done); });
    if (!peeked.ok()) {
      fmt::print(stderr, "squall: peek on queue '{}' failed: {}\n", options.queue,
                 peeked.status().message());
      return kExitFailure;
    }
    json::array arr;
    for (const auto& m : *peeked) arr.push_back(MessageJson(m, base64));
    if (options.json) {
      fmt::print("{}\n", json::serialize(arr));
    } else {
      for (const auto& v : arr) {
        const auto& o = v.get_object();
        fmt::print("{}  dequeued {}  {}\n", std::string_view(o.at("id").as_string()),
                   o.at("dequeueCount").to_number<int>(),
                   std::string_view(o.at("text").as_string()));
      }
      if (arr.empty()) fmt::print("queue '{}' has no visible messages\n", options.queue);
    }
    return kExitOk;
  }
  if (options.action == "length") {
    auto length = Await<StatusOr<std::int64_t>>(
        loop, [&](auto done) { store.Length(options.queue, done); });
    if (!length.ok()) {
      fmt::print(stderr, "squall: length of queue '{}' failed: {}\n", options.queue,
                 length.status().message());
      return kExitFailure;
    }
    if (options.json) {
      fmt::print("{{\"queue\":\"{}\",\"length\":{}}}\n", options.queue, *length);
    } else {
      fmt::print("{}\n", *length);
    }
    return kExitOk;
  }
  // clear
  auto cleared = Await<Status>(loop, [&](auto done) { store.Clear(options.queue, done); });
  if (!cleared.ok()) {
    fmt::print(stderr, "squall: clear of queue '{}' failed: {}\n", options.queue,
               cleared.message());
    return kExitFailure;
  }
  if (options.json) {
    fmt::print("{{\"queue\":\"{}\",\"cleared\":true}}\n", options.queue);
  } else {
    fmt::print("cleared queue '{}'\n", options.queue);
  }
  return kExitOk;
}

}  // namespace squall::cli
