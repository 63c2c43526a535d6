#pragma once
// Serialized answers of the view page, reused until the views change. Reads outnumber writes by far
// (CQRS), and building a page of every movie costs milliseconds while sending a stored one costs
// microseconds. An entry is tagged with the views' version it was built at; a newer version
// rebuilds it. Building may run with a newer state than its tag, never with an older one, because
// the version moves inside the writing transaction, before the new state can be read. A client
// that accepts gzip gets the stored answer compressed, also once per version.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/http/compression.hpp"

namespace cinema::viewpage {

class AnswerCache {
 public:
  using Answer = std::shared_ptr<const std::string>;

  // `key` names the answer ("movies", "movie:7"); there are at most a few per movie.
  Answer get(const std::string& key, std::uint64_t version, const std::function<std::string()>& build) {
    {
      std::lock_guard lock(mutex_);
      auto found = entries_.find(key);
      if (found != entries_.end() && found->second.version == version) return found->second.plain;
    }
    auto answer = std::make_shared<const std::string>(build());
    std::lock_guard lock(mutex_);
    if (entries_.size() >= kMaxEntries) entries_.clear();  // keys come from requests: stay bounded
    entries_[key] = Entry{version, answer, nullptr};
    return answer;
  }

  // `plain` (an answer get() returned for `key`) gzip-compressed, once for as long as it is stored.
  Answer gzipped(const std::string& key, const Answer& plain) {
    {
      std::lock_guard lock(mutex_);
      auto found = entries_.find(key);
      if (found != entries_.end() && found->second.plain == plain && found->second.gzipped)
        return found->second.gzipped;
    }
    auto compressed = std::make_shared<const std::string>(http::gzip(*plain));
    std::lock_guard lock(mutex_);
    auto found = entries_.find(key);
    if (found != entries_.end() && found->second.plain == plain) found->second.gzipped = compressed;
    return compressed;
  }

 private:
  static constexpr std::size_t kMaxEntries = 4096;
  struct Entry {
    std::uint64_t version;
    Answer plain;
    Answer gzipped;  // null until a client asks for it
  };
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace cinema::viewpage
