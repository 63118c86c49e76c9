/* The caching allocator's bookkeeping (DESIGN.md decision 7), in plain C++ so that it
   builds without CUDA and its tests run on the host. The device side is a Backend:
   runtime.cu gives it cudaMalloc / cudaFree / events, allocator.cpp a host one over
   malloc for pyt_alloc_test_*.

   Sizes are rounded up to 512 B. Requests up to 1 MiB come from a small pool carved from
   2 MiB segments, up to 10 MiB from 20 MiB segments, larger ones get a segment of their
   own rounded up to 2 MiB. A free block is found by best fit in a set ordered by
   (stream, size, address), so a block is only reused on the stream it was made for; it
   is split when the rest is worth keeping and merged with its free neighbours on free.
   A block also used on other streams (record_stream) becomes free again only when
   events recorded on those streams at free time have completed. */
#ifndef PYT_ALLOCATOR_H
#define PYT_ALLOCATOR_H

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>

#include "pyt_cuda.h"

namespace pyt_alloc {

constexpr size_t kRound = 512;                  // every size is a multiple of this
constexpr size_t kSmallRequest = 1 << 20;       // <= 1 MiB: the small pool
constexpr size_t kSmallSegment = 2 << 20;       // the small pool's segments
constexpr size_t kLargeRequest = 10 << 20;      // < 10 MiB: a shared 20 MiB segment
constexpr size_t kLargeSegment = 20 << 20;
constexpr size_t kSegmentRound = 2 << 20;       // a big request's own segment

size_t round_size(size_t nbytes);
size_t segment_size_for(size_t rounded);

// What the allocator needs from the device. Streams are opaque integers (a
// cudaStream_t's value; 0 the default stream), events opaque pointers.
struct Backend {
    virtual ~Backend() {}
    // 0, PYT_CUDA_ERR_OOM when the device is out of memory (the allocator then frees its
    // cache and retries), or another error code (returned as it is)
    virtual int malloc(void **ptr, size_t nbytes) = 0;
    virtual void free(void *ptr) = 0;
    // an event recorded now on stream; 0 or an error code
    virtual int record_event(void **event, uintptr_t stream) = 0;
    virtual bool event_done(void *event) = 0;
    virtual void destroy_event(void *event) = 0;
    // for the out-of-memory message; false when unknown
    virtual bool mem_info(size_t *free_bytes, size_t *total_bytes) = 0;
};

struct Block {
    uintptr_t stream;
    size_t size;
    size_t requested = 0;        // bytes asked for (allocated blocks)
    char *ptr;
    bool allocated = false;
    bool small;
    int pending_events = 0;      // freed, waiting for other streams' events
    Block *prev = nullptr, *next = nullptr;   // neighbours in the segment
    std::set<uintptr_t> stream_uses;          // other streams it was used on
    size_t segment_size = 0;     // on a segment's first block
};

struct ByStreamSizeAddress {
    bool operator()(const Block *a, const Block *b) const {
        if (a->stream != b->stream) return a->stream < b->stream;
        if (a->size != b->size) return a->size < b->size;
        return (uintptr_t)a->ptr < (uintptr_t)b->ptr;
    }
};

class CachingAllocator {
public:
    // device: the index that messages name
    CachingAllocator(Backend *backend, int device) : backend_(backend), device_(device) {}
    ~CachingAllocator();

    // 0 and *ptr (NULL for 0 bytes), PYT_CUDA_ERR_OOM, or a backend error
    int malloc(void **ptr, size_t nbytes, uintptr_t stream);
    // false when ptr is not one of this allocator's blocks
    bool free(void *ptr);
    bool owns(void *ptr);
    // 0, or PYT_CUDA_ERR_INVALID when ptr is not an allocated block of this allocator
    int record_stream(void *ptr, uintptr_t stream);
    // gives every fully free segment back to the backend
    void empty_cache();
    void stats(pyt_cuda_memory_stats *out);
    void reset_peak();
    // the message of the last failure to allocate
    std::string oom_message();
    // (segment size, block size, state) per block in address order; state 0 free,
    // 1 allocated, 2 freed but waiting for events
    int blocks(int64_t *out, int max);

private:
    using Pool = std::set<Block *, ByStreamSizeAddress>;
    Pool &pool_of(const Block *b) { return b->small ? small_ : large_; }
    Block *find_free(size_t size, uintptr_t stream, bool small);
    int new_segment(Block **out, size_t size, uintptr_t stream, bool small);
    void release_free_segments();
    void insert_free(Block *b);     // merges with free neighbours, then pools it
    void process_events();
    void update_peaks();
    std::string describe_oom(size_t nbytes);

    Backend *backend_;
    int device_;
    std::mutex mutex_;
    Pool small_, large_;
    std::unordered_map<void *, Block *> active_;  // handed out or waiting for events
    std::map<uintptr_t, Block *> segments_;       // first blocks, by address
    std::deque<std::pair<void *, Block *>> events_;
    pyt_cuda_memory_stats stats_ = {};
    std::string oom_message_;
};

}  // namespace pyt_alloc

#endif
