#include "storage/azure_queue_store.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <climits>
#include <optional>

#include "storage/azure_error.h"
#include "storage/azure_text.h"
#include "storage/azure_xml.h"

namespace squall {
namespace {

using std::chrono::seconds;

// Azure's longest visibility timeout.
constexpr std::int64_t kMaxVisibilitySeconds = 7 * 24 * 3600;

std::int64_t CeilSeconds(Duration d) { return std::chrono::ceil<seconds>(d).count(); }

std::string QueuePath(const std::string& queue) { return "/" + queue; }
std::string MessagesPath(const std::string& queue) { return "/" + queue + "/messages"; }
std::string MessagePath(const std::string& queue, const std::string& id) {
  return MessagesPath(queue) + "/" + PercentEncode(id);
}

WallTime TimeOf(const XmlTree& message, const char* field) {
  auto t = ParseRfc1123(XmlText(message, field));
  return t ? *t : WallTime{};
}

// <QueueMessagesList><QueueMessage>...</QueueMessage>...</QueueMessagesList>
StatusOr<std::vector<QueueMessage>> ParseMessages(const std::string& body) {
  auto tree = ParseXml(body);
  if (!tree) return Internal("the Queue service answered with a body that is not XML");
  std::vector<QueueMessage> out;
  auto list = tree->get_child_optional("QueueMessagesList");
  if (!list) return out;
  for (const auto& [name, m] : *list) {
    if (name != "QueueMessage") continue;
    QueueMessage msg;
    msg.id = XmlText(m, "MessageId");
    msg.pop_receipt = XmlText(m, "PopReceipt");
    msg.text = XmlText(m, "MessageText");
    std::string count = XmlText(m, "DequeueCount");
    std::from_chars(count.data(), count.data() + count.size(), msg.dequeue_count);
    msg.insertion_time = TimeOf(m, "InsertionTime");
    msg.expiration_time = TimeOf(m, "ExpirationTime");
    msg.next_visible_time = TimeOf(m, "TimeNextVisible");
    out.push_back(std::move(msg));
  }
  return out;
}

Status VisibilityStatus(std::int64_t secs) {
  if (secs >= 0 && secs <= kMaxVisibilitySeconds) return Status::Ok();
  return InvalidArgument("a visibility timeout is 0 s to 7 days, not " + std::to_string(secs) +
                         " s");
}

}  // namespace

AzureQueueStore::AzureQueueStore(std::unique_ptr<AzureRestClient> client)
    : client_(std::move(client)) {}

std::string AzureQueueStore::Describe() const { return client_->Describe(); }

template <typename T>
void AzureQueueStore::Fail(Callback<T> done, Status error) {
  client_->Post([done = std::move(done), error = std::move(error)] { done(error); });
}

void AzureQueueStore::CreateQueue(const std::string& queue, Callback<Status> done) {
  if (Status s = QueueNameStatus(queue); !s.ok()) return Fail(std::move(done), s);
  client_->Send({"PUT", QueuePath(queue), {}, {}, {}}, [this, queue, done = std::move(done)](
                                                           StatusOr<HttpResponse> r) {
    if (!r.ok()) return done(r.status());
    // 201 created, 204 already there; 409 when it exists with other metadata.
    if (IsSuccess(*r) || (r->status == 409 && HasAzureErrorCode(*r, "QueueAlreadyExists"))) {
      return done(Status::Ok());
    }
    done(client_->ErrorStatus(*r, "Create Queue '" + queue + "'"));
  });
}

void AzureQueueStore::Put(const std::string& queue, std::string text, Duration initial_visibility,
                          Duration time_to_live, Callback<StatusOr<QueueMessage>> done) {
  if (Status s = QueueNameStatus(queue); !s.ok()) return Fail(std::move(done), s);
  if (text.size() > kMaxQueueMessageBytes) {
    return Fail(
        std::move(done),
        InvalidArgument("a queue message is at most " + std::to_string(kMaxQueueMessageBytes) +
                        " bytes; this one has " + std::to_string(text.size())));
  }
  if (std::string problem = XmlTextProblem(text); !problem.empty()) {
    return Fail(std::move(done), InvalidArgument("queue message for '" + queue + "': " + problem));
  }
  AzureRequest request{"POST", MessagesPath(queue), {}, {}, {}};
  std::int64_t visibility = CeilSeconds(initial_visibility);
  if (Status s = VisibilityStatus(visibility); !s.ok()) return Fail(std::move(done), s);
  if (visibility > 0) request.query.emplace_back("visibilitytimeout", std::to_string(visibility));
  // 0 = the service's default (7 days); beyond what Azure can count, never expire (-1).
  if (time_to_live > Duration::zero()) {
    std::int64_t ttl = CeilSeconds(time_to_live);
    if (ttl <= visibility) {
      return Fail(std::move(done),
                  InvalidArgument("a message's time to live must be longer than its initial "
                                  "visibility delay"));
    }
    request.query.emplace_back("messagettl", ttl > INT_MAX ? "-1" : std::to_string(ttl));
  }
  request.headers.push_back({"Content-Type", "application/xml; charset=utf-8"});
  request.body = "<QueueMessage><MessageText>" + XmlEscape(text) + "</MessageText></QueueMessage>";
  SendPut(queue, std::make_shared<const std::string>(std::move(text)), std::move(request), true,
          std::move(done));
}

void AzureQueueStore::SendPut(const std::string& queue, std::shared_ptr<const std::string> text,
                              AzureRequest request, bool may_create,
                              Callback<StatusOr<QueueMessage>> done) {
  AzureRequest copy = request;
  client_->Send(std::move(copy), [this, queue, text, request = std::move(request), may_create,
                                  done = std::move(done)](StatusOr<HttpResponse> r) mutable {
    if (!r.ok()) return done(r.status());
    if (r->status == 404 && may_create && HasAzureErrorCode(*r, "QueueNotFound")) {
      // Put creates the queue as the Functions queue output binding does; then once more.
      return CreateQueue(queue, [this, queue, text, request = std::move(request),
                                 done = std::move(done)](Status created) mutable {
        if (!created.ok()) return done(created);
        SendPut(queue, text, std::move(request), false, std::move(done));
      });
    }
    if (r->status != 201) {
      return done(client_->ErrorStatus(*r, "Put Message to queue '" + queue + "'"));
    }
    auto messages = ParseMessages(r->body);
    if (!messages.ok()) return done(messages.status());
    if (messages->size() != 1) {
      return done(Internal("Put Message to queue '" + queue + "': the answer has " +
                           std::to_string(messages->size()) + " messages, not 1"));
    }
    QueueMessage msg = std::move(messages->front());
    msg.text = *text;
    msg.dequeue_count = 0;
    done(std::move(msg));
  });
}

void AzureQueueStore::Get(const std::string& queue, int max_messages, Duration visibility,
                          const std::string& /*lease_owner*/,
                          Callback<StatusOr<std::vector<QueueMessage>>> done) {
  if (Status s = QueueNameStatus(queue); !s.ok()) return Fail(std::move(done), s);
  if (Status s = MessageCountStatus(max_messages); !s.ok()) return Fail(std::move(done), s);
  std::int64_t secs = CeilSeconds(visibility);
  if (Status s = VisibilityStatus(secs); !s.ok()) return Fail(std::move(done), s);
  secs = std::max<std::int64_t>(1, secs);  // Azure's smallest visibility timeout for Get
  AzureRequest request{"GET",
                       MessagesPath(queue),
                       {{"numofmessages", std::to_string(max_messages)},
                        {"visibilitytimeout", std::to_string(secs)}},
                       {},
                       {}};
  client_->Send(
      std::move(request), [this, queue, done = std::move(done)](StatusOr<HttpResponse> r) {
        if (!r.ok()) return done(r.status());
        if (r->status == 404 && HasAzureErrorCode(*r, "QueueNotFound")) {
          return done(std::vector<QueueMessage>{});
        }
        if (r->status != 200) {
          return done(client_->ErrorStatus(*r, "Get Messages from queue '" + queue + "'"));
        }
        done(ParseMessages(r->body));
      });
}

void AzureQueueStore::Peek(const std::string& queue, int max_messages,
                           Callback<StatusOr<std::vector<QueueMessage>>> done) {
  if (Status s = QueueNameStatus(queue); !s.ok()) return Fail(std::move(done), s);
  if (Status s = MessageCountStatus(max_messages); !s.ok()) return Fail(std::move(done), s);
  AzureRequest request{"GET",
                       MessagesPath(queue),
                       {{"peekonly", "true"}, {"numofmessages", std::to_string(max_messages)}},
                       {},
                       {}};
  client_->Send(std::move(request),
                [this, queue, done = std::move(done)](StatusOr<HttpResponse> r) {
                  if (!r.ok()) return done(r.status());
                  if (r->status == 404 && HasAzureErrorCode(*r, "QueueNotFound")) {
                    return done(std::vector<QueueMessage>{});
                  }
                  if (r->status != 200) {
                    return done(client_->ErrorStatus(*r, "Peek Messages of queue '" + queue + "'"));
                  }
                  auto messages = ParseMessages(r->body);
                  if (messages.ok()) {
                    for (QueueMessage& m : *messages) m.pop_receipt.clear();
                  }
                  done(std::move(messages));
                });
}

namespace {

// A stale pop receipt or a message gone since: Azure says 404 MessageNotFound, or 400
// PopReceiptMismatch; a receipt that is not even well-formed comes back as a 400 about the
// popreceipt parameter. All of them mean "not yours any more".
bool IsLostMessage(const HttpResponse& r) {
  if (r.status == 404) return true;
  return r.status == 400 && (HasAzureErrorCode(r, "PopReceiptMismatch") ||
                             HasAzureErrorCode(r, "InvalidQueryParameterValue"));
}

Status LostMessage(const std::string& what, const std::string& queue, const std::string& id) {
  return NotFound(what + ": message '" + id + "' of queue '" + queue +
                  "' is gone or was taken again since (stale pop receipt)");
}

}  // namespace

void AzureQueueStore::Delete(const std::string& queue, const std::string& id,
                             const std::string& pop_receipt, Callback<Status> done) {
  if (Status s = QueueNameStatus(queue); !s.ok()) return Fail(std::move(done), s);
  if (id.empty() || pop_receipt.empty()) {
    return Fail(std::move(done), InvalidArgument("Delete Message needs a message id and the "
                                                 "pop receipt Get returned"));
  }
  AzureRequest request{"DELETE", MessagePath(queue, id), {{"popreceipt", pop_receipt}}, {}, {}};
  client_->Send(std::move(request),
                [this, queue, id, done = std::move(done)](StatusOr<HttpResponse> r) {
                  if (!r.ok()) return done(r.status());
                  if (IsSuccess(*r)) return done(Status::Ok());
                  if (IsLostMessage(*r)) return done(LostMessage("Delete Message", queue, id));
                  done(client_->ErrorStatus(*r, "Delete Message from queue '" + queue + "'"));
                });
}

void AzureQueueStore::UpdateVisibility(const std::string& queue, const std::string& id,
                                       const std::string& pop_receipt, Duration visibility,
                                       Callback<StatusOr<QueueMessage>> done) {
  if (Status s = QueueNameStatus(queue); !s.ok()) return Fail(std::move(done), s);
  if (id.empty() || pop_receipt.empty()) {
    return Fail(std::move(done), InvalidArgument("Update Message needs a message id and the "
                                                 "pop receipt Get returned"));
  }
  std::int64_t secs = CeilSeconds(visibility);
  if (Status s = VisibilityStatus(secs); !s.ok()) return Fail(std::move(done), s);
  AzureRequest request{"PUT",
                       MessagePath(queue, id),
                       {{"popreceipt", pop_receipt}, {"visibilitytimeout", std::to_string(secs)}},
                       {},
                       {}};
  client_->Send(
      std::move(request), [this, queue, id, done = std::move(done)](StatusOr<HttpResponse> r) {
        if (!r.ok()) return done(r.status());
        if (IsLostMessage(*r)) return done(LostMessage("Update Message", queue, id));
        if (!IsSuccess(*r)) {
          return done(client_->ErrorStatus(*r, "Update Message in queue '" + queue + "'"));
        }
        // Only the new receipt and visibility come back; the text stays as it was.
        QueueMessage msg;
        msg.id = id;
        if (const std::string* receipt = r->FindHeader("x-ms-popreceipt"))
          msg.pop_receipt = *receipt;
        if (const std::string* next = r->FindHeader("x-ms-time-next-visible")) {
          if (auto t = ParseRfc1123(*next)) msg.next_visible_time = *t;
        }
        if (msg.pop_receipt.empty()) {
          return done(Internal("Update Message in queue '" + queue +
                               "': the answer has no x-ms-popreceipt"));
        }
        done(std::move(msg));
      });
}

void AzureQueueStore::Length(const std::string& queue, Callback<StatusOr<std::int64_t>> done) {
  if (Status s = QueueNameStatus(queue); !s.ok()) return Fail(std::move(done), s);
  AzureRequest request{"GET", QueuePath(queue), {{"comp", "metadata"}}, {}, {}};
  client_->Send(
      std::move(request), [this, queue, done = std::move(done)](StatusOr<HttpResponse> r) {
        if (!r.ok()) return done(r.status());
        if (r->status == 404) return done(std::int64_t{0});
        if (r->status != 200) {
          return done(client_->ErrorStatus(*r, "Get Queue Metadata of '" + queue + "'"));
        }
        const std::string* count = r->FindHeader("x-ms-approximate-messages-count");
        std::int64_t n = 0;
        if (!count ||
            std::from_chars(count->data(), count->data() + count->size(), n).ec != std::errc()) {
          return done(Internal("Get Queue Metadata of '" + queue +
                               "': no x-ms-approximate-messages-count in the answer"));
        }
        done(n);
      });
}

void AzureQueueStore::Clear(const std::string& queue, Callback<Status> done) {
  if (Status s = QueueNameStatus(queue); !s.ok()) return Fail(std::move(done), s);
  client_->Send({"DELETE", MessagesPath(queue), {}, {}, {}}, [this, queue, done = std::move(done)](
                                                                 StatusOr<HttpResponse> r) {
    if (!r.ok()) return done(r.status());
    if (IsSuccess(*r) || (r->status == 404 && HasAzureErrorCode(*r, "QueueNotFound"))) {
      return done(Status::Ok());
    }
    done(client_->ErrorStatus(*r, "Clear Messages of queue '" + queue + "'"));
  });
}

void AzureQueueStore::ReleaseLeases(const std::string& /*lease_owner*/,
                                    Callback<StatusOr<std::int64_t>> done) {
  client_->Post([done = std::move(done)] { done(std::int64_t{0}); });
}

struct AzureQueueStore::Filter {
  std::vector<std::string> names;
  std::vector<std::int64_t> counts;
  std::size_t next = 0;  // the next name to count
  std::size_t finished = 0;
  std::optional<Status> error;
  Callback<StatusOr<std::vector<std::string>>> done;
};

void AzureQueueStore::ListQueues(Callback<StatusOr<std::vector<std::string>>> done) {
  ListPage("", std::make_shared<std::vector<std::string>>(), std::move(done));
}

void AzureQueueStore::ListPage(std::string marker, std::shared_ptr<std::vector<std::string>> names,
                               Callback<StatusOr<std::vector<std::string>>> done) {
  AzureRequest request{"GET", "", {{"comp", "list"}, {"maxresults", "5000"}}, {}, {}};
  if (!marker.empty()) request.query.emplace_back("marker", marker);
  client_->Send(std::move(request),
                [this, names, done = std::move(done)](StatusOr<HttpResponse> r) mutable {
                  if (!r.ok()) return done(r.status());
                  if (r->status != 200) return done(client_->ErrorStatus(*r, "List Queues"));
                  auto tree = ParseXml(r->body);
                  if (!tree) return done(Internal("List Queues: the answer is not XML"));
                  if (auto queues = tree->get_child_optional("EnumerationResults.Queues")) {
                    for (const auto& [name, q] : *queues) {
                      if (name == "Queue") names->push_back(XmlText(q, "Name"));
                    }
                  }
                  std::string next = XmlText(*tree, "EnumerationResults.NextMarker");
                  if (!next.empty()) return ListPage(std::move(next), names, std::move(done));
                  auto filter = std::make_shared<Filter>();
                  filter->names = std::move(*names);
                  filter->counts.assign(filter->names.size(), 0);
                  filter->done = std::move(done);
                  KeepNonEmpty(std::move(filter));
                });
}

void AzureQueueStore::KeepNonEmpty(std::shared_ptr<Filter> filter) {
  // The interface lists queues that have messages (as the embedded store, where a queue is
  // its messages); Azure keeps empty queues, so each one's count is asked for.
  constexpr std::size_t kParallel = 8;
  if (filter->names.empty()) return filter->done(std::vector<std::string>{});
  std::size_t workers = std::min(kParallel, filter->names.size());
  for (std::size_t i = 0; i < workers; ++i) CountNext(filter);
}

void AzureQueueStore::CountNext(std::shared_ptr<Filter> filter) {
  std::size_t i = filter->next++;
  Length(filter->names[i], [this, filter, i](StatusOr<std::int64_t> n) {
    if (n.ok()) {
      filter->counts[i] = *n;
    } else if (!filter->error) {
      filter->error = n.status();
    }
    ++filter->finished;
    if (filter->next < filter->names.size() && !filter->error) return CountNext(filter);
    if (filter->finished < filter->next) return;  // others still counting
    if (filter->error) return filter->done(*filter->error);
    std::vector<std::string> out;
    for (std::size_t k = 0; k < filter->names.size(); ++k) {
      if (filter->counts[k] > 0) out.push_back(std::move(filter->names[k]));
    }
    std::sort(out.begin(), out.end());
    filter->done(std::move(out));
  });
}

}  // namespace squall
