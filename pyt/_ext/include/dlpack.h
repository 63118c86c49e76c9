/* The DLPack exchange ABI (https://dmlc.github.io/dlpack/latest/), as pyt uses it.

   Only the binary layout matters: producers and consumers in other libraries are
   compiled against their own copy of these declarations, so field order, field types
   and the numeric values of the enums below must match the specification exactly.
   Written from the spec for pyt; versions 0.8 (legacy, unversioned) and 1.x. */
#ifndef PYT_DLPACK_H
#define PYT_DLPACK_H
#include <stdint.h>

#define DLPACK_MAJOR_VERSION 1
#define DLPACK_MINOR_VERSION 0

/* Where the memory lives. pyt uses kDLCPU only for now; the others are listed so
   that error messages can name what a producer handed over. */
enum {
    kDLCPU = 1,
    kDLCUDA = 2,
    kDLCUDAHost = 3,
    kDLOpenCL = 4,
    kDLVulkan = 7,
    kDLMetal = 8,
    kDLVPI = 9,
    kDLROCM = 10,
    kDLROCMHost = 11,
    kDLExtDev = 12,
    kDLCUDAManaged = 13,
    kDLOneAPI = 14,
    kDLWebGPU = 15,
    kDLHexagon = 16
};

typedef struct {
    int32_t device_type;   /* one of the kDL* device values (a C enum: int-sized) */
    int32_t device_id;     /* 0 for the CPU */
} DLDevice;

/* Kind of element; with the bit width it names the dtype. */
enum {
    kDLInt = 0,
    kDLUInt = 1,
    kDLFloat = 2,
    kDLOpaqueHandle = 3,
    kDLBfloat = 4,
    kDLComplex = 5,
    kDLBool = 6
};

typedef struct {
    uint8_t code;          /* kDLInt, kDLFloat, ... */
    uint8_t bits;          /* bits per lane: 8, 16, 32, 64 */
    uint16_t lanes;        /* 1 for plain (non-vector) elements */
} DLDataType;

/* A strided view; shape and strides arrays are owned by the producer. */
typedef struct {
    void* data;            /* start of the allocation (or of the view, byte_offset 0) */
    DLDevice device;
    int32_t ndim;
    DLDataType dtype;
    int64_t* shape;        /* ndim sizes */
    int64_t* strides;      /* ndim strides in ELEMENTS; NULL means C-contiguous */
    uint64_t byte_offset;  /* first element at (char*)data + byte_offset */
} DLTensor;

/* Legacy (pre-1.0) managed tensor, carried in a capsule named "dltensor". */
typedef struct DLManagedTensor {
    DLTensor dl_tensor;
    void* manager_ctx;     /* the producer's bookkeeping */
    void (*deleter)(struct DLManagedTensor* self);   /* may be NULL */
} DLManagedTensor;

typedef struct {
    uint32_t major;
    uint32_t minor;
} DLPackVersion;

/* Bits of DLManagedTensorVersioned.flags */
#define DLPACK_FLAG_BITMASK_READ_ONLY (1ULL << 0)
#define DLPACK_FLAG_BITMASK_IS_COPIED (1ULL << 1)

/* Versioned managed tensor (DLPack >= 1.0), in a capsule named "dltensor_versioned".
   The version comes first so that a consumer can check it before reading the rest. */
typedef struct DLManagedTensorVersioned {
    DLPackVersion version;
    void* manager_ctx;
    void (*deleter)(struct DLManagedTensorVersioned* self);   /* may be NULL */
    uint64_t flags;
    DLTensor dl_tensor;
} DLManagedTensorVersioned;

#endif /* PYT_DLPACK_H */
