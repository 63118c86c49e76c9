/* The caching allocator's bookkeeping (see allocator.h) and its host-memory backend,
   which the pyt_alloc_test_* functions of pyt_cuda.h expose to the tests. */
#include "allocator.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace pyt_alloc {

size_t round_size(size_t nbytes)
{
    if (nbytes < kRound) return kRound;
    return (nbytes + kRound - 1) / kRound * kRound;
}

size_t segment_size_for(size_t rounded)
{
    if (rounded <= kSmallRequest) return kSmallSegment;
    if (rounded < kLargeRequest) return kLargeSegment;
    return (rounded + kSegmentRound - 1) / kSegmentRound * kSegmentRound;
}

// keep the rest of a block as a block of its own only when it is worth it
static bool worth_splitting(const Block *b, size_t size)
{
    size_t rest = b->size - size;
    return b->small ? rest >= kRound : rest > kSmallRequest;
}

CachingAllocator::~CachingAllocator()
{
    // blocks still handed out are leaked with their segments: their memory may be in use
    for (auto &e : events_) backend_->destroy_event(e.first);
}

Block *CachingAllocator::find_free(size_t size, uintptr_t stream, bool small)
{
    Pool &pool = small ? small_ : large_;
    Block key;
    key.stream = stream;
    key.size = size;
    key.ptr = nullptr;
    auto it = pool.lower_bound(&key);
    if (it == pool.end() || (*it)->stream != stream) return nullptr;
    Block *b = *it;
    pool.erase(it);
    return b;
}

int CachingAllocator::new_segment(Block **out, size_t size, uintptr_t stream, bool small)
{
    size_t seg = segment_size_for(size);
    void *ptr = nullptr;
    int err = backend_->malloc(&ptr, seg);
    if (err) return err;
    Block *b = new Block();
    b->stream = stream;
    b->size = seg;
    b->ptr = (char *)ptr;
    b->small = small;
    b->segment_size = seg;
    segments_[(uintptr_t)ptr] = b;
    stats_.reserved += seg;
    stats_.segments++;
    stats_.num_device_allocs++;
    update_peaks();
    *out = b;
    return 0;
}

int CachingAllocator::malloc(void **ptr, size_t nbytes, uintptr_t stream)
{
    *ptr = nullptr;
    if (nbytes == 0) return 0;
    std::lock_guard<std::mutex> lock(mutex_);
    process_events();
    size_t size = round_size(nbytes);
    bool small = size <= kSmallRequest;
    Block *b = find_free(size, stream, small);
    if (!b) {
        int err = new_segment(&b, size, stream, small);
        if (err == PYT_CUDA_ERR_OOM) {
            // give the cache back to the device and try once more
            stats_.num_alloc_retries++;
            release_free_segments();
            err = new_segment(&b, size, stream, small);
        }
        if (err) {
            if (err == PYT_CUDA_ERR_OOM) {
                stats_.num_ooms++;
                oom_message_ = describe_oom(nbytes);
            }
            return err;
        }
    }
    if (worth_splitting(b, size)) {
        Block *rest = new Block();
        rest->stream = stream;
        rest->size = b->size - size;
        rest->ptr = b->ptr + size;
        rest->small = b->small;
        rest->prev = b;
        rest->next = b->next;
        if (b->next) b->next->prev = rest;
        b->next = rest;
        b->size = size;
        pool_of(rest).insert(rest);
    }
    b->allocated = true;
    b->requested = nbytes;
    active_[b->ptr] = b;
    stats_.allocated += b->size;
    stats_.allocated_total += b->size;
    stats_.num_allocs++;
    stats_.active_blocks++;
    stats_.requested += nbytes;
    update_peaks();
    *ptr = b->ptr;
    return 0;
}

bool CachingAllocator::owns(void *ptr)
{
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = active_.find(ptr);
    return it != active_.end() && it->second->allocated;
}

bool CachingAllocator::free(void *ptr)
{
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = active_.find(ptr);
    if (it == active_.end() || !it->second->allocated) return false;
    Block *b = it->second;
    b->allocated = false;
    stats_.allocated -= b->size;
    stats_.freed_total += b->size;
    stats_.num_frees++;
    stats_.active_blocks--;
    stats_.requested -= b->requested;
    b->requested = 0;
    // work queued on other streams may still use it: wait for them before reuse
    for (uintptr_t s : b->stream_uses) {
        void *event = nullptr;
        if (backend_->record_event(&event, s) == 0) {
            events_.emplace_back(event, b);
            b->pending_events++;
        }
    }
    b->stream_uses.clear();
    if (b->pending_events == 0) {
        active_.erase(it);
        insert_free(b);
    }
    return true;
}

