/* pyt_cuda.h's runtime: errors, devices, streams and events, and memory (the caching
   allocator of allocator.h over cudaMalloc, one per device; page-locked host memory;
   copies). The current stream is per thread and per device, NULL (the legacy default
   stream) until set, as torch's default stream behaves. */
#include <cuda_runtime.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

#include "allocator.h"
#include "pyt_cuda.h"

namespace {

constexpr int kMaxDevices = 64;

// the CUDA side of the caching allocator, for one device
struct CudaBackend : pyt_alloc::Backend {
    int device;
    explicit CudaBackend(int d) : device(d) {}

    // runs f with `device` current (allocator calls may come from another device's code)
    template <class F> cudaError_t on_device(F f)
    {
        int prev = -1;
        cudaGetDevice(&prev);
        if (prev != device) {
            cudaError_t err = cudaSetDevice(device);
            if (err != cudaSuccess) return err;
        }
        cudaError_t err = f();
        if (prev != device && prev >= 0) cudaSetDevice(prev);
        return err;
    }

    int malloc(void **ptr, size_t nbytes) override
    {
        cudaError_t err = on_device([&] { return cudaMalloc(ptr, nbytes); });
        if (err == cudaErrorMemoryAllocation) {
            cudaGetLastError();         // not sticky: clear it so later checks pass
            return PYT_CUDA_ERR_OOM;
        }
        return (int)err;
    }
    void free(void *ptr) override
    {
        on_device([&] { return cudaFree(ptr); });
    }
    int record_event(void **event, uintptr_t stream) override
    {
        return (int)on_device([&] {
            cudaEvent_t e;
            cudaError_t err = cudaEventCreateWithFlags(&e, cudaEventDisableTiming);
            if (err != cudaSuccess) return err;
            err = cudaEventRecord(e, (cudaStream_t)stream);
            if (err != cudaSuccess) {
                cudaEventDestroy(e);
                return err;
            }
            *event = (void *)e;
            return cudaSuccess;
        });
    }
    bool event_done(void *event) override
    {
        cudaError_t err = cudaEventQuery((cudaEvent_t)event);
        if (err == cudaErrorNotReady) {
            cudaGetLastError();
            return false;
        }
        return true;    // done, or failed: either way nothing more will use the block
    }
    void destroy_event(void *event) override
    {
        cudaEventDestroy((cudaEvent_t)event);
    }
    bool mem_info(size_t *free_bytes, size_t *total_bytes) override
    {
        return on_device([&] { return cudaMemGetInfo(free_bytes, total_bytes); }) == cudaSuccess;
    }
};

struct DeviceAllocator {
    CudaBackend backend;
    pyt_alloc::CachingAllocator allocator;
    explicit DeviceAllocator(int d) : backend(d), allocator(&backend, d) {}
};

std::mutex allocators_mutex;
// created on first use and never destroyed: blocks may be freed during interpreter exit
std::atomic<DeviceAllocator *> allocators[kMaxDevices];

DeviceAllocator *allocator_for(int device)
{
    if (device < 0 || device >= kMaxDevices) return nullptr;
    DeviceAllocator *a = allocators[device].load();
    if (a) return a;
    std::lock_guard<std::mutex> lock(allocators_mutex);
    if (!allocators[device].load()) allocators[device].store(new DeviceAllocator(device));
    return allocators[device].load();
}

DeviceAllocator *allocator_owning(void *ptr)
{
    for (int d = 0; d < kMaxDevices; d++) {
        DeviceAllocator *a = allocators[d].load();
        if (a && a->allocator.owns(ptr)) return a;
    }
    return nullptr;
}

thread_local pyt_cuda_stream current_streams[kMaxDevices];
thread_local std::string oom_message;

int current_device()
{
    int d = 0;
    if (cudaGetDevice(&d) != cudaSuccess) {
        cudaGetLastError();
        return -1;
    }
    return d;
}

}  // namespace

