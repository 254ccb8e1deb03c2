// SPDX-License-Identifier: Apache-2.0
// The outbox and its sender thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "airsql/engine.hpp"
#include "mail/smtp.hpp"

namespace airsql::mail {

/// Queues mail in the catalog's outbox and sends it over SMTP on its own thread (or keeps it
/// there when no SMTP is configured). Thread-safe. The thread starts with `start` and stops
/// in the destructor (a send in progress finishes first, up to libcurl's timeouts).
class mailer {
  public:
    explicit mailer(engine::impl& e) : e_(e) {}
    ~mailer();
    mailer(const mailer&) = delete;
    mailer& operator=(const mailer&) = delete;

    /// Starts the sender thread (which also picks up mail queued before a restart).
    void start();

    /// Stores the mail and wakes the sender. Logs recipient and subject, never the body.
    void send(const message& m);

    /// Waits until nothing is queued (or the timeout passes); whether nothing is.
    bool flush(std::chrono::milliseconds timeout);

  private:
    void run();
    bool send_queued();  // one round; whether anything was queued

    engine::impl& e_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable idle_;
    bool stopping_ = false;
    bool pending_ = false;
    bool busy_ = false;
    std::thread thread_;
};

}  // namespace airsql::mail