void CachingAllocator::process_events()
{
    for (auto it = events_.begin(); it != events_.end();) {
        if (!backend_->event_done(it->first)) {
            ++it;
            continue;
        }
        backend_->destroy_event(it->first);
        Block *b = it->second;
        it = events_.erase(it);
        if (--b->pending_events == 0) {
            active_.erase(b->ptr);
            insert_free(b);
        }
    }
}

static bool is_free(const Block *b)
{
    return b && !b->allocated && b->pending_events == 0;
}

void CachingAllocator::insert_free(Block *b)
{
    Pool &pool = pool_of(b);
    if (is_free(b->prev)) {            // absorb the free block before it
        Block *p = b->prev;
        pool.erase(p);
        p->size += b->size;
        p->next = b->next;
        if (b->next) b->next->prev = p;
        delete b;
        b = p;
    }
    if (is_free(b->next)) {            // and the one after it
        Block *n = b->next;
        pool.erase(n);
        b->size += n->size;
        b->next = n->next;
        if (n->next) n->next->prev = b;
        delete n;
    }
    pool.insert(b);
}

void CachingAllocator::release_free_segments()
{
    for (Pool *pool : {&small_, &large_}) {
        for (auto it = pool->begin(); it != pool->end();) {
            Block *b = *it;
            if (b->prev || b->next) {      // a part of a segment still in use
                ++it;
                continue;
            }
            it = pool->erase(it);
            segments_.erase((uintptr_t)b->ptr);
            backend_->free(b->ptr);
            stats_.reserved -= b->size;
            stats_.segments--;
            stats_.num_device_frees++;
            delete b;
        }
    }
}

void CachingAllocator::empty_cache()
{
    std::lock_guard<std::mutex> lock(mutex_);
    process_events();
    release_free_segments();
}

int CachingAllocator::record_stream(void *ptr, uintptr_t stream)
{
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = active_.find(ptr);
    if (it == active_.end() || !it->second->allocated) return PYT_CUDA_ERR_INVALID;
    if (stream != it->second->stream) it->second->stream_uses.insert(stream);
    return 0;
}

void CachingAllocator::update_peaks()
{
    stats_.max_allocated = std::max(stats_.max_allocated, stats_.allocated);
    stats_.max_reserved = std::max(stats_.max_reserved, stats_.reserved);
    stats_.max_requested = std::max(stats_.max_requested, stats_.requested);
    stats_.max_active_blocks = std::max(stats_.max_active_blocks, stats_.active_blocks);
    stats_.max_segments = std::max(stats_.max_segments, stats_.segments);
}

void CachingAllocator::stats(pyt_cuda_memory_stats *out)
{
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.inactive_split = 0;
    stats_.inactive_split_bytes = 0;
    for (Pool *pool : {&small_, &large_})
        for (const Block *b : *pool)
            if (b->prev || b->next) {      // free, in a segment that is partly in use
                stats_.inactive_split++;
                stats_.inactive_split_bytes += b->size;
            }
    *out = stats_;
}

void CachingAllocator::reset_peak()
{
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.max_allocated = stats_.allocated;
    stats_.max_reserved = stats_.reserved;
    stats_.max_requested = stats_.requested;
    stats_.max_active_blocks = stats_.active_blocks;
    stats_.max_segments = stats_.segments;
}

int CachingAllocator::blocks(int64_t *out, int max)
{
    std::lock_guard<std::mutex> lock(mutex_);
    int n = 0;
    for (auto &seg : segments_)
        for (const Block *b = seg.second; b; b = b->next) {
            if (n < max) {
                out[3 * n] = (int64_t)seg.second->segment_size;
                out[3 * n + 1] = (int64_t)b->size;
                out[3 * n + 2] = b->allocated ? 1 : b->pending_events ? 2 : 0;
            }
            n++;
        }
    return std::min(n, max);
}

// 1.50 GiB, 20.00 MiB, 512 bytes: as torch writes sizes
static std::string format_size(size_t bytes)
{
    char buf[64];
    if (bytes < 1024)
        snprintf(buf, sizeof buf, "%zu bytes", bytes);
    else if (bytes < ((size_t)1 << 20))
        snprintf(buf, sizeof buf, "%.2f KiB", bytes / 1024.0);
    else if (bytes < ((size_t)1 << 30))
        snprintf(buf, sizeof buf, "%.2f MiB", bytes / 1048576.0);
    else
        snprintf(buf, sizeof buf, "%.2f GiB", bytes / 1073741824.0);
    return buf;
}

