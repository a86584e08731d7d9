// One macro marks every function that must run on both sides: compiled by g++ for the CPU
// backend and by nvcc for kernels. Keep everything behind it free of I/O, exceptions and
// dynamic allocation.
#pragma once

#if defined(__CUDACC__)
#define HBM_HD __host__ __device__ inline
#else
#define HBM_HD inline
#endif

// The same, for a step functor's body (models/batch_steps.hpp): always inlined into its kernel.
// Left to itself nvcc may call a large body as a function, and the functor it is a member of
// (the view and the engine's array pointers, several hundred bytes) then goes to local memory
// for its `this`: ptxas -v showed 560-768 bytes of stack per thread in the two-arm kernels.
#if defined(__CUDACC__)
#define HBM_HD_BODY __host__ __device__ __forceinline__
#else
#define HBM_HD_BODY inline
#endif