extern "C" {

/* ---- errors ------------------------------------------------------------------------ */

const char *pyt_cuda_error_string(int err)
{
    switch (err) {
    case PYT_CUDA_OK: return "no error";
    case PYT_CUDA_ERR_NOT_BUILT: return "pyt was built without CUDA";
    case PYT_CUDA_ERR_OOM: return "CUDA out of memory";
    case PYT_CUDA_ERR_UNSUPPORTED: return "no CUDA kernel for this operation and dtype";
    case PYT_CUDA_ERR_TOO_MANY_DIMS: return "too many dimensions for a CUDA kernel";
    case PYT_CUDA_ERR_INDEX: return "index out of range";
    case PYT_CUDA_ERR_INVALID: return "invalid argument to a CUDA call";
    case PYT_CUDA_ERR_NOT_READY: return "CUDA work not ready";
    }
    if (err < 0) return "unknown pyt CUDA error";
    return cudaGetErrorString((cudaError_t)err);
}

int pyt_cuda_is_built(void) { return 1; }

/* ---- devices ----------------------------------------------------------------------- */

int pyt_cuda_device_count(int *count)
{
    *count = 0;
    cudaError_t err = cudaGetDeviceCount(count);
    if (err != cudaSuccess) {
        *count = 0;
        cudaGetLastError();
    }
    return (int)err;
}

int pyt_cuda_get_device(int *device) { return (int)cudaGetDevice(device); }
int pyt_cuda_set_device(int device) { return (int)cudaSetDevice(device); }
int pyt_cuda_synchronize(void) { return (int)cudaDeviceSynchronize(); }

int pyt_cuda_get_properties(int device, pyt_cuda_properties *props)
{
    cudaDeviceProp p;
    cudaError_t err = cudaGetDeviceProperties(&p, device);
    if (err != cudaSuccess) return (int)err;
    snprintf(props->name, sizeof props->name, "%s", p.name);
    props->total_memory = p.totalGlobalMem;
    props->major = p.major;
    props->minor = p.minor;
    props->multi_processor_count = p.multiProcessorCount;
    return 0;
}

int pyt_cuda_mem_get_info(size_t *free_bytes, size_t *total_bytes)
{
    return (int)cudaMemGetInfo(free_bytes, total_bytes);
}

/* ---- streams and events ------------------------------------------------------------ */

pyt_cuda_stream pyt_cuda_current_stream(void)
{
    int d = current_device();
    return d >= 0 && d < kMaxDevices ? current_streams[d] : NULL;
}

void pyt_cuda_set_current_stream(pyt_cuda_stream s)
{
    int d = current_device();
    if (d >= 0 && d < kMaxDevices) current_streams[d] = s;
}

int pyt_cuda_stream_create(pyt_cuda_stream *s, int priority)
{
    cudaStream_t stream;
    // non-blocking, as torch's side streams: no implicit sync with the default stream
    cudaError_t err = cudaStreamCreateWithPriority(&stream, cudaStreamNonBlocking, priority);
    if (err != cudaSuccess) return (int)err;
    *s = (pyt_cuda_stream)stream;
    return 0;
}

int pyt_cuda_stream_destroy(pyt_cuda_stream s) { return (int)cudaStreamDestroy((cudaStream_t)s); }

static int ready_or_not(cudaError_t err)
{
    if (err == cudaErrorNotReady) {
        cudaGetLastError();
        return PYT_CUDA_ERR_NOT_READY;
    }
    return (int)err;
}

int pyt_cuda_stream_query(pyt_cuda_stream s) { return ready_or_not(cudaStreamQuery((cudaStream_t)s)); }
int pyt_cuda_stream_synchronize(pyt_cuda_stream s) { return (int)cudaStreamSynchronize((cudaStream_t)s); }

int pyt_cuda_stream_wait_event(pyt_cuda_stream s, pyt_cuda_event e)
{
    return (int)cudaStreamWaitEvent((cudaStream_t)s, (cudaEvent_t)e, 0);
}

int pyt_cuda_event_create(pyt_cuda_event *e, int enable_timing, int blocking, int interprocess)
{
    unsigned flags = enable_timing ? cudaEventDefault : cudaEventDisableTiming;
    if (blocking) flags |= cudaEventBlockingSync;
    if (interprocess) flags |= cudaEventInterprocess | cudaEventDisableTiming;
    cudaEvent_t event;
    cudaError_t err = cudaEventCreateWithFlags(&event, flags);
    if (err != cudaSuccess) return (int)err;
    *e = (pyt_cuda_event)event;
    return 0;
}

int pyt_cuda_event_destroy(pyt_cuda_event e) { return (int)cudaEventDestroy((cudaEvent_t)e); }

int pyt_cuda_event_record(pyt_cuda_event e, pyt_cuda_stream s)
{
    return (int)cudaEventRecord((cudaEvent_t)e, (cudaStream_t)s);
}

int pyt_cuda_event_query(pyt_cuda_event e) { return ready_or_not(cudaEventQuery((cudaEvent_t)e)); }
int pyt_cuda_event_synchronize(pyt_cuda_event e) { return (int)cudaEventSynchronize((cudaEvent_t)e); }

int pyt_cuda_event_elapsed_time(float *ms, pyt_cuda_event start, pyt_cuda_event end)
{
    return (int)cudaEventElapsedTime(ms, (cudaEvent_t)start, (cudaEvent_t)end);
}

/* ---- memory ------------------------------------------------------------------------ */

int pyt_cuda_malloc(void **ptr, size_t nbytes)
{
    *ptr = NULL;
    if (nbytes == 0) return 0;
    int d = current_device();
    DeviceAllocator *a = allocator_for(d);
    if (!a) return d < 0 ? (int)cudaErrorNoDevice : PYT_CUDA_ERR_INVALID;
    int err = a->allocator.malloc(ptr, nbytes, (uintptr_t)pyt_cuda_current_stream());
    if (err == PYT_CUDA_ERR_OOM) oom_message = a->allocator.oom_message();
    return err;
}

void pyt_cuda_free(void *ptr)
{
    if (!ptr) return;
    for (int d = 0; d < kMaxDevices; d++) {
        DeviceAllocator *a = allocators[d].load();
        if (a && a->allocator.free(ptr)) return;
    }
}

const char *pyt_cuda_oom_message(void)
{
    return oom_message.c_str();
}

int pyt_cuda_record_stream(void *ptr, pyt_cuda_stream s)
{
    DeviceAllocator *a = allocator_owning(ptr);
    if (!a) return PYT_CUDA_ERR_INVALID;
    return a->allocator.record_stream(ptr, (uintptr_t)s);
}

int pyt_cuda_empty_cache(void)
{
    for (int d = 0; d < kMaxDevices; d++) {
        DeviceAllocator *a = allocators[d].load();
        if (a) a->allocator.empty_cache();
    }
    return 0;
}

int pyt_cuda_get_memory_stats(int device, pyt_cuda_memory_stats *stats)
{
    int count = 0;
    int err = pyt_cuda_device_count(&count);
    if (err) return err;
    if (device < 0 || device >= count) return (int)cudaErrorInvalidDevice;
    DeviceAllocator *a = allocator_for(device);
    if (!a) return PYT_CUDA_ERR_INVALID;
    a->allocator.stats(stats);
    return 0;
}

int pyt_cuda_reset_peak_memory_stats(int device)
{
    int count = 0;
    int err = pyt_cuda_device_count(&count);
    if (err) return err;
    if (device < 0 || device >= count) return (int)cudaErrorInvalidDevice;
    DeviceAllocator *a = allocator_for(device);
    if (!a) return PYT_CUDA_ERR_INVALID;
    a->allocator.reset_peak();
    return 0;
}

int pyt_cuda_host_alloc(void **ptr, size_t nbytes)
{
    *ptr = NULL;
    if (nbytes == 0) return 0;
    cudaError_t err = cudaHostAlloc(ptr, nbytes, cudaHostAllocDefault);
    if (err != cudaSuccess) {
        cudaGetLastError();
        *ptr = NULL;
    }
    return (int)err;
}

int pyt_cuda_host_free(void *ptr)
{
    if (!ptr) return 0;
    return (int)cudaFreeHost(ptr);
}

int pyt_cuda_is_pinned(const void *ptr)
{
    if (!ptr) return 0;
    int count = 0;
    if (pyt_cuda_device_count(&count) != 0 || count == 0) return 0;
    cudaPointerAttributes attr;
    if (cudaPointerGetAttributes(&attr, ptr) != cudaSuccess) {
        cudaGetLastError();
        return 0;
    }
    return attr.type == cudaMemoryTypeHost;
}

int pyt_cuda_memcpy(void *dst, const void *src, size_t nbytes, int kind, int non_blocking)
{
    cudaMemcpyKind k;
    switch (kind) {
    case PYT_CUDA_H2D: k = cudaMemcpyHostToDevice; break;
    case PYT_CUDA_D2H: k = cudaMemcpyDeviceToHost; break;
    case PYT_CUDA_D2D: k = cudaMemcpyDeviceToDevice; break;
    default: return PYT_CUDA_ERR_INVALID;
    }
    if (nbytes == 0) return 0;
    cudaStream_t stream = (cudaStream_t)pyt_cuda_current_stream();
    cudaError_t err = cudaMemcpyAsync(dst, src, nbytes, k, stream);
    if (err == cudaSuccess && !non_blocking) err = cudaStreamSynchronize(stream);
    return (int)err;
}

int pyt_cuda_memset(void *dst, int value, size_t nbytes)
{
    if (nbytes == 0) return 0;
    return (int)cudaMemsetAsync(dst, value, nbytes, (cudaStream_t)pyt_cuda_current_stream());
}

}  // extern "C"