std::string CachingAllocator::describe_oom(size_t nbytes)
{
    std::string msg = "CUDA out of memory. Tried to allocate " + format_size(round_size(nbytes)) + ".";
    size_t free_bytes = 0, total_bytes = 0;
    if (backend_->mem_info(&free_bytes, &total_bytes))
        msg += " GPU " + std::to_string(device_) + " has a total capacity of " +
               format_size(total_bytes) + " of which " + format_size(free_bytes) + " is free.";
    msg += " Of the allocated memory " + format_size((size_t)stats_.allocated) +
           " is allocated by pyt, and " +
           format_size((size_t)(stats_.reserved - stats_.allocated)) +
           " is reserved by pyt but unallocated.";
    return msg;
}

std::string CachingAllocator::oom_message()
{
    std::lock_guard<std::mutex> lock(mutex_);
    return oom_message_;
}

// ---- the host backend: malloc under a capacity; events completed by the test ---------

struct HostEvent {
    uintptr_t stream;
    bool done;
};

struct HostBackend : Backend {
    size_t capacity, used = 0;
    bool hold_events = false;       // false: events complete at once
    std::unordered_map<void *, size_t> sizes;
    std::set<HostEvent *> events;

    explicit HostBackend(size_t cap) : capacity(cap) {}
    ~HostBackend() override
    {
        for (HostEvent *e : events) delete e;
    }
    int malloc(void **ptr, size_t nbytes) override
    {
        if (nbytes > capacity - used) return PYT_CUDA_ERR_OOM;
        *ptr = std::malloc(nbytes);
        if (!*ptr) return PYT_CUDA_ERR_OOM;
        used += nbytes;
        sizes[*ptr] = nbytes;
        return 0;
    }
    void free(void *ptr) override
    {
        used -= sizes[ptr];
        sizes.erase(ptr);
        std::free(ptr);
    }
    int record_event(void **event, uintptr_t stream) override
    {
        HostEvent *e = new HostEvent{stream, !hold_events};
        events.insert(e);
        *event = e;
        return 0;
    }
    bool event_done(void *event) override { return ((HostEvent *)event)->done; }
    void destroy_event(void *event) override
    {
        events.erase((HostEvent *)event);
        delete (HostEvent *)event;
    }
    bool mem_info(size_t *free_bytes, size_t *total_bytes) override
    {
        *free_bytes = capacity - used;
        *total_bytes = capacity;
        return true;
    }
};

}  // namespace pyt_alloc

using namespace pyt_alloc;

struct pyt_alloc_test {
    HostBackend backend;
    CachingAllocator allocator;
    std::string message;
    explicit pyt_alloc_test(size_t capacity) : backend(capacity), allocator(&backend, 0) {}
};

extern "C" {

pyt_alloc_test *pyt_alloc_test_new(size_t capacity)
{
    return new pyt_alloc_test(capacity);
}

void pyt_alloc_test_delete(pyt_alloc_test *a)
{
    delete a;
}

int pyt_alloc_test_malloc(pyt_alloc_test *a, void **ptr, size_t nbytes, uintptr_t stream)
{
    return a->allocator.malloc(ptr, nbytes, stream);
}

void pyt_alloc_test_free(pyt_alloc_test *a, void *ptr)
{
    a->allocator.free(ptr);
}

int pyt_alloc_test_record_stream(pyt_alloc_test *a, void *ptr, uintptr_t stream)
{
    return a->allocator.record_stream(ptr, stream);
}

void pyt_alloc_test_hold_events(pyt_alloc_test *a, int hold)
{
    a->backend.hold_events = hold != 0;
}

int pyt_alloc_test_complete_events(pyt_alloc_test *a, uintptr_t stream)
{
    int n = 0;
    for (HostEvent *e : a->backend.events)
        if (e->stream == stream && !e->done) {
            e->done = true;
            n++;
        }
    return n;
}

int pyt_alloc_test_empty_cache(pyt_alloc_test *a)
{
    a->allocator.empty_cache();
    return 0;
}

int pyt_alloc_test_stats(pyt_alloc_test *a, pyt_cuda_memory_stats *stats)
{
    a->allocator.stats(stats);
    return 0;
}

int pyt_alloc_test_reset_peak(pyt_alloc_test *a)
{
    a->allocator.reset_peak();
    return 0;
}

const char *pyt_alloc_test_oom_message(pyt_alloc_test *a)
{
    a->message = a->allocator.oom_message();
    return a->message.c_str();
}

int pyt_alloc_test_blocks(pyt_alloc_test *a, int64_t *out, int max)
{
    return a->allocator.blocks(out, max);
}

}  // extern "C"
