// SPDX-License-Identifier: Apache-2.0
#include "mail/mailer.hpp"

#include <fmt/format.h>

#include <iostream>

#include "airsql/thread_name.hpp"
#include "core/clock.hpp"
#include "core/engine_impl.hpp"
#include "settings/server_settings_store.hpp"

namespace airsql::mail {

namespace {
constexpr int max_attempts = 3;
}

mailer::~mailer() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void mailer::start() {
    pending_ = true;  // mail queued before a restart
    thread_ = std::thread([this] {
        name_this_thread("airsql-mail");
        run();
    });
}

void mailer::send(const message& m) {
    auto settings = settings::current(e_);
    catalog::outbox_record r;
    r.recipient = m.to;
    r.subject = m.subject;
    r.body = m.body;
    r.created_utc = core::now_iso_utc();
    r.status = settings->smtp ? "queued" : "kept";
    auto id = e_.catalog.insert_outbox(r);
    // The body holds a secret link: the log names the mail only.
    std::cerr << fmt::format(
        "airsql: mail {} to {} \"{}\" {}\n", id, m.to, m.subject,
        settings->smtp ? "queued for SMTP" : "kept in the outbox (no SMTP configured)");
    if (!settings->smtp) return;
    {
        std::lock_guard lock(mutex_);
        pending_ = true;
    }
    wake_.notify_all();
}

bool mailer::flush(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return idle_.wait_for(lock, timeout, [&] { return !pending_ && !busy_; });
}

void mailer::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (!pending_) {
            idle_.notify_all();
            // Failed mail is retried now and then, even without news.
            wake_.wait_for(lock, std::chrono::seconds(30), [&] { return stopping_ || pending_; });
            if (stopping_) break;
        }
        pending_ = false;
        busy_ = true;
        lock.unlock();
        bool again = false;
        try {
            again = send_queued();
        } catch (const std::exception& ex) {
            std::cerr << "airsql: mail sender: " << ex.what() << '\n';
        }
        lock.lock();
        busy_ = false;
        if (again && !stopping_) {
            // Retry soon, not in a tight loop.
            wake_.wait_for(lock, std::chrono::seconds(2), [&] { return stopping_; });
            pending_ = true;
        }
    }
    idle_.notify_all();
}

bool mailer::send_queued() {
    auto settings = settings::current(e_);
    bool retry = false;
    for (const auto& m : e_.catalog.outbox(50, std::string("queued"))) {
        if (!settings->smtp) {
            e_.catalog.set_outbox_status(m.id, "kept", std::nullopt, false);
            continue;
        }
        auto err = send_smtp(*settings->smtp, {m.recipient, m.subject, m.body});
        if (err.empty()) {
            // Sent: the secret link need not stay on this server.
            e_.catalog.set_outbox_status(m.id, "sent", std::nullopt, true);
            std::cerr << fmt::format("airsql: mail {} to {} sent\n", m.id, m.recipient);
        } else {
            bool give_up = m.attempts + 1 >= max_attempts;
            e_.catalog.set_outbox_status(m.id, give_up ? "failed" : "queued", err, false);
            std::cerr << fmt::format("airsql: mail {} to {} {}: {}\n", m.id, m.recipient,
                                     give_up ? "failed" : "not sent yet", err);
            retry = retry || !give_up;
        }
        std::lock_guard lock(mutex_);
        if (stopping_) break;
    }
    return retry;
}

}  // namespace airsql::mail
